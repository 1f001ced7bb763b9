#include "record/bulk.h"
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/internal.h"
#include "record/scope.h"
#include "record/summary.h"
#include "record/validate.h"
#include "core/buf.h"
#include "core/number.h"
#include "core/util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Columns ---------------------------------------------------------- */

enum {
    COL_REQUIRED = 1, /* the file must have the column */
    COL_NUMBER = 2,   /* exported as a JSON number */
    COL_JSON = 4,     /* exported as JSON */
    COL_INPUT = 8,    /* read by imports, never exported (always last) */
};

struct column {
    const char *name;
    const char *field; /* the field the record's rules name ("dob") */
    unsigned flags;
};

struct kind_info {
    const char *name;     /* "practitioners" */
    const char *singular; /* "practitioner" */
    const char *table;
    struct column columns[BULK_MAX_COLUMNS];
};

#define R COL_REQUIRED
#define N COL_NUMBER
static const struct kind_info kinds[BULK_KIND_COUNT] = {
    [BULK_PRACTITIONERS] = {"practitioners", "practitioner", "practitioner",
        {{"id", "id", N}, {"name", "name", R}, {"license", "license", R},
         {"credentials", "credentials", R}, {"email", "email", 0},
         {"npi", "npi", 0}, {"active", "active", N},
         {"synthetic", "synthetic", N}, {"created_at", "created_at", 0},
         {NULL, NULL, 0}}},
    [BULK_TRAINING] = {"training", "training", "training",
        {{"id", "id", N}, {"practitioner_id", "practitioner", R | N},
         {"protocol_id", "protocol", R}, {"hours", "hours", R | N},
         {"completed_on", "completed", R}, {"provider", "provider", 0},
         {"created_at", "created_at", 0}, {NULL, NULL, 0}}},
    [BULK_PATIENTS] = {"patients", "patient", "patient",
        {{"id", "id", N}, {"name", "name", R}, {"birth_date", "dob", R},
         {"sex", "sex", R}, {"zip", "zip", 0}, {"phone", "phone", 0},
         {"email", "email", 0}, {"consent_treatment", "consent_treatment", N},
         {"consent_research", "consent_research", N},
         {"created_by_practitioner", "created_by_practitioner", N},
         {"synthetic", "synthetic", N}, {"created_at", "created_at", 0},
         {NULL, NULL, 0}}},
    [BULK_REFERRALS] = {"referrals", "referral", "referral",
        {{"id", "id", N}, {"patient_id", "patient", R | N},
         {"physician_name", "physician", R},
         {"physician_specialty", "specialty", R},
         {"physician_npi", "npi", 0}, {"reason", "reason", R},
         {"icd10", "icd10", R}, {"referred_on", "date", R},
         {"created_at", "created_at", 0}, {NULL, NULL, 0}}},
    [BULK_EPISODES] = {"episodes", "episode", "episode",
        {{"id", "id", N}, {"patient_id", "patient", R | N},
         {"practitioner_id", "practitioner", R | N},
         {"protocol_id", "protocol", R}, {"icd10", "icd10", R},
         {"referral_id", "referral", N}, {"started_on", "start", R},
         {"ended_on", "end", 0},
         {"chronicity_weeks", "chronicity-weeks", N},
         {"comorbidities", "comorbidities", N},
         {"created_at", "created_at", 0}, {NULL, NULL, 0}}},
    [BULK_SESSIONS] = {"sessions", "session", "session",
        {{"id", "id", N}, {"episode_id", "episode", R | N},
         {"started_at", "start", R}, {"minutes", "minutes", R | N},
         {"phases", "phase", 0}, {"note", "note", 0},
         {"subjective", "subjective", 0}, {"objective", "objective", 0},
         {"assessment", "assessment", 0}, {"plan", "plan", 0},
         {"created_at", "created_at", 0}, {NULL, NULL, 0}}},
    [BULK_OBSERVATIONS] = {"observations", "observation", "observation",
        {{"id", "id", N}, {"episode_id", "episode", R | N},
         {"session_id", "session", N}, {"instrument", "instrument", R},
         {"timepoint", "timepoint", R}, {"observed_at", "at", R},
         {"items", "items", COL_JSON}, {"total", "total", N},
         {"created_at", "created_at", 0},
         {"value", "value", N | COL_INPUT}, {NULL, NULL, 0}}},
};
#undef R
#undef N

const char *bulk_kind_name(enum bulk_kind k)
{
    return kinds[k].name;
}

const char *bulk_kind_table(enum bulk_kind k)
{
    return kinds[k].table;
}

int bulk_kind_parse(const char *name, enum bulk_kind *out)
{
    for (int k = 0; name && k < BULK_KIND_COUNT; k++)
        if (!strcmp(name, kinds[k].name) || !strcmp(name, kinds[k].singular)) {
            *out = (enum bulk_kind)k;
            return 0;
        }
    return -1;
}

int bulk_column_count(enum bulk_kind k)
{
    int n = 0;
    while (n < BULK_MAX_COLUMNS && kinds[k].columns[n].name)
        n++;
    return n;
}

int bulk_export_column_count(enum bulk_kind k)
{
    int n = bulk_column_count(k);
    while (n > 0 && (kinds[k].columns[n - 1].flags & COL_INPUT))
        n--;
    return n;
}

const char *bulk_column_name(enum bulk_kind k, int i)
{
    return kinds[k].columns[i].name;
}

int bulk_column_index(enum bulk_kind k, const char *name)
{
    for (int i = 0; name && kinds[k].columns[i].name; i++)
        if (!strcmp(kinds[k].columns[i].name, name))
            return i;
    return -1;
}

int bulk_column_required(enum bulk_kind k, int i)
{
    return (kinds[k].columns[i].flags & COL_REQUIRED) != 0;
}

int bulk_column_is_json(enum bulk_kind k, int i)
{
    return (kinds[k].columns[i].flags & COL_JSON) != 0;
}

int bulk_column_is_number(enum bulk_kind k, int i)
{
    return (kinds[k].columns[i].flags & COL_NUMBER) != 0;
}

/* Renames e->field from the rule's name ("dob") to the column's. */
static void field_to_column(enum bulk_kind k, struct err *e)
{
    for (int i = 0; kinds[k].columns[i].name; i++)
        if (!strcmp(kinds[k].columns[i].field, e->field)) {
            snprintf(e->field, sizeof(e->field), "%s",
                     kinds[k].columns[i].name);
            return;
        }
}

/* ---- Caches of the records rows refer to -------------------------------- */

#define CACHE_BITS 12
#define SCOPE_CACHE_SIZE (1u << 16)
#define CACHE_SIZE (1u << CACHE_BITS)
#define CACHE_SLOT(id) ((size_t)((uint64_t)(id) & (CACHE_SIZE - 1)))

struct ref_practitioner {
    int64_t id;
    int active;
};
struct ref_patient {
    int64_t id;
    char birth_date[CLOCK_DATE_LEN];
};
struct ref_referral {
    int64_t id;
    int64_t patient_id;
    char referred_on[CLOCK_DATE_LEN];
};
struct ref_session {
    int64_t id;
    int64_t episode_id;
    char started_at[CLOCK_INSTANT_LEN];
};
/* A practitioner known to be within scope of a protocol. */
struct ref_scope {
    int64_t practitioner_id;
    const struct protocol *protocol;
};

struct bulk {
    struct store *s;
    const struct actor *caller;
    const struct catalog *catalog;
    char now[CLOCK_INSTANT_LEN];
    int fast;
    const char *audit_action;
    const char *audit_record_type; /* NULL: one entry per kind */
    void (*progress)(void *ctx, double fraction);
    void *progress_ctx;
    int broken;
    /* Outcome summaries: the episode being written now; the episodes
     * written to (a bitset by id, and their list), refreshed at commit. */
    struct summary_batch *summaries;
    int64_t current;
    int64_t episodes_before; /* in the registry when the batch began */
    unsigned char *touched_bits;
    size_t touched_bytes;
    int64_t *touched;
    size_t ntouched, alloc_touched; /* a write failed halfway: the batch may only roll back */
    /* 1 while the observation table's rows, in id order, are in episode
     * order: it was empty at the start and the batch has written rows of
     * rising ids and never an episode before the last one's. */
    int observations_by_id;
    int64_t last_observation_id, last_observation_episode;
    /* The summaries' feed (summary_feed_new): made at the first
     * observation when the table was empty at the start and the batch has
     * written no episode or session, started once the batch has touched
     * FEED_START_PERCENT of the episodes, dropped (feed_off) when the
     * batch leaves that shape. */
    int observations_empty;
    struct summary_feed *feed;
    int feed_started, feed_off;
    /* The settings to restore. */
    int64_t old_foreign_keys, old_synchronous, old_cache_size, old_checks,
        old_threads;
    int left_wal; /* the batch runs with a rollback journal (leave_wal()) */
    int64_t count[BULK_KIND_COUNT];
    int64_t max_id[BULK_KIND_COUNT]; /* ids above are free */
    struct stmt *insert[BULK_KIND_COUNT];
    struct stmt *exists[BULK_KIND_COUNT];
    struct stmt *insert_phase, *insert_finding;
    int observation_params[9];
    struct stmt *load_practitioner, *load_patient, *load_referral,
        *load_episode, *load_session;
    struct ref_practitioner practitioners[CACHE_SIZE];
    struct ref_patient patients[CACHE_SIZE];
    struct ref_referral referrals[CACHE_SIZE];
    struct episode *episodes; /* CACHE_SIZE */
    struct ref_session *sessions; /* CACHE_SIZE */
    struct ref_scope *scopes; /* SCOPE_CACHE_SIZE */
};

static const char *const insert_sql[BULK_KIND_COUNT] = {
    [BULK_PRACTITIONERS] =
        "INSERT INTO practitioner (id, name, license, credentials, email,"
        " npi, active, synthetic, created_at) VALUES (:id, :name, :license,"
        " :credentials, :email, :npi, :active, :synthetic, :created_at)",
    [BULK_TRAINING] =
        "INSERT INTO training (id, practitioner_id, protocol_id, hours,"
        " completed_on, provider, created_at) VALUES (:id, :practitioner,"
        " :protocol, :hours, :completed, :provider, :created_at)",
    [BULK_PATIENTS] =
        "INSERT INTO patient (id, name, birth_date, sex, zip, phone, email,"
        " consent_treatment, consent_research, created_by_practitioner,"
        " synthetic, created_at) VALUES (:id, :name, :dob, :sex, :zip,"
        " :phone, :email, :treatment, :research, :created_by, :synthetic,"
        " :created_at)",
    [BULK_REFERRALS] =
        "INSERT INTO referral (id, patient_id, physician_name,"
        " physician_specialty, physician_npi, reason, icd10, referred_on,"
        " created_at) VALUES (:id, :patient, :physician, :specialty, :npi,"
        " :reason, :icd10, :date, :created_at)",
    [BULK_EPISODES] =
        "INSERT INTO episode (id, patient_id, practitioner_id, protocol_id,"
        " icd10, referral_id, started_on, ended_on, chronicity_weeks,"
        " comorbidities, created_at) VALUES (:id, :patient, :practitioner,"
        " :protocol, :icd10, :referral, :start, :end, :chronicity,"
        " :comorbidities, :created_at)",
    [BULK_SESSIONS] =
        "INSERT INTO session (id, episode_id, started_at, minutes, note,"
        " subjective, objective, assessment, plan, created_at) VALUES (:id,"
        " :episode, :start, :minutes, :note, :subjective, :objective,"
        " :assessment, :plan, :created_at)",
    [BULK_OBSERVATIONS] =
        "INSERT INTO observation (id, episode_id, session_id, instrument,"
        " timepoint, observed_at, items, total, created_at) VALUES (:id,"
        " :episode, :session, :instrument, :timepoint, :at, :items, :total,"
        " :created_at)",
};

/*
 * A batch writes most of its pages once, not twice, with a rollback
 * journal: SQLite writes a page that lies past the file's end at the
 * start straight to the file (there is nothing to save of it) and saves
 * the old content of any other page it changes in the journal, once;
 * in WAL mode every page it changes goes to the log and is copied into
 * the file again by the checkpoint after the commit. The batch is still
 * one transaction (a hot journal is rolled back by the next connection,
 * as an uncommitted log is ignored). SQLite leaves WAL mode only for a
 * connection that is the database's only one: when another has it open
 * (the server) the batch runs in WAL mode, and readers go on reading
 * during it. A connection opened during the batch waits for it. The
 * journal is synced at every step (synchronous FULL) unless the batch
 * is fast; it is deleted at the commit (DELETE mode: its removal is the
 * commit, with nothing after it that can fail, where TRUNCATE and
 * PERSIST sync the journal once more after their commit point and could
 * report a committed batch as failed). The database is back in WAL mode
 * after the batch, or at the next store_open() when that fails.
 */
static int leave_wal(struct bulk *b, struct err *e)
{
    struct stmt *st = store_prepare(b->s, "PRAGMA journal_mode");
    int rc = stmt_step(st, e);
    int wal = rc == 1 && !strcmp(stmt_text(st, 0), "wal");
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (!wal)
        return 0;
    st = store_prepare(b->s, "PRAGMA journal_mode = DELETE");
    rc = stmt_step(st, e);
    b->left_wal = rc == 1 && !strcmp(stmt_text(st, 0), "delete");
    stmt_finalize(st);
    if (rc < 0) {
        /* Busy: another connection has the database open. */
        err_clear(e);
        return 0;
    }
    if (b->left_wal && !b->fast)
        return store_exec(b->s, "PRAGMA synchronous = FULL", e);
    return 0;
}

/* Restores what bulk_begin changed (outside any transaction). */
static void restore_settings(struct bulk *b)
{
    char sql[256];
    struct err ignored = ERR_INIT;
    if (b->left_wal)
        store_exec(b->s, "PRAGMA journal_mode = WAL", &ignored);
    err_clear(&ignored);
    snprintf(sql, sizeof(sql),
             "PRAGMA foreign_keys = %lld; PRAGMA synchronous = %lld;"
             " PRAGMA cache_size = %lld; PRAGMA ignore_check_constraints ="
             " %lld; PRAGMA threads = %lld",
             (long long)b->old_foreign_keys, (long long)b->old_synchronous,
             (long long)b->old_cache_size, (long long)b->old_checks,
             (long long)b->old_threads);
    store_exec(b->s, sql, &ignored);
}

static void bulk_free(struct bulk *b)
{
    for (int k = 0; k < BULK_KIND_COUNT; k++) {
        stmt_finalize(b->insert[k]);
        stmt_finalize(b->exists[k]);
    }
    stmt_finalize(b->insert_phase);
    stmt_finalize(b->insert_finding);
    stmt_finalize(b->load_practitioner);
    stmt_finalize(b->load_patient);
    stmt_finalize(b->load_referral);
    stmt_finalize(b->load_episode);
    stmt_finalize(b->load_session);
    free(b->episodes);
    free(b->sessions);
    free(b->scopes);
    free(b->touched);
    free(b->touched_bits);
    summary_batch_free(b->summaries);
    summary_feed_free(b->feed);
    free(b);
}

int bulk_begin(struct store *s, const struct actor *caller,
               const struct bulk_options *options, struct bulk **out,
               struct err *e)
{
    *out = NULL;
    if (access_manage(caller, "import records", e) < 0)
        return -1;
    struct bulk *b = xcalloc(1, sizeof(*b));
    b->s = s;
    b->caller = caller;
    b->catalog = scope_catalog(options ? options->catalog : NULL);
    b->fast = options && options->fast;
    if (options) {
        b->progress = options->progress;
        b->progress_ctx = options->progress_ctx;
    }
    b->audit_action = options && options->audit_action
                          ? options->audit_action
                          : "import";
    b->audit_record_type = options ? options->audit_record_type : NULL;
    b->episodes = xcalloc(CACHE_SIZE, sizeof(*b->episodes));
    b->sessions = xcalloc(CACHE_SIZE, sizeof(*b->sessions));
    b->scopes = xcalloc(SCOPE_CACHE_SIZE, sizeof(*b->scopes));
    record_now(b->now);
    b->old_foreign_keys = store_query_int(s, "PRAGMA foreign_keys");
    b->old_synchronous = store_query_int(s, "PRAGMA synchronous");
    b->old_cache_size = store_query_int(s, "PRAGMA cache_size");
    b->old_checks = store_query_int(s, "PRAGMA ignore_check_constraints");
    b->old_threads = store_query_int(s, "PRAGMA threads");
    /* Every reference is checked by the batch itself, from its caches,
     * and every value by the record's rules, which are stricter than the
     * schema's checks: the database need not check them again (SQLite
     * evaluates a check on a list of more than two values by building a
     * temporary b-tree for every row). SQLite's sorts (the rebuild of
     * the outcome summaries: their ORDER BY and index builds) may use a
     * second thread. */
    int rc = store_exec(s, "PRAGMA foreign_keys = OFF;"
                           " PRAGMA ignore_check_constraints = ON;"
                           " PRAGMA cache_size = -1048576;"
                           " PRAGMA threads = 2", e);
    if (rc == 0 && b->fast)
        rc = store_exec(s, "PRAGMA synchronous = OFF", e);
    if (rc == 0 && store_depth(s) == 0)
        rc = leave_wal(b, e);
    if (rc == 0)
        rc = store_begin(s, e);
    if (rc < 0) {
        restore_settings(b);
        bulk_free(b);
        return -1;
    }
    for (int k = 0; k < BULK_KIND_COUNT; k++) {
        char sql[96];
        snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0) FROM %s",
                 kinds[k].table);
        b->max_id[k] = store_query_int(s, sql);
    }
    b->episodes_before = store_query_int(s, "SELECT count(*) FROM episode");
    b->observations_by_id = b->max_id[BULK_OBSERVATIONS] == 0;
    b->observations_empty = b->observations_by_id;
    *out = b;
    return 0;
}

int64_t bulk_count(const struct bulk *b, enum bulk_kind k)
{
    return b->count[k];
}

int bulk_summaries_fed(const struct bulk *b)
{
    return b->feed && b->feed_started;
}

/* ---- Lookups ------------------------------------------------------------ */

/* record_copy without printf: the caches copy millions of fields. */
static void copy_text(char *dst, size_t n, const char *src)
{
    size_t len = src ? strlen(src) : 0;
    if (len >= n)
        len = n - 1;
    memcpy(dst, src ? src : "", len);
    dst[len] = '\0';
}

/* A miss on an episode or a session reads ahead: the rows with the next
 * READ_AHEAD ids come in one range scan, since files and generators go
 * through ids in order. */
#define READ_AHEAD 1024

/*
 * Makes sure the cache holds the what (a table's singular) with that id,
 * whose slot's id is *cached: on a miss, reads the rows with ids from id
 * to id + ahead - 1 with sql (column 0 the id, :from and :to the range),
 * each one given to fill, which stores it in its own slot. Returns 0, or
 * -1 with e filled: "no <what> <id>" (field) when there is none.
 */
static int cache_read(struct bulk *b, int64_t id, const char *field,
                      const char *what, const int64_t *cached,
                      struct stmt **slot, const char *sql, int64_t ahead,
                      void (*fill)(struct bulk *b, struct stmt *st),
                      struct err *e)
{
    if (id <= 0)
        return record_not_found(e, field, what, id);
    if (*cached == id)
        return 0;
    struct stmt *st = store_prepare_once(b->s, slot, sql);
    stmt_bind_int(st, ":from", id);
    stmt_bind_int(st, ":to", id + ahead);
    int rc;
    while ((rc = stmt_step(st, e)) == 1)
        fill(b, st);
    if (rc < 0)
        return -1;
    if (*cached != id)
        return record_not_found(e, field, what, id);
    return 0;
}

#define BY_RANGE " WHERE id >= :from AND id < :to"

static void fill_practitioner(struct bulk *b, struct stmt *st)
{
    int64_t id = stmt_int(st, 0);
    struct ref_practitioner *c = &b->practitioners[CACHE_SLOT(id)];
    c->id = id;
    c->active = (int)stmt_int(st, 1);
}

static int find_practitioner(struct bulk *b, int64_t id, const char *field,
                             struct ref_practitioner **out, struct err *e)
{
    *out = &b->practitioners[CACHE_SLOT(id)];
    return cache_read(b, id, field, "practitioner", &(*out)->id,
                      &b->load_practitioner,
                      "SELECT id, active FROM practitioner" BY_RANGE, 1,
                      fill_practitioner, e);
}

static void fill_patient(struct bulk *b, struct stmt *st)
{
    int64_t id = stmt_int(st, 0);
    struct ref_patient *c = &b->patients[CACHE_SLOT(id)];
    c->id = id;
    copy_text(c->birth_date, sizeof(c->birth_date), stmt_text(st, 1));
}

static int find_patient(struct bulk *b, int64_t id, const char *field,
                        struct ref_patient **out, struct err *e)
{
    *out = &b->patients[CACHE_SLOT(id)];
    return cache_read(b, id, field, "patient", &(*out)->id, &b->load_patient,
                      "SELECT id, birth_date FROM patient" BY_RANGE, 1,
                      fill_patient, e);
}

static void fill_referral(struct bulk *b, struct stmt *st)
{
    int64_t id = stmt_int(st, 0);
    struct ref_referral *c = &b->referrals[CACHE_SLOT(id)];
    c->id = id;
    c->patient_id = stmt_int(st, 1);
    copy_text(c->referred_on, sizeof(c->referred_on), stmt_text(st, 2));
}

static int find_referral(struct bulk *b, int64_t id, const char *field,
                         struct ref_referral **out, struct err *e)
{
    *out = &b->referrals[CACHE_SLOT(id)];
    return cache_read(b, id, field, "referral", &(*out)->id,
                      &b->load_referral,
                      "SELECT id, patient_id, referred_on FROM referral"
                      BY_RANGE, 1, fill_referral, e);
}

/* The episode's own fields (no names, no session count). */
static void fill_episode(struct bulk *b, struct stmt *st)
{
    int64_t id = stmt_int(st, 0);
    struct episode *c = &b->episodes[CACHE_SLOT(id)];
    c->id = id;
    c->patient_id = stmt_int(st, 1);
    c->practitioner_id = stmt_int(st, 2);
    copy_text(c->protocol_id, sizeof(c->protocol_id), stmt_text(st, 3));
    copy_text(c->started_on, sizeof(c->started_on), stmt_text(st, 4));
    copy_text(c->ended_on, sizeof(c->ended_on), stmt_text(st, 5));
}

static int find_episode(struct bulk *b, int64_t id, const char *field,
                        struct episode **out, struct err *e)
{
    *out = &b->episodes[CACHE_SLOT(id)];
    return cache_read(b, id, field, "episode", &(*out)->id, &b->load_episode,
                      "SELECT id, patient_id, practitioner_id, protocol_id,"
                      " started_on, ended_on FROM episode" BY_RANGE,
                      READ_AHEAD, fill_episode, e);
}

static void fill_session(struct bulk *b, struct stmt *st)
{
    int64_t id = stmt_int(st, 0);
    struct ref_session *c = &b->sessions[CACHE_SLOT(id)];
    c->id = id;
    c->episode_id = stmt_int(st, 1);
    copy_text(c->started_at, sizeof(c->started_at), stmt_text(st, 2));
}

static int find_session(struct bulk *b, int64_t id, const char *field,
                        struct ref_session **out, struct err *e)
{
    *out = &b->sessions[CACHE_SLOT(id)];
    return cache_read(b, id, field, "session", &(*out)->id, &b->load_session,
                      "SELECT id, episode_id, started_at FROM session"
                      BY_RANGE, READ_AHEAD, fill_session, e);
}

/* scope_check, remembering who is within scope of what for the batch
 * (training only grows within a batch, so a "yes" stays true). */
static int check_scope(struct bulk *b, int64_t practitioner_id,
                       const struct protocol *p, struct err *e)
{
    uint64_t h = (uint64_t)practitioner_id * 0x9e3779b97f4a7c15u ^
                 (uint64_t)(uintptr_t)p;
    struct ref_scope *r = &b->scopes[(h >> 32) & (SCOPE_CACHE_SIZE - 1)];
    if (r->practitioner_id == practitioner_id && r->protocol == p)
        return 0;
    if (scope_check(b->s, b->catalog, practitioner_id, p, NULL, e) < 0)
        return -1;
    r->practitioner_id = practitioner_id;
    r->protocol = p;
    return 0;
}

/* ---- Writing ------------------------------------------------------------ */

/*
 * Outcome summaries (record/summary.h) follow the rows: the batch notes
 * every episode it writes to, and its commit brings their summaries up to
 * date, one episode at a time, or, when the batch touched a large share of
 * the registry (REBUILD_SHARE_PERCENT), every summary again in three
 * ordered scans (summary_batch_rebuild), which costs about as much as
 * REBUILD_SHARE_PERCENT of the episodes one at a time.
 */
#define REBUILD_SHARE_PERCENT 40
/*
 * A batch that is bound to rebuild them all (observations only, in
 * episode order, into an empty table: an import of a registry's
 * observations) computes them on a thread while it writes, from the rows
 * it writes (summary_feed_new): the rows are kept from the first, and the
 * thread starts, reading every episode and session first, once the batch
 * has touched FEED_START_PERCENT of the episodes. A batch that stops
 * short of REBUILD_SHARE_PERCENT then wastes that read (a fraction of
 * what its rows cost), and one that leaves the shape drops the feed and
 * rebuilds at commit as before.
 */
#define FEED_START_PERCENT 10
#define TOUCHED_BITSET_MAX_ID ((int64_t)1 << 27) /* a 16 MiB bitset at most */

static void note_touched(struct bulk *b, int64_t episode_id)
{
    if (episode_id < TOUCHED_BITSET_MAX_ID) {
        size_t byte = (size_t)(episode_id >> 3);
        unsigned char bit = (unsigned char)(1u << (episode_id & 7));
        size_t had = b->touched_bytes;
        ALLOC_GROW(b->touched_bits, byte + 1, b->touched_bytes);
        memset(b->touched_bits + had, 0, b->touched_bytes - had);
        if (b->touched_bits[byte] & bit)
            return;
        b->touched_bits[byte] |= bit;
    }
    ALLOC_GROW(b->touched, b->ntouched + 1, b->alloc_touched);
    b->touched[b->ntouched++] = episode_id;
}

/* The batch's summary writer, in bulk mode (record/summary.h), made on
 * first use. */
static int summaries_of(struct bulk *b, struct err *e)
{
    if (b->summaries)
        return 0;
    b->summaries = summary_batch_new(b->s);
    if (summary_batch_begin_bulk(b->summaries, e) < 0) {
        b->broken = 1;
        return -1;
    }
    return 0;
}

/* The batch leaves the shape a feed needs: no feed from now on. */
static void feed_stop(struct bulk *b)
{
    summary_feed_free(b->feed);
    b->feed = NULL;
    b->feed_started = 0;
    b->feed_off = 1;
}

/* Observation id of episode in (row: its fields) was written: fed. */
static void feed_observation(struct bulk *b, int64_t id,
                             const struct observation_new *in,
                             const struct bulk_observation_row *row)
{
    if (b->feed_off)
        return;
    if (!b->feed) {
        if (!b->observations_empty || b->count[BULK_EPISODES] ||
            b->count[BULK_SESSIONS] || b->episodes_before == 0) {
            b->feed_off = 1;
            return;
        }
        b->feed = summary_feed_new();
    }
    if (!b->observations_by_id ||
        summary_feed_add(b->feed, in->episode_id, in->session_id,
                         in->instrument, in->timepoint, row->observed_at,
                         row->total, id) < 0)
        feed_stop(b);
}

/* A row of episode_id was written. */
static void touch(struct bulk *b, int64_t episode_id)
{
    if (episode_id == b->current)
        return;
    b->current = episode_id;
    note_touched(b, episode_id);
    if (b->feed && !b->feed_started &&
        (int64_t)b->ntouched * 100 >=
            b->episodes_before * FEED_START_PERCENT) {
        struct err ignored = ERR_INIT;
        if (summary_feed_start(b->feed, b->s, &ignored) < 0)
            feed_stop(b);
        else
            b->feed_started = 1;
    }
}

static int compare_ids(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, c = *(const int64_t *)y;
    return a < c ? -1 : a > c;
}

/* At commit: the episode written last, then those written out of order. */
static int refresh_summaries(struct bulk *b, struct err *e)
{
    b->current = 0;
    if (!b->ntouched)
        return 0;
    if (summaries_of(b, e) < 0)
        return -1;
    qsort(b->touched, b->ntouched, sizeof(*b->touched), compare_ids);
    size_t unique = 0;
    for (size_t i = 0; i < b->ntouched; i++)
        if (!unique || b->touched[i] != b->touched[unique - 1])
            b->touched[unique++] = b->touched[i];
    int64_t episodes = b->episodes_before + b->count[BULK_EPISODES];
    if ((int64_t)unique * 100 >= episodes * REBUILD_SHARE_PERCENT) {
        if (b->feed) {
            int rc = summary_batch_rebuild_fed(b->summaries, b->feed,
                                               &episodes, e);
            if (rc <= 0)
                return rc;
        }
        return summary_batch_rebuild(b->summaries, b->observations_by_id,
                                     b->progress, b->progress_ctx, &episodes,
                                     e);
    }
    feed_stop(b);
    for (size_t i = 0; i < unique; i++) {
        if (summary_batch_refresh(b->summaries, b->touched[i], e) < 0)
            return -1;
        if (b->progress && (i & 4095) == 0)
            b->progress(b->progress_ctx, (double)i / (double)unique);
    }
    return 0;
}

/* Refuses an id already taken; 0 (let the database choose) passes. */
static int check_id(struct bulk *b, enum bulk_kind k, int64_t id,
                    struct err *e)
{
    if (id < 0)
        return err_set(e, ERR_INPUT, "id", "'%lld' is not a record id",
                       (long long)id);
    if (id == 0 || id > b->max_id[k])
        return 0;
    char sql[80];
    snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id = :id",
             kinds[k].table);
    struct stmt *st = store_prepare_once(b->s, &b->exists[k], sql);
    stmt_bind_int(st, ":id", id);
    int rc = stmt_step(st, e);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return err_set(e, ERR_CONFLICT, "id", "%s %lld already exists",
                       kinds[k].singular, (long long)id);
    return 0;
}

/* The created_at of a row: given (an instant not in the future,
 * normalised) or the batch's start. */
static int created_at_of(struct bulk *b, const char *given,
                         char out[CLOCK_INSTANT_LEN], struct err *e)
{
    if (!given) {
        memcpy(out, b->now, CLOCK_INSTANT_LEN);
        return 0;
    }
    return validate_past_instant(given, "created_at", out, e);
}

static struct stmt *insert_of(struct bulk *b, enum bulk_kind k, int64_t id,
                              const char *created_at)
{
    struct stmt *st = store_prepare_once(b->s, &b->insert[k], insert_sql[k]);
    record_bind_id(st, ":id", id);
    stmt_bind_text(st, ":created_at", created_at);
    return st;
}

/* Steps the main insert of a row; the row's id into *id. */
static int insert_row(struct bulk *b, enum bulk_kind k, struct stmt *st,
                      int64_t *id, struct err *e)
{
    if (stmt_step(st, e) < 0) {
        /* Nothing was written: the statement failed as a whole. */
        return -1;
    }
    *id = store_last_id(b->s);
    if (*id > b->max_id[k])
        b->max_id[k] = *id;
    b->count[k]++;
    return 0;
}

int bulk_add_practitioner(struct bulk *b, int64_t id,
                          const struct practitioner_new *in, int active,
                          const char *created_at, int64_t *out_id,
                          struct err *e)
{
    char created[CLOCK_INSTANT_LEN];
    if (practitioner_validate(in, e) < 0 ||
        created_at_of(b, created_at, created, e) < 0 ||
        check_id(b, BULK_PRACTITIONERS, id, e) < 0)
        return -1;
    struct stmt *st = insert_of(b, BULK_PRACTITIONERS, id, created);
    practitioner_bind(st, in);
    stmt_bind_int(st, ":active", active != 0);
    int64_t new_id;
    if (insert_row(b, BULK_PRACTITIONERS, st, &new_id, e) < 0)
        return -1;
    struct ref_practitioner *r = &b->practitioners[CACHE_SLOT(new_id)];
    r->id = new_id;
    r->active = active != 0;
    if (out_id)
        *out_id = new_id;
    return 0;
}

int bulk_add_training(struct bulk *b, int64_t id,
                      const struct training_new *in, const char *created_at,
                      int64_t *out_id, struct err *e)
{
    char created[CLOCK_INSTANT_LEN];
    struct ref_practitioner *pr;
    struct training_new t = *in;
    t.catalog = b->catalog;
    if (training_validate(&t, e) < 0 ||
        created_at_of(b, created_at, created, e) < 0 ||
        check_id(b, BULK_TRAINING, id, e) < 0 ||
        find_practitioner(b, in->practitioner_id, "practitioner", &pr, e) <
            0)
        return -1;
    struct stmt *st = insert_of(b, BULK_TRAINING, id, created);
    training_bind(st, in);
    int64_t new_id;
    if (insert_row(b, BULK_TRAINING, st, &new_id, e) < 0)
        return -1;
    if (out_id)
        *out_id = new_id;
    return 0;
}

int bulk_add_patient(struct bulk *b, int64_t id, const struct patient_new *in,
                     int64_t created_by, const char *created_at,
                     int64_t *out_id, struct err *e)
{
    char created[CLOCK_INSTANT_LEN];
    if (patient_validate(in, e) < 0 ||
        created_at_of(b, created_at, created, e) < 0 ||
        check_id(b, BULK_PATIENTS, id, e) < 0)
        return -1;
    if (created_by < 0)
        return err_set(e, ERR_INPUT, "created_by_practitioner",
                       "'%lld' is not a record id", (long long)created_by);
    struct ref_practitioner *pr;
    if (created_by > 0 &&
        find_practitioner(b, created_by, "created_by_practitioner", &pr, e) <
            0)
        return -1;
    struct stmt *st = insert_of(b, BULK_PATIENTS, id, created);
    patient_bind(st, in, created_by);
    int64_t new_id;
    if (insert_row(b, BULK_PATIENTS, st, &new_id, e) < 0)
        return -1;
    struct ref_patient *r = &b->patients[CACHE_SLOT(new_id)];
    r->id = new_id;
    record_copy(r->birth_date, sizeof(r->birth_date), in->birth_date);
    if (out_id)
        *out_id = new_id;
    return 0;
}

int bulk_add_referral(struct bulk *b, int64_t id,
                      const struct referral_new *in, const char *created_at,
                      int64_t *out_id, struct err *e)
{
    char created[CLOCK_INSTANT_LEN];
    struct ref_patient *p;
    if (referral_validate(in, e) < 0 ||
        created_at_of(b, created_at, created, e) < 0 ||
        check_id(b, BULK_REFERRALS, id, e) < 0 ||
        find_patient(b, in->patient_id, "patient", &p, e) < 0 ||
        referral_check_patient(in, p->birth_date, e) < 0)
        return -1;
    struct stmt *st = insert_of(b, BULK_REFERRALS, id, created);
    referral_bind(st, in);
    int64_t new_id;
    if (insert_row(b, BULK_REFERRALS, st, &new_id, e) < 0)
        return -1;
    struct ref_referral *r = &b->referrals[CACHE_SLOT(new_id)];
    r->id = new_id;
    r->patient_id = in->patient_id;
    record_copy(r->referred_on, sizeof(r->referred_on), in->referred_on);
    if (out_id)
        *out_id = new_id;
    return 0;
}

int bulk_add_episode(struct bulk *b, int64_t id, const struct episode_new *in,
                     const char *ended_on, const char *created_at,
                     int64_t *out_id, struct err *e)
{
    char created[CLOCK_INSTANT_LEN];
    struct episode_new en = *in;
    en.catalog = b->catalog;
    struct ref_patient *p;
    struct ref_practitioner *pr;
    struct ref_referral *r = NULL;
    if (episode_validate(&en, e) < 0 ||
        created_at_of(b, created_at, created, e) < 0 ||
        check_id(b, BULK_EPISODES, id, e) < 0 ||
        find_patient(b, in->patient_id, "patient", &p, e) < 0 ||
        find_practitioner(b, in->practitioner_id, "practitioner", &pr, e) <
            0)
        return -1;
    /* As episode_check: the referral is looked up only when the earlier
     * checks pass, so the first problem is the one reported. */
    if (in->referral_id > 0 && pr->active &&
        strcmp(in->started_on, p->birth_date) >= 0 &&
        find_referral(b, in->referral_id, "referral", &r, e) < 0)
        return -1;
    if (episode_check_records(&en, p->birth_date, pr->active,
                              r ? r->patient_id : 0,
                              r ? r->referred_on : "", e) < 0)
        return -1;
    if (ended_on && episode_end_validate(ended_on, in->started_on, e) < 0)
        return -1;
    const struct protocol *proto =
        scope_protocol(b->catalog, in->protocol_id, "protocol", e);
    if (!proto || check_scope(b, in->practitioner_id, proto, e) < 0)
        return -1;
    struct stmt *st = insert_of(b, BULK_EPISODES, id, created);
    episode_bind(st, in);
    stmt_bind_text(st, ":end", ended_on);
    int64_t new_id;
    if (insert_row(b, BULK_EPISODES, st, &new_id, e) < 0)
        return -1;
    struct episode *c = &b->episodes[CACHE_SLOT(new_id)];
    memset(c, 0, sizeof(*c));
    c->id = new_id;
    c->patient_id = in->patient_id;
    c->practitioner_id = in->practitioner_id;
    record_copy(c->protocol_id, sizeof(c->protocol_id), in->protocol_id);
    record_copy(c->started_on, sizeof(c->started_on), in->started_on);
    record_copy(c->ended_on, sizeof(c->ended_on), ended_on);
    if (b->feed)
        feed_stop(b);
    touch(b, new_id);
    if (out_id)
        *out_id = new_id;
    return 0;
}

int bulk_add_session(struct bulk *b, int64_t id, const struct session_new *in,
                     const char *created_at, int64_t *out_id, struct err *e)
{
    char created[CLOCK_INSTANT_LEN], started_at[CLOCK_INSTANT_LEN];
    struct session_new sn = *in;
    sn.catalog = b->catalog;
    struct episode *ep;
    const struct protocol *p;
    if (session_validate(&sn, started_at, e) < 0 ||
        created_at_of(b, created_at, created, e) < 0 ||
        check_id(b, BULK_SESSIONS, id, e) < 0 ||
        find_episode(b, in->episode_id, "episode", &ep, e) < 0 ||
        session_check_episode(&sn, started_at, ep, 1, &p, e) < 0 ||
        check_scope(b, ep->practitioner_id, p, e) < 0)
        return -1;
    struct stmt *st = insert_of(b, BULK_SESSIONS, id, created);
    session_bind(st, in, started_at);
    int64_t new_id;
    if (insert_row(b, BULK_SESSIONS, st, &new_id, e) < 0)
        return -1;
    /* From here a failure cannot be undone row by row. */
    struct stmt *phase =
        store_prepare_once(b->s, &b->insert_phase, SESSION_PHASE_INSERT);
    struct stmt *finding =
        store_prepare_once(b->s, &b->insert_finding, SESSION_FINDING_INSERT);
    if (session_insert_parts(phase, finding, new_id, &sn, p, e) < 0) {
        b->broken = 1;
        return -1;
    }
    struct ref_session *r = &b->sessions[CACHE_SLOT(new_id)];
    r->id = new_id;
    r->episode_id = in->episode_id;
    memcpy(r->started_at, started_at, sizeof(r->started_at));
    if (b->feed)
        feed_stop(b);
    touch(b, in->episode_id);
    if (out_id)
        *out_id = new_id;
    return 0;
}

/* The fields alone (no database): the scoring rule's total, which must
 * agree with a total the input carried, and the normalised instants. */
static int observation_fields(const struct observation_new *in,
                              const double *total_given,
                              const char *created_at,
                              struct bulk_observation_row *row,
                              struct err *e)
{
    if (observation_validate(in, row->observed_at, &row->total, e) < 0)
        return -1;
    if (total_given && !(fabs(*total_given - row->total) <=
                         1e-9 * fmax(1.0, fabs(row->total))))
        return err_set(e, ERR_INPUT, "total",
                       "%.17g given, but the scoring rule of %s gives %.17g "
                       "(totals are computed, never taken from input)",
                       *total_given, in->instrument, row->total);
    row->created_at[0] = '\0';
    if (created_at && validate_past_instant(created_at, "created_at",
                                            row->created_at, e) < 0)
        return -1;
    return 0;
}

/* The row against the database, then written. */
static int observation_store(struct bulk *b, int64_t id,
                             const struct observation_new *in,
                             const struct bulk_observation_row *row,
                             const char *items, int64_t *out_id,
                             struct err *e)
{
    struct episode *ep;
    if (check_id(b, BULK_OBSERVATIONS, id, e) < 0 ||
        find_episode(b, in->episode_id, "episode", &ep, e) < 0 ||
        observation_check_episode(in, row->observed_at, ep, 1, e) < 0)
        return -1;
    if (in->session_id) {
        struct ref_session *se = NULL;
        if (find_session(b, in->session_id, "session", &se, e) < 0 ||
            observation_check_session(in, row->observed_at, se->episode_id,
                                      se->started_at, e) < 0)
            return -1;
    }
    /* The hottest statement of all: parameters bound by index, text not
     * copied (all of it lives until the step). */
    struct stmt *st = b->insert[BULK_OBSERVATIONS];
    int *at = b->observation_params;
    if (!st) {
        static const char *const names[] = {
            ":id", ":episode", ":session", ":instrument", ":timepoint",
            ":at", ":items", ":total", ":created_at",
        };
        st = b->insert[BULK_OBSERVATIONS] =
            store_prepare(b->s, insert_sql[BULK_OBSERVATIONS]);
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
            at[i] = stmt_param_index(st, names[i]);
    } else {
        stmt_rewind(st);
    }
    if (id > 0)
        stmt_bind_int_at(st, at[0], id);
    else
        stmt_bind_null_at(st, at[0]);
    stmt_bind_int_at(st, at[1], in->episode_id);
    if (in->session_id > 0)
        stmt_bind_int_at(st, at[2], in->session_id);
    else
        stmt_bind_null_at(st, at[2]);
    stmt_bind_text_at(st, at[3], in->instrument);
    stmt_bind_text_at(st, at[4], in->timepoint);
    stmt_bind_text_at(st, at[5], row->observed_at);
    stmt_bind_text_at(st, at[6], items);
    stmt_bind_double_at(st, at[7], row->total);
    stmt_bind_text_at(st, at[8],
                      row->created_at[0] ? row->created_at : b->now);
    if (stmt_step(st, e) < 0)
        return -1;
    int64_t new_id = store_last_id(b->s);
    if (new_id > b->max_id[BULK_OBSERVATIONS])
        b->max_id[BULK_OBSERVATIONS] = new_id;
    b->count[BULK_OBSERVATIONS]++;
    if (new_id <= b->last_observation_id ||
        in->episode_id < b->last_observation_episode)
        b->observations_by_id = 0;
    b->last_observation_id = new_id;
    b->last_observation_episode = in->episode_id;
    feed_observation(b, new_id, in, row);
    touch(b, in->episode_id);
    if (out_id)
        *out_id = new_id;
    return 0;
}

int bulk_add_observation(struct bulk *b, int64_t id,
                         const struct observation_new *in,
                         const double *total_given, const char *created_at,
                         int64_t *out_id, struct err *e)
{
    struct bulk_observation_row row;
    if (observation_fields(in, total_given, created_at, &row, e) < 0)
        return -1;
    char *items = in->item_count
                      ? observation_items_json(in->items, in->item_count)
                      : NULL;
    int rc = observation_store(b, id, in, &row, items, out_id, e);
    free(items);
    return rc;
}

/* ---- Rows as text -------------------------------------------------------- */

/* An optional record id: NULL is 0. */
static int parse_id(const char *text, const char *column, int64_t *out,
                    struct err *e)
{
    *out = 0;
    if (!text)
        return 0;
    long long v;
    if (parse_integer(text, 1, INT64_MAX, &v) < 0)
        return err_set(e, ERR_INPUT, column, "'%.32s' is not a record id",
                       text);
    *out = v;
    return 0;
}

/* An optional whole number in [lo, hi]; NULL leaves *out as it was. */
static int parse_long(const char *text, const char *column, long lo,
                      long hi, long *out, struct err *e)
{
    if (!text)
        return 0;
    long long v;
    int rc = parse_integer(text, lo, hi, &v);
    if (rc == NUMBER_OUT_OF_RANGE)
        return err_set(e, ERR_INPUT, column,
                       "%.32s is out of range (%ld to %ld)", text, lo, hi);
    if (rc < 0)
        return err_set(e, ERR_INPUT, column, "'%.32s' is not a whole number",
                       text);
    *out = (long)v;
    return 0;
}

/* 0/1 or false/true; NULL leaves *out as it was. */
static int parse_bool(const char *text, const char *column, int *out,
                      struct err *e)
{
    if (!text)
        return 0;
    if (!strcmp(text, "1") || !strcmp(text, "true"))
        *out = 1;
    else if (!strcmp(text, "0") || !strcmp(text, "false"))
        *out = 0;
    else
        return err_set(e, ERR_INPUT, column, "'%.32s' is not 0 or 1", text);
    return 0;
}

static int parse_real(const char *text, const char *column, double *out,
                      struct err *e)
{
    double v;
    if (parse_decimal(text, &v) < 0)
        return err_set(e, ERR_INPUT, column, "'%.32s' is not a number", text);
    *out = v;
    return 0;
}

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* A JSON array of numbers and nulls ("[3, 4, null]") into items (NAN for
 * null), at most max. */
static int parse_items(const char *text, double *items, size_t max,
                       size_t *count, struct err *e)
{
    const char *p = skip_space(text);
    size_t n = 0;
    if (*p != '[')
        goto bad;
    p = skip_space(p + 1);
    if (*p == ']') {
        p++;
    } else {
        for (;;) {
            if (n == max)
                return err_set(e, ERR_INPUT, "items", "more than %zu items",
                               max);
            if (!strncmp(p, "null", 4)) {
                items[n++] = NAN;
                p += 4;
            } else {
                /* The number runs to the next separator; all of it must
                 * be plain decimal text. */
                size_t len = strcspn(p, ",] \t\n\r");
                char number[64];
                double v;
                if (len == 0 || len >= sizeof(number))
                    goto bad;
                memcpy(number, p, len);
                number[len] = '\0';
                if (parse_decimal(number, &v) < 0)
                    goto bad;
                items[n++] = v;
                p += len;
            }
            p = skip_space(p);
            if (*p == ',') {
                p = skip_space(p + 1);
                continue;
            }
            if (*p == ']') {
                p++;
                break;
            }
            goto bad;
        }
    }
    if (*skip_space(p))
        goto bad;
    *count = n;
    return 0;
bad:
    return err_set(e, ERR_INPUT, "items",
                   "'%.64s' is not a JSON array of numbers and nulls", text);
}

static int row_practitioner(struct bulk *b, const char *const *v,
                            int64_t *out_id, struct err *e)
{
    int64_t id;
    int active = 1, synthetic = 0;
    if (parse_id(v[0], "id", &id, e) < 0 ||
        parse_bool(v[6], "active", &active, e) < 0 ||
        parse_bool(v[7], "synthetic", &synthetic, e) < 0)
        return -1;
    struct practitioner_new in = {
        .name = v[1], .license = v[2], .credentials = v[3], .email = v[4],
        .npi = v[5], .synthetic = synthetic,
    };
    return bulk_add_practitioner(b, id, &in, active, v[8], out_id, e);
}

static int row_training(struct bulk *b, const char *const *v,
                        int64_t *out_id, struct err *e)
{
    struct training_new in = {
        .protocol_id = v[2], .completed_on = v[4], .provider = v[5],
    };
    int64_t id;
    if (parse_id(v[0], "id", &id, e) < 0 ||
        parse_id(v[1], "practitioner_id", &in.practitioner_id, e) < 0)
        return -1;
    if (!v[3])
        return err_set(e, ERR_INPUT, "hours", "missing");
    if (parse_real(v[3], "hours", &in.hours, e) < 0)
        return -1;
    return bulk_add_training(b, id, &in, v[6], out_id, e);
}

static int row_patient(struct bulk *b, const char *const *v, int64_t *out_id,
                       struct err *e)
{
    int64_t id, created_by;
    struct patient_new in = {
        .name = v[1], .birth_date = v[2], .sex = v[3], .zip = v[4],
        .phone = v[5], .email = v[6],
    };
    if (parse_id(v[0], "id", &id, e) < 0 ||
        parse_bool(v[7], "consent_treatment", &in.consent_treatment, e) < 0 ||
        parse_bool(v[8], "consent_research", &in.consent_research, e) < 0 ||
        parse_id(v[9], "created_by_practitioner", &created_by, e) < 0 ||
        parse_bool(v[10], "synthetic", &in.synthetic, e) < 0)
        return -1;
    return bulk_add_patient(b, id, &in, created_by, v[11], out_id, e);
}

static int row_referral(struct bulk *b, const char *const *v,
                        int64_t *out_id, struct err *e)
{
    int64_t id;
    struct referral_new in = {
        .physician_name = v[2], .physician_specialty = v[3],
        .physician_npi = v[4], .reason = v[5], .icd10 = v[6],
        .referred_on = v[7],
    };
    if (parse_id(v[0], "id", &id, e) < 0 ||
        parse_id(v[1], "patient_id", &in.patient_id, e) < 0)
        return -1;
    return bulk_add_referral(b, id, &in, v[8], out_id, e);
}

static int row_episode(struct bulk *b, const char *const *v, int64_t *out_id,
                       struct err *e)
{
    int64_t id;
    struct episode_new in = {
        .protocol_id = v[3], .icd10 = v[4], .started_on = v[6],
        .chronicity_weeks = -1, .comorbidities = -1,
    };
    if (parse_id(v[0], "id", &id, e) < 0 ||
        parse_id(v[1], "patient_id", &in.patient_id, e) < 0 ||
        parse_id(v[2], "practitioner_id", &in.practitioner_id, e) < 0 ||
        parse_id(v[5], "referral_id", &in.referral_id, e) < 0 ||
        parse_long(v[8], "chronicity_weeks", 0, EPISODE_CHRONICITY_MAX,
                   &in.chronicity_weeks, e) < 0 ||
        parse_long(v[9], "comorbidities", 0, EPISODE_COMORBIDITIES_MAX,
                   &in.comorbidities, e) < 0)
        return -1;
    return bulk_add_episode(b, id, &in, v[7], v[10], out_id, e);
}

static int row_session(struct bulk *b, const char *const *v, int64_t *out_id,
                       struct err *e)
{
    int64_t id;
    struct session_phase phases[SESSION_PHASES_MAX];
    struct session_new in = {
        .started_at = v[2], .minutes = 0, .phases = phases, .note = v[5],
        .subjective = v[6], .objective = v[7], .assessment = v[8],
        .plan = v[9],
    };
    if (parse_id(v[0], "id", &id, e) < 0 ||
        parse_id(v[1], "episode_id", &in.episode_id, e) < 0)
        return -1;
    if (!v[3])
        return err_set(e, ERR_INPUT, "minutes", "missing");
    if (parse_long(v[3], "minutes", 1, SESSION_MINUTES_MAX, &in.minutes, e) <
        0)
        return -1;
    /* "NAME:MINUTES;NAME:MINUTES", each as --phase takes it. */
    for (const char *p = v[4]; p && *p;) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        if (in.phase_count == SESSION_PHASES_MAX)
            return err_set(e, ERR_INPUT, "phases", "more than %d phases",
                           SESSION_PHASES_MAX);
        char one[RECORD_CODE_MAX + 16];
        if (len >= sizeof(one))
            return err_set(e, ERR_INPUT, "phases",
                           "'%.64s' is not NAME:MINUTES", p);
        memcpy(one, p, len);
        one[len] = '\0';
        if (session_phase_parse(one, &phases[in.phase_count], e) < 0) {
            snprintf(e->field, sizeof(e->field), "phases");
            return -1;
        }
        in.phase_count++;
        if (!semi)
            break;
        p = semi + 1;
    }
    return bulk_add_session(b, id, &in, v[10], out_id, e);
}

int bulk_observation_prepare(const char *const *v,
                             struct bulk_observation_row *row, struct err *e)
{
    memset(row, 0, offsetof(struct bulk_observation_row, items));
    struct observation_new *in = &row->in;
    in->items = row->items;
    double total;
    if (parse_id(v[0], "id", &row->id, e) < 0 ||
        parse_id(v[1], "episode_id", &in->episode_id, e) < 0 ||
        parse_id(v[2], "session_id", &in->session_id, e) < 0)
        goto fail;
    /* The text fields are kept in the row, which then stands alone. */
    if (v[3] && strlen(v[3]) < sizeof(row->instrument)) {
        memcpy(row->instrument, v[3], strlen(v[3]) + 1);
        in->instrument = row->instrument;
    } else {
        in->instrument = v[3];
    }
    if (v[4] && strlen(v[4]) < sizeof(row->timepoint)) {
        memcpy(row->timepoint, v[4], strlen(v[4]) + 1);
        in->timepoint = row->timepoint;
    } else {
        in->timepoint = v[4];
    }
    in->observed_at = v[5];
    if (v[6] && parse_items(v[6], row->items, OBSERVATION_ITEMS_MAX,
                            &in->item_count, e) < 0)
        goto fail;
    if (v[6] && in->item_count == 0) {
        err_set(e, ERR_INPUT, "items", "an empty list");
        goto fail;
    }
    if (v[9]) {
        if (parse_real(v[9], "value", &in->value, e) < 0)
            goto fail;
        in->has_value = 1;
    }
    if (v[7] && parse_real(v[7], "total", &total, e) < 0)
        goto fail;
    if (!v[6] && !v[9] && v[7]) {
        /* A single-value instrument's total is its value, checked by the
         * scoring rule like any value; other instruments are scored from
         * their items only. */
        const struct instrument *ins = instrument_find(in->instrument);
        if (ins && !instrument_accepts_value(ins)) {
            err_set(e, ERR_INPUT, "items",
                    "missing: %s is scored from its item responses, a total "
                    "alone is not taken",
                    ins->code);
            goto fail;
        }
        in->value = total;
        in->has_value = 1;
    }
    if (observation_fields(in, v[7] ? &total : NULL, v[8], row, e) < 0) {
        /* The value came from the total column: name that. */
        if (!v[9] && v[7] && !strcmp(e->field, "value"))
            snprintf(e->field, sizeof(e->field), "total");
        goto fail;
    }
    /* What the checks still need of the text: the instant as given, for
     * messages, now in the row. */
    in->observed_at = row->observed_at;
    if (in->instrument != row->instrument || in->timepoint != row->timepoint)
        BUG("a valid instrument or timepoint did not fit its field");
    row->items_json = in->item_count
                          ? observation_items_json(row->items,
                                                   in->item_count)
                          : NULL;
    row->ready = 1;
    return 0;
fail:
    field_to_column(BULK_OBSERVATIONS, e);
    return -1;
}

int bulk_observation_add(struct bulk *b, struct bulk_observation_row *row,
                         int64_t *out_id, struct err *e)
{
    if (!row->ready)
        BUG("an observation row added without being prepared");
    int rc = observation_store(b, row->id, &row->in, row, row->items_json,
                               out_id, e);
    if (rc < 0)
        field_to_column(BULK_OBSERVATIONS, e);
    bulk_observation_release(row);
    return rc;
}

void bulk_observation_release(struct bulk_observation_row *row)
{
    free(row->items_json);
    row->items_json = NULL;
    row->ready = 0;
}

static int row_observation(struct bulk *b, const char *const *v,
                           int64_t *out_id, struct err *e)
{
    struct bulk_observation_row row;
    if (bulk_observation_prepare(v, &row, e) < 0)
        return -1;
    return bulk_observation_add(b, &row, out_id, e);
}

int bulk_add_row(struct bulk *b, enum bulk_kind k, const char *const *values,
                 int64_t *out_id, struct err *e)
{
    static int (*const rows[BULK_KIND_COUNT])(struct bulk *,
                                              const char *const *, int64_t *,
                                              struct err *) = {
        row_practitioner, row_training, row_patient, row_referral,
        row_episode, row_session, row_observation,
    };
    int rc = rows[k](b, values, out_id, e);
    if (rc < 0)
        field_to_column(k, e);
    return rc;
}

/* ---- Ending ------------------------------------------------------------- */

int bulk_commit(struct bulk *b, struct err *e)
{
    int rc = 0;
    if (b->broken)
        rc = err_set(e, ERR_FAIL, "",
                     "a write failed halfway; nothing was imported");
    if (rc == 0)
        rc = refresh_summaries(b, e);
    if (rc == 0)
        rc = summary_batch_finish(b->summaries, e);
    if (rc == 0 && b->audit_record_type)
        rc = audit_append(b->s, b->caller, b->audit_action,
                          b->audit_record_type, 0, 0, "ok", e);
    for (int k = 0; rc == 0 && !b->audit_record_type && k < BULK_KIND_COUNT;
         k++) {
        if (!b->count[k])
            continue;
        char outcome[64];
        snprintf(outcome, sizeof(outcome), "ok: %lld rows",
                 (long long)b->count[k]);
        rc = audit_append(b->s, b->caller, b->audit_action, kinds[k].table, 0,
                          0, outcome, e);
    }
    /* Statements are finalized before the commit, so that it can take
     * the write lock's end without a reader still open. */
    struct store *s = b->s;
    for (int k = 0; k < BULK_KIND_COUNT; k++) {
        stmt_finalize(b->insert[k]);
        stmt_finalize(b->exists[k]);
        b->insert[k] = b->exists[k] = NULL;
    }
    rc = record_finish(s, rc, e);
    restore_settings(b);
    bulk_free(b);
    return rc;
}

void bulk_abort(struct bulk *b)
{
    if (!b)
        return;
    store_rollback(b->s);
    restore_settings(b);
    bulk_free(b);
}

/* ---- Export -------------------------------------------------------------- */

void bulk_format_real(double v, char out[32])
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, 32, "%lld", (long long)v);
        return;
    }
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(out, 32, "%.*g", precision, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static const char *const export_sql[BULK_KIND_COUNT] = {
    [BULK_PRACTITIONERS] =
        "SELECT id, name, license, credentials, email, npi, active,"
        " synthetic, created_at FROM practitioner ORDER BY id",
    [BULK_TRAINING] =
        "SELECT id, practitioner_id, protocol_id, hours, completed_on,"
        " provider, created_at FROM training ORDER BY id",
    [BULK_PATIENTS] =
        "SELECT id, name, birth_date, sex, zip, phone, email,"
        " consent_treatment, consent_research, created_by_practitioner,"
        " synthetic, created_at FROM patient ORDER BY id",
    [BULK_REFERRALS] =
        "SELECT id, patient_id, physician_name, physician_specialty,"
        " physician_npi, reason, icd10, referred_on, created_at"
        " FROM referral ORDER BY id",
    [BULK_EPISODES] =
        "SELECT id, patient_id, practitioner_id, protocol_id, icd10,"
        " referral_id, started_on, ended_on, chronicity_weeks,"
        " comorbidities, created_at FROM episode ORDER BY id",
    /* Phases come from a second cursor (export_phases). */
    [BULK_SESSIONS] =
        "SELECT id, episode_id, started_at, minutes, NULL, note, subjective,"
        " objective, assessment, plan, created_at FROM session ORDER BY id",
    [BULK_OBSERVATIONS] =
        "SELECT id, episode_id, session_id, instrument, timepoint,"
        " observed_at, items, total, created_at FROM observation ORDER BY id",
};

/* The phases of session_id as "NAME:MINUTES;..." into out, reading the
 * phases cursor (ordered by session, position) forward. */
static int export_phases(struct stmt *phases, int *phase_row,
                         int64_t session_id, struct buf *out, struct err *e)
{
    buf_reset(out);
    while (*phase_row == 1 && stmt_int(phases, 0) < session_id)
        *phase_row = stmt_step(phases, e);
    while (*phase_row == 1 && stmt_int(phases, 0) == session_id) {
        if (out->len)
            buf_putc(out, ';');
        buf_printf(out, "%s:%lld", stmt_text(phases, 1),
                   (long long)stmt_int(phases, 2));
        *phase_row = stmt_step(phases, e);
    }
    return *phase_row < 0 ? -1 : 0;
}

int bulk_export(struct store *s, const struct actor *caller,
                enum bulk_kind k, bulk_row_fn fn, void *ctx, int64_t *rows,
                struct err *e)
{
    if (access_manage(caller, "export records", e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st = store_prepare(s, export_sql[k]);
    struct stmt *phases = NULL;
    int phase_row = 0;
    struct buf phase_text = BUF_INIT;
    if (k == BULK_SESSIONS) {
        phases = store_prepare(s, "SELECT session_id, name, minutes"
                                  " FROM session_phase"
                                  " ORDER BY session_id, position");
        phase_row = stmt_step(phases, e);
    }
    int ncol = bulk_export_column_count(k);
    struct bulk_value values[BULK_MAX_COLUMNS];
    int64_t count = 0;
    int rc = phase_row < 0 ? -1 : 0;
    while (rc == 0 && (rc = stmt_step(st, e)) == 1) {
        for (int i = 0; i < ncol; i++) {
            struct bulk_value *v = &values[i];
            memset(v, 0, sizeof(*v));
            unsigned flags = kinds[k].columns[i].flags;
            if (stmt_is_null(st, i)) {
                v->type = BULK_NULL;
            } else if (flags & COL_JSON) {
                v->type = BULK_JSON;
                v->text = stmt_text(st, i);
            } else if (flags & COL_NUMBER) {
                double d = stmt_double(st, i);
                int64_t n = stmt_int(st, i);
                if ((double)n == d) {
                    v->type = BULK_INT;
                    v->i = n;
                } else {
                    v->type = BULK_REAL;
                    v->d = d;
                }
            } else {
                v->type = BULK_TEXT;
                v->text = stmt_text(st, i);
            }
        }
        if (phases) {
            rc = export_phases(phases, &phase_row, values[0].i, &phase_text,
                               e);
            if (rc < 0)
                break;
            if (phase_text.len) {
                values[4].type = BULK_TEXT;
                values[4].text = phase_text.data;
            }
        }
        rc = fn(ctx, values, ncol, e);
        if (rc != 0)
            break;
        count++;
    }
    stmt_finalize(st);
    stmt_finalize(phases);
    buf_release(&phase_text);
    if (rc == 0) {
        char outcome[64];
        snprintf(outcome, sizeof(outcome), "ok: %lld rows", (long long)count);
        rc = audit_append(s, caller, "export", kinds[k].table, 0, 0, outcome,
                          e);
    }
    if (record_finish(s, rc, e) < 0)
        return rc > 0 ? rc : -1;
    if (rows)
        *rows = count;
    return 0;
}
