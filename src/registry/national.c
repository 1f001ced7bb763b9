/* The national report on the clinic's outcome code (registry/national.h). */
#include "registry/national.h"
#include "core/buf.h"
#include "core/json_write.h"
#include "core/jobs.h"
#include "core/util.h"
#include "outcomes/benchmark.h"
#include "outcomes/disclosure.h"
#include "outcomes/report.h"
#include "outcomes/thresholds.h"
#include "record/clinic_key.h"
#include "record/validate.h"
#include "registry/partial.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct pg_query labels_query = {
    "national_labels", "SELECT id, label FROM registry_practitioner"
    " ORDER BY id", 0};

/* The partial states of every approved clinic (registry/partial.h), in
 * PostgreSQL's binary format. COPY takes no parameters: the report's
 * filters apply as the states arrive. */
enum {
    COL_PROTOCOL, COL_INSTRUMENT, COL_PRACTITIONER, COL_CLINIC, COL_ROWS,
    COL_STATE, COL_COUNT
};
static const char states_copy[] =
    "COPY (SELECT p.protocol, p.instrument, p.practitioner_id::int8,"
    " p.clinic_id::int8, p.rows::int8, p.state FROM registry_partial p"
    " JOIN registry_clinic c ON c.id = p.clinic_id"
    " WHERE c.status = 'approved') TO STDOUT (FORMAT binary)";
static const struct pg_query marks_query = {
    "national_marks", "SELECT EXISTS (SELECT 1 FROM registry_partial_dirty)",
    0};

/* One state as read: its group, key, and where its bytes are. */
struct state_in {
    size_t group;
    int64_t practitioner, clinic;
    size_t at, len;
};

/* One protocol x instrument as read. */
struct group_in {
    char protocol[RECORD_CODE_MAX + 1];
    char instrument[RECORD_CODE_MAX + 1];
};

struct loading {
    const char *protocol, *instrument; /* filters, NULL: any */
    struct group_in *groups;
    size_t group_count, group_alloc, last;
    struct state_in *states;
    size_t state_count, state_alloc;
    unsigned char *bytes;              /* every state's bytes */
    size_t bytes_len, bytes_alloc;
    int64_t max_practitioner;
    long summaries;
};

static int group_for(struct loading *l, const char *protocol, int plen,
                     const char *instrument, int ilen, size_t *out,
                     struct err *e)
{
    if (l->group_count &&
        pg_binary_text_is(protocol, plen, l->groups[l->last].protocol) &&
        pg_binary_text_is(instrument, ilen, l->groups[l->last].instrument)) {
        *out = l->last;
        return 0;
    }
    for (size_t i = 0; i < l->group_count; i++)
        if (pg_binary_text_is(protocol, plen, l->groups[i].protocol) &&
            pg_binary_text_is(instrument, ilen, l->groups[i].instrument)) {
            *out = l->last = i;
            return 0;
        }
    if (!protocol || !instrument || plen > RECORD_CODE_MAX ||
        ilen > RECORD_CODE_MAX)
        return err_set(e, ERR_FAIL, "pg", "a state's protocol or instrument "
                       "is missing or too long");
    ALLOC_GROW(l->groups, l->group_count + 1, l->group_alloc);
    struct group_in *g = &l->groups[l->group_count];
    memset(g, 0, sizeof(*g));
    memcpy(g->protocol, protocol, (size_t)plen);
    memcpy(g->instrument, instrument, (size_t)ilen);
    *out = l->last = l->group_count++;
    return 0;
}

static int load_state(void *ctx, const char *const *f, const int *n,
                      int count, struct err *e)
{
    struct loading *l = ctx;
    if (count != COL_COUNT)
        return err_set(e, ERR_FAIL, "pg", "COPY sent %d columns, not %d",
                       count, COL_COUNT);
    if ((l->protocol && !pg_binary_text_is(f[COL_PROTOCOL],
                                           n[COL_PROTOCOL], l->protocol)) ||
        (l->instrument && !pg_binary_text_is(f[COL_INSTRUMENT],
                                             n[COL_INSTRUMENT],
                                             l->instrument)))
        return 0;
    size_t group = 0;
    if (group_for(l, f[COL_PROTOCOL], n[COL_PROTOCOL], f[COL_INSTRUMENT],
                  n[COL_INSTRUMENT], &group, e) < 0)
        return -1;
    if (!f[COL_STATE] || !f[COL_PRACTITIONER] || !f[COL_CLINIC] ||
        !f[COL_ROWS])
        return err_set(e, ERR_FAIL, "pg", "a partial state is NULL");
    ALLOC_GROW(l->states, l->state_count + 1, l->state_alloc);
    struct state_in *st = &l->states[l->state_count++];
    st->group = group;
    st->practitioner = pg_binary_int(f[COL_PRACTITIONER],
                                     n[COL_PRACTITIONER]);
    st->clinic = pg_binary_int(f[COL_CLINIC], n[COL_CLINIC]);
    if (st->practitioner < 1 || st->clinic < 1)
        return err_set(e, ERR_FAIL, "pg", "a partial state's practitioner "
                       "or clinic id is not positive");
    if (st->practitioner > l->max_practitioner)
        l->max_practitioner = st->practitioner;
    l->summaries += (long)pg_binary_int(f[COL_ROWS], n[COL_ROWS]);
    st->len = (size_t)n[COL_STATE];
    ALLOC_GROW(l->bytes, l->bytes_len + st->len, l->bytes_alloc);
    st->at = l->bytes_len;
    memcpy(l->bytes + l->bytes_len, f[COL_STATE], st->len);
    l->bytes_len += st->len;
    return 0;
}

static void loading_release(struct loading *l)
{
    free(l->groups);
    free(l->states);
    free(l->bytes);
    l->groups = NULL;
    l->states = NULL;
    l->bytes = NULL;
    l->group_count = l->group_alloc = l->state_count = l->state_alloc = 0;
    l->bytes_len = l->bytes_alloc = 0;
    l->last = 0;
    l->max_practitioner = 0;
    l->summaries = 0;
}

/* The registry's practitioner labels, by id ascending. */
struct given_labels {
    int64_t *ids;
    char (*text)[16];
    size_t count;
};

static void labels_release(struct given_labels *l)
{
    free(l->ids);
    free(l->text);
    memset(l, 0, sizeof(*l));
}

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

/*
 * Reads the labels and every approved clinic's state (filtered) into l,
 * in one snapshot. States marked out of date (written by something other
 * than a batch, which rebuilds its own) are rebuilt first; should more be
 * marked before the snapshot is taken, again (at most a few times).
 */
static int read_all(struct pg *db, struct loading *l,
                    struct given_labels *labels, struct err *e)
{
    for (int attempt = 0;; attempt++) {
        if (registry_partial_refresh_dirty(db, NULL, e) < 0)
            return -1;
        if (pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                    e) < 0)
            return -1;
        struct pg_result *r = NULL;
        int rc = labels_read(db, labels, e);
        if (rc == 0)
            rc = pg_copy_out_binary(db, states_copy, COL_COUNT, load_state,
                                    l, e);
        if (rc == 0)
            rc = pg_run(db, &marks_query, NULL, &r, e);
        int marked = rc == 0 && !strcmp(pg_text(r, 0, 0), "t");
        pg_result_free(r);
        pg_rollback(db);
        if (rc < 0 || !marked)
            return rc;
        if (attempt == 4)
            return err_set(e, ERR_FAIL, "pg", "the registry's summaries "
                           "keep changing outside pushes; try again");
        loading_release(l);
        free(labels->ids);
        free(labels->text);
        memset(labels, 0, sizeof(*labels));
    }
}

static int group_order(const void *a, const void *b)
{
    const struct group_in *x = a, *y = b;
    int c = strcmp(x->protocol, y->protocol);
    return c ? c : strcmp(x->instrument, y->instrument);
}

/* States by group (its rank in protocol, instrument order), practitioner,
 * clinic: the fixed order in which they are merged. */
static _Thread_local const size_t *order_rank;

static int state_order(const void *a, const void *b)
{
    const struct state_in *x = a, *y = b;
    size_t gx = order_rank[x->group], gy = order_rank[y->group];
    if (gx != gy)
        return gx < gy ? -1 : 1;
    if (x->practitioner != y->practitioner)
        return x->practitioner < y->practitioner ? -1 : 1;
    return x->clinic < y->clinic ? -1 : x->clinic > y->clinic;
}

/* How many distinct ids of the states' field (all positive). */
static size_t distinct_ids(const struct state_in *states, size_t n,
                           int clinics)
{
    int64_t max = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t id = clinics ? states[i].clinic : states[i].practitioner;
        if (id > max)
            max = id;
    }
    unsigned char *seen = xcalloc((size_t)max + 1, 1);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t id = clinics ? states[i].clinic : states[i].practitioner;
        count += !seen[id];
        seen[id] = 1;
    }
    free(seen);
    return count;
}

/* The groups' merges: the states of rank r, first[r] to first[r + 1]. */
struct merge_work {
    const struct loading *l;
    const struct thresholds *t;
    struct benchmark *b;
    const size_t *first;
};

/* Merges the states of the group of rank r into b->groups[r], and
 * finishes it. */
static int merge_group(void *ctx, size_t r, struct err *e)
{
    struct merge_work *w = ctx;
    struct bench_group *g = &w->b->groups[r], one;
    bench_group_init(&one, "", "");
    int rc = 0;
    for (size_t i = w->first[r]; rc == 0 && i < w->first[r + 1]; i++) {
        const struct state_in *st = &w->l->states[i];
        rc = bench_group_decode(w->l->bytes + st->at, st->len, &one, e);
        if (rc == 0)
            bench_group_merge(g, &one);
    }
    bench_group_release(&one);
    if (rc == 0 && g->rows)
        bench_group_finish(g, w->t);
    return rc;
}

/* Merges the states (sorted) into one finished group each: b->groups in
 * protocol, instrument order, a group a thread at a time. */
static int merge_states(struct loading *l, const size_t *by_rank,
                        const struct thresholds *t, struct benchmark *b,
                        struct err *e)
{
    memset(b, 0, sizeof(*b));
    b->thresholds = *t;
    size_t n = l->group_count;
    b->groups = xcalloc(n ? n : 1, sizeof(*b->groups));
    b->count = n;
    size_t *first = xcalloc(n + 1, sizeof(*first));
    for (size_t rank = 0, i = 0; rank < n; rank++) {
        const struct group_in *in = &l->groups[by_rank[rank]];
        bench_group_init(&b->groups[rank], in->protocol, in->instrument);
        b->groups[rank].id = (int64_t)rank + 1;
        first[rank] = i;
        while (i < l->state_count && order_rank[l->states[i].group] == rank)
            i++;
        first[rank + 1] = i;
    }
    struct merge_work w = {.l = l, .t = t, .b = b, .first = first};
    int rc = jobs_run(merge_group, &w, n, 8, e);
    free(first);
    if (rc < 0)
        benchmark_release(b);
    return rc;
}

/* What a report is written from: its merged and finished groups, the
 * practitioners' labels and the counts. */
struct national {
    struct benchmark b;
    struct given_labels labels;
    struct registry_national_counts counts;
};

static void national_release(struct national *n)
{
    benchmark_release(&n->b);
    labels_release(&n->labels);
}

/* Fills n (to release with national_release): steps (b) and (c) over
 * every approved clinic's states. Returns 0, or -1 with e and nothing
 * to release. */
static int national_compute(struct pg *db, const char *protocol,
                            const char *instrument, struct national *n,
                            struct err *e)
{
    struct given_labels *labels = &n->labels;
    memset(labels, 0, sizeof(*labels));
    if ((protocol && validate_slug(protocol, "protocol", e) < 0) ||
        (instrument && validate_slug(instrument, "instrument", e) < 0))
        return -1;
    struct loading l;
    memset(&l, 0, sizeof(l));
    l.protocol = protocol;
    l.instrument = instrument;
    size_t *rank = NULL, *by_rank = NULL;
    int rc = read_all(db, &l, labels, e);
    if (rc < 0)
        goto done;
    /* The groups' ranks in protocol, instrument order. */
    struct group_in *sorted = xreallocarray(
        NULL, l.group_count ? l.group_count : 1, sizeof(*sorted));
    if (l.group_count)
        memcpy(sorted, l.groups, l.group_count * sizeof(*sorted));
    qsort(sorted, l.group_count, sizeof(*sorted), group_order);
    rank = xcalloc(l.group_count ? l.group_count : 1, sizeof(*rank));
    by_rank = xcalloc(l.group_count ? l.group_count : 1, sizeof(*by_rank));
    for (size_t i = 0; i < l.group_count; i++)
        for (size_t k = 0; k < l.group_count; k++)
            if (!group_order(&l.groups[i], &sorted[k])) {
                rank[i] = k;
                by_rank[k] = i;
            }
    free(sorted);
    order_rank = rank;
    if (l.state_count > 1)
        qsort(l.states, l.state_count, sizeof(*l.states), state_order);
    struct thresholds t;
    thresholds_default(&t);
    rc = merge_states(&l, by_rank, &t, &n->b, e);
    order_rank = NULL;
    if (rc < 0)
        goto done;
    n->counts.clinics = (int64_t)distinct_ids(l.states, l.state_count, 1);
    n->counts.practitioners =
        (int64_t)distinct_ids(l.states, l.state_count, 0);
    n->counts.summaries = l.summaries;
done:
    loading_release(&l);
    free(rank);
    free(by_rank);
    if (rc < 0)
        labels_release(labels);
    return rc;
}

static json_t *registry_member(const struct registry_national_counts *n,
                               int min_cell)
{
    return json_pack("{sIsIsIsi}", "clinics", (json_int_t)n->clinics,
                     "practitioners", (json_int_t)n->practitioners,
                     "summaries", (json_int_t)n->summaries, "min_cell",
                     min_cell);
}

/* The groups' parts of a report, written by several threads. */
struct group_work {
    const struct national *n;
    int min_cell;
    size_t flags;
    struct report_registry_part *parts; /* one a group, in their order */
};

static int part_job(void *ctx, size_t g, struct err *e)
{
    struct group_work *w = ctx;
    const struct national *n = w->n;
    return report_registry_part_write(
        &n->b.groups[g], n->labels.ids, (const char (*)[16])n->labels.text,
        n->labels.count, w->min_cell, w->flags, &w->parts[g], e);
}

/* Writes the national report as text with flags: to f, or appended to
 * out (f NULL). Each group's part is written on its own, by as many
 * threads as there are cores (disclosure control decides within a
 * group), then the document around them in the groups' order. */
static int national_text(struct pg *db, const char *protocol,
                         const char *instrument, int min_cell, size_t flags,
                         struct buf *out, FILE *f, struct err *e)
{
    struct national n;
    if (national_compute(db, protocol, instrument, &n, e) < 0)
        return -1;
    size_t count = n.b.count;
    struct group_work w = {
        .n = &n, .min_cell = min_cell, .flags = flags,
        .parts = xcalloc(count ? count : 1, sizeof(*w.parts))};
    for (size_t g = 0; g < count; g++)
        report_registry_part_init(&w.parts[g]);
    int rc = jobs_run(part_job, &w, count, 8, e);
    if (rc == 0) {
        json_t *registry = registry_member(&n.counts, min_cell);
        if (report_registry_document_write(&n.b.thresholds, protocol,
                                           instrument, w.parts, count,
                                           "registry", registry, flags, out,
                                           f) < 0)
            rc = err_set(e, ERR_FAIL, "output", "cannot write the report");
        json_decref(registry);
    }
    for (size_t g = 0; g < count; g++)
        report_registry_part_release(&w.parts[g]);
    free(w.parts);
    national_release(&n);
    return rc;
}

json_t *registry_national_report(struct pg *db, const char *protocol,
                                 const char *instrument, int min_cell,
                                 struct err *e)
{
    struct buf text;
    buf_init(&text, 0);
    json_t *doc = NULL;
    if (national_text(db, protocol, instrument, min_cell,
                      REPORT_REGISTRY_EXACT, &text, NULL, e) == 0)
        doc = report_registry_read(text.data, text.len, e);
    buf_release(&text);
    return doc;
}

int registry_national_write(struct pg *db, const char *protocol,
                            const char *instrument, int min_cell,
                            size_t flags, FILE *out, struct err *e)
{
    struct buf text;
    buf_init(&text, 0);
    int rc = national_text(db, protocol, instrument, min_cell, flags, &text,
                           out, e);
    buf_release(&text);
    return rc;
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

/* The registry's generation: its clinics (every accepted batch and change
 * of status), and its partial states, which every write of summaries
 * changes, whoever made it (SQL too): marked ones waiting, and the states
 * rebuilt (new row versions: the newest transaction id among them) or
 * deleted (their count). */
static const struct pg_query generation_query = {
    "national_generation", "SELECT (SELECT count(*) || ':' ||"
    " coalesce(sum(last_seq), 0) || ':' || coalesce(max(updated_at)::text,"
    " '') || ':' || coalesce(sum(hashtext(status) # id), 0) FROM"
    " registry_clinic) || ':' || (SELECT count(*) || ':' ||"
    " coalesce(max(xmin::text::int8), 0) FROM registry_partial) || ':' ||"
    " (SELECT count(*) FROM registry_partial_dirty)", 0};

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
            struct buf out;
            buf_init(&out, 0);
            if (json_write_buf(doc, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                        JSON_REAL_PRECISION(17),
                               &out) < 0)
                die("cannot write the national document as JSON");
            json_decref(doc);
            text = buf_detach(&out, NULL);
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
