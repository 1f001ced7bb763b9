/*
 * store: the SQLite file behind a clinic. The only module that includes
 * sqlite3.h; everything above speaks through this face.
 *
 * A store is opened in WAL mode with foreign keys on and a busy timeout;
 * migrations (migrations.c) are applied at open, and a database written by
 * a newer binary is refused. SQL is always prepared with named parameters
 * (":name") and bound through stmt_bind_*; a statement that fails to prepare
 * is a bug in the program (BUG), not an input error.
 *
 * A store (a connection and its statements) is used by one thread at a
 * time; threads that share a database each take their own store, or pass
 * one from thread to thread as the web server's pool does (SQLite's
 * multi-thread mode, SQLITE_OPEN_NOMUTEX).
 *
 * Ownership: store_open() allocates the store, store_close() frees it.
 * store_prepare() allocates a statement, stmt_finalize() frees it (the
 * compiled statement, reset and unbound, is kept by the store for the
 * next store_prepare() of the same SQL text; up to 64 of them). Text
 * returned by stmt_text() belongs to the statement and is valid until the
 * next step, reset or finalize.
 */
#ifndef TS_STORE_STORE_H
#define TS_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct store;
struct stmt;

enum store_mode {
    STORE_CREATE,  /* the file must not exist yet */
    STORE_EXISTING, /* the file must exist */
    STORE_ANY,     /* create when missing */
};

/* The database path from an explicit flag, TOUCHSTONE_DB, or the default. */
const char *store_default_path(const char *flag);

int store_open(const char *path, enum store_mode mode, struct store **out,
               struct err *e);
void store_close(struct store *s);
const char *store_path(const struct store *s);
/* Tunes the connection for long sequential reads (the outcome reports'
 * passes over every summary): the file is read through a memory map (up
 * to 1 GiB; the rest as usual) and the page cache grows to 64 MiB. Only
 * speed changes; once per store, later calls do nothing. */
void store_prefer_scans(struct store *s);
/* Makes later store_prefer_scans() calls do nothing: the connection keeps
 * SQLite's default page cache and no memory map. For the server, whose
 * many connections would each grow to 64 MiB and map the file. */
void store_keep_small(struct store *s);

/* Resets every statement of the connection that is part way through its
 * rows (keeping its bindings), so that the schema may change (SQLite
 * refuses to drop a table or an index while a read is open). For a batch
 * at a point where none of its reads is in use. */
void store_reset_statements(struct store *s);
/* The schema version this binary writes (the number of migrations). */
int store_schema_version(void);

/* Transactions: one per user action. store_begin takes the write lock at
 * once (BEGIN IMMEDIATE; in read mode, below, it does not). store_rollback is safe when none is open.
 * They nest: a store_begin inside an open transaction opens a savepoint,
 * whose store_commit releases it (the work lands only with the outermost
 * commit) and whose store_rollback undoes only the inner level. So an
 * action made of several record calls (importing a bundle) wraps them in
 * one transaction of its own, and one failure undoes them all.
 * When SQLite ends the transaction by itself after an error (I/O, a full
 * disk, out of memory), every store_begin, store_commit, store_exec and
 * stmt_step fails until each open level has had its store_rollback. */
int store_begin(struct store *s, struct err *e);
int store_commit(struct store *s, struct err *e);
void store_rollback(struct store *s);
/* Ends the open level after an action whose status is rc: commits it when
 * rc is not negative, else (or when the commit fails) rolls it back.
 * Returns 0, or -1 (rolled back; e filled by the action or the commit). */
int store_end(struct store *s, int rc, struct err *e);
/* Levels open: 0 outside a transaction, 1 in one, more in savepoints. */
int store_depth(const struct store *s);
/* Runs one or more statements without parameters. */
int store_exec(struct store *s, const char *sql, struct err *e);

/*
 * Writes queued in the process: a connection so marked takes one lock
 * shared by every such connection of the process before its write
 * transaction (store_begin outside read mode, or a write statement run on
 * its own) and gives it back when the transaction ends. Its writes then
 * wait for one another in a queue, each woken the moment the one before
 * commits, instead of in SQLite's busy handler, which sleeps and tries
 * again. With first, the connection's writes go before those of every
 * connection waiting without it (the audit writer, whose one commit many
 * answers wait for). Only for connections of which no thread ever holds
 * two in a write transaction at once (the server's workers and audit
 * writer).
 */
void store_serialize_writes(struct store *s, int first);
/* Makes every commit written to the database's WAL so far durable (one
 * fdatasync of the WAL file), whichever connection of the process wrote
 * it. With synchronous = NORMAL a commit is not synced; a caller that
 * must not answer before its commit is on disk calls this after it, and
 * many commits share one call (group commit). -1 with e when the sync
 * fails. */
int store_sync(struct store *s, struct err *e);
/* Rows changed by the connection's statements since it opened (SQLite's
 * total_changes): a caller compares two readings to see whether a piece
 * of work wrote. */
int64_t store_total_changes(struct store *s);

/*
 * Read mode, for a connection answering a request that reads (a GET of
 * the server). store_begin() then opens a deferred transaction (BEGIN: a
 * snapshot, no write lock while it reads), and a layer above may hold
 * rows for a writer elsewhere (store_defer: the audit entries of reads,
 * which a group-commit writer appends). A deferred item belongs to the
 * level open when it was added: store_rollback() of that level drops it
 * (its drop function is called); a commit keeps it. A statement that
 * would write after the transaction has read fails instead (ERR_FAIL)
 * and store_wants_write() turns 1: the caller answers the request again
 * without read mode. Setting the mode clears that flag; deferred items
 * stay until taken with store_drop_deferred().
 */
void store_read_mode_set(struct store *s, int on);
int store_read_mode(const struct store *s);
int store_wants_write(const struct store *s);
/* Holds item (owned by the store until dropped; drop may be NULL). */
void store_defer(struct store *s, void *item, void (*drop)(void *item));
size_t store_deferred_count(const struct store *s);
/* The i-th item held, oldest first (NULL past the end); still held. */
void *store_deferred_at(const struct store *s, size_t i);
/* Drops (and frees with their drop function) every item after the first
 * keep. */
void store_drop_deferred(struct store *s, size_t keep);

/* A statement of sql (allocates; stmt_finalize frees). Bad SQL is a BUG;
 * out of memory or a failing disk while compiling it dies with the
 * database's message (exit 1), like any failed allocation. */
struct stmt *store_prepare(struct store *s, const char *sql);
/* The statement kept in *slot, reset (no bindings) for another run;
 * prepared from sql the first time (*slot NULL). The caller finalizes
 * *slot when done. */
struct stmt *store_prepare_once(struct store *s, struct stmt **slot,
                                const char *sql);
void stmt_bind_int(struct stmt *st, const char *name, int64_t v);
void stmt_bind_double(struct stmt *st, const char *name, double v);
/* NULL text binds SQL NULL. The text is copied. */
void stmt_bind_text(struct stmt *st, const char *name, const char *v);
void stmt_bind_blob(struct stmt *st, const char *name, const void *v,
                    int len);
void stmt_bind_null(struct stmt *st, const char *name);
/* Binds a record id, or SQL NULL when v is none (<= 0). */
void stmt_bind_id(struct stmt *st, const char *name, int64_t v);
/*
 * Parameters given with the SQL, for a statement bound once:
 * STORE_QUERY(s, sql, STORE_INT(":id", id), STORE_TEXT(":now", now))
 * prepares sql and binds each parameter (store_prepare, stmt_bind_*);
 * STORE_RUN(s, e, sql, ...) also steps it once and finalizes it
 * (stmt_run). Each parameter's macro names its type: STORE_INT,
 * STORE_DOUBLE, STORE_TEXT (NULL binds SQL NULL; the text is copied),
 * STORE_ID (stmt_bind_id) and STORE_COUNT (a count, NULL when negative:
 * not known). STMT_BIND(st, ...) binds them to a statement prepared
 * before (stmt_bind_params), as a statement run many times is.
 */
enum store_param_type {
    STORE_PARAM_INT,
    STORE_PARAM_ID,
    STORE_PARAM_DOUBLE,
    STORE_PARAM_TEXT,
    STORE_PARAM_COUNT,
};
struct store_param {
    const char *name;
    enum store_param_type type;
    int64_t i;
    double d;
    const char *text;
};
#define STORE_INT(n, v)                                                      \
    ((struct store_param){.name = (n), .type = STORE_PARAM_INT, .i = (v)})
#define STORE_ID(n, v)                                                       \
    ((struct store_param){.name = (n), .type = STORE_PARAM_ID, .i = (v)})
#define STORE_DOUBLE(n, v)                                                   \
    ((struct store_param){.name = (n), .type = STORE_PARAM_DOUBLE, .d = (v)})
#define STORE_TEXT(n, v)                                                     \
    ((struct store_param){.name = (n), .type = STORE_PARAM_TEXT, .text = (v)})
#define STORE_COUNT(n, v)                                                    \
    ((struct store_param){.name = (n), .type = STORE_PARAM_COUNT, .i = (v)})
/* The parameters written in a call, as an array and its length. */
#define STORE_PARAMS(...)                                                    \
    ((const struct store_param[]){__VA_ARGS__}),                             \
        (sizeof((const struct store_param[]){__VA_ARGS__}) /                 \
         sizeof(struct store_param))
void stmt_bind_params(struct stmt *st, const struct store_param *p,
                      size_t n);
/* store_prepare and stmt_bind_params (allocates; stmt_finalize frees). */
struct stmt *store_query(struct store *s, const char *sql,
                         const struct store_param *p, size_t n);
/* store_query and stmt_run: 0, or -1 on failure (e filled). */
int store_run(struct store *s, const char *sql, const struct store_param *p,
              size_t n, struct err *e);
#define STMT_BIND(st, ...) stmt_bind_params((st), STORE_PARAMS(__VA_ARGS__))
#define STORE_QUERY(s, sql, ...)                                             \
    store_query((s), (sql), STORE_PARAMS(__VA_ARGS__))
#define STORE_RUN(s, e, sql, ...)                                            \
    store_run((s), (sql), STORE_PARAMS(__VA_ARGS__), (e))
/*
 * For statements run millions of times (bulk import): the index of a named
 * parameter, looked up once (BUG when the statement has none), and binders
 * by that index. stmt_bind_text_at does not copy: the text must stay valid
 * until the statement has been stepped (every bulk row rebinds all its
 * parameters). stmt_rewind resets the statement keeping its bindings.
 */
int stmt_param_index(struct stmt *st, const char *name);
void stmt_bind_int_at(struct stmt *st, int index, int64_t v);
void stmt_bind_double_at(struct stmt *st, int index, double v);
void stmt_bind_text_at(struct stmt *st, int index, const char *v);
void stmt_bind_null_at(struct stmt *st, int index);
void stmt_rewind(struct stmt *st);
/* 1 when a row is ready, 0 when done, -1 on failure (e filled). */
int stmt_step(struct stmt *st, struct err *e);
int64_t stmt_int(struct stmt *st, int col);
double stmt_double(struct stmt *st, int col);
/* NULL for SQL NULL. */
const char *stmt_text(struct stmt *st, int col);
const void *stmt_blob(struct stmt *st, int col, int *len);
int stmt_is_null(struct stmt *st, int col);
int stmt_column_count(struct stmt *st);
const char *stmt_column_name(struct stmt *st, int col);
void stmt_reset(struct stmt *st);
void stmt_finalize(struct stmt *st);
/* Steps st once (a change, or a query whose row is not wanted) and
 * finalizes it. Returns 0, or -1 on failure (e filled). */
int stmt_run(struct stmt *st, struct err *e);
/* Runs the INSERT st (as stmt_run) and sets *id to the new row's id.
 * Returns 0, or -1 on failure (e filled, *id untouched). */
int stmt_insert(struct stmt *st, int64_t *id, struct err *e);
/* Steps st once and finalizes it. When a row came, its column 0 is copied
 * into out (of size n, truncated; SQL NULL as ""), or for stmt_one_int
 * read into *out. Returns 1 (a row), 0 (none: out untouched) or -1 on
 * failure (e filled). */
int stmt_one_text(struct stmt *st, char *out, size_t n, struct err *e);
int stmt_one_int(struct stmt *st, int64_t *out, struct err *e);

int64_t store_last_id(struct store *s);
int store_changes(struct store *s);

/* Runs a query with no parameters that yields one integer (0 if none). */
int64_t store_query_int(struct store *s, const char *sql);

/* Online backup to dest (which must not exist), safe while in use. */
int store_backup(struct store *s, const char *dest, struct err *e);
/* Integrity and foreign-key checks; each problem is a line in report.
 * Returns the number of problems, or -1 on failure. */
int store_check(struct store *s, struct buf *report, struct err *e);

#endif
