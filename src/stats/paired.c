/* paired: paired t-test and Wilcoxon signed-rank. Sources in paired.h. */
#include "stats/paired.h"
#include "stats/describe.h"
#include "stats/distributions.h"
#include "core/util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

static double difference(const double *x, const double *y, size_t i)
{
    return y ? x[i] - y[i] : x[i];
}

int stats_paired_t_test(const double *x, const double *y, size_t n,
                        double conf, struct stats_t_test *out,
                        struct err *e)
{
    out->n = n;
    out->t = out->df = out->p = NAN;
    out->ci.lower = out->ci.upper = NAN;
    double *d = xmalloc((n ? n : 1) * sizeof(*d));
    for (size_t i = 0; i < n; i++)
        d[i] = difference(x, y, i);
    stats_mean_sd(d, n, &out->mean_difference, &out->sd_difference);
    free(d);
    if (!(conf > 0.0 && conf < 1.0))
        return err_set(e, ERR_INPUT, "conf",
                       "confidence level must be between 0 and 1");
    if (n < 2)
        return err_set(e, ERR_INPUT, "x", "needs at least 2 pairs");
    double se = out->sd_difference / sqrt((double)n);
    if (se == 0.0 || se < 10.0 * DBL_EPSILON * fabs(out->mean_difference))
        return err_set(e, ERR_INPUT, "x",
                       "all differences are equal: no variance");
    out->df = (double)(n - 1);
    out->t = out->mean_difference / se;
    out->p = stats_t_two_sided_p(out->t, out->df);
    double q = stats_t_quantile(0.5 + conf / 2.0, out->df);
    out->ci.lower = out->mean_difference - q * se;
    out->ci.upper = out->mean_difference + q * se;
    return 0;
}

struct ranked {
    double value;
    size_t index;
};

static int compare_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

double stats_rank_average(const double *v, size_t n, double *rank)
{
    if (n == 0)
        return 0.0;
    struct ranked *r = xmalloc(n * sizeof(*r));
    for (size_t i = 0; i < n; i++) {
        r[i].value = v[i];
        r[i].index = i;
    }
    qsort(r, n, sizeof(*r), compare_ranked);
    double correction = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && r[j].value == r[i].value)
            j++;
        /* positions i..j-1 hold ranks i+1..j: their mean */
        double average = ((double)(i + 1) + (double)j) / 2.0;
        for (size_t k = i; k < j; k++)
            rank[r[k].index] = average;
        double t = (double)(j - i);
        correction += t * t * t - t;
        i = j;
    }
    free(r);
    return correction;
}

/* P(V <= q) and P(V >= q) for the signed-rank statistic of m values
 * under the null: counts of subsets of {1..m} by their sum. */
static void signrank_tails(size_t m, double q, double *lower, double *upper)
{
    size_t max_sum = m * (m + 1) / 2;
    double *count = xcalloc(max_sum + 1, sizeof(*count));
    count[0] = 1.0;
    for (size_t i = 1; i <= m; i++)
        for (size_t k = max_sum; k >= i; k--)
            count[k] += count[k - i];
    double total = ldexp(1.0, (int)m), low = 0.0, high = 0.0;
    for (size_t k = 0; k <= max_sum; k++) {
        if ((double)k <= q)
            low += count[k];
        if ((double)k >= q)
            high += count[k];
    }
    free(count);
    *lower = low / total;
    *upper = high / total;
}

int stats_wilcoxon_signed_rank(const double *x, const double *y, size_t n,
                               struct stats_wilcoxon *out, struct err *e)
{
    out->n = n;
    out->n_zero = out->n_used = 0;
    out->ties = out->exact = 0;
    out->v = out->z = out->p = NAN;
    if (n == 0)
        return err_set(e, ERR_INPUT, "x", "needs at least 1 pair");
    double *d = xmalloc(n * sizeof(*d));
    double *magnitude = xmalloc(n * sizeof(*magnitude));
    double *rank = xmalloc(n * sizeof(*rank));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double di = difference(x, y, i);
        if (di == 0.0) {
            out->n_zero++;
            continue;
        }
        d[m] = di;
        magnitude[m++] = fabs(di);
    }
    out->n_used = m;
    int status = 0;
    if (m == 0) {
        status = err_set(e, ERR_INPUT, "x",
                         "all differences are zero: nothing to rank");
        goto done;
    }
    double tie_sum = stats_rank_average(magnitude, m, rank);
    out->ties = tie_sum > 0.0;
    double v = 0.0;
    for (size_t i = 0; i < m; i++)
        if (d[i] > 0.0)
            v += rank[i];
    out->v = v;
    double mm = (double)m, centre = mm * (mm + 1.0) / 4.0;
    if (m < 50 && !out->ties && out->n_zero == 0) {
        double lower, upper;
        out->exact = 1;
        signrank_tails(m, v, &lower, &upper);
        double p = 2.0 * (v > centre ? upper : lower);
        out->p = p > 1.0 ? 1.0 : p;
    } else {
        double sigma = sqrt(mm * (mm + 1.0) * (2.0 * mm + 1.0) / 24.0 -
                            tie_sum / 48.0);
        double z = v - centre;
        double correction = z > 0.0 ? 0.5 : z < 0.0 ? -0.5 : 0.0;
        out->z = (z - correction) / sigma;
        out->p = 2.0 * stats_normal_upper(fabs(out->z));
        if (out->p > 1.0)
            out->p = 1.0;
    }
done:
    free(d);
    free(magnitude);
    free(rank);
    return status;
}
