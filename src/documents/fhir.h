/*
 * fhir: HL7 FHIR R4 (4.0.1) interchange with physicians' EHRs, in JSON.
 * docs/fhir.md maps every resource to the record and names the code
 * systems; this header says what each function does.
 *
 * Export reads the record through its public functions (patient_show,
 * episode_show, practitioner_show, ...), so the caller's access rules
 * apply and every read lands in the audit log. Import writes through them
 * too (patient_add, referral_add, practitioner_add, training_add), all in
 * one transaction: a bundle is taken whole or not at all.
 *
 * References. A document is built in one of two styles:
 *   FHIR_REFS_URN: every entry's fullUrl is a fresh "urn:uuid:..." and
 *     references are those URNs (a collection Bundle: a file to send);
 *   FHIR_REFS_RELATIVE: resources carry ids ("Patient/7", "Encounter/31")
 *     and references are relative ("Patient/7"); fullUrl is base + "/" +
 *     type + "/" + id (the server's searchset and read answers).
 * Either way every reference resolves inside the Bundle.
 *
 * Ownership: every json_t * returned is a new reference the caller
 * json_decref()s. Nothing here prints.
 */
#ifndef TS_DOCUMENTS_FHIR_H
#define TS_DOCUMENTS_FHIR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

/* The project's own code systems and identifier systems (docs/fhir.md). */
#define FHIR_TS_BASE "https://touchstone.example/fhir"
#define FHIR_SYSTEM_INSTRUMENT FHIR_TS_BASE "/CodeSystem/instrument"
#define FHIR_SYSTEM_PROTOCOL FHIR_TS_BASE "/CodeSystem/protocol"
#define FHIR_SYSTEM_TIMEPOINT FHIR_TS_BASE "/CodeSystem/timepoint"
#define FHIR_SID_PATIENT FHIR_TS_BASE "/sid/patient"
#define FHIR_SID_LICENSE FHIR_TS_BASE "/sid/massage-therapist-license"
#define FHIR_SID_EPISODE FHIR_TS_BASE "/sid/episode"
#define FHIR_EXT_EPISODE FHIR_TS_BASE "/StructureDefinition/episode"
#define FHIR_EXT_TIMEPOINT FHIR_TS_BASE "/StructureDefinition/timepoint"
#define FHIR_EXT_TRAINING_HOURS FHIR_TS_BASE \
    "/StructureDefinition/training-hours"
#define FHIR_QUESTIONNAIRE FHIR_TS_BASE "/Questionnaire/"
/* Standard systems. */
#define FHIR_SYSTEM_ICD10CM "http://hl7.org/fhir/sid/icd-10-cm"
#define FHIR_SYSTEM_CPT "http://www.ama-assn.org/go/cpt"
#define FHIR_SYSTEM_LOINC "http://loinc.org"
#define FHIR_SYSTEM_UCUM "http://unitsofmeasure.org"
#define FHIR_SID_NPI "http://hl7.org/fhir/sid/us-npi"
#define FHIR_SYSTEM_ACT_CODE \
    "http://terminology.hl7.org/CodeSystem/v3-ActCode"
#define FHIR_SYSTEM_OBSERVATION_CATEGORY \
    "http://terminology.hl7.org/CodeSystem/observation-category"

/* The longest element path an import error names. */
#define FHIR_PATH_MAX 256

enum fhir_refs {
    FHIR_REFS_URN,      /* fullUrl urn:uuid:..., no resource ids */
    FHIR_REFS_RELATIVE, /* ids, relative references, fullUrl base/Type/id */
};

/* How a document is built. */
struct catalog;
struct fhir_options {
    enum fhir_refs refs;
    const char *base; /* FHIR_REFS_RELATIVE: the server's base URL
                       * ("http://host/fhir/r4"); NULL: "urn:touchstone" */
    const struct catalog *catalog; /* protocol names; NULL: shipped */
};

/*
 * Everything the caller may see about one patient, as a Bundle of type
 * `bundle_type` ("collection" for a file, "searchset" for the server's
 * $everything): Patient; Practitioner for each treating therapist (with
 * qualification[] from their training when the caller sees it) and for
 * each referring physician; Condition per distinct episode diagnosis;
 * ServiceRequest per referral; EpisodeOfCare per episode; Encounter and
 * Procedure per session; Observation per score, with a
 * QuestionnaireResponse (item linkIds and answers only) when its items were
 * recorded. Read through the record layer (access, audit). ERR_NOT_FOUND
 * (field "patient") when the patient is missing or not the caller's.
 */
int fhir_export_patient(struct store *s, const struct actor *caller,
                        int64_t patient_id, const char *bundle_type,
                        const struct fhir_options *opt, json_t **out,
                        struct err *e);

/* The Patient resource alone (relative style, with its id), as the
 * server's read answers it. Same access and audit as patient_get(). */
int fhir_patient_resource(struct store *s, const struct actor *caller,
                          int64_t patient_id, const struct fhir_options *opt,
                          json_t **out, struct err *e);

/*
 * A searchset Bundle of the patient's Observations, optionally only those
 * whose code matches `code` (NULL or "": all): "72514-3" or "nprs" match
 * any coding with that code, "http://loinc.org|72514-3" a system and code,
 * "|nprs" is refused as malformed (field "code"). Entries carry
 * search.mode "match"; total is the number of matches.
 */
int fhir_observation_search(struct store *s, const struct actor *caller,
                            int64_t patient_id, const char *code,
                            const struct fhir_options *opt, json_t **out,
                            struct err *e);

/* The server's CapabilityStatement (status active, kind instance, FHIR
 * 4.0.1, json): the read of Patient, the $everything operation, the
 * search of Observation by patient and code, and the transaction. `base`
 * is the server's base URL (implementation.url). */
json_t *fhir_capability_statement(const char *base, const char *date);

/*
 * The instrument `code` as an R4 Questionnaire (relative style: id the
 * code, url FHIR_QUESTIONNAIRE + code): title, status active, code (LOINC
 * where the instrument has one, and the instrument code system),
 * copyright the wording's licence, and one item per instrument item
 * (linkId "1", "2", ...; the question with what the ends of its scale
 * mean; integer, decimal or, for fixed answers, choice; the range as
 * minValue/maxValue extensions; required unless the instrument's rule
 * lets the item be missing), after a display item for the intro. The
 * wording is catalog_wording(cat, code): without it there is no
 * Questionnaire (ERR_NOT_FOUND, field "instrument", saying why), as for
 * an unknown code. *out is new (json_decref).
 */
int fhir_questionnaire(const struct catalog *cat, const char *code,
                       json_t **out, struct err *e);
/* A searchset Bundle of the Questionnaire of every instrument that has
 * wording (fullUrl base + "/Questionnaire/" + code). New reference. */
json_t *fhir_questionnaire_bundle(const struct catalog *cat,
                                  const char *base);

/* An import refusal, for its OperationOutcome. */
struct fhir_issue {
    char code[32];                  /* FHIR issue type: "invalid",
                                     * "not-supported", "required",
                                     * "structure", "not-found",
                                     * "conflict", "forbidden",
                                     * "processing", "exception" */
    char expression[FHIR_PATH_MAX]; /* "Bundle.entry[2].resource.birthDate"
                                     * or "" */
};

/* What an import did. */
struct fhir_import_result {
    int patients_created, patients_matched;
    int practitioners_created, practitioners_matched;
    int training_created;
    int referrals_created, referrals_matched;
    int identifiers_added;
    int responses_created, responses_matched; /* QuestionnaireResponses */
    int warnings; /* elements ignored (see the response's outcomes) */
};

/*
 * Imports a Bundle (type "transaction" or "collection") of Patient,
 * Practitioner, ServiceRequest (a physician's referral) and the Condition
 * resources its reasonReference names, in one transaction:
 *   Patient: matched to a patient already in the record by any of its
 *     identifiers (system and value; the project's own local id system is
 *     ignored), else added (consents 0: recorded at intake); its
 *     identifiers are kept for the next match. A matched patient's
 *     demographics are not changed.
 *   Practitioner named as a ServiceRequest's requester (in the bundle or
 *     contained): the referring physician (name, NPI, specialty from
 *     qualification[0].code.text), kept with the referral.
 *   Any other Practitioner: a therapist of the clinic, matched by NPI or
 *     licence, else added (admin only) with its license identifier and
 *     credentials; qualification[] coded with the protocol system become
 *     training records (hours from the training-hours extension, completed
 *     on period.start) unless already there.
 *   ServiceRequest: a referral (status active, on-hold or completed;
 *     intent order) of its subject (a Patient of the bundle, or
 *     "Patient/N" already in the record), reasons from reasonCode and the
 *     Conditions of reasonReference (ICD-10-CM codings), authoredOn its
 *     date, note[0].text (or a reason's text) its reason. The same
 *     referral already in the record (patient, date, physician, NPI,
 *     codes and reason alike) is matched, not added again.
 * Anything else (another resource type, an element Touchstone does not
 * keep, a modifierExtension, an unresolved reference, an invalid value) is
 * refused: -1 with e filled (ERR_INPUT, ERR_NOT_FOUND, ERR_CONFLICT,
 * ERR_AUTH) and *issue naming the FHIR element path and issue type, and
 * nothing is written. On success fills *result and, when response is not
 * NULL, a Bundle of type "transaction-response" (for a transaction) or
 * "batch-response" (for a collection) whose entries, in the
 * input's order, carry response.status ("201 Created" or "200 OK") and
 * response.location ("Patient/7") where a record stands for the entry.
 */
int fhir_import_bundle(struct store *s, const struct actor *caller,
                       const json_t *bundle, struct fhir_import_result *result,
                       json_t **response, struct fhir_issue *issue,
                       struct err *e);

/* An OperationOutcome with one issue: severity "error", the issue's code
 * (from e->code when issue is NULL or its code is ""), diagnostics
 * e->message and expression [issue->expression] when given. */
json_t *fhir_operation_outcome(const struct err *e,
                               const struct fhir_issue *issue);

/* The FHIR issue type for an error code ("invalid" for ERR_INPUT,
 * "not-found", "conflict", "forbidden", "exception"...). */
const char *fhir_issue_code(enum err_code code);

/*
 * The identifier system of this clinic's own patient ids: FHIR_SID_PATIENT
 * + "/" + the first 16 hex digits of SHA-256 of the clinic's public key,
 * so that each clinic's ids are a system of their own (an import matches
 * them to the patient only in the clinic that issued them, and keeps them
 * as an external identifier anywhere else). A database without a key
 * gets FHIR_SID_PATIENT itself, which an import ignores.
 */
#define FHIR_SYSTEM_LEN 96
void fhir_local_patient_system(struct store *s, char out[FHIR_SYSTEM_LEN]);
/* The same for this clinic's episode ids (FHIR_SID_EPISODE + "/" + the 16
 * hex digits): EpisodeOfCare.identifier, and how a QuestionnaireResponse
 * names its episode. */
void fhir_local_episode_system(struct store *s, char out[FHIR_SYSTEM_LEN]);

/* Writes a fresh random (version 4) UUID, "8-4-4-4-12" lowercase hex. */
#define FHIR_UUID_LEN 37
void fhir_uuid(char out[FHIR_UUID_LEN]);

/*
 * Patient identifiers in other systems (table patient_identifier).
 * fhir_identifier_add adds one inside the caller's open transaction after
 * access_patient(write) and with an audit entry ("create",
 * "patient_identifier"); a pair already held by the same patient is not
 * added again (*added 0), one held by another patient is ERR_CONFLICT.
 * fhir_identifier_find sets *patient_id to the holder of (system, value),
 * or 0 (no access check: a lookup for the import's match, which then
 * checks access). system and value: text of 1-200 and 1-64 bytes.
 */
int fhir_identifier_add(struct store *s, const struct actor *caller,
                        int64_t patient_id, const char *system,
                        const char *value, int *added, struct err *e);
int fhir_identifier_find(struct store *s, const char *system,
                         const char *value, int64_t *patient_id,
                         struct err *e);

/* One stored identifier. */
struct fhir_identifier {
    char system[201];
    char value[65];
};

/* The patient's identifiers, oldest first, into *out (malloc'ed; the
 * caller frees it) and *count. Access and audit as patient_get(). */
int fhir_identifier_list(struct store *s, const struct actor *caller,
                         int64_t patient_id, struct fhir_identifier **out,
                         size_t *count, struct err *e);

#endif
