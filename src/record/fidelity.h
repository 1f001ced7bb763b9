/*
 * fidelity: the record's bridge to the catalog's session plans
 * (catalog/plan.h), in plain arrays, so that the record's own phase
 * structs (record/session.h) and the catalog's delivered phases
 * (struct delivered_phase) meet in one place.
 */
#ifndef TS_RECORD_FIDELITY_H
#define TS_RECORD_FIDELITY_H

#include "core/err.h"

#include <stddef.h>

struct protocol;

#define FIDELITY_CODE_MAX 64
#define FIDELITY_MESSAGE_MAX 256

/* Checks delivered phases (names[i], minutes[i], i < n) of a session of
 * session_minutes against protocol p, writing up to max findings into
 * codes and messages. Returns the number written. */
size_t fidelity_check(const struct protocol *p, const char *const *names,
                      const int *minutes, size_t n, int session_minutes,
                      char (*codes)[FIDELITY_CODE_MAX + 1],
                      char (*messages)[FIDELITY_MESSAGE_MAX], size_t max);

/* The timed plan of a session of `minutes` with protocol p (catalog/plan.h)
 * in plain arrays: names (pointing into the catalog) and minutes, at most
 * max. Returns the phase count, or -1 with e (ERR_REFUSED, field
 * "minutes") when p cannot be planned at that length. Allocates nothing. */
int fidelity_plan(const struct protocol *p, int minutes, const char **names,
                  int *phase_minutes, int max, struct err *e);

#endif
