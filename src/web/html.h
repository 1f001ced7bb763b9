/*
 * html: escaping writers for server-rendered pages (cgit's ui-shared.c
 * style). Every piece of text that did not come from the program itself
 * goes through html_text() or html_attr(), or through html_printf(), whose
 * %s arguments are escaped; only html_raw() writes markup as given, and it
 * takes program constants only.
 *
 * All writers append to a struct buf (the buffered reply), so a page that
 * fails halfway is discarded whole. The escaping itself is the one of
 * documents/html_escape.h, shared with the documents. Nothing here
 * allocates except through the buffer.
 */
#ifndef TS_WEB_HTML_H
#define TS_WEB_HTML_H

#include <stdarg.h>

#include "core/buf.h"

/* Writes markup as given: program constants only, never data. */
void html_raw(struct buf *b, const char *markup);
/* Writes text for element content: & < > " ' become entities. NULL writes
 * nothing. */
void html_text(struct buf *b, const char *text);
/* Writes text for a double-quoted attribute value (the same escapes). */
void html_attr(struct buf *b, const char *text);
/* Writes text percent-encoded for a URL query value (RFC 3986 unreserved
 * characters kept, everything else %XX). */
void html_url_arg(struct buf *b, const char *text);

/*
 * Formats like printf, except that every %s argument is escaped as by
 * html_text(); the format itself is written as given, so it must be a
 * program constant. Supports the flags "-+ #0", a width and a precision
 * (digits, not '*'), the lengths hh h l ll z j t, and the conversions
 * d i u x X o c e E f F g G s % ; anything else is a bug (BUG).
 */
void html_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void html_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
