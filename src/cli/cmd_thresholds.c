/* touchstone thresholds: the designation thresholds (admin). */
#include "cli/cli.h"
#include "core/util.h"
#include "outcomes/thresholds.h"

#include <stdio.h>

COMMAND("thresholds", cmd_thresholds, "show or set the designation thresholds")

/* Prints the thresholds the database holds: the whole JSON document with
 * --json; else one line each, or only "NAME = VALUE" when name is given. */
static int print_thresholds(struct cli *c, const char *name)
{
    struct err e = ERR_INIT;
    struct thresholds t;
    if (thresholds_load(c->store, &t, &e) < 0)
        return cli_fail(c, &e);
    json_t *doc = thresholds_to_json(&t);
    if (c->json)
        return cli_print_json(c, doc);
    if (name)
        printf("%s = %g\n", name,
               json_number_value(json_object_get(doc, name)));
    for (int i = 0; !name && i < thresholds_count(); i++) {
        double min, max;
        int whole;
        thresholds_range(i, &min, &max, &whole);
        json_t *v = json_object_get(doc, thresholds_name(i));
        printf("%-24s %8g   %s (%g to %g%s)\n", thresholds_name(i),
               json_number_value(v), thresholds_description(i), min, max,
               whole ? ", whole" : "");
    }
    json_decref(doc);
    return EXIT_OK;
}

static int thresholds_show(struct cli *c, int argc, const char **argv)
{
    if (cli_parse_none_open(c, argc, argv) < 0)
        return c->exit_code;
    return print_thresholds(c, NULL);
}

static int thresholds_set_cmd(struct cli *c, int argc, const char **argv)
{
    const char *name = NULL, *value = NULL;
    struct opt opts[] = {
        {"name", OPT_ARG, &name, "NAME", "the threshold", 1, 0},
        {"value", OPT_ARG, &value, "VALUE", "its new value", 1, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0 ||
        thresholds_set(c->store, &actor_cli, name, value, &e) < 0)
        return cli_stop(c, &e);
    return print_thresholds(c, name);
}

CLI_VERB_COMMAND(cmd_thresholds,
    "The thresholds of the designations 'reproducible' "
    "and 'advanced', kept in the database.",
    {"show", thresholds_show, "print the thresholds",
     "Prints the thresholds of the designations and of the registry "
     "model (docs/outcomes.md says why each default is what it is)."},
    {"set", thresholds_set_cmd, "set one threshold: NAME VALUE",
     "Sets one threshold (names and ranges: 'touchstone thresholds "
     "show'). Reports and certificates use it from then on."})
