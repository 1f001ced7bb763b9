/*
 * crypto_dl: OpenSSL's libcrypto loaded when first used (core/dynlib.h),
 * for the one thing taken from it: SHA-256 with the CPU's SHA
 * instructions, for the registry's batch digests. libcrypto is not
 * linked: relocating it costs about a millisecond of every process's
 * start, and most commands never digest anything large.
 */
#ifndef TS_CORE_CRYPTO_DL_H
#define TS_CORE_CRYPTO_DL_H

#include <stddef.h>

/* SHA-256 of len bytes of data into digest, by libcrypto (loaded at the
 * first call, once per process). 0, or -1 when libcrypto cannot be loaded
 * or fails (digest then undefined): the caller computes it another way.
 * Allocates nothing. */
int crypto_dl_sha256(const void *data, size_t len, unsigned char digest[32]);

#endif
