#include "web/web.h"
#include "core/util.h"
#include "record/audit.h"
#include "web/handlers.h"
#include "web/pages.h"
#include "web/report_cache.h"
#include "web/session_cache.h"

#include <stdio.h>
#include <string.h>

/* Every endpoint, one line each. Order matters only between patterns that
 * could match the same path (none today). */
static const struct route routes[] = {
    /* Pages and assets. */
    {"GET", "/", page_home, ROUTE_PAGE},
    {"GET", "/login", page_login_form, ROUTE_PAGE | ROUTE_PUBLIC},
    {"POST", "/login", page_login_submit, ROUTE_PAGE | ROUTE_PUBLIC},
    {"POST", "/logout", page_logout, ROUTE_PAGE},
    {"GET", "/assets/{file}", page_asset,
     ROUTE_PAGE | ROUTE_PUBLIC | ROUTE_STATIC},
    /* The clinic's pages (pages.h), one group per page_*.c. */
    {"GET", "/patients", page_patients, ROUTE_PAGE},
    {"POST", "/patients", page_patient_create, ROUTE_PAGE},
    {"GET", "/patients/new", page_patient_new, ROUTE_PAGE},
    {"GET", "/patients/{id}", page_patient, ROUTE_PAGE},
    {"GET", "/patients/{id}/referrals/new", page_referral_new, ROUTE_PAGE},
    {"POST", "/patients/{id}/referrals", page_referral_create, ROUTE_PAGE},
    {"GET", "/patients/{id}/episodes/new", page_episode_protocols,
     ROUTE_PAGE},
    {"GET", "/patients/{id}/episodes/new/{protocol}", page_episode_screen,
     ROUTE_PAGE},
    {"POST", "/patients/{id}/episodes", page_episode_create, ROUTE_PAGE},
    {"GET", "/episodes/{id}", page_episode, ROUTE_PAGE},
    {"POST", "/episodes/{id}/close", page_episode_close, ROUTE_PAGE},
    {"GET", "/episodes/{id}/sessions/new", page_session_new, ROUTE_PAGE},
    {"POST", "/episodes/{id}/sessions", page_session_create, ROUTE_PAGE},
    {"GET", "/episodes/{id}/scores/new", page_observation_new, ROUTE_PAGE},
    {"GET", "/episodes/{id}/chart", page_chart, ROUTE_PAGE},
    {"GET", "/episodes/{id}/report", page_report, ROUTE_PAGE},
    {"GET", "/episodes/{id}/report.html", page_report_download, ROUTE_PAGE},
    {"POST", "/episodes/{id}/scores", page_observation_create, ROUTE_PAGE},
    {"GET", "/instruments/{code}/total", page_instrument_total, ROUTE_PAGE},
    {"GET", "/followups", page_followups, ROUTE_PAGE},
    {"POST", "/episodes/{id}/invitations", page_invitation_create,
     ROUTE_PAGE},
    {"GET", "/episodes/{id}/invitations/{invitation_id}/print",
     page_invitation_print, ROUTE_PAGE},
    /* The patient's page of a link (page_patient.c): the token is the
     * right, no login. */
    {"GET", "/r/{token}", page_patient_answer_form, ROUTE_PAGE | ROUTE_PUBLIC},
    {"POST", "/r/{token}", page_patient_answer_submit,
     ROUTE_PAGE | ROUTE_PUBLIC},
    /* The physician's page of a report link (page_physician_link.c). */
    {"GET", "/p/{token}", page_physician_link, ROUTE_PAGE | ROUTE_PUBLIC},
    {"GET", "/protocols", page_protocols, ROUTE_PAGE},
    {"GET", "/protocols/{protocol}", page_protocol, ROUTE_PAGE},
    {"GET", "/outcomes", page_outcomes, ROUTE_PAGE},
    {"GET", "/certificates", page_certificates, ROUTE_PAGE},
    {"POST", "/certificates", page_certificate_issue, ROUTE_PAGE},
    {"POST", "/certificates/revoke", page_certificate_revoke, ROUTE_PAGE},
    {"GET", "/verify", page_verify_form, ROUTE_PAGE | ROUTE_PUBLIC},
    {"POST", "/verify", page_verify_submit, ROUTE_PAGE | ROUTE_PUBLIC},
    {"GET", "/admin", page_admin, ROUTE_PAGE},
    {"POST", "/admin/users", page_admin_user_create, ROUTE_PAGE},
    {"POST", "/admin/users/{id}/disable", page_admin_user_disable,
     ROUTE_PAGE},
    {"GET", "/admin/practitioners", page_admin_practitioners, ROUTE_PAGE},
    {"POST", "/admin/practitioners", page_admin_practitioner_create,
     ROUTE_PAGE},
    {"GET", "/admin/practitioners/{id}", page_admin_practitioner, ROUTE_PAGE},
    {"POST", "/admin/practitioners/{id}/training", page_admin_training_create,
     ROUTE_PAGE},
    {"GET", "/admin/thresholds", page_admin_thresholds, ROUTE_PAGE},
    {"POST", "/admin/thresholds", page_admin_threshold_set, ROUTE_PAGE},
    /* The JSON API. */
    {"POST", "/api/v1/session", api_session_create, ROUTE_PUBLIC},
    {"GET", "/api/v1/session", api_session_show, 0},
    {"DELETE", "/api/v1/session", api_session_delete, 0},
    {"GET", "/api/v1/practitioners", api_practitioners_list, 0},
    {"POST", "/api/v1/practitioners", api_practitioners_create, 0},
    {"GET", "/api/v1/practitioners/{id}", api_practitioner_show, 0},
    {"GET", "/api/v1/practitioners/{id}/training", api_training_list, 0},
    {"POST", "/api/v1/practitioners/{id}/training", api_training_create, 0},
    {"GET", "/api/v1/patients", api_patients_list, 0},
    {"POST", "/api/v1/patients", api_patients_create, 0},
    {"GET", "/api/v1/patients/{id}", api_patient_show, 0},
    {"GET", "/api/v1/patients/{id}/referrals", api_patient_referrals, 0},
    {"POST", "/api/v1/patients/{id}/referrals", api_patient_referrals_create,
     0},
    {"GET", "/api/v1/referrals", api_referrals_list, 0},
    {"POST", "/api/v1/referrals", api_referrals_create, 0},
    {"GET", "/api/v1/referrals/{id}", api_referral_show, 0},
    {"GET", "/api/v1/episodes", api_episodes_list, 0},
    {"POST", "/api/v1/episodes", api_episodes_create, 0},
    {"GET", "/api/v1/episodes/{id}", api_episode_show, 0},
    {"POST", "/api/v1/episodes/{id}/close", api_episode_close, 0},
    {"GET", "/api/v1/episodes/{id}/sessions", api_sessions_list, 0},
    {"POST", "/api/v1/episodes/{id}/sessions", api_sessions_create, 0},
    {"GET", "/api/v1/episodes/{id}/observations", api_observations_list, 0},
    {"POST", "/api/v1/episodes/{id}/observations", api_observations_create,
     0},
    {"GET", "/api/v1/catalog/protocols", api_protocols_list, 0},
    {"GET", "/api/v1/catalog/protocols/{protocol}", api_protocol_show, 0},
    {"GET", "/api/v1/catalog/protocols/{protocol}/plan", api_protocol_plan, 0},
    {"GET", "/api/v1/instruments", api_instruments_list, 0},
    {"GET", "/api/v1/instruments/{code}", api_instrument_show, 0},
    /* Outcome reports, certificates and thresholds (api_report.c). */
    {"GET", "/api/v1/episodes/{id}/report", api_episode_report, 0},
    {"GET", "/api/v1/practitioners/{id}/report", api_practitioner_report, 0},
    {"GET", "/api/v1/registry/report", api_registry_report, 0},
    {"POST", "/api/v1/certificates", api_certificates_create, 0},
    {"GET", "/api/v1/certificates", api_certificates_list, 0},
    {"GET", "/api/v1/certificates/{certificate}", api_certificate_show, 0},
    {"POST", "/api/v1/certificates/{certificate}/revoke", api_certificate_revoke, 0},
    {"POST", "/api/v1/certificates/verify", api_certificates_verify,
     ROUTE_PUBLIC},
    {"GET", "/api/v1/clinic/public-key", api_clinic_public_key, ROUTE_PUBLIC},
    {"GET", "/api/v1/thresholds", api_thresholds_show, 0},
    {"PUT", "/api/v1/thresholds/{name}", api_threshold_update, 0},
    /* FHIR R4 (api_fhir.c): application/fhir+json, OperationOutcome
     * errors. */
    {"GET", "/fhir/r4/metadata", api_fhir_metadata, ROUTE_PUBLIC},
    {"GET", "/fhir/r4/Patient/{id}", api_fhir_patient_read, 0},
    {"GET", "/fhir/r4/Patient/{id}/$everything", api_fhir_patient_everything,
     0},
    {"GET", "/fhir/r4/Observation", api_fhir_observation_search, 0},
    {"POST", "/fhir/r4", api_fhir_transaction, 0},
    {"GET", "/fhir/r4/Questionnaire", api_fhir_questionnaire_search, 0},
    {"GET", "/fhir/r4/Questionnaire/{code}", api_fhir_questionnaire_read, 0},
    {"POST", "/fhir/r4/QuestionnaireResponse",
     api_fhir_questionnaire_response_create, 0},
};

void web_config_default(struct web_config *c)
{
    memset(c, 0, sizeof(*c));
    websession_limits_default(&c->limits);
}

static const char content_security_policy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'";

/* The headers every response carries; cacheable only for assets. */
static void security_headers(struct web_ctx *w, int cacheable)
{
    struct http_response *r = w->resp;
    http_response_set_header(r, "Content-Security-Policy",
                             content_security_policy);
    http_response_set_header(r, "X-Content-Type-Options", "nosniff");
    http_response_set_header(r, "Referrer-Policy", "no-referrer");
    http_response_set_header(r, "X-Frame-Options", "DENY");
    http_response_set_header(r, "Cache-Control",
                             cacheable ? "public, max-age=3600" : "no-store");
}

static int is_fhir(const struct http_request *req)
{
    return str_starts_with(req->path, "/fhir/");
}

static int is_api(const struct http_request *req)
{
    return str_starts_with(req->path, "/api/") || is_fhir(req);
}

/* Makes text (a message or field that may echo a request's bytes) valid
 * UTF-8 in place, so that a JSON answer can always carry it: when it is
 * not, every byte past ASCII becomes '?'. */
static void text_make_utf8(char *text)
{
    json_t *probe = json_string(text);
    if (probe) {
        json_decref(probe);
        return;
    }
    for (unsigned char *p = (unsigned char *)text; *p; p++)
        if (*p >= 0x80)
            *p = '?';
}

/* Replaces whatever the handler wrote with the error reply for w->err. */
static void reply_error(struct web_ctx *w, int page)
{
    const char *code;
    text_make_utf8(w->err.message);
    text_make_utf8(w->err.field);
    int status = web_error_status(w, &code);
    /* Keep cookies being cleared: they are part of the answer. */
    struct http_pairs keep = HTTP_PAIRS_INIT;
    for (size_t i = 0; i < w->resp->headers.count; i++)
        if (!strcmp(w->resp->headers.items[i].name, "Set-Cookie") ||
            !strcmp(w->resp->headers.items[i].name, "Allow"))
            http_pairs_add(&keep, w->resp->headers.items[i].name,
                           w->resp->headers.items[i].value);
    http_response_reset(w->resp);
    for (size_t i = 0; i < keep.count; i++)
        http_response_add_header(w->resp, keep.items[i].name,
                                 keep.items[i].value);
    http_pairs_release(&keep);
    if (status == 429 && w->retry_after > 0) {
        char secs[24];
        snprintf(secs, sizeof(secs), "%ld", w->retry_after);
        http_response_set_header(w->resp, "Retry-After", secs);
    }
    if (status == 401 && w->req && is_api(w->req))
        http_response_set_header(w->resp, "WWW-Authenticate",
                                 "Cookie realm=\"touchstone\"");
    if (w->req && is_fhir(w->req)) {
        api_fhir_reply_error(w, status);
        return;
    }
    if (page) {
        page_error(w, status, w->err.message);
        return;
    }
    json_t *detail = json_pack("{s:s,s:s}", "code", code, "message",
                               w->err.message[0] ? w->err.message
                                                 : http_status_reason(status));
    json_object_set_new(detail, "field",
                        w->err.field[0] ? json_string(w->err.field)
                                        : json_null());
    web_reply_json(w, status, json_pack("{s:o}", "error", detail));
}

static int is_write(const char *method)
{
    return strcmp(method, "GET") && strcmp(method, "HEAD") &&
           strcmp(method, "OPTIONS");
}

/* Looks up the session cookie; fills the login on success. -1 only when
 * the database fails. */
static int load_session(struct web_ctx *w)
{
    char token[WEBSESSION_TOKEN_HEX + 1];
    if (http_request_cookie(w->req, WEB_SESSION_COOKIE, token,
                            sizeof(token)) < 0)
        return 0;
    struct err e = ERR_INIT;
    if (session_cache_lookup(w->config->audit, w->store, token,
                             &w->config->limits, !is_write(w->req->method),
                             &w->session, &e) < 0) {
        if (e.code != ERR_AUTH) {
            w->err = e;
            return -1;
        }
        w->session_expired = !strcmp(e.message, "session expired");
        web_set_cookie(w, WEB_SESSION_COOKIE, "", 0);
        return 0;
    }
    w->logged_in = 1;
    memcpy(w->session_token, token, sizeof(w->session_token));
    w->actor = user_actor(&w->session.user, w->req->client);
    return 0;
}

/* Parses the body by route kind: JSON for the API, a form for pages. */
static int parse_body(struct web_ctx *w, int page)
{
    struct http_request *req = w->req;
    char media[64];
    http_request_media_type(req, media, sizeof(media));
    if (strcmp(req->method, "POST") && strcmp(req->method, "PUT") &&
        strcmp(req->method, "PATCH")) {
        if (req->body.len)
            return web_error(w, 415, "unsupported_media_type", "",
                             "a %s request takes no body", req->method);
        return 0;
    }
    if (page) {
        /* An upload: the page reads the raw body itself (page_verify.c);
         * its form stays empty, so a CSRF-checked route refuses it. */
        if (!strcmp(media, "multipart/form-data"))
            return 0;
        if (strcmp(media, "application/x-www-form-urlencoded"))
            return web_error(w, 415, "unsupported_media_type",
                             "Content-Type",
                             "forms must be "
                             "application/x-www-form-urlencoded");
        if (http_form_parse(req->body.data, req->body.len, &w->form,
                            &w->err) < 0)
            return web_error(w, 400, "malformed_form", "",
                             "the form data is malformed");
        return 0;
    }
    if (strcmp(media, "application/json") &&
        !(is_fhir(req) && !strcmp(media, "application/fhir+json")))
        return web_error(w, 415, "unsupported_media_type", "Content-Type",
                         "the body must be application/json%s",
                         is_fhir(req) ? " or application/fhir+json" : "");
    json_error_t je;
    w->json = json_loadb(req->body.data, req->body.len,
                         JSON_REJECT_DUPLICATES, &je);
    if (!w->json)
        return web_error(w, 400, "malformed_json", "",
                         "malformed JSON at line %d, column %d: %s",
                         je.line, je.column, je.text);
    if (!json_is_object(w->json))
        return web_error(w, 400, "malformed_json", "",
                         "the body must be a JSON object");
    return 0;
}

/* A write by a logged-in caller must echo the session's CSRF token. */
static int check_csrf(struct web_ctx *w, int page)
{
    const char *sent = http_request_header(w->req, "X-CSRF-Token");
    if (!sent && page)
        sent = http_pairs_get(&w->form, "csrf", 0);
    if (!web_token_equal(sent, w->session.csrf_token))
        return web_error(w, 403, "csrf", "csrf",
                         "missing or wrong CSRF token (send the token of "
                         "GET /api/v1/session as X-CSRF-Token)");
    return 0;
}

static int dispatch(struct web_ctx *w)
{
    struct http_request *req = w->req;
    int page = !is_api(req);
    if (req->body_too_large)
        return web_error(w, 413, "payload_too_large", "",
                         "the request body is larger than %d bytes",
                         HTTP_BODY_CAP);
    enum route_result found = router_match(routes, ARRAY_SIZE(routes),
                                           req->method, req->path, &w->match);
    if (found == ROUTE_NO_PATH)
        return web_error(w, 404, "not_found", "", "no such page or record");
    if (found == ROUTE_NO_METHOD) {
        http_response_set_header(w->resp, "Allow", w->match.allow);
        return web_error(w, 405, "method_not_allowed", "",
                         "%s is not allowed here (allowed: %s)", req->method,
                         w->match.allow);
    }
    unsigned flags = w->match.route->flags;
    page = (flags & ROUTE_PAGE) != 0;
    if (http_form_parse(req->query, strlen(req->query), &w->query, &w->err) <
        0)
        return web_error(w, 400, "malformed_query", "query", "%s",
                         w->err.message);
    if (load_session(w) < 0)
        return web_fail(w);
    if (!(flags & ROUTE_PUBLIC) && !w->logged_in) {
        if (page)
            return web_redirect(w, w->session_expired ? "/login?expired=1"
                                                      : "/login");
        return web_error(w, 401, "unauthorized", "session",
                         w->session_expired
                             ? "session expired; log in again"
                             : "not logged in");
    }
    if (parse_body(w, page) < 0)
        return -1;
    if (!(flags & ROUTE_PUBLIC) && is_write(req->method) &&
        check_csrf(w, page) < 0)
        return -1;
    return w->match.route->handler(w);
}

void web_handle(const struct web_config *cfg, struct store *s,
                struct http_request *req, struct http_response *resp)
{
    struct web_ctx w;
    int rc;
    int read = cfg->audit && (!strcmp(req->method, "GET") ||
                              !strcmp(req->method, "HEAD"));
    int64_t changes = store_total_changes(s);
    /* A pass of the audit writer (a flush or a sync) after every read
     * and write of the request. */
    int synced = 0;
    for (;;) {
        memset(&w, 0, sizeof(w));
        w.config = cfg;
        w.store = s;
        w.req = req;
        w.resp = resp;
        store_read_mode_set(s, read);
        rc = dispatch(&w);
        /* A handler never leaves a transaction open; if one did, nothing
         * of it is kept. */
        store_rollback(s);
        int again = read && store_wants_write(s);
        store_read_mode_set(s, 0);
        if (!again) {
            /* A read's entries; a write's too, from a read it answers
             * with (its own rows then synced by the same pass). */
            if (cfg->audit && store_deferred_count(s)) {
                if (audit_writer_flush(cfg->audit, s, &w.err) < 0)
                    /* Not answered before its audit entry is written. */
                    rc = web_error(&w, 500, "internal", "",
                                   "the audit log cannot be written");
                else
                    synced = 1;
            }
            store_drop_deferred(s, 0);
            break;
        }
        /* The read wanted to write too (a cache it refreshes): once more,
         * taking the lock first, with nothing of the first try kept. */
        store_drop_deferred(s, 0);
        http_pairs_release(&w.query);
        http_pairs_release(&w.form);
        json_decref(w.json);
        http_response_reset(resp);
        read = 0;
    }
    /* A request that wrote (its rows and their audit entries, committed
     * without a sync) is answered once they are durable: one sync of the
     * audit writer, shared with every request waiting meanwhile (a read's
     * flush, which syncs, covers a row it wrote too: its session seen). */
    int wrote = store_total_changes(s) != changes;
    if (cfg->audit && !synced && wrote) {
        if (audit_writer_sync(cfg->audit, &w.err) < 0) {
            http_response_reset(resp);
            rc = web_error(&w, 500, "internal", "",
                           "the database cannot be synced to disk");
        } else {
            synced = 1;
        }
    }
    /* The reports read lately, computed again now rather than by the
     * next readers (each would wait or refit). */
    if (cfg->audit && synced && wrote && rc == 0 && is_write(req->method))
        report_cache_refresh(&w);
    /* A read answered with a kept login or report, checked against the
     * commits counted by the time its audit entries were durable. */
    if (cfg->audit) {
        struct err e = ERR_INIT;
        int live = session_cache_recheck(cfg->audit, s, &cfg->limits,
                                         synced, &e);
        if (live <= 0) {
            http_response_reset(resp);
            report_cache_recheck(&w, 0);
            if (live < 0) {
                w.err = e;
                rc = web_fail(&w);
            } else if (w.match.route &&
                       (w.match.route->flags & ROUTE_PAGE)) {
                web_set_cookie(&w, WEB_SESSION_COOKIE, "", 0);
                rc = web_redirect(&w, "/login");
            } else {
                web_set_cookie(&w, WEB_SESSION_COOKIE, "", 0);
                rc = web_error(&w, 401, "unauthorized", "session",
                               "not logged in");
            }
        } else if (report_cache_recheck(&w, rc == 0) < 0) {
            http_response_reset(resp);
            rc = web_fail(&w);
        }
    }
    if (rc < 0) {
        int page = w.match.route ? (w.match.route->flags & ROUTE_PAGE) != 0
                                 : !is_api(req);
        reply_error(&w, page);
    }
    int cacheable = w.match.route &&
                    (w.match.route->flags & ROUTE_STATIC) &&
                    resp->status == 200;
    security_headers(&w, cacheable);
    http_pairs_release(&w.query);
    http_pairs_release(&w.form);
    json_decref(w.json);
}

void web_reply_unparsed(int status, const struct err *e,
                        struct http_response *resp)
{
    struct web_config cfg;
    web_config_default(&cfg);
    struct web_ctx w;
    memset(&w, 0, sizeof(w));
    w.config = &cfg;
    w.resp = resp;
    w.err = *e;
    w.error_status = status;
    const char *code = "bad_request";
    switch (status) {
    case 411: code = "length_required"; break;
    case 413: code = "payload_too_large"; break;
    case 431: code = "headers_too_large"; break;
    case 501: code = "not_implemented"; break;
    case 503: code = "unavailable"; break;
    }
    snprintf(w.error_code, sizeof(w.error_code), "%s", code);
    reply_error(&w, 0);
    security_headers(&w, 0);
}
