/*
 * token: the secret part of a link sent to a patient or a physician
 * (docs/patient-reported.md). A token is never stored. It is derived when
 * a message or a printed sheet is written:
 *
 *   token = base64url(BLAKE2b-256(key = K, "touchstone-link-v1" 0x00
 *                                  purpose 0x00 nonce))
 *
 * with nonce 16 random bytes kept (as 32 hex digits) in the link's row and
 * K the first 32 bytes (the seed) of the clinic's secret key, the file
 * beside the database (record/clinic_key.h): the database alone cannot
 * make a link. What the database keeps is token_hash = SHA-256(token) as
 * 64 hex digits; a presented token is hashed and looked up.
 *
 * base64url is RFC 4648 section 5 without padding: 43 characters.
 * Allocates nothing; secret bytes handled here are wiped.
 */
#ifndef TS_PROM_TOKEN_H
#define TS_PROM_TOKEN_H

#include "core/err.h"

#define TOKEN_NONCE_HEX_LEN 33 /* 32 hex digits + NUL */
#define TOKEN_TEXT_LEN 44      /* 43 base64url characters + NUL */
#define TOKEN_HASH_HEX_LEN 65  /* 64 hex digits + NUL */
#define TOKEN_SECRET_BYTES 64  /* a clinic secret key */

/* 16 fresh random bytes (libsodium randombytes_buf) as 32 lowercase hex
 * digits. */
void token_nonce_new(char out[TOKEN_NONCE_HEX_LEN]);

/* The token of a nonce for a purpose ("invitation", "report") under the
 * clinic's secret key. ERR_INPUT (field "nonce") when nonce is not 32 hex
 * digits. */
int token_derive(const unsigned char sk[TOKEN_SECRET_BYTES],
                 const char *purpose, const char *nonce,
                 char out[TOKEN_TEXT_LEN], struct err *e);

/* SHA-256 of the token's text, as 64 lowercase hex digits. */
void token_hash(const char *token, char out[TOKEN_HASH_HEX_LEN]);

/* 1 when text has a token's form (exactly 43 base64url characters). A
 * page checks this before any lookup, so that junk never reaches SQL. */
int token_well_formed(const char *text);

#endif
