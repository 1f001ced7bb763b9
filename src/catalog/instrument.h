/*
 * instrument: the outcome instruments (NPRS, ODI, NDI, HIT-6, ...): their
 * structure, scoring rules, direction and minimal clinically important
 * difference (MCID), read from catalog/instruments.json (embedded in the
 * binary; every value there names its source). No item wording is kept:
 * items are "item 1", "item 2", ... (or "systolic" / "diastolic").
 *
 * Ownership: the instrument table is built once, on first use (thread-safe),
 * and lives until the program exits; every `const struct instrument *` and
 * every string reached from it stays valid for the whole run and must not be
 * freed. Nothing here allocates for the caller.
 */
#ifndef TS_CATALOG_INSTRUMENT_H
#define TS_CATALOG_INSTRUMENT_H

#include "core/err.h"

#define INSTRUMENT_MAX_ITEMS 32
#define INSTRUMENT_MAX_BANDS 8
#define SCORE_MAX_SUBSCORES 4

/* How the total is computed from the items. */
enum instrument_method {
    METHOD_VALUE, /* one value: the total is the value */
    METHOD_SUM,   /* sum of items (after reverse scoring) */
    METHOD_MEAN,  /* mean of items (PSFS) */
    METHOD_ODI,   /* sum / (5 x answered) x 100 */
    METHOD_NDI,   /* sum, plus the mean of the answered for each missing */
    METHOD_FIQR,  /* function / 3 + overall + symptoms / 2, domain-weighted */
    METHOD_RPQ,   /* sum with a rating of 1 counted as 0 */
    METHOD_BP,    /* systolic / diastolic; total = systolic; ACC/AHA band */
};

enum instrument_direction {
    DIRECTION_HIGHER_WORSE,
    DIRECTION_HIGHER_BETTER,
};

/* A band: the first band (in ascending order) whose upper bound (inclusive)
 * is >= the total names it. */
struct instrument_band {
    double upto;
    const char *label;
};

/*
 * The wording a patient reads (docs/patient-reported.md): shipped only for
 * instruments whose wording may be freely reproduced, with the licence
 * cited; a clinic adds wording it has licensed in its catalog override
 * folder (catalog_wording() in catalog.h finds either).
 */
struct wording_item {
    const char *text; /* the question */
    const char *low;  /* what the item's minimum means ("no pain") */
    const char *high; /* what its maximum means ("worst pain imaginable") */
};

struct instrument_wording {
    const char *intro;   /* shown before the questions, or NULL */
    int item_count;      /* the instrument's item_count */
    struct wording_item items[INSTRUMENT_MAX_ITEMS];
    const char *licence; /* what allows it to be shown (never NULL) */
    const char *source;  /* where the wording comes from (never NULL) */
};

struct instrument {
    const char *code;      /* "odi" */
    const char *name;      /* "Oswestry Disability Index 2.1a" */
    const char *construct; /* "low back pain disability" */
    const char *loinc;     /* LOINC code of the total, or NULL */
    /* Items: between item_count_min and item_count items (equal except for
     * PSFS, 3-5). Item i (0-based) ranges over item_min[i]..item_max[i]. */
    int item_count_min;
    int item_count;
    const char *item_labels[INSTRUMENT_MAX_ITEMS]; /* "item 1", "systolic" */
    const char *item_loinc[INSTRUMENT_MAX_ITEMS];  /* or NULL */
    double item_min[INSTRUMENT_MAX_ITEMS];
    double item_max[INSTRUMENT_MAX_ITEMS];
    int integer_items;     /* 1: items must be whole numbers */
    int allowed_count;     /* > 0: items must be one of allowed[] (HIT-6) */
    double allowed[8];
    int reverse[INSTRUMENT_MAX_ITEMS]; /* 1 where item i is reverse-scored */
    const char *items_source;
    enum instrument_method method;
    int max_missing;          /* items that may be missing */
    const char *missing_rule; /* how missing items are handled, in words */
    const char *scoring_source;
    double total_min, total_max;
    const char *unit;
    enum instrument_direction direction;
    const char *total_source;
    int band_count;
    struct instrument_band bands[INSTRUMENT_MAX_BANDS];
    const char *bands_source; /* or NULL when no band is defined */
    /* MCID: has_absolute / has_relative say which are published; neither
     * means "none published" (mcid_source says so and why). */
    int has_absolute;
    double mcid_absolute;  /* in total units */
    int has_relative;
    double mcid_relative;  /* a fraction of the baseline: 0.30 = 30% */
    const char *mcid_source;
    /* Test-retest reliability (ICC) where published, else a NaN. */
    double reliability;
    const char *reliability_source; /* or NULL */
    /* The shipped wording (member "wording" of catalog/instruments.json),
     * or NULL when Touchstone may not ship any. */
    const struct instrument_wording *wording;
};

/* A scored observation. Plain data; the strings point into the instrument
 * table (static) or into the struct itself. */
struct score {
    double total;          /* by the instrument's rule (never from input) */
    int items_given;       /* n: items the caller passed, answered or not */
    int items_answered;
    int items_missing;
    char missing[256];     /* how missing items were handled, in words */
    const char *band;      /* band label, or NULL when none is defined */
    int subscore_count;
    struct {
        const char *name;  /* "function", "RPQ-3", "diastolic", ... */
        double value;
    } subscores[SCORE_MAX_SUBSCORES];
};

enum responder {
    RESPONDER_UNKNOWN = -1, /* no MCID published: no responder label */
    RESPONDER_NO = 0,
    RESPONDER_YES = 1,
};

/* The number of instruments, and the i-th (0 <= i < count) in the order of
 * catalog/instruments.json. */
int instrument_count(void);
const struct instrument *instrument_at(int i);
/* The instrument with this code ("odi"), or NULL. */
const struct instrument *instrument_find(const char *code);

/*
 * Scores n item responses. items[i] is the response to item i+1; present[i]
 * is 0 when item i+1 was not answered (present may be NULL: all answered).
 * Refuses, with e->field naming the item ("item 4") or "items": a wrong
 * number of items, a value that is not finite, out of range, not whole when
 * it must be, or not an allowed answer (HIT-6), a diastolic value not below
 * the systolic, and more missing items than the instrument's rule allows.
 * Fills out (total, answered, how missing items were handled, band,
 * subscores) and returns 0, or returns -1 with e filled (ERR_INPUT).
 */
int instrument_score(const struct instrument *in, const double *items,
                     const int *present, int n, struct score *out,
                     struct err *e);

/* 1 when a single value (a total without items) is a complete observation:
 * instruments of one item (NPRS, headache days, PVR). Score such a value
 * with instrument_score(in, &value, NULL, 1, ...). */
int instrument_accepts_value(const struct instrument *in);

/* Improvement from baseline to later, oriented so that positive is better:
 * baseline - later when a higher score is worse, later - baseline when a
 * higher score is better. */
double instrument_improvement(const struct instrument *in, double baseline,
                              double later);

/* Relative improvement: the improvement as a fraction of the baseline's
 * distance from the best possible score (for higher-worse instruments, of
 * the baseline minus the scale minimum). Sets *ok to 0 (and returns 0) when
 * that distance is 0. */
double instrument_relative_improvement(const struct instrument *in,
                                       double baseline, double later,
                                       int *ok);

/* Responder: improvement >= the absolute MCID, or relative improvement >=
 * the relative MCID, whichever the instrument publishes (either suffices).
 * RESPONDER_UNKNOWN when no MCID is published. */
enum responder instrument_is_responder(const struct instrument *in,
                                       double baseline, double later);

/* "higher-worse" or "higher-better". */
const char *instrument_direction_name(enum instrument_direction d);
/* "value", "sum", "mean", "odi", "ndi", "fiqr", "rpq", "bp". */
const char *instrument_method_name(enum instrument_method m);
/* "unknown", "no", "yes". */
const char *responder_name(enum responder r);

/* The 2017 ACC/AHA category of a blood pressure: "normal", "elevated",
 * "stage 1 hypertension" or "stage 2 hypertension" (the higher category
 * reached by either value). */
const char *instrument_bp_category(double systolic, double diastolic);

#ifdef INSTRUMENT_TABLE_WRITER
#include <stdio.h>
/* Writes the instrument table read from catalog/instruments.json, checked,
 * as C definitions of `table` and `table_count` (the program's
 * src/catalog/instrument.c includes them): only in build/tools/
 * instrument-table, built with INSTRUMENT_TABLE_WRITER. Allocates the
 * table once (kept). */
void instrument_table_write(FILE *out);
#endif

#endif
