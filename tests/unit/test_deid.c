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

#include "documents/deid.h"

Test(deid, zip_to_three_digits)
{
    char out[DEID_ZIP3_LEN];
    struct err e = ERR_INIT;
    cr_assert_eq(deid_zip3("94110", out, &e), 0);
    cr_assert_str_eq(out, "941");
    cr_assert_eq(deid_zip3("94110-1234", out, &e), 0);
    cr_assert_str_eq(out, "941");
    cr_assert_eq(deid_zip3("10001", out, &e), 0);
    cr_assert_str_eq(out, "100");
    /* 036 (New Hampshire) is restricted: 03601 -> 000. */
    cr_assert_eq(deid_zip3("03601", out, &e), 0);
    cr_assert_str_eq(out, "000");
    /* Its neighbours are not. */
    cr_assert_eq(deid_zip3("03501", out, &e), 0);
    cr_assert_str_eq(out, "035");
    cr_assert_eq(deid_zip3("03701", out, &e), 0);
    cr_assert_str_eq(out, "037");
    /* Nothing to export is not an error. */
    cr_assert_eq(deid_zip3(NULL, out, &e), 0);
    cr_assert_str_eq(out, "");
    cr_assert_eq(deid_zip3("", out, &e), 0);
    cr_assert_str_eq(out, "");
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

Test(deid, ages_and_the_90_plus_pool)
{
    char out[DEID_AGE_LABEL_LEN];
    int age;
    struct err e = ERR_INIT;
    /* Born 1936-07-01: 89 the day before the 90th birthday, 90 on it. */
    cr_assert_eq(deid_age("1936-07-01", "2026-06-30", &age, &e), 0);
    cr_assert_eq(age, 89);
    cr_assert_eq(deid_age_label("1936-07-01", "2026-06-30", "2026-06-30",
                                out, &e), 0);
    cr_assert_str_eq(out, "89");
    cr_assert_eq(deid_age_label("1936-07-01", "2026-07-01", "2026-07-01",
                                out, &e), 0);
    cr_assert_str_eq(out, "90+");
    cr_assert_eq(deid_age_label("1920-01-01", "2026-06-30", "2026-06-30",
                                out, &e), 0);
    cr_assert_str_eq(out, "90+");
    cr_assert_eq(deid_age_label("2026-06-30", "2026-06-30", "2026-06-30",
                                out, &e), 0);
    cr_assert_str_eq(out, "0");
    /* 85 at an episode in 2020, 91 on the export day: the age and the
     * episode's year together would reveal the birth year, so pool. */
    cr_assert_eq(deid_age_label("1935-01-01", "2020-06-01", "2026-06-30",
                                out, &e), 0);
    cr_assert_str_eq(out, "90+");
    cr_assert_eq(deid_age_label("1960-01-01", "2020-06-01", "2026-06-30",
                                out, &e), 0);
    cr_assert_str_eq(out, "60");
}

Test(deid, leap_day_birthdays)
{
    int age;
    struct err e = ERR_INIT;
    /* Born 2000-02-29: in a common year the birthday is reached on 1 March,
     * in a leap year on 29 February. */
    cr_assert_eq(deid_age("2000-02-29", "2023-02-28", &age, &e), 0);
    cr_assert_eq(age, 22);
    cr_assert_eq(deid_age("2000-02-29", "2023-03-01", &age, &e), 0);
    cr_assert_eq(age, 23);
    cr_assert_eq(deid_age("2000-02-29", "2024-02-28", &age, &e), 0);
    cr_assert_eq(age, 23);
    cr_assert_eq(deid_age("2000-02-29", "2024-02-29", &age, &e), 0);
    cr_assert_eq(age, 24);
    /* Born 1936-02-29 turns 90 in 2026 (a common year) on 1 March. */
    char out[DEID_AGE_LABEL_LEN];
    cr_assert_eq(deid_age_label("1936-02-29", "2026-02-28", "2026-02-28",
                                out, &e), 0);
    cr_assert_str_eq(out, "89");
    cr_assert_eq(deid_age_label("1936-02-29", "2026-03-01", "2026-03-01",
                                out, &e), 0);
    cr_assert_str_eq(out, "90+");
}

Test(deid, bad_ages_refused)
{
    int age;
    char out[DEID_AGE_LABEL_LEN];
    struct err e = ERR_INIT;
    cr_assert_eq(deid_age("2027-01-01", "2026-06-30", &age, &e), -1);
    cr_assert_str_eq(e.field, "birth_date");
    cr_assert_eq(deid_age("1999-02-29", "2026-06-30", &age, &e), -1);
    cr_assert_str_eq(e.field, "birth_date");
    cr_assert_eq(deid_age("1999-02-28", "2026-13-01", &age, &e), -1);
    cr_assert_str_eq(e.field, "on");
    cr_assert_eq(deid_age_label("1999-02-28", "2020-01-01", "nope", out, &e),
                 -1);
    cr_assert_str_eq(e.field, "export_on");
}

Test(deid, birth_year_withheld_over_89)
{
    int y;
    struct err e = ERR_INIT;
    cr_assert_eq(deid_birth_year("1960-05-05", "2026-06-30", &y, &e), 0);
    cr_assert_eq(y, 1960);
    cr_assert_eq(deid_birth_year("1936-06-30", "2026-06-30", &y, &e), 0);
    cr_assert_eq(y, 0);
    cr_assert_eq(deid_birth_year("1936-07-01", "2026-06-30", &y, &e), 0);
    cr_assert_eq(y, 1936);
}

Test(deid, day_offsets)
{
    long d;
    struct err e = ERR_INIT;
    cr_assert_eq(deid_day_offset("2024-02-28", "2024-03-01", &d, &e), 0);
    cr_assert_eq(d, 2);
    cr_assert_eq(deid_day_offset("2023-02-28", "2023-03-01", &d, &e), 0);
    cr_assert_eq(d, 1);
    cr_assert_eq(deid_day_offset("2025-12-31", "2026-01-01", &d, &e), 0);
    cr_assert_eq(d, 1);
    /* python3: (date(2026,6,30) - date(2000,1,1)).days == 9677 */
    cr_assert_eq(deid_day_offset("2000-01-01", "2026-06-30", &d, &e), 0);
    cr_assert_eq(d, 9677);
    /* python3: (date(1970,1,1) - date(2026,6,30)).days == -20634 */
    cr_assert_eq(deid_day_offset("2026-06-30", "1970-01-01", &d, &e), 0);
    cr_assert_eq(d, -20634);
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
