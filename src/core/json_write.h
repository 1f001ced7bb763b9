/*
 * json_write: writing a jansson value as text, byte for byte as jansson's
 * json_dumps() writes it with the same flags, but in one pass over the
 * value into a growing buffer, without jansson's per-token callbacks and
 * its check for cycles (a value built by this program has none). For
 * documents of tens of megabytes, such as the registry's national report.
 *
 * Flags: those of jansson, of which JSON_INDENT(n), JSON_COMPACT,
 * JSON_REAL_PRECISION(n), JSON_ENCODE_ANY and JSON_PRESERVE_ORDER (a
 * no-op: jansson keeps insertion order) are supported; any other flag
 * (JSON_SORT_KEYS, JSON_ENSURE_ASCII, JSON_ESCAPE_SLASH, JSON_EMBED) is
 * refused. Strings are written as they are held (jansson holds valid
 * UTF-8), with '"', '\\' and control characters escaped as jansson does.
 */
#ifndef TS_CORE_JSON_WRITE_H
#define TS_CORE_JSON_WRITE_H

#include "core/buf.h"

#include <jansson.h>
#include <stdio.h>

/* Appends the text of v to out. Returns 0, or -1 when a flag is not
 * supported, v is not an object or array (without JSON_ENCODE_ANY), or
 * out's cap refused the text (out then holds part of it). Allocates only
 * out's growth. */
int json_write_buf(const json_t *v, size_t flags, struct buf *out);

/* Appends what jansson writes before an item at depth (after a ',' when
 * space is 1): a new line and the indentation with JSON_INDENT, else a
 * space unless JSON_COMPACT (space 1) or nothing. */
void json_write_newline(struct buf *out, size_t flags, int depth,
                        int space);

/*
 * A document written item by item, as jansson would write the same value
 * with the same flags, without building the value: for documents of tens
 * of megabytes written from the program's own structures.
 *
 *   json_out_open(o, '{'); json_out_key(o, "n"); json_out_int(o, 3);
 *   json_out_close(o, '}');
 *
 * json_out_key() writes an object's member name (and the separator before
 * it), json_out_item() the separator before an array's item; then one
 * value: a scalar, a json_t, or a container opened and closed. Nesting up
 * to JSON_OUT_DEPTH levels. Everything is appended to b; failed is set
 * (sticky) when a flag is not supported, the nesting is wrong or b's cap
 * refused the text. Allocates only b's growth.
 */
#define JSON_OUT_DEPTH 16
struct json_out {
    struct buf *b;
    size_t flags;
    int indent;          /* spaces a level */
    char real_format[8]; /* "%.<precision>g" (17 when the flags give none) */
    int precision;       /* that precision */
    FILE *f;             /* json_write_file()'s target; NULL otherwise */
    int level;           /* containers open, with the starting depth */
    unsigned items[JSON_OUT_DEPTH]; /* items written at each level */
    int failed;
};
/* Starts o on b, as a value nested depth levels deep (0: a document). */
void json_out_init(struct json_out *o, struct buf *b, size_t flags,
                   int depth);
/* Opens ('{' or '[') or closes ('}' or ']') a container. */
void json_out_open(struct json_out *o, char bracket);
void json_out_close(struct json_out *o, char bracket);
/* The next member's name, in an open object. */
void json_out_key(struct json_out *o, const char *key);
/* Before the next item of an open array. */
void json_out_item(struct json_out *o);
/* Values: a string (NULL: null, s valid UTF-8), a real (null when not
 * finite), an integer, a literal (true, false, null), a jansson value. */
void json_out_string(struct json_out *o, const char *s);
void json_out_real(struct json_out *o, double v);
/* "%.<precision>g" of v (as strfromd() writes it, in the default
 * rounding mode) into text, at least 32 bytes, when v is written without
 * an exponent, computed exactly from v's mantissa without strfromd();
 * returns the length, or 0 when the caller must use strfromd() (zero,
 * not finite, an exponent). Allocates nothing. */
size_t json_real_text(double v, int precision, char *text);
void json_out_int(struct json_out *o, long long v);
void json_out_literal(struct json_out *o, const char *text);
void json_out_value(struct json_out *o, const json_t *v);
/* Writes the text of v to f, in pieces of about 64 KiB (the text is never
 * whole in memory). Returns 0, or -1 as json_write_buf() does or when f
 * refused a write. */
int json_write_file(const json_t *v, size_t flags, FILE *f);

#endif
