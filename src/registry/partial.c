/* The national report's partial states, kept ready (registry/partial.h). */
#include "registry/partial.h"
#include "core/buf.h"
#include "core/util.h"
#include "outcomes/benchmark.h"
#include "record/summary.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns of enum registry_partial_column, in PostgreSQL's binary
 * format (exact doubles); rows in key then episode order, so that a state
 * is always summed in the same order. */
#define ROW_COLUMNS                                                          \
    "o.clinic_id::int8, o.protocol, o.instrument, o.practitioner_id::int8,"  \
    " o.incomplete_reason, o.improvement::float8, o.responder::int2,"        \
    " o.response_event::int2, o.sessions_to_response::int8,"                 \
    " o.sustained::int2, o.has_followup::int2, o.baseline::float8,"          \
    " o.age::int4, o.sex, o.chronicity_weeks::int4, o.comorbidities::int4"
#define ROW_ORDER                                                            \
    " ORDER BY o.clinic_id, o.protocol COLLATE \"C\", o.instrument COLLATE"  \
    " \"C\", o.practitioner_id, o.episode COLLATE \"C\""

/* The marked states' summaries of the clinic set by clinic_setting (COPY
 * takes no parameters; the clinic is a setting of the transaction). */
static const char clinic_rows_copy[] =
    "COPY (SELECT " ROW_COLUMNS " FROM registry_outcome o JOIN"
    " registry_partial_dirty d ON d.clinic_id = o.clinic_id AND"
    " d.practitioner_id = o.practitioner_id AND d.protocol = o.protocol AND"
    " d.instrument = o.instrument WHERE d.clinic_id ="
    " current_setting('touchstone.partial_clinic')::int8" ROW_ORDER
    ") TO STDOUT (FORMAT binary)";
static const char all_rows_copy[] =
    "COPY (SELECT " ROW_COLUMNS " FROM registry_outcome o" ROW_ORDER
    ") TO STDOUT (FORMAT binary)";
static const char states_copy_in[] =
    "COPY registry_partial (clinic_id, practitioner_id, protocol,"
    " instrument, rows, state) FROM STDIN";

static const struct pg_query clinic_setting = {
    "partial_clinic_setting",
    "SELECT set_config('touchstone.partial_clinic', $1, true)", 1};
static const struct pg_query clinic_states_drop = {
    "partial_clinic_states_drop", "DELETE FROM registry_partial p USING"
    " registry_partial_dirty d WHERE d.clinic_id = $1 AND p.clinic_id = $1"
    " AND p.practitioner_id = d.practitioner_id AND p.protocol = d.protocol"
    " AND p.instrument = d.instrument", 1};
static const struct pg_query clinic_marks_drop = {
    "partial_clinic_marks_drop", "DELETE FROM registry_partial_dirty WHERE"
    " clinic_id = $1", 1};
static const struct pg_query marked_clinics = {
    "partial_marked_clinics", "SELECT DISTINCT clinic_id FROM"
    " registry_partial_dirty ORDER BY clinic_id", 0};
static const struct pg_query clinic_lock = {
    "partial_clinic_lock", "SELECT id FROM registry_clinic WHERE id = $1"
    " FOR UPDATE", 1};
static const struct pg_query clinics_lock = {
    "partial_clinics_lock", "SELECT id FROM registry_clinic ORDER BY id"
    " FOR UPDATE", 0};

/* The states being built: the one being accumulated, and the COPY text of
 * those finished. */
struct building {
    struct bench_group g;
    int64_t clinic, practitioner;
    int open;     /* g holds a state's rows */
    struct buf out;
    long states;
};

static int64_t int_or(const char *f, int len, int64_t none)
{
    return f ? pg_binary_int(f, len) : none;
}

/* Writes the state accumulated as a line of COPY's text format. */
static void state_flush(struct building *b)
{
    if (!b->open)
        return;
    unsigned char *bytes;
    size_t len = bench_group_encode(&b->g, &bytes);
    buf_printf(&b->out, "%" PRId64 "\t%" PRId64 "\t", b->clinic,
               b->practitioner);
    pg_copy_field(&b->out, b->g.protocol);
    buf_putc(&b->out, '\t');
    pg_copy_field(&b->out, b->g.instrument);
    buf_printf(&b->out, "\t%ld\t\\\\x", b->g.rows);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        buf_putc(&b->out, hex[bytes[i] >> 4]);
        buf_putc(&b->out, hex[bytes[i] & 15]);
    }
    buf_putc(&b->out, '\n');
    free(bytes);
    b->states++;
    b->open = 0;
}

int registry_partial_summary(const char *const *f, const int *n,
                             struct bench_summary *sm, struct err *e)
{
    memset(sm, 0, sizeof(*sm));
    if (!f[PARTIAL_PRACTITIONER] ||
        (sm->practitioner_id = pg_binary_int(f[PARTIAL_PRACTITIONER],
                                             n[PARTIAL_PRACTITIONER])) < 1)
        return err_set(e, ERR_FAIL, "pg", "a summary's practitioner id is "
                       "not positive");
    if (f[PARTIAL_REASON]) {
        sm->reason = -1;
        for (int r = 1; r < SUMMARY_REASON_COUNT; r++)
            if (pg_binary_text_is(
                    f[PARTIAL_REASON], n[PARTIAL_REASON],
                    summary_reason_name((enum summary_reason)r)))
                sm->reason = (int8_t)r;
        if (sm->reason < 0)
            return err_set(e, ERR_FAIL, "pg", "a summary's incomplete "
                           "reason is unknown");
        return 0;
    }
    sm->reason = SUMMARY_COMPLETE;
    if (f[PARTIAL_IMPROVEMENT])
        sm->improvement = pg_binary_double(f[PARTIAL_IMPROVEMENT],
                                           n[PARTIAL_IMPROVEMENT]);
    sm->responder =
        (int8_t)int_or(f[PARTIAL_RESPONDER], n[PARTIAL_RESPONDER], -1);
    sm->event = (int8_t)int_or(f[PARTIAL_EVENT], n[PARTIAL_EVENT], -1);
    sm->sustained =
        (int8_t)int_or(f[PARTIAL_SUSTAINED], n[PARTIAL_SUSTAINED], -1);
    sm->has_followup =
        (int8_t)int_or(f[PARTIAL_FOLLOWUP], n[PARTIAL_FOLLOWUP], 0);
    int64_t time = int_or(f[PARTIAL_TIME], n[PARTIAL_TIME], -1);
    sm->sessions_to_response = time >= 0 ? time : -1;
    const char *sex = f[PARTIAL_SEX];
    sm->sex = pg_binary_text_is(sex, n[PARTIAL_SEX], "female") ? 0
              : pg_binary_text_is(sex, n[PARTIAL_SEX], "male") ? 1
              : pg_binary_text_is(sex, n[PARTIAL_SEX], "other") ? 2 : 3;
    sm->has_risk = f[PARTIAL_BASELINE] && f[PARTIAL_AGE] &&
                   f[PARTIAL_CHRONICITY] && f[PARTIAL_COMORBIDITIES];
    if (sm->has_risk) {
        sm->baseline =
            pg_binary_double(f[PARTIAL_BASELINE], n[PARTIAL_BASELINE]);
        sm->age_years =
            (int32_t)pg_binary_int(f[PARTIAL_AGE], n[PARTIAL_AGE]);
        sm->chronicity_weeks = (int32_t)pg_binary_int(
            f[PARTIAL_CHRONICITY], n[PARTIAL_CHRONICITY]);
        sm->comorbidities = (int32_t)pg_binary_int(
            f[PARTIAL_COMORBIDITIES], n[PARTIAL_COMORBIDITIES]);
    }
    return 0;
}

/* Starts the state of key (clinic, practitioner, the row's protocol and
 * instrument) when the row's key is not the open state's: 1 when it did,
 * 0 when the row belongs to the open state, -1 with e. */
static int building_key(struct building *b, int64_t clinic,
                        int64_t practitioner, const char *const *f,
                        const int *n, struct err *e)
{
    if (!f[PARTIAL_PROTOCOL] || !f[PARTIAL_INSTRUMENT] ||
        n[PARTIAL_PROTOCOL] > RECORD_CODE_MAX ||
        n[PARTIAL_INSTRUMENT] > RECORD_CODE_MAX)
        return err_set(e, ERR_FAIL, "pg", "a summary's protocol or "
                       "instrument is missing or too long");
    if (b->open && clinic == b->clinic && practitioner == b->practitioner &&
        pg_binary_text_is(f[PARTIAL_PROTOCOL], n[PARTIAL_PROTOCOL],
                          b->g.protocol) &&
        pg_binary_text_is(f[PARTIAL_INSTRUMENT], n[PARTIAL_INSTRUMENT],
                          b->g.instrument))
        return 0;
    state_flush(b);
    char protocol[RECORD_CODE_MAX + 1], instrument[RECORD_CODE_MAX + 1];
    memcpy(protocol, f[PARTIAL_PROTOCOL], (size_t)n[PARTIAL_PROTOCOL]);
    protocol[n[PARTIAL_PROTOCOL]] = '\0';
    memcpy(instrument, f[PARTIAL_INSTRUMENT], (size_t)n[PARTIAL_INSTRUMENT]);
    instrument[n[PARTIAL_INSTRUMENT]] = '\0';
    bench_group_release(&b->g);
    bench_group_init(&b->g, protocol, instrument);
    b->clinic = clinic;
    b->practitioner = practitioner;
    b->open = 1;
    return 1;
}

/* One summary: a new state when its key changes, then the pass's step
 * (a) on it. */
static int building_row(void *ctx, const char *const *f, const int *n,
                        int count, struct err *e)
{
    struct building *b = ctx;
    if (count != PARTIAL_COLUMNS)
        return err_set(e, ERR_FAIL, "pg", "COPY sent %d columns, not %d",
                       count, PARTIAL_COLUMNS);
    struct bench_summary sm;
    if (registry_partial_summary(f, n, &sm, e) < 0 ||
        building_key(b, pg_binary_int(f[PARTIAL_CLINIC], n[PARTIAL_CLINIC]),
                     sm.practitioner_id, f, n, e) < 0)
        return -1;
    bench_group_add(&b->g, &sm);
    return 0;
}

/* Writes the states of out (COPY text, state_flush's lines). */
static int states_put(struct pg *db, const struct buf *out, struct err *e)
{
    if (pg_copy_begin(db, states_copy_in, e) < 0)
        return -1;
    if (pg_copy_put(db, out->data, out->len, e) < 0) {
        pg_copy_end(db, 1, e);
        return -1;
    }
    return pg_copy_end(db, 0, e);
}

/* Reads the summaries of copy_sql into states and writes them with COPY
 * (the states they replace already deleted). */
static int build_states(struct pg *db, const char *copy_sql, long *states,
                        struct err *e)
{
    struct building b;
    memset(&b, 0, sizeof(b));
    bench_group_init(&b.g, "", "");
    buf_init(&b.out, 0);
    int rc = pg_copy_out_binary(db, copy_sql, PARTIAL_COLUMNS, building_row,
                                &b, e);
    if (rc == 0)
        state_flush(&b);
    bench_group_release(&b.g);
    if (rc == 0 && b.states > 0)
        rc = states_put(db, &b.out, e);
    buf_release(&b.out);
    if (states)
        *states = b.states;
    return rc;
}

/* Sets the clinic read by the COPYs of clinic_setting (id receives its
 * text, a parameter of the statements that follow). */
static int clinic_set(struct pg *db, int64_t clinic, char id[32],
                      struct err *e)
{
    snprintf(id, 32, "%" PRId64, clinic);
    const char *params[] = {id};
    struct pg_result *r = NULL;
    if (pg_run(db, &clinic_setting, params, &r, e) < 0)
        return -1;
    pg_result_free(r);
    return 0;
}

int registry_partial_refresh_clinic(struct pg *db, int64_t clinic,
                                    struct err *e)
{
    char id[32];
    const char *params[] = {id};
    if (clinic_set(db, clinic, id, e) < 0)
        return -1;
    /* The marked states go, then the marked summaries are read into new
     * states, then the marks are cleared: all in the caller's
     * transaction. */
    if (pg_run(db, &clinic_states_drop, params, NULL, e) < 0 ||
        build_states(db, clinic_rows_copy, NULL, e) < 0)
        return -1;
    return pg_run(db, &clinic_marks_drop, params, NULL, e);
}

/* The clinic's marked states (clinic_setting's), as stored. */
static const char clinic_states_copy[] =
    "COPY (SELECT p.practitioner_id::int8, p.protocol, p.instrument,"
    " p.state FROM registry_partial p JOIN registry_partial_dirty d ON"
    " d.clinic_id = p.clinic_id AND d.practitioner_id = p.practitioner_id"
    " AND d.protocol = p.protocol AND d.instrument = p.instrument WHERE"
    " p.clinic_id = current_setting('touchstone.partial_clinic')::int8)"
    " TO STDOUT (FORMAT binary)";

/* A stored state: its key and bytes (owned). */
struct stored_state {
    int64_t practitioner;
    char *protocol, *instrument;
    unsigned char *bytes;
    size_t len;
};

struct stored_states {
    struct stored_state *at;
    size_t count, alloc;
};

static char *field_dup(const char *f, int n)
{
    char *s = xmalloc((size_t)n + 1);
    memcpy(s, f, (size_t)n);
    s[n] = '\0';
    return s;
}

static int stored_row(void *ctx, const char *const *f, const int *n,
                      int count, struct err *e)
{
    struct stored_states *st = ctx;
    if (count != 4 || !f[0] || !f[1] || !f[2] || !f[3])
        return err_set(e, ERR_FAIL, "pg", "a stored state's row is not "
                       "(practitioner, protocol, instrument, state)");
    ALLOC_GROW(st->at, st->count + 1, st->alloc);
    struct stored_state *s = &st->at[st->count++];
    s->practitioner = pg_binary_int(f[0], n[0]);
    s->protocol = field_dup(f[1], n[1]);
    s->instrument = field_dup(f[2], n[2]);
    s->bytes = (unsigned char *)field_dup(f[3], n[3]);
    s->len = (size_t)n[3];
    return 0;
}

/* Byte order of two fields (len bytes each). */
static int field_cmp(const char *a, int an, const char *b, int bn)
{
    int c = memcmp(a, b, (size_t)(an < bn ? an : bn));
    return c ? c : (an > bn) - (an < bn);
}

/* A state's rows in the order a rebuild reads them (ROW_ORDER: the key,
 * then the episode in byte order). */
static int row_order(const void *pa, const void *pb)
{
    const struct registry_partial_row *a = pa, *b = pb;
    int64_t x = pg_binary_int(a->field[PARTIAL_PRACTITIONER],
                              a->len[PARTIAL_PRACTITIONER]);
    int64_t y = pg_binary_int(b->field[PARTIAL_PRACTITIONER],
                              b->len[PARTIAL_PRACTITIONER]);
    if (x != y)
        return (x > y) - (x < y);
    static const int keys[] = {PARTIAL_PROTOCOL, PARTIAL_INSTRUMENT};
    for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
        int c = field_cmp(a->field[keys[k]], a->len[keys[k]],
                          b->field[keys[k]], b->len[keys[k]]);
        if (c)
            return c;
    }
    return field_cmp(a->episode, a->episode_len, b->episode,
                     b->episode_len);
}

int registry_partial_extend_clinic(struct pg *db, int64_t clinic,
                                   struct registry_partial_row *rows,
                                   size_t count, struct err *e)
{
    char id[32];
    const char *params[] = {id};
    if (clinic_set(db, clinic, id, e) < 0)
        return -1;
    struct stored_states st = {0};
    int rc = pg_copy_out_binary(db, clinic_states_copy, 4, stored_row, &st,
                                e);
    qsort(rows, count, sizeof(*rows), row_order);
    struct building b;
    memset(&b, 0, sizeof(b));
    bench_group_init(&b.g, "", "");
    buf_init(&b.out, 0);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        const char *const *f = rows[i].field;
        const int *n = rows[i].len;
        struct bench_summary sm;
        rc = registry_partial_summary(f, n, &sm, e);
        int fresh = rc < 0 ? -1
                    : building_key(&b, clinic, sm.practitioner_id, f, n, e);
        if (fresh < 0)
            rc = -1;
        /* A new state: the stored one of its key, if any, goes on. */
        for (size_t k = 0; fresh > 0 && k < st.count; k++)
            if (st.at[k].practitioner == b.practitioner &&
                !strcmp(st.at[k].protocol, b.g.protocol) &&
                !strcmp(st.at[k].instrument, b.g.instrument)) {
                rc = bench_group_decode(st.at[k].bytes, st.at[k].len, &b.g,
                                        e);
                break;
            }
        if (rc == 0)
            bench_group_add(&b.g, &sm);
    }
    if (rc == 0)
        state_flush(&b);
    bench_group_release(&b.g);
    for (size_t k = 0; k < st.count; k++) {
        free(st.at[k].protocol);
        free(st.at[k].instrument);
        free(st.at[k].bytes);
    }
    free(st.at);
    /* The stored states of the batch's keys go, the extended ones come. */
    if (rc == 0)
        rc = pg_run(db, &clinic_states_drop, params, NULL, e);
    if (rc == 0 && b.states > 0)
        rc = states_put(db, &b.out, e);
    buf_release(&b.out);
    if (rc < 0)
        return -1;
    return pg_run(db, &clinic_marks_drop, params, NULL, e);
}

int registry_partial_refresh_dirty(struct pg *db, long *clinics,
                                   struct err *e)
{
    if (clinics)
        *clinics = 0;
    struct pg_result *r;
    if (pg_run(db, &marked_clinics, NULL, &r, e) < 0)
        return -1;
    size_t n = (size_t)pg_rows(r);
    int64_t *ids = xreallocarray(NULL, n ? n : 1, sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        ids[i] = pg_int(r, (int)i, 0);
    pg_result_free(r);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char id[32];
        snprintf(id, sizeof(id), "%" PRId64, ids[i]);
        const char *params[] = {id};
        rc = pg_begin(db, e);
        if (rc == 0)
            rc = pg_run(db, &clinic_lock, params, NULL, e);
        if (rc == 0)
            rc = registry_partial_refresh_clinic(db, ids[i], e);
        if (rc == 0)
            rc = pg_commit(db, e);
        if (rc < 0)
            pg_rollback(db);
    }
    free(ids);
    if (clinics && rc == 0)
        *clinics = (long)n;
    return rc;
}

int registry_partial_rebuild(struct pg *db, long *states, struct err *e)
{
    if (states)
        *states = 0;
    int rc = pg_begin(db, e);
    if (rc == 0)
        rc = pg_run(db, &clinics_lock, NULL, NULL, e);
    if (rc == 0)
        rc = pg_exec(db, "DELETE FROM registry_partial_dirty;"
                         "DELETE FROM registry_partial", e);
    if (rc == 0)
        rc = build_states(db, all_rows_copy, states, e);
    if (rc == 0)
        rc = pg_commit(db, e);
    if (rc < 0)
        pg_rollback(db);
    return rc;
}
