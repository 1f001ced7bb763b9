/* study: within-subject experiment analysis. Contract in study.h. */
#include "stats/study.h"
#include "stats/describe.h"
#include "stats/paired.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void timepoint_clear(struct study_timepoint *tp)
{
    tp->n = 0;
    tp->mean = tp->sd = tp->baseline_mean = tp->mean_change = NAN;
    tp->change_ci95.lower = tp->change_ci95.upper = NAN;
    tp->pct_change = tp->t_p = tp->wilcoxon_p = NAN;
    tp->ci_note[0] = tp->pct_note[0] = '\0';
    tp->t_note[0] = tp->wilcoxon_note[0] = '\0';
}

static void note(char *dst, const char *text)
{
    snprintf(dst, STUDY_NOTE_SIZE, "%s", text);
}

static void analyze_timepoint(const double *later, const double *base,
                              size_t n, struct study_timepoint *tp)
{
    tp->n = n;
    if (n == 0) {
        note(tp->ci_note, "no subject has both values");
        note(tp->pct_note, "no subject has both values");
        note(tp->t_note, "no subject has both values");
        note(tp->wilcoxon_note, "no subject has both values");
        return;
    }
    stats_mean_sd(later, n, &tp->mean, &tp->sd);
    stats_mean_sd(base, n, &tp->baseline_mean, NULL);
    struct stats_t_test t;
    struct err e = ERR_INIT;
    if (stats_paired_t_test(later, base, n, 0.95, &t, &e) == 0) {
        tp->change_ci95 = t.ci;
        tp->t_p = t.p;
    } else {
        note(tp->t_note, n < 2 ? "one subject: no test" : e.message);
        note(tp->ci_note, n < 2 ? "one subject: no interval" : e.message);
    }
    tp->mean_change = t.mean_difference;
    if (tp->baseline_mean != 0.0)
        tp->pct_change = tp->mean_change / tp->baseline_mean * 100.0;
    else
        note(tp->pct_note, "the baseline mean is zero");
    if (n < 2) {
        note(tp->wilcoxon_note, "one subject: no test");
        return;
    }
    struct stats_wilcoxon w;
    err_clear(&e);
    if (stats_wilcoxon_signed_rank(later, base, n, &w, &e) == 0)
        tp->wilcoxon_p = w.p;
    else
        note(tp->wilcoxon_note, e.message);
}

int study_analyze(const double *values, size_t subjects, size_t timepoints,
                  size_t baseline, struct study_timepoint *out,
                  struct err *e)
{
    if (timepoints < 2)
        return err_set(e, ERR_INPUT, "timepoints",
                       "needs a baseline and at least one later timepoint");
    if (baseline >= timepoints)
        return err_set(e, ERR_INPUT, "baseline", "no such timepoint");
    if (subjects == 0)
        return err_set(e, ERR_INPUT, "timepoints", "no subjects");
    double *later = xmalloc(subjects * sizeof(*later));
    double *base = xmalloc(subjects * sizeof(*base));
    for (size_t t = 0; t < timepoints; t++) {
        struct study_timepoint *tp = &out[t];
        timepoint_clear(tp);
        size_t n = 0;
        for (size_t s = 0; s < subjects; s++) {
            double b = values[s * timepoints + baseline];
            double v = values[s * timepoints + t];
            if (isnan(b) || isnan(v))
                continue;
            base[n] = b;
            later[n++] = v;
        }
        if (t == baseline) {
            tp->n = n;
            stats_mean_sd(base, n, &tp->mean, &tp->sd);
            tp->baseline_mean = tp->mean;
            continue;
        }
        analyze_timepoint(later, base, n, tp);
    }
    free(later);
    free(base);
    return 0;
}
