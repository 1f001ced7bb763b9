/*
 * touchstone export: data out of the clinic.
 *
 * Two forms share the command, chosen by the first argument:
 *   - a verb ("touchstone export fhir --patient 7"): the verbs table below;
 *   - options ("touchstone export --kind patient --format csv"): when the
 *     first argument starts with "--" (other than --help), the options
 *     form below handles the whole command line.
 * To add a verb, add a row to the CLI_VERB_FORMS_COMMAND at the end; the
 * options form is its third argument.
 */
#include "cli/import_export.h"
#include "cli/cli.h"
#include "core/util.h"
#include "documents/fhir.h"
#include "documents/registry_export.h"

#include <stdio.h>
#include <string.h>

COMMAND("export", cmd_export, "export records (FHIR R4, de-identified registry)")

static int export_fhir_cmd(struct cli *c, int argc, const char **argv)
{
    const char *out = NULL;
    int64_t id = 0;
    struct opt opts[] = {
        OPTION_PATIENT(&id, "the patient's id", 1),
        OPTION_OUT(&out, "write the Bundle to FILE (default: stdout)"),
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    json_t *bundle = NULL;
    struct fhir_options opt = {FHIR_REFS_URN, NULL, NULL};
    if (cli_open_store(c, &e) < 0 ||
        cli_catalog_override(c, &opt.catalog, &e) < 0 ||
        fhir_export_patient(c->store, &actor_cli, id, "collection", &opt,
                            &bundle, &e) < 0) {
        if (!strcmp(e.field, "id"))
            snprintf(e.field, sizeof(e.field), "patient");
        return cli_fail(c, &e);
    }
    char *text = json_dumps(bundle, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                        JSON_REAL_PRECISION(10));
    json_decref(bundle);
    if (!text)
        die("out of memory writing JSON");
    size_t len = strlen(text);
    text[len] = '\n';
    int rc = cli_write_output(c, out, text, len + 1);
    free(text);
    return rc;
}

static int export_registry_cmd(struct cli *c, int argc, const char **argv)
{
    int deidentified = 0;
    const char *format_name = "csv", *out = NULL;
    struct opt opts[] = {
        {"deidentified", OPT_FLAG, &deidentified, NULL,
         "required: the export is de-identified (HIPAA Safe Harbor)", 0, 0},
        {"format", OPT_STRING, &format_name, "csv|ndjson",
         "the file format (default csv)", 0, 0},
        OPTION_OUT(&out, "write to FILE (default stdout)"),
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    if (!deidentified)
        return cli_error(c, EXIT_BAD_INPUT, "deidentified",
                         "the registry is exported de-identified only: give "
                         "--deidentified");
    struct err e = ERR_INIT;
    enum registry_format format;
    struct registry_export_result result;
    struct buf text = BUF_INIT;
    if (registry_format_parse(format_name, &format, &e) < 0 ||
        cli_open_store(c, &e) < 0 ||
        registry_export_deidentified(c->store, &actor_cli, format, &text,
                                     &result, &e) < 0) {
        buf_release(&text);
        return cli_fail(c, &e);
    }
    int rc = cli_write_output(c, out, text.data, text.len);
    buf_release(&text);
    if (rc == EXIT_OK && out && strcmp(out, "-"))
        fprintf(stderr, "exported %zu patient(s) who consented to research "
                "(%zu left out), %zu episode(s): %zu summary and %zu "
                "observation row(s)\n", result.patients,
                result.patients_left_out, result.episodes, result.summaries,
                result.observations);
    return rc;
}

/* The verbs of the verb form; the options form (first argument "--...")
 * is cli_export_records. */
CLI_VERB_FORMS_COMMAND(cmd_export,
    "Exports records: 'export <verb> ...' for a document format.",
    cli_export_records,
    {"fhir", export_fhir_cmd, "one patient as a FHIR R4 Bundle",
     "Exports everything about one patient as a FHIR R4 Bundle (type "
     "collection, JSON): Patient, Practitioner, Condition, ServiceRequest, "
     "EpisodeOfCare, Encounter, Procedure, Observation and "
     "QuestionnaireResponse. docs/fhir.md maps each resource."},
    {"registry", export_registry_cmd,
     "the de-identified registry (episode summaries, observations)",
     "Exports the registry de-identified by HIPAA Safe Harbor: one row per "
     "episode summary (episode x instrument) and per observation, of the "
     "patients who consented to research use only; random pseudonyms drawn "
     "afresh for each export; no name, contact, record number, licence, NPI "
     "or free text; the start year and day offsets instead of dates; ages "
     "over 89 as 90+; ZIP to 3 digits. docs/exports.md lists the columns."})
