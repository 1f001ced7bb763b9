/*
 * log: the registry's transparency log (RFC 9162, Certificate
 * Transparency version 2.0; docs/certificates.md), kept in PostgreSQL.
 *
 * Leaves are appended in order to registry_log_leaf (kind "certificate",
 * "revocation" or "key"; the leaf's bytes and its leaf hash SHA-256(0x00
 * || leaf)). Each append also writes, in registry_log_node, the hash of
 * every complete subtree the new leaf completes (level l, index i: leaves
 * i * 2^l .. (i + 1) * 2^l - 1), reading one left sibling per level. A
 * root or a proof then reads O(log n) of those rows (outcomes/merkle.h,
 * merkle_nodes_*), never the leaves: a log of millions of leaves answers
 * as fast as a small one.
 *
 * One writer at a time: registry_log_append() takes a PostgreSQL
 * transaction-level advisory lock, held until the caller's transaction
 * ends, so the leaf, its nodes, whatever the caller writes with it (the
 * certificate) and the signed tree head commit or vanish together.
 *
 * A signed tree head (STH) is the JSON object
 *   {"tree_size", "timestamp" (milliseconds since 1970), "root_hash"
 *    (base64), "key_id", "signature" (base64)}
 * whose signature is Ed25519, by the registry key key_id, over the
 * canonical bytes (outcomes/signing.h) of the same object without
 * "signature".
 *
 * Errors fill a struct err and return -1 (NULL).
 */
#ifndef TS_REGISTRY_LOG_H
#define TS_REGISTRY_LOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "outcomes/merkle.h"
#include "outcomes/signing.h"
#include "registry/pg.h"

#define REGISTRY_KEY_ID_LEN 17 /* 16 hex digits + NUL */
#define REGISTRY_LOG_ENTRIES_MAX 256 /* entries in one get-entries answer */

/* A key id: the first 16 hex digits of SHA-256 of the public key. */
void registry_key_id(const unsigned char pk[SIGNING_PUBLIC_BYTES],
                     char out[REGISTRY_KEY_ID_LEN]);

/* The registry's signing key: libsodium's secret key (its last 32 bytes
 * are the public key), the public key in base64 and its id. */
struct registry_signer {
    unsigned char sk[SIGNING_SECRET_BYTES];
    unsigned char pk[SIGNING_PUBLIC_BYTES];
    char public_key[48];
    char key_id[REGISTRY_KEY_ID_LEN];
};

/* Fills the public half and the id of s from s->sk. */
void registry_signer_init(struct registry_signer *s);

/* Checks that the signer's key is the registry's current key
 * (registry_key, not retired): ERR_REFUSED, field "key", otherwise. */
int registry_signer_check(struct pg *db, const struct registry_signer *s,
                          struct err *e);

/* The log's size (the number of leaves). Reads only. */
int registry_log_size(struct pg *db, uint64_t *size, struct err *e);

/* Inside the caller's transaction: takes the log's lock, appends the len
 * bytes of leaf as the next leaf of kind, with its subtrees, and gives
 * its index. */
int registry_log_append(struct pg *db, const char *kind, const void *leaf,
                        size_t len, uint64_t *index, struct err *e);

/* Inside the caller's transaction, after appends: signs the tree head of
 * the log's current size with signer and stores it. Returns the STH (new
 * reference). */
json_t *registry_log_sign_head(struct pg *db,
                               const struct registry_signer *signer,
                               struct err *e);

/* The STH of tree_size (0: the latest), new reference; ERR_NOT_FOUND
 * (field "tree_size") when there is none. */
json_t *registry_log_head(struct pg *db, uint64_t tree_size, struct err *e);

/* The root hash of the first n leaves. */
int registry_log_root(struct pg *db, uint64_t n,
                      unsigned char out[MERKLE_HASH_BYTES], struct err *e);

/* The audit path of leaf m in the tree of the first n leaves, and the
 * consistency proof from size m to size n (merkle.h's errors; n above
 * the log's size: ERR_INPUT "tree_size" / "second"). */
int registry_log_inclusion(struct pg *db, uint64_t n, uint64_t m,
                           struct merkle_path *out, struct err *e);
int registry_log_consistency(struct pg *db, uint64_t n, uint64_t m,
                             struct merkle_path *out, struct err *e);

/* Leaves start .. end - 1 (at most REGISTRY_LOG_ENTRIES_MAX; end beyond
 * the log is cut to it): [{"leaf_index", "kind", "leaf" (base64)}]. */
json_t *registry_log_entries(struct pg *db, uint64_t start, uint64_t end,
                             struct err *e);

/* A JSON array of base64 hashes, for a path. New reference. */
json_t *registry_log_path_json(const struct merkle_path *p);

/* The Ed25519 signature check of an STH object (as above) with pk: 0, or
 * -1 with e (ERR_INPUT naming the member, or ERR_REFUSED "signature").
 * Fills size and root when not NULL. */
int registry_sth_verify(const json_t *sth,
                        const unsigned char pk[SIGNING_PUBLIC_BYTES],
                        uint64_t *size, unsigned char *root, struct err *e);

#endif
