/*
 * training: a practitioner's completed training in a protocol (hours and
 * date). Scope of practice (episode.h, session.h) is decided from these:
 * a practitioner delivers a protocol only when trained in it.
 */
#ifndef TS_RECORD_TRAINING_H
#define TS_RECORD_TRAINING_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/util.h"
#include "record/actor.h"
#include "record/record.h"
#include "store/store.h"

struct catalog;

/* Input of training_add; borrowed strings. */
struct training_new {
    int64_t practitioner_id; /* "practitioner": must exist */
    const char *protocol_id; /* "protocol": a catalog id (slug) */
    double hours;            /* "hours": > 0 and <= 10000 */
    const char *completed_on; /* "completed": a date, not in the future */
    const char *provider;    /* "provider": optional text <= 200 bytes */
    /* The catalog the protocol must be in; NULL: the shipped catalog. */
    const struct catalog *catalog;
};

/* No owned memory. */
struct training {
    int64_t id;
    int64_t practitioner_id;
    char protocol_id[RECORD_CODE_MAX + 1];
    double hours;
    char completed_on[CLOCK_DATE_LEN];
    char provider[RECORD_NAME_MAX + 1]; /* "" when not given */
    char created_at[CLOCK_INSTANT_LEN];
};

ARRAY_LIST(training, training);

/* Validates and adds a training record (admin only). */
int training_add(struct store *s, const struct actor *caller,
                 const struct training_new *in, int64_t *id, struct err *e);
/* The training of one practitioner, by completion date then id: an admin
 * or the practitioner themself; others get an empty list. Allocates. */
int training_list(struct store *s, const struct actor *caller,
                  int64_t practitioner_id, struct training_list *out,
                  struct err *e);
/* Total hours of practitioner_id's training in protocol_id (no access
 * check, no transaction: for scope rules inside a record transaction);
 * -1 when the database cannot be read. */
double training_hours(struct store *s, int64_t practitioner_id,
                      const char *protocol_id);

#endif
