/*
 * Disclosure control of the registry report (outcomes/disclosure.h): small
 * cells withheld, with a complementary cell so that a group's totals do
 * not give a withheld one away.
 */
#include "outcomes/disclosure.h"
#include "core/util.h"

#include <string.h>

/* The decisions, on counts: primary and complementary over one group's
 * entries of one kind (en, n of them); returns 1 when the complement
 * must be the group's model (no other protected entry to take). */
static int decide_run(struct disclosure_entry *en, size_t n, int min_cell)
{
    size_t withheld = 0;
    for (size_t i = 0; i < n; i++) {
        en[i].withheld = en[i].is_protected && en[i].count >= 0 &&
                         en[i].count < min_cell;
        withheld += en[i].withheld;
    }
    if (withheld != 1)
        return 0;
    /* The smallest other protected entry goes too. */
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
        if (en[i].withheld || !en[i].is_protected || en[i].count < 0)
            continue;
        if (best == n || en[i].count < en[best].count)
            best = i;
    }
    if (best == n)
        return 1;
    en[best].withheld = 1;
    return 0;
}

/* Whether a model of n_complete episodes is withheld for its size: a
 * group of fewer than min_cell with a protected cell (of its n cells). */
static int model_too_small(const struct disclosure_entry *cells, size_t n,
                           long n_complete, int min_cell)
{
    int hidden = 0;
    for (size_t k = 0; k < n; k++)
        hidden |= cells[k].is_protected;
    return hidden && n_complete >= 0 && n_complete < min_cell;
}

static int count_withheld(const struct disclosure_entry *en, size_t n)
{
    int count = 0;
    for (size_t i = 0; i < n; i++)
        count += en[i].withheld;
    return count;
}

int disclosure_decide_group(struct disclosure_entry *cells, size_t ncells,
                            struct disclosure_entry *incomplete,
                            size_t nincomplete, long n_complete,
                            int min_cell, int *model_withheld)
{
    int small = model_withheld &&
                model_too_small(cells, ncells, n_complete, min_cell);
    int complement = decide_run(cells, ncells, min_cell);
    complement |= decide_run(incomplete, nincomplete, min_cell);
    if (model_withheld)
        *model_withheld = small || complement;
    return small + count_withheld(cells, ncells) +
           count_withheld(incomplete, nincomplete);
}

/* What disclosure control reads of one entry of a document (a cell, an
 * entry of incomplete episodes or a model), read once: a document's
 * entries have about thirty members, and looking each up by name costs a
 * hash. Its count and protection go in a parallel array of struct
 * disclosure_entry, which the decisions above read. */
struct entry {
    json_t *o;
    const char *protocol, *instrument; /* "" when missing */
};

/* Reads entry o: walks its members in order until protocol, instrument,
 * practitioner and count_key are all seen (they come first in the
 * report's entries, so the walk is short; any order is read right). */
static void entry_read(struct entry *out, struct disclosure_entry *d,
                       json_t *o, const char *count_key,
                       int want_practitioner)
{
    out->o = o;
    out->protocol = out->instrument = "";
    d->count = -1;
    d->is_protected = 0;
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
            d->count = json_is_integer(v) ? (long)json_integer_value(v) : -1;
        } else if (want_practitioner && !strcmp(key, "practitioner")) {
            d->is_protected = json_is_null(v);
        } else {
            continue;
        }
        left--;
    }
}

/* The entries of array, read (entry_read) into *entries and *d (the
 * caller frees both); returns their number. */
static size_t entries_read(json_t *array, const char *count_key,
                           int want_practitioner, struct entry **entries,
                           struct disclosure_entry **d)
{
    size_t n = json_array_size(array);
    *entries = xcalloc(n ? n : 1, sizeof(**entries));
    *d = xcalloc(n ? n : 1, sizeof(**d));
    for (size_t i = 0; i < n; i++)
        entry_read(&(*entries)[i], &(*d)[i], json_array_get(array, i),
                   count_key, want_practitioner);
    return n;
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
 * "total"), en and d of them n, read by entries_read(); entries of a
 * group are contiguous, as the report writes them. Returns the number
 * withheld.
 */
static int protect_array(struct entry *en, struct disclosure_entry *d,
                         size_t n, struct entry *models, size_t nmodels,
                         int min_cell)
{
    for (size_t start = 0; start < n;) {
        size_t end = start + 1;
        while (end < n && same_group(&en[start], &en[end]))
            end++;
        if (decide_run(&d[start], end - start, min_cell)) {
            struct entry *m = model_of(models, nmodels, &en[start]);
            if (m)
                withhold(m->o, model_keep);
        }
        start = end;
    }
    for (size_t i = 0; i < n; i++) {
        if (d[i].withheld)
            withhold(en[i].o, cell_keep);
        else
            json_object_set_new(en[i].o, "suppressed", json_false());
    }
    return count_withheld(d, n);
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
static int protect_small_models(struct entry *models,
                                const struct disclosure_entry *md,
                                size_t nmodels, const struct entry *cells,
                                const struct disclosure_entry *cd,
                                size_t ncells, int min_cell)
{
    size_t ci = 0;
    int count = 0;
    for (size_t i = 0; i < nmodels; i++) {
        struct entry *m = &models[i];
        while (ci < ncells && group_order(&cells[ci], m) < 0)
            ci++;
        size_t k = ci;
        while (k < ncells && same_group(&cells[k], m))
            k++;
        if (model_too_small(&cd[ci], k - ci, md[i].count, min_cell)) {
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
    struct entry *models, *cells, *incomplete;
    struct disclosure_entry *md, *cd, *id;
    size_t nmodels = entries_read(json_object_get(doc, "models"),
                                  "n_complete", 0, &models, &md);
    size_t ncells = entries_read(json_object_get(doc, "cells"), "n", 1,
                                 &cells, &cd);
    size_t nincomplete = entries_read(json_object_get(doc, "incomplete"),
                                      "total", 1, &incomplete, &id);
    int count = protect_small_models(models, md, nmodels, cells, cd, ncells,
                                     min_cell);
    count += protect_array(cells, cd, ncells, models, nmodels, min_cell);
    count += protect_array(incomplete, id, nincomplete, models, nmodels,
                           min_cell);
    free(cells);
    free(cd);
    free(incomplete);
    free(id);
    free(md);
    /* Models withheld by a complementary step are marked already. */
    for (size_t i = 0; i < nmodels; i++)
        if (!json_is_true(json_object_get(models[i].o, "suppressed")))
            json_object_set_new(models[i].o, "suppressed", json_false());
    free(models);
    return count;
}
