#include "outcomes/model.h"
#include "core/util.h"

#include <math.h>
#include <string.h>

#define MODEL_SINGULAR_TOL 1e-10

void model_sums_init(struct model_sums *m, size_t k)
{
    if (k > MODEL_MAX_PREDICTORS)
        BUG("model with %zu predictors", k);
    memset(m, 0, sizeof(*m));
    m->k = k;
}

/* The sums of one observation's shifted values d (k of them) and dy.
 * Inlined with k a constant, the loops unroll: the same additions, in
 * the same order for each sum, without the loop overhead. */
static inline void sums_add(struct model_sums *m, const double *d, double dy,
                            size_t k)
{
    for (size_t j = 0; j < k; j++) {
        m->sx[j] += d[j];
        m->sxy[j] += d[j] * dy;
        for (size_t l = 0; l <= j; l++)
            m->sxx[j][l] += d[j] * d[l];
    }
    m->sy += dy;
    m->syy += dy * dy;
}

void model_sums_add(struct model_sums *m, const double *x, double y)
{
    if (m->n == 0) {
        for (size_t j = 0; j < m->k; j++)
            m->shift_x[j] = x[j];
        m->shift_y = y;
    }
    double d[MODEL_MAX_PREDICTORS];
    double dy = y - m->shift_y;
    for (size_t j = 0; j < m->k; j++)
        d[j] = x[j] - m->shift_x[j];
    if (m->k == MODEL_MAX_PREDICTORS)
        sums_add(m, d, dy, MODEL_MAX_PREDICTORS);
    else
        sums_add(m, d, dy, m->k);
    m->n++;
}

void model_sums_merge(struct model_sums *into, const struct model_sums *from)
{
    if (into->k != from->k)
        BUG("merging sums of %zu and %zu predictors", into->k, from->k);
    if (from->n == 0)
        return;
    if (into->n == 0) {
        *into = *from;
        return;
    }
    size_t k = into->k;
    double nf = (double)from->n;
    double d[MODEL_MAX_PREDICTORS];
    double dy = from->shift_y - into->shift_y;
    for (size_t j = 0; j < k; j++)
        d[j] = from->shift_x[j] - into->shift_x[j];
    for (size_t j = 0; j < k; j++) {
        for (size_t l = 0; l <= j; l++)
            into->sxx[j][l] += from->sxx[j][l] + d[j] * from->sx[l] +
                               d[l] * from->sx[j] + nf * d[j] * d[l];
        into->sxy[j] += from->sxy[j] + d[j] * from->sy + dy * from->sx[j] +
                        nf * d[j] * dy;
    }
    into->syy += from->syy + 2.0 * dy * from->sy + nf * dy * dy;
    for (size_t j = 0; j < k; j++)
        into->sx[j] += from->sx[j] + nf * d[j];
    into->sy += from->sy + nf * dy;
    into->n += from->n;
}

double model_sums_total(const struct model_sums *m, size_t j)
{
    if (j >= m->k)
        BUG("predictor %zu of %zu", j, m->k);
    return m->sx[j] + (double)m->n * m->shift_x[j];
}

static double lower(const struct model_sums *m, size_t j, size_t l)
{
    return j >= l ? m->sxx[j][l] : m->sxx[l][j];
}

/* Cholesky factor of the q x q matrix a (unit diagonal expected) into L;
 * -1 with *at the failing row when a pivot is below the tolerance. */
static int cholesky(double a[][MODEL_MAX_PREDICTORS], size_t q,
                    double l[][MODEL_MAX_PREDICTORS], size_t *at)
{
    for (size_t i = 0; i < q; i++) {
        for (size_t j = 0; j <= i; j++) {
            double sum = a[i][j];
            for (size_t k = 0; k < j; k++)
                sum -= l[i][k] * l[j][k];
            if (i == j) {
                if (!(sum > MODEL_SINGULAR_TOL)) {
                    *at = i;
                    return -1;
                }
                l[i][i] = sqrt(sum);
            } else {
                l[i][j] = sum / l[j][j];
            }
        }
    }
    return 0;
}

/* Solves L L' z = b in place. */
static void cholesky_solve(double l[][MODEL_MAX_PREDICTORS], size_t q,
                           double *b)
{
    for (size_t i = 0; i < q; i++) {
        double sum = b[i];
        for (size_t k = 0; k < i; k++)
            sum -= l[i][k] * b[k];
        b[i] = sum / l[i][i];
    }
    for (size_t i = q; i-- > 0;) {
        double sum = b[i];
        for (size_t k = i + 1; k < q; k++)
            sum -= l[k][i] * b[k];
        b[i] = sum / l[i][i];
    }
}

int model_fit(const struct model_sums *m, const int *use,
              struct model_fit *fit, struct err *e)
{
    memset(fit, 0, sizeof(*fit));
    fit->singular = -1;
    fit->n = m->n;
    size_t idx[MODEL_MAX_PREDICTORS], q = 0;
    for (size_t j = 0; j < m->k; j++) {
        fit->se[j] = NAN;
        if (!use || use[j]) {
            fit->used[j] = 1;
            idx[q++] = j;
        }
    }
    fit->p = q + 1;
    double n = (double)m->n;
    if (m->n <= fit->p)
        return err_set(e, ERR_INPUT, "n",
                       "%zu observations for %zu parameters: no residual "
                       "degrees of freedom",
                       m->n, fit->p);
    for (size_t j = 0; j < m->k; j++)
        fit->mean_x[j] = m->shift_x[j] + m->sx[j] / n;
    fit->mean_y = m->shift_y + m->sy / n;

    /* Centred cross-products of the used predictors, scaled to unit
     * diagonal. */
    double c[MODEL_MAX_PREDICTORS][MODEL_MAX_PREDICTORS];
    double cy[MODEL_MAX_PREDICTORS] = {0}, scale[MODEL_MAX_PREDICTORS] = {0};
    for (size_t a = 0; a < q; a++) {
        size_t j = idx[a];
        double cjj = m->sxx[j][j] - m->sx[j] * m->sx[j] / n;
        if (!(cjj > MODEL_SINGULAR_TOL * m->sxx[j][j]) || !(cjj > 0)) {
            fit->singular = (int)j;
            return err_set(e, ERR_INPUT, "x",
                           "singular design: predictor %zu does not vary",
                           j);
        }
        scale[a] = sqrt(cjj);
    }
    double cyy = m->syy - m->sy * m->sy / n;
    for (size_t a = 0; a < q; a++) {
        size_t j = idx[a];
        for (size_t b = 0; b < q; b++) {
            size_t l = idx[b];
            c[a][b] = (lower(m, j, l) - m->sx[j] * m->sx[l] / n) /
                      (scale[a] * scale[b]);
        }
        c[a][a] = 1.0;
        cy[a] = (m->sxy[j] - m->sx[j] * m->sy / n) / scale[a];
    }
    double lf[MODEL_MAX_PREDICTORS][MODEL_MAX_PREDICTORS] = {{0}};
    size_t at = 0;
    if (q > 0 && cholesky(c, q, lf, &at) < 0) {
        fit->singular = (int)idx[at];
        return err_set(e, ERR_INPUT, "x",
                       "singular design: predictor %zu is a linear "
                       "combination of the others",
                       idx[at]);
    }
    double z[MODEL_MAX_PREDICTORS];
    memcpy(z, cy, sizeof(z));
    cholesky_solve(lf, q, z);
    double explained = 0;
    for (size_t a = 0; a < q; a++) {
        explained += z[a] * cy[a];
        fit->coef[idx[a]] = z[a] / scale[a];
    }
    fit->rss = cyy - explained;
    if (fit->rss < 0)
        fit->rss = 0;
    fit->df_residual = n - (double)fit->p;
    double sigma2 = fit->rss / fit->df_residual;
    fit->sigma = sqrt(sigma2);
    fit->r2 = cyy > 0 ? 1 - fit->rss / cyy : NAN;
    fit->adj_r2 = cyy > 0 ? 1 - (1 - fit->r2) * (n - 1) / fit->df_residual
                          : NAN;
    fit->intercept = fit->mean_y;
    for (size_t a = 0; a < q; a++)
        fit->intercept -= fit->coef[idx[a]] * fit->mean_x[idx[a]];

    /* C^-1 = D^-1 R^-1 D^-1, one column of R^-1 at a time; the intercept's
     * variance needs xbar' C^-1 xbar. */
    double quad = 0;
    double w[MODEL_MAX_PREDICTORS];
    for (size_t a = 0; a < q; a++)
        w[a] = fit->mean_x[idx[a]] / scale[a];
    for (size_t a = 0; a < q; a++) {
        double col[MODEL_MAX_PREDICTORS] = {0};
        col[a] = 1.0;
        cholesky_solve(lf, q, col);
        fit->se[idx[a]] = sqrt(sigma2 * col[a]) / scale[a];
        for (size_t b = 0; b < q; b++)
            quad += w[b] * col[b] * w[a];
    }
    fit->intercept_se = sqrt(sigma2 * (1 / n + quad));
    return 0;
}

double model_predict(const struct model_fit *fit, const double *x)
{
    double y = fit->intercept;
    for (size_t j = 0; j < MODEL_MAX_PREDICTORS; j++)
        if (fit->used[j])
            y += fit->coef[j] * x[j];
    return y;
}
