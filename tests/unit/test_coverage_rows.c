/* Unit tests of the follow-up rows counted from a practitioner's outcome
 * rows (outcomes/coverage.h): whatever the order the rows come in (each
 * group in episode order, as the report reads them, or shuffled), the
 * counts are those computed here by a plain pass over the rows, on a real
 * SQLite file without invitations. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "outcomes/coverage.h"
#include "record/clinic.h"
#include "unit/test_helpers.h"

struct row {
    const char *protocol;
    int64_t episode;
    int64_t code;
};

/* 3 protocols; protocol p has instruments p + 2; episode e appears in every
 * instrument of its protocol; complete, followed up or neither by a rule
 * of (episode, instrument). */
static size_t make_rows(struct row *rows)
{
    static const char *const protocols[] = {"a-protocol", "b-protocol",
                                            "c-protocol"};
    size_t n = 0;
    for (int p = 0; p < 3; p++)
        for (int k = 0; k < p + 2; k++)
            for (int64_t e = 1 + p; e <= 200; e += 3) {
                int64_t code = (e + k) % 4 == 0 ? 2 /* incomplete */
                               : (e * 7 + k) % 5 == 0 ? 1 << 9 /* followed */
                                                      : 0;
                rows[n++] = (struct row){protocols[p], e, code};
            }
    return n;
}

/* The expected members of one protocol's row, by a pass over the rows. */
static void expect(const struct row *rows, size_t n, const char *protocol,
                   long *complete, long *followed)
{
    *complete = *followed = 0;
    for (int64_t e = 1; e <= 200; e++) {
        int c = 0, f = 0, seen = 0;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(rows[i].protocol, protocol) && rows[i].episode == e) {
                seen = 1;
                if ((rows[i].code & 7) == 0) {
                    c = 1;
                    f |= (rows[i].code >> 9) & 1;
                }
            }
        if (seen) {
            *complete += c;
            *followed += f;
        }
    }
}

static void check(struct store *s, const struct row *rows, size_t n,
                  const struct row *all, size_t all_n)
{
    struct err e = ERR_INIT;
    struct coverage_followup *f = coverage_followup_new(s);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(coverage_followup_add(f, rows[i].protocol,
                                           rows[i].episode, rows[i].code,
                                           &e),
                     0, "%s", e.message);
    json_t *doc = coverage_practitioner_json_rows(s, 1, f, &e);
    cr_assert_not_null(doc, "%s", e.message);
    json_t *list = json_object_get(doc, "followup");
    cr_assert_eq(json_array_size(list), 3);
    static const char *const protocols[] = {"a-protocol", "b-protocol",
                                            "c-protocol"};
    for (size_t p = 0; p < 3; p++) {
        json_t *r = json_array_get(list, p);
        long complete, followed;
        expect(all, all_n, protocols[p], &complete, &followed);
        cr_assert_gt(complete, followed);
        cr_assert_gt(followed, 0);
        cr_assert_str_eq(json_string_value(json_object_get(r, "protocol")),
                         protocols[p]);
        cr_assert_eq(json_integer_value(json_object_get(r, "complete")),
                     complete, "%s", protocols[p]);
        cr_assert_eq(json_integer_value(json_object_get(r, "with_followup")),
                     followed, "%s", protocols[p]);
        cr_assert_eq(
            json_integer_value(json_object_get(r, "without_followup")),
            complete - followed);
        cr_assert_eq(json_integer_value(json_object_get(r, "invited")), 0);
        cr_assert_eq(json_integer_value(json_object_get(r, "not_invited")),
                     complete - followed);
    }
    json_decref(doc);
    coverage_followup_free(f);
}

Test(coverage_rows, the_same_counts_in_any_order_within_a_protocol)
{
    char dir[64], path[128];
    test_dir_make(dir, sizeof(dir), "ts-coverage", path, sizeof(path));
    struct store *s = NULL;
    test_clinic_open(path, "Synthetic Clinic", &s);

    static struct row rows[1000], shuffled[1000];
    size_t n = make_rows(rows);
    /* As read: each instrument's group in episode order. */
    check(s, rows, n, rows, n);
    /* Each protocol's rows shuffled (many runs), the protocols in order. */
    memcpy(shuffled, rows, n * sizeof(rows[0]));
    unsigned x = 7;
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo;
        while (hi < n && !strcmp(shuffled[hi].protocol, shuffled[lo].protocol))
            hi++;
        for (size_t i = hi - 1; i > lo; i--) {
            x = x * 1103515245u + 12345u;
            size_t j = lo + (x >> 8) % (i - lo + 1);
            struct row t = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = t;
        }
        lo = hi;
    }
    check(s, shuffled, n, rows, n);
    /* Each protocol's groups in reverse episode order: a few runs. */
    for (size_t i = 0; i < n; i++)
        shuffled[i] = rows[i];
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo + 1;
        while (hi < n && shuffled[hi].episode > shuffled[hi - 1].episode &&
               !strcmp(shuffled[hi].protocol, shuffled[lo].protocol))
            hi++;
        for (size_t i = lo, j = hi - 1; i < j; i++, j--) {
            struct row t = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = t;
        }
        lo = hi;
    }
    check(s, shuffled, n, rows, n);

    store_close(s);
    test_dir_remove(dir);
}
