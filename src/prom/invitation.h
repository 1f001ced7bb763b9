/*
 * invitation: a one-time link through which a patient answers the
 * instruments of one timepoint of one episode (table invitation,
 * docs/patient-reported.md).
 *
 * The link's token is derived from a random nonce with the clinic's key
 * (prom/token.h); only the nonce and the token's hash are stored. An
 * invitation opens and expires with its timepoint's window:
 *
 *   followup  the protocol's follow-up schedule (its delays of a day or
 *             more: 24h, 4w, 3m, 6m, ...): a window runs from its delay
 *             after discharge to the next delay (the last stays open half
 *             its delay again, plus a day), the rule of the follow-ups
 *             page. An invitation takes the window open now, else the next
 *             one to open (its message waits until then); when every
 *             window has closed, within INVITATION_OVERDUE_DAYS of
 *             discharge, a late one open INVITATION_LATE_DAYS from now.
 *   baseline  before the first visit: from now, INVITATION_BASELINE_DAYS;
 *             refused once the episode has a session.
 *   pre       before a session of an open episode: the visit's day
 *             (visit_on, today or up to INVITATION_PRE_AHEAD_DAYS ahead),
 *             from its midnight to the next (UTC, as every window). The
 *             answers are held with the invitation (table held_answer)
 *             until the episode's session of that day is recorded, which
 *             makes them observations of that session (record/session.c,
 *             in the session's transaction); when a session of that day
 *             exists already they become its observations at once
 *             (prom/answer.h). A held answer stays listed until then.
 *
 * Instruments: one named instrument, or the protocol's primary and
 * secondary instruments that have wording (catalog_wording()). An
 * instrument without wording is never asked: naming one is refused with
 * the reason, and when none of the protocol's has wording the invitation
 * is refused.
 *
 * Every action is access-checked (record/access.h) and audited
 * (record/audit.h) in its own transaction; a refusal changes nothing.
 */
#ifndef TS_PROM_INVITATION_H
#define TS_PROM_INVITATION_H

#include <jansson.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/util.h"
#include "prom/token.h"
#include "record/actor.h"
#include "store/store.h"

struct catalog;
struct protocol;

#define INVITATION_BASELINE_DAYS 7
#define INVITATION_LATE_DAYS 14
#define INVITATION_OVERDUE_DAYS 365
#define INVITATION_REASON_MAX 200
#define INVITATION_INSTRUMENTS_MAX 8
#define INVITATION_PRE_AHEAD_DAYS 90

struct invitation_new {
    const struct catalog *catalog; /* protocols and wording; NULL: shipped */
    int64_t episode_id;
    const char *timepoint;  /* "baseline", "followup" or "pre" */
    const char *instrument; /* NULL: the protocol's instruments */
    const char *channel;    /* "email" (NULL) or "print" */
    const char *visit_on;   /* pre: the visit's day, YYYY-MM-DD (NULL:
                               today); refused for other timepoints */
};

struct invitation_created {
    int64_t id;
    int64_t outbox_id; /* the queued message (email), or 0 (print) */
    char opens_at[CLOCK_INSTANT_LEN];
    char expires_at[CLOCK_INSTANT_LEN];
    char instruments[256]; /* a JSON array of codes */
    char skipped[256];     /* the protocol's instruments left out for want
                              of wording, "odi, ndi", or "" */
    char token[TOKEN_TEXT_LEN]; /* the link's token (never stored) */
};

struct invitation {
    int64_t id;
    int64_t episode_id;
    int64_t patient_id;
    char timepoint[12];
    char instruments[256]; /* a JSON array of codes */
    char channel[8];
    char created_at[CLOCK_INSTANT_LEN];
    char opens_at[CLOCK_INSTANT_LEN];
    char expires_at[CLOCK_INSTANT_LEN];
    char used_at[CLOCK_INSTANT_LEN];    /* "" : not used */
    char revoked_at[CLOCK_INSTANT_LEN]; /* "" : not revoked */
    char revoked_reason[INVITATION_REASON_MAX + 1];
    int reminders;
    char last_sent_at[CLOCK_INSTANT_LEN]; /* "" : never sent */
    char visit_on[CLOCK_DATE_LEN];        /* pre: the visit's day; else "" */
    int held; /* answers held for the session of visit_on, not yet bound */
    const char *state; /* "waiting", "open", "used", "revoked", "expired",
                          or "held" (used, its answers held) */
};

ARRAY_LIST(invitation, invitation);

/*
 * The window of the follow-up that an invitation made on day today (days
 * since the epoch) takes, for an episode of protocol p discharged on day
 * ended (see above): *from and *until (days since the epoch; the window
 * is [from, until)) and *delay (the schedule's text, "4w"; points into
 * p). Returns 0, or -1 when p has no follow-up of a day or more or the
 * last window closed more than INVITATION_OVERDUE_DAYS after discharge.
 * *late is 1 for the late window after every one has closed.
 */
int invitation_followup_window(const struct protocol *p, long ended,
                               long today, long *from, long *until,
                               const char **delay, int *late);

/*
 * Creates an invitation and, for the email channel, queues its message
 * (due when the window opens) in one transaction with its audit entry.
 * Refusals (nothing changes): ERR_NOT_FOUND for an episode the caller may
 * not change; ERR_INPUT for a bad timepoint, channel or instrument, or an
 * instrument without wording (field "instrument", saying why);
 * ERR_INPUT (field "on") for a visit day that is not a date, is past, is
 * too far ahead, or is given for another timepoint than pre;
 * ERR_CONFLICT when the timepoint does not fit the episode (no discharge
 * for a follow-up, ...), the patient has no email (email channel) or
 * opted out, or an invitation for the same window is still open;
 * ERR_FAIL when the clinic's key cannot be read.
 */
int invitation_create(struct store *s, const struct actor *caller,
                      const struct invitation_new *in,
                      struct invitation_created *out, struct err *e);

/* The invitations the caller may see (of one episode, or all when
 * episode_id is 0), newest first, audited as a list. Allocates the
 * items; release with invitation_list_release(). */
int invitation_list(struct store *s, const struct actor *caller,
                    int64_t episode_id, struct invitation_list *out,
                    struct err *e);

/* Revokes an invitation that is not used or revoked yet, keeping the
 * reason (1 to INVITATION_REASON_MAX bytes, field "reason"), and cancels
 * its messages not sent yet; audited. */
int invitation_revoke(struct store *s, const struct actor *caller,
                      int64_t id, const char *reason, struct err *e);

/* Queues the message of an open or waiting email invitation again (a
 * reminder), unless one is queued already (ERR_CONFLICT); audited.
 * Sets *outbox_id. */
int invitation_resend(struct store *s, const struct actor *caller,
                      int64_t id, int64_t *outbox_id, struct err *e);

/* Records that the patient declined invitations (now; kept when already
 * set) and cancels every message to them not sent yet; audited. *cancelled
 * (when not NULL) is the number of messages cancelled. */
int invitation_opt_out(struct store *s, const struct actor *caller,
                       int64_t patient_id, int *cancelled, struct err *e);

/* The invitation as a JSON object (a new reference; no token). */
json_t *invitation_to_json(const struct invitation *inv);

/* The first word of a patient's name ("Pat" of "Pat Q. Synthetic"): all
 * a message or the patient's page ever calls the patient (never the
 * surname). Writes at most n - 1 bytes and a NUL. */
void invitation_first_name(const char *name, char *out, size_t n);

#endif
