/* The registry's routes of certificates and of the log (registry/cert_api.h). */
#include "registry/cert_api.h"
#include "core/json_read.h"
#include "core/util.h"
#include "record/clinic_key.h"
#include "record/validate.h"
#include "registry/cert.h"
#include "registry/clinic_key_change.h"
#include "registry/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pg_query clinic_key = {
    "cert_api_clinic_key", "SELECT public_key FROM registry_clinic WHERE"
    " id = $1", 1};

static const char *const body_keys[] = {"request", "signature", NULL};
static const char *const request_keys[] = {"clinic", "practitioner", "name",
                                           "license", "protocol",
                                           "instrument", NULL};

static int status_of(const struct err *e)
{
    switch (e->code) {
    case ERR_INPUT: return 400;
    case ERR_AUTH: return 401;
    case ERR_NOT_FOUND: return 404;
    case ERR_CONFLICT: return 409;
    case ERR_REFUSED: return 422;
    default: return 500;
    }
}

void registry_cert_api_certify(const struct registry_api *api, struct pg *db,
                               struct http_request *req,
                               struct http_response *resp)
{
    struct err e = ERR_INIT;
    json_t *body = json_read_load(req->body.data, req->body.len, &e);
    if (!body) {
        registry_api_reply_error(resp, 400, &e);
        return;
    }
    struct json_reader r = JSON_READER_INIT(&e);
    const char *sig64;
    json_t *rq = json_object_get(body, "request");
    long long clinic = 0;
    struct registry_cert_request cr;
    memset(&cr, 0, sizeof(cr));
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    if (json_read_object(&r, body, "") < 0 ||
        json_read_keys(&r, body, "", body_keys) < 0 ||
        json_read_text(&r, body, "", "signature", JSON_REQUIRED, &sig64) < 0 ||
        json_read_object(&r, rq, "request") < 0 ||
        json_read_keys(&r, rq, "request", request_keys) < 0 ||
        json_read_integer(&r, rq, "request", "clinic", JSON_REQUIRED,
                         &clinic) < 0 ||
        json_read_text(&r, rq, "request", "practitioner", JSON_REQUIRED,
                       &cr.practitioner) < 0 ||
        json_read_text(&r, rq, "request", "name", JSON_REQUIRED,
                       &cr.name) < 0 ||
        json_read_text(&r, rq, "request", "license", JSON_REQUIRED,
                       &cr.license) < 0 ||
        json_read_text(&r, rq, "request", "protocol", JSON_REQUIRED,
                       &cr.protocol) < 0 ||
        json_read_text(&r, rq, "request", "instrument", JSON_REQUIRED,
                       &cr.instrument) < 0 ||
        validate_text(cr.name, "request.name", 1, 200, &e) < 0 ||
        validate_text(cr.license, "request.license", 1, 200, &e) < 0 ||
        validate_slug(cr.protocol, "request.protocol", &e) < 0 ||
        validate_slug(cr.instrument, "request.instrument", &e) < 0 ||
        validate_text(cr.practitioner, "request.practitioner", 1, 64,
                      &e) < 0 ||
        clinic_key_base64_decode(sig64, sig, sizeof(sig), "signature",
                                 &e) < 0) {
        json_decref(body);
        registry_api_reply_error(resp, 400, &e);
        return;
    }
    if (clinic < 1) {
        json_decref(body);
        err_set(&e, ERR_INPUT, "request.clinic", "must be a whole number "
                ">= 1");
        registry_api_reply_error(resp, 400, &e);
        return;
    }
    cr.clinic = (int64_t)clinic;
    /* The clinic's enrolled key signs the canonical bytes of request. */
    struct pg_result *res;
    if (pg_run_int(db, &clinic_key, cr.clinic, &res, &e) < 0) {
        json_decref(body);
        registry_api_reply_error(resp, 500, &e);
        return;
    }
    unsigned char pk[SIGNING_PUBLIC_BYTES];
    struct err ignored = ERR_INIT;
    int known = pg_rows(res) == 1 &&
                clinic_key_base64_decode(pg_text(res, 0, 0), pk, sizeof(pk),
                                         "public_key", &ignored) == 0;
    pg_result_free(res);
    size_t len;
    char *bytes = signing_canonical_json(rq, &len);
    int ok = known && bytes && signing_verify(bytes, len, sig, pk);
    char refusal[192];
    if (known && !ok)
        clinic_key_refusal(db, cr.clinic, bytes, len, sig, refusal,
                           sizeof(refusal));
    free(bytes);
    if (!known) {
        json_decref(body);
        err_set(&e, ERR_REFUSED, "request.clinic", "no clinic %" PRId64,
                cr.clinic);
        registry_api_reply_error(resp, 403, &e);
        return;
    }
    if (!ok) {
        json_decref(body);
        err_set(&e, ERR_AUTH, "signature", "%s", refusal);
        registry_api_reply_error(resp, 401, &e);
        return;
    }
    struct registry_signer signer;
    memcpy(signer.sk, api->secret_key, sizeof(signer.sk));
    registry_signer_init(&signer);
    int status = 500;
    char *doc = registry_cert_issue(db, &signer, api->min_cell, &cr, &status,
                                    &e);
    memset(signer.sk, 0, sizeof(signer.sk));
    json_decref(body);
    if (!doc) {
        registry_api_reply_error(resp, status, &e);
        return;
    }
    resp->status = 201;
    http_response_set_header(resp, "Content-Type",
                             "application/json; charset=utf-8");
    http_response_set_header(resp, "Cache-Control", "no-store");
    buf_reset(&resp->body);
    buf_puts(&resp->body, doc);
    free(doc);
}

/* A query parameter as a whole number >= 0 (required). */
static int query_u64(const struct http_pairs *q, const char *name,
                     uint64_t *out, struct err *e)
{
    const char *v = http_pairs_get(q, name, 0);
    if (!v)
        return err_set(e, ERR_INPUT, name, "is required");
    if (http_pairs_count(q, name) > 1)
        return err_set(e, ERR_INPUT, name, "is given more than once");
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (!*v || *end || errno || v[0] == '-' || v[0] == '+' || v[0] == ' ' ||
        n > (unsigned long long)INT64_MAX)
        return err_set(e, ERR_INPUT, name, "must be a whole number >= 0, "
                       "not '%s'", v);
    *out = (uint64_t)n;
    return 0;
}

/* Refuses query parameters other than the allowed ones. */
static int query_only(const struct http_pairs *q, const char *const *allowed,
                      struct err *e)
{
    for (size_t i = 0; i < q->count; i++) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= !strcmp(*a, q->items[i].name);
        if (!ok)
            return err_set(e, ERR_INPUT, q->items[i].name, "is not a "
                           "parameter of this resource");
    }
    return 0;
}

static const struct pg_query keys_query = {
    "cert_api_keys", "SELECT id, public_key, to_char(created_at AT TIME ZONE"
    " 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), to_char(retired_at AT TIME"
    " ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), log_leaf FROM"
    " registry_key ORDER BY created_at, id", 0};

static json_t *keys_json(struct pg *db, struct err *e)
{
    struct pg_result *r;
    if (pg_run(db, &keys_query, NULL, &r, e) < 0)
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < pg_rows(r); i++)
        json_array_append_new(
            a, json_pack("{sssssssoso}", "key_id", pg_text(r, i, 0),
                         "public_key", pg_text(r, i, 1), "created_at",
                         pg_text(r, i, 2), "retired_at",
                         pg_is_null(r, i, 3) ? json_null()
                                             : json_string(pg_text(r, i, 3)),
                         "log_leaf",
                         pg_is_null(r, i, 4) ? json_null()
                                             : json_integer(pg_int(r, i, 4))));
    pg_result_free(r);
    return json_pack("{so}", "keys", a);
}

/* The log's two proofs, by their query's names (from, to) and the answer's
 * path member: a leaf in a tree of to entries, and a tree of from entries
 * in one of to. */
static const struct log_proof {
    const char *from, *to, *path;
    int (*prove)(struct pg *db, uint64_t n, uint64_t m,
                 struct merkle_path *out, struct err *e);
} log_proofs[] = {
    {"leaf_index", "tree_size", "audit_path", registry_log_inclusion},
    {"first", "second", "consistency_path", registry_log_consistency},
};

void registry_log_api_handle(const struct registry_api *api, struct pg *db,
                             struct http_request *req,
                             struct http_response *resp)
{
    (void)api;
    static const char *const names[] = {"sth", "proof-by-index",
                                        "consistency", "entries", "keys",
                                        "certificate", NULL};
    static const char *const params[][3] = {
        {"tree_size", NULL, NULL}, {"leaf_index", "tree_size", NULL},
        {"first", "second", NULL}, {"start", "end", NULL},
        {NULL, NULL, NULL},        {"id", NULL, NULL}};
    const char *name = req->path + strlen("/log/v1/");
    int which = -1;
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], name))
            which = i;
    struct err e = ERR_INIT;
    if (which < 0) {
        err_set(&e, ERR_NOT_FOUND, "", "no such resource");
        registry_api_reply_error(resp, 404, &e);
        return;
    }
    if (strcmp(req->method, "GET")) {
        err_set(&e, ERR_INPUT, "", "method not allowed");
        registry_api_reply_error(resp, 405, &e);
        http_response_set_header(resp, "Allow", "GET");
        return;
    }
    struct http_pairs q = HTTP_PAIRS_INIT;
    json_t *doc = NULL;
    uint64_t a = 0, b = 0;
    static _Thread_local struct merkle_path path;
    if (http_form_parse(req->query, strlen(req->query), &q, &e) < 0 ||
        query_only(&q, params[which], &e) < 0)
        goto done;
    switch (which) {
    case 0:
        if (http_pairs_get(&q, "tree_size", 0) &&
            query_u64(&q, "tree_size", &a, &e) < 0)
            break;
        if (http_pairs_get(&q, "tree_size", 0) && a == 0) {
            err_set(&e, ERR_INPUT, "tree_size", "must be >= 1");
            break;
        }
        doc = registry_log_head(db, a, &e);
        break;
    case 1:
    case 2: {
        const struct log_proof *p = &log_proofs[which - 1];
        if (query_u64(&q, p->from, &a, &e) < 0 ||
            query_u64(&q, p->to, &b, &e) < 0 ||
            p->prove(db, b, a, &path, &e) < 0)
            break;
        doc = json_pack("{sIsIso}", p->from, (json_int_t)a, p->to,
                        (json_int_t)b, p->path, registry_log_path_json(&path));
        break;
    }
    case 3: {
        if (query_u64(&q, "start", &a, &e) < 0 ||
            query_u64(&q, "end", &b, &e) < 0)
            break;
        if (b <= a) {
            err_set(&e, ERR_INPUT, "end", "must be above start");
            break;
        }
        json_t *list = registry_log_entries(db, a, b, &e);
        if (list)
            doc = json_pack("{so}", "entries", list);
        break;
    }
    case 4:
        doc = keys_json(db, &e);
        break;
    default:
        if (query_u64(&q, "id", &a, &e) < 0)
            break;
        doc = registry_cert_status(db, (int64_t)a, &e);
        break;
    }
done:
    http_pairs_release(&q);
    if (!doc) {
        registry_api_reply_error(resp, status_of(&e), &e);
        return;
    }
    registry_api_reply_json(resp, 200, doc);
}
