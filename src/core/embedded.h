/*
 * embedded: files built into the binary (tools/embed.c writes the table
 * from catalog/ and src/web/assets/ at build time). Each data is
 * NUL-terminated; len excludes the NUL. Paths are as in the source tree.
 */
#ifndef TS_CORE_EMBEDDED_H
#define TS_CORE_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *path;
    const char *data;
    size_t len;
};

extern const struct embedded_file embedded_files[];
extern const int embedded_file_count;

/* The embedded file at path, or NULL. */
const struct embedded_file *embedded_find(const char *path);

#endif
