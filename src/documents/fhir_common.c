/* FHIR helpers shared by export, import and the server (fhir.h). */
#include "documents/fhir.h"
#include "record/clinic_key.h"

#include <sodium.h>
#include <stdio.h>

void fhir_uuid(char out[FHIR_UUID_LEN])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, FHIR_UUID_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
             b[10], b[11], b[12], b[13], b[14], b[15]);
}

const char *fhir_issue_code(enum err_code code)
{
    switch (code) {
    case ERR_NONE: return "informational";
    case ERR_INPUT: return "invalid";
    case ERR_NOT_FOUND: return "not-found";
    case ERR_CONFLICT: return "conflict";
    case ERR_AUTH: return "forbidden";
    case ERR_SCOPE:
    case ERR_REFUSED: return "business-rule";
    case ERR_FAIL: return "exception";
    }
    return "exception";
}

json_t *fhir_operation_outcome(const struct err *e,
                               const struct fhir_issue *issue)
{
    const char *code = issue && issue->code[0] ? issue->code
                                               : fhir_issue_code(e->code);
    json_t *one = json_pack("{s:s,s:s,s:s}", "severity", "error", "code",
                            code, "diagnostics",
                            e->message[0] ? e->message : "failed");
    if (issue && issue->expression[0])
        json_object_set_new(one, "expression",
                            json_pack("[s]", issue->expression));
    else if (e->field[0])
        json_object_set_new(one, "expression", json_pack("[s]", e->field));
    return json_pack("{s:s,s:[o]}", "resourceType", "OperationOutcome",
                     "issue", one);
}

json_t *fhir_capability_statement(const char *base, const char *date)
{
    json_t *patient = json_pack(
        "{s:s,s:[{s:s}],s:[{s:s,s:s,s:s}]}", "type", "Patient",
        "interaction", "code", "read", "operation", "name", "everything",
        "definition", "http://hl7.org/fhir/OperationDefinition/"
                      "Patient-everything",
        "documentation", "all of one patient's record the caller may see");
    json_t *observation = json_pack(
        "{s:s,s:[{s:s}],s:[{s:s,s:s,s:s},{s:s,s:s,s:s}]}", "type",
        "Observation", "interaction", "code", "search-type", "searchParam",
        "name", "patient", "type", "reference", "documentation",
        "the patient's id (required)", "name", "code", "type", "token",
        "documentation", "a code, or system|code (LOINC or the instrument "
                         "code system)");
    json_t *rest = json_pack(
        "{s:s,s:{s:[{s:[{s:s,s:s}]}],s:s},s:[o,o],s:[{s:s}]}", "mode",
        "server", "security", "service", "coding", "system",
        "http://terminology.hl7.org/CodeSystem/restful-security-service",
        "code", "Basic", "description",
        "the same session login, roles and audit as the JSON API",
        "resource", patient, observation, "interaction", "code",
        "transaction");
    json_t *implementation = json_pack(
        "{s:s}", "description",
        "Touchstone clinical record and outcomes registry");
    if (base && *base)
        json_object_set_new(implementation, "url", json_string(base));
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s},s:o,s:s,s:[s],s:[o]}",
        "resourceType", "CapabilityStatement", "status", "active", "date",
        date, "publisher", "Touchstone", "kind", "instance", "name",
        "TouchstoneFhirServer", "software", "name", "Touchstone",
        "implementation", implementation, "fhirVersion", "4.0.1", "format",
        "application/fhir+json", "rest", rest);
}

/* base + "/" + the first 16 hex digits of SHA-256 of the clinic's public
 * key, or base alone without a key. */
static void local_system(struct store *s, const char *base,
                         char out[FHIR_SYSTEM_LEN])
{
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    unsigned char digest[crypto_hash_sha256_BYTES];
    struct err ignored = ERR_INIT;
    if (clinic_key_public(s, pk, &ignored) < 0) {
        snprintf(out, FHIR_SYSTEM_LEN, "%s", base);
        return;
    }
    crypto_hash_sha256(digest, pk, sizeof(pk));
    snprintf(out, FHIR_SYSTEM_LEN, "%s/%02x%02x%02x%02x%02x%02x%02x%02x",
             base, digest[0], digest[1], digest[2], digest[3], digest[4],
             digest[5], digest[6], digest[7]);
}

void fhir_local_patient_system(struct store *s, char out[FHIR_SYSTEM_LEN])
{
    local_system(s, FHIR_SID_PATIENT, out);
}

void fhir_local_episode_system(struct store *s, char out[FHIR_SYSTEM_LEN])
{
    local_system(s, FHIR_SID_EPISODE, out);
}
