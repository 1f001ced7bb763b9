/* Disclosure control of the registry report (outcomes/disclosure.h): a
 * group's decisions on its entries' counts, each expected result worked
 * out by hand in the test. */
#include "outcomes/disclosure.h"

#include <criterion/criterion.h>

/* Group a/x: a model of n episodes and three hidden cells of n1, n2 and
 * n3; asserts the number withheld and returns whether the model is. */
static int three_cells_protected(long n, long n1, long n2, long n3,
                                 int withheld_count,
                                 struct disclosure_entry cells[3])
{
    cells[0] = (struct disclosure_entry){n1, 1, 0};
    cells[1] = (struct disclosure_entry){n2, 1, 0};
    cells[2] = (struct disclosure_entry){n3, 1, 0};
    int model = -1;
    cr_assert_eq(disclosure_decide_group(cells, 3, NULL, 0, n,
                                         DISCLOSURE_MIN_CELL, &model),
                 withheld_count);
    return model;
}

Test(disclosure, primary_and_complementary)
{
    /* Cells of 3, 9 and 7 hidden episodes: the 3 is withheld and, alone,
     * takes the smallest other hidden cell (7) with it. */
    struct disclosure_entry cells[3];
    cr_assert_eq(three_cells_protected(19, 3, 9, 7, 2, cells), 0);
    cr_assert(cells[0].withheld && !cells[1].withheld && cells[2].withheld);
}

Test(disclosure, two_small_cells_need_no_complement)
{
    struct disclosure_entry cells[3];
    cr_assert_eq(three_cells_protected(12, 3, 4, 5, 2, cells), 0);
    cr_assert(cells[0].withheld && cells[1].withheld && !cells[2].withheld);
}

Test(disclosure, complement_is_the_first_of_equals)
{
    struct disclosure_entry cells[3];
    three_cells_protected(30, 8, 2, 8, 2, cells);
    cr_assert(cells[0].withheld && cells[1].withheld && !cells[2].withheld);
}

Test(disclosure, own_and_admin_cells_are_shown)
{
    /* A therapist's view: their own cell of 2 is shown; the colleague's 3
     * is withheld and, with no other hidden cell in the group, the
     * model's numbers go instead (else 5 - 2 would give it away; a
     * complement, not counted). */
    struct disclosure_entry cells[] = {{2, 0, 0}, {3, 1, 0}};
    int model = -1;
    cr_assert_eq(disclosure_decide_group(cells, 2, NULL, 0, 5,
                                         DISCLOSURE_MIN_CELL, &model),
                 1);
    cr_assert(!cells[0].withheld && cells[1].withheld);
    cr_assert_eq(model, 1);
    /* The same without a model to withhold. */
    cells[1].withheld = 0;
    cr_assert_eq(disclosure_decide_group(cells, 2, NULL, 0, 5,
                                         DISCLOSURE_MIN_CELL, NULL),
                 1);
    cr_assert(cells[1].withheld);
}

Test(disclosure, small_models_and_incomplete_rows)
{
    /* The model (4 < 5, counted), both cells, the incomplete row of 2
     * and, alone, its complement of 6. */
    struct disclosure_entry cells[] = {{2, 1, 0}, {2, 1, 0}};
    struct disclosure_entry incomplete[] = {{2, 1, 0}, {6, 1, 0}};
    int model = -1;
    cr_assert_eq(disclosure_decide_group(cells, 2, incomplete, 2, 4,
                                         DISCLOSURE_MIN_CELL, &model),
                 5);
    cr_assert(cells[0].withheld && cells[1].withheld);
    cr_assert(incomplete[0].withheld && incomplete[1].withheld);
    cr_assert_eq(model, 1);
}

Test(disclosure, nothing_hidden_nothing_withheld)
{
    struct disclosure_entry cells[] = {{1, 0, 0}};
    int model = -1;
    cr_assert_eq(disclosure_decide_group(cells, 1, NULL, 0, 1,
                                         DISCLOSURE_MIN_CELL, &model),
                 0);
    cr_assert(!cells[0].withheld);
    cr_assert_eq(model, 0);
}

Test(disclosure, threshold_is_the_callers)
{
    /* Under 11 (the national registry's), cells of 7 and 12: the 7, and
     * the 12 as its complement; a model of 19 stays. */
    struct disclosure_entry cells[] = {{7, 1, 0}, {12, 1, 0}};
    int model = -1;
    cr_assert_eq(disclosure_decide_group(cells, 2, NULL, 0, 19, 11, &model),
                 2);
    cr_assert(cells[0].withheld && cells[1].withheld);
    cr_assert_eq(model, 0);
}
