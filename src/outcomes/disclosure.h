#ifndef TOUCHSTONE_OUTCOMES_DISCLOSURE_H
#define TOUCHSTONE_OUTCOMES_DISCLOSURE_H

/*
 * Disclosure control of the registry report: a cell of a few episodes can
 * point at the patients behind it, so such cells are withheld from every
 * caller who may not see whose cell it is.
 */

#include <stddef.h>

/* Cells of fewer episodes than this are withheld from a clinic's registry
 * report (the national registry's public outputs use 11). */
#define DISCLOSURE_MIN_CELL 5

/* One entry of a group (a cell, or a cell's incomplete episodes): its
 * count ("n", "total"; -1 when it has none) and whether whose it is is
 * hidden (its "practitioner" is null: researchers, therapists looking at
 * colleagues; admins and a therapist's own cell see everything);
 * withheld is the decision. */
struct disclosure_entry {
    long count;
    unsigned char is_protected;
    unsigned char withheld;
};

/*
 * The decisions for one protocol x instrument group of a registry report
 * (report_registry_json's shape), taken on the counts before anything is
 * written (outcomes/report.h): sets each entry's withheld, and
 * *model_withheld (may be NULL: the group has no model), for a model of
 * n_complete complete episodes (-1: none):
 *
 * - Primary: a protected cell with n below min_cell, or entry of
 *   incomplete episodes with total below it, is withheld (the writer
 *   writes every member but "practitioner", "label", "protocol" and
 *   "instrument" null, and "suppressed": true).
 * - Complementary: when exactly one cell (or one entry of incomplete
 *   episodes) of the group is withheld, the group's totals would give it
 *   away, so the smallest other protected one is withheld too (the first
 *   of equals); when there is none, the group's model is withheld.
 * - A model of fewer than min_cell complete episodes whose group has a
 *   protected cell is withheld (only "protocol" and "instrument" kept).
 *
 * Returns the number of cells and entries of incomplete episodes
 * withheld, and of models withheld for their size. Allocates nothing.
 */
int disclosure_decide_group(struct disclosure_entry *cells, size_t ncells,
                            struct disclosure_entry *incomplete,
                            size_t nincomplete, long n_complete,
                            int min_cell, int *model_withheld);

#endif
