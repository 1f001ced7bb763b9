/*
 * context: what a route handler works with (struct web_ctx) and the
 * helpers that write its reply. Internal to web/.
 *
 * A handler returns 0 after filling w->resp (status, Content-Type, body),
 * or -1 after filling w->err (through web_fail/web_error or a lower
 * layer); web_handle() then throws away whatever the handler had written
 * and sends a clean error reply instead (buffered replies, as Fossil's
 * cgi_reply). Handlers never print.
 *
 * Ownership: w->json and w->form (the parsed body) and w->query belong to
 * the context
 * and are freed by web_handle(); web_reply_json() takes the reference it is
 * given.
 */
#ifndef TS_WEB_CONTEXT_H
#define TS_WEB_CONTEXT_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "core/json_read.h"
#include "record/actor.h"
#include "record/websession.h"
#include "web/html.h"
#include "web/http.h"
#include "web/router.h"
#include "web/web.h"

#define WEB_SESSION_COOKIE "ts_session"
#define WEB_LOGIN_COOKIE "ts_login" /* the pre-session token of /login */
#define WEB_PER_PAGE_DEFAULT 50
#define WEB_PER_PAGE_MAX 200

struct web_ctx {
    const struct web_config *config;
    struct store *store;
    struct http_request *req;
    struct http_response *resp;
    struct route_match match;
    struct http_pairs query; /* the decoded query string */
    json_t *json;            /* the request body when it is JSON */
    struct http_pairs form;  /* the request body when it is a form */
    /* The login, when a live session cookie came with the request. */
    int logged_in;
    int session_expired; /* a cookie named a session that has ended */
    char session_token[WEBSESSION_TOKEN_HEX];
    struct websession session;
    struct actor actor; /* the caller, for every record call */
    /* A failure: the error, and an HTTP status and code when they are not
     * those of err.code (413, 415, 429, 403 "csrf", ...). */
    struct err err;
    int error_status;
    char error_code[32];
    long retry_after; /* seconds, for 429 */
};

/* Fails with a struct err from a lower layer (already in w->err). */
int web_fail(struct web_ctx *w);
/* Fails with an explicit status, code and field. Returns -1. */
int web_error(struct web_ctx *w, int status, const char *code,
              const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Replies with a JSON document (takes the reference); status 200, 201. */
/* Writes doc as an answer's JSON text (compact, '\n' at the end) into
 * out, replacing what it held; takes the reference to doc. */
void web_json_text(json_t *doc, struct buf *out);
int web_reply_json(struct web_ctx *w, int status, json_t *doc);
/* Replies with an empty body (204) or a redirect (303 to location). */
int web_reply_empty(struct web_ctx *w, int status);
int web_redirect(struct web_ctx *w, const char *location);
/* The HTTP status and code for an error (w->error_status or from err). */
int web_error_status(const struct web_ctx *w, const char **code);

/* Sets a cookie: HttpOnly, SameSite=Strict, Path=/, Secure under TLS;
 * max_age < 0 leaves it a browser-session cookie, 0 removes it. */
void web_set_cookie(struct web_ctx *w, const char *name, const char *value,
                    long max_age);

/* Constant-time comparison of two tokens (sodium_memcmp); 1 when equal
 * and both non-empty. */
int web_token_equal(const char *a, const char *b);

/*
 * Strict JSON fields. api_fields() checks that every member of obj is
 * named in fields (else 422 naming it, "unknown field"), that each has the
 * type asked (else 422 naming it), and that required ones are present and
 * not null; then writes each present value to its out pointer:
 * API_STRING const char ** (owned by obj), API_INT int64_t *, API_NUMBER
 * double *, API_BOOL int *, API_ARRAY and API_OBJECT json_t ** (borrowed).
 * Absent or null optional fields leave *out untouched and *present 0.
 * The types are json_read's kinds (core/json_read.h), named as it names
 * them ("must be a whole number").
 */
enum api_type {
    API_STRING = JSON_KIND_TEXT,
    API_INT = JSON_KIND_INTEGER,
    API_NUMBER = JSON_KIND_NUMBER,
    API_BOOL = JSON_KIND_BOOLEAN,
    API_ARRAY = JSON_KIND_ARRAY,
    API_OBJECT = JSON_KIND_OBJECT,
};

struct api_field {
    const char *name;
    enum api_type type;
    int required;
    void *out;
    int *present; /* may be NULL */
};

#define API_FIELDS_END {NULL, API_STRING, 0, NULL, NULL}

int api_fields(struct web_ctx *w, json_t *obj, const struct api_field *fields);
/* The request body as an object (api_fields on it). */
int api_body(struct web_ctx *w, const struct api_field *fields);

/* Refuses query parameters not in names (NULL-terminated) or given twice
 * (422 naming the parameter). */
int api_query_allow(struct web_ctx *w, const char *const *names);
/* Refuses every query parameter (422 naming the first). */
int api_query_none(struct web_ctx *w);
/* Reads ?page= (from 1) and ?per_page= (1..WEB_PER_PAGE_MAX); 422 naming
 * the parameter when malformed. */
int api_page(struct web_ctx *w, int *page, int *per_page);
/* A positive whole-number query parameter; 0 when absent. */
int api_query_int(struct web_ctx *w, const char *name, int64_t *out);

/* {"items": items, "page": p, "per_page": n, "total": total}; takes
 * items. */
json_t *api_page_doc(json_t *items, int page, int per_page, int64_t total);

/* The page chrome shared by every HTML page: doctype, head (title, the
 * stylesheet), the header with the login and a logout button, <main>. */
void page_begin(struct web_ctx *w, const char *title);
/* Closes <main>, writes the footer, ends the document. */
void page_end(struct web_ctx *w);
/* A whole error page (used by web_handle for page routes). */
void page_error(struct web_ctx *w, int status, const char *message);

#endif
