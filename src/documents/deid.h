/*
 * deid: HIPAA Safe Harbor field transforms for de-identified exports
 * (45 CFR 164.514(b)(2); HHS OCR "Guidance Regarding Methods for
 * De-identification of Protected Health Information", 2012, section 3).
 * Pure: no database and no I/O; only the pseudonyms draw on libsodium's
 * random generator.
 *
 * What each helper does for Safe Harbor:
 *  - ZIP codes keep their first 3 digits, or become "000" when all ZIPs
 *    sharing those digits hold 20,000 people or fewer (identifier 2);
 *  - dates keep only their year (identifier 3);
 *  - ages over 89, and any date element revealing one, pool into "90+";
 *  - day offsets express a date relative to another (e.g. sessions as days
 *    since the episode began) without revealing either date;
 *  - pseudonyms replace record ids with random codes drawn afresh for each
 *    export, never derived from any identifier (identifier 18).
 * Names, contact details, free text and the other identifiers are simply
 * never exported: that is the exporter's job, not a transform's.
 */
#ifndef TS_DOCUMENTS_DEID_H
#define TS_DOCUMENTS_DEID_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define DEID_ZIP3_LEN 4       /* "941" + NUL */
#define DEID_AGE_LABEL_LEN 4  /* "89" or "90+" + NUL */
#define DEID_PSEUDONYM_LEN 18 /* "p" + 16 hex digits + NUL */
#define DEID_AGE_POOLED 90    /* ages from here on are reported as "90+" */

/*
 * The Safe Harbor form of a US ZIP code ("94110" or ZIP+4 "94110-1234"):
 * its first 3 digits, or "000" when they are on the restricted list
 * (deid_zip3_restricted). A NULL or empty zip writes "" (nothing to
 * export) and succeeds. Anything else is refused: -1, ERR_INPUT, field
 * "zip".
 */
int deid_zip3(const char *zip, char out[DEID_ZIP3_LEN], struct err *e);

/* 1 when the first 3 characters of zip3 (a prefix, or a whole ZIP) are
 * one of the 17 prefixes the HHS guidance lists as holding 20,000 people or
 * fewer (2000 Census), else 0 (also for NULL or a shorter string). */
int deid_zip3_restricted(const char *zip3);

/* The year of a date "YYYY-MM-DD" into *year; -1 with e (field) if the
 * date is not real. */
int deid_year(const char *date, int *year, const char *field, struct err *e);

/*
 * Age in whole years on date `on` of someone born on `birth` (both
 * "YYYY-MM-DD"): the year difference, less one when `on` falls before the
 * birthday in its year. A 29 February birthday is reached on 1 March in a
 * common year (on 28 February the person is still the younger age).
 * Refuses (field "birth_date" or "on") a date that is not real or a
 * birth after `on`.
 */
int deid_age(const char *birth, const char *on, int *age, struct err *e);

/*
 * The exportable age on date `on`: the age as digits ("0" to "89"), or
 * "90+" when the person is 90 or older on `on` or on `export_on` (the day
 * of the export). Pooling on the export day too matters: an age at an
 * earlier event together with that event's year would reveal the birth
 * year of someone now over 89. Errors as deid_age.
 */
int deid_age_label(const char *birth, const char *on, const char *export_on,
                   char out[DEID_AGE_LABEL_LEN], struct err *e);

/* The birth year safe to export: *year = YYYY, or 0 (withheld) when the
 * person is 90 or older on export_on, since the year would reveal it. */
int deid_birth_year(const char *birth, const char *export_on, int *year,
                    struct err *e);

/* Days from `from` to `to` (negative when `to` is earlier), both
 * "YYYY-MM-DD"; -1 with field "from" or "to" when a date is not real. */
int deid_day_offset(const char *from, const char *to, long *days,
                    struct err *e);

/* Writes one fresh random pseudonym: "p" and 16 lowercase hex digits from
 * libsodium's randombytes (64 random bits; nothing derived from data). */
void deid_pseudonym_random(char out[DEID_PSEUDONYM_LEN]);

/*
 * A per-export pseudonym table: the same record id gets the same
 * pseudonym within one table, different ids always get different ones, and
 * a new table (the next export) draws all of them afresh.
 *
 * Ownership: deid_pseudonyms_new() allocates; deid_pseudonyms_free() frees
 * the table and every string it handed out. The strings returned by
 * deid_pseudonym_for() belong to the table. Out of memory dies.
 */
struct deid_pseudonyms;
struct deid_pseudonyms *deid_pseudonyms_new(void);
const char *deid_pseudonym_for(struct deid_pseudonyms *t, int64_t id);
/* How many ids the table has pseudonyms for. */
size_t deid_pseudonyms_count(const struct deid_pseudonyms *t);
void deid_pseudonyms_free(struct deid_pseudonyms *t);

#endif
