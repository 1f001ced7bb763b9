/*
 * thresholds: the bars of the designations and of the registry model, kept
 * in the database (table designation_threshold, with defaults set by the
 * schema) so that a clinic can change them, with the reasons for each
 * default in docs/outcomes.md. The set of names is fixed:
 *
 *   min_episodes             complete episodes a cell needs (whole, 1..100000;
 *                            default 20)
 *   responder_lower_bound    the Wilson 95% lower bound of the responder
 *                            rate must reach it (0..1; default 0.5)
 *   sustained_rate           responders still responders at follow-up,
 *                            among responders with a follow-up (0..1;
 *                            default 0.7)
 *   followup_coverage        share of complete episodes with a follow-up
 *                            (0..1; default 0.5)
 *   model_min_per_predictor  complete episodes per predictor the registry
 *                            model needs before it is fitted (whole,
 *                            1..1000; default 10)
 */
#ifndef TS_OUTCOMES_THRESHOLDS_H
#define TS_OUTCOMES_THRESHOLDS_H

#include <jansson.h>

#include "core/err.h"
#include "record/actor.h"
#include "store/store.h"

struct thresholds {
    double min_episodes;
    double responder_lower_bound;
    double sustained_rate;
    double followup_coverage;
    double model_min_per_predictor;
};

/* The defaults, as the schema sets them. */
void thresholds_default(struct thresholds *t);

/* The number of threshold names and the i-th name (in the order above),
 * with its one-line description, its range and whether it is whole. */
int thresholds_count(void);
const char *thresholds_name(int i);
const char *thresholds_description(int i);
void thresholds_range(int i, double *min, double *max, int *whole);

/* Reads the thresholds from the database (a row that is missing keeps its
 * default). Reads only; runs in or outside a transaction. */
int thresholds_load(struct store *s, struct thresholds *out, struct err *e);

/* The thresholds as a JSON object name -> value (whole values as
 * integers). New reference. */
json_t *thresholds_to_json(const struct thresholds *t);

/*
 * Sets one threshold: name must be one of the fixed names (else ERR_INPUT,
 * field "name"), value_text a number within its range, whole where the
 * threshold is whole (else ERR_INPUT, field "value"). Admins only
 * (ERR_AUTH). One transaction, audited ("update", "designation_threshold").
 */
int thresholds_set(struct store *s, const struct actor *caller,
                   const char *name, const char *value_text, struct err *e);

#endif
