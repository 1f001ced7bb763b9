/*
 * buf: a growable byte buffer (git's strbuf invariants, curl's size cap).
 *
 * Invariants: b->data is never NULL and is always NUL-terminated, so it can
 * be used as a C string at any time; b->len excludes the NUL. A buffer with
 * a cap (b->cap > 0) refuses to grow past cap bytes: the append fails, sets
 * the sticky b->overflow flag and leaves the content as it was. Check
 * buf_ok() once at the end, as with sqlite3_str. Out of memory dies.
 *
 * Ownership: the buffer owns data; buf_release() frees it and re-initialises
 * the buffer; buf_detach() hands data to the caller (who frees it).
 */
#ifndef TS_CORE_BUF_H
#define TS_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap;   /* 0: no limit */
    int overflow; /* sticky: an append was refused by the cap */
};

extern char buf_empty_string[];
#define BUF_INIT {buf_empty_string, 0, 0, 0, 0}

/* Initialise b empty, with an optional cap (0 for none). */
void buf_init(struct buf *b, size_t cap);
/* Free the data and re-initialise b (keeping its cap). */
void buf_release(struct buf *b);
/* Empty b without freeing its memory. */
void buf_reset(struct buf *b);
/* Take ownership of the data (malloc'ed, NUL-terminated); b is re-inited. */
char *buf_detach(struct buf *b, size_t *len);
/* Appenders; each returns 0, or -1 when the cap refused the append. */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* 1 when no append has been refused since init or reset. */
int buf_ok(const struct buf *b);

#endif
