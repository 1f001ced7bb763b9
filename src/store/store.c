#include "store/store.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Statements given back by stmt_finalize() are kept, reset and unbound,
 * and handed out again by store_prepare() for the same SQL: compiling a
 * statement (with the triggers it fires) costs far more than running it.
 * At most this many; the oldest goes first. */
#define STORE_CACHED_STATEMENTS 64

struct store {
    sqlite3 *db;
    char *path;
    int depth; /* open store_begin()s: 1 the transaction, more savepoints */
    int lost;  /* SQLite rolled the transaction back by itself (lost()) */
    int scans; /* store_prefer_scans() applied, or refused (keep small) */
    sqlite3_stmt *cached[STORE_CACHED_STATEMENTS]; /* ring, oldest first */
    size_t cached_first, cached_count;
    /* Read mode (store_read_mode_set): deferred transactions, rows held
     * for a writer elsewhere, and the writes that need the request again
     * with the lock. */
    struct timespec busy_since; /* the first try of the current wait */
    int read_mode;
    int wants_write;
    struct store_deferred *deferred;
    size_t deferred_count, deferred_alloc;
    size_t *marks; /* deferred_count when each level began */
    size_t marks_alloc;
    int serialize_writes; /* store_serialize_writes(): 1, or 2 first */
    int holds_write_lock; /* ... and holds write_lock now */
};

/* The lock of store_serialize_writes(): one per process. A connection
 * marked first (the audit writer) goes before every other one waiting. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t write_lock_free = PTHREAD_COND_INITIALIZER;
static int write_lock_held;
static int write_lock_first_waiting;

static void write_lock_take(struct store *s)
{
    if (!s->serialize_writes || s->holds_write_lock)
        return;
    pthread_mutex_lock(&write_lock);
    if (s->serialize_writes > 1) {
        write_lock_first_waiting++;
        while (write_lock_held)
            pthread_cond_wait(&write_lock_free, &write_lock);
        write_lock_first_waiting--;
    } else {
        while (write_lock_held || write_lock_first_waiting)
            pthread_cond_wait(&write_lock_free, &write_lock);
    }
    write_lock_held = 1;
    pthread_mutex_unlock(&write_lock);
    s->holds_write_lock = 1;
}

static void write_lock_give(struct store *s)
{
    if (!s->holds_write_lock)
        return;
    s->holds_write_lock = 0;
    pthread_mutex_lock(&write_lock);
    write_lock_held = 0;
    pthread_cond_broadcast(&write_lock_free);
    pthread_mutex_unlock(&write_lock);
}

struct store_deferred {
    void *item;
    void (*drop)(void *item);
};

/* How long a statement waits for another connection's write lock. */
#define STORE_BUSY_MS 5000

/* store_prefer_scans(): memory-map up to 1 GiB of the file and keep up to
 * 8 MiB of pages in the cache. No more: a page past the map is read into
 * a buffer of the cache, and a larger cache only means more buffers
 * allocated fresh (each a page fault) where a full one reuses its own; at
 * 64 MiB the registry report of 1,000,000 episodes took 25% more CPU
 * (40,000 page faults against 25,000), the same bytes. */
#define STORE_SCAN_MMAP_BYTES "1073741824"
#define STORE_SCAN_CACHE_KIB "8192"

struct stmt {
    struct store *store;
    sqlite3_stmt *st;
};

extern const char *const store_migrations[];
extern const int store_migration_count;

const char *store_default_path(const char *flag)
{
    if (flag && *flag)
        return flag;
    const char *env = getenv("TOUCHSTONE_DB");
    if (env && *env)
        return env;
    return "touchstone.db";
}

int store_schema_version(void)
{
    return store_migration_count;
}

static int lost(struct store *s);
static int lost_error(struct store *s, struct err *e);

int store_exec(struct store *s, const char *sql, struct err *e)
{
    if (lost(s))
        return lost_error(s, e);
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, ERR_FAIL, "", "database '%s': %s", s->path,
                msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int user_version(struct store *s)
{
    return (int)store_query_int(s, "PRAGMA user_version");
}

/* Applies every migration past the file's user_version, each in its own
 * transaction with the version bump. */
static int migrate(struct store *s, struct err *e)
{
    int have = user_version(s);
    if (have > store_migration_count)
        return err_set(e, ERR_FAIL, "",
                       "database '%s' has schema version %d, newer than "
                       "this program's %d: upgrade touchstone",
                       s->path, have, store_migration_count);
    for (int v = have; v < store_migration_count; v++) {
        if (store_begin(s, e) < 0)
            return -1;
        char pragma[64];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
        if (store_exec(s, store_migrations[v], e) < 0 ||
            store_exec(s, pragma, e) < 0) {
            store_rollback(s);
            return -1;
        }
        if (store_commit(s, e) < 0)
            return -1;
    }
    return 0;
}

/* Removes a database file that a failed creation left, with its WAL and
 * shared-memory files, so that the next `init` starts clean. */
static void remove_created(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char *name = xasprintf("%s%s", path, suffixes[i]);
        unlink(name);
        free(name);
    }
}

/* SQLite's own busy handler sleeps 1, 2, 5, 10, ... up to 100 ms between
 * tries, so a wait for a lock held a millisecond can last 100 ms. This
 * one tries again after 50 us, doubling up to 1 ms, until STORE_BUSY_MS
 * have passed. */
static int busy_wait(void *ctx, int tries)
{
    struct timespec *first = ctx;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (tries == 0)
        *first = now;
    long waited = (now.tv_sec - first->tv_sec) * 1000 +
                  (now.tv_nsec - first->tv_nsec) / 1000000;
    if (waited >= STORE_BUSY_MS)
        return 0;
    long us = tries < 5 ? 50L << tries : 1000;
    struct timespec pause = {0, us * 1000};
    nanosleep(&pause, NULL);
    return 1;
}

/* SQLite counts the memory it allocates under one global mutex unless
 * told not to, before its first use: with many threads each on its own
 * connection (the server) that mutex is taken on every allocation. */
static void configure_once(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(const char *path, enum store_mode mode, struct store **out,
               struct err *e)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_once);
    struct stat st;
    int exists = stat(path, &st) == 0;
    *out = NULL;
    if (mode == STORE_CREATE && exists)
        return err_set(e, ERR_CONFLICT, "db",
                       "'%s' already exists; refusing to touch it", path);
    if (mode == STORE_EXISTING && !exists)
        return err_set(e, ERR_FAIL, "db",
                       "no database at '%s' (run 'touchstone init' first)",
                       path);
    struct store *s = xcalloc(1, sizeof(*s));
    s->path = xstrdup(path);
    /* One thread at a time per connection (store.h): SQLite's own
     * per-call mutex would only cost time on every column read. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (mode != STORE_EXISTING)
        flags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        err_set(e, ERR_FAIL, "db", "unable to open '%s': %s", path,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        if (mode == STORE_CREATE)
            remove_created(path);
        return -1;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_handler(s->db, busy_wait, &s->busy_since);
    if (store_exec(s, "PRAGMA foreign_keys = ON", e) < 0)
        goto fail;
    /* A file that is not SQLite fails here with a clear message. */
    if (store_exec(s, "PRAGMA journal_mode = WAL", e) < 0)
        goto fail;
    if (store_exec(s, "PRAGMA synchronous = NORMAL", e) < 0)
        goto fail;
    if (migrate(s, e) < 0)
        goto fail;
    *out = s;
    return 0;
fail:
    store_close(s);
    if (mode == STORE_CREATE)
        remove_created(path);
    return -1;
}

void store_reset_statements(struct store *s)
{
    for (sqlite3_stmt *p = sqlite3_next_stmt(s->db, NULL); p;
         p = sqlite3_next_stmt(s->db, p))
        if (sqlite3_stmt_busy(p))
            sqlite3_reset(p);
}

void store_prefer_scans(struct store *s)
{
    if (s->scans)
        return;
    /* Errors are ignored: these only change speed. */
    sqlite3_exec(s->db, "PRAGMA mmap_size = " STORE_SCAN_MMAP_BYTES,
                 NULL, NULL, NULL);
    sqlite3_exec(s->db, "PRAGMA cache_size = -" STORE_SCAN_CACHE_KIB, NULL,
                 NULL, NULL);
    s->scans = 1;
}

void store_keep_small(struct store *s)
{
    s->scans = 1;
}

void store_serialize_writes(struct store *s, int first)
{
    s->serialize_writes = first ? 2 : 1;
}

int store_sync(struct store *s, struct err *e)
{
    /* The WAL file as SQLite holds it open for this connection. */
    sqlite3_file *wal = NULL;
    if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
                             &wal) == SQLITE_OK &&
        wal && wal->pMethods) {
        if (wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) != SQLITE_OK)
            return err_set(e, ERR_FAIL, "", "database '%s': unable to "
                           "sync its write-ahead log", s->path);
        return 0;
    }
    /* Not opened by this connection yet: the file itself, if any. */
    char *name = xasprintf("%s-wal", s->path);
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    free(name);
    if (fd < 0)
        return errno == ENOENT ? 0
                               : err_set(e, ERR_FAIL, "", "database '%s': "
                                         "unable to open its write-ahead "
                                         "log: %s", s->path, strerror(errno));
    int rc = fdatasync(fd);
    int saved = errno;
    close(fd);
    if (rc < 0)
        return err_set(e, ERR_FAIL, "", "database '%s': unable to sync its "
                       "write-ahead log: %s", s->path, strerror(saved));
    return 0;
}

int64_t store_total_changes(struct store *s)
{
    return sqlite3_total_changes64(s->db);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cached_count; i++)
        sqlite3_finalize(
            s->cached[(s->cached_first + i) % STORE_CACHED_STATEMENTS]);
    if (s->db)
        sqlite3_close_v2(s->db);
    write_lock_give(s);
    store_drop_deferred(s, 0);
    free(s->deferred);
    free(s->marks);
    free(s->path);
    free(s);
}

const char *store_path(const struct store *s)
{
    return s->path;
}

/* SQLite ends a transaction by itself after some errors (an I/O error, a
 * full disk, out of memory, an interrupt) while the program still counts
 * itself inside it. Until the program has rolled back every level it
 * opened, nothing more runs on the connection: else each statement after
 * would commit on its own (half of a user action saved, without its audit
 * entry), and the commit would report success for a transaction that is
 * gone. */
static int lost(struct store *s)
{
    if (s->depth > 0 && sqlite3_get_autocommit(s->db))
        s->lost = 1;
    return s->lost;
}

static int lost_error(struct store *s, struct err *e)
{
    return err_set(e, ERR_FAIL, "",
                   "database '%s': the transaction was rolled back after "
                   "an error; nothing of it was saved",
                   s->path);
}

int store_begin(struct store *s, struct err *e)
{
    if (lost(s))
        return lost_error(s, e);
    ALLOC_GROW(s->marks, (size_t)s->depth + 1, s->marks_alloc);
    s->marks[s->depth] = s->deferred_count;
    if (s->depth == 0) {
        if (!s->read_mode)
            write_lock_take(s);
        if (store_exec(s, s->read_mode ? "BEGIN" : "BEGIN IMMEDIATE", e) <
            0) {
            write_lock_give(s);
            return -1;
        }
    } else {
        char sql[48];
        snprintf(sql, sizeof(sql), "SAVEPOINT store_level_%d", s->depth);
        if (store_exec(s, sql, e) < 0)
            return -1;
    }
    s->depth++;
    return 0;
}

int store_commit(struct store *s, struct err *e)
{
    if (lost(s))
        return lost_error(s, e);
    if (s->depth == 0)
        return 0;
    if (s->depth == 1) {
        if (store_exec(s, "COMMIT", e) < 0)
            return -1;
        s->depth = 0;
        write_lock_give(s);
        return 0;
    }
    char sql[48];
    snprintf(sql, sizeof(sql), "RELEASE store_level_%d", s->depth - 1);
    if (store_exec(s, sql, e) < 0)
        return -1;
    s->depth--;
    return 0;
}

int store_end(struct store *s, int rc, struct err *e)
{
    if (rc >= 0 && store_commit(s, e) == 0)
        return 0;
    store_rollback(s);
    return -1;
}

void store_rollback(struct store *s)
{
    /* The items deferred since this level began go with it. */
    if (s->depth > 0)
        store_drop_deferred(s, s->marks[s->depth - 1]);
    if (lost(s)) {
        /* Nothing is left to roll back in SQLite: one level less. */
        if (--s->depth <= 0) {
            s->depth = 0;
            s->lost = 0;
            write_lock_give(s);
        }
        return;
    }
    if (s->depth <= 1) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->depth = 0;
        write_lock_give(s);
        return;
    }
    char sql[96];
    snprintf(sql, sizeof(sql), "ROLLBACK TO store_level_%d; "
             "RELEASE store_level_%d", s->depth - 1, s->depth - 1);
    sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    s->depth--;
}

int store_depth(const struct store *s)
{
    return sqlite3_get_autocommit(s->db) ? 0 : s->depth;
}

/* Takes a kept statement of this SQL out of the cache, or NULL. */
static sqlite3_stmt *cache_take(struct store *s, const char *sql)
{
    for (size_t i = s->cached_count; i-- > 0;) {
        size_t at = (s->cached_first + i) % STORE_CACHED_STATEMENTS;
        sqlite3_stmt *st = s->cached[at];
        if (strcmp(sqlite3_sql(st), sql) != 0)
            continue;
        /* Close the gap: later entries move one place back. */
        for (size_t j = i + 1; j < s->cached_count; j++) {
            size_t from = (s->cached_first + j) % STORE_CACHED_STATEMENTS;
            size_t to = (s->cached_first + j - 1) % STORE_CACHED_STATEMENTS;
            s->cached[to] = s->cached[from];
        }
        s->cached_count--;
        return st;
    }
    return NULL;
}

/* Keeps a statement (reset, unbound) for a later store_prepare(). */
static void cache_put(struct store *s, sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (s->cached_count == STORE_CACHED_STATEMENTS) {
        sqlite3_finalize(s->cached[s->cached_first]);
        s->cached_first = (s->cached_first + 1) % STORE_CACHED_STATEMENTS;
        s->cached_count--;
    }
    s->cached[(s->cached_first + s->cached_count++) %
              STORE_CACHED_STATEMENTS] = st;
}

struct stmt *store_prepare_once(struct store *s, struct stmt **slot,
                                const char *sql)
{
    if (!*slot)
        *slot = store_prepare(s, sql);
    else
        stmt_reset(*slot);
    return *slot;
}

struct stmt *store_prepare(struct store *s, const char *sql)
{
    struct stmt *st = xcalloc(1, sizeof(*st));
    st->store = s;
    st->st = cache_take(s, sql);
    if (st->st)
        return st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st->st, NULL);
    if (rc == SQLITE_OK)
        return st;
    /* Bad SQL is a bug; out of memory, and a disk that fails while the
     * schema is read, are fatal like any other allocation failure: the
     * open transaction is never committed, so nothing is half-written. */
    if ((rc & 0xff) == SQLITE_ERROR || (rc & 0xff) == SQLITE_MISUSE ||
        (rc & 0xff) == SQLITE_RANGE)
        BUG("unable to prepare '%s': %s", sql, sqlite3_errmsg(s->db));
    die("database '%s': %s", s->path, sqlite3_errmsg(s->db));
}

static int param(struct stmt *st, const char *name)
{
    int i = sqlite3_bind_parameter_index(st->st, name);
    if (i == 0)
        BUG("no parameter '%s' in '%s'", name, sqlite3_sql(st->st));
    return i;
}

void stmt_bind_int(struct stmt *st, const char *name, int64_t v)
{
    sqlite3_bind_int64(st->st, param(st, name), v);
}

void stmt_bind_double(struct stmt *st, const char *name, double v)
{
    sqlite3_bind_double(st->st, param(st, name), v);
}

/* A text or blob bound by copy (SQLITE_TRANSIENT) needs an allocation of
 * SQLite's; when it fails, the parameter would stay NULL and the statement
 * would write that NULL. Fatal like any other allocation failure: the open
 * transaction is never committed, so nothing is half-written. */
static void bound(struct stmt *st, int rc)
{
    if (rc == SQLITE_NOMEM || rc == SQLITE_TOOBIG)
        die("database '%s': %s", st->store->path, sqlite3_errstr(rc));
}

void stmt_bind_text(struct stmt *st, const char *name, const char *v)
{
    if (v)
        bound(st, sqlite3_bind_text(st->st, param(st, name), v, -1,
                                    SQLITE_TRANSIENT));
    else
        sqlite3_bind_null(st->st, param(st, name));
}

void stmt_bind_blob(struct stmt *st, const char *name, const void *v,
                    int len)
{
    bound(st, sqlite3_bind_blob(st->st, param(st, name), v, len,
                                SQLITE_TRANSIENT));
}

void stmt_bind_null(struct stmt *st, const char *name)
{
    sqlite3_bind_null(st->st, param(st, name));
}

void stmt_bind_id(struct stmt *st, const char *name, int64_t v)
{
    if (v > 0)
        stmt_bind_int(st, name, v);
    else
        stmt_bind_null(st, name);
}

void stmt_bind_params(struct stmt *st, const struct store_param *p,
                      size_t n)
{
    for (const struct store_param *q = p; q < p + n; q++) {
        if (q->type == STORE_PARAM_TEXT)
            stmt_bind_text(st, q->name, q->text);
        else if (q->type == STORE_PARAM_DOUBLE)
            stmt_bind_double(st, q->name, q->d);
        else if (q->type == STORE_PARAM_ID)
            stmt_bind_id(st, q->name, q->i);
        else if (q->type == STORE_PARAM_COUNT && q->i < 0)
            stmt_bind_null(st, q->name);
        else
            stmt_bind_int(st, q->name, q->i);
    }
}

struct stmt *store_query(struct store *s, const char *sql,
                         const struct store_param *p, size_t n)
{
    struct stmt *st = store_prepare(s, sql);
    stmt_bind_params(st, p, n);
    return st;
}

int store_run(struct store *s, const char *sql, const struct store_param *p,
              size_t n, struct err *e)
{
    return stmt_run(store_query(s, sql, p, n), e);
}

int stmt_param_index(struct stmt *st, const char *name)
{
    return param(st, name);
}

void stmt_bind_int_at(struct stmt *st, int index, int64_t v)
{
    sqlite3_bind_int64(st->st, index, v);
}

void stmt_bind_double_at(struct stmt *st, int index, double v)
{
    sqlite3_bind_double(st->st, index, v);
}

void stmt_bind_text_at(struct stmt *st, int index, const char *v)
{
    if (v)
        sqlite3_bind_text(st->st, index, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st->st, index);
}

void stmt_bind_null_at(struct stmt *st, int index)
{
    sqlite3_bind_null(st->st, index);
}

void stmt_rewind(struct stmt *st)
{
    sqlite3_reset(st->st);
}

int stmt_step(struct stmt *st, struct err *e)
{
    if (lost(st->store))
        return lost_error(st->store, e);
    struct store *s = st->store;
    /* The statement's own flag first: most steps in read mode are reads
     * (the transaction's state costs a lookup of the schema by name). */
    if (s->read_mode && !sqlite3_stmt_readonly(st->st) &&
        !sqlite3_get_autocommit(s->db) &&
        sqlite3_txn_state(s->db, "main") == SQLITE_TXN_READ) {
        /* A write after reads in a deferred transaction: another
         * connection may have committed since its snapshot, and then
         * SQLite refuses it. The caller does it again in a transaction
         * that takes the lock first. */
        s->wants_write = 1;
        sqlite3_reset(st->st);
        return err_set(e, ERR_FAIL, "", "database '%s': a write in a read",
                       s->path);
    }
    /* A write on its own (no transaction open) queues like one. */
    int alone = s->serialize_writes && !s->holds_write_lock &&
                sqlite3_get_autocommit(s->db) &&
                !sqlite3_stmt_readonly(st->st);
    if (alone)
        write_lock_take(s);
    int rc = sqlite3_step(st->st);
    if (alone)
        write_lock_give(s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    int code = (rc & 0xff) == SQLITE_CONSTRAINT ? ERR_CONFLICT : ERR_FAIL;
    err_set(e, code, "", "database '%s': %s", st->store->path,
            sqlite3_errmsg(st->store->db));
    sqlite3_reset(st->st);
    return -1;
}

int64_t stmt_int(struct stmt *st, int col)
{
    return sqlite3_column_int64(st->st, col);
}

double stmt_double(struct stmt *st, int col)
{
    return sqlite3_column_double(st->st, col);
}

const char *stmt_text(struct stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st->st, col);
}

const void *stmt_blob(struct stmt *st, int col, int *len)
{
    const void *p = sqlite3_column_blob(st->st, col);
    *len = sqlite3_column_bytes(st->st, col);
    return p;
}

int stmt_is_null(struct stmt *st, int col)
{
    return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

int stmt_column_count(struct stmt *st)
{
    return sqlite3_column_count(st->st);
}

const char *stmt_column_name(struct stmt *st, int col)
{
    return sqlite3_column_name(st->st, col);
}

void stmt_reset(struct stmt *st)
{
    sqlite3_reset(st->st);
    sqlite3_clear_bindings(st->st);
}

void stmt_finalize(struct stmt *st)
{
    if (!st)
        return;
    if (st->st)
        cache_put(st->store, st->st);
    free(st);
}

int stmt_run(struct stmt *st, struct err *e)
{
    int rc = stmt_step(st, e);
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

int stmt_insert(struct stmt *st, int64_t *id, struct err *e)
{
    struct store *s = st->store;
    if (stmt_run(st, e) < 0)
        return -1;
    *id = store_last_id(s);
    return 0;
}

int stmt_one_text(struct stmt *st, char *out, size_t n, struct err *e)
{
    int rc = stmt_step(st, e);
    if (rc == 1 && n) {
        const char *text = stmt_text(st, 0);
        snprintf(out, n, "%s", text ? text : "");
    }
    stmt_finalize(st);
    return rc;
}

int stmt_one_int(struct stmt *st, int64_t *out, struct err *e)
{
    int rc = stmt_step(st, e);
    if (rc == 1)
        *out = stmt_int(st, 0);
    stmt_finalize(st);
    return rc;
}

int64_t store_last_id(struct store *s)
{
    return sqlite3_last_insert_rowid(s->db);
}

int store_changes(struct store *s)
{
    return sqlite3_changes(s->db);
}

int64_t store_query_int(struct store *s, const char *sql)
{
    struct stmt *st = store_prepare(s, sql);
    int64_t v = stmt_step(st, NULL) == 1 ? stmt_int(st, 0) : 0;
    stmt_finalize(st);
    return v;
}

/* Syncs the folder holding path, so that a name just made there lasts
 * through a crash; errors are ignored (the data itself is synced). */
static void sync_folder_of(const char *path)
{
    char *folder = xstrdup(path);
    char *slash = strrchr(folder, '/');
    if (!slash)
        strcpy(folder, ".");
    else if (slash == folder)
        folder[1] = 0;
    else
        *slash = 0;
    int fd = open(folder, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(folder);
}

/* Removes the partial copy tmp of a failed backup, with its journal. */
static void remove_partial(const char *tmp)
{
    char *journal = xasprintf("%s-journal", tmp);
    unlink(journal);
    free(journal);
    unlink(tmp);
}

int store_backup(struct store *s, const char *dest, struct err *e)
{
    struct stat st;
    if (stat(dest, &st) == 0)
        return err_set(e, ERR_CONFLICT, "file",
                       "'%s' already exists; refusing to overwrite it", dest);
    /* The copy is made under a name of its own beside dest and takes
     * dest's name only once whole and synced: a backup killed half way
     * leaves no file at dest, only '<dest>.partial-<pid>'. */
    char *tmp = xasprintf("%s.partial-%ld", dest, (long)getpid());
    remove_partial(tmp);
    sqlite3 *out = NULL;
    int rc = sqlite3_open_v2(tmp, &out,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        err_set(e, ERR_FAIL, "file", "unable to create '%s': %s", dest,
                out ? sqlite3_errmsg(out) : "out of memory");
        goto fail;
    }
    sqlite3_backup *b = sqlite3_backup_init(out, "main", s->db, "main");
    if (!b) {
        err_set(e, ERR_FAIL, "file", "unable to back up to '%s': %s", dest,
                sqlite3_errmsg(out));
        goto fail;
    }
    /* Copy in steps so that writers are not locked out for long. */
    while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK ||
           rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        sqlite3_sleep(5);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        err_set(e, ERR_FAIL, "file", "backup to '%s' failed: %s", dest,
                sqlite3_errstr(rc));
        goto fail;
    }
    rc = sqlite3_close(out);
    out = NULL;
    if (rc != SQLITE_OK) {
        err_set(e, ERR_FAIL, "file", "backup to '%s' failed: %s", dest,
                sqlite3_errstr(rc));
        goto fail;
    }
    /* link() refuses a dest made meanwhile, where rename() would replace
     * it; the folder is synced so that the new name lasts. */
    if (link(tmp, dest) != 0) {
        err_set(e, ERR_FAIL, "file", "unable to create '%s': %s", dest,
                strerror(errno));
        goto fail;
    }
    unlink(tmp);
    sync_folder_of(dest);
    free(tmp);
    return 0;
fail:
    sqlite3_close(out);
    remove_partial(tmp);
    free(tmp);
    return -1;
}

int store_check(struct store *s, struct buf *report, struct err *e)
{
    int problems = 0;
    struct stmt *st = store_prepare(s, "PRAGMA integrity_check");
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        const char *line = stmt_text(st, 0);
        if (line && strcmp(line, "ok") != 0) {
            buf_printf(report, "integrity: %s\n", line);
            problems++;
        }
    }
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    st = store_prepare(s, "PRAGMA foreign_key_check");
    while ((rc = stmt_step(st, e)) == 1) {
        buf_printf(report,
                   "foreign key: table '%s' row %lld refers to a missing "
                   "'%s' row\n",
                   stmt_text(st, 0), (long long)stmt_int(st, 1),
                   stmt_text(st, 2));
        problems++;
    }
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    return problems;
}

void store_read_mode_set(struct store *s, int on)
{
    s->read_mode = on;
    s->wants_write = 0;
}

int store_read_mode(const struct store *s)
{
    return s->read_mode;
}

int store_wants_write(const struct store *s)
{
    return s->wants_write;
}

void store_defer(struct store *s, void *item, void (*drop)(void *item))
{
    ALLOC_GROW(s->deferred, s->deferred_count + 1, s->deferred_alloc);
    s->deferred[s->deferred_count++] = (struct store_deferred){item, drop};
}

size_t store_deferred_count(const struct store *s)
{
    return s->deferred_count;
}

void *store_deferred_at(const struct store *s, size_t i)
{
    return i < s->deferred_count ? s->deferred[i].item : NULL;
}

void store_drop_deferred(struct store *s, size_t keep)
{
    while (s->deferred_count > keep) {
        struct store_deferred *d = &s->deferred[--s->deferred_count];
        if (d->drop)
            d->drop(d->item);
    }
}
