/*
 * survival: the Kaplan-Meier product-limit estimate, for time (sessions)
 * to a first responder-level score with non-responders censored.
 */
#ifndef TS_STATS_SURVIVAL_H
#define TS_STATS_SURVIVAL_H

#include <math.h> /* NAN, for STATS_KM_INIT */
#include <stddef.h>

#include "core/err.h"

/* One distinct observed time (an event or a censoring, or both). */
struct stats_km_step {
    double time;
    size_t at_risk;   /* observations with time >= this time */
    size_t events;    /* events at this time */
    size_t censored;  /* censorings at this time */
    double survival;  /* S(time): the estimate just after this time */
};

struct stats_km {
    size_t n;                    /* observations */
    size_t events;               /* events in all */
    size_t steps;                /* distinct times, ascending */
    struct stats_km_step *step;  /* steps entries; owned, see release */
    double median;               /* first time with S <= 0.5, or NAN */
};

#define STATS_KM_INIT {0, 0, 0, NULL, NAN}

/*
 * Kaplan-Meier estimate (Kaplan & Meier 1958, JASA 53:457) from time[i]
 * and event[i] (1: the event happened at time[i]; 0: censored then):
 * S(t) = product over distinct event times t_j <= t of (1 - d_j / n_j),
 * with d_j events at t_j and n_j the number still at risk (time >= t_j).
 * Ties as in R's survival::survfit: an observation censored at t_j is at
 * risk at t_j (events precede censorings at the same time), and every
 * distinct time, event or censoring, is a step. The median is the first
 * step time with S(t) <= 0.5 (statistics.md; a relative tolerance of
 * sqrt(DBL_EPSILON) as survfit's); NAN when S never reaches 0.5. Unlike
 * survfit, when S equals 0.5 exactly over an interval the median is the
 * start of that interval, not its midpoint.
 * Fails (field "time") when n == 0 or a time is not finite, (field
 * "event") when an event flag is not 0 or 1; out is then empty.
 * Allocates out->step; free with stats_km_release().
 */
int stats_kaplan_meier(const double *time, const int *event, size_t n,
                       struct stats_km *out, struct err *e);

/* Frees km->step and empties km (safe on an empty or released km). */
void stats_km_release(struct stats_km *km);

#endif
