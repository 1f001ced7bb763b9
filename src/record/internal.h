/*
 * internal: helpers shared by the record's modules, and the unlocked
 * building blocks (validate + check + insert inside an open transaction,
 * without access checks or audit) that the public functions wrap and the
 * demo generator reuses. Not a public face: only src/record/ includes it.
 */
#ifndef TS_RECORD_INTERNAL_H
#define TS_RECORD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/util.h"
#include "record/actor.h"
#include "record/audit.h"
#include "record/episode.h"
#include "record/observation.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "record/referral.h"
#include "record/session.h"
#include "record/training.h"
#include "store/store.h"

/* Copies src (NULL: "") into dst of size n, truncating. */
void record_copy(char *dst, size_t n, const char *src);
/* The current instant as stored. */
void record_now(char out[CLOCK_INSTANT_LEN]);
/* store_end, by the name the bulk import and the summaries call it. */
int record_finish(struct store *s, int rc, struct err *e);
/*
 * Begins an action (audited as action on record_type record_id: "list",
 * "read", "create", "update") on a record of an episode (episode_id > 0)
 * or else of a patient (patient_id): opens a transaction and checks that
 * the caller may see that episode or patient (may change it, for "create"
 * and "update"); *patient (when not NULL) is then its patient. Returns 0,
 * or -1 with e filled (as access.h), the transaction rolled back and the
 * refusal recorded (audit_refuse).
 */
int record_begin_checked(struct store *s, const struct actor *caller,
                         const char *action, const char *record_type,
                         int64_t record_id, int64_t patient_id,
                         int64_t episode_id, const char *field,
                         int64_t *patient, struct err *e);
/*
 * Ends the access-checked read of record_type id, begun with store_begin()
 * and loaded by the caller (rc 0, or -1 with e filled): checks that the
 * caller may see the record's episode (episode_id > 0) or else its patient
 * (patient_id); a record the caller may not see is, for a record other
 * than that patient or episode itself, "no <record_type> <id>" (field),
 * as if missing. Then audits the read and commits, or refuses
 * (audit_refuse; the refusal names the patient only when the record is
 * the patient). Returns 0 or -1; on -1 the caller releases what it loaded.
 */
int record_read_checked(struct store *s, const struct actor *caller,
                        const char *record_type, int64_t id,
                        const char *field, int rc, int64_t patient_id,
                        int64_t episode_id, struct err *e);
/*
 * Steps st to its end, appending one item per row to a list's array:
 * items is the address of the array's pointer (a struct X **), *count its
 * length, size the size of one item. row fills each new item, zeroed
 * first, from the current row. Finalizes st. Returns 0, or -1 with e
 * filled (the rows read so far stay in the list, for its release).
 * Grows the array (out of memory dies).
 */
int record_rows(struct stmt *st, void *items, size_t *count, size_t size,
                void (*row)(struct stmt *st, void *item), struct err *e);
#define RECORD_ROWS(st, list, row, e)                                        \
    record_rows((st), &(list)->items, &(list)->count,                        \
                sizeof(*(list)->items), (row), (e))
/* Empties the list, then reads into it (RECORD_ROWS, or RECORD_ROWS_PLAIN
 * for RECORD_SELECT_PLAIN) the rows of sql with the parameters given
 * (STORE_INT, STORE_TEXT, ...), each filled by row. */
#define RECORD_SELECT(s, list, row, e, sql, ...)                             \
    (memset((list), 0, sizeof(*(list))),                                     \
     RECORD_ROWS(STORE_QUERY((s), (sql), __VA_ARGS__), (list), (row), (e)))
#define RECORD_SELECT_PLAIN(s, list, row, e, sql, ...)                       \
    (memset((list), 0, sizeof(*(list))),                                     \
     RECORD_ROWS_PLAIN(STORE_QUERY((s), (sql), __VA_ARGS__), (list), (row),  \
                       (e)))
/* Reads the one row of sql (a SELECT of record_type rows with the
 * parameter :id) for that id into out, filled by row. Returns 0, or -1
 * with e filled: "no <record_type> <id>" (ERR_NOT_FOUND, field) when
 * there is none (out untouched). */
int record_load(struct store *s, const char *sql, int64_t id,
                const char *field, const char *record_type,
                void (*row)(struct stmt *st, void *item), void *out,
                struct err *e);
/* record_rows, for a list whose items own nothing: on failure the list
 * is emptied (its array freed). */
#define RECORD_ROWS_PLAIN(st, list, row, e)                                  \
    record_rows_plain((st), &(list)->items, &(list)->count,                  \
                      sizeof(*(list)->items), (row), (e))
int record_rows_plain(struct stmt *st, void *items, size_t *count,
                      size_t size, void (*row)(struct stmt *st, void *item),
                      struct err *e);
/*
 * A record type as read one by id (record_kind_load, record_kind_get):
 * its name (the audited record_type, and "no <name> <id>"), the SELECT of
 * its one row with the parameter :id, the reader of that row into an item
 * of size bytes, what more a loaded item needs (parts, NULL for nothing)
 * and what releases it (release, NULL when it owns nothing). Its access
 * rule is that of the patient, or (owner_is_episode) the episode, whose
 * id is the int64_t at owner_offset in the item.
 */
struct record_kind {
    const char *name;
    const char *select;
    size_t size;
    void (*row)(struct stmt *st, void *item);
    int (*parts)(struct store *s, void *item, struct err *e);
    void (*release)(void *item);
    int owner_is_episode;
    size_t owner_offset;
};
/* Loads the record of kind k with that id into out (zeroed first), no
 * access check, no audit. Returns 0, or -1 with e filled ("no <name>
 * <id>", ERR_NOT_FOUND, field, when there is none) and nothing left to
 * release. Allocates what k's row and parts do (k->release frees). */
int record_kind_load(struct store *s, const struct record_kind *k,
                     int64_t id, const char *field, void *out,
                     struct err *e);
/* The access-checked, audited read of that record (record_read_checked):
 * in a transaction of its own. Returns 0, or -1 with e filled and out
 * zeroed. As record_kind_load, k->release frees. */
int record_kind_get(struct store *s, const struct actor *caller,
                    const struct record_kind *k, int64_t id,
                    const char *field, void *out, struct err *e);
/*
 * Defines type_load (internal.h) and type_get (type.h) of struct type
 * through one record_kind: its name #type, the SELECT by :id, the row
 * reader, parts and release (as record_kind), and its owner: the patient,
 * or (owner_is_episode) the episode, whose id is the item's field owner.
 */
#define RECORD_KIND_DEFINE(type, select_sql, row_fn, parts_fn, release_fn,  \
                           is_episode, owner)                                \
    static const struct record_kind type##_kind = {                          \
        .name = #type,                                                       \
        .select = (select_sql),                                              \
        .size = sizeof(struct type),                                         \
        .row = (row_fn),                                                     \
        .parts = (parts_fn),                                                 \
        .release = (release_fn),                                             \
        .owner_is_episode = (is_episode),                                    \
        .owner_offset = offsetof(struct type, owner),                        \
    };                                                                       \
    int type##_load(struct store *s, int64_t id, const char *field,          \
                    struct type *out, struct err *e)                         \
    {                                                                        \
        return record_kind_load(s, &type##_kind, id, field, out, e);         \
    }                                                                        \
    int type##_get(struct store *s, const struct actor *caller, int64_t id,  \
                   const char *field, struct type *out, struct err *e)       \
    {                                                                        \
        return record_kind_get(s, caller, &type##_kind, id, field, out, e);  \
    }
/*
 * Defines type_list (type.h): the records of one patient or (is_episode)
 * one episode, read by type_query (internal.h) under the access rule of
 * that patient or episode (field names it in a refusal), audited "list"
 * of #type in a transaction of its own. On failure the list is released
 * (type_list_release) and -1 returned with e filled.
 */
#define RECORD_LIST_DEFINE(type, is_episode, field)                            \
    int type##_list(struct store *s, const struct actor *caller,               \
                    int64_t owner_id, struct type##_list *out, struct err *e)  \
    {                                                                          \
        memset(out, 0, sizeof(*out));                                          \
        int64_t patient = 0;                                                   \
        if (record_begin_checked(                                              \
                s, caller, "list", #type, 0, (is_episode) ? 0 : owner_id,      \
                (is_episode) ? owner_id : 0, (field), &patient, e) < 0)        \
            return -1;                                                         \
        int rc = type##_query(s, owner_id, out, e);                            \
        rc = audit_end(s, caller, "list", #type, 0, patient, rc, e);           \
        return RELEASE_ON_FAILURE(rc, type##_list_release, out);               \
    }
/* Binds v to the parameter name, or NULL when v is no record id (<= 0). */
void record_bind_id(struct stmt *st, const char *name, int64_t v);
/* Binds :now (the current instant) to the INSERT st, steps and finalizes
 * it; *id is the new row's. Returns 0 or -1. */
int record_insert(struct stmt *st, int64_t *id, struct err *e);
/* "no <what> <id>", ERR_NOT_FOUND with field. Returns -1. */
int record_not_found(struct err *e, const char *field, const char *what,
                     int64_t id);
/* Validates optional text (NULL passes) and a phone number / ZIP code. */
int record_validate_phone(const char *s, const char *field, struct err *e);
int record_validate_zip(const char *s, const char *field, struct err *e);

/* Loaders: fill *out from the row with that id, or ERR_NOT_FOUND (field)
 * when there is none. No access check, no audit. */
int practitioner_load(struct store *s, int64_t id, int full,
                      const char *field, struct practitioner *out,
                      struct err *e);
int patient_load(struct store *s, int64_t id, const char *field,
                 struct patient *out, struct err *e);
int referral_load(struct store *s, int64_t id, const char *field,
                  struct referral *out, struct err *e);
int episode_load(struct store *s, int64_t id, const char *field,
                 struct episode *out, struct err *e);
int session_load(struct store *s, int64_t id, const char *field,
                 struct session *out, struct err *e);
int observation_load(struct store *s, int64_t id, const char *field,
                     struct observation *out, struct err *e);
int training_query(struct store *s, int64_t practitioner_id,
                   struct training_list *out, struct err *e);
int referral_query(struct store *s, int64_t patient_id,
                   struct referral_list *out, struct err *e);
int episode_query(struct store *s, const struct actor *caller,
                  const struct episode_filter *f, struct episode_list *out,
                  struct err *e);
int session_query(struct store *s, int64_t episode_id,
                  struct session_list *out, struct err *e);
int observation_query(struct store *s, int64_t episode_id,
                      struct observation_list *out, struct err *e);

/*
 * The rules, callable on their own (the inserts below and bulk.h apply
 * them): *_validate checks the fields alone; *_check_* checks a record
 * against the records it refers to, given as values the caller loaded.
 * Each returns 0, or -1 with e naming the field (the command-line
 * option's name) and the problem.
 *
 * `historical` (bulk import of past courses of care): an episode that is
 * already closed accepts sessions and in-course measures dated on or
 * before its end; otherwise a closed episode accepts only follow-ups.
 */
struct protocol;
int practitioner_validate(const struct practitioner_new *in, struct err *e);
int training_validate(const struct training_new *in, struct err *e);
int patient_validate(const struct patient_new *in, struct err *e);
int referral_validate(const struct referral_new *in, struct err *e);
/* Not before the patient's birth. */
int referral_check_patient(const struct referral_new *in,
                           const char *birth_date, struct err *e);
int episode_validate(const struct episode_new *in, struct err *e);
/* The practitioner active, the start not before the patient's birth, and
 * a referral (when in->referral_id > 0) of the same patient, not after the
 * start. */
int episode_check_records(const struct episode_new *in,
                          const char *birth_date, int practitioner_active,
                          int64_t referral_patient_id,
                          const char *referred_on, struct err *e);
/* An end date ("end"): real, not in the future, not before the start. */
int episode_end_validate(const char *ended_on, const char *started_on,
                         struct err *e);
/* Fills started_at (normalised UTC) from in->started_at. */
int session_validate(const struct session_new *in,
                     char started_at[CLOCK_INSTANT_LEN], struct err *e);
/* The episode's protocol in the catalog (*p), the episode open (or see
 * historical), the session not before its start nor after its end. */
int session_check_episode(const struct session_new *in,
                          const char *started_at, const struct episode *ep,
                          int historical, const struct protocol **p,
                          struct err *e);
/* Fills observed_at (normalised UTC) and *total (the scoring rule). */
int observation_validate(const struct observation_new *in,
                         char observed_at[CLOCK_INSTANT_LEN], double *total,
                         struct err *e);
/* Not before the episode's start; a follow-up only after discharge, other
 * timepoints only while open (or see historical). */
int observation_check_episode(const struct observation_new *in,
                              const char *observed_at,
                              const struct episode *ep, int historical,
                              struct err *e);
/* The named session is of the same episode; a post measure not before the
 * session began. */
int observation_check_session(const struct observation_new *in,
                              const char *observed_at,
                              int64_t session_episode_id,
                              const char *session_started_at, struct err *e);

/* The stored form of item responses: a compact JSON array, whole numbers
 * as integers, missing responses (NAN) as null. Allocates (free()). */
char *observation_items_json(const double *items, size_t n);

/*
 * Binders: the fields of a new record to the named parameters of its
 * INSERT, as the inserts below and the bulk import write them (the
 * creation time and, in a bulk import, the id are the caller's).
 */
void practitioner_bind(struct stmt *st, const struct practitioner_new *in);
void training_bind(struct stmt *st, const struct training_new *in);
/* created_by: the registering practitioner, 0 for none. */
void patient_bind(struct stmt *st, const struct patient_new *in,
                  int64_t created_by);
void referral_bind(struct stmt *st, const struct referral_new *in);
/* All but the end date (:end, which only the bulk import writes). */
void episode_bind(struct stmt *st, const struct episode_new *in);
/* started_at as session_validate normalised it. */
void session_bind(struct stmt *st, const struct session_new *in,
                  const char *started_at);

/* The INSERTs of a session's phases and fidelity findings, for
 * session_insert_parts. */
#define SESSION_PHASE_INSERT                                                 \
    "INSERT INTO session_phase (session_id, position, name, minutes)"        \
    " VALUES (:session, :position, :name, :minutes)"
#define SESSION_FINDING_INSERT                                               \
    "INSERT INTO session_finding (session_id, position, code, message)"      \
    " VALUES (:session, :position, :code, :message)"
/* Writes the phases of session session_id (in->phases) and the findings
 * of its fidelity to protocol p, with the two prepared statements given
 * (SESSION_PHASE_INSERT, SESSION_FINDING_INSERT; each is reset before
 * every row, and left to the caller). Returns 0 or -1. */
int session_insert_parts(struct stmt *phase, struct stmt *finding,
                         int64_t session_id, const struct session_new *in,
                         const struct protocol *p, struct err *e);

/* Inserts: validate every field, check it against the database, insert.
 * Inside an open transaction; no access check, no audit. */
int practitioner_insert(struct store *s, const struct practitioner_new *in,
                        int64_t *id, struct err *e);
int training_insert(struct store *s, const struct training_new *in,
                    int64_t *id, struct err *e);
int patient_insert(struct store *s, const struct patient_new *in,
                   int64_t created_by, int64_t *id, struct err *e);
int referral_insert(struct store *s, const struct referral_new *in,
                    int64_t *id, struct err *e);
/* Without the scope and red-flag rules (episode_open applies them). */
int episode_insert(struct store *s, const struct episode_new *in,
                   int64_t *id, struct err *e);
int episode_close_locked(struct store *s, int64_t id, const char *ended_on,
                         struct err *e);
/* Without the scope rule (session_add applies it). */
int session_insert(struct store *s, const struct session_new *in,
                   int64_t *id, struct err *e);
int observation_insert(struct store *s, const struct observation_new *in,
                       int64_t *id, struct err *e);

#endif
