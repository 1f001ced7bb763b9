/*
 * describe: summaries of one sample (mean, standard deviation, quantiles,
 * the mean with its t-based confidence interval). See stats.h for the
 * conventions (NAN when undefined, err on failure, who allocates).
 */
#ifndef TS_STATS_DESCRIBE_H
#define TS_STATS_DESCRIBE_H

#include <stddef.h>

#include "core/err.h"
#include "stats/stats.h"

/*
 * Mean and sample standard deviation of x[0..n-1] in one pass by Welford's
 * recurrence (Welford 1962, Technometrics 4:419; Knuth TAOCP vol. 2,
 * 4.2.2): m_k = m_{k-1} + (x_k - m_{k-1}) / k,
 * S_k = S_{k-1} + (x_k - m_{k-1}) (x_k - m_k), sd = sqrt(S_n / (n - 1)).
 * Stable for data far from zero (1e9 + {4, 7, 13, 16} gives variance 30).
 * *mean is NAN when n == 0; *sd is NAN when n < 2. Either pointer may be
 * NULL. Allocates nothing. Matches R's mean() and sd().
 */
void stats_mean_sd(const double *x, size_t n, double *mean, double *sd);

/*
 * The p-quantile (0 <= p <= 1) of x[0..n-1] by Hyndman & Fan (1996, Am
 * Stat 50:361) definition 7, R's default quantile(x, p, type = 7): with
 * x sorted ascending, h = (n - 1) p, j = floor(h),
 * Q = x[j] + (h - j) (x[j+1] - x[j]) (0-based; Q = x[n-1] when j = n-1).
 * x need not be sorted (a sorted copy is made and freed inside). Returns
 * NAN when n == 0 or p is outside [0, 1] or not a number.
 */
double stats_quantile(const double *x, size_t n, double p);
/* The same for x already sorted ascending: allocates nothing. */
double stats_quantile_sorted(const double *sorted, size_t n, double p);

/* The mean of a sample with its t-based confidence interval. */
struct stats_mean_ci {
    size_t n;
    double mean;
    double sd;                 /* sample SD (n - 1 denominator) */
    double se;                 /* sd / sqrt(n) */
    struct stats_interval ci;  /* mean -/+ t(1 - alpha/2, n - 1) se */
};

/*
 * Mean of x[0..n-1] with the confidence interval of level conf (0.95 for
 * 95%): mean -/+ t_{(1+conf)/2, n-1} sd / sqrt(n), Student's t quantile
 * from GSL. As R's t.test(x, conf.level = conf)$conf.int. Fails (err,
 * field "x") when n < 2 or when the SD is zero (R: "data are essentially
 * constant", se < 10 DBL_EPSILON |mean|), and (field "conf") when conf is
 * not strictly between 0 and 1; out->n and out->mean are still filled
 * when n >= 1. Allocates nothing.
 */
int stats_mean_ci(const double *x, size_t n, double conf,
                  struct stats_mean_ci *out, struct err *e);

#endif
