/*
 * registry_gen: a large synthetic registry for benchmarks, load tests and
 * demonstrations at scale (touchstone demo --practitioners N --patients M):
 * practitioners with training, patients, referrals, episodes of care in
 * every protocol of the catalog, sessions with their phases, and outcome
 * scores at baseline, around sessions, at discharge and at follow-up.
 *
 * Courses of care are drawn from the distributions documented in
 * docs/synthetic-data.md: baseline severity, chronicity, age, sex and
 * comorbidities shift each patient's improvement; every therapist has an
 * effect of their own (a few are markedly better), a follow-up habit, a
 * documentation habit; patients drop out and miss measures at stated
 * rates. Every person is invented, every practitioner and patient row
 * carries synthetic = 1, and the whole registry follows from the seed and
 * "today" (TOUCHSTONE_NOW): the same inputs give the same database.
 *
 * Rows go through the validated batch insert (bulk.h): the record's rules
 * apply to every row and totals are computed by the instruments' scoring
 * rules. Generation is one transaction with the database tuned for it
 * (bulk_options.fast).
 */
#ifndef TS_SYNTH_REGISTRY_GEN_H
#define TS_SYNTH_REGISTRY_GEN_H

#include <stdint.h>

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

#define REGISTRY_PRACTITIONERS_MAX 1000000
#define REGISTRY_PATIENTS_MAX 100000000
#define REGISTRY_EPISODES_PER_PATIENT_MAX 20

struct registry_options {
    long practitioners;        /* >= 1 */
    long patients;             /* >= 1 */
    long episodes_per_patient; /* 1 .. 20 */
    uint64_t seed;
    /* Called now and then with the share done (0..1); may be NULL. */
    void (*progress)(void *ctx, double fraction, int64_t rows);
    void *progress_ctx;
};

struct registry_summary {
    int64_t practitioners;
    int64_t training;
    int64_t patients;
    int64_t referrals;
    int64_t episodes;
    int64_t sessions;
    int64_t observations;
};

/*
 * Fills a store holding no practitioners or patients yet (else
 * ERR_CONFLICT, field "db") as caller (an admin), in one transaction;
 * audited as one "generate" entry per kind of record. Options out of range
 * are ERR_INPUT naming the option ("practitioners", "patients",
 * "episodes-per-patient"). Fills *out with the counts.
 */
int registry_generate(struct store *s, const struct actor *caller,
                      const struct registry_options *options,
                      struct registry_summary *out, struct err *e);

#endif
