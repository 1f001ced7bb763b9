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

#include "core/clock.h"
#include "core/err.h"
#include "core/util.h"
#include "record/actor.h"
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
 * (mail.h: mail_address_ok). Sets
 * *id to the new message's id.
 */
int outbox_queue(struct store *s, const struct outbox_new *m, int64_t *id,
                 struct err *e);

/* Moves a queued message's next attempt to at (an instant) when that is
 * later than the one it has: a message of an invitation whose window has
 * not opened waits for it. In the caller's transaction. */
int outbox_defer(struct store *s, int64_t id, const char *at, struct err *e);

/* Cancels the queued messages of an invitation, keeping reason as their
 * last_error, in the caller's transaction; *count (when not NULL) is how
 * many. */
int outbox_cancel_invitation(struct store *s, int64_t invitation_id,
                             const char *reason, int *count, struct err *e);

/* Minutes before the next attempt after a failed attempt number attempts
 * (1, 2, 3, ...): 1, 5, 25, 125, ... (5 to the power attempts - 1), at
 * most OUTBOX_BACKOFF_MAX_MINUTES. */
#define OUTBOX_BACKOFF_MAX_MINUTES (7 * 24 * 60)
long outbox_backoff_minutes(int attempts);

struct outbox_message {
    int64_t id;
    char kind[20];
    char recipient[256];
    int64_t invitation_id; /* 0: none */
    char status[12];
    int attempts, max_attempts;
    char next_attempt_at[CLOCK_INSTANT_LEN];
    char last_error[512];
    char created_at[CLOCK_INSTANT_LEN];
    char sent_at[CLOCK_INSTANT_LEN]; /* "" : not sent */
};

ARRAY_LIST(outbox, outbox_message);

/* Every message, newest first (recipients are patients' addresses: an
 * admin only, else ERR_AUTH; audited). Allocates the items; release with
 * outbox_list_release(). */
int outbox_list(struct store *s, const struct actor *caller,
                struct outbox_list *out, struct err *e);

/* What one run of outbox_send_due() did. */
struct outbox_report {
    int sent;      /* accepted by the server */
    int retrying;  /* failed, queued again for later */
    int failed;    /* failed for good (max_attempts reached) */
    int cancelled; /* their reason went away (revoked, used, expired,
                      opted out) */
    int resumed;   /* found 'sending': a crash interrupted them */
    int busy;      /* 1: another sender holds the outbox; nothing done */
    char last_error[512]; /* the last failure's message, or "" */
};

/*
 * Sends the messages that are due, one at a time, through the configured
 * mail server (mail.h, smtp.h). For each: marks it 'sending' and counts
 * the attempt (commit); writes it (an invitation's or a reminder's text
 * from the invitation, the clinic's name, the patient's first name and
 * the link derived with the clinic's key; cancelled instead when the
 * invitation was revoked, used or has expired, or the patient opted out);
 * hands it to the server; marks it 'sent' (commit). A failure queues it
 * again after outbox_backoff_minutes(), or marks it 'failed' after
 * max_attempts, keeping the server's message. A message found 'sending'
 * (a crash came between the server's acceptance and the record of it) is
 * sent again: at most that one message twice, none lost.
 *
 * One sender at a time: a lock file beside the database
 * ("<db>.outbox-lock", released by the system when a sender dies); when
 * another holds it, report->busy is 1 and nothing is done. At most limit
 * messages (0: no limit). ERR_CONFLICT (field "mail") when mail is not
 * configured; ERR_FAIL when the clinic's key or the password file cannot
 * be read. A failed delivery is not an error: it is in the report.
 */
int outbox_send_due(struct store *s, int limit, struct outbox_report *report,
                    struct err *e);

#endif
