/* Canonical JSON, SHA-256 and Ed25519 (libsodium). See signing.h. */
#include "outcomes/signing.h"
#include "core/util.h"
#include "record/clinic_key.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void need_sodium(void)
{
    if (sodium_init() < 0)
        die("libsodium failed to initialise");
}

char *signing_canonical_json(const json_t *value, size_t *len)
{
    if (!value)
        return NULL;
    char *text = json_dumps(value, SIGNING_CANONICAL_FLAGS);
    if (!text)
        return NULL;
    if (len)
        *len = strlen(text);
    return text;
}

void signing_sha256_hex(const void *data, size_t len,
                        char out[SIGNING_SHA256_HEX_LEN])
{
    need_sodium();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(out, SIGNING_SHA256_HEX_LEN, digest, sizeof(digest));
}

int signing_sha256_hex_json(const json_t *value,
                            char out[SIGNING_SHA256_HEX_LEN])
{
    size_t len;
    char *text = signing_canonical_json(value, &len);
    if (!text)
        return -1;
    signing_sha256_hex(text, len, out);
    free(text);
    return 0;
}

int signing_is_sha256_hex(const char *s)
{
    if (!s || strlen(s) != SIGNING_SHA256_HEX_LEN - 1)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

void signing_sign(const void *msg, size_t len,
                  const unsigned char sk[SIGNING_SECRET_BYTES],
                  unsigned char sig[SIGNING_SIGNATURE_BYTES])
{
    need_sodium();
    crypto_sign_detached(sig, NULL, msg, len, sk);
}

json_t *signing_envelope(json_t *value, const char *member,
                         const unsigned char sk[SIGNING_SECRET_BYTES])
{
    size_t len;
    char *canonical = signing_canonical_json(value, &len);
    if (!canonical) {
        json_decref(value);
        return NULL;
    }
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    signing_sign(canonical, len, sk, sig);
    free(canonical);
    char *sig64 = clinic_key_base64_encode(sig, sizeof(sig));
    json_t *doc = json_pack("{s:o,s:s}", member, value, "signature", sig64);
    free(sig64);
    return doc;
}

int signing_verify(const void *msg, size_t len,
                   const unsigned char sig[SIGNING_SIGNATURE_BYTES],
                   const unsigned char pk[SIGNING_PUBLIC_BYTES])
{
    need_sodium();
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}
