/*
 * national: the clinic's reader of the national registry's document, as
 * `touchstone registry pull` keeps it (table registry_national: the
 * document's canonical JSON and the registry's signature, checked again
 * here with the key pinned at enrolment, table registry_link), and the
 * comparison of a therapist's cells against it (docs/registry.md, "The
 * clinic sees the nation").
 *
 * The comparison, per protocol x instrument of the therapist's cells:
 *   - the clinic's mean improvement (its group's model, over its complete
 *     episodes) beside the nation's (the document's model);
 *   - the therapist's percentile among the national cells of the group
 *     that are published (not withheld) and have a risk-adjusted
 *     performance: 100 x (cells below + half the cells equal) / cells,
 *     comparing the therapist's observed-minus-expected improvement (the
 *     clinic's report) with the national cells' (the registry's report);
 *     null when either side has none.
 * When nothing was pulled (or the kept document no longer verifies) the
 * comparison says the clinic stands alone.
 */
#ifndef TS_OUTCOMES_NATIONAL_H
#define TS_OUTCOMES_NATIONAL_H

#include <jansson.h>

#include "core/clock.h"
#include "core/err.h"
#include "store/store.h"

/*
 * The national document pulled last, its signature verified over the
 * stored bytes with the pinned registry key: a new reference (the caller
 * json_decref()s it), with *pulled_at (may be NULL) filled; NULL with e
 * untouched when none was pulled (or the clinic never enrolled); NULL
 * with e filled (ERR_REFUSED, field "signature") when the kept document
 * no longer verifies, or ERR_FAIL when it is not JSON. Reads only.
 */
json_t *national_load(struct store *s, char pulled_at[CLOCK_INSTANT_LEN],
                      struct err *e);

/*
 * The national comparison of a therapist's cells. cells: the cells of
 * report_practitioner_json(); clinic: [{"protocol", "instrument",
 * "n_complete", "mean_improvement"}] of the clinic's groups. Returns a
 * new reference (never NULL; the caller json_decref()s it):
 *   {"source": "registry", "sentence": "against N therapists in M
 *    clinics", "clinics": M, "practitioners": N, "summaries",
 *    "min_cell", "pulled_at", "groups": [{"protocol", "instrument",
 *    "clinic_n_complete", "clinic_mean_improvement",
 *    "national_n_complete", "national_mean_improvement",
 *    "national_sd_improvement", "national_withheld" (bool),
 *    "national_cells" (cells ranked), "observed_minus_expected",
 *    "percentile"}]}
 * or, when nothing usable was pulled,
 *   {"source": "clinic", "sentence": "Compared against this clinic
 *    alone: ...",
 *    "groups": []}.
 */
json_t *national_compare(struct store *s, const json_t *cells,
                         const json_t *clinic);

#endif
