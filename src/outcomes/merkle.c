/* The transparency log's Merkle tree (RFC 9162 section 2.1). See merkle.h. */
#include "outcomes/merkle.h"
#include "core/util.h"

#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#define H MERKLE_HASH_BYTES

static void need_sodium(void)
{
    if (sodium_init() < 0)
        die("libsodium failed to initialise");
}

void merkle_leaf_hash(const void *leaf, size_t len, unsigned char out[H])
{
    need_sodium();
    static const unsigned char prefix = 0x00;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    if (len)
        crypto_hash_sha256_update(&st, leaf, len);
    crypto_hash_sha256_final(&st, out);
}

void merkle_node_hash(const unsigned char left[H],
                      const unsigned char right[H], unsigned char out[H])
{
    need_sodium();
    unsigned char in[1 + 2 * H];
    in[0] = 0x01;
    memcpy(in + 1, left, H);
    memcpy(in + 1 + H, right, H);
    crypto_hash_sha256(out, in, sizeof(in));
}

/* The largest power of two smaller than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k < n - k)
        k <<= 1;
    return k;
}

/* MTH of n >= 1 leaf hashes (section 2.1.1); recursion depth <= 64. */
static void subtree_root(const unsigned char *leaves, uint64_t n,
                         unsigned char out[H])
{
    if (n == 1) {
        memcpy(out, leaves, H);
        return;
    }
    uint64_t k = split_point(n);
    unsigned char left[H], right[H];
    subtree_root(leaves, k, left);
    subtree_root(leaves + k * H, n - k, right);
    merkle_node_hash(left, right, out);
}

void merkle_root(const unsigned char *leaf_hashes, uint64_t n,
                 unsigned char out[H])
{
    if (n == 0) {
        need_sodium();
        crypto_hash_sha256(out, (const unsigned char *)"", 0);
        return;
    }
    subtree_root(leaf_hashes, n, out);
}

size_t merkle_inclusion_length(uint64_t m, uint64_t n)
{
    if (m >= n)
        return 0;
    size_t len = 0;
    while (n > 1) {
        uint64_t k = split_point(n);
        if (m < k) {
            n = k;
        } else {
            m -= k;
            n -= k;
        }
        len++;
    }
    return len;
}

size_t merkle_consistency_length(uint64_t m, uint64_t n)
{
    if (m == 0 || m > n)
        return 0;
    size_t len = 0;
    int whole = 1; /* SUBPROOF's b: still on the tree's left edge */
    while (m != n) {
        uint64_t k = split_point(n);
        if (m <= k) {
            n = k;
        } else {
            m -= k;
            n -= k;
            whole = 0;
        }
        len++;
    }
    return whole ? len : len + 1;
}

/* The subtree hashes of a tree held in memory (ctx: its leaf hashes), as
 * a merkle_node_fn gives them: the proofs below are those of the
 * node-callback trees, over an array. */
/* 0 when m names a leaf of a tree of size n; else -1 with e (leaf_index). */
static int check_leaf_index(uint64_t m, uint64_t n, struct err *e)
{
    if (m >= n)
        return err_set(e, ERR_INPUT, "leaf_index",
                       "%" PRIu64 " is not below the tree size %" PRIu64, m,
                       n);
    return 0;
}

/* 0 when a consistency proof from size m to size n exists (0 < m <= n);
 * else -1 with e (first). */
static int check_consistency_sizes(uint64_t m, uint64_t n, struct err *e)
{
    if (m == 0)
        return err_set(e, ERR_INPUT, "first",
                       "0: an empty tree has no consistency proof");
    if (m > n)
        return err_set(e, ERR_INPUT, "first",
                       "%" PRIu64 " is above the second tree size %" PRIu64,
                       m, n);
    return 0;
}

static int array_node(void *ctx, unsigned level, uint64_t index,
                      unsigned char out[H], struct err *e)
{
    (void)e;
    uint64_t size = UINT64_C(1) << level;
    subtree_root((const unsigned char *)ctx + index * size * H, size, out);
    return 0;
}

int merkle_inclusion_proof(const unsigned char *leaf_hashes, uint64_t n,
                           uint64_t m, struct merkle_path *out,
                           struct err *e)
{
    return merkle_nodes_inclusion(array_node, (void *)leaf_hashes, n, m, out,
                                  e);
}

/* One step of the walk that checks an audit or consistency path (RFC 9162
 * 2.1.3.2 step 4, 2.1.4.2 step 6), on the node numbers fn and sn: returns 1
 * when the path's next hash stands to the left of the running hash (fn odd
 * or fn == sn; then fn and sn go up until fn is odd or 0), 0 when it stands
 * to the right; fn and sn then go up one level either way. */
static int path_step(uint64_t *fn, uint64_t *sn)
{
    int left = (*fn & 1) || *fn == *sn;
    if (left)
        while (!(*fn & 1) && *fn != 0) {
            *fn >>= 1;
            *sn >>= 1;
        }
    *fn >>= 1;
    *sn >>= 1;
    return left;
}

int merkle_inclusion_root(const unsigned char leaf_hash[H], uint64_t m,
                          uint64_t n, const unsigned char *path, size_t count,
                          unsigned char root[H], struct err *e)
{
    /* Step 1. */
    if (check_leaf_index(m, n, e) < 0)
        return -1;
    size_t want = merkle_inclusion_length(m, n);
    if (count != want)
        return err_set(e, ERR_INPUT, "audit_path",
                       "%zu hashes, but leaf %" PRIu64 " of a tree of size "
                       "%" PRIu64 " has an audit path of %zu",
                       count, m, n, want);
    /* Steps 2 and 3. */
    uint64_t fn = m, sn = n - 1;
    unsigned char r[H];
    memcpy(r, leaf_hash, H);
    /* Step 4. */
    for (size_t i = 0; i < count; i++) {
        const unsigned char *p = path + i * H;
        if (sn == 0)
            return err_set(e, ERR_INPUT, "audit_path", "too many hashes");
        if (path_step(&fn, &sn))
            merkle_node_hash(p, r, r);
        else
            merkle_node_hash(r, p, r);
    }
    /* Step 5, first half. */
    if (sn != 0)
        return err_set(e, ERR_INPUT, "audit_path", "too few hashes");
    memcpy(root, r, H);
    return 0;
}

int merkle_inclusion_verify(const unsigned char leaf_hash[H], uint64_t m,
                            uint64_t n, const unsigned char *path,
                            size_t count, const unsigned char root_hash[H],
                            struct err *e)
{
    unsigned char r[H];
    if (merkle_inclusion_root(leaf_hash, m, n, path, count, r, e) < 0)
        return -1;
    if (memcmp(r, root_hash, H) != 0)
        return err_set(e, ERR_CONFLICT, "root_hash",
                       "the audit path of leaf %" PRIu64 " does not lead to "
                       "this root hash of a tree of size %" PRIu64,
                       m, n);
    return 0;
}

int merkle_consistency_proof(const unsigned char *leaf_hashes, uint64_t n,
                             uint64_t m, struct merkle_path *out,
                             struct err *e)
{
    return merkle_nodes_consistency(array_node, (void *)leaf_hashes, n, m,
                                    out, e);
}

int merkle_consistency_verify(uint64_t m, uint64_t n,
                              const unsigned char first_hash[H],
                              const unsigned char second_hash[H],
                              const unsigned char *path, size_t count,
                              struct err *e)
{
    if (check_consistency_sizes(m, n, e) < 0)
        return -1;
    size_t want = merkle_consistency_length(m, n);
    if (count != want)
        return err_set(e, ERR_INPUT, "consistency_path",
                       "%zu hashes, but the proof from size %" PRIu64
                       " to size %" PRIu64 " has %zu",
                       count, m, n, want);
    if (m == n) {
        if (memcmp(first_hash, second_hash, H) != 0)
            return err_set(e, ERR_CONFLICT, "second_hash",
                           "two different root hashes for the same tree "
                           "size %" PRIu64, n);
        return 0;
    }
    /* Step 1 cannot fail here: m < n gives at least one hash. Step 2:
     * when m is an exact power of two, the list starts with first_hash. */
    int lead = (m & (m - 1)) == 0;
    size_t total = count + (size_t)lead;
#define ITEM(j) (lead ? ((j) == 0 ? first_hash : path + ((j) - 1) * H) \
                      : path + (j) * H)
    /* Step 3. */
    uint64_t fn = m - 1, sn = n - 1;
    /* Step 4. */
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    /* Step 5. */
    unsigned char fr[H], sr[H];
    memcpy(fr, ITEM(0), H);
    memcpy(sr, ITEM(0), H);
    /* Step 6. */
    for (size_t j = 1; j < total; j++) {
        const unsigned char *c = ITEM(j);
        if (sn == 0)
            return err_set(e, ERR_INPUT, "consistency_path",
                           "too many hashes");
        if (path_step(&fn, &sn)) {
            merkle_node_hash(c, fr, fr);
            merkle_node_hash(c, sr, sr);
        } else {
            merkle_node_hash(sr, c, sr);
        }
    }
#undef ITEM
    /* Step 7. */
    if (sn != 0)
        return err_set(e, ERR_INPUT, "consistency_path", "too few hashes");
    if (memcmp(fr, first_hash, H) != 0)
        return err_set(e, ERR_CONFLICT, "first_hash",
                       "the consistency path does not lead to this root "
                       "hash of the tree of size %" PRIu64, m);
    if (memcmp(sr, second_hash, H) != 0)
        return err_set(e, ERR_CONFLICT, "second_hash",
                       "the consistency path does not lead to this root "
                       "hash of the tree of size %" PRIu64, n);
    return 0;
}

/* Trees read through a node callback. */

int merkle_nodes_range(merkle_node_fn node, void *ctx, uint64_t start,
                       uint64_t size, unsigned char out[H], struct err *e)
{
    if (size == 0)
        BUG("merkle: an empty range");
    if ((size & (size - 1)) == 0 && start % size == 0) {
        unsigned level = 0;
        while ((UINT64_C(1) << level) < size)
            level++;
        return node(ctx, level, start >> level, out, e);
    }
    uint64_t k = split_point(size);
    unsigned char left[H], right[H];
    if (merkle_nodes_range(node, ctx, start, k, left, e) < 0 ||
        merkle_nodes_range(node, ctx, start + k, size - k, right, e) < 0)
        return -1;
    merkle_node_hash(left, right, out);
    return 0;
}

int merkle_nodes_root(merkle_node_fn node, void *ctx, uint64_t n,
                      unsigned char out[H], struct err *e)
{
    if (n == 0) {
        merkle_root(NULL, 0, out);
        return 0;
    }
    return merkle_nodes_range(node, ctx, 0, n, out, e);
}

/* One step down the tree of n leaves from start, towards leaf m (or, with
 * left_when_equal, the end of the subtree of m leaves): the hash of the
 * subtree on the other side into hash, and start, n and m moved into the
 * side of m. Returns 0 when it went left, 1 right, or -1 with e. */
static int nodes_step(merkle_node_fn node, void *ctx, uint64_t *start,
                      uint64_t *n, uint64_t *m, int left_when_equal,
                      unsigned char hash[H], struct err *e)
{
    uint64_t k = split_point(*n);
    if (*m < k || (left_when_equal && *m == k)) {
        int rc = merkle_nodes_range(node, ctx, *start + k, *n - k, hash, e);
        *n = k;
        return rc < 0 ? -1 : 0;
    }
    int rc = merkle_nodes_range(node, ctx, *start, k, hash, e);
    *start += k;
    *m -= k;
    *n -= k;
    return rc < 0 ? -1 : 1;
}

/* The two paths the nodes give. */
enum path_kind { PATH_AUDIT, PATH_CONSISTENCY };

/* Starts the path of kind for sizes m and n (leaf m of n, or from size m
 * to n): refuses sizes it cannot have (-1 with e, out empty), else sets
 * out->count and *left to its length (to be filled from its end). */
static int path_start(struct merkle_path *out, enum path_kind kind,
                      uint64_t m, uint64_t n, size_t *left, struct err *e)
{
    out->count = 0;
    if ((kind == PATH_AUDIT ? check_leaf_index(m, n, e)
                            : check_consistency_sizes(m, n, e)) < 0)
        return -1;
    *left = kind == PATH_AUDIT ? merkle_inclusion_length(m, n)
                               : merkle_consistency_length(m, n);
    out->count = *left;
    return 0;
}

/* Ends the path: rc < 0 (its sizes refused or a node not read) leaves it
 * empty and returns -1; else every one of its hashes must have been
 * filled (left is 0). */
static int path_end(struct merkle_path *out, enum path_kind kind, int rc,
                    size_t left)
{
    if (rc < 0) {
        out->count = 0;
        return -1;
    }
    if (left != 0)
        BUG("merkle: %s path of the wrong length",
            kind == PATH_AUDIT ? "audit" : "consistency");
    return 0;
}

int merkle_nodes_inclusion(merkle_node_fn node, void *ctx, uint64_t n,
                           uint64_t m, struct merkle_path *out,
                           struct err *e)
{
    size_t i = 0;
    uint64_t start = 0;
    int rc = path_start(out, PATH_AUDIT, m, n, &i, e);
    while (rc >= 0 && n > 1)
        rc = nodes_step(node, ctx, &start, &n, &m, 0, out->hash[--i], e);
    return path_end(out, PATH_AUDIT, rc, i);
}

int merkle_nodes_consistency(merkle_node_fn node, void *ctx, uint64_t n,
                             uint64_t m, struct merkle_path *out,
                             struct err *e)
{
    size_t i = 0;
    uint64_t start = 0;
    int whole = 1, rc = path_start(out, PATH_CONSISTENCY, m, n, &i, e);
    while (rc >= 0 && m != n) {
        rc = nodes_step(node, ctx, &start, &n, &m, 1, out->hash[--i], e);
        if (rc == 1)
            whole = 0;
    }
    if (rc >= 0 && !whole)
        rc = merkle_nodes_range(node, ctx, start, n, out->hash[--i], e);
    return path_end(out, PATH_CONSISTENCY, rc, i);
}

unsigned merkle_frontier_append(struct merkle_frontier *f,
                                const unsigned char leaf_hash[H],
                                unsigned char (*made)[H])
{
    if (f->size == UINT64_MAX)
        BUG("merkle: the frontier is full");
    unsigned char h[H];
    memcpy(h, leaf_hash, H);
    unsigned level = 0;
    if (made)
        memcpy(made[0], h, H);
    while (f->size & (UINT64_C(1) << level)) {
        merkle_node_hash(f->hash[level], h, h);
        level++;
        if (made)
            memcpy(made[level], h, H);
    }
    memcpy(f->hash[level], h, H);
    f->size++;
    return level + 1;
}

void merkle_frontier_root(const struct merkle_frontier *f,
                          unsigned char out[H])
{
    if (f->size == 0) {
        merkle_root(NULL, 0, out);
        return;
    }
    /* MTH of 2^a + 2^b + ... (a > b > ...) leaves is H(T_a, H(T_b, ...)):
     * fold the right edge from its smallest subtree up. */
    int have = 0;
    unsigned char r[H];
    for (unsigned l = 0; l < 64; l++) {
        if (!(f->size & (UINT64_C(1) << l)))
            continue;
        if (!have)
            memcpy(r, f->hash[l], H);
        else
            merkle_node_hash(f->hash[l], r, r);
        have = 1;
    }
    memcpy(out, r, H);
}
