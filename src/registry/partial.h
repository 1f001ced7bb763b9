/*
 * partial: the national report's partial states, kept ready in
 * PostgreSQL (registry migration 5) so that a report merges tens of
 * thousands of states instead of reading millions of summaries.
 *
 * One state per clinic x registry practitioner x protocol x instrument
 * (table registry_partial): the accumulators of the benchmark's pass
 * (outcomes/benchmark.h, step (a)) over those summaries, read in episode
 * order, as the bytes of bench_group_encode(). The report merges the
 * states of approved clinics (step (b)) and finishes each group (step
 * (c)): the clinic's own code, not a copy.
 *
 * Kept current: statement triggers on registry_outcome mark the keys of
 * every row inserted, updated or deleted in registry_partial_dirty,
 * whoever wrote them. A batch's transaction then rebuilds its clinic's
 * marked states (registry_partial_refresh_clinic, after the merge,
 * before COMMIT), so a report never reads a state older than its rows.
 * Marks left by any other writer (rows loaded in SQL, a registry
 * migrated from version 4) are rebuilt by the report first
 * (registry_partial_refresh_dirty), or all at once by `touchstone
 * registry rebuild-partials` (registry_partial_rebuild). Every rebuild
 * of a clinic's states holds that clinic's registry_clinic row lock, as
 * the batch does, so two rebuilds of one state never interleave. A
 * suspended clinic's states are kept and left out when merged.
 *
 * Nothing here allocates for the caller.
 */
#ifndef TS_REGISTRY_PARTIAL_H
#define TS_REGISTRY_PARTIAL_H

#include <stdint.h>

#include "core/err.h"
#include "outcomes/benchmark.h"
#include "registry/pg.h"

/* The columns a state's summary is read from, in PostgreSQL's binary
 * format (integers of 2, 4 or 8 bytes, float8, text), in this order: what
 * the definitions use, after the state's key. */
enum registry_partial_column {
    PARTIAL_CLINIC, PARTIAL_PROTOCOL, PARTIAL_INSTRUMENT,
    PARTIAL_PRACTITIONER, PARTIAL_REASON, PARTIAL_IMPROVEMENT,
    PARTIAL_RESPONDER, PARTIAL_EVENT, PARTIAL_TIME, PARTIAL_SUSTAINED,
    PARTIAL_FOLLOWUP, PARTIAL_BASELINE, PARTIAL_AGE, PARTIAL_SEX,
    PARTIAL_CHRONICITY, PARTIAL_COMORBIDITIES, PARTIAL_COLUMNS
};

/* One summary new to the registry, as a batch adds it: its columns
 * (borrowed; NULL for SQL NULL) and its episode's pseudonym. */
struct registry_partial_row {
    const char *field[PARTIAL_COLUMNS];
    int len[PARTIAL_COLUMNS];
    const char *episode;
    int episode_len;
};

/* Reads the columns of one summary into *sm (its practitioner, outcome
 * and risk factors as the pass uses them). -1 with e (field "pg") when a
 * column is missing or holds what no summary holds. */
int registry_partial_summary(const char *const *f, const int *n,
                             struct bench_summary *sm, struct err *e);

/* Rebuilds the marked states of clinic (their summaries read again and
 * accumulated; a state with no summary left is deleted) and clears its
 * marks. Inside the caller's open transaction, which holds the clinic's
 * row lock (SELECT ... FOR UPDATE), as the batch's does. */
int registry_partial_refresh_clinic(struct pg *db, int64_t clinic,
                                    struct err *e);

/* Adds a batch's rows (count of them, reordered here) to the clinic's
 * states, without reading any summary again: each touched state is
 * decoded, the rows added after its own in episode order, and written
 * back; the marks the rows left are cleared. The same bytes as a rebuild
 * (registry_partial_refresh_clinic) only when, as the caller checks
 * first, every mark of the clinic is the batch's own and every row's
 * episode sorts after every episode the clinic already had: the batch
 * only adds, after what is there. Inside the caller's transaction, which
 * holds the clinic's row lock. */
int registry_partial_extend_clinic(struct pg *db, int64_t clinic,
                                   struct registry_partial_row *rows,
                                   size_t count, struct err *e);

/* Rebuilds every marked state, one transaction per clinic (its row locked
 * first); *clinics (may be NULL) receives how many clinics had marks. */
int registry_partial_refresh_dirty(struct pg *db, long *clinics,
                                   struct err *e);

/* Rebuilds every state from every summary in one transaction (every
 * clinic's row locked: pushes wait for it); *states (may be NULL)
 * receives how many states were written. */
int registry_partial_rebuild(struct pg *db, long *states, struct err *e);

#endif
