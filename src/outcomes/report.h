/*
 * report: the outcome reports as JSON documents, one shape for the
 * command line (touchstone report ...), the JSON API and the web pages.
 * Every function takes the caller and applies the access rules:
 *
 *   episode       the caller must see the episode (record/access.h: an
 *                 admin, or the therapist of the episode; a researcher
 *                 never): else ERR_NOT_FOUND "no episode N";
 *   practitioner  an admin for anyone, a therapist for themself only
 *                 (ERR_AUTH otherwise, researchers included);
 *   registry      anyone: every cell, with practitioner ids only for an
 *                 admin (all) and a therapist (their own); every cell
 *                 carries the practitioner's stable anonymous label.
 *
 * Each report is one transaction, audited ("read" of "episode_outcome",
 * "practitioner_outcome" or "registry_outcome"); a refusal is audited as
 * "denied" for non-admins. Reports read only the episode summaries
 * (record/summary.h, and their compact copy) and the thresholds
 * (outcomes/thresholds.h); they write the registry model cache
 * (outcomes/benchmark.h) and missing anonymous labels.
 * Numbers that cannot be computed are JSON null. See docs/outcomes.md
 * for every member.
 *
 * Ownership: each function returns a new reference (json_decref() it), or
 * NULL with e filled.
 */
#ifndef TS_OUTCOMES_REPORT_H
#define TS_OUTCOMES_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include "core/buf.h"

#include "core/err.h"
#include "outcomes/benchmark.h"
#include "outcomes/thresholds.h"
#include "record/actor.h"
#include "store/store.h"

/* Records in the audit log that caller was denied action on record_type
 * record_id (e, already set by the caller, says why; a failure to record
 * is not reported). Returns -1, for the caller to return. */
int report_deny(struct store *s, const struct actor *caller,
                const char *action, const char *record_type,
                int64_t record_id);

/* Whether caller may read what (e.g. "coverage") of practitioner_id: an
 * admin always, a therapist their own only, a researcher never. A refusal
 * is ERR_AUTH naming field, recorded (report_deny) as a denied read of
 * record_type. Returns 0, or -1 with e. */
int report_may_read(struct store *s, const struct actor *caller,
                    int64_t practitioner_id, const char *field,
                    const char *record_type, const char *what,
                    struct err *e);

/*
 * The outcome of one episode:
 *   {"episode": {"id", "patient_id", "practitioner_id", "protocol",
 *                "icd10", "started_on", "ended_on", "sessions"},
 *    "outcomes": [{"instrument", "name", "role", "direction",
 *                  "mcid": {"absolute", "relative", "published", "source"},
 *                  "baseline", "discharge", "followup", "followup_days",
 *                  "improvement", "responder" (true/false/null),
 *                  "sessions_to_response", "response_event" (true: reached
 *                  at that session; false: censored there; null),
 *                  "sustained", "has_followup", "complete",
 *                  "incomplete_reason", "notes": [text]}]}
 */
json_t *report_episode_json(struct store *s, const struct actor *caller,
                            int64_t episode_id, struct err *e);

/*
 * A practitioner's cells (protocol NULL: every protocol):
 *   {"practitioner": {"id", "name"}, "protocol", "thresholds": {...},
 *    "cells": [cell], "incomplete": [incomplete], "designations":
 *    [{"protocol", "instrument", "designation", "criteria": [criterion],
 *      "notes": [text]}],
 *    "models": [{"protocol", "instrument", "adjusted", "n", "r2",
 *                "note"}],
 *    "national": the comparison with the pulled national registry
 *                (outcomes/national.h national_compare()), or the
 *                sentence saying the clinic stands alone,
 *    "coverage": coverage_practitioner_json() (outcomes/coverage.h; of
 *                every protocol, whatever the protocol filter)}
 * with cell exactly as report_cell_json() and only cells with at least
 * one complete episode; incomplete as report_incomplete_json(). Reads
 * the practitioner's rows and the cached registry models
 * (benchmark_practitioner()): a group changed since its model was cached
 * is run in full first.
 */
json_t *report_practitioner_json(struct store *s, const struct actor *caller,
                                 int64_t practitioner_id,
                                 const char *protocol, struct err *e);

/*
 * Kept parts of practitioners' documents, for a process that answers the
 * same reports again (a server): each group's share of a document (its
 * cell, incomplete counts, designation, model and national entries),
 * keyed by practitioner, group, the group's generation and the
 * thresholds, so that after a change of one group's summaries a report
 * computes that group alone and takes the others' parts as they were.
 * The document is the same, byte for byte, as one computed whole.
 * Thread-safe: one set serves every connection.
 *
 * report_parts_new() allocates a set of slots parts (a new part replaces
 * the one in its slot); free it with report_parts_free(), after its last
 * use. report_parts_counts() says how many groups reports have taken
 * from it (reused) and computed, since it was made.
 */
struct report_parts;
struct report_parts *report_parts_new(size_t slots);
void report_parts_free(struct report_parts *k);
void report_parts_counts(struct report_parts *k, long *reused,
                         long *computed);

/* report_practitioner_json() with kept parts (kept NULL: none; the
 * document is the same either way). New reference, or NULL with e. */
json_t *report_practitioner_json_kept(struct store *s,
                                      const struct actor *caller,
                                      int64_t practitioner_id,
                                      const char *protocol,
                                      struct report_parts *kept,
                                      struct err *e);

/*
 * The registry (filters NULL: any):
 *   {"protocol", "instrument", "thresholds": {...},
 *    "models": [{"protocol", "instrument", "n_complete", "n", "adjusted",
 *                "terms": [{"term", "estimate", "se"}], "r2", "adj_r2",
 *                "sigma", "sex_reference", "mean_improvement",
 *                "sd_improvement", "note",
 *                "funnel": {"cells", "phi", "tau2", "note"},
 *                "shrinkage": {"tau2", "mu"}, "suppressed"}],
 *    "cells": [{"practitioner" (id or null), "label", ...report_cell_json
 *               members..., "n_adjusted", "se", "funnel_limits":
 *               {"lower998", "lower95", "upper95", "upper998"} or null,
 *               "suppressed"}],
 *    "incomplete": [{"practitioner" (id or null), "label", ...incomplete
 *                    members..., "suppressed"}]}
 * A practitioner's id is shown to admins and to the therapist whose cell
 * it is; small cells of others are withheld (outcomes/disclosure.h:
 * "suppressed" true, numbers null), for every caller. Creates the stable
 * labels ("peer-" and 8 random hex digits, table
 * practitioner_label) of practitioners that have none yet.
 */
json_t *report_registry_json(struct store *s, const struct actor *caller,
                             const char *protocol, const char *instrument,
                             struct err *e);

/*
 * The registry document is written as text straight from the finished
 * groups by one writer (no jansson value is built): each group's part
 * (its model, cells and incomplete entries, with the disclosure
 * decisions taken on the cells' counts before writing), then the whole
 * document around the parts. report_registry_json() reads that text back
 * for callers that need a value; the command line and the national
 * registry write it as it is.
 *
 * REPORT_REGISTRY_EXACT: flags (jansson's) whose text reads back to the
 * same numbers (reals to 17 digits).
 */
#define REPORT_REGISTRY_EXACT (JSON_COMPACT | JSON_REAL_PRECISION(17))

/* report_registry_json()'s document as text with flags (jansson's, as
 * core/json_write.h supports them): the same access rules, labels,
 * disclosure control, transaction and audit. f NULL: appended to out.
 * Otherwise written to f once the read's audit entry is committed, each
 * group's part as it was made (never the whole document in memory; out
 * is scratch), and an error writing it is e's field "output". Returns 0,
 * or -1 with e (out or f may hold part of the text). */
int report_registry_text(struct store *s, const struct actor *caller,
                         const char *protocol, const char *instrument,
                         size_t flags, struct buf *out, FILE *f,
                         struct err *e);

/* A registry document's text read back as a value (a new reference), or
 * NULL with e. */
json_t *report_registry_read(const char *text, size_t len, struct err *e);

/* One protocol x instrument group's part of a registry document: the
 * text of its model and of its cells' and incomplete entries' items, as
 * written at depth 2 with no separator before the first. Init before
 * use, release after (frees the texts). */
struct report_registry_part {
    struct buf model, cells, incomplete;
    size_t cell_count, incomplete_count;
};
void report_registry_part_init(struct report_registry_part *p);
void report_registry_part_release(struct report_registry_part *p);

/*
 * Writes group g's part (g finished, as from partial states merged,
 * registry/national.c) into p, with flags: each cell named by its label
 * (label_ids ascending, labels[i] the label of label_ids[i]; a
 * practitioner without one is an ERR_FAIL), no practitioner id shown
 * (every "practitioner" null), cells under min_cell withheld with their
 * complements (outcomes/disclosure.h). No access check and no audit: the
 * caller answers for them. Reads only g and the labels, so several
 * threads may write several groups at once. Returns 0, or -1 with e.
 */
int report_registry_part_write(const struct bench_group *g,
                               const int64_t *label_ids,
                               const char (*labels)[16], size_t label_count,
                               int min_cell, size_t flags,
                               struct report_registry_part *p, struct err *e);

/*
 * Writes the registry document around count parts (in the groups'
 * order): "protocol", "instrument" (NULL: null), "thresholds" (t),
 * "models", "cells", "incomplete", then extra_name: extra when
 * extra_name is set; with flags as the parts were written. With f NULL
 * the text is appended to out; else it is written to f, out holding only
 * what is not written yet (empty at the end). Returns 0, or -1 when the
 * text could not be written.
 */
int report_registry_document_write(const struct thresholds *t,
                                   const char *protocol,
                                   const char *instrument,
                                   const struct report_registry_part *parts,
                                   size_t count, const char *extra_name,
                                   const json_t *extra, size_t flags,
                                   struct buf *out, FILE *f);
/*
 * One cell, exactly {"protocol", "instrument", "n", "mean_improvement",
 * "mean_improvement_ci95": [lo, hi], "srm", "responder_rate",
 * "responder_ci95": [lo, hi], "median_sessions_to_response",
 * "sustained_rate", "followup_coverage", "expected_improvement",
 * "observed_minus_expected", "funnel" ("inside", "above_95", ...),
 * "shrunken", "designation" ("none", "reproducible", "advanced")}; an
 * interval is null when either bound is not computable.
 */
json_t *report_cell_json(const struct bench_group *g,
                         const struct bench_cell *c);

/* The criteria of a cell: [{"name", "criterion", "designation",
 * "required", "observed", "met"}]. */
json_t *report_criteria_json(const struct bench_cell *c);

/* Incomplete episodes of a cell by reason: {"protocol", "instrument",
 * "total", "open", "no_baseline", "no_discharge", "unknown_instrument"};
 * NULL when it has none. */
json_t *report_incomplete_json(const struct bench_group *g,
                               const struct bench_cell *c);

/* A number, or null when it is not finite. New reference. */
json_t *report_number(double v);

/* Copies practitioner id's name (and license, unless license is NULL)
 * into the caller's arrays, truncated to their sizes; ERR_NOT_FOUND on
 * field "no practitioner ID" when there is none. */
int report_practitioner_identity(struct store *s, int64_t id,
                                 const char *field, char *name, size_t size,
                                 char *license, size_t lsize, struct err *e);

/* How report_column() reads a column. */
enum report_column_kind {
    REPORT_COLUMN_REAL,
    REPORT_COLUMN_INT,
    REPORT_COLUMN_BOOL, /* true when the column is 1 */
};

/* Column col of the current row of st as JSON: null when it is SQL NULL,
 * else a real, an integer or a boolean by kind. New reference. */
json_t *report_column(struct stmt *st, int col, enum report_column_kind kind);

/* Sets the outcome members of an episode summary row on o: "baseline",
 * "discharge", "followup", "followup_days", "improvement", "responder",
 * "sessions_to_response", "response_event" and "sustained", read from the
 * nine columns from first on (in that order, as episode_summary names
 * them), null where NULL. */
void report_set_outcome_columns(json_t *o, struct stmt *st, int first);

#endif
