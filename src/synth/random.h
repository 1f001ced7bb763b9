/*
 * random: a small deterministic generator (splitmix64) for synthetic data:
 * the same seed gives the same sequence on every machine. Not for secrets
 * (use libsodium for those).
 */
#ifndef TS_SYNTH_RANDOM_H
#define TS_SYNTH_RANDOM_H

#include <stdint.h>

struct prng {
    uint64_t state;
};

void prng_seed(struct prng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t prng_next(struct prng *r);
/* Uniform in [0, 1) with 53 bits. */
double prng_uniform(struct prng *r);
/* A whole number in [lo, hi] (lo <= hi). */
long prng_range(struct prng *r, long lo, long hi);
/* Normal(mean, sd) by the Box-Muller transform. */
double prng_normal(struct prng *r, double mean, double sd);

#endif
