/* shrinkage: DerSimonian-Laird and empirical Bayes. See shrinkage.h. */
#include "stats/shrinkage.h"

#include <math.h>

int stats_tau2_dersimonian_laird(const double *y, const double *v, size_t k,
                                 double *tau2, double *q, struct err *e)
{
    *tau2 = NAN;
    if (q)
        *q = NAN;
    if (k < 2)
        return err_set(e, ERR_INPUT, "k",
                       "needs at least 2 cells to estimate tau2");
    for (size_t j = 0; j < k; j++) {
        if (!(v[j] > 0.0) || !isfinite(v[j]))
            return err_set(e, ERR_INPUT, "v",
                           "cell %zu: variance must be positive", j + 1);
        if (!isfinite(y[j]))
            return err_set(e, ERR_INPUT, "y",
                           "cell %zu: not a finite number", j + 1);
    }
    double sum_w = 0.0, sum_w2 = 0.0, sum_wy = 0.0;
    for (size_t j = 0; j < k; j++) {
        double w = 1.0 / v[j];
        sum_w += w;
        sum_w2 += w * w;
        sum_wy += w * y[j];
    }
    double fixed = sum_wy / sum_w, cochran = 0.0;
    for (size_t j = 0; j < k; j++)
        cochran += (y[j] - fixed) * (y[j] - fixed) / v[j];
    double estimate = (cochran - (double)(k - 1)) / (sum_w - sum_w2 / sum_w);
    *tau2 = estimate > 0.0 ? estimate : 0.0;
    if (q)
        *q = cochran;
    return 0;
}

int stats_eb_shrink(const double *y, const double *v, size_t k,
                    struct stats_shrinkage *out, double *theta,
                    double *weight, struct err *e)
{
    out->k = k;
    out->mu = NAN;
    if (stats_tau2_dersimonian_laird(y, v, k, &out->tau2, &out->q, e) < 0)
        return -1;
    double sum_w = 0.0, sum_wy = 0.0;
    for (size_t j = 0; j < k; j++) {
        double w = 1.0 / (v[j] + out->tau2);
        sum_w += w;
        sum_wy += w * y[j];
    }
    out->mu = sum_wy / sum_w;
    for (size_t j = 0; j < k; j++) {
        double b = v[j] / (out->tau2 + v[j]);
        theta[j] = (1.0 - b) * y[j] + b * out->mu;
        if (weight)
            weight[j] = b;
    }
    return 0;
}
