/* Unit tests for core/number: the strict readers of typed numbers. The
 * expected values are C literals of the same text (the compiler's own
 * correctly rounded reading) and <float.h>/<limits.h> limits. */
#include <criterion/criterion.h>
#include <float.h>
#include <limits.h>
#include <math.h>

#include "core/number.h"

/* parse_decimal() on text; cr_assert that it gives want. */
static void decimal_is(const char *text, double want)
{
    double v = -12345;
    int rc = parse_decimal(text, &v);
    cr_assert_eq(rc, NUMBER_OK, "\"%s\" refused (%d)", text, rc);
    cr_assert(v == want && signbit(v) == signbit(want),
              "\"%s\" read as %.17g, want %.17g", text, v, want);
}

/* parse_decimal() on text; cr_assert that it refuses it with why and
 * leaves the output alone. */
static void decimal_refused(const char *text, int why)
{
    double v = -12345;
    int rc = parse_decimal(text, &v);
    cr_assert_eq(rc, why, "\"%s\": got %d, want %d", text ? text : "(null)",
                 rc, why);
    cr_assert_eq(v, -12345, "\"%s\" changed the output", text);
}

static void integer_is(const char *text, long long lo, long long hi,
                       long long want)
{
    long long v = -12345;
    int rc = parse_integer(text, lo, hi, &v);
    cr_assert_eq(rc, NUMBER_OK, "\"%s\" refused (%d)", text, rc);
    cr_assert_eq(v, want, "\"%s\" read as %lld", text, v);
}

static void integer_refused(const char *text, long long lo, long long hi,
                            int why)
{
    long long v = -12345;
    int rc = parse_integer(text, lo, hi, &v);
    cr_assert_eq(rc, why, "\"%s\": got %d, want %d", text ? text : "(null)",
                 rc, why);
    cr_assert_eq(v, -12345, "\"%s\" changed the output", text);
}

Test(number, decimal_accepts_plain_forms)
{
    decimal_is("0", 0.0);
    decimal_is("-0", -0.0);
    decimal_is("5", 5.0);
    decimal_is("007", 7.0);
    decimal_is("-12", -12.0);
    decimal_is("3.25", 3.25);
    decimal_is("-0.5", -0.5);
    decimal_is("0.1", 0.1);
    decimal_is("2.5e-3", 2.5e-3);
    decimal_is("1E+05", 1E+05);
    decimal_is("1e5", 1e5);
    decimal_is("-4.5E2", -450.0);
    decimal_is("0e999", 0.0);
    decimal_is("12345678901234567890", 12345678901234567890.0);
}

Test(number, decimal_boundaries)
{
    /* The largest finite double and the smallest normal one. */
    decimal_is("1.7976931348623157e308", DBL_MAX);
    decimal_is("-1.7976931348623157e308", -DBL_MAX);
    decimal_is("2.2250738585072014e-308", DBL_MIN);
    /* Past the largest: rounds to infinity. */
    decimal_refused("1.8e308", NUMBER_OUT_OF_RANGE);
    decimal_refused("1e999", NUMBER_OUT_OF_RANGE);
    decimal_refused("-1e999", NUMBER_OUT_OF_RANGE);
    /* Below the smallest normal: strtod reports underflow. */
    decimal_refused("1e-999", NUMBER_OUT_OF_RANGE);
    decimal_refused("1e-320", NUMBER_OUT_OF_RANGE);
}

Test(number, decimal_refuses_lenient_forms)
{
    decimal_refused(NULL, NUMBER_EMPTY);
    decimal_refused("", NUMBER_EMPTY);
    const char *bad[] = {
        "0x10", "0X1p3", "nan", "NaN", "-nan", "inf", "-inf", "Infinity",
        " 5", "5 ", "\t5", "5\n", "+5", "+0.5", "--5", "-", ".", ".5",
        "5.", "-.5", "1e", "1e+", "1e-", "e5", "1.2.3", "1,5", "1e5.5",
        "5abc", "abc", "1_000", "\xd9\xa5", "5\xc2\xa0",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        decimal_refused(bad[i], NUMBER_MALFORMED);
}

Test(number, integer_accepts_plain_forms)
{
    integer_is("0", LLONG_MIN, LLONG_MAX, 0);
    integer_is("-0", LLONG_MIN, LLONG_MAX, 0);
    integer_is("42", LLONG_MIN, LLONG_MAX, 42);
    integer_is("-42", LLONG_MIN, LLONG_MAX, -42);
    integer_is("0042", LLONG_MIN, LLONG_MAX, 42);
}

Test(number, integer_boundaries_and_overflow)
{
    integer_is("9223372036854775807", LLONG_MIN, LLONG_MAX, LLONG_MAX);
    integer_is("-9223372036854775808", LLONG_MIN, LLONG_MAX, LLONG_MIN);
    integer_refused("9223372036854775808", LLONG_MIN, LLONG_MAX,
                    NUMBER_OUT_OF_RANGE);
    integer_refused("-9223372036854775809", LLONG_MIN, LLONG_MAX,
                    NUMBER_OUT_OF_RANGE);
    integer_refused("99999999999999999999999", LLONG_MIN, LLONG_MAX,
                    NUMBER_OUT_OF_RANGE);
    /* The caller's bounds are both included. */
    integer_is("1", 1, 600, 1);
    integer_is("600", 1, 600, 600);
    integer_refused("0", 1, 600, NUMBER_OUT_OF_RANGE);
    integer_refused("601", 1, 600, NUMBER_OUT_OF_RANGE);
    integer_refused("-1", 0, 10, NUMBER_OUT_OF_RANGE);
}

Test(number, integer_refuses_lenient_forms)
{
    integer_refused(NULL, 0, 10, NUMBER_EMPTY);
    integer_refused("", 0, 10, NUMBER_EMPTY);
    const char *bad[] = {
        " 5", "5 ", "\t5", "5\n", "+5", "--5", "-", "0x10", "010x", "5.0",
        "5.", "1e3", "nan", "inf", "five", "5abc", "1,000", "\xd9\xa5",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        integer_refused(bad[i], LLONG_MIN, LLONG_MAX, NUMBER_MALFORMED);
}
