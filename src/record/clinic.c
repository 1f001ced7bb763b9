#include "record/clinic.h"
#include "record/clinic_key.h"
#include "record/validate.h"
#include "core/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int clinic_init(const char *path, const char *name, struct err *e)
{
    if (validate_text(name, "clinic", 1, CLINIC_NAME_MAX, e) < 0)
        return -1;
    /* A signing key left from an earlier clinic is never overwritten:
     * refuse before creating anything (generate's O_EXCL still guards). */
    char *key_path = clinic_key_path(path);
    struct stat info;
    if (stat(path, &info) != 0 && lstat(key_path, &info) == 0) {
        err_set(e, ERR_CONFLICT, "key",
                "'%s' already exists; refusing to overwrite a signing key "
                "(move it away first)", key_path);
        free(key_path);
        return -1;
    }
    struct store *s;
    if (store_open(path, STORE_CREATE, &s, e) < 0) {
        free(key_path);
        return -1;
    }
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    if (clinic_key_generate(key_path, pk, e) < 0) {
        store_close(s);
        unlink(path);
        free(key_path);
        return -1;
    }
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    int rc = store_begin(s, e);
    if (rc == 0) {
        rc = STORE_RUN(s, e,
                       "INSERT INTO clinic (id, name, created_at)"
                       " VALUES (1, :name, :now)",
                       STORE_TEXT(":name", name), STORE_TEXT(":now", now));
        if (rc >= 0)
            rc = clinic_key_save_public(s, pk, e);
        if (rc >= 0)
            rc = store_commit(s, e);
        if (rc < 0)
            store_rollback(s);
    }
    store_close(s);
    if (rc < 0) {
        unlink(path);
        unlink(key_path);
    }
    free(key_path);
    return rc < 0 ? -1 : 0;
}

int clinic_name(struct store *s, char *out, size_t n, struct err *e)
{
    struct stmt *st = store_prepare(s, "SELECT name FROM clinic WHERE id = 1");
    int rc = stmt_one_text(st, out, n, e);
    if (rc == 0)
        return err_set(e, ERR_FAIL, "", "the database holds no clinic");
    return rc < 0 ? -1 : 0;
}
