/* FHIR JSON import (documents/fhir_import.c): the input parsed as
 * `touchstone import fhir` parses a file (jansson, duplicates refused) and
 * imported by fhir_import_bundle() into the synthetic clinic (reset for
 * each input), as the command's caller; the answer Bundle or the
 * OperationOutcome of a refusal is built as the command and the API
 * build them. */
#include "fuzz_common.h"
#include "documents/fhir.h"
#include "record/actor.h"

#ifndef FUZZ_FORCE_TYPE
#define FUZZ_FORCE_TYPE NULL
#endif

FUZZ_INITIALIZE_CLINIC

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size,
                              JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return 0;
    const char *force = FUZZ_FORCE_TYPE;
    if (force && json_is_object(root))
        json_object_set_new(root, "resourceType", json_string(force));
    struct store *s = fuzz_clinic_open();
    struct fhir_import_result result;
    json_t *response = NULL;
    struct fhir_issue issue = {"", ""};
    struct err e = ERR_INIT;
    if (fhir_import_bundle(s, &actor_cli, root, &result, &response, &issue,
                           &e) < 0) {
        if (e.code == ERR_FAIL)
            die("import failed: %s", e.message);
        json_t *outcome = fhir_operation_outcome(&e, &issue);
        free(json_dumps(outcome, JSON_COMPACT));
        json_decref(outcome);
    } else {
        free(json_dumps(response, JSON_COMPACT));
        json_decref(response);
    }
    json_decref(root);
    store_close(s);
    return 0;
}
