/*
 * touchstone registry certify | revoke | log verify | key rotate: the
 * registry's certificates and its transparency log (docs/certificates.md).
 */
#include "cli/registry_cert.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/util.h"
#include "outcomes/merkle.h"
#include "outcomes/report.h"
#include "outcomes/signing.h"
#include "record/actor.h"
#include "record/clinic_key.h"
#include "registry/batch.h"
#include "registry/cert.h"
#include "registry/cert_verify.h"
#include "registry/clinic_key_change.h"
#include "registry/client.h"
#include "registry/log.h"
#include "registry/pg.h"
#include "registry/schema.h"
#include "store/store.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define H MERKLE_HASH_BYTES
#define PG_HELP "PostgreSQL conninfo (default: $TOUCHSTONE_PG)"

int registry_cert_read_key(const char *key, const char *field,
                           unsigned char pk[32], struct err *e)
{
    char text[256];
    snprintf(text, sizeof(text), "%s", key);
    FILE *f = strlen(key) != 44 ? fopen(key, "r") : NULL;
    if (f) {
        if (!fgets(text, sizeof(text), f))
            text[0] = '\0';
        fclose(f);
    }
    char *s = text;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    struct err inner = ERR_INIT;
    if (clinic_key_base64_decode(s, pk, 32, field, &inner) < 0)
        return err_set(e, ERR_INPUT, field, "'%s' is neither a public key "
                       "(base64 of 32 bytes) nor a file holding one", key);
    return 0;
}

/* Connects to the registry's database (schema checked) and reads the
 * secret key file into signer, checking it is the registry's current key
 * (on the transaction the caller opens later). */
static int open_registry(const char *pg, const char *key, struct pg **db,
                         struct registry_signer *signer, struct err *e)
{
    *db = NULL;
    const char *conninfo = pg ? pg : getenv("TOUCHSTONE_PG");
    if (pg_connect(conninfo, db, e) < 0 ||
        registry_schema_check(*db, e) < 0 ||
        clinic_key_read_secret(key, signer->sk, e) < 0) {
        pg_close(*db);
        *db = NULL;
        return -1;
    }
    registry_signer_init(signer);
    return 0;
}


static int trusted_has(const struct registry_trusted *t, const unsigned char pk[32])
{
    for (size_t i = 0; i < t->count; i++)
        if (!memcmp(t->keys[i], pk, 32))
            return 1;
    return 0;
}

void registry_trusted_add(struct registry_trusted *t,
                          const unsigned char pk[32])
{
    if (!trusted_has(t, pk) && t->count < REGISTRY_TRUSTED_MAX)
        memcpy(t->keys[t->count++], pk, 32);
}

int registry_trusted_history(const char *url, struct registry_trusted *t,
                             struct err *e)
{
    json_t *keys;
    if (registry_cert_fetch(url, "/log/v1/keys", &keys, e) < 0)
        return -1;
    int grew = 1;
    while (grew) {
        grew = 0;
        size_t i;
        json_t *k;
        json_array_foreach(json_object_get(keys, "keys"), i, k) {
            json_t *leaf_index = json_object_get(k, "log_leaf");
            if (!json_is_integer(leaf_index))
                continue;
            char path[96];
            snprintf(path, sizeof(path), "/log/v1/entries?start=%" JSON_INTEGER_FORMAT "&end=%" JSON_INTEGER_FORMAT,
                     json_integer_value(leaf_index),
                     json_integer_value(leaf_index) + 1);
            json_t *doc;
            if (registry_cert_fetch(url, path, &doc, e) < 0) {
                json_decref(keys);
                return -1;
            }
            json_t *entry = json_array_get(json_object_get(doc, "entries"),
                                           0);
            const char *leaf64 = json_string_value(json_object_get(entry,
                                                                   "leaf"));
            size_t l64 = leaf64 ? strlen(leaf64) : 0, len = 0;
            char *leaf = xmalloc(l64 + 1);
            unsigned char old_pk[32], new_pk[32];
            if (leaf64 &&
                sodium_base642bin((unsigned char *)leaf, l64 + 1, leaf64, l64,
                                  NULL, &len, NULL,
                                  sodium_base64_VARIANT_ORIGINAL) == 0 &&
                registry_key_change_check(leaf, len, old_pk, new_pk) == 0 &&
                trusted_has(t, old_pk) != trusted_has(t, new_pk)) {
                registry_trusted_add(t, old_pk);
                registry_trusted_add(t, new_pk);
                grew = 1;
            }
            free(leaf);
            json_decref(doc);
        }
    }
    json_decref(keys);
    return 0;
}

/* ---- registry certify (at the clinic) ---- */

/* The clinic's pseudonym of a practitioner at the registry. */
static int practitioner_ref(struct store *s, int64_t id, char *out,
                            size_t size, struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT pseudonym FROM registry_pseudonym WHERE kind ="
           " 'practitioner' AND local_id = :id");
    stmt_bind_int(st, ":id", id);
    int rc = stmt_step(st, e);
    if (rc == 1)
        snprintf(out, size, "%s", stmt_text(st, 0));
    stmt_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, "practitioner", "practitioner "
                       "%" PRId64 " has never been pushed to the registry: "
                       "run 'touchstone push' first", id);
    return rc < 0 ? -1 : 0;
}

int registry_certify_cmd(struct cli *c, int argc, const char **argv)
{
    int64_t practitioner = 0;
    const char *protocol = NULL, *instrument = NULL, *out = NULL;
    struct opt opts[] = {
        {"practitioner", OPT_ID, &practitioner, "ID",
         "the practitioner to certify", 1, 0},
        {"protocol", OPT_STRING, &protocol, "P", "the protocol", 1, 0},
        {"instrument", OPT_STRING, &instrument, "I", "the instrument", 1, 0},
        {"out", OPT_STRING, &out, "FILE",
         "write the certificate to FILE (default: standard output)", 0, 0},
        OPT_END,
    };
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct registry_link link;
    char ref[64], name[201], license[201];
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    if (registry_link_get(c->store, &link, &e) < 0 ||
        practitioner_ref(c->store, practitioner, ref, sizeof(ref), &e) < 0 ||
        report_practitioner_identity(c->store, practitioner, "practitioner",
                                     name, sizeof(name), license,
                                     sizeof(license), &e) < 0)
        return cli_fail(c, &e);
    if (!license[0])
        return cli_error(c, EXIT_BAD_INPUT, "practitioner", "practitioner "
                         "%" PRId64 " has no licence on record: a "
                         "certificate names it", practitioner);
    if (clinic_key_load_secret(c->store, sk, &e) < 0)
        return cli_fail(c, &e);
    json_t *request = json_pack(
        "{sIssssssssss}", "clinic", (json_int_t)link.clinic_id,
        "practitioner", ref, "name", name, "license", license, "protocol",
        protocol, "instrument", instrument);
    size_t len;
    char *bytes = signing_canonical_json(request, &len);
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    signing_sign(bytes, len, sk, sig);
    sodium_memzero(sk, sizeof(sk));
    free(bytes);
    char *sig64 = clinic_key_base64_encode(sig, sizeof(sig));
    json_t *body = json_pack("{soss}", "request", request, "signature",
                             sig64);
    free(sig64);
    bytes = signing_canonical_json(body, &len);
    json_decref(body);
    struct registry_answer a;
    int rc = registry_client_post(link.url, "/registry/v1/certify", bytes,
                                  len, &a, &e);
    free(bytes);
    if (rc < 0)
        return cli_fail(c, &e);
    if (a.status != 201) {
        const json_t *err = json_object_get(a.json, "error");
        if (a.status == 422 && err) {
            err_set(&e, ERR_REFUSED,
                    json_string_value(json_object_get(err, "field")),
                    "%s", json_string_value(json_object_get(err, "message")));
            registry_answer_release(&a);
            return cli_fail(c, &e);
        }
        registry_client_refusal(&a, &e);
        registry_answer_release(&a);
        return cli_fail(c, &e);
    }
    char *text = a.json ? signing_canonical_json(a.json, &len) : NULL;
    registry_answer_release(&a);
    if (!text)
        return cli_error(c, EXIT_FAILURE_, "certificate", "the registry's "
                         "answer is not JSON");
    /* Check it with the pinned key before keeping it. */
    unsigned char pinned[32];
    struct registry_cert_facts facts;
    enum registry_cert_verdict v = REGISTRY_CERT_TAMPERED;
    static struct registry_trusted t;
    t.count = 0;
    if (clinic_key_base64_decode(link.public_key, pinned, sizeof(pinned),
                                 "registry_public_key", &e) == 0) {
        registry_trusted_add(&t, pinned);
        v = registry_cert_verify(text, len, &t.keys[0][0], t.count, &facts,
                                 &e);
        /* A registry that changed its key since the clinic enrolled: the
         * new key through the log's key history. */
        if (v == REGISTRY_CERT_UNKNOWN_ISSUER &&
            registry_trusted_history(link.url, &t, &e) == 0)
            v = registry_cert_verify(text, len, &t.keys[0][0], t.count,
                                     &facts, &e);
    }
    if (v != REGISTRY_CERT_VALID) {
        free(text);
        err_set(&e, ERR_FAIL, "certificate", "the registry's certificate "
                "does not verify with the pinned key (%s)",
                registry_cert_verdict_name(v));
        return cli_fail(c, &e);
    }
    if (out) {
        FILE *f = fopen(out, "wx");
        if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
            free(text);
            json_decref(facts.claims);
            return cli_error(c, EXIT_FAILURE_, "out", "unable to write "
                             "'%s': %s (an existing file is kept)", out,
                             strerror(errno));
        }
    }
    int status = EXIT_OK;
    if (c->json) {
        status = cli_print_json(
            c, json_pack("{sOsOsIsIsO}", "certificate",
                         json_object_get(facts.claims, "id"), "designation",
                         json_object_get(facts.claims, "designation"),
                         "leaf_index", (json_int_t)facts.leaf_index,
                         "tree_size", (json_int_t)facts.tree_size,
                         "expires_at",
                         json_object_get(facts.claims, "expires_at")));
    } else if (out) {
        printf("certificate %s: %s in %s x %s, in the registry's log as "
               "leaf %" PRIu64 "; written to '%s'\n",
               json_string_value(json_object_get(facts.claims, "id")),
               json_string_value(json_object_get(facts.claims,
                                                 "designation")),
               protocol, instrument, facts.leaf_index, out);
    } else {
        printf("%s\n", text);
    }
    json_decref(facts.claims);
    free(text);
    return status;
}

/* ---- registry revoke ---- */

int registry_revoke_cmd(struct cli *c, int argc, const char **argv)
{
    const char *pg = NULL, *key = NULL, *reason = NULL;
    long id = 0;
    struct opt opts[] = {
        {"pg", OPT_STRING, &pg, "CONNINFO", PG_HELP, 0, 0},
        {"key", OPT_STRING, &key, "FILE", "the registry's secret key file",
         1, 0},
        {"certificate", OPT_INT, &id, "ID", "the certificate's id", 1, 0},
        {"reason", OPT_STRING, &reason, "TEXT", "why (public, in the log)",
         1, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    if (cli_check_range(c, "certificate", id, 1, LONG_MAX) < 0)
        return c->exit_code;
    size_t rlen = strlen(reason);
    int blank = 1;
    for (size_t i = 0; i < rlen; i++) {
        if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
            return cli_error(c, EXIT_BAD_INPUT, "reason", "holds a control "
                             "character");
        blank &= isspace((unsigned char)reason[i]) != 0;
    }
    if (blank || rlen > 500)
        return cli_error(c, EXIT_BAD_INPUT, "reason", "must be 1 to 500 "
                         "bytes of text");
    struct err e = ERR_INIT;
    struct pg *db;
    struct registry_signer signer;
    uint64_t leaf = 0;
    int rc = open_registry(pg, key, &db, &signer, &e);
    if (rc == 0)
        rc = registry_cert_revoke(db, &signer, id, reason, &leaf, &e);
    sodium_memzero(signer.sk, sizeof(signer.sk));
    pg_close(db);
    if (rc < 0)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{sIsbsI}", "certificate",
                                           (json_int_t)id, "revoked", 1,
                                           "leaf_index", (json_int_t)leaf));
    printf("certificate %ld revoked: revocation leaf %" PRIu64 " in the "
           "log\n", id, leaf);
    return EXIT_OK;
}

/* ---- registry log verify: the monitor ---- */

struct monitor {
    char url[1024];
    unsigned char keys[64][32];   /* trusted registry keys */
    size_t key_count;
    struct merkle_frontier f;     /* the tree seen so far */
    unsigned char root[H];
    int have_state;
    size_t certificates, revocations, key_changes;
};

static int trust_key(struct monitor *m, const unsigned char pk[32])
{
    for (size_t i = 0; i < m->key_count; i++)
        if (!memcmp(m->keys[i], pk, 32))
            return 0;
    if (m->key_count == ARRAY_SIZE(m->keys))
        return -1;
    memcpy(m->keys[m->key_count++], pk, 32);
    return 0;
}

static const unsigned char *key_by_id(const struct monitor *m,
                                      const char *id)
{
    for (size_t i = 0; i < m->key_count; i++) {
        char k[REGISTRY_KEY_ID_LEN];
        registry_key_id(m->keys[i], k);
        if (id && !strcmp(k, id))
            return m->keys[i];
    }
    return NULL;
}

/* The state file: {"url", "tree_size", "root_hash", "frontier": [...],
 * "keys": [...]}, frontier[l] the subtree of bit l (null when unset). */
static int state_load(struct monitor *m, const char *path, struct err *e)
{
    json_error_t jerr;
    json_t *s = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!s) {
        if (errno == ENOENT || access(path, F_OK) != 0)
            return 0;
        return err_set(e, ERR_INPUT, "state", "'%s' is not JSON: %s", path,
                       jerr.text);
    }
    int rc = -1;
    json_t *size = json_object_get(s, "tree_size");
    const char *root = json_string_value(json_object_get(s, "root_hash"));
    const char *url = json_string_value(json_object_get(s, "url"));
    json_t *frontier = json_object_get(s, "frontier");
    json_t *keys = json_object_get(s, "keys");
    if (!json_is_integer(size) || json_integer_value(size) < 0 || !root ||
        !url || !json_is_array(frontier) || !json_is_array(keys) ||
        clinic_key_base64_decode(root, m->root, H, "state.root_hash",
                                 e) < 0) {
        err_set(e, ERR_INPUT, "state", "'%s' is not a monitor's state file",
                path);
        goto done;
    }
    if (strcmp(url, m->url)) {
        err_set(e, ERR_INPUT, "state", "'%s' is the state of %s, not of %s",
                path, url, m->url);
        goto done;
    }
    m->f.size = (uint64_t)json_integer_value(size);
    for (unsigned l = 0; l < 64; l++) {
        if (!(m->f.size & (UINT64_C(1) << l)))
            continue;
        const char *h = json_string_value(json_array_get(frontier, l));
        if (!h || clinic_key_base64_decode(h, m->f.hash[l], H,
                                           "state.frontier", e) < 0) {
            err_set(e, ERR_INPUT, "state", "'%s': frontier %u is missing",
                    path, l);
            goto done;
        }
    }
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
        unsigned char pk[32];
        if (!json_is_string(k) ||
            clinic_key_base64_decode(json_string_value(k), pk, 32,
                                     "state.keys", e) < 0 ||
            trust_key(m, pk) < 0) {
            err_set(e, ERR_INPUT, "state", "'%s': a key is not base64",
                    path);
            goto done;
        }
    }
    m->have_state = 1;
    rc = 0;
done:
    json_decref(s);
    return rc;
}

static int state_save(const struct monitor *m, const char *path,
                      struct err *e)
{
    json_t *frontier = json_array(), *keys = json_array();
    for (unsigned l = 0; l < 64 && (m->f.size >> l); l++) {
        if (m->f.size & (UINT64_C(1) << l)) {
            char *h = clinic_key_base64_encode(m->f.hash[l], H);
            json_array_append_new(frontier, json_string(h));
            free(h);
        } else {
            json_array_append_new(frontier, json_null());
        }
    }
    for (size_t i = 0; i < m->key_count; i++) {
        char pk[CLINIC_KEY_PUBLIC_BASE64_LEN];
        clinic_key_public_base64(m->keys[i], pk);
        json_array_append_new(keys, json_string(pk));
    }
    unsigned char root[H];
    merkle_frontier_root(&m->f, root);
    char *root64 = clinic_key_base64_encode(root, H);
    json_t *s = json_pack("{sssIsssoso}", "url", m->url, "tree_size",
                          (json_int_t)m->f.size, "root_hash", root64,
                          "frontier", frontier, "keys", keys);
    free(root64);
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int rc = json_dump_file(s, tmp, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(s);
    if (rc != 0 || rename(tmp, path) != 0)
        return err_set(e, ERR_FAIL, "state", "unable to write '%s': %s",
                       path, strerror(errno));
    return 0;
}

int registry_cert_fetch(const char *url, const char *path, json_t **out,
                        struct err *e)
{
    struct registry_answer a;
    if (registry_client_get(url, path, &a, e) < 0)
        return -1;
    if (a.status != 200 || !a.json) {
        int rc = a.json ? registry_client_refusal(&a, e)
                        : err_set(e, ERR_FAIL, "url", "%s%s answered %ld "
                                  "without JSON", url, path, a.status);
        registry_answer_release(&a);
        return rc;
    }
    *out = a.json;
    a.json = NULL;
    registry_answer_release(&a);
    return 0;
}

static int fetch(const struct monitor *m, const char *path, json_t **out,
                 struct err *e)
{
    return registry_cert_fetch(m->url, path, out, e);
}

int registry_key_change_check(const char *leaf, size_t len,
                              unsigned char old_pk[32],
                              unsigned char new_pk[32])
{
    json_t *doc = json_loadb(leaf, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *change = json_object_get(doc, "change");
    unsigned char s1[64], s2[64];
    struct err ignored = ERR_INIT;
    const char *o = json_string_value(json_object_get(change,
                                                      "old_public_key"));
    const char *n = json_string_value(json_object_get(change,
                                                      "new_public_key"));
    const char *a = json_string_value(json_object_get(doc, "old_signature"));
    const char *b = json_string_value(json_object_get(doc, "new_signature"));
    int ok = json_object_size(doc) == 3 && o && n && a && b &&
             clinic_key_base64_decode(o, old_pk, 32, "k", &ignored) == 0 &&
             clinic_key_base64_decode(n, new_pk, 32, "k", &ignored) == 0 &&
             clinic_key_base64_decode(a, s1, 64, "k", &ignored) == 0 &&
             clinic_key_base64_decode(b, s2, 64, "k", &ignored) == 0;
    if (ok) {
        size_t clen;
        char *bytes = signing_canonical_json(change, &clen);
        ok = bytes && signing_verify(bytes, clen, s1, old_pk) &&
             signing_verify(bytes, clen, s2, new_pk);
        free(bytes);
    }
    json_decref(doc);
    return ok ? 0 : -1;
}

/* A key-change leaf: both signatures over the change, one of its keys
 * trusted already. Trusts both. */
static int key_change(struct monitor *m, const char *leaf, size_t len,
                      uint64_t index, struct err *e)
{
    unsigned char old_pk[32], new_pk[32];
    if (registry_key_change_check(leaf, len, old_pk, new_pk) < 0)
        return err_set(e, ERR_CONFLICT, "entries", "the key change at leaf "
                       "%" PRIu64 " is not signed by both its keys", index);
    /* Signed by both keys: either one, trusted, vouches for the other
     * (a monitor may start from the key the registry uses today). */
    int trusted = 0;
    for (size_t i = 0; i < m->key_count; i++)
        trusted |= !memcmp(m->keys[i], old_pk, 32) ||
                   !memcmp(m->keys[i], new_pk, 32);
    if (!trusted)
        return err_set(e, ERR_CONFLICT, "entries", "the key change at leaf "
                       "%" PRIu64 " is between two keys this monitor does "
                       "not trust", index);
    if (trust_key(m, old_pk) < 0 || trust_key(m, new_pk) < 0)
        return err_set(e, ERR_FAIL, "entries", "too many key changes");
    return 0;
}

/* Fetches leaves from .. to - 1, appends them to the frontier and checks
 * each is a well-formed entry of its kind. */
static int read_entries(struct monitor *m, uint64_t from, uint64_t to,
                        struct err *e)
{
    while (from < to) {
        char path[128];
        snprintf(path, sizeof(path), "/log/v1/entries?start=%" PRIu64
                 "&end=%" PRIu64, from, to);
        json_t *doc;
        if (fetch(m, path, &doc, e) < 0)
            return -1;
        json_t *list = json_object_get(doc, "entries");
        if (json_array_size(list) == 0) {
            json_decref(doc);
            return err_set(e, ERR_CONFLICT, "entries", "the log serves no "
                           "leaf %" PRIu64 " below its tree size %" PRIu64,
                           from, to);
        }
        size_t i;
        json_t *it;
        json_array_foreach(list, i, it) {
            const char *kind = json_string_value(json_object_get(it, "kind"));
            const char *leaf64 = json_string_value(json_object_get(it,
                                                                   "leaf"));
            json_t *idx = json_object_get(it, "leaf_index");
            size_t l64 = leaf64 ? strlen(leaf64) : 0, len = 0;
            char *leaf = xmalloc(l64 + 1);
            int bad = !kind || !leaf64 || !json_is_integer(idx) ||
                      (uint64_t)json_integer_value(idx) != from ||
                      sodium_base642bin((unsigned char *)leaf, l64 + 1,
                                        leaf64, l64, NULL, &len, NULL,
                                        sodium_base64_VARIANT_ORIGINAL) != 0;
            json_t *parsed = bad ? NULL
                                 : json_loadb(leaf, len,
                                              JSON_REJECT_DUPLICATES, NULL);
            if (!bad && !parsed)
                bad = 1;
            if (!bad && !strcmp(kind, "certificate")) {
                m->certificates++;
                bad = !json_is_string(json_object_get(parsed, "id"));
            } else if (!bad && !strcmp(kind, "revocation")) {
                m->revocations++;
                json_t *cl = json_object_get(parsed, "certificate_leaf");
                bad = !json_is_integer(cl) ||
                      (uint64_t)json_integer_value(cl) >= from;
            } else if (!bad && !strcmp(kind, "key")) {
                m->key_changes++;
                if (key_change(m, leaf, len, from, e) < 0) {
                    json_decref(parsed);
                    free(leaf);
                    json_decref(doc);
                    return -1;
                }
            } else if (!bad && !strcmp(kind, "clinic-key")) {
                /* A clinic's key change: both its signatures hold. */
                struct clinic_key_change ck;
                struct err why = ERR_INIT;
                bad = clinic_key_change_read(leaf, len, &ck, &why) < 0;
                clinic_key_change_release(&ck);
            } else {
                bad = 1;
            }
            json_decref(parsed);
            if (bad) {
                free(leaf);
                json_decref(doc);
                return err_set(e, ERR_CONFLICT, "entries", "leaf %" PRIu64
                               " is not a well-formed entry", from);
            }
            unsigned char h[H];
            merkle_leaf_hash(leaf, len, h);
            free(leaf);
            merkle_frontier_append(&m->f, h, NULL);
            from++;
            if (from == to)
                break;
        }
        json_decref(doc);
    }
    return 0;
}

static int log_verify(struct cli *c, int argc, const char **argv)
{
    const char *url = NULL, *state = NULL, *key = NULL;
    struct opt opts[] = {
        {"url", OPT_STRING, &url, "URL", "the registry's base URL", 1, 0},
        {"state", OPT_STRING, &state, "FILE",
         "what this monitor saw last (read, then written)", 0, 0},
        {"registry-key", OPT_STRING, &key, "KEY|FILE",
         "the registry's public key to trust (default: the state file's "
         "keys, else the key the registry announces, trusted on first "
         "use)", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    static struct monitor m;
    memset(&m, 0, sizeof(m));
    if (registry_client_url(url, m.url, sizeof(m.url) - 1, &e) < 0 ||
        (state && state_load(&m, state, &e) < 0))
        return cli_fail(c, &e);
    int tofu = 0;
    if (key) {
        unsigned char pk[32];
        if (registry_cert_read_key(key, "registry-key", pk, &e) < 0)
            return cli_fail(c, &e);
        trust_key(&m, pk);
    } else if (!m.key_count) {
        json_t *keys;
        if (fetch(&m, "/log/v1/keys", &keys, &e) < 0)
            return cli_fail(c, &e);
        json_t *first = json_array_get(json_object_get(keys, "keys"), 0);
        unsigned char pk[32];
        int rc = clinic_key_base64_decode(
            json_string_value(json_object_get(first, "public_key")), pk, 32,
            "keys", &e);
        json_decref(keys);
        if (rc < 0)
            return cli_fail(c, &e);
        trust_key(&m, pk);
        tofu = 1;
    }
    json_t *sth;
    if (fetch(&m, "/log/v1/sth", &sth, &e) < 0)
        return cli_fail(c, &e);
    json_t *size_v = json_object_get(sth, "tree_size");
    uint64_t size = json_is_integer(size_v) && json_integer_value(size_v) > 0
                        ? (uint64_t)json_integer_value(size_v)
                        : 0;
    uint64_t old = m.f.size;
    unsigned char old_root[H];
    memcpy(old_root, m.root, H);
    int rc = 0;
    if (size < old)
        rc = err_set(&e, ERR_CONFLICT, "tree_size", "the log shrank: its "
                     "tree head says %" PRIu64 " leaves, this monitor saw "
                     "%" PRIu64 " already", size, old);
    /* The new leaves, on the tree seen so far. */
    if (rc == 0)
        rc = read_entries(&m, old, size, &e);
    const unsigned char *pk = NULL;
    unsigned char sth_root[H];
    if (rc == 0) {
        pk = key_by_id(&m, json_string_value(json_object_get(sth,
                                                             "key_id")));
        if (!pk)
            rc = err_set(&e, ERR_CONFLICT, "sth.key_id", "the tree head is "
                         "signed by a key this monitor does not trust");
    }
    uint64_t sth_size;
    if (rc == 0)
        rc = registry_sth_verify(sth, pk, &sth_size, sth_root, &e);
    unsigned char mine[H];
    merkle_frontier_root(&m.f, mine);
    if (rc == 0 && memcmp(mine, sth_root, H))
        rc = err_set(&e, ERR_CONFLICT, "root_hash", "the log's history was "
                     "rewritten or forked: the leaves it serves do not "
                     "extend the tree of size %" PRIu64 " seen before into "
                     "its signed root of size %" PRIu64, old, size);
    if (rc == 0 && old > 0) {
        char path[128];
        snprintf(path, sizeof(path), "/log/v1/consistency?first=%" PRIu64
                 "&second=%" PRIu64, old, size);
        json_t *proof;
        rc = fetch(&m, path, &proof, &e);
        if (rc == 0) {
            static struct merkle_path p;
            json_t *list = json_object_get(proof, "consistency_path");
            p.count = json_array_size(list);
            for (size_t i = 0; rc == 0 && i < p.count && i < MERKLE_PATH_MAX;
                 i++)
                rc = clinic_key_base64_decode(
                    json_string_value(json_array_get(list, i)), p.hash[i], H,
                    "consistency_path", &e);
            if (rc == 0 &&
                merkle_consistency_verify(old, size, old_root, sth_root,
                                          &p.hash[0][0], p.count, &e) < 0) {
                char message[sizeof(e.message)];
                snprintf(message, sizeof(message), "%s", e.message);
                rc = err_set(&e, ERR_CONFLICT, "consistency", "the log's "
                             "consistency proof from size %" PRIu64 " to %"
                             PRIu64 " fails: %.400s", old, size, message);
            }
            json_decref(proof);
        }
    }
    json_decref(sth);
    if (rc < 0) {
        if (c->json)
            cli_print_json(c, json_pack("{sbssss}", "consistent", 0, "field",
                                        e.field, "error", e.message));
        cli_fail(c, &e);
        return EXIT_FAILURE_;
    }
    if (state && state_save(&m, state, &e) < 0)
        return cli_fail(c, &e);
    if (c->json)
        return cli_print_json(
            c, json_pack("{sbsIsIsIsIsIsb}", "consistent", 1, "previous_size",
                         (json_int_t)old, "tree_size", (json_int_t)size,
                         "certificates", (json_int_t)m.certificates,
                         "revocations", (json_int_t)m.revocations,
                         "key_changes", (json_int_t)m.key_changes,
                         "trusted_on_first_use", tofu));
    printf("log consistent: %" PRIu64 " leaves (%" PRIu64 " new since the "
           "last check): %zu certificates, %zu revocations, %zu key "
           "changes; the signed tree head verifies%s\n",
           size, size - old, m.certificates, m.revocations, m.key_changes,
           tofu ? " (key trusted on first use: pin it with --registry-key)"
                : "");
    return EXIT_OK;
}

CLI_VERB_COMMAND(registry_log_cmd,
    "The registry's transparency log (RFC 9162).",
    {"verify", log_verify,
     "monitor the log: signature, new leaves, consistency",
     "Monitors a registry's transparency log: fetches its "
     "signed tree head, checks the signature, fetches the new "
     "leaves and checks that they extend the tree seen last "
     "(the state file) into exactly the signed root, with the "
     "log's consistency proof between the two sizes. Exits 1 "
     "naming the problem when the log forks, rewrites or "
     "hides its history."})

/* ---- registry key rotate ---- */

static const struct pg_query key_retire = {
    "cli_key_retire", "UPDATE registry_key SET retired_at = now() WHERE"
    " id = $1 AND retired_at IS NULL", 1};
static const struct pg_query key_add = {
    "cli_key_add", "INSERT INTO registry_key (id, public_key, log_leaf)"
    " VALUES ($1, $2, $3)", 3};
static const struct pg_query meta_key = {
    "cli_meta_key", "UPDATE registry_meta SET public_key = $1 WHERE id = 1",
    1};

static int key_rotate(struct cli *c, int argc, const char **argv)
{
    const char *pg = NULL, *key = NULL, *new_key = NULL;
    struct opt opts[] = {
        {"pg", OPT_STRING, &pg, "CONNINFO", PG_HELP, 0, 0},
        {"key", OPT_STRING, &key, "FILE", "the registry's current secret key",
         1, 0},
        {"new-key", OPT_STRING, &new_key, "FILE",
         "where the new secret key goes (created, mode 600)", 1, 0},
        OPT_END,
    };
    struct err e = ERR_INIT;
    struct pg *db;
    struct registry_signer old, fresh;
    if (cli_parse(c, argc, argv, opts, NULL) < 0 ||
        open_registry(pg, key, &db, &old, &e) < 0)
        return cli_stop(c, &e);
    unsigned char pk[32];
    if (registry_signer_check(db, &old, &e) < 0 ||
        clinic_key_generate(new_key, pk, &e) < 0 ||
        clinic_key_read_secret(new_key, fresh.sk, &e) < 0) {
        sodium_memzero(old.sk, sizeof(old.sk));
        pg_close(db);
        return cli_fail(c, &e);
    }
    registry_signer_init(&fresh);
    char at[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), at);
    json_t *change = json_pack(
        "{ssssssssssss}", "format", "touchstone-key-change/1", "old_key_id",
        old.key_id, "old_public_key", old.public_key, "new_key_id",
        fresh.key_id, "new_public_key", fresh.public_key, "at", at);
    size_t len;
    char *bytes = signing_canonical_json(change, &len);
    unsigned char s1[64], s2[64];
    signing_sign(bytes, len, old.sk, s1);
    signing_sign(bytes, len, fresh.sk, s2);
    free(bytes);
    char *a = clinic_key_base64_encode(s1, 64);
    char *b = clinic_key_base64_encode(s2, 64);
    json_t *doc = json_pack("{sossss}", "change", change, "old_signature",
                            a, "new_signature", b);
    free(a);
    free(b);
    char *leaf = signing_canonical_json(doc, &len);
    json_decref(doc);
    uint64_t index = 0;
    char index_text[32];
    json_t *sth = NULL;
    int rc = pg_begin(db, &e);
    if (rc == 0)
        rc = registry_signer_check(db, &old, &e);
    if (rc == 0)
        rc = registry_log_append(db, "key", leaf, len, &index, &e);
    snprintf(index_text, sizeof(index_text), "%" PRIu64, index);
    const char *retire[] = {old.key_id};
    const char *add[] = {fresh.key_id, fresh.public_key, index_text};
    const char *meta[] = {fresh.public_key};
    if (rc == 0)
        rc = pg_run(db, &key_retire, retire, NULL, &e);
    if (rc == 0)
        rc = pg_run(db, &key_add, add, NULL, &e);
    if (rc == 0)
        rc = pg_run(db, &meta_key, meta, NULL, &e);
    if (rc == 0 && !(sth = registry_log_sign_head(db, &fresh, &e)))
        rc = -1;
    if (rc == 0)
        rc = pg_commit(db, &e);
    else
        pg_rollback(db);
    free(leaf);
    json_decref(sth);
    sodium_memzero(old.sk, sizeof(old.sk));
    sodium_memzero(fresh.sk, sizeof(fresh.sk));
    pg_close(db);
    if (rc < 0) {
        unlink(new_key);
        return cli_fail(c, &e);
    }
    if (c->json)
        return cli_print_json(
            c, json_pack("{sssssssI}", "old_key_id", old.key_id,
                         "new_key_id", fresh.key_id, "public_key",
                         fresh.public_key, "leaf_index", (json_int_t)index));
    printf("registry key rotated: %s -> %s (public key %s), key-change leaf "
           "%" PRIu64 "; restart the server with --key %s\n",
           old.key_id, fresh.key_id, fresh.public_key, index, new_key);
    return EXIT_OK;
}

CLI_VERB_COMMAND(registry_key_cmd,
    "The registry's signing keys.",
    {"rotate", key_rotate, "replace the registry's signing key",
     "Replaces the registry's signing key: a new key pair (the "
     "secret key in the new file), a key-change leaf in the "
     "log signed by the old key and by the new one, and the "
     "key history published at /log/v1/keys. Certificates "
     "signed with the old key still verify with it. Restart "
     "the server with the new key file."})
