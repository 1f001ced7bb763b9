/*
 * clinic: the one clinic a database belongs to.
 */
#ifndef TS_RECORD_CLINIC_H
#define TS_RECORD_CLINIC_H

#include "core/err.h"
#include "store/store.h"

#define CLINIC_NAME_MAX 200

/* Creates a new database at path (refusing an existing file) holding the
 * clinic's record. Nothing is left behind on failure. */
int clinic_init(const char *path, const char *name, struct err *e);
/* Copies the clinic's name into out (size n). */
int clinic_name(struct store *s, char *out, size_t n, struct err *e);

#endif
