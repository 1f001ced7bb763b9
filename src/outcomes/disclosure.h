#ifndef TOUCHSTONE_OUTCOMES_DISCLOSURE_H
#define TOUCHSTONE_OUTCOMES_DISCLOSURE_H

/*
 * Disclosure control of the registry report: a cell of a few episodes can
 * point at the patients behind it, so such cells are withheld from every
 * caller who may not see whose cell it is.
 */

#include <jansson.h>

/* Cells of fewer episodes than this are withheld. */
#define DISCLOSURE_MIN_CELL 5

/*
 * Protects a registry report document (report_registry_json's shape) in
 * place. A cell is protected when its "practitioner" is null (the caller
 * may not see whose it is: researchers, therapists looking at colleagues);
 * admins and a therapist's own cell see everything.
 *
 * - Primary: a protected entry of "cells" with n below DISCLOSURE_MIN_CELL,
 *   or of "incomplete" with total below it, is withheld: every member but
 *   "practitioner", "label", "protocol" and "instrument" becomes null.
 * - Complementary: when exactly one entry of a group (protocol and
 *   instrument) is withheld in an array, the group's totals would give it
 *   away, so the smallest other protected entry of the group is withheld
 *   too; when there is none, the group's model loses its counts and
 *   means (below).
 * - A model whose group has fewer than DISCLOSURE_MIN_CELL complete
 *   episodes, and a protected cell, keeps only "protocol" and
 *   "instrument"; every other member becomes null.
 *
 * Every entry of "cells", "incomplete" and "models" gets "suppressed":
 * true or false. Returns the number of cells and entries of incomplete
 * episodes withheld, and of models withheld for their size.
 */
int disclosure_protect_registry(json_t *doc);
/* The same with another threshold in place of DISCLOSURE_MIN_CELL (the
 * national registry's public outputs withhold cells under 11). */
int disclosure_protect_registry_min(json_t *doc, int min_cell);

/* One entry of a group (a cell, or a cell's incomplete episodes) as the
 * decisions above read it: its count ("n", "total"; -1 when it has none)
 * and whether whose it is is hidden; withheld is the decision. */
struct disclosure_entry {
    long count;
    unsigned char is_protected;
    unsigned char withheld;
};

/*
 * The same decisions, for one protocol x instrument group, taken on the
 * counts before anything is written (the registry report's writer,
 * outcomes/report.h): sets each entry's withheld, and *model_withheld
 * (may be NULL: the group has no model) by the rules above for a model of
 * n_complete complete episodes (-1: none). Returns the number withheld,
 * counted as disclosure_protect_registry() counts them. Allocates
 * nothing.
 */
int disclosure_decide_group(struct disclosure_entry *cells, size_t ncells,
                            struct disclosure_entry *incomplete,
                            size_t nincomplete, long n_complete,
                            int min_cell, int *model_withheld);

#endif
