/* distributions: normal and t, via GSL. Sources in distributions.h. */
#include "stats/distributions.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

double stats_normal_cdf(double z)
{
    if (isnan(z))
        return NAN;
    return gsl_cdf_ugaussian_P(z);
}

double stats_normal_upper(double z)
{
    if (isnan(z))
        return NAN;
    return gsl_cdf_ugaussian_Q(z);
}

double stats_normal_quantile(double p)
{
    if (!(p >= 0.0 && p <= 1.0))
        return NAN;
    if (p == 0.0)
        return -INFINITY;
    if (p == 1.0)
        return INFINITY;
    return gsl_cdf_ugaussian_Pinv(p);
}

double stats_t_cdf(double t, double df)
{
    if (isnan(t) || !(df > 0.0))
        return NAN;
    return gsl_cdf_tdist_P(t, df);
}

double stats_t_upper(double t, double df)
{
    if (isnan(t) || !(df > 0.0))
        return NAN;
    return gsl_cdf_tdist_Q(t, df);
}

double stats_t_quantile(double p, double df)
{
    if (!(p >= 0.0 && p <= 1.0) || !(df > 0.0))
        return NAN;
    if (p == 0.0)
        return -INFINITY;
    if (p == 1.0)
        return INFINITY;
    return gsl_cdf_tdist_Pinv(p, df);
}

double stats_t_two_sided_p(double t, double df)
{
    if (isnan(t) || !(df > 0.0))
        return NAN;
    double p = 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
    return p > 1.0 ? 1.0 : p;
}
