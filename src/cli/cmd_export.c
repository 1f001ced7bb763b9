/*
 * touchstone export: data out of the clinic.
 *
 * Two forms share the command, chosen by the first argument:
 *   - a verb ("touchstone export fhir --patient 7"): the verbs table below;
 *   - options ("touchstone export --kind patient --format csv"): when the
 *     first argument starts with "--" (other than --help), the options
 *     form below handles the whole command line.
 * To add a verb, add a row to export_verbs; to give the options form,
 * point export_options_form at its function.
 */
#include "cli/bulk.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

COMMAND("export", cmd_export, "export records (FHIR R4, de-identified registry)")

static const char export_summary[] =
    "Exports records: 'export <verb> ...' for a document format.";

/* The verbs of the verb form, NULL-terminated. */
static const struct cli_command export_verbs[] = {
    {NULL, NULL, NULL},
};

/* The options form (first argument "--..."), or NULL when there is none. */
static const cli_fn export_options_form = cli_export_records;

int cmd_export(struct cli *c, int argc, const char **argv)
{
    int options = argc >= 2 && !strncmp(argv[1], "--", 2) &&
                  strcmp(argv[1], "--help");
    if (options) {
        if (!export_options_form)
            return cli_error(c, EXIT_BAD_INPUT, "", "'%.64s': name a verb "
                             "first (see 'touchstone export --help')",
                             argv[1]);
        return export_options_form(c, argc, argv);
    }
    return cli_dispatch(c, argc, argv, export_verbs, export_summary);
}
