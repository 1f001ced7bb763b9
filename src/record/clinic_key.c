/* The clinic's Ed25519 key pair: secret key file beside the database,
 * public key inside it. See clinic_key.h. */
#include "record/clinic_key.h"
#include "core/clock.h"
#include "core/util.h"
#include "record/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void need_sodium(void)
{
    if (sodium_init() < 0)
        die("libsodium failed to initialise");
}

char *clinic_key_path(const char *db_path)
{
    return xasprintf("%s.key", db_path);
}

char *clinic_key_base64_encode(const unsigned char *bin, size_t len)
{
    need_sodium();
    size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = xmalloc(n);
    sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

void clinic_key_public_base64(const unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                              char out[CLINIC_KEY_PUBLIC_BASE64_LEN])
{
    need_sodium();
    sodium_bin2base64(out, CLINIC_KEY_PUBLIC_BASE64_LEN, pk,
                      CLINIC_KEY_PUBLIC_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
}

int clinic_key_base64_decode(const char *text, unsigned char *out,
                             size_t want, const char *field, struct err *e)
{
    need_sodium();
    if (!text || !*text)
        return err_set(e, ERR_INPUT, field, "missing (expected base64 of "
                       "%zu bytes)", want);
    size_t len = strlen(text);
    unsigned char *bin = xmalloc(len);
    size_t got = 0;
    const char *end = NULL;
    int rc = sodium_base642bin(bin, len, text, len, NULL, &got, &end,
                               sodium_base64_VARIANT_ORIGINAL);
    if (rc != 0 || end != text + len) {
        free(bin);
        return err_set(e, ERR_INPUT, field, "not valid base64 (standard "
                       "alphabet with '=' padding)");
    }
    if (got != want) {
        free(bin);
        return err_set(e, ERR_INPUT, field, "decodes to %zu bytes, not %zu",
                       got, want);
    }
    memcpy(out, bin, want);
    sodium_memzero(bin, len);
    free(bin);
    return 0;
}

int clinic_key_generate(const char *key_path,
                        unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                        struct err *e)
{
    need_sodium();
    int fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                                O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return err_set(e, ERR_CONFLICT, "key",
                           "'%s' already exists; refusing to overwrite a "
                           "signing key (move it away first)", key_path);
        return err_set(e, ERR_FAIL, "key", "unable to create '%s': %s",
                       key_path, strerror(errno));
    }
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    crypto_sign_keypair(pk, sk);
    int rc = 0;
    if (fchmod(fd, 0600) < 0 ||
        fd_write_full(fd, sk, sizeof(sk)) != sizeof(sk) || fsync(fd) < 0)
        rc = err_set(e, ERR_FAIL, "key", "unable to write '%s': %s",
                     key_path, strerror(errno));
    sodium_memzero(sk, sizeof(sk));
    if (close(fd) < 0 && rc == 0)
        rc = err_set(e, ERR_FAIL, "key", "unable to write '%s': %s",
                     key_path, strerror(errno));
    if (rc < 0)
        unlink(key_path);
    return rc;
}

int clinic_key_save_public(struct store *s,
                           const unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                           struct err *e)
{
    if (store_query_int(s, "SELECT count(*) FROM clinic_key") > 0)
        return err_set(e, ERR_CONFLICT, "key",
                       "the database has a key pair already");
    char text[CLINIC_KEY_PUBLIC_BASE64_LEN];
    char now[CLOCK_INSTANT_LEN];
    clinic_key_public_base64(pk, text);
    clock_format_instant(clock_now(), now);
    struct stmt *st =
        STORE_QUERY(s,
                    "INSERT INTO clinic_key (id, public_key, created_at)"
                    " VALUES (1, :public_key, :now)",
                    STORE_TEXT(":public_key", text), STORE_TEXT(":now", now));
    return stmt_run(st, e);
}

int clinic_key_public(struct store *s, unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                      struct err *e)
{
    struct stmt *st =
        store_prepare(s, "SELECT public_key FROM clinic_key WHERE id = 1");
    int rc = stmt_step(st, e);
    if (rc == 1) {
        struct err why = ERR_INIT;
        if (clinic_key_base64_decode(stmt_text(st, 0), pk,
                                     CLINIC_KEY_PUBLIC_BYTES, "key",
                                     &why) < 0)
            rc = err_set(e, ERR_FAIL, "key",
                         "the public key stored in the database is damaged: "
                         "%s", why.message);
    } else if (rc == 0) {
        rc = err_set(e, ERR_NOT_FOUND, "key",
                     "the database has no key pair (it was made before "
                     "keys existed: run 'touchstone key create')");
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

int clinic_key_read_secret(const char *key_path,
                           unsigned char sk[CLINIC_KEY_SECRET_BYTES],
                           struct err *e)
{
    need_sodium();
    int fd = open(key_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP)
            return err_set(e, ERR_FAIL, "key",
                           "'%s' is a symbolic link; the signing key must "
                           "be a plain file", key_path);
        if (errno == ENOENT)
            return err_set(e, ERR_FAIL, "key",
                           "no signing key at '%s' (it stays beside the "
                           "database; restore it from a backup)", key_path);
        return err_set(e, ERR_FAIL, "key", "unable to read '%s': %s",
                       key_path, strerror(errno));
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        rc = err_set(e, ERR_FAIL, "key", "unable to read '%s': %s", key_path,
                     strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = err_set(e, ERR_FAIL, "key", "'%s' is not a regular file",
                     key_path);
    } else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        rc = err_set(e, ERR_FAIL, "key",
                     "'%s' may be read by group or others (mode %04o); "
                     "refusing to use it: run 'chmod 600 %s'", key_path,
                     (unsigned)(st.st_mode & 07777), key_path);
    } else if (st.st_size != CLINIC_KEY_SECRET_BYTES) {
        rc = err_set(e, ERR_FAIL, "key",
                     "'%s' holds %lld bytes, not the %d of a signing key",
                     key_path, (long long)st.st_size,
                     CLINIC_KEY_SECRET_BYTES);
    } else if (fd_read_full(fd, sk, CLINIC_KEY_SECRET_BYTES) !=
               CLINIC_KEY_SECRET_BYTES) {
        rc = err_set(e, ERR_FAIL, "key", "unable to read all of '%s'",
                     key_path);
    }
    close(fd);
    if (rc == 0) {
        /* The second half must be the public key the seed gives. */
        unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
        unsigned char check[CLINIC_KEY_SECRET_BYTES];
        crypto_sign_seed_keypair(pk, check, sk);
        if (sodium_memcmp(pk, sk + 32, CLINIC_KEY_PUBLIC_BYTES) != 0)
            rc = err_set(e, ERR_FAIL, "key",
                         "'%s' is damaged: its two halves do not belong "
                         "together", key_path);
        sodium_memzero(check, sizeof(check));
    }
    if (rc < 0)
        sodium_memzero(sk, CLINIC_KEY_SECRET_BYTES);
    return rc;
}

int clinic_key_load_secret(struct store *s,
                           unsigned char sk[CLINIC_KEY_SECRET_BYTES],
                           struct err *e)
{
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    if (clinic_key_public(s, pk, e) < 0)
        return -1;
    char *path = clinic_key_path(store_path(s));
    int rc = clinic_key_read_secret(path, sk, e);
    if (rc == 0 && sodium_memcmp(pk, sk + 32, CLINIC_KEY_PUBLIC_BYTES) != 0) {
        rc = err_set(e, ERR_FAIL, "key",
                     "'%s' is not this clinic's key: its public key differs "
                     "from the one in the database", path);
        sodium_memzero(sk, CLINIC_KEY_SECRET_BYTES);
    }
    free(path);
    return rc;
}

int clinic_key_create(struct store *s,
                      unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                      struct err *e)
{
    if (store_query_int(s, "SELECT count(*) FROM clinic_key") > 0)
        return err_set(e, ERR_CONFLICT, "key",
                       "the database has a key pair already");
    char *path = clinic_key_path(store_path(s));
    if (store_begin(s, e) < 0) {
        free(path);
        return -1;
    }
    int rc = clinic_key_generate(path, pk, e);
    if (rc == 0) {
        if (clinic_key_save_public(s, pk, e) < 0 || store_commit(s, e) < 0) {
            rc = -1;
            unlink(path);
        }
    }
    if (rc < 0)
        store_rollback(s);
    free(path);
    return rc;
}

void clinic_key_id(const unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                   char out[CLINIC_KEY_ID_LEN])
{
    need_sodium();
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, CLINIC_KEY_PUBLIC_BYTES);
    sodium_bin2hex(out, CLINIC_KEY_ID_LEN, h, 8);
}

int clinic_key_known(struct store *s,
                     const unsigned char pk[CLINIC_KEY_PUBLIC_BYTES],
                     const char **state, char *retired_at, size_t cap,
                     struct err *e)
{
    unsigned char current[CLINIC_KEY_PUBLIC_BYTES];
    struct err none = ERR_INIT;
    *state = NULL;
    if (retired_at && cap)
        retired_at[0] = '\0';
    if (clinic_key_public(s, current, &none) == 0 &&
        sodium_memcmp(current, pk, CLINIC_KEY_PUBLIC_BYTES) == 0) {
        *state = "current";
        return 1;
    }
    if (none.code == ERR_FAIL)
        return err_set(e, ERR_FAIL, none.field, "%s", none.message);
    char text[CLINIC_KEY_PUBLIC_BASE64_LEN];
    clinic_key_public_base64(pk, text);
    struct stmt *st = STORE_QUERY(s,
                                  "SELECT retired_at FROM clinic_key_history"
                                  " WHERE public_key = :public_key",
                                  STORE_TEXT(":public_key", text));
    int rc = stmt_step(st, e);
    if (rc == 1) {
        *state = "retired";
        if (retired_at && cap)
            snprintf(retired_at, cap, "%s", stmt_text(st, 0));
    }
    stmt_finalize(st);
    return rc;
}

json_t *clinic_key_history_json(struct store *s, struct err *e)
{
    json_t *list = json_array();
    struct stmt *st = store_prepare(
        s, "SELECT public_key, created_at, NULL, NULL, 0 FROM clinic_key"
           " UNION ALL SELECT public_key, created_at, retired_at,"
           " replaced_by, 1 FROM clinic_key_history"
           " ORDER BY 5, 3 DESC");
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
        char id[CLINIC_KEY_ID_LEN];
        struct err why = ERR_INIT;
        if (clinic_key_base64_decode(stmt_text(st, 0), pk, sizeof(pk), "key",
                                     &why) < 0) {
            rc = err_set(e, ERR_FAIL, "key", "a public key stored in the "
                         "database is damaged: %s", why.message);
            break;
        }
        clinic_key_id(pk, id);
        const char *retired = stmt_text(st, 2), *by = stmt_text(st, 3);
        json_array_append_new(
            list, json_pack("{s:s,s:s,s:s,s:o,s:o}", "key_id", id,
                            "public_key", stmt_text(st, 0), "created_at",
                            stmt_text(st, 1), "retired_at",
                            retired ? json_string(retired) : json_null(),
                            "replaced_by",
                            by ? json_string(by) : json_null()));
    }
    stmt_finalize(st);
    if (rc < 0) {
        json_decref(list);
        return NULL;
    }
    return list;
}

char *clinic_key_new_path(const char *db_path)
{
    return xasprintf("%s.key.new", db_path);
}

/* fsyncs the folder holding path, so a rename in it lasts. */
static void sync_folder(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

int clinic_key_rotate_commit(struct store *s, const struct actor *a,
                             const unsigned char old_pk[CLINIC_KEY_PUBLIC_BYTES],
                             const unsigned char new_pk[CLINIC_KEY_PUBLIC_BYTES],
                             const char *new_path, struct err *e)
{
    char old_text[CLINIC_KEY_PUBLIC_BASE64_LEN], new_text[CLINIC_KEY_PUBLIC_BASE64_LEN];
    char old_id[CLINIC_KEY_ID_LEN], new_id[CLINIC_KEY_ID_LEN];
    char now[CLOCK_INSTANT_LEN];
    clinic_key_public_base64(old_pk, old_text);
    clinic_key_public_base64(new_pk, new_text);
    clinic_key_id(old_pk, old_id);
    clinic_key_id(new_pk, new_id);
    clock_format_instant(clock_now(), now);
    if (store_begin(s, e) < 0)
        return -1;
    /* The old key joins the history only while it is still current. */
    int rc = STORE_RUN(s, e,
                       "INSERT INTO clinic_key_history (key_id, public_key,"
                       " created_at, retired_at, replaced_by) SELECT :old_id,"
                       " public_key, created_at, :now, :new_id FROM"
                       " clinic_key WHERE id = 1 AND public_key = :old",
                       STORE_TEXT(":old_id", old_id), STORE_TEXT(":now", now),
                       STORE_TEXT(":new_id", new_id),
                       STORE_TEXT(":old", old_text));
    if (rc == 0 && store_changes(s) != 1)
        rc = err_set(e, ERR_CONFLICT, "key", "the clinic's key changed "
                     "meanwhile; nothing was rotated");
    if (rc == 0)
        rc = STORE_RUN(s, e,
                       "UPDATE clinic_key SET public_key = :new,"
                       " created_at = :now WHERE id = 1",
                       STORE_TEXT(":new", new_text), STORE_TEXT(":now", now));
    if (audit_end(s, a, "rotate", "clinic_key", 0, 0, rc, e) < 0)
        return -1;
    char *path = clinic_key_path(store_path(s));
    if (rename(new_path, path) < 0)
        rc = err_set(e, ERR_FAIL, "key", "the database has the new key but "
                     "'%s' could not replace '%s' (%s): move it there by "
                     "hand", new_path, path, strerror(errno));
    else
        sync_folder(path);
    free(path);
    return rc;
}
