/* proportion: Wilson score interval. Formula and source in proportion.h. */
#include "stats/proportion.h"

#include <math.h>

int stats_wilson_interval(long x, long n, double z, double *estimate,
                          struct stats_interval *ci, struct err *e)
{
    ci->lower = ci->upper = NAN;
    if (estimate)
        *estimate = NAN;
    if (n <= 0)
        return err_set(e, ERR_INPUT, "n", "needs at least one trial");
    if (x < 0 || x > n)
        return err_set(e, ERR_INPUT, "x",
                       "successes must lie between 0 and %ld", n);
    if (!(z > 0.0) || !isfinite(z))
        return err_set(e, ERR_INPUT, "z", "must be a positive number");
    double nn = (double)n, p = (double)x / nn, z2 = z * z;
    double denominator = 1.0 + z2 / nn;
    double centre = (p + z2 / (2.0 * nn)) / denominator;
    double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) /
                  denominator;
    ci->lower = fmax(0.0, centre - half);
    ci->upper = fmin(1.0, centre + half);
    /* Rounding can leave a bound a hair beyond p at x = 0 or x = n. */
    if (ci->lower > p)
        ci->lower = p;
    if (ci->upper < p)
        ci->upper = p;
    if (estimate)
        *estimate = p;
    return 0;
}
