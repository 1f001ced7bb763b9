/* touchstone test-merkle: the transparency log's Merkle tree (RFC 9162)
 * driven by requests on standard input, one answer a line on standard
 * output, so tests compare it with an independent implementation. No
 * database. */
#include "cli/cli.h"
#include "core/util.h"
#include "outcomes/merkle.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

COMMAND("test-merkle", cmd_test_merkle, "answer Merkle tree requests from stdin (for tests)")

#define HB MERKLE_HASH_BYTES
#define MAX_WORDS (4 + MERKLE_PATH_MAX + 2)
#define MAX_LEAF_BYTES 4096
#define MAX_LEAVES 100000

static const char *REQUESTS =
    "Reads one request a line from standard input and answers each with "
    "one line on standard output (hashes as lowercase hex):\n"
    "  leaf HEX|-                      appends a leaf (its bytes; - none)\n"
    "  root N                          -> root N HASH\n"
    "  inclusion M N                   -> inclusion M N HASH...\n"
    "  consistency M N                 -> consistency M N HASH...\n"
    "  verify-inclusion M N LEAF_HASH ROOT HASH...\n"
    "  verify-consistency M N FIRST SECOND HASH...\n"
    "                                  -> ok, or fail FIELD\n"
    "A request that cannot be answered (a leaf index not below the size) "
    "answers 'WORD M N error FIELD'. Sizes count the leaves appended so "
    "far.";

static void print_hash(const unsigned char h[HB])
{
    char hex[2 * HB + 1];
    sodium_bin2hex(hex, sizeof(hex), h, HB);
    fputs(hex, stdout);
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_hash(const char *s, unsigned char out[HB])
{
    size_t len;
    if (strlen(s) != 2 * HB ||
        sodium_hex2bin(out, HB, s, 2 * HB, NULL, &len, NULL) != 0 ||
        len != HB)
        return -1;
    return 0;
}

/* One request (words[0..count)); 0, or -1 with the problem in *e. */
static int answer(char **words, int count, unsigned char **leaves,
                  size_t *nleaves, size_t *alloc, struct err *e)
{
    const char *w = words[0];
    if (!strcmp(w, "leaf")) {
        if (count != 2)
            return err_set(e, ERR_INPUT, "leaf", "needs one HEX or -");
        unsigned char data[MAX_LEAF_BYTES];
        size_t len = 0;
        if (strcmp(words[1], "-") &&
            sodium_hex2bin(data, sizeof(data), words[1], strlen(words[1]),
                           NULL, &len, NULL) != 0)
            return err_set(e, ERR_INPUT, "leaf",
                           "not hex, or above %d bytes", MAX_LEAF_BYTES);
        if (*nleaves >= MAX_LEAVES)
            return err_set(e, ERR_INPUT, "leaf", "more than %d leaves",
                           MAX_LEAVES);
        ALLOC_GROW(*leaves, (*nleaves + 1) * HB, *alloc);
        merkle_leaf_hash(data, len, *leaves + *nleaves * HB);
        (*nleaves)++;
        return 0;
    }
    int is_root = !strcmp(w, "root");
    int is_proof = !strcmp(w, "inclusion") || !strcmp(w, "consistency");
    if (!is_root && !is_proof && strcmp(w, "verify-inclusion") &&
        strcmp(w, "verify-consistency"))
        return err_set(e, ERR_INPUT, "request", "'%s' is not a request", w);
    uint64_t m = 0, n = 0;
    if (is_root) {
        if (count != 2 || parse_u64(words[1], &n) < 0)
            return err_set(e, ERR_INPUT, "root", "needs one size N");
    } else if (count < 3 || parse_u64(words[1], &m) < 0 ||
               parse_u64(words[2], &n) < 0) {
        return err_set(e, ERR_INPUT, w, "needs the numbers M and N");
    }
    struct merkle_path path;
    struct err pe = ERR_INIT;
    if (!strcmp(w, "verify-inclusion") || !strcmp(w, "verify-consistency")) {
        unsigned char a[HB], b[HB];
        if (count < 5 || count - 5 > MERKLE_PATH_MAX ||
            parse_hash(words[3], a) < 0 || parse_hash(words[4], b) < 0)
            return err_set(e, ERR_INPUT, w,
                           "needs M N, two hashes, then at most %d hashes",
                           MERKLE_PATH_MAX);
        path.count = (size_t)(count - 5);
        for (size_t i = 0; i < path.count; i++)
            if (parse_hash(words[5 + i], path.hash[i]) < 0)
                return err_set(e, ERR_INPUT, w, "'%s' is not a hash",
                               words[5 + i]);
        int rc = w[7] == 'i'
                     ? merkle_inclusion_verify(a, m, n, path.hash[0],
                                               path.count, b, &pe)
                     : merkle_consistency_verify(m, n, a, b, path.hash[0],
                                                 path.count, &pe);
        if (rc == 0)
            printf("%s %" PRIu64 " %" PRIu64 " ok\n", w, m, n);
        else
            printf("%s %" PRIu64 " %" PRIu64 " fail %s\n", w, m, n,
                   pe.field);
        return 0;
    }
    if (n > *nleaves)
        return err_set(e, ERR_INPUT, w,
                       "size %" PRIu64 " is above the %zu leaves given", n,
                       *nleaves);
    if (is_root) {
        unsigned char root[HB];
        merkle_root(*leaves, n, root);
        printf("root %" PRIu64 " ", n);
        print_hash(root);
        putchar('\n');
        return 0;
    }
    if (count != 3)
        return err_set(e, ERR_INPUT, w, "needs only M and N");
    int rc = !strcmp(w, "inclusion")
                 ? merkle_inclusion_proof(*leaves, n, m, &path, &pe)
                 : merkle_consistency_proof(*leaves, n, m, &path, &pe);
    printf("%s %" PRIu64 " %" PRIu64, w, m, n);
    if (rc < 0)
        printf(" error %s", pe.field);
    for (size_t i = 0; rc == 0 && i < path.count; i++) {
        putchar(' ');
        print_hash(path.hash[i]);
    }
    putchar('\n');
    return 0;
}

int cmd_test_merkle(struct cli *c, int argc, const char **argv)
{
    struct opt opts[] = {OPT_END};
    if (cli_parse(c, argc, argv, opts, REQUESTS) < 0)
        return c->exit_code;
    unsigned char *leaves = NULL;
    size_t nleaves = 0, alloc = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    int rc = EXIT_OK;
    struct err e = ERR_INIT;
    while (rc == EXIT_OK && (got = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        char *words[MAX_WORDS];
        int count = 0;
        for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t;
             t = strtok_r(NULL, " \t\r\n", &save)) {
            if (count == MAX_WORDS) {
                count = -1;
                break;
            }
            words[count++] = t;
        }
        if (count == 0)
            continue;
        if (count < 0)
            rc = cli_error(c, EXIT_BAD_INPUT, "request",
                           "line %ld: more than %d words", lineno,
                           MAX_WORDS);
        else if (answer(words, count, &leaves, &nleaves, &alloc, &e) < 0)
            rc = cli_error(c, EXIT_BAD_INPUT, e.field, "line %ld: %s",
                           lineno, e.message);
    }
    free(line);
    free(leaves);
    return rc;
}
