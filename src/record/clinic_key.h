/*
 * clinic_key: the clinic's Ed25519 key pair, which signs its certificates.
 *
 * The public key lives in the database (table clinic_key, base64). The
 * secret key never does: it is a file beside the database, "<db path>.key",
 * holding libsodium's 64-byte secret key (the 32-byte seed followed by the
 * 32-byte public key) as raw bytes, created with O_EXCL and mode 0600.
 * Loading it refuses a file that group or others may access, a file of
 * the wrong size, a damaged pair, and a key that is not the database's.
 *
 * Base64 here is the standard alphabet with padding (RFC 4648 section 4;
 * libsodium's sodium_base64_VARIANT_ORIGINAL): a public key is 44
 * characters. Secret key bytes are wiped (sodium_memzero) wherever this
 * module handled them; callers holding a secret key should do the same.
 */
#ifndef TS_RECORD_CLINIC_KEY_H
#define TS_RECORD_CLINIC_KEY_H

#include <stddef.h>

#include <jansson.h>

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

#define CLINIC_KEY_PUBLIC_BYTES 32     /* crypto_sign_PUBLICKEYBYTES */
#define CLINIC_KEY_SECRET_BYTES 64     /* crypto_sign_SECRETKEYBYTES */
#define CLINIC_KEY_PUBLIC_BASE64_LEN 45 /* 44 characters + NUL */

/* The secret key file's path for a database path: "<db_path>.key".
 * Allocates; the caller frees. */
char *clinic_key_path(const char *db_path);

/*
 * Generates a new key pair (crypto_sign_keypair) and writes its secret key
 * to key_path: created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 (set
 * again with fchmod whatever the umask), written in full and fsync'ed. An
 * existing file (or link) is never touched: ERR_CONFLICT, field "key".
 * Other failures are ERR_FAIL, field "key", and leave no file. Writes the
 * public key to pk.
 */
int clinic_key_generate(const char *key_path,
                        unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                        struct err *e);

/* Records pk as the clinic's public key (row id 1, with the current time)
 * inside the caller's transaction. A database that has one already refuses
 * (ERR_CONFLICT, field "key"). */
int clinic_key_save_public(struct store *s,
                           const unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                           struct err *e);

/* Reads the clinic's public key from the database into pk. A database
 * without one (made before keys existed) gives ERR_NOT_FOUND, field "key";
 * a stored value that does not decode to 32 bytes gives ERR_FAIL. */
int clinic_key_public(struct store *s, unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                      struct err *e);

/*
 * Reads a secret key file into sk, refusing (ERR_FAIL, field "key", the
 * message naming the file and the problem): a missing or unreadable file,
 * a symbolic link or anything but a regular file, a mode with any group or
 * other permission bit (the message gives the mode and "chmod 600"), a size
 * other than 64 bytes, and a damaged pair (the public half is not the one
 * the seed gives). sk is wiped on failure.
 */
int clinic_key_read_secret(const char *key_path,
                           unsigned char sk[CLINIC_KEY_SECRET_BYTES],
                           struct err *e);

/* The secret key of the clinic whose database s is: reads
 * "<store_path(s)>.key" (clinic_key_read_secret) and checks that its public
 * half is the public key stored in the database (ERR_FAIL, field "key",
 * when it is not). sk is wiped on failure. */
int clinic_key_load_secret(struct store *s,
                           unsigned char sk[CLINIC_KEY_SECRET_BYTES],
                           struct err *e);

/* Gives a database without a key pair (one made before keys existed) a
 * new one: generates the secret key file beside it and records the public
 * key, in one transaction; on failure neither is left. Refuses when the
 * database has a key already or the file exists (ERR_CONFLICT). */
int clinic_key_create(struct store *s,
                      unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                      struct err *e);

#define CLINIC_KEY_ID_LEN 17 /* 16 hex digits + NUL */

/* A key id: the first 16 hex digits of SHA-256 of the public key (as the
 * registry names its keys). */
void clinic_key_id(const unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                   char out[CLINIC_KEY_ID_LEN]);

/*
 * Whether pk is one of the clinic's keys: 1 and "current" in *state for the
 * current key, 1 and "retired" for a key of the history (clinic_key_history,
 * touchstone key rotate), 0 for neither. When retired_at is not NULL it
 * gets the instant the key was retired ("" for the current key). -1 with e
 * on a database error or a damaged current key.
 */
int clinic_key_known(struct store *s,
                     const unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                     const char **state, char *retired_at, size_t cap,
                     struct err *e);

/* The clinic's keys, current first then retired ones newest first:
 * [{"key_id", "public_key", "created_at", "retired_at" (null for the
 * current key), "replaced_by" (null)}]. NULL with e on failure. New
 * reference. */
json_t *clinic_key_history_json(struct store *s, struct err *e);

/* The path where a rotation writes the new secret key before it replaces
 * the old one: "<db_path>.key.new". Allocates; the caller frees. */
char *clinic_key_new_path(const char *db_path);

/*
 * Replaces the clinic's key pair, once a new pair was written at new_path
 * (clinic_key_generate) and, for an enrolled clinic, announced: in one
 * transaction moves the current public key to clinic_key_history (retired
 * now, replaced by new_pk's id), makes new_pk the current key and appends
 * an audit entry ("rotate", "clinic_key") by actor a; then renames
 * new_path over "<db>.key" (rename(2): the key file is the old or the new
 * key, never half of one) and syncs the folder. The old secret key is gone
 * after the rename: nothing signs with it again. On failure before the
 * commit nothing changes (new_path is left for the caller to remove).
 */
int clinic_key_rotate_commit(struct store *s, const struct actor *a,
                             const unsigned char old_pk[CLINIC_KEY_PUBLIC_BYTES],
                             const unsigned char new_pk[CLINIC_KEY_PUBLIC_BYTES],
                             const char *new_path, struct err *e);

/* Writes the base64 text of a public key (44 characters) into out. */
void clinic_key_public_base64(const unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                              char out[CLINIC_KEY_PUBLIC_BASE64_LEN]);

/* The base64 text of len bytes. Allocates; the caller frees. */
char *clinic_key_base64_encode(const unsigned char *bin, size_t len);

/* Decodes base64 text that must be exactly want bytes, with nothing else
 * (no blanks, no trailing text, padding as the standard requires). -1 with
 * ERR_INPUT and field when it is not base64 or not want bytes long. */
int clinic_key_base64_decode(const char *text, unsigned char *out,
                             size_t want, const char *field, struct err *e);

#endif
