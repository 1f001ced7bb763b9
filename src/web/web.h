/*
 * web: the web server's face for the command line. web_handle() answers
 * one parsed request (routing, login, CSRF, the handler, errors, security
 * headers); web_serve() runs it behind libmicrohttpd until SIGINT or
 * SIGTERM. `touchstone test-http` calls web_handle() directly.
 *
 * This layer turns struct err into HTTP statuses: ERR_INPUT 422 (400 for
 * malformed JSON or query), ERR_NOT_FOUND 404 (a record the caller may not
 * see answers exactly like a missing one), ERR_CONFLICT 409, ERR_SCOPE and
 * ERR_REFUSED 422 with codes "out_of_scope" and "refused", ERR_AUTH 401,
 * ERR_FAIL 500. Errors under /api/ are JSON:
 *   {"error": {"code": "...", "message": "...", "field": "..." or null}}
 */
#ifndef TS_WEB_WEB_H
#define TS_WEB_WEB_H

#include "record/websession.h"
#include "store/store.h"
#include "web/http.h"

struct audit_writer;
struct catalog;

struct web_config {
    struct websession_limits limits; /* session idle and absolute ends */
    int tls;                         /* cookies get Secure */
    /* The protocol catalog, loaded by the caller and only read (shared by
     * every thread); NULL: the catalog endpoints answer 503. */
    const struct catalog *catalog;
    /* The group-commit writer of the audit entries of reads (record/
     * audit.h), or NULL: each read then appends its own in its
     * transaction. With one, a GET or HEAD runs in read mode (store.h)
     * and its answer waits until its entries are durable. */
    struct audit_writer *audit;
};

/* Defaults (no catalog), with session limits from the environment
 * (websession_limits_default). */
void web_config_default(struct web_config *c);

/* Answers req into resp (initialised by the caller), using store s (one
 * connection, used by this thread only for the request). Never fails:
 * every problem becomes an error response. */
void web_handle(const struct web_config *cfg, struct store *s,
                struct http_request *req, struct http_response *resp);

/* Answers a request that could not be parsed or served (400 malformed,
 * 411, 431, 501, 503) with a JSON error from e, and the security
 * headers. */
void web_reply_unparsed(int status, const struct err *e,
                        struct http_response *resp);

/*
 * What a server other than the clinic's runs (the registry on PostgreSQL):
 * its own connections, opened as workers need them (one per busy worker,
 * kept for the next request, closed when the server stops), and its own
 * handler. ctx is passed back to each function.
 */
struct web_backend {
    void *ctx;
    /* Opens a connection; NULL with e when it cannot (the request then
     * gets 503). */
    void *(*open)(void *ctx, struct err *e);
    void (*close)(void *ctx, void *conn);
    /* Answers req into resp using conn, which no other thread uses
     * meanwhile. Never fails: every problem becomes a response. */
    void (*handle)(void *ctx, void *conn, struct http_request *req,
                   struct http_response *resp);
};

struct web_serve_options {
    const char *db_path; /* the clinic's database (without a backend) */
    const char *listen;  /* "127.0.0.1:8080", "[::1]:8080"; port 0: any */
    int threads;         /* worker threads (libmicrohttpd thread pool) */
    int timeout_seconds; /* idle connection timeout */
    struct web_config config;
    /* NULL: the clinic's pages and API (web_handle) on store connections
     * to db_path. Otherwise this backend answers every request. */
    const struct web_backend *backend;
};

/*
 * Serves until SIGINT or SIGTERM: binds listen, prints
 * "listening on http://HOST:PORT/" to stdout, logs one line per request to
 * stderr (instant, client, method, path without the query, status, bytes,
 * milliseconds: never a body, a cookie or a query). On a signal it stops
 * accepting, lets requests in flight finish (up to 10 seconds), closes
 * the database connections and returns 0. -1 with e when it cannot start.
 * Requests use a pool of connections (store connections, or the
 * backend's), one per busy worker; the first is opened before listening,
 * so that a database that cannot be opened stops the start.
 */
int web_serve(const struct web_serve_options *o, struct err *e);

#endif
