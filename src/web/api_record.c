/* The clinical record over JSON: practitioners and training, patients,
 * referrals, episodes, sessions and observations. Every call goes through
 * the record layer with the caller's actor: access rules and the audit log
 * live there, never here. */
#include "core/util.h"
#include "record/episode.h"
#include "record/observation.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "record/record_json.h"
#include "record/referral.h"
#include "record/session.h"
#include "record/training.h"
#include "web/handlers.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The record names fields as the command line's options; the API's JSON
 * names ids with "_id" and uses underscores. */
static const char *const field_names[][2] = {
    {"patient", "patient_id"},       {"practitioner", "practitioner_id"},
    {"referral", "referral_id"},     {"session", "session_id"},
    {"red-flag", "red_flags"},       {"phase", "phases"},
    {"chronicity-weeks", "chronicity_weeks"},
};

/* Fails with the record's error, its field renamed for the API. */
static int record_fail(struct web_ctx *w)
{
    char *f = w->err.field;
    for (size_t i = 0; i < ARRAY_SIZE(field_names); i++)
        if (!strcmp(f, field_names[i][0])) {
            snprintf(f, sizeof(w->err.field), "%s", field_names[i][1]);
            break;
        }
    for (; *f; f++)
        if (*f == '-')
            *f = '_';
    return web_fail(w);
}

/* Replies 201 with the new record doc (taken) and its Location, the
 * printf-formatted path. */
static int reply_created(struct web_ctx *w, json_t *doc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int reply_created(struct web_ctx *w, json_t *doc, const char *fmt, ...)
{
    char location[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(location, sizeof(location), fmt, ap);
    va_end(ap);
    http_response_set_header(w->resp, "Location", location);
    return web_reply_json(w, 201, doc);
}

/* The bounds of one page of count items. */
static void page_bounds(size_t count, int page, int per_page, size_t *start,
                        size_t *end)
{
    size_t from = (size_t)(page - 1) * (size_t)per_page;
    *start = from < count ? from : count;
    *end = *start + (size_t)per_page < count ? *start + (size_t)per_page
                                             : count;
}

static const char *const paging[] = {"page", "per_page", NULL};

/* Sets out to a new JSON array of the items [from, to) of the record list
 * l (any list with .items), each by to_json. A macro: each list has its
 * own item type. */
#define LIST_JSON(out, l, from, to, to_json)                                   \
    do {                                                                       \
        (out) = json_array();                                                  \
        for (size_t i_ = (from); i_ < (to); i_++)                              \
            json_array_append_new((out), to_json(&(l).items[i_]));             \
    } while (0)

/* Sets doc to the paged document (api_page_doc) of page page (per_page
 * items) of the record list l, each item by to_json. */
#define LIST_PAGE_DOC(doc, l, page, per_page, to_json)                         \
    do {                                                                       \
        size_t from_, to_;                                                     \
        json_t *items_;                                                        \
        page_bounds((l).count, (page), (per_page), &from_, &to_);              \
        LIST_JSON(items_, l, from_, to_, to_json);                             \
        (doc) = api_page_doc(items_, (page), (per_page), (int64_t)(l).count);  \
    } while (0)

/* Defines static json_t *KIND_items_doc(const struct KIND_list *l):
 * {"items": [...]}, every item of l by KIND_to_json (a new document). */
#define ITEMS_DOC(kind)                                                        \
    static json_t *kind##_items_doc(const struct kind##_list *l)               \
    {                                                                          \
        json_t *items;                                                         \
        LIST_JSON(items, *l, 0, l->count, kind##_to_json);                     \
        return json_pack("{s:o}", "items", items);                             \
    }
ITEMS_DOC(training)
ITEMS_DOC(referral)
ITEMS_DOC(session)
ITEMS_DOC(observation)

/* Defines handler NAME: GET of what the route's id names, read into a
 * struct TYPE by LOAD (the record's KIND_show or KIND_list, which checks
 * the caller's access), answered with TO_DOC's document of it, then
 * released by RELEASE. */
#define GET_HANDLER(name, type, load, to_doc, release)                         \
    int name(struct web_ctx *w)                                                \
    {                                                                          \
        if (api_query_none(w) < 0)                                             \
            return -1;                                                         \
        struct type v = {0};                                                   \
        if (load(w->store, &w->actor, route_param_id(&w->match, "id"), &v,     \
                 &w->err) < 0)                                                 \
            return record_fail(w);                                             \
        json_t *doc = to_doc(&v);                                              \
        release(&v);                                                           \
        return web_reply_json(w, 200, doc);                                    \
    }

/* ---- practitioners and training ---- */

int api_practitioners_list(struct web_ctx *w)
{
    int page, per_page;
    if (api_query_allow(w, paging) < 0 || api_page(w, &page, &per_page) < 0)
        return -1;
    struct practitioner_list l = {0};
    if (practitioner_list(w->store, &w->actor, &l, &w->err) < 0)
        return record_fail(w);
    json_t *doc;
    LIST_PAGE_DOC(doc, l, page, per_page, practitioner_to_json);
    practitioner_list_release(&l);
    return web_reply_json(w, 200, doc);
}

int api_practitioners_create(struct web_ctx *w)
{
    struct practitioner_new in = {0};
    struct api_field fields[] = {
        {"name", API_STRING, 1, &in.name, NULL},
        {"license", API_STRING, 1, &in.license, NULL},
        {"credentials", API_STRING, 1, &in.credentials, NULL},
        {"email", API_STRING, 0, &in.email, NULL},
        {"npi", API_STRING, 0, &in.npi, NULL},
        API_FIELDS_END,
    };
    if (api_body(w, fields) < 0)
        return -1;
    int64_t id;
    struct practitioner_detail d = {0};
    if (practitioner_add(w->store, &w->actor, &in, &id, &w->err) < 0 ||
        practitioner_show(w->store, &w->actor, id, &d, &w->err) < 0)
        return record_fail(w);
    json_t *doc = practitioner_detail_to_json(&d);
    practitioner_detail_release(&d);
    return reply_created(w, doc, "/api/v1/practitioners/%lld", (long long)id);
}

GET_HANDLER(api_practitioner_show, practitioner_detail, practitioner_show,
            practitioner_detail_to_json, practitioner_detail_release)

int api_training_list(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    int64_t id = route_param_id(&w->match, "id");
    struct practitioner p;
    struct training_list l = {0};
    /* The practitioner must exist; the list is empty for those who may not
     * see it. */
    if (practitioner_get(w->store, &w->actor, id, "id", &p, &w->err) < 0 ||
        training_list(w->store, &w->actor, id, &l, &w->err) < 0)
        return record_fail(w);
    json_t *doc = training_items_doc(&l);
    training_list_release(&l);
    return web_reply_json(w, 200, doc);
}

int api_training_create(struct web_ctx *w)
{
    struct training_new in = {0};
    in.practitioner_id = route_param_id(&w->match, "id");
    struct api_field fields[] = {
        {"protocol", API_STRING, 1, &in.protocol_id, NULL},
        {"hours", API_NUMBER, 1, &in.hours, NULL},
        {"completed", API_STRING, 1, &in.completed_on, NULL},
        {"provider", API_STRING, 0, &in.provider, NULL},
        API_FIELDS_END,
    };
    if (api_body(w, fields) < 0)
        return -1;
    int64_t id;
    struct training_list l = {0};
    if (training_add(w->store, &w->actor, &in, &id, &w->err) < 0 ||
        training_list(w->store, &w->actor, in.practitioner_id, &l,
                      &w->err) < 0)
        return record_fail(w);
    json_t *doc = NULL;
    for (size_t i = 0; i < l.count; i++)
        if (l.items[i].id == id)
            doc = training_to_json(&l.items[i]);
    training_list_release(&l);
    if (!doc)
        doc = json_pack("{s:I}", "id", (json_int_t)id);
    return reply_created(w, doc, "/api/v1/practitioners/%lld/training",
                         (long long)in.practitioner_id);
}

/* ---- patients and referrals ---- */

int api_patients_list(struct web_ctx *w)
{
    static const char *const allowed[] = {"page", "per_page", "search", NULL};
    int page, per_page;
    if (api_query_allow(w, allowed) < 0 || api_page(w, &page, &per_page) < 0)
        return -1;
    struct patient_list l = {0};
    if (patient_list(w->store, &w->actor,
                     http_pairs_get(&w->query, "search", 0), &l, &w->err) < 0)
        return record_fail(w);
    json_t *doc;
    LIST_PAGE_DOC(doc, l, page, per_page, patient_to_json);
    patient_list_release(&l);
    return web_reply_json(w, 200, doc);
}

int api_patients_create(struct web_ctx *w)
{
    struct patient_new in = {0};
    struct api_field fields[] = {
        {"name", API_STRING, 1, &in.name, NULL},
        {"dob", API_STRING, 1, &in.birth_date, NULL},
        {"sex", API_STRING, 1, &in.sex, NULL},
        {"zip", API_STRING, 0, &in.zip, NULL},
        {"phone", API_STRING, 0, &in.phone, NULL},
        {"email", API_STRING, 0, &in.email, NULL},
        {"consent_treatment", API_BOOL, 0, &in.consent_treatment, NULL},
        {"consent_research", API_BOOL, 0, &in.consent_research, NULL},
        API_FIELDS_END,
    };
    if (api_body(w, fields) < 0)
        return -1;
    int64_t id;
    struct patient p;
    if (patient_add(w->store, &w->actor, &in, &id, &w->err) < 0 ||
        patient_get(w->store, &w->actor, id, "id", &p, &w->err) < 0)
        return record_fail(w);
    return reply_created(w, patient_to_json(&p), "/api/v1/patients/%lld",
                         (long long)id);
}

GET_HANDLER(api_patient_show, patient_detail, patient_show,
            patient_detail_to_json, patient_detail_release)

static int referrals_of(struct web_ctx *w, int64_t patient_id)
{
    struct referral_list l = {0};
    if (referral_list(w->store, &w->actor, patient_id, &l, &w->err) < 0)
        return record_fail(w);
    json_t *doc = referral_items_doc(&l);
    referral_list_release(&l);
    return web_reply_json(w, 200, doc);
}

int api_patient_referrals(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    return referrals_of(w, route_param_id(&w->match, "id"));
}

int api_referrals_list(struct web_ctx *w)
{
    static const char *const allowed[] = {"patient_id", NULL};
    int64_t patient_id;
    if (api_query_allow(w, allowed) < 0 ||
        api_query_int(w, "patient_id", &patient_id) < 0)
        return -1;
    if (!patient_id)
        return web_error(w, 422, "invalid", "patient_id",
                         "missing: referrals are listed by patient");
    return referrals_of(w, patient_id);
}

/* Adds a referral for patient_id (from the path, or the body when 0). */
static int referral_create(struct web_ctx *w, int64_t patient_id)
{
    struct referral_new in = {0};
    struct api_field fields[] = {
        {"physician", API_STRING, 1, &in.physician_name, NULL},
        {"specialty", API_STRING, 1, &in.physician_specialty, NULL},
        {"npi", API_STRING, 0, &in.physician_npi, NULL},
        {"reason", API_STRING, 1, &in.reason, NULL},
        {"icd10", API_STRING, 1, &in.icd10, NULL},
        {"date", API_STRING, 1, &in.referred_on, NULL},
        /* The patient comes from the body only when the path has none: a
         * NULL name here ends the table early. */
        {patient_id ? NULL : "patient_id", API_INT, 1, &in.patient_id, NULL},
        API_FIELDS_END,
    };
    if (api_body(w, fields) < 0)
        return -1;
    if (patient_id)
        in.patient_id = patient_id;
    int64_t id;
    struct referral r;
    if (referral_add(w->store, &w->actor, &in, &id, &w->err) < 0 ||
        referral_get(w->store, &w->actor, id, "id", &r, &w->err) < 0)
        return record_fail(w);
    return reply_created(w, referral_to_json(&r), "/api/v1/referrals/%lld",
                         (long long)id);
}

int api_referrals_create(struct web_ctx *w)
{
    return referral_create(w, 0);
}

int api_patient_referrals_create(struct web_ctx *w)
{
    return referral_create(w, route_param_id(&w->match, "id"));
}

int api_referral_show(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    struct referral r;
    if (referral_get(w->store, &w->actor, route_param_id(&w->match, "id"),
                     "id", &r, &w->err) < 0)
        return record_fail(w);
    return web_reply_json(w, 200, referral_to_json(&r));
}

/* ---- episodes ---- */

int api_episodes_list(struct web_ctx *w)
{
    static const char *const allowed[] = {"page", "per_page", "patient_id",
                                          "practitioner_id", "open", NULL};
    int page, per_page;
    struct episode_filter f = {0};
    if (api_query_allow(w, allowed) < 0 || api_page(w, &page, &per_page) < 0 ||
        api_query_int(w, "patient_id", &f.patient_id) < 0 ||
        api_query_int(w, "practitioner_id", &f.practitioner_id) < 0)
        return -1;
    const char *open = http_pairs_get(&w->query, "open", 0);
    if (open && strcmp(open, "true") && strcmp(open, "false"))
        return web_error(w, 422, "invalid", "open", "must be true or false");
    f.open_only = open && !strcmp(open, "true");
    struct episode_list l = {0};
    if (episode_list(w->store, &w->actor, &f, &l, &w->err) < 0)
        return record_fail(w);
    json_t *doc;
    LIST_PAGE_DOC(doc, l, page, per_page, episode_to_json);
    episode_list_release(&l);
    return web_reply_json(w, 200, doc);
}

int api_episodes_create(struct web_ctx *w)
{
    struct episode_new in = {0};
    json_t *flags = NULL;
    int64_t chronicity = -1, comorbidities = -1;
    int has_chronicity = 0, has_comorbidities = 0;
    struct api_field fields[] = {
        {"patient_id", API_INT, 1, &in.patient_id, NULL},
        {"practitioner_id", API_INT, 1, &in.practitioner_id, NULL},
        {"protocol", API_STRING, 1, &in.protocol_id, NULL},
        {"icd10", API_STRING, 1, &in.icd10, NULL},
        {"start", API_STRING, 1, &in.started_on, NULL},
        {"referral_id", API_INT, 0, &in.referral_id, NULL},
        {"chronicity_weeks", API_INT, 0, &chronicity, &has_chronicity},
        {"comorbidities", API_INT, 0, &comorbidities, &has_comorbidities},
        {"red_flags", API_OBJECT, 0, &flags, NULL},
        API_FIELDS_END,
    };
    if (api_body(w, fields) < 0)
        return -1;
    if (has_chronicity && (chronicity < 0 || chronicity > 1000000))
        return web_error(w, 422, "invalid", "chronicity_weeks",
                         "%lld is out of range", (long long)chronicity);
    if (has_comorbidities && (comorbidities < 0 || comorbidities > 1000000))
        return web_error(w, 422, "invalid", "comorbidities",
                         "%lld is out of range", (long long)comorbidities);
    if (in.patient_id <= 0 || in.practitioner_id <= 0 || in.referral_id < 0)
        return web_error(w, 422, "invalid",
                         in.patient_id <= 0        ? "patient_id"
                         : in.practitioner_id <= 0 ? "practitioner_id"
                                                   : "referral_id",
                         "not a record id");
    in.chronicity_weeks = (long)chronicity;
    in.comorbidities = (long)comorbidities;
    struct screen_answer answers[128];
    size_t n = 0;
    if (flags) {
        const char *key;
        json_t *v;
        json_object_foreach(flags, key, v)
        {
            if (!json_is_boolean(v))
                return web_error(w, 422, "invalid", "red_flags",
                                 "'%.64s': the answer must be true or false",
                                 key);
            if (n >= ARRAY_SIZE(answers))
                return web_error(w, 422, "invalid", "red_flags",
                                 "more than %zu answers", ARRAY_SIZE(answers));
            answers[n].question_id = key;
            answers[n].yes = json_is_true(v);
            n++;
        }
    }
    in.screen = answers;
    in.screen_count = n;
    int64_t id;
    struct buf note = BUF_INIT;
    if (episode_open(w->store, &w->actor, &in, &id, &note, &w->err) < 0) {
        /* The note for the patient's file goes with a clinical refusal. */
        if (note.len && (w->err.code == ERR_SCOPE ||
                         w->err.code == ERR_REFUSED)) {
            record_fail(w);
            const char *code;
            int status = web_error_status(w, &code);
            json_t *detail = json_pack(
                "{s:s,s:s,s:s,s:s}", "code", code, "message", w->err.message,
                "field", w->err.field, "note", note.data);
            buf_release(&note);
            return web_reply_json(w, status,
                                  json_pack("{s:o}", "error", detail));
        }
        buf_release(&note);
        return record_fail(w);
    }
    buf_release(&note);
    struct episode ep;
    if (episode_get(w->store, &w->actor, id, "id", &ep, &w->err) < 0)
        return record_fail(w);
    return reply_created(w, episode_to_json(&ep), "/api/v1/episodes/%lld",
                         (long long)id);
}

GET_HANDLER(api_episode_show, episode_detail, episode_show,
            episode_detail_to_json, episode_detail_release)

int api_episode_close(struct web_ctx *w)
{
    const char *end = NULL;
    struct api_field fields[] = {
        {"end", API_STRING, 1, &end, NULL},
        API_FIELDS_END,
    };
    if (api_body(w, fields) < 0)
        return -1;
    int64_t id = route_param_id(&w->match, "id");
    struct episode ep;
    if (episode_close(w->store, &w->actor, id, end, &w->err) < 0 ||
        episode_get(w->store, &w->actor, id, "id", &ep, &w->err) < 0)
        return record_fail(w);
    return web_reply_json(w, 200, episode_to_json(&ep));
}

/* ---- sessions and observations ---- */

/* Every session of the episode. */
GET_HANDLER(api_sessions_list, session_list, session_list, session_items_doc,
            session_list_release)

/* Reads "phases": [{"name": "kneading", "minutes": 20}, ...]. */
static int read_phases(struct web_ctx *w, json_t *array,
                       struct session_phase *phases, size_t *count)
{
    *count = 0;
    if (!array)
        return 0;
    if (json_array_size(array) > SESSION_PHASES_MAX)
        return web_error(w, 422, "invalid", "phases", "more than %d phases",
                         SESSION_PHASES_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v)
    {
        const char *key;
        json_t *member;
        if (!json_is_object(v))
            return web_error(w, 422, "invalid", "phases",
                             "phase %zu: expected {\"name\", \"minutes\"}",
                             i + 1);
        json_object_foreach(v, key, member)
        {
            if (strcmp(key, "name") && strcmp(key, "minutes"))
                return web_error(w, 422, "invalid", "phases",
                                 "phase %zu: unknown field '%.64s'", i + 1,
                                 key);
        }
        json_t *name = json_object_get(v, "name");
        json_t *minutes = json_object_get(v, "minutes");
        if (!json_is_string(name) ||
            json_string_length(name) > RECORD_CODE_MAX ||
            strlen(json_string_value(name)) != json_string_length(name))
            return web_error(w, 422, "invalid", "phases",
                             "phase %zu: name must be a string of at most %d "
                             "bytes",
                             i + 1, RECORD_CODE_MAX);
        if (!json_is_integer(minutes) || json_integer_value(minutes) < 0 ||
            json_integer_value(minutes) > SESSION_MINUTES_MAX)
            return web_error(w, 422, "invalid", "phases",
                             "phase %zu: minutes must be a whole number from "
                             "0 to %d",
                             i + 1, SESSION_MINUTES_MAX);
        snprintf(phases[i].name, sizeof(phases[i].name), "%s",
                 json_string_value(name));
        phases[i].minutes = (int)json_integer_value(minutes);
        (*count)++;
    }
    return 0;
}

int api_sessions_create(struct web_ctx *w)
{
    struct session_new in = {0};
    in.episode_id = route_param_id(&w->match, "id");
    int64_t minutes = 0;
    json_t *phase_array = NULL;
    struct api_field fields[] = {
        {"start", API_STRING, 1, &in.started_at, NULL},
        {"minutes", API_INT, 1, &minutes, NULL},
        {"phases", API_ARRAY, 0, &phase_array, NULL},
        {"note", API_STRING, 0, &in.note, NULL},
        {"subjective", API_STRING, 0, &in.subjective, NULL},
        {"objective", API_STRING, 0, &in.objective, NULL},
        {"assessment", API_STRING, 0, &in.assessment, NULL},
        {"plan", API_STRING, 0, &in.plan, NULL},
        API_FIELDS_END,
    };
    if (api_body(w, fields) < 0)
        return -1;
    if (minutes < 1 || minutes > SESSION_MINUTES_MAX)
        return web_error(w, 422, "invalid", "minutes",
                         "must be from 1 to %d", SESSION_MINUTES_MAX);
    in.minutes = (long)minutes;
    struct session_phase phases[SESSION_PHASES_MAX];
    if (read_phases(w, phase_array, phases, &in.phase_count) < 0)
        return -1;
    in.phases = phases;
    int64_t id;
    if (session_add(w->store, &w->actor, &in, &id, &w->err) < 0)
        return record_fail(w);
    struct session se = {0};
    if (session_get(w->store, &w->actor, id, "id", &se, &w->err) < 0)
        return record_fail(w);
    json_t *doc = session_to_json(&se);
    session_release(&se);
    return reply_created(w, doc, "/api/v1/episodes/%lld/sessions",
                         (long long)in.episode_id);
}

/* Every observation of the episode. */
GET_HANDLER(api_observations_list, observation_list, observation_list,
            observation_items_doc, observation_list_release)

int api_observations_create(struct web_ctx *w)
{
    struct observation_new in = {0};
    in.episode_id = route_param_id(&w->match, "id");
    json_t *items = NULL;
    struct api_field fields[] = {
        {"instrument", API_STRING, 1, &in.instrument, NULL},
        {"timepoint", API_STRING, 1, &in.timepoint, NULL},
        {"session_id", API_INT, 0, &in.session_id, NULL},
        {"at", API_STRING, 1, &in.observed_at, NULL},
        {"items", API_ARRAY, 0, &items, NULL},
        {"value", API_NUMBER, 0, &in.value, &in.has_value},
        API_FIELDS_END,
    };
    if (api_body(w, fields) < 0)
        return -1;
    if (in.session_id < 0)
        return web_error(w, 422, "invalid", "session_id", "not a record id");
    double values[OBSERVATION_ITEMS_MAX];
    if (items) {
        if (json_array_size(items) > OBSERVATION_ITEMS_MAX)
            return web_error(w, 422, "invalid", "items", "more than %d items",
                             OBSERVATION_ITEMS_MAX);
        size_t i;
        json_t *v;
        json_array_foreach(items, i, v)
        {
            if (json_is_null(v))
                values[i] = NAN;
            else if (json_is_number(v))
                values[i] = json_number_value(v);
            else
                return web_error(w, 422, "invalid", "items",
                                 "item %zu: must be a number or null", i + 1);
        }
        in.items = values;
        in.item_count = json_array_size(items);
        if (!in.item_count)
            return web_error(w, 422, "invalid", "items", "empty");
    }
    int64_t id;
    struct observation o = {0};
    if (observation_add(w->store, &w->actor, &in, &id, &w->err) < 0)
        return record_fail(w);
    /* On a server, the answer's read of what was just committed takes no
     * write lock: its audit entry goes with the reads' group commit,
     * durable before the answer as the score is (web_handle). */
    int held = w->config->audit != NULL;
    store_read_mode_set(w->store, held);
    int rc = observation_get(w->store, &w->actor, id, "id", &o, &w->err);
    store_read_mode_set(w->store, 0);
    if (rc < 0)
        return record_fail(w);
    json_t *doc = observation_to_json(&o);
    observation_release(&o);
    return reply_created(w, doc, "/api/v1/episodes/%lld/observations",
                         (long long)in.episode_id);
}
