/*
 * synth: what the synthetic generators share, the demo clinic (demo.h)
 * and the registry at scale (registry_gen.h): the invented names they
 * draw from, dates and instants from day numbers, the phases of a session
 * drawn from its protocol's plan, and the start of a generated batch.
 *
 * Both write through the validated batch insert (record/bulk.h), so every
 * generated row passes the record's rules. Nothing here allocates but
 * synth_begin (the batch).
 */
#ifndef TS_SYNTH_SYNTH_H
#define TS_SYNTH_SYNTH_H

#include <stddef.h>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/err.h"
#include "record/actor.h"
#include "record/bulk.h"
#include "store/store.h"
#include "synth/random.h"

/* Invented given names, family names and physicians' specialties. A
 * generator may draw from the first few only (the demo clinic's history
 * was made with the first 24, 12 and 4). */
#define SYNTH_FIRST_NAME_COUNT 32
#define SYNTH_LAST_NAME_COUNT 16
#define SYNTH_SPECIALTY_COUNT 6
extern const char *const synth_first_names[SYNTH_FIRST_NAME_COUNT];
extern const char *const synth_last_names[SYNTH_LAST_NAME_COUNT];
extern const char *const synth_specialties[SYNTH_SPECIALTY_COUNT];

/* One of the first n (>= 1) entries of list, drawn uniformly. */
const char *synth_pick(struct prng *r, const char *const *list, size_t n);

/* v within [lo, hi]. */
double synth_clamp(double v, double lo, double hi);

/* The date of day number `days` (days since 1970-01-01). */
void synth_date(long days, char out[CLOCK_DATE_LEN]);
/* The instant at minute_of_day (UTC) of day number `days`. */
void synth_instant(long days, int minute_of_day, char out[CLOCK_INSTANT_LEN]);

/*
 * The phases of a session of `minutes` as protocol p plans them
 * (catalog/plan.h), into phases (room for PROTOCOL_MAX_PHASES); with
 * probability 1 - fidelity (one uniform draw from r, always made), a
 * session that skimps on kneading: a quarter of the session moves from
 * the first kneading phase longer than that to the last phase. Returns
 * the count. A length p cannot plan is a BUG: the generators draw lengths
 * within the protocol's range.
 */
size_t synth_session_phases(struct prng *r, const struct protocol *p,
                            int minutes, double fidelity,
                            struct session_phase *phases);

/*
 * Starts a generated batch (bulk_begin with options) in a store holding no
 * practitioners or patients yet (else ERR_CONFLICT, field "db", and
 * nothing changed), and marks the clinic synthetic. Allocates *out, ended
 * by bulk_commit() or bulk_abort(); on failure *out is NULL.
 */
int synth_begin(struct store *s, const struct actor *caller,
                const struct bulk_options *options, struct bulk **out,
                struct err *e);

/*
 * Adds one observation at minute_of_day of day number `day`: item
 * responses items[0..item_count) when item_count > 0, else the single
 * value. session 0: none. Returns bulk_add_observation's status.
 */
int synth_observe(struct bulk *b, int64_t episode, int64_t session,
                  const char *instrument, const char *timepoint, long day,
                  int minute_of_day, const double *items, size_t item_count,
                  double value, struct err *e);

/* Adds a training record completed on day number `completed_day`. */
int synth_add_training(struct bulk *b, int64_t practitioner,
                       const char *protocol_id, double hours,
                       long completed_day, const char *provider,
                       struct err *e);

#endif
