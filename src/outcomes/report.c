#include "outcomes/report.h"
#include "catalog/catalog_json.h"
#include "outcomes/coverage.h"
#include "outcomes/disclosure.h"
#include "outcomes/national.h"
#include "outcomes/thresholds.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/summary.h"
#include "record/validate.h"
#include "core/json_write.h"
#include "core/jobs.h"
#include "core/util.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

json_t *report_number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *interval_json(struct stats_interval ci)
{
    if (!isfinite(ci.lower) || !isfinite(ci.upper))
        return json_null();
    /* Not json_pack(): its format is parsed again at each of the
     * registry report's tens of thousands of cells. */
    json_t *a = json_array();
    json_array_append_new(a, json_real(ci.lower));
    json_array_append_new(a, json_real(ci.upper));
    return a;
}

static json_t *optional_string(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* Ends a report's transaction: audits and commits, or rolls back. */
static int report_finish(struct store *s, const struct actor *caller,
                         int rc, const char *record_type, int64_t record_id,
                         int64_t patient_id, struct err *e)
{
    if (rc == 0)
        rc = audit_append(s, caller, "read", record_type, record_id,
                          patient_id, "ok", e);
    if (rc == 0)
        return store_commit(s, e);
    store_rollback(s);
    return -1;
}

int report_deny(struct store *s, const struct actor *caller,
                const char *action, const char *record_type,
                int64_t record_id)
{
    struct err ignored = ERR_INIT;
    audit_record_refusal(s, caller, action, record_type, record_id, 0,
                         "denied", &ignored);
    return -1;
}

int report_may_read(struct store *s, const struct actor *caller,
                    int64_t practitioner_id, const char *field,
                    const char *record_type, const char *what,
                    struct err *e)
{
    if (caller->role != ROLE_RESEARCHER &&
        (caller->role != ROLE_THERAPIST ||
         caller->practitioner_id == practitioner_id))
        return 0;
    err_set(e, ERR_AUTH, field,
            "a therapist reads only their own %s; researchers read the "
            "anonymised registry",
            what);
    return report_deny(s, caller, "read", record_type, practitioner_id);
}

/* Rolls back and records a refusal of a named record (non-admins). */
static void report_refused(struct store *s, const struct actor *caller,
                           const char *record_type, int64_t record_id)
{
    store_rollback(s);
    if (!access_is_admin(caller))
        report_deny(s, caller, "read", record_type, record_id);
}

/* The measures of a cell, in the order its JSON lists them: each a number
 * (NULL when not finite) or, with interval set, a 95% interval. */
static const struct {
    const char *key;
    size_t offset;
    int interval;
} CELL_MEASURES[] = {
    {"mean_improvement", offsetof(struct bench_cell, mean_improvement), 0},
    {"mean_improvement_ci95", offsetof(struct bench_cell, mean_ci95), 1},
    {"srm", offsetof(struct bench_cell, srm), 0},
    {"responder_rate", offsetof(struct bench_cell, responder_rate), 0},
    {"responder_ci95", offsetof(struct bench_cell, responder_ci95), 1},
    {"median_sessions_to_response",
     offsetof(struct bench_cell, median_sessions), 0},
    {"sustained_rate", offsetof(struct bench_cell, sustained_rate), 0},
    {"followup_coverage", offsetof(struct bench_cell, followup_coverage), 0},
    {"expected_improvement",
     offsetof(struct bench_cell, expected_improvement), 0},
    {"observed_minus_expected",
     offsetof(struct bench_cell, observed_minus_expected), 0},
};

/* Sets the members of cell c (of group g) in o, in the report's order. */
static void cell_members(json_t *o, const struct bench_group *g,
                         const struct bench_cell *c)
{
    json_object_set_new_nocheck(o, "protocol", json_string(g->protocol));
    json_object_set_new_nocheck(o, "instrument", json_string(g->instrument));
    json_object_set_new_nocheck(o, "n", json_integer(c->n));
    for (size_t i = 0; i < ARRAY_SIZE(CELL_MEASURES); i++) {
        const char *at = (const char *)c + CELL_MEASURES[i].offset;
        json_object_set_new_nocheck(
            o, CELL_MEASURES[i].key,
            CELL_MEASURES[i].interval
                ? interval_json(*(const struct stats_interval *)at)
                : report_number(*(const double *)at));
    }
    json_object_set_new_nocheck(o, "funnel",
                        c->has_limits
                            ? json_string(funnel_position_name(c->position))
                            : json_null());
    json_object_set_new_nocheck(o, "shrunken", report_number(c->shrunken));
    json_object_set_new_nocheck(o, "designation",
                        json_string(designation_name(c->designation)));
}

json_t *report_cell_json(const struct bench_group *g,
                         const struct bench_cell *c)
{
    json_t *o = json_object();
    cell_members(o, g, c);
    return o;
}

json_t *report_criteria_json(const struct bench_cell *c)
{
    json_t *a = json_array();
    for (int i = 0; i < CRITERION_COUNT; i++) {
        const struct criterion *cr = &c->criteria[i];
        json_array_append_new(
            a, json_pack("{s:s?,s:s?,s:s,s:o,s:o,s:b}", "name", cr->name,
                         "criterion", cr->text, "designation",
                         designation_name(cr->level), "required",
                         report_number(cr->required), "observed",
                         report_number(cr->observed), "met", cr->met));
    }
    return a;
}

/* Sets the members of cell c's incomplete episodes in o, in the report's
 * order; 0 when it has none (o unchanged). */
static int incomplete_members(json_t *o, const struct bench_group *g,
                              const struct bench_cell *c)
{
    long total = 0;
    for (int r = 1; r < SUMMARY_REASON_COUNT; r++)
        total += c->incomplete[r];
    if (total == 0)
        return 0;
    json_object_set_new_nocheck(o, "protocol", json_string(g->protocol));
    json_object_set_new_nocheck(o, "instrument", json_string(g->instrument));
    json_object_set_new_nocheck(o, "total", json_integer(total));
    for (int r = 1; r < SUMMARY_REASON_COUNT; r++)
        json_object_set_new_nocheck(
            o, summary_reason_name((enum summary_reason)r),
            json_integer(c->incomplete[r]));
    return 1;
}

json_t *report_incomplete_json(const struct bench_group *g,
                               const struct bench_cell *c)
{
    json_t *o = json_object();
    if (!incomplete_members(o, g, c)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Notes on a group that explain missing numbers or designations: their
 * texts into out (the first may be written into first), their number
 * returned. */
static size_t group_note_texts(const struct bench_group *g,
                               char first[256], const char *out[3])
{
    size_t n = 0;
    if (!g->inst) {
        snprintf(first, 256, "'%s' is not an instrument of the catalog: no "
                 "direction or MCID, so no outcome is computed",
                 g->instrument);
        out[n++] = first;
    } else if (!g->inst->has_absolute && !g->inst->has_relative) {
        snprintf(first, 256, "%s has no published MCID: no responder "
                 "label, sessions to response or sustained rate, and the "
                 "cell is never designated", g->instrument);
        out[n++] = first;
    }
    if (g->model.note[0])
        out[n++] = g->model.note;
    if (g->model.funnel_note[0])
        out[n++] = g->model.funnel_note;
    return n;
}

static json_t *group_notes(const struct bench_group *g)
{
    char first[256];
    const char *texts[3];
    size_t n = group_note_texts(g, first, texts);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(texts[i]));
    return a;
}

/* ---- episode ---------------------------------------------------------- */

json_t *report_column(struct stmt *st, int col, enum report_column_kind kind)
{
    if (stmt_is_null(st, col))
        return json_null();
    switch (kind) {
    case REPORT_COLUMN_REAL:
        return json_real(stmt_double(st, col));
    case REPORT_COLUMN_INT:
        return json_integer(stmt_int(st, col));
    case REPORT_COLUMN_BOOL:
        return json_boolean(stmt_int(st, col) == 1);
    }
    BUG("report_column: kind %d", (int)kind);
}

void report_set_outcome_columns(json_t *o, struct stmt *st, int first)
{
    static const struct {
        const char *name;
        enum report_column_kind kind;
    } columns[] = {
        {"baseline", REPORT_COLUMN_REAL},
        {"discharge", REPORT_COLUMN_REAL},
        {"followup", REPORT_COLUMN_REAL},
        {"followup_days", REPORT_COLUMN_INT},
        {"improvement", REPORT_COLUMN_REAL},
        {"responder", REPORT_COLUMN_BOOL},
        {"sessions_to_response", REPORT_COLUMN_INT},
        {"response_event", REPORT_COLUMN_BOOL},
        {"sustained", REPORT_COLUMN_BOOL},
    };
    for (size_t i = 0; i < ARRAY_SIZE(columns); i++)
        json_object_set_new(o, columns[i].name,
                            report_column(st, first + (int)i,
                                          columns[i].kind));
}

static json_t *episode_outcome_row(struct stmt *st)
{
    const char *code = stmt_text(st, 0);
    const struct instrument *in = instrument_find(code);
    json_t *o = json_object();
    json_object_set_new(o, "instrument", json_string(code));
    json_object_set_new(o, "name", in ? json_string(in->name) : json_null());
    json_object_set_new(o, "role", json_string(stmt_text(st, 1)));
    json_object_set_new(
        o, "direction",
        in ? json_string(instrument_direction_name(in->direction))
           : json_null());
    json_object_set_new(o, "mcid",
                        in ? catalog_json_mcid_sourced(in) : json_null());
    report_set_outcome_columns(o, st, 2);
    json_object_set_new(o, "has_followup",
                        json_boolean(stmt_int(st, 11) == 1));
    int complete = stmt_int(st, 12) == 1;
    json_object_set_new(o, "complete", json_boolean(complete));
    json_object_set_new(o, "incomplete_reason",
                        optional_string(stmt_text(st, 13)));
    json_t *notes = json_array();
    if (!in)
        json_array_append_new(
            notes, json_sprintf("'%s' is not an instrument of the catalog: "
                                "no direction or MCID",
                                code));
    else if (!in->has_absolute && !in->has_relative)
        json_array_append_new(
            notes, json_sprintf("%s has no published MCID: responder "
                                "status unknown",
                                code));
    if (complete && !stmt_int(st, 11))
        json_array_append_new(
            notes, json_sprintf("no follow-up %d days or more after "
                                "discharge",
                                SUMMARY_FOLLOWUP_MIN_DAYS));
    json_object_set_new(o, "notes", notes);
    return o;
}

json_t *report_episode_json(struct store *s, const struct actor *caller,
                            int64_t episode_id, struct err *e)
{
    if (store_begin(s, e) < 0)
        return NULL;
    int64_t patient = 0;
    if (access_episode(s, caller, episode_id, 0, "id", &patient, e) < 0) {
        report_refused(s, caller, "episode_outcome", episode_id);
        return NULL;
    }
    struct stmt *st = store_prepare(
        s, "SELECT e.patient_id, e.practitioner_id, e.protocol_id, e.icd10,"
           " e.started_on, e.ended_on, (SELECT count(*) FROM session se"
           " WHERE se.episode_id = e.id) FROM episode e WHERE e.id = :id");
    stmt_bind_int(st, ":id", episode_id);
    json_t *doc = NULL;
    int rc = stmt_step(st, e);
    if (rc == 1)
        doc = json_pack(
            "{s{sIsIsIsssssssosI}}", "episode", "id", (json_int_t)episode_id,
            "patient_id", (json_int_t)stmt_int(st, 0), "practitioner_id",
            (json_int_t)stmt_int(st, 1), "protocol", stmt_text(st, 2),
            "icd10", stmt_text(st, 3), "started_on", stmt_text(st, 4),
            "ended_on", optional_string(stmt_text(st, 5)), "sessions",
            (json_int_t)stmt_int(st, 6));
    stmt_finalize(st);
    if (rc == 0)
        rc = err_set(e, ERR_NOT_FOUND, "id", "no episode %lld",
                     (long long)episode_id);
    if (rc == 1) {
        rc = 0;
        json_t *outcomes = json_array();
        json_object_set_new(doc, "outcomes", outcomes);
        st = store_prepare(
            s, "SELECT instrument, role, baseline, discharge, followup,"
               " followup_days, improvement, responder, sessions_to_response,"
               " response_event, sustained, has_followup, complete,"
               " incomplete_reason FROM episode_summary"
               " WHERE episode_id = :id ORDER BY CASE role WHEN 'primary'"
               " THEN 0 WHEN 'secondary' THEN 1 ELSE 2 END, instrument");
        stmt_bind_int(st, ":id", episode_id);
        int step;
        while ((step = stmt_step(st, e)) == 1)
            json_array_append_new(outcomes, episode_outcome_row(st));
        stmt_finalize(st);
        if (step < 0)
            rc = -1;
    }
    if (report_finish(s, caller, rc, "episode_outcome", episode_id, patient,
                      e) < 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- practitioner ----------------------------------------------------- */

int report_practitioner_identity(struct store *s, int64_t id,
                                 const char *field, char *name, size_t size,
                                 char *license, size_t lsize, struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT name, license FROM practitioner WHERE id = :id");
    stmt_bind_int(st, ":id", id);
    int rc = stmt_step(st, e);
    if (rc == 1) {
        snprintf(name, size, "%s", stmt_text(st, 0));
        if (license)
            snprintf(license, lsize, "%s", stmt_text(st, 1));
    }
    stmt_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, field, "no practitioner %lld",
                       (long long)id);
    return rc < 0 ? -1 : 0;
}

/* One group's share of a practitioner's document: its entry in each of
 * the document's lists, NULL where it has none. */
struct report_part {
    json_t *clinic, *incomplete, *cell, *designation, *model;
};

#define PART_MEMBERS 5

static json_t **part_member(struct report_part *p, int i)
{
    json_t **m[PART_MEMBERS] = {&p->clinic, &p->incomplete, &p->cell,
                                &p->designation, &p->model};
    return m[i];
}

static void part_release(struct report_part *p)
{
    for (int i = 0; i < PART_MEMBERS; i++) {
        json_decref(*part_member(p, i));
        *part_member(p, i) = NULL;
    }
}

/* A new reference to each member of from, in to. */
static void part_share(struct report_part *to, struct report_part *from)
{
    for (int i = 0; i < PART_MEMBERS; i++)
        *part_member(to, i) = json_incref(*part_member(from, i));
}

/* What the practitioner's cell of group g adds to the document. */
static void part_of(const struct bench_group *g, int64_t practitioner_id,
                    struct report_part *p)
{
    memset(p, 0, sizeof(*p));
    const struct bench_cell *c = bench_group_cell(g, practitioner_id);
    if (!c)
        return;
    p->clinic = json_pack("{sssssIso}", "protocol", g->protocol,
                          "instrument", g->instrument, "n_complete",
                          (json_int_t)g->model.n_complete,
                          "mean_improvement",
                          report_number(g->model.mean_improvement));
    p->incomplete = report_incomplete_json(g, c);
    if (c->n == 0)
        return;
    p->cell = report_cell_json(g, c);
    p->designation = json_pack(
        "{sssssssoso}", "protocol", g->protocol, "instrument", g->instrument,
        "designation", designation_name(c->designation), "criteria",
        report_criteria_json(c), "notes", group_notes(g));
    const struct bench_model *m = &g->model;
    p->model = json_pack(
        "{sssssbsIsoso}", "protocol", g->protocol, "instrument",
        g->instrument, "adjusted", m->adjusted, "n",
        (json_int_t)(m->adjusted ? m->n_risk : m->n_complete), "r2",
        m->adjusted ? report_number(m->fit.r2) : json_null(), "note",
        optional_string(m->note));
}

/* A part kept for a practitioner and a group at a generation, under the
 * thresholds it was computed with (the group's model is cached by the
 * same key, record/summary.h raises the generation at every change of
 * the group's summaries, and the catalog does not change in a process). */
struct kept_part {
    int used;
    int64_t practitioner_id, group_id, generation;
    struct thresholds t;
    struct report_part part;
};

struct report_parts {
    pthread_mutex_t lock;
    struct kept_part *slots;
    size_t size;
    long reused, computed;
};

struct report_parts *report_parts_new(size_t slots)
{
    struct report_parts *k = xcalloc(1, sizeof(*k));
    pthread_mutex_init(&k->lock, NULL);
    k->size = slots ? slots : 1;
    k->slots = xcalloc(k->size, sizeof(*k->slots));
    return k;
}

void report_parts_free(struct report_parts *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->size; i++)
        part_release(&k->slots[i].part);
    free(k->slots);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

void report_parts_counts(struct report_parts *k, long *reused,
                         long *computed)
{
    pthread_mutex_lock(&k->lock);
    *reused = k->reused;
    *computed = k->computed;
    pthread_mutex_unlock(&k->lock);
}

static struct kept_part *kept_slot(struct report_parts *k,
                                   int64_t practitioner_id, int64_t group_id)
{
    uint64_t h = ((uint64_t)practitioner_id * 0x9E3779B97F4A7C15ULL) ^
                 ((uint64_t)group_id * 0xC2B2AE3D27D4EB4FULL);
    return &k->slots[(h ^ (h >> 29)) % k->size];
}

/* The parts a report found kept (skipped groups), by group id, and the
 * follow-up coverage fed from the rows read for the cells. */
struct found_parts {
    struct report_parts *kept;
    struct coverage_followup *followup;
    int64_t practitioner_id;
    const struct thresholds *t;
    int64_t *group_ids;
    struct report_part *parts;
    size_t count, alloc;
};

/* benchmark_practitioner_skip()'s skip: 1 when the group's part is kept
 * for its generation (a new reference taken into found). */
static int part_found(void *ctx, const struct bench_group *g)
{
    struct found_parts *f = ctx;
    struct report_parts *k = f->kept;
    pthread_mutex_lock(&k->lock);
    struct kept_part *kp = kept_slot(k, f->practitioner_id, g->id);
    int hit = kp->used && kp->practitioner_id == f->practitioner_id &&
              kp->group_id == g->id && kp->generation == g->generation &&
              !memcmp(&kp->t, f->t, sizeof(kp->t));
    if (hit) {
        ALLOC_GROW(f->group_ids, f->count + 1, f->alloc);
        f->parts = xreallocarray(f->parts, f->alloc, sizeof(*f->parts));
        f->group_ids[f->count] = g->id;
        part_share(&f->parts[f->count++], &kp->part);
        k->reused++;
    } else {
        k->computed++;
    }
    pthread_mutex_unlock(&k->lock);
    return hit;
}

/* Keeps a computed part for the group at its generation. */
static void part_keep(struct found_parts *f, const struct bench_group *g,
                      struct report_part *p)
{
    struct report_part old;
    pthread_mutex_lock(&f->kept->lock);
    struct kept_part *kp = kept_slot(f->kept, f->practitioner_id, g->id);
    old = kp->part;
    kp->used = 1;
    kp->practitioner_id = f->practitioner_id;
    kp->group_id = g->id;
    kp->generation = g->generation;
    kp->t = *f->t;
    part_share(&kp->part, p);
    pthread_mutex_unlock(&f->kept->lock);
    part_release(&old);
}

/* benchmark_practitioner_skip()'s row: the coverage's too. */
static int part_row(void *ctx, const struct bench_group *g,
                    int64_t episode_id, int64_t code, struct err *e)
{
    struct found_parts *f = ctx;
    return coverage_followup_add(f->followup, g->protocol, episode_id, code,
                                 e);
}

static struct report_part *part_kept(struct found_parts *f, int64_t group_id)
{
    for (size_t i = 0; i < f->count; i++)
        if (f->group_ids[i] == group_id)
            return &f->parts[i];
    BUG("group %lld was skipped but has no kept part", (long long)group_id);
}

json_t *report_practitioner_json(struct store *s, const struct actor *caller,
                                 int64_t practitioner_id,
                                 const char *protocol, struct err *e)
{
    return report_practitioner_json_kept(s, caller, practitioner_id,
                                         protocol, NULL, e);
}

json_t *report_practitioner_json_kept(struct store *s,
                                      const struct actor *caller,
                                      int64_t practitioner_id,
                                      const char *protocol,
                                      struct report_parts *kept,
                                      struct err *e)
{
    if (protocol && validate_slug(protocol, "protocol", e) < 0)
        return NULL;
    if (report_may_read(s, caller, practitioner_id, "id",
                        "practitioner_outcome", "outcome report", e) < 0)
        return NULL;
    if (store_begin(s, e) < 0)
        return NULL;
    char name[RECORD_NAME_MAX + 1];
    struct thresholds t;
    if (report_practitioner_identity(s, practitioner_id, "id", name,
                                     sizeof(name), NULL, 0, e) < 0 ||
        thresholds_load(s, &t, e) < 0) {
        store_rollback(s);
        return NULL;
    }
    struct benchmark b;
    /* The coverage is of every protocol: it shares the cells' rows only
     * when they are every protocol's. */
    struct found_parts found = {
        .kept = kept,
        .followup = protocol ? NULL : coverage_followup_new(s),
        .practitioner_id = practitioner_id,
        .t = &t};
    if (benchmark_practitioner_skip(s, practitioner_id, protocol, &t,
                                    kept ? part_found : NULL,
                                    found.followup ? part_row : NULL, &found,
                                    &b, e) < 0) {
        for (size_t i = 0; i < found.count; i++)
            part_release(&found.parts[i]);
        free(found.parts);
        free(found.group_ids);
        coverage_followup_free(found.followup);
        store_rollback(s);
        return NULL;
    }
    /* Each list of the document, in the order of part members. */
    json_t *lists[PART_MEMBERS];
    for (int i = 0; i < PART_MEMBERS; i++)
        lists[i] = json_array();
    for (size_t gi = 0; gi < b.count; gi++) {
        const struct bench_group *g = &b.groups[gi];
        struct report_part computed, *p = &computed;
        if (g->skipped) {
            p = part_kept(&found, g->id);
        } else {
            part_of(g, practitioner_id, &computed);
            if (kept)
                part_keep(&found, g, &computed);
        }
        for (int i = 0; i < PART_MEMBERS; i++)
            if (*part_member(p, i))
                json_array_append(lists[i], *part_member(p, i));
        if (p == &computed)
            part_release(&computed);
    }
    benchmark_release(&b);
    for (size_t i = 0; i < found.count; i++)
        part_release(&found.parts[i]);
    free(found.parts);
    free(found.group_ids);
    json_t *national = national_compare(s, lists[2], lists[0]);
    json_decref(lists[0]);
    json_t *coverage =
        found.followup ? coverage_practitioner_json_rows(s, practitioner_id,
                                                         found.followup, e)
                       : coverage_practitioner_json(s, practitioner_id, e);
    coverage_followup_free(found.followup);
    json_t *doc = json_pack(
        "{s{sIss}sososososososo}", "practitioner", "id",
        (json_int_t)practitioner_id, "name", name, "protocol",
        optional_string(protocol), "thresholds", thresholds_to_json(&t),
        "cells", lists[2], "incomplete", lists[1], "designations", lists[3],
        "models", lists[4], "national", national);
    if (coverage)
        json_object_set_new(doc, "coverage", coverage);
    if (report_finish(s, caller, coverage ? 0 : -1, "practitioner_outcome",
                      practitioner_id, 0, e) < 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- registry --------------------------------------------------------- */

/* The stable anonymous labels (table practitioner_label), read once for
 * a report. */
struct labels {
    int64_t *ids;   /* ascending */
    char (*text)[16];
    size_t count, alloc;
};

static int labels_load(struct store *s, struct labels *l, struct err *e)
{
    memset(l, 0, sizeof(*l));
    struct stmt *st = store_prepare(
        s, "SELECT practitioner_id, label FROM practitioner_label"
           " ORDER BY practitioner_id");
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        size_t had = l->alloc;
        ALLOC_GROW(l->ids, l->count + 1, l->alloc);
        if (l->alloc != had) /* text runs beside ids */
            l->text = xreallocarray(l->text, l->alloc, sizeof(*l->text));
        l->ids[l->count] = stmt_int(st, 0);
        snprintf(l->text[l->count], sizeof(l->text[0]), "%s",
                 stmt_text(st, 1));
        l->count++;
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

static void labels_release(struct labels *l)
{
    free(l->ids);
    free(l->text);
    memset(l, 0, sizeof(*l));
}

static const char *labels_find(const struct labels *l, int64_t id)
{
    size_t lo = 0, hi = l->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->ids[mid] < id)
            lo = mid + 1;
        else if (l->ids[mid] > id)
            hi = mid;
        else
            return l->text[mid];
    }
    return NULL;
}

/* The practitioner's stable anonymous label, created when missing. */
static int practitioner_label(struct store *s, const struct labels *known,
                              int64_t id, char out[16], struct err *e)
{
    const char *have = labels_find(known, id);
    if (have) {
        snprintf(out, 16, "%s", have);
        return 0;
    }
    struct stmt *st = store_prepare(
        s, "SELECT label FROM practitioner_label WHERE practitioner_id = :id");
    stmt_bind_int(st, ":id", id);
    int rc = stmt_step(st, e);
    if (rc == 1)
        snprintf(out, 16, "%s", stmt_text(st, 0));
    stmt_finalize(st);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (sodium_init() < 0)
        die("libsodium failed to initialise");
    for (;;) {
        unsigned char raw[4];
        char hex[9];
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
        snprintf(out, 16, "peer-%s", hex);
        st = store_prepare(s, "SELECT count(*) FROM practitioner_label"
                              " WHERE label = :label");
        stmt_bind_text(st, ":label", out);
        rc = stmt_step(st, e);
        int64_t taken = rc == 1 ? stmt_int(st, 0) : 0;
        stmt_finalize(st);
        if (rc < 0)
            return -1;
        if (!taken)
            break;
    }
    st = store_prepare(s, "INSERT INTO practitioner_label (practitioner_id,"
                          " label) VALUES (:id, :label)");
    stmt_bind_int(st, ":id", id);
    stmt_bind_text(st, ":label", out);
    return stmt_run(st, e);
}

/* A registry document's entry being written: its members are written
 * null, all but the kept ones, when it is withheld (disclosure.h). */
struct entry_out {
    struct json_out o;
    int withheld;
};

static void put_int(struct entry_out *w, const char *key, long long v)
{
    json_out_key(&w->o, key);
    if (w->withheld)
        json_out_literal(&w->o, "null");
    else
        json_out_int(&w->o, v);
}

static void put_real(struct entry_out *w, const char *key, double v)
{
    json_out_key(&w->o, key);
    json_out_real(&w->o, w->withheld ? NAN : v);
}

/* A string member (s NULL or empty: null). */
static void put_text(struct entry_out *w, const char *key, const char *s)
{
    json_out_key(&w->o, key);
    json_out_string(&w->o, w->withheld || !s || !*s ? NULL : s);
}

/* Opens a container member, or writes it null (withheld, or with open
 * 0); returns whether it was opened. */
static int put_open(struct entry_out *w, const char *key, char bracket,
                    int open)
{
    json_out_key(&w->o, key);
    if (w->withheld || !open) {
        json_out_literal(&w->o, "null");
        return 0;
    }
    json_out_open(&w->o, bracket);
    return 1;
}

/* An item of an open array: a real. */
static void item_real(struct entry_out *w, double v)
{
    json_out_item(&w->o);
    json_out_real(&w->o, v);
}

/* Ends an entry: its "suppressed" member and its closing brace. */
static void entry_close(struct entry_out *w)
{
    json_out_key(&w->o, "suppressed");
    json_out_literal(&w->o, w->withheld ? "true" : "false");
    json_out_close(&w->o, '}');
}

/* Opens an entry of a group: the members kept when it is withheld. With
 * label set (a cell's entries) "practitioner" (id shown, or null) and
 * "label" first. */
static void entry_open(struct entry_out *w, const struct bench_group *g,
                       const char *label, int64_t shown_id)
{
    json_out_open(&w->o, '{');
    if (label) {
        json_out_key(&w->o, "practitioner");
        if (shown_id)
            json_out_int(&w->o, shown_id);
        else
            json_out_literal(&w->o, "null");
        json_out_key(&w->o, "label");
        json_out_string(&w->o, label);
    }
    json_out_key(&w->o, "protocol");
    json_out_string(&w->o, g->protocol);
    json_out_key(&w->o, "instrument");
    json_out_string(&w->o, g->instrument);
}

/* A term of the model: {"term", "estimate", "se"}. */
static void term_text(struct entry_out *w, const char *term, double estimate,
                      double se)
{
    json_out_item(&w->o);
    json_out_open(&w->o, '{');
    put_text(w, "term", term);
    put_real(w, "estimate", estimate);
    put_real(w, "se", se);
    json_out_close(&w->o, '}');
}

/* Group g's model (report_registry_json's "models" entry). */
static void model_text(struct entry_out *w, const struct bench_group *g)
{
    const struct bench_model *m = &g->model;
    entry_open(w, g, NULL, 0);
    put_int(w, "n_complete", m->n_complete);
    put_int(w, "n", m->adjusted ? m->n_risk : m->n_complete);
    json_out_key(&w->o, "adjusted");
    json_out_literal(&w->o, w->withheld ? "null"
                            : m->adjusted ? "true" : "false");
    if (put_open(w, "terms", '[', 1)) {
        if (m->adjusted) {
            term_text(w, "(intercept)", m->fit.intercept,
                      m->fit.intercept_se);
            for (int j = 0; j < PREDICTOR_COUNT; j++)
                if (m->fit.used[j])
                    term_text(w,
                              bench_predictor_name((enum bench_predictor)j),
                              m->fit.coef[j], m->fit.se[j]);
        } else if (m->n_complete > 0) {
            /* Unadjusted: the intercept alone is the mean. */
            term_text(w, "(intercept)", m->mean_improvement,
                      m->n_complete > 1 ? m->sd_improvement /
                                              sqrt((double)m->n_complete)
                                        : NAN);
        }
        json_out_close(&w->o, ']');
    }
    put_real(w, "r2", m->adjusted ? m->fit.r2 : NAN);
    put_real(w, "adj_r2", m->adjusted ? m->fit.adj_r2 : NAN);
    put_real(w, "sigma", m->sigma);
    put_text(w, "sex_reference",
             m->adjusted ? bench_predictor_name(m->sex_reference) + 4
                         : NULL);
    put_real(w, "mean_improvement", m->mean_improvement);
    put_real(w, "sd_improvement", m->sd_improvement);
    put_text(w, "note", m->note);
    if (put_open(w, "funnel", '{', 1)) {
        put_int(w, "cells", (long long)m->funnel_cells);
        put_real(w, "phi", m->funnel_cells > 1 ? m->phi : NAN);
        put_real(w, "tau2", m->funnel_cells > 1 ? m->tau2 : NAN);
        put_text(w, "note", m->funnel_note);
        json_out_close(&w->o, '}');
    }
    if (put_open(w, "shrinkage", '{', 1)) {
        put_real(w, "tau2", m->shrink_tau2);
        put_real(w, "mu", m->shrink_mu);
        json_out_close(&w->o, '}');
    }
    if (put_open(w, "notes", '[', 1)) {
        char first[256];
        const char *texts[3];
        size_t n = group_note_texts(g, first, texts);
        for (size_t i = 0; i < n; i++) {
            json_out_item(&w->o);
            json_out_string(&w->o, texts[i]);
        }
        json_out_close(&w->o, ']');
    }
    entry_close(w);
}

/* Cell c of group g (a "cells" entry), named label. */
static void cell_text(struct entry_out *w, const struct bench_group *g,
                      const struct bench_cell *c, const char *label,
                      int show)
{
    entry_open(w, g, label, show ? c->practitioner_id : 0);
    put_int(w, "n", c->n);
    for (size_t i = 0; i < ARRAY_SIZE(CELL_MEASURES); i++) {
        const char *at = (const char *)c + CELL_MEASURES[i].offset;
        if (!CELL_MEASURES[i].interval) {
            put_real(w, CELL_MEASURES[i].key, *(const double *)at);
            continue;
        }
        const struct stats_interval *ci = (const struct stats_interval *)at;
        if (put_open(w, CELL_MEASURES[i].key, '[',
                     isfinite(ci->lower) && isfinite(ci->upper))) {
            item_real(w, ci->lower);
            item_real(w, ci->upper);
            json_out_close(&w->o, ']');
        }
    }
    put_text(w, "funnel",
             c->has_limits ? funnel_position_name(c->position) : NULL);
    put_real(w, "shrunken", c->shrunken);
    put_text(w, "designation", designation_name(c->designation));
    put_int(w, "n_adjusted", c->n_adjusted);
    put_real(w, "se", c->se);
    if (put_open(w, "funnel_limits", '{', c->has_limits)) {
        /* A limit that is not finite has no member (as jansson's
         * json_real() refuses it). */
        const struct {
            const char *key;
            double v;
        } limits[] = {{"lower998", c->limits.lower998},
                      {"lower95", c->limits.lower95},
                      {"upper95", c->limits.upper95},
                      {"upper998", c->limits.upper998}};
        for (size_t i = 0; i < ARRAY_SIZE(limits); i++)
            if (isfinite(limits[i].v))
                put_real(w, limits[i].key, limits[i].v);
        json_out_close(&w->o, '}');
    }
    entry_close(w);
}

/* Incomplete episodes of cell c (an "incomplete" entry), named label. */
static void incomplete_text(struct entry_out *w, const struct bench_group *g,
                            const struct bench_cell *c, const char *label,
                            int show, long total)
{
    entry_open(w, g, label, show ? c->practitioner_id : 0);
    put_int(w, "total", total);
    for (int r = 1; r < SUMMARY_REASON_COUNT; r++)
        put_int(w, summary_reason_name((enum summary_reason)r),
                c->incomplete[r]);
    entry_close(w);
}

static long incomplete_total(const struct bench_cell *c)
{
    long total = 0;
    for (int r = 1; r < SUMMARY_REASON_COUNT; r++)
        total += c->incomplete[r];
    return total;
}

/* How a registry document names each cell: its label (into out), and
 * whether its practitioner id is shown. */
struct registry_naming {
    int (*label)(void *ctx, int64_t id, char out[16], struct err *e);
    int (*show)(void *ctx, int64_t id);
    void *ctx;
};

void report_registry_part_init(struct report_registry_part *p)
{
    memset(p, 0, sizeof(*p));
    buf_init(&p->model, 0);
    buf_init(&p->cells, 0);
    buf_init(&p->incomplete, 0);
}

void report_registry_part_release(struct report_registry_part *p)
{
    buf_release(&p->model);
    buf_release(&p->cells);
    buf_release(&p->incomplete);
    p->cell_count = p->incomplete_count = 0;
}

/* Starts the next item of a part's array (at depth 2): a separator
 * after the first. */
static void part_item(struct entry_out *w, struct buf *b, size_t *count,
                      size_t flags)
{
    if ((*count)++) {
        buf_putc(b, ',');
        json_write_newline(b, flags, 2, 1);
    }
    json_out_init(&w->o, b, flags, 2);
}

/* Writes group g's part: each cell named, the disclosure decisions taken
 * on the counts (disclosure_decide_group() with min_cell), then the
 * text. Returns 0, or -1 with e when a cell cannot be named or the text
 * cannot be written. */
static int part_write(const struct bench_group *g,
                      const struct registry_naming *naming, int min_cell,
                      size_t flags, struct report_registry_part *p,
                      struct err *e)
{
    size_t n = g->cell_count;
    char (*labels)[16] = xreallocarray(NULL, n ? n : 1, sizeof(*labels));
    unsigned char *shown = xcalloc(n ? n : 1, 1);
    struct disclosure_entry *cells = xcalloc(n ? n : 1, sizeof(*cells));
    struct disclosure_entry *incomplete =
        xcalloc(n ? n : 1, sizeof(*incomplete));
    size_t ncells = 0, nincomplete = 0;
    int rc = 0;
    for (size_t ci = 0; ci < n; ci++) {
        const struct bench_cell *c = &g->cells[ci];
        if ((rc = naming->label(naming->ctx, c->practitioner_id, labels[ci],
                                e)) < 0)
            break;
        shown[ci] = (unsigned char)naming->show(naming->ctx,
                                                c->practitioner_id);
        long total = incomplete_total(c);
        if (total)
            incomplete[nincomplete++] =
                (struct disclosure_entry){total, !shown[ci], 0};
        if (c->n > 0)
            cells[ncells++] = (struct disclosure_entry){c->n, !shown[ci], 0};
    }
    if (rc == 0) {
        int model_withheld = 0;
        disclosure_decide_group(cells, ncells, incomplete, nincomplete,
                                g->model.n_complete, min_cell,
                                &model_withheld);
        struct entry_out w = {.withheld = model_withheld};
        json_out_init(&w.o, &p->model, flags, 2);
        model_text(&w, g);
        int failed = w.o.failed;
        size_t at_cell = 0, at_incomplete = 0;
        for (size_t ci = 0; ci < n; ci++) {
            const struct bench_cell *c = &g->cells[ci];
            long total = incomplete_total(c);
            if (total) {
                part_item(&w, &p->incomplete, &p->incomplete_count, flags);
                w.withheld = incomplete[at_incomplete++].withheld;
                incomplete_text(&w, g, c, labels[ci], shown[ci], total);
                failed |= w.o.failed;
            }
            if (c->n > 0) {
                part_item(&w, &p->cells, &p->cell_count, flags);
                w.withheld = cells[at_cell++].withheld;
                cell_text(&w, g, c, labels[ci], shown[ci]);
                failed |= w.o.failed;
            }
        }
        if (failed)
            rc = err_set(e, ERR_FAIL, "document", "cannot be written as "
                         "JSON");
    }
    free(labels);
    free(shown);
    free(cells);
    free(incomplete);
    return rc;
}

/* Appends member name: the array whose items are the parts' texts (at
 * offset in each part, a struct buf), to o's buffer, or through it to f. */
static void parts_member(struct json_out *o, const char *name,
                         const struct report_registry_part *parts,
                         size_t count, size_t offset, FILE *f)
{
    json_out_key(o, name);
    json_out_open(o, '[');
    for (size_t i = 0; i < count && !o->failed; i++) {
        const struct buf *items =
            (const struct buf *)((const char *)&parts[i] + offset);
        if (!items->len)
            continue;
        json_out_item(o);
        if (!f) {
            if (buf_add(o->b, items->data, items->len) < 0)
                o->failed = 1;
        } else if (fwrite(o->b->data, 1, o->b->len, f) != o->b->len ||
                   fwrite(items->data, 1, items->len, f) != items->len) {
            o->failed = 1;
        } else {
            buf_reset(o->b);
        }
    }
    json_out_close(o, ']');
}

int report_registry_document_write(const struct thresholds *t,
                                   const char *protocol,
                                   const char *instrument,
                                   const struct report_registry_part *parts,
                                   size_t count, const char *extra_name,
                                   const json_t *extra, size_t flags,
                                   struct buf *out, FILE *f)
{
    struct json_out o;
    json_out_init(&o, out, flags, 0);
    json_out_open(&o, '{');
    json_out_key(&o, "protocol");
    json_out_string(&o, protocol && *protocol ? protocol : NULL);
    json_out_key(&o, "instrument");
    json_out_string(&o, instrument && *instrument ? instrument : NULL);
    json_t *thresholds = thresholds_to_json(t);
    json_out_key(&o, "thresholds");
    json_out_value(&o, thresholds);
    json_decref(thresholds);
    parts_member(&o, "models", parts, count,
                 offsetof(struct report_registry_part, model), f);
    parts_member(&o, "cells", parts, count,
                 offsetof(struct report_registry_part, cells), f);
    parts_member(&o, "incomplete", parts, count,
                 offsetof(struct report_registry_part, incomplete), f);
    if (extra_name) {
        json_out_key(&o, extra_name);
        json_out_value(&o, extra);
    }
    json_out_close(&o, '}');
    if (f && !o.failed && fwrite(out->data, 1, out->len, f) != out->len)
        o.failed = 1;
    if (f)
        buf_reset(out);
    return o.failed ? -1 : 0;
}

/* The clinic's naming: stable labels from the store, ids to admins and
 * to the therapist whose cell it is. */
struct clinic_naming {
    struct store *s;
    const struct labels *known;
    const struct actor *caller;
};

static int clinic_show(void *ctx, int64_t id)
{
    struct clinic_naming *n = ctx;
    return access_is_admin(n->caller) ||
           (n->caller->role == ROLE_THERAPIST &&
            n->caller->practitioner_id == id);
}

/* The clinic's naming once every label exists: labels found, never
 * created, so that groups may be written on several threads. */
static int clinic_label_known(void *ctx, int64_t id, char out[16],
                              struct err *e)
{
    struct clinic_naming *n = ctx;
    const char *have = labels_find(n->known, id);
    if (!have)
        return err_set(e, ERR_FAIL, "", "practitioner %lld has no label",
                       (long long)id);
    snprintf(out, 16, "%s", have);
    return 0;
}

/* Creates the label of every cell's practitioner that has none, then
 * reads them all again into known. */
static int labels_complete(struct store *s, const struct benchmark *b,
                           struct labels *known, struct err *e)
{
    int created = 0;
    for (size_t g = 0; g < b->count; g++)
        for (size_t c = 0; c < b->groups[g].cell_count; c++) {
            int64_t id = b->groups[g].cells[c].practitioner_id;
            if (labels_find(known, id))
                continue;
            char out[16];
            if (practitioner_label(s, known, id, out, e) < 0)
                return -1;
            created = 1;
        }
    if (!created)
        return 0;
    labels_release(known);
    return labels_load(s, known, e);
}

/* What the groups' parts are written from, on several threads. */
struct parts_work {
    const struct benchmark *b;
    const struct registry_naming *naming;
    size_t flags;
    struct report_registry_part *parts;
};

/* Job g (core/jobs.h): group g's part. */
static int part_job(void *ctx, size_t g, struct err *e)
{
    struct parts_work *w = ctx;
    return part_write(&w->b->groups[g], w->naming, DISCLOSURE_MIN_CELL,
                      w->flags, &w->parts[g], e);
}

/* Writes every group's part, on the calling thread and one more a core
 * (at most 4 in all). Returns 0, or -1 with the first group's error. */
static int parts_write_all(const struct benchmark *b,
                           const struct registry_naming *naming,
                           size_t flags, struct report_registry_part *parts,
                           struct err *e)
{
    struct parts_work w = {.b = b, .naming = naming, .flags = flags,
                           .parts = parts};
    return jobs_run(part_job, &w, b->count, 4, e);
}

int report_registry_text(struct store *s, const struct actor *caller,
                         const char *protocol, const char *instrument,
                         size_t flags, struct buf *out, FILE *f,
                         struct err *e)
{
    if ((protocol && validate_slug(protocol, "protocol", e) < 0) ||
        (instrument && validate_slug(instrument, "instrument", e) < 0))
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    struct thresholds t;
    struct benchmark b;
    struct labels known;
    if (thresholds_load(s, &t, e) < 0 ||
        benchmark_run(s, protocol, instrument, &t, &b, e) < 0) {
        store_rollback(s);
        return -1;
    }
    if (labels_load(s, &known, e) < 0) {
        benchmark_release(&b);
        store_rollback(s);
        return -1;
    }
    struct clinic_naming cn = {s, &known, caller};
    struct registry_naming naming = {clinic_label_known, clinic_show, &cn};
    struct report_registry_part *parts =
        xcalloc(b.count ? b.count : 1, sizeof(*parts));
    for (size_t g = 0; g < b.count; g++)
        report_registry_part_init(&parts[g]);
    int rc = labels_complete(s, &b, &known, e);
    if (rc == 0)
        rc = parts_write_all(&b, &naming, flags, parts, e);
    if (rc == 0 && !f &&
        report_registry_document_write(&t, protocol, instrument, parts,
                                       b.count, NULL, NULL, flags, out,
                                       NULL) < 0)
        rc = err_set(e, ERR_FAIL, "document", "cannot be written as JSON");
    size_t groups = b.count;
    benchmark_release(&b);
    labels_release(&known);
    rc = report_finish(s, caller, rc, "registry_outcome", 0, 0, e);
    /* Shown only once the read is on record, as the text would be. */
    if (rc == 0 && f &&
        report_registry_document_write(&t, protocol, instrument, parts,
                                       groups, NULL, NULL, flags, out,
                                       f) < 0)
        rc = err_set(e, ERR_FAIL, "output", "cannot write the JSON");
    for (size_t g = 0; g < groups; g++)
        report_registry_part_release(&parts[g]);
    free(parts);
    return rc;
}

json_t *report_registry_json(struct store *s, const struct actor *caller,
                             const char *protocol, const char *instrument,
                             struct err *e)
{
    struct buf text;
    buf_init(&text, 0);
    json_t *doc = NULL;
    if (report_registry_text(s, caller, protocol, instrument,
                             REPORT_REGISTRY_EXACT, &text, NULL, e) == 0)
        doc = report_registry_read(text.data, text.len, e);
    buf_release(&text);
    return doc;
}

json_t *report_registry_read(const char *text, size_t len, struct err *e)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je);
    if (!doc)
        err_set(e, ERR_FAIL, "document", "cannot be read back: %s", je.text);
    return doc;
}

/* The registry's naming: labels given, no id shown. */
static int given_label(void *ctx, int64_t id, char out[16], struct err *e)
{
    const char *have = labels_find(ctx, id);
    if (!have) {
        err_set(e, ERR_FAIL, "practitioner", "practitioner %lld has no "
                "label", (long long)id);
        return -1;
    }
    snprintf(out, 16, "%s", have);
    return 0;
}

static int show_none(void *ctx, int64_t id)
{
    (void)ctx;
    (void)id;
    return 0;
}

int report_registry_part_write(const struct bench_group *g,
                               const int64_t *label_ids,
                               const char (*labels)[16], size_t label_count,
                               int min_cell, size_t flags,
                               struct report_registry_part *p, struct err *e)
{
    struct labels given = {(int64_t *)label_ids, (char (*)[16])labels,
                           label_count, label_count};
    struct registry_naming naming = {given_label, show_none, &given};
    return part_write(g, &naming, min_cell, flags, p, e);
}
