/* The check of one certificate on the registry's /verify page
 * (registry/verify_page.h, registry_verify_show): the offline check of
 * 'touchstone verify' (registry/cert_verify.h) with every key this
 * registry has had, then what the registry's log says of it today. */
#include "catalog/claims.h"
#include "core/util.h"
#include "documents/claims_html.h"
#include "record/clinic_key.h"
#include "registry/cert_verify.h"
#include "registry/directory_page.h"
#include "registry/verify_page.h"
#include "web/html.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pg_query keys_query = {
    "verify_keys", "SELECT public_key FROM registry_key ORDER BY created_at,"
    " id", 0};

static const struct pg_query leaf_query = {
    "verify_leaf",
    "SELECT l.leaf_hash = decode($2, 'hex'),"
    " (SELECT max(tree_size) FROM registry_tree_head),"
    " to_char(c.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
    " c.revoked_reason, c.expires_at <= now()"
    " FROM registry_log_leaf l LEFT JOIN registry_certificate c"
    "   ON c.leaf_index = l.leaf_index"
    " WHERE l.leaf_index = $1",
    2};

/* Every public key of the registry, decoded, into *keys (allocated,
 * free()): their count, or -1 with e. */
static long trusted_keys(struct pg *db, unsigned char **keys, struct err *e)
{
    struct pg_result *r;
    *keys = NULL;
    if (pg_run(db, &keys_query, NULL, &r, e) < 0)
        return -1;
    long n = 0;
    *keys = xcalloc((size_t)pg_rows(r) + 1, SIGNING_PUBLIC_BYTES);
    for (int i = 0; i < pg_rows(r); i++) {
        struct err ignored = ERR_INIT;
        if (clinic_key_base64_decode(pg_text(r, i, 0),
                                     *keys + n * SIGNING_PUBLIC_BYTES,
                                     SIGNING_PUBLIC_BYTES, "public_key",
                                     &ignored) == 0)
            n++;
    }
    pg_result_free(r);
    return n;
}

static void verdict(struct buf *b, const char *kind, const char *id,
                    const char *headline, const char *advice)
{
    html_printf(b, "<div class=\"verdict %s\" role=\"status\" id=\"%s\">"
                   "<p><strong>%s</strong></p><p>%s</p></div>\n",
                kind, id, headline, advice);
}

static const char *text_of(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* What the claims state, in words and as facts. */
static void claims_facts(const struct registry_api *api, struct buf *b,
                         const json_t *claims)
{
    struct catalog_claims c;
    catalog_claims_read(api->catalog, claims, &c);
    const json_t *national = json_object_get(claims, "national");
    const json_t *metrics = json_object_get(claims, "metrics");
    html_raw(b, "<h2>What the certificate states</h2>\n");
    claims_html_statement(b, &c, CLAIMS_VOICE_REGISTRY);
    html_raw(b, "<dl class=\"facts\">\n");
    html_printf(b, "<dt>Issued</dt><dd>%.10s</dd>\n",
                text_of(claims, "issued_at"));
    html_printf(b, "<dt>Expires</dt><dd>%.10s</dd>\n",
                text_of(claims, "expires_at"));
    const json_t *n = json_object_get(metrics, "n");
    if (json_is_integer(n))
        html_printf(b, "<dt>Patients' episodes</dt><dd>%" JSON_INTEGER_FORMAT
                       "</dd>\n",
                    json_integer_value(n));
    const json_t *pct = json_object_get(claims, "percentile");
    if (json_is_number(pct))
        html_printf(b, "<dt>Percentile</dt><dd>%.0f of therapists "
                       "nationally</dd>\n",
                    json_number_value(pct));
    const json_t *clinics = json_object_get(national, "registry_clinics");
    const json_t *peers = json_object_get(national, "peers");
    if (json_is_integer(clinics) && json_is_integer(peers))
        html_printf(b, "<dt>Compared with</dt><dd>%" JSON_INTEGER_FORMAT
                       " therapist%s of %" JSON_INTEGER_FORMAT
                       " clinic%s</dd>\n",
                    json_integer_value(peers),
                    json_integer_value(peers) == 1 ? "" : "s",
                    json_integer_value(clinics),
                    json_integer_value(clinics) == 1 ? "" : "s");
    html_raw(b, "</dl>\n");
}

/* The proof, in words, and the log today. */
static void proof_facts(struct buf *b, const struct registry_cert_facts *f,
                        int in_log, int64_t log_size)
{
    char root[MERKLE_HASH_BYTES * 2 + 1];
    sodium_bin2hex(root, sizeof(root), f->root, MERKLE_HASH_BYTES);
    html_raw(b, "<h2>The proof that the public log holds it</h2>\n"
                "<dl class=\"facts\">\n");
    html_printf(b, "<dt>Log entry</dt><dd>%" PRIu64 "</dd>\n", f->leaf_index);
    html_printf(b, "<dt>Log size then</dt><dd>%" PRIu64 " entr%s</dd>\n",
                f->tree_size, f->tree_size == 1 ? "y" : "ies");
    html_printf(b, "<dt>Root of the log</dt><dd><code>%s</code></dd>\n",
                root);
    if (log_size >= 0)
        html_printf(b, "<dt>Log size now</dt><dd>%" PRId64 " entr%s</dd>\n",
                    log_size, log_size == 1 ? "y" : "ies");
    html_raw(b, "</dl>\n");
    html_printf(b,
                "<p class=\"small\" id=\"proof\">The certificate carries the "
                "hashes that lead from it to the root of the registry's log "
                "of %" PRIu64 " entr%s, and that root is signed by the "
                "registry: the check recomputed them (RFC 9162). %s</p>\n",
                f->tree_size, f->tree_size == 1 ? "y" : "ies",
                in_log ? "The registry's log holds it at that entry today."
                       : "The registry's log does not hold it at that entry "
                         "today.");
}

void registry_verify_show(const struct registry_api *api, struct pg *db,
                          const char *text, struct buf *b)
{
    struct err e = ERR_INIT;
    unsigned char *keys;
    long count = trusted_keys(db, &keys, &e);
    if (count < 0) {
        verdict(b, "unknown", "verdict-failed", "The check failed.",
                "The registry could not read its keys: try again in a "
                "moment.");
        return;
    }
    struct registry_cert_facts facts;
    memset(&facts, 0, sizeof(facts));
    enum registry_cert_verdict v = registry_cert_verify(
        text, strlen(text), keys, (size_t)count, &facts, &e);
    free(keys);
    if (v == REGISTRY_CERT_NOT_REGISTRY) {
        verdict(b, "unknown", "verdict-not-registry",
                "Not a registry certificate.",
                "This is not a certificate of the registry (it may be a "
                "clinic's own attestation, which the clinic's page "
                "checks). Do not rely on it as a registry designation.");
        return;
    }
    if (v == REGISTRY_CERT_UNKNOWN_ISSUER) {
        verdict(b, "invalid", "verdict-unknown-issuer", "Unknown issuer.",
                "This certificate was not signed by this registry's keys. "
                "Do not rely on it.");
        return;
    }
    if (v == REGISTRY_CERT_TAMPERED) {
        verdict(b, "invalid", "verdict-tampered",
                "Tampered: this certificate was changed.",
                "Its signature or its proof does not hold: the file is not "
                "the one the registry issued. Do not rely on it.");
        html_printf(b, "<p class=\"small\" id=\"why\">What failed: %s%s%s"
                       "</p>\n",
                    e.field, e.field[0] ? ": " : "", e.message);
        return;
    }
    /* Valid offline: what the log says today. */
    char index[24], hash[MERKLE_HASH_BYTES * 2 + 1];
    snprintf(index, sizeof(index), "%" PRIu64, facts.leaf_index);
    sodium_bin2hex(hash, sizeof(hash), facts.leaf_hash, MERKLE_HASH_BYTES);
    const char *params[] = {index, hash};
    struct pg_result *r = NULL;
    int in_log = 0, revoked = 0, expired = 0;
    int64_t log_size = -1;
    if (pg_run(db, &leaf_query, params, &r, &e) == 0 && pg_rows(r) > 0) {
        in_log = !strcmp(pg_text(r, 0, 0), "t");
        log_size = pg_is_null(r, 0, 1) ? -1 : pg_int(r, 0, 1);
        revoked = in_log && !pg_is_null(r, 0, 2);
        expired = in_log && !pg_is_null(r, 0, 4) &&
                  !strcmp(pg_text(r, 0, 4), "t");
    }
    if (revoked) {
        verdict(b, "invalid", "verdict-revoked", "Revoked.",
                "The registry issued this certificate and then withdrew "
                "it. Do not rely on it.");
        html_printf(b, "<p id=\"revocation\">Revoked on %s: %s</p>\n",
                    pg_text(r, 0, 2), pg_text(r, 0, 3));
    } else if (!in_log) {
        verdict(b, "invalid", "verdict-not-logged", "Not in the log.",
                "The signature holds, but the registry's public log does not "
                "hold this certificate at the place it claims. Do not rely "
                "on it, and tell the registry.");
    } else if (expired) {
        verdict(b, "invalid", "verdict-expired", "Expired.",
                "The registry issued this certificate, but its time is "
                "over: ask the therapist for a current one.");
    } else {
        verdict(b, "valid", "verdict-valid", "Valid.",
                "The registry issued this certificate, signed it, holds it "
                "in its public log, and has not revoked it.");
    }
    pg_result_free(r);
    claims_facts(api, b, facts.claims);
    proof_facts(b, &facts, in_log, log_size);
    json_decref(facts.claims);
}
