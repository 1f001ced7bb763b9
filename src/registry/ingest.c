/* A clinic's push, read, checked and merged (registry/ingest.h). */
#include "registry/ingest.h"
#include "registry/partial.h"
#include "registry/clinic_key_change.h"
#include "core/buf.h"
#include "core/crypto_dl.h"
#include "core/json_read.h"
#include "core/util.h"
#include "record/clinic_key.h"
#include "record/validate.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading the body ---- */

/* Fails at path.key with a message. */
static int field_fail(struct err *e, const char *path, const char *key,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int field_fail(struct err *e, const char *path, const char *key,
                      const char *fmt, ...)
{
    char where[JSON_PATH_MAX];
    if (key)
        json_path(where, sizeof(where), path, "%s", key);
    else
        snprintf(where, sizeof(where), "%s", path);
    char message[sizeof(e->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    return err_set(e, ERR_INPUT, where, "%s", message);
}

/* The member key of obj, which must be present (JSON null counts as
 * present); *v is it. */
static int member(struct err *e, const json_t *obj, const char *path,
                  const char *key, const json_t **v)
{
    *v = json_object_get(obj, key);
    if (!*v)
        return field_fail(e, path, key, "missing");
    return 0;
}

/* "<prefix>-" and 16 lowercase hex digits. */
static int is_pseudonym(const char *s, char prefix)
{
    if (!s || s[0] != prefix || s[1] != '-' || strlen(s) != 18)
        return 0;
    for (const char *p = s + 2; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

/* A text member; with nullable a JSON null gives *out NULL. */
static int get_text(struct err *e, const json_t *obj, const char *path,
                    const char *key, int nullable, const char **out)
{
    const json_t *v;
    if (member(e, obj, path, key, &v) < 0)
        return -1;
    if (json_is_null(v) && nullable) {
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return field_fail(e, path, key, nullable ? "must be a string or "
                          "null" : "must be a string");
    *out = json_string_value(v);
    return 0;
}

/* An integer member from lo to hi; with nullable a JSON null gives
 * *is_null 1. */
static int get_integer(struct err *e, const json_t *obj, const char *path,
                       const char *key, int nullable, long long lo,
                       long long hi, long long *out, int *is_null)
{
    const json_t *v;
    if (member(e, obj, path, key, &v) < 0)
        return -1;
    *is_null = 0;
    if (json_is_null(v) && nullable) {
        *is_null = 1;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo ||
        json_integer_value(v) > hi) {
        if (lo == 0 && hi == 1)
            return field_fail(e, path, key, "must be 0 or 1%s",
                              nullable ? " or null" : "");
        return field_fail(e, path, key, "must be an integer from %lld to "
                          "%lld%s", lo, hi, nullable ? " or null" : "");
    }
    *out = json_integer_value(v);
    return 0;
}

/* One of a list of words (NULL-terminated). */
static int one_of(const char *s, const char *const *words)
{
    for (const char *const *w = words; *w; w++)
        if (!strcmp(*w, s))
            return 1;
    return 0;
}

static const char *const row_keys[] = {
    "episode", "practitioner", "protocol", "instrument", "role",
    "icd10_category", "start_year", "sessions", "baseline", "discharge",
    "followup", "improvement", "followup_days", "responder",
    "response_event", "sustained", "sessions_to_response", "has_followup",
    "complete", "incomplete_reason", "age", "sex", "chronicity_weeks",
    "comorbidities", NULL};
static const char *const roles[] = {"primary", "secondary", "other", NULL};
static const char *const reasons[] = {"open", "no_baseline", "no_discharge",
                                      "unknown_instrument", NULL};
static const char *const sexes[] = {"female", "male", "other", "unknown",
                                    NULL};

/* The compact outcome row's ranges (store/outcome_rows.h): risk factors
 * below 2^21, sessions to response at most 2^40. */
#define FACTOR_MAX 2097151LL
#define SESSIONS_TO_RESPONSE_MAX 1099511627776LL

/* ---- COPY's binary format ----
 * PostgreSQL's binary COPY: a signature, a flags word and a header
 * extension length; per row a 16-bit field count, then per field a 32-bit
 * length (-1 for NULL) and the value in network byte order (text as its
 * bytes, smallint, integer and bigint as 2, 4 and 8 bytes, double
 * precision as the 8 bytes of IEEE 754); a 16-bit -1 at the end. No
 * number is formatted or parsed on either side. */

static const char copy_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

/* One row of COPY data: every field is bounded (text members are checked
 * to at most 64 bytes before they get here). */
struct copy_row {
    unsigned char bytes[1024];
    size_t len;
};

static void put_be(struct copy_row *r, uint64_t v, int size)
{
    for (int i = size - 1; i >= 0; i--)
        r->bytes[r->len++] = (unsigned char)(v >> (8 * i));
}

static void field_null(struct copy_row *r)
{
    put_be(r, UINT32_MAX, 4);
}

/* A text field, or NULL for a null s. */
static void field_text(struct copy_row *r, const char *s)
{
    if (!s)
        return field_null(r);
    size_t n = strlen(s);
    put_be(r, n, 4);
    memcpy(r->bytes + r->len, s, n);
    r->len += n;
}

/* An integer field of size bytes (2, 4 or 8), or NULL. */
static void field_integer(struct copy_row *r, long long v, int size,
                          int is_null)
{
    if (is_null)
        return field_null(r);
    put_be(r, (uint64_t)size, 4);
    put_be(r, (uint64_t)v, size);
}

/* A double precision field, or NULL. */
static void field_double(struct copy_row *r, double d, int is_null)
{
    if (is_null)
        return field_null(r);
    uint64_t bits;
    memcpy(&bits, &d, sizeof(bits));
    put_be(r, 8, 4);
    put_be(r, bits, 8);
}

/* One row's values, read and checked (by read_row from the parsed body, or
 * by the canonical reader below from its bytes). Text is NUL-terminated;
 * a NULL text or a set is_null flag is SQL NULL. */
struct row_values {
    const char *episode, *practitioner, *protocol, *instrument, *role, *icd,
        *reason, *sex;
    long long start_year, sessions, followup_days, responder, event,
        sustained, to_response, has_followup, complete, age, chronicity,
        comorbidities;
    int n_fdays, n_resp, n_event, n_sust, n_to, n_chron, n_comorb;
    double numbers[4]; /* baseline, discharge, followup, improvement */
    int n_numbers[4];
};

/* The COPY data's fields of a row: 3 set at apply (clinic, practitioner
 * and seq, bigints written as 0 when read, copy_patch below), then the
 * row's 24 values. */
#define COPY_FIELDS 27

/* Appends the row to the COPY data: registry_outcome's columns as ingest
 * copies them (COPY_COLUMNS below), in order. */
static void emit_row(struct buf *copy, const struct row_values *v)
{
    struct copy_row out = {.len = 0};
    put_be(&out, COPY_FIELDS, 2);
    for (int i = 0; i < 3; i++)
        field_integer(&out, 0, 8, 0);
    field_text(&out, v->episode);
    field_text(&out, v->practitioner);
    field_text(&out, v->protocol);
    field_text(&out, v->instrument);
    field_text(&out, v->role);
    field_text(&out, v->icd);
    field_integer(&out, v->start_year, 2, 0);
    field_integer(&out, v->sessions, 4, 0);
    for (int i = 0; i < 4; i++)
        field_double(&out, v->numbers[i], v->n_numbers[i]);
    field_integer(&out, v->followup_days, 4, v->n_fdays);
    field_integer(&out, v->responder, 2, v->n_resp);
    field_integer(&out, v->event, 2, v->n_event);
    field_integer(&out, v->sustained, 2, v->n_sust);
    field_integer(&out, v->to_response, 8, v->n_to);
    field_integer(&out, v->has_followup, 2, 0);
    field_integer(&out, v->complete, 2, 0);
    field_text(&out, v->reason);
    field_integer(&out, v->age, 2, 0);
    field_text(&out, v->sex);
    field_integer(&out, v->chronicity, 4, v->n_chron);
    field_integer(&out, v->comorbidities, 4, v->n_comorb);
    buf_add(copy, out.bytes, out.len);
}

/* Reads one row at path into the COPY data (binary, emit_row). */
static int read_row(struct registry_push *p, struct json_reader *r,
                    const json_t *row, const char *path, struct buf *copy,
                    struct err *e)
{
    if (json_read_keys(r, row, path, row_keys) < 0)
        return -1;
    const char *episode, *practitioner, *protocol, *instrument, *role,
        *icd, *reason, *sex;
    if (get_text(e, row, path, "episode", 0, &episode) < 0)
        return -1;
    if (!is_pseudonym(episode, 'e'))
        return field_fail(e, path, "episode", "must be \"e-\" and 16 "
                          "lowercase hex digits");
    if (get_text(e, row, path, "practitioner", 0, &practitioner) < 0)
        return -1;
    int known = 0;
    for (size_t i = 0; i < p->practitioner_count && !known; i++)
        known = !strcmp(p->practitioners[i].ref, practitioner);
    if (!known)
        return field_fail(e, path, "practitioner", "'%.32s' is not a ref "
                          "of batch.practitioners", practitioner);
    char where[JSON_PATH_MAX];
    if (get_text(e, row, path, "protocol", 0, &protocol) < 0)
        return -1;
    json_path(where, sizeof(where), path, "protocol");
    if (validate_slug(protocol, where, e) < 0)
        return -1;
    if (get_text(e, row, path, "instrument", 0, &instrument) < 0)
        return -1;
    json_path(where, sizeof(where), path, "instrument");
    if (validate_slug(instrument, where, e) < 0)
        return -1;
    if (get_text(e, row, path, "role", 0, &role) < 0)
        return -1;
    if (!one_of(role, roles))
        return field_fail(e, path, "role", "must be primary, secondary or "
                          "other");
    if (get_text(e, row, path, "icd10_category", 1, &icd) < 0)
        return -1;
    if (icd && !(strlen(icd) == 3 && icd[0] >= 'A' && icd[0] <= 'Z' &&
                 icd[1] >= '0' && icd[1] <= '9' &&
                 ((icd[2] >= '0' && icd[2] <= '9') ||
                  (icd[2] >= 'A' && icd[2] <= 'Z'))))
        return field_fail(e, path, "icd10_category", "must be the three "
                          "characters of an ICD-10-CM category (\"M54\") "
                          "or null");
    long long start_year, sessions, followup_days, responder, event,
        sustained, to_response, has_followup, complete, age, chronicity,
        comorbidities;
    int n_year, n_sessions, n_fdays, n_resp, n_event, n_sust, n_to, n_hasf,
        n_complete, n_age, n_chron, n_comorb;
    if (get_integer(e, row, path, "start_year", 0, 1900, 2200, &start_year,
                    &n_year) < 0 ||
        get_integer(e, row, path, "sessions", 0, 0, 100000, &sessions,
                    &n_sessions) < 0)
        return -1;
    static const char *const number_keys[] = {"baseline", "discharge",
                                              "followup", "improvement"};
    const json_t *numbers[4];
    for (int i = 0; i < 4; i++) {
        if (member(e, row, path, number_keys[i], &numbers[i]) < 0)
            return -1;
        if (!json_is_null(numbers[i]) && !json_is_number(numbers[i]))
            return field_fail(e, path, number_keys[i], "must be a number "
                              "or null");
    }
    if (get_integer(e, row, path, "followup_days", 1, 0, 100000,
                    &followup_days, &n_fdays) < 0 ||
        get_integer(e, row, path, "responder", 1, 0, 1, &responder,
                    &n_resp) < 0 ||
        get_integer(e, row, path, "response_event", 1, 0, 1, &event,
                    &n_event) < 0 ||
        get_integer(e, row, path, "sustained", 1, 0, 1, &sustained,
                    &n_sust) < 0 ||
        get_integer(e, row, path, "sessions_to_response", 1, 0,
                    SESSIONS_TO_RESPONSE_MAX, &to_response, &n_to) < 0 ||
        get_integer(e, row, path, "has_followup", 0, 0, 1, &has_followup,
                    &n_hasf) < 0 ||
        get_integer(e, row, path, "complete", 0, 0, 1, &complete,
                    &n_complete) < 0)
        return -1;
    if (get_text(e, row, path, "incomplete_reason", 1, &reason) < 0)
        return -1;
    if (reason && !one_of(reason, reasons))
        return field_fail(e, path, "incomplete_reason", "must be null, "
                          "open, no_baseline, no_discharge or "
                          "unknown_instrument");
    if ((complete == 1) != (reason == NULL))
        return field_fail(e, path, "incomplete_reason",
                          complete ? "must be null when complete is 1"
                                   : "must be given when complete is 0");
    if (get_integer(e, row, path, "age", 0, 0, 90, &age, &n_age) < 0)
        return -1;
    if (get_text(e, row, path, "sex", 0, &sex) < 0)
        return -1;
    if (!one_of(sex, sexes))
        return field_fail(e, path, "sex", "must be female, male, other or "
                          "unknown");
    if (get_integer(e, row, path, "chronicity_weeks", 1, 0, FACTOR_MAX,
                    &chronicity, &n_chron) < 0 ||
        get_integer(e, row, path, "comorbidities", 1, 0, FACTOR_MAX,
                    &comorbidities, &n_comorb) < 0)
        return -1;
    struct row_values v = {
        episode, practitioner, protocol, instrument, role, icd, reason, sex,
        start_year, sessions, followup_days, responder, event, sustained,
        to_response, has_followup, complete, age, chronicity, comorbidities,
        n_fdays, n_resp, n_event, n_sust, n_to, n_chron, n_comorb,
        {0}, {0}};
    for (int i = 0; i < 4; i++) {
        v.n_numbers[i] = json_is_null(numbers[i]);
        v.numbers[i] = v.n_numbers[i] ? 0 : json_number_value(numbers[i]);
    }
    emit_row(copy, &v);
    return 0;
}

/* A key of a row or a retraction, to find repeats. */
struct batch_key {
    const char *episode;
    const char *instrument;
    size_t index;
    int retraction;
};

static int key_order(const void *a, const void *b)
{
    const struct batch_key *x = a, *y = b;
    int c = strcmp(x->episode, y->episode);
    if (!c)
        c = strcmp(x->instrument, y->instrument);
    if (!c)
        c = x->retraction - y->retraction;
    if (!c)
        c = x->index < y->index ? -1 : x->index > y->index;
    return c;
}

/* Refuses an episode x instrument given twice (two rows, two retractions,
 * or a row and a retraction). */
static int check_repeats(struct batch_key *keys, size_t n, struct err *e)
{
    qsort(keys, n, sizeof(*keys), key_order);
    for (size_t i = 1; i < n; i++) {
        const struct batch_key *a = &keys[i - 1], *b = &keys[i];
        if (strcmp(a->episode, b->episode) ||
            strcmp(a->instrument, b->instrument))
            continue;
        char path[JSON_PATH_MAX];
        snprintf(path, sizeof(path), "batch.%s[%zu]",
                 b->retraction ? "retract" : "rows", b->index);
        return field_fail(e, path, "episode", "the same episode and "
                          "instrument as batch.%s[%zu]",
                          a->retraction ? "retract" : "rows", a->index);
    }
    return 0;
}

static const char *const body_keys[] = {"batch", "signature", NULL};
static const char *const batch_keys[] = {"format", "clinic", "seq",
                                         "practitioners", "rows", "retract",
                                         NULL};
static const char *const practitioner_keys[] = {"ref", "npi", "license",
                                                NULL};
static const char *const retract_keys[] = {"episode", "instrument", NULL};

static int read_practitioners(struct registry_push *p, struct json_reader *r,
                              const json_t *batch, struct err *e)
{
    struct json_each it;
    size_t alloc = 0;
    int rc = json_each_begin(r, &it, batch, "batch", "practitioners",
                             JSON_REQUIRED);
    while (rc >= 0 && (rc = json_each_next(r, &it, practitioner_keys)) > 0) {
        struct registry_push_practitioner pr;
        if (get_text(e, it.item, it.path, "ref", 0, &pr.ref) < 0 ||
            get_text(e, it.item, it.path, "npi", 1, &pr.npi) < 0 ||
            get_text(e, it.item, it.path, "license", 1, &pr.license) < 0)
            return -1;
        char where[JSON_PATH_MAX];
        if (!is_pseudonym(pr.ref, 'p'))
            return field_fail(e, it.path, "ref", "must be \"p-\" and 16 "
                              "lowercase hex digits");
        for (size_t i = 0; i < p->practitioner_count; i++)
            if (!strcmp(p->practitioners[i].ref, pr.ref))
                return field_fail(e, it.path, "ref", "repeats "
                                  "batch.practitioners[%zu]", i);
        json_path(where, sizeof(where), it.path, "npi");
        if (pr.npi && validate_npi(pr.npi, where, e) < 0)
            return -1;
        json_path(where, sizeof(where), it.path, "license");
        if (pr.license && validate_text(pr.license, where, 1, 64, e) < 0)
            return -1;
        ALLOC_GROW(p->practitioners, p->practitioner_count + 1, alloc);
        p->practitioners[p->practitioner_count++] = pr;
    }
    return rc;
}

/* ---- the canonical body, read from its bytes ----
 * A body in canonical JSON (sorted keys, no space: what `touchstone push`
 * sends) is read straight from its bytes, with no tree: each member is
 * expected in its place, every value of its kind, and the values checked
 * as read_row and read_practitioners check them. Strings are taken as
 * they are, so any escape, control or non-ASCII byte, any member out of
 * place, or any value that fails a check gives up (0), and the body is
 * read again through jansson (registry_push_read below), which names the
 * member at fault. So this reader accepts only bodies that the other
 * reader accepts, with the same rows. */

struct canon {
    char *s, *end; /* a copy of the body: strings are cut in place */
};

/* Consumes the literal text. */
static int canon_lit(struct canon *c, const char *text, size_t n)
{
    if ((size_t)(c->end - c->s) < n || memcmp(c->s, text, n))
        return 0;
    c->s += n;
    return 1;
}
#define LIT(c, text) canon_lit((c), (text), sizeof(text) - 1)

/* A string of printable ASCII without escapes, cut in place (*out). */
static int canon_string(struct canon *c, const char **out)
{
    if (c->s >= c->end || *c->s != '"')
        return 0;
    char *start = ++c->s;
    while (c->s < c->end && *c->s != '"') {
        unsigned char ch = (unsigned char)*c->s;
        if (ch < 0x20 || ch >= 0x7f || ch == '\\')
            return 0;
        c->s++;
    }
    if (c->s >= c->end)
        return 0;
    *c->s++ = '\0';
    *out = start;
    return 1;
}

/* A string or null (*out NULL). */
static int canon_string_or_null(struct canon *c, const char **out)
{
    if (LIT(c, "null")) {
        *out = NULL;
        return 1;
    }
    return canon_string(c, out);
}

/* A JSON number's token (RFC 8259): *is_real when it has a fraction or an
 * exponent. */
static int canon_number_token(struct canon *c, char **start, size_t *n,
                              int *is_real)
{
    char *p = c->s;
    *start = p;
    *is_real = 0;
    if (p < c->end && *p == '-')
        p++;
    if (p >= c->end || *p < '0' || *p > '9')
        return 0;
    if (*p == '0')
        p++;
    else
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    if (p < c->end && *p == '.') {
        *is_real = 1;
        if (++p >= c->end || *p < '0' || *p > '9')
            return 0;
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < c->end && (*p == 'e' || *p == 'E')) {
        *is_real = 1;
        p++;
        if (p < c->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= c->end || *p < '0' || *p > '9')
            return 0;
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    }
    *n = (size_t)(p - *start);
    c->s = p;
    return 1;
}

/* An integer from lo to hi (at most 18 digits), or with nullable a null
 * (*is_null 1). */
static int canon_integer(struct canon *c, int nullable, long long lo,
                         long long hi, long long *out, int *is_null)
{
    *is_null = 0;
    *out = 0;
    if (nullable && LIT(c, "null")) {
        *is_null = 1;
        return 1;
    }
    char *start;
    size_t n;
    int is_real;
    if (!canon_number_token(c, &start, &n, &is_real) || is_real)
        return 0;
    int negative = *start == '-';
    if (n - (size_t)negative > 18)
        return 0;
    long long v = 0;
    for (size_t i = (size_t)negative; i < n; i++)
        v = v * 10 + (start[i] - '0');
    v = negative ? -v : v;
    *out = v;
    return v >= lo && v <= hi;
}

/* A number or null, as jansson reads it (an integer token as its integer,
 * a real one with strtod, refused when it overflows). */
static int canon_double(struct canon *c, double *out, int *is_null)
{
    *is_null = 0;
    *out = 0;
    if (LIT(c, "null")) {
        *is_null = 1;
        return 1;
    }
    char *start;
    size_t n;
    int is_real;
    if (!canon_number_token(c, &start, &n, &is_real) || n > 64)
        return 0;
    char token[65];
    memcpy(token, start, n);
    token[n] = '\0';
    if (!is_real) {
        if (n - (token[0] == '-') > 18)
            return 0;
        *out = (double)strtoll(token, NULL, 10);
        return 1;
    }
    *out = strtod(token, NULL);
    return isfinite(*out);
}

/* The three characters of an ICD-10-CM category. */
static int is_icd_category(const char *icd)
{
    return strlen(icd) == 3 && icd[0] >= 'A' && icd[0] <= 'Z' &&
           icd[1] >= '0' && icd[1] <= '9' &&
           ((icd[2] >= '0' && icd[2] <= '9') ||
            (icd[2] >= 'A' && icd[2] <= 'Z'));
}

/* One row, its members in canonical (sorted) order, read and checked. */
static int canon_row(struct canon *c, const struct registry_push *p,
                     struct row_values *v)
{
    struct err scratch = ERR_INIT;
    int unused;
    if (!(LIT(c, "{\"age\":") &&
          canon_integer(c, 0, 0, 90, &v->age, &unused) &&
          LIT(c, ",\"baseline\":") &&
          canon_double(c, &v->numbers[0], &v->n_numbers[0]) &&
          LIT(c, ",\"chronicity_weeks\":") &&
          canon_integer(c, 1, 0, FACTOR_MAX, &v->chronicity, &v->n_chron) &&
          LIT(c, ",\"comorbidities\":") &&
          canon_integer(c, 1, 0, FACTOR_MAX, &v->comorbidities,
                        &v->n_comorb) &&
          LIT(c, ",\"complete\":") &&
          canon_integer(c, 0, 0, 1, &v->complete, &unused) &&
          LIT(c, ",\"discharge\":") &&
          canon_double(c, &v->numbers[1], &v->n_numbers[1]) &&
          LIT(c, ",\"episode\":") && canon_string(c, &v->episode) &&
          LIT(c, ",\"followup\":") &&
          canon_double(c, &v->numbers[2], &v->n_numbers[2]) &&
          LIT(c, ",\"followup_days\":") &&
          canon_integer(c, 1, 0, 100000, &v->followup_days, &v->n_fdays) &&
          LIT(c, ",\"has_followup\":") &&
          canon_integer(c, 0, 0, 1, &v->has_followup, &unused) &&
          LIT(c, ",\"icd10_category\":") &&
          canon_string_or_null(c, &v->icd) &&
          LIT(c, ",\"improvement\":") &&
          canon_double(c, &v->numbers[3], &v->n_numbers[3]) &&
          LIT(c, ",\"incomplete_reason\":") &&
          canon_string_or_null(c, &v->reason) &&
          LIT(c, ",\"instrument\":") && canon_string(c, &v->instrument) &&
          LIT(c, ",\"practitioner\":") &&
          canon_string(c, &v->practitioner) &&
          LIT(c, ",\"protocol\":") && canon_string(c, &v->protocol) &&
          LIT(c, ",\"responder\":") &&
          canon_integer(c, 1, 0, 1, &v->responder, &v->n_resp) &&
          LIT(c, ",\"response_event\":") &&
          canon_integer(c, 1, 0, 1, &v->event, &v->n_event) &&
          LIT(c, ",\"role\":") && canon_string(c, &v->role) &&
          LIT(c, ",\"sessions\":") &&
          canon_integer(c, 0, 0, 100000, &v->sessions, &unused) &&
          LIT(c, ",\"sessions_to_response\":") &&
          canon_integer(c, 1, 0, SESSIONS_TO_RESPONSE_MAX, &v->to_response,
                        &v->n_to) &&
          LIT(c, ",\"sex\":") && canon_string(c, &v->sex) &&
          LIT(c, ",\"start_year\":") &&
          canon_integer(c, 0, 1900, 2200, &v->start_year, &unused) &&
          LIT(c, ",\"sustained\":") &&
          canon_integer(c, 1, 0, 1, &v->sustained, &v->n_sust) &&
          LIT(c, "}")))
        return 0;
    int known = 0;
    for (size_t i = 0; i < p->practitioner_count && !known; i++)
        known = !strcmp(p->practitioners[i].ref, v->practitioner);
    return is_pseudonym(v->episode, 'e') && known &&
           validate_slug(v->protocol, "protocol", &scratch) == 0 &&
           validate_slug(v->instrument, "instrument", &scratch) == 0 &&
           one_of(v->role, roles) &&
           (!v->icd || is_icd_category(v->icd)) &&
           (!v->reason || one_of(v->reason, reasons)) &&
           (v->complete == 1) == (v->reason == NULL) &&
           one_of(v->sex, sexes);
}

/* A canonical array: "[", items each read and checked by item() (1 when
 * it was), separated by ",", then "]". 1 when all of it was read. */
static int canon_array(struct canon *c, int (*item)(struct canon *, void *),
                       void *ctx)
{
    if (!LIT(c, "["))
        return 0;
    if (LIT(c, "]"))
        return 1;
    do {
        if (!item(c, ctx))
            return 0;
    } while (LIT(c, ","));
    return LIT(c, "]");
}

/* What the canonical reader fills: the push, the COPY data of its rows,
 * and the keys of its rows and retractions (check_repeats). */
struct canon_batch {
    struct registry_push *p;
    struct buf *copy;
    struct batch_key *keys;
    size_t nkeys, keys_alloc;
    size_t practitioners_alloc, retractions_alloc;
};

static void canon_key(struct canon_batch *b, const char *episode,
                      const char *instrument, size_t index, int retracted)
{
    ALLOC_GROW(b->keys, b->nkeys + 1, b->keys_alloc);
    b->keys[b->nkeys++] =
        (struct batch_key){episode, instrument, index, retracted};
}

/* One of batch.practitioners, read and checked. */
static int canon_practitioner(struct canon *c, void *ctx)
{
    struct canon_batch *b = ctx;
    struct registry_push *p = b->p;
    struct err scratch = ERR_INIT;
    struct registry_push_practitioner pr;
    if (!(LIT(c, "{\"license\":") &&
          canon_string_or_null(c, &pr.license) && LIT(c, ",\"npi\":") &&
          canon_string_or_null(c, &pr.npi) && LIT(c, ",\"ref\":") &&
          canon_string(c, &pr.ref) && LIT(c, "}")))
        return 0;
    if (!is_pseudonym(pr.ref, 'p') ||
        (pr.npi && validate_npi(pr.npi, "npi", &scratch) < 0) ||
        (pr.license &&
         validate_text(pr.license, "license", 1, 64, &scratch) < 0))
        return 0;
    for (size_t i = 0; i < p->practitioner_count; i++)
        if (!strcmp(p->practitioners[i].ref, pr.ref))
            return 0;
    ALLOC_GROW(p->practitioners, p->practitioner_count + 1,
               b->practitioners_alloc);
    p->practitioners[p->practitioner_count++] = pr;
    return 1;
}

/* One of batch.retract, read and checked; its key joins the keys. */
static int canon_retraction(struct canon *c, void *ctx)
{
    struct canon_batch *b = ctx;
    struct registry_push *p = b->p;
    struct err scratch = ERR_INIT;
    struct registry_push_retraction t;
    if (p->retraction_count >= REGISTRY_BATCH_MAX_ROWS ||
        !(LIT(c, "{\"episode\":") && canon_string(c, &t.episode) &&
          LIT(c, ",\"instrument\":") && canon_string(c, &t.instrument) &&
          LIT(c, "}")) ||
        !is_pseudonym(t.episode, 'e') ||
        validate_slug(t.instrument, "instrument", &scratch) < 0)
        return 0;
    ALLOC_GROW(p->retractions, p->retraction_count + 1,
               b->retractions_alloc);
    canon_key(b, t.episode, t.instrument, p->retraction_count, 1);
    p->retractions[p->retraction_count++] = t;
    return 1;
}

/* One of batch.rows, read and checked, into the COPY data; its key joins
 * the keys. */
static int canon_copy_row(struct canon *c, void *ctx)
{
    struct canon_batch *b = ctx;
    struct row_values v;
    if (b->p->row_count >= REGISTRY_BATCH_MAX_ROWS ||
        !canon_row(c, b->p, &v))
        return 0;
    emit_row(b->copy, &v);
    canon_key(b, v.episode, v.instrument, b->p->row_count++, 0);
    return 1;
}

/* Reads a canonical body into p: 1 when read and every check passed; 0
 * otherwise (p is then released, for the reader through jansson). */
static int canon_read(const char *body, size_t len, struct registry_push *p)
{
    static const char head[] = "{\"batch\":", tail[] = ",\"signature\":\"";
    size_t nh = sizeof(head) - 1, nt = sizeof(tail) - 1;
    if (len < nh + nt + 2 || memcmp(body, head, nh) ||
        memcmp(body + len - 2, "\"}", 2))
        return 0;
    /* The signature: base64's alphabet back from the closing quote. */
    const char *sig_end = body + len - 2, *sig = sig_end;
    while (sig > body + nh && sig_end - sig <= 128 &&
           ((sig[-1] >= 'A' && sig[-1] <= 'Z') ||
            (sig[-1] >= 'a' && sig[-1] <= 'z') ||
            (sig[-1] >= '0' && sig[-1] <= '9') || sig[-1] == '+' ||
            sig[-1] == '/' || sig[-1] == '='))
        sig--;
    if (sig - body < (ptrdiff_t)(nh + nt) || sig_end - sig > 128 ||
        memcmp(sig - nt, tail, nt))
        return 0;
    char sig64[129];
    memcpy(sig64, sig, (size_t)(sig_end - sig));
    sig64[sig_end - sig] = '\0';
    struct err scratch = ERR_INIT;
    if (clinic_key_base64_decode(sig64, p->signature, sizeof(p->signature),
                                 "signature", &scratch) < 0)
        return 0;
    p->sent = body + nh;
    p->sent_len = (size_t)(sig - nt - p->sent);
    p->text = xmalloc(p->sent_len + 1);
    memcpy(p->text, p->sent, p->sent_len);
    p->text[p->sent_len] = '\0';
    struct canon c = {p->text, p->text + p->sent_len};
    long long format, clinic, seq;
    int unused;
    if (!(LIT(&c, "{\"clinic\":") &&
          canon_integer(&c, 0, 1, INT64_MAX, &clinic, &unused) &&
          LIT(&c, ",\"format\":") &&
          canon_integer(&c, 0, 1, 1, &format, &unused) &&
          LIT(&c, ",\"practitioners\":")))
        return 0;
    struct buf copy = BUF_INIT;
    struct canon_batch b = {.p = p, .copy = &copy};
    if (!canon_array(&c, canon_practitioner, &b))
        return 0;
    p->clinic = clinic;
    p->seq = 0;
    buf_add(&copy, copy_header, sizeof(copy_header));
    int ok = LIT(&c, ",\"retract\":") &&
             canon_array(&c, canon_retraction, &b) &&
             LIT(&c, ",\"rows\":") && canon_array(&c, canon_copy_row, &b) &&
             LIT(&c, ",\"seq\":") &&
             canon_integer(&c, 0, 1, INT64_MAX, &seq, &unused) &&
             LIT(&c, "}") && c.s == c.end &&
             check_repeats(b.keys, b.nkeys, &scratch) == 0;
    free(b.keys);
    buf_add(&copy, "\377\377", 2);
    p->copy = buf_detach(&copy, &p->copy_len);
    p->seq = ok ? seq : 0;
    return ok;
}

/* The batch member's bytes as sent, when the body is exactly
 * {"batch":BATCH,"signature":"SIGNATURE"} with no space and SIGNATURE in
 * base64's alphabet (the canonical form `touchstone push` sends): the
 * body being JSON of these two members, the bytes between the two fixed
 * ends are then BATCH's text and nothing else. NULL otherwise. */
static const char *sent_batch(const char *body, size_t len,
                              const char *signature, size_t *sent_len)
{
    static const char head[] = "{\"batch\":", tail[] = ",\"signature\":\"";
    size_t nh = sizeof(head) - 1, nt = sizeof(tail) - 1;
    size_t nsig = strlen(signature);
    if (len < nh + nt + nsig + 2 || memcmp(body, head, nh))
        return NULL;
    const char *end = body + len - (nt + nsig + 2);
    if (memcmp(end, tail, nt) || memcmp(end + nt, signature, nsig) ||
        memcmp(body + len - 2, "\"}", 2))
        return NULL;
    for (const char *c = signature; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
              (*c >= '0' && *c <= '9') || *c == '+' || *c == '/' ||
              *c == '='))
            return NULL;
    *sent_len = (size_t)(end - (body + nh));
    return body + nh;
}

int registry_push_read(const char *body, size_t len, struct registry_push *p,
                       struct err *e)
{
    memset(p, 0, sizeof(*p));
    if (canon_read(body, len, p))
        return 0;
    registry_push_release(p);
    json_error_t jerr;
    p->body = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!p->body)
        return err_set(e, ERR_INPUT, "", "not JSON: %s (line %d, column "
                       "%d)", jerr.text, jerr.line, jerr.column);
    struct json_reader r = JSON_READER_INIT(e);
    const json_t *batch;
    const char *signature;
    if (json_read_object(&r, p->body, "") < 0 ||
        json_read_keys(&r, p->body, "", body_keys) < 0 ||
        json_read_member(&r, p->body, "", "batch", JSON_KIND_OBJECT,
                         JSON_REQUIRED, &batch) < 0 ||
        json_read_text(&r, p->body, "", "signature", JSON_REQUIRED,
                       &signature) < 0 ||
        json_read_keys(&r, batch, "batch", batch_keys) < 0)
        return -1;
    long long format, clinic, seq;
    int is_null;
    if (get_integer(e, batch, "batch", "format", 0, 1, 1, &format,
                    &is_null) < 0)
        return -1;
    if (get_integer(e, batch, "batch", "clinic", 0, 1, INT64_MAX, &clinic,
                    &is_null) < 0 ||
        get_integer(e, batch, "batch", "seq", 0, 1, INT64_MAX, &seq,
                    &is_null) < 0)
        return -1;
    p->clinic = clinic;
    p->seq = seq;
    if (read_practitioners(p, &r, batch, e) < 0)
        return -1;

    struct batch_key *keys = NULL;
    size_t nkeys = 0, keys_alloc = 0, retract_alloc = 0;
    struct buf copy = BUF_INIT;
    buf_add(&copy, copy_header, sizeof(copy_header));
    struct json_each it;
    int rc = json_each_begin(&r, &it, batch, "batch", "rows", JSON_REQUIRED);
    while (rc >= 0 && (rc = json_each_next(&r, &it, NULL)) > 0) {
        if (it.index >= REGISTRY_BATCH_MAX_ROWS) {
            rc = err_set(e, ERR_INPUT, "batch.rows", "more than %d rows: "
                         "split the batch", REGISTRY_BATCH_MAX_ROWS);
            break;
        }
        if (read_row(p, &r, it.item, it.path, &copy, e) < 0) {
            rc = -1;
            break;
        }
        ALLOC_GROW(keys, nkeys + 1, keys_alloc);
        keys[nkeys++] = (struct batch_key){
            json_string_value(json_object_get(it.item, "episode")),
            json_string_value(json_object_get(it.item, "instrument")),
            it.index, 0};
        p->row_count++;
    }
    if (rc >= 0)
        rc = json_each_begin(&r, &it, batch, "batch", "retract",
                             JSON_REQUIRED);
    while (rc >= 0 && (rc = json_each_next(&r, &it, retract_keys)) > 0) {
        struct registry_push_retraction t;
        char where[JSON_PATH_MAX];
        if (it.index >= REGISTRY_BATCH_MAX_ROWS) {
            rc = err_set(e, ERR_INPUT, "batch.retract", "more than %d "
                         "retractions: split the batch",
                         REGISTRY_BATCH_MAX_ROWS);
            break;
        }
        json_path(where, sizeof(where), it.path, "instrument");
        if (get_text(e, it.item, it.path, "episode", 0, &t.episode) < 0 ||
            get_text(e, it.item, it.path, "instrument", 0, &t.instrument) <
                0) {
            rc = -1;
            break;
        }
        if (!is_pseudonym(t.episode, 'e')) {
            rc = field_fail(e, it.path, "episode", "must be \"e-\" and 16 "
                            "lowercase hex digits");
            break;
        }
        if (validate_slug(t.instrument, where, e) < 0) {
            rc = -1;
            break;
        }
        ALLOC_GROW(p->retractions, p->retraction_count + 1, retract_alloc);
        p->retractions[p->retraction_count++] = t;
        ALLOC_GROW(keys, nkeys + 1, keys_alloc);
        keys[nkeys++] =
            (struct batch_key){t.episode, t.instrument, it.index, 1};
    }
    if (rc >= 0)
        rc = check_repeats(keys, nkeys, e);
    free(keys);
    buf_add(&copy, "\377\377", 2); /* COPY's end: a field count of -1 */
    p->copy = buf_detach(&copy, &p->copy_len);
    if (rc < 0)
        return -1;
    if (clinic_key_base64_decode(signature, p->signature,
                                 sizeof(p->signature), "signature", e) < 0)
        return -1;
    p->sent = sent_batch(body, len, signature, &p->sent_len);
    if (!p->sent) {
        p->canonical = signing_canonical_json(batch, &p->canonical_len);
        if (!p->canonical)
            return err_set(e, ERR_INPUT, "batch", "cannot be written as "
                           "canonical JSON");
    }
    return 0;
}

void registry_push_release(struct registry_push *p)
{
    json_decref(p->body);
    free(p->text);
    free(p->practitioners);
    free(p->retractions);
    free(p->copy);
    free(p->canonical);
    memset(p, 0, sizeof(*p));
}

/* ---- applying it ---- */

static const struct pg_query clinic_lock = {
    "ingest_clinic_lock", "SELECT public_key, status, last_seq,"
    " coalesce(last_digest, '') FROM registry_clinic WHERE id = $1"
    " FOR UPDATE", 1};
static const struct pg_query ref_get = {
    "ingest_ref_get", "SELECT r.practitioner_id, p.match_key"
    " FROM registry_practitioner_ref r JOIN registry_practitioner p"
    " ON p.id = r.practitioner_id WHERE r.clinic_id = $1 AND r.ref = $2",
    2};
/* A practitioner by match key ($1, NULL for a new pseudonym) with label
 * $2: no row when the label is taken (then another label is drawn). */
static const struct pg_query practitioner_matched = {
    "ingest_practitioner_matched", "INSERT INTO registry_practitioner"
    " (match_key, label) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM"
    " registry_practitioner WHERE label = $2) ON CONFLICT (match_key) DO"
    " UPDATE SET match_key = EXCLUDED.match_key RETURNING id", 2};
static const struct pg_query practitioner_find = {
    "ingest_practitioner_find", "SELECT id FROM registry_practitioner"
    " WHERE match_key = $1", 1};
static const struct pg_query ref_insert = {
    "ingest_ref_insert", "INSERT INTO registry_practitioner_ref"
    " (clinic_id, ref, practitioner_id) VALUES ($1, $2, $3)", 3};
static const struct pg_query ref_update = {
    "ingest_ref_update", "UPDATE registry_practitioner_ref SET"
    " practitioner_id = $3 WHERE clinic_id = $1 AND ref = $2", 3};
static const struct pg_query rows_repoint = {
    "ingest_rows_repoint", "UPDATE registry_outcome SET practitioner_id ="
    " $3 WHERE clinic_id = $1 AND practitioner_ref = $2", 3};

#define COPY_COLUMNS                                                         \
    "clinic_id, practitioner_id, batch_seq, episode, practitioner_ref, protocol, instrument, role, icd10_category," \
    " start_year, sessions, baseline, discharge, followup, improvement,"     \
    " followup_days, responder, response_event, sustained,"                  \
    " sessions_to_response, has_followup, complete, incomplete_reason, age," \
    " sex, chronicity_weeks, comorbidities"

/* The staging table, made once a connection. No TRUNCATE: it would give
 * the table a new file at every batch (a file created and one unlinked a
 * push); at each commit ON COMMIT DELETE ROWS empties it in place, and the
 * rows of a push rolled back are invisible to the next. */
static const char staging_create[] =
    "CREATE TEMP TABLE IF NOT EXISTS registry_staging ("
    "  clinic_id bigint NOT NULL, practitioner_id bigint NOT NULL,"
    "  batch_seq bigint NOT NULL, episode text NOT NULL, practitioner_ref text NOT NULL,"
    "  protocol text NOT NULL, instrument text NOT NULL, role text NOT NULL,"
    "  icd10_category text, start_year smallint NOT NULL,"
    "  sessions integer NOT NULL, baseline double precision,"
    "  discharge double precision, followup double precision,"
    "  improvement double precision, followup_days integer,"
    "  responder smallint, response_event smallint, sustained smallint,"
    "  sessions_to_response bigint, has_followup smallint NOT NULL,"
    "  complete smallint NOT NULL, incomplete_reason text,"
    "  age smallint NOT NULL, sex text NOT NULL, chronicity_weeks integer,"
    "  comorbidities integer) ON COMMIT DELETE ROWS";

static const struct pg_query rows_moved = {
    "ingest_rows_moved", "DELETE FROM registry_outcome o USING"
    " registry_staging s WHERE o.clinic_id = $1 AND o.episode = s.episode"
    " AND o.instrument = s.instrument AND o.protocol <> s.protocol", 1};
/* Where the batch's episodes ($2, a text[]) fall among the clinic's
 * rows, in the column's own order (its least and greatest taken by
 * PostgreSQL; pseudonyms of one length in lowercase hex sort alike in
 * every collation and in bytes), and 16 index descents each, one a
 * partition:
 * - near: a row of the clinic with an episode from the batch's least to
 *   its greatest. Without one, no row of the batch is in the registry
 *   under any protocol, so the rows are copied straight into
 *   registry_outcome (no staging, no upsert, no moved-protocol delete);
 * - after: a row at or after the batch's least. Without one (and no state
 *   of the clinic left marked), every row goes after the rows of its
 *   state, and the states are extended, not read again
 *   (registry_partial_extend_clinic).
 * The clinic's row is locked: no other push of the clinic runs
 * meanwhile. */
static const struct pg_query rows_near = {
    "ingest_rows_near", "SELECT EXISTS (SELECT 1 FROM registry_outcome"
    " WHERE clinic_id = $1 AND episode >= (SELECT min(x) FROM"
    " unnest($2::text[]) x) AND episode <= (SELECT max(x) FROM"
    " unnest($2::text[]) x)), EXISTS (SELECT 1 FROM registry_outcome"
    " WHERE clinic_id = $1 AND episode >= (SELECT min(x) FROM"
    " unnest($2::text[]) x)), EXISTS (SELECT 1 FROM registry_partial_dirty"
    " WHERE clinic_id = $1)", 2};
static const struct pg_query rows_merge = {
    "ingest_rows_merge", "INSERT INTO registry_outcome (" COPY_COLUMNS ")"
    " SELECT " COPY_COLUMNS " FROM registry_staging ON CONFLICT (protocol,"
    " clinic_id, episode, instrument) DO UPDATE SET practitioner_ref ="
    " EXCLUDED.practitioner_ref, practitioner_id = EXCLUDED.practitioner_id,"
    " role = EXCLUDED.role, icd10_category = EXCLUDED.icd10_category,"
    " start_year = EXCLUDED.start_year, sessions = EXCLUDED.sessions,"
    " baseline = EXCLUDED.baseline, discharge = EXCLUDED.discharge,"
    " followup = EXCLUDED.followup, improvement = EXCLUDED.improvement,"
    " followup_days = EXCLUDED.followup_days, responder ="
    " EXCLUDED.responder, response_event = EXCLUDED.response_event,"
    " sustained = EXCLUDED.sustained, sessions_to_response ="
    " EXCLUDED.sessions_to_response, has_followup = EXCLUDED.has_followup,"
    " complete = EXCLUDED.complete, incomplete_reason ="
    " EXCLUDED.incomplete_reason, age = EXCLUDED.age, sex = EXCLUDED.sex,"
    " chronicity_weeks = EXCLUDED.chronicity_weeks, comorbidities ="
    " EXCLUDED.comorbidities, batch_seq = EXCLUDED.batch_seq", 0};
static const struct pg_query row_retract = {
    "ingest_row_retract", "DELETE FROM registry_outcome WHERE clinic_id = $1"
    " AND episode = $2 AND instrument = $3", 3};
static const struct pg_query batch_insert = {
    "ingest_batch_insert", "INSERT INTO registry_batch (clinic_id, seq,"
    " digest, rows, retracted) VALUES ($1, $2, $3, $4, $5)", 5};
static const struct pg_query clinic_advance = {
    "ingest_clinic_advance", "UPDATE registry_clinic SET last_seq = $2,"
    " last_digest = $3, updated_at = now() WHERE id = $1", 3};

/* The registry practitioner a batch's practitioner stands for: by NPI, else
 * by licence, else the clinic's own pseudonym; its id in *out. */
static int practitioner_for(struct pg *db, const char *clinic,
                            const struct registry_push_practitioner *pr,
                            int64_t *out, struct err *e)
{
    char *match = pr->npi       ? xasprintf("npi:%s", pr->npi)
                  : pr->license ? xasprintf("license:%s", pr->license)
                                : NULL;
    const char *get[] = {clinic, pr->ref};
    struct pg_result *r = NULL;
    int rc = pg_run(db, &ref_get, get, &r, e);
    int had = rc == 0 && pg_rows(r) > 0;
    char current[32] = "";
    if (had) {
        snprintf(current, sizeof(current), "%s", pg_text(r, 0, 0));
        const char *key = pg_text(r, 0, 1);
        int same = match ? key && !strcmp(key, match) : !key;
        if (same) {
            *out = pg_int(r, 0, 0);
            pg_result_free(r);
            free(match);
            return 0;
        }
    }
    pg_result_free(r);
    r = NULL;
    char id[32] = "";
    for (int attempt = 0; rc == 0 && !id[0] && attempt < 16; attempt++) {
        unsigned char random[4];
        randombytes_buf(random, sizeof(random));
        char label[16];
        snprintf(label, sizeof(label), "peer-%02x%02x%02x%02x", random[0],
                 random[1], random[2], random[3]);
        const char *params[] = {match, label};
        rc = pg_run(db, &practitioner_matched, params, &r, e);
        if (rc == 0 && pg_rows(r) > 0)
            snprintf(id, sizeof(id), "%s", pg_text(r, 0, 0));
        pg_result_free(r);
        r = NULL;
        if (rc == 0 && !id[0] && match) {
            /* The key exists and the label drawn was taken: take the
             * practitioner as it is. */
            const char *find[] = {match};
            rc = pg_run(db, &practitioner_find, find, &r, e);
            if (rc == 0 && pg_rows(r) > 0)
                snprintf(id, sizeof(id), "%s", pg_text(r, 0, 0));
            pg_result_free(r);
            r = NULL;
        }
    }
    free(match);
    if (rc < 0)
        return -1;
    if (!id[0])
        return err_set(e, ERR_FAIL, "pg", "no free practitioner label");
    *out = strtoll(id, NULL, 10);
    const char *set[] = {clinic, pr->ref, id};
    if (!had)
        return pg_run(db, &ref_insert, set, NULL, e);
    /* The practitioner's consent changed: the clinic's rows of this ref
     * follow. */
    if (pg_run(db, &ref_update, set, NULL, e) < 0 ||
        pg_run(db, &rows_repoint, set, NULL, e) < 0)
        return -1;
    return 0;
}

/* SHA-256 of len bytes of data as lowercase hex: the same digest as
 * signing_sha256_hex(), by OpenSSL, which uses the CPU's SHA instructions
 * where there are some (about 5 times libsodium's speed here: a push
 * digests megabytes); by libsodium when libcrypto cannot be loaded. */
static void push_sha256_hex(const void *data, size_t len,
                            char out[SIGNING_SHA256_HEX_LEN])
{
    unsigned char digest[32];
    if (crypto_dl_sha256(data, len, digest) < 0) {
        signing_sha256_hex(data, len, out);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
}

/* 1 when the signature verifies with pk over the batch's bytes as sent
 * (canonical JSON, as `touchstone push` sends it), or else over the
 * canonical JSON of the batch as read; the digest is then set, over the
 * bytes verified. 0 otherwise. */
static int push_verify(struct registry_push *p,
                       const unsigned char pk[SIGNING_PUBLIC_BYTES])
{
    if (p->sent && signing_verify(p->sent, p->sent_len, p->signature, pk)) {
        push_sha256_hex(p->sent, p->sent_len, p->digest);
        return 1;
    }
    if (!p->canonical) {
        /* Read as canonical but not verified over its bytes: the batch's
         * canonical JSON, as a clinic writing numbers otherwise signed it. */
        json_t *batch =
            p->body ? json_incref(json_object_get(p->body, "batch"))
                    : json_loadb(p->sent, p->sent_len, JSON_REJECT_DUPLICATES,
                                 NULL);
        p->canonical = signing_canonical_json(batch, &p->canonical_len);
        json_decref(batch);
    }
    if (!p->canonical ||
        !signing_verify(p->canonical, p->canonical_len, p->signature, pk))
        return 0;
    push_sha256_hex(p->canonical, p->canonical_len, p->digest);
    return 1;
}

/* The fields of the COPY data's row at *at (advanced past it): value[f]
 * at the field's bytes (NULL for SQL NULL), len[f] their length. */
static void copy_fields(char *d, size_t *at, char *value[COPY_FIELDS],
                        int len[COPY_FIELDS])
{
    *at += 2; /* the field count, COPY_FIELDS */
    for (int f = 0; f < COPY_FIELDS; f++) {
        const unsigned char *u = (const unsigned char *)d + *at;
        uint32_t n = (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
                     (uint32_t)u[2] << 8 | u[3];
        *at += 4;
        value[f] = n == UINT32_MAX ? NULL : d + *at;
        len[f] = n == UINT32_MAX ? -1 : (int)n;
        if (n != UINT32_MAX)
            *at += n;
    }
}

/* Sets each row's clinic, practitioner (ids[i] the id of
 * p->practitioners[i], found by the row's ref) and seq in p's COPY data,
 * and appends the rows' episodes to episodes as a text[] literal
 * ("{e-...,e-...}": a pseudonym needs no quoting). */
static void copy_patch(struct registry_push *p, const int64_t *ids,
                       struct buf *episodes)
{
    size_t at = sizeof(copy_header);
    buf_add(episodes, "{", 1);
    for (size_t k = 0; k < p->row_count; k++) {
        char *value[COPY_FIELDS];
        int len[COPY_FIELDS];
        copy_fields(p->copy, &at, value, len);
        int64_t id = 0;
        for (size_t i = 0; i < p->practitioner_count; i++)
            if (strlen(p->practitioners[i].ref) == (size_t)len[4] &&
                !memcmp(p->practitioners[i].ref, value[4], (size_t)len[4])) {
                id = ids[i];
                break;
            }
        const int64_t set[3] = {p->clinic, id, p->seq};
        for (int f = 0; f < 3; f++)
            for (int b = 0; b < 8; b++)
                value[f][b] = (char)(unsigned char)((uint64_t)set[f] >>
                                                    (8 * (7 - b)));
        if (k)
            buf_add(episodes, ",", 1);
        buf_add(episodes, value[3], (size_t)len[3]);
    }
    buf_add(episodes, "}", 1);
}

/* Refuses with status and e. */
static int refuse(struct registry_push_result *out, int status,
                  enum err_code code, const char *field, const char *message,
                  struct err *e)
{
    out->status = status;
    return err_set(e, code, field, "%s", message);
}

/* The checks and the merge, inside the open transaction. *adds is set
 * when the batch only added rows after the clinic's own, with no state of
 * the clinic marked before (rows_near). */
static int apply(struct pg *db, struct registry_push *p,
                 struct registry_push_result *out, int *adds, struct err *e)
{
    *adds = 0;
    char clinic[32], seq[32];
    snprintf(clinic, sizeof(clinic), "%" PRId64, p->clinic);
    snprintf(seq, sizeof(seq), "%" PRId64, p->seq);
    const char *params[] = {clinic};
    struct pg_result *r;
    out->status = 500;
    if (pg_run(db, &clinic_lock, params, &r, e) < 0)
        return -1;
    if (pg_rows(r) == 0) {
        pg_result_free(r);
        char message[64];
        snprintf(message, sizeof(message), "no clinic %" PRId64, p->clinic);
        return refuse(out, 403, ERR_REFUSED, "clinic", message, e);
    }
    unsigned char pk[SIGNING_PUBLIC_BYTES];
    struct err ignored = ERR_INIT;
    int key_ok = clinic_key_base64_decode(pg_text(r, 0, 0), pk, sizeof(pk),
                                          "public_key", &ignored) == 0;
    char status[16];
    snprintf(status, sizeof(status), "%s", pg_text(r, 0, 1));
    out->last_seq = pg_int(r, 0, 2);
    snprintf(out->last_digest, sizeof(out->last_digest), "%s",
             pg_text(r, 0, 3));
    pg_result_free(r);
    if (!key_ok || !push_verify(p, pk)) {
        char message[192];
        clinic_key_refusal(db, p->clinic, p->sent ? p->sent : p->canonical,
                           p->sent ? p->sent_len : p->canonical_len,
                           p->signature, message, sizeof(message));
        return refuse(out, 401, ERR_AUTH, "signature", message, e);
    }
    if (strcmp(status, "approved")) {
        char message[96];
        snprintf(message, sizeof(message), "clinic %" PRId64 " is %s%s",
                 p->clinic, status,
                 !strcmp(status, "pending") ? " (not approved yet)" : "");
        return refuse(out, 403, ERR_REFUSED, "clinic", message, e);
    }
    if (p->seq != out->last_seq + 1) {
        char message[128];
        snprintf(message, sizeof(message), "%s: seq %" PRId64 ", the "
                 "registry expects %" PRId64,
                 p->seq <= out->last_seq ? "replayed" : "out of order",
                 p->seq, out->last_seq + 1);
        return refuse(out, 409, ERR_CONFLICT, "seq", message, e);
    }
    int64_t *ids = xcalloc(p->practitioner_count + 1, sizeof(*ids));
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p->practitioner_count; i++)
        rc = practitioner_for(db, clinic, &p->practitioners[i], &ids[i], e);
    if (rc == 0 && p->row_count > 0) {
        struct buf episodes = BUF_INIT;
        copy_patch(p, ids, &episodes);
        const char *range[] = {clinic, episodes.data};
        rc = pg_run(db, &rows_near, range, &r, e);
        buf_release(&episodes);
        int near = 1;
        if (rc == 0) {
            near = !strcmp(pg_text(r, 0, 0), "t");
            *adds = p->retraction_count == 0 &&
                    strcmp(pg_text(r, 0, 1), "t") &&
                    strcmp(pg_text(r, 0, 2), "t");
            pg_result_free(r);
        }
        /* Near: into the staging table, then merged. */
        if (rc == 0 && near)
            rc = pg_exec(db, staging_create, e);
        if (rc == 0)
            rc = pg_copy_begin(db, near ? "COPY registry_staging ("
                               COPY_COLUMNS ") FROM STDIN (FORMAT binary)"
                               : "COPY registry_outcome (" COPY_COLUMNS ")"
                               " FROM STDIN (FORMAT binary)", e);
        if (rc == 0 && pg_copy_put(db, p->copy, p->copy_len, e) < 0) {
            pg_copy_end(db, 1, e);
            rc = -1;
        }
        if (rc == 0)
            rc = pg_copy_end(db, 0, e);
        if (rc == 0 && near &&
            (rc = pg_run(db, &rows_moved, params, NULL, e)) == 0 &&
            (rc = pg_run(db, &rows_merge, NULL, &r, e)) == 0) {
            long merged = pg_affected(r);
            pg_result_free(r);
            if (merged != (long)p->row_count)
                rc = err_set(e, ERR_FAIL, "pg", "merged %ld rows of %zu",
                             merged, p->row_count);
        }
    }
    free(ids);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < p->retraction_count; i++) {
        const char *t[] = {clinic, p->retractions[i].episode,
                           p->retractions[i].instrument};
        if (pg_run(db, &row_retract, t, NULL, e) < 0)
            return -1;
    }
    char rows[32], retracted[32];
    snprintf(rows, sizeof(rows), "%zu", p->row_count);
    snprintf(retracted, sizeof(retracted), "%zu", p->retraction_count);
    const char *batch[] = {clinic, seq, p->digest, rows, retracted};
    const char *advance[] = {clinic, seq, p->digest};
    if (pg_run(db, &batch_insert, batch, NULL, e) < 0 ||
        pg_run(db, &clinic_advance, advance, NULL, e) < 0)
        return -1;
    return 0;
}

/* The batch's rows (its COPY data, patched) added to its clinic's
 * partial states. */
static int extend_states(struct pg *db, struct registry_push *p,
                         struct err *e)
{
    /* registry_partial_column -> the COPY data's field (COPY_COLUMNS). */
    static const int from[PARTIAL_COLUMNS] = {
        [PARTIAL_CLINIC] = 0, [PARTIAL_PROTOCOL] = 5,
        [PARTIAL_INSTRUMENT] = 6, [PARTIAL_PRACTITIONER] = 1,
        [PARTIAL_REASON] = 22, [PARTIAL_IMPROVEMENT] = 14,
        [PARTIAL_RESPONDER] = 16, [PARTIAL_EVENT] = 17,
        [PARTIAL_TIME] = 19, [PARTIAL_SUSTAINED] = 18,
        [PARTIAL_FOLLOWUP] = 20, [PARTIAL_BASELINE] = 11,
        [PARTIAL_AGE] = 23, [PARTIAL_SEX] = 24, [PARTIAL_CHRONICITY] = 25,
        [PARTIAL_COMORBIDITIES] = 26};
    struct registry_partial_row *rows =
        xcalloc(p->row_count ? p->row_count : 1, sizeof(*rows));
    size_t at = sizeof(copy_header);
    for (size_t k = 0; k < p->row_count; k++) {
        char *value[COPY_FIELDS];
        int len[COPY_FIELDS];
        copy_fields(p->copy, &at, value, len);
        for (int c = 0; c < PARTIAL_COLUMNS; c++) {
            rows[k].field[c] = value[from[c]];
            rows[k].len[c] = len[from[c]];
        }
        rows[k].episode = value[3];
        rows[k].episode_len = len[3];
    }
    int rc = registry_partial_extend_clinic(db, p->clinic, rows,
                                            p->row_count, e);
    free(rows);
    return rc;
}

int registry_ingest_push(struct pg *db, const char *body, size_t len,
                         struct registry_push_result *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    struct registry_push p;
    if (registry_push_read(body, len, &p, e) < 0) {
        registry_push_release(&p);
        out->status = 400;
        return -1;
    }
    out->clinic = p.clinic;
    out->seq = p.seq;
    out->status = 500;
    int adds = 0;
    int rc = pg_begin(db, e);
    if (rc == 0)
        rc = apply(db, &p, out, &adds, e);
    if (rc == 0 && adds)
        rc = extend_states(db, &p, e);
    else if (rc == 0)
        rc = registry_partial_refresh_clinic(db, p.clinic, e);
    if (rc == 0 && pg_commit(db, e) < 0) {
        out->status = 500;
        rc = -1;
    }
    if (rc < 0) {
        pg_rollback(db);
    } else {
        out->status = 200;
        out->rows = (long)p.row_count;
        out->retracted = (long)p.retraction_count;
    }
    registry_push_release(&p);
    return rc;
}
