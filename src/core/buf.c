#include "core/buf.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char buf_empty_string[1];

void buf_init(struct buf *b, size_t cap)
{
    b->data = buf_empty_string;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
    b->overflow = 0;
}

void buf_release(struct buf *b)
{
    size_t cap = b->cap;
    if (b->alloc)
        free(b->data);
    buf_init(b, cap);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->overflow = 0;
    if (b->alloc)
        b->data[0] = '\0';
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *out = b->alloc ? b->data : xstrdup("");
    if (len)
        *len = b->len;
    buf_init(b, b->cap);
    return out;
}

/* Make room for extra more bytes plus the NUL; -1 past the cap. */
static int buf_grow(struct buf *b, size_t extra)
{
    if (extra > (size_t)-1 / 2 - b->len)
        die("buffer size overflow");
    size_t need = b->len + extra + 1;
    if (b->cap && need - 1 > b->cap) {
        b->overflow = 1;
        return -1;
    }
    if (need <= b->alloc)
        return 0;
    size_t alloc = b->alloc ? b->alloc : 64;
    while (alloc < need)
        alloc *= 2;
    if (b->alloc) {
        b->data = xrealloc(b->data, alloc);
    } else {
        b->data = xmalloc(alloc);
        b->data[0] = '\0';
    }
    b->alloc = alloc;
    return 0;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
    if (buf_grow(b, len) < 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        die("invalid format string '%s'", fmt);
    if (buf_grow(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int buf_ok(const struct buf *b)
{
    return !b->overflow;
}
