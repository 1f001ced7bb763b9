/*
 * study: the analysis of a small within-subject experiment (the seed's
 * contralateral-limb study: one measure on each subject at a baseline and
 * at later timepoints). Pure: a matrix of values in, one summary per
 * timepoint out. Parsing files is the caller's job.
 */
#ifndef TS_STATS_STUDY_H
#define TS_STATS_STUDY_H

#include <stddef.h>

#include "core/err.h"
#include "stats/stats.h"

/* Why a number is missing, when it is (empty string when it is not). */
#define STUDY_NOTE_SIZE 512 /* as struct err's message */

struct study_timepoint {
    /* Subjects with a value at both the baseline and this timepoint (for
     * the baseline itself: subjects with a baseline value). */
    size_t n;
    double mean, sd;            /* this timepoint, over those n subjects */
    double baseline_mean;       /* the baseline, over the same subjects */
    double mean_change;         /* mean of (value - baseline value) */
    struct stats_interval change_ci95; /* t-based 95% CI of mean_change */
    double pct_change;          /* mean_change / baseline_mean x 100 */
    double t_p;                 /* paired t-test, two-sided */
    double wilcoxon_p;          /* Wilcoxon signed-rank, two-sided */
    char ci_note[STUDY_NOTE_SIZE];       /* why change_ci95 is missing */
    char pct_note[STUDY_NOTE_SIZE];      /* why pct_change is missing */
    char t_note[STUDY_NOTE_SIZE];        /* why t_p is missing */
    char wilcoxon_note[STUDY_NOTE_SIZE]; /* why wilcoxon_p is missing */
};

/*
 * Analyses values, a row-major subjects x timepoints matrix
 * (values[s * timepoints + t]; NAN where subject s has no value at t),
 * against the baseline column. For every timepoint t other than the
 * baseline, over the n subjects with both values: mean and SD of the
 * values at t (SD NAN when n < 2), mean change (value - baseline),
 * percent change = mean change / baseline mean x 100 (the baseline mean
 * over the same n subjects; NAN when that mean is 0), the 95% CI of the
 * mean change and the paired t-test p (stats_paired_t_test; NAN with a
 * note when n < 2 or the changes do not vary), the Wilcoxon signed-rank p
 * (stats_wilcoxon_signed_rank, as R's wilcox.test(paired = TRUE); NAN
 * with a note when n < 2 or every change is zero). With n = 0 every
 * number is NAN. out[baseline] holds n, mean and SD of the baseline
 * values; its change fields are NAN.
 * out has timepoints entries, allocated by the caller. Fails (field
 * "baseline") when baseline >= timepoints, (field "timepoints") when
 * fewer than 2 timepoints or no subjects. Allocates work arrays and frees
 * them.
 */
int study_analyze(const double *values, size_t subjects, size_t timepoints,
                  size_t baseline, struct study_timepoint *out,
                  struct err *e);

#endif
