/*
 * ingest: a clinic's push (POST /registry/v1/push, docs/registry.md),
 * checked and applied in one transaction.
 *
 * The body {"batch": BATCH, "signature": BASE64} is read strictly (every
 * member of every row present and of its kind, nothing else; each failure
 * names the member: "batch.rows[3].age: must be an integer from 0 to
 * 90"). Then, in one transaction holding the clinic's row locked: the
 * clinic is known, the signature verifies (Ed25519, the clinic's enrolled
 * key, over the canonical JSON of BATCH: outcomes/signing.h; when the
 * body arrives as canonical JSON, as `touchstone push` sends it, over
 * BATCH's bytes as received, with no second encoding), the clinic
 * is approved, and seq is last_seq + 1. The rows are copied (COPY) into a
 * temporary staging table, and merged: upserted by clinic, episode and
 * instrument (a row that moved protocol replaces the old one; that delete
 * is skipped when the clinic holds no row between the batch's least and
 * greatest episode, as on a first push),
 * practitioner refs mapped to registry practitioners (by NPI or licence
 * when given, else a pseudonym of the clinic), retractions deleted, the
 * batch recorded and the clinic's seq and digest advanced. Any refusal or
 * failure rolls everything back: the registry is unchanged.
 */
#ifndef TS_REGISTRY_INGEST_H
#define TS_REGISTRY_INGEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "outcomes/signing.h"
#include "registry/pg.h"

/* Past this many rows (and retractions) a batch is refused. */
#define REGISTRY_BATCH_MAX_ROWS 100000

/* What a push came to. */
struct registry_push_result {
    int status;  /* HTTP status: 200, 400, 401, 403, 409 or 500 */
    int64_t clinic;
    int64_t seq;
    long rows;
    long retracted;
    /* With 409: the clinic's last accepted seq and its digest ("" when
     * none was accepted yet). */
    int64_t last_seq;
    char last_digest[SIGNING_SHA256_HEX_LEN];
};

/*
 * A push body, read and checked (no database): the fields of BATCH, the
 * COPY data of its rows (binary, the staging table's columns in order), its
 * practitioners and retractions, and the signature's bytes. Ownership:
 * registry_push_read() fills it (allocating); registry_push_release()
 * frees it.
 */
struct registry_push_practitioner {
    const char *ref;     /* borrowed from body or text */
    const char *npi;     /* or NULL */
    const char *license; /* or NULL */
};
struct registry_push_retraction {
    const char *episode; /* borrowed from body or text */
    const char *instrument;
};
struct registry_push {
    json_t *body; /* owned; NULL when the body was read as canonical JSON */
    char *text;   /* owned: then the batch's bytes, strings cut in place */
    int64_t clinic;
    int64_t seq;
    struct registry_push_practitioner *practitioners;
    size_t practitioner_count;
    struct registry_push_retraction *retractions;
    size_t retraction_count;
    size_t row_count;
    char *copy;    /* the rows in COPY's binary format */
    size_t copy_len;
    /* BATCH's bytes as sent, borrowed from the body read, when the body is
     * canonical JSON (the signature is verified over them); else NULL. */
    const char *sent;
    size_t sent_len;
    /* Of the bytes the signature verified over, once verified. */
    char digest[SIGNING_SHA256_HEX_LEN];
    char *canonical; /* BATCH's canonical JSON when not sent as such */
    size_t canonical_len;
    unsigned char signature[SIGNING_SIGNATURE_BYTES];
};

/* Reads a push body of len bytes: 0, or -1 with e (ERR_INPUT, field the
 * member at fault). */
int registry_push_read(const char *body, size_t len, struct registry_push *p,
                       struct err *e);
void registry_push_release(struct registry_push *p);

/*
 * Reads and applies a push body. Returns 0 when committed (out->status
 * 200), else -1 with e and out->status: 400 malformed (ERR_INPUT), 401
 * a signature that does not verify (ERR_AUTH, field "signature"), 403 an
 * unknown, pending or suspended clinic (ERR_REFUSED, field "clinic"), 409
 * a replayed or out-of-order seq (ERR_CONFLICT, field "seq", with
 * last_seq and last_digest), 500 a database failure (ERR_FAIL).
 */
int registry_ingest_push(struct pg *db, const char *body, size_t len,
                         struct registry_push_result *out, struct err *e);

#endif
