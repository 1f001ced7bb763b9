/*
 * patient: the people treated. Reading or changing one needs access
 * (access_patient) and leaves an audit entry.
 */
#ifndef TS_RECORD_PATIENT_H
#define TS_RECORD_PATIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/util.h"
#include "record/actor.h"
#include "record/episode.h"
#include "record/record.h"
#include "record/referral.h"
#include "store/store.h"

#define PATIENT_ZIP_MAX 10

/* Input of patient_add; borrowed strings, NULL when not given. */
struct patient_new {
    const char *name;       /* "name": required, text <= 200 bytes */
    const char *birth_date; /* "dob": a real date, not in the future, at
                             * most 130 years ago */
    const char *sex;        /* "sex": female, male, other or unknown */
    const char *zip;        /* "zip": optional, 12345 or 12345-6789 */
    const char *phone;      /* "phone": optional, digits, spaces, + ( ) - .
                             * at most 32 bytes, with a digit */
    const char *email;      /* "email": optional, address shape */
    int consent_treatment;  /* 0 or 1 */
    int consent_research;   /* 0 or 1 */
    int synthetic;          /* 1 for demo rows */
};

/* No owned memory. */
struct patient {
    int64_t id;
    char name[RECORD_NAME_MAX + 1];
    char birth_date[CLOCK_DATE_LEN];
    char sex[8];
    char zip[PATIENT_ZIP_MAX + 1];
    char phone[RECORD_PHONE_MAX + 1];
    char email[RECORD_EMAIL_MAX + 1];
    int consent_treatment;
    int consent_research;
    int64_t created_by_practitioner; /* 0: registered by an admin */
    int synthetic;
    char created_at[CLOCK_INSTANT_LEN];
};

ARRAY_LIST(patient, patient);

/* A patient with their referrals (by date) and the episodes the caller
 * may see (by start). */
struct patient_detail {
    struct patient patient;
    struct referral_list referrals; /* owned */
    struct episode_list episodes;   /* owned */
};

/* 1 when sex is one of female, male, other, unknown. */
int patient_sex_valid(const char *sex);

/* Validates and adds a patient. A therapist's patient records them as
 * created_by_practitioner (so they may open the first episode). */
int patient_add(struct store *s, const struct actor *caller,
                const struct patient_new *in, int64_t *id, struct err *e);
/* Fills *out (audited "read"); ERR_NOT_FOUND, field `field`, when missing
 * or not the caller's. */
int patient_get(struct store *s, const struct actor *caller, int64_t id,
                const char *field, struct patient *out, struct err *e);
/* The patient with referrals and episodes, in one transaction. */
int patient_show(struct store *s, const struct actor *caller, int64_t id,
                 struct patient_detail *out, struct err *e);
void patient_detail_release(struct patient_detail *d);
/* The caller's patients by name then id; search (NULL or "" for all, at
 * most 200 bytes, field "search") matches any part of the name, case-
 * insensitively for ASCII, with % and _ taken literally. Allocates. */
int patient_list(struct store *s, const struct actor *caller,
                 const char *search, struct patient_list *out,
                 struct err *e);

#endif
