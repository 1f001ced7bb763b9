/*
 * benchmark: cells (practitioner x protocol x instrument), the registry's
 * risk model, funnel positions, shrinkage and designations, computed from
 * the episode summaries (record/summary.h) in one sequential pass.
 *
 * A group is one protocol x instrument. Within it, every practitioner with
 * a summary row has a cell. Over the group's complete episodes:
 *
 *   cell metrics   n (complete episodes); mean improvement with its
 *                  t-based 95% CI (mean -/+ t(0.975, n-1) sd / sqrt(n);
 *                  NAN when n < 2 or sd = 0); SRM = mean / sd; responder
 *                  rate with its Wilson 95% CI (instrument with an MCID);
 *                  Kaplan-Meier median sessions to response (non-responders
 *                  censored at their last session); sustained rate among
 *                  responders with a follow-up; follow-up coverage (share of
 *                  complete episodes with a follow-up);
 *   risk model     improvement ~ baseline + age + sex (indicators; the most
 *                  frequent sex is the reference; a sex nobody has is left
 *                  out) + chronicity_weeks + comorbidities, by least
 *                  squares (outcomes/model.h) over the group's complete
 *                  episodes with every risk factor recorded. Not fitted
 *                  (and then "unadjusted": every episode's expected
 *                  improvement is the group's mean) when those episodes are
 *                  fewer than model_min_per_predictor per predictor, leave
 *                  no residual degrees of freedom, or the design is
 *                  singular; the model's note says which;
 *   performance    a cell's observed_minus_expected = mean over its episodes
 *                  of (improvement - expected), expected_improvement = mean
 *                  expected; with the model, over its episodes with every
 *                  risk factor (n_adjusted);
 *   funnel         limits for a mean about 0 with se = sigma / sqrt(n_adj)
 *                  (sigma: the model's residual standard error, or the SD of
 *                  improvement when unadjusted) and the overdispersion tau²
 *                  of stats funnel_overdispersion_mean() over the group's
 *                  cells (0 with fewer than two cells): limits 0 -/+ z
 *                  sqrt(se² + tau²), z = 1.959964 and 3.090232;
 *   shrinkage      empirical-Bayes estimate of observed_minus_expected
 *                  (stats_eb_shrink, variances se²) over the group's cells;
 *                  NAN with fewer than two cells;
 *   designation    reproducible: an instrument with a published MCID, n >=
 *                  min_episodes, Wilson lower bound >= responder_lower_bound,
 *                  sustained rate >= sustained_rate, follow-up coverage >=
 *                  followup_coverage; advanced: reproducible, the risk model
 *                  fitted, and observed_minus_expected above the upper 95%
 *                  funnel limit.
 *
 * The pass reads the compact copy of the summaries (table outcome_row,
 * kept in step with episode_summary by the schema's triggers; each
 * protocol x instrument interned as a group id in outcome_group), one
 * range of its clustered key per group, in practitioner then episode
 * order, keeping only running sums per cell and group.
 *
 * The registry model cache: what a group's cells are compared with (the
 * struct bench_model below: the fit, mean and SD, funnel overdispersion,
 * shrinkage parameters) depends on every row of the group, so each run
 * stores it in table outcome_model with the group's generation (raised
 * by the triggers at every insert, update or delete of one of its
 * summaries), BENCH_MODEL_VERSION and the model_min_per_predictor used.
 * benchmark_practitioner() reads only one practitioner's rows and takes
 * the model from the cache when all three still match; otherwise it runs
 * the group's whole pass (and stores the model again). Either way the
 * numbers are the same, to the last bit.
 *
 * Ownership: benchmark_run() and benchmark_practitioner() allocate out's
 * groups and cells; free them with benchmark_release(). Strings in the
 * structs are copies or point to static text (criteria names and
 * descriptions).
 */
#ifndef TS_OUTCOMES_BENCHMARK_H
#define TS_OUTCOMES_BENCHMARK_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/instrument.h"
#include "core/clock.h"
#include "core/err.h"
#include "outcomes/model.h"
#include "outcomes/thresholds.h"
#include "record/record.h"
#include "record/summary.h"
#include "stats/funnel.h"
#include "stats/stats.h"
#include "store/store.h"

/* The predictors of the risk model, in this order. */
enum bench_predictor {
    PREDICTOR_BASELINE,
    PREDICTOR_AGE,
    PREDICTOR_FEMALE,
    PREDICTOR_MALE,
    PREDICTOR_OTHER,
    PREDICTOR_UNKNOWN,
    PREDICTOR_CHRONICITY,
    PREDICTOR_COMORBIDITIES,
    PREDICTOR_COUNT
};

/* The model term of a predictor: "baseline", "age", "sex:female", ...,
 * "chronicity_weeks", "comorbidities". */
const char *bench_predictor_name(enum bench_predictor p);

enum designation {
    DESIGNATION_NONE,
    DESIGNATION_REPRODUCIBLE,
    DESIGNATION_ADVANCED,
};

/* "none", "reproducible", "advanced". */
const char *designation_name(enum designation d);

/* The criteria of the designations, in the order they are checked. */
enum criterion_id {
    CRITERION_MCID,              /* reproducible */
    CRITERION_MIN_EPISODES,
    CRITERION_RESPONDER_LOWER,
    CRITERION_SUSTAINED,
    CRITERION_FOLLOWUP,
    CRITERION_RISK_MODEL,        /* advanced */
    CRITERION_FUNNEL,
    CRITERION_COUNT
};

struct criterion {
    const char *name;        /* "mcid", "min_episodes", ... (static) */
    const char *text;        /* what it asks, in words (static) */
    enum designation level;  /* the designation it belongs to */
    double required;         /* the bar (NAN for yes/no criteria) */
    double observed;         /* the cell's value (NAN: not computable;
                              * 1/0 for yes/no criteria) */
    int met;
};

struct bench_cell {
    int64_t practitioner_id;
    long n;                            /* complete episodes */
    double mean_improvement, sd_improvement, srm;
    struct stats_interval mean_ci95;
    long responder_known, responders;  /* with an MCID */
    double responder_rate;
    struct stats_interval responder_ci95;
    double median_sessions;            /* Kaplan-Meier; NAN if not reached */
    long sustained, sustained_known;   /* responders with a follow-up */
    double sustained_rate;
    long followups;
    double followup_coverage;
    long n_adjusted;
    double expected_improvement, observed_minus_expected, se;
    int has_limits;
    struct funnel_limits limits;
    enum funnel_position position;
    double shrunken;
    enum designation designation;
    struct criterion criteria[CRITERION_COUNT];
    long incomplete[SUMMARY_REASON_COUNT]; /* [0]: unused */
    /* Accumulators of the pass: Welford's sum of squares, the sums of the
     * episodes with every risk factor, and the Kaplan-Meier counts by
     * sessions to response (km_at[t]: observations with time t,
     * km_events[t]: events among them, t < km_size; owned). */
    double m2_improvement;
    double sum_y_adjusted, sum_x_adjusted[PREDICTOR_COUNT];
    long *km_at, *km_events;
    size_t km_size;
};

struct bench_model {
    long n_complete;        /* complete episodes of the group */
    long n_risk;            /* of which with every risk factor */
    int adjusted;           /* 1: the risk model is fitted */
    struct model_fit fit;   /* when adjusted */
    enum bench_predictor sex_reference;
    double mean_improvement, sd_improvement; /* over n_complete */
    double sigma;           /* the funnel's SD: residual SE, or SD */
    char note[512];         /* why unadjusted, what was left out */
    size_t funnel_cells;    /* cells with a funnel position */
    double phi, tau2;       /* overdispersion (0 with one cell) */
    double shrink_tau2, shrink_mu; /* DerSimonian-Laird, NAN: none */
    char funnel_note[256];
};

struct bench_group {
    int64_t id;                     /* outcome_group.id */
    int64_t generation;             /* outcome_group.generation, as read */
    char protocol[RECORD_CODE_MAX + 1];
    char instrument[RECORD_CODE_MAX + 1];
    const struct instrument *inst;  /* NULL: not in the catalog */
    struct bench_model model;
    int model_cached;               /* 1: model read from outcome_model */
    int skipped;                    /* 1: left out by the caller's skip */
    struct bench_cell *cells;       /* by practitioner id; owned */
    size_t cell_count;
    /* Summary rows and incomplete ones by reason: the group's, or with
     * benchmark_practitioner() the practitioner's. */
    long rows;
    long incomplete[SUMMARY_REASON_COUNT];
    struct model_sums sums;         /* the pass's running sums */
    size_t cell_alloc;              /* cells allocated */
};

struct benchmark {
    struct thresholds thresholds;
    struct bench_group *groups;     /* by protocol, then instrument; owned */
    size_t count;
};

/*
 * One summary row as the pass reads it, whoever read it: the clinic
 * decodes its compact outcome_row (benchmark_run), the registry reads
 * its own columns (registry/national.c, benchmark_run_summaries). Only
 * what the definitions use; fields past reason matter for complete rows,
 * the risk factors only with has_risk.
 */
struct bench_summary {
    int64_t practitioner_id;
    double improvement;
    double baseline;
    int64_t sessions_to_response; /* -1: NULL */
    int32_t age_years, chronicity_weeks, comorbidities;
    int8_t reason;                /* enum summary_reason */
    int8_t responder, event, sustained; /* 0 or 1; -1: NULL */
    int8_t has_followup;
    int8_t has_risk;  /* baseline, age, chronicity and comorbidities known */
    int8_t sex;       /* 0 female, 1 male, 2 other, 3 anything else */
};

/* One group's summaries for benchmark_run_summaries(): rows in
 * practitioner order (ties in any order the caller keeps stable). */
struct bench_summaries {
    const char *protocol;
    const char *instrument;
    const struct bench_summary *rows;
    size_t count;
};

/* The version of the definitions behind a cached model: raise it with any
 * change to what struct bench_model holds or how it is computed, so that
 * models cached by an older program are fitted again. */
#define BENCH_MODEL_VERSION 1

/*
 * Runs the benchmark over the summaries of every group matching the
 * filters (NULL: any protocol, any instrument), with thresholds t: the
 * groups (with at least one summary row) are listed first, by protocol
 * then instrument, then each group's rows are read in one sequential
 * pass, and every cell of the group is computed (with more than one
 * group and core, on a second thread that it starts and joins, while the
 * calling thread reads the next rows: s is used by the calling thread
 * only). Stores each group's
 * model in the cache (outcome_model); the caller holds a transaction
 * when it wants a consistent view (without one, a model can only be
 * stamped older than its rows, and is then fitted again when next
 * needed). Allocates; see benchmark_release().
 */
int benchmark_run(struct store *s, const char *protocol,
                  const char *instrument, const struct thresholds *t,
                  struct benchmark *out, struct err *e);

/*
 * The groups in which the practitioner has at least one summary row
 * (protocol NULL: every protocol), by protocol then instrument, each with
 * the group's registry model and exactly one cell, the practitioner's,
 * equal to the one benchmark_run() computes. Reads the practitioner's
 * rows of each group and the group's cached model; a group whose cache
 * is missing or stale gets its whole pass (and the cache is stored
 * again). The caller holds a transaction. Allocates; see
 * benchmark_release().
 */
int benchmark_practitioner(struct store *s, int64_t practitioner_id,
                           const char *protocol, const struct thresholds *t,
                           struct benchmark *out, struct err *e);

/*
 * benchmark_practitioner() with some groups left out: a group for which
 * skip(ctx, g) returns 1 (g as listed: id, generation, protocol and
 * instrument) is neither read nor run, and stays in out in its place
 * with skipped = 1, no rows and no cell (a caller that keeps what it
 * made of a group at a generation needs none of its rows again). skip
 * NULL: none is. With skip, every group listed stays in out, those in
 * which the practitioner has no rows too (no cell: what the caller keeps
 * of them is that they add nothing). The practitioner's rows of every
 * listed group, skipped or not, are read in one statement, and each is
 * also handed to row (when not NULL: its group, episode id and compact
 * code, in the order of the groups, then of the episodes; a -1 from it
 * ends the run with its e). Allocates; see benchmark_release().
 */
typedef int bench_skip_fn(void *ctx, const struct bench_group *g);
typedef int bench_row_fn(void *ctx, const struct bench_group *g,
                         int64_t episode_id, int64_t code, struct err *e);
int benchmark_practitioner_skip(struct store *s, int64_t practitioner_id,
                                const char *protocol,
                                const struct thresholds *t,
                                bench_skip_fn *skip, bench_row_fn *row,
                                void *ctx, struct benchmark *out,
                                struct err *e);

/*
 * The same as benchmark_run() over summaries already in memory: groups
 * (count of them, by protocol then instrument, each with at least one
 * row) hold every row of each protocol x instrument. Every cell and
 * model is computed by the same pass, row for row, as benchmark_run()
 * computes it from a clinic's store; nothing is cached. Group ids are
 * 1, 2, ... in the order given. Allocates; see benchmark_release().
 */
int benchmark_run_summaries(const struct bench_summaries *groups,
                            size_t count, const struct thresholds *t,
                            struct benchmark *out, struct err *e);

void benchmark_release(struct benchmark *b);

/*
 * The pass in three steps, for a caller that keeps partial states (the
 * registry keeps one per clinic x practitioner x group, registry/partial.h):
 *
 *   (a) bench_group_init(), then bench_group_add() for each row: a
 *       partial state, the accumulators of those rows (cells by
 *       practitioner: counts, Welford's mean and sum of squares, the
 *       Kaplan-Meier counts by session, the risk factors' sums; the
 *       group's counts and model sums), before any metric;
 *   (b) bench_group_merge(): two partial states as one, every sum added,
 *       Welford's pairs and the model's shifted sums merged by Chan's
 *       formula (equal to one state over all the rows to rounding, not to
 *       the bit);
 *   (c) bench_group_finish(): every cell's metrics, the model, funnel,
 *       shrinkage and designations, from the merged state.
 *
 * benchmark_run() and benchmark_run_summaries() are (a) over every row of
 * a group in order, then (c). Cells are kept in ascending practitioner id
 * when rows come in practitioner order and by bench_group_merge().
 */

/* Empties g as a group protocol x instrument (copied; the catalog's
 * instrument looked up) with no rows. */
void bench_group_init(struct bench_group *g, const char *protocol,
                      const char *instrument);

/* Adds one summary row to g: to the cell of its practitioner (the last
 * cell, or a new one after it: rows come in practitioner order) and to
 * the group's counts and model sums. May allocate cells. */
void bench_group_add(struct bench_group *g, const struct bench_summary *sm);

/* Adds the partial state from (not changed) to into: rows and counts,
 * cells by practitioner id (a cell new to into is inserted in order),
 * model sums (model_sums_merge). The same protocol and instrument are the
 * caller's concern. May allocate. */
void bench_group_merge(struct bench_group *into,
                       const struct bench_group *from);

/* Step (c) on a group with rows, under thresholds t. */
void bench_group_finish(struct bench_group *g, const struct thresholds *t);

/* Frees g's cells (g is empty after, protocol and instrument kept). */
void bench_group_release(struct bench_group *g);

/*
 * A partial state (before bench_group_finish) as compact bytes: a format
 * byte, then 64-bit little-endian integers and IEEE doubles: rows, the
 * incomplete counts, the model sums (k, n and, when n > 0, the shifts and
 * the lower triangle of the cross-products), then each cell's
 * accumulators with its Kaplan-Meier counts up to the last time used.
 * Exact: decoding gives back every bit. Returns the length; *out is
 * allocated (free()).
 */
size_t bench_group_encode(const struct bench_group *g, unsigned char **out);

/* Reads bytes written by bench_group_encode() into g (initialised with
 * bench_group_init; its rows and cells are replaced). -1 with e (field
 * "state") when they are not such bytes; g is then empty. */
int bench_group_decode(const unsigned char *data, size_t len,
                       struct bench_group *g, struct err *e);

/* The cell of a practitioner in a group, or NULL. */
const struct bench_cell *bench_group_cell(const struct bench_group *g,
                                          int64_t practitioner_id);

/* The first criterion of the cell's target designation (reproducible or
 * advanced) that is not met, or NULL when all are. */
const struct criterion *bench_cell_unmet(const struct bench_cell *c,
                                         enum designation target);

#endif
