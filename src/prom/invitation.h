/*
 * invitation: a one-time link for a due measurement of an episode
 * (docs/patient-reported.md): its instruments, timepoint and window, the
 * token kept only as a hash (prom/token.h), single use, revocable. Every
 * create, list and revoke goes through the access checks and the audit
 * log.
 */
#ifndef TS_PROM_INVITATION_H
#define TS_PROM_INVITATION_H

#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

/* Input of invitation_create; borrowed. */
struct invitation_new {
    int64_t episode_id;     /* "episode" */
    const char *timepoint;  /* "timepoint": baseline, followup, pre */
    const char *instrument; /* "instrument": one code, or NULL for the
                             * protocol's primary and secondary ones */
    const char *channel;    /* "channel": email (queues the message) or
                             * print */
};

struct invitation_created {
    int64_t id;
    int64_t outbox_id; /* the queued message, 0 for print */
    char opens_at[CLOCK_INSTANT_LEN];
    char expires_at[CLOCK_INSTANT_LEN];
};

struct invitation {
    int64_t id;
    int64_t episode_id;
    char timepoint[16];
    char instruments[256]; /* the JSON array of codes */
    char channel[8];
    char created_at[CLOCK_INSTANT_LEN];
    char opens_at[CLOCK_INSTANT_LEN];
    char expires_at[CLOCK_INSTANT_LEN];
    char used_at[CLOCK_INSTANT_LEN];    /* "" when not used */
    char revoked_at[CLOCK_INSTANT_LEN]; /* "" when not revoked */
    int reminders;
};

struct invitation_list {
    struct invitation *items; /* owned */
    size_t count;
};

/* Creates an invitation (and, by email, queues its message) in one
 * transaction, access-checked and audited. */
int invitation_create(struct store *s, const struct actor *caller,
                      const struct invitation_new *in,
                      struct invitation_created *out, struct err *e);
/* The invitations of an episode (0: every one the caller may see);
 * allocates, see invitation_list_release(). */
int invitation_list(struct store *s, const struct actor *caller,
                    int64_t episode_id, struct invitation_list *out,
                    struct err *e);
void invitation_list_release(struct invitation_list *l);
/* Revokes an invitation with a reason, cancelling its queued messages. */
int invitation_revoke(struct store *s, const struct actor *caller, int64_t id,
                      const char *reason, struct err *e);

#endif
