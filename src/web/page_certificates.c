/* Certificates: the designations a therapist has earned, the criteria of
 * one cell, and (an admin) issuing the signed certificate
 * (outcomes/certify.h) and downloading its JSON. Issued certificates are
 * kept in the clinic's register (outcomes/register.h); /verify checks one
 * at any time and says whether the clinic revoked it. */
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/number.h"
#include "core/util.h"
#include "outcomes/certificate.h"
#include "outcomes/certify.h"
#include "outcomes/register.h"
#include "outcomes/report.h"
#include "record/clinic_key.h"
#include "web/handlers.h"
#include "web/pages.h"

#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The practitioner the page is about: a therapist always themself. */
static int which_practitioner(struct web_ctx *w, const char *given,
                              int64_t *out)
{
    *out = w->actor.practitioner_id;
    if (w->session.user.role == ROLE_THERAPIST)
        return 0;
    if (w->session.user.role != ROLE_ADMIN)
        return web_error(w, 403, "forbidden", "",
                         "certificates are for therapists and the clinic's "
                         "admins");
    long long id;
    if (parse_integer(given, 1, INT64_MAX, &id) < 0)
        return web_error(w, 422, "invalid", "practitioner",
                         "choose the practitioner (from the outcomes page)");
    *out = id;
    return 0;
}

static int issued_section(struct web_ctx *w, int64_t pid);

static const char *const certificate_notices[][2] = {
    {"revoked", "The certificate was revoked. Whoever verifies it now "
                "sees that, with the reason."},
    {NULL, NULL},
};

int page_certificates(struct web_ctx *w)
{
    int64_t pid;
    if (w->session.user.role == ROLE_ADMIN && !page_query(w, "practitioner"))
        return web_redirect(w, "/outcomes");
    if (which_practitioner(w, page_query(w, "practitioner"), &pid) < 0)
        return -1;
    const char *protocol = page_query(w, "protocol");
    const char *instrument = page_query(w, "instrument");
    json_t *rep =
        report_practitioner_json(w->store, &w->actor, pid, NULL, &w->err);
    if (!rep)
        return web_fail(w);
    const struct catalog *cat = page_catalog(w);
    struct buf *b = &w->resp->body;
    const json_t *prac = json_object_get(rep, "practitioner");
    page_open(w, "Certificates", SECTION_CERTIFICATES, PAGE_WIDE);
    page_notice(w, certificate_notices);
    html_printf(b,
                "<h1>Certificates <span class=\"muted\">of %s</span>"
                "</h1>\n",
                str(prac, "name"));
    html_raw(b, "<p>A certificate states a designation in one protocol and "
                "instrument, with the metrics and criteria behind it, "
                "signed with the clinic's key. Anyone can check it on the "
                "<a href=\"/verify\">verification page</a>.</p>\n");
    size_t i;
    json_t *d;
    int shown = 0;
    json_array_foreach(json_object_get(rep, "designations"), i, d)
    {
        const char *p = str(d, "protocol"), *in = str(d, "instrument");
        const char *des = str(d, "designation");
        int chosen = protocol && instrument && !strcmp(p, protocol) &&
                     !strcmp(in, instrument);
        if ((protocol || instrument) && !chosen)
            continue;
        if (!chosen && !strcmp(des, "none"))
            continue;
        shown++;
        const struct protocol *pr = catalog_find(cat, p);
        const struct instrument *inst = instrument_find(in);
        html_printf(b,
                    "<section class=\"cert\"><h2>%s, %s: ", pr ? pr->name : p,
                    inst ? inst->name : in);
        if (strcmp(des, "none"))
            html_printf(b, "<span class=\"badge yes\">%s</span>", des);
        else
            html_raw(b, "<span class=\"muted\">not earned yet</span>");
        html_raw(b, "</h2>\n");
        page_criteria_table(b, json_object_get(d, "criteria"));
        if (!strcmp(des, "none")) {
            html_raw(b, "<p>No certificate can be issued until every "
                        "criterion of a designation is met.</p>\n");
        } else if (w->session.user.role == ROLE_ADMIN) {
            html_raw(b, "<form method=\"post\" action=\"/certificates\" "
                        "class=\"inline\">\n");
            form_csrf(w);
            html_printf(b,
                        "<input type=\"hidden\" name=\"practitioner\" "
                        "value=\"%lld\">\n<input type=\"hidden\" "
                        "name=\"protocol\" value=\"%s\">\n<input "
                        "type=\"hidden\" name=\"instrument\" value=\"%s\">"
                        "\n<input type=\"hidden\" name=\"designation\" "
                        "value=\"%s\">\n",
                        (long long)pid, p, in, des);
            html_printf(b,
                        "<button type=\"submit\">Issue the %s "
                        "certificate</button>\n</form>\n",
                        des);
        } else {
            html_raw(b, "<p class=\"notice\">Earned. The clinic's admin "
                        "issues the certificate, signed with the clinic's "
                        "key.</p>\n");
        }
        html_raw(b, "</section>\n");
    }
    if (!shown)
        html_raw(b, "<p class=\"empty\">No designation earned yet. The "
                    "<a href=\"/outcomes\">outcomes page</a> shows each "
                    "cell's criteria.</p>\n");
    json_decref(rep);
    if (issued_section(w, pid) < 0)
        return -1;
    page_end(w);
    return 0;
}

/* The practitioner's certificates in the clinic's register, newest
 * first; an admin may revoke a valid one, with a reason. */
static int issued_section(struct web_ctx *w, int64_t pid)
{
    struct issued_list l;
    if (register_list(w->store, &w->actor, pid, &l, &w->err) < 0)
        return web_fail(w);
    struct buf *b = &w->resp->body;
    const struct catalog *cat = page_catalog(w);
    int admin = w->session.user.role == ROLE_ADMIN;
    html_raw(b, "<section id=\"issued\"><h2>Issued certificates</h2>\n");
    if (!l.count) {
        html_raw(b, "<p class=\"empty\">None issued yet.</p>\n</section>\n");
        register_list_release(&l);
        return 0;
    }
    page_table_open(b, "list",
                    (const char *const[]){"Issued", "Protocol", "Instrument",
                                          "Designation", "Status",
                                          admin ? "Revoke" : NULL, NULL});
    for (size_t i = 0; i < l.count; i++) {
        const struct issued_certificate *c = &l.items[i];
        const struct protocol *pr = catalog_find(cat, c->protocol);
        const struct instrument *in = instrument_find(c->instrument);
        html_printf(b, "<tr id=\"certificate-%s\"><td>%s</td><td>%s</td>"
                       "<td>%s</td><td>%s</td><td>",
                    c->id, c->issued_at, pr ? pr->name : c->protocol,
                    in ? in->name : c->instrument, c->designation);
        if (c->revoked_at[0])
            html_printf(b, "<span class=\"badge no\">revoked</span> %s: %s",
                        c->revoked_at, c->revoked_reason);
        else
            html_raw(b, "<span class=\"badge yes\">valid</span>");
        html_raw(b, "</td>");
        if (admin) {
            html_raw(b, "<td>");
            if (!c->revoked_at[0]) {
                html_raw(b, "<form method=\"post\" action=\"/certificates/"
                            "revoke\" class=\"inline\">\n");
                form_csrf(w);
                html_printf(b,
                            "<input type=\"hidden\" name=\"id\" "
                            "value=\"%s\">\n<label for=\"reason-%s\">"
                            "Reason</label>\n<input type=\"text\" "
                            "name=\"reason\" id=\"reason-%s\" required "
                            "maxlength=\"500\">\n<button type=\"submit\" "
                            "class=\"secondary\">Revoke</button>\n</form>",
                            c->id, c->id, c->id);
            }
            html_raw(b, "</td>");
        }
        html_raw(b, "</tr>\n");
    }
    page_table_close(b);
    html_raw(b, "</section>\n");
    register_list_release(&l);
    return 0;
}

int page_certificate_revoke(struct web_ctx *w)
{
    if (page_require_admin(w, "revoke a certificate") < 0)
        return -1;
    struct issued_certificate c;
    if (register_revoke(w->store, &w->actor, page_form_given(w, "id"),
                        page_form_given(w, "reason"), &c, &w->err) < 0)
        return web_fail(w);
    return page_redirect(w, "/certificates?practitioner=%lld&done=revoked",
                         (long long)c.practitioner_id);
}

int page_certificate_issue(struct web_ctx *w)
{
    if (page_require_admin(w, "issue a certificate") < 0)
        return -1;
    struct certify_request req = {0};
    long pid;
    if (page_form_long(w, "practitioner", 1, 999999999999999L, 0, &pid) < 0)
        return web_fail(w);
    req.practitioner_id = pid;
    req.protocol = page_form_given(w, "protocol");
    req.instrument = page_form_given(w, "instrument");
    const char *designation = page_form_given(w, "designation");
    req.wanted = designation && !strcmp(designation, "advanced")
                     ? DESIGNATION_ADVANCED
                     : DESIGNATION_REPRODUCIBLE;
    if (!req.protocol)
        return web_error(w, 422, "invalid", "protocol", "missing");
    char *doc = certify_issue(w->store, &w->actor, &req, NULL, &w->err);
    if (!doc)
        return web_fail(w);
    size_t len = strlen(doc);
    json_t *claims = NULL;
    unsigned char signer[CLINIC_KEY_PUBLIC_BYTES];
    struct err e = ERR_INIT;
    if (certificate_verify(doc, len, NULL, &claims, signer, &e) < 0) {
        free(doc);
        w->err = e;
        return web_fail(w);
    }
    struct buf *b = &w->resp->body;
    page_open(w, "Certificate issued", SECTION_CERTIFICATES, PAGE_WIDE);
    html_raw(b, "<h1>Certificate issued</h1>\n<div class=\"verdict valid\" "
                "role=\"status\"><p><strong>Signed with the clinic's key."
                "</strong> It is kept, as issued, in the clinic's register "
                "of issued certificates (issuing again makes a new "
                "certificate).</p></div>\n");
    page_certificate_claims(w, claims, signer);
    size_t b64_len =
        sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(b64_len);
    sodium_bin2base64(b64, b64_len, (const unsigned char *)doc, len,
                      sodium_base64_VARIANT_ORIGINAL);
    html_printf(b,
                "<div class=\"actions\"><a class=\"button\" "
                "href=\"data:application/json;base64,%s\" "
                "download=\"certificate-%s.json\">Download the "
                "certificate (JSON)</a> <a href=\"/verify\">Verify a "
                "certificate</a></div>\n",
                b64, str(claims, "id"));
    html_raw(b, "<details><summary>The certificate's text</summary>\n"
                "<pre class=\"note\" id=\"certificate-text\">");
    html_text(b, doc);
    html_raw(b, "</pre>\n</details>\n");
    page_end(w);
    free(b64);
    free(doc);
    json_decref(claims);
    return 0;
}
