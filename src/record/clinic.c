#include "record/clinic.h"
#include "record/validate.h"
#include "core/clock.h"

#include <stdio.h>
#include <unistd.h>

int clinic_init(const char *path, const char *name, struct err *e)
{
    if (validate_text(name, "clinic", 1, CLINIC_NAME_MAX, e) < 0)
        return -1;
    struct store *s;
    if (store_open(path, STORE_CREATE, &s, e) < 0)
        return -1;
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    struct stmt *st = store_prepare(
        s, "INSERT INTO clinic (id, name, created_at) VALUES (1, :name, :now)");
    stmt_bind_text(st, ":name", name);
    stmt_bind_text(st, ":now", now);
    int rc = stmt_step(st, e);
    stmt_finalize(st);
    store_close(s);
    if (rc < 0) {
        unlink(path);
        return -1;
    }
    return 0;
}

int clinic_name(struct store *s, char *out, size_t n, struct err *e)
{
    struct stmt *st = store_prepare(s, "SELECT name FROM clinic WHERE id = 1");
    int rc = stmt_step(st, e);
    if (rc == 1)
        snprintf(out, n, "%s", stmt_text(st, 0));
    stmt_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_FAIL, "", "the database holds no clinic");
    return rc < 0 ? -1 : 0;
}
