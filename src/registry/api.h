/*
 * api: the registry's HTTP API (docs/registry.md), answered on the web
 * server's request and response (web/http.h) with one PostgreSQL
 * connection of the worker's:
 *
 *   POST /registry/v1/enroll    {"name", "public_key"}: 201 a new clinic
 *                               (pending), 200 a key already enrolled
 *   POST /registry/v1/push      registry/ingest.h
 *   GET  /registry/v1/national  the national report signed by the
 *                               registry (registry/national.h), from
 *                               the cache while nothing has changed
 *   POST /registry/v1/certify   a registry certificate
 *   POST /registry/v1/clinics/key  a clinic's key change
 *                               (registry/clinic_key_change.h)
 *   GET  /log/v1/...            the transparency log (both:
 *                               registry/cert_api.h)
 *
 * Every error is {"error": {"code", "field" (or null), "message"}}; a 409
 * of push adds "last_seq" and "last_digest". Nothing here prints: the
 * server logs one line per request, never a body.
 */
#ifndef TS_REGISTRY_API_H
#define TS_REGISTRY_API_H

#include "outcomes/signing.h"
#include "registry/pg.h"
#include "web/http.h"

struct catalog;

struct registry_api {
    unsigned char secret_key[SIGNING_SECRET_BYTES]; /* the registry's */
    char public_key[48];                            /* base64 */
    int min_cell; /* small cells withheld from the national report */
    /* The signed national document between requests (registry/national.h);
     * NULL: computed at every GET. */
    struct registry_national_cache *national_cache;
    const struct catalog *catalog; /* protocols' names (directory pages) */
};

/* One route of the registry's server: answers req into resp (initialised
 * by the caller) using db, never failing (every problem becomes an error
 * response). */
typedef void registry_route(const struct registry_api *api, struct pg *db,
                            struct http_request *req,
                            struct http_response *resp);

/* Replies with doc (takes the reference), or with the error document of
 * e ({"error": {"code", "field", "message"}}; a 500 shows no detail). For
 * the routes of other files (registry/cert_api.h). */
void registry_api_reply_json(struct http_response *resp, int status,
                             json_t *doc);
void registry_api_reply_error(struct http_response *resp, int status,
                              const struct err *e);

/* Every route of the registry's server: the one the path names. */
registry_route registry_api_handle;

#endif
