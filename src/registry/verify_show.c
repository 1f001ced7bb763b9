/* The check of one certificate on the registry's /verify page
 * (registry/verify_page.h, registry_verify_show). */
#include "core/util.h"
#include "outcomes/signing.h"
#include "registry/verify_page.h"
#include "web/html.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pg_query by_leaf = {
    "verify_by_leaf",
    "SELECT document, protocol, instrument, designation,"
    " to_char(issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
    " to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
    " to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), revoked_reason,"
    " expires_at <= now() FROM registry_certificate WHERE leaf_index = $1",
    1};

/* 1 when a and b are the same JSON value (canonical bytes equal). */
static int same_json(const json_t *a, const json_t *b)
{
    size_t la, lb;
    char *ca = signing_canonical_json(a, &la);
    char *cb = signing_canonical_json(b, &lb);
    int same = ca && cb && la == lb && !memcmp(ca, cb, la);
    free(ca);
    free(cb);
    return same;
}

static void verdict(struct buf *b, const char *kind, const char *id,
                    const char *headline, const char *advice)
{
    html_printf(b, "<div class=\"verdict %s\" role=\"status\" id=\"%s\">"
                   "<p><strong>%s</strong></p><p>%s</p></div>\n",
                kind, id, headline, advice);
}

void registry_verify_show(const struct registry_api *api, struct pg *db,
                          const char *text, struct buf *b)
{
    (void)api;
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        verdict(b, "invalid", "verdict-unreadable",
                "This is not a certificate.",
                "What was sent cannot be read as a certificate file. Ask "
                "for the file itself, as the registry issued it.");
        return;
    }
    const json_t *leaf = json_object_get(
        json_object_get(doc, "transparency"), "leaf_index");
    struct pg_result *r = NULL;
    struct err e = ERR_INIT;
    if (json_is_integer(leaf) && json_integer_value(leaf) >= 0) {
        char index[24];
        snprintf(index, sizeof(index), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(leaf));
        const char *params[] = {index};
        if (pg_run(db, &by_leaf, params, &r, &e) < 0)
            r = NULL;
    }
    if (!r || pg_rows(r) == 0) {
        verdict(b, "unknown", "verdict-unknown",
                "Unknown to this registry.",
                "This registry's log holds no certificate like it. It was "
                "not issued here: do not rely on it.");
    } else {
        json_t *issued = json_loads(pg_text(r, 0, 0), 0, &jerr);
        if (!issued || !same_json(issued, doc))
            verdict(b, "invalid", "verdict-tampered",
                    "Tampered: this certificate was changed.",
                    "It differs from the certificate the registry issued "
                    "at this place of its log. Do not rely on it.");
        else if (!pg_is_null(r, 0, 6))
            verdict(b, "invalid", "verdict-revoked", "Revoked.",
                    "The registry withdrew this certificate. Do not rely "
                    "on it.");
        else if (!strcmp(pg_text(r, 0, 8), "t"))
            verdict(b, "invalid", "verdict-expired", "Expired.",
                    "The registry issued it, but its time is over.");
        else
            verdict(b, "valid", "verdict-valid", "Valid.",
                    "The registry issued this certificate, holds it in its "
                    "public log, and has not revoked it.");
        json_decref(issued);
        html_raw(b, "<h2>What the certificate states</h2>\n"
                    "<dl class=\"facts\">\n");
        html_printf(b, "<dt>Protocol</dt><dd>%s</dd>\n", pg_text(r, 0, 1));
        html_printf(b, "<dt>Measured by</dt><dd>%s</dd>\n",
                    pg_text(r, 0, 2));
        html_printf(b, "<dt>Designation</dt><dd>%s</dd>\n",
                    pg_text(r, 0, 3));
        html_printf(b, "<dt>Valid</dt><dd>%s to %s</dd>\n", pg_text(r, 0, 4),
                    pg_text(r, 0, 5));
        html_printf(b, "<dt>Public log</dt><dd>entry %" JSON_INTEGER_FORMAT
                       "</dd>\n",
                    json_integer_value(leaf));
        if (!pg_is_null(r, 0, 6))
            html_printf(b, "<dt>Revoked</dt><dd>%s: %s</dd>\n",
                        pg_text(r, 0, 6), pg_text(r, 0, 7));
        html_raw(b, "</dl>\n");
    }
    pg_result_free(r);
    json_decref(doc);
}
