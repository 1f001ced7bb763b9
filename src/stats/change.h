/*
 * change: the size of within-patient change. Improvement is oriented by
 * the caller so that positive is better; these functions only measure.
 */
#ifndef TS_STATS_CHANGE_H
#define TS_STATS_CHANGE_H

#include <stddef.h>

#include "core/err.h"

struct stats_change {
    size_t n;
    double mean_baseline, sd_baseline;
    double mean_change, sd_change;  /* change = after - baseline */
    double srm;                     /* mean_change / sd_change */
    double effect_size;             /* mean_change / sd_baseline */
};

/*
 * Change from baseline[i] to after[i] over n pairs: the standardised
 * response mean SRM = mean change / SD of change, and the effect size
 * ES = mean change / SD at baseline (Kazis, Anderson & Meenan 1989, Med
 * Care 27:S178; Liang, Fossel & Larson 1990, Med Care 28:632; Middel &
 * van Sonderen 2002, Int J Integr Care 2:e15 — do not label them with
 * Cohen's 0.2/0.5/0.8). SDs use n - 1. Fails (field "n") when n < 2;
 * srm (effect_size) is NAN when the SD of change (at baseline) is zero,
 * without failing. Allocates and frees a work array.
 */
int stats_change_summary(const double *baseline, const double *after,
                         size_t n, struct stats_change *out, struct err *e);

/*
 * Reliable change index (Jacobson & Truax 1991, J Consult Clin Psychol
 * 59:12): SEM = sd_baseline sqrt(1 - r), SE_diff = sqrt(2) SEM,
 * RCI = (after - before) / SE_diff, with r the instrument's test-retest
 * reliability. A change is reliable when |RCI| > 1.96
 * (STATS_RELIABLE_CHANGE). NAN when sd_baseline <= 0 or r is outside
 * [0, 1).
 */
double stats_reliable_change_index(double before, double after,
                                   double sd_baseline, double reliability);
#define STATS_RELIABLE_CHANGE 1.96

/* Standard error of measurement SEM = sd sqrt(1 - icc); NAN when sd < 0
 * or icc outside [0, 1]. */
double stats_sem(double sd, double icc);
/* Minimal detectable change at 95%: MDC95 = 1.96 sqrt(2) SEM (Weir 2005,
 * J Strength Cond Res 19:231); NAN as stats_sem(). */
double stats_mdc95(double sd, double icc);

#endif
