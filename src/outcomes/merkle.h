/*
 * merkle: the Merkle tree of the transparency log, as RFC 9162 (Certificate
 * Transparency version 2.0) section 2.1 defines it, with SHA-256
 * (libsodium). Pure functions: no database, no I/O, no allocation.
 *
 *  - leaf hash:  SHA-256(0x00 || leaf bytes)
 *  - node hash:  SHA-256(0x01 || left || right)
 *  - MTH of n leaves (the root hash): SHA-256 of nothing for n = 0, the
 *    leaf hash for n = 1, else the node hash of the MTH of the first k
 *    leaves and the MTH of the other n - k, where k is the largest power
 *    of two smaller than n (section 2.1.1).
 *  - inclusion proof (audit path) of leaf m in a tree of size n: the
 *    hashes section 2.1.3.1 lists, from the leaf's sibling up to the
 *    root's child; verified with section 2.1.3.2's algorithm.
 *  - consistency proof between the tree of the first m leaves and that of
 *    the first n: section 2.1.4.1's list, verified with 2.1.4.2's.
 *
 * Hashes are MERKLE_HASH_BYTES raw bytes. A list of hashes (the leaves'
 * hashes, a path) is one array of count * MERKLE_HASH_BYTES bytes, hash i
 * at byte i * MERKLE_HASH_BYTES. The caller keeps the leaves and their
 * hashes; proofs are written into a struct merkle_path the caller owns.
 *
 * Errors fill a struct err and return -1:
 *  - ERR_INPUT for a question that has no answer: a leaf index not below
 *    the tree size ("leaf_index"), a first size of 0 or above the second
 *    ("first"), a path of the wrong number of hashes ("audit_path",
 *    "consistency_path");
 *  - ERR_CONFLICT when a well-formed proof does not lead to the hashes it
 *    should: the leaf, the path or the tree head differs ("root_hash",
 *    "first_hash", "second_hash").
 */
#ifndef TS_OUTCOMES_MERKLE_H
#define TS_OUTCOMES_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define MERKLE_HASH_BYTES 32
/* The longest proof for any tree size that fits in 64 bits: an audit path
 * has at most 64 hashes, a consistency path at most 65. */
#define MERKLE_PATH_MAX 65

/* A proof: count hashes, in RFC 9162 order. Plain data (about 2 KiB). */
struct merkle_path {
    size_t count;
    unsigned char hash[MERKLE_PATH_MAX][MERKLE_HASH_BYTES];
};

/* SHA-256(0x00 || the len bytes of leaf) into out. */
void merkle_leaf_hash(const void *leaf, size_t len,
                      unsigned char out[MERKLE_HASH_BYTES]);

/* SHA-256(0x01 || left || right) into out (out may be left or right). */
void merkle_node_hash(const unsigned char left[MERKLE_HASH_BYTES],
                      const unsigned char right[MERKLE_HASH_BYTES],
                      unsigned char out[MERKLE_HASH_BYTES]);

/* The root hash (MTH) of the n leaf hashes at leaf_hashes (n *
 * MERKLE_HASH_BYTES bytes; NULL allowed when n is 0) into out: SHA-256 of
 * the empty string for n = 0. Takes n - 1 node hashes. */
void merkle_root(const unsigned char *leaf_hashes, uint64_t n,
                 unsigned char out[MERKLE_HASH_BYTES]);

/* The number of hashes in the audit path of leaf m of a tree of size n
 * (m < n), and in the consistency proof from size m to size n
 * (0 < m <= n). 0 for arguments out of range. */
size_t merkle_inclusion_length(uint64_t m, uint64_t n);
size_t merkle_consistency_length(uint64_t m, uint64_t n);

/* The audit path of leaf m in the tree of the n leaf hashes at
 * leaf_hashes, in section 2.1.3.1's order, into *out. -1 ("leaf_index")
 * when m >= n. Takes about n node hashes. */
int merkle_inclusion_proof(const unsigned char *leaf_hashes, uint64_t n,
                           uint64_t m, struct merkle_path *out,
                           struct err *e);

/* The root hash that the audit path (count hashes at path) gives for the
 * leaf hash leaf_hash at index m of a tree of size n, into root (section
 * 2.1.3.2, steps 1 to 4). -1 for m >= n ("leaf_index") or a path of the
 * wrong length ("audit_path"). */
int merkle_inclusion_root(const unsigned char leaf_hash[MERKLE_HASH_BYTES],
                          uint64_t m, uint64_t n, const unsigned char *path,
                          size_t count,
                          unsigned char root[MERKLE_HASH_BYTES],
                          struct err *e);

/* 0 when the audit path proves that leaf_hash is leaf m of the tree of
 * size n whose root hash is root_hash (section 2.1.3.2); else -1, with
 * merkle_inclusion_root()'s errors or ERR_CONFLICT "root_hash". */
int merkle_inclusion_verify(const unsigned char leaf_hash[MERKLE_HASH_BYTES],
                            uint64_t m, uint64_t n, const unsigned char *path,
                            size_t count,
                            const unsigned char root_hash[MERKLE_HASH_BYTES],
                            struct err *e);

/* The consistency proof from the tree of the first m of the n leaf hashes
 * at leaf_hashes to the tree of all n, in section 2.1.4.1's order, into
 * *out (no hashes when m = n). -1 ("first") when m is 0 or above n. Takes
 * about n node hashes. */
int merkle_consistency_proof(const unsigned char *leaf_hashes, uint64_t n,
                             uint64_t m, struct merkle_path *out,
                             struct err *e);

/* 0 when the consistency path proves that the tree of size m with root
 * hash first_hash is the beginning of the tree of size n with root hash
 * second_hash (section 2.1.4.2; for m = n, an empty path and equal
 * hashes); else -1: ERR_INPUT "first" (m is 0 or above n),
 * "consistency_path" (the wrong number of hashes), or ERR_CONFLICT
 * "first_hash" or "second_hash" (the hash the path gives differs). */
int merkle_consistency_verify(uint64_t m, uint64_t n,
                              const unsigned char first_hash[MERKLE_HASH_BYTES],
                              const unsigned char second_hash[MERKLE_HASH_BYTES],
                              const unsigned char *path, size_t count,
                              struct err *e);

/*
 * Trees too large to hold in memory (the registry's log): the same root
 * and proofs computed from the hashes of the tree's complete subtrees,
 * read through a callback. The subtree at level l and index i covers the
 * leaves i * 2^l .. (i + 1) * 2^l - 1 (level 0: the leaf hashes). Every
 * subtree the computations ask for is complete and lies inside the tree,
 * and each asks O(log² n) of them at most (usually O(log n)).
 *
 * node(ctx, level, index, out, e) writes that subtree's hash into out and
 * returns 0, or -1 with e filled (its error is passed on).
 */
typedef int (*merkle_node_fn)(void *ctx, unsigned level, uint64_t index,
                              unsigned char out[MERKLE_HASH_BYTES],
                              struct err *e);

/* The MTH of the leaves start .. start + size - 1 (size >= 1), into out. */
int merkle_nodes_range(merkle_node_fn node, void *ctx, uint64_t start,
                       uint64_t size, unsigned char out[MERKLE_HASH_BYTES],
                       struct err *e);

/* merkle_root, merkle_inclusion_proof and merkle_consistency_proof for a
 * tree of size n whose subtrees node gives; the same answers and errors. */
int merkle_nodes_root(merkle_node_fn node, void *ctx, uint64_t n,
                      unsigned char out[MERKLE_HASH_BYTES], struct err *e);
int merkle_nodes_inclusion(merkle_node_fn node, void *ctx, uint64_t n,
                           uint64_t m, struct merkle_path *out,
                           struct err *e);
int merkle_nodes_consistency(merkle_node_fn node, void *ctx, uint64_t n,
                             uint64_t m, struct merkle_path *out,
                             struct err *e);

/*
 * The right edge of a tree ("frontier"): for each bit l set in size, the
 * hash of the complete subtree of 2^l leaves that the bit stands for
 * (hash[l]). Enough to append leaves and give the root without the
 * leaves: a monitor keeps it between runs. Plain data; zero it to start
 * an empty tree.
 */
struct merkle_frontier {
    uint64_t size;
    unsigned char hash[64][MERKLE_HASH_BYTES];
};

/* Appends a leaf by its leaf hash. When made is not NULL, it receives the
 * complete subtrees the leaf completes, from level 0 up: made[l] is the
 * subtree at level l and index (old size >> l); returns how many (1 +
 * the number of trailing 1 bits of the old size). */
unsigned merkle_frontier_append(struct merkle_frontier *f,
                                const unsigned char leaf_hash[MERKLE_HASH_BYTES],
                                unsigned char (*made)[MERKLE_HASH_BYTES]);

/* The root hash (MTH) of the frontier's tree, into out. */
void merkle_frontier_root(const struct merkle_frontier *f,
                          unsigned char out[MERKLE_HASH_BYTES]);

#endif
