/*
 * model: ordinary least squares with an intercept from running sums, so
 * that the registry's risk model is fitted in one sequential pass over
 * the episode summaries without keeping them in memory.
 *
 * The pass adds each observation (k predictors x, outcome y) to a
 * struct model_sums: the count and the sums of x, y, x x', x y and y²,
 * each value first shifted by the first observation's (the "shifted data"
 * method: sums of squares about the mean are then computed without the
 * cancellation of raw sums; Chan, Golub & LeVeque 1983, Am Stat 37:242).
 * The fit then uses the centred cross-products C = sum (x - xbar)(x -
 * xbar)', c = sum (x - xbar)(y - ybar), Cyy = sum (y - ybar)²:
 *
 *   slopes b solve C b = c (Cholesky of C scaled to unit diagonal),
 *   intercept b0 = ybar - b' xbar,
 *   RSS = Cyy - b' c, sigma² = RSS / (n - p), p = 1 + predictors used,
 *   cov(b) = sigma² C^-1, var(b0) = sigma² (1/n + xbar' C^-1 xbar),
 *   R² = 1 - RSS / Cyy, adjusted R² = 1 - (1 - R²)(n - 1)/(n - p),
 *
 * which are the normal equations of y = b0 + b'x (Seber & Lee 2003,
 * Linear Regression Analysis, 2nd ed., section 3.11): the same numbers
 * as R's summary(lm(y ~ x)) up to rounding. A predictor that does not
 * vary, or is (within 1e-10 after scaling to unit variance) a linear
 * combination of others, is refused as singular, never silently dropped.
 * Nothing here allocates.
 */
#ifndef TS_OUTCOMES_MODEL_H
#define TS_OUTCOMES_MODEL_H

#include <stddef.h>

#include "core/err.h"

#define MODEL_MAX_PREDICTORS 8

struct model_sums {
    size_t k; /* predictors */
    size_t n; /* observations added */
    double shift_x[MODEL_MAX_PREDICTORS], shift_y;
    double sx[MODEL_MAX_PREDICTORS], sy;
    double sxx[MODEL_MAX_PREDICTORS][MODEL_MAX_PREDICTORS];
    double sxy[MODEL_MAX_PREDICTORS], syy;
};

struct model_fit {
    size_t n;            /* observations */
    size_t p;            /* parameters: 1 + predictors used */
    int used[MODEL_MAX_PREDICTORS];     /* 1 where the predictor is in */
    double intercept, intercept_se;
    double coef[MODEL_MAX_PREDICTORS];  /* 0 where not used */
    double se[MODEL_MAX_PREDICTORS];    /* NAN where not used */
    double mean_x[MODEL_MAX_PREDICTORS], mean_y;
    double rss, sigma, df_residual, r2, adj_r2;
    int singular;        /* on failure: the predictor at fault, or -1 */
};

/* Empties m for k predictors (k <= MODEL_MAX_PREDICTORS, else BUG). */
void model_sums_init(struct model_sums *m, size_t k);
/* Adds one observation: x[0..k-1] and y, all finite. */
void model_sums_add(struct model_sums *m, const double *x, double y);
/*
 * Adds the observations summed in from to those of into (both with the
 * same k, else BUG), as if each had been added to into one by one: from's
 * sums, about its own shift, are moved to into's shift (for d = x - a,
 * e = x - b and delta = b - a: sum d = sum e + n delta, sum d d' = sum e
 * e' + delta (sum e)' + (sum e) delta' + n delta delta', and so on),
 * which is Chan, Golub & LeVeque's pairwise update for shifted data. An
 * empty into takes from as it is. Equal to one pass over all the
 * observations up to rounding (about 1e-15 relative for data of one
 * scale), not to the bit.
 */
void model_sums_merge(struct model_sums *into, const struct model_sums *from);
/* The number of observations with predictor j not equal to 0 cannot be
 * known from sums in general; for 0/1 indicators it is sum x_j: this
 * returns the (unshifted) sum of predictor j. */
double model_sums_total(const struct model_sums *m, size_t j);

/*
 * Fits y on the predictors j with use[j] != 0 (use NULL: all), as above.
 * Fails (ERR_INPUT, field "x", fit->singular naming the predictor) when a
 * used predictor does not vary or is collinear with the others, and
 * (field "n") when n <= p (no residual degrees of freedom). R² is NAN when
 * y does not vary.
 */
int model_fit(const struct model_sums *m, const int *use,
              struct model_fit *fit, struct err *e);

/* b0 + sum over used j of b_j x[j]. */
double model_predict(const struct model_fit *fit, const double *x);

#endif
