#include "outcomes/benchmark.h"
#include "record/audit.h"
#include "stats/distributions.h"
#include "stats/proportion.h"
#include "stats/shrinkage.h"
#include "core/util.h"

#include <float.h>
#include <limits.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

static const char *const predictor_names[PREDICTOR_COUNT] = {
    "baseline", "age", "sex:female", "sex:male", "sex:other", "sex:unknown",
    "chronicity_weeks", "comorbidities",
};

const char *bench_predictor_name(enum bench_predictor p)
{
    if ((int)p < 0 || p >= PREDICTOR_COUNT)
        BUG("predictor %d", (int)p);
    return predictor_names[p];
}

static const char *const designation_names[] = {
    [DESIGNATION_NONE] = "none",
    [DESIGNATION_REPRODUCIBLE] = "reproducible",
    [DESIGNATION_ADVANCED] = "advanced",
};

const char *designation_name(enum designation d)
{
    if ((size_t)d >= sizeof(designation_names) / sizeof(designation_names[0]))
        BUG("designation %d", (int)d);
    return designation_names[d];
}

/* One summary row as the pass reads it. */
struct bench_row {
    int64_t practitioner_id;
    enum summary_reason reason; /* SUMMARY_COMPLETE when complete */
    double improvement;
    int responder;   /* -1: NULL */
    int event;       /* -1: NULL */
    long time;       /* -1: NULL */
    int sustained;   /* -1: NULL */
    int has_followup;
    int has_risk;
    double x[PREDICTOR_COUNT];
};

/* The compact rows (outcome_row, migration 7): every flag in `code`, the
 * risk factors in `risk`; the pass makes one cheap call per column it
 * needs and no text comparison. */
#define ROW_COLUMNS                                                          \
    "SELECT practitioner_id, code, improvement, baseline, risk"              \
    " FROM outcome_row"
#define ROW_RISK_MASK ((INT64_C(1) << 21) - 1)

/* Decodes the compact row at the statement's columns into a summary. */
static void summary_read(struct stmt *st, struct bench_summary *sm)
{
    memset(sm, 0, sizeof(*sm));
    sm->practitioner_id = stmt_int(st, 0);
    int64_t code = stmt_int(st, 1);
    sm->reason = (int8_t)(code & 7);
    if (sm->reason != SUMMARY_COMPLETE)
        return;
    sm->improvement = stmt_double(st, 2);
    sm->responder = (int8_t)(((code >> 3) & 3) - 1);
    sm->event = (int8_t)(((code >> 5) & 3) - 1);
    sm->sustained = (int8_t)(((code >> 7) & 3) - 1);
    sm->has_followup = (int8_t)((code >> 9) & 1);
    sm->sex = (int8_t)((code >> 10) & 3);
    sm->has_risk = (int8_t)((code >> 12) & 1);
    sm->sessions_to_response = (code >> 16) - 1;
    if (!sm->has_risk)
        return;
    int64_t risk = stmt_int(st, 4);
    sm->baseline = stmt_double(st, 3);
    sm->age_years = (int32_t)(risk & ROW_RISK_MASK);
    sm->chronicity_weeks = (int32_t)((risk >> 21) & ROW_RISK_MASK);
    sm->comorbidities = (int32_t)((risk >> 42) & ROW_RISK_MASK);
}

/* The pass's row of a summary: the predictors as the model uses them. */
static void row_of(const struct bench_summary *sm, struct bench_row *r)
{
    r->practitioner_id = sm->practitioner_id;
    r->reason = (enum summary_reason)sm->reason;
    if (r->reason >= SUMMARY_REASON_COUNT)
        BUG("summary reason %d", (int)r->reason);
    if (r->reason != SUMMARY_COMPLETE)
        return;
    r->improvement = sm->improvement;
    r->responder = sm->responder;
    r->event = sm->event;
    r->sustained = sm->sustained;
    r->has_followup = sm->has_followup;
    r->has_risk = sm->has_risk;
    r->time = sm->sessions_to_response >= 0
                  ? (long)sm->sessions_to_response
                  : -1;
    if (!r->has_risk)
        return;
    r->x[PREDICTOR_BASELINE] = sm->baseline;
    r->x[PREDICTOR_AGE] = (double)sm->age_years;
    for (int j = 0; j < 4; j++)
        r->x[PREDICTOR_FEMALE + j] = sm->sex == j;
    r->x[PREDICTOR_CHRONICITY] = (double)sm->chronicity_weeks;
    r->x[PREDICTOR_COMORBIDITIES] = (double)sm->comorbidities;
}

static void row_read(struct stmt *st, struct bench_row *r)
{
    struct bench_summary sm;
    summary_read(st, &sm);
    row_of(&sm, r);
}

static void cell_init(struct bench_cell *c, int64_t practitioner_id)
{
    memset(c, 0, sizeof(*c));
    c->practitioner_id = practitioner_id;
    c->mean_improvement = c->sd_improvement = c->srm = NAN;
    c->mean_ci95.lower = c->mean_ci95.upper = NAN;
    c->responder_rate = NAN;
    c->responder_ci95.lower = c->responder_ci95.upper = NAN;
    c->median_sessions = c->sustained_rate = c->followup_coverage = NAN;
    c->expected_improvement = c->observed_minus_expected = c->se = NAN;
    c->shrunken = NAN;
    c->mean_improvement = 0;
}

/* Makes the cell's Kaplan-Meier counts reach time (new counts 0). */
static void km_grow(struct bench_cell *c, size_t time)
{
    size_t size = c->km_size ? c->km_size : 16;
    while (size <= time)
        size *= 2;
    c->km_at = xreallocarray(c->km_at, size, sizeof(*c->km_at));
    c->km_events = xreallocarray(c->km_events, size, sizeof(*c->km_events));
    memset(c->km_at + c->km_size, 0, (size - c->km_size) * sizeof(*c->km_at));
    memset(c->km_events + c->km_size, 0,
           (size - c->km_size) * sizeof(*c->km_events));
    c->km_size = size;
}

/* Adds a row to its cell (everything but the group's model sums). */
static void cell_add(struct bench_cell *c, const struct bench_row *r)
{
    if (r->reason != SUMMARY_COMPLETE) {
        c->incomplete[r->reason]++;
        return;
    }
    /* Welford's running mean and sum of squares of improvement. */
    c->n++;
    double delta = r->improvement - c->mean_improvement;
    c->mean_improvement += delta / (double)c->n;
    c->m2_improvement += delta * (r->improvement - c->mean_improvement);
    if (r->responder >= 0) {
        c->responder_known++;
        c->responders += r->responder;
    }
    if (r->time >= 0 && r->event >= 0) {
        if ((size_t)r->time >= c->km_size)
            km_grow(c, (size_t)r->time);
        c->km_at[r->time]++;
        c->km_events[r->time] += r->event;
    }
    if (r->sustained >= 0) {
        c->sustained_known++;
        c->sustained += r->sustained;
    }
    c->followups += r->has_followup;
    if (r->has_risk) {
        c->n_adjusted++;
        c->sum_y_adjusted += r->improvement;
        for (int j = 0; j < PREDICTOR_COUNT; j++)
            c->sum_x_adjusted[j] += r->x[j];
    }
}

/* Adds a row to the group's counts and model sums. */
static void group_add(struct bench_group *g, const struct bench_row *r)
{
    g->rows++;
    if (r->reason != SUMMARY_COMPLETE)
        g->incomplete[r->reason]++;
    else if (r->has_risk)
        model_sums_add(&g->sums, r->x, r->improvement);
}

/*
 * The Kaplan-Meier median from the counts by time: exactly the product
 * limit of stats_kaplan_meier() (stats/survival.h) on the same
 * observations, step by step in ascending time: S *= 1 - d / n at each
 * time with events, n falling by every observation at the time; the
 * median is the first event time with S < 0.5 + sqrt(DBL_EPSILON).
 */
static double km_median(const struct bench_cell *c)
{
    long at_risk = 0;
    for (size_t t = 0; t < c->km_size; t++)
        at_risk += c->km_at[t];
    double survival = 1.0;
    const double tolerance = sqrt(DBL_EPSILON);
    for (size_t t = 0; t < c->km_size; t++) {
        if (c->km_at[t] == 0)
            continue;
        long events = c->km_events[t];
        if (events) {
            survival *= 1.0 - (double)events / (double)at_risk;
            if (survival < 0.5 + tolerance)
                return (double)t;
        }
        at_risk -= c->km_at[t];
    }
    return NAN;
}

/* The metrics of a cell that need only the cell. */
static void cell_metrics(struct bench_cell *c)
{
    if (c->n == 0) {
        c->mean_improvement = NAN;
    } else if (c->n >= 2) {
        c->sd_improvement = sqrt(c->m2_improvement / (double)(c->n - 1));
        if (c->sd_improvement > 0) {
            c->srm = c->mean_improvement / c->sd_improvement;
            double half = stats_t_quantile(0.975, (double)(c->n - 1)) *
                          c->sd_improvement / sqrt((double)c->n);
            c->mean_ci95.lower = c->mean_improvement - half;
            c->mean_ci95.upper = c->mean_improvement + half;
        }
    }
    if (c->responder_known > 0) {
        struct err ignored = ERR_INIT;
        if (stats_wilson_interval(c->responders, c->responder_known,
                                  STATS_Z95, &c->responder_rate,
                                  &c->responder_ci95, &ignored) < 0)
            c->responder_rate = NAN;
    }
    if (c->km_size > 0)
        c->median_sessions = km_median(c);
    if (c->sustained_known > 0)
        c->sustained_rate = (double)c->sustained / (double)c->sustained_known;
    if (c->n > 0)
        c->followup_coverage = (double)c->followups / (double)c->n;
}

/* Fits the risk model of the group, or says why it is unadjusted. */
static void group_model(struct bench_group *g, const struct thresholds *t)
{
    struct bench_model *m = &g->model;
    m->n_risk = (long)g->sums.n;
    /* The group's mean and SD of improvement over its complete episodes
     * (pooled from the cells' Welford sums: Chan et al. 1983). */
    double n = 0, mean = 0, m2 = 0;
    for (size_t i = 0; i < g->cell_count; i++) {
        const struct bench_cell *c = &g->cells[i];
        if (c->n == 0)
            continue;
        double nb = (double)c->n, delta = c->mean_improvement - mean;
        double total = n + nb;
        mean += delta * nb / total;
        m2 += c->m2_improvement + delta * delta * n * nb / total;
        n = total;
    }
    m->n_complete = (long)n;
    m->mean_improvement = n > 0 ? mean : NAN;
    m->sd_improvement = n > 1 ? sqrt(m2 / (n - 1)) : NAN;
    m->sigma = m->sd_improvement;

    int use[PREDICTOR_COUNT] = {1, 1, 0, 0, 0, 0, 1, 1};
    /* Sex: the most frequent level is the reference; levels nobody has
     * are left out. */
    enum bench_predictor ref = PREDICTOR_FEMALE;
    double best = -1;
    int levels = 0;
    for (int j = PREDICTOR_FEMALE; j <= PREDICTOR_UNKNOWN; j++) {
        double count = g->sums.n ? model_sums_total(&g->sums, (size_t)j) : 0;
        if (count > 0.5)
            levels++;
        if (count > best + 0.5) {
            best = count;
            ref = (enum bench_predictor)j;
        }
    }
    m->sex_reference = ref;
    for (int j = PREDICTOR_FEMALE; j <= PREDICTOR_UNKNOWN; j++)
        use[j] = j != (int)ref && g->sums.n &&
                 model_sums_total(&g->sums, (size_t)j) > 0.5;
    size_t q = 0;
    for (int j = 0; j < PREDICTOR_COUNT; j++)
        q += use[j] != 0;
    char left_out[128] = "";
    if (levels <= 1)
        snprintf(left_out, sizeof(left_out),
                 "; sex is left out (one sex only)");

    /* At least model_min_per_predictor per predictor, and residual
     * degrees of freedom (n > p = q + 1). */
    double need = t->model_min_per_predictor * (double)q;
    if (need < (double)q + 2)
        need = (double)q + 2;
    if ((double)m->n_risk < need) {
        snprintf(m->note, sizeof(m->note),
                 "unadjusted: %ld complete episodes with every risk factor, "
                 "fewer than the %g the risk model needs (%g per predictor x "
                 "%zu predictors); expected improvement is the registry "
                 "mean",
                 m->n_risk, need, t->model_min_per_predictor, q);
        return;
    }
    struct err e = ERR_INIT;
    if (model_fit(&g->sums, use, &m->fit, &e) < 0) {
        const char *term = m->fit.singular >= 0
                               ? predictor_names[m->fit.singular]
                               : "the design";
        snprintf(m->note, sizeof(m->note),
                 "unadjusted: singular design (%s %s); expected improvement "
                 "is the registry mean",
                 term,
                 strstr(e.message, "vary") ? "does not vary"
                                           : "is a linear combination of "
                                             "the others");
        memset(&m->fit, 0, sizeof(m->fit));
        return;
    }
    m->adjusted = 1;
    m->sigma = m->fit.sigma;
    snprintf(m->note, sizeof(m->note), "risk-adjusted; sex reference %s%s",
             predictor_names[ref] + 4, left_out);
}

/* A cell's expected improvement, observed minus expected and standard
 * error under the group's model; 1 when the cell takes part in the funnel
 * (its standard error is known). */
static int cell_performance(const struct bench_model *m, struct bench_cell *c)
{
    if (m->adjusted) {
        if (c->n_adjusted == 0)
            return 0;
        double xbar[PREDICTOR_COUNT];
        double nadj = (double)c->n_adjusted;
        for (int j = 0; j < PREDICTOR_COUNT; j++)
            xbar[j] = c->sum_x_adjusted[j] / nadj;
        c->expected_improvement = model_predict(&m->fit, xbar);
        c->observed_minus_expected =
            c->sum_y_adjusted / nadj - c->expected_improvement;
    } else {
        c->n_adjusted = c->n;
        if (c->n == 0)
            return 0;
        c->expected_improvement = m->mean_improvement;
        c->observed_minus_expected = c->mean_improvement - m->mean_improvement;
    }
    if (!(m->sigma > 0) || !isfinite(m->sigma))
        return 0;
    c->se = m->sigma / sqrt((double)c->n_adjusted);
    return 1;
}

/*
 * A funnel cell's shrunken estimate and funnel position from the group's
 * parameters: theta = (1 - B) y + B mu, B = se² / (tau² + se²), as
 * stats_eb_shrink() computes it (tau² and mu its DerSimonian-Laird
 * estimates over the group's funnel cells; none with fewer than two), and
 * the limits 0 -/+ z sqrt(se² + tau²) with the funnel's tau².
 */
static void cell_funnel(const struct bench_model *m, struct bench_cell *c)
{
    if (!isnan(m->shrink_mu)) {
        double v = c->se * c->se;
        double b = v / (m->shrink_tau2 + v);
        c->shrunken = (1.0 - b) * c->observed_minus_expected +
                      b * m->shrink_mu;
    }
    struct err e = ERR_INIT;
    if (funnel_limits_mean(0.0, c->se, m->tau2, &c->limits, &e) == 0) {
        c->has_limits = 1;
        c->position = funnel_classify(c->observed_minus_expected, &c->limits);
    }
}

/* Expected improvement, performance, funnel and shrinkage of each cell. */
static void group_performance(struct bench_group *g)
{
    struct bench_model *m = &g->model;
    m->shrink_tau2 = m->shrink_mu = NAN;
    double *y = xcalloc(g->cell_count + 1, sizeof(*y));
    double *v = xcalloc(g->cell_count + 1, sizeof(*v));
    size_t *which = xcalloc(g->cell_count + 1, sizeof(*which));
    size_t k = 0;
    for (size_t i = 0; i < g->cell_count; i++) {
        struct bench_cell *c = &g->cells[i];
        if (!cell_performance(m, c))
            continue;
        y[k] = c->observed_minus_expected;
        v[k] = c->se;
        which[k++] = i;
    }
    m->funnel_cells = k;
    struct err e = ERR_INIT;
    if (k == 0) {
        snprintf(m->funnel_note, sizeof(m->funnel_note),
                 "no funnel: the spread of improvement is not known (fewer "
                 "than two complete episodes, or no variation)");
    } else if (k == 1) {
        snprintf(m->funnel_note, sizeof(m->funnel_note),
                 "one cell: no overdispersion or shrinkage estimate");
    } else {
        struct funnel_overdispersion od;
        if (funnel_overdispersion_mean(y, v, k, 0.0, &od, &e) == 0) {
            m->phi = od.phi;
            m->tau2 = od.tau2;
        }
        for (size_t i = 0; i < k; i++)
            v[i] = v[i] * v[i];
        double *theta = xcalloc(k, sizeof(*theta));
        struct stats_shrinkage sh;
        if (stats_eb_shrink(y, v, k, &sh, theta, NULL, &e) == 0) {
            m->shrink_tau2 = sh.tau2;
            m->shrink_mu = sh.mu;
        }
        free(theta);
    }
    for (size_t i = 0; i < k; i++)
        cell_funnel(m, &g->cells[which[i]]);
    free(y);
    free(v);
    free(which);
}

static void criterion_set(struct criterion *cr, const char *name,
                          const char *text, enum designation level,
                          double required, double observed, int met)
{
    *cr = (struct criterion){name, text, level, required, observed, met};
}

static void cell_designate(const struct bench_group *g, struct bench_cell *c,
                           const struct thresholds *t)
{
    const struct instrument *in = g->inst;
    int mcid = in && (in->has_absolute || in->has_relative);
    struct criterion *cr = c->criteria;
    criterion_set(&cr[CRITERION_MCID], "mcid",
                  "the instrument has a published MCID (else no responder "
                  "label)",
                  DESIGNATION_REPRODUCIBLE, NAN, mcid, mcid);
    criterion_set(&cr[CRITERION_MIN_EPISODES], "min_episodes",
                  "complete episodes", DESIGNATION_REPRODUCIBLE,
                  t->min_episodes, (double)c->n,
                  (double)c->n >= t->min_episodes);
    double lower = mcid ? c->responder_ci95.lower : NAN;
    criterion_set(&cr[CRITERION_RESPONDER_LOWER], "responder_lower_bound",
                  "responder rate, Wilson 95% lower bound",
                  DESIGNATION_REPRODUCIBLE, t->responder_lower_bound, lower,
                  lower >= t->responder_lower_bound);
    double sustained = mcid ? c->sustained_rate : NAN;
    criterion_set(&cr[CRITERION_SUSTAINED], "sustained_rate",
                  "sustained rate among responders with a follow-up",
                  DESIGNATION_REPRODUCIBLE, t->sustained_rate, sustained,
                  sustained >= t->sustained_rate);
    criterion_set(&cr[CRITERION_FOLLOWUP], "followup_coverage",
                  "share of complete episodes with a follow-up",
                  DESIGNATION_REPRODUCIBLE, t->followup_coverage,
                  c->followup_coverage,
                  c->followup_coverage >= t->followup_coverage);
    criterion_set(&cr[CRITERION_RISK_MODEL], "risk_model",
                  "the registry's risk model is fitted (risk-adjusted "
                  "comparison)",
                  DESIGNATION_ADVANCED, NAN, g->model.adjusted,
                  g->model.adjusted);
    int above = c->has_limits &&
                c->observed_minus_expected > c->limits.upper95;
    criterion_set(&cr[CRITERION_FUNNEL], "funnel",
                  "risk-adjusted performance above the peers' upper 95% "
                  "funnel limit",
                  DESIGNATION_ADVANCED,
                  c->has_limits ? c->limits.upper95 : NAN,
                  c->observed_minus_expected, g->model.adjusted && above);
    c->designation = DESIGNATION_NONE;
    if (!bench_cell_unmet(c, DESIGNATION_REPRODUCIBLE))
        c->designation = bench_cell_unmet(c, DESIGNATION_ADVANCED)
                             ? DESIGNATION_REPRODUCIBLE
                             : DESIGNATION_ADVANCED;
}

const struct criterion *bench_cell_unmet(const struct bench_cell *c,
                                         enum designation target)
{
    for (int i = 0; i < CRITERION_COUNT; i++)
        if (c->criteria[i].level <= target && !c->criteria[i].met)
            return &c->criteria[i];
    return NULL;
}

void bench_group_finish(struct bench_group *g, const struct thresholds *t)
{
    for (size_t i = 0; i < g->cell_count; i++)
        cell_metrics(&g->cells[i]);
    group_model(g, t);
    group_performance(g);
    for (size_t i = 0; i < g->cell_count; i++)
        cell_designate(g, &g->cells[i], t);
}

static void cell_release(struct bench_cell *c)
{
    free(c->km_at);
    free(c->km_events);
    c->km_at = c->km_events = NULL;
    c->km_size = 0;
}

void bench_group_release(struct bench_group *g)
{
    for (size_t k = 0; k < g->cell_count; k++)
        cell_release(&g->cells[k]);
    free(g->cells);
    g->cells = NULL;
    g->cell_count = 0;
    g->cell_alloc = 0;
}

static struct bench_cell *cell_new(struct bench_group *g,
                                   int64_t practitioner_id)
{
    ALLOC_GROW(g->cells, g->cell_count + 1, g->cell_alloc);
    struct bench_cell *c = &g->cells[g->cell_count++];
    cell_init(c, practitioner_id);
    return c;
}

/* ---- partial states: accumulate, merge, encode ------------------------ */

void bench_group_init(struct bench_group *g, const char *protocol,
                      const char *instrument)
{
    memset(g, 0, sizeof(*g));
    snprintf(g->protocol, sizeof(g->protocol), "%s", protocol);
    snprintf(g->instrument, sizeof(g->instrument), "%s", instrument);
    g->inst = instrument_find(g->instrument);
    model_sums_init(&g->sums, PREDICTOR_COUNT);
}

void bench_group_add(struct bench_group *g, const struct bench_summary *sm)
{
    struct bench_row r;
    row_of(sm, &r);
    struct bench_cell *c = g->cell_count ? &g->cells[g->cell_count - 1]
                                         : NULL;
    if (!c || c->practitioner_id != r.practitioner_id)
        c = cell_new(g, r.practitioner_id);
    cell_add(c, &r);
    group_add(g, &r);
}

/* Adds cell from's accumulators to into's (the same practitioner). */
static void cell_merge(struct bench_cell *into, const struct bench_cell *from)
{
    if (from->n > 0) {
        if (into->n == 0) {
            into->mean_improvement = from->mean_improvement;
            into->m2_improvement = from->m2_improvement;
        } else {
            /* Chan, Golub & LeVeque 1983: the pair (mean, M2) of the
             * union of two sets. */
            double na = (double)into->n, nb = (double)from->n;
            double total = na + nb;
            double delta = from->mean_improvement - into->mean_improvement;
            into->mean_improvement += delta * nb / total;
            into->m2_improvement +=
                from->m2_improvement + delta * delta * na * nb / total;
        }
        into->n += from->n;
    }
    into->responder_known += from->responder_known;
    into->responders += from->responders;
    into->sustained_known += from->sustained_known;
    into->sustained += from->sustained;
    into->followups += from->followups;
    into->n_adjusted += from->n_adjusted;
    into->sum_y_adjusted += from->sum_y_adjusted;
    for (int j = 0; j < PREDICTOR_COUNT; j++)
        into->sum_x_adjusted[j] += from->sum_x_adjusted[j];
    if (from->km_size > into->km_size)
        km_grow(into, from->km_size - 1);
    for (size_t t = 0; t < from->km_size; t++) {
        into->km_at[t] += from->km_at[t];
        into->km_events[t] += from->km_events[t];
    }
    for (int r = 0; r < SUMMARY_REASON_COUNT; r++)
        into->incomplete[r] += from->incomplete[r];
}

void bench_group_merge(struct bench_group *into,
                       const struct bench_group *from)
{
    into->rows += from->rows;
    for (int r = 0; r < SUMMARY_REASON_COUNT; r++)
        into->incomplete[r] += from->incomplete[r];
    model_sums_merge(&into->sums, &from->sums);
    for (size_t i = 0; i < from->cell_count; i++) {
        const struct bench_cell *fc = &from->cells[i];
        /* The first cell of into not below fc's practitioner. */
        size_t lo = 0, hi = into->cell_count;
        if (hi && into->cells[hi - 1].practitioner_id < fc->practitioner_id)
            lo = hi;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (into->cells[mid].practitioner_id < fc->practitioner_id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == into->cell_count ||
            into->cells[lo].practitioner_id != fc->practitioner_id) {
            ALLOC_GROW(into->cells, into->cell_count + 1, into->cell_alloc);
            memmove(into->cells + lo + 1, into->cells + lo,
                    (into->cell_count - lo) * sizeof(*into->cells));
            into->cell_count++;
            cell_init(&into->cells[lo], fc->practitioner_id);
        }
        cell_merge(&into->cells[lo], fc);
    }
}

/* The bytes of a partial state: a growing array. */
struct state_writer {
    unsigned char *data;
    size_t len, alloc;
};

static void put_u64(struct state_writer *w, uint64_t v)
{
    ALLOC_GROW(w->data, w->len + 8, w->alloc);
    for (int i = 0; i < 8; i++)
        w->data[w->len++] = (unsigned char)(v >> (8 * i));
}

static void put_i64(struct state_writer *w, int64_t v)
{
    put_u64(w, (uint64_t)v);
}

static void put_double(struct state_writer *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    put_u64(w, bits);
}

struct state_reader {
    const unsigned char *data;
    size_t len, at;
    int ok;
};

static uint64_t get_u64(struct state_reader *r)
{
    if (r->len - r->at < 8) {
        r->ok = 0;
        r->at = r->len;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)r->data[r->at + (size_t)i] << (8 * i);
    r->at += 8;
    return v;
}

static int64_t get_i64(struct state_reader *r)
{
    return (int64_t)get_u64(r);
}

static double get_double(struct state_reader *r)
{
    uint64_t bits = get_u64(r);
    double v;
    memcpy(&v, &bits, sizeof(v));
    return v;
}

/* A count read: not negative, else the bytes are refused. */
static long get_count(struct state_reader *r)
{
    int64_t v = get_i64(r);
    if (v < 0 || v > LONG_MAX) {
        r->ok = 0;
        return 0;
    }
    return (long)v;
}

#define STATE_FORMAT 1

/* A cell's accumulators in a partial state, after its practitioner id, in
 * this order: runs of `count` members of type double, or of type long
 * (read back as counts: never negative). The encoder and the decoder both
 * walk this table. */
static const struct {
    size_t offset;
    size_t count;
    int is_double;
} cell_state[] = {
#define CELL_LONG(member, n) {offsetof(struct bench_cell, member), n, 0}
#define CELL_DOUBLE(member, n) {offsetof(struct bench_cell, member), n, 1}
    CELL_LONG(n, 1),
    CELL_DOUBLE(mean_improvement, 1),
    CELL_DOUBLE(m2_improvement, 1),
    CELL_LONG(responder_known, 1),
    CELL_LONG(responders, 1),
    CELL_LONG(sustained_known, 1),
    CELL_LONG(sustained, 1),
    CELL_LONG(followups, 1),
    CELL_LONG(n_adjusted, 1),
    CELL_DOUBLE(sum_y_adjusted, 1),
    CELL_DOUBLE(sum_x_adjusted, PREDICTOR_COUNT),
    CELL_LONG(incomplete[1], SUMMARY_REASON_COUNT - 1),
#undef CELL_LONG
#undef CELL_DOUBLE
};
#define CELL_STATE_COUNT (sizeof(cell_state) / sizeof(cell_state[0]))

/* The numbers of the model's sums in a partial state, in this order: the
 * shifts, the sums of x and y, the lower triangle of the sums of x x',
 * those of x y and y y. Their addresses go into at (the encoder reads
 * them, the decoder writes them); returns how many. */
#define SUMS_STATE_MAX                                                       \
    (MODEL_MAX_PREDICTORS * (MODEL_MAX_PREDICTORS + 7) / 2 + 3)
static size_t sums_state(struct model_sums *m, double *at[SUMS_STATE_MAX])
{
    size_t count = 0;
    for (size_t j = 0; j < m->k; j++)
        at[count++] = &m->shift_x[j];
    at[count++] = &m->shift_y;
    for (size_t j = 0; j < m->k; j++)
        at[count++] = &m->sx[j];
    at[count++] = &m->sy;
    for (size_t j = 0; j < m->k; j++)
        for (size_t l = 0; l <= j; l++)
            at[count++] = &m->sxx[j][l];
    for (size_t j = 0; j < m->k; j++)
        at[count++] = &m->sxy[j];
    at[count++] = &m->syy;
    return count;
}

size_t bench_group_encode(const struct bench_group *g, unsigned char **out)
{
    struct state_writer w = {0};
    ALLOC_GROW(w.data, 1, w.alloc);
    w.data[w.len++] = STATE_FORMAT;
    put_i64(&w, g->rows);
    for (int r = 1; r < SUMMARY_REASON_COUNT; r++)
        put_i64(&w, g->incomplete[r]);
    const struct model_sums *m = &g->sums;
    put_u64(&w, m->k);
    put_u64(&w, m->n);
    if (m->n > 0) {
        double *at[SUMS_STATE_MAX];
        size_t count = sums_state((struct model_sums *)m, at);
        for (size_t i = 0; i < count; i++)
            put_double(&w, *at[i]);
    }
    put_u64(&w, g->cell_count);
    for (size_t i = 0; i < g->cell_count; i++) {
        const struct bench_cell *c = &g->cells[i];
        put_i64(&w, c->practitioner_id);
        for (size_t f = 0; f < CELL_STATE_COUNT; f++)
            for (size_t j = 0; j < cell_state[f].count; j++) {
                const char *at = (const char *)c + cell_state[f].offset;
                if (cell_state[f].is_double)
                    put_double(&w, ((const double *)at)[j]);
                else
                    put_i64(&w, ((const long *)at)[j]);
            }
        size_t used = c->km_size;
        while (used > 0 && c->km_at[used - 1] == 0)
            used--;
        put_u64(&w, used);
        for (size_t t = 0; t < used; t++) {
            put_i64(&w, c->km_at[t]);
            put_i64(&w, c->km_events[t]);
        }
    }
    *out = w.data;
    return w.len;
}

int bench_group_decode(const unsigned char *data, size_t len,
                       struct bench_group *g, struct err *e)
{
    bench_group_release(g);
    g->rows = 0;
    memset(g->incomplete, 0, sizeof(g->incomplete));
    model_sums_init(&g->sums, PREDICTOR_COUNT);
    struct state_reader r = {data, len, 0, 1};
    if (len < 1 || data[0] != STATE_FORMAT)
        r.ok = 0;
    else
        r.at = 1;
    g->rows = get_count(&r);
    for (int k = 1; k < SUMMARY_REASON_COUNT; k++)
        g->incomplete[k] = get_count(&r);
    struct model_sums *m = &g->sums;
    if (get_u64(&r) != PREDICTOR_COUNT)
        r.ok = 0;
    m->n = (size_t)get_u64(&r);
    if (r.ok && m->n > 0) {
        double *at[SUMS_STATE_MAX];
        size_t count = sums_state(m, at);
        for (size_t i = 0; i < count; i++)
            *at[i] = get_double(&r);
    }
    uint64_t cells = get_u64(&r);
    /* Each cell takes at least 24 numbers of 8 bytes. */
    if (cells > (len - r.at) / (24 * 8))
        r.ok = 0;
    for (uint64_t i = 0; r.ok && i < cells; i++) {
        int64_t id = get_i64(&r);
        if (g->cell_count && id <= g->cells[g->cell_count - 1].practitioner_id)
            r.ok = 0;
        struct bench_cell *c = cell_new(g, id);
        for (size_t f = 0; f < CELL_STATE_COUNT; f++)
            for (size_t j = 0; j < cell_state[f].count; j++) {
                char *at = (char *)c + cell_state[f].offset;
                if (cell_state[f].is_double)
                    ((double *)at)[j] = get_double(&r);
                else
                    ((long *)at)[j] = get_count(&r);
            }
        uint64_t used = get_u64(&r);
        if (used > (len - r.at) / 16) {
            r.ok = 0;
            break;
        }
        if (used > 0) {
            km_grow(c, (size_t)used - 1);
            for (size_t t = 0; t < used; t++) {
                c->km_at[t] = get_count(&r);
                c->km_events[t] = get_count(&r);
            }
        }
    }
    if (r.ok && r.at != len)
        r.ok = 0;
    if (!r.ok) {
        bench_group_release(g);
        g->rows = 0;
        memset(g->incomplete, 0, sizeof(g->incomplete));
        model_sums_init(&g->sums, PREDICTOR_COUNT);
        return err_set(e, ERR_INPUT, "state", "not a partial state of "
                       "the benchmark (%zu bytes)", len);
    }
    return 0;
}

/* Lists the groups matching the filters (NULL: any), by protocol then
 * instrument, into b. */
static int groups_list(struct store *s, const char *protocol,
                       const char *instrument, struct benchmark *b,
                       struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT id, generation, protocol_id, instrument FROM outcome_group"
           " WHERE (:protocol IS NULL OR protocol_id = :protocol) AND"
           " (:instrument IS NULL OR instrument = :instrument)"
           " ORDER BY protocol_id, instrument");
    stmt_bind_text(st, ":protocol", protocol);
    stmt_bind_text(st, ":instrument", instrument);
    size_t alloc = 0;
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        ALLOC_GROW(b->groups, b->count + 1, alloc);
        struct bench_group *g = &b->groups[b->count++];
        memset(g, 0, sizeof(*g));
        g->id = stmt_int(st, 0);
        g->generation = stmt_int(st, 1);
        snprintf(g->protocol, sizeof(g->protocol), "%s", stmt_text(st, 2));
        snprintf(g->instrument, sizeof(g->instrument), "%s",
                 stmt_text(st, 3));
        g->inst = instrument_find(g->instrument);
        model_sums_init(&g->sums, PREDICTOR_COUNT);
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* Keeps the groups that have rows (a group whose summaries were all
 * deleted keeps its id and generation, but is no group of a report), and
 * those a caller skipped. */
static void groups_drop_empty(struct benchmark *b)
{
    size_t kept = 0;
    for (size_t i = 0; i < b->count; i++) {
        if (b->groups[i].rows == 0 && !b->groups[i].skipped) {
            bench_group_release(&b->groups[i]);
            continue;
        }
        if (kept != i)
            b->groups[kept] = b->groups[i];
        kept++;
    }
    b->count = kept;
}

/* ---- the model cache -------------------------------------------------- */

/* A double in the cache's JSON: exact (17 significant digits), NAN as
 * null, infinities as strings. */
static json_t *cache_number(double v)
{
    if (isnan(v))
        return json_null();
    if (isinf(v))
        return json_string(v > 0 ? "inf" : "-inf");
    return json_real(v);
}

static double cache_value(const json_t *v, int *ok)
{
    if (json_is_null(v))
        return NAN;
    if (json_is_real(v))
        return json_real_value(v);
    if (json_is_string(v) && !strcmp(json_string_value(v), "inf"))
        return INFINITY;
    if (json_is_string(v) && !strcmp(json_string_value(v), "-inf"))
        return -INFINITY;
    *ok = 0;
    return NAN;
}

static double cache_double(const json_t *o, const char *key, int *ok)
{
    return cache_value(json_object_get(o, key), ok);
}

static long cache_long(const json_t *o, const char *key, int *ok)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) {
        *ok = 0;
        return 0;
    }
    return (long)json_integer_value(v);
}

static json_t *cache_array(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, cache_number(v[i]));
    return a;
}

static void cache_read_array(const json_t *o, const char *key, double *v,
                             size_t n, int *ok)
{
    const json_t *a = json_object_get(o, key);
    if (!json_is_array(a) || json_array_size(a) != n) {
        *ok = 0;
        return;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = cache_value(json_array_get(a, i), ok);
}

/* The whole of a group's model as JSON text (allocated; free()). */
static char *model_encode(const struct bench_model *m)
{
    const struct model_fit *f = &m->fit;
    json_t *used = json_array();
    for (size_t j = 0; j < MODEL_MAX_PREDICTORS; j++)
        json_array_append_new(used, json_integer(f->used[j]));
    json_t *fit = json_object();
    json_object_set_new(fit, "n", json_integer((json_int_t)f->n));
    json_object_set_new(fit, "p", json_integer((json_int_t)f->p));
    json_object_set_new(fit, "used", used);
    json_object_set_new(fit, "intercept", cache_number(f->intercept));
    json_object_set_new(fit, "intercept_se", cache_number(f->intercept_se));
    json_object_set_new(fit, "coef", cache_array(f->coef, MODEL_MAX_PREDICTORS));
    json_object_set_new(fit, "se", cache_array(f->se, MODEL_MAX_PREDICTORS));
    json_object_set_new(fit, "mean_x",
                        cache_array(f->mean_x, MODEL_MAX_PREDICTORS));
    json_object_set_new(fit, "mean_y", cache_number(f->mean_y));
    json_object_set_new(fit, "rss", cache_number(f->rss));
    json_object_set_new(fit, "sigma", cache_number(f->sigma));
    json_object_set_new(fit, "df_residual", cache_number(f->df_residual));
    json_object_set_new(fit, "r2", cache_number(f->r2));
    json_object_set_new(fit, "adj_r2", cache_number(f->adj_r2));
    json_object_set_new(fit, "singular", json_integer(f->singular));
    json_t *o = json_object();
    json_object_set_new(o, "n_complete", json_integer(m->n_complete));
    json_object_set_new(o, "n_risk", json_integer(m->n_risk));
    json_object_set_new(o, "adjusted", json_integer(m->adjusted));
    json_object_set_new(o, "fit", fit);
    json_object_set_new(o, "sex_reference", json_integer(m->sex_reference));
    json_object_set_new(o, "mean_improvement",
                        cache_number(m->mean_improvement));
    json_object_set_new(o, "sd_improvement", cache_number(m->sd_improvement));
    json_object_set_new(o, "sigma", cache_number(m->sigma));
    json_object_set_new(o, "note", json_string(m->note));
    json_object_set_new(o, "funnel_cells",
                        json_integer((json_int_t)m->funnel_cells));
    json_object_set_new(o, "phi", cache_number(m->phi));
    json_object_set_new(o, "tau2", cache_number(m->tau2));
    json_object_set_new(o, "shrink_tau2", cache_number(m->shrink_tau2));
    json_object_set_new(o, "shrink_mu", cache_number(m->shrink_mu));
    json_object_set_new(o, "funnel_note", json_string(m->funnel_note));
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    if (!text)
        die("out of memory");
    return text;
}

/* Reads a model written by model_encode(); -1 when the text is not one
 * (then the cache entry is ignored and the group fitted again). */
static int model_decode(const char *text, struct bench_model *m)
{
    memset(m, 0, sizeof(*m));
    json_t *o = json_loads(text, JSON_DECODE_ANY, NULL);
    const json_t *fit = json_object_get(o, "fit");
    const json_t *used = json_object_get(fit, "used");
    const char *note = json_string_value(json_object_get(o, "note"));
    const char *funnel_note =
        json_string_value(json_object_get(o, "funnel_note"));
    int ok = json_is_object(o) && json_is_object(fit) &&
             json_array_size(used) == MODEL_MAX_PREDICTORS && note &&
             funnel_note;
    if (!ok) {
        json_decref(o);
        return -1;
    }
    struct model_fit *f = &m->fit;
    f->n = (size_t)cache_long(fit, "n", &ok);
    f->p = (size_t)cache_long(fit, "p", &ok);
    for (size_t j = 0; j < MODEL_MAX_PREDICTORS; j++)
        f->used[j] = (int)json_integer_value(json_array_get(used, j));
    f->intercept = cache_double(fit, "intercept", &ok);
    f->intercept_se = cache_double(fit, "intercept_se", &ok);
    cache_read_array(fit, "coef", f->coef, MODEL_MAX_PREDICTORS, &ok);
    cache_read_array(fit, "se", f->se, MODEL_MAX_PREDICTORS, &ok);
    cache_read_array(fit, "mean_x", f->mean_x, MODEL_MAX_PREDICTORS, &ok);
    f->mean_y = cache_double(fit, "mean_y", &ok);
    f->rss = cache_double(fit, "rss", &ok);
    f->sigma = cache_double(fit, "sigma", &ok);
    f->df_residual = cache_double(fit, "df_residual", &ok);
    f->r2 = cache_double(fit, "r2", &ok);
    f->adj_r2 = cache_double(fit, "adj_r2", &ok);
    f->singular = (int)cache_long(fit, "singular", &ok);
    m->n_complete = cache_long(o, "n_complete", &ok);
    m->n_risk = cache_long(o, "n_risk", &ok);
    m->adjusted = (int)cache_long(o, "adjusted", &ok);
    long ref = cache_long(o, "sex_reference", &ok);
    if (ref < PREDICTOR_FEMALE || ref > PREDICTOR_UNKNOWN)
        ok = 0;
    m->sex_reference = (enum bench_predictor)ref;
    m->mean_improvement = cache_double(o, "mean_improvement", &ok);
    m->sd_improvement = cache_double(o, "sd_improvement", &ok);
    m->sigma = cache_double(o, "sigma", &ok);
    snprintf(m->note, sizeof(m->note), "%s", note);
    m->funnel_cells = (size_t)cache_long(o, "funnel_cells", &ok);
    m->phi = cache_double(o, "phi", &ok);
    m->tau2 = cache_double(o, "tau2", &ok);
    m->shrink_tau2 = cache_double(o, "shrink_tau2", &ok);
    m->shrink_mu = cache_double(o, "shrink_mu", &ok);
    snprintf(m->funnel_note, sizeof(m->funnel_note), "%s", funnel_note);
    json_decref(o);
    return ok ? 0 : -1;
}

/* Binds what a cached model is valid for: the group, its generation, the
 * model's version and the threshold it was fitted under. */
static void model_bind_key(struct stmt *st, const struct bench_group *g,
                           const struct thresholds *t)
{
    stmt_bind_int(st, ":group", g->id);
    stmt_bind_int(st, ":generation", g->generation);
    stmt_bind_int(st, ":version", BENCH_MODEL_VERSION);
    stmt_bind_double(st, ":min", t->model_min_per_predictor);
}

/* A fitted model's row of outcome_model, ready to be written. */
struct model_row {
    int64_t group, generation;
    double min_per_predictor;
    char fitted_at[CLOCK_INSTANT_LEN];
    char *text;
};

static void model_row_free(void *arg)
{
    struct model_row *m = arg;
    free(m->text);
    free(m);
}

/* Writes the row while its group is still at the generation it was
 * fitted at (a read's model is written later, by the audit writer). */
static int model_row_write(struct store *s, void *arg, struct err *e)
{
    const struct model_row *m = arg;
    struct stmt *st = store_prepare(
        s, "INSERT OR REPLACE INTO outcome_model (group_id, generation,"
           " version, min_per_predictor, fitted_at, model) SELECT :group,"
           " :generation, :version, :min, :now, :model WHERE (SELECT"
           " generation FROM outcome_group WHERE id = :group) = :generation");
    stmt_bind_int(st, ":group", m->group);
    stmt_bind_int(st, ":generation", m->generation);
    stmt_bind_int(st, ":version", BENCH_MODEL_VERSION);
    stmt_bind_double(st, ":min", m->min_per_predictor);
    stmt_bind_text(st, ":now", m->fitted_at);
    stmt_bind_text(st, ":model", m->text);
    return stmt_run(st, e);
}

/* Stores the group's model, stamped with the generation read with it: at
 * once, or, in a server's read, in the audit writer's next transaction
 * (audit_cache_write), so that a read never needs the write lock. */
static int model_store(struct store *s, const struct bench_group *g,
                       const struct thresholds *t, struct err *e)
{
    struct model_row *m = xcalloc(1, sizeof(*m));
    m->group = g->id;
    m->generation = g->generation;
    m->min_per_predictor = t->model_min_per_predictor;
    clock_format_instant(clock_now(), m->fitted_at);
    m->text = model_encode(&g->model);
    return audit_cache_write(s, model_row_write, m, model_row_free, e);
}

/* Reads the group's cached model into g->model when it is still valid;
 * 1 when it was, 0 when the group must be run again. */
static int model_load(struct store *s, struct bench_group *g,
                      const struct thresholds *t, struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT model FROM outcome_model WHERE group_id = :group AND"
           " generation = :generation AND version = :version AND"
           " min_per_predictor = :min");
    model_bind_key(st, g, t);
    int rc = stmt_step(st, e);
    int found = rc == 1 && model_decode(stmt_text(st, 0), &g->model) == 0;
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (!found)
        memset(&g->model, 0, sizeof(g->model));
    return found;
}

/* ---- the passes ------------------------------------------------------- */

/* The query of group g's rows in practitioner order (a range of the
 * clustered key), bound; the caller steps and finalizes it. */
static struct stmt *group_rows(struct store *s, const struct bench_group *g)
{
    store_prefer_scans(s);
    struct stmt *st = store_prepare(
        s, ROW_COLUMNS " WHERE group_id = :group"
                       " ORDER BY practitioner_id, episode_id");
    stmt_bind_int(st, ":group", g->id);
    return st;
}

/* Runs one group: its rows, then every cell; stores the model. */
static int group_run(struct store *s, struct bench_group *g,
                     const struct thresholds *t, struct err *e)
{
    struct stmt *st = group_rows(s, g);
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        struct bench_summary sm;
        summary_read(st, &sm);
        bench_group_add(g, &sm);
    }
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (g->rows == 0)
        return 0;
    bench_group_finish(g, t);
    return model_store(s, g, t, e);
}

/* The groups' rows read on the calling thread and added to their groups
 * on another, in chunks through a ring of PIPE_SLOTS buffers. */
#define PIPE_SLOTS 4
#define PIPE_CHUNK 16384
struct pipe_chunk {
    struct bench_group *g;
    struct bench_summary *rows; /* PIPE_CHUNK of them */
    size_t count;
    int last; /* the group's last chunk: finish it */
};
struct pipe {
    struct pipe_chunk slots[PIPE_SLOTS];
    const struct thresholds *t;
    size_t head, tail, pending;
    int done;
    pthread_mutex_t lock;
    pthread_cond_t changed;
};

static void *pipe_adder(void *arg)
{
    struct pipe *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (!p->pending && !p->done)
            pthread_cond_wait(&p->changed, &p->lock);
        if (!p->pending) {
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        struct pipe_chunk *c = &p->slots[p->tail % PIPE_SLOTS];
        pthread_mutex_unlock(&p->lock);
        for (size_t i = 0; i < c->count; i++)
            bench_group_add(c->g, &c->rows[i]);
        if (c->last && c->g->rows)
            bench_group_finish(c->g, p->t);
        pthread_mutex_lock(&p->lock);
        p->tail++;
        p->pending--;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
    }
}

/* The next free chunk (waiting for one), for group g. */
static struct pipe_chunk *pipe_take(struct pipe *p, struct bench_group *g)
{
    pthread_mutex_lock(&p->lock);
    while (p->pending == PIPE_SLOTS)
        pthread_cond_wait(&p->changed, &p->lock);
    struct pipe_chunk *c = &p->slots[p->head % PIPE_SLOTS];
    pthread_mutex_unlock(&p->lock);
    c->g = g;
    c->count = 0;
    c->last = 0;
    return c;
}

/* Hands the chunk taken last to the adding thread. */
static void pipe_give(struct pipe *p)
{
    pthread_mutex_lock(&p->lock);
    p->head++;
    p->pending++;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

/* Runs every group as group_run() does, reading on this thread while
 * another adds the rows and finishes each group; then stores the models
 * in the groups' order. Sets *piped, or leaves it 0 (and does nothing)
 * when no thread could be started. Returns 0, or -1 with e. */
static int groups_run_piped(struct store *s, struct benchmark *b,
                            const struct thresholds *t, int *piped,
                            struct err *e)
{
    struct pipe p = {.t = t};
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.changed, NULL);
    pthread_t adder;
    if (pthread_create(&adder, NULL, pipe_adder, &p) != 0) {
        pthread_cond_destroy(&p.changed);
        pthread_mutex_destroy(&p.lock);
        return 0;
    }
    *piped = 1;
    for (int i = 0; i < PIPE_SLOTS; i++)
        p.slots[i].rows = xreallocarray(NULL, PIPE_CHUNK,
                                        sizeof(struct bench_summary));
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->count; i++) {
        struct bench_group *g = &b->groups[i];
        struct stmt *st = group_rows(s, g);
        struct pipe_chunk *c = pipe_take(&p, g);
        while ((rc = stmt_step(st, e)) == 1) {
            if (c->count == PIPE_CHUNK) {
                pipe_give(&p);
                c = pipe_take(&p, g);
            }
            summary_read(st, &c->rows[c->count++]);
        }
        stmt_finalize(st);
        c->last = 1;
        pipe_give(&p);
    }
    pthread_mutex_lock(&p.lock);
    p.done = 1;
    pthread_cond_broadcast(&p.changed);
    pthread_mutex_unlock(&p.lock);
    pthread_join(adder, NULL);
    pthread_cond_destroy(&p.changed);
    pthread_mutex_destroy(&p.lock);
    for (int i = 0; i < PIPE_SLOTS; i++)
        free(p.slots[i].rows);
    for (size_t i = 0; rc == 0 && i < b->count; i++)
        if (b->groups[i].rows)
            rc = model_store(s, &b->groups[i], t, e);
    return rc < 0 ? -1 : 0;
}

int benchmark_run(struct store *s, const char *protocol,
                  const char *instrument, const struct thresholds *t,
                  struct benchmark *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    out->thresholds = *t;
    int rc = groups_list(s, protocol, instrument, out, e);
    int piped = 0;
    if (rc == 0 && out->count > 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1)
        rc = groups_run_piped(s, out, t, &piped, e);
    for (size_t i = 0; rc == 0 && !piped && i < out->count; i++)
        rc = group_run(s, &out->groups[i], t, e);
    if (rc < 0) {
        benchmark_release(out);
        return -1;
    }
    groups_drop_empty(out);
    return 0;
}

int benchmark_run_summaries(const struct bench_summaries *groups,
                            size_t count, const struct thresholds *t,
                            struct benchmark *out, struct err *e)
{
    (void)e;
    memset(out, 0, sizeof(*out));
    out->thresholds = *t;
    out->groups = xreallocarray(NULL, count ? count : 1,
                                sizeof(*out->groups));
    for (size_t i = 0; i < count; i++) {
        const struct bench_summaries *in = &groups[i];
        struct bench_group *g = &out->groups[out->count++];
        bench_group_init(g, in->protocol, in->instrument);
        g->id = (int64_t)i + 1;
        for (size_t k = 0; k < in->count; k++)
            bench_group_add(g, &in->rows[k]);
        if (g->rows)
            bench_group_finish(g, t);
    }
    groups_drop_empty(out);
    return 0;
}

/* Adds one of the practitioner's rows (the statement's columns as
 * ROW_COLUMNS) to the group's one cell. */
static void practitioner_row_add(struct bench_group *g,
                                 int64_t practitioner_id, struct stmt *st)
{
    struct bench_row r;
    row_read(st, &r);
    struct bench_cell *c =
        g->cell_count ? &g->cells[0] : cell_new(g, practitioner_id);
    cell_add(c, &r);
    g->rows++;
    if (r.reason != SUMMARY_COMPLETE)
        g->incomplete[r.reason]++;
}

/* Reads the practitioner's rows of every listed group in one statement
 * (a seek of the practitioner's range in each group, in the groups'
 * order, then episode order), into the groups not skipped, and hands
 * each to row (when given). */
static int practitioner_pass(struct store *s, struct benchmark *b,
                             int64_t practitioner_id, const char *protocol,
                             bench_row_fn *row, void *ctx, struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT r.practitioner_id, r.code, r.improvement, r.baseline,"
           " r.risk, r.group_id, r.episode_id"
           " FROM outcome_group g CROSS JOIN outcome_row r"
           " ON r.group_id = g.id AND r.practitioner_id = :practitioner"
           " WHERE (:protocol IS NULL OR g.protocol_id = :protocol)"
           " ORDER BY g.protocol_id, g.instrument, r.episode_id");
    stmt_bind_int(st, ":practitioner", practitioner_id);
    stmt_bind_text(st, ":protocol", protocol);
    size_t gi = 0;
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        int64_t id = stmt_int(st, 5);
        while (gi < b->count && b->groups[gi].id != id)
            gi++;
        if (gi == b->count) {
            rc = err_set(e, ERR_FAIL, "", "outcome group %lld is not among "
                         "the groups listed (the report must run in one "
                         "transaction)", (long long)id);
            break;
        }
        struct bench_group *g = &b->groups[gi];
        if (!g->skipped)
            practitioner_row_add(g, practitioner_id, st);
        if (row && row(ctx, g, stmt_int(st, 6), stmt_int(st, 1), e) < 0) {
            rc = -1;
            break;
        }
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* Keeps only the practitioner's cell of a group run in full. */
static void group_keep_cell(struct bench_group *g, int64_t practitioner_id)
{
    size_t kept = 0;
    for (size_t i = 0; i < g->cell_count; i++) {
        if (g->cells[i].practitioner_id == practitioner_id && kept == 0) {
            g->cells[kept++] = g->cells[i];
            continue;
        }
        cell_release(&g->cells[i]);
    }
    g->cell_count = kept;
}

/* One group of a practitioner's report, its rows read: the cell against
 * the cached model, or the whole group run again. */
static int group_practitioner(struct store *s, struct bench_group *g,
                              int64_t practitioner_id,
                              const struct thresholds *t, struct err *e)
{
    if (g->rows == 0)
        return 0;
    int cached = model_load(s, g, t, e);
    if (cached < 0)
        return -1;
    if (cached) {
        struct bench_cell *c = &g->cells[0];
        g->model_cached = 1;
        cell_metrics(c);
        if (cell_performance(&g->model, c))
            cell_funnel(&g->model, c);
        cell_designate(g, c, t);
        return 0;
    }
    /* Stale or missing: the whole group, then only this cell (the same
     * rows, read again in the same order). */
    long rows = g->rows, incomplete[SUMMARY_REASON_COUNT];
    memcpy(incomplete, g->incomplete, sizeof(incomplete));
    bench_group_release(g);
    g->rows = 0;
    memset(g->incomplete, 0, sizeof(g->incomplete));
    if (group_run(s, g, t, e) < 0)
        return -1;
    group_keep_cell(g, practitioner_id);
    if (g->cell_count != 1)
        BUG("practitioner %lld has rows but no cell in group %lld",
            (long long)practitioner_id, (long long)g->id);
    g->rows = rows;
    memcpy(g->incomplete, incomplete, sizeof(incomplete));
    return 0;
}

int benchmark_practitioner(struct store *s, int64_t practitioner_id,
                           const char *protocol, const struct thresholds *t,
                           struct benchmark *out, struct err *e)
{
    return benchmark_practitioner_skip(s, practitioner_id, protocol, t, NULL,
                                       NULL, NULL, out, e);
}

int benchmark_practitioner_skip(struct store *s, int64_t practitioner_id,
                                const char *protocol,
                                const struct thresholds *t,
                                bench_skip_fn *skip, bench_row_fn *row,
                                void *ctx, struct benchmark *out,
                                struct err *e)
{
    memset(out, 0, sizeof(*out));
    out->thresholds = *t;
    int rc = groups_list(s, protocol, NULL, out, e);
    for (size_t i = 0; rc == 0 && skip && i < out->count; i++)
        out->groups[i].skipped = skip(ctx, &out->groups[i]);
    if (rc == 0)
        rc = practitioner_pass(s, out, practitioner_id, protocol, row, ctx,
                               e);
    for (size_t i = 0; rc == 0 && i < out->count; i++)
        if (!out->groups[i].skipped)
            rc = group_practitioner(s, &out->groups[i], practitioner_id, t,
                                    e);
    if (rc < 0) {
        benchmark_release(out);
        return -1;
    }
    if (!skip)
        groups_drop_empty(out);
    return 0;
}

void benchmark_release(struct benchmark *b)
{
    for (size_t i = 0; i < b->count; i++)
        bench_group_release(&b->groups[i]);
    free(b->groups);
    memset(b, 0, sizeof(*b));
}

const struct bench_cell *bench_group_cell(const struct bench_group *g,
                                          int64_t practitioner_id)
{
    for (size_t i = 0; i < g->cell_count; i++)
        if (g->cells[i].practitioner_id == practitioner_id)
            return &g->cells[i];
    return NULL;
}
