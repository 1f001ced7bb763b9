#include "core/crypto_dl.h"
#include "core/dynlib.h"

#include <openssl/evp.h>

#define CRYPTO_FUNCTIONS(X) \
    X(EVP_Digest)           \
    X(EVP_sha256)

static struct { CRYPTO_FUNCTIONS(DYNLIB_POINTER) } fns;
#define CRYPTO_SYMBOL(name) DYNLIB_SYMBOL(fns, name)
static const struct dynlib_symbol symbols[] = {CRYPTO_FUNCTIONS(CRYPTO_SYMBOL)};
static struct dynlib libcrypto =
    DYNLIB_INIT("libcrypto.so.3", "libssl3", symbols);

int crypto_dl_sha256(const void *data, size_t len, unsigned char digest[32])
{
    struct err e = ERR_INIT;
    if (dynlib_load(&libcrypto, &e) < 0)
        return -1;
    unsigned int n = 0;
    if (!fns.EVP_Digest(data, len, digest, &n, fns.EVP_sha256(), NULL) ||
        n != 32)
        return -1;
    return 0;
}
