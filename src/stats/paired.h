/*
 * paired: tests for within-subject (paired) differences, as R's
 * t.test(x, y, paired = TRUE) and wilcox.test(x, y, paired = TRUE) compute
 * them. The differences are d_i = x_i - y_i (so pass the later
 * measurement as x and the baseline as y to test the change); y may be
 * NULL, and x then holds the differences themselves.
 */
#ifndef TS_STATS_PAIRED_H
#define TS_STATS_PAIRED_H

#include <stddef.h>

#include "core/err.h"
#include "stats/stats.h"

struct stats_t_test {
    size_t n;                  /* pairs */
    double mean_difference;    /* mean of d */
    double sd_difference;      /* SD of d (n - 1 denominator) */
    double t;                  /* mean / (sd / sqrt(n)) */
    double df;                 /* n - 1 */
    double p;                  /* two-sided: 2 P(T_df > |t|) */
    struct stats_interval ci;  /* of the mean difference, level conf */
};

/*
 * Paired (one-sample on differences) Student's t-test (Student 1908,
 * Biometrika 6:1): se = sd(d) / sqrt(n), t = mean(d) / se, df = n - 1,
 * p = 2 P(T_df > |t|), ci = mean(d) -/+ t_{(1+conf)/2, df} se. As R's
 * t.test(x, y, paired = TRUE, conf.level = conf). Fails (field "x") when
 * n < 2 or when the differences are constant (R: "data are essentially
 * constant", se < 10 DBL_EPSILON |mean|), (field "conf") when conf is not
 * strictly between 0 and 1; out->n, mean and SD are still filled when they
 * exist. Allocates and frees a work array of n differences.
 */
int stats_paired_t_test(const double *x, const double *y, size_t n,
                        double conf, struct stats_t_test *out,
                        struct err *e);

struct stats_wilcoxon {
    size_t n;        /* pairs given */
    size_t n_zero;   /* zero differences, dropped before ranking */
    size_t n_used;   /* non-zero differences ranked */
    int ties;        /* 1 when some |d| are tied (average ranks used) */
    int exact;       /* 1: exact null distribution; 0: normal approx. */
    double v;        /* R's V: sum of the ranks of the positive d */
    double z;        /* corrected normal deviate; NAN when exact */
    double p;        /* two-sided p-value */
};

/*
 * Wilcoxon signed-rank test (Wilcoxon 1945, Biometrics Bull 1:80), two-
 * sided, exactly as R's wilcox.test(x, y, paired = TRUE) with its defaults
 * (mu = 0, exact = NULL, correct = TRUE):
 * - zero differences are dropped; the rest are ranked by |d| with average
 *   ranks for ties; V = sum of ranks of positive d; m = number ranked;
 * - exact when m < 50 and there are neither ties nor zeros: with
 *   P(V <= q) from the exact null distribution (the number of subsets of
 *   {1..m} with sum <= q, over 2^m; R's psignrank),
 *   p = min(1, 2 P(V >= v)) if v > m(m+1)/4, else min(1, 2 P(V <= v));
 * - otherwise the normal approximation with tie and continuity correction:
 *   sigma^2 = m(m+1)(2m+1)/24 - sum over tie groups (t^3 - t)/48,
 *   z = (v - m(m+1)/4 - sign(v - m(m+1)/4) / 2) / sigma, p = 2 P(Z > |z|).
 * Fails (field "x") when n == 0 or every difference is zero (nothing to
 * rank). Allocates and frees a work array of n elements.
 */
int stats_wilcoxon_signed_rank(const double *x, const double *y, size_t n,
                               struct stats_wilcoxon *out, struct err *e);

/*
 * Average ranks (1-based) of v[0..n-1] into rank[0..n-1], ties getting the
 * mean of the ranks they span (R's rank(v, ties.method = "average")).
 * Equality is exact. Returns the tie correction sum over tie groups of
 * (t^3 - t). Allocates and frees a work array.
 */
double stats_rank_average(const double *v, size_t n, double *rank);

#endif
