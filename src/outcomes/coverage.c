#include "outcomes/coverage.h"
#include "core/util.h"
#include "outcomes/report.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/record.h"
#include "stats/describe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double ratio(long num, long den)
{
    return den > 0 ? (double)num / (double)den : NAN;
}

/* An episode of one protocol: complete when one of its instruments is,
 * followed up when a complete one has a follow-up. */
struct followup_episode {
    int64_t id;
    int complete, followed;
};

/* One protocol's follow-up row, counted; its episodes complete without
 * a follow-up are ids[first, last) of struct coverage_followup, sorted. */
struct followup_count {
    char *protocol;
    long complete, followed;
    size_t first, last;
};

/* The practitioner's outcome rows being merged into follow-up rows, one
 * protocol at a time (struct coverage_followup of coverage.h). The
 * invitations are read once at the end, with the channels'. */
struct coverage_followup {
    struct followup_episode *eps, *tmp;
    size_t n, alloc, tmp_alloc;
    char *protocol;
    struct followup_count *counts;
    size_t count_n, count_alloc;
    int64_t *ids;
    size_t ids_n, ids_alloc;
};

static int episode_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct followup_episode *)a)->id;
    int64_t y = ((const struct followup_episode *)b)->id;
    return (x > y) - (x < y);
}

/* Sorts the episodes of one protocol by id. Its rows come one
 * instrument's group after another, each in episode order: the runs are
 * merged in turn (a pass each), not sorted again. Rows in another order
 * (many runs) are sorted. tmp: scratch of n, grown here. */
static void episodes_sort(struct followup_episode *eps, size_t n,
                          struct followup_episode **tmp, size_t *tmp_alloc)
{
    size_t runs = 1;
    for (size_t i = 1; i < n && runs <= 8; i++)
        runs += eps[i].id < eps[i - 1].id;
    if (runs == 1)
        return;
    if (runs > 8) {
        qsort(eps, n, sizeof(*eps), episode_cmp);
        return;
    }
    ALLOC_GROW(*tmp, n, *tmp_alloc);
    /* [0, done) is sorted; merge the run that follows into it. */
    size_t done = 1;
    while (done < n && eps[done].id >= eps[done - 1].id)
        done++;
    while (done < n) {
        size_t end = done + 1;
        while (end < n && eps[end].id >= eps[end - 1].id)
            end++;
        size_t a = 0, b = done, k = 0;
        while (a < done && b < end)
            (*tmp)[k++] = eps[b].id < eps[a].id ? eps[b++] : eps[a++];
        while (a < done)
            (*tmp)[k++] = eps[a++];
        while (b < end)
            (*tmp)[k++] = eps[b++];
        memcpy(eps, *tmp, k * sizeof(*eps));
        done = end;
    }
}

/* Ends the current protocol: its counts, and its episodes complete
 * without a follow-up (to be looked up among the invitations at the end),
 * unless none is complete. */
static void followup_protocol(struct coverage_followup *f)
{
    struct followup_episode *eps = f->eps;
    size_t n = f->n;
    episodes_sort(eps, n, &f->tmp, &f->tmp_alloc);
    long complete = 0, followed = 0;
    size_t first = f->ids_n;
    for (size_t i = 0; i < n;) {
        struct followup_episode ep = eps[i++];
        for (; i < n && eps[i].id == ep.id; i++) {
            ep.complete |= eps[i].complete;
            ep.followed |= eps[i].followed;
        }
        complete += ep.complete;
        followed += ep.followed;
        if (!ep.complete || ep.followed)
            continue;
        ALLOC_GROW(f->ids, f->ids_n + 1, f->ids_alloc);
        f->ids[f->ids_n++] = ep.id;
    }
    if (complete == 0) {
        f->ids_n = first;
        return;
    }
    ALLOC_GROW(f->counts, f->count_n + 1, f->count_alloc);
    f->counts[f->count_n++] = (struct followup_count){
        xstrdup(f->protocol), complete, followed, first, f->ids_n};
}

struct coverage_followup *coverage_followup_new(struct store *s)
{
    (void)s;
    return xcalloc(1, sizeof(struct coverage_followup));
}

void coverage_followup_free(struct coverage_followup *f)
{
    if (f) {
        free(f->eps);
        free(f->tmp);
        free(f->protocol);
        for (size_t i = 0; i < f->count_n; i++)
            free(f->counts[i].protocol);
        free(f->counts);
        free(f->ids);
    }
    free(f);
}

int coverage_followup_add(struct coverage_followup *f, const char *protocol,
                          int64_t episode_id, int64_t code, struct err *e)
{
    (void)e;
    if (f->protocol && strcmp(f->protocol, protocol)) {
        followup_protocol(f);
        f->n = 0;
    }
    if (!f->protocol || f->n == 0) {
        free(f->protocol);
        f->protocol = xstrdup(protocol);
    }
    int complete = (code & 7) == 0;
    ALLOC_GROW(f->eps, f->n + 1, f->alloc);
    f->eps[f->n++] = (struct followup_episode){
        episode_id, complete, complete && ((code >> 9) & 1)};
    return 0;
}

static int id_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The follow-up rows (a new reference) of the protocols counted, given
 * the episodes with a follow-up invitation (sorted by id, n of them). */
static json_t *followup_json(const struct coverage_followup *f,
                             const int64_t *invited, size_t n)
{
    json_t *out = json_array();
    for (size_t i = 0; i < f->count_n; i++) {
        const struct followup_count *c = &f->counts[i];
        long invited_count = 0;
        for (size_t k = c->first; n && k < c->last; k++)
            invited_count += bsearch(&f->ids[k], invited, n, sizeof(*invited),
                                     id_cmp) != NULL;
        long without = c->complete - c->followed;
        json_t *o = json_object();
        json_object_set_new(o, "protocol", json_string(c->protocol));
        json_object_set_new(o, "complete", json_integer(c->complete));
        json_object_set_new(o, "with_followup", json_integer(c->followed));
        json_object_set_new(o, "without_followup", json_integer(without));
        json_object_set_new(o, "coverage",
                            report_number(ratio(c->followed, c->complete)));
        json_object_set_new(o, "invited", json_integer(invited_count));
        json_object_set_new(o, "not_invited",
                            json_integer(without - invited_count));
        json_array_append_new(out, o);
    }
    return out;
}

/* Follow-up coverage per protocol: one row per protocol with at least one
 * complete episode, in protocol order. An episode counts once per
 * protocol, complete when one of its instruments is, followed up when a
 * complete one has a follow-up; invited when it is complete without a
 * follow-up and has a follow-up invitation. Read from the compact outcome
 * rows (store/outcome_rows.h: the reason in code's low 3 bits, 0 when
 * complete; has_followup in bit 9): one seek of the practitioner's range
 * in each group, the groups in (protocol, instrument) order (CROSS JOIN
 * keeps them outside), and the episodes of a protocol merged here, not
 * grouped by SQL in temporary b-trees nor read from the summary table
 * through its practitioner index: the same counts for a fraction of the
 * work (t0946 compares them with the summary table's). The practitioner's
 * outcome report hands over the rows it reads for its cells instead. */
static int followup_rows(struct store *s, int64_t practitioner_id,
                         struct coverage_followup *f, struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT g.protocol_id, r.episode_id, r.code"
           " FROM outcome_group g CROSS JOIN outcome_row r"
           " ON r.group_id = g.id AND r.practitioner_id = :practitioner"
           " ORDER BY g.protocol_id, g.instrument");
    stmt_bind_int(st, ":practitioner", practitioner_id);
    int rc;
    while ((rc = stmt_step(st, e)) == 1)
        if (coverage_followup_add(f, stmt_text(st, 0), stmt_int(st, 1),
                                  stmt_int(st, 2), e) < 0) {
            rc = -1;
            break;
        }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* The invitations of one channel (or of all, channel NULL). */
struct channel_tally {
    const char *channel;
    long sent, answered;
    double *days;
    size_t alloc;
};

static void tally_add(struct channel_tally *t, int answered, double days)
{
    t->sent++;
    if (!answered)
        return;
    ALLOC_GROW(t->days, (size_t)t->answered + 1, t->alloc);
    t->days[t->answered++] = days;
}

static void tally_set(json_t *o, const struct channel_tally *t)
{
    json_object_set_new(o, "sent", json_integer(t->sent));
    json_object_set_new(o, "answered", json_integer(t->answered));
    json_object_set_new(o, "response_rate",
                        report_number(ratio(t->answered, t->sent)));
    json_object_set_new(
        o, "median_days_to_answer",
        report_number(stats_quantile(t->days, (size_t)t->answered, 0.5)));
}

json_t *coverage_practitioner_json(struct store *s, int64_t practitioner_id,
                                   struct err *e)
{
    struct coverage_followup *f = coverage_followup_new(s);
    json_t *doc = NULL;
    if (followup_rows(s, practitioner_id, f, e) == 0)
        doc = coverage_practitioner_json_rows(s, practitioner_id, f, e);
    coverage_followup_free(f);
    return doc;
}

json_t *coverage_practitioner_json_rows(struct store *s,
                                        int64_t practitioner_id,
                                        struct coverage_followup *f,
                                        struct err *e)
{
    if (f->protocol && f->n)
        followup_protocol(f);
    f->n = 0;
    struct channel_tally tallies[] = {
        {.channel = "email"}, {.channel = "print"}, {.channel = NULL}};
    /* Every invitation of the practitioner's episodes, read once: the
     * follow-up ones (revoked or not) for the follow-up rows, the ones
     * not revoked before their answer for the channels. */
    struct stmt *st = store_prepare(
        s, "SELECT i.channel, i.used_at IS NOT NULL,"
           " julianday(i.used_at) - julianday(i.created_at),"
           " i.revoked_at IS NULL OR (i.used_at IS NOT NULL"
           "  AND i.used_at <= i.revoked_at),"
           " i.episode_id, i.timepoint = 'followup'"
           " FROM invitation i JOIN episode ep ON ep.id = i.episode_id"
           " WHERE ep.practitioner_id = :practitioner"
           " ORDER BY i.id");
    stmt_bind_int(st, ":practitioner", practitioner_id);
    int64_t *invited = NULL;
    size_t invited_n = 0, invited_alloc = 0;
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        if (stmt_int(st, 5) == 1) {
            ALLOC_GROW(invited, invited_n + 1, invited_alloc);
            invited[invited_n++] = stmt_int(st, 4);
        }
        if (stmt_int(st, 3) != 1)
            continue;
        const char *channel = stmt_text(st, 0);
        int answered = stmt_int(st, 1) == 1;
        double days = answered ? stmt_double(st, 2) : NAN;
        for (size_t i = 0; i + 1 < ARRAY_SIZE(tallies); i++)
            if (!strcmp(tallies[i].channel, channel))
                tally_add(&tallies[i], answered, days);
        tally_add(&tallies[ARRAY_SIZE(tallies) - 1], answered, days);
    }
    stmt_finalize(st);
    json_t *doc = NULL;
    if (rc == 0) {
        if (invited_n > 1)
            qsort(invited, invited_n, sizeof(*invited), id_cmp);
        json_t *followup = followup_json(f, invited, invited_n);
        json_t *channels = json_array();
        for (size_t i = 0; i + 1 < ARRAY_SIZE(tallies); i++) {
            json_t *o = json_pack("{ss}", "channel", tallies[i].channel);
            tally_set(o, &tallies[i]);
            json_array_append_new(channels, o);
        }
        doc = json_pack("{soso}", "followup", followup, "channels", channels);
        tally_set(doc, &tallies[ARRAY_SIZE(tallies) - 1]);
    }
    free(invited);
    for (size_t i = 0; i < ARRAY_SIZE(tallies); i++)
        free(tallies[i].days);
    return doc;
}

/* The practitioner's entry of the coverage report. */
static json_t *practitioner_entry(struct store *s, int64_t id, struct err *e)
{
    char name[RECORD_NAME_MAX + 1];
    if (report_practitioner_identity(s, id, "practitioner", name, sizeof(name),
                                     NULL, 0, e) < 0)
        return NULL;
    json_t *o = coverage_practitioner_json(s, id, e);
    if (!o)
        return NULL;
    json_t *entry = json_pack("{s{sIss}}", "practitioner", "id", (json_int_t)id,
                              "name", name);
    json_object_update_new(entry, o);
    return entry;
}

json_t *coverage_report_json(struct store *s, const struct actor *caller,
                             int64_t practitioner_id, struct err *e)
{
    if (practitioner_id < 0) {
        err_set(e, ERR_INPUT, "practitioner",
                "must be a positive practitioner id");
        return NULL;
    }
    /* A therapist's own coverage when no practitioner is named. */
    if (report_may_read(s, caller,
                        practitioner_id ? practitioner_id
                                        : caller->practitioner_id,
                        "practitioner", "practitioner_coverage", "coverage",
                        e) < 0)
        return NULL;
    if (!practitioner_id && !access_is_admin(caller))
        practitioner_id = caller->practitioner_id;
    if (store_begin(s, e) < 0)
        return NULL;
    json_t *list = json_array();
    int rc = 0;
    if (practitioner_id) {
        json_t *entry = practitioner_entry(s, practitioner_id, e);
        if (entry)
            json_array_append_new(list, entry);
        else
            rc = -1;
    } else {
        struct stmt *st = store_prepare(
            s, "SELECT p.id FROM practitioner p WHERE EXISTS (SELECT 1"
               " FROM episode ep WHERE ep.practitioner_id = p.id)"
               " ORDER BY p.id");
        int64_t *ids = NULL;
        size_t n = 0, alloc = 0;
        while ((rc = stmt_step(st, e)) == 1) {
            ALLOC_GROW(ids, n + 1, alloc);
            ids[n++] = stmt_int(st, 0);
        }
        stmt_finalize(st);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            json_t *entry = practitioner_entry(s, ids[i], e);
            if (entry)
                json_array_append_new(list, entry);
            else
                rc = -1;
        }
        free(ids);
    }
    if (rc == 0)
        rc = audit_append(s, caller, "read", "practitioner_coverage",
                          practitioner_id, 0, "ok", e);
    if (rc == 0 && store_commit(s, e) == 0)
        return json_pack("{so}", "practitioners", list);
    store_rollback(s);
    json_decref(list);
    return NULL;
}
