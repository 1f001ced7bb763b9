/* Unit tests for core/json_write: the text equals jansson's json_dumps()
 * byte for byte, for literal values chosen for their edges (reals' forms
 * and exponents, escapes, empty containers, nesting) and for random
 * documents, under every supported flag; refused flags and values; the
 * file writer in pieces; a buffer's cap; json_real_text() against
 * strfromd() on edges, ties and random values at every precision. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_write.h"

/* Asserts that json_write_buf and json_write_file give exactly what
 * json_dumps gives for v under flags. */
static void same_as_jansson(const json_t *v, size_t flags)
{
    char *want = json_dumps(v, flags);
    cr_assert_not_null(want, "jansson refused flags %zx", flags);
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(json_write_buf(v, flags, &b), 0, "flags %zx", flags);
    cr_assert_eq(b.len, strlen(want), "flags %zx: %zu bytes, jansson %zu",
                 flags, b.len, strlen(want));
    cr_assert(!memcmp(b.data, want, b.len), "flags %zx:\n%s\njansson:\n%s",
              flags, b.data, want);
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    cr_assert_eq(json_write_file(v, flags, f), 0);
    long size = ftell(f);
    cr_assert_eq((size_t)size, strlen(want));
    rewind(f);
    char *back = malloc((size_t)size + 1);
    cr_assert_eq(fread(back, 1, (size_t)size, f), (size_t)size);
    cr_assert(!memcmp(back, want, (size_t)size));
    free(back);
    fclose(f);
    buf_release(&b);
    free(want);
}

/* Every supported flag combination worth telling apart. */
static void under_all_flags(const json_t *v)
{
    static const size_t layout[] = {
        0, JSON_COMPACT, JSON_INDENT(1), JSON_INDENT(2), JSON_INDENT(4),
        JSON_INDENT(31), JSON_INDENT(2) | JSON_COMPACT};
    static const int precision[] = {0, 1, 4, 10, 16, 17, 31};
    for (size_t i = 0; i < sizeof(layout) / sizeof(*layout); i++)
        for (size_t k = 0; k < sizeof(precision) / sizeof(*precision); k++) {
            size_t flags = layout[i] | JSON_REAL_PRECISION(precision[k]);
            same_as_jansson(v, flags);
            same_as_jansson(v, flags | JSON_PRESERVE_ORDER);
        }
}

Test(json_write, edges_equal_jansson)
{
    json_t *reals = json_array();
    static const double values[] = {
        0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3.0, 2.0 / 3.0, 100000.0, 1e5,
        1e-5, 1e21, 1e22, 1.5e-7, 123456789012.0, 1234567890123456789.0,
        2.5e300, -2.5e-300, 5e-324, 1.7976931348623157e308, 0.5, 1e100,
        1e-100, 9.999999999e9, 3.14159, -4.961628603, 1.008037901e-5};
    for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++)
        json_array_append_new(reals, json_real(values[i]));
    json_t *doc = json_pack(
        "{s:o, s:[I,I,I,I], s:s, s:s, s:s, s:s, s:{}, s:[], s:[[],{},[[]]],"
        " s:b, s:b, s:n, s:{s:{s:[i,{s:i}]}}}",
        "reals", reals, "integers", (json_int_t)0, (json_int_t)-7,
        (json_int_t)INT64_MAX, (json_int_t)INT64_MIN, "escapes",
        "quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f",
        "control", "\x01\x02\x1f\x7f end", "utf8",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "", "empty key",
        "empty object", "empty array", "nested empties", "yes", 1, "no", 0,
        "none", "deep", "a", "b", 1, "c", 2);
    cr_assert_not_null(doc);
    json_object_set_new(doc, "k\"ey\n\x01", json_string("odd key"));
    under_all_flags(doc);
    /* Top-level scalars with JSON_ENCODE_ANY. */
    json_t *one = json_real(1e5);
    same_as_jansson(one, JSON_ENCODE_ANY);
    same_as_jansson(one, JSON_ENCODE_ANY | JSON_REAL_PRECISION(3));
    json_decref(one);
    json_t *text = json_string("a\tb");
    same_as_jansson(text, JSON_ENCODE_ANY | JSON_INDENT(2));
    json_decref(text);
    json_decref(doc);
}

/* A small generator, the same sequence on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static json_t *random_value(int depth)
{
    int kind = (int)(rng() % (depth > 4 ? 6 : 8));
    switch (kind) {
    case 0: return json_null();
    case 1: return json_boolean(rng() & 1);
    case 2: return json_integer((json_int_t)(rng() % 2000001) - 1000000);
    case 3: {
        double mant = (double)(rng() % 1000000007) / 1000000007.0;
        int exp10 = (int)(rng() % 41) - 20;
        return json_real((rng() & 1 ? -1 : 1) * mant * pow(10.0, exp10));
    }
    case 4: return json_real((double)(rng() % 100000));
    case 5: {
        char s[24];
        size_t n = rng() % sizeof(s);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(1 + rng() % 126);
        return json_stringn(s, n);
    }
    case 6: {
        json_t *a = json_array();
        size_t n = rng() % 5;
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        size_t n = rng() % 5;
        for (size_t i = 0; i < n; i++) {
            char key[16];
            snprintf(key, sizeof(key), "k%u", (unsigned)(rng() % 50));
            json_object_set_new(o, key, random_value(depth + 1));
        }
        return o;
    }
    }
}

Test(json_write, random_documents_equal_jansson)
{
    for (int round = 0; round < 200; round++) {
        json_t *doc = json_array();
        size_t n = 1 + rng() % 6;
        for (size_t i = 0; i < n; i++)
            json_array_append_new(doc, random_value(0));
        under_all_flags(doc);
        json_decref(doc);
    }
}

Test(json_write, large_document_to_a_file_in_pieces)
{
    /* Several hundred kilobytes: written out in many pieces. */
    json_t *doc = json_object(), *cells = json_array();
    for (int i = 0; i < 5000; i++)
        json_array_append_new(
            cells, json_pack("{s:i, s:f, s:s, s:[f,f], s:n}", "n", i,
                             "mean", i / 7.0, "label", "P-0001", "ci",
                             i / 9.0, i / 11.0, "funnel"));
    json_object_set_new(doc, "cells", cells);
    same_as_jansson(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                             JSON_REAL_PRECISION(10));
    same_as_jansson(cells, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(doc);
}

Test(json_write, refuses_what_it_does_not_write_as_jansson)
{
    json_t *doc = json_pack("{s:i}", "a", 1);
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(json_write_buf(doc, JSON_SORT_KEYS, &b), -1);
    cr_assert_eq(json_write_buf(doc, JSON_ENSURE_ASCII, &b), -1);
    cr_assert_eq(json_write_buf(doc, JSON_ESCAPE_SLASH, &b), -1);
    cr_assert_eq(json_write_buf(doc, JSON_EMBED, &b), -1);
    cr_assert_eq(json_write_buf(NULL, 0, &b), -1);
    json_t *scalar = json_integer(3);
    cr_assert_eq(json_write_buf(scalar, 0, &b), -1);
    cr_assert_eq(b.len, 0, "nothing written when refused");
    json_decref(scalar);
    /* A cap too small: refused, and the buffer says so. */
    struct buf small;
    buf_init(&small, 4);
    cr_assert_eq(json_write_buf(doc, 0, &small), -1);
    cr_assert(!buf_ok(&small));
    buf_release(&small);
    buf_release(&b);
    json_decref(doc);
}

/* Writes v through json_out item by item (containers opened and closed,
 * scalars by type), as the registry document's writer does. */
static void out_value(struct json_out *o, const json_t *v)
{
    if (json_is_object(v)) {
        json_out_open(o, '{');
        const char *key;
        json_t *m;
        json_object_foreach((json_t *)v, key, m) {
            json_out_key(o, key);
            out_value(o, m);
        }
        json_out_close(o, '}');
    } else if (json_is_array(v)) {
        json_out_open(o, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_out_item(o);
            out_value(o, json_array_get(v, i));
        }
        json_out_close(o, ']');
    } else if (json_is_string(v)) {
        json_out_string(o, json_string_value(v));
    } else if (json_is_real(v)) {
        json_out_real(o, json_real_value(v));
    } else if (json_is_integer(v)) {
        json_out_int(o, json_integer_value(v));
    } else {
        json_out_literal(o, json_is_null(v) ? "null"
                            : json_is_true(v) ? "true" : "false");
    }
}

Test(json_write, item_by_item_equals_jansson)
{
    json_t *v = json_pack(
        "{s:n,s:[],s:{},s:[f,f,{s:[i,s]}],s:{s:b,s:f},s:s}", "a", "empty",
        "obj", "reals", 0.1, -2.5e-30, "deep", 7, "x\"y\n", "flags", "t", 1,
        "big", 1e300, "s", "caf\xc3\xa9");
    const size_t flags[] = {0, JSON_COMPACT, JSON_INDENT(2),
                            JSON_INDENT(2) | JSON_REAL_PRECISION(10),
                            JSON_COMPACT | JSON_REAL_PRECISION(17)};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        char *want = json_dumps(v, flags[i]);
        struct buf b;
        buf_init(&b, 0);
        struct json_out o;
        json_out_init(&o, &b, flags[i], 0);
        out_value(&o, v);
        cr_assert(!o.failed);
        cr_assert_str_eq(b.data, want, "flags %zx", flags[i]);
        /* A real that is not finite is null. */
        buf_reset(&b);
        json_out_init(&o, &b, flags[i], 0);
        json_out_real(&o, NAN);
        cr_assert_str_eq(b.data, "null");
        buf_release(&b);
        free(want);
    }
    /* Closing what is not open fails. */
    struct buf b;
    buf_init(&b, 0);
    struct json_out o;
    json_out_init(&o, &b, 0, 0);
    json_out_close(&o, '}');
    cr_assert(o.failed);
    buf_release(&b);
    json_decref(v);
}

/* Asserts that json_real_text() gives either nothing or exactly what
 * strfromd() gives for v at precision; returns whether it gave text. */
static int real_as_strfromd(double v, int precision)
{
    char format[8], want[64], got[64];
    snprintf(format, sizeof(format), "%%.%dg", precision);
    strfromd(want, sizeof(want), format, v);
    size_t n = json_real_text(v, precision, got);
    if (n == 0)
        return 0;
    cr_assert_eq(n, strlen(got), "%.17g at %d: length", v, precision);
    cr_assert_str_eq(got, want, "%.17g at %d: %s, strfromd %s", v,
                     precision, got, want);
    return 1;
}

Test(json_write, real_text_equals_strfromd_at_edges)
{
    static const double values[] = {
        1, -1, 0.5, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 10, 100, 1e9, 1e10,
        9999999999.0, 9999999999.4, 9999999999.6, 999999999.95, 1e-4,
        9.99999999995e-5, 1.00000000005e-4, 0.0001, 0.00012345678905,
        0.000123456789051, 1234567890.5, 1234567891.5, 0.125, 2.5, 3.5,
        123456.78905, 5e-5, 1e11, 1e15, 1e16, 1e17, 1e22, 4503599627370496.5,
        9007199254740993.0, 0.30000000000000004, 1.0000000005, 1.0000000015,
        7.0, 12.0, 0.6666666667, 0.75, 0.8, 99.99999999, 99.999999995,
        0.99999999995, 0.999999999949, 0.999999999951, 123.4500000000001,
        -0.0001, -123.456, -9999999999.0, 5e-324, 1.7976931348623157e308,
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        for (int p = 1; p <= 17; p++) {
            real_as_strfromd(values[i], p);
            real_as_strfromd(-values[i], p);
        }
    /* Zero, infinities and NaN are left to strfromd(). */
    char text[64];
    cr_assert_eq(json_real_text(0.0, 10, text), 0);
    cr_assert_eq(json_real_text(-0.0, 10, text), 0);
    cr_assert_eq(json_real_text(INFINITY, 10, text), 0);
    cr_assert_eq(json_real_text(NAN, 10, text), 0);
    /* Exponents out of %g's fixed range are left to it too. */
    cr_assert_eq(json_real_text(1e10, 10, text), 0);
    cr_assert_eq(json_real_text(9999999999.5, 10, text), 0);
    cr_assert_eq(json_real_text(0.00001, 10, text), 0);
    /* Ties go to the even digit, as strfromd() rounds them; the common
     * forms are written without it. */
    static const struct {
        double v;
        int precision;
        const char *want;
    } written[] = {
        {1234567890.5, 10, "1234567890"},
        {1234567891.5, 10, "1234567892"},
        {0.125, 2, "0.12"},
        {0.00009999999999951, 10, "0.0001"},
        {0.6666666667, 10, "0.6666666667"},
        {12.0, 10, "12"},
        {-0.00012, 10, "-0.00012"},
    };
    for (size_t i = 0; i < sizeof(written) / sizeof(written[0]); i++) {
        cr_assert_gt(json_real_text(written[i].v, written[i].precision,
                                    text), 0, "%s", written[i].want);
        cr_assert_str_eq(text, written[i].want);
    }
}

Test(json_write, real_text_equals_strfromd_on_random_values)
{
    rng_state = 0x243f6a8885a308d3ULL;
    long written = 0, total = 0;
    for (int i = 0; i < 400000; i++) {
        double v;
        switch (rng() % 6) {
        case 5: /* dyadic: exact ties at many precisions */
            v = ldexp((double)(rng() % (1ULL << 40)), -(int)(rng() % 50));
            break;
        case 0: /* any bit pattern */
            {
                uint64_t bits = rng();
                memcpy(&v, &bits, sizeof(v));
            }
            break;
        case 1: /* ratios as the reports' rates and means are */
            v = (double)(rng() % 100000) / (double)(1 + rng() % 5000);
            break;
        case 2: /* decimals near ties at the last digit kept */
            v = ((double)(rng() % 10000000000ULL) + 0.5) *
                pow(10.0, (double)((int)(rng() % 14) - 13));
            break;
        case 3: /* integers */
            v = (double)(rng() % 100000000000ULL);
            break;
        default: /* over the fixed range's exponents */
            v = (double)(rng() % 1000000007) / 1000000007.0 *
                pow(10.0, (double)((int)(rng() % 20) - 6));
            break;
        }
        if (rng() & 1)
            v = -v;
        for (int p = 1; p <= 17; p++) {
            total++;
            written += real_as_strfromd(v, p);
        }
    }
    /* Many of these are written without strfromd(). */
    cr_assert_gt(written, total / 3, "%ld of %ld", written, total);
}
