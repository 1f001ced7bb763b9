/*
 * referral: a physician's referral of a patient, with diagnosis codes.
 * An episode may name the referral it answers.
 */
#ifndef TS_RECORD_REFERRAL_H
#define TS_RECORD_REFERRAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/util.h"
#include "record/actor.h"
#include "record/record.h"
#include "store/store.h"

/* Input of referral_add; borrowed strings, NULL when not given. */
struct referral_new {
    int64_t patient_id;           /* "patient": one the caller may change */
    const char *physician_name;   /* "physician": text <= 200 bytes */
    const char *physician_specialty; /* "specialty": text <= 200 bytes */
    const char *physician_npi;    /* "npi": optional, valid NPI */
    const char *reason;           /* "reason": text <= 1000 bytes */
    const char *icd10;            /* "icd10": 1-12 codes, comma-separated */
    const char *referred_on;      /* "date": not in the future, not before
                                   * the patient's birth */
};

/* No owned memory. */
struct referral {
    int64_t id;
    int64_t patient_id;
    char physician_name[RECORD_NAME_MAX + 1];
    char physician_specialty[RECORD_NAME_MAX + 1];
    char physician_npi[11]; /* "" when not given */
    char reason[RECORD_TEXT_MAX + 1];
    char icd10[RECORD_ICD10_LIST_MAX + 1];
    char referred_on[CLOCK_DATE_LEN];
    char created_at[CLOCK_INSTANT_LEN];
};

ARRAY_LIST(referral, referral);

/* Validates and adds a referral (audited "create"). */
int referral_add(struct store *s, const struct actor *caller,
                 const struct referral_new *in, int64_t *id, struct err *e);
/* Fills *out (audited "read"); not found when the caller may not see the
 * referral's patient. */
int referral_get(struct store *s, const struct actor *caller, int64_t id,
                 const char *field, struct referral *out, struct err *e);
/* The referrals of one patient, by date then id (audited "list"). */
int referral_list(struct store *s, const struct actor *caller,
                  int64_t patient_id, struct referral_list *out,
                  struct err *e);

#endif
