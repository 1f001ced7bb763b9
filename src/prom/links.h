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
#include "prom/token.h"
#include "record/access.h"
#include "record/actor.h"
#include "store/store.h"

/* A new link's secrets, from the clinic's key: a fresh nonce, the token
 * derived from it for purpose ("invitation", "report"), and the token's
 * hash, which is what the database keeps. The key is wiped after use. */
int links_token_new(struct store *s, const char *purpose,
                    char nonce[TOKEN_NONCE_HEX_LEN],
                    char token[TOKEN_TEXT_LEN],
                    char hash[TOKEN_HASH_HEX_LEN], struct err *e);

/* Opens the transaction that creates a link of record_type for episode
 * episode_id: the caller must be allowed to change the episode, whose
 * patient goes to *patient_id. -1 with e (a refusal audited as by
 * audit_refuse, nothing left open) when not. */
int links_create_begin(struct store *s, const struct actor *caller,
                       int64_t episode_id, const char *record_type,
                       int64_t *patient_id, struct err *e);

/* Ends the transaction links_create_begin opened: commits it when rc (what
 * creating the link in it returned) is 0, else rolls it back. On failure
 * the new link's token (token_size bytes) is wiped and -1 returned. */
int links_create_end(struct store *s, int rc, char *token, size_t token_size,
                     struct err *e);

/* Fills item (of the list's item type) from the row at hand; now is the
 * current instant, for states that depend on it. */
typedef void (*links_row_fn)(struct stmt *st, void *item, const char *now);

/* The query links_list takes: columns of table (under alias) joined with
 * its episode, of one episode or every visible one, newest first. */
#define LINKS_LIST_SQL(columns, table, alias)                                 \
    "SELECT " columns " FROM " table " " alias                                \
    " JOIN episode e ON e.id = " alias ".episode_id"                          \
    " WHERE (:episode = 0 OR " alias ".episode_id = :episode) AND "           \
    ACCESS_EPISODE_VISIBLE("e") " ORDER BY " alias ".id DESC"

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
/*
 * Defines type_list (declared in type.h): links_list over the table #type
 * (under alias, its columns read by row into a struct type), audited as
 * a "list" of #type, into a struct type_list (ARRAY_LIST).
 */
#define LINKS_LIST_DEFINE(type, columns, alias, row)                           \
    int type##_list(struct store *s, const struct actor *caller,               \
                    int64_t episode_id, struct type##_list *out,               \
                    struct err *e)                                             \
    {                                                                          \
        void *items;                                                           \
        int rc = links_list(                                                   \
            s, caller, episode_id, LINKS_LIST_SQL(columns, #type, alias),      \
            #type, sizeof(*out->items), (row), &items, &out->count, e);        \
        out->items = items;                                                    \
        return rc;                                                             \
    }

#endif
