/* change: SRM, effect size, reliable change. Sources in change.h. */
#include "stats/change.h"
#include "stats/describe.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>

int stats_change_summary(const double *baseline, const double *after,
                         size_t n, struct stats_change *out, struct err *e)
{
    out->n = n;
    out->mean_baseline = out->sd_baseline = NAN;
    out->mean_change = out->sd_change = NAN;
    out->srm = out->effect_size = NAN;
    if (n < 2)
        return err_set(e, ERR_INPUT, "n", "needs at least 2 pairs");
    double *change = xmalloc(n * sizeof(*change));
    for (size_t i = 0; i < n; i++)
        change[i] = after[i] - baseline[i];
    stats_mean_sd(baseline, n, &out->mean_baseline, &out->sd_baseline);
    stats_mean_sd(change, n, &out->mean_change, &out->sd_change);
    free(change);
    if (out->sd_change > 0.0)
        out->srm = out->mean_change / out->sd_change;
    if (out->sd_baseline > 0.0)
        out->effect_size = out->mean_change / out->sd_baseline;
    return 0;
}

double stats_sem(double sd, double icc)
{
    if (!(sd >= 0.0) || !(icc >= 0.0 && icc <= 1.0))
        return NAN;
    return sd * sqrt(1.0 - icc);
}

double stats_mdc95(double sd, double icc)
{
    return 1.96 * sqrt(2.0) * stats_sem(sd, icc);
}

double stats_reliable_change_index(double before, double after,
                                   double sd_baseline, double reliability)
{
    if (!(sd_baseline > 0.0) || !(reliability >= 0.0 && reliability < 1.0))
        return NAN;
    double se_diff = sqrt(2.0) * sd_baseline * sqrt(1.0 - reliability);
    return (after - before) / se_diff;
}
