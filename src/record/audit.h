/*
 * audit: the append-only, hash-chained log of every read and write of
 * patient data (HIPAA 164.312(b)). Each entry stores
 *   hash = SHA-256(prev_hash_hex || canonical bytes of the entry)
 * where prev_hash_hex is the previous entry's hash (64 zeros for the first)
 * and the canonical bytes are each field as "<length>:<bytes>;" in the
 * order id, at, user_id, actor, action, record_type, record_id, patient_id,
 * outcome, client (absent ids as empty text). Triggers refuse UPDATE and
 * DELETE on the table; audit_verify() finds an edit made around them.
 *
 * Call audit_append() inside the transaction of the action it records, so
 * that the entry and the change land together. A refused action is
 * recorded after its rollback with audit_record_refusal().
 * No patient data (names, notes) ever goes into an entry: ids only.
 */
#ifndef TS_RECORD_AUDIT_H
#define TS_RECORD_AUDIT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

#define AUDIT_HASH_HEX 65

/* Appends an entry in the caller's open transaction. record_id and
 * patient_id may be 0 (none). outcome: "ok", "denied", "refused", ... */
int audit_append(struct store *s, const struct actor *a, const char *action,
                 const char *record_type, int64_t record_id,
                 int64_t patient_id, const char *outcome, struct err *e);
/*
 * In read mode (store_read_mode_set: a server's GET), audit_append() does
 * not write: it holds the entry on the connection (store_defer), dropped
 * with a rollback of its level like a row, for a group-commit writer.
 * The writer has a connection of its own and a thread; each
 * audit_writer_flush() queues a connection's held entries and returns
 * once they are committed (with the entries of every other connection
 * waiting meanwhile, in one transaction) and synced to disk (one
 * fdatasync of the WAL after the commit, outside the write lock, store_sync),
 * so an answer that waits for it is sent only after its entries are
 * durable. The chain is the same as with audit_append(): ids and links
 * follow the order the writer appends them in. The writer's connection
 * queues for the write lock with the server's (store_serialize_writes).
 */
struct audit_writer;
/* Opens the writer's connection to db_path and starts its thread; *out
 * is freed by audit_writer_stop(). -1 with e when it cannot. */
int audit_writer_start(const char *db_path, struct audit_writer **out,
                       struct err *e);
/* Writes s's held entries (none: returns at once) and drops them; -1
 * with e when the transaction failed (none of them was written). */
int audit_writer_flush(struct audit_writer *w, struct store *s,
                       struct err *e);
/* Returns once every commit made so far by any connection of the process
 * (a write request's, with its audit entries) is durable: the writer's
 * next sync, shared with every flush and sync waiting meanwhile. -1 with
 * e when the sync failed. */
int audit_writer_sync(struct audit_writer *w, struct err *e);
/* A count that rises when the database has changed: each pass of the
 * writer (a flush or a sync) first looks at SQLite's data version of its
 * connection, which moves with any other connection's commit (of this
 * process or another: a command, the sqlite3 shell) but not the writer's
 * own, and counts one when it moved. So once a flush or sync returns,
 * every commit made before it was called is counted; a count read before
 * a transaction begins is one its snapshot is at least as new as. No
 * query, no lock: an atomic load. */
uint64_t audit_writer_changes(struct audit_writer *w);
/* Writes what is queued, stops the thread, closes and frees w (NULL: no
 * effect). */
void audit_writer_stop(struct audit_writer *w);

/* A write of derived data that can always be computed again (a cache, as
 * a fitted model of the outcome benchmark), found missing by a read. In
 * read mode it is not done on s (a read never takes the write lock): it
 * is held with the connection's audit entries and done by the writer in
 * the transaction of its next group commit, in a savepoint of its own (a
 * failure leaves it out and the entries are written all the same; the
 * reader never waits for more than its entries). Outside read mode it is
 * done at once on s, in the caller's transaction. write(store, arg, e)
 * does it (on the writer's connection or on s) and must be right for the
 * database as the writer finds it (a model checks that its group's
 * generation is still the one it was fitted at); drop(arg) frees arg,
 * once, after the write or when the read's level is rolled back. Returns
 * 0, or write's -1 with e outside read mode. */
int audit_cache_write(struct store *s,
                      int (*write)(struct store *s, void *arg, struct err *e),
                      void *arg, void (*drop)(void *arg), struct err *e);

/* The same in a transaction of its own (for refusals after a rollback). */
int audit_record_refusal(struct store *s, const struct actor *a,
                         const char *action, const char *record_type,
                         int64_t record_id, int64_t patient_id,
                         const char *outcome, struct err *e);
/* Ends the open transaction of an action: when rc >= 0, appends "ok" for
 * action on record_type record_id (of patient_id, 0 for none) and
 * commits; else (or when that fails) rolls back (store_end). Returns 0 or
 * -1. */
int audit_end(struct store *s, const struct actor *caller, const char *action,
              const char *record_type, int64_t record_id, int64_t patient_id,
              int rc, struct err *e);
/* Refuses an action after its failure (e): rolls the open transaction
 * back, then, when e is ERR_NOT_FOUND and the caller is not an admin,
 * records the refusal ("denied") of action on record_type record_id (of
 * patient_id, 0 for none) with audit_record_refusal(). Leaves e as it
 * was. Returns -1. */
int audit_refuse(struct store *s, const struct actor *caller,
                 const char *action, const char *record_type,
                 int64_t record_id, int64_t patient_id, struct err *e);

/* Walks the chain from the first entry. Returns the number of entries
 * checked when the chain is whole; -1 with e naming the first broken entry
 * (e->field "audit", message "entry N: ...") when not. */
int64_t audit_verify(struct store *s, struct err *e);

/*
 * Anchors. The chain shows an edit or a removal inside it, but not the
 * loss of its newest entries (or a whole chain recomputed by someone who
 * can write the file): for that, the head of the chain, "ID:HASH", is
 * written down outside the database now and then (another system, paper),
 * and checked later.
 *
 * audit_head() gives the newest entry's id and hash (*id 0 and an empty
 * hash for an empty log). audit_check_anchor() checks that entry id still
 * has the hash: ERR_FAIL, field "anchor", when the entry is gone (the log
 * was cut back) or differs (rewritten); ERR_INPUT, field "anchor", when
 * the anchor is not "ID:HASH" (audit_parse_anchor). Run audit_verify()
 * too: an anchor vouches for its entry and, through the chain, for every
 * entry before it.
 */
int audit_head(struct store *s, int64_t *id, char hash[AUDIT_HASH_HEX],
               struct err *e);
int audit_parse_anchor(const char *text, int64_t *id,
                       char hash[AUDIT_HASH_HEX], struct err *e);
int audit_check_anchor(struct store *s, int64_t id,
                       const char hash[AUDIT_HASH_HEX], struct err *e);

#endif
