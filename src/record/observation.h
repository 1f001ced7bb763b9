/*
 * observation: one instrument score at a timepoint of an episode:
 * "baseline" (at intake), "pre" and "post" (around a session, which they
 * name) while the episode is open, and "followup" after discharge (on or
 * after the episode's end). Item responses are kept when given; the total
 * is computed by the instrument's scoring rule (observation_compute_total),
 * never trusted from input.
 */
#ifndef TS_RECORD_OBSERVATION_H
#define TS_RECORD_OBSERVATION_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/util.h"
#include "record/actor.h"
#include "record/record.h"
#include "store/store.h"

#define OBSERVATION_ITEMS_MAX 64

/* Input of observation_add; borrowed. Exactly one of items (item_count
 * > 0) and has_value. A missing item response is NAN. */
struct observation_new {
    int64_t episode_id;      /* "episode" */
    int64_t session_id;      /* "session": 0, or a session of the episode;
                              * required for pre and post */
    const char *instrument;  /* "instrument": an instrument code */
    const char *timepoint;   /* "timepoint": baseline, pre, post, followup */
    const char *observed_at; /* "at": an instant, not in the future, not
                              * before the episode's start */
    const double *items;     /* "items" */
    size_t item_count;
    int has_value;           /* "value": a single score */
    double value;
    const char *source;      /* "source": clinic (NULL), patient, import */
    int64_t invitation_id;   /* the link a patient answered through, or 0 */
};

/* Owned: items (NULL when a single value was given; NAN for a missing
 * response); freed by observation_release(). */
struct observation {
    int64_t id;
    int64_t episode_id;
    int64_t session_id; /* 0: none */
    char instrument[RECORD_CODE_MAX + 1];
    char timepoint[9];
    char observed_at[CLOCK_INSTANT_LEN];
    double *items;
    size_t item_count;
    double total;
    long followup_days; /* followup: days after the episode's end; else -1 */
    char created_at[CLOCK_INSTANT_LEN];
};

/* Observations, each released (observation_release) by the list. */
ARRAY_LIST(observation, observation);

/* 1 when timepoint is baseline, pre, post or followup. */
int observation_timepoint_valid(const char *timepoint);

/* The scoring rule: the total of an instrument's responses. Given items
 * (n > 0, value NULL) or a single value (n == 0). Refuses (field "items"
 * or "value") what the instrument does not allow. */
int observation_compute_total(const char *instrument, const double *items,
                              size_t n, const double *value, double *total,
                              struct err *e);

/* Validates, scores and adds an observation (audited "create"). */
int observation_add(struct store *s, const struct actor *caller,
                    const struct observation_new *in, int64_t *id,
                    struct err *e);
/*
 * The same inside the caller's open transaction, without an access check:
 * for a caller whose right to add it comes from elsewhere (a patient's
 * link, prom/answer.h, which checked the link). Audits "create" by caller
 * on the observation of patient_id. Returns 0 with *id set, or -1 with e
 * (the caller rolls back).
 */
int observation_add_within(struct store *s, const struct actor *caller,
                           const struct observation_new *in,
                           int64_t patient_id, int64_t *id, struct err *e);
/* Fills *out (audited "read"); allocates, see observation_release(). */
int observation_get(struct store *s, const struct actor *caller, int64_t id,
                    const char *field, struct observation *out,
                    struct err *e);
void observation_release(struct observation *o);
/* The observations of one episode, by time then id (audited "list"). */
int observation_list(struct store *s, const struct actor *caller,
                     int64_t episode_id, struct observation_list *out,
                     struct err *e);

#endif
