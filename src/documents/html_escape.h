/*
 * html_escape: the one escaping module for the markup this program writes
 * (the web pages, superbills, physician reports, SVG charts). HTML and SVG
 * text and double-quoted attribute values share one escape: & < > " '
 * become entities. The web layer's page writers (web/html.h) are built on
 * these.
 *
 * Everything appends to a struct buf and allocates only through it.
 */
#ifndef TS_DOCUMENTS_HTML_ESCAPE_H
#define TS_DOCUMENTS_HTML_ESCAPE_H

#include <stdarg.h>

#include "core/buf.h"

/* Appends text escaped for element content or an attribute value. NULL
 * appends nothing. */
void html_escape_text(struct buf *b, const char *text);

/* Formats like printf, then appends the whole result escaped. For text
 * made of numbers and data: nothing of it is ever markup. */
void html_escape_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Formats markup like printf, except that every %s and %c argument is
 * escaped as by html_escape_text(); the format itself is appended as
 * given, so it must be a program constant. Supports the flags "-+ #0", a
 * width and a precision (digits, not '*'), the lengths hh h l ll z j t,
 * and the conversions d i u x X o c e E f F g G s % ; anything else is a
 * bug (BUG).
 */
void html_escape_vformat(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Appends text percent-encoded for a URL query value (RFC 3986 unreserved
 * characters kept, everything else %XX). NULL appends nothing. */
void html_escape_url(struct buf *b, const char *text);

#endif
