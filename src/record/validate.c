#include "record/validate.h"
#include "catalog/catalog.h"
#include "core/clock.h"

#include "core/buf.h"
#include "core/util.h"

#include <ctype.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s, or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = (s[0] & 0xe0) == 0xc0   ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 0 || (n == 2 && s[0] < 0xc2) || (n == 4 && s[0] > 0xf4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (n == 3 && s[0] == 0xe0 && s[1] < 0xa0)
        return 0;
    if (n == 3 && s[0] == 0xed && s[1] >= 0xa0)
        return 0; /* surrogates */
    if (n == 4 && s[0] == 0xf0 && s[1] < 0x90)
        return 0;
    if (n == 4 && s[0] == 0xf4 && s[1] >= 0x90)
        return 0;
    return n;
}

static int check_text(const char *s, const char *field, int required,
                      size_t max, int multiline, struct err *e)
{
    if (!s) {
        if (required)
            return err_set(e, ERR_INPUT, field, "missing");
        return 0;
    }
    size_t len = strlen(s);
    if (required && len == 0)
        return err_set(e, ERR_INPUT, field, "must not be empty");
    if (len > max)
        return err_set(e, ERR_INPUT, field,
                       "too long (%zu bytes; at most %zu)", len, max);
    int blank = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p < 0x20 || *p == 0x7f) {
            if (!(multiline && (*p == '\n' || *p == '\t' || *p == '\r')))
                return err_set(e, ERR_INPUT, field,
                               "contains a control character");
        }
        if (!isspace(*p))
            blank = 0;
        size_t n = utf8_len(p);
        if (!n)
            return err_set(e, ERR_INPUT, field, "is not valid UTF-8 text");
        p += n;
    }
    if (required && blank)
        return err_set(e, ERR_INPUT, field, "must not be blank");
    return 0;
}

int validate_text(const char *s, const char *field, int required, size_t max,
                  struct err *e)
{
    return check_text(s, field, required, max, 0, e);
}

int validate_multiline(const char *s, const char *field, size_t max,
                       struct err *e)
{
    return check_text(s, field, 0, max, 1, e);
}

int validate_icd10(const char *code, const char *field, struct err *e)
{
    const char *c = code ? code : "";
    int ok = catalog_icd10_well_formed(c);
    if (!ok)
        return err_set(e, ERR_INPUT, field,
                       "'%.32s' is not an ICD-10-CM code (expected a letter, "
                       "a digit, a digit or letter, then optionally a dot "
                       "and up to 4 more, as in M54.50)",
                       c);
    return 0;
}

int validate_icd10_list(const char *list, const char *field, struct err *e)
{
    if (!list || !*list)
        return err_set(e, ERR_INPUT, field, "missing");
    char code[16];
    int count = 0;
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len >= sizeof(code))
            return err_set(e, ERR_INPUT, field,
                           "'%.*s' is not an ICD-10-CM code", 16, p);
        memcpy(code, p, len);
        code[len] = '\0';
        if (validate_icd10(code, field, e) < 0)
            return -1;
        if (++count > 12)
            return err_set(e, ERR_INPUT, field, "more than 12 codes");
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

/* s, a date (date_only: its midnight, UTC) or an instant, into seconds
 * since the epoch (*t): present, well formed and not after now. */
static int past(const char *s, const char *field, int date_only, time_t *t,
                struct err *e)
{
    long d;
    if (!s)
        return err_set(e, ERR_INPUT, field, "missing");
    if ((date_only ? clock_parse_date(s, &d, field, e)
                   : clock_parse_instant(s, t, field, e)) < 0)
        return -1;
    if (date_only)
        *t = (time_t)d * 86400;
    if (*t > clock_now())
        return err_set(e, ERR_INPUT, field, "'%s' is in the future", s);
    return 0;
}

int validate_past_date(const char *s, const char *field, long *days,
                       struct err *e)
{
    time_t t = 0;
    if (past(s, field, 1, &t, e) < 0)
        return -1;
    if (days)
        *days = (long)(t / 86400);
    return 0;
}

int validate_past_instant(const char *s, const char *field,
                          char out[CLOCK_INSTANT_LEN], struct err *e)
{
    time_t t = 0;
    if (past(s, field, 0, &t, e) < 0)
        return -1;
    clock_format_instant(t, out);
    return 0;
}

int validate_slug(const char *s, const char *field, struct err *e)
{
    size_t n = s ? strlen(s) : 0;
    int ok = n >= 2 && n <= 64 && s[0] != '-' && s[n - 1] != '-';
    for (size_t i = 0; ok && i < n; i++)
        ok = islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
             (s[i] == '-' && s[i + 1] != '-');
    if (!ok)
        return err_set(e, ERR_INPUT, field,
                       "'%.64s' is not an id (lowercase letters, digits and "
                       "single hyphens, 2 to 64 characters)",
                       s ? s : "");
    return 0;
}

int validate_npi(const char *s, const char *field, struct err *e)
{
    if (!s)
        return 0;
    if (strlen(s) != 10)
        return err_set(e, ERR_INPUT, field, "'%.32s' is not an NPI (10 digits)",
                       s);
    /* Luhn over "80840" + the first nine digits, then compare. */
    char full[16] = "80840";
    memcpy(full + 5, s, 9);
    int sum = 0;
    for (int i = 13, dbl = 1; i >= 0; i--, dbl = !dbl) {
        if (!isdigit((unsigned char)full[i]))
            return err_set(e, ERR_INPUT, field,
                           "'%.32s' is not an NPI (10 digits)", s);
        int d = full[i] - '0';
        if (dbl) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    if (!isdigit((unsigned char)s[9]))
        return err_set(e, ERR_INPUT, field, "'%.32s' is not an NPI (10 digits)",
                       s);
    int check = (10 - sum % 10) % 10;
    if (check != s[9] - '0')
        return err_set(e, ERR_INPUT, field,
                       "'%s' is not a valid NPI (check digit should be %d)", s,
                       check);
    return 0;
}

int validate_email(const char *s, const char *field, struct err *e)
{
    if (!s)
        return 0;
    if (validate_text(s, field, 1, 254, e) < 0)
        return -1;
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') ||
        at[1] == '.' || s[strlen(s) - 1] == '.' || strchr(s, ' '))
        return err_set(e, ERR_INPUT, field, "'%.64s' is not an email address",
                       s);
    return 0;
}

int validate_one_of(const char *s, const char *field,
                    const char *const *list, size_t n, struct err *e)
{
    if (!s)
        return err_set(e, ERR_INPUT, field, "missing");
    if (str_in(s, list, n))
        return 0;
    struct buf words = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        buf_printf(&words, "%s%s", i ? ", " : "", list[i]);
    err_set(e, ERR_INPUT, field, "'%.32s' is not one of %s", s, words.data);
    buf_release(&words);
    return -1;
}
