/*
 * distributions: the standard normal and Student's t distributions, thin
 * documented wrappers over GSL's gsl_cdf_* (GSL reference manual, chapter
 * "Random Number Distributions"). Allocate nothing; NAN for arguments
 * outside the domain (df <= 0, p outside [0, 1], a NAN argument).
 */
#ifndef TS_STATS_DISTRIBUTIONS_H
#define TS_STATS_DISTRIBUTIONS_H

/* P(Z <= z) for Z ~ N(0, 1): gsl_cdf_ugaussian_P; R's pnorm(z). */
double stats_normal_cdf(double z);
/* P(Z > z), accurate far in the upper tail: gsl_cdf_ugaussian_Q; R's
 * pnorm(z, lower.tail = FALSE). */
double stats_normal_upper(double z);
/* The z with P(Z <= z) = p: gsl_cdf_ugaussian_Pinv; R's qnorm(p).
 * -INFINITY at p = 0, INFINITY at p = 1. */
double stats_normal_quantile(double p);

/* P(T <= t) for T ~ Student's t with df > 0 degrees of freedom (df need
 * not be whole): gsl_cdf_tdist_P; R's pt(t, df). */
double stats_t_cdf(double t, double df);
/* P(T > t): gsl_cdf_tdist_Q; R's pt(t, df, lower.tail = FALSE). */
double stats_t_upper(double t, double df);
/* The t with P(T <= t) = p: gsl_cdf_tdist_Pinv; R's qt(p, df).
 * -INFINITY at p = 0, INFINITY at p = 1. */
double stats_t_quantile(double p, double df);
/* Two-sided p-value of a t statistic: 2 P(T > |t|), capped at 1; R's
 * 2 * pt(-abs(t), df). */
double stats_t_two_sided_p(double t, double df);

#endif
