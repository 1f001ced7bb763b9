#include "core/clock.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Howard Hinnant's days-from-civil algorithm (public domain description). */
long clock_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void clock_civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* Reads exactly n digits at s into *v; 0 on success. */
static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

/* Parses "YYYY-MM-DD" at the start of s into y, m, d; 0 when valid. */
static int parse_ymd(const char *s, int *y, int *m, int *d)
{
    if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) ||
        s[7] != '-' || digits(s + 8, 2, d))
        return -1;
    if (*y < 1800 || *m < 1 || *m > 12 || *d < 1 ||
        *d > days_in_month(*y, *m))
        return -2;
    return 0;
}

int clock_parse_date(const char *s, long *days, const char *field,
                     struct err *e)
{
    int y, m, d;
    if (!s || strlen(s) != 10)
        return err_set(e, ERR_INPUT, field,
                       "'%s' is not a date (expected YYYY-MM-DD)",
                       s ? s : "");
    int rc = parse_ymd(s, &y, &m, &d);
    if (rc == -1)
        return err_set(e, ERR_INPUT, field,
                       "'%s' is not a date (expected YYYY-MM-DD)", s);
    if (rc == -2)
        return err_set(e, ERR_INPUT, field,
                       "'%s' is not a real calendar date", s);
    *days = clock_days_from_civil(y, m, d);
    return 0;
}

int clock_parse_instant(const char *s, time_t *t, const char *field,
                        struct err *e)
{
    int y, mo, d, hh = 0, mi = 0, ss = 0;
    size_t n = s ? strlen(s) : 0;
    if (n < 10 || n > 25)
        goto bad;
    int rc = parse_ymd(s, &y, &mo, &d);
    if (rc == -1)
        goto bad;
    if (rc == -2)
        return err_set(e, ERR_INPUT, field,
                       "'%s' is not a real calendar date", s);
    const char *p = s + 10;
    int local = 0;
    long offset = 0;
    if (*p == '\0') {
        /* a bare date: midnight UTC */
    } else {
        if (*p != 'T' && *p != ' ')
            goto bad;
        p++;
        if (digits(p, 2, &hh) || p[2] != ':' || digits(p + 3, 2, &mi))
            goto bad;
        p += 5;
        if (*p == ':') {
            if (digits(p + 1, 2, &ss))
                goto bad;
            p += 3;
        }
        if (hh > 23 || mi > 59 || ss > 59)
            return err_set(e, ERR_INPUT, field, "'%s' is not a real time", s);
        if (*p == 'Z' && p[1] == '\0') {
            /* UTC */
        } else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
                   p[3] == ':') {
            int oh, om;
            if (digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 14 ||
                om > 59)
                goto bad;
            offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
        } else if (*p == '\0') {
            local = 1;
        } else {
            goto bad;
        }
    }
    if (local) {
        struct tm tm = {0};
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = hh;
        tm.tm_min = mi;
        tm.tm_sec = ss;
        tm.tm_isdst = -1;
        *t = mktime(&tm);
    } else {
        *t = (time_t)(clock_days_from_civil(y, mo, d) * 86400L +
                      hh * 3600L + mi * 60L + ss - offset);
    }
    return 0;
bad:
    return err_set(e, ERR_INPUT, field,
                   "'%s' is not a date and time (expected "
                   "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])",
                   s ? s : "");
}

/* Writes n decimal digits of v (0 <= v < 10^n) at out. */
static void put_digits(char *out, int n, int v)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
}

/* "YYYY-MM-DD" at out (10 bytes, no NUL); years outside 0-9999 are
 * clamped, as the formats cannot show them. Written by hand: bulk imports
 * format millions of these. */
static void put_date(char *out, long days)
{
    int y, m, d;
    clock_civil_from_days(days, &y, &m, &d);
    put_digits(out, 4, y < 0 ? 0 : y > 9999 ? 9999 : y);
    out[4] = '-';
    put_digits(out + 5, 2, m);
    out[7] = '-';
    put_digits(out + 8, 2, d);
}

void clock_format_date(long days, char out[CLOCK_DATE_LEN])
{
    put_date(out, days);
    out[10] = '\0';
}

void clock_format_instant(time_t t, char out[CLOCK_INSTANT_LEN])
{
    long days = (long)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
    long secs = (long)(t - (time_t)days * 86400);
    put_date(out, days);
    out[10] = 'T';
    put_digits(out + 11, 2, (int)(secs / 3600));
    out[13] = ':';
    put_digits(out + 14, 2, (int)(secs / 60 % 60));
    out[16] = ':';
    put_digits(out + 17, 2, (int)(secs % 60));
    out[19] = 'Z';
    out[20] = '\0';
}

time_t clock_now(void)
{
    const char *pinned = getenv("TOUCHSTONE_NOW");
    time_t t;
    if (pinned && *pinned && clock_parse_instant(pinned, &t, "", NULL) == 0)
        return t;
    return time(NULL);
}

long clock_today(void)
{
    time_t t = clock_now();
    return (long)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
}
