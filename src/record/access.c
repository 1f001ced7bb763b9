#include "record/access.h"
#include "record/internal.h"

int access_is_admin(const struct actor *caller)
{
    return caller->role == ROLE_ADMIN;
}

void access_bind(struct stmt *st, const struct actor *caller)
{
    int64_t practitioner = -1;
    if (caller->role == ROLE_THERAPIST && caller->practitioner_id > 0)
        practitioner = caller->practitioner_id;
    stmt_bind_int(st, ":access_all", access_is_admin(caller));
    stmt_bind_int(st, ":access_practitioner", practitioner);
}

int access_patient(struct store *s, const struct actor *caller,
                   int64_t patient_id, int want_write, const char *field,
                   struct err *e)
{
    (void)want_write; /* a therapist changes exactly the patients they see */
    struct stmt *st = store_prepare(
        s, "SELECT 1 FROM patient p WHERE p.id = :id AND "
           ACCESS_PATIENT_VISIBLE("p.id"));
    stmt_bind_int(st, ":id", patient_id);
    access_bind(st, caller);
    int rc = stmt_step(st, e);
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return record_not_found(e, field, "patient", patient_id);
    return 0;
}

int access_episode(struct store *s, const struct actor *caller,
                   int64_t episode_id, int want_write, const char *field,
                   int64_t *patient_id, struct err *e)
{
    (void)want_write; /* a therapist changes exactly the episodes they see */
    struct stmt *st = store_prepare(
        s, "SELECT e.patient_id FROM episode e WHERE e.id = :id AND "
           ACCESS_EPISODE_VISIBLE("e"));
    stmt_bind_int(st, ":id", episode_id);
    access_bind(st, caller);
    int rc = stmt_step(st, e);
    if (rc == 1 && patient_id)
        *patient_id = stmt_int(st, 0);
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return record_not_found(e, field, "episode", episode_id);
    return 0;
}

int access_manage(const struct actor *caller, const char *action,
                  struct err *e)
{
    if (access_is_admin(caller))
        return 0;
    return err_set(e, ERR_AUTH, "", "only an admin may %s", action);
}

int access_practitioner_full(const struct actor *caller,
                             int64_t practitioner_id)
{
    if (access_is_admin(caller))
        return 1;
    return caller->role == ROLE_THERAPIST && caller->practitioner_id > 0 &&
           caller->practitioner_id == practitioner_id;
}
