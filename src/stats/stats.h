/*
 * stats: pure numeric functions for outcomes and peer comparison. Arrays
 * in, numbers out: no database, no I/O, no printing, no global state. Only
 * core/ is included. Distributions, special functions and least squares
 * come from the GNU Scientific Library (GSL).
 *
 * Conventions shared by every header in this module:
 * - Inputs are plain arrays of double with an explicit length, never
 *   modified. They must be finite unless a function says otherwise.
 * - A result that cannot be computed (too few values, zero variance, a
 *   singular design) makes the function fill a struct err (ERR_INPUT, the
 *   field naming the argument at fault, a lowercase reason) and return -1;
 *   the output struct then holds NAN in every number it did not compute.
 * - Functions that return a double with no struct err return NAN when the
 *   value is undefined (the mean of nothing, the SD of one value).
 * - Output structs are filled by the callee; the caller owns them (on the
 *   stack is fine). The few results with variable length (Kaplan-Meier
 *   steps, regression coefficients) are allocated by the callee and freed
 *   with the matching *_release() function, which is safe to call twice.
 *
 * Every function documents its formula and the source it follows; the same
 * is collected in docs/statistics.md.
 */
#ifndef TS_STATS_STATS_H
#define TS_STATS_STATS_H

/* Two-sided 95% normal quantile, as statistics.md fixes it (qnorm(0.975)
 * = 1.959963985 rounded to 7 significant digits). */
#define STATS_Z95 1.959964
/* Two-sided 99.8% normal quantile (qnorm(0.999) = 3.090232306). */
#define STATS_Z998 3.090232

/* A closed interval [lower, upper]; NAN bounds when not computable. */
struct stats_interval {
    double lower;
    double upper;
};

#endif
