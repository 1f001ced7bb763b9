/* funnel: control limits and overdispersion. Sources in funnel.h. */
#include "stats/funnel.h"
#include "stats/describe.h"
#include "stats/stats.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The share winsorised at each end of the z-scores. */
#define WINSOR_SHARE 0.1

static int check_proportion_target(double target, struct err *e)
{
    if (!(target > 0.0 && target < 1.0))
        return err_set(e, ERR_INPUT, "target",
                       "a target proportion must lie strictly between 0 "
                       "and 1");
    return 0;
}

/* Starts the limits of a proportion (none known yet); -1 with e filled
 * when the target or n is out of range. */
static int proportion_limits_start(double target, double n,
                                   struct funnel_limits *out, struct err *e)
{
    out->target = target;
    out->lower95 = out->upper95 = out->lower998 = out->upper998 = NAN;
    if (check_proportion_target(target, e) < 0)
        return -1;
    if (!(n > 0.0) || !isfinite(n))
        return err_set(e, ERR_INPUT, "n", "must be a positive count");
    return 0;
}

int funnel_limits_proportion(double target, double n,
                             struct funnel_limits *out, struct err *e)
{
    if (proportion_limits_start(target, n, out, e) < 0)
        return -1;
    double se = sqrt(target * (1.0 - target) / n);
    out->lower95 = fmax(0.0, target - STATS_Z95 * se);
    out->upper95 = fmin(1.0, target + STATS_Z95 * se);
    out->lower998 = fmax(0.0, target - STATS_Z998 * se);
    out->upper998 = fmin(1.0, target + STATS_Z998 * se);
    return 0;
}

static double from_arcsine(double theta)
{
    double clamped = fmin(fmax(theta, 0.0), M_PI / 2.0);
    double s = sin(clamped);
    return s * s;
}

int funnel_limits_proportion_overdispersed(double target, double n,
                                           double tau2,
                                           struct funnel_limits *out,
                                           struct err *e)
{
    if (proportion_limits_start(target, n, out, e) < 0)
        return -1;
    if (!(tau2 >= 0.0) || !isfinite(tau2))
        return err_set(e, ERR_INPUT, "tau2", "must be zero or positive");
    double theta = asin(sqrt(target));
    double spread = sqrt(1.0 / (4.0 * n) + tau2);
    out->lower95 = from_arcsine(theta - STATS_Z95 * spread);
    out->upper95 = from_arcsine(theta + STATS_Z95 * spread);
    out->lower998 = from_arcsine(theta - STATS_Z998 * spread);
    out->upper998 = from_arcsine(theta + STATS_Z998 * spread);
    return 0;
}

int funnel_limits_mean(double target, double se, double tau2,
                       struct funnel_limits *out, struct err *e)
{
    out->target = target;
    out->lower95 = out->upper95 = out->lower998 = out->upper998 = NAN;
    if (!isfinite(target))
        return err_set(e, ERR_INPUT, "target", "must be a finite number");
    if (!(se > 0.0) || !isfinite(se))
        return err_set(e, ERR_INPUT, "se", "must be positive");
    if (!(tau2 >= 0.0) || !isfinite(tau2))
        return err_set(e, ERR_INPUT, "tau2", "must be zero or positive");
    double spread = sqrt(se * se + tau2);
    out->lower95 = target - STATS_Z95 * spread;
    out->upper95 = target + STATS_Z95 * spread;
    out->lower998 = target - STATS_Z998 * spread;
    out->upper998 = target + STATS_Z998 * spread;
    return 0;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Starts an estimate over k units (phi and tau2 not known yet); -1 with e
 * filled when there are fewer than 2 units. */
static int overdispersion_start(struct funnel_overdispersion *out, size_t k,
                                struct err *e)
{
    out->k = k;
    out->phi = out->tau2 = NAN;
    if (k < 2)
        return err_set(e, ERR_INPUT, "k",
                       "needs at least 2 units to estimate overdispersion");
    return 0;
}

int funnel_overdispersion_estimate(const double *y, const double *s,
                                   size_t k, double target,
                                   struct funnel_overdispersion *out,
                                   struct err *e)
{
    if (overdispersion_start(out, k, e) < 0)
        return -1;
    if (!isfinite(target))
        return err_set(e, ERR_INPUT, "target", "must be a finite number");
    for (size_t i = 0; i < k; i++) {
        if (!(s[i] > 0.0) || !isfinite(s[i]))
            return err_set(e, ERR_INPUT, "se",
                           "unit %zu: standard error must be positive",
                           i + 1);
        if (!isfinite(y[i]))
            return err_set(e, ERR_INPUT, "y",
                           "unit %zu: not a finite number", i + 1);
    }
    double *z = xmalloc(k * sizeof(*z));
    double *sorted = xmalloc(k * sizeof(*sorted));
    for (size_t i = 0; i < k; i++)
        z[i] = (y[i] - target) / s[i];
    memcpy(sorted, z, k * sizeof(*z));
    qsort(sorted, k, sizeof(*sorted), compare_double);
    double low = stats_quantile_sorted(sorted, k, WINSOR_SHARE);
    double high = stats_quantile_sorted(sorted, k, 1.0 - WINSOR_SHARE);
    double sum_z2 = 0.0, sum_w = 0.0, sum_w2 = 0.0;
    for (size_t i = 0; i < k; i++) {
        double zi = z[i] < low ? low : z[i] > high ? high : z[i];
        sum_z2 += zi * zi;
        double w = 1.0 / (s[i] * s[i]);
        sum_w += w;
        sum_w2 += w * w;
    }
    free(z);
    free(sorted);
    double kk = (double)k;
    out->phi = sum_z2 / kk;
    double numerator = kk * out->phi - (kk - 1.0);
    double denominator = sum_w - sum_w2 / sum_w;
    out->tau2 = numerator > 0.0 && denominator > 0.0
                    ? numerator / denominator
                    : 0.0;
    return 0;
}

int funnel_overdispersion_proportion(const double *events, const double *n,
                                     size_t k, double target,
                                     struct funnel_overdispersion *out,
                                     struct err *e)
{
    if (check_proportion_target(target, e) < 0) {
        overdispersion_start(out, k, NULL);
        return -1;
    }
    if (overdispersion_start(out, k, e) < 0)
        return -1;
    for (size_t i = 0; i < k; i++) {
        if (!(n[i] > 0.0) || !isfinite(n[i]))
            return err_set(e, ERR_INPUT, "n",
                           "unit %zu: must be a positive count", i + 1);
        if (!(events[i] >= 0.0 && events[i] <= n[i]))
            return err_set(e, ERR_INPUT, "events",
                           "unit %zu: must lie between 0 and n", i + 1);
    }
    double *y = xmalloc(k * sizeof(*y));
    double *s = xmalloc(k * sizeof(*s));
    for (size_t i = 0; i < k; i++) {
        y[i] = asin(sqrt(events[i] / n[i]));
        s[i] = 1.0 / (2.0 * sqrt(n[i]));
    }
    int status = funnel_overdispersion_estimate(y, s, k, asin(sqrt(target)),
                                                out, e);
    free(y);
    free(s);
    return status;
}

int funnel_overdispersion_mean(const double *y, const double *se, size_t k,
                               double target,
                               struct funnel_overdispersion *out,
                               struct err *e)
{
    return funnel_overdispersion_estimate(y, se, k, target, out, e);
}

enum funnel_position funnel_classify(double value,
                                     const struct funnel_limits *limits)
{
    if (value > limits->upper998)
        return FUNNEL_ABOVE_998;
    if (value > limits->upper95)
        return FUNNEL_ABOVE_95;
    if (value < limits->lower998)
        return FUNNEL_BELOW_998;
    if (value < limits->lower95)
        return FUNNEL_BELOW_95;
    return FUNNEL_INSIDE;
}

const char *funnel_position_name(enum funnel_position position)
{
    switch (position) {
    case FUNNEL_INSIDE: return "inside";
    case FUNNEL_ABOVE_95: return "above_95";
    case FUNNEL_ABOVE_998: return "above_998";
    case FUNNEL_BELOW_95: return "below_95";
    case FUNNEL_BELOW_998: return "below_998";
    }
    BUG("unknown funnel position %d", (int)position);
}
