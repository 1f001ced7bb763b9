/* The national report on the clinic's outcome code (registry/national.h). */
#include "registry/national.h"
#include "core/util.h"
#include "outcomes/benchmark.h"
#include "outcomes/disclosure.h"
#include "outcomes/report.h"
#include "outcomes/thresholds.h"
#include "record/clinic_key.h"
#include "record/validate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pg_query labels_query = {
    "national_labels", "SELECT id, label FROM registry_practitioner"
    " ORDER BY id", 0};

/* Every summary of an approved clinic, the columns the definitions use,
 * in PostgreSQL's binary format (exact doubles, no text to parse). COPY
 * takes no parameters: the report's filters apply as the rows arrive. */
enum {
    COL_PROTOCOL, COL_INSTRUMENT, COL_CLINIC, COL_EPISODE, COL_PRACTITIONER,
    COL_REASON, COL_IMPROVEMENT, COL_RESPONDER, COL_EVENT, COL_TIME,
    COL_SUSTAINED, COL_FOLLOWUP, COL_BASELINE, COL_AGE, COL_SEX,
    COL_CHRONICITY, COL_COMORBIDITIES, COL_COUNT
};
static const char rows_copy[] =
    "COPY (SELECT o.protocol, o.instrument, o.clinic_id::int8, o.episode,"
    " o.practitioner_id::int8, o.incomplete_reason, o.improvement::float8,"
    " o.responder::int2, o.response_event::int2,"
    " o.sessions_to_response::int8, o.sustained::int2, o.has_followup::int2,"
    " o.baseline::float8, o.age::int4, o.sex, o.chronicity_weeks::int4,"
    " o.comorbidities::int4 FROM registry_outcome o JOIN registry_clinic c"
    " ON c.id = o.clinic_id WHERE c.status = 'approved')"
    " TO STDOUT (FORMAT binary)";

/* The order of rows within a practitioner's cell: clinic, then episode
 * (the pseudonym's 64 bits), so that a report over the same rows sums in
 * the same order whatever order PostgreSQL sent them in. */
struct row_key {
    int64_t clinic;
    uint64_t episode;
};

/* One protocol x instrument as read: its rows as they arrived. */
struct group_in {
    char protocol[RECORD_CODE_MAX + 1];
    char instrument[RECORD_CODE_MAX + 1];
    struct bench_summary *rows;
    struct row_key *keys;
    size_t count, alloc, key_alloc;
};

struct loading {
    const char *protocol, *instrument; /* filters, NULL: any */
    struct group_in *groups;
    size_t group_count, group_alloc;
    struct group_in *last;             /* the group of the last row */
    int64_t *clinics;                  /* clinic ids as they came (repeats) */
    size_t clinic_count, clinic_alloc;
    int64_t max_practitioner;
    size_t summaries;
};

/* Text field f (len bytes) equals the string s. */
static int field_is(const char *f, int len, const char *s)
{
    return f && (size_t)len == strlen(s) && !memcmp(f, s, (size_t)len);
}

static int64_t int_or(const char *f, int len, int64_t none)
{
    return f ? pg_binary_int(f, len) : none;
}

/* The 64 bits of an episode pseudonym "e-" and 16 hex digits. */
static uint64_t episode_bits(const char *f, int len)
{
    uint64_t v = 0;
    for (int i = 2; i < len; i++) {
        char c = f[i];
        v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return v;
}

static struct group_in *group_for(struct loading *l, const char *protocol,
                                  int plen, const char *instrument, int ilen,
                                  struct err *e)
{
    struct group_in *g = l->last;
    if (g && field_is(protocol, plen, g->protocol) &&
        field_is(instrument, ilen, g->instrument))
        return g;
    for (size_t i = 0; i < l->group_count; i++) {
        g = &l->groups[i];
        if (field_is(protocol, plen, g->protocol) &&
            field_is(instrument, ilen, g->instrument))
            return l->last = g;
    }
    if (!protocol || !instrument || plen > RECORD_CODE_MAX ||
        ilen > RECORD_CODE_MAX) {
        err_set(e, ERR_FAIL, "pg", "a summary's protocol or instrument is "
                "missing or too long");
        return NULL;
    }
    ALLOC_GROW(l->groups, l->group_count + 1, l->group_alloc);
    g = &l->groups[l->group_count++];
    memset(g, 0, sizeof(*g));
    memcpy(g->protocol, protocol, (size_t)plen);
    memcpy(g->instrument, instrument, (size_t)ilen);
    return l->last = g;
}

static int load_row(void *ctx, const char *const *f, const int *n, int count,
                    struct err *e)
{
    struct loading *l = ctx;
    if (count != COL_COUNT)
        return err_set(e, ERR_FAIL, "pg", "COPY sent %d columns, not %d",
                       count, COL_COUNT);
    if ((l->protocol && !field_is(f[COL_PROTOCOL], n[COL_PROTOCOL],
                                  l->protocol)) ||
        (l->instrument && !field_is(f[COL_INSTRUMENT], n[COL_INSTRUMENT],
                                    l->instrument)))
        return 0;
    struct group_in *g = group_for(l, f[COL_PROTOCOL], n[COL_PROTOCOL],
                                   f[COL_INSTRUMENT], n[COL_INSTRUMENT], e);
    if (!g)
        return -1;
    int64_t clinic = pg_binary_int(f[COL_CLINIC], n[COL_CLINIC]);
    if (!l->clinic_count || l->clinics[l->clinic_count - 1] != clinic) {
        ALLOC_GROW(l->clinics, l->clinic_count + 1, l->clinic_alloc);
        l->clinics[l->clinic_count++] = clinic;
    }
    ALLOC_GROW(g->rows, g->count + 1, g->alloc);
    ALLOC_GROW(g->keys, g->count + 1, g->key_alloc);
    g->keys[g->count].clinic = clinic;
    g->keys[g->count].episode = episode_bits(f[COL_EPISODE], n[COL_EPISODE]);
    struct bench_summary *sm = &g->rows[g->count++];
    l->summaries++;
    memset(sm, 0, sizeof(*sm));
    sm->practitioner_id =
        pg_binary_int(f[COL_PRACTITIONER], n[COL_PRACTITIONER]);
    if (sm->practitioner_id < 1)
        return err_set(e, ERR_FAIL, "pg", "a summary's practitioner id is "
                       "not positive");
    if (sm->practitioner_id > l->max_practitioner)
        l->max_practitioner = sm->practitioner_id;
    if (f[COL_REASON]) {
        sm->reason = -1;
        for (int r = 1; r < SUMMARY_REASON_COUNT; r++)
            if (field_is(f[COL_REASON], n[COL_REASON],
                         summary_reason_name((enum summary_reason)r)))
                sm->reason = (int8_t)r;
        if (sm->reason < 0)
            return err_set(e, ERR_FAIL, "pg", "a summary's incomplete "
                           "reason is unknown");
        return 0;
    }
    sm->reason = SUMMARY_COMPLETE;
    if (f[COL_IMPROVEMENT])
        sm->improvement =
            pg_binary_double(f[COL_IMPROVEMENT], n[COL_IMPROVEMENT]);
    sm->responder = (int8_t)int_or(f[COL_RESPONDER], n[COL_RESPONDER], -1);
    sm->event = (int8_t)int_or(f[COL_EVENT], n[COL_EVENT], -1);
    sm->sustained = (int8_t)int_or(f[COL_SUSTAINED], n[COL_SUSTAINED], -1);
    sm->has_followup = (int8_t)int_or(f[COL_FOLLOWUP], n[COL_FOLLOWUP], 0);
    int64_t time = int_or(f[COL_TIME], n[COL_TIME], -1);
    sm->sessions_to_response = time >= 0 ? time : -1;
    const char *sex = f[COL_SEX];
    sm->sex = field_is(sex, n[COL_SEX], "female") ? 0
              : field_is(sex, n[COL_SEX], "male") ? 1
              : field_is(sex, n[COL_SEX], "other") ? 2 : 3;
    sm->has_risk = f[COL_BASELINE] && f[COL_AGE] && f[COL_CHRONICITY] &&
                   f[COL_COMORBIDITIES];
    if (sm->has_risk) {
        sm->baseline = pg_binary_double(f[COL_BASELINE], n[COL_BASELINE]);
        sm->age_years = (int32_t)pg_binary_int(f[COL_AGE], n[COL_AGE]);
        sm->chronicity_weeks =
            (int32_t)pg_binary_int(f[COL_CHRONICITY], n[COL_CHRONICITY]);
        sm->comorbidities = (int32_t)pg_binary_int(f[COL_COMORBIDITIES],
                                                   n[COL_COMORBIDITIES]);
    }
    return 0;
}

/* The registry's practitioner labels, by id ascending. */
struct given_labels {
    int64_t *ids;
    char (*text)[16];
    size_t count;
};

static int labels_read(struct pg *db, struct given_labels *out,
                       struct err *e)
{
    memset(out, 0, sizeof(*out));
    struct pg_result *r;
    if (pg_run(db, &labels_query, NULL, &r, e) < 0)
        return -1;
    size_t n = (size_t)pg_rows(r);
    out->ids = xreallocarray(NULL, n ? n : 1, sizeof(*out->ids));
    out->text = xreallocarray(NULL, n ? n : 1, sizeof(*out->text));
    for (size_t i = 0; i < n; i++) {
        out->ids[i] = pg_int(r, (int)i, 0);
        snprintf(out->text[i], sizeof(out->text[i]), "%s",
                 pg_text(r, (int)i, 1));
    }
    out->count = n;
    pg_result_free(r);
    return 0;
}

/* How many distinct ids of n (all positive). */
static size_t distinct(const int64_t *ids, size_t n)
{
    int64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] > max)
            max = ids[i];
    unsigned char *seen = xcalloc((size_t)max + 1, 1);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        count += !seen[ids[i]];
        seen[ids[i]] = 1;
    }
    free(seen);
    return count;
}

/* Reads the labels and every summary (filtered) into l, in one snapshot.
 * One connection: a second one reading half the clinics (tried) scans
 * the whole table again, about 1.7 times the CPU for a sixth less time. */
static int read_all(struct pg *db, struct loading *l,
                    struct given_labels *labels, struct err *e)
{
    if (pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", e) < 0)
        return -1;
    int rc = labels_read(db, labels, e);
    if (rc == 0)
        rc = pg_copy_out_binary(db, rows_copy, COL_COUNT, load_row, l, e);
    pg_rollback(db);
    return rc;
}

static int group_order(const void *a, const void *b)
{
    const struct group_in *x = a, *y = b;
    int c = strcmp(x->protocol, y->protocol);
    return c ? c : strcmp(x->instrument, y->instrument);
}

/* The keys of the group being ordered (qsort has no context argument;
 * one per thread, as the server may run reports side by side). */
static _Thread_local const struct row_key *order_keys;

static int key_order(const void *a, const void *b)
{
    const struct row_key *x = &order_keys[*(const size_t *)a];
    const struct row_key *y = &order_keys[*(const size_t *)b];
    if (x->clinic != y->clinic)
        return x->clinic < y->clinic ? -1 : 1;
    return x->episode < y->episode ? -1 : x->episode > y->episode;
}

/*
 * Orders a group's rows by practitioner (a counting sort over the ids,
 * at most max_id), then clinic and episode; marks each practitioner seen
 * in seen[id]. Replaces g->rows.
 */
static void group_sort(struct group_in *g, int64_t max_id,
                       unsigned char *seen)
{
    size_t *start = xcalloc((size_t)max_id + 2, sizeof(*start));
    for (size_t i = 0; i < g->count; i++)
        start[g->rows[i].practitioner_id + 1]++;
    for (int64_t id = 1; id <= max_id + 1; id++)
        start[id] += start[id - 1];
    size_t *order = xreallocarray(NULL, g->count ? g->count : 1,
                                  sizeof(*order));
    for (size_t i = 0; i < g->count; i++)
        order[start[g->rows[i].practitioner_id]++] = i;
    /* start[id] is now the end of id's run, the start of id + 1's. */
    order_keys = g->keys;
    size_t from = 0;
    for (int64_t id = 0; id <= max_id; id++) {
        size_t to = start[id];
        if (to > from) {
            seen[id] = 1;
            if (to - from > 1)
                qsort(order + from, to - from, sizeof(*order), key_order);
        }
        from = to;
    }
    order_keys = NULL;
    struct bench_summary *sorted =
        xreallocarray(NULL, g->count ? g->count : 1, sizeof(*sorted));
    for (size_t i = 0; i < g->count; i++)
        sorted[i] = g->rows[order[i]];
    free(g->rows);
    free(g->keys);
    free(order);
    free(start);
    g->rows = sorted;
    g->keys = NULL;
}

json_t *registry_national_report(struct pg *db, const char *protocol,
                                 const char *instrument, int min_cell,
                                 struct err *e)
{
    if ((protocol && validate_slug(protocol, "protocol", e) < 0) ||
        (instrument && validate_slug(instrument, "instrument", e) < 0))
        return NULL;
    struct loading l;
    memset(&l, 0, sizeof(l));
    l.protocol = protocol;
    l.instrument = instrument;
    struct given_labels labels;
    memset(&labels, 0, sizeof(labels));
    json_t *doc = NULL;
    unsigned char *seen = NULL;
    struct bench_summaries *in = NULL;
    if (read_all(db, &l, &labels, e) < 0)
        goto done;
    qsort(l.groups, l.group_count, sizeof(*l.groups), group_order);
    seen = xcalloc((size_t)l.max_practitioner + 1, 1);
    in = xreallocarray(NULL, l.group_count ? l.group_count : 1, sizeof(*in));
    for (size_t i = 0; i < l.group_count; i++) {
        struct group_in *g = &l.groups[i];
        group_sort(g, l.max_practitioner, seen);
        in[i] = (struct bench_summaries){g->protocol, g->instrument, g->rows,
                                         g->count};
    }
    struct thresholds t;
    thresholds_default(&t);
    doc = report_registry_summaries_json(
        in, l.group_count, &t, labels.ids, (const char (*)[16])labels.text,
        labels.count, protocol, instrument, e);
    if (!doc)
        goto done;
    disclosure_protect_registry_min(doc, min_cell);
    size_t practitioners = 0;
    for (int64_t id = 0; id <= l.max_practitioner; id++)
        practitioners += seen[id];
    json_object_set_new(
        doc, "registry",
        json_pack("{sIsIsIsi}", "clinics",
                  (json_int_t)distinct(l.clinics, l.clinic_count),
                  "practitioners", (json_int_t)practitioners,
                  "summaries", (json_int_t)l.summaries, "min_cell",
                  min_cell));
done:
    for (size_t i = 0; i < l.group_count; i++) {
        free(l.groups[i].rows);
        free(l.groups[i].keys);
    }
    free(l.groups);
    free(l.clinics);
    free(labels.ids);
    free(labels.text);
    free(seen);
    free(in);
    return doc;
}

json_t *registry_national_signed(struct pg *db,
                                 const unsigned char sk[SIGNING_SECRET_BYTES],
                                 int min_cell, struct err *e)
{
    json_t *doc = registry_national_report(db, NULL, NULL, min_cell, e);
    if (!doc)
        return NULL;
    size_t len;
    char *canonical = signing_canonical_json(doc, &len);
    if (!canonical) {
        json_decref(doc);
        err_set(e, ERR_FAIL, "document", "cannot be written as canonical "
                "JSON");
        return NULL;
    }
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    signing_sign(canonical, len, sk, sig);
    free(canonical);
    char *text = clinic_key_base64_encode(sig, sizeof(sig));
    json_t *out = json_pack("{soss}", "document", doc, "signature", text);
    free(text);
    return out;
}

static const struct pg_query generation_query = {
    "national_generation", "SELECT count(*) || ':' || coalesce(sum(last_seq),"
    " 0) || ':' || coalesce(max(updated_at)::text, '') || ':' ||"
    " coalesce(sum(hashtext(status) # id), 0) FROM registry_clinic", 0};

struct registry_national_cache {
    pthread_mutex_t lock;
    char *generation; /* of text; NULL: nothing cached */
    char *text;
};

struct registry_national_cache *registry_national_cache_new(void)
{
    struct registry_national_cache *c = xcalloc(1, sizeof(*c));
    if (pthread_mutex_init(&c->lock, NULL))
        die("cannot create a mutex");
    return c;
}

void registry_national_cache_free(struct registry_national_cache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c->generation);
    free(c->text);
    free(c);
}

char *registry_national_signed_text(struct registry_national_cache *c,
                                    struct pg *db,
                                    const unsigned char
                                        sk[SIGNING_SECRET_BYTES],
                                    int min_cell, int *cached,
                                    struct err *e)
{
    *cached = 0;
    struct pg_result *r;
    if (pg_run(db, &generation_query, NULL, &r, e) < 0)
        return NULL;
    char *generation = xstrdup(pg_text(r, 0, 0));
    pg_result_free(r);
    pthread_mutex_lock(&c->lock);
    char *text = NULL;
    if (c->generation && !strcmp(c->generation, generation)) {
        text = xstrdup(c->text);
        *cached = 1;
    } else {
        json_t *doc = registry_national_signed(db, sk, min_cell, e);
        if (doc) {
            text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                       JSON_REAL_PRECISION(17));
            json_decref(doc);
            if (!text)
                die("out of memory writing JSON");
            free(c->generation);
            free(c->text);
            c->generation = generation;
            c->text = xstrdup(text);
            generation = NULL;
        }
    }
    pthread_mutex_unlock(&c->lock);
    free(generation);
    return text;
}
