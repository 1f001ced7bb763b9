/* Helpers shared by the record's modules (internal.h). */
#include "record/internal.h"
#include "record/access.h"
#include "record/audit.h"
#include "core/util.h"

#include <stdio.h>
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
    if (rc < 0) {
        store_rollback(s);
        return -1;
    }
    if (store_commit(s, e) < 0) {
        store_rollback(s);
        return -1;
    }
    return 0;
}

int record_refuse(struct store *s, const struct actor *caller,
                  const char *action, const char *record_type,
                  int64_t record_id, int64_t patient_id, struct err *e)
{
    store_rollback(s);
    if (e->code == ERR_NOT_FOUND && !access_is_admin(caller)) {
        struct err ignored = ERR_INIT;
        audit_record_refusal(s, caller, action, record_type, record_id,
                             patient_id, "denied", &ignored);
    }
    return -1;
}

void *record_grow(void *items, size_t count, size_t *alloc, size_t size)
{
    if (count < *alloc)
        return items;
    *alloc = *alloc ? 2 * *alloc : 8;
    return xrealloc(items, *alloc * size);
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

int record_past_instant(const char *s, const char *field,
                        char out[CLOCK_INSTANT_LEN], struct err *e)
{
    time_t t;
    if (!s)
        return err_set(e, ERR_INPUT, field, "missing");
    if (clock_parse_instant(s, &t, field, e) < 0)
        return -1;
    if (t > clock_now())
        return err_set(e, ERR_INPUT, field, "'%s' is in the future", s);
    clock_format_instant(t, out);
    return 0;
}
