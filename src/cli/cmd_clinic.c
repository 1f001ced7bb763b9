/* touchstone clinic: the clinic's own settings (its name, its public
 * place for the registry's directory). */
#include "cli/cli.h"
#include "record/clinic.h"
#include "record/listing.h"

#include <stdio.h>

COMMAND("clinic", cmd_clinic, "the clinic's settings: show, set --state --zip3 (its public place in the registry's directory)")

static int clinic_print(struct cli *c)
{
    struct err e = ERR_INIT;
    char name[CLINIC_NAME_MAX + 1], state[3], zip3[4];
    if (clinic_name(c->store, name, sizeof(name), &e) < 0 ||
        listing_place(c->store, state, zip3, &e) < 0)
        return cli_fail(c, &e);
    if (c->json) {
        json_t *doc = json_pack("{ss}", "name", name);
        json_object_set_new(doc, "state",
                            state[0] ? json_string(state) : json_null());
        json_object_set_new(doc, "zip3",
                            zip3[0] ? json_string(zip3) : json_null());
        return cli_print_json(c, doc);
    }
    printf("clinic  %s\nstate   %s\nzip3    %s\n", name,
           state[0] ? state : "(not set)", zip3[0] ? zip3 : "(not set)");
    return EXIT_OK;
}

static int clinic_show_cmd(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    return clinic_print(c);
}

static int clinic_set_cmd(struct cli *c, int argc, const char **argv)
{
    const char *state = NULL, *zip3 = NULL;
    struct opt opts[] = {
        {"state", OPT_STRING, &state, "XX",
         "the clinic's state, two letters (\"\" clears it)", 0, 0},
        {"zip3", OPT_STRING, &zip3, "NNN",
         "the first three digits of the clinic's ZIP code (\"\" clears it)",
         0, 0},
        OPT_END,
    };
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    if (!state && !zip3)
        return cli_error(c, EXIT_BAD_INPUT, "state", "give --state, --zip3 "
                         "or both");
    struct err e = ERR_INIT;
    if (listing_set_place(c->store, &actor_cli, state, zip3, &e) < 0)
        return cli_fail(c, &e);
    return clinic_print(c);
}

CLI_VERB_COMMAND(cmd_clinic,
    "The clinic's settings.",
    {"show", clinic_show_cmd, "the clinic's name and public place",
     "Shows the clinic's name and its public place (state "
     "and the first three digits of its ZIP code)."},
    {"set", clinic_set_cmd, "set the clinic's state and 3-digit ZIP",
     "Sets the clinic's public place, which the "
     "registry's directory shows with the practitioners "
     "the clinic lists (sent by 'touchstone registry "
     "directory'). Only the state and three digits of "
     "the clinic's ZIP code: never a street."})
