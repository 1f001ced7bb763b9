/*
 * Unit tests for docs/bill: the CMS 8-minute rule and the per-code
 * midpoint rule.
 *
 * Sources of the expected values:
 *  [CMS] Medicare Claims Processing Manual, Pub. 100-04, ch. 5, s. 20.2
 *        "Counting Minutes for Timed Codes in 15 Minute Units": the unit
 *        table (1 unit >= 8 through 22 minutes, 2 units >= 23 through 37,
 *        3 >= 38 through 52, 4 >= 53 through 67, 5 >= 68 through 82,
 *        6 >= 83 through 97, 7 >= 98 through 112, 8 >= 113 through 127,
 *        "the pattern remains the same" beyond) and its worked examples.
 *  [codes] /work/shared/domain/codes.md, "The CMS 8-minute rule", which
 *        quotes the examples (after findacode.com, chirocode.com article
 *        25388, physicaltherapy.com "billing example using 8-minute rule",
 *        clinicient.com "8-minute rule").
 *  [midpoint] codes.md: commercial payers' per-code rule, "each code alone:
 *        8 minutes or more = 1 unit", by the same table.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "documents/bill.h"

static struct bill_line L(const char *code, int minutes)
{
    struct bill_line l;
    memset(&l, 0, sizeof(l));
    strncpy(l.code, code, sizeof(l.code) - 1);
    l.minutes = minutes;
    return l;
}

/* Units the bill gives a code (-1 when the code is not on it). */
static int units_of(const struct bill *b, const char *code)
{
    for (int k = 0; k < b->count; k++)
        if (!strcmp(b->items[k].code, code))
            return b->items[k].units;
    return -1;
}

/* Computes the bill of n lines under rule and checks it: the total units,
 * the total minutes (unless minutes is -1) and the units of each code
 * named in per_code, as "CODE=UNITS" words ("97112=2 97110=1"; a code
 * expected at 0 units must still be on the bill). A failure names the
 * rule, the lines and the code. */
static void expect_bill(enum bill_rule rule, const struct bill_line *l,
                        int n, int minutes, int units, const char *per_code)
{
    char what[160];
    size_t used = (size_t)snprintf(what, sizeof(what), "%s:",
                                   bill_rule_name(rule));
    for (int i = 0; i < n && used < sizeof(what); i++)
        used += (size_t)snprintf(what + used, sizeof(what) - used,
                                 " %s %d min", l[i].code, l[i].minutes);
    struct bill b;
    struct err e = ERR_INIT;
    cr_assert_eq(bill_compute(rule, l, n, &b, &e), 0, "%s: %s", what,
                 e.message);
    if (minutes >= 0)
        cr_assert_eq(b.total_minutes, minutes, "%s: %d minutes", what,
                     b.total_minutes);
    cr_assert_eq(b.total_units, units, "%s: %d units", what, b.total_units);
    char code[8];
    int want, read;
    for (const char *p = per_code; *p; p += read) {
        cr_assert_eq(sscanf(p, " %7[0-9]=%d%n", code, &want, &read), 2,
                     "bad per-code words: %s", p);
        cr_assert_eq(units_of(&b, code), want, "%s: %s has %d units", what,
                     code, units_of(&b, code));
    }
}

/* [CMS] the unit table at every boundary, 7/8 through 127/128. */
static const struct {
    int minutes, units;
} boundaries[] = {
    {7, 0},   {8, 1},   {22, 1},  {23, 2},  {37, 2},  {38, 3},
    {52, 3},  {53, 4},  {67, 4},  {68, 5},  {82, 5},  {83, 6},
    {97, 6},  {98, 7},  {112, 7}, {113, 8}, {127, 8}, {128, 9},
};

Test(bill, unit_table_boundaries)
{
    for (size_t i = 0; i < sizeof(boundaries) / sizeof(*boundaries); i++)
        cr_assert_eq(bill_units_for_minutes(boundaries[i].minutes),
                     boundaries[i].units, "%d minutes",
                     boundaries[i].minutes);
    cr_assert_eq(bill_units_for_minutes(0), 0);
    cr_assert_eq(bill_units_for_minutes(-5), 0);
    /* "The pattern remains the same for treatment times in excess of 2
     * hours" [CMS]: 128-142 = 9, 143-157 = 10. */
    cr_assert_eq(bill_units_for_minutes(142), 9);
    cr_assert_eq(bill_units_for_minutes(143), 10);
}

/* Both rules, one code, at each boundary: the same table. Under 8 minutes
 * both refuse (a refused bill, not a zero-unit one). */
Test(bill, single_code_boundaries_both_rules)
{
    enum bill_rule rules[] = {BILL_RULE_CMS, BILL_RULE_PER_CODE};
    for (int r = 0; r < 2; r++) {
        for (size_t i = 0; i < sizeof(boundaries) / sizeof(*boundaries);
             i++) {
            struct bill_line l = L("97124", boundaries[i].minutes);
            struct bill b;
            struct err e = ERR_INIT;
            int rc = bill_compute(rules[r], &l, 1, &b, &e);
            if (boundaries[i].units == 0) {
                cr_assert_eq(rc, -1, "%s %d min", bill_rule_name(rules[r]),
                             boundaries[i].minutes);
                cr_assert_eq(e.code, ERR_REFUSED);
                cr_assert_str_eq(e.field, "minutes");
                continue;
            }
            cr_assert_eq(rc, 0, "%s %d min: %s", bill_rule_name(rules[r]),
                         boundaries[i].minutes, e.message);
            cr_assert_eq(b.total_units, boundaries[i].units, "%s %d min",
                         bill_rule_name(rules[r]), boundaries[i].minutes);
            cr_assert_eq(units_of(&b, "97124"), boundaries[i].units);
            cr_assert_eq(b.total_minutes, boundaries[i].minutes);
        }
    }
}

/* [CMS] and [codes]: 24 min 97112 + 23 min 97110 = 47 min -> 3 units,
 * 2 x 97112 and 1 x 97110. Per code [midpoint]: 24 -> 2, 23 -> 2. */
Test(bill, example_47_minutes)
{
    struct bill_line l[] = {L("97112", 24), L("97110", 23)};
    expect_bill(BILL_RULE_CMS, l, 2, 47, 3, "97112=2 97110=1");
    expect_bill(BILL_RULE_PER_CODE, l, 2, -1, 4, "97112=2 97110=2");
}

/* [CMS] and [codes]: 33 min 97110 + 7 min 97140 = 40 min -> 3 units,
 * 2 x 97110 and 1 x 97140 (the 7 minutes of 97140 outweigh the 3 left of
 * 97110). Per code: 33 -> 2, 7 -> 0. */
Test(bill, example_40_minutes_short_code_wins_remainder)
{
    struct bill_line l[] = {L("97110", 33), L("97140", 7)};
    expect_bill(BILL_RULE_CMS, l, 2, 40, 3, "97110=2 97140=1");
    expect_bill(BILL_RULE_PER_CODE, l, 2, -1, 2, "97110=2 97140=0");
}

/* [CMS] and [codes]: two services of 7 minutes or less that together reach
 * 8 minutes -> 1 unit, to the one performed longer. Per code: nothing. */
Test(bill, example_two_short_services)
{
    struct bill_line l[] = {L("97140", 3), L("97124", 5)};
    struct bill b;
    struct err e = ERR_INIT;
    expect_bill(BILL_RULE_CMS, l, 2, -1, 1, "97124=1 97140=0");
    struct bill_line m[] = {L("97124", 7), L("97140", 6)};
    expect_bill(BILL_RULE_CMS, m, 2, -1, 1, "97124=1 97140=0");
    cr_assert_eq(bill_compute(BILL_RULE_PER_CODE, l, 2, &b, &e), -1);
    cr_assert_eq(e.code, ERR_REFUSED);
    /* 4 + 3 = 7 minutes in all: under 8, nothing to bill at all. */
    struct bill_line n[] = {L("97124", 4), L("97140", 3)};
    cr_assert_eq(bill_compute(BILL_RULE_CMS, n, 2, &b, &e), -1);
    cr_assert_eq(e.code, ERR_REFUSED);
    cr_assert(strstr(e.message, "under 8 minutes"), "%s", e.message);
    /* 4 + 4 = 8 minutes: one unit; a tie goes to the code listed first. */
    struct bill_line o[] = {L("97124", 4), L("97140", 4)};
    expect_bill(BILL_RULE_CMS, o, 2, -1, 1, "97124=1 97140=0");
}

/* [CMS] example: 18 min 97110 + 13 min 97140 + 10 min 97116 + 8 min 97035
 * = 49 min -> 3 units: 1 each of 97110, 97140 and 97116, none of 97035
 * (the 3 minutes left of 97110 are fewer than 13, 10 and 8; the two
 * larger remainders, 97140 and 97116, take the two units left). */
Test(bill, example_49_minutes_four_codes)
{
    struct bill_line l[] = {L("97110", 18), L("97140", 13), L("97116", 10),
                            L("97035", 8)};
    expect_bill(BILL_RULE_CMS, l, 4, 49, 3,
                "97110=1 97140=1 97116=1 97035=0");
    /* Per code each of the four reaches 8 minutes: 4 units. */
    expect_bill(BILL_RULE_PER_CODE, l, 4, -1, 4, "");
}

/* [CMS] examples: 20 + 20 minutes = 40 -> 3 units, 2 of one code and 1 of
 * the other; 7 + 7 + 7 = 21 -> 1 unit, to one of the three. Touchstone's
 * tie-break: the code listed first. */
Test(bill, examples_ties)
{
    struct bill_line l[] = {L("97112", 20), L("97110", 20)};
    expect_bill(BILL_RULE_CMS, l, 2, -1, 3, "97112=2 97110=1");
    struct bill_line m[] = {L("97112", 7), L("97110", 7), L("97140", 7)};
    expect_bill(BILL_RULE_CMS, m, 3, 21, 1, "97112=1 97110=0 97140=0");
    /* Equal remainders: more minutes in all wins (38 = 2 x 15 + 8 beats
     * 8), so the 8 minutes of 97140 bill nothing. 46 min -> 3 units. */
    struct bill_line n[] = {L("97140", 8), L("97124", 38)};
    expect_bill(BILL_RULE_CMS, n, 2, -1, 3, "97124=3 97140=0");
}

/* "If a service ... is performed for at least 15 minutes that service shall
 * be billed for at least one unit" [CMS]: 15 min 97124 + 5 + 5 of two
 * others = 25 min -> 2 units: 97124 keeps its one; the tie of 5 and 5 goes
 * to the code listed first. */
Test(bill, fifteen_minutes_keep_a_unit)
{
    struct bill_line l[] = {L("97124", 15), L("97140", 5), L("97112", 5)};
    expect_bill(BILL_RULE_CMS, l, 3, -1, 2, "97124=1 97140=1 97112=0");
}

/* Lines of one code are added together before any rule applies. */
Test(bill, same_code_lines_merge)
{
    struct bill_line l[] = {L("97124", 5), L("97140", 10), L("97124", 5)};
    struct bill b;
    struct err e = ERR_INIT;
    cr_assert_eq(bill_compute(BILL_RULE_PER_CODE, l, 3, &b, &e), 0);
    cr_assert_eq(b.count, 2);
    cr_assert_str_eq(b.items[0].code, "97124");
    cr_assert_eq(b.items[0].minutes, 10);
    cr_assert_eq(b.items[0].units, 1);
    cr_assert_eq(b.total_units, 2);
}

/* The CMS rule's invariants over many generated visits, checked against
 * an independent statement of the rule: total = table(total minutes); a
 * code never gets fewer than its full 15-minute blocks nor more than one
 * unit beyond them; a code passed over for the extra unit has a remainder
 * no larger than any code that got one. */
Test(bill, cms_invariants_over_generated_visits)
{
    const char *codes[] = {"97124", "97140", "97112", "97110"};
    unsigned seed = 12345;
    for (int trial = 0; trial < 20000; trial++) {
        struct bill_line l[4];
        int n = 1 + (int)(seed % 4);
        int total = 0;
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            l[i] = L(codes[i], 1 + (int)((seed >> 8) % 70));
            total += l[i].minutes;
        }
        struct bill b;
        struct err e = ERR_INIT;
        int rc = bill_compute(BILL_RULE_CMS, l, n, &b, &e);
        if (total < 8) {
            cr_assert_eq(rc, -1);
            continue;
        }
        cr_assert_eq(rc, 0);
        int sum = 0, min_given_rem = 15, max_skipped_rem = -1;
        for (int k = 0; k < b.count; k++) {
            int full = b.items[k].minutes / 15;
            int rem = b.items[k].minutes % 15;
            cr_assert(b.items[k].units == full || b.items[k].units == full + 1);
            if (b.items[k].units == full + 1 && rem < min_given_rem)
                min_given_rem = rem;
            if (b.items[k].units == full && rem > max_skipped_rem)
                max_skipped_rem = rem;
            sum += b.items[k].units;
        }
        cr_assert_eq(sum, b.total_units);
        cr_assert_eq(b.total_units, (total + 7) / 15);
        cr_assert_leq(max_skipped_rem, min_given_rem);
    }
}

Test(bill, bad_lines_are_refused)
{
    struct bill b;
    struct err e = ERR_INIT;
    struct bill_line unknown = L("99213", 20);
    cr_assert_eq(bill_compute(BILL_RULE_CMS, &unknown, 1, &b, &e), -1);
    cr_assert_eq(e.code, ERR_INPUT);
    cr_assert_str_eq(e.field, "code");
    cr_assert(strstr(e.message, "99213"));
    struct bill_line zero = L("97124", 0);
    cr_assert_eq(bill_compute(BILL_RULE_CMS, &zero, 1, &b, &e), -1);
    cr_assert_str_eq(e.field, "minutes");
    struct bill_line many = L("97124", 601);
    cr_assert_eq(bill_compute(BILL_RULE_CMS, &many, 1, &b, &e), -1);
    cr_assert_str_eq(e.field, "minutes");
    struct bill_line over[] = {L("97124", 400), L("97124", 201)};
    cr_assert_eq(bill_compute(BILL_RULE_CMS, over, 2, &b, &e), -1);
    cr_assert(strstr(e.message, "601 minutes in all"), "%s", e.message);
    struct bill_line unterminated;
    memset(&unterminated, '9', sizeof(unterminated.code));
    unterminated.minutes = 20;
    cr_assert_eq(bill_compute(BILL_RULE_CMS, &unterminated, 1, &b, &e), -1);
    cr_assert_str_eq(e.field, "code");
    cr_assert_eq(bill_compute(BILL_RULE_CMS, NULL, 0, &b, &e), -1);
    cr_assert_eq(e.code, ERR_REFUSED);
}

Test(bill, rule_names)
{
    enum bill_rule r;
    struct err e = ERR_INIT;
    cr_assert_eq(bill_rule_parse("cms", &r, "rule", &e), 0);
    cr_assert_eq(r, BILL_RULE_CMS);
    cr_assert_eq(bill_rule_parse("per-code", &r, "rule", &e), 0);
    cr_assert_eq(r, BILL_RULE_PER_CODE);
    cr_assert_eq(bill_rule_parse("medicare", &r, "rule", &e), -1);
    cr_assert_str_eq(e.field, "rule");
    cr_assert_str_eq(bill_rule_name(BILL_RULE_PER_CODE), "per-code");
    cr_assert_str_eq(bill_code_title("97124"), "therapeutic massage");
    cr_assert_null(bill_code_title("97001"));
}

Test(bill, phase_table)
{
    const struct {
        const char *phase;
        enum bill_phase_kind result;
        const char *code; /* NULL: not checked, or checked to be NULL */
    } cases[] = {
        {"kneading", BILL_PHASE_BILLED, "97124"},
        {"  Introductory ", BILL_PHASE_BILLED, "97124"},
        {"Trigger point", BILL_PHASE_BILLED, "97140"},
        {"joint_mobilization", BILL_PHASE_BILLED, "97140"},
        {"lymphatic--drainage", BILL_PHASE_BILLED, "97140"},
        {"neuromuscular", BILL_PHASE_BILLED, "97112"},
        {"neuromuscular-therapy", BILL_PHASE_BILLED, "97140"},
        {"rest", BILL_PHASE_NOT_BILLED, NULL},
        {"reiki", BILL_PHASE_UNKNOWN, NULL},
        {"", BILL_PHASE_UNKNOWN, NULL},
        {"kneading!", BILL_PHASE_UNKNOWN, NULL},
        {NULL, BILL_PHASE_UNKNOWN, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const char *code;
        const char *phase = cases[i].phase ? cases[i].phase : "(null)";
        cr_assert_eq(bill_phase_code(cases[i].phase, &code), cases[i].result,
                     "'%s'", phase);
        if (cases[i].code)
            cr_assert_str_eq(code, cases[i].code, "'%s': %s", phase, code);
        else if (cases[i].result == BILL_PHASE_NOT_BILLED)
            cr_assert_null(code, "'%s': %s", phase, code);
    }
}

/* A low-back protocol session: introductory 5, kneading 20, trigger-point
 * work 10, rest 5, circulatory stroking 5. 97124 = 5 + 20 + 5 = 30 min,
 * 97140 = 10 min; CMS: 40 min -> 3 units = 2 x 97124 (30 = 2 x 15, nothing
 * left) + 1 x 97140 (10 left over). */
Test(bill, phases_to_lines_to_units)
{
    struct bill_phase ph[] = {{"introductory", 5},  {"kneading", 20},
                              {"trigger-point", 10}, {"rest", 5},
                              {"circulatory stroking", 5},
                              {"vibration", 0}};
    struct bill_line lines[BILL_MAX_CODES];
    int n;
    struct err e = ERR_INIT;
    cr_assert_eq(bill_lines_from_phases(ph, 6, lines, BILL_MAX_CODES, &n,
                                        &e), 0, "%s", e.message);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(lines[0].code, "97124");
    cr_assert_eq(lines[0].minutes, 30);
    cr_assert_str_eq(lines[1].code, "97140");
    cr_assert_eq(lines[1].minutes, 10);
    expect_bill(BILL_RULE_CMS, lines, n, -1, 3, "97124=2 97140=1");

    struct bill_phase bad[] = {{"kneading", 10}, {"hot stones", 10}};
    cr_assert_eq(bill_lines_from_phases(bad, 2, lines, BILL_MAX_CODES, &n,
                                        &e), -1);
    cr_assert_str_eq(e.field, "phase");
    cr_assert(strstr(e.message, "hot stones"), "%s", e.message);
    cr_assert_eq(n, 0);
    struct bill_phase neg[] = {{"kneading", -1}};
    cr_assert_eq(bill_lines_from_phases(neg, 1, lines, BILL_MAX_CODES, &n,
                                        &e), -1);
    cr_assert_str_eq(e.field, "minutes");
    struct bill_phase two[] = {{"kneading", 10}, {"trigger-point", 10}};
    cr_assert_eq(bill_lines_from_phases(two, 2, lines, 1, &n, &e), -1);
}
