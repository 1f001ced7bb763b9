/*
 * group: finding one group (a protocol measured by an instrument) in the
 * arrays of the outcomes' JSON documents: a report's cells and models, the
 * national comparison's groups, a pulled national document's cells.
 */
#ifndef TS_OUTCOMES_GROUP_H
#define TS_OUTCOMES_GROUP_H

#include <jansson.h>

/* The first member of array whose "protocol" and "instrument" are those
 * given, or NULL. Borrowed from array; allocates nothing. */
const json_t *group_find(const json_t *array, const char *protocol,
                         const char *instrument);

/* A new reference to o's member key, or JSON null when o has none (for
 * json_object_set_new). */
json_t *group_member(const json_t *o, const char *key);

/* The percentile of value among the cells of an outcomes' array that are
 * published (not "suppressed") with a risk-adjusted performance
 * ("observed_minus_expected"), of the group protocol and instrument or,
 * with protocol NULL, every one: 100 times the share of them below value,
 * ties counting half. A new JSON real, or JSON null when value is not a
 * number or no cell is ranked; *ranked gets how many are. */
json_t *group_percentile(const json_t *cells, const char *protocol,
                         const char *instrument, const json_t *value,
                         long *ranked);

#endif
