/*
 * catalog_json: the catalog's protocols and instruments as JSON
 * (jansson), one builder per piece for the command line's --json and the
 * web API, which assemble them in their own documents.
 *
 * Ownership: every function returning json_t * returns a new reference
 * (json_decref() it); the strings are copied. The catalog and the
 * instruments are only read.
 */
#ifndef TS_CATALOG_CATALOG_JSON_H
#define TS_CATALOG_CATALOG_JSON_H

#include <jansson.h>

#include "catalog/catalog.h"
#include "catalog/instrument.h"

/* An array of the n strings of items. */
json_t *catalog_json_strings(const char **items, int n);

/* A protocol in a list: {"id", "name", "group", "region", "minutes":
 * {"min", "max", "default"}, "training_hours", "total_hours",
 * "from_clinic"}. */
json_t *catalog_json_protocol_summary(const struct catalog *cat,
                                      const struct protocol *p);

/* The session length: {"min", "max", "default"} in minutes. */
json_t *catalog_json_minutes(const struct protocol *p);

/* Sets "indications" ([{"code", "title"}]) and "red_flags" ([{"id",
 * "question"}]) of p on o. */
void catalog_json_set_screening(json_t *o, const struct protocol *p);

/* The training a protocol needs: {"hours", "requires_baseline",
 * "baseline", "baseline_hours"}, and "total_hours" when with_total. */
json_t *catalog_json_training(const struct catalog *cat,
                              const struct protocol *p, int with_total);

/* A phase: {"name", "kind", "techniques", "min_share", "max_share",
 * "direction", "note"}; an absent direction or note is null when
 * absent_as_null, else left out. */
json_t *catalog_json_phase(const struct protocol_phase *ph,
                           int absent_as_null);
/* Every phase of p, as catalog_json_phase(). */
json_t *catalog_json_phases(const struct protocol *p, int absent_as_null);

/* Sets "course" ({"sessions", "per_week"}), "outcomes" ({"primary",
 * "secondary"}: instrument codes) and "follow_up" ([{"delay", "hours"}])
 * of p on o. */
void catalog_json_set_course(json_t *o, const struct protocol *p);

/* An instrument's MCID: {"absolute", "relative"}, each null when none is
 * published. */
json_t *catalog_json_mcid(const struct instrument *in);
/* The MCID with "published" (true when either is) and its "source". */
json_t *catalog_json_mcid_sourced(const struct instrument *in);

/* An instrument's items: [{"label", "min", "max", "reverse"}], with the
 * item's "loinc" where it has one when with_loinc. */
json_t *catalog_json_instrument_items(const struct instrument *in,
                                      int with_loinc);
/* An instrument's bands: [{"upto", "label"}]. */
json_t *catalog_json_instrument_bands(const struct instrument *in);
/* Sets an instrument's scoring rule on o, in this order: "method",
 * "max_missing", "missing_rule" and "scoring_source". */
void catalog_json_set_scoring(json_t *o, const struct instrument *in);

#endif
