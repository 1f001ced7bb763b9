/*
 * links: what the two kinds of link a clinic sends share (invitations for
 * patients, prom/invitation.h; report links for physicians,
 * prom/report_link.h): both belong to an episode, are listed through the
 * episode's access rule and audited, and refuse alike.
 */
#ifndef TS_PROM_LINKS_H
#define TS_PROM_LINKS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

/* Rolls back the open transaction, then, when e is ERR_NOT_FOUND and the
 * caller is not an admin, records the refusal ("denied") of action on
 * record_type id in the audit log. Returns -1. */
int links_refuse(struct store *s, const struct actor *caller,
                 const char *action, const char *record_type, int64_t id,
                 struct err *e);

/* Fills item (of the list's item type) from the row at hand; now is the
 * current instant, for states that depend on it. */
typedef void (*links_row_fn)(struct stmt *st, void *item, const char *now);

/*
 * The rows of a table of links that the caller may see, of one episode
 * (episode_id 0: every visible episode), in one transaction audited as a
 * "list" of record_type. sql selects the row's columns from the table
 * joined with "episode e", binding :episode and the access parameters
 * (ACCESS_EPISODE_VISIBLE, access_bind). Allocates *items (count items of
 * item_size bytes); the caller frees it, also after a failure (*items is
 * then NULL).
 */
int links_list(struct store *s, const struct actor *caller,
               int64_t episode_id, const char *sql, const char *record_type,
               size_t item_size, links_row_fn row, void **items,
               size_t *count, struct err *e);

#endif
