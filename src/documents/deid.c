/* HIPAA Safe Harbor field transforms (see deid.h and docs/certificates.md
 * for the data the certificates hash). */
#include "documents/deid.h"
#include "core/clock.h"
#include "core/util.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Three-digit ZIP prefixes whose combined population was 20,000 or fewer
 * in the 2000 Census: they must be reported as "000". Source: HHS OCR,
 * "Guidance Regarding Methods for De-identification of Protected Health
 * Information in Accordance with the HIPAA Privacy Rule" (26 Nov 2012),
 * section 3.3 "When can ZIP codes be included in de-identified
 * information?" (the 17 restricted prefixes; they update the list in the
 * preamble of the final rule, 67 FR 53182, 53233-53234, 14 Aug 2002).
 * Keep this list in this one table.
 */
static const char *const restricted_zip3[] = {
    "036", "059", "063", "102", "203", "556", "692", "790", "821",
    "823", "830", "831", "878", "879", "884", "890", "893",
};

int deid_zip3_restricted(const char *zip3)
{
    if (!zip3 || strlen(zip3) < 3)
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(restricted_zip3); i++)
        if (!strncmp(restricted_zip3[i], zip3, 3))
            return 1;
    return 0;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int deid_zip3(const char *zip, char out[DEID_ZIP3_LEN], struct err *e)
{
    out[0] = '\0';
    if (!zip || !*zip)
        return 0;
    size_t len = strlen(zip);
    int five = len == 5 && all_digits(zip, 5);
    int plus4 = len == 10 && all_digits(zip, 5) && zip[5] == '-' &&
                all_digits(zip + 6, 4);
    if (!five && !plus4)
        return err_set(e, ERR_INPUT, "zip",
                       "'%.16s' is not a US ZIP code (expected 5 digits or "
                       "ZIP+4 as 12345-6789)", zip);
    if (deid_zip3_restricted(zip))
        memcpy(out, "000", 4);
    else {
        memcpy(out, zip, 3);
        out[3] = '\0';
    }
    return 0;
}

int deid_year(const char *date, int *year, const char *field, struct err *e)
{
    long days;
    if (clock_parse_date(date, &days, field, e) < 0)
        return -1;
    int m, d;
    clock_civil_from_days(days, year, &m, &d);
    return 0;
}

int deid_age(const char *birth, const char *on, int *age, struct err *e)
{
    long b, o;
    if (clock_parse_date(birth, &b, "birth_date", e) < 0 ||
        clock_parse_date(on, &o, "on", e) < 0)
        return -1;
    if (b > o)
        return err_set(e, ERR_INPUT, "birth_date",
                       "%s is after %s", birth, on);
    int by, bm, bd, oy, om, od;
    clock_civil_from_days(b, &by, &bm, &bd);
    clock_civil_from_days(o, &oy, &om, &od);
    int years = oy - by;
    /* Not yet had this year's birthday. A 29 February birthday compares
     * as (2, 29): on 28 February of a common year it is still ahead. */
    if (om < bm || (om == bm && od < bd))
        years--;
    *age = years;
    return 0;
}

int deid_age_label(const char *birth, const char *on, const char *export_on,
                   char out[DEID_AGE_LABEL_LEN], struct err *e)
{
    int age, age_now;
    out[0] = '\0';
    if (deid_age(birth, on, &age, e) < 0)
        return -1;
    if (deid_age(birth, export_on, &age_now, e) < 0) {
        if (!strcmp(e->field, "on"))
            snprintf(e->field, sizeof(e->field), "export_on");
        return -1;
    }
    if (age >= DEID_AGE_POOLED || age_now >= DEID_AGE_POOLED) {
        memcpy(out, "90+", 4);
        return 0;
    }
    /* 0..89 here (deid_age never gives a negative age): one or two digits */
    size_t n = 0;
    if (age >= 10)
        out[n++] = (char)('0' + age / 10);
    out[n++] = (char)('0' + age % 10);
    out[n] = '\0';
    return 0;
}

int deid_birth_year(const char *birth, const char *export_on, int *year,
                    struct err *e)
{
    int age;
    if (deid_age(birth, export_on, &age, e) < 0) {
        if (!strcmp(e->field, "on"))
            snprintf(e->field, sizeof(e->field), "export_on");
        return -1;
    }
    if (age >= DEID_AGE_POOLED) {
        *year = 0;
        return 0;
    }
    return deid_year(birth, year, "birth_date", e);
}

int deid_day_offset(const char *from, const char *to, long *days,
                    struct err *e)
{
    long f, t;
    if (clock_parse_date(from, &f, "from", e) < 0 ||
        clock_parse_date(to, &t, "to", e) < 0)
        return -1;
    *days = t - f;
    return 0;
}

static uint64_t random_u64(void)
{
    if (sodium_init() < 0)
        die("libsodium failed to initialise");
    uint64_t v;
    randombytes_buf(&v, sizeof(v));
    return v;
}

static void format_pseudonym(uint64_t v, char out[DEID_PSEUDONYM_LEN])
{
    snprintf(out, DEID_PSEUDONYM_LEN, "p%016llx", (unsigned long long)v);
}

void deid_pseudonym_random(char out[DEID_PSEUDONYM_LEN])
{
    format_pseudonym(random_u64(), out);
}

/*
 * The table: open addressing (linear probing) on the record id, and a
 * second open-addressing set of the values handed out so that no two ids
 * share one. Both keep their load under one half. Value 0 is never used
 * (it marks an empty slot in the value set).
 */
struct pseudonym_slot {
    int used;
    int64_t id;
    char *text; /* allocated: stays put when the table grows */
};

struct deid_pseudonyms {
    struct pseudonym_slot *slots;
    uint64_t *values;
    size_t size; /* a power of two; both arrays */
    size_t count;
};

/* splitmix64's finaliser: spreads ids over the table. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static struct pseudonym_slot *find_slot(struct pseudonym_slot *slots,
                                        size_t size, int64_t id)
{
    size_t i = (size_t)mix((uint64_t)id) & (size - 1);
    while (slots[i].used && slots[i].id != id)
        i = (i + 1) & (size - 1);
    return &slots[i];
}

/* Adds v to the value set; 0 when it was there already (or is 0). */
static int add_value(uint64_t *values, size_t size, uint64_t v)
{
    if (v == 0)
        return 0;
    size_t i = (size_t)mix(v) & (size - 1);
    while (values[i]) {
        if (values[i] == v)
            return 0;
        i = (i + 1) & (size - 1);
    }
    values[i] = v;
    return 1;
}

static void grow(struct deid_pseudonyms *t)
{
    size_t size = t->size ? t->size * 2 : 64;
    struct pseudonym_slot *slots = xcalloc(size, sizeof(*slots));
    uint64_t *values = xcalloc(size, sizeof(*values));
    for (size_t i = 0; i < t->size; i++) {
        if (t->slots[i].used)
            *find_slot(slots, size, t->slots[i].id) = t->slots[i];
        if (t->values[i])
            add_value(values, size, t->values[i]);
    }
    free(t->slots);
    free(t->values);
    t->slots = slots;
    t->values = values;
    t->size = size;
}

struct deid_pseudonyms *deid_pseudonyms_new(void)
{
    struct deid_pseudonyms *t = xcalloc(1, sizeof(*t));
    grow(t);
    return t;
}

const char *deid_pseudonym_for(struct deid_pseudonyms *t, int64_t id)
{
    struct pseudonym_slot *s = find_slot(t->slots, t->size, id);
    if (s->used)
        return s->text;
    if (2 * (t->count + 1) > t->size) {
        grow(t);
        s = find_slot(t->slots, t->size, id);
    }
    uint64_t v;
    do
        v = random_u64();
    while (!add_value(t->values, t->size, v));
    s->used = 1;
    s->id = id;
    s->text = xmalloc(DEID_PSEUDONYM_LEN);
    format_pseudonym(v, s->text);
    t->count++;
    return s->text;
}

size_t deid_pseudonyms_count(const struct deid_pseudonyms *t)
{
    return t->count;
}

void deid_pseudonyms_free(struct deid_pseudonyms *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->size; i++)
        if (t->slots[i].used)
            free(t->slots[i].text);
    free(t->slots);
    free(t->values);
    free(t);
}
