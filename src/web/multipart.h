/*
 * multipart: reading a multipart/form-data body (RFC 7578), just enough
 * for one small form: each part's name, whether it was a file, and its
 * bytes, pointing into the body (nothing is copied or allocated).
 */
#ifndef TS_WEB_MULTIPART_H
#define TS_WEB_MULTIPART_H

#include <stddef.h>

#include "core/err.h"

#define MULTIPART_MAX_PARTS 8

struct multipart_part {
    char name[64];
    int is_file;      /* the part had a filename */
    const char *data; /* into the request body */
    size_t len;
};

/* Splits body (len bytes) of Content-Type type into at most
 * MULTIPART_MAX_PARTS parts pointing into it, *count of them. -1 with e
 * (ERR_INPUT: field "Content-Type" without a boundary, else "file") when
 * it is malformed or has too many parts. */
int multipart_parse(const char *body, size_t len, const char *type,
                    struct multipart_part *parts, int *count, struct err *e);

#endif
