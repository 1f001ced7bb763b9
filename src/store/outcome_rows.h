#ifndef TOUCHSTONE_STORE_OUTCOME_ROWS_H
#define TOUCHSTONE_STORE_OUTCOME_ROWS_H

/*
 * The compact outcome rows (table outcome_row, migration 7) as SQL
 * fragments, shared by the migration's triggers and by the record's batch
 * writer (record/summary.c), which keeps the rows itself while a bulk
 * batch runs. The migration's text is built from these: never change
 * them (append a migration instead).
 */

/* The compact row of summary row r (see migration 7); the reason relies
 * on the table's checks (incomplete_reason NULL exactly when complete).
 * In SQL, << and | share one precedence: every shift is parenthesised. */
#define OUTCOME_ROW_CODE(r)                                                  \
    " (CASE " r ".incomplete_reason WHEN 'unknown_instrument' THEN 1"        \
    " WHEN 'open' THEN 2 WHEN 'no_baseline' THEN 3 WHEN 'no_discharge'"      \
    " THEN 4 ELSE 0 END | (coalesce(" r ".responder + 1, 0) << 3)"           \
    " | (coalesce(" r ".response_event + 1, 0) << 5)"                        \
    " | (coalesce(" r ".sustained + 1, 0) << 7) | (" r ".has_followup << 9)" \
    " | (CASE " r ".sex WHEN 'female' THEN 0 WHEN 'male' THEN 1"             \
    " WHEN 'other' THEN 2 ELSE 3 END << 10)"                                 \
    " | ((" r ".baseline + " r ".age_years + " r ".chronicity_weeks + " r    \
    ".comorbidities IS NOT NULL) << 12)"                                     \
    " | (CASE WHEN " r ".sessions_to_response >= 0 THEN ("                   \
    r ".sessions_to_response + 1) << 16 ELSE 0 END)) "
/* NULL when a factor is missing (NULL propagates through | and <<). */
#define OUTCOME_ROW_RISK(r)                                                  \
    " (" r ".age_years | (" r ".chronicity_weeks << 21) | (" r               \
    ".comorbidities << 42)) "
/* True (1) when a factor or the sessions to response is out of the
 * compact row's ranges: the bitwise or of the factors is out of 0 to
 * 2^21 - 1 exactly when one of them is; NULL when a factor is missing. */
#define OUTCOME_ROW_OUT_OF_RANGE(r)                                          \
    " (" r ".age_years | " r ".chronicity_weeks | " r ".comorbidities)"      \
    " NOT BETWEEN 0 AND 2097151 OR " r ".sessions_to_response >"             \
    " 1099511627776"
#define OUTCOME_ROW_RANGE_MESSAGE                                            \
    "episode_summary: a risk factor or the sessions to response is out of"   \
    " range"

#endif
