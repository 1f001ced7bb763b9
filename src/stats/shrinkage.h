/*
 * shrinkage: empirical-Bayes estimates for small cells, pulled toward the
 * overall mean in proportion to their imprecision, with a method-of-
 * moments between-cell variance (DerSimonian & Laird 1986, Control Clin
 * Trials 7:177). Show raw and shrunken side by side (Jones & Spiegelhalter
 * 2011, Stat Med 30:1377).
 */
#ifndef TS_STATS_SHRINKAGE_H
#define TS_STATS_SHRINKAGE_H

#include <stddef.h>

#include "core/err.h"

struct stats_shrinkage {
    size_t k;     /* cells */
    double q;     /* Cochran's Q about the fixed-effect mean */
    double tau2;  /* DerSimonian-Laird between-cell variance */
    double mu;    /* random-effects mean: weights 1 / (v_j + tau2) */
};

/*
 * DerSimonian-Laird estimate from k cell means y[j] with sampling
 * variances v[j] (v_j = s_j² / n_j): w_j = 1 / v_j,
 * ybar_w = sum w_j y_j / sum w_j, Q = sum w_j (y_j - ybar_w)²,
 * tau2 = max(0, (Q - (k - 1)) / (sum w_j - sum w_j² / sum w_j)).
 * As R's metafor::rma(y, v, method = "DL"). *q may be NULL. Fails (field
 * "k") when k < 2, (field "v") when some v_j <= 0, (field "y") when some
 * y_j is not finite. Allocates nothing.
 */
int stats_tau2_dersimonian_laird(const double *y, const double *v, size_t k,
                                 double *tau2, double *q, struct err *e);

/*
 * Empirical-Bayes shrinkage of k cell means y[j] with sampling variances
 * v[j] (sigma_j² = s_j² / n_j): tau2 by DerSimonian-Laird above,
 * mu = sum y_j / (v_j + tau2) / sum 1 / (v_j + tau2),
 * B_j = v_j / (tau2 + v_j), theta_j = (1 - B_j) y_j + B_j mu
 * (statistics.md; equal to metafor's blup() for that model). Every theta_j
 * lies between y_j and mu; with tau2 = 0 all theta_j equal mu.
 * theta (k values) is filled by the callee, allocated by the caller;
 * weight (k values, may be NULL) receives B_j. Fails as
 * stats_tau2_dersimonian_laird(). Allocates nothing.
 */
int stats_eb_shrink(const double *y, const double *v, size_t k,
                    struct stats_shrinkage *out, double *theta,
                    double *weight, struct err *e);

#endif
