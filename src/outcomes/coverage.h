/*
 * coverage: how complete a practitioner's evidence is, and how patients
 * answer their invitations (docs/outcomes.md, "Coverage").
 *
 *   follow-up coverage  per protocol: of the practitioner's complete
 *                       episodes (an episode is complete when one of its
 *                       episode_summary rows is complete), those with a
 *                       follow-up (one of its complete rows has one);
 *                       of those without, how many had the patient
 *                       invited (any invitation of timepoint followup,
 *                       whatever became of it) and how many not;
 *   response rate       per channel (email, print), over the invitations
 *                       of the practitioner's episodes (every timepoint)
 *                       that were sent: all but those revoked before they
 *                       were answered (revoked_at set, and used_at NULL or
 *                       later than revoked_at); answered: used_at set;
 *   days to answer      used_at - created_at in days (fractional), over
 *                       the answered ones; the median per channel and in
 *                       all (R's quantile type 7 at 0.5).
 *
 * Reads episode_summary, episode and invitation only. Numbers that cannot
 * be computed (nothing to divide by) are JSON null.
 */
#ifndef TS_OUTCOMES_COVERAGE_H
#define TS_OUTCOMES_COVERAGE_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

/*
 * One practitioner's coverage, without access checks or audit: the
 * caller has checked access and runs it in its own transaction (the
 * practitioner's outcome report does). Returns a new object
 *   {"followup": [{"protocol", "complete", "with_followup",
 *                  "without_followup", "coverage", "invited",
 *                  "not_invited"}],
 *    "channels": [{"channel", "sent", "answered", "response_rate",
 *                  "median_days_to_answer"}] (email, then print),
 *    "sent", "answered", "response_rate", "median_days_to_answer"}
 * (json_decref() it), or NULL with e filled.
 */
json_t *coverage_practitioner_json(struct store *s, int64_t practitioner_id,
                                   struct err *e);

/*
 * The same from the practitioner's outcome rows read by the caller (the
 * outcome report reads them for its cells): coverage_followup_new()
 * (allocates; free with coverage_followup_free()), then
 * coverage_followup_add() for each of the practitioner's rows of
 * outcome_row (its group's protocol, episode_id, code) in the order of
 * the groups' (protocol, instrument), then
 * coverage_practitioner_json_rows() once, in the same transaction. The
 * document is the same as coverage_practitioner_json()'s.
 */
struct coverage_followup;
struct coverage_followup *coverage_followup_new(struct store *s);
int coverage_followup_add(struct coverage_followup *f, const char *protocol,
                          int64_t episode_id, int64_t code, struct err *e);
json_t *coverage_practitioner_json_rows(struct store *s,
                                        int64_t practitioner_id,
                                        struct coverage_followup *f,
                                        struct err *e);
void coverage_followup_free(struct coverage_followup *f);

/*
 * The coverage report of `touchstone report coverage`:
 *   {"practitioners": [{"practitioner": {"id", "name"},
 *                       ...coverage_practitioner_json() members...}]}
 * practitioner_id 0: every practitioner with an episode for an admin,
 * the therapist themself for a therapist. A therapist asking for another
 * practitioner, and any researcher, is refused with ERR_AUTH (audited
 * "denied"); an unknown practitioner is ERR_NOT_FOUND. One transaction,
 * audited as "read" of "practitioner_coverage" (record id the
 * practitioner, 0 for all). New reference, or NULL with e filled.
 */
json_t *coverage_report_json(struct store *s, const struct actor *caller,
                             int64_t practitioner_id, struct err *e);

#endif
