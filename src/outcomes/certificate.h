/*
 * certificate: a signed, verifiable statement of a therapist's designation
 * in one cell (therapist x protocol x instrument), checkable by anyone with
 * the clinic's public key and without an account (docs/certificates.md).
 *
 * A certificate is a JSON document with exactly two members:
 *
 *   {"certificate": {...claims...},
 *    "signature": {"alg": "Ed25519", "public_key": "<base64, 32 bytes>",
 *                  "value": "<base64, 64 bytes>"}}
 *
 * where value is the Ed25519 signature of the canonical bytes of the
 * "certificate" object (outcomes/signing.h). Base64 is the standard
 * alphabet with padding. certificate_sign() writes the whole document in
 * canonical form on one line, so the signed bytes appear in the file
 * exactly; certificate_verify() insists that they do.
 *
 * The claims ("certificate" object) must hold at least (other members are
 * allowed, and signed like the rest):
 *   format        "touchstone-certificate/1"
 *   id            the certificate's id: 1-64 of [a-z0-9-]
 *   issued_at     an instant "YYYY-MM-DDTHH:MM:SSZ"
 *   clinic        {"name": text}
 *   practitioner  {"id": integer > 0, "name": text, "license": text}
 *   protocol      text (the catalog protocol id)
 *   instrument    text (the catalog instrument id)
 *   designation   "reproducible" or "advanced"
 *   metrics       a non-empty object (n, responder rate and its CI, ...)
 *   thresholds    a non-empty array of objects, each with "criterion"
 *                 (text) and "met": true (a certificate states only the
 *                 criteria met; any other members, e.g. the bar and the
 *                 observed value, are free)
 *   data_window   {"from": date, "to": date}, from <= to
 *   data_sha256   64 lowercase hex digits: SHA-256 of the canonical bytes
 *                 of the de-identified episode summaries behind the claims
 *                 (signing_sha256_hex_json)
 * "text" means a non-blank string of at most 200 bytes. No string or
 * member name anywhere in the claims may hold a control character
 * (U+0000-U+001F, U+007F): the canonical bytes then escape nothing but
 * `"` and `\`, exactly as JSON.stringify() or Python's json.dumps(...,
 * ensure_ascii=False) write strings, so other implementations reproduce
 * them easily.
 */
#ifndef TS_OUTCOMES_CERTIFICATE_H
#define TS_OUTCOMES_CERTIFICATE_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "outcomes/signing.h"

#define CERTIFICATE_FORMAT "touchstone-certificate/1"
#define CERTIFICATE_ALG "Ed25519"
#define CERTIFICATE_MAX_BYTES (1024 * 1024) /* a larger file is refused */
#define CERTIFICATE_ID_LEN 33               /* 32 hex digits + NUL */

/* Writes a new random certificate id: 32 lowercase hex digits (128 bits
 * from libsodium's randombytes). */
void certificate_new_id(char out[CERTIFICATE_ID_LEN]);

/* Checks that claims hold every member above with the right shape. -1 with
 * e naming the member ("certificate.practitioner.license") when not:
 * ERR_INPUT, or ERR_REFUSED for a threshold that is not met. */
int certificate_check_claims(const json_t *claims, struct err *e);

/*
 * Signs the claims with the clinic's secret key (libsodium's 64 bytes, as
 * clinic_key_load_secret() gives it) and returns the certificate document:
 * one line of canonical JSON ending in "\n". The claims are not changed: a
 * copy is signed, to which "format", "id" (certificate_new_id) and
 * "issued_at" (now, clock_now()) are added when absent. The copy must then
 * pass certificate_check_claims(). The signature is checked against the
 * key's own public half before returning (a damaged key gives ERR_FAIL,
 * field "key"). Allocates; the caller frees the text with free(). NULL
 * with e filled on failure.
 */
char *certificate_sign(const json_t *claims,
                       const unsigned char sk[SIGNING_SECRET_BYTES],
                       struct err *e);

/*
 * Verifies a certificate document of len bytes (it need not be
 * NUL-terminated). It is valid when it is JSON (without duplicate keys)
 * holding exactly "certificate" and "signature"; the signature holds
 * exactly "alg" = "Ed25519", "public_key" (base64 of 32 bytes) and "value"
 * (base64 of 64 bytes); the claims pass certificate_check_claims(); the
 * signature verifies over the canonical bytes of the claims; those bytes
 * appear in the text exactly as signed; and, when expected_pk is not NULL,
 * the document's public key is expected_pk.
 *
 * Returns 0 when valid: then *claims_out (when not NULL) is a new
 * reference to the claims object (the caller json_decref()s it) and
 * signer_pk (when not NULL) receives the document's public key. Returns -1
 * when not, with e naming what failed: field "json" (not JSON, with line
 * and column), "certificate" (too large, missing members, not canonical),
 * "certificate.<member>" (a claim), "signature", "signature.alg",
 * "signature.public_key", "signature.value" (missing or malformed, or
 * "signature" alone when it does not verify: ERR_REFUSED), "public_key"
 * (differs from expected_pk: ERR_REFUSED). Other failures are ERR_INPUT.
 */
int certificate_verify(const char *text, size_t len,
                       const unsigned char *expected_pk, json_t **claims_out,
                       unsigned char *signer_pk, struct err *e);

#endif
