/* touchstone training: a practitioner's training records. */
#include "catalog/catalog.h"
#include "cli/cli.h"
#include "record/record_json.h"
#include "record/training.h"

#include <stdio.h>

COMMAND("training", cmd_training, "record a practitioner's training in a protocol")

static int training_add_cmd(struct cli *c, int argc, const char **argv)
{
    struct training_new in = {0};
    const char *practitioner = NULL;
    struct opt opts[] = {
        {"practitioner", OPT_STRING, &practitioner, "ID",
         "the practitioner's id", 1, 0},
        {"protocol", OPT_STRING, &in.protocol_id, "PROTOCOL_ID",
         "the protocol trained in, as in low-back-pain", 1, 0},
        {"hours", OPT_DOUBLE, &in.hours, "H", "hours of training", 1, 0},
        {"completed", OPT_STRING, &in.completed_on, "DATE",
         "date completed (YYYY-MM-DD)", 1, 0},
        {"provider", OPT_STRING, &in.provider, "TEXT",
         "who gave the training", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Records completed training and prints the new id. A "
                  "practitioner delivers a protocol only when trained in it "
                  "(and in the full-body baseline).") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    int64_t id;
    struct catalog *cat = NULL;
    int rc = cli_parse_id(practitioner, "practitioner", &in.practitioner_id,
                          &e);
    if (rc == 0 && c->catalog_dir)
        rc = catalog_load(c->catalog_dir, &cat, &e);
    in.catalog = cat;
    if (rc == 0)
        rc = cli_open_store(c, &e);
    if (rc == 0)
        rc = training_add(c->store, &actor_cli, &in, &id, &e);
    catalog_free(cat);
    if (rc < 0)
        return cli_fail(c, &e);
    return cli_print_id(c, id);
}

static int training_list_cmd(struct cli *c, int argc, const char **argv)
{
    const char *practitioner = NULL;
    struct opt opts[] = {
        {"practitioner", OPT_STRING, &practitioner, "ID",
         "the practitioner's id", 1, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts,
                  "Lists a practitioner's training records.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    int64_t id;
    struct training_list l;
    if (cli_parse_id(practitioner, "practitioner", &id, &e) < 0 ||
        cli_open_store(c, &e) < 0 ||
        training_list(c->store, &actor_cli, id, &l, &e) < 0)
        return cli_fail(c, &e);
    if (c->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < l.count; i++)
            json_array_append_new(a, training_to_json(&l.items[i]));
        training_list_release(&l);
        return cli_print_json(c, a);
    }
    for (size_t i = 0; i < l.count; i++)
        printf("%-6lld %-32s %6g h  %s  %s\n", (long long)l.items[i].id,
               l.items[i].protocol_id, l.items[i].hours,
               l.items[i].completed_on, l.items[i].provider);
    if (!l.count)
        printf("no training recorded\n");
    training_list_release(&l);
    return EXIT_OK;
}

int cmd_training(struct cli *c, int argc, const char **argv)
{
    static const struct cli_command verbs[] = {
        {"add", training_add_cmd, "record completed training"},
        {"list", training_list_cmd, "list a practitioner's training"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, argc, argv, verbs,
                        "Practitioners' training in protocols (scope of "
                        "practice).");
}
