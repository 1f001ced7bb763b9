/*
 * outbox: the durable queue of messages the clinic sends (table outbox,
 * docs/patient-reported.md). A message is queued inside the transaction
 * that decides it (an invitation, a reminder, a physician's link), so a
 * message exists exactly when its reason does.
 *
 * States: queued -> sending -> sent, or back to queued with a later
 * next_attempt_at after a failure, or failed after max_attempts; cancelled
 * when its reason went away (a revoked invitation, an opt-out).
 *
 * A message of an invitation or a reminder carries no subject or body in
 * the database: they are written when it is sent, from the invitation and
 * the token derived with the clinic's key (prom/token.h), so that no link
 * sits in the database.
 */
#ifndef TS_PROM_OUTBOX_H
#define TS_PROM_OUTBOX_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

enum outbox_kind {
    OUTBOX_INVITATION,
    OUTBOX_REMINDER,
    OUTBOX_PHYSICIAN_REPORT,
};

/* "invitation", "reminder", "physician_report". */
const char *outbox_kind_name(enum outbox_kind k);

#define OUTBOX_DEFAULT_MAX_ATTEMPTS 5

struct outbox_new {
    enum outbox_kind kind;
    const char *recipient;   /* an email address */
    const char *subject;     /* NULL: written at send time */
    const char *body;        /* NULL: written at send time */
    int64_t invitation_id;   /* 0: none */
    int64_t report_link_id;  /* 0: none */
    int max_attempts;        /* 0: OUTBOX_DEFAULT_MAX_ATTEMPTS */
};

/*
 * Queues a message, due now, inside the caller's open transaction (no
 * access check or audit: the caller's action holds both). ERR_INPUT
 * (field "recipient") for a recipient that is not a plausible address
 * (one '@', no blanks or control characters, at most 254 bytes). Sets
 * *id to the new message's id.
 */
int outbox_queue(struct store *s, const struct outbox_new *m, int64_t *id,
                 struct err *e);

#endif
