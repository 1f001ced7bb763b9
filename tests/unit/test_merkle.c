/*
 * Unit tests for outcomes/merkle: the transparency log's Merkle tree
 * (RFC 9162 section 2.1).
 *
 * Independent sources of expected values:
 *  - SHA-256("") and SHA-256(0x00): FIPS 180-2 / Python 3 hashlib.
 *  - The roots, audit paths and consistency paths of the eight leaves
 *    LEAVES_HEX (merkle_vectors.h), and the proof lengths for a tree of
 *    2^64 - 1 leaves: Python 3 hashlib with the RFC's recursive
 *    definitions, as written in tests/e2e/t0990-merkle-reference.py
 *    (Tree.mth, Tree.inclusion, Tree.consistency, inclusion_length,
 *    consistency_length).
 * The exhaustive tests (every size to 64) check that each proof verifies
 * and each tampered one does not; tests/e2e/t0990-merkle.sh compares every
 * proof byte for byte with the Python implementation.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "outcomes/merkle.h"
#include "merkle_vectors.h"

#define HB MERKLE_HASH_BYTES

static void from_hex(const char *hex, unsigned char *out, size_t max,
                     size_t *len)
{
    size_t got = 0;
    cr_assert_eq(sodium_hex2bin(out, max, hex, strlen(hex), NULL, &got,
                                NULL),
                 0, "hex %s", hex);
    if (len)
        *len = got;
}

static void assert_hash(const unsigned char *h, const char *hex,
                        const char *what)
{
    char got[2 * HB + 1];
    sodium_bin2hex(got, sizeof(got), h, HB);
    cr_assert_str_eq(got, hex, "%s", what);
}

/* The leaf hashes of LEAVES_HEX into hashes (8 * HB bytes). */
static void vector_leaf_hashes(unsigned char *hashes)
{
    for (int i = 0; i < 8; i++) {
        unsigned char data[16];
        size_t len;
        from_hex(LEAVES_HEX[i], data, sizeof(data), &len);
        merkle_leaf_hash(data, len, hashes + i * HB);
    }
}

/* count synthetic leaf hashes: the leaf hash of the 8 bytes of i (plus
 * salt), so two salts give two different trees. Allocates; free(). */
static unsigned char *synthetic_leaves(size_t count, unsigned salt)
{
    unsigned char *hashes = malloc(count * HB);
    cr_assert_not_null(hashes);
    for (size_t i = 0; i < count; i++) {
        uint64_t v = (uint64_t)i * 2654435761u + salt;
        merkle_leaf_hash(&v, sizeof(v), hashes + i * HB);
    }
    return hashes;
}

Test(merkle, known_values)
{
    unsigned char h[HB];
    merkle_root(NULL, 0, h);
    assert_hash(h,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
                "7852b855",
                "the empty tree is SHA-256 of the empty string");
    merkle_leaf_hash("", 0, h);
    assert_hash(h, ROOTS_HEX[0], "leaf hash of the empty leaf");
    /* A one-leaf tree's root is its leaf hash. */
    unsigned char leaf[HB], root[HB];
    merkle_leaf_hash("synthetic", 9, leaf);
    merkle_root(leaf, 1, root);
    cr_assert_eq(memcmp(leaf, root, HB), 0);
    /* The node hash prefixes 0x01. */
    unsigned char in[1 + 2 * HB], want[HB];
    in[0] = 0x01;
    memcpy(in + 1, root, HB);
    memcpy(in + 1 + HB, leaf, HB);
    crypto_hash_sha256(want, in, sizeof(in));
    merkle_node_hash(root, leaf, h);
    cr_assert_eq(memcmp(h, want, HB), 0);
}

Test(merkle, vector_roots)
{
    unsigned char leaves[8 * HB], root[HB];
    vector_leaf_hashes(leaves);
    for (int n = 1; n <= 8; n++) {
        merkle_root(leaves, (uint64_t)n, root);
        assert_hash(root, ROOTS_HEX[n - 1], "root");
    }
}

Test(merkle, vector_proofs)
{
    unsigned char leaves[8 * HB];
    vector_leaf_hashes(leaves);
    /* Inclusion of leaf m in the tree of n leaves, or consistency of the
     * tree of m leaves with that of n: the path's length and its first
     * hashes, from RFC 9162's test vectors. */
    const struct {
        int consistency;
        uint64_t n, m;
        size_t count;
        const char *hash[4];
        const char *what;
    } cases[] = {
        {0, 8, 5, 3,
         {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          ROOTS_HEX[3]},
         "path 5/8"},
        {0, 3, 2, 1, {ROOTS_HEX[1]}, "path 2/3"},
        {1, 7, 3, 4,
         {"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
          "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
          ROOTS_HEX[1],
          "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"},
         "consistency 3/7"},
        {1, 8, 4, 1,
         {"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
         "consistency 4/8"},
        {1, 8, 6, 3,
         {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"},
         "consistency 6/8"},
        {1, 5, 5, 0, {NULL}, "consistency 5/5: no hashes between a tree and "
                             "itself"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct merkle_path p;
        struct err e = ERR_INIT;
        int rc = cases[i].consistency
                     ? merkle_consistency_proof(leaves, cases[i].n,
                                                cases[i].m, &p, &e)
                     : merkle_inclusion_proof(leaves, cases[i].n, cases[i].m,
                                              &p, &e);
        cr_assert_eq(rc, 0, "%s: %s", cases[i].what, e.message);
        cr_assert_eq(p.count, cases[i].count, "%s", cases[i].what);
        for (size_t k = 0; k < ARRAY_SIZE(cases[i].hash) && cases[i].hash[k];
             k++) {
            char what[96];
            snprintf(what, sizeof(what), "%s [%zu]", cases[i].what, k);
            assert_hash(p.hash[k], cases[i].hash[k], what);
        }
    }
}

Test(merkle, every_inclusion_to_64)
{
    unsigned char *a = synthetic_leaves(64, 1);
    unsigned char *b = synthetic_leaves(64, 2);
    for (uint64_t n = 1; n <= 64; n++) {
        unsigned char root[HB], other_root[HB];
        merkle_root(a, n, root);
        merkle_root(b, n, other_root);
        for (uint64_t m = 0; m < n; m++) {
            struct merkle_path p, q;
            struct err e = ERR_INIT;
            const unsigned char *leaf = a + m * HB;
            cr_assert_eq(merkle_inclusion_proof(a, n, m, &p, &e), 0);
            cr_assert_eq(p.count, merkle_inclusion_length(m, n));
            cr_assert_eq(merkle_inclusion_verify(leaf, m, n, p.hash[0],
                                                 p.count, root, &e),
                         0, "leaf %lu of %lu: %s", (unsigned long)m,
                         (unsigned long)n, e.message);
            /* A tampered leaf. */
            cr_assert_eq(merkle_inclusion_verify(b + m * HB, m, n, p.hash[0],
                                                 p.count, root, &e),
                         -1);
            cr_assert_eq(e.code, ERR_CONFLICT);
            cr_assert_str_eq(e.field, "root_hash");
            /* Another tree's root, and another tree's proof. */
            cr_assert_eq(merkle_inclusion_verify(leaf, m, n, p.hash[0],
                                                 p.count, other_root, &e),
                         -1);
            cr_assert_eq(merkle_inclusion_proof(b, n, m, &q, &e), 0);
            if (n > 1)
                cr_assert_eq(merkle_inclusion_verify(leaf, m, n, q.hash[0],
                                                     q.count, root, &e),
                             -1);
            /* A wrong index. */
            if (n > 1)
                cr_assert_eq(merkle_inclusion_verify(leaf, (m + 1) % n, n,
                                                     p.hash[0], p.count,
                                                     root, &e),
                             -1);
            /* A truncated proof. */
            if (p.count > 0) {
                err_clear(&e);
                cr_assert_eq(merkle_inclusion_verify(leaf, m, n, p.hash[0],
                                                     p.count - 1, root, &e),
                             -1);
                cr_assert_eq(e.code, ERR_INPUT);
                cr_assert_str_eq(e.field, "audit_path");
            }
        }
    }
    free(a);
    free(b);
}

Test(merkle, every_consistency_to_64)
{
    unsigned char *a = synthetic_leaves(64, 1);
    unsigned char *b = synthetic_leaves(64, 2);
    for (uint64_t n = 1; n <= 64; n++) {
        unsigned char second[HB];
        merkle_root(a, n, second);
        for (uint64_t m = 1; m <= n; m++) {
            unsigned char first[HB], rewritten[HB];
            merkle_root(a, m, first);
            merkle_root(b, m, rewritten);
            struct merkle_path p;
            struct err e = ERR_INIT;
            cr_assert_eq(merkle_consistency_proof(a, n, m, &p, &e), 0);
            cr_assert_eq(p.count, merkle_consistency_length(m, n));
            cr_assert_eq(merkle_consistency_verify(m, n, first, second,
                                                   p.hash[0], p.count, &e),
                         0, "%lu to %lu: %s", (unsigned long)m,
                         (unsigned long)n, e.message);
            /* A log that rewrote its first m leaves. */
            cr_assert_eq(merkle_consistency_verify(m, n, rewritten, second,
                                                   p.hash[0], p.count, &e),
                         -1, "%lu to %lu", (unsigned long)m,
                         (unsigned long)n);
            cr_assert_eq(e.code, ERR_CONFLICT);
            /* A truncated proof. */
            if (p.count > 0) {
                cr_assert_eq(merkle_consistency_verify(m, n, first, second,
                                                       p.hash[0],
                                                       p.count - 1, &e),
                             -1);
                cr_assert_str_eq(e.field, "consistency_path");
                /* One flipped bit anywhere. */
                for (size_t i = 0; i < p.count; i++) {
                    p.hash[i][7] ^= 0x10;
                    cr_assert_eq(merkle_consistency_verify(m, n, first,
                                                           second, p.hash[0],
                                                           p.count, &e),
                                 -1, "%lu to %lu, hash %zu",
                                 (unsigned long)m, (unsigned long)n, i);
                    p.hash[i][7] ^= 0x10;
                }
            }
        }
    }
    free(a);
    free(b);
}

Test(merkle, larger_trees)
{
    const uint64_t sizes[] = {1000, 4097};
    unsigned char *a = synthetic_leaves(4097, 3);
    for (size_t s = 0; s < 2; s++) {
        uint64_t n = sizes[s];
        unsigned char root[HB];
        merkle_root(a, n, root);
        const uint64_t picks[] = {0, 1, 511, 512, 513, n / 2, n - 2, n - 1};
        for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
            uint64_t m = picks[i];
            struct merkle_path p;
            struct err e = ERR_INIT;
            cr_assert_eq(merkle_inclusion_proof(a, n, m, &p, &e), 0);
            cr_assert_eq(merkle_inclusion_verify(a + m * HB, m, n, p.hash[0],
                                                 p.count, root, &e),
                         0);
            unsigned char first[HB];
            merkle_root(a, m + 1, first);
            cr_assert_eq(merkle_consistency_proof(a, n, m + 1, &p, &e), 0);
            cr_assert_eq(merkle_consistency_verify(m + 1, n, first, root,
                                                   p.hash[0], p.count, &e),
                         0);
        }
    }
    free(a);
}

Test(merkle, longest_proofs_fit)
{
    /* A tree of 2^64 - 1 leaves (Python, see the header). */
    const uint64_t n = UINT64_MAX;
    cr_assert_eq(merkle_inclusion_length(0, n), 64);
    cr_assert_eq(merkle_inclusion_length(n - 1, n), 63);
    cr_assert_eq(merkle_consistency_length(3, n), 65);
    cr_assert_eq(merkle_consistency_length(n - 1, n), 64);
    cr_assert_eq(merkle_consistency_length((UINT64_C(1) << 63) + 1, n), 65);
    cr_assert_leq(merkle_consistency_length(3, n), MERKLE_PATH_MAX);
}

Test(merkle, errors_name_the_field)
{
    unsigned char leaves[8 * HB], root[HB];
    vector_leaf_hashes(leaves);
    merkle_root(leaves, 8, root);
    struct merkle_path p;
    struct err e = ERR_INIT;

    cr_assert_eq(merkle_inclusion_proof(leaves, 8, 8, &p, &e), -1);
    cr_assert_eq(e.code, ERR_INPUT);
    cr_assert_str_eq(e.field, "leaf_index");
    cr_assert_eq(merkle_inclusion_proof(leaves, 0, 0, &p, &e), -1);
    cr_assert_str_eq(e.field, "leaf_index");
    cr_assert_eq(merkle_inclusion_verify(leaves, 9, 8, NULL, 0, root, &e),
                 -1);
    cr_assert_str_eq(e.field, "leaf_index");

    cr_assert_eq(merkle_inclusion_proof(leaves, 8, 2, &p, &e), 0);
    err_clear(&e);
    cr_assert_eq(merkle_inclusion_verify(leaves + 2 * HB, 2, 8, p.hash[0],
                                         4, root, &e),
                 -1, "a proof one hash too long");
    cr_assert_eq(e.code, ERR_INPUT);
    cr_assert_str_eq(e.field, "audit_path");
    cr_assert(strstr(e.message, "has an audit path of 3"), "%s", e.message);

    cr_assert_eq(merkle_consistency_proof(leaves, 8, 0, &p, &e), -1);
    cr_assert_eq(e.code, ERR_INPUT);
    cr_assert_str_eq(e.field, "first");
    cr_assert_eq(merkle_consistency_proof(leaves, 7, 8, &p, &e), -1);
    cr_assert_str_eq(e.field, "first");
    cr_assert_eq(merkle_consistency_verify(0, 8, root, root, NULL, 0, &e),
                 -1);
    cr_assert_str_eq(e.field, "first");
    cr_assert_eq(merkle_consistency_verify(9, 8, root, root, NULL, 0, &e),
                 -1);
    cr_assert_str_eq(e.field, "first");
    cr_assert_eq(merkle_consistency_verify(3, 8, root, root, NULL, 0, &e),
                 -1, "an empty path between two sizes");
    cr_assert_str_eq(e.field, "consistency_path");

    /* The same size: an empty path and the same root. */
    unsigned char other[HB];
    merkle_root(leaves, 7, other);
    cr_assert_eq(merkle_consistency_verify(8, 8, root, root, NULL, 0, &e),
                 0);
    cr_assert_eq(merkle_consistency_verify(8, 8, other, root, NULL, 0, &e),
                 -1);
    cr_assert_eq(e.code, ERR_CONFLICT);
    cr_assert_str_eq(e.field, "second_hash");
    cr_assert_eq(merkle_consistency_verify(8, 8, root, root, root, 1, &e),
                 -1);
    cr_assert_str_eq(e.field, "consistency_path");
}
