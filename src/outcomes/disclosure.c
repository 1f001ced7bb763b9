/*
 * Disclosure control of the registry report (outcomes/disclosure.h): small
 * cells withheld, with a complementary cell so that a group's totals do
 * not give a withheld one away.
 */
#include "outcomes/disclosure.h"

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
