/*
 * listing: what the clinic allows the registry's public directory to show
 * (docs/registry.md, Directory): each practitioner's consent to be listed,
 * with the name the directory shows, and the clinic's public place (its
 * state and the first three digits of its ZIP code). Nothing of any
 * patient. Every change is admin only and audited.
 */
#ifndef TS_RECORD_LISTING_H
#define TS_RECORD_LISTING_H

#include <stdint.h>

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

#define LISTING_NAME_MAX 200

/*
 * Records practitioner id's consent (1) or its withdrawal (0) to be listed
 * in the registry's directory, in one audited transaction ("update",
 * "practitioner"). Being listed needs the registry consent too: consent 1
 * without it is refused (ERR_CONFLICT, field "directory", saying how to
 * record it). name (NULL: keep the one recorded, else "NAME, CREDENTIALS")
 * is the name the directory shows (1-200 characters, ERR_INPUT field
 * "name"). ERR_NOT_FOUND (field "id") for no such practitioner.
 */
int listing_set_consent(struct store *s, const struct actor *caller,
                        int64_t id, int consent, const char *name,
                        struct err *e);

/* The directory consent of practitioner id into *consent and the name the
 * directory shows into name (size n; "" when none). ERR_NOT_FOUND. */
int listing_consent(struct store *s, int64_t id, int *consent, char *name,
                    size_t n, struct err *e);

/*
 * Records the clinic's public place, audited ("update", "clinic", 1):
 * state, two letters (stored upper-case), and zip3, the first three
 * digits of the clinic's ZIP code; "" clears one, NULL keeps it. ERR_INPUT
 * naming "state" or "zip3" when malformed.
 */
int listing_set_place(struct store *s, const struct actor *caller,
                      const char *state, const char *zip3, struct err *e);

/* The clinic's place: state (3 bytes) and zip3 (4 bytes), "" when not
 * recorded. */
int listing_place(struct store *s, char state[3], char zip3[4],
                  struct err *e);

#endif
