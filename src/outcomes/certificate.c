/* Signed certificates: claims, signing, verification. See certificate.h
 * and docs/certificates.md. */
#include "outcomes/certificate.h"
#include "core/clock.h"
#include "core/json_read.h"
#include "core/util.h"
#include "record/clinic_key.h"
#include "record/validate.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 200

void certificate_new_id(char out[CERTIFICATE_ID_LEN])
{
    if (sodium_init() < 0)
        die("libsodium failed to initialise");
    unsigned char raw[16];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(out, CERTIFICATE_ID_LEN, raw, sizeof(raw));
}

/* A member that must be text: a non-blank string of at most TEXT_MAX
 * bytes without control characters. */
static int text_member(const json_t *obj, const char *where, const char *key,
                       const char **out, struct err *e)
{
    struct json_reader r = JSON_READER_INIT(e);
    const char *text;
    if (json_read_text(&r, obj, where, key, JSON_REQUIRED, &text) < 0 ||
        validate_text(text, r.path, 1, TEXT_MAX, e) < 0)
        return -1;
    if (out)
        *out = text;
    return 0;
}

static int object_member(const json_t *obj, const char *where,
                         const char *key, json_t **out, struct err *e)
{
    struct json_reader r = JSON_READER_INIT(e);
    const json_t *v;
    if (json_read_member(&r, obj, where, key, JSON_KIND_OBJECT,
                         JSON_REQUIRED, &v) < 0)
        return -1;
    *out = (json_t *)v;
    return 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ" exactly, a real instant. */
static int check_instant(const char *s, const char *field, struct err *e)
{
    time_t t;
    char again[CLOCK_INSTANT_LEN];
    if (strlen(s) != CLOCK_INSTANT_LEN - 1 ||
        clock_parse_instant(s, &t, field, e) < 0)
        return err_set(e, ERR_INPUT, field,
                       "'%.32s' is not an instant YYYY-MM-DDTHH:MM:SSZ", s);
    clock_format_instant(t, again);
    if (strcmp(again, s))
        return err_set(e, ERR_INPUT, field,
                       "'%.32s' is not an instant YYYY-MM-DDTHH:MM:SSZ", s);
    return 0;
}

static int check_id(const char *s, struct err *e)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return err_set(e, ERR_INPUT, "certificate.id",
                       "must be 1 to 64 characters");
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return err_set(e, ERR_INPUT, "certificate.id",
                           "'%.64s' may hold only a-z, 0-9 and '-'", s);
    return 0;
}

/* 1 when s holds a control character (below 0x20, or 0x7f). */
static int has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 1;
    return 0;
}

/* Refuses a control character in any string or key of v, naming where:
 * the canonical bytes then never hold an escape but \" and \\. */
static int check_no_control(const json_t *v, const char *where, struct err *e)
{
    char path[64];
    if (json_is_string(v)) {
        if (has_control(json_string_value(v)))
            return err_set(e, ERR_INPUT, where,
                           "holds a control character");
    } else if (json_is_object(v)) {
        const char *key;
        json_t *x;
        json_object_foreach((json_t *)v, key, x) {
            snprintf(path, sizeof(path), "%s.%s", where, key);
            if (has_control(key))
                return err_set(e, ERR_INPUT, where,
                               "a member name holds a control character");
            if (check_no_control(x, path, e) < 0)
                return -1;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            snprintf(path, sizeof(path), "%s[%zu]", where, i);
            if (check_no_control(x, path, e) < 0)
                return -1;
        }
    }
    return 0;
}

int certificate_check_claims(const json_t *claims, struct err *e)
{
    const char *w = "certificate";
    const char *s;
    json_t *o;
    if (!json_is_object(claims))
        return err_set(e, ERR_INPUT, w, "must be an object");
    if (check_no_control(claims, w, e) < 0)
        return -1;
    if (text_member(claims, w, "format", &s, e) < 0)
        return -1;
    if (strcmp(s, CERTIFICATE_FORMAT))
        return err_set(e, ERR_INPUT, "certificate.format",
                       "'%.64s' is not a format this program reads "
                       "(expected '%s')", s, CERTIFICATE_FORMAT);
    if (text_member(claims, w, "id", &s, e) < 0 || check_id(s, e) < 0)
        return -1;
    if (text_member(claims, w, "issued_at", &s, e) < 0 ||
        check_instant(s, "certificate.issued_at", e) < 0)
        return -1;
    if (object_member(claims, w, "clinic", &o, e) < 0 ||
        text_member(o, "certificate.clinic", "name", NULL, e) < 0)
        return -1;
    if (object_member(claims, w, "practitioner", &o, e) < 0)
        return -1;
    json_t *pid = json_object_get(o, "id");
    if (!pid)
        return err_set(e, ERR_INPUT, "certificate.practitioner.id",
                       "missing");
    if (!json_is_integer(pid) || json_integer_value(pid) <= 0)
        return err_set(e, ERR_INPUT, "certificate.practitioner.id",
                       "must be a positive whole number");
    if (text_member(o, "certificate.practitioner", "name", NULL, e) < 0 ||
        text_member(o, "certificate.practitioner", "license", NULL, e) < 0)
        return -1;
    if (text_member(claims, w, "protocol", NULL, e) < 0 ||
        text_member(claims, w, "instrument", NULL, e) < 0)
        return -1;
    if (text_member(claims, w, "designation", &s, e) < 0)
        return -1;
    if (strcmp(s, "reproducible") && strcmp(s, "advanced"))
        return err_set(e, ERR_INPUT, "certificate.designation",
                       "'%.64s' is not a designation (expected "
                       "'reproducible' or 'advanced')", s);
    if (object_member(claims, w, "metrics", &o, e) < 0)
        return -1;
    if (json_object_size(o) == 0)
        return err_set(e, ERR_INPUT, "certificate.metrics", "is empty");
    struct json_reader r = JSON_READER_INIT(e);
    struct json_each it;
    int rc = json_each_begin(&r, &it, claims, w, "thresholds",
                             JSON_REQUIRED | JSON_NONEMPTY);
    while (rc >= 0 && (rc = json_each_next(&r, &it, NULL)) > 0) {
        const char *where = it.path;
        if (text_member(it.item, where, "criterion", &s, e) < 0)
            return -1;
        json_t *met = json_object_get(it.item, "met");
        if (!json_is_boolean(met))
            return err_set(e, ERR_INPUT, where, "'met' must be true or false");
        if (!json_is_true(met))
            return err_set(e, ERR_REFUSED, where,
                           "criterion '%.64s' is not met: a certificate "
                           "states only criteria met", s);
    }
    if (rc < 0)
        return -1;
    if (object_member(claims, w, "data_window", &o, e) < 0)
        return -1;
    const char *from, *to;
    long dfrom, dto;
    if (text_member(o, "certificate.data_window", "from", &from, e) < 0 ||
        text_member(o, "certificate.data_window", "to", &to, e) < 0 ||
        clock_parse_date(from, &dfrom, "certificate.data_window.from", e) <
            0 ||
        clock_parse_date(to, &dto, "certificate.data_window.to", e) < 0)
        return -1;
    if (dfrom > dto)
        return err_set(e, ERR_INPUT, "certificate.data_window",
                       "'from' %s is after 'to' %s", from, to);
    if (text_member(claims, w, "data_sha256", &s, e) < 0)
        return -1;
    if (!signing_is_sha256_hex(s))
        return err_set(e, ERR_INPUT, "certificate.data_sha256",
                       "must be 64 lowercase hex digits");
    return 0;
}

/* Adds key = value (a new string) to obj when key is absent. */
static void default_string(json_t *obj, const char *key, const char *value)
{
    if (!json_object_get(obj, key))
        json_object_set_new(obj, key, json_string(value));
}

char *certificate_sign(const json_t *claims,
                       const unsigned char sk[SIGNING_SECRET_BYTES],
                       struct err *e)
{
    if (!json_is_object(claims)) {
        err_set(e, ERR_INPUT, "certificate", "must be an object");
        return NULL;
    }
    json_t *c = json_deep_copy(claims);
    if (!c)
        die("out of memory copying claims");
    char id[CERTIFICATE_ID_LEN], now[CLOCK_INSTANT_LEN];
    certificate_new_id(id);
    clock_format_instant(clock_now(), now);
    default_string(c, "format", CERTIFICATE_FORMAT);
    default_string(c, "id", id);
    default_string(c, "issued_at", now);
    char *doc_text = NULL;
    if (certificate_check_claims(c, e) < 0)
        goto out;
    size_t len;
    char *canonical = signing_canonical_json(c, &len);
    if (!canonical) {
        err_set(e, ERR_INPUT, "certificate", "cannot be written as JSON");
        goto out;
    }
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    const unsigned char *pk = sk + 32; /* libsodium: seed, then public key */
    signing_sign(canonical, len, sk, sig);
    int good = signing_verify(canonical, len, sig, pk);
    free(canonical);
    if (!good) {
        err_set(e, ERR_FAIL, "key", "the secret key is damaged: its "
                "signature does not verify with its own public key");
        goto out;
    }
    char *pk64 = clinic_key_base64_encode(pk, SIGNING_PUBLIC_BYTES);
    char *sig64 = clinic_key_base64_encode(sig, sizeof(sig));
    char key_id[CLINIC_KEY_ID_LEN];
    clinic_key_id(pk, key_id);
    json_t *doc = json_pack("{s:O,s:{s:s,s:s,s:s,s:s}}", "certificate", c,
                            "signature", "alg", CERTIFICATE_ALG, "key_id",
                            key_id, "public_key", pk64, "value", sig64);
    free(pk64);
    free(sig64);
    if (!doc)
        die("out of memory building a certificate");
    char *line = signing_canonical_json(doc, &len);
    json_decref(doc);
    if (!line)
        die("out of memory writing a certificate");
    doc_text = xmalloc(len + 2);
    memcpy(doc_text, line, len);
    doc_text[len] = '\n';
    doc_text[len + 1] = '\0';
    free(line);
out:
    json_decref(c);
    return doc_text;
}

/* Refuses any member of obj other than the allowed ones. */
static int only_members(const json_t *obj, const char *where,
                        const char *const *allowed, struct err *e)
{
    const char *key = json_unknown_key(obj, allowed);
    if (key)
        return err_set(e, ERR_INPUT, where, "unexpected member '%.64s'",
                       key);
    return 0;
}

/* The signature object's three members, decoded. */
static int read_signature(const json_t *sig, unsigned char pk[32],
                          unsigned char value[64], struct err *e)
{
    static const char *const allowed[] = {"alg", "key_id", "public_key",
                                          "value", NULL};
    struct json_reader r = JSON_READER_INIT(e);
    const char *text;
    if (json_read_object(&r, sig, "signature") < 0)
        return -1;
    json_t *alg = json_object_get(sig, "alg");
    if (!alg)
        return err_set(e, ERR_INPUT, "signature.alg", "missing");
    if (!json_is_string(alg) || strcmp(json_string_value(alg), CERTIFICATE_ALG))
        return err_set(e, ERR_INPUT, "signature.alg",
                       "'%.32s' is not supported (expected '%s')",
                       json_is_string(alg) ? json_string_value(alg)
                                           : "(not a string)",
                       CERTIFICATE_ALG);
    if (only_members(sig, "signature", allowed, e) < 0)
        return -1;
    if (json_read_text(&r, sig, "signature", "public_key", JSON_REQUIRED,
                       &text) < 0 ||
        clinic_key_base64_decode(text, pk, SIGNING_PUBLIC_BYTES,
                                 "signature.public_key", e) < 0 ||
        json_read_text(&r, sig, "signature", "value", JSON_REQUIRED, &text) <
            0)
        return -1;
    if (clinic_key_base64_decode(text, value, SIGNING_SIGNATURE_BYTES,
                                 "signature.value", e) < 0)
        return -1;
    /* The key id, which certificates signed since keys could change carry
     * (older ones have none): it must name public_key. */
    const char *kid = NULL;
    if (json_read_text(&r, sig, "signature", "key_id", 0, &kid) < 0)
        return -1;
    if (kid) {
        char id[CLINIC_KEY_ID_LEN];
        clinic_key_id(pk, id);
        if (strcmp(kid, id))
            return err_set(e, ERR_INPUT, "signature.key_id",
                           "'%.32s' is not the id of signature.public_key "
                           "(%s)", kid, id);
    }
    return 0;
}

/* 1 when needle (n bytes) occurs in haystack (h bytes). */
static int contains(const char *haystack, size_t h, const char *needle,
                    size_t n)
{
    return memmem(haystack, h, needle, n) != NULL;
}

int certificate_verify(const char *text, size_t len,
                       const unsigned char *expected_pk, json_t **claims_out,
                       unsigned char *signer_pk, struct err *e)
{
    static const char *const top_members[] = {"certificate", "signature",
                                              NULL};
    if (claims_out)
        *claims_out = NULL;
    if (len > CERTIFICATE_MAX_BYTES)
        return err_set(e, ERR_INPUT, "certificate",
                       "%zu bytes is larger than a certificate can be (%d)",
                       len, CERTIFICATE_MAX_BYTES);
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return err_set(e, ERR_INPUT, "json",
                       "not valid JSON: %s (line %d, column %d)", jerr.text,
                       jerr.line, jerr.column);
    int rc = -1;
    char *canonical = NULL, *member_text = NULL;
    unsigned char pk[SIGNING_PUBLIC_BYTES], sig[SIGNING_SIGNATURE_BYTES];
    if (!json_is_object(doc)) {
        err_set(e, ERR_INPUT, "certificate",
                "the document must be a JSON object");
        goto out;
    }
    json_t *claims = json_object_get(doc, "certificate");
    json_t *signature = json_object_get(doc, "signature");
    if (!claims) {
        err_set(e, ERR_INPUT, "certificate", "missing");
        goto out;
    }
    if (!signature) {
        err_set(e, ERR_INPUT, "signature", "missing");
        goto out;
    }
    if (only_members(doc, "certificate", top_members, e) < 0 ||
        read_signature(signature, pk, sig, e) < 0 ||
        certificate_check_claims(claims, e) < 0)
        goto out;
    size_t clen;
    canonical = signing_canonical_json(claims, &clen);
    if (!canonical) {
        err_set(e, ERR_INPUT, "certificate", "cannot be written as JSON");
        goto out;
    }
    if (!signing_verify(canonical, clen, sig, pk)) {
        err_set(e, ERR_REFUSED, "signature",
                "does not match the certificate: it was changed after "
                "signing, or signed with another key");
        goto out;
    }
    /* What the reader sees must be what was signed: the canonical bytes,
     * right after the member name, verbatim. */
    member_text = xasprintf("\"certificate\":%s", canonical);
    if (!contains(text, len, member_text, strlen(member_text))) {
        err_set(e, ERR_INPUT, "certificate",
                "is not written exactly as signed (canonical JSON: keys "
                "sorted, no blanks); keep the file as issued");
        goto out;
    }
    if (expected_pk && sodium_memcmp(expected_pk, pk, sizeof(pk)) != 0) {
        err_set(e, ERR_REFUSED, "public_key",
                "the certificate was signed by another key than the one "
                "expected");
        goto out;
    }
    if (signer_pk)
        memcpy(signer_pk, pk, sizeof(pk));
    if (claims_out)
        *claims_out = json_incref(claims);
    rc = 0;
out:
    free(canonical);
    free(member_text);
    json_decref(doc);
    return rc;
}
