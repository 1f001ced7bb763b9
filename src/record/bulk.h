/*
 * bulk: validated batch insert and export of the clinical record, for
 * imports (touchstone import --kind K FILE), exports and the synthetic
 * registry generator (registry_gen.h).
 *
 * Every row goes through the same rules as the record's single-record
 * functions (internal.h: practitioner_validate, episode_check_records,
 * observation_validate, ...: the fields, the records referred to, scope of
 * practice through scope_check, totals by the instrument's scoring rule),
 * but a whole batch is one transaction with its prepared statements reused
 * and the records referred to kept in small caches. Two differences, both
 * about importing past records, are documented in docs/import-export.md:
 *
 *   - the courses are historical: an episode may arrive closed (ended_on)
 *     before its sessions and measures, which are then accepted when dated
 *     within the episode (record/internal.h, `historical`);
 *   - the red-flag screen is asked at intake and not kept in the record,
 *     so an imported episode carries no screen to check.
 *
 * A row is validated completely before anything is written, and written
 * by statements that either all succeed or fail before changing anything,
 * so a refused row leaves no trace and the batch may go on (the caller
 * decides: refuse the batch, or skip the row).
 *
 * Ids: a row may give its id (kept; an id already taken is refused, field
 * "id") or leave it to the database. created_at may be given (an instant,
 * not in the future) or is the batch's start.
 *
 * Audit: the batch appends one audit entry per kind it wrote, at commit:
 * action "import", record_type the table ("observation"), outcome
 * "ok: N rows". An export appends one entry per kind, action "export".
 *
 * Ownership: bulk_begin() allocates the batch; bulk_commit() and
 * bulk_abort() end it and free it. Strings given to the bulk_add_*
 * functions are borrowed for the call only.
 */
#ifndef TS_RECORD_BULK_H
#define TS_RECORD_BULK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "record/actor.h"
#include "record/episode.h"
#include "record/observation.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "record/referral.h"
#include "record/session.h"
#include "record/training.h"
#include "store/store.h"

struct catalog;
struct bulk;

/* The kinds of record, in dependency order (each refers only to kinds
 * before it). */
enum bulk_kind {
    BULK_PRACTITIONERS,
    BULK_TRAINING,
    BULK_PATIENTS,
    BULK_REFERRALS,
    BULK_EPISODES,
    BULK_SESSIONS,
    BULK_OBSERVATIONS,
    BULK_KIND_COUNT
};

#define BULK_MAX_COLUMNS 16

/* "practitioners", "training", ... (the --kind names). */
const char *bulk_kind_name(enum bulk_kind k);
/* Parses a --kind name (singular forms accepted too); -1 when unknown. */
int bulk_kind_parse(const char *name, enum bulk_kind *out);
/* The table of a kind ("practitioner", "observation"). */
const char *bulk_kind_table(enum bulk_kind k);

/* The columns of a kind: first those exports write, in their order, then
 * any an import also reads (observations: "value", a single score). */
int bulk_column_count(enum bulk_kind k);
int bulk_export_column_count(enum bulk_kind k);
const char *bulk_column_name(enum bulk_kind k, int i);
/* The index of a column by name, or -1. */
int bulk_column_index(enum bulk_kind k, const char *name);
/* 1 when a file must have the column (an import without it is refused
 * at the header). */
int bulk_column_required(enum bulk_kind k, int i);
/* 1 when the column holds JSON (the items of an observation): NDJSON
 * carries it as JSON, CSV as its text. */
int bulk_column_is_json(enum bulk_kind k, int i);
/* 1 when the column holds a number (exports write it unquoted in NDJSON). */
int bulk_column_is_number(enum bulk_kind k, int i);

struct bulk_options {
    const struct catalog *catalog; /* NULL: the shipped catalog */
    /* 1: no waiting for the disk during the batch (synchronous off): for
     * a database being generated, which a crash would leave incomplete
     * anyway. Every batch uses a larger page cache. Settings are restored
     * at the end. */
    int fast;
    /* The audit entries' action: NULL is "import". */
    const char *audit_action;
    /* Non-NULL: one audit entry for the whole batch instead of one per
     * kind, with this record type and outcome "ok" (the demo clinic:
     * "demo"). */
    const char *audit_record_type;
    /* Called now and then while bulk_commit() refreshes the outcome
     * summaries, with the share done; may be NULL. */
    void (*progress)(void *ctx, double fraction);
    void *progress_ctx;
};

/*
 * Starts a batch as caller (an admin: ERR_AUTH otherwise): turns off the
 * database's own foreign-key and CHECK constraints (the batch checks every
 * reference and value itself, by the record's rules, which are stricter),
 * enlarges the page cache (1 GiB), lets SQLite sort with two threads
 * and, when options->fast, turns
 * synchronous off; outside a transaction, on a database no other
 * connection has open, it leaves WAL mode for a rollback journal (synced
 * at every step unless fast) so that the batch's pages are written once;
 * then begins the transaction. Every setting is restored at the end (WAL
 * mode, or at the next store_open() if that fails). Allocates *out.
 */
int bulk_begin(struct store *s, const struct actor *caller,
               const struct bulk_options *options, struct bulk **out,
               struct err *e);

/*
 * Adds one record of each kind. id > 0 keeps that id; 0 lets the database
 * choose. created_at NULL: the batch's start. *out_id (may be NULL)
 * receives the id. On a refused row, -1 with e naming the field and
 * nothing written.
 */
int bulk_add_practitioner(struct bulk *b, int64_t id,
                          const struct practitioner_new *in, int active,
                          const char *created_at, int64_t *out_id,
                          struct err *e);
int bulk_add_training(struct bulk *b, int64_t id,
                      const struct training_new *in, const char *created_at,
                      int64_t *out_id, struct err *e);
/* created_by: the practitioner who registered the patient, or 0. */
int bulk_add_patient(struct bulk *b, int64_t id, const struct patient_new *in,
                     int64_t created_by, const char *created_at,
                     int64_t *out_id, struct err *e);
int bulk_add_referral(struct bulk *b, int64_t id,
                      const struct referral_new *in, const char *created_at,
                      int64_t *out_id, struct err *e);
/* ended_on: the discharge date, or NULL while open. The scope of practice
 * rule applies; the red-flag screen (in->screen) is not asked. */
int bulk_add_episode(struct bulk *b, int64_t id, const struct episode_new *in,
                     const char *ended_on, const char *created_at,
                     int64_t *out_id, struct err *e);
/* With its phases; fidelity findings are computed, as for session_add. */
int bulk_add_session(struct bulk *b, int64_t id, const struct session_new *in,
                     const char *created_at, int64_t *out_id, struct err *e);
/* The total is computed by the instrument's scoring rule; total_given
 * (may be NULL) is a total the input carried, which must agree with it. */
int bulk_add_observation(struct bulk *b, int64_t id,
                         const struct observation_new *in,
                         const double *total_given, const char *created_at,
                         int64_t *out_id, struct err *e);

/*
 * Adds one row given as text: values[i] is column i of the kind
 * (bulk_column_name), NULL when absent or empty. Numbers are decimal text,
 * booleans 0/1 (or true/false), items a JSON array ("[3,4,null]"), phases
 * "NAME:MINUTES;NAME:MINUTES". An observation without items or value
 * takes its total as the value when the instrument has a single value
 * (NPRS); other instruments need their items. Errors name the column
 * ("birth_date", not the command-line option "dob").
 */
int bulk_add_row(struct bulk *b, enum bulk_kind k, const char *const *values,
                 int64_t *out_id, struct err *e);

/*
 * An observation row in two steps, so that the first may run in another
 * thread while the batch writes: bulk_observation_prepare() parses and
 * checks the row on its own (its fields, the instrument's scoring rule;
 * no database, safe in any thread) into *row, which then holds everything
 * it needs; bulk_observation_add() checks it against the database and
 * writes it (as bulk_add_row would), and releases it. A prepared row that
 * is not added is freed by bulk_observation_release(). Errors name the
 * column.
 */
struct bulk_observation_row {
    int ready;
    int64_t id;
    struct observation_new in; /* points into this row */
    char instrument[RECORD_CODE_MAX + 1];
    char timepoint[9];
    char observed_at[CLOCK_INSTANT_LEN]; /* normalised */
    char created_at[CLOCK_INSTANT_LEN];  /* "": the batch's start */
    double total;                        /* by the scoring rule */
    char *items_json;                    /* owned; NULL without items */
    double items[OBSERVATION_ITEMS_MAX];
};
int bulk_observation_prepare(const char *const *values,
                             struct bulk_observation_row *row, struct err *e);
int bulk_observation_add(struct bulk *b, struct bulk_observation_row *row,
                         int64_t *out_id, struct err *e);
void bulk_observation_release(struct bulk_observation_row *row);

/* Rows written so far of kind k. */
int64_t bulk_count(const struct bulk *b, enum bulk_kind k);

/* 1 while the batch computes the outcome summaries on a second thread as
 * it writes (a batch of observations only, in episode order, into an
 * empty table, past a tenth of the episodes: record/summary.h,
 * summary_feed_new), so that its commit only writes them; else 0. */
int bulk_summaries_fed(const struct bulk *b);

/*
 * Ends the batch: finishes refreshing the outcome summaries
 * (record/summary.h) of the episodes the batch added or added sessions or
 * observations to (each is refreshed when the batch moves on to another
 * episode; those written to again later, out of order, once more here),
 * appends the audit entries, commits, restores the database's settings
 * and frees b. On failure everything is rolled back
 * (and b freed).
 */
int bulk_commit(struct bulk *b, struct err *e);
/* Rolls everything back, restores the settings, frees b (NULL is fine). */
void bulk_abort(struct bulk *b);

/* A value of an exported row. */
enum bulk_type { BULK_NULL, BULK_INT, BULK_REAL, BULK_TEXT, BULK_JSON };
struct bulk_value {
    enum bulk_type type;
    int64_t i;
    double d;
    const char *text; /* TEXT, JSON: borrowed for the callback */
};

/* Called with each row of an export (values in column order); a non-zero
 * return stops the export with that status (e filled by the callback). */
typedef int (*bulk_row_fn)(void *ctx, const struct bulk_value *values,
                           int count, struct err *e);

/*
 * Exports every row of kind k by id, in one read transaction, as caller
 * (an admin). Audited as one "export" entry. *rows (may be NULL) receives
 * the count.
 */
int bulk_export(struct store *s, const struct actor *caller,
                enum bulk_kind k, bulk_row_fn fn, void *ctx, int64_t *rows,
                struct err *e);

/* Writes a number so that strtod reads back the same double: whole
 * numbers without a fraction ("42"), others with the fewest digits that
 * round-trip. out must hold 32 bytes. */
void bulk_format_real(double v, char out[32]);

#endif
