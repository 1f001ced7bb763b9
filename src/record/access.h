/*
 * access: who may see and change what, in one place.
 *
 *   admin (and the local command line, actor_cli): everything.
 *   therapist: a patient is theirs when one of the patient's episodes is
 *     theirs (episode.practitioner_id = caller->practitioner_id), or when
 *     they registered the patient (patient.created_by_practitioner) and the
 *     patient is in no episode yet. They read and change only their
 *     patients, only their own episodes (and the sessions and observations
 *     in them), open episodes only in their own name, see other
 *     practitioners by name only, and see only their own training.
 *   researcher: no patient-level record at all (lists are empty, a named
 *     record is "not found"); practitioners by name only.
 *
 * Refusals of a named record are ERR_NOT_FOUND with the same message as a
 * missing record ("no patient 42"), so ids cannot be probed. Actions a role
 * may never take (a therapist adding a practitioner) are ERR_AUTH.
 *
 * The check functions do not audit; the entity modules do (a refusal is
 * recorded as outcome "denied" after the rollback).
 */
#ifndef TS_RECORD_ACCESS_H
#define TS_RECORD_ACCESS_H

#include <stdint.h>

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

/* 1 when the caller sees every record (admin, the command line). */
int access_is_admin(const struct actor *caller);

/* 0 when the patient exists and the caller may read it (or change it,
 * when want_write); else -1 with ERR_NOT_FOUND, field `field` (e.g.
 * "patient" or "id"), "no patient N". Runs inside the caller's
 * transaction (reads only). */
int access_patient(struct store *s, const struct actor *caller,
                   int64_t patient_id, int want_write, const char *field,
                   struct err *e);

/* The same for an episode (a therapist: their own episodes only). On
 * success *patient_id (when not NULL) is the episode's patient. */
int access_episode(struct store *s, const struct actor *caller,
                   int64_t episode_id, int want_write, const char *field,
                   int64_t *patient_id, struct err *e);

/* 0 when the caller may add practitioners and training records (admin);
 * else -1 with ERR_AUTH naming the action ("add a practitioner"). */
int access_manage(const struct actor *caller, const char *action,
                  struct err *e);

/* 1 when the caller sees the full practitioner record (license, email,
 * NPI, training) of practitioner_id: an admin, or the practitioner
 * themself; others see id and name only. */
int access_practitioner_full(const struct actor *caller,
                             int64_t practitioner_id);

/*
 * SQL conditions that scope a query by the caller. Each names the column
 * or table alias it filters, and uses the parameters :access_all and
 * :access_practitioner, which access_bind() fills. Use them in every list
 * query of patient data:
 *
 *   "SELECT ... FROM patient p WHERE " ACCESS_PATIENT_VISIBLE("p.id")
 *   "SELECT ... FROM episode e WHERE " ACCESS_EPISODE_VISIBLE("e")
 */
#define ACCESS_PATIENT_VISIBLE(patient_id_column)                            \
    "(:access_all = 1 OR EXISTS (SELECT 1 FROM episode access_e"             \
    " WHERE access_e.patient_id = " patient_id_column                        \
    " AND access_e.practitioner_id = :access_practitioner)"                  \
    " OR (EXISTS (SELECT 1 FROM patient access_p WHERE access_p.id = "       \
    patient_id_column " AND access_p.created_by_practitioner ="              \
    " :access_practitioner) AND NOT EXISTS (SELECT 1 FROM episode access_n"  \
    " WHERE access_n.patient_id = " patient_id_column ")))"
#define ACCESS_EPISODE_VISIBLE(episode_alias)                                \
    "(:access_all = 1 OR " episode_alias                                     \
    ".practitioner_id = :access_practitioner)"

/* Binds :access_all (1 for an admin) and :access_practitioner (the
 * therapist's practitioner id; -1, matching nothing, for anyone else). */
void access_bind(struct stmt *st, const struct actor *caller);

#endif
