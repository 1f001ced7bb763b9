#include "core/number.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Skips one or more digits; NULL when there is none. */
static const char *digits(const char *p)
{
    if (!is_digit(*p))
        return NULL;
    while (is_digit(*p))
        p++;
    return p;
}

int parse_decimal(const char *text, double *out)
{
    if (!text || !*text)
        return NUMBER_EMPTY;
    const char *p = text;
    if (*p == '-')
        p++;
    if (!(p = digits(p)))
        return NUMBER_MALFORMED;
    if (*p == '.' && !(p = digits(p + 1)))
        return NUMBER_MALFORMED;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(p = digits(p)))
            return NUMBER_MALFORMED;
    }
    if (*p)
        return NUMBER_MALFORMED;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*end)
        return NUMBER_MALFORMED;
    if (errno == ERANGE || !isfinite(v))
        return NUMBER_OUT_OF_RANGE;
    *out = v;
    return NUMBER_OK;
}

int parse_integer(const char *text, long long lo, long long hi,
                  long long *out)
{
    if (!text || !*text)
        return NUMBER_EMPTY;
    const char *p = text;
    if (*p == '-')
        p++;
    if (!(p = digits(p)) || *p)
        return NUMBER_MALFORMED;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (*end)
        return NUMBER_MALFORMED;
    if (errno == ERANGE || v < lo || v > hi)
        return NUMBER_OUT_OF_RANGE;
    *out = v;
    return NUMBER_OK;
}
