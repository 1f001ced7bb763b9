/*
 * report_link: a link through which the referring physician reads the
 * progress report of one episode (documents/physician_report.h), with no
 * account (table report_link, docs/patient-reported.md).
 *
 * The link's token is derived from a random nonce with the clinic's key
 * (prom/token.h, purpose "report"); only the nonce and the token's hash
 * are stored. A link works until it expires (REPORT_LINK_DEFAULT_DAYS
 * after it was made, or 1 to REPORT_LINK_MAX_DAYS) or is revoked, as often
 * as the physician opens it. Its message goes through the outbox (kind
 * physician_report) to an address the clinic gives (the referral holds
 * none) and is written when it is sent: the clinic's name, the link and
 * when it expires; nothing of the patient.
 *
 * Create, list and revoke are access-checked (record/access.h: the
 * episode's therapist or an admin) and audited (record/audit.h) in their
 * own transaction; a refusal changes nothing. Each view of the report is
 * audited as actor "report link N".
 */
#ifndef TS_PROM_REPORT_LINK_H
#define TS_PROM_REPORT_LINK_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/util.h"
#include "prom/token.h"
#include "record/actor.h"
#include "store/store.h"

#define REPORT_LINK_DEFAULT_DAYS 30
#define REPORT_LINK_MAX_DAYS 90

struct report_link_created {
    int64_t id;
    int64_t outbox_id;
    char expires_at[CLOCK_INSTANT_LEN];
    char token[TOKEN_TEXT_LEN]; /* never stored; wipe after use */
};

struct report_link {
    int64_t id;
    int64_t episode_id;
    char created_at[CLOCK_INSTANT_LEN];
    char expires_at[CLOCK_INSTANT_LEN];
    char revoked_at[CLOCK_INSTANT_LEN]; /* "" : not revoked */
    const char *state;                  /* "open", "revoked", "expired" */
};

ARRAY_LIST(report_link, report_link);

/*
 * Creates a link to the episode's progress report, open days days (0:
 * REPORT_LINK_DEFAULT_DAYS; else 1 to REPORT_LINK_MAX_DAYS, ERR_INPUT
 * field "days"), and queues its message to recipient (ERR_INPUT field
 * "recipient" when not an address), in one transaction with its audit
 * entry. ERR_NOT_FOUND (field "episode") for an episode the caller may
 * not change; ERR_FAIL when the clinic's key cannot be read. Allocates
 * nothing; out->token is the caller's to wipe.
 */
int report_link_create(struct store *s, const struct actor *caller,
                       int64_t episode_id, int days, const char *recipient,
                       struct report_link_created *out, struct err *e);

/* The links the caller may see (of one episode, or all when episode_id is
 * 0), newest first, audited as a list. Allocates the items; release with
 * report_link_list_release(). */
int report_link_list(struct store *s, const struct actor *caller,
                     int64_t episode_id, struct report_link_list *out,
                     struct err *e);

/* Revokes a link not revoked yet (ERR_CONFLICT otherwise) and cancels its
 * messages not sent yet; audited. ERR_NOT_FOUND (field "id") for a link
 * of an episode the caller may not change. */
int report_link_revoke(struct store *s, const struct actor *caller,
                       int64_t id, struct err *e);

/* The link as a JSON object (a new reference; no token). */
json_t *report_link_to_json(const struct report_link *l);

/*
 * The physician's view of a link: appends the whole HTML document of the
 * progress report (physician_report_html) of the link's episode to out
 * (the caller's buffer), read as actor "report link N" from client: the
 * audit names the link, and its rights reach that one episode only. A
 * "view" entry of the link comes first. ERR_NOT_FOUND (field "token") for
 * a token of the wrong form or unknown; ERR_CONFLICT (field "token") for
 * a link expired or revoked (audited as such), its message worded for
 * the physician. On failure out may hold part of a page: discard it.
 */
int report_link_view(struct store *s, const char *token, const char *client,
                     struct buf *out, struct err *e);

#endif
