#include "record/summary.h"
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/internal.h"
#include "record/scope.h"
#include "core/buf.h"
#include "core/util.h"
#include "store/outcome_rows.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *summary_reason_name(enum summary_reason r)
{
    switch (r) {
    case SUMMARY_COMPLETE: return NULL;
    case SUMMARY_UNKNOWN_INSTRUMENT: return "unknown_instrument";
    case SUMMARY_OPEN: return "open";
    case SUMMARY_NO_BASELINE: return "no_baseline";
    case SUMMARY_NO_DISCHARGE: return "no_discharge";
    case SUMMARY_REASON_COUNT: break;
    }
    BUG("summary reason %d", (int)r);
}

/* The protocol in the catalog shipped in the binary (the record's shared
 * copy), or NULL: then only the measured instruments are summarised. */
static const struct protocol *summary_protocol(const char *id)
{
    const struct catalog *cat = scope_catalog(NULL);
    return cat ? catalog_find(cat, id) : NULL;
}

/* What the summary needs of the episode and its patient. */
struct summary_episode {
    int64_t id;
    int64_t practitioner_id;
    char protocol[RECORD_CODE_MAX + 1];
    char started_on[CLOCK_DATE_LEN];
    char ended_on[CLOCK_DATE_LEN]; /* "" while open */
    long end_days;
    int has_chronicity, has_comorbidities;
    int64_t chronicity, comorbidities;
    char birth_date[CLOCK_DATE_LEN];
    char sex[16];
};

struct summary_observation {
    char instrument[RECORD_CODE_MAX + 1];
    char timepoint[9];
    int session; /* ordinal of its session (1 = first), 0: none */
    long days;   /* the observation's date, days since the epoch */
    double total;
    char observed_at[CLOCK_INSTANT_LEN]; /* for the order: time, then id */
    int64_t id;
};

struct summary_data {
    struct summary_episode ep;
    int sessions;
    struct summary_observation *obs;
    size_t obs_count;
};

static void summary_data_release(struct summary_data *d)
{
    free(d->obs);
    memset(d, 0, sizeof(*d));
}

/* The statements of a refresh, prepared once for many episodes. */
/* The parameters of a summary row, named as in SUMMARY_INSERT; their
 * indexes are looked up once per statement. */
enum summary_param {
    P_PROTOCOL, P_INSTRUMENT, P_PRACTITIONER, P_EPISODE, P_ROLE, P_START,
    P_END, P_SESSIONS, P_BASELINE, P_DISCHARGE, P_FOLLOWUP, P_FOLLOWUP_DAYS,
    P_IMPROVEMENT, P_RESPONDER, P_TIME, P_EVENT, P_SUSTAINED,
    P_HAS_FOLLOWUP, P_COMPLETE, P_REASON, P_AGE, P_SEX, P_CHRONICITY,
    P_COMORBIDITIES, SUMMARY_PARAM_COUNT
};

static const char *const summary_param_names[SUMMARY_PARAM_COUNT] = {
    ":protocol", ":instrument", ":practitioner", ":episode", ":role",
    ":start", ":end", ":sessions", ":baseline", ":discharge", ":followup",
    ":followup_days", ":improvement", ":responder", ":time", ":event",
    ":sustained", ":has_followup", ":complete", ":reason", ":age", ":sex",
    ":chronicity", ":comorbidities",
};

struct summary_params {
    const struct stmt *st; /* the statement idx is for */
    int idx[SUMMARY_PARAM_COUNT];
};

/* An outcome group (protocol, instrument) as the bulk mode knows it. */
struct summary_group {
    char protocol[RECORD_CODE_MAX + 1];
    char instrument[RECORD_CODE_MAX + 1];
    int64_t id;
    int changed;
};

struct summary_batch {
    struct store *s;
    struct stmt *episode, *observations, *sessions, *remove, *insert;
    /* Bulk mode (summary_batch_begin_bulk): the triggers that keep
     * outcome_row are dropped for the transaction and the batch keeps the
     * rows itself; triggers holds their CREATE statements, restored by
     * summary_batch_finish(). */
    int bulk;
    int all_changed; /* every group's rows were written again */
    struct summary_params insert_params, rebuild_params, row_params;
    char *triggers;
    struct stmt *group_find, *group_add, *row_add;
    struct summary_group *groups;
    size_t ngroups, alloc_groups;
};

/* store_prepare_once() with the SQL made by a format (used on first
 * preparation). */
static struct stmt *batch_stmtf(struct summary_batch *b, struct stmt **slot,
                                const char *fmt, const char *arg)
{
    if (*slot) {
        stmt_reset(*slot);
        return *slot;
    }
    char *sql = xasprintf(fmt, arg);
    *slot = store_prepare(b->s, sql);
    free(sql);
    return *slot;
}

/* The episode and patient columns of SUMMARY_EPISODE_COLUMNS, from column
 * col of st; then the discharge day. */
#define SUMMARY_EPISODE_COLUMNS                                              \
    "e.practitioner_id, e.protocol_id, e.started_on, e.ended_on,"           \
    " e.chronicity_weeks, e.comorbidities, p.birth_date, p.sex"

static int summary_episode_read(struct stmt *st, int col, int64_t id,
                                struct summary_episode *ep, struct err *e)
{
    memset(ep, 0, sizeof(*ep));
    ep->id = id;
    ep->practitioner_id = stmt_int(st, col);
    record_copy(ep->protocol, sizeof(ep->protocol), stmt_text(st, col + 1));
    record_copy(ep->started_on, sizeof(ep->started_on),
                stmt_text(st, col + 2));
    record_copy(ep->ended_on, sizeof(ep->ended_on), stmt_text(st, col + 3));
    ep->has_chronicity = !stmt_is_null(st, col + 4);
    ep->chronicity = stmt_int(st, col + 4);
    ep->has_comorbidities = !stmt_is_null(st, col + 5);
    ep->comorbidities = stmt_int(st, col + 5);
    record_copy(ep->birth_date, sizeof(ep->birth_date),
                stmt_text(st, col + 6));
    record_copy(ep->sex, sizeof(ep->sex), stmt_text(st, col + 7));
    ep->end_days = -1;
    if (ep->ended_on[0] &&
        clock_parse_date(ep->ended_on, &ep->end_days, "end", e) < 0)
        return -1;
    return 0;
}

static int summary_load_episode(struct summary_batch *b, int64_t id,
                                struct summary_episode *ep, struct err *e)
{
    struct stmt *st =
        store_prepare_once(b->s, &b->episode,
                           "SELECT " SUMMARY_EPISODE_COLUMNS " FROM episode e"
                           " JOIN patient p ON p.id = e.patient_id WHERE e.id ="
                           " :id");
    stmt_bind_int(st, ":id", id);
    int rc = stmt_step(st, e);
    if (rc == 0)
        return record_not_found(e, "episode", "episode", id);
    if (rc < 0)
        return -1;
    return summary_episode_read(st, 0, id, ep, e);
}

/* A session of the episode, in order (start, then id). */
static void summary_add_session(int64_t **sessions, size_t *alloc,
                                int *count, int64_t id)
{
    ALLOC_GROW(*sessions, (size_t)*count + 1, *alloc);
    (*sessions)[(*count)++] = id;
}

/* An observation of the episode from columns instrument, timepoint,
 * session_id, observed_at, total, id of st from column col; its session's
 * ordinal from sessions (d->sessions of them). */
#define SUMMARY_OBSERVATION_COLUMNS                                          \
    "instrument, timepoint, session_id, observed_at, total, id"

/* The ordinal of session among the episode's sessions (in order), or 0. */
static int summary_session_ordinal(const int64_t *sessions, int count,
                                   int64_t session)
{
    for (int k = 0; session && k < count; k++)
        if (sessions[k] == session)
            return k + 1;
    return 0;
}

static int summary_add_observation(struct summary_data *d, size_t *alloc,
                                   const int64_t *sessions, struct stmt *st,
                                   int col, struct err *e)
{
    ALLOC_GROW(d->obs, d->obs_count + 1, *alloc);
    struct summary_observation *o = &d->obs[d->obs_count++];
    record_copy(o->instrument, sizeof(o->instrument), stmt_text(st, col));
    record_copy(o->timepoint, sizeof(o->timepoint), stmt_text(st, col + 1));
    int64_t session = stmt_is_null(st, col + 2) ? 0 : stmt_int(st, col + 2);
    o->session = summary_session_ordinal(sessions, d->sessions, session);
    record_copy(o->observed_at, sizeof(o->observed_at),
                stmt_text(st, col + 3));
    char date[CLOCK_DATE_LEN];
    record_copy(date, sizeof(date), o->observed_at);
    if (clock_parse_date(date, &o->days, "at", e) < 0)
        return -1;
    o->total = stmt_double(st, col + 4);
    o->id = stmt_int(st, col + 5);
    return 0;
}

static int compare_observations(const void *x, const void *y)
{
    const struct summary_observation *a = x, *c = y;
    int order = strcmp(a->observed_at, c->observed_at);
    return order ? order : (a->id > c->id) - (a->id < c->id);
}

/* Sessions in order (start, then id) give each observation's ordinal;
 * observations come in time order, then id. Two range scans of the
 * episode's indexes, ordered here: a refresh runs for every observation
 * recorded and for every episode of a bulk import. */
static int summary_load(struct summary_batch *b, int64_t id,
                        struct summary_data *d, struct err *e)
{
    memset(d, 0, sizeof(*d));
    if (summary_load_episode(b, id, &d->ep, e) < 0)
        return -1;
    struct stmt *st =
        store_prepare_once(b->s, &b->sessions,
                           "SELECT id FROM session WHERE episode_id ="
                           " :id ORDER BY started_at, id");
    stmt_bind_int(st, ":id", id);
    int64_t *sessions = NULL;
    size_t alloc = 0;
    int rc;
    while ((rc = stmt_step(st, e)) == 1)
        summary_add_session(&sessions, &alloc, &d->sessions, stmt_int(st, 0));
    if (rc == 0) {
        st = store_prepare_once(b->s, &b->observations,
                                "SELECT " SUMMARY_OBSERVATION_COLUMNS
                                " FROM observation WHERE episode_id = :id");
        stmt_bind_int(st, ":id", id);
        alloc = 0;
        while ((rc = stmt_step(st, e)) == 1)
            if (summary_add_observation(d, &alloc, sessions, st, 0, e) < 0) {
                rc = -1;
                break;
            }
    }
    free(sessions);
    if (rc < 0) {
        summary_data_release(d);
        return -1;
    }
    if (d->obs_count > 1)
        qsort(d->obs, d->obs_count, sizeof(*d->obs), compare_observations);
    return 0;
}

/* Whole years from birth to on, both "YYYY-MM-DD"; -1 when not dates. */
/* Reads "YYYY-MM-DD" written with exactly those digits, as sscanf's
 * "%4d-%2d-%2d" reads it; 0 for any other text (left to sscanf). */
static int ymd_digits(const char *s, int *y, int *m, int *d)
{
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return 0;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
         (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    return 1;
}

static long age_years(const char *birth, const char *on)
{
    int by, bm, bd, y, m, d;
    if (!ymd_digits(birth, &by, &bm, &bd) &&
        sscanf(birth, "%4d-%2d-%2d", &by, &bm, &bd) != 3)
        return -1;
    if (!ymd_digits(on, &y, &m, &d) &&
        sscanf(on, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return -1;
    long age = y - by;
    if (m < bm || (m == bm && d < bd))
        age--;
    return age < 0 ? -1 : age;
}

/* One row of the summary. */
struct summary_row {
    const char *instrument;
    const char *role;
    int has_baseline, has_discharge, has_followup;
    double baseline, discharge, followup;
    long followup_days;
    int has_improvement;
    double improvement;
    int responder;  /* -1: NULL */
    int time;       /* -1: NULL */
    int event;      /* -1: NULL */
    int sustained;  /* -1: NULL */
    enum summary_reason reason;
};

static int responder_level(const struct instrument *in, double baseline,
                           double later)
{
    return instrument_is_responder(in, baseline, later) == RESPONDER_YES;
}

static void summary_compute(const struct summary_data *d,
                            const char *instrument, const char *role,
                            struct summary_row *r)
{
    memset(r, 0, sizeof(*r));
    r->instrument = instrument;
    r->role = role;
    r->responder = r->time = r->event = r->sustained = -1;
    r->followup_days = -1;
    const struct instrument *in = instrument_find(instrument);
    int closed = d->ep.ended_on[0] != '\0';

    /* Baseline: the first `baseline`, else the first `pre` of session 1. */
    long base = -1;
    for (size_t i = 0; i < d->obs_count && base < 0; i++)
        if (!strcmp(d->obs[i].instrument, instrument) &&
            !strcmp(d->obs[i].timepoint, "baseline"))
            base = (long)i;
    for (size_t i = 0; i < d->obs_count && base < 0; i++)
        if (!strcmp(d->obs[i].instrument, instrument) &&
            !strcmp(d->obs[i].timepoint, "pre") && d->obs[i].session == 1)
            base = (long)i;
    if (base >= 0) {
        r->has_baseline = 1;
        r->baseline = d->obs[base].total;
    }
    if (!in)
        r->reason = SUMMARY_UNKNOWN_INSTRUMENT;
    else if (!closed)
        r->reason = SUMMARY_OPEN;
    else if (base < 0)
        r->reason = SUMMARY_NO_BASELINE;
    if (r->reason != SUMMARY_COMPLETE)
        return;

    /* Discharge: the last `post`, else the last `pre` but the baseline. */
    long last_post = -1, last_pre = -1;
    for (size_t i = 0; i < d->obs_count; i++) {
        const struct summary_observation *o = &d->obs[i];
        if (strcmp(o->instrument, instrument))
            continue;
        if (!strcmp(o->timepoint, "post"))
            last_post = (long)i;
        else if (!strcmp(o->timepoint, "pre") && (long)i != base)
            last_pre = (long)i;
    }
    long dis = last_post >= 0 ? last_post : last_pre;
    if (dis < 0) {
        r->reason = SUMMARY_NO_DISCHARGE;
        return;
    }
    r->has_discharge = 1;
    r->discharge = d->obs[dis].total;
    r->has_improvement = 1;
    r->improvement = instrument_improvement(in, r->baseline, r->discharge);

    /* Follow-up: the first at least SUMMARY_FOLLOWUP_MIN_DAYS after. */
    for (size_t i = 0; i < d->obs_count; i++) {
        const struct summary_observation *o = &d->obs[i];
        if (strcmp(o->instrument, instrument) ||
            strcmp(o->timepoint, "followup") ||
            o->days - d->ep.end_days < SUMMARY_FOLLOWUP_MIN_DAYS)
            continue;
        r->has_followup = 1;
        r->followup = o->total;
        r->followup_days = o->days - d->ep.end_days;
        break;
    }

    enum responder resp = instrument_is_responder(in, r->baseline,
                                                  r->discharge);
    if (resp == RESPONDER_UNKNOWN)
        return;
    r->responder = resp == RESPONDER_YES;
    /* Sessions to the first responder-level score, in time order. */
    r->time = d->sessions;
    r->event = 0;
    for (size_t i = 0; i < d->obs_count; i++) {
        const struct summary_observation *o = &d->obs[i];
        if (strcmp(o->instrument, instrument) || o->session == 0 ||
            (long)i == base ||
            (strcmp(o->timepoint, "pre") && strcmp(o->timepoint, "post")))
            continue;
        if (responder_level(in, r->baseline, o->total)) {
            r->time = o->session;
            r->event = 1;
            break;
        }
    }
    if (r->responder && r->has_followup)
        r->sustained = responder_level(in, r->baseline, r->followup);
}

static void bind_optional_double(struct stmt *st, int index, int has,
                                 double v)
{
    if (has)
        stmt_bind_double_at(st, index, v);
    else
        stmt_bind_null_at(st, index);
}

static void bind_optional_int(struct stmt *st, int index, long v)
{
    if (v >= 0)
        stmt_bind_int_at(st, index, v);
    else
        stmt_bind_null_at(st, index);
}

static void bind_text_or_null(struct stmt *st, int index, const char *v)
{
    if (v)
        stmt_bind_text_at(st, index, v);
    else
        stmt_bind_null_at(st, index);
}

static const int *summary_params_of(struct summary_params *p,
                                    struct stmt *st)
{
    if (p->st != st) {
        for (int i = 0; i < SUMMARY_PARAM_COUNT; i++)
            p->idx[i] = stmt_param_index(st, summary_param_names[i]);
        p->st = st;
    }
    return p->idx;
}

/* In bulk mode a row is replaced in place, and only when one of its
 * values changed: an unchanged row is not written at all (no page made
 * dirty, sqlite3_changes() 0), and then neither is its compact row. */
#define SUMMARY_UPSERT                                                       \
    " ON CONFLICT (protocol_id, instrument, practitioner_id, episode_id) DO" \
    " UPDATE SET role = excluded.role, started_on = excluded.started_on,"    \
    " ended_on = excluded.ended_on, sessions = excluded.sessions,"           \
    " baseline = excluded.baseline, discharge = excluded.discharge,"         \
    " followup = excluded.followup, followup_days = excluded.followup_days," \
    " improvement = excluded.improvement, responder = excluded.responder,"   \
    " sessions_to_response = excluded.sessions_to_response,"                 \
    " response_event = excluded.response_event,"                             \
    " sustained = excluded.sustained, has_followup = excluded.has_followup," \
    " complete = excluded.complete,"                                         \
    " incomplete_reason = excluded.incomplete_reason,"                       \
    " age_years = excluded.age_years, sex = excluded.sex,"                   \
    " chronicity_weeks = excluded.chronicity_weeks,"                         \
    " comorbidities = excluded.comorbidities"                                \
    " WHERE (role, started_on, ended_on, sessions, baseline, discharge,"     \
    " followup, followup_days, improvement, responder,"                      \
    " sessions_to_response, response_event, sustained, has_followup,"        \
    " complete, incomplete_reason, age_years, sex, chronicity_weeks,"        \
    " comorbidities) IS NOT (excluded.role, excluded.started_on,"            \
    " excluded.ended_on, excluded.sessions, excluded.baseline,"              \
    " excluded.discharge, excluded.followup, excluded.followup_days,"        \
    " excluded.improvement, excluded.responder,"                             \
    " excluded.sessions_to_response, excluded.response_event,"               \
    " excluded.sustained, excluded.has_followup, excluded.complete,"         \
    " excluded.incomplete_reason, excluded.age_years, excluded.sex,"         \
    " excluded.chronicity_weeks, excluded.comorbidities)"

static void summary_bind(struct stmt *st, const int *idx,
                         const struct summary_data *d,
                         const struct summary_row *r);

#define SUMMARY_INSERT                                                       \
    " (protocol_id, instrument, practitioner_id, episode_id, role,"         \
    " started_on, ended_on, sessions, baseline, discharge, followup,"       \
    " followup_days, improvement, responder, sessions_to_response,"         \
    " response_event, sustained, has_followup, complete, incomplete_reason," \
    " age_years, sex, chronicity_weeks, comorbidities) VALUES (:protocol,"  \
    " :instrument, :practitioner, :episode, :role, :start, :end, :sessions," \
    " :baseline, :discharge, :followup, :followup_days, :improvement,"      \
    " :responder, :time, :event, :sustained, :has_followup, :complete,"     \
    " :reason, :age, :sex, :chronicity, :comorbidities)"

static int summary_write(struct summary_batch *b,
                         const struct summary_data *d,
                         const struct summary_row *r, struct err *e)
{
    struct stmt *st = batch_stmtf(b, &b->insert,
                                  "INSERT INTO episode_summary" SUMMARY_INSERT
                                  /* In bulk mode (no triggers) a row is
                                   * replaced in place. */
                                  "%s",
                                  b->bulk ? SUMMARY_UPSERT : "");
    summary_bind(st, summary_params_of(&b->insert_params, st), d, r);
    return stmt_step(st, e) < 0 ? -1 : 0;
}

/* Binds the values of summary row r of d to st's parameters (idx: their
 * indexes, summary_params_of()). Texts are not copied: they live in d and
 * r until the statement has run. */
static void summary_bind(struct stmt *st, const int *idx,
                         const struct summary_data *d,
                         const struct summary_row *r)
{
    const struct summary_episode *ep = &d->ep;
    stmt_bind_text_at(st, idx[P_PROTOCOL], ep->protocol);
    stmt_bind_text_at(st, idx[P_INSTRUMENT], r->instrument);
    stmt_bind_int_at(st, idx[P_PRACTITIONER], ep->practitioner_id);
    stmt_bind_int_at(st, idx[P_EPISODE], ep->id);
    stmt_bind_text_at(st, idx[P_ROLE], r->role);
    stmt_bind_text_at(st, idx[P_START], ep->started_on);
    bind_text_or_null(st, idx[P_END], ep->ended_on[0] ? ep->ended_on : NULL);
    stmt_bind_int_at(st, idx[P_SESSIONS], d->sessions);
    bind_optional_double(st, idx[P_BASELINE], r->has_baseline, r->baseline);
    bind_optional_double(st, idx[P_DISCHARGE], r->has_discharge,
                         r->discharge);
    bind_optional_double(st, idx[P_FOLLOWUP], r->has_followup, r->followup);
    bind_optional_int(st, idx[P_FOLLOWUP_DAYS], r->followup_days);
    bind_optional_double(st, idx[P_IMPROVEMENT], r->has_improvement,
                         r->improvement);
    bind_optional_int(st, idx[P_RESPONDER], r->responder);
    bind_optional_int(st, idx[P_TIME], r->time);
    bind_optional_int(st, idx[P_EVENT], r->event);
    bind_optional_int(st, idx[P_SUSTAINED], r->sustained);
    stmt_bind_int_at(st, idx[P_HAS_FOLLOWUP], r->has_followup);
    stmt_bind_int_at(st, idx[P_COMPLETE], r->reason == SUMMARY_COMPLETE);
    bind_text_or_null(st, idx[P_REASON], summary_reason_name(r->reason));
    bind_optional_int(st, idx[P_AGE],
                      age_years(ep->birth_date, ep->started_on));
    stmt_bind_text_at(st, idx[P_SEX], ep->sex);
    bind_optional_int(st, idx[P_CHRONICITY],
                      ep->has_chronicity ? (long)ep->chronicity : -1);
    bind_optional_int(st, idx[P_COMORBIDITIES],
                      ep->has_comorbidities ? (long)ep->comorbidities : -1);
}

/* Adds code to the list of instruments (once). */
static void instrument_list_add(const char **list, const char **roles,
                                size_t *count, size_t max, const char *code,
                                const char *role)
{
    for (size_t i = 0; i < *count; i++)
        if (!strcmp(list[i], code))
            return;
    if (*count >= max)
        return;
    list[*count] = code;
    roles[*count] = role;
    (*count)++;
}

#define SUMMARY_MAX_INSTRUMENTS 64

struct summary_batch *summary_batch_new(struct store *s)
{
    struct summary_batch *b = xcalloc(1, sizeof(*b));
    b->s = s;
    return b;
}

void summary_batch_free(struct summary_batch *b)
{
    if (!b)
        return;
    stmt_finalize(b->episode);
    stmt_finalize(b->observations);
    stmt_finalize(b->sessions);
    stmt_finalize(b->remove);
    stmt_finalize(b->insert);
    stmt_finalize(b->group_find);
    stmt_finalize(b->group_add);
    stmt_finalize(b->row_add);
    free(b->triggers);
    free(b->groups);
    free(b);
}

/* ---- Bulk mode: the batch keeps outcome_row itself ------------------------ */

/*
 * The triggers of migration 7 keep outcome_row in step with
 * episode_summary, row by row; each fires a sub-program and makes its
 * statement keep a statement journal. A batch of many episodes does the
 * same work with plain statements prepared once, and raises each group's
 * generation once at the end rather than at every row.
 */
#define SUMMARY_TRIGGERS                                                     \
    "type = 'trigger' AND tbl_name = 'episode_summary' AND name IN"         \
    " ('episode_summary_insert', 'episode_summary_delete',"                \
    " 'episode_summary_update')"

int summary_batch_begin_bulk(struct summary_batch *b, struct err *e)
{
    if (b->bulk)
        return 0;
    if (store_depth(b->s) < 1)
        BUG("summary_batch_begin_bulk outside a transaction");
    struct buf sql = BUF_INIT;
    struct stmt *st = store_prepare(
        b->s, "SELECT sql FROM sqlite_schema WHERE " SUMMARY_TRIGGERS
              " ORDER BY name");
    int rc, n = 0;
    while ((rc = stmt_step(st, e)) == 1) {
        buf_printf(&sql, "%s;", stmt_text(st, 0));
        n++;
    }
    stmt_finalize(st);
    if (rc == 0 && n != 3)
        rc = err_set(e, ERR_FAIL, "",
                     "the outcome rows' triggers are missing (found %d of 3)",
                     n);
    if (rc == 0)
        rc = store_exec(b->s, "DROP TRIGGER episode_summary_insert;"
                              " DROP TRIGGER episode_summary_delete;"
                              " DROP TRIGGER episode_summary_update", e);
    if (rc < 0) {
        buf_release(&sql);
        return -1;
    }
    b->triggers = buf_detach(&sql, NULL);
    b->bulk = 1;
    return 0;
}

/* The group of (protocol, instrument), added when new; NULL on error. */
static struct summary_group *bulk_group(struct summary_batch *b,
                                        const char *protocol,
                                        const char *instrument, struct err *e)
{
    for (size_t i = b->ngroups; i-- > 0;) {
        struct summary_group *g = &b->groups[i];
        if (!strcmp(g->instrument, instrument) &&
            !strcmp(g->protocol, protocol))
            return g;
    }
    struct stmt *st =
        store_prepare_once(b->s, &b->group_add,
                           "INSERT INTO outcome_group (protocol_id, instrument)"
                           " VALUES (:protocol, :instrument) ON CONFLICT"
                           " (protocol_id, instrument) DO NOTHING");
    stmt_bind_text(st, ":protocol", protocol);
    stmt_bind_text(st, ":instrument", instrument);
    if (stmt_step(st, e) < 0)
        return NULL;
    st = store_prepare_once(b->s, &b->group_find,
                            "SELECT id FROM outcome_group WHERE protocol_id ="
                            " :protocol AND instrument = :instrument");
    stmt_bind_text(st, ":protocol", protocol);
    stmt_bind_text(st, ":instrument", instrument);
    int rc = stmt_step(st, e);
    if (rc < 0)
        return NULL;
    if (rc == 0)
        BUG("outcome group %s/%s vanished", protocol, instrument);
    ALLOC_GROW(b->groups, b->ngroups + 1, b->alloc_groups);
    struct summary_group *g = &b->groups[b->ngroups++];
    record_copy(g->protocol, sizeof(g->protocol), protocol);
    record_copy(g->instrument, sizeof(g->instrument), instrument);
    g->id = stmt_int(st, 0);
    g->changed = 0;
    stmt_reset(st);
    return g;
}

/*
 * The summary row written: its compact row, by the triggers' own SQL
 * (store/outcome_rows.h) over the same values summary_write() bound, as
 * a row of episode_summary (so the table need not be read back), and
 * replaced in place when the episode had one.
 */
static int bulk_row_add(struct summary_batch *b, const struct summary_data *d,
                        const struct summary_row *r, int written,
                        struct err *e)
{
    struct summary_group *g = bulk_group(b, d->ep.protocol, r->instrument, e);
    if (!g)
        return -1;
    /* The group's generation is raised as the triggers would, but a
     * summary row left as it was keeps its compact row as it is. */
    g->changed = 1;
    if (!written)
        return 0;
    struct stmt *st = store_prepare_once(
        b->s, &b->row_add,
        "INSERT INTO outcome_row (group_id, practitioner_id, episode_id,"
        " code, improvement, baseline, risk) SELECT :group,"
        " s.practitioner_id, s.episode_id," OUTCOME_ROW_CODE("s") ","
        " s.improvement, s.baseline," OUTCOME_ROW_RISK("s") " FROM (SELECT"
        " :protocol AS protocol_id, :instrument AS instrument, :practitioner"
        " AS practitioner_id, :episode AS episode_id, :role AS role, :start"
        " AS started_on, :end AS ended_on, :sessions AS sessions, :baseline"
        " AS baseline, :discharge AS discharge, :followup AS followup,"
        " :followup_days AS followup_days, :improvement AS improvement,"
        " :responder AS responder, :time AS sessions_to_response, :event AS"
        " response_event, :sustained AS sustained, :has_followup AS"
        " has_followup, :complete AS complete, :reason AS incomplete_reason,"
        " :age AS age_years, :sex AS sex, :chronicity AS chronicity_weeks,"
        " :comorbidities AS comorbidities) s WHERE"
        " (" OUTCOME_ROW_OUT_OF_RANGE("s") ") IS NOT 1"
        " ON CONFLICT (group_id, practitioner_id, episode_id) DO UPDATE SET"
        " code = excluded.code, improvement = excluded.improvement,"
        " baseline = excluded.baseline, risk = excluded.risk");
    summary_bind(st, summary_params_of(&b->row_params, st), d, r);
    stmt_bind_int(st, ":group", g->id);
    if (stmt_step(st, e) < 0)
        return -1;
    if (store_changes(b->s) != 1)
        return err_set(e, ERR_FAIL, "episode", "%s", OUTCOME_ROW_RANGE_MESSAGE);
    return 0;
}

int summary_batch_finish(struct summary_batch *b, struct err *e)
{
    if (!b || !b->bulk)
        return 0;
    int rc = b->all_changed
                 ? store_exec(b->s, "UPDATE outcome_group SET generation ="
                                    " generation + 1", e)
                 : 0;
    struct stmt *st = store_prepare(
        b->s, "UPDATE outcome_group SET generation = generation + 1"
              " WHERE id = :id");
    for (size_t i = 0; rc == 0 && !b->all_changed && i < b->ngroups; i++) {
        if (!b->groups[i].changed)
            continue;
        stmt_reset(st);
        stmt_bind_int(st, ":id", b->groups[i].id);
        rc = stmt_step(st, e) < 0 ? -1 : 0;
    }
    stmt_finalize(st);
    if (rc == 0)
        rc = store_exec(b->s, b->triggers, e);
    if (rc == 0) {
        b->bulk = 0;
        b->all_changed = 0;
        b->ngroups = 0;
        stmt_finalize(b->remove);
        stmt_finalize(b->insert);
        b->remove = b->insert = NULL;
        b->insert_params.st = NULL;
    }
    return rc;
}

int summary_refresh_episode(struct store *s, int64_t episode_id,
                            struct err *e)
{
    struct summary_batch *b = summary_batch_new(s);
    int rc = summary_batch_refresh(b, episode_id, e);
    summary_batch_free(b);
    return rc;
}

/*
 * Makes way for the episode's new rows. Row by row (triggers on), every
 * old row goes, to be inserted again. In bulk mode nothing goes: a batch
 * only adds records, so an episode keeps its protocol and practitioner and
 * its instruments only grow: every old row is written again, replaced in
 * place by summary_write's upsert and its compact row by bulk_row_add()
 * (and a row that broke this rule would break episode_summary's unique
 * index on episode and instrument, failing the batch).
 */
static int summary_remove(struct summary_batch *b, int64_t episode_id,
                          struct err *e)
{
    if (b->bulk)
        return 0;
    struct stmt *st = store_prepare_once(
        b->s, &b->remove, "DELETE FROM episode_summary WHERE episode_id = :id");
    stmt_bind_int(st, ":id", episode_id);
    return stmt_step(st, e) < 0 ? -1 : 0;
}

/* The instruments of an episode's summary rows, with their roles: the
 * protocol's primary and secondary ones, then any other observed. */
static size_t summary_instruments(const struct summary_data *d,
                                  const char **list, const char **roles)
{
    size_t count = 0;
    const struct protocol *p = summary_protocol(d->ep.protocol);
    for (int i = 0; p && i < p->primary_count; i++)
        instrument_list_add(list, roles, &count, SUMMARY_MAX_INSTRUMENTS,
                            p->primary[i], "primary");
    for (int i = 0; p && i < p->secondary_count; i++)
        instrument_list_add(list, roles, &count, SUMMARY_MAX_INSTRUMENTS,
                            p->secondary[i], "secondary");
    for (size_t i = 0; i < d->obs_count; i++)
        instrument_list_add(list, roles, &count, SUMMARY_MAX_INSTRUMENTS,
                            d->obs[i].instrument, "other");
    return count;
}

int summary_batch_refresh(struct summary_batch *b, int64_t episode_id,
                          struct err *e)
{
    struct summary_data d;
    if (summary_load(b, episode_id, &d, e) < 0)
        return -1;
    const char *list[SUMMARY_MAX_INSTRUMENTS];
    const char *roles[SUMMARY_MAX_INSTRUMENTS];
    size_t count = summary_instruments(&d, list, roles);
    int rc = summary_remove(b, episode_id, e);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        struct summary_row r;
        summary_compute(&d, list[i], roles[i], &r);
        rc = summary_write(b, &d, &r, e);
        if (rc == 0 && b->bulk)
            rc = bulk_row_add(b, &d, &r, store_changes(b->s) > 0, e);
    }
    summary_data_release(&d);
    return rc;
}

/* ---- After one observation of an open episode ---------------------------- */

/*
 * The observations an open episode's rows are computed from: a row of an
 * open episode holds only its baseline (summary_compute() stops at the
 * reason "open", or "unknown_instrument", right after the baseline), and
 * the baseline is the instrument's first `baseline`, else its first `pre`
 * of the first session. Those (at most two an instrument) are added to
 * d, with their session's ordinal as summary_load() gives it. The
 * instruments are those observed (one index seek each) after the
 * protocol's; 0 with *fits 0 when they would not fit a summary's list.
 */
static int summary_load_open(struct store *s, const int64_t *sessions,
                             struct summary_data *d, const char **list,
                             const char **roles, size_t *count,
                             char (*observed)[RECORD_CODE_MAX + 1],
                             int *fits, struct err *e)
{
    *count = 0;
    *fits = 1;
    const struct protocol *p = summary_protocol(d->ep.protocol);
    for (int i = 0; p && i < p->primary_count; i++)
        instrument_list_add(list, roles, count, SUMMARY_MAX_INSTRUMENTS,
                            p->primary[i], "primary");
    for (int i = 0; p && i < p->secondary_count; i++)
        instrument_list_add(list, roles, count, SUMMARY_MAX_INSTRUMENTS,
                            p->secondary[i], "secondary");
    size_t n_observed = 0;
    for (;;) {
        struct stmt *st = STORE_QUERY(
            s, "SELECT instrument FROM observation WHERE episode_id = :id"
               " AND instrument > :after ORDER BY instrument LIMIT 1",
            STORE_INT(":id", d->ep.id),
            STORE_TEXT(":after", n_observed ? observed[n_observed - 1] : ""));
        int rc = stmt_step(st, e);
        if (rc == 1) {
            if (n_observed == SUMMARY_MAX_INSTRUMENTS) {
                *fits = 0;
                stmt_finalize(st);
                return 0;
            }
            record_copy(observed[n_observed], RECORD_CODE_MAX + 1,
                        stmt_text(st, 0));
            n_observed++;
        }
        stmt_finalize(st);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
    }
    for (size_t i = 0; i < n_observed; i++) {
        size_t before = *count;
        instrument_list_add(list, roles, count, SUMMARY_MAX_INSTRUMENTS,
                            observed[i], "other");
        int listed = *count > before;
        for (size_t k = 0; !listed && k < *count; k++)
            listed = !strcmp(list[k], observed[i]);
        if (!listed) {
            *fits = 0;
            return 0;
        }
    }
    size_t alloc = 0;
    for (size_t i = 0; i < *count; i++) {
        /* The first baseline; without one, the first pre of session 1. */
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1 && d->sessions == 0)
                break;
            struct stmt *st = store_prepare(
                s, pass == 0
                       ? "SELECT " SUMMARY_OBSERVATION_COLUMNS " FROM"
                         " observation WHERE episode_id = :id AND"
                         " instrument = :instrument AND timepoint ="
                         " 'baseline' ORDER BY observed_at, id LIMIT 1"
                       : "SELECT " SUMMARY_OBSERVATION_COLUMNS " FROM"
                         " observation WHERE episode_id = :id AND"
                         " instrument = :instrument AND timepoint = 'pre'"
                         " AND session_id = :session ORDER BY observed_at,"
                         " id LIMIT 1");
            stmt_bind_int(st, ":id", d->ep.id);
            stmt_bind_text(st, ":instrument", list[i]);
            if (pass == 1)
                stmt_bind_int(st, ":session", sessions[0]);
            int rc = stmt_step(st, e);
            if (rc == 1 &&
                summary_add_observation(d, &alloc, sessions, st, 0, e) < 0)
                rc = -1;
            stmt_finalize(st);
            if (rc < 0)
                return -1;
            if (rc == 1)
                break;
        }
    }
    if (d->obs_count > 1)
        qsort(d->obs, d->obs_count, sizeof(*d->obs), compare_observations);
    return 0;
}

/* Writes row r of d only when the stored row differs (or is missing):
 * the stored one is deleted when any value differs, then the row is
 * inserted unless an equal one is still there. Each goes through the
 * triggers (the compact row, the group's generation), as a refresh's
 * rows do; an unchanged row is not touched. */
static int summary_write_changed(struct store *s, const struct summary_data *d,
                                 const struct summary_row *r, struct err *e)
{
    static const char *const sql[2] = {
        "DELETE FROM episode_summary WHERE episode_id = :episode AND"
        " instrument = :instrument AND (protocol_id, practitioner_id, role,"
        " started_on, ended_on, sessions, baseline, discharge, followup,"
        " followup_days, improvement, responder, sessions_to_response,"
        " response_event, sustained, has_followup, complete,"
        " incomplete_reason, age_years, sex, chronicity_weeks,"
        " comorbidities) IS NOT (:protocol, :practitioner, :role, :start,"
        " :end, :sessions, :baseline, :discharge, :followup,"
        " :followup_days, :improvement, :responder, :time, :event,"
        " :sustained, :has_followup, :complete, :reason, :age, :sex,"
        " :chronicity, :comorbidities)",
        "INSERT INTO episode_summary" SUMMARY_INSERT
        " ON CONFLICT (episode_id, instrument) DO NOTHING",
    };
    for (int i = 0; i < 2; i++) {
        struct stmt *st = store_prepare(s, sql[i]);
        struct summary_params params = {0};
        summary_bind(st, summary_params_of(&params, st), d, r);
        int rc = stmt_step(st, e);
        stmt_finalize(st);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Removes the episode's stored rows of instruments not in list. */
static int summary_remove_unlisted(struct store *s, int64_t episode_id,
                                   const char **list, size_t count,
                                   struct err *e)
{
    char (*stale)[RECORD_CODE_MAX + 1] = NULL;
    size_t n = 0, alloc = 0;
    struct stmt *st = STORE_QUERY(
        s, "SELECT instrument FROM episode_summary WHERE episode_id = :id",
        STORE_INT(":id", episode_id));
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        const char *code = stmt_text(st, 0);
        int listed = 0;
        for (size_t k = 0; !listed && k < count; k++)
            listed = !strcmp(list[k], code ? code : "");
        if (listed)
            continue;
        ALLOC_GROW(stale, n + 1, alloc);
        record_copy(stale[n++], RECORD_CODE_MAX + 1, code);
    }
    stmt_finalize(st);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = STORE_RUN(s, e,
                       "DELETE FROM episode_summary WHERE episode_id = :id"
                       " AND instrument = :instrument",
                       STORE_INT(":id", episode_id),
                       STORE_TEXT(":instrument", stale[i]));
    free(stale);
    return rc < 0 ? -1 : 0;
}

/* Whether the episode's stored rows are, with the observation just added,
 * still the rows a refresh gives: the observation can be no instrument's
 * baseline (a `baseline`, or a `pre` of the first session, could be), its
 * instrument has a row, and every row holds the episode's session count.
 * The record changes what else the rows are computed from (the episode's
 * end, an observation) only with a refresh; sessions are only ever added,
 * so the same count is the same sessions. 1 when unchanged, 0 when the
 * rows must be computed, -1 on failure. */
static int summary_unchanged(struct store *s, int64_t episode_id,
                             const struct summary_added *o,
                             const int64_t *sessions, int count,
                             struct err *e)
{
    if (!strcmp(o->timepoint, "baseline") ||
        (!strcmp(o->timepoint, "pre") && count > 0 &&
         o->session_id == sessions[0]))
        return 0;
    struct stmt *st = STORE_QUERY(
        s, "SELECT count(*), coalesce(sum(sessions <> :sessions), 0),"
           " coalesce(sum(instrument = :instrument), 0) FROM episode_summary"
           " WHERE episode_id = :id",
        STORE_INT(":sessions", count), STORE_TEXT(":instrument", o->instrument),
        STORE_INT(":id", episode_id));
    int rc = stmt_step(st, e);
    int same = rc == 1 && stmt_int(st, 0) > 0 && stmt_int(st, 1) == 0 &&
               stmt_int(st, 2) == 1;
    stmt_finalize(st);
    return rc < 0 ? -1 : same;
}

int summary_refresh_added(struct store *s, int64_t episode_id,
                          const struct summary_added *added, struct err *e)
{
    struct summary_batch *b = summary_batch_new(s);
    struct summary_data d;
    memset(&d, 0, sizeof(d));
    int64_t *sessions = NULL;
    int rc = summary_load_episode(b, episode_id, &d.ep, e);
    if (rc == 0 && d.ep.ended_on[0]) {
        /* Closed: the rows read every observation of theirs. */
        rc = summary_batch_refresh(b, episode_id, e);
        goto done;
    }
    if (rc < 0)
        goto done;
    struct stmt *st =
        store_prepare_once(s, &b->sessions,
                           "SELECT id FROM session WHERE episode_id ="
                           " :id ORDER BY started_at, id");
    stmt_bind_int(st, ":id", episode_id);
    size_t alloc = 0;
    while ((rc = stmt_step(st, e)) == 1)
        summary_add_session(&sessions, &alloc, &d.sessions, stmt_int(st, 0));
    if (rc < 0)
        goto done;
    rc = added ? summary_unchanged(s, episode_id, added, sessions,
                                   d.sessions, e)
               : 0;
    if (rc != 0)
        goto done;
    const char *list[SUMMARY_MAX_INSTRUMENTS];
    const char *roles[SUMMARY_MAX_INSTRUMENTS];
    char observed[SUMMARY_MAX_INSTRUMENTS][RECORD_CODE_MAX + 1];
    size_t count = 0;
    int fits;
    rc = summary_load_open(s, sessions, &d, list, roles, &count, observed,
                           &fits, e);
    if (rc < 0)
        goto done;
    if (!fits) {
        rc = summary_batch_refresh(b, episode_id, e);
        goto done;
    }
    rc = summary_remove_unlisted(s, episode_id, list, count, e);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        struct summary_row r;
        summary_compute(&d, list[i], roles[i], &r);
        rc = summary_write_changed(s, &d, &r, e);
    }
done:
    free(sessions);
    summary_data_release(&d);
    summary_batch_free(b);
    return rc < 0 ? -1 : 0;
}

/* ---- Bulk mode: every summary again, in three streams ----------------- */

/* A read cursor over rows ordered by episode (column 0). */
struct summary_stream {
    struct stmt *st;
    int has;         /* a row is current */
    int64_t episode; /* its episode */
};

/* The next row; a stream whose episodes go back (one read in id order
 * that was not in episode order after all) is an error, not a summary
 * made from part of an episode's rows. */
static int stream_next(struct summary_stream *c, struct err *e)
{
    int rc = stmt_step(c->st, e);
    if (rc < 0)
        return -1;
    int64_t before = c->episode;
    c->has = rc == 1;
    c->episode = c->has ? stmt_int(c->st, 0) : 0;
    if (c->has && c->episode < before)
        return err_set(e, ERR_FAIL, "episode",
                       "the rows read for the summaries are not in episode "
                       "order (episode %lld after %lld)",
                       (long long)c->episode, (long long)before);
    return 0;
}

/* Moves c to the first row of episode id (past rows of episodes before
 * it); 1 when c is on a row of id. */
static int stream_seek(struct summary_stream *c, int64_t id, struct err *e)
{
    while (c->has && c->episode < id)
        if (stream_next(c, e) < 0)
            return -1;
    return c->has && c->episode == id;
}

/*
 * The compact rows of every summary row, and the groups' generations: the
 * triggers' SQL over the whole table (as migration 7 first filled it),
 * read in the summary's key order, so that each group's rows go in in
 * their own key's order. A row out of the compact ranges is left out by
 * the insert and found by its count against rows, the summary rows the
 * rebuild wrote.
 */
static int rebuild_compact_rows(struct summary_batch *b, int64_t rows,
                                struct err *e)
{
    if (store_exec(b->s,
                   "INSERT INTO outcome_group (protocol_id, instrument)"
                   " SELECT DISTINCT protocol_id, instrument FROM"
                   " episode_summary WHERE true ORDER BY 1, 2"
                   " ON CONFLICT (protocol_id, instrument) DO NOTHING",
                   e) < 0)
        return -1;
    if (store_exec(b->s,
                   "INSERT INTO outcome_row (group_id, practitioner_id,"
                   " episode_id, code, improvement, baseline, risk)"
                   " SELECT g.id, s.practitioner_id, s.episode_id,"
                   OUTCOME_ROW_CODE("s") ", s.improvement, s.baseline, "
                   OUTCOME_ROW_RISK("s") " FROM episode_summary s JOIN"
                   " outcome_group g ON g.protocol_id = s.protocol_id AND"
                   " g.instrument = s.instrument WHERE ("
                   OUTCOME_ROW_OUT_OF_RANGE("s") ") IS NOT 1",
                   e) < 0)
        return -1;
    if (store_changes(b->s) != rows)
        return err_set(e, ERR_FAIL, "episode", "%s",
                       OUTCOME_ROW_RANGE_MESSAGE);
    b->all_changed = 1;
    return 0;
}

/* Drops episode_summary's indexes; *sql receives the statements that make
 * them again, as stored (free() it). */
static int rebuild_drop_indexes(struct summary_batch *b, char **sql,
                                struct err *e)
{
    struct buf make = BUF_INIT, drop = BUF_INIT;
    store_reset_statements(b->s);
    struct stmt *st = store_prepare(
        b->s, "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND"
              " tbl_name = 'episode_summary' AND sql IS NOT NULL ORDER BY"
              " name");
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        buf_printf(&make, "%s;", stmt_text(st, 1));
        buf_printf(&drop, "DROP INDEX \"%s\";", stmt_text(st, 0));
    }
    stmt_finalize(st);
    if (rc == 0)
        rc = store_exec(b->s, drop.data, e);
    buf_release(&drop);
    if (rc < 0) {
        buf_release(&make);
        return -1;
    }
    *sql = buf_detach(&make, NULL);
    return 0;
}

/*
 * The rows of a rebuild, kept in memory until every episode has been read,
 * then sorted into episode_summary's key order (protocol, instrument,
 * practitioner, episode) and written in that order: each is an append to
 * the table, with no temporary table and no sort by SQLite. An episode's
 * values are kept once, each row's own beside its episode's index and its
 * group's (the interned protocol and instrument).
 */
struct rebuilt_episode {
    int64_t id, practitioner_id, chronicity, comorbidities;
    int sessions;
    char has_chronicity, has_comorbidities;
    char started_on[CLOCK_DATE_LEN], ended_on[CLOCK_DATE_LEN];
    char birth_date[CLOCK_DATE_LEN];
    char sex[sizeof(((struct summary_episode *)0)->sex)];
    /* Kept for a fed rebuild (summary_feed_start), which reads every
     * episode before their observations: its protocol (an index in
     * rebuilt.protocols), the day it ended and its first session's index
     * in the feed's session ids. */
    uint32_t protocol;
    long end_days;
    size_t first_session;
};

struct rebuilt_row {
    double baseline, discharge, followup, improvement;
    int64_t practitioner_id; /* the episode's: part of the order */
    uint32_t episode;        /* index in rebuilt.episodes */
    uint32_t group;          /* index in rebuilt.groups, then its rank */
    int32_t followup_days, time;
    signed char responder, event, sustained, reason, role;
    unsigned char has; /* REBUILT_HAS_* */
};

#define REBUILT_HAS_BASELINE 1
#define REBUILT_HAS_DISCHARGE 2
#define REBUILT_HAS_FOLLOWUP 4
#define REBUILT_HAS_IMPROVEMENT 8

static const char *const rebuilt_roles[] = {"primary", "secondary", "other"};

struct rebuilt {
    struct rebuilt_episode *episodes;
    size_t nepisodes, alloc_episodes;
    struct rebuilt_row *rows;
    size_t nrows, alloc_rows;
    struct summary_group *groups; /* protocol and instrument only */
    size_t ngroups, alloc_groups;
    uint32_t *slots; /* open addressing over groups: index + 1, 0 empty */
    size_t nslots;
    char (*protocols)[RECORD_CODE_MAX + 1]; /* a fed rebuild's protocols */
    size_t nprotocols, alloc_protocols;
};

static uint64_t rebuilt_hash(const char *protocol, const char *instrument)
{
    uint64_t h = 1469598103934665603u;
    for (const char *p = protocol; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    h = (h ^ 0xff) * 1099511628211u;
    for (const char *p = instrument; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    return h;
}

/* The index of group (protocol, instrument), added when new. */
static uint32_t rebuilt_group(struct rebuilt *rb, const char *protocol,
                              const char *instrument)
{
    if (2 * (rb->ngroups + 1) > rb->nslots) {
        size_t n = rb->nslots ? 2 * rb->nslots : 64;
        free(rb->slots);
        rb->slots = xcalloc(n, sizeof(*rb->slots));
        rb->nslots = n;
        for (size_t g = 0; g < rb->ngroups; g++) {
            size_t i = rebuilt_hash(rb->groups[g].protocol,
                                    rb->groups[g].instrument) & (n - 1);
            while (rb->slots[i])
                i = (i + 1) & (n - 1);
            rb->slots[i] = (uint32_t)g + 1;
        }
    }
    size_t mask = rb->nslots - 1;
    size_t i = rebuilt_hash(protocol, instrument) & mask;
    for (; rb->slots[i]; i = (i + 1) & mask) {
        const struct summary_group *g = &rb->groups[rb->slots[i] - 1];
        if (!strcmp(g->instrument, instrument) &&
            !strcmp(g->protocol, protocol))
            return rb->slots[i] - 1;
    }
    ALLOC_GROW(rb->groups, rb->ngroups + 1, rb->alloc_groups);
    struct summary_group *g = &rb->groups[rb->ngroups];
    memset(g, 0, sizeof(*g));
    record_copy(g->protocol, sizeof(g->protocol), protocol);
    record_copy(g->instrument, sizeof(g->instrument), instrument);
    rb->slots[i] = (uint32_t)++rb->ngroups;
    return (uint32_t)(rb->ngroups - 1);
}

static void rebuilt_add_episode(struct rebuilt *rb,
                                const struct summary_data *d)
{
    ALLOC_GROW(rb->episodes, rb->nepisodes + 1, rb->alloc_episodes);
    struct rebuilt_episode *x = &rb->episodes[rb->nepisodes++];
    const struct summary_episode *ep = &d->ep;
    x->id = ep->id;
    x->practitioner_id = ep->practitioner_id;
    x->chronicity = ep->chronicity;
    x->comorbidities = ep->comorbidities;
    x->has_chronicity = (char)ep->has_chronicity;
    x->has_comorbidities = (char)ep->has_comorbidities;
    x->sessions = d->sessions;
    memcpy(x->started_on, ep->started_on, sizeof(x->started_on));
    memcpy(x->ended_on, ep->ended_on, sizeof(x->ended_on));
    memcpy(x->birth_date, ep->birth_date, sizeof(x->birth_date));
    memcpy(x->sex, ep->sex, sizeof(x->sex));
    x->protocol = 0;
    x->end_days = ep->end_days;
    x->first_session = 0;
}

/* The episode's values of x, with its protocol (a field of
 * RECORD_CODE_MAX + 1 bytes), as d, without observations. */
static void rebuilt_episode_data(const struct rebuilt_episode *x,
                                 const char protocol[RECORD_CODE_MAX + 1],
                                 struct summary_data *d)
{
    memset(d, 0, sizeof(*d));
    d->ep.id = x->id;
    d->ep.practitioner_id = x->practitioner_id;
    memcpy(d->ep.protocol, protocol, sizeof(d->ep.protocol));
    memcpy(d->ep.started_on, x->started_on, sizeof(d->ep.started_on));
    memcpy(d->ep.ended_on, x->ended_on, sizeof(d->ep.ended_on));
    d->ep.end_days = x->end_days;
    d->ep.has_chronicity = x->has_chronicity;
    d->ep.chronicity = x->chronicity;
    d->ep.has_comorbidities = x->has_comorbidities;
    d->ep.comorbidities = x->comorbidities;
    memcpy(d->ep.birth_date, x->birth_date, sizeof(d->ep.birth_date));
    memcpy(d->ep.sex, x->sex, sizeof(d->ep.sex));
    d->sessions = x->sessions;
}

/* Row r of episode rb->episodes[episode]. */
static void rebuilt_add_row(struct rebuilt *rb, size_t episode,
                            const struct summary_data *d,
                            const struct summary_row *r)
{
    ALLOC_GROW(rb->rows, rb->nrows + 1, rb->alloc_rows);
    struct rebuilt_row *x = &rb->rows[rb->nrows++];
    memset(x, 0, sizeof(*x));
    x->practitioner_id = d->ep.practitioner_id;
    x->episode = (uint32_t)episode;
    x->group = rebuilt_group(rb, d->ep.protocol, r->instrument);
    x->baseline = r->baseline;
    x->discharge = r->discharge;
    x->followup = r->followup;
    x->improvement = r->improvement;
    x->has = (unsigned char)((r->has_baseline ? REBUILT_HAS_BASELINE : 0) |
                             (r->has_discharge ? REBUILT_HAS_DISCHARGE : 0) |
                             (r->has_followup ? REBUILT_HAS_FOLLOWUP : 0) |
                             (r->has_improvement ? REBUILT_HAS_IMPROVEMENT
                                                 : 0));
    x->followup_days = (int32_t)r->followup_days;
    x->time = r->time;
    x->responder = (signed char)r->responder;
    x->event = (signed char)r->event;
    x->sustained = (signed char)r->sustained;
    x->reason = (signed char)r->reason;
    x->role = 0;
    for (int i = 0; i < 3; i++)
        if (!strcmp(r->role, rebuilt_roles[i]))
            x->role = (signed char)i;
}

/* The summary rows of d, episode rb->episodes[episode], computed and
 * kept; returns how many. */
static size_t rebuilt_add_rows(struct rebuilt *rb, size_t episode,
                               const struct summary_data *d)
{
    const char *list[SUMMARY_MAX_INSTRUMENTS];
    const char *roles[SUMMARY_MAX_INSTRUMENTS];
    size_t count = summary_instruments(d, list, roles);
    for (size_t i = 0; i < count; i++) {
        struct summary_row r;
        summary_compute(d, list[i], roles[i], &r);
        rebuilt_add_row(rb, episode, d, &r);
    }
    return count;
}

/* Key order of rows ctx[x] and ctx[y]: the group's rank (its protocol,
 * then instrument), the practitioner, then the episode (indexes follow
 * ids: read in id order). */
static int compare_rebuilt(const void *x, const void *y, void *ctx)
{
    const struct rebuilt_row *rows = ctx;
    const struct rebuilt_row *a = &rows[*(const uint32_t *)x];
    const struct rebuilt_row *c = &rows[*(const uint32_t *)y];
    if (a->group != c->group)
        return a->group < c->group ? -1 : 1;
    if (a->practitioner_id != c->practitioner_id)
        return a->practitioner_id < c->practitioner_id ? -1 : 1;
    return (a->episode > c->episode) - (a->episode < c->episode);
}

/* A row's place in the key order, packed (group rank above the
 * practitioner's id) where both fit, with its episode for the rest: sorted
 * without reaching into the rows, which lie scattered in memory. */
struct rebuilt_key {
    uint64_t key;
    uint32_t episode, index;
};

#define REBUILT_KEY_PRACTITIONER_BITS 44

static int compare_keys(const void *x, const void *y)
{
    const struct rebuilt_key *a = x, *c = y;
    if (a->key != c->key)
        return a->key < c->key ? -1 : 1;
    return (a->episode > c->episode) - (a->episode < c->episode);
}

/* order[] = the rows' indexes in key order (their groups ranked). */
static void rebuilt_order(const struct rebuilt *rb, uint32_t *order)
{
    struct rebuilt_key *keys =
        xreallocarray(NULL, rb->nrows + 1, sizeof(*keys));
    int packed = rb->ngroups < ((size_t)1 << 20);
    for (size_t i = 0; packed && i < rb->nrows; i++) {
        const struct rebuilt_row *x = &rb->rows[i];
        if (x->practitioner_id < 0 ||
            x->practitioner_id >=
                (int64_t)1 << REBUILT_KEY_PRACTITIONER_BITS)
            packed = 0;
        keys[i].key = (uint64_t)x->group << REBUILT_KEY_PRACTITIONER_BITS |
                      (uint64_t)x->practitioner_id;
        keys[i].episode = x->episode;
        keys[i].index = (uint32_t)i;
    }
    if (packed) {
        qsort(keys, rb->nrows, sizeof(*keys), compare_keys);
        for (size_t i = 0; i < rb->nrows; i++)
            order[i] = keys[i].index;
    } else {
        for (size_t i = 0; i < rb->nrows; i++)
            order[i] = (uint32_t)i;
        qsort_r(order, rb->nrows, sizeof(*order), compare_rebuilt, rb->rows);
    }
    free(keys);
}

static int compare_group_ranks(const void *x, const void *y, void *ctx)
{
    const struct summary_group *groups = ctx;
    const struct summary_group *a = &groups[*(const uint32_t *)x];
    const struct summary_group *c = &groups[*(const uint32_t *)y];
    int order = strcmp(a->protocol, c->protocol);
    return order ? order : strcmp(a->instrument, c->instrument);
}

/* Sorts the rows into key order and writes them to episode_summary, each
 * as summary_write() would have bound it. The sort moves 4-byte indexes,
 * not the rows (its scratch space is as large as what it sorts). */
static int rebuilt_write(struct summary_batch *b, struct rebuilt *rb,
                         struct err *e)
{
    uint32_t *by_rank = xcalloc(rb->ngroups + 1, sizeof(*by_rank));
    uint32_t *rank = xcalloc(rb->ngroups + 1, sizeof(*rank));
    for (size_t g = 0; g < rb->ngroups; g++)
        by_rank[g] = (uint32_t)g;
    qsort_r(by_rank, rb->ngroups, sizeof(*by_rank), compare_group_ranks,
            rb->groups);
    for (size_t k = 0; k < rb->ngroups; k++)
        rank[by_rank[k]] = (uint32_t)k;
    uint32_t *order = xreallocarray(NULL, rb->nrows + 1, sizeof(*order));
    for (size_t i = 0; i < rb->nrows; i++)
        rb->rows[i].group = rank[rb->rows[i].group];
    rebuilt_order(rb, order);
    struct stmt *st =
        store_prepare(b->s, "INSERT INTO episode_summary" SUMMARY_INSERT);
    const int *idx = summary_params_of(&b->rebuild_params, st);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < rb->nrows; i++) {
        /* The rows and their episodes are read out of memory order: asked
         * for ahead of their turn. */
        if (i + 16 < rb->nrows)
            __builtin_prefetch(&rb->rows[order[i + 16]]);
        if (i + 8 < rb->nrows)
            __builtin_prefetch(&rb->episodes[rb->rows[order[i + 8]].episode]);
        const struct rebuilt_row *x = &rb->rows[order[i]];
        const struct rebuilt_episode *ep = &rb->episodes[x->episode];
        const struct summary_group *g = &rb->groups[by_rank[x->group]];
        struct summary_data d;
        rebuilt_episode_data(ep, g->protocol, &d);
        struct summary_row r = {
            .instrument = g->instrument,
            .role = rebuilt_roles[x->role],
            .has_baseline = (x->has & REBUILT_HAS_BASELINE) != 0,
            .has_discharge = (x->has & REBUILT_HAS_DISCHARGE) != 0,
            .has_followup = (x->has & REBUILT_HAS_FOLLOWUP) != 0,
            .has_improvement = (x->has & REBUILT_HAS_IMPROVEMENT) != 0,
            .baseline = x->baseline,
            .discharge = x->discharge,
            .followup = x->followup,
            .improvement = x->improvement,
            .followup_days = x->followup_days,
            .responder = x->responder,
            .time = x->time,
            .event = x->event,
            .sustained = x->sustained,
            .reason = (enum summary_reason)x->reason,
        };
        stmt_reset(st);
        summary_bind(st, idx, &d, &r);
        rc = stmt_step(st, e) < 0 ? -1 : 0;
    }
    stmt_finalize(st);
    b->rebuild_params.st = NULL;
    free(order);
    free(by_rank);
    free(rank);
    return rc;
}

static void rebuilt_release(struct rebuilt *rb)
{
    free(rb->protocols);
    free(rb->episodes);
    free(rb->rows);
    free(rb->groups);
    free(rb->slots);
    memset(rb, 0, sizeof(*rb));
}

/* Every episode with its patient's columns, and every session, in the
 * order of their episodes (then as summary_load() orders them). */
#define REBUILD_EPISODES                                                     \
    "SELECT e.id, " SUMMARY_EPISODE_COLUMNS " FROM episode e JOIN patient p" \
    " ON p.id = e.patient_id ORDER BY e.id"
#define REBUILD_SESSIONS                                                     \
    "SELECT episode_id, id FROM session ORDER BY episode_id, started_at, id"

/* An empty rb with room for every episode and, for a start, as many rows
 * as the summary holds (growing arrays of this size would copy them);
 * returns the number of episodes. */
static int64_t rebuilt_reserve(struct store *s, struct rebuilt *rb)
{
    int64_t total = store_query_int(s, "SELECT count(*) FROM episode");
    int64_t old_rows =
        store_query_int(s, "SELECT count(*) FROM episode_summary");
    memset(rb, 0, sizeof(*rb));
    ALLOC_GROW(rb->episodes, (size_t)(total > 0 ? total : 1),
               rb->alloc_episodes);
    ALLOC_GROW(rb->rows, (size_t)(old_rows > 0 ? old_rows : 1),
               rb->alloc_rows);
    return total;
}

/*
 * Replaces every summary row with rb's (rows of them): the old rows go,
 * the new are written in the key's order, then the indexes (dropped
 * first: sorted builds, where inserting in episode order would seek at
 * random) and the compact rows are made again.
 */
static int rebuilt_store(struct summary_batch *b, struct rebuilt *rb,
                         int64_t rows, struct err *e)
{
    char *indexes = NULL;
    if (rebuild_drop_indexes(b, &indexes, e) < 0)
        return -1;
    int rc = store_exec(b->s, "DELETE FROM episode_summary;"
                              " DELETE FROM outcome_row", e);
    if (rc == 0)
        rc = rebuilt_write(b, rb, e);
    if (rc == 0)
        rc = store_exec(b->s, indexes, e);
    free(indexes);
    if (rc == 0)
        rc = rebuild_compact_rows(b, rows, e);
    return rc;
}

int summary_batch_rebuild(struct summary_batch *b, int observations_by_id,
                          void (*progress)(void *ctx, double fraction),
                          void *progress_ctx, int64_t *episodes,
                          struct err *e)
{
    if (!b->bulk)
        BUG("summary_batch_rebuild outside bulk mode");
    *episodes = 0;
    struct rebuilt rb;
    int64_t total = rebuilt_reserve(b->s, &rb);
    struct stmt *ep = store_prepare(b->s, REBUILD_EPISODES);
    struct summary_stream sessions = {store_prepare(b->s, REBUILD_SESSIONS),
                                      0, 0};
    /* In id order: one pass over the table, rather than the episode
     * index and a seek into the table for every row. */
    struct summary_stream obs = {
        store_prepare(b->s, observations_by_id
                                ? "SELECT episode_id, "
                                  SUMMARY_OBSERVATION_COLUMNS
                                  " FROM observation ORDER BY id"
                                : "SELECT episode_id, "
                                  SUMMARY_OBSERVATION_COLUMNS
                                  " FROM observation ORDER BY episode_id"),
        0, 0};
    int64_t *ids = NULL, rows = 0; /* summary rows written */
    size_t ids_alloc = 0;
    int rc = stream_next(&sessions, e) < 0 || stream_next(&obs, e) < 0 ? -1
                                                                        : 0;
    while (rc == 0) {
        int step = stmt_step(ep, e);
        if (step <= 0) {
            rc = step;
            break;
        }
        int64_t id = stmt_int(ep, 0);
        struct summary_data d;
        memset(&d, 0, sizeof(d));
        rc = summary_episode_read(ep, 1, id, &d.ep, e);
        int on = rc == 0 ? stream_seek(&sessions, id, e) : -1;
        while (on == 1) {
            summary_add_session(&ids, &ids_alloc, &d.sessions,
                                stmt_int(sessions.st, 1));
            on = stream_next(&sessions, e) < 0 ? -1
                                               : sessions.episode == id &&
                                                     sessions.has;
        }
        size_t alloc = 0;
        on = on < 0 ? -1 : stream_seek(&obs, id, e);
        while (on == 1) {
            if (summary_add_observation(&d, &alloc, ids, obs.st, 1, e) < 0) {
                on = -1;
                break;
            }
            on = stream_next(&obs, e) < 0 ? -1 : obs.episode == id && obs.has;
        }
        if (on < 0)
            rc = -1;
        if (rc == 0 && d.obs_count > 1)
            qsort(d.obs, d.obs_count, sizeof(*d.obs), compare_observations);
        if (rc == 0) {
            rebuilt_add_episode(&rb, &d);
            rows += (int64_t)rebuilt_add_rows(&rb, rb.nepisodes - 1, &d);
        }
        summary_data_release(&d);
        d.sessions = 0;
        (*episodes)++;
        if (progress && total > 0 && (*episodes & 4095) == 0)
            progress(progress_ctx, (double)*episodes / (double)total);
    }
    free(ids);
    stmt_finalize(ep);
    stmt_finalize(sessions.st);
    stmt_finalize(obs.st);
    if (rc == 0)
        rc = rebuilt_store(b, &rb, rows, e);
    rebuilt_release(&rb);
    return rc;
}

/* ---- Bulk mode: the rebuild fed while the batch writes ------------------ */

/* An observation as the feed keeps it: its text copied as it was
 * written, the work on it (its day, its order) left to the thread. */
#define FED_CODE_MAX 15
struct fed_row {
    int64_t episode, session, id;
    double total;
    char observed_at[CLOCK_INSTANT_LEN];
    char timepoint[sizeof(((struct summary_observation *)0)->timepoint)];
    char instrument[FED_CODE_MAX + 1];
};

#define FED_CHUNK_ROWS 4096
#define FED_SPARE_MAX 16

struct fed_chunk {
    struct fed_chunk *next;
    size_t count;
    struct fed_row rows[FED_CHUNK_ROWS];
};

struct summary_feed {
    /* The caller's. */
    struct fed_chunk *filling;
    int broken, started;
    pthread_t thread;
    /* Shared, under lock: the queue, and the chunks the thread is done
     * with, for the caller to fill again (each is too large for the
     * allocator to keep: it would map and clear it every time). */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct fed_chunk *head, *tail, *spare;
    size_t nspare; /* at most FED_SPARE_MAX */
    int done, stop;
    /* The thread's (the caller's again after the join). */
    struct rebuilt rb;
    int64_t *session_ids;
    size_t nsession_ids, alloc_session_ids;
    size_t next_episode;     /* the first episode not summarised yet */
    struct fed_row *current; /* the rows of episode next_episode */
    size_t ncurrent, alloc_current;
    struct summary_observation *obs;
    size_t alloc_obs;
    int64_t rows; /* summary rows made */
    int failed;
};

struct summary_feed *summary_feed_new(void)
{
    struct summary_feed *f = xcalloc(1, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->changed, NULL);
    return f;
}

/* Hands the queue a full chunk (the thread, once started, takes it). */
static void fed_push(struct summary_feed *f)
{
    struct fed_chunk *c = f->filling;
    f->filling = NULL;
    if (!c)
        return;
    pthread_mutex_lock(&f->lock);
    if (f->tail)
        f->tail->next = c;
    else
        f->head = c;
    f->tail = c;
    pthread_cond_signal(&f->changed);
    pthread_mutex_unlock(&f->lock);
}

int summary_feed_add(struct summary_feed *f, int64_t episode_id,
                     int64_t session_id, const char *instrument,
                     const char *timepoint, const char *observed_at,
                     double total, int64_t id)
{
    if (f->broken)
        return -1;
    size_t at_len = strlen(observed_at), tp_len = strlen(timepoint),
           code_len = strlen(instrument);
    if (at_len >= sizeof(((struct fed_row *)0)->observed_at) ||
        tp_len >= sizeof(((struct fed_row *)0)->timepoint) ||
        code_len > FED_CODE_MAX) {
        f->broken = 1;
        return -1;
    }
    if (!f->filling) {
        pthread_mutex_lock(&f->lock);
        f->filling = f->spare;
        if (f->filling) {
            f->spare = f->filling->next;
            f->nspare--;
        }
        pthread_mutex_unlock(&f->lock);
        if (!f->filling)
            f->filling = xmalloc(sizeof(*f->filling));
        f->filling->next = NULL;
        f->filling->count = 0;
    }
    struct fed_row *r = &f->filling->rows[f->filling->count++];
    r->episode = episode_id;
    r->session = session_id;
    r->id = id;
    r->total = total;
    memcpy(r->observed_at, observed_at, at_len + 1);
    memcpy(r->timepoint, timepoint, tp_len + 1);
    memcpy(r->instrument, instrument, code_len + 1);
    if (f->filling->count == FED_CHUNK_ROWS)
        fed_push(f);
    return 0;
}

/* As compare_observations: the instant, then the id. */
static int compare_fed(const void *x, const void *y)
{
    const struct fed_row *a = x, *c = y;
    int order = strcmp(a->observed_at, c->observed_at);
    return order ? order : (a->id > c->id) - (a->id < c->id);
}

/* Summarises episode next_episode from the rows in current, as
 * summary_batch_rebuild() does from the table's; -1 (with e) on a date
 * that does not read. */
static int fed_episode(struct summary_feed *f, struct err *e)
{
    struct rebuilt *rb = &f->rb;
    size_t k = f->next_episode++;
    const struct rebuilt_episode *x = &rb->episodes[k];
    struct summary_data d;
    rebuilt_episode_data(x, rb->protocols[x->protocol], &d);
    if (f->ncurrent > 1)
        qsort(f->current, f->ncurrent, sizeof(*f->current), compare_fed);
    ALLOC_GROW(f->obs, f->ncurrent + 1, f->alloc_obs);
    const int64_t *sessions = f->session_ids + x->first_session;
    for (size_t i = 0; i < f->ncurrent; i++) {
        const struct fed_row *r = &f->current[i];
        struct summary_observation *o = &f->obs[i];
        record_copy(o->instrument, sizeof(o->instrument), r->instrument);
        record_copy(o->timepoint, sizeof(o->timepoint), r->timepoint);
        o->session = summary_session_ordinal(sessions, x->sessions,
                                             r->session);
        char date[CLOCK_DATE_LEN];
        record_copy(date, sizeof(date), r->observed_at);
        if (clock_parse_date(date, &o->days, "at", e) < 0)
            return -1;
        o->total = r->total;
        o->observed_at[0] = '\0'; /* in order already */
        o->id = r->id;
    }
    d.obs = f->obs;
    d.obs_count = f->ncurrent;
    f->rows += (int64_t)rebuilt_add_rows(rb, k, &d);
    f->ncurrent = 0;
    return 0;
}

/* One written observation: the episodes before its own are complete. */
static void fed_row(struct summary_feed *f, const struct fed_row *r)
{
    while (f->next_episode < f->rb.nepisodes) {
        int64_t id = f->rb.episodes[f->next_episode].id;
        if (id == r->episode) {
            ALLOC_GROW(f->current, f->ncurrent + 1, f->alloc_current);
            f->current[f->ncurrent++] = *r;
            return;
        }
        struct err ignored = ERR_INIT;
        if (id > r->episode || fed_episode(f, &ignored) < 0)
            break;
    }
    /* Not in episode order, or an episode not read at the start. */
    f->failed = 1;
}

static void *fed_thread(void *arg)
{
    struct summary_feed *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->lock);
        while (!f->head && !f->done && !f->stop)
            pthread_cond_wait(&f->changed, &f->lock);
        struct fed_chunk *c = f->stop ? NULL : f->head;
        if (c) {
            f->head = c->next;
            if (!f->head)
                f->tail = NULL;
        }
        pthread_mutex_unlock(&f->lock);
        if (!c)
            break;
        for (size_t i = 0; !f->failed && i < c->count; i++)
            fed_row(f, &c->rows[i]);
        pthread_mutex_lock(&f->lock);
        if (f->nspare < FED_SPARE_MAX) {
            c->next = f->spare;
            f->spare = c;
            f->nspare++;
            c = NULL;
        }
        pthread_mutex_unlock(&f->lock);
        free(c);
    }
    /* At the end of the rows, the episodes after the last one's. */
    struct err ignored = ERR_INIT;
    while (f->done && !f->stop && !f->failed &&
           f->next_episode < f->rb.nepisodes)
        if (fed_episode(f, &ignored) < 0)
            f->failed = 1;
    return NULL;
}

/* The index of protocol in rb->protocols, added when new. */
static uint32_t fed_protocol(struct rebuilt *rb, const char *protocol)
{
    for (size_t i = rb->nprotocols; i-- > 0;)
        if (!strcmp(rb->protocols[i], protocol))
            return (uint32_t)i;
    ALLOC_GROW(rb->protocols, rb->nprotocols + 1, rb->alloc_protocols);
    record_copy(rb->protocols[rb->nprotocols], sizeof(rb->protocols[0]),
                protocol);
    return (uint32_t)rb->nprotocols++;
}

int summary_feed_start(struct summary_feed *f, struct store *s,
                       struct err *e)
{
    if (f->started || f->broken)
        BUG("summary_feed_start on a feed started or broken");
    struct rebuilt *rb = &f->rb;
    rebuilt_reserve(s, rb);
    struct stmt *ep = store_prepare(s, REBUILD_EPISODES);
    struct summary_stream sessions = {store_prepare(s, REBUILD_SESSIONS), 0,
                                      0};
    int rc = stream_next(&sessions, e);
    while (rc == 0) {
        int step = stmt_step(ep, e);
        if (step <= 0) {
            rc = step;
            break;
        }
        struct summary_data d;
        memset(&d, 0, sizeof(d));
        int64_t id = stmt_int(ep, 0);
        if (summary_episode_read(ep, 1, id, &d.ep, e) < 0) {
            rc = -1;
            break;
        }
        size_t first = f->nsession_ids;
        int on = stream_seek(&sessions, id, e);
        while (on == 1) {
            ALLOC_GROW(f->session_ids, f->nsession_ids + 1,
                       f->alloc_session_ids);
            f->session_ids[f->nsession_ids++] = stmt_int(sessions.st, 1);
            d.sessions++;
            on = stream_next(&sessions, e) < 0
                     ? -1
                     : sessions.episode == id && sessions.has;
        }
        if (on < 0) {
            rc = -1;
            break;
        }
        rebuilt_add_episode(rb, &d);
        struct rebuilt_episode *x = &rb->episodes[rb->nepisodes - 1];
        x->protocol = fed_protocol(rb, d.ep.protocol);
        x->first_session = first;
    }
    stmt_finalize(ep);
    stmt_finalize(sessions.st);
    if (rc == 0 && pthread_create(&f->thread, NULL, fed_thread, f) != 0)
        rc = err_set(e, ERR_FAIL, "", "unable to start a thread");
    if (rc < 0) {
        f->broken = 1;
        return -1;
    }
    f->started = 1;
    return 0;
}

/* Ends the thread: done (every row given) or stopped. */
static void fed_join(struct summary_feed *f, int stop)
{
    if (!f->started)
        return;
    if (!stop)
        fed_push(f);
    pthread_mutex_lock(&f->lock);
    if (stop)
        f->stop = 1;
    else
        f->done = 1;
    pthread_cond_signal(&f->changed);
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->thread, NULL);
    f->started = 0;
    if (stop)
        f->broken = 1;
}

int summary_batch_rebuild_fed(struct summary_batch *b,
                              struct summary_feed *f, int64_t *episodes,
                              struct err *e)
{
    if (!b->bulk)
        BUG("summary_batch_rebuild_fed outside bulk mode");
    *episodes = 0;
    if (!f->started || f->broken)
        return 1;
    fed_join(f, 0);
    if (f->failed || f->next_episode != f->rb.nepisodes) {
        f->broken = 1;
        return 1;
    }
    *episodes = (int64_t)f->rb.nepisodes;
    return rebuilt_store(b, &f->rb, f->rows, e);
}

void summary_feed_free(struct summary_feed *f)
{
    if (!f)
        return;
    fed_join(f, 1);
    for (struct fed_chunk *list = f->head; list;) {
        struct fed_chunk *c = list;
        list = c->next;
        free(c);
    }
    for (struct fed_chunk *list = f->spare; list;) {
        struct fed_chunk *c = list;
        list = c->next;
        free(c);
    }
    free(f->filling);
    rebuilt_release(&f->rb);
    free(f->session_ids);
    free(f->current);
    free(f->obs);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->changed);
    free(f);
}

int summary_refresh_all(struct store *s, const struct actor *caller,
                        int64_t *episodes, struct err *e)
{
    if (episodes)
        *episodes = 0;
    if (access_manage(caller, "refresh the outcome summaries", e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    int rc = store_exec(s, "DELETE FROM episode_summary", e);
    struct stmt *st = store_prepare(s, "SELECT id FROM episode ORDER BY id");
    struct summary_batch *b = summary_batch_new(s);
    int64_t n = 0;
    while (rc == 0) {
        int step = stmt_step(st, e);
        if (step <= 0) {
            rc = step;
            break;
        }
        rc = summary_batch_refresh(b, stmt_int(st, 0), e);
        n++;
    }
    summary_batch_free(b);
    stmt_finalize(st);
    if (rc == 0)
        rc = audit_append(s, caller, "update", "episode_summary", 0, 0, "ok",
                          e);
    if (record_finish(s, rc, e) < 0)
        return -1;
    if (episodes)
        *episodes = n;
    return 0;
}
