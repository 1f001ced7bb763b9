/* The offline check of a registry certificate (registry/cert_verify.h). */
#include "registry/cert_verify.h"
#include "core/util.h"
#include "outcomes/certificate.h"
#include "record/clinic_key.h"
#include "registry/log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H MERKLE_HASH_BYTES

const char *registry_cert_verdict_name(enum registry_cert_verdict v)
{
    switch (v) {
    case REGISTRY_CERT_VALID: return "valid";
    case REGISTRY_CERT_TAMPERED: return "tampered";
    case REGISTRY_CERT_UNKNOWN_ISSUER: return "unknown issuer";
    case REGISTRY_CERT_NOT_REGISTRY: return "not a registry certificate";
    }
    return "tampered";
}

static const unsigned char *trusted_key(const unsigned char *trusted,
                                        size_t count, const char *key_id)
{
    for (size_t i = 0; i < count; i++) {
        char id[REGISTRY_KEY_ID_LEN];
        registry_key_id(trusted + i * SIGNING_PUBLIC_BYTES, id);
        if (key_id && !strcmp(id, key_id))
            return trusted + i * SIGNING_PUBLIC_BYTES;
    }
    return NULL;
}

/* A whole number >= 0 member of t. */
static int member_u64(const json_t *t, const char *key, uint64_t *out,
                      struct err *e)
{
    json_t *v = json_object_get(t, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return err_set(e, ERR_INPUT, key, "transparency.%s must be a whole "
                       "number >= 0", key);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

enum registry_cert_verdict registry_cert_verify(
    const char *text, size_t len, const unsigned char *trusted, size_t count,
    struct registry_cert_facts *facts, struct err *e)
{
    memset(facts, 0, sizeof(*facts));
    if (len > CERTIFICATE_MAX_BYTES) {
        err_set(e, ERR_INPUT, "certificate", "larger than %d bytes",
                CERTIFICATE_MAX_BYTES);
        return REGISTRY_CERT_TAMPERED;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        err_set(e, ERR_INPUT, "json", "not a JSON object: %s (line %d, "
                "column %d)", jerr.text, jerr.line, jerr.column);
        return REGISTRY_CERT_TAMPERED;
    }
    json_t *t = json_object_get(doc, "transparency");
    if (!t) {
        json_decref(doc);
        err_set(e, ERR_INPUT, "transparency", "missing: a certificate the "
                "registry did not issue (a clinic attestation, or one cut "
                "out of the log)");
        return REGISTRY_CERT_NOT_REGISTRY;
    }
    enum registry_cert_verdict v = REGISTRY_CERT_TAMPERED;
    char *pair = NULL, *leaf = NULL;
    unsigned char *given = NULL;
    json_t *claims = NULL;
    if (json_object_size(doc) != 3 || !json_is_object(t)) {
        err_set(e, ERR_INPUT, "certificate", "must hold exactly "
                "\"certificate\", \"signature\" and \"transparency\"");
        goto done;
    }
    /* The signature and the claims, with the clinic certificates' check. */
    json_t *two = json_pack("{sOsO}", "certificate",
                            json_object_get(doc, "certificate"), "signature",
                            json_object_get(doc, "signature"));
    size_t pair_len;
    pair = signing_canonical_json(two, &pair_len);
    json_decref(two);
    if (!pair) {
        err_set(e, ERR_INPUT, "certificate", "cannot be written as "
                "canonical JSON");
        goto done;
    }
    if (certificate_verify(pair, pair_len, NULL, &claims, facts->signer,
                           e) < 0)
        goto done;
    char signer_id[REGISTRY_KEY_ID_LEN];
    registry_key_id(facts->signer, signer_id);
    if (!trusted_key(trusted, count, signer_id)) {
        char pk64[CLINIC_KEY_PUBLIC_BASE64_LEN];
        clinic_key_public_base64(facts->signer, pk64);
        err_set(e, ERR_REFUSED, "signature.public_key", "signed by %s (key "
                "id %s), not by a registry key trusted here", pk64,
                signer_id);
        v = REGISTRY_CERT_UNKNOWN_ISSUER;
        goto done;
    }
    const char *named = json_string_value(json_object_get(
        json_object_get(claims, "issuer"), "key_id"));
    if (!named || strcmp(named, signer_id)) {
        err_set(e, ERR_REFUSED, "certificate.issuer.key_id", "does not name "
                "the key that signed the certificate");
        goto done;
    }
    /* The leaf is the claims' canonical bytes. */
    size_t leaf_len;
    leaf = signing_canonical_json(claims, &leaf_len);
    const char *leaf64 = json_string_value(json_object_get(t, "leaf"));
    size_t given_len = leaf64 ? strlen(leaf64) : 0;
    given = xmalloc(given_len + 1);
    size_t got = 0;
    if (!leaf64 || sodium_base642bin(given, given_len + 1, leaf64, given_len,
                                     NULL, &got, NULL,
                                     sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != leaf_len || memcmp(given, leaf, leaf_len) != 0) {
        err_set(e, ERR_REFUSED, "transparency.leaf", "is not the canonical "
                "bytes of the certificate's claims");
        goto done;
    }
    merkle_leaf_hash(leaf, leaf_len, facts->leaf_hash);
    /* The tree head, signed by the trusted key it names. */
    json_t *sth = json_object_get(t, "sth");
    const unsigned char *sth_key = trusted_key(
        trusted, count,
        json_string_value(json_object_get(sth, "key_id")));
    if (!sth_key) {
        err_set(e, ERR_REFUSED, "transparency.sth.key_id", "names no "
                "registry key trusted here");
        v = REGISTRY_CERT_UNKNOWN_ISSUER;
        goto done;
    }
    uint64_t sth_size;
    unsigned char sth_root[H];
    if (registry_sth_verify(sth, sth_key, &sth_size, sth_root, e) < 0 ||
        member_u64(t, "leaf_index", &facts->leaf_index, e) < 0 ||
        member_u64(t, "tree_size", &facts->tree_size, e) < 0)
        goto done;
    const char *root64 = json_string_value(json_object_get(t, "root_hash"));
    if (!root64 || clinic_key_base64_decode(root64, facts->root, H,
                                            "transparency.root_hash", e) < 0) {
        if (!root64)
            err_set(e, ERR_INPUT, "transparency.root_hash", "is missing");
        goto done;
    }
    if (sth_size != facts->tree_size || memcmp(sth_root, facts->root, H)) {
        err_set(e, ERR_REFUSED, "transparency.sth", "is not the tree head "
                "of the proof's size and root");
        goto done;
    }
    json_t *path = json_object_get(t, "audit_path");
    if (!json_is_array(path) || json_array_size(path) > MERKLE_PATH_MAX) {
        err_set(e, ERR_INPUT, "transparency.audit_path", "must be an array "
                "of at most %d base64 hashes", MERKLE_PATH_MAX);
        goto done;
    }
    static _Thread_local struct merkle_path p;
    p.count = json_array_size(path);
    for (size_t i = 0; i < p.count; i++) {
        const char *h = json_string_value(json_array_get(path, i));
        if (!h || clinic_key_base64_decode(h, p.hash[i], H,
                                           "transparency.audit_path",
                                           e) < 0) {
            if (!h)
                err_set(e, ERR_INPUT, "transparency.audit_path", "holds "
                        "something other than text");
            goto done;
        }
    }
    if (merkle_inclusion_verify(facts->leaf_hash, facts->leaf_index,
                                facts->tree_size, &p.hash[0][0], p.count,
                                facts->root, e) < 0) {
        char message[sizeof(e->message)];
        snprintf(message, sizeof(message), "%s", e->message);
        err_set(e, ERR_REFUSED, "transparency.audit_path", "the certificate "
                "is not in the log it claims: %.400s", message);
        goto done;
    }
    v = REGISTRY_CERT_VALID;
    facts->claims = claims;
    claims = NULL;
done:
    free(pair);
    free(leaf);
    free(given);
    json_decref(claims);
    json_decref(doc);
    return v;
}
