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
