/*
 * Unit tests for registry/ingest: registry_push_read() reads a body in
 * canonical JSON straight from its bytes, and anything else through
 * jansson. The reference is the jansson reader itself: the same body with
 * one space after its first '{' (the same JSON, no longer canonical) must
 * read to the same result, member for member and byte for byte of the
 * COPY data, or fail on the same member. Checked on canonical bodies
 * built here and on thousands of seeded mutations of them (bytes
 * replaced, inserted and deleted), so that the reader from bytes never
 * accepts what the other refuses, nor reads it otherwise.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "outcomes/signing.h"
#include "registry/ingest.h"

/* A synthetic batch: practitioners with an NPI, a licence and neither;
 * rows with every kind of value (nulls, reals, negative improvements,
 * incomplete rows); two retractions. */
static json_t *make_batch(int rows)
{
    json_t *refs = json_pack(
        "[{s:s,s:s,s:n},{s:s,s:n,s:s},{s:s,s:n,s:n}]", "ref",
        "p-00000000000000a1", "npi", "1234567893", "license", "ref",
        "p-00000000000000a2", "npi", "license", "SYN-LIC-0001", "ref",
        "p-00000000000000a3", "npi", "license");
    json_t *list = json_array();
    for (int k = 0; k < rows; k++) {
        char episode[19];
        snprintf(episode, sizeof(episode), "e-%016x", 0x1000 + k / 2);
        int complete = k % 9 != 4;
        double base = 3.25 + k % 7, disc = 1.5 + k % 5;
        json_t *r = json_pack(
            "{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,"
            "s:o,s:o,s:i,s:i,s:o,s:i,s:s,s:o,s:o}",
            "episode", episode, "practitioner",
            k % 3 == 0   ? "p-00000000000000a1"
            : k % 3 == 1 ? "p-00000000000000a2"
                         : "p-00000000000000a3",
            "protocol", k % 4 < 2 ? "low-back-pain" : "neck-pain",
            "instrument", k % 2 ? "psfs" : "nprs", "role",
            k % 2 ? "secondary" : "primary", "icd10_category",
            k % 5 ? "M54" : "G44", "start_year", 2020 + k % 6, "sessions",
            k % 13, "baseline", json_real(base), "discharge",
            complete ? json_real(disc) : json_null(), "followup",
            complete && k % 3 == 0 ? json_real(0.1 * k) : json_null(),
            "improvement",
            complete ? json_real(base - disc - 0.3) : json_null(),
            "followup_days",
            complete && k % 3 == 0 ? json_integer(42) : json_null(),
            "responder", complete ? json_integer(k % 2) : json_null(),
            "response_event", complete ? json_integer(k % 2) : json_null(),
            "sustained", k % 3 == 0 && complete ? json_integer(1)
                                                : json_null(),
            "sessions_to_response",
            complete ? json_integer(1 + k % 8) : json_null(), "has_followup",
            k % 3 == 0 && complete, "complete", complete,
            "incomplete_reason",
            complete ? json_null() : json_string("no_discharge"), "age",
            18 + k % 73, "sex", k % 2 ? "female" : "male",
            "chronicity_weeks",
            k % 7 ? json_integer(k * 3) : json_null(), "comorbidities",
            k % 11 ? json_integer(k % 4) : json_null());
        cr_assert_not_null(r, "row %d packed", k);
        json_array_append_new(list, r);
    }
    json_t *retract = json_pack("[{s:s,s:s},{s:s,s:s}]", "episode",
                                "e-00000000000fff01", "instrument", "nprs",
                                "episode", "e-00000000000fff02", "instrument",
                                "psfs");
    return json_pack("{s:i,s:i,s:i,s:o,s:o,s:o}", "format", 1, "clinic", 7,
                     "seq", 3, "practitioners", refs, "rows", list,
                     "retract", retract);
}

/* The body in canonical JSON, signed with a fixed key. */
static char *make_body(int rows, size_t *len)
{
    cr_assert_geq(sodium_init(), 0);
    unsigned char pk[SIGNING_PUBLIC_BYTES], sk[SIGNING_SECRET_BYTES];
    unsigned char seed[32] = {7};
    crypto_sign_seed_keypair(pk, sk, seed);
    json_t *body = signing_envelope(make_batch(rows), "batch", sk);
    char *text = signing_canonical_json(body, len);
    json_decref(body);
    return text;
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Reads body (len bytes), and the same with a space after byte 0, and
 * checks both reads agree. Returns 1 when the body was read. */
static int check_same(const char *body, size_t len, int *from_bytes)
{
    struct registry_push a, b;
    struct err ea = ERR_INIT, eb = ERR_INIT;
    int ra = registry_push_read(body, len, &a, &ea);
    char *spaced = malloc(len + 2);
    spaced[0] = len ? body[0] : ' ';
    spaced[1] = ' ';
    if (len)
        memcpy(spaced + 2, body + 1, len - 1);
    int rb = registry_push_read(spaced, len ? len + 1 : 1, &b, &eb);
    cr_assert_eq(ra, rb, "read %d, spaced %d (%s: %s | %s: %s)", ra, rb,
                 ea.field, ea.message, eb.field, eb.message);
    cr_assert_null(b.text, "the spaced body was read from its bytes");
    if (ra == 0) {
        *from_bytes += a.text != NULL;
        cr_assert_eq(a.clinic, b.clinic);
        cr_assert_eq(a.seq, b.seq);
        cr_assert_eq(memcmp(a.signature, b.signature, sizeof(a.signature)),
                     0);
        cr_assert_eq(a.row_count, b.row_count);
        cr_assert_eq(a.copy_len, b.copy_len);
        cr_assert_eq(memcmp(a.copy, b.copy, a.copy_len), 0, "COPY data");
        cr_assert_eq(a.practitioner_count, b.practitioner_count);
/* The same text, or NULL in both, in member m of a and b. */
#define SAME_TEXT(m) cr_assert(same_text(a.m, b.m), "%s", #m)
        for (size_t i = 0; i < a.practitioner_count; i++) {
            SAME_TEXT(practitioners[i].ref);
            SAME_TEXT(practitioners[i].npi);
            SAME_TEXT(practitioners[i].license);
        }
        cr_assert_eq(a.retraction_count, b.retraction_count);
        for (size_t i = 0; i < a.retraction_count; i++) {
            SAME_TEXT(retractions[i].episode);
            SAME_TEXT(retractions[i].instrument);
        }
#undef SAME_TEXT
    } else {
        cr_assert_str_eq(ea.field, eb.field, "%s | %s", ea.message,
                         eb.message);
    }
    registry_push_release(&a);
    registry_push_release(&b);
    free(spaced);
    return ra == 0;
}

Test(push_read, canonical_body_read_from_its_bytes)
{
    size_t len;
    char *body = make_body(60, &len);
    struct registry_push p;
    struct err e = ERR_INIT;
    cr_assert_eq(registry_push_read(body, len, &p, &e), 0, "%s: %s",
                 e.field, e.message);
    cr_assert_not_null(p.text, "a canonical body is read from its bytes");
    cr_assert_null(p.body);
    cr_assert_eq(p.row_count, 60);
    cr_assert_eq(p.retraction_count, 2);
    cr_assert_eq(p.practitioner_count, 3);
    /* The bytes signed are the batch member as sent. */
    cr_assert_eq(memcmp(p.sent, body + strlen("{\"batch\":"), p.sent_len),
                 0);
    cr_assert_eq(p.sent[p.sent_len], ',');
    /* COPY's binary data: its signature, 60 rows, its end. */
    cr_assert_eq(memcmp(p.copy, "PGCOPY\n\377\r\n\0", 11), 0);
    cr_assert_eq(memcmp(p.copy + p.copy_len - 2, "\377\377", 2), 0);
    registry_push_release(&p);
    int from_bytes = 0;
    cr_assert(check_same(body, len, &from_bytes));
    cr_assert_eq(from_bytes, 1);
    free(body);
}

Test(push_read, mutations_read_alike)
{
    size_t len;
    char *body = make_body(6, &len);
    static const char bytes[] = "0123456789-.eE+\"\\,:{}[] nultrsa\x1f\x7f"
                                "\x80\xc3";
    static const char value_bytes[] = "0123456789-.en\"";
    unsigned long long state = 0x9e3779b97f4a7c15ULL;
    int read = 0, from_bytes = 0;
    char *m = malloc(len + 8);
    /* Half the edits land just after a ':', on a value. */
    size_t *values = malloc(len * sizeof(*values)), nvalues = 0;
    for (size_t i = 0; i < len; i++)
        if (body[i] == ':')
            values[nvalues++] = i + 1;
    for (int round = 0; round < 20000; round++) {
        size_t n = len;
        memcpy(m, body, len);
        int edits = 1 + (int)(round % 3);
        for (int k = 0; k < edits; k++) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t at = (state >> 63)
                            ? values[(state >> 33) % nvalues] + (state >> 5) % 3
                            : (size_t)(state >> 33) % n;
            if (at >= n)
                at = n - 1;
            char c = (state >> 63)
                         ? value_bytes[(state >> 20) % (sizeof(value_bytes) - 1)]
                         : bytes[(state >> 20) % (sizeof(bytes) - 1)];
            int op = (int)((state >> 10) % 3);
            if (op == 0) {
                m[at] = c;
            } else if (op == 1 && n < len + 7) {
                memmove(m + at + 1, m + at, n - at);
                m[at] = c;
                n++;
            } else if (n > 1) {
                memmove(m + at, m + at + 1, n - at - 1);
                n--;
            }
        }
        read += check_same(m, n, &from_bytes);
    }
    free(m);
    free(values);
    free(body);
    /* Some mutations keep the body valid (a digit for a digit), and some
     * of those stay canonical. */
    cr_assert_gt(read, 0);
    cr_assert_gt(from_bytes, 0);
}
