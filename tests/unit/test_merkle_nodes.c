/*
 * Unit tests for the Merkle tree read through its complete subtrees
 * (outcomes/merkle.h: merkle_nodes_*, merkle_frontier_*), as the
 * registry's log computes its roots and proofs.
 *
 * Independent expected values: the roots of the eight leaves of RFC 9162's
 * usual test vectors (merkle_vectors.h, shared with test_merkle.c; computed
 * with Python 3 hashlib from the RFC's recursive definitions). The larger
 * comparisons are with the in-memory functions (merkle_root, ...), which
 * test_merkle.c and tests/e2e/t0990-merkle.sh check against Python.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outcomes/merkle.h"
#include "merkle_vectors.h"

#define HB MERKLE_HASH_BYTES

/* A store of complete subtrees, as the log's table keeps them, filled
 * only through merkle_frontier_append's "made" output. */
#define MAX_LEAVES 1100
struct nodes {
    unsigned char hash[12][MAX_LEAVES][HB];
    unsigned char have[12][MAX_LEAVES];
    uint64_t size;  /* leaves appended */
    long reads;     /* node lookups */
};

static int node_get(void *ctx, unsigned level, uint64_t index,
                    unsigned char out[HB], struct err *e)
{
    struct nodes *t = ctx;
    t->reads++;
    cr_assert_lt(level, 12);
    cr_assert_lt(index, MAX_LEAVES);
    /* A subtree asked for must be complete and inside the tree. */
    cr_assert_leq((index + 1) << level, t->size, "level %u index %lu", level,
                  (unsigned long)index);
    if (!t->have[level][index])
        return err_set(e, ERR_FAIL, "node", "missing");
    memcpy(out, t->hash[level][index], HB);
    return 0;
}

static void append(struct nodes *t, struct merkle_frontier *f,
                   const unsigned char leaf_hash[HB])
{
    unsigned char made[65][HB];
    uint64_t index = f->size;
    unsigned count = merkle_frontier_append(f, leaf_hash, made);
    for (unsigned l = 0; l < count; l++) {
        memcpy(t->hash[l][index >> l], made[l], HB);
        t->have[l][index >> l] = 1;
    }
    t->size = f->size;
}

static void synthetic_hash(size_t i, unsigned char out[HB])
{
    char leaf[32];
    int len = snprintf(leaf, sizeof(leaf), "synthetic leaf %zu", i);
    merkle_leaf_hash(leaf, (size_t)len, out);
}

Test(merkle_nodes, frontier_roots_match_the_vectors)
{
    struct merkle_frontier f;
    memset(&f, 0, sizeof(f));
    unsigned char root[HB], want[HB];
    merkle_frontier_root(&f, root);
    /* SHA-256 of the empty string. */
    sodium_hex2bin(want, HB,
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
                   "7852b855", 64, NULL, NULL, NULL);
    cr_assert_arr_eq(root, want, HB);
    for (size_t i = 0; i < 8; i++) {
        unsigned char leaf[16], h[HB];
        size_t len = 0;
        sodium_hex2bin(leaf, sizeof(leaf), LEAVES_HEX[i],
                       strlen(LEAVES_HEX[i]), NULL, &len, NULL);
        merkle_leaf_hash(leaf, len, h);
        merkle_frontier_append(&f, h, NULL);
        merkle_frontier_root(&f, root);
        sodium_hex2bin(want, HB, ROOTS_HEX[i], 64, NULL, NULL, NULL);
        cr_assert_arr_eq(root, want, HB, "size %zu", i + 1);
    }
}

static void check_size(struct nodes *t, const unsigned char *hashes,
                       uint64_t n)
{
    struct err e = ERR_INIT;
    unsigned char a[HB], b[HB];
    merkle_root(hashes, n, a);
    cr_assert_eq(merkle_nodes_root(node_get, t, n, b, &e), 0, "%s",
                 e.message);
    cr_assert_arr_eq(a, b, HB, "root of size %lu", (unsigned long)n);
    static struct merkle_path p, q;
    uint64_t step = n > 64 ? n / 17 + 1 : 1;
    for (uint64_t m = 0; m < n; m += step) {
        cr_assert_eq(merkle_inclusion_proof(hashes, n, m, &p, &e), 0);
        cr_assert_eq(merkle_nodes_inclusion(node_get, t, n, m, &q, &e), 0);
        cr_assert_eq(p.count, q.count);
        cr_assert_arr_eq(p.hash, q.hash, p.count * HB,
                         "audit path %lu of %lu", (unsigned long)m,
                         (unsigned long)n);
        cr_assert_eq(merkle_consistency_proof(hashes, n, m + 1, &p, &e), 0);
        cr_assert_eq(merkle_nodes_consistency(node_get, t, n, m + 1, &q, &e),
                     0);
        cr_assert_eq(p.count, q.count);
        cr_assert_arr_eq(p.hash, q.hash, p.count * HB,
                         "consistency %lu to %lu", (unsigned long)(m + 1),
                         (unsigned long)n);
    }
}

Test(merkle_nodes, same_roots_and_proofs_as_in_memory)
{
    static struct nodes t;
    memset(&t, 0, sizeof(t));
    struct merkle_frontier f;
    memset(&f, 0, sizeof(f));
    unsigned char *hashes = malloc((size_t)MAX_LEAVES * HB);
    for (uint64_t n = 1; n <= 1030; n++) {
        synthetic_hash(n - 1, hashes + (n - 1) * HB);
        append(&t, &f, hashes + (n - 1) * HB);
        unsigned char a[HB], b[HB];
        merkle_frontier_root(&f, a);
        merkle_root(hashes, n, b);
        cr_assert_arr_eq(a, b, HB, "frontier root of %lu", (unsigned long)n);
        if (n <= 64 || n % 97 == 0 || n == 1024 || n == 1025 || n == 1030)
            check_size(&t, hashes, n);
    }
    free(hashes);
}

Test(merkle_nodes, few_node_reads)
{
    static struct nodes t;
    memset(&t, 0, sizeof(t));
    struct merkle_frontier f;
    memset(&f, 0, sizeof(f));
    for (uint64_t i = 0; i < 1023; i++) {
        unsigned char h[HB];
        synthetic_hash(i, h);
        append(&t, &f, h);
    }
    struct err e = ERR_INIT;
    unsigned char root[HB];
    t.reads = 0;
    cr_assert_eq(merkle_nodes_root(node_get, &t, 1023, root, &e), 0);
    /* 1023 = 512 + 256 + ... + 1: one read per subtree of the edge. */
    cr_assert_eq(t.reads, 10);
    struct merkle_path p;
    t.reads = 0;
    cr_assert_eq(merkle_nodes_inclusion(node_get, &t, 1023, 0, &p, &e), 0);
    cr_assert_leq(t.reads, 10 * 10);
}

Test(merkle_nodes, errors_name_the_field)
{
    static struct nodes t;
    memset(&t, 0, sizeof(t));
    struct merkle_frontier f;
    memset(&f, 0, sizeof(f));
    unsigned char h[HB];
    synthetic_hash(0, h);
    append(&t, &f, h);
    struct merkle_path p;
    struct err e = ERR_INIT;
    cr_assert_eq(merkle_nodes_inclusion(node_get, &t, 1, 1, &p, &e), -1);
    cr_assert_str_eq(e.field, "leaf_index");
    e = (struct err)ERR_INIT;
    cr_assert_eq(merkle_nodes_consistency(node_get, &t, 1, 2, &p, &e), -1);
    cr_assert_str_eq(e.field, "first");
    e = (struct err)ERR_INIT;
    t.have[0][0] = 0;
    unsigned char root[HB];
    cr_assert_eq(merkle_nodes_root(node_get, &t, 1, root, &e), -1);
    cr_assert_str_eq(e.field, "node");
}
