#include "outcomes/group.h"

#include <string.h>

const json_t *group_find(const json_t *array, const char *protocol,
                         const char *instrument)
{
    size_t i;
    const json_t *o;
    json_array_foreach(array, i, o)
    {
        const char *p = json_string_value(json_object_get(o, "protocol"));
        const char *in = json_string_value(json_object_get(o, "instrument"));
        if (p && in && !strcmp(p, protocol) && !strcmp(in, instrument))
            return o;
    }
    return NULL;
}

json_t *group_member(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return v ? json_incref(v) : json_null();
}

json_t *group_percentile(const json_t *cells, const char *protocol,
                         const char *instrument, const json_t *value,
                         long *ranked)
{
    double below = 0, equal = 0;
    *ranked = 0;
    size_t i;
    const json_t *c;
    json_array_foreach(cells, i, c)
    {
        const char *p = json_string_value(json_object_get(c, "protocol"));
        const char *in = json_string_value(json_object_get(c, "instrument"));
        const json_t *oe = json_object_get(c, "observed_minus_expected");
        if ((protocol && (!p || !in || strcmp(p, protocol) ||
                          strcmp(in, instrument))) ||
            json_is_true(json_object_get(c, "suppressed")) ||
            !json_is_number(oe))
            continue;
        ++*ranked;
        if (!json_is_number(value))
            continue;
        double x = json_number_value(oe), v = json_number_value(value);
        if (x < v)
            below += 1;
        else if (x == v)
            equal += 1;
    }
    if (!*ranked || !json_is_number(value))
        return json_null();
    return json_real(100.0 * (below + equal / 2) / (double)*ranked);
}
