/*
 * demo: a small synthetic clinic for tours, trials and tests. Every person
 * is invented (names say "(synthetic)"), rows carry synthetic = 1, and the
 * whole history follows from the seed: the same seed and the same "today"
 * (TOUCHSTONE_NOW) give the same database.
 *
 * The clinic: four therapists with training records; dozens of patients
 * with referrals; episodes of care in low-back-pain, sciatica,
 * tension-headache, migraine and stress-management-full-body with
 * sessions (introductory massage first, kneading at least half), NPRS,
 * ODI, HIT-6 and PSS-10 scores at baseline, before and after sessions, and
 * follow-ups 4 weeks after discharge. One therapist has more than 25
 * complete low-back-pain episodes where most patients improve beyond the
 * MCID and keep it; the others have fewer episodes or weaker courses.
 *
 * Rows go through the validated batch insert (record/bulk.h), so the
 * record's rules apply to every one of them.
 */
#ifndef TS_SYNTH_DEMO_H
#define TS_SYNTH_DEMO_H

#include <stdint.h>

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

struct demo_summary {
    int practitioners;
    int patients;
    int referrals;
    int episodes;
    int sessions;
    int observations;
};

/* Fills a store holding no practitioners or patients yet (else
 * ERR_CONFLICT, field "db") in one transaction, as caller (an admin), with
 * one audit entry for the whole. */
int demo_fill(struct store *s, const struct actor *caller, uint64_t seed,
              struct demo_summary *out, struct err *e);

#endif
