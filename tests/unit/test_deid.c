/*
 * Unit tests for docs/deid: HIPAA Safe Harbor transforms.
 *
 * Sources: 45 CFR 164.514(b)(2)(i)(B), (C); HHS OCR "Guidance Regarding
 * Methods for De-identification of PHI" (2012), section 3.3 for the 17
 * restricted three-digit ZIP prefixes (2000 Census): 036, 059, 063, 102,
 * 203, 556, 692, 790, 821, 823, 830, 831, 878, 879, 884, 890, 893 (the
 * same list as /work/shared/domain/codes.md). Day counts were computed
 * independently with Python's datetime (the call is beside each one).
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "documents/deid.h"

/* Each case is one call and its expected result; a failure names the
 * case's input. */

Test(deid, zip_to_three_digits)
{
    const struct {
        const char *zip, *want;
    } cases[] = {
        {"94110", "941"}, {"94110-1234", "941"}, {"10001", "100"},
        /* 036 (New Hampshire) is restricted: 03601 -> 000. */
        {"03601", "000"},
        /* Its neighbours are not. */
        {"03501", "035"}, {"03701", "037"},
        /* Nothing to export is not an error. */
        {NULL, ""}, {"", ""},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char out[DEID_ZIP3_LEN];
        struct err e = ERR_INIT;
        const char *zip = cases[i].zip ? cases[i].zip : "(null)";
        cr_assert_eq(deid_zip3(cases[i].zip, out, &e), 0, "%s: %s", zip,
                     e.message);
        cr_assert_str_eq(out, cases[i].want, "%s -> %s", zip, out);
    }
}

Test(deid, every_restricted_prefix_becomes_000)
{
    const char *restricted[] = {"036", "059", "063", "102", "203", "556",
                                "692", "790", "821", "823", "830", "831",
                                "878", "879", "884", "890", "893"};
    char zip[16], out[DEID_ZIP3_LEN];
    struct err e = ERR_INIT;
    int count = 0;
    for (int p = 0; p < 1000; p++) {
        snprintf(zip, sizeof(zip), "%03d42", p);
        cr_assert_eq(deid_zip3(zip, out, &e), 0, "%s", zip);
        int listed = 0;
        for (size_t i = 0; i < sizeof(restricted) / sizeof(*restricted); i++)
            listed |= !strncmp(restricted[i], zip, 3);
        if (listed) {
            cr_assert_str_eq(out, "000", "%s", zip);
            count++;
        } else {
            cr_assert(!strncmp(out, zip, 3) && strlen(out) == 3, "%s -> %s",
                      zip, out);
        }
        cr_assert_eq(deid_zip3_restricted(zip), listed, "%s", zip);
    }
    cr_assert_eq(count, 17);
}

Test(deid, malformed_zip_refused)
{
    const char *bad[] = {"9411", "941101", "94a10", "94110-12", " 94110",
                         "94110 ", "94110-12345", "9411O", "94110_1234"};
    char out[DEID_ZIP3_LEN];
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct err e = ERR_INIT;
        cr_assert_eq(deid_zip3(bad[i], out, &e), -1, "%s", bad[i]);
        cr_assert_eq(e.code, ERR_INPUT);
        cr_assert_str_eq(e.field, "zip");
        cr_assert_str_eq(out, "");
    }
}

Test(deid, dates_to_year)
{
    int y;
    struct err e = ERR_INIT;
    cr_assert_eq(deid_year("2024-02-29", &y, "date", &e), 0);
    cr_assert_eq(y, 2024);
    cr_assert_eq(deid_year("1931-12-31", &y, "date", &e), 0);
    cr_assert_eq(y, 1931);
    cr_assert_eq(deid_year("2023-02-29", &y, "seen_on", &e), -1);
    cr_assert_str_eq(e.field, "seen_on");
    cr_assert_eq(deid_year("2024", &y, "seen_on", &e), -1);
}

/* deid_age and deid_age_label on one case each: the expected age (-1: the
 * call refuses, naming field), then the label at episode and export day. */
struct age_case {
    const char *birth, *on, *export_on;
    int age;          /* deid_age(birth, on), or -1 if not checked */
    const char *label; /* deid_age_label(birth, on, export_on), or NULL */
};

static void check_age(const struct age_case *c)
{
    struct err e = ERR_INIT;
    if (c->age >= 0) {
        int age;
        cr_assert_eq(deid_age(c->birth, c->on, &age, &e), 0, "%s on %s: %s",
                     c->birth, c->on, e.message);
        cr_assert_eq(age, c->age, "%s on %s: %d", c->birth, c->on, age);
    }
    if (c->label) {
        char out[DEID_AGE_LABEL_LEN];
        cr_assert_eq(deid_age_label(c->birth, c->on, c->export_on, out, &e),
                     0, "%s on %s (%s): %s", c->birth, c->on, c->export_on,
                     e.message);
        cr_assert_str_eq(out, c->label, "%s on %s (%s): %s", c->birth, c->on,
                         c->export_on, out);
    }
}

Test(deid, ages_and_the_90_plus_pool)
{
    static const struct age_case cases[] = {
        /* Born 1936-07-01: 89 the day before the 90th birthday, 90 on it. */
        {"1936-07-01", "2026-06-30", "2026-06-30", 89, "89"},
        {"1936-07-01", "2026-07-01", "2026-07-01", -1, "90+"},
        {"1920-01-01", "2026-06-30", "2026-06-30", -1, "90+"},
        {"2026-06-30", "2026-06-30", "2026-06-30", -1, "0"},
        /* 85 at an episode in 2020, 91 on the export day: the age and the
         * episode's year together would reveal the birth year, so pool. */
        {"1935-01-01", "2020-06-01", "2026-06-30", -1, "90+"},
        {"1960-01-01", "2020-06-01", "2026-06-30", -1, "60"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        check_age(&cases[i]);
}

Test(deid, leap_day_birthdays)
{
    static const struct age_case cases[] = {
        /* Born 2000-02-29: in a common year the birthday is reached on
         * 1 March, in a leap year on 29 February. */
        {"2000-02-29", "2023-02-28", NULL, 22, NULL},
        {"2000-02-29", "2023-03-01", NULL, 23, NULL},
        {"2000-02-29", "2024-02-28", NULL, 23, NULL},
        {"2000-02-29", "2024-02-29", NULL, 24, NULL},
        /* Born 1936-02-29 turns 90 in 2026 (a common year) on 1 March. */
        {"1936-02-29", "2026-02-28", "2026-02-28", -1, "89"},
        {"1936-02-29", "2026-03-01", "2026-03-01", -1, "90+"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        check_age(&cases[i]);
}

Test(deid, bad_ages_refused)
{
    const struct {
        const char *birth, *on, *field;
    } cases[] = {
        {"2027-01-01", "2026-06-30", "birth_date"},
        {"1999-02-29", "2026-06-30", "birth_date"},
        {"1999-02-28", "2026-13-01", "on"},
    };
    int age;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct err e = ERR_INIT;
        cr_assert_eq(deid_age(cases[i].birth, cases[i].on, &age, &e), -1,
                     "%s on %s", cases[i].birth, cases[i].on);
        cr_assert_str_eq(e.field, cases[i].field, "%s on %s: %s",
                         cases[i].birth, cases[i].on, e.field);
    }
    char out[DEID_AGE_LABEL_LEN];
    struct err e = ERR_INIT;
    cr_assert_eq(deid_age_label("1999-02-28", "2020-01-01", "nope", out, &e),
                 -1);
    cr_assert_str_eq(e.field, "export_on");
}

Test(deid, birth_year_withheld_over_89)
{
    const struct {
        const char *birth;
        int year;
    } cases[] = {
        {"1960-05-05", 1960}, {"1936-06-30", 0}, {"1936-07-01", 1936},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int y;
        struct err e = ERR_INIT;
        cr_assert_eq(deid_birth_year(cases[i].birth, "2026-06-30", &y, &e), 0,
                     "%s: %s", cases[i].birth, e.message);
        cr_assert_eq(y, cases[i].year, "%s: %d", cases[i].birth, y);
    }
}

Test(deid, day_offsets)
{
    const struct {
        const char *from, *to;
        long days;
    } cases[] = {
        {"2024-02-28", "2024-03-01", 2},
        {"2023-02-28", "2023-03-01", 1},
        {"2025-12-31", "2026-01-01", 1},
        /* python3: (date(2026,6,30) - date(2000,1,1)).days == 9677 */
        {"2000-01-01", "2026-06-30", 9677},
        /* python3: (date(1970,1,1) - date(2026,6,30)).days == -20634 */
        {"2026-06-30", "1970-01-01", -20634},
    };
    long d;
    struct err e = ERR_INIT;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        cr_assert_eq(deid_day_offset(cases[i].from, cases[i].to, &d, &e), 0,
                     "%s to %s: %s", cases[i].from, cases[i].to, e.message);
        cr_assert_eq(d, cases[i].days, "%s to %s: %ld", cases[i].from,
                     cases[i].to, d);
    }
    cr_assert_eq(deid_day_offset("2026-06-31", "2026-07-01", &d, &e), -1);
    cr_assert_str_eq(e.field, "from");
    cr_assert_eq(deid_day_offset("2026-06-01", "", &d, &e), -1);
    cr_assert_str_eq(e.field, "to");
}

static int compare_strings(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int pseudonym_shape(const char *p)
{
    if (strlen(p) != DEID_PSEUDONYM_LEN - 1 || p[0] != 'p')
        return 0;
    for (const char *c = p + 1; *c; c++)
        if (!isxdigit((unsigned char)*c) || isupper((unsigned char)*c))
            return 0;
    return 1;
}

Test(deid, pseudonyms_stable_within_an_export_fresh_across)
{
    struct deid_pseudonyms *a = deid_pseudonyms_new();
    const char *first = deid_pseudonym_for(a, 1);
    char copy[DEID_PSEUDONYM_LEN];
    strcpy(copy, first);
    cr_assert(pseudonym_shape(first), "%s", first);
    /* Many more ids: the table grows; earlier strings stay valid. */
    for (int64_t id = 2; id <= 5000; id++)
        cr_assert(pseudonym_shape(deid_pseudonym_for(a, id)));
    cr_assert_eq(deid_pseudonyms_count(a), 5000);
    cr_assert_str_eq(first, copy);
    cr_assert_eq(deid_pseudonym_for(a, 1), first);
    cr_assert_eq(deid_pseudonyms_count(a), 5000);
    /* All 5000 distinct: sorted, no two neighbours equal. */
    static const char *all[5000];
    for (int i = 0; i < 5000; i++)
        all[i] = deid_pseudonym_for(a, i + 1);
    qsort(all, 5000, sizeof(*all), compare_strings);
    for (int i = 1; i < 5000; i++)
        cr_assert_str_neq(all[i - 1], all[i]);
    /* A new export draws afresh: the same ids get other pseudonyms (two
     * 64-bit random values agree with probability 2^-64). */
    struct deid_pseudonyms *b = deid_pseudonyms_new();
    int same = 0;
    for (int64_t id = 1; id <= 100; id++)
        same += !strcmp(deid_pseudonym_for(a, id), deid_pseudonym_for(b, id));
    cr_assert_eq(same, 0);
    deid_pseudonyms_free(a);
    deid_pseudonyms_free(b);
    char r1[DEID_PSEUDONYM_LEN], r2[DEID_PSEUDONYM_LEN];
    deid_pseudonym_random(r1);
    deid_pseudonym_random(r2);
    cr_assert(pseudonym_shape(r1));
    cr_assert_str_neq(r1, r2);
}
