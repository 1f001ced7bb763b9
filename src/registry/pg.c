/* The registry's PostgreSQL connection over libpq (registry/pg.h). */
#include "registry/pg.h"
#include "core/buf.h"
#include "core/dynlib.h"
#include "core/util.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq is loaded when the first connection opens (core/dynlib.h), not
 * linked: the commands that never speak to PostgreSQL do not pay for
 * relocating its dependencies at start. Every PQ function this file calls
 * is named here; a new one joins the list. */
#define PQ_FUNCTIONS(X) \
    X(PQclear) \
    X(PQcmdTuples) \
    X(PQconnectdb) \
    X(PQerrorMessage) \
    X(PQexec) \
    X(PQexecPrepared) \
    X(PQexecParams) \
    X(PQfinish) \
    X(PQfreemem) \
    X(PQgetCopyData) \
    X(PQgetResult) \
    X(PQgetisnull) \
    X(PQgetvalue) \
    X(PQgetlength) \
    X(PQntuples) \
    X(PQnfields) \
    X(PQfname) \
    X(PQftype) \
    X(PQprepare) \
    X(PQputCopyData) \
    X(PQputCopyEnd) \
    X(PQreset) \
    X(PQresultErrorField) \
    X(PQresultErrorMessage) \
    X(PQresultStatus) \
    X(PQresStatus) \
    X(PQsendQuery) \
    X(PQsendQueryParams) \
    X(PQsendQueryPrepared) \
    X(PQsetNoticeProcessor) \
    X(PQsetSingleRowMode) \
    X(PQstatus) \
    X(PQtransactionStatus) \
    X(PQescapeLiteral) \
    X(PQescapeIdentifier) \
    X(PQconsumeInput) \
    X(PQisBusy) \
    X(PQflush) \
    X(PQsetnonblocking) \
    X(PQsocket) \
    X(PQenterPipelineMode) \
    X(PQexitPipelineMode) \
    X(PQpipelineSync) \
    X(PQpipelineStatus) \
    X(PQserverVersion) \
    X(PQbinaryTuples) \
    X(PQfformat)

static struct { PQ_FUNCTIONS(DYNLIB_POINTER) } pq;
#define PQ_SYMBOL(name) DYNLIB_SYMBOL(pq, name)
static const struct dynlib_symbol pq_symbols[] = {PQ_FUNCTIONS(PQ_SYMBOL)};
static struct dynlib libpq = DYNLIB_INIT("libpq.so.5", "libpq5", pq_symbols);

#define PQclear (*pq.PQclear)
#define PQcmdTuples (*pq.PQcmdTuples)
#define PQconnectdb (*pq.PQconnectdb)
#define PQerrorMessage (*pq.PQerrorMessage)
#define PQexec (*pq.PQexec)
#define PQexecPrepared (*pq.PQexecPrepared)
#define PQexecParams (*pq.PQexecParams)
#define PQfinish (*pq.PQfinish)
#define PQfreemem (*pq.PQfreemem)
#define PQgetCopyData (*pq.PQgetCopyData)
#define PQgetResult (*pq.PQgetResult)
#define PQgetisnull (*pq.PQgetisnull)
#define PQgetvalue (*pq.PQgetvalue)
#define PQgetlength (*pq.PQgetlength)
#define PQntuples (*pq.PQntuples)
#define PQnfields (*pq.PQnfields)
#define PQfname (*pq.PQfname)
#define PQftype (*pq.PQftype)
#define PQprepare (*pq.PQprepare)
#define PQputCopyData (*pq.PQputCopyData)
#define PQputCopyEnd (*pq.PQputCopyEnd)
#define PQreset (*pq.PQreset)
#define PQresultErrorField (*pq.PQresultErrorField)
#define PQresultErrorMessage (*pq.PQresultErrorMessage)
#define PQresultStatus (*pq.PQresultStatus)
#define PQresStatus (*pq.PQresStatus)
#define PQsendQuery (*pq.PQsendQuery)
#define PQsendQueryParams (*pq.PQsendQueryParams)
#define PQsendQueryPrepared (*pq.PQsendQueryPrepared)
#define PQsetNoticeProcessor (*pq.PQsetNoticeProcessor)
#define PQsetSingleRowMode (*pq.PQsetSingleRowMode)
#define PQstatus (*pq.PQstatus)
#define PQtransactionStatus (*pq.PQtransactionStatus)
#define PQescapeLiteral (*pq.PQescapeLiteral)
#define PQescapeIdentifier (*pq.PQescapeIdentifier)
#define PQconsumeInput (*pq.PQconsumeInput)
#define PQisBusy (*pq.PQisBusy)
#define PQflush (*pq.PQflush)
#define PQsetnonblocking (*pq.PQsetnonblocking)
#define PQsocket (*pq.PQsocket)
#define PQenterPipelineMode (*pq.PQenterPipelineMode)
#define PQexitPipelineMode (*pq.PQexitPipelineMode)
#define PQpipelineSync (*pq.PQpipelineSync)
#define PQpipelineStatus (*pq.PQpipelineStatus)
#define PQserverVersion (*pq.PQserverVersion)
#define PQbinaryTuples (*pq.PQbinaryTuples)
#define PQfformat (*pq.PQfformat)

struct pg {
    PGconn *conn;
    char **prepared; /* names prepared on this connection */
    size_t prepared_count;
    size_t prepared_alloc;
    char sqlstate[6];
    int in_copy;
};

struct pg_result {
    PGresult *res;
};

/* The server's notices (IF NOT EXISTS, ...) are not ours to print. */
static void drop_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The first line of a libpq message, without its trailing newline. */
static void first_line(const char *text, char *out, size_t n)
{
    size_t len = strcspn(text ? text : "", "\n");
    if (len >= n)
        len = n - 1;
    memcpy(out, text ? text : "", len);
    out[len] = '\0';
}

int pg_connect(const char *conninfo, struct pg **out, struct err *e)
{
    *out = NULL;
    if (!conninfo || !*conninfo)
        return err_set(e, ERR_INPUT, "pg", "missing (give --pg CONNINFO or "
                       "set TOUCHSTONE_PG)");
    if (dynlib_load(&libpq, e) < 0)
        return -1;
    PGconn *conn = PQconnectdb(conninfo);
    if (!conn)
        die("out of memory connecting to PostgreSQL");
    if (PQstatus(conn) != CONNECTION_OK) {
        char line[400];
        first_line(PQerrorMessage(conn), line, sizeof(line));
        PQfinish(conn);
        return err_set(e, ERR_FAIL, "pg", "unable to connect to PostgreSQL: "
                       "%s", line);
    }
    PQsetNoticeProcessor(conn, drop_notice, NULL);
    struct pg *db = xcalloc(1, sizeof(*db));
    db->conn = conn;
    *out = db;
    return 0;
}

void pg_close(struct pg *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->prepared_count; i++)
        free(db->prepared[i]);
    free(db->prepared);
    PQfinish(db->conn);
    free(db);
}

int pg_recover(struct pg *db)
{
    if (PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    PQreset(db->conn);
    for (size_t i = 0; i < db->prepared_count; i++)
        free(db->prepared[i]);
    db->prepared_count = 0;
    db->in_copy = 0;
    return PQstatus(db->conn) == CONNECTION_OK ? 0 : -1;
}

const char *pg_sqlstate(const struct pg *db)
{
    return db->sqlstate;
}

/* Fills e from a failed result (or the connection when res is NULL) and
 * returns -1; frees res. */
static int fail_result(struct pg *db, PGresult *res, struct err *e)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
                            : NULL;
    snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
    const char *primary =
        res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char line[400];
    first_line(primary ? primary : PQerrorMessage(db->conn), line,
               sizeof(line));
    if (res)
        PQclear(res);
    if (PQstatus(db->conn) != CONNECTION_OK)
        return err_set(e, ERR_FAIL, "pg", "lost the connection to "
                       "PostgreSQL: %s", line);
    return err_set(e, ERR_FAIL, "pg", "PostgreSQL refused (SQLSTATE %s): "
                   "%s", db->sqlstate[0] ? db->sqlstate : "?", line);
}

static int result_ok(PGresult *res)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
           st == PGRES_SINGLE_TUPLE;
}

int pg_exec(struct pg *db, const char *sql, struct err *e)
{
    db->sqlstate[0] = '\0';
    PGresult *res = PQexec(db->conn, sql);
    if (!result_ok(res))
        return fail_result(db, res, e);
    PQclear(res);
    return 0;
}

/* Prepares q on this connection unless it is already. */
static int ensure_prepared(struct pg *db, const struct pg_query *q,
                           struct err *e)
{
    for (size_t i = 0; i < db->prepared_count; i++)
        if (!strcmp(db->prepared[i], q->name))
            return 0;
    PGresult *res = PQprepare(db->conn, q->name, q->sql, q->nparams, NULL);
    if (!result_ok(res))
        return fail_result(db, res, e);
    PQclear(res);
    ALLOC_GROW(db->prepared, db->prepared_count + 1, db->prepared_alloc);
    db->prepared[db->prepared_count++] = xstrdup(q->name);
    return 0;
}

int pg_run(struct pg *db, const struct pg_query *q,
           const char *const *params, struct pg_result **out,
           struct err *e)
{
    if (out)
        *out = NULL;
    db->sqlstate[0] = '\0';
    if (ensure_prepared(db, q, e) < 0)
        return -1;
    PGresult *res = PQexecPrepared(db->conn, q->name, q->nparams,
                                   (const char *const *)params, NULL, NULL,
                                   0);
    if (!result_ok(res))
        return fail_result(db, res, e);
    if (out) {
        *out = xcalloc(1, sizeof(**out));
        (*out)->res = res;
    } else {
        PQclear(res);
    }
    return 0;
}

int pg_run_int(struct pg *db, const struct pg_query *q, int64_t v,
               struct pg_result **out, struct err *e)
{
    char text[24];
    snprintf(text, sizeof(text), "%" PRId64, v);
    const char *params[] = {text};
    return pg_run(db, q, params, out, e);
}

int pg_each(struct pg *db, const struct pg_query *q,
            const char *const *params,
            int (*row)(void *ctx, const struct pg_result *r, struct err *e),
            void *ctx, struct err *e)
{
    db->sqlstate[0] = '\0';
    if (ensure_prepared(db, q, e) < 0)
        return -1;
    if (!PQsendQueryPrepared(db->conn, q->name, q->nparams,
                             (const char *const *)params, NULL, NULL, 0))
        return fail_result(db, NULL, e);
    PQsetSingleRowMode(db->conn);
    int rc = 0;
    PGresult *res;
    while ((res = PQgetResult(db->conn)) != NULL) {
        if (rc < 0) {
            PQclear(res); /* drain what is left after a stop */
            continue;
        }
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE) {
            struct pg_result r = {res};
            rc = row(ctx, &r, e);
            PQclear(res);
        } else if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            PQclear(res);
        } else {
            rc = fail_result(db, res, e);
        }
    }
    return rc;
}

int pg_begin(struct pg *db, struct err *e)
{
    return pg_exec(db, "BEGIN", e);
}

int pg_commit(struct pg *db, struct err *e)
{
    return pg_exec(db, "COMMIT", e);
}

void pg_rollback(struct pg *db)
{
    if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
        return;
    PGresult *res = PQexec(db->conn, "ROLLBACK");
    PQclear(res);
}

int pg_copy_begin(struct pg *db, const char *sql, struct err *e)
{
    db->sqlstate[0] = '\0';
    PGresult *res = PQexec(db->conn, sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN)
        return fail_result(db, res, e);
    PQclear(res);
    db->in_copy = 1;
    return 0;
}

int pg_copy_put(struct pg *db, const char *data, size_t len, struct err *e)
{
    while (len > 0) {
        int chunk = len > (1 << 30) ? (1 << 30) : (int)len;
        if (PQputCopyData(db->conn, data, chunk) != 1)
            return fail_result(db, NULL, e);
        data += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

int pg_copy_end(struct pg *db, int failed, struct err *e)
{
    if (!db->in_copy)
        return failed ? -1 : 0;
    db->in_copy = 0;
    if (PQputCopyEnd(db->conn, failed ? "refused" : NULL) != 1)
        return fail_result(db, NULL, e);
    int rc = 0;
    PGresult *res;
    while ((res = PQgetResult(db->conn)) != NULL) {
        if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (failed) {
                PQclear(res);
                rc = -1;
            } else {
                rc = fail_result(db, res, e);
            }
            continue;
        }
        PQclear(res);
    }
    return failed ? -1 : rc;
}

int pg_rows(const struct pg_result *r)
{
    return PQntuples(r->res);
}

int pg_affected(const struct pg_result *r)
{
    return atoi(PQcmdTuples(r->res));
}

const char *pg_text(const struct pg_result *r, int row, int col)
{
    if (PQgetisnull(r->res, row, col))
        return NULL;
    return PQgetvalue(r->res, row, col);
}

int pg_is_null(const struct pg_result *r, int row, int col)
{
    return PQgetisnull(r->res, row, col);
}

int64_t pg_int(const struct pg_result *r, int row, int col)
{
    const char *t = pg_text(r, row, col);
    return t ? strtoll(t, NULL, 10) : 0;
}

double pg_double(const struct pg_result *r, int row, int col)
{
    const char *t = pg_text(r, row, col);
    return t ? strtod(t, NULL) : 0;
}

void pg_result_free(struct pg_result *r)
{
    if (!r)
        return;
    PQclear(r->res);
    free(r);
}

void pg_copy_field(struct buf *out, const char *text)
{
    if (!text) {
        buf_puts(out, "\\N");
        return;
    }
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '\\': buf_puts(out, "\\\\"); break;
        case '\t': buf_puts(out, "\\t"); break;
        case '\n': buf_puts(out, "\\n"); break;
        case '\r': buf_puts(out, "\\r"); break;
        default: buf_putc(out, *p);
        }
    }
}

/* A big-endian unsigned integer of n bytes. */
static uint64_t big_endian(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

int64_t pg_binary_int(const char *field, int len)
{
    uint64_t v = big_endian((const unsigned char *)field, len);
    switch (len) {
    case 2: return (int16_t)(uint16_t)v;
    case 4: return (int32_t)(uint32_t)v;
    case 8: return (int64_t)v;
    }
    BUG("binary integer of %d bytes", len);
}

int pg_binary_text_is(const char *field, int len, const char *s)
{
    return field && (size_t)len == strlen(s) &&
           !memcmp(field, s, (size_t)len);
}

double pg_binary_double(const char *field, int len)
{
    if (len != 8)
        BUG("binary float8 of %d bytes", len);
    uint64_t bits = big_endian((const unsigned char *)field, 8);
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

#define COPY_SIGNATURE "PGCOPY\n\377\r\n"
#define COPY_SIGNATURE_LEN 11

/* Walks the tuples of one CopyData message of the binary format: 1 after
 * the trailer, 0 for more, -1 with e (malformed, or row failed). */
static int copy_message(const char *data, int len, int *header_seen,
                        const char **fields, int *lens, int max_fields,
                        int (*row)(void *, const char *const *, const int *,
                                   int, struct err *),
                        void *ctx, struct err *e)
{
    const unsigned char *p = (const unsigned char *)data;
    const unsigned char *end = p + len;
    if (!*header_seen) {
        if (len < COPY_SIGNATURE_LEN + 8 ||
            memcmp(p, COPY_SIGNATURE, COPY_SIGNATURE_LEN))
            return err_set(e, ERR_FAIL, "pg", "COPY sent no binary header");
        p += COPY_SIGNATURE_LEN + 4;
        uint64_t ext = big_endian(p, 4);
        p += 4;
        if ((uint64_t)(end - p) < ext)
            return err_set(e, ERR_FAIL, "pg", "COPY's header is cut short");
        p += ext;
        *header_seen = 1;
    }
    while (p < end) {
        if (end - p < 2)
            return err_set(e, ERR_FAIL, "pg", "COPY's tuple is cut short");
        int count = (int16_t)(uint16_t)big_endian(p, 2);
        p += 2;
        if (count == -1)
            return 1;
        if (count < 0 || count > max_fields)
            return err_set(e, ERR_FAIL, "pg", "COPY sent %d columns, more "
                           "than %d", count, max_fields);
        for (int i = 0; i < count; i++) {
            if (end - p < 4)
                return err_set(e, ERR_FAIL, "pg", "COPY's tuple is cut "
                               "short");
            int32_t n = (int32_t)(uint32_t)big_endian(p, 4);
            p += 4;
            if (n < 0) {
                fields[i] = NULL;
                lens[i] = 0;
                continue;
            }
            if (end - p < n)
                return err_set(e, ERR_FAIL, "pg", "COPY's field is cut "
                               "short");
            fields[i] = (const char *)p;
            lens[i] = n;
            p += n;
        }
        if (row(ctx, fields, lens, count, e) < 0)
            return -1;
    }
    return 0;
}

int pg_copy_out_binary(struct pg *db, const char *sql, int max_fields,
                       int (*row)(void *ctx, const char *const *fields,
                                  const int *lens, int count, struct err *e),
                       void *ctx, struct err *e)
{
    db->sqlstate[0] = '\0';
    PGresult *res = PQexec(db->conn, sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_OUT)
        return fail_result(db, res, e);
    PQclear(res);
    const char **fields = xreallocarray(NULL, (size_t)max_fields,
                                        sizeof(*fields));
    int *lens = xreallocarray(NULL, (size_t)max_fields, sizeof(*lens));
    int header_seen = 0, rc = 0, done = 0;
    char *data;
    int len;
    /* Every message is read to the end, even after a failure, so that the
     * connection is left ready for the next statement. */
    while ((len = PQgetCopyData(db->conn, &data, 0)) > 0) {
        if (rc == 0 && !done) {
            int r = copy_message(data, len, &header_seen, fields, lens,
                                 max_fields, row, ctx, e);
            if (r < 0)
                rc = -1;
            else if (r == 1)
                done = 1;
        }
        PQfreemem(data);
    }
    free(fields);
    free(lens);
    if (len == -2 && rc == 0)
        rc = fail_result(db, NULL, e);
    while ((res = PQgetResult(db->conn)) != NULL) {
        if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = fail_result(db, res, e);
            continue;
        }
        PQclear(res);
    }
    return rc;
}
