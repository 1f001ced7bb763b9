/*
 * Unit tests for stats/: every expected number comes from R 4.2.2 (the
 * call is quoted beside it) or from a published worked example, and is
 * checked to at least 6 significant digits (most to 1e-9 relative).
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "stats/change.h"
#include "stats/describe.h"
#include "stats/distributions.h"
#include "stats/funnel.h"
#include "stats/paired.h"
#include "stats/proportion.h"
#include "stats/regression.h"
#include "stats/shrinkage.h"
#include "stats/survival.h"
#include "unit/test_helpers.h"

#define TIGHT 1e-9
#define SIX_DIGITS 1e-6

static const double x7[] = {2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8};

/* ---- describe ---------------------------------------------------------- */

Test(describe, mean_and_sd_match_r)
{
    double mean, sd;
    stats_mean_sd(x7, 7, &mean, &sd);
    assert_close_relative(mean, 3.35714285714286, TIGHT); /* mean(x7) */
    assert_close_relative(sd, 1.2998168369135, TIGHT);    /* sd(x7) */
}

Test(describe, welford_is_stable_far_from_zero)
{
    /* Welford's classic case: var(1e9 + c(4, 7, 13, 16)) = 30 in R; the
     * naive sum-of-squares formula loses every digit here. */
    const double x[] = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
    double mean, sd;
    stats_mean_sd(x, 4, &mean, &sd);
    assert_close_relative(mean, 1000000010.0, TIGHT);
    assert_close_relative(sd * sd, 30.0, TIGHT);
}

Test(describe, undefined_summaries_are_nan)
{
    double mean = 0, sd = 0;
    stats_mean_sd(NULL, 0, &mean, &sd);
    cr_assert(isnan(mean) && isnan(sd));
    stats_mean_sd(x7, 1, &mean, &sd);
    cr_assert_eq(mean, 2.1);
    cr_assert(isnan(sd));
}

Test(describe, quantile_type_7_matches_r)
{
    /* quantile(x7, c(0, .1, .25, .5, .9, 1), type = 7):
     * 1.90 2.02 2.45 3.30 4.88 5.60 */
    const double p[] = {0, 0.1, 0.25, 0.5, 0.9, 1};
    const double q[] = {1.90, 2.02, 2.45, 3.30, 4.88, 5.60};
    for (size_t i = 0; i < 6; i++)
        assert_close_relative(stats_quantile(x7, 7, p[i]), q[i], TIGHT);
    /* quantile(c(1, 2, 3, 4, 10), 0.3) = 2.2 */
    const double y[] = {10, 4, 1, 3, 2};
    assert_close_relative(stats_quantile(y, 5, 0.3), 2.2, TIGHT);
    const double sorted[] = {1, 2, 3, 4, 10};
    assert_close_relative(stats_quantile_sorted(sorted, 5, 0.3), 2.2, TIGHT);
    cr_assert_eq(stats_quantile_sorted(sorted, 5, 1.0), 10.0);
    cr_assert_eq(stats_quantile_sorted(sorted, 1, 0.7), 1.0);
    cr_assert(isnan(stats_quantile(y, 0, 0.5)));
    cr_assert(isnan(stats_quantile(y, 5, 1.5)));
    cr_assert(isnan(stats_quantile(y, 5, NAN)));
}

Test(describe, mean_ci_matches_t_test)
{
    struct stats_mean_ci m;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_mean_ci(x7, 7, 0.95, &m, &e), 0);
    /* t.test(x7)$conf.int: 2.15501278193121 4.55927293235451 */
    assert_close_relative(m.ci.lower, 2.15501278193121, TIGHT);
    assert_close_relative(m.ci.upper, 4.55927293235451, TIGHT);
    assert_close_relative(m.mean, 3.35714285714286, TIGHT);
    cr_assert(m.ci.lower < m.mean && m.mean < m.ci.upper);
}

Test(describe, mean_ci_refuses_what_it_cannot_compute)
{
    struct stats_mean_ci m;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_mean_ci(x7, 1, 0.95, &m, &e), -1);
    cr_assert_str_eq(e.field, "x");
    cr_assert_eq(m.mean, 2.1);
    cr_assert(isnan(m.ci.lower));
    const double same[] = {4, 4, 4};
    cr_assert_eq(stats_mean_ci(same, 3, 0.95, &m, &e), -1);
    cr_assert(strstr(e.message, "no variance"));
    cr_assert_eq(stats_mean_ci(x7, 7, 1.0, &m, &e), -1);
    cr_assert_str_eq(e.field, "conf");
}

/* ---- distributions ----------------------------------------------------- */

Test(distributions, normal_matches_r)
{
    assert_close_relative(stats_normal_cdf(1.959964), 0.975000000903558, TIGHT);
    /* pnorm(1.959964) */
    assert_close_relative(stats_normal_cdf(-3.2), 0.000687137937915848, TIGHT);
    /* pnorm(-3.2) */
    assert_close_relative(stats_normal_upper(9), 1.12858840595384e-19, TIGHT);
    /* pnorm(9, lower.tail = FALSE) */
    assert_close_relative(stats_normal_quantile(0.975),
                          1.95996398454005, TIGHT);
    /* qnorm(0.975) */
    assert_close_relative(stats_normal_quantile(0.999),
                          3.09023230616781, TIGHT);
    /* qnorm(0.999) */
    assert_close_relative(stats_normal_quantile(1e-10),
                          -6.36134090240406, TIGHT);
    /* qnorm(1e-10) */
    cr_assert(isinf(stats_normal_quantile(1)));
    cr_assert(isnan(stats_normal_quantile(1.5)));
}

Test(distributions, student_t_matches_r)
{
    assert_close_relative(stats_t_cdf(2.1, 5), 0.955123375057701, TIGHT);
    /* pt(2.1, 5) */
    assert_close_relative(stats_t_cdf(-3.5, 2.5), 0.0261727734801602, TIGHT);
    /* pt(-3.5, 2.5): fractional df */
    assert_close_relative(stats_t_upper(40, 3), 1.71903403945793e-05, TIGHT);
    /* pt(40, 3, lower.tail = FALSE) */
    assert_close_relative(stats_t_quantile(0.975, 9), 2.2621571627982, TIGHT);
    /* qt(0.975, 9) */
    assert_close_relative(stats_t_quantile(0.025, 3), -3.18244630528371, TIGHT);
    /* qt(0.025, 3) */
    assert_close_relative(stats_t_quantile(0.9, 2.5), 1.73025092880718, TIGHT);
    /* qt(0.9, 2.5) */
    assert_close_relative(stats_t_quantile(0.995, 120),
                          2.61742114510687, TIGHT);
    /* qt(0.995, 120) */
    assert_close_relative(stats_t_two_sided_p(2.5, 7),
                          0.0409922185857529, TIGHT);
    /* 2 * pt(-2.5, 7) */
    assert_close_relative(stats_t_two_sided_p(-0.3, 1.5),
                          0.800472196803585, TIGHT);
    /* 2 * pt(-0.3, 1.5) */
    cr_assert_eq(stats_t_two_sided_p(0, 4), 1.0);
    cr_assert(isnan(stats_t_cdf(1, 0)));
    cr_assert(isnan(stats_t_quantile(0.5, -1)));
}

/* ---- Wilson ------------------------------------------------------------ */

Test(proportion, wilson_matches_formula_and_prop_test)
{
    /* Expected: Wilson's formula in R with z = 1.959964,
     *   wil <- function(x, n, z = 1.959964) { p <- x/n;
     *     (p + z^2/(2*n) + c(-1, 1) * z * sqrt(p*(1-p)/n + z^2/(4*n^2))) /
     *     (1 + z^2/n) }
     * which agrees with prop.test(x, n, correct = FALSE)$conf.int to 8
     * digits (prop.test(7, 20): 0.181191824101082 0.567145723314764). */
    const struct {
        long x, n;
        double lower, upper;
    } c[] = {
        {7, 20, 0.181191823123983, 0.567145724931556},   /* wil(7, 20) */
        {0, 10, 0.0, 0.277532803026058},                 /* wil(0, 10) */
        {10, 10, 0.722467196973942, 1.0},                /* wil(10, 10) */
        {1, 1000, 0.000176546368676537, 0.00564255865992614}, /* wil(1,1000) */
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct stats_interval ci;
        double p;
        struct err e = ERR_INIT;
        cr_assert_eq(stats_wilson_interval(c[i].x, c[i].n, STATS_Z95, &p, &ci,
                                           &e), 0);
        if (c[i].lower == 0.0)
            cr_assert_eq(ci.lower, 0.0);
        else
            assert_close_relative(ci.lower, c[i].lower, TIGHT);
        assert_close_relative(ci.upper, c[i].upper, TIGHT);
    }
    /* prop.test(7, 20, correct = FALSE)$conf.int, z = qnorm(0.975) */
    struct stats_interval ci;
    struct err e = ERR_INIT;
    stats_wilson_interval(7, 20, STATS_Z95, NULL, &ci, &e);
    assert_close_relative(ci.lower, 0.181191824101082, SIX_DIGITS);
    assert_close_relative(ci.upper, 0.567145723314764, SIX_DIGITS);
}

Test(proportion, wilson_contains_its_estimate)
{
    /* Property: for every x/n with n up to 60, the interval contains p
     * and lies in [0, 1]; also at 99.8%. */
    for (long n = 1; n <= 60; n++)
        for (long x = 0; x <= n; x++) {
            struct stats_interval ci;
            double p;
            struct err e = ERR_INIT;
            cr_assert_eq(stats_wilson_interval(x, n, STATS_Z95, &p, &ci,
                                               &e), 0);
            cr_assert(ci.lower <= p && p <= ci.upper, "%ld/%ld", x, n);
            cr_assert(ci.lower >= 0.0 && ci.upper <= 1.0);
            cr_assert_eq(stats_wilson_interval(x, n, STATS_Z998, &p, &ci,
                                               &e), 0);
            cr_assert(ci.lower <= p && p <= ci.upper, "%ld/%ld", x, n);
        }
}

Test(proportion, wilson_refuses_impossible_counts)
{
    struct stats_interval ci;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_wilson_interval(1, 0, STATS_Z95, NULL, &ci, &e), -1);
    cr_assert_str_eq(e.field, "n");
    cr_assert_eq(stats_wilson_interval(6, 5, STATS_Z95, NULL, &ci, &e), -1);
    cr_assert_str_eq(e.field, "x");
    cr_assert_eq(stats_wilson_interval(-1, 5, STATS_Z95, NULL, &ci, &e), -1);
    cr_assert_eq(stats_wilson_interval(1, 5, 0.0, NULL, &ci, &e), -1);
    cr_assert_str_eq(e.field, "z");
}

/* ---- paired tests ------------------------------------------------------ */

/* R's sleep data (Cushny & Peebles 1905, as analysed by Student 1908):
 * extra hours of sleep with drug 1 and drug 2 in the same 10 patients. */
static const double sleep1[] = {0.7, -1.6, -0.2, -1.2, -0.1,
                                3.4, 3.7,  0.8,  0.0,  2.0};
static const double sleep2[] = {1.9, 0.8, 1.1, 0.1, -0.1,
                                4.4, 5.5, 1.6, 4.6, 3.4};

Test(paired, t_test_matches_r_on_sleep)
{
    struct stats_t_test t;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_paired_t_test(sleep1, sleep2, 10, 0.95, &t, &e), 0);
    /* with(sleep, t.test(extra[1:10], extra[11:20], paired = TRUE)):
     * t = -4.06212768338204, df = 9, p-value = 0.00283289019738427,
     * 95% CI -2.459885763276982 -0.700114236723018, mean diff -1.58 */
    assert_close_relative(t.t, -4.06212768338204, TIGHT);
    cr_assert_eq(t.df, 9.0);
    assert_close_relative(t.p, 0.00283289019738427, TIGHT);
    assert_close_relative(t.ci.lower, -2.459885763276982, TIGHT);
    assert_close_relative(t.ci.upper, -0.700114236723018, TIGHT);
    assert_close_relative(t.mean_difference, -1.58, TIGHT);
    /* y = NULL: x holds the differences themselves. */
    double d[10];
    for (int i = 0; i < 10; i++)
        d[i] = sleep1[i] - sleep2[i];
    struct stats_t_test t2;
    cr_assert_eq(stats_paired_t_test(d, NULL, 10, 0.95, &t2, &e), 0);
    assert_close_relative(t2.p, t.p, TIGHT);
}

Test(paired, t_test_refuses_one_pair_and_constant_differences)
{
    struct stats_t_test t;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_paired_t_test(sleep1, sleep2, 1, 0.95, &t, &e), -1);
    cr_assert(strstr(e.message, "at least 2"));
    assert_close_relative(t.mean_difference, -1.2, TIGHT);
    cr_assert(isnan(t.p) && isnan(t.ci.lower));
    /* R: t.test(c(2, 3, 4), c(1, 2, 3), paired = TRUE) stops with "data
     * are essentially constant". */
    const double a[] = {2, 3, 4}, b[] = {1, 2, 3};
    cr_assert_eq(stats_paired_t_test(a, b, 3, 0.95, &t, &e), -1);
    cr_assert(strstr(e.message, "no variance"));
}

Test(paired, wilcoxon_normal_approximation_with_zeros_and_ties)
{
    struct stats_wilcoxon w;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_wilcoxon_signed_rank(sleep1, sleep2, 10, &w, &e), 0);
    /* with(sleep, wilcox.test(extra[1:10], extra[11:20], paired = TRUE)):
     * V = 0, p-value = 0.00909069801592506 (normal approximation with
     * continuity correction: one zero difference and ties). */
    cr_assert_eq(w.v, 0.0);
    assert_close_relative(w.p, 0.00909069801592506, TIGHT);
    cr_assert_not(w.exact);
    cr_assert(w.ties);
    cr_assert_eq(w.n_zero, 1);
    cr_assert_eq(w.n_used, 9);
}

/* Hollander & Wolfe (1973, p. 29) depression scale, first and second
 * visits, R's ?wilcox.test example. */
static const double hw_x[] = {1.83, 0.50, 1.62, 2.48, 1.68,
                              1.88, 1.55, 3.06, 1.30};
static const double hw_y[] = {0.878, 0.647, 0.598, 2.05, 1.06,
                              1.29,  1.06,  3.14,  1.29};

Test(paired, wilcoxon_exact_matches_published_example)
{
    struct stats_wilcoxon w;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_wilcoxon_signed_rank(hw_x, hw_y, 9, &w, &e), 0);
    /* wilcox.test(x, y, paired = TRUE): V = 40, p-value = 0.0390625
     * (exact: 20/512) */
    cr_assert_eq(w.v, 40.0);
    cr_assert(w.exact);
    assert_close_relative(w.p, 0.0390625, TIGHT);
    /* wilcox.test(y, x, paired = TRUE): V = 5, p-value = 0.0390625 */
    cr_assert_eq(stats_wilcoxon_signed_rank(hw_y, hw_x, 9, &w, &e), 0);
    cr_assert_eq(w.v, 5.0);
    assert_close_relative(w.p, 0.0390625, TIGHT);
}

static void sine_pairs(size_t n, double *a, double *b)
{
    for (size_t i = 1; i <= n; i++) {
        a[i - 1] = sin((double)i) * 10 + (double)i / 7;
        b[i - 1] = cos((double)i) * 3;
    }
}

Test(paired, wilcoxon_switches_to_normal_at_50)
{
    double a[60], b[60];
    struct stats_wilcoxon w;
    struct err e = ERR_INIT;
    /* i <- 1:49; a <- sin(i)*10 + i/7; b <- cos(i)*3
     * wilcox.test(a, b, paired = TRUE): V = 906, p-value =
     * 0.0029923619415051, "Wilcoxon signed rank exact test" */
    sine_pairs(49, a, b);
    cr_assert_eq(stats_wilcoxon_signed_rank(a, b, 49, &w, &e), 0);
    cr_assert(w.exact);
    cr_assert_eq(w.v, 906.0);
    assert_close_relative(w.p, 0.0029923619415051, TIGHT);
    /* i <- 1:60 (no ties): V = 1441, p-value = 0.000109496888920013 by
     * the normal approximation with continuity correction */
    sine_pairs(60, a, b);
    cr_assert_eq(stats_wilcoxon_signed_rank(a, b, 60, &w, &e), 0);
    cr_assert_not(w.exact);
    cr_assert_not(w.ties);
    cr_assert_eq(w.v, 1441.0);
    assert_close_relative(w.p, 0.000109496888920013, TIGHT);
}

Test(paired, wilcoxon_refuses_all_zero_differences)
{
    const double a[] = {1, 2, 3};
    struct stats_wilcoxon w;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_wilcoxon_signed_rank(a, a, 3, &w, &e), -1);
    cr_assert(strstr(e.message, "zero"));
    cr_assert(isnan(w.p));
    cr_assert_eq(stats_wilcoxon_signed_rank(a, a, 0, &w, &e), -1);
}

Test(paired, average_ranks_match_r)
{
    /* rank(c(3, 1, 4, 1, 5, 9, 2, 6, 5)) =
     * 4.0 1.5 5.0 1.5 6.5 9.0 3.0 8.0 6.5; ties: two pairs, 2 * (8 - 2) */
    const double v[] = {3, 1, 4, 1, 5, 9, 2, 6, 5};
    const double r[] = {4.0, 1.5, 5.0, 1.5, 6.5, 9.0, 3.0, 8.0, 6.5};
    double out[9];
    cr_assert_eq(stats_rank_average(v, 9, out), 12.0);
    for (int i = 0; i < 9; i++)
        cr_assert_eq(out[i], r[i]);
}

/* ---- Kaplan-Meier ------------------------------------------------------ */

Test(survival, kaplan_meier_matches_survfit_on_aml)
{
    /* survival::aml, maintained group (Miller 1981):
     * survfit(Surv(time, status) ~ 1, data = aml[aml$x == "Maintained", ]) */
    const double time[] = {9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161};
    const int event[] = {1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0};
    const struct stats_km_step expected[] = {
        {9, 11, 1, 0, 0.909090909090909},
        {13, 10, 1, 1, 0.818181818181818},
        {18, 8, 1, 0, 0.715909090909091},
        {23, 7, 1, 0, 0.613636363636364},
        {28, 6, 0, 1, 0.613636363636364},
        {31, 5, 1, 0, 0.490909090909091},
        {34, 4, 1, 0, 0.368181818181818},
        {45, 3, 0, 1, 0.368181818181818},
        {48, 2, 1, 0, 0.184090909090909},
        {161, 1, 0, 1, 0.184090909090909},
    };
    struct stats_km km = STATS_KM_INIT;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_kaplan_meier(time, event, 11, &km, &e), 0);
    cr_assert_eq(km.steps, 10);
    cr_assert_eq(km.events, 7);
    for (size_t i = 0; i < km.steps; i++) {
        cr_assert_eq(km.step[i].time, expected[i].time);
        cr_assert_eq(km.step[i].at_risk, expected[i].at_risk);
        cr_assert_eq(km.step[i].events, expected[i].events);
        cr_assert_eq(km.step[i].censored, expected[i].censored);
        assert_close_relative(km.step[i].survival, expected[i].survival, 1e-12);
    }
    /* summary(fit)$table["median"] = 31 */
    cr_assert_eq(km.median, 31.0);
    stats_km_release(&km);
    stats_km_release(&km);
}

Test(survival, kaplan_meier_ties_and_unordered_input)
{
    /* aml, non-maintained group, shuffled: survfit gives S = 0.833333,
     * 0.666667, 0.583333, 0.583333, 0.486111, ... and median 23. */
    const double time[] = {30, 5, 45, 8, 16, 12, 5, 23, 43, 27, 8, 33};
    const int event[] = {1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1};
    struct stats_km km = STATS_KM_INIT;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_kaplan_meier(time, event, 12, &km, &e), 0);
    cr_assert_eq(km.steps, 10);
    assert_close_relative(km.step[0].survival, 0.8333333333333334, 1e-12);
    assert_close_relative(km.step[1].survival, 0.6666666666666667, 1e-12);
    assert_close_relative(km.step[4].survival, 0.4861111111111112, 1e-12);
    assert_close_relative(km.step[8].survival, 0.0972222222222222, 1e-12);
    cr_assert_eq(km.step[9].survival, 0.0);
    cr_assert_eq(km.median, 23.0);
    stats_km_release(&km);
}

Test(survival, median_is_first_time_at_or_below_half)
{
    /* Four events at 1, 2, 3, 4: S(2) = 0.5 exactly. statistics.md's
     * definition (first time S(t) <= 0.5) gives 2; survfit would report
     * 2.5, the midpoint of the flat stretch at 0.5 (a documented
     * difference). */
    const double time[] = {1, 2, 3, 4};
    const int event[] = {1, 1, 1, 1};
    struct stats_km km = STATS_KM_INIT;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_kaplan_meier(time, event, 4, &km, &e), 0);
    cr_assert_eq(km.median, 2.0);
    stats_km_release(&km);
    /* survfit(Surv(c(2, 3, 3, 5, 6), c(0, 0, 1, 0, 0)) ~ 1): S never
     * reaches 0.5 (min 0.75), median NA. */
    const double t2[] = {2, 3, 3, 5, 6};
    const int e2[] = {0, 0, 1, 0, 0};
    cr_assert_eq(stats_kaplan_meier(t2, e2, 5, &km, &e), 0);
    cr_assert(isnan(km.median));
    assert_close_relative(km.step[1].survival, 0.75, 1e-12);
    stats_km_release(&km);
}

Test(survival, kaplan_meier_refuses_bad_input)
{
    struct stats_km km = STATS_KM_INIT;
    struct err e = ERR_INIT;
    const double time[] = {1, NAN};
    const int event[] = {1, 2};
    cr_assert_eq(stats_kaplan_meier(time, event, 0, &km, &e), -1);
    cr_assert_eq(stats_kaplan_meier(time, event, 2, &km, &e), -1);
    cr_assert_str_eq(e.field, "time");
    const double t2[] = {1, 2};
    cr_assert_eq(stats_kaplan_meier(t2, event, 2, &km, &e), -1);
    cr_assert_str_eq(e.field, "event");
    cr_assert_null(km.step);
}

/* ---- least squares ----------------------------------------------------- */

/* R's longley data (Longley 1967; NIST StRD certifies the same ill-
 * conditioned regression): GNP.deflator, GNP, Unemployed, Armed.Forces,
 * Population, Year; response Employed. */
static const double longley_x[16][6] = {
    {83.0, 234.289, 235.6, 159.0, 107.608, 1947},
    {88.5, 259.426, 232.5, 145.6, 108.632, 1948},
    {88.2, 258.054, 368.2, 161.6, 109.773, 1949},
    {89.5, 284.599, 335.1, 165.0, 110.929, 1950},
    {96.2, 328.975, 209.9, 309.9, 112.075, 1951},
    {98.1, 346.999, 193.2, 359.4, 113.270, 1952},
    {99.0, 365.385, 187.0, 354.7, 115.094, 1953},
    {100.0, 363.112, 357.8, 335.0, 116.219, 1954},
    {101.2, 397.469, 290.4, 304.8, 117.388, 1955},
    {104.6, 419.180, 282.2, 285.7, 118.734, 1956},
    {108.4, 442.769, 293.6, 279.8, 120.445, 1957},
    {110.8, 444.546, 468.1, 263.7, 121.950, 1958},
    {112.6, 482.704, 381.3, 255.2, 123.366, 1959},
    {114.2, 502.601, 393.1, 251.4, 125.368, 1960},
    {115.7, 518.173, 480.6, 257.2, 127.852, 1961},
    {116.9, 554.894, 400.7, 282.7, 130.081, 1962},
};
static const double longley_y[16] = {
    60.323, 61.122, 60.171, 61.187, 63.221, 63.639, 64.989, 63.761,
    66.019, 67.857, 68.169, 66.513, 68.655, 69.564, 69.331, 70.551};

Test(regression, longley_matches_lm)
{
    struct stats_fit fit = STATS_FIT_INIT;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_least_squares(&longley_x[0][0], 16, 6, longley_y,
                                     &fit, &e), 0, "%s", e.message);
    /* coef(summary(lm(Employed ~ ., data = longley))) */
    const double coef[] = {-3.48225863459581e+03, 1.50618722713728e-02,
                           -3.58191792925910e-02, -2.02022980381682e-02,
                           -1.03322686717359e-02, -5.11041056535792e-02,
                           1.82915146461355e+00};
    const double se[] = {8.90420383607376e+02, 8.49149257747674e-02,
                         3.34910077722434e-02, 4.88399681651703e-03,
                         2.14274163161676e-03, 2.26073200069373e-01,
                         4.55478499142213e-01};
    cr_assert_eq(fit.p, 7);
    cr_assert_eq(fit.n, 16);
    for (int j = 0; j < 7; j++) {
        assert_close_relative(fit.coef[j], coef[j], 1e-7);
        assert_close_relative(fit.se[j], se[j], 1e-7);
    }
    /* summary(...)$r.squared, $adj.r.squared, $sigma */
    assert_close_relative(fit.r2, 0.995479004577296, TIGHT);
    assert_close_relative(fit.adj_r2, 0.992465007628826, TIGHT);
    assert_close_relative(fit.sigma, 0.304854073561966, 1e-7);
    cr_assert_eq(fit.df_residual, 9.0);
    stats_fit_release(&fit);
    stats_fit_release(&fit);
}

Test(regression, simple_line_matches_lm_on_cars)
{
    /* R's cars data (Ezekiel 1930): lm(dist ~ speed, data = cars) */
    const double speed[] = {4,  4,  7,  7,  8,  9,  10, 10, 10, 11,
                            11, 12, 12, 12, 12, 13, 13, 13, 13, 14,
                            14, 14, 14, 15, 15, 15, 16, 16, 17, 17,
                            17, 18, 18, 18, 18, 19, 19, 19, 20, 20,
                            20, 20, 20, 22, 23, 24, 24, 24, 24, 25};
    const double dist[] = {2,   10, 4,  22, 16, 10, 18, 26, 34, 17,
                           28,  14, 20, 24, 28, 26, 34, 34, 46, 26,
                           36,  60, 80, 20, 26, 54, 32, 40, 32, 40,
                           50,  42, 56, 76, 84, 36, 46, 68, 32, 48,
                           52,  56, 64, 66, 54, 70, 92, 93, 120, 85};
    struct stats_fit fit = STATS_FIT_INIT;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_least_squares(speed, 50, 1, dist, &fit, &e), 0);
    /* Estimates -17.57909489051089, 3.93240875912409; SEs
     * 6.758440169379234, 0.415512776657122; R² 0.651079380758251;
     * sigma 15.3795867488199 */
    assert_close_relative(fit.coef[0], -17.57909489051089, TIGHT);
    assert_close_relative(fit.coef[1], 3.93240875912409, TIGHT);
    assert_close_relative(fit.se[0], 6.758440169379234, TIGHT);
    assert_close_relative(fit.se[1], 0.415512776657122, TIGHT);
    assert_close_relative(fit.r2, 0.651079380758251, TIGHT);
    assert_close_relative(fit.sigma, 15.3795867488199, TIGHT);
    const double at20 = 20;
    assert_close_relative(stats_fit_predict(&fit, &at20),
                 -17.57909489051089 + 20 * 3.93240875912409, TIGHT);
    stats_fit_release(&fit);
}

Test(regression, singular_design_is_refused)
{
    /* x2 = 2 x1: the design has rank 2 of 3 columns; lm() would drop x2
     * with an NA coefficient, we refuse. */
    const double x[] = {1, 2, 2, 4, 3, 6, 4, 8, 5, 10, 6, 12};
    const double y[] = {1.1, 1.9, 3.2, 3.8, 5.1, 6.3};
    struct stats_fit fit = STATS_FIT_INIT;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_least_squares(x, 6, 2, y, &fit, &e), -1);
    cr_assert_eq(e.code, ERR_INPUT);
    cr_assert_str_eq(e.field, "x");
    cr_assert(strstr(e.message, "singular"), "%s", e.message);
    cr_assert_null(fit.coef);
    /* A constant predictor duplicates the intercept. */
    const double c[] = {5, 5, 5, 5, 5, 5};
    cr_assert_eq(stats_least_squares(c, 6, 1, y, &fit, &e), -1);
    cr_assert(strstr(e.message, "singular"));
    /* No residual degrees of freedom. */
    cr_assert_eq(stats_least_squares(x, 2, 1, y, &fit, &e), -1);
    cr_assert(strstr(e.message, "more observations"));
    const double bad[] = {1, 2, NAN, 4, 5, 6};
    cr_assert_eq(stats_least_squares(bad, 6, 1, y, &fit, &e), -1);
}

/* ---- funnel plots ------------------------------------------------------ */

/* Twelve synthetic units: responders and episodes. */
static const double funnel_events[] = {12, 30, 8,  45, 20, 3,
                                       60, 15, 25, 9,  40, 18};
static const double funnel_n[] = {40, 60, 30, 80, 50, 20,
                                  100, 30, 70, 40, 70, 35};
#define FUNNEL_P0 0.456 /* sum(ev) / sum(n) = 285 / 625 */

/* The four limits of l against R's, each within TIGHT (relative); label
 * names the case in a failure. */
static void assert_limits(const char *label, const struct funnel_limits *l,
                          double lower95, double upper95, double lower998,
                          double upper998)
{
    static const char *const names[] = {"lower95", "upper95", "lower998",
                                        "upper998"};
    const double got[] = {l->lower95, l->upper95, l->lower998, l->upper998};
    const double want[] = {lower95, upper95, lower998, upper998};
    for (size_t i = 0; i < 4; i++)
        cr_assert(fabs(got[i] - want[i]) <=
                      TIGHT * fmax(fabs(want[i]), 1e-300),
                  "%s: l.%s = %.17g, expected %.17g (rel %g)", label,
                  names[i], got[i], want[i], TIGHT);
}

Test(funnel, plain_proportion_limits)
{
    struct funnel_limits l;
    struct err e = ERR_INIT;
    cr_assert_eq(funnel_limits_proportion(FUNNEL_P0, 50, &l, &e), 0);
    /* p0 + c(-1, 1) * z * sqrt(p0 * (1 - p0) / 50), z = 1.959964 and
     * 3.090232: 0.317947281379191 0.594052718620809
     *           0.238335324134005 0.673664675865995 */
    assert_limits("plain, n 50", &l, 0.317947281379191, 0.594052718620809,
                  0.238335324134005, 0.673664675865995);
    cr_assert_eq(funnel_limits_proportion(0.0, 50, &l, &e), -1);
    cr_assert_str_eq(e.field, "target");
    cr_assert_eq(funnel_limits_proportion(0.5, 0, &l, &e), -1);
    cr_assert_str_eq(e.field, "n");
}

Test(funnel, overdispersed_proportions_as_funnelplotr)
{
    /* Independent computation in R, following FunnelPlotR's steps:
     * Y <- asin(sqrt(ev/n)); s <- 1/(2*sqrt(n)); th <- asin(sqrt(p0))
     * z <- (Y - th)/s; lz <- quantile(z, .1); uz <- quantile(z, .9)
     * wz <- ifelse(z < lz, lz, ifelse(z > uz, uz, z)); phi <- mean(wz^2)
     * w <- 1/s^2; tau2 <- max(0, (k*phi - (k-1)) /
     *                            (sum(w) - sum(w^2)/sum(w)))
     * gives phi 3.54295869624032, tau2 0.0140014147155263 */
    struct funnel_overdispersion od;
    struct err e = ERR_INIT;
    cr_assert_eq(funnel_overdispersion_proportion(funnel_events, funnel_n, 12,
                                                  FUNNEL_P0, &od, &e), 0);
    cr_assert_eq(od.k, 12);
    assert_close_relative(od.phi, 3.54295869624032, TIGHT);
    assert_close_relative(od.tau2, 0.0140014147155263, TIGHT);
    /* sp <- sqrt(1/(4*n) + tau2); sin(th + c(-1,1) * z * sp)^2 at n = 50:
     * 0.206050604903943 0.71848664036605 0.0962021178223578
     * 0.845848387889961; at n = 100: 0.221130427718402 0.701792372657931
     * 0.113980520042567 0.82432717624475 */
    struct funnel_limits l;
    cr_assert_eq(funnel_limits_proportion_overdispersed(FUNNEL_P0, 50,
                                                        od.tau2, &l, &e), 0);
    assert_limits("overdispersed, n 50", &l,
                  0.206050604903943, 0.71848664036605,
                  0.0962021178223578, 0.845848387889961);
    cr_assert_eq(funnel_limits_proportion_overdispersed(FUNNEL_P0, 100,
                                                        od.tau2, &l, &e), 0);
    assert_limits("overdispersed, n 100", &l,
                  0.221130427718402, 0.701792372657931,
                  0.113980520042567, 0.82432717624475);
    /* In the same R session, unit 6 (3/20 = 0.15) is below the 95% limit
     * and every other unit inside. */
    for (int i = 0; i < 12; i++) {
        cr_assert_eq(funnel_limits_proportion_overdispersed(
                         FUNNEL_P0, funnel_n[i], od.tau2, &l, &e), 0);
        enum funnel_position pos =
            funnel_classify(funnel_events[i] / funnel_n[i], &l);
        cr_assert_eq(pos, i == 5 ? FUNNEL_BELOW_95 : FUNNEL_INSIDE,
                     "unit %d: %s", i + 1, funnel_position_name(pos));
    }
}

Test(funnel, overdispersed_means)
{
    /* Eight synthetic units, common SD 8, target 11; in R:
     * ym <- c(10.2, 12.5, 8.1, 15.9, 11.0, 9.4, 13.3, 4.0)
     * nm <- c(25, 40, 12, 30, 60, 18, 50, 15); se <- 8/sqrt(nm)
     * (winsorised z, phi and tau2 as for proportions, identity scale)
     * phi 2.1977439202468, tau2 3.21994640355236; limits at n = 30:
     * 11 + c(-1, 1) * z * sqrt(64/30 + tau2) = 6.46520077739692
     * 15.5347992226031, 3.8500821080065 18.1499178919935 */
    const double ym[] = {10.2, 12.5, 8.1, 15.9, 11.0, 9.4, 13.3, 4.0};
    const double nm[] = {25, 40, 12, 30, 60, 18, 50, 15};
    double se[8];
    for (int i = 0; i < 8; i++)
        se[i] = 8.0 / sqrt(nm[i]);
    struct funnel_overdispersion od;
    struct err e = ERR_INIT;
    cr_assert_eq(funnel_overdispersion_mean(ym, se, 8, 11.0, &od, &e), 0);
    assert_close_relative(od.phi, 2.1977439202468, TIGHT);
    assert_close_relative(od.tau2, 3.21994640355236, TIGHT);
    struct funnel_limits l;
    cr_assert_eq(funnel_limits_mean(11.0, 8.0 / sqrt(30.0), od.tau2, &l, &e),
                 0);
    assert_limits("means, overdispersed", &l,
                  6.46520077739692, 15.5347992226031,
                  3.8500821080065, 18.1499178919935);
    /* Without overdispersion: k phi < k - 1 gives tau2 = 0 (R: phi2 =
     * 0.0233075629353323 for these five units). */
    const double y2[] = {11.2, 10.6, 11.5, 10.9, 11.1};
    const double n2[] = {20, 30, 25, 40, 35};
    double s2[5];
    for (int i = 0; i < 5; i++)
        s2[i] = 8.0 / sqrt(n2[i]);
    cr_assert_eq(funnel_overdispersion_mean(y2, s2, 5, 11.0, &od, &e), 0);
    assert_close_relative(od.phi, 0.0233075629353323, TIGHT);
    cr_assert_eq(od.tau2, 0.0);
    /* Plain limits for means: theta0 -/+ z sigma / sqrt(n). */
    cr_assert_eq(funnel_limits_mean(11.0, 2.0, 0.0, &l, &e), 0);
    assert_close_relative(l.upper95, 11.0 + 1.959964 * 2.0, TIGHT);
    assert_close_relative(l.lower998, 11.0 - 3.090232 * 2.0, TIGHT);
    cr_assert_eq(funnel_overdispersion_mean(y2, s2, 1, 11.0, &od, &e), -1);
    cr_assert_str_eq(e.field, "k");
    s2[2] = 0;
    cr_assert_eq(funnel_overdispersion_mean(y2, s2, 5, 11.0, &od, &e), -1);
    cr_assert_str_eq(e.field, "se");
}

Test(funnel, classification_of_positions)
{
    const struct funnel_limits l = {0.456, 0.2, 0.7, 0.1, 0.8};
    cr_assert_eq(funnel_classify(0.456, &l), FUNNEL_INSIDE);
    cr_assert_eq(funnel_classify(0.7, &l), FUNNEL_INSIDE); /* on the line */
    cr_assert_eq(funnel_classify(0.75, &l), FUNNEL_ABOVE_95);
    cr_assert_eq(funnel_classify(0.85, &l), FUNNEL_ABOVE_998);
    cr_assert_eq(funnel_classify(0.15, &l), FUNNEL_BELOW_95);
    cr_assert_eq(funnel_classify(0.05, &l), FUNNEL_BELOW_998);
    cr_assert_str_eq(funnel_position_name(FUNNEL_ABOVE_998), "above_998");
    cr_assert_str_eq(funnel_position_name(FUNNEL_BELOW_95), "below_95");
}

/* ---- empirical Bayes --------------------------------------------------- */

/* BCG vaccine trials (Colditz et al. 1994, JAMA 271:698), log relative
 * risks and variances from metafor: escalc(measure = "RR", ai = tpos,
 * bi = tneg, ci = cpos, di = cneg, data = dat.bcg). */
static const double bcg_y[] = {
    -0.889311333920205, -1.58538865720143,  -1.34807314829969,
    -1.44155119002131,  -0.217547322211296, -0.786115585818864,
    -1.62089822359839,  0.0119523335238405, -0.469417648738149,
    -1.37134480347278,  -0.339358828338391, 0.445913400571379,
    -0.0173139482168798};
static const double bcg_v[] = {
    0.325584765003961,  0.194581121398144,  0.415367965367965,
    0.0200100319022476, 0.0512101721696309, 0.00690561845590876,
    0.223017247572315,  0.00396157929781773, 0.056434210463249,
    0.0730247936130289, 0.0124122139715597, 0.532505845200153,
    0.0714046596839863};

Test(shrinkage, dersimonian_laird_matches_metafor)
{
    double tau2, q;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_tau2_dersimonian_laird(bcg_y, bcg_v, 13, &tau2, &q,
                                              &e), 0);
    /* rma(yi, vi, data = dat, method = "DL"): tau^2 = 0.308760262862376,
     * Q = 152.233008082373 (the metafor manual's 0.3088 and 152.2330) */
    assert_close_relative(tau2, 0.308760262862376, TIGHT);
    assert_close_relative(q, 152.233008082373, TIGHT);
}

Test(shrinkage, eb_estimates_match_blup)
{
    double theta[13], b[13];
    struct stats_shrinkage s;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_eb_shrink(bcg_y, bcg_v, 13, &s, theta, b, &e), 0);
    /* as.numeric(res$beta) = -0.714117222073227; blup(res)$pred: */
    assert_close_relative(s.mu, -0.714117222073227, TIGHT);
    const double blup[] = {
        -0.799390973185865, -1.24857356869349, -0.984429013264139,
        -1.39727718735984,  -0.288190429509607, -0.784540524151126,
        -1.24061173320939,  0.0027544402767305, -0.507231548538177,
        -1.2456355655797,   -0.353841954092282, -0.28836447090031,
        -0.14819135874476};
    for (int j = 0; j < 13; j++) {
        assert_close_relative(theta[j], blup[j], TIGHT);
        /* Property: the shrunken value lies between raw and mean. */
        double lo = fmin(bcg_y[j], s.mu), hi = fmax(bcg_y[j], s.mu);
        cr_assert(theta[j] >= lo - 1e-15 && theta[j] <= hi + 1e-15);
        cr_assert(b[j] > 0.0 && b[j] < 1.0);
    }
    /* The noisiest cell (largest v) is shrunk the most. */
    cr_assert(b[11] > b[7]);
}

Test(shrinkage, no_heterogeneity_pulls_all_to_the_mean)
{
    /* rma(c(1.0, 1.1, 0.9), c(0.5, 0.4, 0.6), method = "DL"): tau^2 = 0,
     * estimate and every blup 1.01351351351351 */
    const double y[] = {1.0, 1.1, 0.9}, v[] = {0.5, 0.4, 0.6};
    double theta[3];
    struct stats_shrinkage s;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_eb_shrink(y, v, 3, &s, theta, NULL, &e), 0);
    cr_assert_eq(s.tau2, 0.0);
    for (int j = 0; j < 3; j++)
        assert_close_relative(theta[j], 1.01351351351351, TIGHT);
    cr_assert_eq(stats_eb_shrink(y, v, 1, &s, theta, NULL, &e), -1);
    const double bad_v[] = {0.5, 0.0, 0.6};
    cr_assert_eq(stats_eb_shrink(y, bad_v, 3, &s, theta, NULL, &e), -1);
    cr_assert_str_eq(e.field, "v");
}

/* ---- change ------------------------------------------------------------ */

Test(change, srm_and_effect_size)
{
    /* b0 <- c(42, 55, 38, 61, 47, 50, 44, 58)
     * a0 <- c(30, 41, 33, 40, 35, 45, 29, 39); ch <- a0 - b0
     * mean(ch) = -12.875, sd(ch) = 5.79254446927871,
     * srm = -2.22268470588076, sd(b0) = 8.1053333411667,
     * es = -1.58846027153607 */
    const double b0[] = {42, 55, 38, 61, 47, 50, 44, 58};
    const double a0[] = {30, 41, 33, 40, 35, 45, 29, 39};
    struct stats_change c;
    struct err e = ERR_INIT;
    cr_assert_eq(stats_change_summary(b0, a0, 8, &c, &e), 0);
    assert_close_relative(c.mean_change, -12.875, TIGHT);
    assert_close_relative(c.sd_change, 5.79254446927871, TIGHT);
    assert_close_relative(c.srm, -2.22268470588076, TIGHT);
    assert_close_relative(c.sd_baseline, 8.1053333411667, TIGHT);
    assert_close_relative(c.effect_size, -1.58846027153607, TIGHT);
    cr_assert_eq(stats_change_summary(b0, a0, 1, &c, &e), -1);
}

Test(change, reliable_change_index)
{
    /* Jacobson & Truax 1991: RC = (x2 - x1) / sqrt(2 (s1 sqrt(1 - rxx))²).
     * In R: (30 - 42) / (sqrt(2) * 7.5 * sqrt(1 - 0.88)) =
     * -3.2659863237109; SEM 7.5 * sqrt(1 - 0.88) = 2.59807621135332;
     * MDC95 1.96 * sqrt(2) * SEM = 7.20149984378254 */
    double rci = stats_reliable_change_index(42, 30, 7.5, 0.88);
    assert_close_relative(rci, -3.2659863237109, TIGHT);
    cr_assert(fabs(rci) > STATS_RELIABLE_CHANGE);
    assert_close_relative(stats_sem(7.5, 0.88), 2.59807621135332, TIGHT);
    assert_close_relative(stats_mdc95(7.5, 0.88), 7.20149984378254, TIGHT);
    cr_assert(isnan(stats_reliable_change_index(42, 30, 7.5, 1.0)));
    cr_assert(isnan(stats_reliable_change_index(42, 30, 0.0, 0.5)));
}
