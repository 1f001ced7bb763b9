/* Unit tests of libcrypto's SHA-256 loaded when first used
 * (core/crypto_dl.h): FIPS 180-2's test vectors, and the same digest as
 * libsodium's on a buffer of a few megabytes. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto_dl.h"
#include "outcomes/signing.h"

static void hex(const unsigned char d[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[64] = '\0';
}

Test(crypto_dl, the_fips_vectors)
{
    unsigned char d[32];
    char h[65];
    cr_assert_eq(crypto_dl_sha256("abc", 3, d), 0);
    hex(d, h);
    cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
                        "b00361a396177a9cb410ff61f20015ad");
    cr_assert_eq(crypto_dl_sha256("", 0, d), 0);
    hex(d, h);
    cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb924"
                        "27ae41e4649b934ca495991b7852b855");
    size_t n = 1000000;
    char *a = malloc(n);
    cr_assert_not_null(a);
    memset(a, 'a', n);
    cr_assert_eq(crypto_dl_sha256(a, n, d), 0);
    hex(d, h);
    cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67"
                        "f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

Test(crypto_dl, the_same_digest_as_libsodium)
{
    size_t n = 3 * 1024 * 1024 + 17;
    unsigned char *data = malloc(n);
    cr_assert_not_null(data);
    unsigned x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)(x >> 16);
    }
    for (size_t len = 0; len <= n; len = len * 3 + 1) {
        unsigned char d[32];
        char ours[65], sodium[SIGNING_SHA256_HEX_LEN];
        cr_assert_eq(crypto_dl_sha256(data, len, d), 0);
        hex(d, ours);
        signing_sha256_hex(data, len, sodium);
        cr_assert_str_eq(ours, sodium, "at %zu bytes", len);
    }
    free(data);
}
