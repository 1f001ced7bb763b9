#include "core/util.h"
#include "core/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <unistd.h>

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory allocating %zu bytes", n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        die("out of memory allocating %zu x %zu bytes", count, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory allocating %zu bytes", n);
    return q;
}

void *xreallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        die("size overflow allocating %zu x %zu bytes", count, size);
    return xrealloc(p, count * size);
}

void *alloc_grow(void *items, size_t need, size_t *alloc, size_t size)
{
    if (need <= *alloc)
        return items;
    size_t grown = *alloc < 16 ? 16 : *alloc + *alloc / 2;
    if (grown < *alloc) /* wrapped */
        grown = SIZE_MAX;
    if (grown < need)
        grown = need;
    items = xreallocarray(items, grown, size);
    *alloc = grown;
    return items;
}

void array_free(void *items, size_t *count)
{
    void *array;
    memcpy(&array, items, sizeof(array));
    free(array);
    array = NULL;
    memcpy(items, &array, sizeof(array));
    *count = 0;
}

char *xstrdup(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    struct buf b = BUF_INIT; /* no cap: never refuses */
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return buf_detach(&b, NULL);
}

void die(const char *fmt, ...)
{
    va_list ap;
    fputs("touchstone: fatal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void bug_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "touchstone: BUG %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

int str_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void str_copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

int str_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(s, list[i]))
            return 1;
    return 0;
}

int str_blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

/* Reads into rbuf or, when it is NULL, writes wbuf: n bytes, again when
 * interrupted, until an error or the end of the file. Returns how many. */
static size_t fd_full(int fd, void *rbuf, const void *wbuf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = rbuf ? read(fd, (char *)rbuf + done, n - done)
                         : write(fd, (const char *)wbuf + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    return done;
}

size_t fd_read_full(int fd, void *p, size_t n)
{
    return fd_full(fd, p, NULL, n);
}

size_t fd_write_full(int fd, const void *p, size_t n)
{
    return fd_full(fd, NULL, p, n);
}
