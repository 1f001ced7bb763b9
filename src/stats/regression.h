/*
 * regression: ordinary least squares with an intercept, for risk
 * adjustment (predicted improvement from baseline score, age, sex,
 * chronicity, comorbidity count; FOTO's NQF 0428 approach).
 */
#ifndef TS_STATS_REGRESSION_H
#define TS_STATS_REGRESSION_H

#include <stddef.h>

#include "core/err.h"

struct stats_fit {
    size_t n;            /* observations */
    size_t p;            /* coefficients: 1 + predictors */
    double *coef;        /* p: intercept first, then one per predictor */
    double *se;          /* p: standard error of each coefficient */
    double rss;          /* residual sum of squares */
    double sigma;        /* residual standard error sqrt(rss / (n - p)) */
    double df_residual;  /* n - p */
    double r2;           /* 1 - rss / sum (y - mean y)^2; NAN if y const */
    double adj_r2;       /* 1 - (1 - r2)(n - 1) / (n - p) */
};

#define STATS_FIT_INIT {0, 0, NULL, NULL, 0, 0, 0, 0, 0}

/*
 * Fits y = b0 + b1 x1 + ... + bk xk by least squares, x row-major
 * (x[i * k + j] is predictor j of observation i; k may be 0 for the
 * intercept alone). The intercept is always included, so R² is centred as
 * R's summary(lm(y ~ x)) reports it. Solved by GSL's column-balanced
 * truncated SVD (gsl_multifit_linear_tsvd): coefficients minimise
 * |y - X b|², cov(b) = sigma² (X'X)^-1 with sigma² = rss / (n - p), and
 * se = sqrt(diag cov). The design is refused as singular (ERR_INPUT,
 * field "x") when a singular value of the balanced design is below 1e-10
 * times the largest (a predictor that is constant or a linear combination
 * of others) — never silently dropped as lm() does. Also fails (field
 * "x") when n <= p (no residual degrees of freedom) or a value is not
 * finite (field "y" for y).
 * Allocates fit->coef and fit->se; free with stats_fit_release(). On
 * failure fit is empty.
 */
int stats_least_squares(const double *x, size_t n, size_t k, const double *y,
                        struct stats_fit *fit, struct err *e);

/* b0 + sum b_j row[j] for one observation's k = p - 1 predictors. */
double stats_fit_predict(const struct stats_fit *fit, const double *row);

/* Frees coef and se and empties fit (safe twice). */
void stats_fit_release(struct stats_fit *fit);

#endif
