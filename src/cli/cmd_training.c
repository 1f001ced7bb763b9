/* touchstone training: a practitioner's training records. */
#include "cli/cli.h"
#include "record/record_json.h"
#include "record/training.h"

#include <stdio.h>

COMMAND("training", cmd_training, "record a practitioner's training in a protocol")

static int training_add_cmd(struct cli *c, int argc, const char **argv)
{
    struct training_new in = {0};
    struct opt opts[] = {
        OPTION_PRACTITIONER(&in.practitioner_id, "the practitioner's id", 1),
        OPTION_PROTOCOL(&in.protocol_id,
                        "the protocol trained in, as in low-back-pain", 1),
        {"hours", OPT_DOUBLE, &in.hours, "H", "hours of training", 1, 0},
        {"completed", OPT_STRING, &in.completed_on, "DATE",
         "date completed (YYYY-MM-DD)", 1, 0},
        {"provider", OPT_STRING, &in.provider, "TEXT",
         "who gave the training", 0, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    int64_t id;
    if (cli_parse(c, argc, argv, opts, NULL) < 0 ||
        cli_catalog_override(c, &in.catalog, &e) < 0 ||
        cli_open_store(c, &e) < 0 ||
        training_add(c->store, &actor_cli, &in, &id, &e) < 0)
        return cli_stop(c, &e);
    return cli_print_id(c, id);
}

CLI_TO_JSON(training_json, training_to_json)

static void training_row(const void *item)
{
    const struct training *t = item;
    printf("%-6lld %-32s %6g h  %s  %s\n", (long long)t->id, t->protocol_id,
           t->hours, t->completed_on, t->provider);
}

static const struct cli_list_format training_format = {
    training_json, NULL, training_row, "no training recorded"};

CLI_LIST_VERB(training_list_cmd, training, &training_format, int64_t,
              OPTION_PRACTITIONER(&filter, "the practitioner's id", 1))

CLI_VERB_COMMAND(cmd_training,
    "Practitioners' training in protocols (scope of "
    "practice).",
    {"add", training_add_cmd, "record completed training",
     "Records completed training and prints the new id. A practitioner "
     "delivers a protocol only when trained in it (and in the full-body "
     "baseline)."},
    {"list", training_list_cmd, "list a practitioner's training",
     "Lists a practitioner's training records."})
