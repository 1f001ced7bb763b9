/* The registry's transparency log in PostgreSQL (registry/log.h). */
#include "registry/log.h"
#include "core/clock.h"
#include "core/util.h"
#include "record/clinic_key.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H MERKLE_HASH_BYTES

void registry_key_id(const unsigned char pk[SIGNING_PUBLIC_BYTES],
                     char out[REGISTRY_KEY_ID_LEN])
{
    char hex[SIGNING_SHA256_HEX_LEN];
    signing_sha256_hex(pk, SIGNING_PUBLIC_BYTES, hex);
    memcpy(out, hex, REGISTRY_KEY_ID_LEN - 1);
    out[REGISTRY_KEY_ID_LEN - 1] = '\0';
}

void registry_signer_init(struct registry_signer *s)
{
    memcpy(s->pk, s->sk + SIGNING_SECRET_BYTES - SIGNING_PUBLIC_BYTES,
           SIGNING_PUBLIC_BYTES);
    clinic_key_public_base64(s->pk, s->public_key);
    registry_key_id(s->pk, s->key_id);
}

static const struct pg_query key_current = {
    "log_key_current", "SELECT id FROM registry_key WHERE retired_at IS"
    " NULL", 0};

/* A registry made before its keys were kept has its first key in
 * registry_meta only: it becomes the first key of registry_key. */
static const struct pg_query key_first = {
    "log_key_first", "INSERT INTO registry_key (id, public_key) SELECT $1,"
    " public_key FROM registry_meta WHERE public_key = $2 AND NOT EXISTS"
    " (SELECT 1 FROM registry_key) ON CONFLICT DO NOTHING", 2};

int registry_signer_check(struct pg *db, const struct registry_signer *s,
                          struct err *e)
{
    struct pg_result *r;
    const char *first[] = {s->key_id, s->public_key};
    if (pg_run(db, &key_first, first, NULL, e) < 0)
        return -1;
    if (pg_run(db, &key_current, NULL, &r, e) < 0)
        return -1;
    int ok = pg_rows(r) == 1 && !strcmp(pg_text(r, 0, 0), s->key_id);
    pg_result_free(r);
    if (!ok)
        return err_set(e, ERR_REFUSED, "key", "the key given (id %s) is not "
                       "the registry's current key", s->key_id);
    return 0;
}

/* bytea as PostgreSQL's hex text form "\x..." (out: 2 * len + 3). */
static void bytea_text(const unsigned char *bin, size_t len, char *out)
{
    out[0] = '\\';
    out[1] = 'x';
    sodium_bin2hex(out + 2, 2 * len + 1, bin, len);
}

/* A bytea column of exactly want bytes into out. */
static int bytea_read(const char *text, unsigned char *out, size_t want,
                      struct err *e)
{
    size_t got = 0;
    if (!text || strncmp(text, "\\x", 2) ||
        sodium_hex2bin(out, want, text + 2, strlen(text + 2), NULL, &got,
                       NULL) != 0 ||
        got != want)
        return err_set(e, ERR_FAIL, "pg", "a hash of the log is not %zu "
                       "bytes", want);
    return 0;
}

static const struct pg_query size_query = {
    "log_size", "SELECT coalesce(max(leaf_index) + 1, 0) FROM"
    " registry_log_leaf", 0};

int registry_log_size(struct pg *db, uint64_t *size, struct err *e)
{
    struct pg_result *r;
    if (pg_run(db, &size_query, NULL, &r, e) < 0)
        return -1;
    *size = (uint64_t)pg_int(r, 0, 0);
    pg_result_free(r);
    return 0;
}

static const struct pg_query node_get = {
    "log_node_get", "SELECT hash FROM registry_log_node WHERE level = $1"
    " AND index = $2", 2};
static const struct pg_query node_put = {
    "log_node_put", "INSERT INTO registry_log_node (level, index, hash)"
    " VALUES ($1, $2, $3)", 3};
static const struct pg_query leaf_put = {
    "log_leaf_put", "INSERT INTO registry_log_leaf (leaf_index, kind, leaf,"
    " leaf_hash) VALUES ($1, $2, $3, $4)", 4};

/* merkle_node_fn over registry_log_node. */
static int node_read(void *ctx, unsigned level, uint64_t index,
                     unsigned char out[H], struct err *e)
{
    struct pg *db = ctx;
    char l[8], i[32];
    snprintf(l, sizeof(l), "%u", level);
    snprintf(i, sizeof(i), "%" PRIu64, index);
    const char *params[] = {l, i};
    struct pg_result *r;
    if (pg_run(db, &node_get, params, &r, e) < 0)
        return -1;
    int rc = pg_rows(r) == 1
                 ? bytea_read(pg_text(r, 0, 0), out, H, e)
                 : err_set(e, ERR_FAIL, "log", "the log has no subtree at "
                           "level %u index %" PRIu64, level, index);
    pg_result_free(r);
    return rc;
}

int registry_log_append(struct pg *db, const char *kind, const void *leaf,
                        size_t len, uint64_t *index, struct err *e)
{
    /* 0x6c6f67: "log", the one writer's lock. */
    if (pg_exec(db, "SELECT pg_advisory_xact_lock(7106407)", e) < 0)
        return -1;
    uint64_t n;
    if (registry_log_size(db, &n, e) < 0)
        return -1;
    unsigned char h[H];
    merkle_leaf_hash(leaf, len, h);
    char idx[32], hash_text[2 * H + 3];
    snprintf(idx, sizeof(idx), "%" PRIu64, n);
    bytea_text(h, H, hash_text);
    char *leaf_text = xmalloc(2 * len + 3);
    bytea_text(leaf, len, leaf_text);
    const char *params[] = {idx, kind, leaf_text, hash_text};
    int rc = pg_run(db, &leaf_put, params, NULL, e);
    free(leaf_text);
    if (rc < 0)
        return -1;
    /* The subtrees the leaf completes: while the bit of n at this level is
     * set, the left sibling is complete already. */
    unsigned char cur[H];
    memcpy(cur, h, H);
    for (unsigned level = 0;; level++) {
        char l[8], i[32];
        snprintf(l, sizeof(l), "%u", level);
        snprintf(i, sizeof(i), "%" PRIu64, n >> level);
        bytea_text(cur, H, hash_text);
        const char *np[] = {l, i, hash_text};
        if (pg_run(db, &node_put, np, NULL, e) < 0)
            return -1;
        if (!((n >> level) & 1))
            break;
        unsigned char left[H];
        if (node_read(db, level, (n >> level) - 1, left, e) < 0)
            return -1;
        merkle_node_hash(left, cur, cur);
    }
    *index = n;
    return 0;
}

int registry_log_root(struct pg *db, uint64_t n, unsigned char out[H],
                      struct err *e)
{
    return merkle_nodes_root(node_read, db, n, out, e);
}

/* The signed part of an STH, as a new object. */
static json_t *head_body(uint64_t size, int64_t timestamp,
                         const unsigned char root[H], const char *key_id)
{
    char *root64 = clinic_key_base64_encode(root, H);
    json_t *o = json_pack("{sIsIssss}", "tree_size", (json_int_t)size,
                          "timestamp", (json_int_t)timestamp, "root_hash",
                          root64, "key_id", key_id);
    free(root64);
    return o;
}

static const struct pg_query head_put = {
    "log_head_put", "INSERT INTO registry_tree_head (tree_size, root_hash,"
    " timestamp, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT"
    " (tree_size) DO NOTHING", 5};

json_t *registry_log_sign_head(struct pg *db,
                               const struct registry_signer *signer,
                               struct err *e)
{
    uint64_t n;
    unsigned char root[H];
    if (registry_log_size(db, &n, e) < 0 ||
        registry_log_root(db, n, root, e) < 0)
        return NULL;
    int64_t ts = (int64_t)clock_now() * 1000;
    json_t *body = head_body(n, ts, root, signer->key_id);
    size_t len;
    char *bytes = signing_canonical_json(body, &len);
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    signing_sign(bytes, len, signer->sk, sig);
    free(bytes);
    char *sig64 = clinic_key_base64_encode(sig, sizeof(sig));
    json_object_set_new(body, "signature", json_string(sig64));
    char size_text[32], ts_text[32], root_text[2 * H + 3];
    snprintf(size_text, sizeof(size_text), "%" PRIu64, n);
    snprintf(ts_text, sizeof(ts_text), "%" PRId64, ts);
    bytea_text(root, H, root_text);
    const char *params[] = {size_text, root_text, ts_text, signer->key_id,
                            sig64};
    int rc = pg_run(db, &head_put, params, NULL, e);
    free(sig64);
    if (rc < 0) {
        json_decref(body);
        return NULL;
    }
    /* A head of this size signed already (a revocation signs again after
     * the certificate's own) is kept: return the one stored. */
    json_decref(body);
    return registry_log_head(db, n, e);
}

static const struct pg_query head_get = {
    "log_head_get", "SELECT tree_size, root_hash, timestamp, key_id,"
    " signature FROM registry_tree_head WHERE tree_size = $1", 1};
static const struct pg_query head_latest = {
    "log_head_latest", "SELECT tree_size, root_hash, timestamp, key_id,"
    " signature FROM registry_tree_head ORDER BY tree_size DESC LIMIT 1", 0};

json_t *registry_log_head(struct pg *db, uint64_t tree_size, struct err *e)
{
    struct pg_result *r;
    if ((tree_size ? pg_run_int(db, &head_get, (int64_t)tree_size, &r, e)
                   : pg_run(db, &head_latest, NULL, &r, e)) < 0)
        return NULL;
    if (pg_rows(r) == 0) {
        pg_result_free(r);
        if (tree_size)
            err_set(e, ERR_NOT_FOUND, "tree_size", "no signed tree head of "
                    "size %" PRIu64, tree_size);
        else
            err_set(e, ERR_NOT_FOUND, "tree_size", "the log is empty: no "
                    "signed tree head yet");
        return NULL;
    }
    unsigned char root[H];
    if (bytea_read(pg_text(r, 0, 1), root, H, e) < 0) {
        pg_result_free(r);
        return NULL;
    }
    json_t *o = head_body((uint64_t)pg_int(r, 0, 0), pg_int(r, 0, 2), root,
                          pg_text(r, 0, 3));
    json_object_set_new(o, "signature", json_string(pg_text(r, 0, 4)));
    pg_result_free(r);
    return o;
}

/* 0 when a tree of n entries is within the log (of at most its size),
 * else -1 with e naming field. */
static int within_log(struct pg *db, uint64_t n, const char *field,
                      struct err *e)
{
    uint64_t size;
    if (registry_log_size(db, &size, e) < 0)
        return -1;
    if (n > size)
        return err_set(e, ERR_INPUT, field, "%" PRIu64 " is above the "
                       "log's size %" PRIu64, n, size);
    return 0;
}

int registry_log_inclusion(struct pg *db, uint64_t n, uint64_t m,
                           struct merkle_path *out, struct err *e)
{
    if (within_log(db, n, "tree_size", e) < 0)
        return -1;
    return merkle_nodes_inclusion(node_read, db, n, m, out, e);
}

int registry_log_consistency(struct pg *db, uint64_t n, uint64_t m,
                             struct merkle_path *out, struct err *e)
{
    if (within_log(db, n, "second", e) < 0)
        return -1;
    return merkle_nodes_consistency(node_read, db, n, m, out, e);
}

static const struct pg_query entries_get = {
    "log_entries", "SELECT leaf_index, kind, leaf FROM registry_log_leaf"
    " WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index", 2};

json_t *registry_log_entries(struct pg *db, uint64_t start, uint64_t end,
                             struct err *e)
{
    if (end > start + REGISTRY_LOG_ENTRIES_MAX)
        end = start + REGISTRY_LOG_ENTRIES_MAX;
    char a[32], b[32];
    snprintf(a, sizeof(a), "%" PRIu64, start);
    snprintf(b, sizeof(b), "%" PRIu64, end);
    const char *params[] = {a, b};
    struct pg_result *r;
    if (pg_run(db, &entries_get, params, &r, e) < 0)
        return NULL;
    json_t *list = json_array();
    for (int i = 0; i < pg_rows(r); i++) {
        const char *text = pg_text(r, i, 2);
        size_t hexlen = strlen(text) - 2, len = 0;
        unsigned char *bin = xmalloc(hexlen / 2 + 1);
        sodium_hex2bin(bin, hexlen / 2 + 1, text + 2, hexlen, NULL, &len,
                       NULL);
        char *b64 = clinic_key_base64_encode(bin, len);
        json_array_append_new(
            list, json_pack("{sIssss}", "leaf_index",
                            (json_int_t)pg_int(r, i, 0), "kind",
                            pg_text(r, i, 1), "leaf", b64));
        free(b64);
        free(bin);
    }
    pg_result_free(r);
    return list;
}

json_t *registry_log_path_json(const struct merkle_path *p)
{
    json_t *a = json_array();
    for (size_t i = 0; i < p->count; i++) {
        char *b64 = clinic_key_base64_encode(p->hash[i], H);
        json_array_append_new(a, json_string(b64));
        free(b64);
    }
    return a;
}

static const char *const sth_keys[] = {"tree_size", "timestamp",
                                       "root_hash", "key_id", "signature",
                                       NULL};

int registry_sth_verify(const json_t *sth,
                        const unsigned char pk[SIGNING_PUBLIC_BYTES],
                        uint64_t *size, unsigned char *root, struct err *e)
{
    if (!json_is_object(sth))
        return err_set(e, ERR_INPUT, "sth", "must be an object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)sth, key, v) {
        int known = 0;
        for (const char *const *k = sth_keys; *k; k++)
            known |= !strcmp(*k, key);
        if (!known)
            return err_set(e, ERR_INPUT, "sth", "unknown member \"%s\"",
                           key);
    }
    json_t *n = json_object_get(sth, "tree_size");
    json_t *ts = json_object_get(sth, "timestamp");
    const char *root64 = json_string_value(json_object_get(sth, "root_hash"));
    const char *kid = json_string_value(json_object_get(sth, "key_id"));
    const char *sig64 = json_string_value(json_object_get(sth, "signature"));
    if (!json_is_integer(n) || json_integer_value(n) < 0)
        return err_set(e, ERR_INPUT, "sth.tree_size", "must be an integer "
                       ">= 0");
    if (!json_is_integer(ts))
        return err_set(e, ERR_INPUT, "sth.timestamp", "must be an integer");
    if (!kid)
        return err_set(e, ERR_INPUT, "sth.key_id", "must be text");
    unsigned char r[H], sig[SIGNING_SIGNATURE_BYTES];
    if (!root64 || clinic_key_base64_decode(root64, r, H, "sth.root_hash",
                                            e) < 0)
        return root64 ? -1 : err_set(e, ERR_INPUT, "sth.root_hash",
                                     "must be base64 text");
    if (!sig64 || clinic_key_base64_decode(sig64, sig, sizeof(sig),
                                           "sth.signature", e) < 0)
        return sig64 ? -1 : err_set(e, ERR_INPUT, "sth.signature",
                                    "must be base64 text");
    json_t *body = head_body((uint64_t)json_integer_value(n),
                             json_integer_value(ts), r, kid);
    size_t len;
    char *bytes = signing_canonical_json(body, &len);
    json_decref(body);
    int ok = signing_verify(bytes, len, sig, pk);
    free(bytes);
    if (!ok)
        return err_set(e, ERR_REFUSED, "sth.signature", "the signed tree "
                       "head's signature does not verify with the "
                       "registry's key");
    if (size)
        *size = (uint64_t)json_integer_value(n);
    if (root)
        memcpy(root, r, H);
    return 0;
}
