/*
 * episode: one patient, one condition (ICD-10-CM), one protocol, one
 * treating practitioner, a start and, once discharged, an end.
 *
 * Opening an episode checks, besides the fields: the caller's access to
 * the patient (a therapist opens episodes only in their own name), the
 * practitioner's scope of practice (scope.h: trained in the protocol; else
 * ERR_SCOPE with a note naming the missing hours and the trained
 * colleagues) and the red-flag screen (scope.h: any "yes" refuses with
 * ERR_REFUSED and a referral note). Refusals of either kind are kept in
 * the episode_refusal table and the audit log.
 */
#ifndef TS_RECORD_EPISODE_H
#define TS_RECORD_EPISODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"
#include "record/actor.h"
#include "record/observation.h"
#include "record/record.h"
#include "record/session.h"
#include "store/store.h"

struct catalog;

#define EPISODE_CHRONICITY_MAX 5200 /* weeks (100 years) */
#define EPISODE_COMORBIDITIES_MAX 50

/* One answer of the red-flag screen: the question's id (a slug) and
 * whether the patient answered yes. Borrowed. */
struct screen_answer {
    const char *question_id;
    int yes;
};

/* Input of episode_open; borrowed. Optional numbers are -1 (or 0 for
 * ids) when not given. */
struct episode_new {
    int64_t patient_id;      /* "patient" */
    int64_t practitioner_id; /* "practitioner": active; a therapist: self */
    const char *protocol_id; /* "protocol": a catalog id */
    const char *icd10;       /* "icd10": one code */
    const char *started_on;  /* "start": a date, not in the future, not
                              * before birth or the referral */
    int64_t referral_id;     /* "referral": 0, or the same patient's */
    long chronicity_weeks;   /* "chronicity-weeks": -1, or 0..5200 */
    long comorbidities;      /* "comorbidities": -1, or 0..50 */
    const struct screen_answer *screen; /* "red-flag" answers */
    size_t screen_count;
    int synthetic; /* unused by the record (episodes carry no flag) */
    /* The catalog of protocols (training, red flags); NULL: the shipped
     * catalog. */
    const struct catalog *catalog;
};

/* No owned memory. */
struct episode {
    int64_t id;
    int64_t patient_id;
    int64_t practitioner_id;
    int64_t referral_id; /* 0: none */
    char protocol_id[RECORD_CODE_MAX + 1];
    char icd10[RECORD_ICD10_MAX + 1];
    char started_on[CLOCK_DATE_LEN];
    char ended_on[CLOCK_DATE_LEN]; /* "" while open */
    long chronicity_weeks;         /* -1: not recorded */
    long comorbidities;            /* -1: not recorded */
    char patient_name[RECORD_NAME_MAX + 1];
    char practitioner_name[RECORD_NAME_MAX + 1];
    int session_count;
    char created_at[CLOCK_INSTANT_LEN];
};

ARRAY_LIST(episode, episode);

/* An episode with its sessions (by start, each with phases and fidelity
 * findings) and observations (by time, then id). */
struct episode_detail {
    struct episode episode;
    struct session_list sessions;         /* owned */
    struct observation_list observations; /* owned */
};

/* Filters of episode_list: 0 / 0 for any. */
struct episode_filter {
    int64_t patient_id;
    int64_t practitioner_id;
    int open_only;
};

/* Validates and opens an episode (audited "create"). On ERR_SCOPE or
 * ERR_REFUSED, when note is not NULL, a short note for the patient's file
 * is appended to it (the missing training and trained colleagues, or the
 * red flag and the advice to see a physician). */
int episode_open(struct store *s, const struct actor *caller,
                 const struct episode_new *in, int64_t *id, struct buf *note,
                 struct err *e);
/* Discharges an open episode on ended_on ("end"): not in the future, not
 * before its start, its last session or its last in-episode observation.
 * ERR_CONFLICT when already closed. Audited "update". */
int episode_close(struct store *s, const struct actor *caller, int64_t id,
                  const char *ended_on, struct err *e);
/* Fills *out (audited "read"). */
int episode_get(struct store *s, const struct actor *caller, int64_t id,
                const char *field, struct episode *out, struct err *e);
/* The episode with sessions and observations (audited "read"). */
int episode_show(struct store *s, const struct actor *caller, int64_t id,
                 struct episode_detail *out, struct err *e);
void episode_detail_release(struct episode_detail *d);
/* The caller's episodes matching the filter, by start then id (audited
 * "list"). A filter naming a patient the caller may not see is
 * ERR_NOT_FOUND "patient". Allocates. */
int episode_list(struct store *s, const struct actor *caller,
                 const struct episode_filter *filter,
                 struct episode_list *out, struct err *e);

#endif
