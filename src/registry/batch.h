/*
 * batch: the clinic's side of the profession's registry (docs/registry.md),
 * in the clinic's SQLite file (migration 10):
 *
 *   - the one registry the clinic enrolled with (registry_link), with the
 *     registry's public key pinned at enrolment;
 *   - the de-identified rows that cross the wire, one per episode x
 *     instrument, read from the clinic's episode summaries through the
 *     record's access-checked, audited reads (as the clinic's admin), with
 *     the Safe Harbor transforms of documents/deid.h;
 *   - stable random pseudonyms for episodes and practitioners
 *     (registry_pseudonym), drawn once and kept;
 *   - each batch, signed with the clinic's key, written whole to
 *     registry_outbound in the transaction that decides its rows, before
 *     it is sent; what was acknowledged per row (registry_pushed);
 *   - the last national document pulled (registry_national), kept only
 *     after its signature verified with the pinned key.
 *
 * No network here: client.h moves the bytes. Nothing prints.
 */
#ifndef TS_REGISTRY_BATCH_H
#define TS_REGISTRY_BATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"
#include "outcomes/signing.h"
#include "record/actor.h"
#include "record/clinic_key.h"
#include "store/store.h"

#define REGISTRY_URL_MAX 512
#define REGISTRY_STATUS_MAX 32
/* Rows (and retractions) in one batch at most: a big first push goes in
 * several batches, each acknowledged before the next is built. 10,000
 * rows are about 6 MiB of JSON, under the push's body cap
 * (HTTP_PUSH_BODY_CAP, 32 MiB). */
#define REGISTRY_BATCH_ROWS 10000

/* The registry the clinic enrolled with. No owned memory. */
struct registry_link {
    char url[REGISTRY_URL_MAX + 1]; /* base URL, no trailing "/" */
    int64_t clinic_id;              /* the registry's id of this clinic */
    char status[REGISTRY_STATUS_MAX + 1]; /* pending, approved, ... */
    char public_key[CLINIC_KEY_PUBLIC_BASE64_LEN]; /* pinned, base64 */
    char enrolled_at[CLOCK_INSTANT_LEN];
};

/* Fills *out with the clinic's link. ERR_NOT_FOUND (field "registry",
 * "not enrolled with a registry: run 'touchstone registry enroll --url
 * URL'") when there is none. */
int registry_link_get(struct store *s, struct registry_link *out,
                      struct err *e);

/*
 * Records the link after an enrolment answer, admin only (ERR_AUTH),
 * audited ("update", "registry_link"), in one transaction. A first
 * enrolment stores everything; enrolling again with the same URL keeps the
 * pinned key, refusing (ERR_CONFLICT, field "registry_public_key") an
 * answer whose key differs, and updates the id and status. A link to
 * another URL is refused (ERR_CONFLICT, field "url"): a clinic pushes to
 * one registry.
 */
int registry_link_save(struct store *s, const struct actor *caller,
                       const struct registry_link *link, struct err *e);

/* Records the status the registry last gave (after a push answered). */
int registry_link_set_status(struct store *s, const char *status,
                             struct err *e);

/*
 * The clinic's rows as they would cross the wire, without their
 * pseudonyms (given at registry_batch_build). registry_rows_read() reads
 * every patient, episode and episode outcome through the record's and the
 * outcome report's functions as caller, who must be an admin (ERR_AUTH),
 * so that every read is checked and audited. It allocates *out;
 * registry_rows_free() frees it (NULL is fine).
 */
struct registry_rows;
int registry_rows_read(struct store *s, const struct actor *caller,
                       struct registry_rows **out, struct err *e);
/* How many rows (episode x instrument). */
size_t registry_rows_count(const struct registry_rows *r);
void registry_rows_free(struct registry_rows *r);

/* One batch as stored in registry_outbound. body is owned (malloc). */
struct registry_outbound {
    int64_t seq;
    char *body; /* the exact bytes POSTed: {"batch":...,"signature":...} */
    size_t len;
    char digest[SIGNING_SHA256_HEX_LEN]; /* of the batch's canonical JSON */
    int64_t rows;      /* rows in the batch */
    int64_t retracted; /* retractions in the batch */
    int64_t remaining; /* at build: rows and retractions still to send,
                        * this batch's included */
};

/* Frees the body and clears o. */
void registry_outbound_release(struct registry_outbound *o);

/* The oldest batch not yet acknowledged, into *out: 1 when there is one
 * (out->body allocated), 0 when none (out cleared), -1 on failure. */
int registry_outbound_pending(struct store *s, struct registry_outbound *out,
                              struct err *e);

/*
 * Decides and writes the next batch, in one transaction: the rows whose
 * SHA-256 (of the canonical JSON of the row with its practitioner entry,
 * so that a change of consent sends the rows again) differs from
 * registry_pushed, and a retraction for each row pushed that the clinic no
 * longer has, at most max_rows of them together; the practitioners those
 * rows name (npi, or license when there is no NPI, only with consent).
 * Draws the pseudonyms still missing. The batch {"format": 1, "clinic",
 * "seq", "practitioners", "rows", "retract"} is signed with sk over its
 * canonical JSON and stored in registry_outbound with its digest, audited
 * ("create", "registry_batch", seq). Refuses (ERR_CONFLICT, field "seq")
 * while a batch is not acknowledged: send that one first. Returns 1 with
 * *out filled (body allocated), 0 when there is nothing to send, -1 on
 * failure (nothing written).
 */
int registry_batch_build(struct store *s, const struct actor *caller,
                         const struct registry_rows *rows, int64_t clinic_id,
                         const unsigned char sk[CLINIC_KEY_SECRET_BYTES],
                         size_t max_rows, struct registry_outbound *out,
                         struct err *e);

/*
 * Marks batch seq acknowledged and, in the same transaction, records in
 * registry_pushed the digest of each of its rows and forgets its retracted
 * rows (audited "update", "registry_batch", seq). A batch acknowledged
 * already is left as it is. ERR_NOT_FOUND (field "seq") for no such batch.
 */
int registry_batch_acknowledge(struct store *s, const struct actor *caller,
                               int64_t seq, struct err *e);

/*
 * Checks a national answer {"document": REPORT, "signature": BASE64}
 * (ERR_INPUT naming the member when malformed) against the pinned key
 * (base64): the signature must verify over the canonical JSON of the
 * document (ERR_REFUSED, field "signature", when it does not). Then stores
 * the document's canonical JSON and the signature in registry_national,
 * replacing the one before, audited ("update", "registry_national").
 */
int registry_national_store(struct store *s, const struct actor *caller,
                            const json_t *answer, const char *pinned_key,
                            struct err *e);

/* The document is read back by outcomes/national.h national_load(). */

#endif
