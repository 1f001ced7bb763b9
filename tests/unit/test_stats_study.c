/*
 * Unit tests for stats/study.h: the within-subject experiment analysis.
 * Expected numbers: the seed article's figures (arithmetic shown) and R
 * 4.2.2 on examples/synthetic-contralateral-pvr.csv (calls quoted).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "stats/study.h"
#include "unit/test_helpers.h"

#define TIGHT 1e-9

/* assert_close_relative within TIGHT, the message led by the timepoint's
 * label. */
#define assert_tight_at(label, actual, expected)                             \
    do {                                                                     \
        double a_ = (actual), x_ = (expected);                               \
        cr_assert(fabs(a_ - x_) <= TIGHT * fmax(fabs(x_), 1e-300),           \
                  "%s: %s = %.17g, expected %.17g (rel %g)", (label),        \
                  #actual, a_, x_, TIGHT);                                   \
    } while (0)

/* R's figures for a later timepoint: its label, n, mean, SD, the mean
 * change, its percentage and 95% interval, the t and Wilcoxon p values. */
struct later_timepoint {
    const char *label;
    size_t n;
    double mean, sd, mean_change, pct_change, lower, upper, t_p, wilcoxon_p;
};

/* Checks got against want, each number within TIGHT. */
static void assert_later_timepoint(const struct study_timepoint *got,
                                   const struct later_timepoint *want)
{
    const char *label = want->label;
    cr_assert_eq(got->n, want->n, "%s: n %zu, expected %zu", label, got->n,
                 want->n);
    assert_tight_at(label, got->mean, want->mean);
    assert_tight_at(label, got->sd, want->sd);
    assert_tight_at(label, got->mean_change, want->mean_change);
    assert_tight_at(label, got->pct_change, want->pct_change);
    assert_tight_at(label, got->change_ci95.lower, want->lower);
    assert_tight_at(label, got->change_ci95.upper, want->upper);
    assert_tight_at(label, got->t_p, want->t_p);
    assert_tight_at(label, got->wilcoxon_p, want->wilcoxon_p);
}

Test(study, seed_contralateral_limb)
{
    /* Prilutsky 2003 (the seed article): PVR 0.81 at baseline, 1.22 after
     * 15 minutes, 1.63 two hours later. One subject. */
    const double values[] = {0.81, 1.22, 1.63};
    struct study_timepoint tp[3];
    struct err e = ERR_INIT;
    cr_assert_eq(study_analyze(values, 1, 3, 0, tp, &e), 0);
    cr_assert_eq(tp[0].n, 1);
    cr_assert_eq(tp[0].mean, 0.81);
    cr_assert(isnan(tp[0].sd));
    /* (1.22 - 0.81) / 0.81 * 100 = 50.617...; (1.63 - 0.81) / 0.81 * 100
     * = 101.234... */
    cr_assert_eq(tp[1].n, 1);
    assert_close_relative(tp[1].mean_change, 0.41, 1e-12);
    assert_close_relative(tp[1].pct_change, 0.41 / 0.81 * 100, 1e-12);
    cr_assert(fabs(tp[1].pct_change - 50.6) < 0.05);
    assert_close_relative(tp[2].mean_change, 0.82, 1e-12);
    cr_assert(fabs(tp[2].pct_change - 101.2) < 0.05);
    /* n = 1: the change alone; no SD, interval or tests, with reasons. */
    for (int t = 1; t < 3; t++) {
        cr_assert(isnan(tp[t].sd));
        cr_assert(isnan(tp[t].change_ci95.lower));
        cr_assert(isnan(tp[t].t_p) && isnan(tp[t].wilcoxon_p));
        cr_assert(strstr(tp[t].t_note, "one subject"));
        cr_assert(strstr(tp[t].wilcoxon_note, "one subject"));
    }
}

/* examples/synthetic-contralateral-pvr.csv as a subjects x timepoints
 * matrix (baseline, 15min, 2h); SYN-08 has no 2h value. */
#define NA NAN
static const double synthetic[] = {
    0.83, 1.19, 1.58, /* SYN-01 */
    0.74, 1.05, 1.38, /* SYN-02 */
    0.92, 1.31, 1.70, /* SYN-03 */
    0.66, 0.98, 1.21, /* SYN-04 */
    0.88, 0.88, 1.29, /* SYN-05 */
    0.74, 1.05, 1.47, /* SYN-06 */
    1.02, 1.37, 1.81, /* SYN-07 */
    0.79, 1.16, NA,   /* SYN-08 */
    0.70, 1.02, 1.19, /* SYN-09 */
    0.95, 1.27, 1.88, /* SYN-10 */
};

Test(study, synthetic_example_matches_r)
{
    /* In R:
     * d <- read.csv("examples/synthetic-contralateral-pvr.csv")
     * w <- reshape(d[, 1:3], idvar = "subject", timevar = "timepoint",
     *              direction = "wide"); b <- w$value.baseline
     * for each later timepoint v: ok <- !is.na(v) & !is.na(b);
     * x <- v[ok]; y <- b[ok]; t.test(x, y, paired = TRUE);
     * wilcox.test(x, y, paired = TRUE) */
    struct study_timepoint tp[3];
    struct err e = ERR_INIT;
    cr_assert_eq(study_analyze(synthetic, 10, 3, 0, tp, &e), 0);
    /* baseline: n 10, mean 0.823, sd 0.117478130352467 */
    cr_assert_eq(tp[0].n, 10);
    assert_close_relative(tp[0].mean, 0.823, TIGHT);
    assert_close_relative(tp[0].sd, 0.117478130352467, TIGHT);
    /* 15min: n 10, mean 1.128, sd 0.157748041016186, change 0.305,
     * pct 37.0595382746051, CI 0.225824499302063 0.384175500697937,
     * t p 1.1107976482394e-05, Wilcoxon p 0.00902991076269246 (with
     * continuity correction: a zero change and a tie) */
    assert_later_timepoint(
        &tp[1], &(struct later_timepoint){
                    "15min", 10, 1.128, 0.157748041016186, 0.305,
                    37.0595382746051, 0.225824499302063, 0.384175500697937,
                    1.1107976482394e-05, 0.00902991076269246});
    /* 2h: n 9, mean 1.50111111111111, sd 0.256536763663829,
     * change 0.674444444444444, pct 81.5860215053763,
     * CI 0.547200793554882 0.801688095334007, t p 1.86322141306267e-06,
     * Wilcoxon p 0.00390625 (exact) */
    assert_later_timepoint(
        &tp[2], &(struct later_timepoint){
                    "2h", 9, 1.50111111111111, 0.256536763663829,
                    0.674444444444444, 81.5860215053763, 0.547200793554882,
                    0.801688095334007, 1.86322141306267e-06, 0.00390625});
    cr_assert_str_eq(tp[2].t_note, "");
}

Test(study, other_baseline_and_degenerate_cases)
{
    /* Baseline = 15min: the 2h change is then from 15 minutes. */
    struct study_timepoint tp[3];
    struct err e = ERR_INIT;
    cr_assert_eq(study_analyze(synthetic, 10, 3, 1, tp, &e), 0);
    cr_assert_eq(tp[1].n, 10);
    cr_assert(isnan(tp[1].mean_change));
    cr_assert_eq(tp[0].n, 10);
    assert_close_relative(tp[0].mean_change, -0.305, TIGHT);
    /* Constant changes: no t-test, no CI; Wilcoxon still computable. */
    const double constant[] = {1, 2, 2, 3, 3, 4};
    cr_assert_eq(study_analyze(constant, 3, 2, 0, tp, &e), 0);
    cr_assert(isnan(tp[1].t_p) && isnan(tp[1].change_ci95.lower));
    cr_assert(strstr(tp[1].t_note, "no variance"), "%s", tp[1].t_note);
    /* wilcox.test(c(2, 3, 4), c(1, 2, 3), paired = TRUE)$p.value =
     * 0.148914673178766 (all tied: normal approximation) */
    assert_close_relative(tp[1].wilcoxon_p, 0.148914673178766, TIGHT);
    /* No change at all: neither test. */
    const double still[] = {1, 1, 2, 2, 3, 3};
    cr_assert_eq(study_analyze(still, 3, 2, 0, tp, &e), 0);
    cr_assert(isnan(tp[1].wilcoxon_p));
    cr_assert(strstr(tp[1].wilcoxon_note, "zero"));
    cr_assert_eq(tp[1].pct_change, 0.0);
    /* A zero baseline mean: no percent change. */
    const double zero[] = {-1, 1, 1, 2};
    cr_assert_eq(study_analyze(zero, 2, 2, 0, tp, &e), 0);
    cr_assert(isnan(tp[1].pct_change));
    cr_assert(strstr(tp[1].pct_note, "zero"));
    /* No overlap. */
    const double apart[] = {1, NA, NA, 2};
    cr_assert_eq(study_analyze(apart, 2, 2, 0, tp, &e), 0);
    cr_assert_eq(tp[1].n, 0);
    cr_assert(isnan(tp[1].mean));
    /* Refusals. */
    cr_assert_eq(study_analyze(apart, 2, 2, 2, tp, &e), -1);
    cr_assert_str_eq(e.field, "baseline");
    cr_assert_eq(study_analyze(apart, 2, 1, 0, tp, &e), -1);
    cr_assert_eq(study_analyze(apart, 0, 2, 0, tp, &e), -1);
}
