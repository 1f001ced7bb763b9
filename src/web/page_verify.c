/* The public certificate check: anyone (a physician, an insurer), without
 * an account, uploads (multipart/form-data) or pastes a certificate and
 * sees whether its signature holds (outcomes/certificate.h,
 * certificate_verify) and what it claims. Nothing is stored. */
#include "catalog/claims.h"
#include "core/clock.h"
#include "core/util.h"
#include "documents/claims_html.h"
#include "outcomes/certificate.h"
#include "outcomes/register.h"
#include "record/clinic_key.h"
#include "web/handlers.h"
#include "web/multipart.h"
#include "web/pages.h"

#include <ctype.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- the page ---- */

static void verify_form(struct web_ctx *w, const struct form_view *f)
{
    struct buf *b = &w->resp->body;
    html_raw(b, "<form method=\"post\" action=\"/verify\" "
                "enctype=\"multipart/form-data\" class=\"stacked\">\n");
    html_raw(b, "<div class=\"field\">\n<label for=\"f-file\">Certificate "
                "file (.json)</label>\n");
    form_field_error(b, f, "file");
    html_raw(b, "<input type=\"file\" name=\"file\" id=\"f-file\" "
                "accept=\".json,application/json\">\n</div>\n");
    form_textarea(
        b, f, "certificate", "Or paste the certificate",
        &(struct field_opts){.rows = 6, .attrs = " spellcheck=\"false\""});
    html_raw(b, "<div class=\"actions\"><button type=\"submit\">Verify"
                "</button></div>\n</form>\n");
}

static void verify_intro(struct buf *b)
{
    html_raw(b, "<h1>Verify a certificate</h1>\n<p>A Touchstone "
                "certificate states a therapist's designation in one "
                "protocol and outcome measure, signed with the issuing "
                "clinic's Ed25519 key. Upload or paste it to check the "
                "signature and read what it claims. No account is needed, "
                "and nothing you send is kept.</p>\n");
}

int page_verify_form(struct web_ctx *w)
{
    struct buf *b = &w->resp->body;
    page_open(w, "Verify a certificate", SECTION_VERIFY, 0);
    verify_intro(b);
    struct form_view f = {NULL, NULL, NULL};
    verify_form(w, &f);
    page_end(w);
    return 0;
}

static const char *member(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* A claim's value in words: strings as they are, numbers plainly, the
 * rest as compact JSON. */
static void claim_value(struct buf *b, const json_t *v)
{
    if (json_is_string(v)) {
        html_text(b, json_string_value(v));
    } else if (json_is_integer(v)) {
        html_printf(b, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        page_number(b, json_real_value(v), 4);
    } else if (json_is_true(v)) {
        html_raw(b, "yes");
    } else if (json_is_false(v)) {
        html_raw(b, "no");
    } else if (json_is_null(v)) {
        html_raw(b, "&ndash;");
    } else if (json_is_array(v)) {
        size_t i;
        json_t *item;
        html_raw(b, "[");
        json_array_foreach(v, i, item)
        {
            if (i)
                html_raw(b, ", ");
            claim_value(b, item);
        }
        html_raw(b, "]");
    } else {
        const char *key;
        json_t *item;
        int first = 1;
        json_object_foreach((json_t *)v, key, item)
        {
            html_printf(b, "%s%s ", first ? "" : "; ", key);
            claim_value(b, item);
            first = 0;
        }
    }
}

/* What this clinic's register says of a valid certificate its own key
 * signed: revoked (with the reason), or kept since it was issued. A
 * certificate signed by another key is not this clinic's to judge. */
static void register_verdict(struct web_ctx *w, const json_t *claims,
                             const unsigned char signer[CLINIC_KEY_PUBLIC_BYTES])
{
    struct buf *b = &w->resp->body;
    struct err e = ERR_INIT;
    const char *id = json_string_value(json_object_get(claims, "id"));
    const char *state;
    int found = 0;
    struct issued_certificate c;
    if (!id || clinic_key_known(w->store, signer, &state, NULL, 0, &e) != 1 ||
        register_status(w->store, id, &found, &c, &e) < 0)
        return;
    if (!found)
        html_raw(b, "<p>This clinic's register of issued certificates has "
                    "no entry for it (it was issued before the register was "
                    "kept).</p>\n");
    else if (c.revoked_at[0])
        html_printf(b,
                    "<div class=\"verdict invalid\" role=\"alert\" "
                    "id=\"revoked\"><p><strong>Revoked.</strong> The clinic "
                    "withdrew this certificate at %s: %s</p><p>Do not rely "
                    "on what it claims.</p></div>\n",
                    c.revoked_at, c.revoked_reason);
    else
        html_printf(b,
                    "<p id=\"registered\">In the clinic's register of issued "
                    "certificates since %s, and not revoked.</p>\n",
                    c.issued_at);
}

void page_certificate_claims(struct web_ctx *w, const json_t *claims,
                             const unsigned char *signer)
{
    struct buf *b = &w->resp->body;
    const struct catalog *cat = page_catalog(w);
    struct catalog_claims c;
    catalog_claims_read(cat, claims, &c);
    claims_html_statement(b, &c, CLAIMS_VOICE_CLINIC);
    html_raw(b, "<dl class=\"facts\">\n");
    html_printf(b, "<dt>Certificate</dt><dd><code>%s</code></dd>\n",
                member(claims, "id"));
    html_raw(b, strcmp(member(claims, "kind"), "registry-certificate")
                    ? "<dt>Kind</dt><dd>Clinic attestation: signed by the "
                      "clinic about its own therapist, against its own "
                      "colleagues</dd>\n"
                    : "<dt>Kind</dt><dd>Registry certificate: the registry's "
                      "designation on the national data</dd>\n");
    html_printf(b, "<dt>Issued</dt><dd>%s</dd>\n", member(claims, "issued_at"));
    html_printf(b, "<dt>Protocol</dt><dd><code>%s</code></dd>\n", c.protocol);
    html_printf(b, "<dt>Instrument</dt><dd><code>%s</code></dd>\n",
                c.instrument);
    html_printf(b,
                "<dt>Data (SHA-256)</dt><dd><code class=\"hash\">%s"
                "</code></dd>\n",
                member(claims, "data_sha256"));
    char pk64[CLINIC_KEY_PUBLIC_BASE64_LEN];
    sodium_bin2base64(pk64, sizeof(pk64), signer, CLINIC_KEY_PUBLIC_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    html_printf(b, "<dt>Signed by</dt><dd><code>%s</code>", pk64);
    unsigned char ours[CLINIC_KEY_PUBLIC_BYTES];
    struct err e = ERR_INIT;
    const char *state = NULL;
    char retired[CLOCK_INSTANT_LEN];
    if (clinic_key_public(w->store, ours, &e) == 0) {
        int known = clinic_key_known(w->store, signer, &state, retired,
                                     sizeof(retired), &e);
        if (known == 1 && !strcmp(state, "current"))
            html_raw(b, "<br>this clinic's key");
        else if (known == 1)
            html_printf(b, "<br>this clinic's earlier key, retired %s: "
                           "certificates it signed before stay valid",
                        retired);
        else
            html_raw(b, "<br>not this clinic's key: compare it with the "
                        "key the issuing clinic publishes");
    }
    html_raw(b, "</dd>\n</dl>\n");

    html_raw(b, "<h2>Metrics</h2>\n<table class=\"list\">\n<tbody>\n");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(claims, "metrics"), key, v)
    {
        html_printf(b, "<tr><th scope=\"row\">%s</th><td>", key);
        claim_value(b, v);
        html_raw(b, "</td></tr>\n");
    }
    page_table_close(b);
    html_raw(b, "<h2>Criteria met</h2>\n<ul>\n");
    size_t i;
    json_array_foreach(json_object_get(claims, "thresholds"), i, v)
    {
        html_printf(b, "<li>%s", member(v, "criterion"));
        const char *k2;
        json_t *v2;
        json_object_foreach(v, k2, v2)
        {
            if (!strcmp(k2, "criterion") || !strcmp(k2, "met"))
                continue;
            html_printf(b, "; %s ", k2);
            claim_value(b, v2);
        }
        html_raw(b, "</li>\n");
    }
    html_raw(b, "</ul>\n");
}

int page_verify_submit(struct web_ctx *w)
{
    struct http_request *req = w->req;
    char media[64];
    http_request_media_type(req, media, sizeof(media));
    const char *text = NULL;
    size_t len = 0;
    struct err e = ERR_INIT;
    struct http_pairs fields = HTTP_PAIRS_INIT;
    if (!strcmp(media, "multipart/form-data")) {
        struct multipart_part parts[MULTIPART_MAX_PARTS];
        int n;
        if (multipart_parse(req->body.data, req->body.len,
                            http_request_header(req, "Content-Type"), parts, &n,
                            &e) == 0) {
            for (int i = 0; i < n; i++) {
                if (!strcmp(parts[i].name, "file") && parts[i].len) {
                    text = parts[i].data;
                    len = parts[i].len;
                } else if (!strcmp(parts[i].name, "certificate") &&
                           parts[i].len &&
                           !memchr(parts[i].data, 0, parts[i].len)) {
                    char *copy = xmalloc(parts[i].len + 1);
                    memcpy(copy, parts[i].data, parts[i].len);
                    copy[parts[i].len] = '\0';
                    http_pairs_add(&fields, "certificate", copy);
                    free(copy);
                }
            }
            if (!text) {
                const char *pasted = http_pairs_get(&fields, "certificate", 0);
                if (pasted) {
                    text = pasted;
                    len = strlen(pasted);
                }
            }
        }
    } else {
        text = http_pairs_get(&w->form, "certificate", 0);
        len = text ? strlen(text) : 0;
        if (text)
            http_pairs_add(&fields, "certificate", text);
    }
    /* Blank input: ask again. */
    size_t k = 0;
    while (text && k < len && isspace((unsigned char)text[k]))
        k++;
    struct buf *b = &w->resp->body;
    if (e.code == ERR_NONE && (!text || k == len))
        err_set(&e, ERR_INPUT, "file",
                "choose a certificate file or paste one");
    if (e.code != ERR_NONE) {
        w->resp->status = 422;
        page_open(w, "Verify a certificate", SECTION_VERIFY, 0);
        verify_intro(b);
        struct form_view f = {&fields, &e, "Nothing was checked."};
        form_errors(b, &f);
        verify_form(w, &f);
        page_end(w);
        http_pairs_release(&fields);
        return 0;
    }
    json_t *claims = NULL;
    unsigned char signer[CLINIC_KEY_PUBLIC_BYTES];
    int valid = certificate_verify(text, len, NULL, &claims, signer, &e) == 0;
    page_open(w, valid ? "Certificate valid" : "Certificate not valid",
              SECTION_VERIFY, 0);
    html_raw(b, "<h1>Verify a certificate</h1>\n");
    if (valid) {
        html_raw(b, "<div class=\"verdict valid\" role=\"status\"><p><strong>"
                    "The signature holds.</strong> This certificate was "
                    "signed by the key below and has not been changed "
                    "since.</p></div>\n");
        register_verdict(w, claims, signer);
        page_certificate_claims(w, claims, signer);
    } else {
        html_raw(b, "<div class=\"verdict invalid\" role=\"alert\"><p>"
                    "<strong>Not a valid certificate.</strong> ");
        if (e.field[0])
            html_printf(b, "<code>%s</code>: ", e.field);
        html_printf(b, "%s.</p><p>Do not rely on what it claims.</p></div>\n",
                    e.message);
    }
    html_raw(b, "<h2>Check another</h2>\n");
    struct form_view f = {NULL, NULL, NULL};
    verify_form(w, &f);
    page_end(w);
    json_decref(claims);
    http_pairs_release(&fields);
    return 0;
}
