/* The registry's public pages: the directory and its resources
 * (registry/directory_page.h). */
#include "registry/directory_page.h"
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/embedded.h"
#include "core/util.h"
#include "registry/directory.h"
#include "registry/verify_page.h"
#include "web/html.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- answers ---- */

static void no_store(struct http_response *resp)
{
    http_response_set_header(resp, "Cache-Control", "no-store");
    http_response_set_header(resp, "X-Content-Type-Options", "nosniff");
}

static void reply_document(struct http_response *resp, int status,
                           const char *type, json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!text)
        die("out of memory writing JSON");
    resp->status = status;
    http_response_set_header(resp, "Content-Type", type);
    no_store(resp);
    buf_reset(&resp->body);
    buf_puts(&resp->body, text);
    buf_putc(&resp->body, '\n');
    free(text);
}

static void reply_json_error(struct http_response *resp, int status,
                             const char *code, const struct err *e)
{
    json_t *error = json_pack("{ssss}", "code", code, "message",
                              status >= 500 ? "the registry failed; try "
                                              "again"
                                            : e->message);
    json_object_set_new(error, "field", e->field[0] && status < 500
                                            ? json_string(e->field)
                                            : json_null());
    reply_document(resp, status, "application/json; charset=utf-8",
                   json_pack("{so}", "error", error));
}

/* A FHIR OperationOutcome of one issue. */
static void reply_fhir_error(struct http_response *resp, int status,
                             const struct err *e)
{
    char text[sizeof(e->message) + sizeof(e->field) + 8];
    if (status >= 500)
        snprintf(text, sizeof(text), "the registry failed; try again");
    else if (e->field[0])
        snprintf(text, sizeof(text), "%s: %s", e->field, e->message);
    else
        snprintf(text, sizeof(text), "%s", e->message);
    reply_document(
        resp, status, "application/fhir+json; charset=utf-8",
        json_pack("{sss[{sssss{ss}}]}", "resourceType", "OperationOutcome",
                  "issue", "severity", "error", "code",
                  status >= 500 ? "exception" : "invalid", "details", "text",
                  text));
}

/* "http://HOST" from the Host header (the server's own address when it
 * is missing). */
static void base_url(const struct http_request *req, char *out, size_t n)
{
    const char *host = http_request_header(req, "Host");
    int ok = host && host[0] && strlen(host) < 200;
    for (const char *p = host; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
             (*p >= '0' && *p <= '9') || strchr(".-:[]", *p);
    snprintf(out, n, "http%s://%s", req->tls ? "s" : "",
             ok ? host : "localhost");
}

/* ---- the page's chrome ---- */

void registry_page_open(struct buf *b, const char *title,
                        enum registry_section section)
{
    html_raw(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
                "content=\"width=device-width, initial-scale=1\">\n");
    html_printf(b, "<title>%s - Touchstone registry</title>\n", title);
    html_raw(b, "<link rel=\"stylesheet\" href=\"/assets/registry.css\">\n"
                "</head>\n<body>\n<header>\n<p class=\"site\">Touchstone "
                "registry of medical massage therapy</p>\n<nav "
                "aria-label=\"Registry\"><ul>\n<li><a href=\"/directory\"");
    if (section == REGISTRY_SECTION_DIRECTORY)
        html_raw(b, " aria-current=\"page\"");
    html_raw(b, ">Find a therapist</a></li>\n<li><a href=\"/verify\"");
    if (section == REGISTRY_SECTION_VERIFY)
        html_raw(b, " aria-current=\"page\"");
    html_raw(b, ">Verify a certificate</a></li>\n</ul></nav>\n</header>\n"
                "<main>\n");
}

void registry_page_close(struct buf *b, struct http_response *resp,
                         int status)
{
    html_raw(b, "</main>\n</body>\n</html>\n");
    resp->status = status;
    http_response_set_header(resp, "Content-Type", "text/html; charset=utf-8");
    no_store(resp);
    http_response_set_header(resp, "Content-Security-Policy",
                             "default-src 'none'; style-src 'self'; "
                             "form-action 'self'; frame-ancestors 'none'");
}

/* ---- the search ---- */

/* Reads the query string into q with the parameter names given (the
 * page's and JSON's, or FHIR's). Unknown parameters and repeated ones are
 * refused (ERR_INPUT naming them). */
static int read_query(const struct http_request *req,
                      const char *const names[3], struct directory_query *q,
                      struct err *e)
{
    static const char *const which[3] = {"protocol", "state", "zip3"};
    memset(q, 0, sizeof(*q));
    struct http_pairs pairs = HTTP_PAIRS_INIT;
    int rc = http_form_parse(req->query, strlen(req->query), &pairs, e);
    for (size_t i = 0; rc == 0 && i < pairs.count; i++) {
        const struct http_pair *p = &pairs.items[i];
        int k = 0;
        while (k < 3 && strcmp(p->name, names[k]))
            k++;
        if (k == 3)
            rc = err_set(e, ERR_INPUT, p->name, "is not a search parameter "
                         "here (%s, %s, %s are)", names[0], names[1],
                         names[2]);
        else if (http_pairs_count(&pairs, p->name) > 1)
            rc = err_set(e, ERR_INPUT, p->name, "is given more than once");
        else
            rc = directory_query_set(q, which[k], p->value, p->name, e);
    }
    http_pairs_release(&pairs);
    return rc;
}

static const char *const page_names[3] = {"protocol", "state", "zip3"};
static const char *const fhir_names[3] = {
    "specialty", "location.address-state", "location.address-postalcode"};

static const char *protocol_name(const struct catalog *cat, const char *id)
{
    const struct protocol *p = cat ? catalog_find(cat, id) : NULL;
    return p ? p->name : id;
}

static const char *instrument_name(const char *code)
{
    const struct instrument *in = instrument_find(code);
    return in ? in->name : code;
}

/* The words of a designation as a physician reads them. */
static const char *designation_words(const char *designation)
{
    static const struct {
        const char *code, *words;
    } known[] = {
        {"reproducible", "Reproducible: results as good as the national "
                         "standard, on enough patients to be sure"},
        {"advanced", "Advanced: results above the national standard, on "
                     "enough patients to be sure"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(known); i++)
        if (!strcmp(designation, known[i].code))
            return known[i].words;
    return designation;
}

static void search_form(struct buf *b, const struct catalog *cat,
                        const struct directory_query *q,
                        const struct err *e)
{
    if (e && e->message[0]) {
        html_raw(b, "<div class=\"error-summary\" role=\"alert\" "
                    "id=\"error\"><p>");
        html_printf(b, "Please check the search: %s %s.", e->field,
                    e->message);
        html_raw(b, "</p></div>\n");
    }
    html_raw(b, "<form method=\"get\" action=\"/directory\" "
                "class=\"search\" role=\"search\">\n"
                "<div><label for=\"protocol\">Condition treated "
                "(protocol)</label>\n<select id=\"protocol\" "
                "name=\"protocol\">\n<option value=\"\">Any "
                "protocol</option>\n");
    for (int i = 0; cat && i < catalog_protocol_count(cat); i++) {
        const struct protocol *p = catalog_protocol_at(cat, i);
        html_printf(b, "<option value=\"%s\"%s>%s</option>\n", p->id,
                    strcmp(p->id, q->protocol) ? "" : " selected", p->name);
    }
    html_raw(b, "</select></div>\n<div><label for=\"state\">State "
                "<span class=\"hint\">two letters, as OR</span></label>\n");
    html_printf(b, "<input type=\"text\" id=\"state\" name=\"state\" "
                   "value=\"%s\" maxlength=\"2\" autocomplete=\"off\" "
                   "autocapitalize=\"characters\"></div>\n",
                q->state);
    html_raw(b, "<div><label for=\"zip3\">Or the first 3 digits of a ZIP "
                "code <span class=\"hint\">as 972</span></label>\n");
    html_printf(b, "<input type=\"text\" id=\"zip3\" name=\"zip3\" "
                   "value=\"%s\" maxlength=\"3\" inputmode=\"numeric\" "
                   "autocomplete=\"off\"></div>\n",
                q->zip3);
    html_raw(b, "<button type=\"submit\">Search</button>\n</form>\n");
}

/* "?protocol=..&state=..&zip3=.." of q, with the names given; amp joins
 * the parameters ("&amp;" in an HTML attribute, "&" in JSON). */
static void query_link(struct buf *b, const struct directory_query *q,
                       const char *const names[3], const char *amp)
{
    const char *values[3] = {q->protocol, q->state, q->zip3};
    const char *sep = "?";
    for (int i = 0; i < 3; i++)
        if (values[i][0]) {
            buf_puts(b, sep);
            html_url_arg(b, names[i]);
            buf_putc(b, '=');
            html_url_arg(b, values[i]);
            sep = amp;
        }
}

static void results(struct buf *b, const struct catalog *cat,
                    const struct directory_list *l,
                    const struct directory_query *q)
{
    html_printf(b, "<h2 id=\"results\" aria-live=\"polite\">%zu therapist "
                   "designation%s found</h2>\n",
                l->count, l->count == 1 ? "" : "s");
    if (l->count == 0)
        html_raw(b, "<p>No listed therapist holds a current registry "
                    "designation for this search. Try another protocol or "
                    "a wider place (the state alone).</p>\n");
    html_raw(b, "<ul class=\"results\">\n");
    for (size_t i = 0; i < l->count; i++) {
        const struct directory_entry *d = &l->items[i];
        html_printf(b, "<li id=\"certificate-%" PRId64 "\">\n<h3>%s</h3>\n",
                    d->certificate, d->name);
        html_printf(b, "<p>%s", d->clinic);
        if (d->state[0] || d->zip3[0])
            html_printf(b, ", %s%s%s%s", d->state,
                        d->state[0] && d->zip3[0] ? " " : "",
                        d->zip3[0] ? "ZIP " : "", d->zip3);
        if (d->zip3[0])
            html_raw(b, "xx");
        html_raw(b, "</p>\n<dl class=\"facts\">\n");
        html_printf(b, "<dt>Protocol</dt><dd>%s</dd>\n",
                    protocol_name(cat, d->protocol));
        html_printf(b, "<dt>Measured by</dt><dd>%s</dd>\n",
                    instrument_name(d->instrument));
        html_printf(b, "<dt>Designation</dt><dd class=\"designation\">%s"
                       "</dd>\n",
                    designation_words(d->designation));
        html_printf(b, "<dt>Valid</dt><dd>%.10s to %.10s</dd>\n",
                    d->issued_at, d->expires_at);
        html_printf(b, "<dt>Public log</dt><dd>entry %" PRId64 "</dd>\n",
                    d->leaf_index);
        html_raw(b, "</dl>\n<p class=\"links\">");
        html_printf(b, "<a href=\"/directory/certificate/%" PRId64
                       ".json\" download>Download the certificate<span "
                       "class=\"sr\"> of %s</span></a>",
                    d->certificate, d->name);
        html_printf(b, "<a href=\"/verify?certificate=%" PRId64 "\">Check "
                       "it<span class=\"sr\"> (%s)</span></a>",
                    d->certificate, d->name);
        html_raw(b, "</p>\n</li>\n");
    }
    html_raw(b, "</ul>\n<p class=\"small links\">The same answer as <a href=\""
                "/directory.json");
    query_link(b, q, page_names, "&amp;");
    html_raw(b, "\">JSON</a> and as <a href=\"/fhir/r4/PractitionerRole");
    struct directory_query fq = *q;
    query_link(b, &fq, fhir_names, "&amp;");
    html_raw(b, "\">FHIR PractitionerRole</a>.</p>\n");
}

static void directory_html(const struct registry_api *api, struct pg *db,
                           struct http_request *req,
                           struct http_response *resp)
{
    struct buf *b = &resp->body;
    buf_reset(b);
    struct err e = ERR_INIT;
    struct directory_query q;
    int status = 200;
    int bad = read_query(req, page_names, &q, &e) < 0;
    registry_page_open(b, "Find a therapist", REGISTRY_SECTION_DIRECTORY);
    html_raw(b, "<h1>Find a therapist whose results the registry "
                "confirms</h1>\n<p class=\"intro\">Therapists listed here "
                "agreed to be listed, and hold a current certificate of the "
                "national registry: their patients' outcomes, measured with "
                "standard questionnaires, compare well with every clinic's "
                "in the country.</p>\n");
    if (bad) {
        status = 400;
        search_form(b, api->catalog, &q, &e);
    } else {
        search_form(b, api->catalog, &q, NULL);
        if (req->query[0]) {
            struct directory_list l;
            if (directory_search(db, &q, &l, &e) < 0) {
                buf_reset(b);
                registry_page_open(b, "Find a therapist", REGISTRY_SECTION_DIRECTORY);
                html_raw(b, "<h1>The directory failed</h1>\n<p>Try again in "
                            "a moment.</p>\n");
                registry_page_close(b, resp, 500);
                return;
            }
            results(b, api->catalog, &l, &q);
            directory_list_release(&l);
        }
    }
    html_raw(b, "<p class=\"small\">The directory shows no patient and no "
                "figure of any one patient: only the therapist's name as "
                "their clinic gives it, the clinic's state and the first "
                "three digits of its ZIP code, and the registry's "
                "certificate.</p>\n");
    registry_page_close(b, resp, status);
}

static void directory_json(struct pg *db, struct http_request *req,
                           struct http_response *resp)
{
    struct err e = ERR_INIT;
    struct directory_query q;
    if (read_query(req, page_names, &q, &e) < 0) {
        reply_json_error(resp, 400, "bad_request", &e);
        return;
    }
    struct directory_list l;
    if (directory_search(db, &q, &l, &e) < 0) {
        reply_json_error(resp, 500, "internal", &e);
        return;
    }
    char base[256];
    base_url(req, base, sizeof(base));
    json_t *doc = directory_to_json(&l, &q, base);
    directory_list_release(&l);
    reply_document(resp, 200, "application/json; charset=utf-8", doc);
}

static void directory_fhir(struct pg *db, struct http_request *req,
                           struct http_response *resp)
{
    struct err e = ERR_INIT;
    struct directory_query q;
    if (read_query(req, fhir_names, &q, &e) < 0) {
        reply_fhir_error(resp, 400, &e);
        return;
    }
    struct directory_list l;
    if (directory_search(db, &q, &l, &e) < 0) {
        reply_fhir_error(resp, 500, &e);
        return;
    }
    char base[256];
    base_url(req, base, sizeof(base));
    struct buf self = BUF_INIT;
    buf_puts(&self, base);
    buf_puts(&self, "/fhir/r4/PractitionerRole");
    query_link(&self, &q, fhir_names, "&");
    json_t *doc = directory_to_fhir(&l, base, self.data);
    buf_release(&self);
    directory_list_release(&l);
    reply_document(resp, 200, "application/fhir+json; charset=utf-8", doc);
}

/* "/directory/certificate/ID.json": the id, or -1. */
static int64_t certificate_id(const char *path)
{
    const char *prefix = "/directory/certificate/";
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n))
        return -1;
    const char *p = path + n;
    int64_t id = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 18) {
        id = id * 10 + (*p++ - '0');
        digits++;
    }
    return digits && digits < 18 && !strcmp(p, ".json") ? id : -1;
}

static void certificate_download(struct pg *db, int64_t id,
                                 struct http_response *resp)
{
    struct err e = ERR_INIT;
    char *document;
    int found = directory_certificate(db, id, &document, &e);
    if (found <= 0) {
        if (found == 0)
            err_set(&e, ERR_NOT_FOUND, "certificate", "the directory shows "
                    "no certificate %" PRId64 " (unknown, revoked, expired "
                    "or not listed)", id);
        reply_json_error(resp, found == 0 ? 404 : 500,
                         found == 0 ? "not_found" : "internal", &e);
        return;
    }
    resp->status = 200;
    http_response_set_header(resp, "Content-Type",
                             "application/json; charset=utf-8");
    char disposition[96];
    snprintf(disposition, sizeof(disposition),
             "attachment; filename=\"registry-certificate-%" PRId64
             ".json\"",
             id);
    http_response_set_header(resp, "Content-Disposition", disposition);
    no_store(resp);
    buf_reset(&resp->body);
    buf_puts(&resp->body, document);
    if (!resp->body.len || resp->body.data[resp->body.len - 1] != '\n')
        buf_putc(&resp->body, '\n');
    free(document);
}

static void listing_update(struct pg *db, struct http_request *req,
                           struct http_response *resp)
{
    char type[64];
    http_request_media_type(req, type, sizeof(type));
    struct err e = ERR_INIT;
    if (type[0] && strcmp(type, "application/json")) {
        err_set(&e, ERR_INPUT, "Content-Type", "must be application/json");
        reply_json_error(resp, 415, "unsupported_media_type", &e);
        return;
    }
    struct directory_update_result out;
    if (directory_update(db, req->body.data, req->body.len, &out, &e) == 0) {
        reply_document(resp, 200, "application/json; charset=utf-8",
                       json_pack("{sIsIsi}", "clinic", (json_int_t)out.clinic,
                                 "seq", (json_int_t)out.seq, "listed",
                                 out.listed));
        return;
    }
    static const struct {
        int status;
        const char *code;
    } codes[] = {{400, "bad_request"}, {401, "bad_signature"},
                 {403, "forbidden"},   {409, "conflict"}};
    const char *code = "internal";
    for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
        if (codes[i].status == out.status)
            code = codes[i].code;
    reply_json_error(resp, out.status, code, &e);
}

static void style_sheet(struct http_response *resp)
{
    const struct embedded_file *f =
        embedded_find("src/web/assets/registry.css");
    if (!f)
        BUG("registry.css is not embedded");
    resp->status = 200;
    http_response_set_header(resp, "Content-Type", "text/css; charset=utf-8");
    http_response_set_header(resp, "Cache-Control", "max-age=3600");
    buf_reset(&resp->body);
    buf_add(&resp->body, f->data, f->len);
}

/* ---- routing ---- */

static int method_is(struct http_request *req, struct http_response *resp,
                     const char *allowed)
{
    if (strstr(allowed, req->method) &&
        (!strcmp(req->method, "GET") || !strcmp(req->method, "POST") ||
         !strcmp(req->method, "HEAD")))
        return 1;
    struct err e = ERR_INIT;
    err_set(&e, ERR_INPUT, "", "method not allowed");
    reply_json_error(resp, 405, "method_not_allowed", &e);
    http_response_set_header(resp, "Allow", allowed);
    return 0;
}

int registry_directory_route(const struct registry_api *api, struct pg *db,
                             struct http_request *req,
                             struct http_response *resp)
{
    const char *path = req->path;
    int64_t id;
    if (!strcmp(path, "/directory")) {
        if (method_is(req, resp, "GET, HEAD"))
            directory_html(api, db, req, resp);
    } else if (!strcmp(path, "/directory.json")) {
        if (method_is(req, resp, "GET, HEAD"))
            directory_json(db, req, resp);
    } else if ((id = certificate_id(path)) >= 0) {
        if (method_is(req, resp, "GET, HEAD"))
            certificate_download(db, id, resp);
    } else if (!strcmp(path, "/fhir/r4/PractitionerRole")) {
        if (method_is(req, resp, "GET, HEAD"))
            directory_fhir(db, req, resp);
    } else if (!strcmp(path, "/verify")) {
        if (method_is(req, resp, "GET, HEAD, POST"))
            registry_verify_page(api, db, req, resp);
    } else if (!strcmp(path, "/registry/v1/directory")) {
        if (method_is(req, resp, "POST"))
            listing_update(db, req, resp);
    } else if (!strcmp(path, "/assets/registry.css")) {
        if (method_is(req, resp, "GET, HEAD"))
            style_sheet(resp);
    } else {
        return 0;
    }
    return 1;
}
