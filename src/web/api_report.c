/* Outcome reports, certificates, the clinic's public key and the
 * designation thresholds over JSON. The reports are the command line's
 * (outcomes/report.h: the same documents, the same access rules and audit
 * entries, small cells withheld by the library); this file maps their
 * refusals to HTTP and passes certificates through byte for byte. */
#include "core/util.h"
#include "outcomes/certificate.h"
#include "outcomes/certify.h"
#include "outcomes/register.h"
#include "outcomes/report.h"
#include "outcomes/thresholds.h"
#include "record/clinic.h"
#include "record/clinic_key.h"
#include "web/handlers.h"
#include "web/report_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Refuses any query, then reads the body's fields (context.h). */
static int body_fields(struct web_ctx *w, const struct api_field *fields)
{
    return api_query_none(w) < 0 ? -1 : api_body(w, fields);
}

/* body_fields() for a body of one required member. */
static int body_field(struct web_ctx *w, const char *name, enum api_type type,
                      void *out)
{
    const struct api_field fields[] = {{name, type, 1, out, NULL},
                                       API_FIELDS_END};
    return body_fields(w, fields);
}

/* ---- reports ---- */

int api_episode_report(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    json_t *doc = report_episode_json(w->store, &w->actor,
                                      route_param_id(&w->match, "id"),
                                      &w->err);
    return doc ? web_reply_json(w, 200, doc) : web_fail(w);
}

int api_practitioner_report(struct web_ctx *w)
{
    static const char *const allowed[] = {"protocol", NULL};
    if (api_query_allow(w, allowed) < 0)
        return -1;
    int64_t id = route_param_id(&w->match, "id");
    const char *protocol = http_pairs_get(&w->query, "protocol", 0);
    /* A running server keeps rendered reports (web/report_cache.h). */
    int rc = w->config->audit ? report_cache_practitioner(w, id, protocol)
                              : 1;
    if (rc == 0)
        return 0;
    json_t *doc = rc > 0 ? report_practitioner_json(w->store, &w->actor, id,
                                                    protocol, &w->err)
                         : NULL;
    if (doc)
        return web_reply_json(w, 200, doc);
    /* Another practitioner's report reads exactly like a missing one
     * (the library has audited the refusal). */
    if (w->err.code == ERR_AUTH || w->err.code == ERR_NOT_FOUND)
        return web_error(w, 404, "not_found", "id", "no practitioner %lld",
                         (long long)id);
    return web_fail(w);
}

int api_registry_report(struct web_ctx *w)
{
    static const char *const allowed[] = {"protocol", "instrument", NULL};
    if (api_query_allow(w, allowed) < 0)
        return -1;
    json_t *doc = report_registry_json(
        w->store, &w->actor, http_pairs_get(&w->query, "protocol", 0),
        http_pairs_get(&w->query, "instrument", 0), &w->err);
    if (!doc)
        return web_fail(w);
    return web_reply_json(w, 200, doc);
}

/* ---- certificates ---- */

/* Gives the certify library's refusal its API field and status. */
static int certify_fail(struct web_ctx *w)
{
    struct err *e = &w->err;
    if (!strcmp(e->field, "practitioner"))
        snprintf(e->field, sizeof(e->field), "practitioner_id");
    if (e->code == ERR_NOT_FOUND &&
        (!strcmp(e->field, "protocol") || !strcmp(e->field, "instrument")))
        return web_error(w, 422, "invalid", e->field, "%s", e->message);
    if (e->code == ERR_FAIL && !strcmp(e->field, "key"))
        /* Never the key file's path or state to a client. */
        return web_error(w, 500, "internal", "",
                         "the clinic's signing key cannot be used; an "
                         "administrator can run 'touchstone key check'");
    return web_fail(w);
}

int api_certificates_create(struct web_ctx *w)
{
    struct certify_request req = {0};
    const char *designation = NULL;
    struct api_field fields[] = {
        {"practitioner_id", API_INT, 1, &req.practitioner_id, NULL},
        {"protocol", API_STRING, 1, &req.protocol, NULL},
        {"instrument", API_STRING, 0, &req.instrument, NULL},
        {"designation", API_STRING, 0, &designation, NULL},
        API_FIELDS_END,
    };
    if (body_fields(w, fields) < 0)
        return -1;
    if (req.practitioner_id <= 0)
        return web_error(w, 422, "invalid", "practitioner_id",
                         "not a record id");
    req.wanted = DESIGNATION_NONE;
    if (designation && !strcmp(designation, "reproducible"))
        req.wanted = DESIGNATION_REPRODUCIBLE;
    else if (designation && !strcmp(designation, "advanced"))
        req.wanted = DESIGNATION_ADVANCED;
    else if (designation)
        return web_error(w, 422, "invalid", "designation",
                         "'%.64s' is not reproducible or advanced",
                         designation);
    char *doc = certify_issue(w->store, &w->actor, &req, NULL, &w->err);
    if (!doc)
        return certify_fail(w);
    /* The document goes out exactly as signed: its canonical bytes are
     * what a verifier checks. */
    json_t *parsed = json_loads(doc, 0, NULL);
    const char *id = json_string_value(
        json_object_get(json_object_get(parsed, "certificate"), "id"));
    char disposition[128];
    snprintf(disposition, sizeof(disposition),
             "attachment; filename=\"certificate-%s.json\"", id ? id : "new");
    json_decref(parsed);
    w->resp->status = 201;
    http_response_set_header(w->resp, "Content-Type", "application/json");
    http_response_set_header(w->resp, "Content-Disposition", disposition);
    buf_reset(&w->resp->body);
    buf_puts(&w->resp->body, doc);
    free(doc);
    return 0;
}

/* The clinic's public key: 1 when the database has one, 0 when not. */
static int clinic_public_key(struct web_ctx *w,
                             unsigned char pk[CLINIC_KEY_PUBLIC_BYTES])
{
    struct err e = ERR_INIT;
    if (clinic_key_public(w->store, pk, &e) == 0)
        return 1;
    if (e.code == ERR_NOT_FOUND)
        return 0;
    w->err = e;
    return -1;
}

/* ---- the register of issued certificates ---- */

int api_certificates_list(struct web_ctx *w)
{
    static const char *const allowed[] = {"practitioner", NULL};
    int64_t practitioner = 0;
    if (api_query_allow(w, allowed) < 0 ||
        api_query_int(w, "practitioner", &practitioner) < 0)
        return -1;
    struct issued_list l;
    if (register_list(w->store, &w->actor, practitioner, &l, &w->err) < 0)
        return web_fail(w);
    json_t *items = json_array();
    for (size_t i = 0; i < l.count; i++)
        json_array_append_new(items, register_entry_json(&l.items[i]));
    register_list_release(&l);
    return web_reply_json(w, 200, json_pack("{so}", "certificates", items));
}

int api_certificate_show(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    struct issued_certificate c;
    char *document = NULL;
    if (register_get(w->store, &w->actor,
                     route_param(&w->match, "certificate"), &c, &document,
                     &w->err) < 0)
        return web_fail(w);
    json_t *doc = register_entry_json(&c);
    json_object_set_new(doc, "document", json_string(document));
    free(document);
    return web_reply_json(w, 200, doc);
}

int api_certificate_revoke(struct web_ctx *w)
{
    const char *reason = NULL;
    if (body_field(w, "reason", API_STRING, &reason) < 0)
        return -1;
    struct issued_certificate c;
    if (register_revoke(w->store, &w->actor,
                        route_param(&w->match, "certificate"),
                        reason, &c, &w->err) < 0) {
        if (w->err.code == ERR_REFUSED)
            return web_error(w, 409, "conflict", w->err.field, "%s",
                             w->err.message);
        return web_fail(w);
    }
    return web_reply_json(w, 200, register_entry_json(&c));
}

int api_certificates_verify(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    if (!w->json)
        return web_error(w, 400, "malformed_json", "",
                         "the body must be the certificate document");
    unsigned char clinic_pk[CLINIC_KEY_PUBLIC_BYTES];
    int has_key = clinic_public_key(w, clinic_pk);
    if (has_key < 0)
        return web_fail(w);
    char clinic_b64[CLINIC_KEY_PUBLIC_BASE64_LEN];
    if (has_key)
        clinic_key_public_base64(clinic_pk, clinic_b64);
    json_t *claims = NULL;
    unsigned char signer[CLINIC_KEY_PUBLIC_BYTES];
    struct err e = ERR_INIT;
    int rc = certificate_verify(w->req->body.data, w->req->body.len, NULL,
                                &claims, signer, &e);
    /* Signed by this clinic: by its current key or one it retired
     * (touchstone key rotate), whose certificates stay valid. */
    const char *key_state = NULL;
    if (rc == 0 && has_key) {
        int known = clinic_key_known(w->store, signer, &key_state, NULL, 0,
                                     &w->err);
        if (known < 0) {
            json_decref(claims);
            return web_fail(w);
        }
        if (!known) {
            json_decref(claims);
            claims = NULL;
            rc = err_set(&e, ERR_REFUSED, "public_key",
                         "the certificate was signed by another key than "
                         "the one expected");
        }
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "valid", json_boolean(rc == 0));
    if (rc == 0) {
        char signer_b64[CLINIC_KEY_PUBLIC_BASE64_LEN];
        clinic_key_public_base64(signer, signer_b64);
        json_object_set_new(doc, "claims", claims);
        json_object_set_new(doc, "signer_public_key",
                            json_string(signer_b64));
        /* Valid with the clinic's key means signed by it; without one the
         * signature proves only the key inside the document. */
        json_object_set_new(doc, "signer_is_this_clinic",
                            json_boolean(has_key));
        if (key_state)
            json_object_set_new(doc, "signer_key", json_string(key_state));
        /* What the clinic's register says of it (revoked or not). */
        int found = 0;
        struct issued_certificate issued;
        const char *id = json_string_value(json_object_get(claims, "id"));
        if (has_key && id &&
            register_status(w->store, id, &found, &issued, &w->err) < 0) {
            json_decref(doc);
            return web_fail(w);
        }
        if (has_key)
            json_object_set_new(doc, "register",
                                register_status_json(found, &issued));
    } else {
        json_object_set_new(doc, "reason",
                            json_sprintf("%s: %s", e.field, e.message));
        json_object_set_new(doc, "field", json_string(e.field));
        /* Only a sound signature by another key gets here. */
        if (!strcmp(e.field, "public_key")) {
            json_t *sig = json_object_get(w->json, "signature");
            json_object_set(doc, "signer_public_key",
                            json_object_get(sig, "public_key"));
            json_object_set_new(doc, "signer_is_this_clinic",
                                json_false());
        }
    }
    json_object_set_new(doc, "clinic_public_key",
                        has_key ? json_string(clinic_b64) : json_null());
    return web_reply_json(w, 200, doc);
}

int api_clinic_public_key(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    int has_key = clinic_public_key(w, pk);
    if (has_key < 0)
        return web_fail(w);
    if (!has_key)
        return web_error(w, 404, "not_found", "key",
                         "this clinic has no signing key yet");
    char name[CLINIC_NAME_MAX + 1];
    if (clinic_name(w->store, name, sizeof(name), &w->err) < 0)
        return web_fail(w);
    char b64[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(pk, b64);
    return web_reply_json(w, 200,
                          json_pack("{s{ss}ssss}", "clinic", "name", name,
                                    "alg", CERTIFICATE_ALG, "public_key",
                                    b64));
}

/* ---- thresholds ---- */

static int reply_thresholds(struct web_ctx *w)
{
    struct thresholds t;
    if (thresholds_load(w->store, &t, &w->err) < 0)
        return web_fail(w);
    return web_reply_json(w, 200, thresholds_to_json(&t));
}

int api_thresholds_show(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    return reply_thresholds(w);
}

int api_threshold_update(struct web_ctx *w)
{
    double value = 0;
    if (body_field(w, "value", API_NUMBER, &value) < 0)
        return -1;
    /* The library reads the value as text, as the command line gives it:
     * whole numbers exactly, others with every digit. */
    json_t *v = json_object_get(w->json, "value");
    char text[64];
    if (json_is_integer(v))
        snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(v));
    else
        snprintf(text, sizeof(text), "%.17g", value);
    const char *name = route_param(&w->match, "name");
    if (thresholds_set(w->store, &w->actor, name, text, &w->err) < 0) {
        if (w->err.code == ERR_INPUT && !strcmp(w->err.field, "name"))
            return web_error(w, 404, "not_found", "name", "%s",
                             w->err.message);
        return web_fail(w);
    }
    return reply_thresholds(w);
}
