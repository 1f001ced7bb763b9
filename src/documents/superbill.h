/*
 * superbill: the bill of one session or one episode of care, from the
 * record, for the patient to send to their insurer (docs/billing.md).
 *
 * Each date of service is one visit: the phases of its sessions become CPT
 * service lines (bill_lines_from_phases: 97124 massage, 97140 manual
 * therapy, 97112 neuromuscular re-education, ...) whose units come from
 * bill_compute under the bill's rule (the CMS 8-minute rule or the
 * per-code midpoint rule). Every line says the minutes behind its units.
 * Diagnoses are the episode's ICD-10-CM code (pointer A) and then the
 * referral's other codes (B, C, ... at most 12, as on a CMS-1500); each
 * line points to up to four of them, the episode's first.
 *
 * The record is read through its public functions (access rules, audit).
 * A visit that cannot be billed (under 8 minutes, phases not recorded)
 * stays on an episode's bill with units 0 and the reason; a single
 * session's bill refuses it instead (ERR_REFUSED, field "minutes", or
 * ERR_INPUT, field "phase").
 *
 * Ownership: superbill_for_* fill a struct superbill the caller frees with
 * superbill_release(). The writers append to a struct buf.
 */
#ifndef TS_DOCUMENTS_SUPERBILL_H
#define TS_DOCUMENTS_SUPERBILL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "documents/bill.h"
#include "record/actor.h"
#include "record/episode.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "record/referral.h"
#include "store/store.h"

#define SUPERBILL_DIAGNOSES_MAX 12
#define SUPERBILL_POINTERS_MAX 4
#define SUPERBILL_BASIS_LEN 160
#define SUPERBILL_SESSIONS_MAX 8 /* sessions of one date of service */

struct superbill_diagnosis {
    char letter;                     /* 'A', 'B', ... */
    char code[RECORD_ICD10_MAX + 1]; /* "M54.50" */
    const char *title;               /* from the catalog, or NULL */
};

/* One code of one visit. */
struct superbill_line {
    struct bill_item item;              /* code, minutes, units */
    const char *title;                  /* bill_code_title() */
    char pointers[SUPERBILL_POINTERS_MAX + 1]; /* "AB" */
    char basis[SUPERBILL_BASIS_LEN];    /* the minutes behind the units */
};

/* One date of service. */
struct superbill_visit {
    char date[CLOCK_DATE_LEN];
    int64_t sessions[SUPERBILL_SESSIONS_MAX];
    int session_count;
    int session_minutes;  /* the sessions' whole length */
    int timed_minutes;    /* minutes of timed (billed) services */
    int units;
    int billed;           /* 0: not billable, reason says why */
    char reason[200];     /* the visit's basis, or why it is not billed */
    struct superbill_line lines[BILL_MAX_CODES];
    int line_count;
};

struct superbill {
    enum bill_rule rule;
    char clinic[201];
    struct practitioner practitioner; /* rendering provider */
    struct patient patient;
    int has_referral;
    struct referral referral;
    struct episode episode;
    struct superbill_diagnosis diagnoses[SUPERBILL_DIAGNOSES_MAX];
    int diagnosis_count;
    struct superbill_visit *visits; /* owned, by date */
    size_t visit_count;
    int total_units;
};

/* The bill of one session (a visit of that session alone). */
int superbill_for_session(struct store *s, const struct actor *caller,
                          int64_t session_id, enum bill_rule rule,
                          struct superbill *out, struct err *e);
/* The bill of every session of an episode, one visit per date. An episode
 * without sessions is ERR_CONFLICT (field "episode"). */
int superbill_for_episode(struct store *s, const struct actor *caller,
                          int64_t episode_id, enum bill_rule rule,
                          struct superbill *out, struct err *e);
void superbill_release(struct superbill *b);

/* The bill as JSON (a new reference). */
json_t *superbill_to_json(const struct superbill *b);
/* The bill as CSV (RFC 4180, a header row, one row per line; a visit not
 * billed is one row with an empty code and 0 units). */
void superbill_csv(const struct superbill *b, struct buf *out);
/* The bill as a self-contained, printable HTML page (every value
 * escaped). */
void superbill_html(const struct superbill *b, struct buf *out);

#endif
