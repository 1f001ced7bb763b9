/*
 * clock: calendar dates and instants as ISO 8601 text, always UTC in storage.
 *
 * A date is "YYYY-MM-DD" (a real calendar day). An instant is stored as
 * "YYYY-MM-DDTHH:MM:SSZ". Input instants may carry "Z" or an offset
 * (+HH:MM); without one they are read as the machine's local time (TZ).
 * The current time can be pinned for tests and demos with TOUCHSTONE_NOW
 * (an instant); clock_now() honours it.
 */
#ifndef TS_CORE_CLOCK_H
#define TS_CORE_CLOCK_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"

#define CLOCK_DATE_LEN 11    /* "YYYY-MM-DD" + NUL */
#define CLOCK_INSTANT_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

/* Seconds since the epoch now (or TOUCHSTONE_NOW when set and valid). */
time_t clock_now(void);
/* Days since 1970-01-01 of a valid date; -1 with e filled if not valid. */
int clock_parse_date(const char *s, long *days, const char *field,
                     struct err *e);
/* Parses an instant (or a bare date, taken as 00:00 UTC) into epoch secs. */
int clock_parse_instant(const char *s, time_t *t, const char *field,
                        struct err *e);
/* Writes "YYYY-MM-DD" for days since the epoch. */
void clock_format_date(long days, char out[CLOCK_DATE_LEN]);
/* Writes "YYYY-MM-DDTHH:MM:SSZ". */
void clock_format_instant(time_t t, char out[CLOCK_INSTANT_LEN]);
/* Today's date (UTC) as days since the epoch. */
long clock_today(void);
/* Days since the epoch of a proleptic Gregorian y-m-d (no validation). */
long clock_days_from_civil(int y, int m, int d);
/* The inverse of clock_days_from_civil. */
void clock_civil_from_days(long days, int *y, int *m, int *d);

#endif
