/*
 * touchstone import: data into the clinic.
 *
 * Two forms share the command, chosen by the first argument:
 *   - a verb ("touchstone import fhir FILE"): the verbs table below;
 *   - options ("touchstone import --kind patient FILE"): when the
 *     first argument starts with "--" (other than --help), the options
 *     form below handles the whole command line.
 * To add a verb, add a row to import_verbs; to give the options form,
 * point import_options_form at its function.
 */
#include "cli/bulk.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

COMMAND("import", cmd_import, "import records (FHIR R4 bundles)")

static const char import_summary[] =
    "Imports records: 'import <verb> FILE' for a document format.";

/* The verbs of the verb form, NULL-terminated. */
static const struct cli_command import_verbs[] = {
    {NULL, NULL, NULL},
};

/* The options form (first argument "--..."), or NULL when there is none. */
static const cli_fn import_options_form = cli_import_records;

int cmd_import(struct cli *c, int argc, const char **argv)
{
    int options = argc >= 2 && !strncmp(argv[1], "--", 2) &&
                  strcmp(argv[1], "--help");
    if (options) {
        if (!import_options_form)
            return cli_error(c, EXIT_BAD_INPUT, "", "'%.64s': name a verb "
                             "first (see 'touchstone import --help')",
                             argv[1]);
        return import_options_form(c, argc, argv);
    }
    return cli_dispatch(c, argc, argv, import_verbs, import_summary);
}
