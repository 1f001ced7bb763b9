/*
 * record: the clinical record's shared limits and list conventions.
 *
 * Every entity module (practitioner.h, training.h, patient.h, referral.h,
 * episode.h, session.h, observation.h) follows one pattern:
 *
 *   - every function takes the store and the caller (struct actor) first;
 *     access rules (access.h) are checked and, for patient data, an audit
 *     entry (audit.h) is appended in the same transaction;
 *   - each call is one transaction (store_begin .. store_commit); on any
 *     failure it is rolled back and nothing has changed;
 *   - a record the caller may not see is reported exactly like a missing
 *     one: ERR_NOT_FOUND, "no patient 42", so ids cannot be probed;
 *   - input comes in a `struct X_new` of borrowed `const char *` fields
 *     (NULL: not given), validated field by field; the field named in an
 *     error is the command-line option's name ("dob", "icd10", ...);
 *   - output comes in a `struct X` the caller provides: fixed-size text
 *     fields are "" when absent; owned pointers (said so at the field) are
 *     freed by X_release(), which also re-zeroes the struct. Lists are
 *     `struct X_list { struct X *items; size_t count; }`, freed by
 *     X_list_release(). Calling a *_release on a zeroed struct is safe.
 */
#ifndef TS_RECORD_RECORD_H
#define TS_RECORD_RECORD_H

#include "core/clock.h"

#define RECORD_NAME_MAX 200  /* person names, physician, provider, search */
#define RECORD_TEXT_MAX 1000 /* one-line text: referral reason, specialty */
#define RECORD_NOTE_MAX 20000 /* multi-line notes (SOAP fields) */
#define RECORD_CODE_MAX 64   /* license, credentials, slugs (protocol ids) */
#define RECORD_EMAIL_MAX 254
#define RECORD_PHONE_MAX 32
#define RECORD_ICD10_MAX 8    /* one code, "G44.209" */
#define RECORD_ICD10_LIST_MAX 116 /* 12 codes and commas */

#endif
