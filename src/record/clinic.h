/*
 * clinic: the one clinic a database belongs to.
 */
#ifndef TS_RECORD_CLINIC_H
#define TS_RECORD_CLINIC_H

#include "core/err.h"
#include "store/store.h"

#define CLINIC_NAME_MAX 200

/* Creates a new database at path (refusing an existing file) holding the
 * clinic's record, and the clinic's Ed25519 key pair: the secret key in
 * "<path>.key" (mode 0600; an existing key file is refused, ERR_CONFLICT,
 * field "key"), the public key in the database (record/clinic_key.h).
 * Nothing is left behind on failure. */
int clinic_init(const char *path, const char *name, struct err *e);
/* Copies the clinic's name into out (size n). */
int clinic_name(struct store *s, char *out, size_t n, struct err *e);

#endif
