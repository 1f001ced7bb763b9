/* Helpers shared by the record's modules (internal.h). */
#include "record/internal.h"
#include "record/access.h"
#include "record/audit.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void record_copy(char *dst, size_t n, const char *src)
{
    if (!n)
        return;
    size_t len = src ? strnlen(src, n - 1) : 0;
    memcpy(dst, src ? src : "", len);
    dst[len] = '\0';
}

void record_now(char out[CLOCK_INSTANT_LEN])
{
    clock_format_instant(clock_now(), out);
}

int record_finish(struct store *s, int rc, struct err *e)
{
    return store_end(s, rc, e);
}

int record_begin_checked(struct store *s, const struct actor *caller,
                         const char *action, const char *record_type,
                         int64_t record_id, int64_t patient_id,
                         int64_t episode_id, const char *field,
                         int64_t *patient, struct err *e)
{
    int want_write = !strcmp(action, "create") || !strcmp(action, "update");
    if (store_begin(s, e) < 0)
        return -1;
    if (episode_id > 0) {
        if (access_episode(s, caller, episode_id, want_write, field,
                           patient, e) < 0)
            return audit_refuse(s, caller, action, record_type, record_id,
                                 0, e);
        return 0;
    }
    if (access_patient(s, caller, patient_id, want_write, field, e) < 0)
        return audit_refuse(s, caller, action, record_type, record_id,
                             patient_id, e);
    if (patient)
        *patient = patient_id;
    return 0;
}

int record_read_checked(struct store *s, const struct actor *caller,
                        const char *record_type, int64_t id,
                        const char *field, int rc, int64_t patient_id,
                        int64_t episode_id, struct err *e)
{
    const char *owner = episode_id > 0 ? "episode" : "patient";
    if (rc == 0) {
        if (episode_id > 0)
            rc = access_episode(s, caller, episode_id, 0, field, &patient_id,
                                e);
        else
            rc = access_patient(s, caller, patient_id, 0, field, e);
        /* Not the caller's: the same answer as a missing record. */
        if (rc < 0 && strcmp(record_type, owner))
            record_not_found(e, field, record_type, id);
    }
    if (rc < 0)
        return audit_refuse(s, caller, "read", record_type, id,
                             strcmp(record_type, "patient") ? 0 : id, e);
    return audit_end(s, caller, "read", record_type, id, patient_id, 0, e);
}

int record_rows(struct stmt *st, void *items, size_t *count, size_t size,
                void (*row)(struct stmt *st, void *item), struct err *e)
{
    char *array;
    memcpy(&array, items, sizeof(array));
    size_t alloc = *count;
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        array = alloc_grow(array, *count + 1, &alloc, size);
        char *item = array + *count * size;
        memset(item, 0, size);
        row(st, item);
        ++*count;
    }
    stmt_finalize(st);
    memcpy(items, &array, sizeof(array));
    return rc < 0 ? -1 : 0;
}

int record_load(struct store *s, const char *sql, int64_t id,
                const char *field, const char *record_type,
                void (*row)(struct stmt *st, void *item), void *out,
                struct err *e)
{
    struct stmt *st = STORE_QUERY(s, sql, STORE_INT(":id", id));
    int rc = stmt_step(st, e);
    if (rc == 1)
        row(st, out);
    stmt_finalize(st);
    if (rc == 0)
        return record_not_found(e, field, record_type, id);
    return rc < 0 ? -1 : 0;
}

int record_rows_plain(struct stmt *st, void *items, size_t *count,
                      size_t size, void (*row)(struct stmt *st, void *item),
                      struct err *e)
{
    if (record_rows(st, items, count, size, row, e) < 0) {
        array_free(items, count);
        return -1;
    }
    return 0;
}

int record_kind_load(struct store *s, const struct record_kind *k,
                     int64_t id, const char *field, void *out,
                     struct err *e)
{
    memset(out, 0, k->size);
    if (record_load(s, k->select, id, field, k->name, k->row, out, e) < 0)
        return -1;
    if (k->parts && k->parts(s, out, e) < 0) {
        k->release(out);
        return -1;
    }
    return 0;
}

int record_kind_get(struct store *s, const struct actor *caller,
                    const struct record_kind *k, int64_t id,
                    const char *field, void *out, struct err *e)
{
    memset(out, 0, k->size);
    if (store_begin(s, e) < 0)
        return -1;
    int rc = record_kind_load(s, k, id, field, out, e);
    int64_t owner = 0;
    if (rc == 0)
        memcpy(&owner, (const char *)out + k->owner_offset, sizeof(owner));
    if (record_read_checked(s, caller, k->name, id, field, rc,
                            k->owner_is_episode ? 0 : owner,
                            k->owner_is_episode ? owner : 0, e) < 0) {
        if (k->release)
            k->release(out);
        memset(out, 0, k->size);
        return -1;
    }
    return 0;
}

void record_bind_id(struct stmt *st, const char *name, int64_t v)
{
    stmt_bind_id(st, name, v);
}

int record_insert(struct stmt *st, int64_t *id, struct err *e)
{
    char now[CLOCK_INSTANT_LEN];
    record_now(now);
    stmt_bind_text(st, ":now", now);
    return stmt_insert(st, id, e);
}

int record_not_found(struct err *e, const char *field, const char *what,
                     int64_t id)
{
    return err_set(e, ERR_NOT_FOUND, field, "no %s %lld", what,
                   (long long)id);
}

int record_validate_phone(const char *s, const char *field, struct err *e)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    int digits = 0;
    if (n == 0 || n > RECORD_PHONE_MAX)
        return err_set(e, ERR_INPUT, field,
                       "'%.40s' is not a phone number (1 to %d characters)",
                       s, RECORD_PHONE_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digits++;
        else if (!strchr(" +()-.", c))
            return err_set(e, ERR_INPUT, field,
                           "'%.40s' is not a phone number (digits, spaces "
                           "and + ( ) - . only)",
                           s);
    }
    if (!digits)
        return err_set(e, ERR_INPUT, field, "'%.40s' holds no digits", s);
    return 0;
}

int record_validate_zip(const char *s, const char *field, struct err *e)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    int ok = n == 5 || (n == 10 && s[5] == '-');
    for (size_t i = 0; ok && i < n; i++)
        ok = i == 5 ? s[i] == '-' : (s[i] >= '0' && s[i] <= '9');
    if (!ok)
        return err_set(e, ERR_INPUT, field,
                       "'%.40s' is not a ZIP code (12345 or 12345-6789)", s);
    return 0;
}

