#include "outcomes/benchmark.h"
#include "stats/distributions.h"
#include "stats/proportion.h"
#include "stats/shrinkage.h"
#include "stats/survival.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const char *designation_name(enum designation d)
{
    switch (d) {
    case DESIGNATION_NONE: return "none";
    case DESIGNATION_REPRODUCIBLE: return "reproducible";
    case DESIGNATION_ADVANCED: return "advanced";
    }
    BUG("designation %d", (int)d);
}

/* One summary row as the pass reads it. */
struct bench_row {
    int64_t practitioner_id;
    enum summary_reason reason; /* SUMMARY_COMPLETE when complete */
    double improvement;
    int responder;   /* -1: NULL */
    int time, event; /* -1: NULL */
    int sustained;   /* -1: NULL */
    int has_followup;
    int has_risk;
    double x[PREDICTOR_COUNT];
};

/* Every column numeric, NULL folded into -1 and text into codes in SQL:
 * the pass makes one cheap call per column and no text comparison. */
#define BENCH_COLUMNS                                                        \
    "SELECT practitioner_id, CASE WHEN complete = 1 THEN 0"                  \
    " WHEN incomplete_reason = 'unknown_instrument' THEN 1"                  \
    " WHEN incomplete_reason = 'open' THEN 2"                                \
    " WHEN incomplete_reason = 'no_baseline' THEN 3 ELSE 4 END,"             \
    " coalesce(improvement, 0), coalesce(responder, -1),"                    \
    " coalesce(sessions_to_response, -1), coalesce(response_event, -1),"     \
    " coalesce(sustained, -1), has_followup, baseline IS NOT NULL AND"       \
    " age_years IS NOT NULL AND chronicity_weeks IS NOT NULL AND"            \
    " comorbidities IS NOT NULL, coalesce(baseline, 0),"                     \
    " coalesce(age_years, 0), CASE sex WHEN 'female' THEN 0 WHEN 'male'"     \
    " THEN 1 WHEN 'other' THEN 2 ELSE 3 END, coalesce(chronicity_weeks, 0),"  \
    " coalesce(comorbidities, 0) FROM episode_summary"                       \
    " WHERE protocol_id = :protocol AND instrument = :instrument"            \
    " ORDER BY practitioner_id"

static void row_read(struct stmt *st, struct bench_row *r)
{
    r->practitioner_id = stmt_int(st, 0);
    r->reason = (enum summary_reason)stmt_int(st, 1);
    if (r->reason < SUMMARY_COMPLETE || r->reason >= SUMMARY_REASON_COUNT)
        BUG("summary reason %d", (int)r->reason);
    if (r->reason != SUMMARY_COMPLETE)
        return;
    r->improvement = stmt_double(st, 2);
    r->responder = (int)stmt_int(st, 3);
    r->time = (int)stmt_int(st, 4);
    r->event = (int)stmt_int(st, 5);
    r->sustained = (int)stmt_int(st, 6);
    r->has_followup = stmt_int(st, 7) == 1;
    r->has_risk = stmt_int(st, 8) == 1;
    if (!r->has_risk)
        return;
    r->x[PREDICTOR_BASELINE] = stmt_double(st, 9);
    r->x[PREDICTOR_AGE] = stmt_double(st, 10);
    int sex = (int)stmt_int(st, 11);
    for (int j = 0; j < 4; j++)
        r->x[PREDICTOR_FEMALE + j] = sex == j;
    r->x[PREDICTOR_CHRONICITY] = stmt_double(st, 12);
    r->x[PREDICTOR_COMORBIDITIES] = stmt_double(st, 13);
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

static void cell_add(struct bench_group *g, struct bench_cell *c,
                     const struct bench_row *r)
{
    if (r->reason != SUMMARY_COMPLETE) {
        c->incomplete[r->reason]++;
        g->incomplete[r->reason]++;
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
        if (c->km_count == c->km_alloc) {
            c->km_alloc = c->km_alloc ? 2 * c->km_alloc : 16;
            c->times = xrealloc(c->times, c->km_alloc * sizeof(*c->times));
            c->events = xrealloc(c->events, c->km_alloc * sizeof(*c->events));
        }
        c->times[c->km_count] = r->time;
        c->events[c->km_count++] = r->event;
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
        model_sums_add(&g->sums, r->x, r->improvement);
    }
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
    if (c->km_count > 0) {
        double *t = xmalloc(c->km_count * sizeof(*t));
        for (size_t i = 0; i < c->km_count; i++)
            t[i] = c->times[i];
        struct stats_km km = STATS_KM_INIT;
        struct err ignored = ERR_INIT;
        if (stats_kaplan_meier(t, c->events, c->km_count, &km, &ignored) == 0)
            c->median_sessions = km.median;
        stats_km_release(&km);
        free(t);
    }
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

/* Expected improvement, performance, funnel and shrinkage of each cell. */
static void group_performance(struct bench_group *g)
{
    struct bench_model *m = &g->model;
    m->shrink_tau2 = m->shrink_mu = NAN;
    double *y = xcalloc(g->cell_count + 1, sizeof(*y));
    double *se = xcalloc(g->cell_count + 1, sizeof(*se));
    size_t *which = xcalloc(g->cell_count + 1, sizeof(*which));
    size_t k = 0;
    for (size_t i = 0; i < g->cell_count; i++) {
        struct bench_cell *c = &g->cells[i];
        if (m->adjusted) {
            if (c->n_adjusted == 0)
                continue;
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
                continue;
            c->expected_improvement = m->mean_improvement;
            c->observed_minus_expected =
                c->mean_improvement - m->mean_improvement;
        }
        if (!(m->sigma > 0) || !isfinite(m->sigma))
            continue;
        c->se = m->sigma / sqrt((double)c->n_adjusted);
        y[k] = c->observed_minus_expected;
        se[k] = c->se;
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
        if (funnel_overdispersion_mean(y, se, k, 0.0, &od, &e) == 0) {
            m->phi = od.phi;
            m->tau2 = od.tau2;
        }
        double *theta = xcalloc(k, sizeof(*theta));
        double *v = xcalloc(k, sizeof(*v));
        for (size_t i = 0; i < k; i++)
            v[i] = se[i] * se[i];
        struct stats_shrinkage sh;
        if (stats_eb_shrink(y, v, k, &sh, theta, NULL, &e) == 0) {
            m->shrink_tau2 = sh.tau2;
            m->shrink_mu = sh.mu;
            for (size_t i = 0; i < k; i++)
                g->cells[which[i]].shrunken = theta[i];
        }
        free(theta);
        free(v);
    }
    for (size_t i = 0; i < k; i++) {
        struct bench_cell *c = &g->cells[which[i]];
        if (funnel_limits_mean(0.0, c->se, m->tau2, &c->limits, &e) == 0) {
            c->has_limits = 1;
            c->position = funnel_classify(c->observed_minus_expected,
                                          &c->limits);
        }
    }
    free(y);
    free(se);
    free(which);
}

static void criterion_set(struct criterion *cr, const char *name,
                          const char *text, enum designation level,
                          double required, double observed, int met)
{
    cr->name = name;
    cr->text = text;
    cr->level = level;
    cr->required = required;
    cr->observed = observed;
    cr->met = met;
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

static void group_finish(struct bench_group *g, const struct thresholds *t)
{
    for (size_t i = 0; i < g->cell_count; i++)
        cell_metrics(&g->cells[i]);
    group_model(g, t);
    group_performance(g);
    for (size_t i = 0; i < g->cell_count; i++)
        cell_designate(g, &g->cells[i], t);
}

static struct bench_group *group_new(struct benchmark *b, size_t *alloc,
                                     const char *protocol,
                                     const char *instrument)
{
    if (b->count == *alloc) {
        *alloc = *alloc ? 2 * *alloc : 8;
        b->groups = xrealloc(b->groups, *alloc * sizeof(*b->groups));
    }
    struct bench_group *g = &b->groups[b->count++];
    memset(g, 0, sizeof(*g));
    snprintf(g->protocol, sizeof(g->protocol), "%s", protocol);
    snprintf(g->instrument, sizeof(g->instrument), "%s", instrument);
    g->inst = instrument_find(instrument);
    model_sums_init(&g->sums, PREDICTOR_COUNT);
    return g;
}

static struct bench_cell *cell_new(struct bench_group *g, size_t *alloc,
                                   int64_t practitioner_id)
{
    if (g->cell_count == *alloc) {
        *alloc = *alloc ? 2 * *alloc : 8;
        g->cells = xrealloc(g->cells, *alloc * sizeof(*g->cells));
    }
    struct bench_cell *c = &g->cells[g->cell_count++];
    cell_init(c, practitioner_id);
    return c;
}

/* Runs one group: its rows in practitioner order (a range of the
 * clustered primary key). */
static int group_run(struct store *s, struct bench_group *g,
                     const struct thresholds *t, struct err *e)
{
    struct stmt *st = store_prepare(s, BENCH_COLUMNS);
    stmt_bind_text(st, ":protocol", g->protocol);
    stmt_bind_text(st, ":instrument", g->instrument);
    size_t cell_alloc = 0;
    struct bench_cell *c = NULL;
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        struct bench_row r;
        row_read(st, &r);
        if (!c || c->practitioner_id != r.practitioner_id)
            c = cell_new(g, &cell_alloc, r.practitioner_id);
        cell_add(g, c, &r);
    }
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    group_finish(g, t);
    return 0;
}

int benchmark_run(struct store *s, const char *protocol,
                  const char *instrument, const struct thresholds *t,
                  struct benchmark *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    out->thresholds = *t;
    /* The groups first (few rows), then each group's range in turn. */
    struct stmt *st = store_prepare(
        s, "SELECT DISTINCT protocol_id, instrument FROM episode_summary"
           " WHERE (:protocol IS NULL OR protocol_id = :protocol) AND"
           " (:instrument IS NULL OR instrument = :instrument)"
           " ORDER BY protocol_id, instrument");
    stmt_bind_text(st, ":protocol", protocol);
    stmt_bind_text(st, ":instrument", instrument);
    size_t group_alloc = 0;
    int rc;
    while ((rc = stmt_step(st, e)) == 1)
        group_new(out, &group_alloc, stmt_text(st, 0), stmt_text(st, 1));
    stmt_finalize(st);
    for (size_t i = 0; rc == 0 && i < out->count; i++)
        rc = group_run(s, &out->groups[i], t, e);
    if (rc < 0) {
        benchmark_release(out);
        return -1;
    }
    return 0;
}

void benchmark_release(struct benchmark *b)
{
    for (size_t i = 0; i < b->count; i++) {
        struct bench_group *g = &b->groups[i];
        for (size_t k = 0; k < g->cell_count; k++) {
            free(g->cells[k].times);
            free(g->cells[k].events);
        }
        free(g->cells);
    }
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
