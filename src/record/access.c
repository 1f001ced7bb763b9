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

/* Runs sql, which selects the patient of record_type id (:id) when the
 * caller sees it, into *patient_id (when not NULL). Returns 0, or -1 with
 * e filled: "no <record_type> <id>" when the caller does not see it. */
static int access_query(struct store *s, const struct actor *caller,
                        const char *sql, const char *record_type, int64_t id,
                        const char *field, int64_t *patient_id,
                        struct err *e)
{
    struct stmt *st = STORE_QUERY(s, sql, STORE_INT(":id", id));
    access_bind(st, caller);
    int rc = stmt_step(st, e);
    if (rc == 1 && patient_id)
        *patient_id = stmt_int(st, 0);
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return record_not_found(e, field, record_type, id);
    return 0;
}

int access_patient(struct store *s, const struct actor *caller,
                   int64_t patient_id, int want_write, const char *field,
                   struct err *e)
{
    (void)want_write; /* a therapist changes exactly the patients they see */
    return access_query(s, caller,
                        "SELECT p.id FROM patient p WHERE p.id = :id AND "
                        ACCESS_PATIENT_VISIBLE("p.id"),
                        "patient", patient_id, field, NULL, e);
}

int access_episode(struct store *s, const struct actor *caller,
                   int64_t episode_id, int want_write, const char *field,
                   int64_t *patient_id, struct err *e)
{
    (void)want_write; /* a therapist changes exactly the episodes they see */
    return access_query(s, caller,
                        "SELECT e.patient_id FROM episode e WHERE e.id = :id"
                        " AND " ACCESS_EPISODE_VISIBLE("e"),
                        "episode", episode_id, field, patient_id, e);
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
