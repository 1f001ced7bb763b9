/*
 * FHIR R4 interchange (docs/fhir.h) against a real clinic database: the
 * export's references, the two reference styles, access and audit, the
 * import's transaction, matching and refusals, the search, and the
 * store's nested transactions the import stands on. The independent
 * validation of every resource is in tests/e2e/t0850-t0855 (FHIR
 * validators from npm).
 */
#include "record_fixture.h"

#include <jansson.h>

#include "documents/fhir.h"
#include "record/actor.h"

TestSuite(fhir, .init = setup, .fini = teardown);

/* A course of care: patient with a referral, an episode, a session, an
 * NPRS before and an ODI with items. Returns the patient. */
static int64_t course(int64_t *prac_out, int64_t *ep_out)
{
    struct err e = ERR_INIT;
    int64_t prac = trained_practitioner("Ada Synthetic");
    int64_t pat = patient(&actor_cli, "Pat Synthetic");
    int64_t ep = referred_episode_open(pat, prac, "M54.50,M54.59"), obs;
    int64_t se = session(ep, "2026-01-05T10:00:00Z");
    struct observation_new pre = {.episode_id = ep, .session_id = se,
                                  .instrument = "nprs", .timepoint = "pre",
                                  .observed_at = "2026-01-05T09:55:00Z",
                                  .has_value = 1, .value = 6};
    cr_assert_eq(observation_add(s, &actor_cli, &pre, &obs, &e), 0, "%s",
                 e.message);
    double items[10] = {4, 3, 3, 2, 3, 2, 2, 3, 1, 2};
    struct observation_new odi = {.episode_id = ep, .instrument = "odi",
                                  .timepoint = "baseline",
                                  .observed_at = "2026-01-05T09:50:00Z",
                                  .items = items, .item_count = 10};
    cr_assert_eq(observation_add(s, &actor_cli, &odi, &obs, &e), 0, "%s",
                 e.message);
    if (prac_out)
        *prac_out = prac;
    if (ep_out)
        *ep_out = ep;
    return pat;
}

static void collect_refs(const json_t *node, json_t *out)
{
    if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v) collect_refs(v, out);
    } else if (json_is_object(node)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)node, k, v) {
            if (!strcmp(k, "reference") && json_is_string(v))
                json_array_append(out, v);
            else
                collect_refs(v, out);
        }
    }
}

static size_t count_type(const json_t *bundle, const char *type)
{
    size_t n = 0, i;
    json_t *e;
    json_array_foreach(json_object_get(bundle, "entry"), i, e) {
        const char *t = json_string_value(
            json_object_get(json_object_get(e, "resource"), "resourceType"));
        n += t && !strcmp(t, type);
    }
    return n;
}

Test(fhir, uuid_is_random_version_4)
{
    char a[FHIR_UUID_LEN], b[FHIR_UUID_LEN];
    fhir_uuid(a);
    fhir_uuid(b);
    cr_assert_eq(strlen(a), 36);
    cr_assert_neq(strcmp(a, b), 0);
    cr_assert_eq(a[8], '-');
    cr_assert_eq(a[14], '4', "version nibble of %s", a);
    cr_assert(strchr("89ab", a[19]), "variant of %s", a);
}

Test(fhir, export_references_resolve_in_the_bundle)
{
    struct err e = ERR_INIT;
    int64_t pat = course(NULL, NULL);
    json_t *b = NULL;
    cr_assert_eq(fhir_export_patient(s, &actor_cli, pat, "collection", NULL,
                                     &b, &e), 0, "%s", e.message);
    cr_assert_str_eq(json_string_value(json_object_get(b, "type")),
                     "collection");
    cr_assert_eq(count_type(b, "Patient"), 1);
    cr_assert_eq(count_type(b, "Practitioner"), 2); /* therapist, physician */
    cr_assert_eq(count_type(b, "Encounter"), 1);
    cr_assert_eq(count_type(b, "Procedure"), 1);
    cr_assert_eq(count_type(b, "Observation"), 2);
    cr_assert_eq(count_type(b, "QuestionnaireResponse"), 1);
    json_t *urls = json_object();
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(b, "entry"), i, entry) {
        const char *url = json_string_value(json_object_get(entry,
                                                            "fullUrl"));
        cr_assert(str_starts_with(url, "urn:uuid:"), "%s", url);
        cr_assert_null(json_object_get(json_object_get(entry, "resource"),
                                       "id"));
        json_object_set_new(urls, url, json_true());
    }
    json_t *refs = json_array();
    collect_refs(json_object_get(b, "entry"), refs);
    cr_assert_gt(json_array_size(refs), 10);
    json_t *r;
    json_array_foreach(refs, i, r)
        cr_assert_not_null(json_object_get(urls, json_string_value(r)),
                           "unresolved %s", json_string_value(r));
    json_decref(refs);
    json_decref(urls);
    json_decref(b);
}

Test(fhir, export_relative_style_has_ids_and_base_urls)
{
    struct err e = ERR_INIT;
    int64_t pat = course(NULL, NULL);
    struct fhir_options opt = {FHIR_REFS_RELATIVE, "http://h/fhir/r4", NULL};
    json_t *b = NULL;
    cr_assert_eq(fhir_export_patient(s, &actor_cli, pat, "searchset", &opt,
                                     &b, &e), 0, "%s", e.message);
    json_t *first = json_array_get(json_object_get(b, "entry"), 0);
    char want[64];
    snprintf(want, sizeof(want), "http://h/fhir/r4/Patient/%lld",
             (long long)pat);
    cr_assert_str_eq(json_string_value(json_object_get(first, "fullUrl")),
                     want);
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(first, "search"), "mode")),
                     "match");
    cr_assert_eq(json_integer_value(json_object_get(b, "total")),
                 (json_int_t)json_array_size(json_object_get(b, "entry")));
    json_decref(b);
}

Test(fhir, export_obeys_access_and_is_audited)
{
    struct err e = ERR_INIT;
    int64_t prac;
    int64_t pat = course(&prac, NULL);
    int64_t other = trained_practitioner("Bea Synthetic");
    struct actor own = {10, ROLE_THERAPIST, prac, "ada@x.invalid", "t"};
    struct actor colleague = {11, ROLE_THERAPIST, other, "bea@x.invalid",
                              "t"};
    struct actor researcher = {12, ROLE_RESEARCHER, 0, "r@x.invalid", "t"};
    json_t *b = NULL;
    int64_t before = count("audit");
    cr_assert_eq(fhir_export_patient(s, &own, pat, "collection", NULL, &b,
                                     &e), 0, "%s", e.message);
    cr_assert_gt(count("audit"), before);
    json_decref(b);
    cr_assert_eq(fhir_export_patient(s, &colleague, pat, "collection", NULL,
                                     &b, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    cr_assert_null(b);
    cr_assert_eq(fhir_export_patient(s, &researcher, pat, "collection", NULL,
                                     &b, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM audit WHERE "
                                    "outcome = 'denied'"), 2);
}

Test(fhir, search_matches_codes_by_system)
{
    struct err e = ERR_INIT;
    int64_t pat = course(NULL, NULL);
    static const struct {
        const char *code;
        int matches;
    } cases[] = {{"72514-3", 1},
                 {"http://loinc.org|72514-3", 1},
                 {FHIR_SYSTEM_INSTRUMENT "|nprs", 1},
                 {"nprs", 1},
                 {"http://loinc.org|nprs", 0},
                 {"odi", 1},
                 {"", 2},
                 {NULL, 2}};
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        json_t *b = NULL;
        cr_assert_eq(fhir_observation_search(s, &actor_cli, pat,
                                             cases[i].code, NULL, &b, &e),
                     0, "%s", e.message);
        cr_assert_eq(json_integer_value(json_object_get(b, "total")),
                     cases[i].matches, "code %s", cases[i].code);
        json_decref(b);
    }
    json_t *b = NULL;
    cr_assert_eq(fhir_observation_search(s, &actor_cli, pat, "|nprs", NULL,
                                         &b, &e), -1);
    cr_assert_str_eq(e.field, "code");
}

Test(fhir, local_system_is_the_clinics_own)
{
    char a[FHIR_SYSTEM_LEN];
    fhir_local_patient_system(s, a);
    cr_assert(str_starts_with(a, FHIR_SID_PATIENT "/"), "%s", a);
    cr_assert_eq(strlen(a), strlen(FHIR_SID_PATIENT) + 17);
    /* Another clinic has another key, so another system. */
    char other_path[192];
    snprintf(other_path, sizeof(other_path), "%s/other.db", dir);
    struct err e = ERR_INIT;
    struct store *o;
    cr_assert_eq(clinic_init(other_path, "Other Synthetic Clinic", &e), 0);
    cr_assert_eq(store_open(other_path, STORE_EXISTING, &o, &e), 0);
    char b[FHIR_SYSTEM_LEN];
    fhir_local_patient_system(o, b);
    store_close(o);
    cr_assert_neq(strcmp(a, b), 0);
}

/* A referral bundle; *_mutation edits it before the import. */
static json_t *referral_bundle(void)
{
    json_error_t je;
    json_t *b = json_loads(
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        "{\"fullUrl\":\"urn:uuid:1\",\"resource\":{\"resourceType\":"
        "\"Patient\",\"identifier\":[{\"system\":\"urn:ehr\",\"value\":"
        "\"MRN-1\"}],\"name\":[{\"given\":[\"Lee\"],\"family\":"
        "\"Synthetic\"}],\"gender\":\"female\",\"birthDate\":\"1980-01-02\""
        "},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
        "{\"resource\":{\"resourceType\":\"ServiceRequest\",\"contained\":[{"
        "\"resourceType\":\"Practitioner\",\"id\":\"d\",\"name\":[{\"text\""
        ":\"Dr Placeholder\"}]}],\"status\":\"active\",\"intent\":\"order\","
        "\"subject\":{\"reference\":\"urn:uuid:1\"},\"requester\":{"
        "\"reference\":\"#d\"},\"authoredOn\":\"2026-05-01\",\"reasonCode\":"
        "[{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\","
        "\"code\":\"M54.2\"}],\"text\":\"neck pain\"}]},\"request\":{"
        "\"method\":\"POST\",\"url\":\"ServiceRequest\"}}]}",
        0, &je);
    cr_assert_not_null(b, "%s", je.text);
    return b;
}

static json_t *entry_resource(json_t *b, size_t i)
{
    return json_object_get(json_array_get(json_object_get(b, "entry"), i),
                           "resource");
}

Test(fhir, import_is_one_transaction)
{
    struct err e = ERR_INIT;
    struct fhir_issue issue;
    struct fhir_import_result res;
    json_t *b = referral_bundle();
    /* The referral's date is in the future: the patient before it must
     * not be kept either. */
    json_object_set_new(entry_resource(b, 1), "authoredOn",
                        json_string("2099-01-01"));
    cr_assert_eq(fhir_import_bundle(s, &actor_cli, b, &res, NULL, &issue,
                                    &e), -1);
    cr_assert_str_eq(issue.expression, "Bundle.entry[1].resource.authoredOn");
    cr_assert_str_eq(issue.code, "invalid");
    cr_assert_eq(count("patient"), 0);
    cr_assert_eq(count("patient_identifier"), 0);
    cr_assert_eq(store_depth(s), 0);
    json_object_set_new(entry_resource(b, 1), "authoredOn",
                        json_string("2026-05-01"));
    json_t *response = NULL;
    cr_assert_eq(fhir_import_bundle(s, &actor_cli, b, &res, &response,
                                    &issue, &e), 0, "%s", e.message);
    cr_assert_eq(res.patients_created, 1);
    cr_assert_eq(res.referrals_created, 1);
    cr_assert_str_eq(json_string_value(json_object_get(response, "type")),
                     "transaction-response");
    json_decref(response);
    struct patient p;
    cr_assert_eq(patient_get(s, &actor_cli, 1, "id", &p, &e), 0);
    cr_assert_str_eq(p.name, "Lee Synthetic");
    /* Again: matched by identifier and content, nothing added. */
    cr_assert_eq(fhir_import_bundle(s, &actor_cli, b, &res, NULL, &issue,
                                    &e), 0, "%s", e.message);
    cr_assert_eq(res.patients_matched, 1);
    cr_assert_eq(res.referrals_matched, 1);
    cr_assert_eq(count("patient"), 1);
    cr_assert_eq(count("referral"), 1);
    json_decref(b);
}

Test(fhir, import_refuses_identifiers_of_two_patients)
{
    struct err e = ERR_INIT;
    struct fhir_issue issue;
    struct fhir_import_result res;
    int64_t a = patient(&actor_cli, "Ann Synthetic");
    int64_t b2 = patient(&actor_cli, "Bob Synthetic");
    int added;
    cr_assert_eq(store_begin(s, &e), 0);
    cr_assert_eq(fhir_identifier_add(s, &actor_cli, a, "urn:ehr", "A-1",
                                     &added, &e), 0);
    cr_assert_eq(fhir_identifier_add(s, &actor_cli, b2, "urn:ehr", "B-1",
                                     &added, &e), 0);
    cr_assert_eq(fhir_identifier_add(s, &actor_cli, b2, "urn:ehr", "A-1",
                                     &added, &e), -1);
    cr_assert_eq(e.code, ERR_CONFLICT);
    cr_assert_eq(store_commit(s, &e), 0);
    json_t *b = referral_bundle();
    json_t *ids = json_object_get(entry_resource(b, 0), "identifier");
    json_array_clear(ids);
    json_array_append_new(ids, json_pack("{s:s,s:s}", "system", "urn:ehr",
                                         "value", "A-1"));
    json_array_append_new(ids, json_pack("{s:s,s:s}", "system", "urn:ehr",
                                         "value", "B-1"));
    cr_assert_eq(fhir_import_bundle(s, &actor_cli, b, &res, NULL, &issue,
                                    &e), -1);
    cr_assert_eq(e.code, ERR_CONFLICT);
    cr_assert_str_eq(issue.expression,
                     "Bundle.entry[0].resource.identifier[1]");
    json_t *outcome = fhir_operation_outcome(&e, &issue);
    json_t *first = json_array_get(json_object_get(outcome, "issue"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(first, "code")),
                     "conflict");
    cr_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(first, "expression"), 0)),
                     "Bundle.entry[0].resource.identifier[1]");
    json_decref(outcome);
    json_decref(b);
    cr_assert_eq(count("referral"), 0);
}

Test(fhir, import_of_a_practitioner_is_an_admins_action)
{
    struct err e = ERR_INIT;
    struct fhir_issue issue;
    struct fhir_import_result res;
    int64_t prac = trained_practitioner("Ada Synthetic");
    struct actor therapist = {10, ROLE_THERAPIST, prac, "ada@x.invalid",
                              "t"};
    json_error_t je;
    json_t *b = json_loads(
        "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        "{\"resource\":{\"resourceType\":\"Practitioner\",\"name\":[{"
        "\"text\":\"New Synthetic\"}],\"identifier\":[{\"system\":\""
        FHIR_SID_LICENSE "\",\"value\":\"NEW-1\"}],\"qualification\":[{"
        "\"code\":{\"text\":\"LMT\"}}]}}]}",
        0, &je);
    cr_assert_not_null(b, "%s", je.text);
    cr_assert_eq(fhir_import_bundle(s, &therapist, b, &res, NULL, &issue,
                                    &e), -1);
    cr_assert_eq(e.code, ERR_AUTH);
    cr_assert_str_eq(issue.code, "forbidden");
    cr_assert_eq(count("practitioner"), 1);
    cr_assert_eq(fhir_import_bundle(s, &actor_cli, b, &res, NULL, &issue,
                                    &e), 0, "%s", e.message);
    cr_assert_eq(res.practitioners_created, 1);
    cr_assert_eq(count("practitioner"), 2);
    json_decref(b);
}

Test(fhir, store_transactions_nest)
{
    struct err e = ERR_INIT;
    cr_assert_eq(store_begin(s, &e), 0);
    cr_assert_eq(store_depth(s), 1);
    int64_t id = patient(&actor_cli, "Inner Synthetic");
    cr_assert_gt(id, 0);
    cr_assert_eq(store_depth(s), 1); /* the inner level was released */
    cr_assert_eq(count("patient"), 1);
    /* A failing inner call (it begins, fails, rolls back) undoes its own
     * level only. */
    struct patient missing;
    cr_assert_eq(patient_get(s, &actor_cli, 999, "id", &missing, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    cr_assert_eq(store_depth(s), 1);
    cr_assert_eq(count("patient"), 1);
    store_rollback(s);
    cr_assert_eq(store_depth(s), 0);
    cr_assert_eq(count("patient"), 0);
    cr_assert_eq(store_commit(s, &e), 0); /* none open: a no-op */
}

Test(fhir, capability_statement)
{
    json_t *c = fhir_capability_statement("http://h/fhir/r4",
                                          "2026-06-30T12:00:00Z");
    cr_assert_str_eq(json_string_value(json_object_get(c, "fhirVersion")),
                     "4.0.1");
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(c, "implementation"), "url")),
                     "http://h/fhir/r4");
    json_t *rest = json_array_get(json_object_get(c, "rest"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(rest, "interaction"),
                                        0),
                         "code")),
                     "transaction");
    json_decref(c);
}
