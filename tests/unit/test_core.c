/* Unit tests for core/: buffers, dates and instants, field validation. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "record/validate.h"

Test(buf, grows_and_stays_terminated)
{
    struct buf b = BUF_INIT;
    cr_assert_str_eq(b.data, "");
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%d,", i % 10);
    cr_assert_eq(b.len, 2000);
    cr_assert_eq(b.data[b.len], '\0');
    size_t len;
    char *s = buf_detach(&b, &len);
    cr_assert_eq(len, 2000);
    cr_assert_str_eq(b.data, "");
    free(s);
}

Test(buf, cap_refuses_and_sticks)
{
    struct buf b;
    buf_init(&b, 8);
    cr_assert_eq(buf_puts(&b, "12345678"), 0);
    cr_assert_eq(buf_puts(&b, "9"), -1);
    cr_assert_str_eq(b.data, "12345678");
    cr_assert_not(buf_ok(&b));
    buf_release(&b);
}

Test(clock, civil_days_round_trip)
{
    /* 1970-01-01 is day 0; 2000-03-01 is day 11017 (date -d @951868800). */
    cr_assert_eq(clock_days_from_civil(1970, 1, 1), 0);
    cr_assert_eq(clock_days_from_civil(2000, 3, 1), 11017);
    for (long d = -800000; d < 800000; d += 7919) {
        int y, m, dd;
        clock_civil_from_days(d, &y, &m, &dd);
        cr_assert_eq(clock_days_from_civil(y, m, dd), d);
    }
}

Test(clock, dates_must_be_real)
{
    struct err e = ERR_INIT;
    long d;
    cr_assert_eq(clock_parse_date("2024-02-29", &d, "dob", &e), 0);
    cr_assert_eq(clock_parse_date("2023-02-29", &d, "dob", &e), -1);
    cr_assert_str_eq(e.field, "dob");
    cr_assert(strstr(e.message, "not a real calendar date"));
    cr_assert_eq(clock_parse_date("1900-02-29", &d, "dob", &e), -1);
    cr_assert_eq(clock_parse_date("2000-02-29", &d, "dob", &e), 0);
    cr_assert_eq(clock_parse_date("2024-13-01", &d, "dob", &e), -1);
    cr_assert_eq(clock_parse_date("2024-1-01", &d, "dob", &e), -1);
    cr_assert_eq(clock_parse_date("", &d, "dob", &e), -1);
    cr_assert_eq(clock_parse_date(NULL, &d, "dob", &e), -1);
}

Test(clock, instants_with_offsets)
{
    struct err e = ERR_INIT;
    time_t t;
    char out[CLOCK_INSTANT_LEN];
    cr_assert_eq(clock_parse_instant("2026-03-01T10:30:00Z", &t, "at", &e), 0);
    clock_format_instant(t, out);
    cr_assert_str_eq(out, "2026-03-01T10:30:00Z");
    cr_assert_eq(clock_parse_instant("2026-03-01T10:30+02:00", &t, "at", &e),
                 0);
    clock_format_instant(t, out);
    cr_assert_str_eq(out, "2026-03-01T08:30:00Z");
    cr_assert_eq(clock_parse_instant("2026-03-01T24:00Z", &t, "at", &e), -1);
    cr_assert_eq(clock_parse_instant("2026-03-01X10:00", &t, "at", &e), -1);
    cr_assert_eq(clock_parse_instant("2026-03-01T10:00Zjunk", &t, "at", &e),
                 -1);
}

Test(validate, icd10_shapes)
{
    struct err e = ERR_INIT;
    const char *good[] = {"M54.50", "G44.209", "I10", "S39.012A", "M79.7",
                          "F43.10", "O26.89"};
    const char *bad[] = {"", "m54.5", "M5", "M54.", "M54.12345", "54.5",
                         "M54-5", "M54.5 "};
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        cr_assert_eq(validate_icd10(good[i], "icd10", &e), 0, "%s", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        cr_assert_eq(validate_icd10(bad[i], "icd10", &e), -1, "%s", bad[i]);
    cr_assert_eq(validate_icd10_list("M54.50,G57.01", "icd10", &e), 0);
    cr_assert_eq(validate_icd10_list("M54.50,,G57.01", "icd10", &e), -1);
}

Test(validate, npi_check_digit)
{
    /* CMS's published example: 123456789 with check digit 3. */
    struct err e = ERR_INIT;
    cr_assert_eq(validate_npi("1234567893", "npi", &e), 0);
    cr_assert_eq(validate_npi("1234567890", "npi", &e), -1);
    cr_assert(strstr(e.message, "check digit should be 3"));
    cr_assert_eq(validate_npi("12345", "npi", &e), -1);
    cr_assert_eq(validate_npi("12345678a3", "npi", &e), -1);
}

Test(validate, text_rules)
{
    struct err e = ERR_INIT;
    cr_assert_eq(validate_text("Ana", "name", 1, 10, &e), 0);
    cr_assert_eq(validate_text("", "name", 1, 10, &e), -1);
    cr_assert_eq(validate_text("  ", "name", 1, 10, &e), -1);
    cr_assert_eq(validate_text("abcdefghijk", "name", 1, 10, &e), -1);
    cr_assert_eq(validate_text("a\x01", "name", 1, 10, &e), -1);
    cr_assert_eq(validate_text("\xc3\x28", "name", 1, 10, &e), -1);
    cr_assert_eq(validate_text("Jos\xc3\xa9", "name", 1, 10, &e), 0);
    cr_assert_eq(validate_multiline("a\nb", "note", 10, &e), 0);
    cr_assert_eq(validate_slug("low-back-pain", "protocol", &e), 0);
    cr_assert_eq(validate_slug("Low--back", "protocol", &e), -1);
    cr_assert_eq(validate_email("a@b.org", "email", &e), 0);
    cr_assert_eq(validate_email("a@b", "email", &e), -1);
}
