/* The registry's HTTP API (registry/api.h). */
#include "registry/api.h"
#include "registry/directory_page.h"
#include "core/json_read.h"
#include "core/util.h"
#include "record/clinic_key.h"
#include "record/validate.h"
#include "registry/cert_api.h"
#include "registry/clinic_key_change.h"
#include "registry/ingest.h"
#include "registry/national.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replies with JSON text already written. */
static void reply_text(struct http_response *resp, int status,
                       const char *text)
{
    resp->status = status;
    http_response_set_header(resp, "Content-Type",
                             "application/json; charset=utf-8");
    http_response_set_header(resp, "Cache-Control", "no-store");
    http_response_set_header(resp, "X-Content-Type-Options", "nosniff");
    buf_reset(&resp->body);
    buf_puts(&resp->body, text);
    buf_putc(&resp->body, '\n');
}

/* Replies with doc (takes the reference). */
static void reply_json(struct http_response *resp, int status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                     JSON_REAL_PRECISION(17));
    json_decref(doc);
    if (!text)
        die("out of memory writing JSON");
    reply_text(resp, status, text);
    free(text);
}

static const char *status_code(int status)
{
    switch (status) {
    case 400: return "bad_request";
    case 401: return "bad_signature";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 422: return "refused";
    }
    return "internal";
}

/* The error document of e; extra (may be NULL) is merged into the error
 * object (taken). A 500 shows no detail of the database. */
static void reply_error(struct http_response *resp, int status,
                        const struct err *e, json_t *extra)
{
    const char *message = status >= 500 ? "the registry failed; try again"
                                        : e->message;
    json_t *error = json_pack("{ssss}", "code", status_code(status),
                              "message", message);
    json_object_set_new(error, "field", e->field[0] && status < 500
                                            ? json_string(e->field)
                                            : json_null());
    if (extra)
        json_object_update_new(error, extra);
    reply_json(resp, status, json_pack("{so}", "error", error));
}

static void reply_problem(struct http_response *resp, int status,
                          const char *field, const char *message)
{
    struct err e = ERR_INIT;
    err_set(&e, ERR_INPUT, field, "%s", message);
    reply_error(resp, status, &e, NULL);
}

static const struct pg_query enroll_insert = {
    "api_enroll_insert", "INSERT INTO registry_clinic (name, public_key)"
    " VALUES ($1, $2) ON CONFLICT (public_key) DO NOTHING RETURNING id,"
    " status", 2};
static const struct pg_query enroll_find = {
    "api_enroll_find", "SELECT id, status FROM registry_clinic WHERE"
    " public_key = $1", 1};

static const char *const enroll_keys[] = {"name", "public_key", NULL};

static void enroll(const struct registry_api *api, struct pg *db,
                   struct http_request *req, struct http_response *resp)
{
    struct err e = ERR_INIT;
    json_t *body = json_read_load(req->body.data, req->body.len, &e);
    if (!body) {
        reply_error(resp, 400, &e, NULL);
        return;
    }
    struct json_reader r = JSON_READER_INIT(&e);
    const char *name, *key;
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    if (json_read_object(&r, body, "") < 0 ||
        json_read_keys(&r, body, "", enroll_keys) < 0 ||
        json_read_text(&r, body, "", "name", JSON_REQUIRED, &name) < 0 ||
        json_read_text(&r, body, "", "public_key", JSON_REQUIRED, &key) < 0 ||
        validate_text(name, "name", 1, 200, &e) < 0 ||
        clinic_key_base64_decode(key, pk, sizeof(pk), "public_key", &e) < 0) {
        json_decref(body);
        reply_error(resp, 400, &e, NULL);
        return;
    }
    char canonical[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(pk, canonical);
    const char *params[] = {name, canonical};
    struct pg_result *res;
    int created = 0;
    if (pg_run(db, &enroll_insert, params, &res, &e) == 0) {
        created = pg_rows(res) > 0;
        if (!created) {
            pg_result_free(res);
            if (pg_run(db, &enroll_find, params + 1, &res, &e) < 0)
                res = NULL;
        }
    } else {
        res = NULL;
    }
    json_decref(body);
    if (!res || pg_rows(res) == 0) {
        pg_result_free(res);
        reply_error(resp, 500, &e, NULL);
        return;
    }
    json_t *doc = json_pack("{sIssss}", "clinic",
                            (json_int_t)pg_int(res, 0, 0), "status",
                            pg_text(res, 0, 1), "registry_public_key",
                            api->public_key);
    pg_result_free(res);
    reply_json(resp, created ? 201 : 200, doc);
}

static void push(struct pg *db, struct http_request *req,
                 struct http_response *resp)
{
    struct err e = ERR_INIT;
    struct registry_push_result out;
    if (registry_ingest_push(db, req->body.data, req->body.len, &out, &e) ==
        0) {
        reply_json(resp, 200,
                   json_pack("{sIsIsIsI}", "clinic", (json_int_t)out.clinic,
                             "seq", (json_int_t)out.seq, "rows",
                             (json_int_t)out.rows, "retracted",
                             (json_int_t)out.retracted));
        return;
    }
    json_t *extra = NULL;
    if (out.status == 409)
        extra = json_pack("{sIso}", "last_seq", (json_int_t)out.last_seq,
                          "last_digest", out.last_digest[0]
                                             ? json_string(out.last_digest)
                                             : json_null());
    reply_error(resp, out.status, &e, extra);
}

static void national(const struct registry_api *api, struct pg *db,
                     struct http_request *req, struct http_response *resp)
{
    if (req->query[0]) {
        reply_problem(resp, 400, "query", "takes no query parameters");
        return;
    }
    struct err e = ERR_INIT;
    if (!api->national_cache) {
        json_t *doc = registry_national_signed(db, api->secret_key,
                                               api->min_cell, &e);
        if (!doc) {
            reply_error(resp, 500, &e, NULL);
            return;
        }
        reply_json(resp, 200, doc);
        return;
    }
    int cached;
    char *text = registry_national_signed_text(
        api->national_cache, db, api->secret_key, api->min_cell, &cached, &e);
    if (!text) {
        reply_error(resp, 500, &e, NULL);
        return;
    }
    reply_text(resp, 200, text);
    free(text);
}

void registry_api_reply_json(struct http_response *resp, int status,
                             json_t *doc)
{
    reply_json(resp, status, doc);
}

void registry_api_reply_error(struct http_response *resp, int status,
                              const struct err *e)
{
    reply_error(resp, status, e, NULL);
}

void registry_api_handle(const struct registry_api *api, struct pg *db,
                         struct http_request *req,
                         struct http_response *resp)
{
    if (!strncmp(req->path, "/log/v1/", 8)) {
        registry_log_api_handle(api, db, req, resp);
        return;
    }
    static const struct {
        const char *path;
        const char *method;
    } routes[] = {
        {"/registry/v1/enroll", "POST"},
        {"/registry/v1/push", "POST"},
        {"/registry/v1/national", "GET"},
        {"/registry/v1/certify", "POST"},
        {"/registry/v1/clinics/key", "POST"},
    };
    if (registry_directory_route(api, db, req, resp))
        return;
    size_t i = 0;
    while (i < ARRAY_SIZE(routes) && strcmp(routes[i].path, req->path))
        i++;
    if (i == ARRAY_SIZE(routes)) {
        reply_problem(resp, 404, "", "no such resource");
        return;
    }
    if (strcmp(req->method, routes[i].method)) {
        reply_problem(resp, 405, "", "method not allowed");
        http_response_set_header(resp, "Allow", routes[i].method);
        return;
    }
    if (req->body_too_large) {
        reply_problem(resp, 413, "", "the body is larger than the server "
                      "accepts: send smaller batches");
        return;
    }
    if (!strcmp(routes[i].method, "POST")) {
        char type[64];
        http_request_media_type(req, type, sizeof(type));
        if (type[0] && strcmp(type, "application/json")) {
            reply_problem(resp, 415, "Content-Type", "must be "
                          "application/json");
            return;
        }
    }
    if (i == 0)
        enroll(api, db, req, resp);
    else if (i == 1)
        push(db, req, resp);
    else if (i == 3)
        registry_cert_api_certify(api, db, req, resp);
    else if (i == 4)
        clinic_key_change_api(api, db, req, resp);
    else
        national(api, db, req, resp);
}
