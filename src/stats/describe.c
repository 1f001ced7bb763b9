/* describe: one-sample summaries. Formulas and sources in describe.h. */
#include "stats/describe.h"
#include "stats/distributions.h"
#include "core/util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void stats_mean_sd(const double *x, size_t n, double *mean, double *sd)
{
    double m = 0.0, s = 0.0;
    for (size_t k = 0; k < n; k++) {
        double delta = x[k] - m;
        m += delta / (double)(k + 1);
        s += delta * (x[k] - m);
    }
    if (mean)
        *mean = n ? m : NAN;
    if (sd)
        *sd = n >= 2 ? sqrt(s / (double)(n - 1)) : NAN;
}

double stats_quantile_sorted(const double *sorted, size_t n, double p)
{
    if (n == 0 || !(p >= 0.0 && p <= 1.0))
        return NAN;
    double h = (double)(n - 1) * p;
    size_t j = (size_t)floor(h);
    if (j >= n - 1)
        return sorted[n - 1];
    double frac = h - (double)j;
    return sorted[j] + frac * (sorted[j + 1] - sorted[j]);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double stats_quantile(const double *x, size_t n, double p)
{
    if (n == 0 || !(p >= 0.0 && p <= 1.0))
        return NAN;
    double *copy = xmalloc(n * sizeof(*copy));
    memcpy(copy, x, n * sizeof(*copy));
    qsort(copy, n, sizeof(*copy), compare_double);
    double q = stats_quantile_sorted(copy, n, p);
    free(copy);
    return q;
}

int stats_mean_ci(const double *x, size_t n, double conf,
                  struct stats_mean_ci *out, struct err *e)
{
    out->n = n;
    out->sd = out->se = NAN;
    out->ci.lower = out->ci.upper = NAN;
    stats_mean_sd(x, n, &out->mean, &out->sd);
    if (!(conf > 0.0 && conf < 1.0))
        return err_set(e, ERR_INPUT, "conf",
                       "confidence level must be between 0 and 1");
    if (n < 2)
        return err_set(e, ERR_INPUT, "x",
                       "needs at least 2 values for a confidence interval");
    out->se = out->sd / sqrt((double)n);
    if (!(out->se >= 10.0 * DBL_EPSILON * fabs(out->mean)) || out->se == 0.0)
        return err_set(e, ERR_INPUT, "x",
                       "all values are equal: no variance");
    double t = stats_t_quantile(0.5 + conf / 2.0, (double)(n - 1));
    out->ci.lower = out->mean - t * out->se;
    out->ci.upper = out->mean + t * out->se;
    return 0;
}
