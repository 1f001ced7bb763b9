/* Writing a jansson value as jansson's json_dumps() does (core/json_write.h). */
#include "core/json_write.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The flags of jansson's that are written as jansson writes them. */
#define SUPPORTED                                                            \
    (JSON_MAX_INDENT | JSON_COMPACT | JSON_REAL_PRECISION(31) |              \
     JSON_ENCODE_ANY | JSON_PRESERVE_ORDER)
#define INDENT_OF(f) ((int)((f) & JSON_MAX_INDENT))
#define PRECISION_OF(f) ((int)(((f) >> 11) & 0x1F))
/* Pieces written to a file at a time. */
#define FLUSH_AT 65536

/* The writer is struct json_out (core/json_write.h): the value writer
 * below and the item-by-item writer share it. */
#define writer json_out

static void put(struct writer *w, const char *s, size_t len)
{
    if (buf_add(w->b, s, len) < 0)
        w->failed = 1;
}

static void put_char(struct writer *w, char c)
{
    struct buf *b = w->b;
    if (b->len + 1 < b->alloc && (!b->cap || b->len + 1 <= b->cap)) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    if (buf_putc(b, c) < 0)
        w->failed = 1;
}

/* A new line at depth, or a space between items when not compact. */
static void newline(struct writer *w, int depth, int space)
{
    static const char spaces[] = "                                ";
    if (w->indent > 0) {
        put_char(w, '\n');
        size_t n = (size_t)depth * (size_t)w->indent;
        while (n > 0) {
            size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
            put(w, spaces, k);
            n -= k;
        }
    } else if (space && !(w->flags & JSON_COMPACT)) {
        put_char(w, ' ');
    }
}

static void write_string(struct writer *w, const char *s, size_t len)
{
    put_char(w, '"');
    size_t from = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(w, s + from, i - from);
        char seq[8];
        const char *text = seq;
        switch (c) {
        case '"': text = "\\\""; break;
        case '\\': text = "\\\\"; break;
        case '\b': text = "\\b"; break;
        case '\f': text = "\\f"; break;
        case '\n': text = "\\n"; break;
        case '\r': text = "\\r"; break;
        case '\t': text = "\\t"; break;
        default:
            snprintf(seq, sizeof(seq), "\\u%04X", (unsigned)c);
            break;
        }
        put(w, text, strlen(text));
        from = i + 1;
    }
    put(w, s + from, len - from);
    put_char(w, '"');
}

/* Powers of ten, exact as doubles up to 10^22 and as 64-bit integers up
 * to 10^19. */
static const uint64_t tens[] = {
    1ULL,
    10ULL,
    100ULL,
    1000ULL,
    10000ULL,
    100000ULL,
    1000000ULL,
    10000000ULL,
    100000000ULL,
    1000000000ULL,
    10000000000ULL,
    100000000000ULL,
    1000000000000ULL,
    10000000000000ULL,
    100000000000000ULL,
    1000000000000000ULL,
    10000000000000000ULL,
    100000000000000000ULL,
    1000000000000000000ULL,
    10000000000000000000ULL,
};
#define FAST_MAX_PRECISION 17

/* The precision significant digits of a * 10^k, a = m * 2^-shift exactly,
 * rounded to nearest with ties to even as strfromd() rounds the exact
 * binary value (in the default rounding mode). */
static unsigned __int128 scaled_digits(uint64_t m, int shift, int k)
{
    unsigned __int128 p = (unsigned __int128)m * tens[k];
    if (shift <= 0)
        return p << -shift;
    unsigned __int128 q = p >> shift;
    unsigned __int128 r = p - (q << shift);
    unsigned __int128 half = (unsigned __int128)1 << (shift - 1);
    if (r > half || (r == half && (q & 1)))
        q++;
    return q;
}

/* "%.<precision>g" of v when it is written without an exponent, digit for
 * digit as strfromd() writes it, into text (at least 32 bytes); returns
 * its length, or 0 when v is left to strfromd(): zero, not finite, or an
 * exponent out of %g's fixed range. Exact: the digits come from integer
 * arithmetic on v's mantissa. */
static size_t fast_real(double v, int precision, char *text)
{
    if (precision < 1 || precision > FAST_MAX_PRECISION || v == 0 ||
        !isfinite(v))
        return 0;
    double a = fabs(v);
    /* %g's fixed notation: an exponent from -4 to precision - 1. */
    if (a < 1e-5 || a >= (double)tens[precision])
        return 0;
    int e2;
    double f = frexp(a, &e2); /* a = f * 2^e2, f in [0.5, 1) */
    uint64_t m = (uint64_t)ldexp(f, 53);
    int shift = 53 - e2; /* a = m * 2^-shift */
    if (shift > 120 || shift < -10)
        return 0;
    /* The decimal exponent, checked by the digits below. */
    int x = 0;
    if (a >= 1) {
        while (x < precision - 1 && a >= (double)tens[x + 1])
            x++;
    } else {
        while (x > -5 && a * (double)tens[-x + 1] < 1)
            x--;
        x--;
    }
    unsigned __int128 top = tens[precision], low = tens[precision - 1];
    unsigned __int128 digits = 0;
    for (int tries = 0;; tries++) {
        int k = precision - 1 - x;
        if (tries == 3 || k < 0 ||
            k >= (int)(sizeof(tens) / sizeof(tens[0])))
            return 0;
        digits = scaled_digits(m, shift, k);
        if (digits >= top)
            x++;
        else if (digits < low)
            x--;
        else
            break;
    }
    if (x < -4 || x > precision - 1)
        return 0;
    char d[FAST_MAX_PRECISION];
    uint64_t rest = (uint64_t)digits;
    for (int i = precision - 1; i >= 0; i--) {
        d[i] = (char)('0' + rest % 10);
        rest /= 10;
    }
    int n = precision; /* significant digits kept: no trailing zeros */
    while (n > 1 && d[n - 1] == '0')
        n--;
    size_t len = 0;
    if (v < 0)
        text[len++] = '-';
    if (x >= 0) {
        for (int i = 0; i <= x; i++)
            text[len++] = d[i];
        if (n > x + 1) {
            text[len++] = '.';
            for (int i = x + 1; i < n; i++)
                text[len++] = d[i];
        }
    } else {
        text[len++] = '0';
        text[len++] = '.';
        for (int i = -1; i > x; i--)
            text[len++] = '0';
        for (int i = 0; i < n; i++)
            text[len++] = d[i];
    }
    text[len] = '\0';
    return len;
}

size_t json_real_text(double v, int precision, char *text)
{
    return fast_real(v, precision, text);
}

/* A real as jansson writes it: "%.*g", with ".0" when it would read back
 * as an integer, and the exponent without '+' or leading zeros. */
static void write_real(struct writer *w, double v)
{
    char text[64];
    size_t fast = fast_real(v, w->precision, text);
    if (fast) {
        if (!memchr(text, '.', fast)) {
            text[fast++] = '.';
            text[fast++] = '0';
        }
        put(w, text, fast);
        return;
    }
    /* strfromd(): the digits of snprintf()'s "%.*g" without its parse of
     * the format at every number (a tenth of the national report's
     * CPU was snprintf()). */
    int n = strfromd(text, sizeof(text), w->real_format, v);
    if (n < 0 || (size_t)n >= sizeof(text) - 3) {
        w->failed = 1;
        return;
    }
    size_t len = (size_t)n;
    char *e = memchr(text, 'e', len);
    if (!e && !memchr(text, '.', len)) {
        text[len++] = '.';
        text[len++] = '0';
        text[len] = '\0';
    }
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - text) + 1);
            len -= (size_t)(end - start);
        }
    }
    put(w, text, len);
}

static void flush_some(struct writer *w)
{
    if (!w->f || w->b->len < FLUSH_AT)
        return;
    if (fwrite(w->b->data, 1, w->b->len, w->f) != w->b->len)
        w->failed = 1;
    buf_reset(w->b);
}

static void write_value(struct writer *w, const json_t *v, int depth)
{
    char text[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        put_char(w, '{');
        void *it = json_object_iter((json_t *)v);
        if (!it) {
            put_char(w, '}');
            return;
        }
        newline(w, depth + 1, 0);
        while (it && !w->failed) {
            void *next = json_object_iter_next((json_t *)v, it);
            write_string(w, json_object_iter_key(it),
                         json_object_iter_key_len(it));
            if (w->flags & JSON_COMPACT)
                put_char(w, ':');
            else
                put(w, ": ", 2);
            write_value(w, json_object_iter_value(it), depth + 1);
            if (next) {
                put_char(w, ',');
                newline(w, depth + 1, 1);
            } else {
                newline(w, depth, 0);
            }
            it = next;
        }
        put_char(w, '}');
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        put_char(w, '[');
        if (n == 0) {
            put_char(w, ']');
            return;
        }
        newline(w, depth + 1, 0);
        for (size_t i = 0; i < n && !w->failed; i++) {
            write_value(w, json_array_get(v, i), depth + 1);
            if (i + 1 < n) {
                put_char(w, ',');
                newline(w, depth + 1, 1);
            } else {
                newline(w, depth, 0);
            }
            if (depth == 0)
                flush_some(w);
        }
        put_char(w, ']');
        break;
    }
    case JSON_STRING:
        write_string(w, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        int n = snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT,
                         json_integer_value(v));
        put(w, text, (size_t)n);
        break;
    }
    case JSON_REAL:
        write_real(w, json_real_value(v));
        break;
    case JSON_TRUE:
        put(w, "true", 4);
        break;
    case JSON_FALSE:
        put(w, "false", 5);
        break;
    case JSON_NULL:
        put(w, "null", 4);
        break;
    }
    if (depth <= 1)
        flush_some(w);
}

void json_out_init(struct json_out *o, struct buf *b, size_t flags,
                   int depth)
{
    memset(o, 0, sizeof(*o));
    o->b = b;
    o->flags = flags;
    o->indent = INDENT_OF(flags);
    int precision = PRECISION_OF(flags);
    o->precision = precision ? precision : 17;
    snprintf(o->real_format, sizeof(o->real_format), "%%.%dg",
             o->precision);
    o->level = depth < 0 ? 0 : depth;
    o->failed = (flags & ~(size_t)SUPPORTED) != 0;
}

/* Before an item of the open container: its separator and new line. */
static void out_item(struct json_out *o)
{
    if (o->level < 1 || o->level > JSON_OUT_DEPTH) {
        o->failed = 1;
        return;
    }
    if (o->items[o->level - 1]++) {
        put_char(o, ',');
        newline(o, o->level, 1);
    } else {
        newline(o, o->level, 0);
    }
}

void json_out_open(struct json_out *o, char bracket)
{
    put_char(o, bracket);
    if (o->level >= JSON_OUT_DEPTH) {
        o->failed = 1;
        return;
    }
    o->items[o->level++] = 0;
}

void json_out_close(struct json_out *o, char bracket)
{
    if (o->level < 1) {
        o->failed = 1;
        return;
    }
    if (o->items[--o->level])
        newline(o, o->level, 0);
    put_char(o, bracket);
}

void json_out_key(struct json_out *o, const char *key)
{
    out_item(o);
    write_string(o, key, strlen(key));
    if (o->flags & JSON_COMPACT)
        put_char(o, ':');
    else
        put(o, ": ", 2);
}

void json_out_item(struct json_out *o)
{
    out_item(o);
}

void json_out_string(struct json_out *o, const char *s)
{
    if (s)
        write_string(o, s, strlen(s));
    else
        put(o, "null", 4);
}

void json_out_real(struct json_out *o, double v)
{
    if (isfinite(v))
        write_real(o, v);
    else
        put(o, "null", 4);
}

void json_out_int(struct json_out *o, long long v)
{
    char text[32];
    int n = snprintf(text, sizeof(text), "%lld", v);
    put(o, text, (size_t)n);
}

void json_out_literal(struct json_out *o, const char *text)
{
    put(o, text, strlen(text));
}

void json_out_value(struct json_out *o, const json_t *v)
{
    write_value(o, v, o->level);
}

static int write_top(const json_t *v, size_t flags, int depth,
                     struct buf *b, FILE *f)
{
    if (!v || (!(flags & JSON_ENCODE_ANY) && !json_is_object(v) &&
               !json_is_array(v)))
        return -1;
    struct writer w;
    json_out_init(&w, b, flags, depth);
    w.f = f;
    if (!w.failed)
        write_value(&w, v, depth);
    return w.failed ? -1 : 0;
}

int json_write_buf(const json_t *v, size_t flags, struct buf *out)
{
    return write_top(v, flags, 0, out, NULL);
}

void json_write_newline(struct buf *out, size_t flags, int depth, int space)
{
    struct writer w;
    json_out_init(&w, out, flags, depth);
    newline(&w, depth, space);
}

int json_write_file(const json_t *v, size_t flags, FILE *f)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = write_top(v, flags, 0, &b, f);
    if (rc == 0 && b.len && fwrite(b.data, 1, b.len, f) != b.len)
        rc = -1;
    buf_release(&b);
    return rc;
}
