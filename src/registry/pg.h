/*
 * pg: the registry's PostgreSQL connection, a thin layer over libpq. The
 * only files that include libpq-fe.h are pg.c and this module's
 * implementation; everything above speaks through this face.
 *
 * Statements with data are always prepared (PQprepare once per connection,
 * then PQexecPrepared with $1, $2, ... as text parameters): a struct
 * pg_query names one, and pg_run() prepares it on first use. pg_exec()
 * runs fixed SQL without parameters (migrations, BEGIN, COMMIT). COPY FROM
 * STDIN is pg_copy_begin / pg_copy_put / pg_copy_end.
 *
 * Errors fill a struct err (ERR_FAIL, field "pg"): a connection refused
 * with libpq's first line, a statement refused with its SQLSTATE and
 * message. pg_sqlstate() gives the last SQLSTATE ("23505", ...) or "".
 * Notices of the server are dropped. Nothing here prints.
 *
 * A connection is used by one thread at a time. Ownership: pg_connect()
 * allocates the connection, pg_close() frees it (NULL is fine). pg_run()
 * allocates a result into *out; pg_result_free() frees it. Text read from
 * a result belongs to it.
 */
#ifndef TS_REGISTRY_PG_H
#define TS_REGISTRY_PG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct pg;
struct pg_result;

/* A prepared statement: a name unique in the program, its SQL with $n
 * parameters, and how many. */
struct pg_query {
    const char *name;
    const char *sql;
    int nparams;
};

/* Connects with a libpq conninfo ("host=/dir dbname=x" or a postgresql://
 * URI). -1 with e (field "pg") when it cannot. */
int pg_connect(const char *conninfo, struct pg **out, struct err *e);
void pg_close(struct pg *db);

/* A connection the server lost (restarted, killed) is made again, with
 * nothing prepared: for a long-lived connection before each use. 0 when
 * the connection is good (again). */
int pg_recover(struct pg *db);

/* Runs fixed SQL without parameters (one or several statements). */
int pg_exec(struct pg *db, const char *sql, struct err *e);

/* Runs q with params (text, NULL for SQL NULL; q->nparams of them),
 * preparing it on this connection when it is not yet. *out (may be NULL
 * when the rows are not wanted) receives the result. */
int pg_run(struct pg *db, const struct pg_query *q,
           const char *const *params, struct pg_result **out,
           struct err *e);
/* pg_run of a query whose one parameter is the integer v. */
int pg_run_int(struct pg *db, const struct pg_query *q, int64_t v,
               struct pg_result **out, struct err *e);

/* Runs q and calls row(ctx, r, e) for each row as it arrives (libpq's
 * single-row mode, so that millions of rows never sit in memory at once):
 * r holds that one row (row 0) and lives for the call only. A row
 * function returning -1 (with e filled) stops the walk, which then
 * returns -1. */
int pg_each(struct pg *db, const struct pg_query *q,
            const char *const *params,
            int (*row)(void *ctx, const struct pg_result *r, struct err *e),
            void *ctx, struct err *e);

/* Transactions: BEGIN, COMMIT and ROLLBACK (safe when none is open). */
int pg_begin(struct pg *db, struct err *e);
int pg_commit(struct pg *db, struct err *e);
void pg_rollback(struct pg *db);

/* COPY: pg_copy_begin runs sql (a fixed "COPY ... FROM STDIN"), then
 * pg_copy_put sends bytes of the text format, and pg_copy_end finishes
 * (the server checks the rows then: an error is reported there).
 * pg_copy_end with failed set aborts the COPY instead. */
int pg_copy_begin(struct pg *db, const char *sql, struct err *e);
int pg_copy_put(struct pg *db, const char *data, size_t len, struct err *e);
int pg_copy_end(struct pg *db, int failed, struct err *e);

/* COPY out in the binary format: runs sql (a fixed "COPY (...) TO STDOUT
 * (FORMAT binary)") and calls row(ctx, fields, lens, count, e) for each
 * tuple as it arrives: fields[i] points at column i's bytes (NULL for SQL
 * NULL), lens[i] their length; both live for the call only. Past
 * max_fields columns is an error. A row function returning -1 (with e)
 * stops the walk (the rest is read and dropped), which returns -1. */
int pg_copy_out_binary(struct pg *db, const char *sql, int max_fields,
                       int (*row)(void *ctx, const char *const *fields,
                                  const int *lens, int count, struct err *e),
                       void *ctx, struct err *e);
/* A binary field as sent: a smallint, integer or bigint (len 2, 4 or 8),
 * a float8 (len 8). */
int64_t pg_binary_int(const char *field, int len);
double pg_binary_double(const char *field, int len);
/* 1 when a text field as sent (len bytes; NULL for SQL NULL) is the
 * string s. */
int pg_binary_text_is(const char *field, int len, const char *s);
/* The SQLSTATE of the last failed statement, or "". */
const char *pg_sqlstate(const struct pg *db);

/* Result accessors. Rows and columns from 0. pg_text is NULL for SQL
 * NULL; pg_int and pg_double read the text (0 for NULL). */
int pg_rows(const struct pg_result *r);
int pg_affected(const struct pg_result *r); /* INSERT/UPDATE/DELETE count */
const char *pg_text(const struct pg_result *r, int row, int col);
int pg_is_null(const struct pg_result *r, int row, int col);
int64_t pg_int(const struct pg_result *r, int row, int col);
double pg_double(const struct pg_result *r, int row, int col);
void pg_result_free(struct pg_result *r);

/* Writes text as a field of COPY's text format to out: backslash, tab,
 * newline and carriage return escaped; NULL as \N. */
struct buf;
void pg_copy_field(struct buf *out, const char *text);

#endif
