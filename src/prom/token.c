#include "prom/token.h"

#include <sodium.h>
#include <string.h>

static const char token_domain[] = "touchstone-link-v1";

void token_nonce_new(char out[TOKEN_NONCE_HEX_LEN])
{
    unsigned char nonce[16];
    randombytes_buf(nonce, sizeof(nonce));
    sodium_bin2hex(out, TOKEN_NONCE_HEX_LEN, nonce, sizeof(nonce));
}

int token_derive(const unsigned char sk[TOKEN_SECRET_BYTES],
                 const char *purpose, const char *nonce,
                 char out[TOKEN_TEXT_LEN], struct err *e)
{
    unsigned char raw[16];
    size_t raw_len = 0;
    if (!nonce || strlen(nonce) != 32 ||
        sodium_hex2bin(raw, sizeof(raw), nonce, 32, NULL, &raw_len, NULL) ||
        raw_len != sizeof(raw))
        return err_set(e, ERR_INPUT, "nonce", "must be 32 hex digits");
    crypto_generichash_state st;
    unsigned char digest[32];
    const unsigned char zero = 0;
    crypto_generichash_init(&st, sk, 32, sizeof(digest));
    crypto_generichash_update(&st, (const unsigned char *)token_domain,
                              sizeof(token_domain) - 1);
    crypto_generichash_update(&st, &zero, 1);
    crypto_generichash_update(&st, (const unsigned char *)purpose,
                              strlen(purpose));
    crypto_generichash_update(&st, &zero, 1);
    crypto_generichash_update(&st, raw, sizeof(raw));
    crypto_generichash_final(&st, digest, sizeof(digest));
    sodium_memzero(&st, sizeof(st));
    sodium_bin2base64(out, TOKEN_TEXT_LEN, digest, sizeof(digest),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(digest, sizeof(digest));
    return 0;
}

void token_hash(const char *token, char out[TOKEN_HASH_HEX_LEN])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, TOKEN_HASH_HEX_LEN, digest, sizeof(digest));
}

int token_well_formed(const char *text)
{
    if (!text || strlen(text) != TOKEN_TEXT_LEN - 1)
        return 0;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}
