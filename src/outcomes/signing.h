/*
 * signing: canonical JSON, SHA-256 and Ed25519 for certificates and the
 * data they rest on (libsodium; docs/certificates.md).
 *
 * Canonical JSON is what jansson's json_dumps() writes with the flags
 * JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17):
 *  - object keys sorted by byte-wise comparison of their UTF-8 bytes;
 *  - no white space at all (`{"a":[1,2],"b":"x"}`);
 *  - strings as UTF-8, escaping only `"` `\` and control characters below
 *    0x20 (\b \f \n \r \t, others as \u00XX with uppercase hex); `/` and
 *    non-ASCII characters are written as they are;
 *  - integers in plain decimal; reals as C's "%.17g" (enough digits to
 *    round-trip any double), with ".0" added when that shows neither "."
 *    nor "e", and the exponent written without "+" or leading zeros
 *    (1e+20 -> "1e20", 1e-05 -> "1e-5");
 *  - true, false, null as such.
 * The same value always gives the same bytes, whatever the spacing or key
 * order of the text it was read from.
 */
#ifndef TS_OUTCOMES_SIGNING_H
#define TS_OUTCOMES_SIGNING_H

#include <jansson.h>
#include <stddef.h>

#define SIGNING_SHA256_HEX_LEN 65 /* 64 lowercase hex digits + NUL */
#define SIGNING_SIGNATURE_BYTES 64
#define SIGNING_PUBLIC_BYTES 32
#define SIGNING_SECRET_BYTES 64

/* The flags that make json_dumps() canonical (see above). */
#define SIGNING_CANONICAL_FLAGS                                               \
    (JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))

/* The canonical bytes of value, NUL-terminated, their length (without the
 * NUL) in *len when len is not NULL. Allocates (malloc); the caller frees.
 * NULL when jansson cannot encode the value (a string that is not UTF-8);
 * out of memory dies. */
char *signing_canonical_json(const json_t *value, size_t *len);

/* SHA-256 of len bytes, written as 64 lowercase hex digits. */
void signing_sha256_hex(const void *data, size_t len,
                        char out[SIGNING_SHA256_HEX_LEN]);

/* SHA-256 of the canonical bytes of value (the de-identified summaries a
 * certificate rests on, for example). -1 when it cannot be encoded. */
int signing_sha256_hex_json(const json_t *value,
                            char out[SIGNING_SHA256_HEX_LEN]);

/* 1 when s is exactly 64 lowercase hex digits (a SHA-256 as written). */
int signing_is_sha256_hex(const char *s);

/* Ed25519 detached signature of len bytes with a libsodium secret key. */
void signing_sign(const void *msg, size_t len,
                  const unsigned char sk[SIGNING_SECRET_BYTES],
                  unsigned char sig[SIGNING_SIGNATURE_BYTES]);

/* The signed envelope {member: value, "signature": the base64 of the
 * Ed25519 signature by sk of value's canonical JSON}. Takes value's
 * reference. New reference, or NULL (value released) when value cannot be
 * written as canonical JSON. */
json_t *signing_envelope(json_t *value, const char *member,
                         const unsigned char sk[SIGNING_SECRET_BYTES]);

/* 1 when sig is a valid Ed25519 signature of the len bytes by pk, else 0
 * (also for a public key that is not a valid point). */
int signing_verify(const void *msg, size_t len,
                   const unsigned char sig[SIGNING_SIGNATURE_BYTES],
                   const unsigned char pk[SIGNING_PUBLIC_BYTES]);

#endif
