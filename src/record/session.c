#include "record/session.h"
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/episode.h"
#include "record/internal.h"
#include "record/observation.h"
#include "record/scope.h"
#include "record/validate.h"
#include "core/number.h"
#include "core/util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int session_phase_parse(const char *text, struct session_phase *out,
                        struct err *e)
{
    const char *colon = text ? strrchr(text, ':') : NULL;
    if (!colon)
        return err_set(e, ERR_INPUT, "phase",
                       "'%.64s' is not NAME:MINUTES (as in kneading:20)",
                       text ? text : "");
    size_t len = (size_t)(colon - text);
    char name[RECORD_CODE_MAX + 2];
    if (len >= sizeof(name))
        len = sizeof(name) - 1; /* too long: the slug check refuses it */
    memcpy(name, text, len);
    name[len] = '\0';
    if (validate_slug(name, "phase", e) < 0)
        return -1;
    long long minutes;
    int rc = parse_integer(colon + 1, 0, SESSION_MINUTES_MAX, &minutes);
    if (rc == NUMBER_OUT_OF_RANGE)
        return err_set(e, ERR_INPUT, "phase",
                       "%s: %.24s minutes is out of range (0 to %d)", name,
                       colon + 1, SESSION_MINUTES_MAX);
    if (rc < 0)
        return err_set(e, ERR_INPUT, "phase",
                       "'%.64s' is not NAME:MINUTES (as in kneading:20)",
                       text);
    record_copy(out->name, sizeof(out->name), name);
    out->minutes = (int)minutes;
    return 0;
}

int session_validate(const struct session_new *in,
                     char started_at[CLOCK_INSTANT_LEN], struct err *e)
{
    if (in->episode_id <= 0)
        return err_set(e, ERR_INPUT, "episode", "missing");
    if (validate_past_instant(in->started_at, "start", started_at, e) < 0)
        return -1;
    if (in->minutes < 1 || in->minutes > SESSION_MINUTES_MAX)
        return err_set(e, ERR_INPUT, "minutes",
                       "%ld is out of range (1 to %d)", in->minutes,
                       SESSION_MINUTES_MAX);
    if (in->phase_count > SESSION_PHASES_MAX)
        return err_set(e, ERR_INPUT, "phase", "more than %d phases",
                       SESSION_PHASES_MAX);
    long sum = 0;
    for (size_t i = 0; i < in->phase_count; i++) {
        const struct session_phase *ph = &in->phases[i];
        if (validate_slug(ph->name, "phase", e) < 0)
            return -1;
        if (ph->minutes < 0 || ph->minutes > SESSION_MINUTES_MAX)
            return err_set(e, ERR_INPUT, "phase",
                           "%s: %d minutes is out of range (0 to %d)",
                           ph->name, ph->minutes, SESSION_MINUTES_MAX);
        sum += ph->minutes;
    }
    if (sum > in->minutes)
        return err_set(e, ERR_INPUT, "phase",
                       "the phases add up to %ld minutes, more than the "
                       "session's %ld",
                       sum, in->minutes);
    if (validate_multiline(in->note, "note", RECORD_NOTE_MAX, e) < 0 ||
        validate_multiline(in->subjective, "subjective", RECORD_NOTE_MAX,
                           e) < 0 ||
        validate_multiline(in->objective, "objective", RECORD_NOTE_MAX, e) <
            0 ||
        validate_multiline(in->assessment, "assessment", RECORD_NOTE_MAX,
                           e) < 0 ||
        validate_multiline(in->plan, "plan", RECORD_NOTE_MAX, e) < 0)
        return -1;
    return 0;
}

int session_check_episode(const struct session_new *in,
                          const char *started_at, const struct episode *ep,
                          int historical, const struct protocol **p,
                          struct err *e)
{
    *p = catalog_find(scope_catalog(in->catalog), ep->protocol_id);
    if (!*p)
        return err_set(e, ERR_CONFLICT, "episode",
                       "the protocol of episode %lld, '%s', is not in the "
                       "catalog",
                       (long long)ep->id, ep->protocol_id);
    if (ep->ended_on[0] && !historical)
        return err_set(e, ERR_CONFLICT, "episode",
                       "episode %lld was closed on %s; a session needs an "
                       "open episode",
                       (long long)ep->id, ep->ended_on);
    if (strncmp(started_at, ep->started_on, 10) < 0)
        return err_set(e, ERR_INPUT, "start",
                       "'%s' is before the episode's start (%s)",
                       in->started_at, ep->started_on);
    if (ep->ended_on[0] && strncmp(started_at, ep->ended_on, 10) > 0)
        return err_set(e, ERR_INPUT, "start",
                       "'%s' is after the episode's end (%s)",
                       in->started_at, ep->ended_on);
    return 0;
}

/* Checks the session against its episode: open, started, in scope when
 * check_scope. Fills *ep and *p (the episode's protocol). */
static int session_check(struct store *s, const struct session_new *in,
                         const char *started_at, int check_scope,
                         struct episode *ep, const struct protocol **p,
                         struct err *e)
{
    if (episode_load(s, in->episode_id, "episode", ep, e) < 0 ||
        session_check_episode(in, started_at, ep, 0, p, e) < 0)
        return -1;
    if (check_scope &&
        scope_check(s, in->catalog, ep->practitioner_id, *p, NULL, e) < 0)
        return -1;
    return 0;
}

void session_bind(struct stmt *st, const struct session_new *in,
                  const char *started_at)
{
    STMT_BIND(st, STORE_INT(":episode", in->episode_id),
              STORE_TEXT(":start", started_at),
              STORE_INT(":minutes", in->minutes), STORE_TEXT(":note", in->note),
              STORE_TEXT(":subjective", in->subjective),
              STORE_TEXT(":objective", in->objective),
              STORE_TEXT(":assessment", in->assessment),
              STORE_TEXT(":plan", in->plan));
}

int session_insert_parts(struct stmt *phase, struct stmt *finding,
                         int64_t session_id, const struct session_new *in,
                         const struct protocol *p, struct err *e)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < in->phase_count; i++) {
        stmt_reset(phase);
        stmt_bind_int(phase, ":session", session_id);
        stmt_bind_int(phase, ":position", (int64_t)i + 1);
        stmt_bind_text(phase, ":name", in->phases[i].name);
        stmt_bind_int(phase, ":minutes", in->phases[i].minutes);
        rc = stmt_step(phase, e);
    }
    if (rc < 0)
        return -1;
    struct session_finding *findings;
    size_t count;
    scope_fidelity(p, (int)in->minutes, in->phases, in->phase_count,
                   &findings, &count);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        stmt_reset(finding);
        stmt_bind_int(finding, ":session", session_id);
        stmt_bind_int(finding, ":position", (int64_t)i + 1);
        stmt_bind_text(finding, ":code", findings[i].code);
        stmt_bind_text(finding, ":message", findings[i].message);
        rc = stmt_step(finding, e);
    }
    free(findings);
    return rc < 0 ? -1 : 0;
}

static int session_write(struct store *s, const struct session_new *in,
                         const char *started_at, const struct protocol *p,
                         int64_t *id, struct err *e)
{
    struct stmt *st = store_prepare(
        s, "INSERT INTO session (episode_id, started_at, minutes, note,"
           " subjective, objective, assessment, plan, created_at) VALUES"
           " (:episode, :start, :minutes, :note, :subjective, :objective,"
           " :assessment, :plan, :now)");
    session_bind(st, in, started_at);
    if (record_insert(st, id, e) < 0)
        return -1;
    struct stmt *phase = store_prepare(s, SESSION_PHASE_INSERT);
    struct stmt *finding = store_prepare(s, SESSION_FINDING_INSERT);
    int rc = session_insert_parts(phase, finding, *id, in, p, e);
    stmt_finalize(phase);
    stmt_finalize(finding);
    return rc;
}

int session_insert(struct store *s, const struct session_new *in,
                   int64_t *id, struct err *e)
{
    char started_at[CLOCK_INSTANT_LEN];
    struct episode ep;
    const struct protocol *p;
    if (session_validate(in, started_at, e) < 0 ||
        session_check(s, in, started_at, 0, &ep, &p, e) < 0)
        return -1;
    return session_write(s, in, started_at, p, id, e);
}

/* One answer a patient gave before a visit, held with its invitation
 * (table held_answer, docs/patient-reported.md). */
struct held {
    int64_t id, invitation_id;
    char instrument[RECORD_CODE_MAX + 1];
    char answered_at[CLOCK_INSTANT_LEN];
    double items[INSTRUMENT_MAX_ITEMS];
    size_t item_count;
    int has_value;
    double value;
};

static void held_row(struct stmt *st, struct held *h)
{
    memset(h, 0, sizeof(*h));
    h->id = stmt_int(st, 0);
    h->invitation_id = stmt_int(st, 1);
    record_copy(h->instrument, sizeof(h->instrument), stmt_text(st, 2));
    record_copy(h->answered_at, sizeof(h->answered_at), stmt_text(st, 5));
    if (stmt_is_null(st, 3)) {
        h->has_value = 1;
        h->value = stmt_double(st, 4);
        return;
    }
    json_t *a = json_loads(stmt_text(st, 3), 0, NULL);
    for (size_t k = 0;
         json_is_array(a) && k < json_array_size(a) && k < INSTRUMENT_MAX_ITEMS;
         k++) {
        json_t *v = json_array_get(a, k);
        h->items[k] = json_is_number(v) ? json_number_value(v) : NAN;
        h->item_count = k + 1;
    }
    json_decref(a);
}

/*
 * The answers a patient gave through a pre invitation for this episode's
 * visit on the session's day, held until now, become observations of the
 * session (timepoint pre, source patient, observed when answered, audited
 * "create" by the link), and each held answer names its observation
 * (audited "update" by caller): inside the session's transaction.
 */
static int session_bind_held(struct store *s, const struct actor *caller,
                             int64_t episode_id, int64_t session_id,
                             const char *started_at, int64_t patient_id,
                             struct err *e)
{
    struct held *list = NULL;
    size_t count = 0, alloc = 0;
    struct stmt *st = store_prepare(
        s, "SELECT h.id, h.invitation_id, h.instrument, h.items, h.value,"
           " h.answered_at FROM held_answer h"
           " JOIN invitation i ON i.id = h.invitation_id"
           " WHERE i.episode_id = :episode AND i.visit_on = :day"
           " AND h.observation_id IS NULL ORDER BY h.id");
    char day[CLOCK_DATE_LEN];
    record_copy(day, sizeof(day), started_at);
    stmt_bind_int(st, ":episode", episode_id);
    stmt_bind_text(st, ":day", day);
    int rc;
    while ((rc = stmt_step(st, e)) > 0) {
        ALLOC_GROW(list, count + 1, alloc);
        held_row(st, &list[count++]);
    }
    stmt_finalize(st);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        struct held *h = &list[i];
        struct observation_new o = {0};
        o.episode_id = episode_id;
        o.session_id = session_id;
        o.instrument = h->instrument;
        o.timepoint = "pre";
        o.observed_at = h->answered_at;
        o.source = "patient";
        o.invitation_id = h->invitation_id;
        if (h->has_value) {
            o.has_value = 1;
            o.value = h->value;
        } else {
            o.items = h->items;
            o.item_count = h->item_count;
        }
        char name[ACTOR_LINK_NAME_LEN];
        struct actor link;
        actor_link(&link, h->invitation_id, caller->client, name);
        int64_t observation_id;
        rc = observation_add_within(s, &link, &o, patient_id, &observation_id,
                                    e);
        if (rc < 0)
            break;
        st = STORE_QUERY(s,
                         "UPDATE held_answer SET observation_id = :o"
                         " WHERE id = :id",
                         STORE_INT(":o", observation_id),
                         STORE_INT(":id", h->id));
        rc = stmt_step(st, e) < 0 ? -1 : 0;
        stmt_finalize(st);
        if (rc == 0)
            rc = audit_append(s, caller, "update", "held_answer", h->id,
                              patient_id, "ok", e);
    }
    free(list);
    return rc < 0 ? -1 : 0;
}

int session_add(struct store *s, const struct actor *caller,
                const struct session_new *in, int64_t *id, struct err *e)
{
    char started_at[CLOCK_INSTANT_LEN];
    if (session_validate(in, started_at, e) < 0)
        return -1;
    int64_t patient = 0;
    if (record_begin_checked(s, caller, "create", "session", 0, 0,
                             in->episode_id, "episode", &patient, e) < 0)
        return -1;
    struct episode ep;
    const struct protocol *p = NULL;
    int rc = session_check(s, in, started_at, 1, &ep, &p, e);
    if (rc == 0)
        rc = session_write(s, in, started_at, p, id, e);
    if (rc == 0)
        rc = session_bind_held(s, caller, in->episode_id, *id, started_at,
                               patient, e);
    return audit_end(s, caller, "create", "session", *id, patient, rc, e);
}

#define SESSION_COLUMNS                                                      \
    "id, episode_id, started_at, minutes, note, subjective, objective,"      \
    " assessment, plan, created_at"

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void session_row(struct stmt *st, void *item)
{
    struct session *out = item;
    memset(out, 0, sizeof(*out));
    out->id = stmt_int(st, 0);
    out->episode_id = stmt_int(st, 1);
    record_copy(out->started_at, sizeof(out->started_at), stmt_text(st, 2));
    out->minutes = (int)stmt_int(st, 3);
    out->note = dup_or_null(stmt_text(st, 4));
    out->subjective = dup_or_null(stmt_text(st, 5));
    out->objective = dup_or_null(stmt_text(st, 6));
    out->assessment = dup_or_null(stmt_text(st, 7));
    out->plan = dup_or_null(stmt_text(st, 8));
    record_copy(out->created_at, sizeof(out->created_at), stmt_text(st, 9));
}

static void session_phase_row(struct stmt *st, void *item)
{
    struct session_phase *ph = item;
    record_copy(ph->name, sizeof(ph->name), stmt_text(st, 0));
    ph->minutes = (int)stmt_int(st, 1);
}

static void session_finding_row(struct stmt *st, void *item)
{
    struct session_finding *f = item;
    record_copy(f->code, sizeof(f->code), stmt_text(st, 0));
    record_copy(f->message, sizeof(f->message), stmt_text(st, 1));
}

/* Loads the phases and findings of a session already read. */
static int session_parts(struct store *s, void *item, struct err *e)
{
    struct session *se = item;
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT name, minutes FROM session_phase WHERE session_id = :id"
        " ORDER BY position",
        STORE_INT(":id", se->id));
    if (record_rows(st, &se->phases, &se->phase_count, sizeof(*se->phases),
                    session_phase_row, e) < 0)
        return -1;
    st = STORE_QUERY(s,
                     "SELECT code, message FROM session_finding"
                     " WHERE session_id = :id ORDER BY position",
                     STORE_INT(":id", se->id));
    return record_rows(st, &se->findings, &se->finding_count,
                       sizeof(*se->findings), session_finding_row, e);
}

static void session_release_item(void *item)
{
    session_release(item);
}

/* session_load, session_get: a session follows its episode; its phases
 * and findings come with it. */
RECORD_KIND_DEFINE(session,
                   "SELECT " SESSION_COLUMNS " FROM session WHERE id = :id",
                   session_row, session_parts, session_release_item, 1,
                   episode_id)

void session_release(struct session *se)
{
    free(se->note);
    free(se->subjective);
    free(se->objective);
    free(se->assessment);
    free(se->plan);
    free(se->phases);
    free(se->findings);
    memset(se, 0, sizeof(*se));
}

int session_query(struct store *s, int64_t episode_id,
                  struct session_list *out, struct err *e)
{
    int rc = RECORD_SELECT(
        s, out, session_row, e,
        "SELECT " SESSION_COLUMNS " FROM session"
        " WHERE episode_id = :episode ORDER BY started_at, id",
        STORE_INT(":episode", episode_id));
    for (size_t i = 0; rc == 0 && i < out->count; i++)
        rc = session_parts(s, &out->items[i], e);
    return RELEASE_ON_FAILURE(rc, session_list_release, out);
}

/* session_list: an episode's sessions. */
RECORD_LIST_DEFINE(session, 1, "episode")

ARRAY_LIST_RELEASE_EACH(session, session_release)
