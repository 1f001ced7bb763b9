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

/* As json_write_buf(), the text of v as jansson writes it nested depth
 * levels deep (its inner lines indented for that depth), to write a
 * document piece by piece. */
int json_write_buf_at(const json_t *v, size_t flags, int depth,
                      struct buf *out);

/* Appends what jansson writes before an item at depth (after a ',' when
 * space is 1): a new line and the indentation with JSON_INDENT, else a
 * space unless JSON_COMPACT (space 1) or nothing. */
void json_write_newline(struct buf *out, size_t flags, int depth,
                        int space);

/* Writes the text of v to f, in pieces of about 64 KiB (the text is never
 * whole in memory). Returns 0, or -1 as json_write_buf() does or when f
 * refused a write. */
int json_write_file(const json_t *v, size_t flags, FILE *f);

#endif
