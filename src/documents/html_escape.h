/*
 * html_escape: the escaping writers of the documents this layer renders
 * (superbills, physician reports, SVG charts). HTML and SVG text and
 * double-quoted attribute values share one escape: & < > " ' become
 * entities. The web layer has its own writers (web/html.h); this one
 * exists because docs/ may not include web/.
 *
 * Everything appends to a struct buf and allocates only through it.
 */
#ifndef TS_DOCUMENTS_HTML_ESCAPE_H
#define TS_DOCUMENTS_HTML_ESCAPE_H

#include "core/buf.h"

/* Appends text escaped for element content or an attribute value. NULL
 * appends nothing. */
void html_escape_text(struct buf *b, const char *text);

/* Formats like printf, then appends the whole result escaped. For text
 * made of numbers and data: nothing of it is ever markup. */
void html_escape_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
