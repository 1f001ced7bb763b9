/*
 * clinic_key_change: a clinic's key rotation announced to the registry
 * (touchstone key rotate; docs/certificates.md).
 *
 * The request is the canonical JSON of
 *   {"change": {"format": "touchstone-clinic-key-change/1", "clinic",
 *               "old_key_id", "old_public_key", "new_key_id",
 *               "new_public_key", "at"},
 *    "old_signature", "new_signature"}
 * where both signatures are Ed25519 over the canonical bytes of "change",
 * one by the clinic's old key (the one the registry holds), one by the new
 * key (which proves the clinic holds it). The registry appends the
 * request's canonical bytes as a leaf of kind "clinic-key" to its
 * transparency log, keeps the old key in registry_clinic_key and makes the
 * new key the clinic's: batches and certificate requests signed with the
 * old key are refused from then on.
 */
#ifndef TS_REGISTRY_CLINIC_KEY_CHANGE_H
#define TS_REGISTRY_CLINIC_KEY_CHANGE_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "outcomes/signing.h"
#include "registry/api.h"
#include "registry/log.h"
#include "registry/pg.h"
#include "web/http.h"

#define CLINIC_KEY_CHANGE_FORMAT "touchstone-clinic-key-change/1"

/* The signed request for clinic (the registry's id of it) moving from the
 * key old_sk to new_sk at instant at: its canonical bytes. Allocates; the
 * caller frees. */
char *clinic_key_change_build(int64_t clinic,
                              const unsigned char old_sk[SIGNING_SECRET_BYTES],
                              const unsigned char new_sk[SIGNING_SECRET_BYTES],
                              const char *at, size_t *len);

/* A change read and checked (both signatures, each key's id). */
struct clinic_key_change {
    int64_t clinic;
    unsigned char old_pk[SIGNING_PUBLIC_BYTES];
    unsigned char new_pk[SIGNING_PUBLIC_BYTES];
    char old_public_key[48], new_public_key[48];
    char *leaf; /* the canonical bytes, allocated */
    size_t leaf_len;
};

/*
 * Reads a request (len bytes of text) into out: ERR_INPUT naming the
 * member for a malformed one (unknown members, a wrong format, a key that
 * is not base64 of 32 bytes, a key id that is not its key's, the same key
 * twice), ERR_AUTH "old_signature" / "new_signature" for a signature that
 * does not verify. On success out->leaf is allocated
 * (clinic_key_change_release frees it).
 */
int clinic_key_change_read(const char *text, size_t len,
                           struct clinic_key_change *out, struct err *e);
void clinic_key_change_release(struct clinic_key_change *c);

/*
 * Applies a checked change in one transaction: the clinic's enrolled key
 * must be the old key (else ERR_AUTH: an old change replayed, or a request
 * not signed by the clinic's key; *status 401), the new key no clinic's,
 * past or present (ERR_CONFLICT, 409); then appends the leaf, keeps the
 * old key in registry_clinic_key, makes the new key the clinic's and signs
 * a new tree head with signer. Gives the leaf's index. A change made
 * already (the clinic's key is its new key, its old key retired by this
 * clinic) gives the same index with *already 1 and changes nothing, so a
 * clinic that lost the answer may ask again. Nothing changes on a refusal.
 */
int clinic_key_change_apply(struct pg *db, const struct registry_signer *signer,
                            const struct clinic_key_change *c, uint64_t *index,
                            int *already, int *status, struct err *e);

/*
 * The reason a request of clinic signed with sig over bytes (len) is
 * refused when it does not verify with the clinic's enrolled key, written
 * into message (size n): when one of the keys the clinic retired verifies
 * it, says so with the day it was retired (a copy of the clinic's database
 * from before its key change), else "does not verify with the clinic's
 * enrolled key". A failure to read the retired keys gives the second.
 * Allocates nothing.
 */
void clinic_key_refusal(struct pg *db, int64_t clinic, const void *bytes,
                        size_t len,
                        const unsigned char sig[SIGNING_SIGNATURE_BYTES],
                        char *message, size_t n);

/* POST /registry/v1/clinics/key: 200 {"clinic", "key_id", "leaf_index",
 * "already"} or an error document. */
registry_route clinic_key_change_api;

#endif
