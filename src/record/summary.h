/*
 * summary: the per-episode outcome summary (table episode_summary), one row
 * per episode x instrument, kept up to date in the same transaction as
 * every observation recorded and every discharge. Reports and benchmarks
 * (src/outcomes/) read these rows and never the observations, which is
 * what keeps a registry report a single sequential scan.
 *
 * The instruments of an episode are its protocol's primary and secondary
 * instruments (from the shipped catalog, when it knows the protocol) and
 * every other instrument measured in it. For each (docs/outcomes.md):
 *
 *   baseline   the first `baseline` observation; else the first `pre` of
 *              the first session (sessions in order of start, then id);
 *   discharge  the last `post` observation; else the last `pre` that is
 *              not the baseline (only for a closed episode);
 *   follow-up  the first `followup` observation at least
 *              SUMMARY_FOLLOWUP_MIN_DAYS days after the episode's end;
 *   improvement  discharge against baseline, oriented so that positive is
 *              better (the instrument's direction, instrument_improvement);
 *   responder  instrument_is_responder(baseline, discharge): 1/0, or NULL
 *              when the instrument has no published MCID;
 *   sessions_to_response, response_event  the ordinal of the session of
 *              the first responder-level score (pre or post, in time
 *              order) with event 1; else the number of sessions of the
 *              episode (censored) with event 0; NULL without an MCID;
 *   sustained  for a responder at discharge with a follow-up: 1 when still
 *              a responder at the follow-up (against the baseline), else
 *              0; NULL otherwise;
 *   complete   1 when the instrument is known, the episode is closed and
 *              both a baseline and a discharge score exist; otherwise the
 *              first reason that applies, in the order unknown_instrument,
 *              open, no_baseline, no_discharge;
 *   risk factors  age in whole years at the start, sex, chronicity in
 *              weeks and comorbidity count (NULL when not recorded).
 */
#ifndef TS_RECORD_SUMMARY_H
#define TS_RECORD_SUMMARY_H

#include <stdint.h>

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

/* A follow-up counts when taken at least this many days after discharge
 * (DESIGN.md: "the follow-up (default >= 4 weeks after discharge)"). */
#define SUMMARY_FOLLOWUP_MIN_DAYS 28

enum summary_reason {
    SUMMARY_COMPLETE = 0,
    SUMMARY_UNKNOWN_INSTRUMENT, /* not in the catalog: no direction, MCID */
    SUMMARY_OPEN,               /* not discharged yet */
    SUMMARY_NO_BASELINE,
    SUMMARY_NO_DISCHARGE,
    SUMMARY_REASON_COUNT
};

/* The stored names: NULL for complete, then "unknown_instrument", "open",
 * "no_baseline", "no_discharge". */
const char *summary_reason_name(enum summary_reason r);

/*
 * Recomputes the summary rows of one episode from its episode, patient,
 * sessions and observations, replacing the rows it had. Runs inside the
 * caller's open transaction (no access check, no audit: the record's
 * public functions call it where they already hold both). ERR_NOT_FOUND
 * (field "episode") when there is no such episode. Allocates nothing that
 * outlives the call.
 */
int summary_refresh_episode(struct store *s, int64_t episode_id,
                            struct err *e);

/* The observation just added to an episode, as summary_refresh_added()
 * needs it (texts not copied). */
struct summary_added {
    const char *instrument;
    const char *timepoint;
    int64_t session_id; /* 0: none */
};

/*
 * The same rows as summary_refresh_episode() gives, after the observation
 * added was recorded in the episode (NULL: any change of its
 * observations), written only where they differ from the stored ones. For
 * an open episode the rows hold only each instrument's baseline: an
 * observation that cannot be one (a `post`, a `pre` of a later session)
 * changes no row while every row holds the episode's session count (a
 * session is the one thing recorded without a refresh); otherwise the few
 * observations that can be a baseline are read (index seeks, not every
 * observation of the episode). A row whose values are unchanged is left
 * as it is, with its group's generation, so that the reports computed
 * from it stay current. A closed episode is refreshed whole. Same
 * transaction, errors and allocation as summary_refresh_episode().
 */
int summary_refresh_added(struct store *s, int64_t episode_id,
                          const struct summary_added *added, struct err *e);

/*
 * The same for many episodes in one transaction (bulk import, the registry
 * generator, summary_refresh_all), with the statements prepared once:
 * summary_batch_new() allocates a batch for s, summary_batch_refresh()
 * refreshes one episode exactly as summary_refresh_episode() does, and
 * summary_batch_free() releases the batch (NULL is fine).
 */
struct summary_batch;
struct summary_batch *summary_batch_new(struct store *s);
int summary_batch_refresh(struct summary_batch *b, int64_t episode_id,
                          struct err *e);
void summary_batch_free(struct summary_batch *b);

/*
 * Bulk mode, for batches of many episodes inside one transaction: drops
 * the triggers that keep the compact outcome rows (migration 7) for the
 * rest of the transaction; the batch then keeps those rows itself with
 * statements prepared once, and raises each changed group's generation
 * once. Must be called inside an open transaction, before the batch
 * writes; every write to episode_summary in the transaction must then go
 * through this batch, and the transaction must only add records (no
 * update, no deletion): an episode's summary rows are then only ever
 * replaced in place or added to; a row whose values are all unchanged is
 * not written again, nor is its compact row (its group's generation is
 * still raised, as the triggers would). summary_batch_finish() raises the
 * generations and
 * restores the triggers: call it before committing. A transaction rolled
 * back instead restores them by itself. ERR_FAIL when the triggers are not
 * there. summary_batch_finish() on a batch not in bulk mode does nothing.
 */
int summary_batch_begin_bulk(struct summary_batch *b, struct err *e);
int summary_batch_finish(struct summary_batch *b, struct err *e);

/*
 * In bulk mode, the summary rows of every episode computed again, as
 * summary_batch_refresh() computes them one by one, but reading the
 * episodes, their sessions and their observations in three ordered scans
 * and writing the compact outcome rows in one statement, in their key's
 * order: for a batch that touched a large part of the registry. The rows
 * are kept in memory (about 64 bytes each, and 88 per episode) until every
 * episode is read, then sorted and written in episode_summary's key
 * order. It drops
 * episode_summary's indexes and makes them again (inside the
 * transaction), so it first resets every statement of the connection that
 * is part way through its rows (store_reset_statements): call it where no
 * read of the caller's is in progress. Every group's generation is raised
 * at summary_batch_finish(). observations_by_id: 1 when the caller knows
 * that the observation table's rows, in id order, are in episode order
 * (a batch that wrote every row of the table, in that order): they are
 * then read in one pass over the table instead of through the episode
 * index; rows that turn out not to be fail the rebuild (ERR_FAIL), never
 * give a wrong summary. progress (may be NULL) gets the fraction done
 * now and then; *episodes the number of episodes.
 */
int summary_batch_rebuild(struct summary_batch *b, int observations_by_id,
                          void (*progress)(void *ctx, double fraction),
                          void *progress_ctx, int64_t *episodes,
                          struct err *e);

/*
 * The same rebuild with its summaries computed while the batch writes, on
 * a thread of their own, so that the commit only writes them: for a
 * batch that writes observations only (no episode, no session), in
 * episode order, into an observation table that was empty at its start,
 * which then holds exactly the rows the batch fed.
 *
 * summary_feed_new() makes an empty feed (allocated; summary_feed_free()
 * stops its thread and frees it, NULL is fine). summary_feed_add() hands
 * it one observation the batch wrote (the text is copied; -1 when the
 * feed cannot take it: an instant not normalised, an unknown instrument
 * or timepoint; the feed is then of no use). Rows are kept until
 * summary_feed_start(), in the caller's thread and on its connection,
 * reads every episode and session (as summary_batch_rebuild() reads them)
 * and starts the thread, which from then on summarises each episode once
 * a row of a later one arrives. At commit, in bulk mode,
 * summary_batch_rebuild_fed() waits for the thread and stores the rows
 * as summary_batch_rebuild() does, the same rows; it returns 1, having
 * changed nothing, when the feed cannot give them (not started, a row it
 * could not take, rows out of episode order): call
 * summary_batch_rebuild() then.
 */
struct summary_feed;
struct summary_feed *summary_feed_new(void);
int summary_feed_add(struct summary_feed *f, int64_t episode_id,
                     int64_t session_id, const char *instrument,
                     const char *timepoint, const char *observed_at,
                     double total, int64_t id);
int summary_feed_start(struct summary_feed *f, struct store *s,
                       struct err *e);
int summary_batch_rebuild_fed(struct summary_batch *b,
                              struct summary_feed *f, int64_t *episodes,
                              struct err *e);
void summary_feed_free(struct summary_feed *f);

/*
 * Recomputes the rows of every episode in one transaction (for a database
 * that held episodes before the summary existed, or after the definitions
 * changed). Admins only (ERR_AUTH otherwise); audited as one "update" of
 * "episode_summary". *episodes (may be NULL) receives the number of
 * episodes refreshed.
 */
int summary_refresh_all(struct store *s, const struct actor *caller,
                        int64_t *episodes, struct err *e);

#endif
