/*
 * Disclosure control of the registry report (outcomes/disclosure.h): small
 * cells withheld, with a complementary cell so that a group's totals do
 * not give a withheld one away.
 */
#include "outcomes/disclosure.h"
#include "core/util.h"

#include <string.h>

static const char *text_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static int same_group(const json_t *a, const json_t *b)
{
    return !strcmp(text_of(a, "protocol"), text_of(b, "protocol")) &&
           !strcmp(text_of(a, "instrument"), text_of(b, "instrument"));
}

/* Whose the entry is is hidden from the caller. */
static int is_protected(const json_t *o)
{
    return json_is_null(json_object_get(o, "practitioner"));
}

/* The entry's count, or -1 when it has none. */
static json_int_t count_of(const json_t *o, const char *key)
{
    const json_t *n = json_object_get(o, key);
    return json_is_integer(n) ? json_integer_value(n) : -1;
}

/* Every member of o but those of keep becomes null. */
static void withhold(json_t *o, const char *const *keep)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        const char *const *k = keep;
        while (*k && strcmp(*k, key))
            k++;
        if (!*k)
            json_object_set_new(o, key, json_null());
    }
    json_object_set_new(o, "suppressed", json_true());
}

static const char *const cell_keep[] = {"practitioner", "label", "protocol",
                                        "instrument", NULL};
static const char *const model_keep[] = {"protocol", "instrument", NULL};

/* The model of the group of entry o, or NULL. */
static json_t *model_of(json_t *models, const json_t *o)
{
    size_t i;
    json_t *m;
    json_array_foreach(models, i, m)
    {
        if (same_group(m, o))
            return m;
    }
    return NULL;
}

/*
 * Protects the entries of one array (cells by "n", incomplete episodes by
 * "total"); entries of a group are contiguous, as the report writes them.
 * Returns the number withheld.
 */
static int protect_array(json_t *array, const char *count_key,
                         json_t *models, int min_cell)
{
    size_t n = json_array_size(array);
    unsigned char *out = xcalloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(array, i);
        json_int_t c = count_of(o, count_key);
        out[i] = is_protected(o) && c >= 0 && c < min_cell;
    }
    for (size_t start = 0; start < n;) {
        size_t end = start + 1;
        while (end < n && same_group(json_array_get(array, start),
                                     json_array_get(array, end)))
            end++;
        size_t withheld = 0;
        for (size_t i = start; i < end; i++)
            withheld += out[i];
        if (withheld == 1) {
            /* The smallest other protected entry goes too. */
            size_t best = n;
            json_int_t best_count = 0;
            for (size_t i = start; i < end; i++) {
                json_t *o = json_array_get(array, i);
                json_int_t c = count_of(o, count_key);
                if (out[i] || !is_protected(o) || c < 0)
                    continue;
                if (best == n || c < best_count) {
                    best = i;
                    best_count = c;
                }
            }
            if (best < n) {
                out[best] = 1;
            } else {
                json_t *m = model_of(models, json_array_get(array, start));
                if (m)
                    withhold(m, model_keep);
            }
        }
        start = end;
    }
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(array, i);
        if (out[i]) {
            withhold(o, cell_keep);
            count++;
        } else {
            json_object_set_new(o, "suppressed", json_false());
        }
    }
    free(out);
    return count;
}

/* Orders entries by group (protocol, then instrument), as the report
 * lists both its models and its cells. */
static int group_order(const json_t *a, const json_t *b)
{
    int c = strcmp(text_of(a, "protocol"), text_of(b, "protocol"));
    return c ? c : strcmp(text_of(a, "instrument"), text_of(b, "instrument"));
}

/* Withholds each model of fewer than min_cell complete
 * episodes whose group has a protected cell: one pass over both arrays,
 * in the order they share. Returns the number withheld. */
static int protect_small_models(json_t *models, json_t *cells,
                                int min_cell)
{
    size_t ncells = json_array_size(cells), ci = 0;
    int count = 0;
    size_t i;
    json_t *m;
    json_array_foreach(models, i, m)
    {
        while (ci < ncells && group_order(json_array_get(cells, ci), m) < 0)
            ci++;
        int hidden = 0;
        for (size_t k = ci;
             k < ncells && same_group(json_array_get(cells, k), m); k++)
            hidden |= is_protected(json_array_get(cells, k));
        json_int_t n = count_of(m, "n_complete");
        if (hidden && n >= 0 && n < min_cell) {
            withhold(m, model_keep);
            count++;
        }
    }
    return count;
}

int disclosure_protect_registry(json_t *doc)
{
    return disclosure_protect_registry_min(doc, DISCLOSURE_MIN_CELL);
}

int disclosure_protect_registry_min(json_t *doc, int min_cell)
{
    json_t *models = json_object_get(doc, "models");
    json_t *cells = json_object_get(doc, "cells");
    int count = protect_small_models(models, cells, min_cell);
    size_t i;
    json_t *m;
    count += protect_array(cells, "n", models, min_cell);
    count += protect_array(json_object_get(doc, "incomplete"), "total",
                           models, min_cell);
    /* Models withheld by a complementary step are marked already. */
    json_array_foreach(models, i, m)
    {
        if (!json_is_true(json_object_get(m, "suppressed")))
            json_object_set_new(m, "suppressed", json_false());
    }
    return count;
}
