#include "record/episode.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/internal.h"
#include "record/scope.h"
#include "record/summary.h"
#include "record/validate.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

int episode_validate(const struct episode_new *in, struct err *e)
{
    if (in->patient_id <= 0)
        return err_set(e, ERR_INPUT, "patient", "missing");
    if (in->practitioner_id <= 0)
        return err_set(e, ERR_INPUT, "practitioner", "missing");
    if (!scope_protocol(in->catalog, in->protocol_id, "protocol", e))
        return -1;
    if (!in->icd10)
        return err_set(e, ERR_INPUT, "icd10", "missing");
    if (validate_icd10(in->icd10, "icd10", e) < 0 ||
        validate_past_date(in->started_on, "start", NULL, e) < 0)
        return -1;
    if (in->referral_id < 0)
        return err_set(e, ERR_INPUT, "referral", "'%lld' is not a record id",
                       (long long)in->referral_id);
    if (in->chronicity_weeks < -1 ||
        in->chronicity_weeks > EPISODE_CHRONICITY_MAX)
        return err_set(e, ERR_INPUT, "chronicity-weeks",
                       "%ld is out of range (0 to %d)", in->chronicity_weeks,
                       EPISODE_CHRONICITY_MAX);
    if (in->comorbidities < -1 || in->comorbidities > EPISODE_COMORBIDITIES_MAX)
        return err_set(e, ERR_INPUT, "comorbidities",
                       "%ld is out of range (0 to %d)", in->comorbidities,
                       EPISODE_COMORBIDITIES_MAX);
    return 0;
}

int episode_check_records(const struct episode_new *in,
                          const char *birth_date, int practitioner_active,
                          int64_t referral_patient_id,
                          const char *referred_on, struct err *e)
{
    if (!practitioner_active)
        return err_set(e, ERR_CONFLICT, "practitioner",
                       "practitioner %lld is not active",
                       (long long)in->practitioner_id);
    if (strcmp(in->started_on, birth_date) < 0)
        return err_set(e, ERR_INPUT, "start",
                       "'%s' is before the patient's birth (%s)",
                       in->started_on, birth_date);
    if (in->referral_id > 0) {
        if (referral_patient_id != in->patient_id)
            return err_set(e, ERR_INPUT, "referral",
                           "referral %lld is for another patient",
                           (long long)in->referral_id);
        if (strcmp(referred_on, in->started_on) > 0)
            return err_set(e, ERR_INPUT, "start",
                           "'%s' is before the referral (%s)", in->started_on,
                           referred_on);
    }
    return 0;
}

/* The checks against the database that need no access rule. */
static int episode_check(struct store *s, const struct episode_new *in,
                         struct err *e)
{
    struct patient p;
    struct practitioner pr;
    struct referral r = {0};
    if (patient_load(s, in->patient_id, "patient", &p, e) < 0 ||
        practitioner_load(s, in->practitioner_id, 0, "practitioner", &pr,
                          e) < 0)
        return -1;
    if (in->referral_id > 0 && pr.active &&
        strcmp(in->started_on, p.birth_date) >= 0 &&
        referral_load(s, in->referral_id, "referral", &r, e) < 0)
        return -1;
    /* Another patient's referral answers as a missing one: ids cannot be
     * probed. */
    if (in->referral_id > 0 && r.id && r.patient_id != in->patient_id)
        return record_not_found(e, "referral", "referral", in->referral_id);
    return episode_check_records(in, p.birth_date, pr.active, r.patient_id,
                                 r.referred_on, e);
}

void episode_bind(struct stmt *st, const struct episode_new *in)
{
    STMT_BIND(st, STORE_INT(":patient", in->patient_id),
              STORE_INT(":practitioner", in->practitioner_id),
              STORE_TEXT(":protocol", in->protocol_id),
              STORE_TEXT(":icd10", in->icd10),
              STORE_ID(":referral", in->referral_id),
              STORE_TEXT(":start", in->started_on),
              STORE_COUNT(":chronicity", in->chronicity_weeks),
              STORE_COUNT(":comorbidities", in->comorbidities));
}

int episode_insert(struct store *s, const struct episode_new *in,
                   int64_t *id, struct err *e)
{
    if (episode_validate(in, e) < 0 || episode_check(s, in, e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, "INSERT INTO episode (patient_id, practitioner_id, protocol_id,"
           " icd10, referral_id, started_on, chronicity_weeks, comorbidities,"
           " created_at) VALUES (:patient, :practitioner, :protocol, :icd10,"
           " :referral, :start, :chronicity, :comorbidities, :now)");
    episode_bind(st, in);
    return record_insert(st, id, e);
}

/* Keeps a clinical refusal (after the rollback of the attempt): the
 * episode_refusal row and the audit entry, in a transaction of their own.
 * Leaves e (the refusal) as it was. */
static void episode_record_refusal(struct store *s,
                                   const struct actor *caller,
                                   const struct episode_new *in,
                                   const char *reason, const char *detail,
                                   const char *note)
{
    struct err ignored = ERR_INIT;
    char now[CLOCK_INSTANT_LEN];
    record_now(now);
    if (store_begin(s, &ignored) < 0)
        return;
    struct stmt *st = STORE_QUERY(
        s,
        "INSERT INTO episode_refusal (patient_id, practitioner_id,"
        " protocol_id, reason, detail, note, created_at) VALUES (:patient,"
        " :practitioner, :protocol, :reason, :detail, :note, :now)",
        STORE_INT(":patient", in->patient_id),
        STORE_INT(":practitioner", in->practitioner_id),
        STORE_TEXT(":protocol", in->protocol_id), STORE_TEXT(":reason", reason),
        STORE_TEXT(":detail", detail), STORE_TEXT(":note", note),
        STORE_TEXT(":now", now));
    int rc = stmt_step(st, &ignored);
    int64_t refusal = store_last_id(s);
    stmt_finalize(st);
    if (rc == 0)
        rc = audit_append(s, caller, "create", "episode_refusal", refusal,
                          in->patient_id, "refused", &ignored);
    store_end(s, rc, &ignored);
}

int episode_open(struct store *s, const struct actor *caller,
                 const struct episode_new *in, int64_t *id, struct buf *note,
                 struct err *e)
{
    if (caller->role == ROLE_RESEARCHER)
        return err_set(e, ERR_AUTH, "", "a researcher may not open episodes");
    if (episode_validate(in, e) < 0)
        return -1;
    if (caller->role == ROLE_THERAPIST &&
        in->practitioner_id != caller->practitioner_id)
        return err_set(e, ERR_AUTH, "practitioner",
                       "a therapist opens episodes only in their own name "
                       "(practitioner %lld)",
                       (long long)caller->practitioner_id);
    if (record_begin_checked(s, caller, "create", "episode", 0, in->patient_id,
                             0, "patient", NULL, e) < 0)
        return -1;
    if (episode_check(s, in, e) < 0) {
        store_rollback(s);
        return -1;
    }
    /* The clinical rules: red flags first (no massage at all), then the
     * practitioner's scope of practice. */
    struct buf refusal_note = BUF_INIT;
    char flag[RECORD_CODE_MAX + 1];
    const char *reason = NULL;
    char detail[RECORD_CODE_MAX + 1] = "";
    const struct protocol *p =
        scope_protocol(in->catalog, in->protocol_id, "protocol", e);
    if (!p) {
        store_rollback(s);
        return -1;
    }
    if (scope_screen(p, in->screen, in->screen_count, flag, &refusal_note,
                     e) < 0) {
        if (e->code == ERR_REFUSED) {
            reason = "red-flag";
            record_copy(detail, sizeof(detail), flag);
        }
    } else if (scope_check(s, in->catalog, in->practitioner_id, p,
                           &refusal_note, e) < 0) {
        if (e->code == ERR_SCOPE) {
            reason = "scope";
            record_copy(detail, sizeof(detail), "training");
        }
    } else {
        int rc = episode_insert(s, in, id, e);
        buf_release(&refusal_note);
        return audit_end(s, caller, "create", "episode", *id, in->patient_id,
                         rc, e);
    }
    store_rollback(s);
    if (reason) {
        episode_record_refusal(s, caller, in, reason, detail,
                               refusal_note.data);
        if (note)
            buf_puts(note, refusal_note.data);
    }
    buf_release(&refusal_note);
    return -1;
}

int episode_end_validate(const char *ended_on, const char *started_on,
                         struct err *e)
{
    if (validate_past_date(ended_on, "end", NULL, e) < 0)
        return -1;
    if (strcmp(ended_on, started_on) < 0)
        return err_set(e, ERR_INPUT, "end",
                       "'%s' is before the episode's start (%s)", ended_on,
                       started_on);
    return 0;
}

int episode_close_locked(struct store *s, int64_t id, const char *ended_on,
                         struct err *e)
{
    struct episode ep;
    if (validate_past_date(ended_on, "end", NULL, e) < 0 ||
        episode_load(s, id, "id", &ep, e) < 0)
        return -1;
    if (ep.ended_on[0])
        return err_set(e, ERR_CONFLICT, "id",
                       "episode %lld was already closed on %s",
                       (long long)id, ep.ended_on);
    if (episode_end_validate(ended_on, ep.started_on, e) < 0)
        return -1;
    struct stmt *st =
        STORE_QUERY(s,
                    "SELECT max(d) FROM (SELECT substr(started_at, 1, 10) AS d"
                    " FROM session WHERE episode_id = :id UNION ALL"
                    " SELECT substr(observed_at, 1, 10) FROM observation"
                    " WHERE episode_id = :id AND timepoint <> 'followup')",
                    STORE_INT(":id", id));
    char last[CLOCK_DATE_LEN] = "";
    if (stmt_one_text(st, last, sizeof(last), e) < 0)
        return -1;
    if (last[0] && strcmp(ended_on, last) < 0)
        return err_set(e, ERR_INPUT, "end",
                       "'%s' is before the episode's last session or "
                       "measure (%s)",
                       ended_on, last);
    st = STORE_QUERY(s, "UPDATE episode SET ended_on = :end WHERE id = :id",
                     STORE_TEXT(":end", ended_on), STORE_INT(":id", id));
    /* Discharge completes the outcome summary, in this transaction. */
    if (stmt_run(st, e) < 0)
        return -1;
    return summary_refresh_episode(s, id, e);
}

int episode_close(struct store *s, const struct actor *caller, int64_t id,
                  const char *ended_on, struct err *e)
{
    if (validate_past_date(ended_on, "end", NULL, e) < 0)
        return -1;
    int64_t patient = 0;
    if (record_begin_checked(s, caller, "update", "episode", id, 0, id, "id",
                             &patient, e) < 0)
        return -1;
    int rc = episode_close_locked(s, id, ended_on, e);
    return audit_end(s, caller, "update", "episode", id, patient, rc, e);
}

#define EPISODE_SELECT                                                       \
    "SELECT e.id, e.patient_id, e.practitioner_id, e.referral_id,"           \
    " e.protocol_id, e.icd10, e.started_on, e.ended_on, e.chronicity_weeks," \
    " e.comorbidities, p.name, pr.name,"                                     \
    " (SELECT count(*) FROM session se WHERE se.episode_id = e.id),"         \
    " e.created_at FROM episode e JOIN patient p ON p.id = e.patient_id"     \
    " JOIN practitioner pr ON pr.id = e.practitioner_id"

static void episode_row(struct stmt *st, void *item)
{
    struct episode *out = item;
    memset(out, 0, sizeof(*out));
    out->id = stmt_int(st, 0);
    out->patient_id = stmt_int(st, 1);
    out->practitioner_id = stmt_int(st, 2);
    out->referral_id = stmt_int(st, 3);
    record_copy(out->protocol_id, sizeof(out->protocol_id), stmt_text(st, 4));
    record_copy(out->icd10, sizeof(out->icd10), stmt_text(st, 5));
    record_copy(out->started_on, sizeof(out->started_on), stmt_text(st, 6));
    record_copy(out->ended_on, sizeof(out->ended_on), stmt_text(st, 7));
    out->chronicity_weeks = stmt_is_null(st, 8) ? -1 : (long)stmt_int(st, 8);
    out->comorbidities = stmt_is_null(st, 9) ? -1 : (long)stmt_int(st, 9);
    record_copy(out->patient_name, sizeof(out->patient_name),
                stmt_text(st, 10));
    record_copy(out->practitioner_name, sizeof(out->practitioner_name),
                stmt_text(st, 11));
    out->session_count = (int)stmt_int(st, 12);
    record_copy(out->created_at, sizeof(out->created_at), stmt_text(st, 13));
}

/* episode_load, episode_get: an episode is under its own access rule. */
RECORD_KIND_DEFINE(episode, EPISODE_SELECT " WHERE e.id = :id", episode_row,
                   NULL, NULL, 1, id)

int episode_show(struct store *s, const struct actor *caller, int64_t id,
                 struct episode_detail *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    int64_t patient = 0;
    if (record_begin_checked(s, caller, "read", "episode", id, 0, id, "id",
                             &patient, e) < 0)
        return -1;
    int rc = episode_load(s, id, "id", &out->episode, e);
    if (rc == 0)
        rc = session_query(s, id, &out->sessions, e);
    if (rc == 0)
        rc = observation_query(s, id, &out->observations, e);
    rc = audit_end(s, caller, "read", "episode", id, patient, rc, e);
    return RELEASE_ON_FAILURE(rc, episode_detail_release, out);
}

void episode_detail_release(struct episode_detail *d)
{
    session_list_release(&d->sessions);
    observation_list_release(&d->observations);
    memset(d, 0, sizeof(*d));
}

int episode_query(struct store *s, const struct actor *caller,
                  const struct episode_filter *f, struct episode_list *out,
                  struct err *e)
{
    memset(out, 0, sizeof(*out));
    struct stmt *st = STORE_QUERY(
        s,
        EPISODE_SELECT
        " WHERE (:patient = 0 OR e.patient_id = :patient)"
        " AND (:practitioner = 0 OR e.practitioner_id = :practitioner)"
        " AND (:open = 0 OR e.ended_on IS NULL) AND " ACCESS_EPISODE_VISIBLE(
            "e") " ORDER BY e.started_on, e.id",
        STORE_INT(":patient", f->patient_id),
        STORE_INT(":practitioner", f->practitioner_id),
        STORE_INT(":open", f->open_only != 0));
    access_bind(st, caller);
    return RECORD_ROWS_PLAIN(st, out, episode_row, e);
}

int episode_list(struct store *s, const struct actor *caller,
                 const struct episode_filter *filter,
                 struct episode_list *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (filter->patient_id < 0)
        return record_not_found(e, "patient", "patient", filter->patient_id);
    if (filter->practitioner_id < 0)
        return record_not_found(e, "practitioner", "practitioner",
                                filter->practitioner_id);
    if ((filter->patient_id > 0
             ? record_begin_checked(s, caller, "list", "episode", 0,
                                    filter->patient_id, 0, "patient", NULL, e)
             : store_begin(s, e)) < 0)
        return -1;
    struct practitioner pr;
    int rc = 0;
    if (filter->practitioner_id > 0)
        rc = practitioner_load(s, filter->practitioner_id, 0, "practitioner",
                               &pr, e);
    if (rc == 0)
        rc = episode_query(s, caller, filter, out, e);
    rc = audit_end(s, caller, "list", "episode", 0, filter->patient_id, rc, e);
    return RELEASE_ON_FAILURE(rc, episode_list_release, out);
}

ARRAY_LIST_RELEASE(episode)
