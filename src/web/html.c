/* The page writers (html.h), built on the escaping module. */
#include "web/html.h"
#include "documents/html_escape.h"

void html_raw(struct buf *b, const char *markup)
{
    buf_puts(b, markup);
}

void html_text(struct buf *b, const char *text)
{
    html_escape_text(b, text);
}

void html_attr(struct buf *b, const char *text)
{
    html_escape_text(b, text);
}

void html_url_arg(struct buf *b, const char *text)
{
    html_escape_url(b, text);
}

void html_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    html_escape_vformat(b, fmt, ap);
}

void html_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    html_escape_vformat(b, fmt, ap);
    va_end(ap);
}
