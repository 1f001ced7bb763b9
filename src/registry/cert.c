/* The registry's certificates (registry/cert.h). */
#include "registry/cert.h"
#include "core/clock.h"
#include "core/util.h"
#include "outcomes/benchmark.h"
#include "outcomes/certificate.h"
#include "outcomes/report.h"
#include "outcomes/thresholds.h"
#include "record/clinic_key.h"
#include "registry/national.h"
#include "store/store.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H MERKLE_HASH_BYTES

static const struct pg_query who_query = {
    "cert_who", "SELECT r.practitioner_id, p.label, c.name, c.status FROM"
    " registry_practitioner_ref r JOIN registry_practitioner p ON p.id ="
    " r.practitioner_id JOIN registry_clinic c ON c.id = r.clinic_id WHERE"
    " r.clinic_id = $1 AND r.ref = $2", 2};
static const struct pg_query next_id = {
    "cert_next_id", "SELECT nextval(pg_get_serial_sequence("
    "'registry_certificate', 'id'))", 0};
static const struct pg_query cert_insert = {
    "cert_insert", "INSERT INTO registry_certificate (id, practitioner_id,"
    " clinic_id, protocol, instrument, designation, issued_at, expires_at,"
    " leaf_index, key_id, document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
    " $9, $10, $11)", 11};

/* The share of published cells (n >= min_cell, with a risk-adjusted
 * performance) below the cell's, counting ties as half: 100 x (below +
 * equal / 2) / cells, as outcomes/national.h defines the percentile. */
static double percentile_of(const struct bench_group *g,
                            const struct bench_cell *c, int min_cell,
                            long *cells)
{
    long below = 0, equal = 0, total = 0;
    for (size_t i = 0; i < g->cell_count; i++) {
        const struct bench_cell *o = &g->cells[i];
        if (o->n < min_cell || !isfinite(o->observed_minus_expected))
            continue;
        total++;
        if (o->observed_minus_expected < c->observed_minus_expected)
            below++;
        else if (o->observed_minus_expected == c->observed_minus_expected)
            equal++;
    }
    *cells = total;
    if (!total || !isfinite(c->observed_minus_expected))
        return NAN;
    return 100.0 * ((double)below + (double)equal / 2.0) / (double)total;
}

/* The first and last start years of the cell's complete episodes. */
static int data_window(struct store *s, int64_t practitioner,
                       const char *protocol, const char *instrument,
                       json_t **out, struct err *e)
{
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT substr(min(started_on), 1, 4), substr(max(started_on), 1,"
        " 4) FROM episode_summary WHERE practitioner_id = :p AND"
        " protocol_id = :protocol AND instrument = :instrument AND"
        " complete = 1",
        STORE_INT(":p", practitioner), STORE_TEXT(":protocol", protocol),
        STORE_TEXT(":instrument", instrument));
    int rc = stmt_step(st, e);
    if (rc == 1 && !stmt_is_null(st, 0)) {
        char from[16], to[16];
        snprintf(from, sizeof(from), "%s-01-01", stmt_text(st, 0));
        snprintf(to, sizeof(to), "%s-12-31", stmt_text(st, 1));
        *out = json_pack("{ssss}", "from", from, "to", to);
    } else if (rc >= 0) {
        rc = err_set(e, ERR_NOT_FOUND, "instrument", "no complete episode");
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* The claims of a designated cell. */
static json_t *claims_of(const struct registry_cert_request *r,
                         const char *clinic_name, int64_t practitioner,
                         const char *label, const struct benchmark *b,
                         const struct bench_group *g,
                         const struct bench_cell *c,
                         const struct registry_national_counts *counts,
                         int min_cell, json_t *window,
                         const struct registry_signer *signer, int64_t id,
                         time_t now)
{
    json_t *metrics = report_cell_json(g, c);
    json_object_del(metrics, "protocol");
    json_object_del(metrics, "instrument");
    json_object_del(metrics, "designation");
    json_object_set_new(metrics, "n_adjusted", json_integer(c->n_adjusted));
    long ranked = 0;
    double pct = percentile_of(g, c, min_cell, &ranked);
    json_t *met = json_array(), *all = report_criteria_json(c);
    size_t i;
    json_t *cr;
    json_array_foreach(all, i, cr) {
        if (c->criteria[i].level <= c->designation)
            json_array_append(met, cr);
    }
    json_decref(all);
    long peers = 0;
    for (size_t k = 0; k < g->cell_count; k++)
        peers += g->cells[k].n > 0;
    char id_text[32], issued[CLOCK_INSTANT_LEN], expires[CLOCK_INSTANT_LEN];
    snprintf(id_text, sizeof(id_text), "%" PRId64, id);
    clock_format_instant(now, issued);
    clock_format_instant(now + (time_t)REGISTRY_CERT_DAYS * 86400, expires);
    /* What the claims rest on: the group's model and thresholds. */
    json_t *basis = json_pack(
        "{sssssIsfsfsbsIsIsIsIso}", "protocol", g->protocol, "instrument",
        g->instrument, "n_complete", (json_int_t)g->model.n_complete,
        "mean_improvement", g->model.mean_improvement, "sd_improvement",
        g->model.sd_improvement, "risk_adjusted", g->model.adjusted,
        "peers", (json_int_t)peers, "ranked_cells", (json_int_t)ranked,
        "registry_clinics", (json_int_t)counts->clinics,
        "registry_practitioners", (json_int_t)counts->practitioners,
        "thresholds", thresholds_to_json(&b->thresholds));
    char sha[SIGNING_SHA256_HEX_LEN];
    signing_sha256_hex_json(basis, sha);
    json_t *claims = json_pack(
        "{sssssssssssssIsssssss{ss}s{sIssss}sssssssosososfsos{ssssss}}",
        "format", CERTIFICATE_FORMAT, "kind", "registry-certificate",
        "id", id_text, "issued_at", issued, "expires_at", expires,
        "definitions", "touchstone-outcomes/1",
        "registry_practitioner", (json_int_t)practitioner,
        "label", label, "protocol", r->protocol, "instrument",
        r->instrument, "clinic", "name", clinic_name, "practitioner",
        "id", (json_int_t)practitioner, "name", r->name, "license",
        r->license, "designation", designation_name(c->designation),
        "funnel", funnel_position_name(c->position), "data_sha256", sha,
        "metrics", metrics, "thresholds", met, "data_window", window,
        "percentile", isfinite(pct) ? pct : -1.0, "national", basis,
        "issuer", "kind", "registry", "key_id", signer->key_id,
        "public_key", signer->public_key);
    if (!isfinite(pct))
        json_object_set_new(claims, "percentile", json_null());
    return claims;
}

/* Signs claims: {"alg", "public_key", "value"} over leaf (their canonical
 * bytes). */
static json_t *signature_of(const char *leaf, size_t len,
                            const struct registry_signer *signer)
{
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    signing_sign(leaf, len, signer->sk, sig);
    char *v = clinic_key_base64_encode(sig, sizeof(sig));
    json_t *o = json_pack("{ssssss}", "alg", CERTIFICATE_ALG, "public_key",
                          signer->public_key, "value", v);
    free(v);
    return o;
}

/* The transparency member of a leaf just appended, with the new STH. */
static json_t *transparency_of(struct pg *db, uint64_t index,
                               const char *leaf, size_t len,
                               const struct registry_signer *signer,
                               struct err *e)
{
    json_t *sth = registry_log_sign_head(db, signer, e);
    if (!sth)
        return NULL;
    uint64_t n = (uint64_t)json_integer_value(json_object_get(sth,
                                                              "tree_size"));
    static _Thread_local struct merkle_path path;
    if (registry_log_inclusion(db, n, index, &path, e) < 0) {
        json_decref(sth);
        return NULL;
    }
    char *leaf64 = clinic_key_base64_encode((const unsigned char *)leaf, len);
    json_t *t = json_pack(
        "{sIsIsOsososs}", "leaf_index", (json_int_t)index, "tree_size",
        (json_int_t)n, "root_hash", json_object_get(sth, "root_hash"),
        "audit_path", registry_log_path_json(&path), "sth", sth, "leaf",
        leaf64);
    free(leaf64);
    return t;
}

/* The checks on the national data: the claims, or NULL with e, *status. */
static json_t *check_cell(struct pg *db, const struct registry_cert_request *r,
                          const char *clinic_name, int64_t practitioner,
                          const char *label, int min_cell,
                          const struct registry_signer *signer, int64_t id,
                          int *status, struct err *e)
{
    struct registry_national_counts counts;
    struct store *s = registry_national_load(db, r->protocol, r->instrument,
                                             &counts, e);
    if (!s)
        return NULL;
    json_t *claims = NULL, *window = NULL;
    struct benchmark b;
    memset(&b, 0, sizeof(b));
    struct thresholds t;
    if (thresholds_load(s, &t, e) < 0 || store_begin(s, e) < 0)
        goto done;
    if (benchmark_run(s, r->protocol, r->instrument, &t, &b, e) < 0) {
        store_rollback(s);
        goto done;
    }
    store_commit(s, e);
    const struct bench_group *g = b.count ? &b.groups[0] : NULL;
    const struct bench_cell *c = g ? bench_group_cell(g, practitioner)
                                   : NULL;
    if (!c || c->n == 0) {
        *status = 404;
        err_set(e, ERR_NOT_FOUND, "instrument", "the registry has no "
                "complete episode of this practitioner in %s x %s",
                r->protocol, r->instrument);
        goto done;
    }
    if (c->designation == DESIGNATION_NONE) {
        const struct criterion *cr = bench_cell_unmet(
            c, DESIGNATION_REPRODUCIBLE);
        *status = 422;
        err_set(e, ERR_REFUSED, cr ? cr->name : "designation",
                "not designated on the national data: %s (required %g, "
                "observed %g)", cr ? cr->text : "no designation",
                cr ? cr->required : NAN, cr ? cr->observed : NAN);
        goto done;
    }
    if (data_window(s, practitioner, r->protocol, r->instrument, &window,
                    e) < 0)
        goto done;
    claims = claims_of(r, clinic_name, practitioner, label, &b, g, c,
                       &counts, min_cell, window, signer, id, clock_now());
done:
    benchmark_release(&b);
    store_close(s);
    return claims;
}

char *registry_cert_issue(struct pg *db, const struct registry_signer *signer,
                          int min_cell, const struct registry_cert_request *r,
                          int *status, struct err *e)
{
    *status = 500;
    char clinic[32];
    snprintf(clinic, sizeof(clinic), "%" PRId64, r->clinic);
    const char *who_params[] = {clinic, r->practitioner};
    struct pg_result *w;
    if (pg_run(db, &who_query, who_params, &w, e) < 0)
        return NULL;
    if (pg_rows(w) == 0) {
        pg_result_free(w);
        *status = 404;
        err_set(e, ERR_NOT_FOUND, "practitioner", "the registry has no "
                "summary of practitioner %s from clinic %s: push first",
                r->practitioner, clinic);
        return NULL;
    }
    int64_t practitioner = pg_int(w, 0, 0);
    char label[64], clinic_name[256], clinic_status[32];
    snprintf(label, sizeof(label), "%s", pg_text(w, 0, 1));
    snprintf(clinic_name, sizeof(clinic_name), "%s", pg_text(w, 0, 2));
    snprintf(clinic_status, sizeof(clinic_status), "%s", pg_text(w, 0, 3));
    pg_result_free(w);
    if (strcmp(clinic_status, "approved")) {
        *status = 403;
        err_set(e, ERR_REFUSED, "clinic", "clinic %s is %s", clinic,
                clinic_status);
        return NULL;
    }
    if (pg_begin(db, e) < 0)
        return NULL;
    char *text = NULL, *leaf = NULL;
    json_t *claims = NULL, *doc = NULL;
    struct pg_result *idr;
    if (registry_signer_check(db, signer, e) < 0 ||
        pg_run(db, &next_id, NULL, &idr, e) < 0)
        goto fail;
    int64_t id = pg_int(idr, 0, 0);
    pg_result_free(idr);
    claims = check_cell(db, r, clinic_name, practitioner, label, min_cell,
                        signer, id, status, e);
    if (!claims)
        goto fail;
    struct err check = ERR_INIT;
    if (certificate_check_claims(claims, &check) < 0) {
        *status = 500;
        *e = check;
        goto fail;
    }
    size_t len;
    leaf = signing_canonical_json(claims, &len);
    uint64_t index;
    if (!leaf || registry_log_append(db, "certificate", leaf, len, &index,
                                     e) < 0)
        goto fail;
    json_t *transparency = transparency_of(db, index, leaf, len, signer, e);
    if (!transparency)
        goto fail;
    doc = json_pack("{sOsoso}", "certificate", claims, "signature",
                    signature_of(leaf, len, signer), "transparency",
                    transparency);
    text = doc ? signing_canonical_json(doc, NULL) : NULL;
    if (!text) {
        err_set(e, ERR_FAIL, "certificate", "cannot be written as JSON");
        goto fail;
    }
    char id_text[32], index_text[32];
    snprintf(id_text, sizeof(id_text), "%" PRId64, id);
    snprintf(index_text, sizeof(index_text), "%" PRIu64, index);
    char practitioner_text[32];
    snprintf(practitioner_text, sizeof(practitioner_text), "%" PRId64,
             practitioner);
    const char *params[] = {
        id_text, practitioner_text, clinic, r->protocol, r->instrument,
        json_string_value(json_object_get(claims, "designation")),
        json_string_value(json_object_get(claims, "issued_at")),
        json_string_value(json_object_get(claims, "expires_at")),
        index_text, signer->key_id, text};
    if (pg_run(db, &cert_insert, params, NULL, e) < 0 || pg_commit(db, e) < 0)
        goto fail;
    free(leaf);
    json_decref(claims);
    json_decref(doc);
    size_t n = strlen(text);
    char *out = xmalloc(n + 2);
    memcpy(out, text, n);
    memcpy(out + n, "\n", 2);
    free(text);
    *status = 201;
    return out;
fail:
    pg_rollback(db);
    free(leaf);
    free(text);
    json_decref(claims);
    json_decref(doc);
    return NULL;
}

static const struct pg_query cert_lock = {
    "cert_lock", "SELECT leaf_index, revoked_at IS NOT NULL FROM"
    " registry_certificate WHERE id = $1 FOR UPDATE", 1};
static const struct pg_query cert_revoke = {
    "cert_revoke", "UPDATE registry_certificate SET revoked_at = $2,"
    " revoked_reason = $3, revocation_leaf = $4 WHERE id = $1", 4};

int registry_cert_revoke(struct pg *db, const struct registry_signer *signer,
                         int64_t id, const char *reason, uint64_t *leaf_index,
                         struct err *e)
{
    char id_text[32];
    snprintf(id_text, sizeof(id_text), "%" PRId64, id);
    const char *params[] = {id_text};
    if (pg_begin(db, e) < 0)
        return -1;
    struct pg_result *r;
    if (registry_signer_check(db, signer, e) < 0 ||
        pg_run(db, &cert_lock, params, &r, e) < 0)
        goto fail;
    if (pg_rows(r) == 0) {
        pg_result_free(r);
        err_set(e, ERR_NOT_FOUND, "certificate", "no certificate %s",
                id_text);
        goto fail;
    }
    int64_t cert_leaf = pg_int(r, 0, 0);
    int revoked = !strcmp(pg_text(r, 0, 1), "t");
    pg_result_free(r);
    if (revoked) {
        err_set(e, ERR_CONFLICT, "certificate", "certificate %s is revoked "
                "already", id_text);
        goto fail;
    }
    char at[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), at);
    json_t *body = json_pack("{sssssIssss}", "format",
                             "touchstone-revocation/1", "certificate",
                             id_text, "certificate_leaf",
                             (json_int_t)cert_leaf, "reason", reason,
                             "revoked_at", at);
    size_t len;
    char *leaf = signing_canonical_json(body, &len);
    json_decref(body);
    if (!leaf) {
        err_set(e, ERR_INPUT, "reason", "must be UTF-8 text");
        goto fail;
    }
    int rc = registry_log_append(db, "revocation", leaf, len, leaf_index, e);
    free(leaf);
    if (rc < 0)
        goto fail;
    char index_text[32];
    snprintf(index_text, sizeof(index_text), "%" PRIu64, *leaf_index);
    const char *up[] = {id_text, at, reason, index_text};
    json_t *sth;
    if (pg_run(db, &cert_revoke, up, NULL, e) < 0 ||
        !(sth = registry_log_sign_head(db, signer, e)))
        goto fail;
    json_decref(sth);
    return pg_commit(db, e);
fail:
    pg_rollback(db);
    return -1;
}

static const struct pg_query cert_status = {
    "cert_status", "SELECT leaf_index, revoked_at, revoked_reason,"
    " revocation_leaf, key_id, expires_at FROM registry_certificate"
    " WHERE id = $1", 1};

json_t *registry_cert_status(struct pg *db, int64_t id, struct err *e)
{
    char id_text[32];
    snprintf(id_text, sizeof(id_text), "%" PRId64, id);
    const char *params[] = {id_text};
    struct pg_result *r;
    if (pg_run(db, &cert_status, params, &r, e) < 0)
        return NULL;
    if (pg_rows(r) == 0) {
        pg_result_free(r);
        err_set(e, ERR_NOT_FOUND, "id", "no certificate %s", id_text);
        return NULL;
    }
    int revoked = !pg_is_null(r, 0, 1);
    json_t *o = json_pack(
        "{sssIsbsosososs}", "id", id_text, "leaf_index",
        (json_int_t)pg_int(r, 0, 0), "revoked", revoked, "revoked_at",
        revoked ? json_string(pg_text(r, 0, 1)) : json_null(), "reason",
        revoked ? json_string(pg_text(r, 0, 2)) : json_null(),
        "revocation_leaf",
        revoked ? json_integer(pg_int(r, 0, 3)) : json_null(), "key_id",
        pg_text(r, 0, 4));
    pg_result_free(r);
    return o;
}
