/*
 * touchstone import: data into the clinic.
 *
 * Two forms share the command, chosen by the first argument:
 *   - a verb ("touchstone import fhir FILE"): the verbs table below;
 *   - options ("touchstone import --kind patient FILE"): when the
 *     first argument starts with "--" (other than --help), the options
 *     form below handles the whole command line.
 * To add a verb, add a row to the CLI_VERB_FORMS_COMMAND at the end; the
 * options form is its third argument.
 */
#include "cli/import_export.h"
#include "cli/cli.h"
#include "documents/fhir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

COMMAND("import", cmd_import, "import records (FHIR R4 bundles)")

/* Prints an OperationOutcome for the refusal on stdout (as FHIR clients
 * expect it) and the usual one-line error on stderr. */
static int fhir_refused(struct cli *c, const struct err *e,
                        const struct fhir_issue *issue)
{
    json_t *outcome = fhir_operation_outcome(e, issue);
    char *text = json_dumps(outcome, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(outcome);
    if (text) {
        puts(text);
        free(text);
    }
    return cli_fail(c, e);
}

static int import_fhir_cmd(struct cli *c, int argc, const char **argv)
{
    const char *file = NULL;
    struct opt opts[] = {
        OPTION_FILE(&file,
                    "a FHIR R4 Bundle or QuestionnaireResponse (JSON; - for "
                    "stdin)"),
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct fhir_issue issue = {"", ""};
    json_error_t jerr;
    json_t *bundle = !strcmp(file, "-")
                         ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr)
                         : json_load_file(file, JSON_REJECT_DUPLICATES,
                                          &jerr);
    if (!bundle) {
        if (jerr.line > 0)
            err_set(&e, ERR_INPUT, "file", "'%s' line %d column %d: %s",
                    file, jerr.line, jerr.column, jerr.text);
        else
            err_set(&e, ERR_INPUT, "file", "%s", jerr.text);
        snprintf(issue.code, sizeof(issue.code), "structure");
        snprintf(issue.expression, sizeof(issue.expression), "Bundle");
        return fhir_refused(c, &e, &issue);
    }
    struct fhir_import_result result;
    json_t *response = NULL;
    if (cli_open_store(c, &e) < 0) {
        json_decref(bundle);
        return cli_fail(c, &e);
    }
    int rc = fhir_import_bundle(c->store, &actor_cli, bundle, &result,
                                &response, &issue, &e);
    json_decref(bundle);
    if (rc < 0)
        return fhir_refused(c, &e, &issue);
    if (c->json)
        return cli_print_json(c, response);
    /* Elements ignored: one warning line each on stderr. */
    size_t i, k;
    const json_t *entry, *w;
    json_array_foreach(json_object_get(response, "entry"), i, entry) {
        const json_t *issues = json_object_get(
            json_object_get(json_object_get(entry, "response"), "outcome"),
            "issue");
        json_array_foreach(issues, k, w)
            fprintf(stderr, "touchstone: import fhir: warning: %s: %s\n",
                    json_string_value(json_array_get(
                        json_object_get(w, "expression"), 0)),
                    json_string_value(json_object_get(w, "diagnostics")));
    }
    json_decref(response);
    printf("imported: %d patient(s) added, %d matched; %d practitioner(s) "
           "added, %d matched, %d training record(s); %d referral(s) added, "
           "%d matched; %d identifier(s) added; %d response(s) scored, %d "
           "matched; %d element(s) ignored\n",
           result.patients_created, result.patients_matched,
           result.practitioners_created, result.practitioners_matched,
           result.training_created, result.referrals_created,
           result.referrals_matched, result.identifiers_added,
           result.responses_created, result.responses_matched,
           result.warnings);
    return EXIT_OK;
}

/* The verbs of the verb form; the options form (first argument "--...")
 * is cli_import_records. */
CLI_VERB_FORMS_COMMAND(cmd_import,
    "Imports records: 'import <verb> FILE' for a document format.",
    cli_import_records,
    {"fhir", import_fhir_cmd, "a FHIR R4 Bundle (referrals from an EHR)",
     "Imports a FHIR R4 Bundle (transaction or collection) of Patient, "
     "Practitioner and ServiceRequest (a physician's referral) and "
     "QuestionnaireResponse (a score), or one QuestionnaireResponse, in one "
     "transaction. Patients are matched by identifier. Elements Touchstone "
     "does not keep are ignored with a warning; a modifier it does not "
     "understand or an invalid value is refused with an OperationOutcome "
     "naming the element (exit 2), and nothing is written."})
