/*
 * util: allocation that dies on failure, fatal errors, small string helpers.
 * Out of memory is fatal everywhere (die); broken invariants abort (BUG).
 */
#ifndef TS_CORE_UTIL_H
#define TS_CORE_UTIL_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Resizes p to count items of size bytes each; dies when count * size
 * overflows a size_t, or on out of memory. */
void *xreallocarray(void *p, size_t count, size_t size);
/*
 * Makes room for at least need items in items, whose capacity is *alloc:
 * grows it by half again (at least to 16, and at least to need), updating
 * *alloc, and returns the array (moved or not). Dies on size overflow or
 * out of memory. Use ALLOC_GROW, which takes the item size from the array.
 */
void *alloc_grow(void *items, size_t need, size_t *alloc, size_t size);
#define ALLOC_GROW(array, need, alloc)                                        \
    ((array) = alloc_grow((array), (need), &(alloc), sizeof(*(array))))
/* Frees a list's array (items: the address of its pointer) and sets it to
 * NULL and *count to 0. The items' own allocations are the caller's to
 * release first. */
void array_free(void *items, size_t *count);
/*
 * Declares struct name_list, a list that owns an array of struct item
 * (items, count; a zeroed list is empty), and name_list_release, which
 * frees it (and what its items own) and leaves it empty. A .c file defines
 * the release with ARRAY_LIST_RELEASE (items that own nothing) or
 * ARRAY_LIST_RELEASE_EACH (each item released by item_release first).
 */
#define ARRAY_LIST(name, item)                                                \
    struct name##_list {                                                      \
        struct item *items; /* owned */                                       \
        size_t count;                                                         \
    };                                                                        \
    void name##_list_release(struct name##_list *l)
/* The end of a function that loads into out: 0 when rc (evaluated once)
 * is not negative; else out is released (release(out)), so that the
 * caller has nothing to release after a failure, and -1. */
#define RELEASE_ON_FAILURE(rc, release, out)                                  \
    ((rc) < 0 ? ((release)(out), -1) : 0)
#define ARRAY_LIST_RELEASE(name)                                              \
    void name##_list_release(struct name##_list *l)                           \
    {                                                                         \
        array_free(&l->items, &l->count);                                     \
    }
#define ARRAY_LIST_RELEASE_EACH(name, item_release)                           \
    void name##_list_release(struct name##_list *l)                           \
    {                                                                         \
        for (size_t i = 0; i < l->count; i++)                                 \
            item_release(&l->items[i]);                                       \
        array_free(&l->items, &l->count);                                     \
    }
/* Reads from fd into p until n bytes, the end of the file or an error,
 * again when a call is interrupted. Returns the bytes read: fewer than n
 * at the end of the file, or on an error (errno tells it). */
size_t fd_read_full(int fd, void *p, size_t n);
/* Writes the n bytes of p to fd, again when interrupted. Returns the bytes
 * written: fewer than n on an error (errno tells it). */
size_t fd_write_full(int fd, const void *p, size_t n);
/* Allocates a copy of s (NULL stays NULL). */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Allocates a formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "touchstone: fatal: <message>" to stderr and exits 1. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A broken invariant: prints where, then aborts. */
_Noreturn void bug_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* 1 when s starts with prefix. */
int str_starts_with(const char *s, const char *prefix);
/* 1 when s (NULL: never) is one of the n strings of list. */
int str_in(const char *s, const char *const *list, size_t n);
/* 1 when s is NULL or holds only white space. */
int str_blank(const char *s);
/* Copies src (NULL: the empty string) into dst of n bytes, cut to fit and
 * always terminated; as for a text column read into a fixed field. */
void str_copy(char *dst, size_t n, const char *src);

#endif
