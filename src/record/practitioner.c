#include "record/practitioner.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/internal.h"
#include "record/validate.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

int practitioner_validate(const struct practitioner_new *in, struct err *e)
{
    if (validate_text(in->name, "name", 1, RECORD_NAME_MAX, e) < 0 ||
        validate_text(in->license, "license", 1, RECORD_CODE_MAX, e) < 0 ||
        validate_text(in->credentials, "credentials", 1, RECORD_CODE_MAX,
                      e) < 0 ||
        validate_email(in->email, "email", e) < 0 ||
        validate_npi(in->npi, "npi", e) < 0)
        return -1;
    return 0;
}

void practitioner_bind(struct stmt *st, const struct practitioner_new *in)
{
    STMT_BIND(st, STORE_TEXT(":name", in->name),
              STORE_TEXT(":license", in->license),
              STORE_TEXT(":credentials", in->credentials),
              STORE_TEXT(":email", in->email), STORE_TEXT(":npi", in->npi),
              STORE_INT(":synthetic", in->synthetic != 0));
}

int practitioner_insert(struct store *s, const struct practitioner_new *in,
                        int64_t *id, struct err *e)
{
    if (practitioner_validate(in, e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, "INSERT INTO practitioner (name, license, credentials, email, npi,"
           " synthetic, created_at) VALUES (:name, :license, :credentials,"
           " :email, :npi, :synthetic, :now)");
    practitioner_bind(st, in);
    return record_insert(st, id, e);
}

int practitioner_add(struct store *s, const struct actor *caller,
                     const struct practitioner_new *in, int64_t *id,
                     struct err *e)
{
    if (access_manage(caller, "add a practitioner", e) < 0 ||
        practitioner_validate(in, e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    int rc = practitioner_insert(s, in, id, e);
    return audit_end(s, caller, "create", "practitioner", *id, 0, rc, e);
}

#define PRACTITIONER_COLUMNS                                                 \
    "id, name, license, credentials, email, npi, active, synthetic,"         \
    " created_at, registry_consent, directory_consent,"                    \
    " coalesce(directory_name, '')"

static void practitioner_row(struct stmt *st, void *item)
{
    struct practitioner *out = item;
    memset(out, 0, sizeof(*out));
    out->id = stmt_int(st, 0);
    record_copy(out->name, sizeof(out->name), stmt_text(st, 1));
    record_copy(out->license, sizeof(out->license), stmt_text(st, 2));
    record_copy(out->credentials, sizeof(out->credentials), stmt_text(st, 3));
    record_copy(out->email, sizeof(out->email), stmt_text(st, 4));
    record_copy(out->npi, sizeof(out->npi), stmt_text(st, 5));
    out->active = (int)stmt_int(st, 6);
    out->synthetic = (int)stmt_int(st, 7);
    record_copy(out->created_at, sizeof(out->created_at), stmt_text(st, 8));
    out->registry_consent = (int)stmt_int(st, 9);
    out->directory_consent = (int)stmt_int(st, 10);
    record_copy(out->directory_name, sizeof(out->directory_name),
                stmt_text(st, 11));
}

/* Keeps what everyone may see of a practitioner (id, name, active) when
 * not full, marking the record limited. */
static void practitioner_limit(struct practitioner *p, int full)
{
    if (full)
        return;
    struct practitioner all = *p;
    memset(p, 0, sizeof(*p));
    p->id = all.id;
    memcpy(p->name, all.name, sizeof(p->name));
    p->active = all.active;
    p->limited = 1;
}

int practitioner_load(struct store *s, int64_t id, int full,
                      const char *field, struct practitioner *out,
                      struct err *e)
{
    if (record_load(s,
                    "SELECT " PRACTITIONER_COLUMNS
                    " FROM practitioner WHERE id = :id",
                    id, field, "practitioner", practitioner_row, out, e) < 0)
        return -1;
    practitioner_limit(out, full);
    return 0;
}

int practitioner_get(struct store *s, const struct actor *caller, int64_t id,
                     const char *field, struct practitioner *out,
                     struct err *e)
{
    if (store_begin(s, e) < 0)
        return -1;
    int rc = practitioner_load(s, id, access_practitioner_full(caller, id),
                               field, out, e);
    return store_end(s, rc, e);
}

int practitioner_show(struct store *s, const struct actor *caller,
                      int64_t id, struct practitioner_detail *out,
                      struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (store_begin(s, e) < 0)
        return -1;
    int full = access_practitioner_full(caller, id);
    int rc = practitioner_load(s, id, full, "id", &out->practitioner, e);
    if (rc == 0 && full)
        rc = training_query(s, id, &out->training, e);
    rc = store_end(s, rc, e);
    return RELEASE_ON_FAILURE(rc, practitioner_detail_release, out);
}

void practitioner_detail_release(struct practitioner_detail *d)
{
    training_list_release(&d->training);
    memset(d, 0, sizeof(*d));
}

int practitioner_list(struct store *s, const struct actor *caller,
                      struct practitioner_list *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, "SELECT " PRACTITIONER_COLUMNS
           " FROM practitioner ORDER BY name, id");
    int rc = RECORD_ROWS(st, out, practitioner_row, e);
    for (size_t i = 0; i < out->count; i++)
        practitioner_limit(&out->items[i],
                           access_practitioner_full(caller, out->items[i].id));
    rc = store_end(s, rc, e);
    return RELEASE_ON_FAILURE(rc, practitioner_list_release, out);
}

ARRAY_LIST_RELEASE(practitioner)

int practitioner_set_registry_consent(struct store *s,
                                      const struct actor *caller, int64_t id,
                                      int consent, struct err *e)
{
    if (access_manage(caller, "record a practitioner's registry consent",
                      e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st =
        STORE_QUERY(s,
                    "UPDATE practitioner SET registry_consent = :consent"
                    " WHERE id = :id",
                    STORE_INT(":consent", consent != 0), STORE_INT(":id", id));
    int rc = stmt_step(st, e) < 0 ? -1 : 0;
    stmt_finalize(st);
    if (rc == 0 && store_changes(s) == 0)
        rc = err_set(e, ERR_NOT_FOUND, "id", "no practitioner %lld",
                     (long long)id);
    return audit_end(s, caller, "update", "practitioner", id, 0, rc, e);
}

int practitioner_consent_synthetic(struct store *s, struct err *e)
{
    return store_exec(s,
                      "UPDATE practitioner SET registry_consent = 1"
                      " WHERE synthetic = 1",
                      e);
}
