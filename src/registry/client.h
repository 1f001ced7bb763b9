/*
 * client: the clinic's HTTP client of the registry (libcurl; the only
 * module of registry/ that speaks to the network). One request at a time:
 * a JSON body out, the status and the JSON answer back.
 *
 * Timeouts: REGISTRY_CLIENT_CONNECT_SECONDS to connect, then
 * REGISTRY_CLIENT_TOTAL_SECONDS for the whole exchange; an answer larger
 * than REGISTRY_CLIENT_ANSWER_MAX bytes is refused. Failures to reach the
 * registry are ERR_FAIL, field "url", the message naming the URL and the
 * cause ("cannot connect to http://...: Connection refused").
 */
#ifndef TS_REGISTRY_CLIENT_H
#define TS_REGISTRY_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

#define REGISTRY_CLIENT_CONNECT_SECONDS 10L
#define REGISTRY_CLIENT_TOTAL_SECONDS 300L
#define REGISTRY_CLIENT_ANSWER_MAX (256u << 20)

/* An answer: the HTTP status and the body parsed as JSON (NULL when the
 * body was empty or not JSON; raw keeps the start of it then). */
struct registry_answer {
    long status;
    json_t *json; /* owned: registry_answer_release() */
    char raw[200];
};

void registry_answer_release(struct registry_answer *a);

/*
 * POSTs the len bytes of body (application/json) to base_url + path. On
 * any HTTP answer returns 0 with *out filled (whatever the status); -1
 * with e when the registry could not be reached, did not answer in time
 * or answered too much. Allocates out->json.
 */
int registry_client_post(const char *base_url, const char *path,
                         const char *body, size_t len,
                         struct registry_answer *out, struct err *e);
/* The same with a GET of base_url + path. */
int registry_client_get(const char *base_url, const char *path,
                        struct registry_answer *out, struct err *e);

/*
 * The error of a registry's refusal ({"error": {"code", "field",
 * "message"}}) into e: the field and message as the registry gave them,
 * prefixed with the status, and the code mapped to ours (400 ERR_INPUT,
 * 401/403 ERR_AUTH, 404 ERR_NOT_FOUND, 409 ERR_CONFLICT, else ERR_FAIL).
 * Returns -1.
 */
int registry_client_refusal(const struct registry_answer *a, struct err *e);

/* Checks that base_url is an http:// or https:// URL of at most max
 * bytes without blanks (ERR_INPUT, field "url"); writes it without a
 * trailing "/" to out (of max + 1 bytes). */
int registry_client_url(const char *base_url, char *out, size_t max,
                        struct err *e);

#endif
