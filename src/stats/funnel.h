/*
 * funnel: Spiegelhalter funnel plots for comparing units (therapists,
 * clinics) on a proportion (responder rate) or a mean (risk-adjusted
 * improvement), with 95% and 99.8% control limits, the overdispersion
 * correction (additive random effects, tau²), and the position of a unit.
 *
 * Sources: Spiegelhalter DJ (2005) Funnel plots for comparing institutional
 * performance. Stat Med 24:1185, doi 10.1002/sim.1970; Spiegelhalter DJ
 * (2005) Handling over-dispersion of performance indicators. Qual Saf
 * Health Care 14:347; the R package FunnelPlotR (Mainey), whose
 * proportion method (arcsine-square-root transform, 10% winsorised
 * z-scores, DerSimonian-Laird style tau²) is followed here.
 * Nothing here returns allocated memory; the overdispersion estimates use
 * work arrays that they free before returning.
 */
#ifndef TS_STATS_FUNNEL_H
#define TS_STATS_FUNNEL_H

#include <stddef.h>

#include "core/err.h"

struct funnel_limits {
    double target;
    double lower95, upper95;    /* z = STATS_Z95 (1.959964) */
    double lower998, upper998;  /* z = STATS_Z998 (3.090232) */
};

/* Where a unit lies against its limits (strictly beyond a limit counts;
 * a value exactly on a limit is inside it). */
enum funnel_position {
    FUNNEL_INSIDE = 0,  /* within the 95% limits */
    FUNNEL_ABOVE_95,    /* above the upper 95%, within the 99.8% limit */
    FUNNEL_ABOVE_998,   /* above the upper 99.8% limit */
    FUNNEL_BELOW_95,    /* below the lower 95%, within the 99.8% limit */
    FUNNEL_BELOW_998,   /* below the lower 99.8% limit */
};

/* The overdispersion estimate over k units. */
struct funnel_overdispersion {
    size_t k;     /* units */
    double phi;   /* (1/k) sum of squared winsorised z-scores */
    double tau2;  /* additive between-unit variance; 0 when phi k < k-1 */
};

/*
 * Plain limits for a proportion with target p0 (0 < p0 < 1) at n trials:
 * p0 -/+ z sqrt(p0 (1 - p0) / n) (Spiegelhalter 2005, normal
 * approximation to the binomial), clamped to [0, 1]. Fails (field
 * "target") outside (0, 1), (field "n") when n <= 0.
 */
int funnel_limits_proportion(double target, double n,
                             struct funnel_limits *out, struct err *e);

/*
 * Overdispersion of k unit proportions events[i] / n[i] about target p0,
 * as FunnelPlotR does for proportions: Y_i = asin(sqrt(events_i / n_i)),
 * s_i = 1 / (2 sqrt(n_i)), theta = asin(sqrt(p0)), z_i = (Y_i - theta) /
 * s_i; then funnel_overdispersion_estimate() on those. Fails (field "n")
 * when some n_i <= 0, (field "events") when events_i is outside [0, n_i],
 * (field "target") outside (0, 1), (field "k") when k < 2. Allocates and
 * frees work arrays.
 */
int funnel_overdispersion_proportion(const double *events, const double *n,
                                     size_t k, double target,
                                     struct funnel_overdispersion *out,
                                     struct err *e);

/*
 * Overdispersed limits for a proportion at n trials, on the arcsine scale:
 * theta = asin(sqrt(p0)), s = 1 / (2 sqrt(n)), limits
 * sin²(theta -/+ z sqrt(s² + tau2)) (the transformed value clamped to
 * [0, pi/2], so limits stay in [0, 1]). With tau2 = 0 these are the
 * arcsine-scale limits, close to but not equal to the plain ones. Fails
 * as funnel_limits_proportion(), and (field "tau2") when tau2 < 0.
 */
int funnel_limits_proportion_overdispersed(double target, double n,
                                           double tau2,
                                           struct funnel_limits *out,
                                           struct err *e);

/*
 * Overdispersion of k unit means y[i] with standard errors se[i] (for a
 * common SD sigma, se_i = sigma / sqrt(n_i)) about target theta0, on the
 * identity scale: z_i = (y_i - theta0) / se_i; then
 * funnel_overdispersion_estimate(). Fails (field "se") when some
 * se_i <= 0, (field "k") when k < 2.
 */
int funnel_overdispersion_mean(const double *y, const double *se, size_t k,
                               double target,
                               struct funnel_overdispersion *out,
                               struct err *e);

/*
 * Limits for a mean with standard error se (sigma / sqrt(n)) about
 * theta0: theta0 -/+ z sqrt(se² + tau2) (Spiegelhalter 2005; tau2 = 0
 * gives the plain theta0 -/+ z sigma / sqrt(n)). Fails (field "se") when
 * se <= 0, (field "tau2") when tau2 < 0.
 */
int funnel_limits_mean(double target, double se, double tau2,
                       struct funnel_limits *out, struct err *e);

/*
 * The common step, from k values on any scale with their standard errors
 * s[i] and a target: z_i = (y_i - target) / s_i; the z_i are winsorised
 * at 10% each end (values below the 10th percentile set to it, above the
 * 90th set to it, percentiles by R's quantile type 7, as FunnelPlotR);
 * phi = (1/k) sum z_i²; with w_i = 1 / s_i²,
 * tau2 = max(0, (k phi - (k - 1)) / (sum w_i - sum w_i² / sum w_i)),
 * and tau2 = 0 when k phi < k - 1. Allocates and frees a work array.
 * Fails (field "se") when some s_i <= 0, (field "k") when k < 2.
 */
int funnel_overdispersion_estimate(const double *y, const double *s,
                                   size_t k, double target,
                                   struct funnel_overdispersion *out,
                                   struct err *e);

/* The position of value against limits (see enum funnel_position). */
enum funnel_position funnel_classify(double value,
                                     const struct funnel_limits *limits);

/* A stable name: "inside", "above_95", "above_998", "below_95",
 * "below_998". */
const char *funnel_position_name(enum funnel_position position);

#endif
