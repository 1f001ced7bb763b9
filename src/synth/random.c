#include "synth/random.h"

#include <math.h>

void prng_seed(struct prng *r, uint64_t seed)
{
    r->state = seed;
}

/* splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014), as published by Vigna. */
uint64_t prng_next(struct prng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double prng_uniform(struct prng *r)
{
    return (double)(prng_next(r) >> 11) * 0x1.0p-53;
}

long prng_range(struct prng *r, long lo, long hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (long)(prng_next(r) % span);
}

double prng_normal(struct prng *r, double mean, double sd)
{
    double u1 = prng_uniform(r), u2 = prng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return mean + sd * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
