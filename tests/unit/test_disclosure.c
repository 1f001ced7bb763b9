/* Disclosure control of the registry report (outcomes/disclosure.h), on
 * hand-made documents whose expected result is worked out in each test. */
#include "outcomes/disclosure.h"

#include <criterion/criterion.h>

/* A cell of group p/i, of practitioner id (0: hidden), with n episodes. */
static json_t *cell(const char *p, const char *i, int id, int n)
{
    return json_pack("{sosssssssisf}", "practitioner",
                     id ? json_integer(id) : json_null(), "label", "peer-x",
                     "protocol", p, "instrument", i, "n", n,
                     "mean_improvement", 1.5);
}

static json_t *model(const char *p, const char *i, int n)
{
    return json_pack("{sssssisf}", "protocol", p, "instrument", i,
                     "n_complete", n, "mean_improvement", 2.0);
}

static int withheld(json_t *o)
{
    return json_is_true(json_object_get(o, "suppressed")) &&
           json_is_null(json_object_get(o, "mean_improvement"));
}

static json_t *at(json_t *doc, const char *key, size_t i)
{
    return json_array_get(json_object_get(doc, key), i);
}

/* A registry report of group a/x: its model of n episodes and three
 * cells of n1, n2 and n3 hidden episodes, protected; asserts that the
 * protection withheld withheld_count cells. The caller json_decrefs it. */
static json_t *three_cells_protected(int n, int n1, int n2, int n3,
                                     int withheld_count)
{
    json_t *doc = json_pack(
        "{s[o]s[ooo]s[]}", "models", model("a", "x", n), "cells",
        cell("a", "x", 0, n1), cell("a", "x", 0, n2), cell("a", "x", 0, n3),
        "incomplete");
    cr_assert_eq(disclosure_protect_registry(doc), withheld_count);
    return doc;
}

Test(disclosure, primary_and_complementary)
{
    /* Group a/x: cells of 3, 7 and 9 hidden episodes: the 3 is withheld
     * and, alone, takes the smallest other hidden cell (7) with it. */
    json_t *doc = three_cells_protected(19, 3, 9, 7, 2);
    cr_assert(withheld(at(doc, "cells", 0)));
    cr_assert(!withheld(at(doc, "cells", 1)));
    cr_assert(withheld(at(doc, "cells", 2)));
    cr_assert(json_is_null(json_object_get(at(doc, "cells", 0), "n")));
    cr_assert_str_eq(json_string_value(json_object_get(at(doc, "cells", 0),
                                                       "label")),
                     "peer-x");
    cr_assert(json_is_false(json_object_get(at(doc, "models", 0),
                                            "suppressed")));
    json_decref(doc);
}

Test(disclosure, two_small_cells_need_no_complement)
{
    json_t *doc = three_cells_protected(12, 3, 4, 5, 2);
    cr_assert(!withheld(at(doc, "cells", 2)));
    json_decref(doc);
}

Test(disclosure, own_and_admin_cells_are_shown)
{
    /* A therapist's view: their own cell of 2 is shown; the colleague's 3
     * is withheld and, with no other hidden cell in the group, the
     * model's numbers go instead (else 5 - 2 would give it away). */
    json_t *doc = json_pack(
        "{s[oo]s[ooo]s[]}", "models", model("a", "x", 5),
        model("b", "y", 40), "cells", cell("a", "x", 1, 2),
        cell("a", "x", 0, 3), cell("b", "y", 2, 40), "incomplete");
    cr_assert_eq(disclosure_protect_registry(doc), 1);
    cr_assert(!withheld(at(doc, "cells", 0)));
    cr_assert_eq(json_integer_value(json_object_get(at(doc, "cells", 0), "n")),
                 2);
    cr_assert(withheld(at(doc, "cells", 1)));
    cr_assert(withheld(at(doc, "models", 0)));
    cr_assert(json_is_null(json_object_get(at(doc, "models", 0), "n_complete")));
    cr_assert_str_eq(json_string_value(json_object_get(at(doc, "models", 0),
                                                       "protocol")),
                     "a");
    cr_assert(!withheld(at(doc, "models", 1)));
    json_decref(doc);
}

Test(disclosure, small_models_and_incomplete_rows)
{
    json_t *incomplete = json_pack("[{sosssssssi}{sosssssssi}]",
                                   "practitioner", json_null(), "label", "p",
                                   "protocol", "a", "instrument", "x",
                                   "total", 2, "practitioner", json_null(),
                                   "label", "q", "protocol", "a",
                                   "instrument", "x", "total", 6);
    json_t *doc = json_pack("{s[o]s[oo]so}", "models", model("a", "x", 4),
                            "cells", cell("a", "x", 0, 2),
                            cell("a", "x", 0, 2), "incomplete", incomplete);
    /* The model (4 < 5), both cells, the incomplete row of 2 and, alone,
     * its complement of 6. */
    cr_assert_eq(disclosure_protect_registry(doc), 5);
    cr_assert(withheld(at(doc, "models", 0)));
    cr_assert(json_is_null(json_object_get(at(doc, "incomplete", 1),
                                           "total")));
    json_decref(doc);
}

Test(disclosure, nothing_hidden_nothing_withheld)
{
    json_t *doc = json_pack("{s[o]s[o]s[]}", "models", model("a", "x", 1),
                            "cells", cell("a", "x", 7, 1), "incomplete");
    cr_assert_eq(disclosure_protect_registry(doc), 0);
    cr_assert(json_is_false(json_object_get(at(doc, "cells", 0),
                                            "suppressed")));
    cr_assert(json_is_false(json_object_get(at(doc, "models", 0),
                                            "suppressed")));
    json_decref(doc);
}

/* The same decisions on counts alone, as the registry report's writer
 * takes them before writing (disclosure_decide_group). */
Test(disclosure, group_decided_on_counts)
{
    /* Hidden cells of 3, 9 and 7: the 3, and the 7 as its complement. */
    struct disclosure_entry cells[] = {{3, 1, 0}, {9, 1, 0}, {7, 1, 0}};
    int model = -1;
    cr_assert_eq(disclosure_decide_group(cells, 3, NULL, 0, 19, 5, &model),
                 2);
    cr_assert(cells[0].withheld && !cells[1].withheld && cells[2].withheld);
    cr_assert_eq(model, 0);

    /* A therapist's own cell of 2 shown, a colleague's 3 withheld; no
     * other hidden cell, so the model goes as the complement (not counted,
     * as the document's protection does not count it). */
    struct disclosure_entry mixed[] = {{2, 0, 0}, {3, 1, 0}};
    cr_assert_eq(disclosure_decide_group(mixed, 2, NULL, 0, 5, 5, &model), 1);
    cr_assert(!mixed[0].withheld && mixed[1].withheld);
    cr_assert_eq(model, 1);

    /* A model of 4 (< 5) with hidden cells: withheld for its size (counted),
     * both cells of 2, the incomplete entry of 2 and its complement 6. */
    struct disclosure_entry two[] = {{2, 1, 0}, {2, 1, 0}};
    struct disclosure_entry inc[] = {{2, 1, 0}, {6, 1, 0}};
    cr_assert_eq(disclosure_decide_group(two, 2, inc, 2, 4, 5, &model), 5);
    cr_assert(two[0].withheld && two[1].withheld && inc[0].withheld &&
              inc[1].withheld);
    cr_assert_eq(model, 1);

    /* Nothing hidden: nothing withheld, whatever the counts. */
    struct disclosure_entry shown[] = {{1, 0, 0}};
    cr_assert_eq(disclosure_decide_group(shown, 1, NULL, 0, 1, 5, &model), 0);
    cr_assert(!shown[0].withheld);
    cr_assert_eq(model, 0);
}
