/* Patients' identifiers in other systems (fhir.h). */
#include "documents/fhir.h"
#include "core/clock.h"
#include "core/util.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int identifier_validate(const char *system, const char *value,
                               struct err *e)
{
    if (validate_text(system, "system", 1, 200, e) < 0 ||
        validate_text(value, "value", 1, 64, e) < 0)
        return -1;
    return 0;
}

int fhir_identifier_find(struct store *s, const char *system,
                         const char *value, int64_t *patient_id,
                         struct err *e)
{
    *patient_id = 0;
    if (identifier_validate(system, value, e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, "SELECT patient_id FROM patient_identifier"
           " WHERE system = :system AND value = :value");
    stmt_bind_text(st, ":system", system);
    stmt_bind_text(st, ":value", value);
    int rc = stmt_step(st, e);
    if (rc == 1)
        *patient_id = stmt_int(st, 0);
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

int fhir_identifier_add(struct store *s, const struct actor *caller,
                        int64_t patient_id, const char *system,
                        const char *value, int *added, struct err *e)
{
    *added = 0;
    int64_t holder;
    if (access_patient(s, caller, patient_id, 1, "patient", e) < 0 ||
        fhir_identifier_find(s, system, value, &holder, e) < 0)
        return -1;
    if (holder == patient_id)
        return 0;
    if (holder)
        return err_set(e, ERR_CONFLICT, "identifier",
                       "'%.64s' of system '%.120s' belongs to another "
                       "patient", value, system);
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    struct stmt *st = store_prepare(
        s, "INSERT INTO patient_identifier (patient_id, system, value,"
           " created_at) VALUES (:patient, :system, :value, :now)");
    stmt_bind_int(st, ":patient", patient_id);
    stmt_bind_text(st, ":system", system);
    stmt_bind_text(st, ":value", value);
    stmt_bind_text(st, ":now", now);
    if (stmt_run(st, e) < 0)
        return -1;
    *added = 1;
    return audit_append(s, caller, "create", "patient_identifier",
                        store_last_id(s), patient_id, "ok", e);
}

int fhir_identifier_list(struct store *s, const struct actor *caller,
                         int64_t patient_id, struct fhir_identifier **out,
                         size_t *count, struct err *e)
{
    *out = NULL;
    *count = 0;
    if (store_begin(s, e) < 0)
        return -1;
    if (access_patient(s, caller, patient_id, 0, "patient", e) < 0) {
        store_rollback(s);
        if (e->code == ERR_NOT_FOUND && !access_is_admin(caller)) {
            struct err ignored = ERR_INIT;
            audit_record_refusal(s, caller, "list", "patient_identifier", 0,
                                 patient_id, "denied", &ignored);
        }
        return -1;
    }
    struct stmt *st = store_prepare(
        s, "SELECT system, value FROM patient_identifier"
           " WHERE patient_id = :patient ORDER BY id");
    stmt_bind_int(st, ":patient", patient_id);
    size_t n = 0, alloc = 0;
    struct fhir_identifier *items = NULL;
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        ALLOC_GROW(items, n + 1, alloc);
        snprintf(items[n].system, sizeof(items[n].system), "%s",
                 stmt_text(st, 0));
        snprintf(items[n].value, sizeof(items[n].value), "%s",
                 stmt_text(st, 1));
        n++;
    }
    stmt_finalize(st);
    if (rc == 0)
        rc = audit_append(s, caller, "list", "patient_identifier", 0,
                          patient_id, "ok", e);
    if (rc < 0 || store_commit(s, e) < 0) {
        store_rollback(s);
        free(items);
        return -1;
    }
    *out = items;
    *count = n;
    return 0;
}
