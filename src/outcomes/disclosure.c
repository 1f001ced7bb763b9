/*
 * Disclosure control of the registry report (outcomes/disclosure.h): small
 * cells withheld, with a complementary cell so that a group's totals do
 * not give a withheld one away.
 */
#include "outcomes/disclosure.h"
#include "core/util.h"

#include <string.h>

/* What disclosure control reads of one entry (a cell, an entry of
 * incomplete episodes or a model), read once: a document's entries have
 * about thirty members, and looking each up by name costs a hash. */
struct entry {
    json_t *o;
    const char *protocol, *instrument; /* "" when missing */
    json_int_t count;                  /* -1 when it has none */
    int is_protected;                  /* whose it is is hidden */
};

/* Reads entry o: walks its members in order until protocol, instrument,
 * practitioner and count_key are all seen (they come first in the
 * report's entries, so the walk is short; any order is read right). */
static void entry_read(struct entry *out, json_t *o, const char *count_key,
                       int want_practitioner)
{
    out->o = o;
    out->protocol = out->instrument = "";
    out->count = -1;
    out->is_protected = 0;
    int left = 3 + want_practitioner;
    for (void *it = json_object_iter(o); it && left > 0;
         it = json_object_iter_next(o, it)) {
        const char *key = json_object_iter_key(it);
        json_t *v = json_object_iter_value(it);
        if (!strcmp(key, "protocol")) {
            const char *t = json_string_value(v);
            out->protocol = t ? t : "";
        } else if (!strcmp(key, "instrument")) {
            const char *t = json_string_value(v);
            out->instrument = t ? t : "";
        } else if (!strcmp(key, count_key)) {
            out->count = json_is_integer(v) ? json_integer_value(v) : -1;
        } else if (want_practitioner && !strcmp(key, "practitioner")) {
            out->is_protected = json_is_null(v);
        } else {
            continue;
        }
        left--;
    }
}

/* The entries of array, read (entry_read); *n their number. The caller
 * frees the result. */
static struct entry *entries_read(json_t *array, const char *count_key,
                                  int want_practitioner, size_t *n)
{
    *n = json_array_size(array);
    struct entry *e = xcalloc(*n ? *n : 1, sizeof(*e));
    for (size_t i = 0; i < *n; i++)
        entry_read(&e[i], json_array_get(array, i), count_key,
                   want_practitioner);
    return e;
}

static int same_group(const struct entry *a, const struct entry *b)
{
    return !strcmp(a->protocol, b->protocol) &&
           !strcmp(a->instrument, b->instrument);
}

/* Every member of o but those of keep becomes null. */
static void withhold(json_t *o, const char *const *keep)
{
    for (void *it = json_object_iter(o); it;
         it = json_object_iter_next(o, it)) {
        const char *key = json_object_iter_key(it);
        const char *const *k = keep;
        while (*k && strcmp(*k, key))
            k++;
        if (!*k)
            json_object_iter_set_new(o, it, json_null());
    }
    json_object_set_new(o, "suppressed", json_true());
}

static const char *const cell_keep[] = {"practitioner", "label", "protocol",
                                        "instrument", NULL};
static const char *const model_keep[] = {"protocol", "instrument", NULL};

/* The model of the group of entry o, or NULL. */
static struct entry *model_of(struct entry *models, size_t nmodels,
                              const struct entry *o)
{
    for (size_t i = 0; i < nmodels; i++)
        if (same_group(&models[i], o))
            return &models[i];
    return NULL;
}

/*
 * Protects the entries of one array (cells by "n", incomplete episodes by
 * "total"), en of them, read by entries_read(); entries of a group are
 * contiguous, as the report writes them. Returns the number withheld.
 */
static int protect_array(struct entry *en, size_t n, struct entry *models,
                         size_t nmodels, int min_cell)
{
    unsigned char *out = xcalloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++)
        out[i] = en[i].is_protected && en[i].count >= 0 &&
                 en[i].count < min_cell;
    for (size_t start = 0; start < n;) {
        size_t end = start + 1;
        while (end < n && same_group(&en[start], &en[end]))
            end++;
        size_t withheld = 0;
        for (size_t i = start; i < end; i++)
            withheld += out[i];
        if (withheld == 1) {
            /* The smallest other protected entry goes too. */
            size_t best = n;
            json_int_t best_count = 0;
            for (size_t i = start; i < end; i++) {
                json_int_t c = en[i].count;
                if (out[i] || !en[i].is_protected || c < 0)
                    continue;
                if (best == n || c < best_count) {
                    best = i;
                    best_count = c;
                }
            }
            if (best < n) {
                out[best] = 1;
            } else {
                struct entry *m = model_of(models, nmodels, &en[start]);
                if (m)
                    withhold(m->o, model_keep);
            }
        }
        start = end;
    }
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i]) {
            withhold(en[i].o, cell_keep);
            count++;
        } else {
            json_object_set_new(en[i].o, "suppressed", json_false());
        }
    }
    free(out);
    return count;
}

/* Orders entries by group (protocol, then instrument), as the report
 * lists both its models and its cells. */
static int group_order(const struct entry *a, const struct entry *b)
{
    int c = strcmp(a->protocol, b->protocol);
    return c ? c : strcmp(a->instrument, b->instrument);
}

/* Withholds each model of fewer than min_cell complete
 * episodes whose group has a protected cell: one pass over both arrays,
 * in the order they share. Returns the number withheld. */
static int protect_small_models(struct entry *models, size_t nmodels,
                                const struct entry *cells, size_t ncells,
                                int min_cell)
{
    size_t ci = 0;
    int count = 0;
    for (size_t i = 0; i < nmodels; i++) {
        struct entry *m = &models[i];
        while (ci < ncells && group_order(&cells[ci], m) < 0)
            ci++;
        int hidden = 0;
        for (size_t k = ci; k < ncells && same_group(&cells[k], m); k++)
            hidden |= cells[k].is_protected;
        if (hidden && m->count >= 0 && m->count < min_cell) {
            withhold(m->o, model_keep);
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
    size_t nmodels;
    struct entry *models = entries_read(json_object_get(doc, "models"),
                                        "n_complete", 0, &nmodels);
    size_t ncells, nincomplete;
    struct entry *cells = entries_read(json_object_get(doc, "cells"), "n", 1,
                                       &ncells);
    struct entry *incomplete = entries_read(
        json_object_get(doc, "incomplete"), "total", 1, &nincomplete);
    int count = protect_small_models(models, nmodels, cells, ncells,
                                     min_cell);
    count += protect_array(cells, ncells, models, nmodels, min_cell);
    count += protect_array(incomplete, nincomplete, models, nmodels,
                           min_cell);
    free(cells);
    free(incomplete);
    /* Models withheld by a complementary step are marked already. */
    for (size_t i = 0; i < nmodels; i++)
        if (!json_is_true(json_object_get(models[i].o, "suppressed")))
            json_object_set_new(models[i].o, "suppressed", json_false());
    free(models);
    return count;
}
