/*
 * Unit tests for outcomes/signing, outcomes/certificate and
 * record/clinic_key: canonical JSON, SHA-256, Ed25519 signing, certificate
 * round trips and tamper detection, and the clinic's key files.
 *
 * Independent sources of expected values:
 *  - SHA-256("abc") and SHA-256("") from FIPS 180-2 / NIST examples.
 *  - Ed25519 key, empty-message signature: RFC 8032 section 7.1, TEST 1.
 *  - Canonical bytes and SHA-256 of JSON values: Python 3,
 *    json.dumps(v, sort_keys=True, separators=(',', ':'),
 *    ensure_ascii=False) and hashlib.sha256(...).hexdigest(); reals as
 *    '%.17g' % x.
 *  - The certificate signature: Node.js 20 crypto.sign(null, bytes, key)
 *    with the RFC 8032 TEST 1 seed as a PKCS#8 key (DER prefix
 *    302e020100300506032b657004220420 + seed) over CANONICAL below.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "outcomes/certificate.h"
#include "outcomes/signing.h"
#include "record/audit.h"
#include "record/clinic.h"
#include "record/clinic_key.h"
#include "unit/test_helpers.h"

/* RFC 8032, 7.1, TEST 1. */
static const char *rfc_seed_hex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *rfc_pk_hex =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char *rfc_empty_sig_hex =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb88215"
    "90a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

/* The claims of the fixed certificate, and their canonical bytes (Python,
 * see the header). data_sha256 is the SHA-256 of SUMMARIES' canonical
 * bytes. */
static const char *SUMMARIES =
    "[{\"episode\": \"p00000000000000a1\", \"baseline\": 60, \"discharge\": 48},"
    " {\"episode\": \"p00000000000000b2\", \"baseline\": 64, \"discharge\": 50}]";
static const char *SUMMARIES_SHA256 =
    "4c9252501ab663f57ec7058b73baed150daf318bcb07361c5f4cdfa67b7f7dc1";
static const char *CLAIMS =
    "{\"format\": \"touchstone-certificate/1\","
    " \"id\": \"0123456789abcdef0123456789abcdef\","
    " \"issued_at\": \"2026-06-30T12:00:00Z\","
    " \"clinic\": {\"name\": \"Synthetic Test Clinic\"},"
    " \"practitioner\": {\"id\": 7, \"name\": \"Alex Example\","
    "   \"license\": \"LMT-000000\"},"
    " \"protocol\": \"tension-headache\", \"instrument\": \"hit-6\","
    " \"designation\": \"reproducible\","
    " \"metrics\": {\"n_episodes\": 32, \"responder_rate\": 0.8125,"
    "   \"responder_rate_ci\": [0.65625, 0.90625], \"sustained_rate\": 0.75},"
    " \"thresholds\": ["
    "  {\"criterion\": \"complete episodes at least 20\", \"met\": true,"
    "   \"required\": 20, \"observed\": 32},"
    "  {\"criterion\": \"responder-rate lower bound at least 0.5\","
    "   \"met\": true, \"required\": 0.5, \"observed\": 0.65625}],"
    " \"data_window\": {\"from\": \"2025-01-01\", \"to\": \"2026-06-30\"},"
    " \"data_sha256\": "
    "\"4c9252501ab663f57ec7058b73baed150daf318bcb07361c5f4cdfa67b7f7dc1\"}";
static const char *CANONICAL =
    "{\"clinic\":{\"name\":\"Synthetic Test Clinic\"},\"data_sha256\":"
    "\"4c9252501ab663f57ec7058b73baed150daf318bcb07361c5f4cdfa67b7f7dc1\","
    "\"data_window\":{\"from\":\"2025-01-01\",\"to\":\"2026-06-30\"},"
    "\"designation\":\"reproducible\",\"format\":\"touchstone-certificate/1\","
    "\"id\":\"0123456789abcdef0123456789abcdef\",\"instrument\":\"hit-6\","
    "\"issued_at\":\"2026-06-30T12:00:00Z\",\"metrics\":{\"n_episodes\":32,"
    "\"responder_rate\":0.8125,\"responder_rate_ci\":[0.65625,0.90625],"
    "\"sustained_rate\":0.75},\"practitioner\":{\"id\":7,\"license\":"
    "\"LMT-000000\",\"name\":\"Alex Example\"},\"protocol\":"
    "\"tension-headache\",\"thresholds\":[{\"criterion\":\"complete episodes "
    "at least 20\",\"met\":true,\"observed\":32,\"required\":20},"
    "{\"criterion\":\"responder-rate lower bound at least 0.5\",\"met\":true,"
    "\"observed\":0.65625,\"required\":0.5}]}";
/* Node.js: crypto.sign(null, CANONICAL, TEST 1 key).toString('base64') */
static const char *NODE_SIGNATURE =
    "EZ4nQSY5wDtee3OLY1e+XSXUjMDXjMbDrRFBxHH2tClwH81258dagbW3zIS7ZlMH9msUWtnv"
    "+LMuK9sJqy18Aw==";
/* Node.js: the TEST 1 public key, base64. */
static const char *NODE_PUBLIC_KEY =
    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
/* Its key id: the first 16 hex digits of SHA-256 of the key's 32 bytes
 * (Python's hashlib over the base64-decoded key). */
static const char *NODE_KEY_ID = "21fe31dfa154a261";

static void rfc_keys(unsigned char sk[64], unsigned char pk[32])
{
    cr_assert_eq(sodium_init() >= 0, 1);
    unsigned char seed[32];
    cr_assert_eq(sodium_hex2bin(seed, 32, rfc_seed_hex, 64, NULL, NULL, NULL),
                 0);
    crypto_sign_seed_keypair(pk, sk, seed);
}

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    cr_assert_not_null(v, "%s", jerr.text);
    return v;
}

Test(signing, canonical_json)
{
    json_t *v = load("{\"b\": [1, 2.5, \"x/y\", \"caf\\u00e9\", \"\\u0001\"],"
                     " \"a\": {\"d\": null, \"c\": true, \"e\": false}}");
    size_t len;
    char *text = signing_canonical_json(v, &len);
    /* Python: json.dumps(..., sort_keys=True, separators=(',',':'),
     * ensure_ascii=False) gives the same but for "\u0001" (Python writes
     * lowercase hex where jansson writes uppercase; the same here). */
    cr_assert_str_eq(text, "{\"a\":{\"c\":true,\"d\":null,\"e\":false},"
                           "\"b\":[1,2.5,\"x/y\",\"caf\xc3\xa9\","
                           "\"\\u0001\"]}");
    cr_assert_eq(len, strlen(text));
    free(text);
    json_decref(v);
    /* Reals: '%.17g' (Python: '%.17g' % 0.1 == '0.10000000000000001',
     * '%.17g' % 1e20 == '1e+20', '%.17g' % 1e-5 ==
     * '1.0000000000000001e-05'), "+" and exponent zeros dropped, ".0"
     * added to whole reals. */
    v = json_pack("[f,f,f,f,f,I]", 0.1, 1e20, 1e-5, 5.0, 2.0 / 3.0,
                  (json_int_t)-12);
    text = signing_canonical_json(v, NULL);
    cr_assert_str_eq(text, "[0.10000000000000001,1e20,"
                           "1.0000000000000001e-5,5.0,0.66666666666666663,"
                           "-12]");
    free(text);
    json_decref(v);
    /* Same value, any spacing or key order: same bytes. */
    json_t *a = load(CLAIMS);
    text = signing_canonical_json(a, NULL);
    cr_assert_str_eq(text, CANONICAL);
    free(text);
    json_decref(a);
    cr_assert_null(signing_canonical_json(NULL, NULL));
}

Test(signing, sha256_known_answers)
{
    char hex[SIGNING_SHA256_HEX_LEN];
    /* FIPS 180-2, appendix B.1: SHA-256("abc"). */
    signing_sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
                          "b00361a396177a9cb410ff61f20015ad");
    signing_sha256_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
                          "27ae41e4649b934ca495991b7852b855");
    /* Python: hashlib.sha256(b'{"a":2,"b":1}').hexdigest() */
    json_t *v = load("{\"b\": 1, \"a\": 2}");
    cr_assert_eq(signing_sha256_hex_json(v, hex), 0);
    cr_assert_str_eq(hex, "d3626ac30a87e6f7a6428233b3c68299"
                          "976865fa5508e4267c5415c76af7a772");
    json_decref(v);
    v = load(SUMMARIES);
    cr_assert_eq(signing_sha256_hex_json(v, hex), 0);
    cr_assert_str_eq(hex, SUMMARIES_SHA256);
    json_decref(v);
    cr_assert(signing_is_sha256_hex(SUMMARIES_SHA256));
    cr_assert_not(signing_is_sha256_hex("4C9252501ab663f57ec7058b73baed15"
                                        "0daf318bcb07361c5f4cdfa67b7f7dc1"));
    cr_assert_not(signing_is_sha256_hex("abc"));
}

Test(signing, ed25519_rfc8032_test1)
{
    unsigned char sk[64], pk[32], sig[64], want[64], want_pk[32];
    rfc_keys(sk, pk);
    sodium_hex2bin(want_pk, 32, rfc_pk_hex, 64, NULL, NULL, NULL);
    cr_assert_eq(memcmp(pk, want_pk, 32), 0);
    sodium_hex2bin(want, 64, rfc_empty_sig_hex, 128, NULL, NULL, NULL);
    signing_sign("", 0, sk, sig);
    cr_assert_eq(memcmp(sig, want, 64), 0);
    cr_assert_eq(signing_verify("", 0, sig, pk), 1);
    sig[10] ^= 1;
    cr_assert_eq(signing_verify("", 0, sig, pk), 0);
}

/* The fixed claims signed with the TEST 1 key give exactly the signature
 * Node.js computes independently over the same canonical bytes. */
Test(certificate, signature_matches_an_independent_implementation)
{
    unsigned char sk[64], pk[32];
    rfc_keys(sk, pk);
    json_t *claims = load(CLAIMS);
    struct err e = ERR_INIT;
    char *doc = certificate_sign(claims, sk, &e);
    cr_assert_not_null(doc, "%s: %s", e.field, e.message);
    char *expect = NULL;
    cr_assert(asprintf(&expect,
                       "{\"certificate\":%s,\"signature\":{\"alg\":"
                       "\"Ed25519\",\"key_id\":\"%s\",\"public_key\":"
                       "\"%s\",\"value\":\"%s\"}}\n",
                       CANONICAL, NODE_KEY_ID, NODE_PUBLIC_KEY,
                       NODE_SIGNATURE) > 0);
    cr_assert_str_eq(doc, expect);
    free(expect);
    /* The caller's claims are untouched. */
    char *again = signing_canonical_json(claims, NULL);
    cr_assert_str_eq(again, CANONICAL);
    free(again);
    json_decref(claims);
    free(doc);
}

Test(certificate, round_trip_with_defaults)
{
    setenv("TOUCHSTONE_NOW", "2026-06-30T12:00:00Z", 1);
    unsigned char sk[64], pk[32], signer[32];
    rfc_keys(sk, pk);
    json_t *claims = load(CLAIMS);
    json_object_del(claims, "id");
    json_object_del(claims, "issued_at");
    json_object_del(claims, "format");
    struct err e = ERR_INIT;
    char *doc = certificate_sign(claims, sk, &e);
    cr_assert_not_null(doc, "%s: %s", e.field, e.message);
    json_t *got = NULL;
    cr_assert_eq(certificate_verify(doc, strlen(doc), pk, &got, signer, &e),
                 0, "%s: %s", e.field, e.message);
    cr_assert_eq(memcmp(signer, pk, 32), 0);
    cr_assert_str_eq(json_string_value(json_object_get(got, "issued_at")),
                     "2026-06-30T12:00:00Z");
    cr_assert_str_eq(json_string_value(json_object_get(got, "format")),
                     CERTIFICATE_FORMAT);
    const char *id = json_string_value(json_object_get(got, "id"));
    cr_assert_eq(strlen(id), 32);
    /* Everything the caller gave comes back unchanged. */
    const char *key;
    json_t *v;
    json_object_foreach(claims, key, v)
        cr_assert(json_equal(v, json_object_get(got, key)), "%s", key);
    /* Without an expected key it verifies too, naming the signer. */
    json_decref(got);
    cr_assert_eq(certificate_verify(doc, strlen(doc), NULL, NULL, NULL, &e),
                 0);
    /* Two signings draw two ids. */
    char *doc2 = certificate_sign(claims, sk, &e);
    cr_assert_str_neq(doc, doc2);
    free(doc2);
    json_decref(claims);
    free(doc);
}

static char *signed_fixture(unsigned char pk[32])
{
    unsigned char sk[64];
    rfc_keys(sk, pk);
    json_t *claims = load(CLAIMS);
    struct err e = ERR_INIT;
    char *doc = certificate_sign(claims, sk, &e);
    cr_assert_not_null(doc);
    json_decref(claims);
    return doc;
}

/* Every byte of the signed part, changed in any of several ways, makes
 * the certificate fail: bit 0, bit 5 (letter case, 'e'/'E' in exponents),
 * bit 7 (no longer UTF-8), or a blank in its place. */
Test(certificate, any_changed_signed_byte_fails)
{
    unsigned char pk[32];
    char *doc = signed_fixture(pk);
    size_t len = strlen(doc);
    const char *start = strstr(doc, CANONICAL);
    cr_assert_not_null(start);
    size_t from = (size_t)(start - doc), to = from + strlen(CANONICAL);
    int tried = 0;
    for (size_t i = from; i < to; i++) {
        const int flips[] = {0x01, 0x20, 0x80, -1};
        for (int f = 0; f < 4; f++) {
            char saved = doc[i];
            doc[i] = flips[f] < 0 ? ' ' : (char)(doc[i] ^ flips[f]);
            if (doc[i] == saved)
                continue;
            struct err e = ERR_INIT;
            cr_assert_eq(certificate_verify(doc, len, NULL, NULL, NULL, &e),
                         -1, "byte %zu '%c' -> '%c' still verifies", i - from,
                         saved, doc[i]);
            doc[i] = saved;
            tried++;
        }
    }
    cr_assert_gt(tried, 3 * (int)strlen(CANONICAL));
    struct err e = ERR_INIT;
    cr_assert_eq(certificate_verify(doc, len, pk, NULL, NULL, &e), 0);
    free(doc);
}

/* A changed value that is still well-formed is caught by the signature,
 * and the error says so. */
Test(certificate, changed_claim_names_the_signature)
{
    unsigned char pk[32];
    char *doc = signed_fixture(pk);
    char *p = strstr(doc, "\"n_episodes\":32");
    cr_assert_not_null(p);
    p[strlen("\"n_episodes\":3")] = '9';
    struct err e = ERR_INIT;
    cr_assert_eq(certificate_verify(doc, strlen(doc), pk, NULL, NULL, &e),
                 -1);
    cr_assert_eq(e.code, ERR_REFUSED);
    cr_assert_str_eq(e.field, "signature");
    cr_assert(strstr(e.message, "does not match"), "%s", e.message);
    free(doc);
}

/* Swap the public key for another valid key: the signature no longer
 * verifies. Check against another expected key: refused, naming it. */
Test(certificate, swapped_or_unexpected_public_key_fails)
{
    unsigned char pk[32], other_pk[32], other_sk[64];
    char *doc = signed_fixture(pk);
    crypto_sign_keypair(other_pk, other_sk);
    char *other64 = clinic_key_base64_encode(other_pk, 32);
    char *p = strstr(doc, NODE_PUBLIC_KEY);
    cr_assert_not_null(p);
    char *swapped = strdup(doc);
    memcpy(swapped + (p - doc), other64, strlen(other64));
    struct err e = ERR_INIT;
    /* The key id still names the signer's key. */
    cr_assert_eq(certificate_verify(swapped, strlen(swapped), NULL, NULL,
                                    NULL, &e), -1);
    cr_assert_str_eq(e.field, "signature.key_id");
    /* With the key id swapped too, the signature fails. */
    char other_id[CLINIC_KEY_ID_LEN];
    clinic_key_id(other_pk, other_id);
    char *q = strstr(swapped, NODE_KEY_ID);
    cr_assert_not_null(q);
    memcpy(q, other_id, 16);
    cr_assert_eq(certificate_verify(swapped, strlen(swapped), NULL, NULL,
                                    NULL, &e), -1);
    cr_assert_str_eq(e.field, "signature");
    cr_assert_eq(certificate_verify(doc, strlen(doc), other_pk, NULL, NULL,
                                    &e), -1);
    cr_assert_eq(e.code, ERR_REFUSED);
    cr_assert_str_eq(e.field, "public_key");
    /* Re-signed wholesale by another key: valid on its own, refused when
     * the clinic's key is expected. */
    json_t *claims = load(CLAIMS);
    char *forged = certificate_sign(claims, other_sk, &e);
    cr_assert_eq(certificate_verify(forged, strlen(forged), NULL, NULL, NULL,
                                    &e), 0);
    cr_assert_eq(certificate_verify(forged, strlen(forged), pk, NULL, NULL,
                                    &e), -1);
    cr_assert_str_eq(e.field, "public_key");
    free(forged);
    json_decref(claims);
    free(swapped);
    free(other64);
    free(doc);
}

/* Another certificate's signature, or any changed character of this one,
 * fails. */
Test(certificate, changed_signature_fails)
{
    unsigned char pk[32];
    char *doc = signed_fixture(pk);
    char *p = strstr(doc, NODE_SIGNATURE);
    cr_assert_not_null(p);
    size_t n = strlen(NODE_SIGNATURE);
    for (size_t i = 0; i < n; i++) {
        char saved = p[i];
        p[i] = saved == 'A' ? 'B' : 'A';
        struct err e = ERR_INIT;
        cr_assert_eq(certificate_verify(doc, strlen(doc), NULL, NULL, NULL,
                                        &e), -1, "signature char %zu", i);
        cr_assert(str_starts_with(e.field, "signature"), "%s", e.field);
        p[i] = saved;
    }
    /* The signature of the empty message (RFC 8032): well-formed, wrong. */
    unsigned char other[64];
    sodium_hex2bin(other, 64, rfc_empty_sig_hex, 128, NULL, NULL, NULL);
    char *other64 = clinic_key_base64_encode(other, 64);
    memcpy(p, other64, n);
    struct err e = ERR_INIT;
    cr_assert_eq(certificate_verify(doc, strlen(doc), NULL, NULL, NULL, &e),
                 -1);
    cr_assert_str_eq(e.field, "signature");
    free(other64);
    free(doc);
}

/* Replaces the first occurrence of from in doc by to; allocates. */
static char *replaced(const char *doc, const char *from, const char *to)
{
    const char *p = strstr(doc, from);
    cr_assert_not_null(p, "no '%s'", from);
    char *out = NULL;
    cr_assert(asprintf(&out, "%.*s%s%s", (int)(p - doc), doc, to,
                       p + strlen(from)) > 0);
    return out;
}

static void expect_refused(const char *doc, const char *field,
                           const char *words)
{
    struct err e = ERR_INIT;
    cr_assert_eq(certificate_verify(doc, strlen(doc), NULL, NULL, NULL, &e),
                 -1, "accepted: %s", doc);
    cr_assert_str_eq(e.field, field, "%s: %s", e.field, e.message);
    cr_assert(strstr(e.message, words), "%s: %s", e.field, e.message);
}

Test(certificate, malformed_documents_name_what_failed)
{
    unsigned char pk[32];
    char *doc = signed_fixture(pk);
    expect_refused("not json at all", "json", "not valid JSON");
    expect_refused("", "json", "not valid JSON");
    expect_refused("[1,2]", "certificate", "must be a JSON object");
    expect_refused("{\"signature\":{}}", "certificate", "missing");
    /* Each case: one edit of the signed document, and the field and the
     * words of the refusal. */
    const struct {
        const char *from, *to, *field, *words;
    } edits[] = {
        {"\"signature\":", "\"signatur\":", "signature", "missing"},
        {"\"alg\":\"Ed25519\"", "\"alg\":\"RS256\"", "signature.alg",
         "'RS256' is not supported"},
        {"\"alg\":\"Ed25519\",", "", "signature.alg", "missing"},
        {"\"value\":\"", "\"value\":\"!", "signature.value",
         "not valid base64"},
        {"\"public_key\":\"", "\"public_key\":\"AAAA", "signature.public_key",
         "decodes to 35 bytes"},
        {"\"value\":", "\"extra\":1,\"value\":", "signature",
         "unexpected member 'extra'"},
        {"{\"certificate\":", "{\"note\":\"x\",\"certificate\":", "certificate",
         "unexpected member 'note'"},
        /* A duplicated key could show a reader one value and the parser
         * another: refused outright. */
        {"{\"certificate\":", "{\"signature\":1,\"certificate\":", "json",
         "duplicate object key"},
        /* A missing claim is named, before the signature is even tried. */
        {"\"license\":\"LMT-000000\",", "", "certificate.practitioner.license",
         "missing"},
        {"\"designation\":\"reproducible\"", "\"designation\":\"superb\"",
         "certificate.designation", "not a designation"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(edits); i++) {
        char *d = replaced(doc, edits[i].from, edits[i].to);
        expect_refused(d, edits[i].field, edits[i].words);
        free(d);
    }
    /* The same values, but not as signed (pretty-printed): refused. */
    json_t *v = json_loads(doc, 0, NULL);
    char *pretty = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
    expect_refused(pretty, "certificate", "not written exactly as signed");
    free(pretty);
    json_decref(v);
    /* Too large to be a certificate. */
    size_t big = CERTIFICATE_MAX_BYTES + 1;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    struct err e = ERR_INIT;
    cr_assert_eq(certificate_verify(huge, big, NULL, NULL, NULL, &e), -1);
    cr_assert_str_eq(e.field, "certificate");
    free(huge);
    /* Not NUL-terminated input is read by length only. */
    size_t len = strlen(doc);
    char *copy = malloc(len);
    memcpy(copy, doc, len);
    cr_assert_eq(certificate_verify(copy, len, pk, NULL, NULL, &e), 0);
    free(copy);
    free(doc);
}

/* Each required claim, removed, is named by certificate_sign. */
Test(certificate, sign_checks_claims)
{
    unsigned char sk[64], pk[32];
    rfc_keys(sk, pk);
    const char *required[] = {"clinic", "practitioner", "protocol",
                              "instrument", "designation", "metrics",
                              "thresholds", "data_window", "data_sha256"};
    for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++) {
        json_t *claims = load(CLAIMS);
        json_object_del(claims, required[i]);
        struct err e = ERR_INIT;
        cr_assert_null(certificate_sign(claims, sk, &e));
        char field[64];
        snprintf(field, sizeof(field), "certificate.%s", required[i]);
        cr_assert_str_eq(e.field, field);
        json_decref(claims);
    }
    struct {
        const char *path, *json, *field;
    } bad[] = {
        {"practitioner", "{\"id\": 0, \"name\": \"A\", \"license\": \"L\"}",
         "certificate.practitioner.id"},
        {"practitioner", "{\"id\": 3, \"name\": \"  \", \"license\": \"L\"}",
         "certificate.practitioner.name"},
        {"metrics", "{}", "certificate.metrics"},
        {"thresholds", "[]", "certificate.thresholds"},
        {"thresholds", "[{\"criterion\": \"x\"}]", "certificate.thresholds[0]"},
        {"data_window", "{\"from\": \"2026-07-01\", \"to\": \"2026-06-30\"}",
         "certificate.data_window"},
        {"data_window", "{\"from\": \"2026-02-30\", \"to\": \"2026-06-30\"}",
         "certificate.data_window.from"},
        {"data_sha256", "\"abc\"", "certificate.data_sha256"},
        {"issued_at", "\"2026-06-30T12:00:00+02:00\"",
         "certificate.issued_at"},
        {"issued_at", "\"2026-06-30\"", "certificate.issued_at"},
        {"id", "\"Not An Id\"", "certificate.id"},
        {"format", "\"touchstone-certificate/2\"", "certificate.format"},
        {"protocol", "12", "certificate.protocol"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        json_t *claims = load(CLAIMS);
        json_object_set_new(claims, bad[i].path,
                            json_loads(bad[i].json, JSON_DECODE_ANY, NULL));
        struct err e = ERR_INIT;
        cr_assert_null(certificate_sign(claims, sk, &e), "%s", bad[i].json);
        cr_assert_str_eq(e.field, bad[i].field, "%s: %s", bad[i].json,
                         e.message);
        json_decref(claims);
    }
    /* Control characters anywhere: in a nested string, in a member name. */
    json_t *cc = load(CLAIMS);
    json_object_set_new(json_object_get(cc, "metrics"), "note",
                        json_string("line\nbreak"));
    struct err ce = ERR_INIT;
    cr_assert_null(certificate_sign(cc, sk, &ce));
    cr_assert_str_eq(ce.field, "certificate.metrics.note");
    json_object_del(json_object_get(cc, "metrics"), "note");
    json_array_append_new(json_object_get(json_object_get(cc, "metrics"),
                                          "responder_rate_ci"),
                          json_string("\x7f"));
    cr_assert_null(certificate_sign(cc, sk, &ce));
    cr_assert_str_eq(ce.field, "certificate.metrics.responder_rate_ci[2]");
    json_decref(cc);
    cc = load(CLAIMS);
    json_object_set_new(cc, "tab\there", json_true());
    cr_assert_null(certificate_sign(cc, sk, &ce));
    cr_assert_str_eq(ce.field, "certificate");
    cr_assert(strstr(ce.message, "member name"));
    json_decref(cc);
    /* A criterion not met: a certificate cannot claim it. */
    json_t *claims = load(CLAIMS);
    json_object_set_new(
        claims, "thresholds",
        json_loads("[{\"criterion\": \"sustained rate at least 0.6\","
                   " \"met\": false}]", 0, NULL));
    struct err e = ERR_INIT;
    cr_assert_null(certificate_sign(claims, sk, &e));
    cr_assert_eq(e.code, ERR_REFUSED);
    cr_assert(strstr(e.message, "is not met"));
    json_decref(claims);
    cr_assert_null(certificate_sign(NULL, sk, &e));
}

Test(certificate, damaged_secret_key_refused)
{
    unsigned char sk[64], pk[32];
    rfc_keys(sk, pk);
    sk[40] ^= 1; /* the public half no longer belongs to the seed */
    json_t *claims = load(CLAIMS);
    struct err e = ERR_INIT;
    cr_assert_null(certificate_sign(claims, sk, &e));
    cr_assert_str_eq(e.field, "key");
    json_decref(claims);
}

Test(certificate, new_ids_are_random_hex)
{
    char a[CERTIFICATE_ID_LEN], b[CERTIFICATE_ID_LEN];
    certificate_new_id(a);
    certificate_new_id(b);
    cr_assert_eq(strlen(a), 32);
    cr_assert_eq(strspn(a, "0123456789abcdef"), 32);
    cr_assert_str_neq(a, b);
}

/* --- the clinic's key files, on a real database in a temporary folder */

static char dir[64];

static char *in_dir(const char *name)
{
    char *p = NULL;
    cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

/* The clinic database and its key file in the test's folder (made by
 * make_dir, freed by remove_dir). */
static char *db, *key;

static void make_dir(void)
{
    test_dir_make(dir, sizeof(dir), "touchstone-key", NULL, 0);
    db = in_dir("clinic.db");
    key = clinic_key_path(db);
}

static void remove_dir(void)
{
    test_dir_remove(dir);
    free(key);
    free(db);
}

Test(clinic_key, init_creates_a_private_key_file_and_stores_the_public,
     .init = make_dir, .fini = remove_dir)
{
    cr_assert(str_starts_with(key, db) && !strcmp(key + strlen(db), ".key"));
    struct err e = ERR_INIT;
    mode_t old = umask(0);
    int rc = clinic_init(db, "Synthetic Test Clinic", &e);
    umask(old);
    cr_assert_eq(rc, 0, "%s", e.message);
    struct stat st;
    cr_assert_eq(lstat(key, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
    cr_assert_eq(st.st_size, 64);
    struct store *s;
    cr_assert_eq(store_open(db, STORE_EXISTING, &s, &e), 0);
    unsigned char pk[32], sk[64];
    cr_assert_eq(clinic_key_public(s, pk, &e), 0);
    cr_assert_eq(clinic_key_load_secret(s, sk, &e), 0, "%s", e.message);
    cr_assert_eq(memcmp(sk + 32, pk, 32), 0);
    /* The secret key is nowhere in the database file. */
    FILE *f = fopen(db, "rb");
    static unsigned char bytes[1 << 20];
    size_t n = fread(bytes, 1, sizeof(bytes), f);
    fclose(f);
    cr_assert_null(memmem(bytes, n, sk, 32));
    /* It signs certificates the stored public key verifies. */
    json_t *claims = load(CLAIMS);
    char *doc = certificate_sign(claims, sk, &e);
    cr_assert_eq(certificate_verify(doc, strlen(doc), pk, NULL, NULL, &e), 0);
    free(doc);
    json_decref(claims);
    /* A second pair is refused. */
    cr_assert_eq(clinic_key_create(s, pk, &e), -1);
    cr_assert_eq(e.code, ERR_CONFLICT);
    store_close(s);
}

Test(clinic_key, init_refuses_an_existing_key_file, .init = make_dir,
     .fini = remove_dir)
{
    FILE *f = fopen(key, "w");
    fputs("an old key", f);
    fclose(f);
    struct err e = ERR_INIT;
    cr_assert_eq(clinic_init(db, "Synthetic Test Clinic", &e), -1);
    cr_assert_eq(e.code, ERR_CONFLICT);
    cr_assert_str_eq(e.field, "key");
    cr_assert_eq(access(db, F_OK), -1, "a refused init left a database");
    char buf[32] = {0};
    f = fopen(key, "r");
    cr_assert_not_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    cr_assert_str_eq(buf, "an old key");
    /* The generator itself never overwrites either (O_EXCL). */
    unsigned char pk[32];
    cr_assert_eq(clinic_key_generate(key, pk, &e), -1);
    cr_assert_eq(e.code, ERR_CONFLICT);
}

Test(clinic_key, loading_refuses_bad_files, .init = make_dir,
     .fini = remove_dir)
{
    struct err e = ERR_INIT;
    cr_assert_eq(clinic_init(db, "Synthetic Test Clinic", &e), 0);
    struct store *s;
    cr_assert_eq(store_open(db, STORE_EXISTING, &s, &e), 0);
    unsigned char sk[64], good[64];
    cr_assert_eq(clinic_key_read_secret(key, good, &e), 0);

    /* Group or other permission bits. */
    const mode_t modes[] = {0640, 0604, 0644, 0660, 0620, 0602, 0601};
    for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
        chmod(key, modes[i]);
        cr_assert_eq(clinic_key_load_secret(s, sk, &e), -1, "%o", modes[i]);
        cr_assert_str_eq(e.field, "key");
        cr_assert(strstr(e.message, "chmod 600"), "%s", e.message);
    }
    chmod(key, 0400); /* owner read-only is fine */
    cr_assert_eq(clinic_key_load_secret(s, sk, &e), 0, "%s", e.message);
    chmod(key, 0600);

    /* Wrong size. */
    FILE *f = fopen(key, "ab");
    fputc('x', f);
    fclose(f);
    cr_assert_eq(clinic_key_load_secret(s, sk, &e), -1);
    cr_assert(strstr(e.message, "65 bytes"), "%s", e.message);
    cr_assert_eq(truncate(key, 63), 0);
    cr_assert_eq(clinic_key_load_secret(s, sk, &e), -1);
    cr_assert(strstr(e.message, "63 bytes"), "%s", e.message);

    /* A damaged pair. */
    unsigned char bad[64];
    memcpy(bad, good, 64);
    bad[0] ^= 1;
    f = fopen(key, "wb");
    fwrite(bad, 1, 64, f);
    fclose(f);
    cr_assert_eq(clinic_key_load_secret(s, sk, &e), -1);
    cr_assert(strstr(e.message, "damaged"), "%s", e.message);

    /* Another clinic's (whole, valid) key. */
    unsigned char other_pk[32], other_sk[64];
    crypto_sign_keypair(other_pk, other_sk);
    f = fopen(key, "wb");
    fwrite(other_sk, 1, 64, f);
    fclose(f);
    cr_assert_eq(clinic_key_load_secret(s, sk, &e), -1);
    cr_assert(strstr(e.message, "not this clinic's key"), "%s", e.message);

    /* A symbolic link, and no file at all. */
    unlink(key);
    char *target = in_dir("elsewhere");
    f = fopen(target, "wb");
    fwrite(good, 1, 64, f);
    fclose(f);
    chmod(target, 0600);
    cr_assert_eq(symlink(target, key), 0);
    cr_assert_eq(clinic_key_load_secret(s, sk, &e), -1);
    cr_assert(strstr(e.message, "symbolic link"), "%s", e.message);
    unlink(key);
    cr_assert_eq(clinic_key_load_secret(s, sk, &e), -1);
    cr_assert(strstr(e.message, "no signing key"), "%s", e.message);

    /* Restored as it was: accepted again. */
    f = fopen(key, "wb");
    fwrite(good, 1, 64, f);
    fclose(f);
    chmod(key, 0600);
    cr_assert_eq(clinic_key_load_secret(s, sk, &e), 0, "%s", e.message);
    store_close(s);
    free(target);
}

Test(clinic_key, base64_is_strict)
{
    unsigned char out[32];
    struct err e = ERR_INIT;
    cr_assert_eq(clinic_key_base64_decode(NODE_PUBLIC_KEY, out, 32, "k", &e),
                 0);
    unsigned char pk[32], sk[64];
    rfc_keys(sk, pk);
    cr_assert_eq(memcmp(out, pk, 32), 0);
    char text[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(pk, text);
    cr_assert_str_eq(text, NODE_PUBLIC_KEY);
    const char *bad[] = {"", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                         " 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
                         "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
                         "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
                         /* the last digit carries bits past the key */
                         "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURp=",
                         "AAAA"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        cr_assert_eq(clinic_key_base64_decode(bad[i], out, 32, "k", &e), -1,
                     "'%s'", bad[i]);
        cr_assert_str_eq(e.field, "k");
    }
    cr_assert_eq(clinic_key_base64_decode(NULL, out, 32, "k", &e), -1);
}

/* Rotation: the old public key moves to the history, the new one is the
 * current key and the key file's pair, old certificates still count as
 * the clinic's; a rotation from a key that is not the current one changes
 * nothing. */
Test(clinic_key, rotation_keeps_the_old_public_key, .init = make_dir,
     .fini = remove_dir)
{
    char *fresh = clinic_key_new_path(db);
    struct err e = ERR_INIT;
    cr_assert_eq(clinic_init(db, "Synthetic Test Clinic", &e), 0);
    struct store *s;
    cr_assert_eq(store_open(db, STORE_EXISTING, &s, &e), 0);
    unsigned char old_sk[64], new_pk[32], sk[64], pk[32];
    cr_assert_eq(clinic_key_load_secret(s, old_sk, &e), 0);
    json_t *claims = load(CLAIMS);
    char *old_doc = certificate_sign(claims, old_sk, &e);
    cr_assert_not_null(old_doc);

    /* From a key that is not the current one: refused, nothing changed. */
    unsigned char other_pk[32], other_sk[64];
    crypto_sign_keypair(other_pk, other_sk);
    cr_assert_eq(clinic_key_generate(fresh, new_pk, &e), 0);
    cr_assert_eq(clinic_key_rotate_commit(s, &actor_cli, other_pk, new_pk,
                                          fresh, &e), -1);
    cr_assert_eq(e.code, ERR_CONFLICT);
    cr_assert_eq(clinic_key_public(s, pk, &e), 0);
    cr_assert_eq(memcmp(pk, old_sk + 32, 32), 0);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM clinic_key_history"),
                 0);
    cr_assert_eq(access(fresh, F_OK), 0);

    cr_assert_eq(clinic_key_rotate_commit(s, &actor_cli, old_sk + 32, new_pk,
                                          fresh, &e), 0, "%s", e.message);
    cr_assert_eq(access(fresh, F_OK), -1, "the new key file stayed beside");
    cr_assert_eq(clinic_key_load_secret(s, sk, &e), 0, "%s", e.message);
    cr_assert_eq(memcmp(sk + 32, new_pk, 32), 0);
    struct stat st;
    cr_assert_eq(lstat(key, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600);

    const char *state;
    char retired[32];
    cr_assert_eq(clinic_key_known(s, new_pk, &state, retired,
                                  sizeof(retired), &e), 1);
    cr_assert_str_eq(state, "current");
    cr_assert_eq(clinic_key_known(s, old_sk + 32, &state, retired,
                                  sizeof(retired), &e), 1);
    cr_assert_str_eq(state, "retired");
    cr_assert_eq(strlen(retired), 20, "%s", retired);
    cr_assert_eq(clinic_key_known(s, other_pk, &state, NULL, 0, &e), 0);

    json_t *h = clinic_key_history_json(s, &e);
    cr_assert_eq(json_array_size(h), 2);
    char new_id[CLINIC_KEY_ID_LEN], old_id[CLINIC_KEY_ID_LEN];
    clinic_key_id(new_pk, new_id);
    clinic_key_id(old_sk + 32, old_id);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 0),
                                                       "key_id")), new_id);
    cr_assert(json_is_null(json_object_get(json_array_get(h, 0),
                                           "retired_at")));
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 1),
                                                       "key_id")), old_id);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 1),
                                                       "replaced_by")), new_id);
    json_decref(h);

    /* The old certificate still verifies with the old key it names. */
    unsigned char signer[32];
    cr_assert_eq(certificate_verify(old_doc, strlen(old_doc), NULL, NULL,
                                    signer, &e), 0);
    cr_assert_eq(memcmp(signer, old_sk + 32, 32), 0);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM audit WHERE "
                                    "action = 'rotate'"), 1);
    cr_assert_gt(audit_verify(s, &e), 0, "%s", e.message);
    sodium_memzero(old_sk, sizeof(old_sk));
    sodium_memzero(sk, sizeof(sk));
    free(old_doc);
    json_decref(claims);
    store_close(s);
    free(fresh);
}
