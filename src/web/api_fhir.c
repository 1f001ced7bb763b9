/*
 * The FHIR R4 endpoints under /fhir/r4 (docs/fhir.md): the capability
 * statement, a Patient read, Patient/$everything, the Observation search
 * and the transaction. Same login, roles, CSRF and audit as the JSON API;
 * replies and errors are application/fhir+json (errors as an
 * OperationOutcome).
 */
#include "core/clock.h"
#include "core/number.h"
#include "core/util.h"
#include "documents/fhir.h"
#include "web/handlers.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FHIR_MEDIA "application/fhir+json; charset=utf-8"

static int fhir_reply(struct web_ctx *w, int status, json_t *doc)
{
    web_reply_json(w, status, doc);
    http_response_set_header(w->resp, "Content-Type", FHIR_MEDIA);
    return 0;
}

void api_fhir_reply_error(struct web_ctx *w, int status)
{
    fhir_reply(w, status, fhir_operation_outcome(&w->err, NULL));
}

/* The server's FHIR base URL from the Host header ("http://host/fhir/r4"),
 * or NULL when the header is missing or not a plain host[:port]. */
static char *fhir_base(struct web_ctx *w)
{
    const char *host = http_request_header(w->req, "Host");
    if (!host || !*host || strlen(host) > 255)
        return NULL;
    for (const char *p = host; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
            return NULL;
    return xasprintf("http://%s/fhir/r4", host);
}

int api_fhir_metadata(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    char *base = fhir_base(w);
    json_t *doc = fhir_capability_statement(base, now);
    free(base);
    return fhir_reply(w, 200, doc);
}

/* Replies with patient {id}'s FHIR resource or, with everything, all of
 * its record as a searchset bundle. */
static int patient_reply(struct web_ctx *w, int everything)
{
    if (api_query_none(w) < 0)
        return -1;
    char *base = fhir_base(w);
    struct fhir_options opt = {FHIR_REFS_RELATIVE, base, NULL};
    int64_t id = route_param_id(&w->match, "id");
    json_t *doc = NULL;
    int rc = everything ? fhir_export_patient(w->store, &w->actor, id,
                                              "searchset", &opt, &doc,
                                              &w->err)
                        : fhir_patient_resource(w->store, &w->actor, id,
                                                &opt, &doc, &w->err);
    free(base);
    if (rc < 0)
        return web_fail(w);
    return fhir_reply(w, 200, doc);
}

int api_fhir_patient_read(struct web_ctx *w)
{
    return patient_reply(w, 0);
}

int api_fhir_patient_everything(struct web_ctx *w)
{
    return patient_reply(w, 1);
}

int api_fhir_observation_search(struct web_ctx *w)
{
    static const char *const allowed[] = {"patient", "code", NULL};
    if (api_query_allow(w, allowed) < 0)
        return -1;
    const char *patient = http_pairs_get(&w->query, "patient", 0);
    const char *code = http_pairs_get(&w->query, "code", 0);
    if (!patient || !*patient)
        return web_error(w, 400, "required", "patient",
                         "the search needs ?patient=ID");
    if (str_starts_with(patient, "Patient/"))
        patient += 8;
    long long id;
    if (parse_integer(patient, 1, INT64_MAX, &id) < 0)
        return web_error(w, 400, "invalid", "patient",
                         "'%.32s' is not a patient id", patient);
    char *base = fhir_base(w);
    struct fhir_options opt = {FHIR_REFS_RELATIVE, base, NULL};
    json_t *doc = NULL;
    int rc = fhir_observation_search(w->store, &w->actor, id, code, &opt,
                                     &doc, &w->err);
    free(base);
    if (rc < 0) {
        if (w->err.code == ERR_INPUT)
            w->error_status = 400;
        return web_fail(w);
    }
    return fhir_reply(w, 200, doc);
}

/* Imports the request's body (fhir_import_bundle) into *result and
 * *response (new; json_decref): 1, or 0 when the import was refused whole
 * and the reply is the OperationOutcome naming the element (400 for a
 * refused value). */
static int import_request(struct web_ctx *w, struct fhir_import_result *result,
                          json_t **response)
{
    struct fhir_issue issue;
    *response = NULL;
    if (fhir_import_bundle(w->store, &w->actor, w->json, result, response,
                           &issue, &w->err) == 0)
        return 1;
    const char *code;
    int status = web_error_status(w, &code);
    fhir_reply(w, status == 422 ? 400 : status,
               fhir_operation_outcome(&w->err, &issue));
    return 0;
}

int api_fhir_transaction(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    struct fhir_import_result result;
    json_t *response;
    if (!import_request(w, &result, &response))
        return 0;
    return fhir_reply(w, 200, response);
}

int api_fhir_questionnaire_search(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    char *base = fhir_base(w);
    json_t *doc = fhir_questionnaire_bundle(w->config->catalog, base);
    free(base);
    return fhir_reply(w, 200, doc);
}

int api_fhir_questionnaire_read(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    json_t *doc = NULL;
    if (fhir_questionnaire(w->config->catalog,
                           route_param(&w->match, "code"), &doc,
                           &w->err) < 0)
        return web_fail(w);
    return fhir_reply(w, 200, doc);
}

int api_fhir_questionnaire_response_create(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    const char *type = json_string_value(json_object_get(w->json,
                                                         "resourceType"));
    if (!type || strcmp(type, "QuestionnaireResponse")) {
        struct fhir_issue issue;
        err_set(&w->err, ERR_INPUT, "resourceType",
                "this endpoint takes a QuestionnaireResponse");
        snprintf(issue.code, sizeof(issue.code), "not-supported");
        snprintf(issue.expression, sizeof(issue.expression),
                 "QuestionnaireResponse.resourceType");
        return fhir_reply(w, 400, fhir_operation_outcome(&w->err, &issue));
    }
    struct fhir_import_result result;
    json_t *response;
    if (!import_request(w, &result, &response))
        return 0;
    /* The entry's response: its location, and an outcome with the
     * warnings (elements ignored) or a note of what was recorded. */
    json_t *entry = json_object_get(
        json_array_get(json_object_get(response, "entry"), 0), "response");
    const char *location = json_string_value(json_object_get(entry,
                                                             "location"));
    json_t *outcome = json_incref(json_object_get(entry, "outcome"));
    if (!outcome)
        outcome = json_pack("{s:s,s:[{s:s,s:s,s:s}]}", "resourceType",
                            "OperationOutcome", "issue", "severity",
                            "information", "code", "informational",
                            "diagnostics",
                            result.responses_created
                                ? "scored and recorded"
                                : "the same response is already recorded");
    if (location)
        http_response_set_header(w->resp, "Location", location);
    int status = result.responses_created ? 201 : 200;
    json_decref(response);
    return fhir_reply(w, status, outcome);
}
