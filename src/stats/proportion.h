/*
 * proportion: a binomial proportion with its Wilson score interval.
 */
#ifndef TS_STATS_PROPORTION_H
#define TS_STATS_PROPORTION_H

#include "core/err.h"
#include "stats/stats.h"

/*
 * Wilson score interval (Wilson 1927, JASA 22:209; Newcombe 1998, Stat Med
 * 17:857, method 3) for x successes out of n trials, p = x / n:
 *   centre = (p + z^2 / 2n) / (1 + z^2 / n)
 *   half   = z sqrt(p (1 - p) / n + z^2 / 4n^2) / (1 + z^2 / n)
 *   [centre - half, centre + half], clamped to [0, 1] against rounding.
 * z is the two-sided normal quantile (STATS_Z95 for 95%). Equal to R's
 * prop.test(x, n, correct = FALSE)$conf.int when z = qnorm(0.975).
 * The interval always contains p, and lies inside [0, 1] even at x = 0 or
 * x = n. *estimate (may be NULL) receives p. Fails (field "n") when
 * n <= 0, (field "x") when x < 0 or x > n, (field "z") when z <= 0.
 * Allocates nothing.
 */
int stats_wilson_interval(long x, long n, double z, double *estimate,
                          struct stats_interval *ci, struct err *e);

#endif
