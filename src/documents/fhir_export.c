/* FHIR R4 export of one patient's record (fhir.h, docs/fhir.md). */
#include "documents/fhir.h"
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/clock.h"
#include "core/util.h"
#include "documents/bill.h"
#include "record/episode.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "record/scope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A document being built: its entries and the fullUrl and reference of
 * every resource key ("Patient/7"), made on first use so that a reference
 * may come before its target. */
struct builder {
    const struct fhir_options *opt;
    const struct catalog *catalog;
    json_t *entries;
    json_t *full_urls;  /* key -> fullUrl */
    json_t *references; /* key -> reference text */
    json_t *added;      /* key -> true once its entry is in */
    const char *search_mode; /* "match" / "include" for a searchset, or NULL */
    char local_system[FHIR_SYSTEM_LEN]; /* this clinic's patient ids */
    char episode_system[FHIR_SYSTEM_LEN]; /* and its episode ids */
    struct fhir_options relative; /* opt of builder_init_relative */
};

static void builder_init(struct builder *b, struct store *s,
                         const struct fhir_options *opt)
{
    fhir_local_patient_system(s, b->local_system);
    fhir_local_episode_system(s, b->episode_system);
    static const struct fhir_options urn = {FHIR_REFS_URN, NULL, NULL};
    b->opt = opt ? opt : &urn;
    b->catalog = scope_catalog(b->opt->catalog);
    b->entries = json_array();
    b->full_urls = json_object();
    b->references = json_object();
    b->added = json_object();
    b->search_mode = NULL;
}

/* builder_init() with references relative to opt's base, as a server
 * replies, whatever opt's own refs say. */
static void builder_init_relative(struct builder *b, struct store *s,
                                  const struct fhir_options *opt)
{
    b->relative = (struct fhir_options){FHIR_REFS_RELATIVE,
                                        opt ? opt->base : NULL,
                                        opt ? opt->catalog : NULL};
    builder_init(b, s, &b->relative);
}

static void builder_release(struct builder *b)
{
    json_decref(b->entries);
    json_decref(b->full_urls);
    json_decref(b->references);
    json_decref(b->added);
}

static const char *base_url(const struct builder *b)
{
    return b->opt->base && *b->opt->base ? b->opt->base : "urn:touchstone";
}

/* Makes the fullUrl and reference of type/id when new. */
static void builder_name(struct builder *b, const char *type, const char *id)
{
    char key[160];
    snprintf(key, sizeof(key), "%s/%s", type, id);
    if (json_object_get(b->references, key))
        return;
    if (b->opt->refs == FHIR_REFS_URN) {
        char uuid[FHIR_UUID_LEN], urn[FHIR_UUID_LEN + 9];
        fhir_uuid(uuid);
        snprintf(urn, sizeof(urn), "urn:uuid:%s", uuid);
        json_object_set_new(b->full_urls, key, json_string(urn));
        json_object_set_new(b->references, key, json_string(urn));
    } else {
        char *url = xasprintf("%s/%s", base_url(b), key);
        json_object_set_new(b->full_urls, key, json_string(url));
        json_object_set_new(b->references, key, json_string(key));
        free(url);
    }
}

/* {"reference": ...} to type/id. */
static json_t *ref(struct builder *b, const char *type, const char *id)
{
    char key[160];
    builder_name(b, type, id);
    snprintf(key, sizeof(key), "%s/%s", type, id);
    return json_pack("{s:O}", "reference",
                     json_object_get(b->references, key));
}

static json_t *ref_int(struct builder *b, const char *type, int64_t id)
{
    char text[32];
    snprintf(text, sizeof(text), "%lld", (long long)id);
    return ref(b, type, text);
}

static int builder_has(struct builder *b, const char *type, const char *id)
{
    char key[160];
    snprintf(key, sizeof(key), "%s/%s", type, id);
    return json_object_get(b->added, key) != NULL;
}

/* Adds the resource (taking the reference) as an entry. In the relative
 * style the resource gets its id, placed after resourceType. */
static void builder_add(struct builder *b, const char *type, const char *id,
                        json_t *resource, const char *mode)
{
    char key[160];
    builder_name(b, type, id);
    snprintf(key, sizeof(key), "%s/%s", type, id);
    json_t *r = resource;
    if (b->opt->refs == FHIR_REFS_RELATIVE) {
        r = json_pack("{s:s,s:s}", "resourceType", type, "id", id);
        json_object_update(r, resource);
        json_decref(resource);
    }
    json_t *entry = json_pack("{s:O,s:o}", "fullUrl",
                              json_object_get(b->full_urls, key),
                              "resource", r);
    if (mode)
        json_object_set_new(entry, "search",
                            json_pack("{s:s}", "mode", mode));
    json_array_append_new(b->entries, entry);
    json_object_set_new(b->added, key, json_true());
}

static void builder_add_int(struct builder *b, const char *type, int64_t id,
                            json_t *resource, const char *mode)
{
    char text[32];
    snprintf(text, sizeof(text), "%lld", (long long)id);
    builder_add(b, type, text, resource, mode);
}

/* A number as JSON: an integer when whole. */
static json_t *number(double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        return json_integer((json_int_t)v);
    return json_real(v);
}

/* "YYYY-MM-DDTHH:MM:SSZ" plus minutes. */
static void instant_plus(const char *start, int minutes,
                         char out[CLOCK_INSTANT_LEN])
{
    time_t t;
    struct err ignored = ERR_INIT;
    if (clock_parse_instant(start, &t, "start", &ignored) < 0) {
        snprintf(out, CLOCK_INSTANT_LEN, "%s", start);
        return;
    }
    clock_format_instant(t + (time_t)minutes * 60, out);
}

static json_t *coding(const char *system, const char *code,
                      const char *display)
{
    json_t *c = json_pack("{s:s,s:s}", "system", system, "code", code);
    if (display && *display)
        json_object_set_new(c, "display", json_string(display));
    return c;
}

static json_t *icd10_concept(const struct builder *b, const char *code)
{
    return json_pack("{s:[o]}", "coding",
                     coding(FHIR_SYSTEM_ICD10CM, code,
                            catalog_code_title(b->catalog, code)));
}

static const char *protocol_name(const struct builder *b, const char *id)
{
    const struct protocol *p = catalog_find(b->catalog, id);
    return p ? p->name : id;
}

/* Appends {"system": system, "value": value} to list unless value is
 * empty (an identifier or a telecom). */
static void append_system_value(json_t *list, const char *system,
                                const char *value)
{
    if (value[0])
        json_array_append_new(list, json_pack("{s:s,s:s}", "system", system,
                                              "value", value));
}

/* Sets r's member key to list when list holds anything; takes list. */
static void set_unless_empty(json_t *r, const char *key, json_t *list)
{
    if (json_array_size(list))
        json_object_set(r, key, list);
    json_decref(list);
}

static json_t *patient_resource(struct builder *b, const struct patient *p,
                                const struct fhir_identifier *ids,
                                size_t id_count)
{
    char local[32];
    snprintf(local, sizeof(local), "%lld", (long long)p->id);
    json_t *identifiers = json_array();
    json_array_append_new(identifiers,
                          json_pack("{s:s,s:s,s:s}", "use", "usual",
                                    "system", b->local_system, "value",
                                    local));
    for (size_t i = 0; i < id_count; i++)
        json_array_append_new(identifiers,
                              json_pack("{s:s,s:s}", "system",
                                        ids[i].system, "value",
                                        ids[i].value));
    json_t *r = json_pack("{s:s,s:o,s:[{s:s}],s:s,s:s}", "resourceType",
                          "Patient", "identifier", identifiers, "name",
                          "text", p->name, "gender", p->sex, "birthDate",
                          p->birth_date);
    json_t *telecom = json_array();
    append_system_value(telecom, "phone", p->phone);
    append_system_value(telecom, "email", p->email);
    set_unless_empty(r, "telecom", telecom);
    if (p->zip[0])
        json_object_set_new(r, "address",
                            json_pack("[{s:s}]", "postalCode", p->zip));
    (void)b;
    return r;
}

/* A therapist, with qualification[] from their credentials and training
 * when the caller may see them. */
static json_t *practitioner_resource(struct builder *b,
                                     const struct practitioner_detail *d)
{
    const struct practitioner *p = &d->practitioner;
    json_t *r = json_pack("{s:s,s:b,s:[{s:s}]}", "resourceType",
                          "Practitioner", "active", p->active, "name",
                          "text", p->name);
    if (p->limited)
        return r;
    json_t *identifiers = json_array();
    append_system_value(identifiers, FHIR_SID_NPI, p->npi);
    append_system_value(identifiers, FHIR_SID_LICENSE, p->license);
    set_unless_empty(r, "identifier", identifiers);
    if (p->email[0])
        json_object_set_new(r, "telecom",
                            json_pack("[{s:s,s:s}]", "system", "email",
                                      "value", p->email));
    json_t *qualifications = json_array();
    if (p->credentials[0])
        json_array_append_new(qualifications,
                              json_pack("{s:{s:s}}", "code", "text",
                                        p->credentials));
    for (size_t i = 0; i < d->training.count; i++) {
        const struct training *t = &d->training.items[i];
        const char *name = protocol_name(b, t->protocol_id);
        json_t *q = json_pack(
            "{s:[{s:s,s:o}],s:{s:[o],s:s},s:{s:s}}", "extension", "url",
            FHIR_EXT_TRAINING_HOURS, "valueDecimal", number(t->hours),
            "code", "coding",
            coding(FHIR_SYSTEM_PROTOCOL, t->protocol_id, name), "text",
            name, "period", "start", t->completed_on);
        if (t->provider[0])
            json_object_set_new(q, "issuer", json_pack("{s:s}", "display",
                                                        t->provider));
        json_array_append_new(qualifications, q);
    }
    set_unless_empty(r, "qualification", qualifications);
    return r;
}

/* The key of a referring physician: one resource per NPI, else per name
 * and specialty. Writes into key (size n). */
static void physician_key(struct builder *b, const struct referral *r,
                          char *key, size_t n)
{
    /* Physicians are numbered in the order first met, by a lookup table
     * kept in b->added under "physician:<npi or name|specialty>". */
    char lookup[RECORD_NAME_MAX * 2 + 32];
    if (r->physician_npi[0])
        snprintf(lookup, sizeof(lookup), "physician:npi:%s",
                 r->physician_npi);
    else
        snprintf(lookup, sizeof(lookup), "physician:%s|%s",
                 r->physician_name, r->physician_specialty);
    json_t *have = json_object_get(b->added, lookup);
    if (have) {
        snprintf(key, n, "%s", json_string_value(have));
        return;
    }
    snprintf(key, n, "referrer-%lld", (long long)r->id);
    json_object_set_new(b->added, lookup, json_string(key));
}

static json_t *physician_resource(const struct referral *r)
{
    json_t *p = json_pack("{s:s,s:[{s:s}],s:[{s:{s:s}}]}", "resourceType",
                          "Practitioner", "name", "text", r->physician_name,
                          "qualification", "code", "text",
                          r->physician_specialty);
    if (r->physician_npi[0])
        json_object_set_new(p, "identifier",
                            json_pack("[{s:s,s:s}]", "system", FHIR_SID_NPI,
                                      "value", r->physician_npi));
    return p;
}

/* Splits a comma-separated ICD-10-CM list into reasonCode concepts. */
static json_t *reason_codes(const struct builder *b, const char *list)
{
    json_t *a = json_array();
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        char code[RECORD_ICD10_MAX + 1];
        if (n > 0 && n <= RECORD_ICD10_MAX) {
            memcpy(code, p, n);
            code[n] = '\0';
            json_array_append_new(a, icd10_concept(b, code));
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return a;
}

static json_t *service_request_resource(struct builder *b,
                                        const struct referral *r,
                                        const char *status,
                                        const char *physician)
{
    return json_pack(
        "{s:s,s:s,s:s,s:{s:s},s:o,s:s,s:o,s:o,s:[{s:s}]}", "resourceType",
        "ServiceRequest", "status", status, "intent", "order", "code",
        "text", "medical massage therapy", "subject",
        ref_int(b, "Patient", r->patient_id), "authoredOn", r->referred_on,
        "requester", ref(b, "Practitioner", physician), "reasonCode",
        reason_codes(b, r->icd10), "note", "text", r->reason);
}

/* The CPT code a session bills most minutes under (97124 when its phases
 * bill nothing or cannot be read). */
static const char *session_primary_cpt(const struct session *se)
{
    struct bill_phase phases[SESSION_PHASES_MAX];
    struct bill_line lines[BILL_MAX_CODES];
    int n = 0, count = 0;
    for (size_t i = 0; i < se->phase_count && i < SESSION_PHASES_MAX; i++) {
        phases[n].name = se->phases[i].name;
        phases[n].minutes = se->phases[i].minutes;
        n++;
    }
    struct err ignored = ERR_INIT;
    if (bill_lines_from_phases(phases, n, lines, BILL_MAX_CODES, &count,
                               &ignored) < 0 || count == 0)
        return "97124";
    int best = 0;
    for (int i = 1; i < count; i++)
        if (lines[i].minutes > lines[best].minutes)
            best = i;
    /* Point at the static table's string, not at the local copy. */
    static const char *const known[] = {"97124", "97140", "97112", "97110",
                                        "97113", "97116", "97530", "97535",
                                        "97032", "97033", "97034", "97035"};
    for (size_t i = 0; i < ARRAY_SIZE(known); i++)
        if (!strcmp(known[i], lines[best].code))
            return known[i];
    return "97124";
}

/* A UCUM unit for an instrument's total. */
static void ucum_unit(const char *unit, const char **code)
{
    if (unit && !strcmp(unit, "%"))
        *code = "%";
    else if (unit && !strcmp(unit, "days per month"))
        *code = "d/mo";
    else
        *code = "{score}";
}

static json_t *observation_code(const struct instrument *in,
                                const char *instrument_code)
{
    json_t *codings = json_array();
    const char *name = in ? in->name : instrument_code;
    if (in && in->loinc)
        json_array_append_new(codings,
                              coding(FHIR_SYSTEM_LOINC, in->loinc, NULL));
    json_array_append_new(codings, coding(FHIR_SYSTEM_INSTRUMENT,
                                          instrument_code, name));
    return json_pack("{s:o,s:s}", "coding", codings, "text", name);
}

static json_t *questionnaire_response(struct builder *b,
                                      const struct observation *o,
                                      int64_t patient_id,
                                      const struct instrument *in)
{
    json_t *items = json_array();
    for (size_t i = 0; i < o->item_count; i++) {
        double v = o->items[i];
        if (isnan(v))
            continue;
        char link[24];
        snprintf(link, sizeof(link), "%zu", i + 1);
        json_t *answer = v == floor(v) && fabs(v) < 1e9
                             ? json_pack("{s:I}", "valueInteger",
                                         (json_int_t)v)
                             : json_pack("{s:f}", "valueDecimal", v);
        json_array_append_new(items, json_pack("{s:s,s:[o]}", "linkId",
                                               link, "answer", answer));
    }
    char *canonical = xasprintf("%s%s", FHIR_QUESTIONNAIRE, o->instrument);
    char patient[24], episode[24];
    snprintf(patient, sizeof(patient), "%lld", (long long)patient_id);
    snprintf(episode, sizeof(episode), "%lld", (long long)o->episode_id);
    /* The subject and the episode also by this clinic's identifiers, so
     * that the response alone names them (touchstone import fhir). */
    json_t *subject = ref_int(b, "Patient", patient_id);
    json_object_set_new(subject, "identifier",
                        json_pack("{s:s,s:s}", "system", b->local_system,
                                  "value", patient));
    json_t *r = json_pack(
        "{s:s,s:[{s:s,s:{s:s,s:s}},{s:s,s:s}],s:s,s:s,s:o,s:s}",
        "resourceType", "QuestionnaireResponse", "extension", "url",
        FHIR_EXT_EPISODE, "valueIdentifier", "system", b->episode_system,
        "value", episode, "url", FHIR_EXT_TIMEPOINT, "valueCode",
        o->timepoint, "questionnaire", canonical, "status", "completed",
        "subject", subject, "authored", o->observed_at);
    free(canonical);
    if (o->session_id)
        json_object_set_new(r, "encounter",
                            ref_int(b, "Encounter", o->session_id));
    set_unless_empty(r, "item", items);
    (void)in;
    return r;
}

static json_t *observation_resource(struct builder *b,
                                    const struct observation *o,
                                    int64_t patient_id,
                                    const struct instrument *in,
                                    int with_response)
{
    int bp = in && in->method == METHOD_BP;
    json_t *r = json_pack(
        "{s:s,s:[{s:s,s:s}],s:s,s:[{s:[o]}],s:o,s:o,s:s}", "resourceType",
        "Observation", "extension", "url", FHIR_EXT_TIMEPOINT, "valueCode",
        o->timepoint, "status", "final", "category", "coding",
        coding(FHIR_SYSTEM_OBSERVATION_CATEGORY,
               bp ? "vital-signs" : "survey", bp ? "Vital Signs" : "Survey"),
        "code", observation_code(in, o->instrument), "subject",
        ref_int(b, "Patient", patient_id), "effectiveDateTime",
        o->observed_at);
    if (o->session_id)
        json_object_set_new(r, "encounter",
                            ref_int(b, "Encounter", o->session_id));
    if (bp && o->items && o->item_count == 2) {
        json_t *components = json_array();
        static const char *const names[] = {"systolic", "diastolic"};
        for (int i = 0; i < 2; i++) {
            const char *loinc = in->item_loinc[i];
            json_t *codings = json_array();
            if (loinc)
                json_array_append_new(codings,
                                      coding(FHIR_SYSTEM_LOINC, loinc,
                                             NULL));
            json_array_append_new(codings,
                                  coding(FHIR_SYSTEM_INSTRUMENT,
                                         i ? "bp-diastolic" : "bp-systolic",
                                         NULL));
            json_array_append_new(
                components,
                json_pack("{s:{s:o,s:s},s:{s:o,s:s,s:s,s:s}}", "code",
                          "coding", codings, "text", names[i],
                          "valueQuantity", "value", number(o->items[i]),
                          "unit", "mmHg", "system", FHIR_SYSTEM_UCUM,
                          "code", "mm[Hg]"));
        }
        json_object_set_new(r, "component", components);
    } else {
        const char *ucum;
        ucum_unit(in ? in->unit : NULL, &ucum);
        json_object_set_new(
            r, "valueQuantity",
            json_pack("{s:o,s:s,s:s,s:s}", "value", number(o->total),
                      "unit", in && in->unit ? in->unit : "points",
                      "system", FHIR_SYSTEM_UCUM, "code", ucum));
    }
    if (with_response)
        json_object_set_new(r, "derivedFrom",
                            json_pack("[o]", ref_int(b,
                                                     "QuestionnaireResponse",
                                                     o->id)));
    return r;
}

/* 1 when the observation's items make a QuestionnaireResponse. */
static int has_response(const struct observation *o,
                        const struct instrument *in)
{
    if (!o->items || !o->item_count)
        return 0;
    if (in && in->method == METHOD_BP)
        return 0;
    for (size_t i = 0; i < o->item_count; i++)
        if (!isnan(o->items[i]))
            return 1;
    return 0;
}

static void add_observation(struct builder *b, const struct observation *o,
                            int64_t patient_id, const char *mode)
{
    const struct instrument *in = instrument_find(o->instrument);
    int response = has_response(o, in);
    if (response)
        builder_add_int(b, "QuestionnaireResponse", o->id,
                        questionnaire_response(b, o, patient_id, in),
                        b->search_mode ? "include" : NULL);
    builder_add_int(b, "Observation", o->id,
                    observation_resource(b, o, patient_id, in, response),
                    mode);
}

static void add_practitioner(struct builder *b, struct store *s,
                             const struct actor *caller, int64_t id)
{
    char text[32];
    snprintf(text, sizeof(text), "%lld", (long long)id);
    if (builder_has(b, "Practitioner", text))
        return;
    struct practitioner_detail d = {0};
    struct err e = ERR_INIT;
    if (practitioner_show(s, caller, id, &d, &e) < 0) {
        /* A practitioner the caller may not see in full still has a
         * name in the episode; the reference must resolve regardless. */
        builder_add(b, "Practitioner", text,
                    json_pack("{s:s}", "resourceType", "Practitioner"),
                    b->search_mode ? "include" : NULL);
        return;
    }
    builder_add(b, "Practitioner", text, practitioner_resource(b, &d),
                b->search_mode ? "include" : NULL);
    practitioner_detail_release(&d);
}

static const char *include_mode(const struct builder *b)
{
    return b->search_mode ? "include" : NULL;
}

/* Adds a resource of one session (type, id), based on the episode's
 * referral when it came from one. */
static void add_session_resource(struct builder *b, const struct episode *ep,
                                 const char *type, int64_t id, json_t *r)
{
    if (ep->referral_id)
        json_object_set_new(r, "basedOn",
                            json_pack("[o]", ref_int(b, "ServiceRequest",
                                                     ep->referral_id)));
    builder_add_int(b, type, id, r, include_mode(b));
}

static void add_episode(struct builder *b, struct store *s,
                        const struct actor *caller,
                        const struct episode_detail *d)
{
    const struct episode *ep = &d->episode;
    char condition[64];
    snprintf(condition, sizeof(condition), "dx-%s", ep->icd10);
    if (!builder_has(b, "Condition", condition)) {
        json_t *c = json_pack(
            "{s:s,s:[{s:[o]}],s:o,s:o,s:s}", "resourceType", "Condition",
            "category", "coding",
            coding("http://terminology.hl7.org/CodeSystem/"
                   "condition-category",
                   "encounter-diagnosis", "Encounter Diagnosis"),
            "code", icd10_concept(b, ep->icd10), "subject",
            ref_int(b, "Patient", ep->patient_id), "recordedDate",
            ep->started_on);
        builder_add(b, "Condition", condition, c, include_mode(b));
    }
    add_practitioner(b, s, caller, ep->practitioner_id);
    const char *pname = protocol_name(b, ep->protocol_id);
    json_t *period = json_pack("{s:s}", "start", ep->started_on);
    if (ep->ended_on[0])
        json_object_set_new(period, "end", json_string(ep->ended_on));
    json_t *eoc = json_pack(
        "{s:s,s:s,s:[{s:[o],s:s}],s:[{s:o,s:i}],s:o,s:o,s:o}",
        "resourceType", "EpisodeOfCare", "status",
        ep->ended_on[0] ? "finished" : "active", "type", "coding",
        coding(FHIR_SYSTEM_PROTOCOL, ep->protocol_id, pname), "text", pname,
        "diagnosis", "condition", ref(b, "Condition", condition), "rank", 1,
        "patient", ref_int(b, "Patient", ep->patient_id), "careManager",
        ref_int(b, "Practitioner", ep->practitioner_id), "period", period);
    char episode_id[24];
    snprintf(episode_id, sizeof(episode_id), "%lld", (long long)ep->id);
    json_object_set_new(eoc, "identifier",
                        json_pack("[{s:s,s:s}]", "system", b->episode_system,
                                  "value", episode_id));
    if (ep->referral_id)
        json_object_set_new(eoc, "referralRequest",
                            json_pack("[o]", ref_int(b, "ServiceRequest",
                                                     ep->referral_id)));
    builder_add_int(b, "EpisodeOfCare", ep->id, eoc, include_mode(b));

    for (size_t i = 0; i < d->sessions.count; i++) {
        const struct session *se = &d->sessions.items[i];
        char end[CLOCK_INSTANT_LEN];
        instant_plus(se->started_at, se->minutes, end);
        json_t *enc = json_pack(
            "{s:s,s:s,s:o,s:o,s:[{s:o}],s:{s:s,s:s},s:{s:i,s:s,s:s,s:s},"
            "s:[o],s:[o]}",
            "resourceType", "Encounter", "status", "finished", "class",
            coding(FHIR_SYSTEM_ACT_CODE, "AMB", "ambulatory"), "subject",
            ref_int(b, "Patient", ep->patient_id), "participant",
            "individual", ref_int(b, "Practitioner", ep->practitioner_id),
            "period", "start", se->started_at, "end", end, "length",
            "value", se->minutes, "unit", "min", "system", FHIR_SYSTEM_UCUM,
            "code", "min", "reasonReference",
            ref(b, "Condition", condition), "episodeOfCare",
            ref_int(b, "EpisodeOfCare", ep->id));
        add_session_resource(b, ep, "Encounter", se->id, enc);
        const char *cpt = session_primary_cpt(se);
        json_t *proc = json_pack(
            "{s:s,s:s,s:{s:[o,o],s:s},s:o,s:o,s:{s:s,s:s},s:[{s:o}],"
            "s:[o]}",
            "resourceType", "Procedure", "status", "completed", "code",
            "coding", coding(FHIR_SYSTEM_CPT, cpt, bill_code_title(cpt)),
            coding(FHIR_SYSTEM_PROTOCOL, ep->protocol_id, pname), "text",
            pname, "subject", ref_int(b, "Patient", ep->patient_id),
            "encounter", ref_int(b, "Encounter", se->id), "performedPeriod",
            "start", se->started_at, "end", end, "performer", "actor",
            ref_int(b, "Practitioner", ep->practitioner_id),
            "reasonReference", ref(b, "Condition", condition));
        add_session_resource(b, ep, "Procedure", se->id, proc);
    }
    for (size_t i = 0; i < d->observations.count; i++)
        add_observation(b, &d->observations.items[i], ep->patient_id,
                        include_mode(b));
}

static json_t *bundle_of(struct builder *b, const char *type)
{
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    json_t *bundle = json_pack("{s:s,s:s,s:s}", "resourceType", "Bundle",
                               "type", type, "timestamp", now);
    if (!strcmp(type, "searchset"))
        json_object_set_new(bundle, "total",
                            json_integer((json_int_t)json_array_size(
                                b->entries)));
    json_object_set(bundle, "entry", b->entries);
    return bundle;
}

int fhir_export_patient(struct store *s, const struct actor *caller,
                        int64_t patient_id, const char *bundle_type,
                        const struct fhir_options *opt, json_t **out,
                        struct err *e)
{
    *out = NULL;
    if (!bundle_type || (strcmp(bundle_type, "collection") &&
                         strcmp(bundle_type, "searchset")))
        BUG("fhir_export_patient: bundle type '%s'",
            bundle_type ? bundle_type : "(null)");
    struct patient_detail pd = {0};
    struct fhir_identifier *ids = NULL;
    size_t id_count = 0;
    if (patient_show(s, caller, patient_id, &pd, e) < 0)
        return -1;
    if (fhir_identifier_list(s, caller, patient_id, &ids, &id_count, e) <
        0) {
        patient_detail_release(&pd);
        return -1;
    }
    struct builder b;
    builder_init(&b, s, opt);
    int searchset = !strcmp(bundle_type, "searchset");
    if (searchset)
        b.search_mode = "match";
    builder_add_int(&b, "Patient", patient_id,
                    patient_resource(&b, &pd.patient, ids, id_count),
                    searchset ? "match" : NULL);
    free(ids);

    /* Each referral's status: completed once an episode answering it is
     * closed. */
    for (size_t i = 0; i < pd.referrals.count; i++) {
        const struct referral *r = &pd.referrals.items[i];
        const char *status = "active";
        for (size_t j = 0; j < pd.episodes.count; j++)
            if (pd.episodes.items[j].referral_id == r->id &&
                pd.episodes.items[j].ended_on[0])
                status = "completed";
        char physician[64];
        physician_key(&b, r, physician, sizeof(physician));
        if (!builder_has(&b, "Practitioner", physician))
            builder_add(&b, "Practitioner", physician, physician_resource(r),
                        include_mode(&b));
        builder_add_int(&b, "ServiceRequest", r->id,
                        service_request_resource(&b, r, status, physician),
                        include_mode(&b));
    }
    int rc = 0;
    for (size_t i = 0; i < pd.episodes.count && rc == 0; i++) {
        struct episode_detail d = {0};
        rc = episode_show(s, caller, pd.episodes.items[i].id, &d, e);
        if (rc == 0)
            add_episode(&b, s, caller, &d);
        episode_detail_release(&d);
    }
    patient_detail_release(&pd);
    if (rc == 0)
        *out = bundle_of(&b, bundle_type);
    builder_release(&b);
    return rc;
}

int fhir_patient_resource(struct store *s, const struct actor *caller,
                          int64_t patient_id, const struct fhir_options *opt,
                          json_t **out, struct err *e)
{
    *out = NULL;
    struct patient p;
    struct fhir_identifier *ids = NULL;
    size_t id_count = 0;
    if (patient_get(s, caller, patient_id, "patient", &p, e) < 0 ||
        fhir_identifier_list(s, caller, patient_id, &ids, &id_count, e) < 0)
        return -1;
    struct builder b;
    builder_init_relative(&b, s, opt);
    json_t *r = patient_resource(&b, &p, ids, id_count);
    free(ids);
    builder_add_int(&b, "Patient", patient_id, r, NULL);
    *out = json_incref(json_object_get(json_array_get(b.entries, 0),
                                       "resource"));
    builder_release(&b);
    return 0;
}

/* 1 when the Observation resource has a coding matching the search. */
static int code_matches(const json_t *resource, const char *system,
                        const char *code)
{
    const json_t *codings =
        json_object_get(json_object_get(resource, "code"), "coding");
    size_t i;
    const json_t *c;
    json_array_foreach(codings, i, c) {
        const char *cs = json_string_value(json_object_get(c, "system"));
        const char *cc = json_string_value(json_object_get(c, "code"));
        if (cc && !strcmp(cc, code) &&
            (!system || (cs && !strcmp(cs, system))))
            return 1;
    }
    return 0;
}

int fhir_observation_search(struct store *s, const struct actor *caller,
                            int64_t patient_id, const char *code,
                            const struct fhir_options *opt, json_t **out,
                            struct err *e)
{
    *out = NULL;
    char system[256] = "";
    const char *want = NULL;
    if (code && *code) {
        const char *bar = strchr(code, '|');
        if (bar) {
            size_t n = (size_t)(bar - code);
            if (n == 0 || n >= sizeof(system) || !bar[1] ||
                strchr(bar + 1, '|'))
                return err_set(e, ERR_INPUT, "code",
                               "'%.64s' is not a code or system|code", code);
            memcpy(system, code, n);
            system[n] = '\0';
            want = bar + 1;
        } else {
            want = code;
        }
    }
    struct episode_list episodes = {0};
    struct episode_filter filter = {patient_id, 0, 0};
    if (episode_list(s, caller, &filter, &episodes, e) < 0)
        return -1;
    struct builder b;
    builder_init_relative(&b, s, opt);
    b.search_mode = "match";
    int rc = 0;
    size_t matches = 0;
    for (size_t i = 0; i < episodes.count && rc == 0; i++) {
        struct observation_list obs = {0};
        rc = observation_list(s, caller, episodes.items[i].id, &obs, e);
        for (size_t j = 0; rc == 0 && j < obs.count; j++) {
            const struct observation *o = &obs.items[j];
            const struct instrument *in = instrument_find(o->instrument);
            if (want) {
                json_t *probe = json_pack("{s:o}", "code",
                                          observation_code(in,
                                                           o->instrument));
                int hit = code_matches(probe, system[0] ? system : NULL,
                                       want);
                json_decref(probe);
                if (!hit)
                    continue;
            }
            add_observation(&b, o, patient_id, "match");
            matches++;
        }
        observation_list_release(&obs);
    }
    episode_list_release(&episodes);
    if (rc == 0) {
        *out = bundle_of(&b, "searchset");
        json_object_set_new(*out, "total", json_integer((json_int_t)matches));
    }
    builder_release(&b);
    return rc;
}
