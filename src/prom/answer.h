/*
 * answer: a patient answering the questions of an invitation through its
 * link (docs/patient-reported.md). The token in the link is the only
 * right the patient holds: no account, no session. A presented token is
 * checked for its form (token_well_formed), hashed (token_hash) and looked
 * up by its hash; the database never holds a token.
 *
 * What a patient sees is limited to the clinic's name, the patient's first
 * name (the first word of the recorded name) and the questions of the
 * invitation's instruments (catalog_wording). Nothing else of the record
 * leaves here.
 *
 * Answers are checked by the instrument's scoring rule (instrument_score,
 * as the clinic's score form checks them) and recorded, in one
 * transaction, as one observation per instrument (source "patient",
 * timepoint the invitation's, the invitation named), with the invitation
 * marked used and an audit entry per observation whose actor is the link
 * ("link N", record/actor.h), never a user.
 *
 * Nothing here allocates for the caller.
 */
#ifndef TS_PROM_ANSWER_H
#define TS_PROM_ANSWER_H

#include <stdint.h>

#include "catalog/instrument.h"
#include "core/clock.h"
#include "core/err.h"
#include "record/clinic.h"
#include "record/record.h"
#include "store/store.h"

struct catalog;

#define ANSWER_MAX_INSTRUMENTS 8

/* One instrument of an invitation: both point into the catalog (static). */
struct answer_instrument {
    const struct instrument *instrument;
    const struct instrument_wording *wording;
};

/* An open invitation, as its page shows it. Plain data. */
struct answer_form {
    int64_t invitation_id;
    int64_t episode_id;
    int64_t patient_id;
    char timepoint[16];
    char channel[8];
    char first_name[RECORD_NAME_MAX + 1];
    char clinic[CLINIC_NAME_MAX + 1];
    char expires_at[CLOCK_INSTANT_LEN];
    int instrument_count;
    struct answer_instrument instruments[ANSWER_MAX_INSTRUMENTS];
    int held; /* after answer_submit of a pre invitation: 1 when the
                 answers are held for a session not recorded yet */
};

/* The answers to one instrument, in the form's order: values[i] answers
 * item i+1 when present[i]; n is the number of items given (the
 * instrument's minimum at least; trailing unanswered items beyond it are
 * not counted). */
struct answer_items {
    int n;
    double values[INSTRUMENT_MAX_ITEMS];
    int present[INSTRUMENT_MAX_ITEMS];
};

/*
 * Finds the invitation of a presented token and fills *out. Refusals, e's
 * field "token": ERR_NOT_FOUND for a token of the wrong form or of no
 * invitation ("no such link"); ERR_CONFLICT for one revoked, expired or
 * already answered (the message says which, in words for the patient);
 * ERR_CONFLICT too, message "not open yet ...", before the invitation
 * opens. An instrument without wording (which no invitation should hold)
 * is ERR_FAIL. c may be NULL (the shipped catalog).
 */
int answer_open(struct store *s, const struct catalog *c, const char *token,
                struct answer_form *out, struct err *e);

/*
 * Checks and records the answers to the invitation of token: items[i]
 * answers the form's instrument i (count must be its instrument_count).
 * Each is checked by the instrument's rule first; a refusal (ERR_INPUT)
 * names the field "CODE-item-N" (or "CODE" for the instrument as a whole)
 * and records nothing. Then, in one transaction: the invitation checked
 * again (answer_open's refusals), one observation per instrument
 * (observation_add_within, source "patient", observed now, the link as
 * the actor from client), the invitation marked used. A pre invitation's
 * observations name the episode's first session of the visit's day; when
 * none is recorded yet, the answers are held instead (one held_answer row
 * per instrument, audited "create" by the link; form->held set), and the
 * session's insert makes them observations (record/session.h). *form is
 * filled as by answer_open (for the thank-you page).
 */
int answer_submit(struct store *s, const struct catalog *c, const char *token,
                  const struct answer_items *items, int count,
                  const char *client, struct answer_form *form,
                  struct err *e);

/* The newest invitation of an episode at a timepoint that is neither used,
 * revoked nor expired: *id (0 when none) and its channel ("email",
 * "print"). Reads only; the caller has checked access to the episode. */
int answer_live_invitation(struct store *s, int64_t episode_id,
                           const char *timepoint, int64_t *id,
                           char channel[8], struct err *e);

/* Invitation id of episode episode_id: when it expires, and whether it was
 * used or revoked. ERR_NOT_FOUND (field "invitation") when the episode has
 * no such invitation. Reads only; the caller has checked access to the
 * episode. */
int answer_invitation_of_episode(struct store *s, int64_t episode_id,
                                 int64_t id, char expires_at[CLOCK_INSTANT_LEN],
                                 int *used, int *revoked, struct err *e);

/* Writes "<base_url>/r/<token>" of invitation id into out (size n): the
 * token derived from the invitation's nonce under the clinic's secret key
 * (prom/token.h); base_url from mail_config, or base_url_override when not
 * NULL. ERR_NOT_FOUND (field "invitation") for no such invitation;
 * ERR_INPUT (field "base-url") when no base URL is configured. The caller
 * has checked access. Secret bytes are wiped. */
int answer_link(struct store *s, int64_t invitation_id,
                const char *base_url_override, char *out, size_t n,
                struct err *e);

#endif
