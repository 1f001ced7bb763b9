/* Unit tests for the benchmark's partial states (outcomes/benchmark.h,
 * steps (a) accumulate, (b) merge, (c) finish) and model_sums_merge():
 * the rows of a group split any way into partial states, each encoded
 * and decoded, merged in any order, give every number of one state over
 * all the rows (benchmark_run_summaries) to 1e-12; the encoding is exact
 * and refuses bytes that are not a state. The expected numbers are those
 * of the one-pass computation over the same rows, which the clinic's
 * report uses and test_outcomes.c checks against GSL and R. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "outcomes/benchmark.h"
#include "outcomes/model.h"
#include "outcomes/thresholds.h"

/* A small deterministic generator (splitmix64), so that a failure can be
 * reproduced from its seed. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rng_unit(void)
{
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}

static long rng_below(long n)
{
    return (long)(rng_next() % (uint64_t)n);
}

/* n synthetic summaries of practitioners 1..practitioners, in practitioner
 * order: about a tenth incomplete, improvement from a model of the risk
 * factors plus noise, multiples of 0.25 as scores are. */
static struct bench_summary *rows_make(size_t n, long practitioners)
{
    struct bench_summary *rows = xcalloc(n, sizeof(*rows));
    for (size_t i = 0; i < n; i++) {
        struct bench_summary *sm = &rows[i];
        sm->practitioner_id = 1 + (int64_t)(i * (size_t)practitioners / n);
        if (rng_below(10) == 0) {
            sm->reason = (int8_t)(1 + rng_below(SUMMARY_REASON_COUNT - 1));
            continue;
        }
        sm->reason = SUMMARY_COMPLETE;
        sm->baseline = 3 + 0.25 * (double)rng_below(28);
        sm->age_years = (int32_t)(18 + rng_below(70));
        sm->sex = (int8_t)(rng_below(20) == 0 ? 2 : rng_below(2));
        sm->chronicity_weeks = (int32_t)rng_below(200);
        sm->comorbidities = (int32_t)rng_below(5);
        sm->has_risk = rng_below(8) != 0;
        double skill = 0.3 * (double)(sm->practitioner_id % 5);
        double y = 0.45 * sm->baseline - 0.01 * sm->age_years -
                   0.004 * sm->chronicity_weeks - 0.2 * sm->comorbidities +
                   skill + 1.5 * (rng_unit() - 0.5);
        sm->improvement = 0.25 * round(y * 4);
        sm->responder = sm->improvement >= 2 ? 1 : 0;
        sm->event = sm->responder;
        sm->sessions_to_response = 1 + rng_below(12);
        sm->has_followup = rng_below(3) != 0;
        sm->sustained = sm->responder && sm->has_followup
                            ? (int8_t)(rng_below(5) != 0)
                            : -1;
    }
    return rows;
}

/* a equals b to 1e-12 relative (absolute below 1), NAN equal to NAN. */
static void close_to(double a, double b, const char *what, size_t at)
{
    if (isnan(a) || isnan(b)) {
        cr_assert(isnan(a) && isnan(b), "%s (%zu): %.17g against %.17g",
                  what, at, a, b);
        return;
    }
    double scale = fmax(1.0, fmax(fabs(a), fabs(b)));
    cr_assert(fabs(a - b) <= 1e-12 * scale, "%s (%zu): %.17g against %.17g",
              what, at, a, b);
}

static void groups_agree(const struct bench_group *x,
                         const struct bench_group *y)
{
    cr_assert_eq(x->rows, y->rows);
    for (int r = 0; r < SUMMARY_REASON_COUNT; r++)
        cr_assert_eq(x->incomplete[r], y->incomplete[r]);
    const struct bench_model *a = &x->model, *b = &y->model;
    cr_assert_eq(a->n_complete, b->n_complete);
    cr_assert_eq(a->n_risk, b->n_risk);
    cr_assert_eq(a->adjusted, b->adjusted);
    cr_assert_eq(a->sex_reference, b->sex_reference);
    cr_assert_str_eq(a->note, b->note);
    close_to(a->mean_improvement, b->mean_improvement, "mean", 0);
    close_to(a->sd_improvement, b->sd_improvement, "sd", 0);
    close_to(a->sigma, b->sigma, "sigma", 0);
    close_to(a->fit.intercept, b->fit.intercept, "intercept", 0);
    for (size_t j = 0; j < MODEL_MAX_PREDICTORS; j++) {
        cr_assert_eq(a->fit.used[j], b->fit.used[j]);
        close_to(a->fit.coef[j], b->fit.coef[j], "coef", j);
        close_to(a->fit.se[j], b->fit.se[j], "se", j);
    }
    close_to(a->fit.r2, b->fit.r2, "r2", 0);
    cr_assert_eq(a->funnel_cells, b->funnel_cells);
    close_to(a->phi, b->phi, "phi", 0);
    close_to(a->tau2, b->tau2, "tau2", 0);
    close_to(a->shrink_tau2, b->shrink_tau2, "shrink_tau2", 0);
    close_to(a->shrink_mu, b->shrink_mu, "shrink_mu", 0);
    cr_assert_eq(x->cell_count, y->cell_count);
    for (size_t i = 0; i < x->cell_count; i++) {
        const struct bench_cell *c = &x->cells[i], *d = &y->cells[i];
        cr_assert_eq(c->practitioner_id, d->practitioner_id);
        cr_assert_eq(c->n, d->n);
        cr_assert_eq(c->n_adjusted, d->n_adjusted);
        cr_assert_eq(c->responders, d->responders);
        cr_assert_eq(c->followups, d->followups);
        cr_assert_eq(c->sustained_known, d->sustained_known);
        for (int r = 0; r < SUMMARY_REASON_COUNT; r++)
            cr_assert_eq(c->incomplete[r], d->incomplete[r]);
        close_to(c->mean_improvement, d->mean_improvement, "cell mean", i);
        close_to(c->sd_improvement, d->sd_improvement, "cell sd", i);
        close_to(c->mean_ci95.lower, d->mean_ci95.lower, "cell ci", i);
        close_to(c->responder_rate, d->responder_rate, "responder", i);
        close_to(c->median_sessions, d->median_sessions, "median", i);
        close_to(c->sustained_rate, d->sustained_rate, "sustained", i);
        close_to(c->followup_coverage, d->followup_coverage, "coverage", i);
        close_to(c->expected_improvement, d->expected_improvement,
                 "expected", i);
        close_to(c->observed_minus_expected, d->observed_minus_expected,
                 "o-e", i);
        close_to(c->se, d->se, "cell se", i);
        close_to(c->shrunken, d->shrunken, "shrunken", i);
        cr_assert_eq(c->has_limits, d->has_limits);
        if (c->has_limits) {
            close_to(c->limits.upper95, d->limits.upper95, "upper95", i);
            close_to(c->limits.lower998, d->limits.lower998, "lower998", i);
        }
        cr_assert_eq(c->position, d->position);
        cr_assert_eq(c->designation, d->designation, "designation (%zu)", i);
    }
}

/* Splits rows into `parts` partial states (each row to a random one,
 * keeping practitioner order within each), encodes and decodes each, and
 * merges them in a random order; then finishes. */
static void merged_of(const struct bench_summary *rows, size_t n,
                      size_t parts, const struct thresholds *t,
                      struct bench_group *out)
{
    struct bench_group *states = xcalloc(parts, sizeof(*states));
    for (size_t p = 0; p < parts; p++)
        bench_group_init(&states[p], "low-back-pain", "nprs");
    for (size_t i = 0; i < n; i++)
        bench_group_add(&states[rng_below((long)parts)], &rows[i]);
    size_t *order = xcalloc(parts, sizeof(*order));
    for (size_t p = 0; p < parts; p++)
        order[p] = p;
    for (size_t p = parts; p > 1; p--) {
        size_t k = (size_t)rng_below((long)p), tmp = order[p - 1];
        order[p - 1] = order[k];
        order[k] = tmp;
    }
    bench_group_init(out, "low-back-pain", "nprs");
    struct bench_group decoded;
    bench_group_init(&decoded, "low-back-pain", "nprs");
    for (size_t p = 0; p < parts; p++) {
        unsigned char *bytes;
        size_t len = bench_group_encode(&states[order[p]], &bytes);
        struct err e = ERR_INIT;
        cr_assert_eq(bench_group_decode(bytes, len, &decoded, &e), 0, "%s",
                     e.message);
        free(bytes);
        bench_group_merge(out, &decoded);
    }
    bench_group_release(&decoded);
    bench_group_finish(out, t);
    for (size_t p = 0; p < parts; p++)
        bench_group_release(&states[p]);
    free(states);
    free(order);
}

Test(partial, any_split_merges_to_one_state)
{
    struct thresholds t;
    thresholds_default(&t);
    const size_t sizes[] = {40, 3000};
    const long practitioners[] = {3, 40};
    const size_t splits[] = {1, 2, 7, 50, 400};
    for (size_t s = 0; s < 2; s++) {
        rng_state = 1234 + s;
        struct bench_summary *rows = rows_make(sizes[s], practitioners[s]);
        struct bench_summaries in = {"low-back-pain", "nprs", rows,
                                     sizes[s]};
        struct benchmark one;
        struct err e = ERR_INIT;
        cr_assert_eq(benchmark_run_summaries(&in, 1, &t, &one, &e), 0);
        cr_assert_eq(one.count, 1);
        for (size_t k = 0; k < 5; k++) {
            rng_state = 99 + k;
            struct bench_group merged;
            merged_of(rows, sizes[s], splits[k], &t, &merged);
            groups_agree(&one.groups[0], &merged);
            bench_group_release(&merged);
        }
        benchmark_release(&one);
        free(rows);
    }
}

Test(partial, encoding_is_exact)
{
    rng_state = 7;
    struct bench_summary *rows = rows_make(500, 6);
    struct bench_group g, back;
    bench_group_init(&g, "neck-pain", "nprs");
    bench_group_init(&back, "neck-pain", "nprs");
    for (size_t i = 0; i < 500; i++)
        bench_group_add(&g, &rows[i]);
    unsigned char *bytes, *again;
    size_t len = bench_group_encode(&g, &bytes);
    struct err e = ERR_INIT;
    cr_assert_eq(bench_group_decode(bytes, len, &back, &e), 0);
    size_t len2 = bench_group_encode(&back, &again);
    cr_assert_eq(len, len2);
    cr_assert(!memcmp(bytes, again, len));
    cr_assert(!memcmp(&g.sums, &back.sums, sizeof(g.sums)));
    cr_assert_eq(g.cell_count, back.cell_count);
    for (size_t i = 0; i < g.cell_count; i++) {
        cr_assert_eq(memcmp(&g.cells[i].mean_improvement,
                            &back.cells[i].mean_improvement, sizeof(double)),
                     0);
        cr_assert_eq(memcmp(&g.cells[i].m2_improvement,
                            &back.cells[i].m2_improvement, sizeof(double)),
                     0);
    }
    /* Not a state: a wrong format byte, cut short, one byte too many. */
    bytes[0] ^= 0x7f;
    cr_assert_eq(bench_group_decode(bytes, len, &back, &e), -1);
    cr_assert_str_eq(e.field, "state");
    cr_assert_eq(back.cell_count, 0);
    bytes[0] ^= 0x7f;
    for (size_t cut = 0; cut < len; cut += 37)
        cr_assert_eq(bench_group_decode(bytes, cut, &back, &e), -1,
                     "decoded %zu of %zu bytes", cut, len);
    unsigned char *longer = xcalloc(len + 1, 1);
    memcpy(longer, bytes, len);
    cr_assert_eq(bench_group_decode(longer, len + 1, &back, &e), -1);
    free(longer);
    free(bytes);
    free(again);
    bench_group_release(&g);
    bench_group_release(&back);
    free(rows);
}

/* A state stored after its first rows, decoded and given the rest in
 * order, is the state of all the rows to the bit (what a batch that only
 * adds rows after a state's own relies on: registry/partial.h,
 * registry_partial_extend_clinic). Cut anywhere, one practitioner (as the
 * registry keeps its states) or several. */
Test(partial, decoded_state_goes_on_to_the_bit)
{
    rng_state = 11;
    const long practitioners[] = {1, 5};
    for (size_t pi = 0; pi < ARRAY_SIZE(practitioners); pi++) {
        struct bench_summary *rows = rows_make(400, practitioners[pi]);
        struct bench_group all;
        bench_group_init(&all, "low-back-pain", "nprs");
        for (size_t i = 0; i < 400; i++)
            bench_group_add(&all, &rows[i]);
        unsigned char *want;
        size_t want_len = bench_group_encode(&all, &want);
        const size_t cuts[] = {1, 2, 9, 80, 81, 200, 399};
        for (size_t c = 0; c < ARRAY_SIZE(cuts); c++) {
            struct bench_group first, back;
            bench_group_init(&first, "low-back-pain", "nprs");
            bench_group_init(&back, "low-back-pain", "nprs");
            for (size_t i = 0; i < cuts[c]; i++)
                bench_group_add(&first, &rows[i]);
            unsigned char *stored, *got;
            size_t len = bench_group_encode(&first, &stored);
            struct err e = ERR_INIT;
            cr_assert_eq(bench_group_decode(stored, len, &back, &e), 0);
            for (size_t i = cuts[c]; i < 400; i++)
                bench_group_add(&back, &rows[i]);
            size_t got_len = bench_group_encode(&back, &got);
            cr_assert_eq(got_len, want_len, "cut at %zu of %ld", cuts[c],
                         practitioners[pi]);
            cr_assert(!memcmp(got, want, want_len), "cut at %zu, %ld "
                      "practitioners: not the same bytes", cuts[c],
                      practitioners[pi]);
            free(stored);
            free(got);
            bench_group_release(&first);
            bench_group_release(&back);
        }
        free(want);
        bench_group_release(&all);
        free(rows);
    }
}

Test(partial, model_sums_merge_equals_one_pass)
{
    rng_state = 42;
    double x[300][3], y[300];
    for (int i = 0; i < 300; i++) {
        x[i][0] = 100 + 10 * rng_unit();
        x[i][1] = rng_below(2);
        x[i][2] = 50 * rng_unit();
        y[i] = 0.5 * x[i][0] - 3 * x[i][1] + 0.1 * x[i][2] + rng_unit();
    }
    struct model_sums all, a, b, c;
    model_sums_init(&all, 3);
    model_sums_init(&a, 3);
    model_sums_init(&b, 3);
    model_sums_init(&c, 3);
    for (int i = 0; i < 300; i++) {
        model_sums_add(&all, x[i], y[i]);
        model_sums_add(i < 17 ? &a : i < 200 ? &b : &c, x[i], y[i]);
    }
    struct model_sums empty;
    model_sums_init(&empty, 3);
    model_sums_merge(&b, &empty);     /* nothing added */
    model_sums_merge(&empty, &c);     /* an empty one takes the other */
    model_sums_merge(&empty, &a);
    model_sums_merge(&empty, &b);
    cr_assert_eq(empty.n, 300);
    struct model_fit f1, f2;
    struct err e = ERR_INIT;
    cr_assert_eq(model_fit(&all, NULL, &f1, &e), 0);
    cr_assert_eq(model_fit(&empty, NULL, &f2, &e), 0);
    close_to(f1.intercept, f2.intercept, "intercept", 0);
    for (size_t j = 0; j < 3; j++) {
        close_to(f1.coef[j], f2.coef[j], "coef", j);
        close_to(f1.se[j], f2.se[j], "se", j);
        close_to(f1.mean_x[j], f2.mean_x[j], "mean_x", j);
        close_to(model_sums_total(&all, j), model_sums_total(&empty, j),
                 "total", j);
    }
    close_to(f1.rss, f2.rss, "rss", 0);
    close_to(f1.sigma, f2.sigma, "sigma", 0);
}
