/* regression: least squares via GSL. Formulas and sources in regression.h. */
#include "stats/regression.h"
#include "core/util.h"

#include <gsl/gsl_multifit.h>
#include <math.h>
#include <stdlib.h>

/* Relative singular-value threshold below which the design is singular. */
#define RANK_TOLERANCE 1e-10

void stats_fit_release(struct stats_fit *fit)
{
    free(fit->coef);
    free(fit->se);
    *fit = (struct stats_fit)STATS_FIT_INIT;
}

double stats_fit_predict(const struct stats_fit *fit, const double *row)
{
    double value = fit->coef[0];
    for (size_t j = 1; j < fit->p; j++)
        value += fit->coef[j] * row[j - 1];
    return value;
}

int stats_least_squares(const double *x, size_t n, size_t k, const double *y,
                        struct stats_fit *fit, struct err *e)
{
    *fit = (struct stats_fit)STATS_FIT_INIT;
    size_t p = k + 1;
    if (n <= p)
        return err_set(e, ERR_INPUT, "x",
                       "needs more observations (%zu) than coefficients "
                       "(%zu)", n, p);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return err_set(e, ERR_INPUT, "y",
                           "observation %zu: not a finite number", i + 1);
        for (size_t j = 0; j < k; j++)
            if (!isfinite(x[i * k + j]))
                return err_set(e, ERR_INPUT, "x",
                               "observation %zu, predictor %zu: not a "
                               "finite number", i + 1, j + 1);
    }
    gsl_matrix *X = gsl_matrix_alloc(n, p);
    gsl_vector *Y = gsl_vector_alloc(n);
    gsl_vector *c = gsl_vector_alloc(p);
    gsl_matrix *cov = gsl_matrix_alloc(p, p);
    gsl_multifit_linear_workspace *work = gsl_multifit_linear_alloc(n, p);
    if (!X || !Y || !c || !cov || !work)
        die("out of memory fitting a linear model");
    double mean_y = 0.0;
    for (size_t i = 0; i < n; i++) {
        gsl_matrix_set(X, i, 0, 1.0);
        for (size_t j = 0; j < k; j++)
            gsl_matrix_set(X, i, j + 1, x[i * k + j]);
        gsl_vector_set(Y, i, y[i]);
        mean_y += (y[i] - mean_y) / (double)(i + 1);
    }
    double chisq = 0.0;
    size_t rank = 0;
    int status = 0;
    if (gsl_multifit_linear_tsvd(X, Y, RANK_TOLERANCE, c, cov, &chisq, &rank,
                                 work) != 0 || rank < p) {
        status = err_set(e, ERR_INPUT, "x",
                         "singular design: rank %zu of %zu columns (a "
                         "predictor is constant or a combination of "
                         "others)", rank, p);
        goto done;
    }
    fit->n = n;
    fit->p = p;
    fit->coef = xmalloc(p * sizeof(double));
    fit->se = xmalloc(p * sizeof(double));
    for (size_t j = 0; j < p; j++) {
        fit->coef[j] = gsl_vector_get(c, j);
        fit->se[j] = sqrt(gsl_matrix_get(cov, j, j));
    }
    /* The residual sum of squares, recomputed from the coefficients. */
    double rss = 0.0, tss = 0.0;
    for (size_t i = 0; i < n; i++) {
        double r = y[i] - stats_fit_predict(fit, k ? x + i * k : NULL);
        rss += r * r;
        tss += (y[i] - mean_y) * (y[i] - mean_y);
    }
    fit->rss = rss;
    fit->df_residual = (double)(n - p);
    fit->sigma = sqrt(rss / fit->df_residual);
    fit->r2 = tss > 0.0 ? 1.0 - rss / tss : NAN;
    fit->adj_r2 = tss > 0.0
                      ? 1.0 - (1.0 - fit->r2) * (double)(n - 1) /
                                  fit->df_residual
                      : NAN;
done:
    gsl_multifit_linear_free(work);
    gsl_matrix_free(cov);
    gsl_vector_free(c);
    gsl_vector_free(Y);
    gsl_matrix_free(X);
    return status;
}
