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

/* The columns the definitions use, in PostgreSQL's binary format (exact
 * doubles), after the state's key; rows in key then episode order, so
 * that a state is always summed in the same order. */
enum {
    COL_CLINIC, COL_PROTOCOL, COL_INSTRUMENT, COL_PRACTITIONER, COL_REASON,
    COL_IMPROVEMENT, COL_RESPONDER, COL_EVENT, COL_TIME, COL_SUSTAINED,
    COL_FOLLOWUP, COL_BASELINE, COL_AGE, COL_SEX, COL_CHRONICITY,
    COL_COMORBIDITIES, COL_COUNT
};
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

/* Text field f (len bytes) equals the string s. */
static int field_is(const char *f, int len, const char *s)
{
    return f && (size_t)len == strlen(s) && !memcmp(f, s, (size_t)len);
}

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

/* One summary: a new state when its key changes, then the pass's step
 * (a) on it. */
static int building_row(void *ctx, const char *const *f, const int *n,
                        int count, struct err *e)
{
    struct building *b = ctx;
    if (count != COL_COUNT)
        return err_set(e, ERR_FAIL, "pg", "COPY sent %d columns, not %d",
                       count, COL_COUNT);
    if (!f[COL_PROTOCOL] || !f[COL_INSTRUMENT] ||
        n[COL_PROTOCOL] > RECORD_CODE_MAX ||
        n[COL_INSTRUMENT] > RECORD_CODE_MAX)
        return err_set(e, ERR_FAIL, "pg", "a summary's protocol or "
                       "instrument is missing or too long");
    int64_t clinic = pg_binary_int(f[COL_CLINIC], n[COL_CLINIC]);
    int64_t practitioner =
        pg_binary_int(f[COL_PRACTITIONER], n[COL_PRACTITIONER]);
    if (practitioner < 1)
        return err_set(e, ERR_FAIL, "pg", "a summary's practitioner id is "
                       "not positive");
    if (!b->open || clinic != b->clinic || practitioner != b->practitioner ||
        !field_is(f[COL_PROTOCOL], n[COL_PROTOCOL], b->g.protocol) ||
        !field_is(f[COL_INSTRUMENT], n[COL_INSTRUMENT], b->g.instrument)) {
        state_flush(b);
        char protocol[RECORD_CODE_MAX + 1], instrument[RECORD_CODE_MAX + 1];
        memcpy(protocol, f[COL_PROTOCOL], (size_t)n[COL_PROTOCOL]);
        protocol[n[COL_PROTOCOL]] = '\0';
        memcpy(instrument, f[COL_INSTRUMENT], (size_t)n[COL_INSTRUMENT]);
        instrument[n[COL_INSTRUMENT]] = '\0';
        bench_group_release(&b->g);
        bench_group_init(&b->g, protocol, instrument);
        b->clinic = clinic;
        b->practitioner = practitioner;
        b->open = 1;
    }
    struct bench_summary sm;
    memset(&sm, 0, sizeof(sm));
    sm.practitioner_id = practitioner;
    if (f[COL_REASON]) {
        sm.reason = -1;
        for (int r = 1; r < SUMMARY_REASON_COUNT; r++)
            if (field_is(f[COL_REASON], n[COL_REASON],
                         summary_reason_name((enum summary_reason)r)))
                sm.reason = (int8_t)r;
        if (sm.reason < 0)
            return err_set(e, ERR_FAIL, "pg", "a summary's incomplete "
                           "reason is unknown");
        bench_group_add(&b->g, &sm);
        return 0;
    }
    sm.reason = SUMMARY_COMPLETE;
    if (f[COL_IMPROVEMENT])
        sm.improvement =
            pg_binary_double(f[COL_IMPROVEMENT], n[COL_IMPROVEMENT]);
    sm.responder = (int8_t)int_or(f[COL_RESPONDER], n[COL_RESPONDER], -1);
    sm.event = (int8_t)int_or(f[COL_EVENT], n[COL_EVENT], -1);
    sm.sustained = (int8_t)int_or(f[COL_SUSTAINED], n[COL_SUSTAINED], -1);
    sm.has_followup = (int8_t)int_or(f[COL_FOLLOWUP], n[COL_FOLLOWUP], 0);
    int64_t time = int_or(f[COL_TIME], n[COL_TIME], -1);
    sm.sessions_to_response = time >= 0 ? time : -1;
    const char *sex = f[COL_SEX];
    sm.sex = field_is(sex, n[COL_SEX], "female") ? 0
             : field_is(sex, n[COL_SEX], "male") ? 1
             : field_is(sex, n[COL_SEX], "other") ? 2 : 3;
    sm.has_risk = f[COL_BASELINE] && f[COL_AGE] && f[COL_CHRONICITY] &&
                  f[COL_COMORBIDITIES];
    if (sm.has_risk) {
        sm.baseline = pg_binary_double(f[COL_BASELINE], n[COL_BASELINE]);
        sm.age_years = (int32_t)pg_binary_int(f[COL_AGE], n[COL_AGE]);
        sm.chronicity_weeks =
            (int32_t)pg_binary_int(f[COL_CHRONICITY], n[COL_CHRONICITY]);
        sm.comorbidities = (int32_t)pg_binary_int(f[COL_COMORBIDITIES],
                                                  n[COL_COMORBIDITIES]);
    }
    bench_group_add(&b->g, &sm);
    return 0;
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
    int rc = pg_copy_out_binary(db, copy_sql, COL_COUNT, building_row, &b,
                                e);
    if (rc == 0)
        state_flush(&b);
    bench_group_release(&b.g);
    if (rc == 0 && b.states > 0) {
        rc = pg_copy_begin(db, states_copy_in, e);
        if (rc == 0 && pg_copy_put(db, b.out.data, b.out.len, e) < 0) {
            pg_copy_end(db, 1, e);
            rc = -1;
        } else if (rc == 0) {
            rc = pg_copy_end(db, 0, e);
        }
    }
    buf_release(&b.out);
    if (states)
        *states = b.states;
    return rc;
}

int registry_partial_refresh_clinic(struct pg *db, int64_t clinic,
                                    struct err *e)
{
    char id[32];
    snprintf(id, sizeof(id), "%" PRId64, clinic);
    const char *params[] = {id};
    struct pg_result *r = NULL;
    if (pg_run(db, &clinic_setting, params, &r, e) < 0)
        return -1;
    pg_result_free(r);
    /* The marked states go, then the marked summaries are read into new
     * states, then the marks are cleared: all in the caller's
     * transaction. */
    if (pg_run(db, &clinic_states_drop, params, NULL, e) < 0 ||
        build_states(db, clinic_rows_copy, NULL, e) < 0)
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
