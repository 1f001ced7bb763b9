/* survival: Kaplan-Meier. Formula and source in survival.h. */
#include "stats/survival.h"
#include "core/util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

struct observation {
    double time;
    int event;
};

static int compare_observation(const void *a, const void *b)
{
    const struct observation *x = a, *y = b;
    return (x->time > y->time) - (x->time < y->time);
}

void stats_km_release(struct stats_km *km)
{
    free(km->step);
    km->step = NULL;
    km->n = km->events = km->steps = 0;
    km->median = NAN;
}

int stats_kaplan_meier(const double *time, const int *event, size_t n,
                       struct stats_km *out, struct err *e)
{
    out->n = out->events = out->steps = 0;
    out->step = NULL;
    out->median = NAN;
    if (n == 0)
        return err_set(e, ERR_INPUT, "time", "needs at least 1 observation");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(time[i]))
            return err_set(e, ERR_INPUT, "time",
                           "observation %zu: not a finite time", i + 1);
        if (event[i] != 0 && event[i] != 1)
            return err_set(e, ERR_INPUT, "event",
                           "observation %zu: must be 0 (censored) or 1",
                           i + 1);
    }
    struct observation *o = xmalloc(n * sizeof(*o));
    for (size_t i = 0; i < n; i++) {
        o[i].time = time[i];
        o[i].event = event[i];
    }
    qsort(o, n, sizeof(*o), compare_observation);
    out->step = xcalloc(n, sizeof(*out->step));
    out->n = n;
    double survival = 1.0;
    const double tolerance = sqrt(DBL_EPSILON);
    size_t at_risk = n;
    for (size_t i = 0; i < n;) {
        size_t j = i, events = 0;
        while (j < n && o[j].time == o[i].time)
            events += (size_t)o[j++].event;
        struct stats_km_step *s = &out->step[out->steps++];
        s->time = o[i].time;
        s->at_risk = at_risk;
        s->events = events;
        s->censored = (j - i) - events;
        if (events)
            survival *= 1.0 - (double)events / (double)at_risk;
        s->survival = survival;
        if (events && isnan(out->median) && survival < 0.5 + tolerance)
            out->median = s->time;
        out->events += events;
        at_risk -= j - i;
        i = j;
    }
    free(o);
    return 0;
}
