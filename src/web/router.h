/*
 * router: matches a method and a decoded path against a table of routes,
 * independent of the socket library and of the handlers' work. Adding an
 * endpoint is one line in the table (web.c).
 *
 * A pattern is a path whose segments are literals or parameters in braces:
 * "/api/v1/patients/{id}/referrals". A parameter named "id" or ending in
 * "_id" matches only a positive whole number without leading zeros (at
 * most 15 digits); any other parameter matches a segment of letters,
 * digits, '.', '_' and '-' (at most 127 bytes). A path that fits no
 * pattern is ROUTE_NO_PATH (404); one that fits patterns of other methods
 * only is ROUTE_NO_METHOD (405, with the Allow list). GET routes answer
 * HEAD too. Nothing here allocates.
 */
#ifndef TS_WEB_ROUTER_H
#define TS_WEB_ROUTER_H

#include <stddef.h>
#include <stdint.h>

struct web_ctx;
typedef int (*route_fn)(struct web_ctx *w);

enum route_flag {
    ROUTE_PUBLIC = 1 << 0, /* answers without a login */
    ROUTE_PAGE = 1 << 1,   /* an HTML page: HTML errors, login redirects */
    ROUTE_STATIC = 1 << 2, /* an embedded asset: may be cached */
};

struct route {
    const char *method;  /* "GET", "POST", "PATCH", "DELETE", ... */
    const char *pattern; /* "/api/v1/patients/{id}" */
    route_fn handler;
    unsigned flags;      /* enum route_flag bits */
};

#define ROUTE_MAX_PARAMS 4
#define ROUTE_PARAM_MAX 128

struct route_param {
    char name[32];
    char value[ROUTE_PARAM_MAX];
    int64_t id; /* the number, for "id" and "*_id" parameters; else 0 */
};

struct route_match {
    const struct route *route; /* the route found, or NULL */
    int param_count;
    struct route_param params[ROUTE_MAX_PARAMS];
    char allow[128]; /* for ROUTE_NO_METHOD: "GET, HEAD, POST" */
};

enum route_result {
    ROUTE_FOUND,
    ROUTE_NO_PATH,
    ROUTE_NO_METHOD,
};

/* Finds the first route of routes[0..n) for method and path, filling *m. */
enum route_result router_match(const struct route *routes, size_t n,
                               const char *method, const char *path,
                               struct route_match *m);

/* A parameter's text, or NULL when the route has none of that name. */
const char *route_param(const struct route_match *m, const char *name);
/* A numeric parameter ("id", "*_id"), or 0 when absent. */
int64_t route_param_id(const struct route_match *m, const char *name);

#endif
