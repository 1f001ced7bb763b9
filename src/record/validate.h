/*
 * validate: the field rules shared by the command line, the API, forms and
 * bulk import. Each returns 0, or -1 with e naming the field and problem.
 */
#ifndef TS_RECORD_VALIDATE_H
#define TS_RECORD_VALIDATE_H

#include <stddef.h>

#include "core/clock.h"
#include "core/err.h"

/* Text that is present (when required), not blank, at most max bytes,
 * valid UTF-8 and free of control characters (tab and newline allowed
 * only when multiline). NULL passes when not required. */
int validate_text(const char *s, const char *field, int required, size_t max,
                  struct err *e);
int validate_multiline(const char *s, const char *field, size_t max,
                       struct err *e);
/* A well-formed ICD-10-CM code: letter, digit, alphanumeric, then an
 * optional dot and 1 to 4 alphanumerics ("M54.50", "G44.209", "I10"). */
int validate_icd10(const char *code, const char *field, struct err *e);
/* A comma-separated list of ICD-10-CM codes (1 to 12). */
int validate_icd10_list(const char *list, const char *field, struct err *e);
/* A date that is real and not after today. */
int validate_past_date(const char *s, const char *field, long *days,
                       struct err *e);
/* One of the n words of list: "missing" when NULL, else "'S' is not one
 * of W1, W2, ...". */
int validate_one_of(const char *s, const char *field,
                    const char *const *list, size_t n, struct err *e);
/* An instant (or a bare date, taken as 00:00 UTC) not after now, written
 * normalised (UTC) into out. */
int validate_past_instant(const char *s, const char *field,
                          char out[CLOCK_INSTANT_LEN], struct err *e);
/* A catalog id: lowercase letters, digits and single hyphens, 2-64. */
int validate_slug(const char *s, const char *field, struct err *e);
/* A US National Provider Identifier: 10 digits with a valid Luhn check
 * digit (prefix 80840, CMS NPI check-digit rule). NULL passes. */
int validate_npi(const char *s, const char *field, struct err *e);
/* An email address of plausible shape (one @, a dot in the domain). */
int validate_email(const char *s, const char *field, struct err *e);

#endif
