/*
 * http: the request and response of the web server, independent of the
 * socket library. The server (server.c, on libmicrohttpd) and
 * `touchstone test-http` (one raw request from standard input) both fill a
 * struct http_request and send the struct http_response that web_handle()
 * fills, so a test through stdin runs the same code as a real client.
 *
 * Ownership: every string in these structs is owned by the struct;
 * http_request_release() and http_response_release() free everything.
 * Lookups return pointers into the struct, valid until it is released or
 * changed.
 */
#ifndef TS_WEB_HTTP_H
#define TS_WEB_HTTP_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define HTTP_BODY_CAP (1024 * 1024)   /* request bodies past this: 413 */
/* The registry's push (docs/registry.md) carries batches of 10,000 rows
 * (about 6 MiB of JSON): its path has a cap of its own, still bounded. */
#define HTTP_PUSH_PATH "/registry/v1/push"
#define HTTP_PUSH_BODY_CAP (32 * 1024 * 1024)
#define HTTP_HEADER_CAP (64 * 1024)   /* request line and headers */
#define HTTP_MAX_HEADERS 100

/* An ordered list of name/value pairs: headers, query or form fields. */
struct http_pair {
    char *name;
    char *value;
};

struct http_pairs {
    struct http_pair *items;
    size_t count;
    size_t alloc;
};

#define HTTP_PAIRS_INIT {NULL, 0, 0}

/* Appends copies of name and value. */
void http_pairs_add(struct http_pairs *p, const char *name, const char *value);
/* The first value named name (ASCII case ignored when nocase), or NULL. */
const char *http_pairs_get(const struct http_pairs *p, const char *name,
                           int nocase);
/* How many pairs are named name (exact). */
size_t http_pairs_count(const struct http_pairs *p, const char *name);
/* Frees every pair. */
void http_pairs_release(struct http_pairs *p);

/*
 * Parses application/x-www-form-urlencoded text (a query string or a form
 * body) of len bytes into decoded pairs appended to out: '+' is a space,
 * %XX a byte. -1 with e (field "query") on a bad escape, a NUL byte or
 * text that is not UTF-8 after decoding.
 */
int http_form_parse(const char *text, size_t len, struct http_pairs *out,
                    struct err *e);

/* Decodes %XX escapes of text (len bytes) into a new string; '+' stays
 * unless plus_is_space. NULL when an escape is malformed or decodes to
 * NUL. Allocates; the caller frees. */
char *http_percent_decode(const char *text, size_t len, int plus_is_space);

struct http_request {
    char method[16];
    char *target;  /* the request target as received ("/a/b?x=1") */
    char *path;    /* the decoded path, from '/' up to '?' */
    char *query;   /* the raw query after '?', "" when none */
    struct http_pairs headers;
    struct buf body; /* capped at http_body_cap(path) */
    char client[64]; /* the peer's address, "local" for test-http */
    int tls;         /* served over TLS (cookies then get Secure) */
    int body_too_large; /* the body went past the cap: answer 413 */
};

void http_request_init(struct http_request *r);
void http_request_release(struct http_request *r);
/* Sets the method (an HTTP token of at most 15 characters); -1 with e
 * otherwise. */
int http_request_set_method(struct http_request *r, const char *method,
                            struct err *e);
/* Splits a request target ("/path?query", origin form) into path (percent
 * decoded) and query (raw). -1 with e when it does not start with '/',
 * holds a bad escape, a NUL or a control character. */
int http_request_set_target(struct http_request *r, const char *target,
                            struct err *e);
/* The body cap of a request to the decoded path: HTTP_PUSH_BODY_CAP for
 * HTTP_PUSH_PATH, HTTP_BODY_CAP otherwise. */
size_t http_body_cap(const char *path);
/* A request header (name case ignored), or NULL. */
const char *http_request_header(const struct http_request *r,
                                const char *name);
/* Appends body bytes; past the cap sets body_too_large and keeps none. */
void http_request_add_body(struct http_request *r, const void *data,
                           size_t len);
/* The value of cookie name from the Cookie header(s), copied into out
 * (size n); 0 when found and it fits, -1 otherwise. */
int http_request_cookie(const struct http_request *r, const char *name,
                        char *out, size_t n);
/* The media type of Content-Type, lowercased and without parameters
 * ("application/json"), into out (size n); "" when absent. */
void http_request_media_type(const struct http_request *r, char *out,
                             size_t n);

/*
 * Parses one raw HTTP/1.x request (as `touchstone test-http` reads it):
 * the request line "METHOD TARGET HTTP/1.x", header lines (CRLF or LF),
 * an empty line, then Content-Length bytes of body. Returns 0 when r is
 * filled (r->body_too_large may be set), otherwise the HTTP status to
 * answer (400 malformed, 411 a body without Content-Length, 431 headers
 * too large, 501 Transfer-Encoding) with e saying why.
 */
int http_request_parse(struct http_request *r, const char *raw, size_t len,
                       struct err *e);

struct http_response {
    int status;
    struct http_pairs headers; /* in order; Set-Cookie may repeat */
    struct buf body;
};

void http_response_init(struct http_response *r);
void http_response_release(struct http_response *r);
/* Sets a header, replacing any of the same name (case ignored). */
void http_response_set_header(struct http_response *r, const char *name,
                              const char *value);
/* Adds a header even when one of that name exists (Set-Cookie). */
void http_response_add_header(struct http_response *r, const char *name,
                              const char *value);
/* The value of a response header, or NULL. */
const char *http_response_header(const struct http_response *r,
                                 const char *name);
/* Empties the headers and body, keeping nothing of a half-made reply. */
void http_response_reset(struct http_response *r);

/* The reason phrase of a status ("Not Found"); "Unknown" if none. */
const char *http_status_reason(int status);

/* Writes the whole response as raw HTTP/1.1 into out: status line,
 * headers, Content-Length, an empty line, the body (omitted when
 * head_only). */
void http_response_serialize(const struct http_response *r, int head_only,
                             struct buf *out);

#endif
