/*
 * Unit tests for catalog/instrument: scoring of every instrument against
 * worked examples, missing-item rules, bands, range edges, refusals, and
 * improvement orientation and responder rules.
 *
 * Source of every expected number: the bracketed numbers are the sources of
 * /work/shared/domain/instruments.md, also listed in docs/catalog.md. Where
 * a source gives a rule but no worked example, the expected value is
 * computed by hand in the comment beside it (arithmetic shown).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "catalog/instrument.h"
#include "core/util.h"

static const struct instrument *get(const char *code)
{
    const struct instrument *in = instrument_find(code);
    cr_assert_not_null(in, "instrument '%s' missing", code);
    return in;
}

/* Scores with every item present; asserts success. */
static struct score score_all(const char *code, const double *items, int n)
{
    struct score s;
    struct err e = ERR_INIT;
    int rc = instrument_score(get(code), items, NULL, n, &s, &e);
    cr_assert_eq(rc, 0, "%s: %s: %s", code, e.field, e.message);
    return s;
}

/* Scores n items (at most 32), every one answered value; asserts
 * success. */
static struct score score_same(const char *code, double value, int n)
{
    double items[32];
    cr_assert_leq(n, 32);
    for (int i = 0; i < n; i++)
        items[i] = value;
    return score_all(code, items, n);
}

/* Scores expecting a refusal; returns the error. */
static struct err score_refused(const char *code, const double *items,
                                const int *present, int n)
{
    struct score s;
    struct err e = ERR_INIT;
    int rc = instrument_score(get(code), items, present, n, &s, &e);
    cr_assert_eq(rc, -1, "%s: expected a refusal", code);
    cr_assert_eq(e.code, ERR_INPUT);
    return e;
}

Test(instruments, table_is_complete_and_sourced)
{
    static const char *const codes[] = {
        "nprs", "odi", "ndi", "hit6", "pss10", "fiqr", "psqi", "isi",
        "act", "rpq", "pcss", "headache-days", "bp", "pvr", "lefs", "psfs"};
    cr_assert_eq(instrument_count(), 16);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const struct instrument *in = get(codes[i]);
        cr_assert_str_eq(in->code, codes[i]);
        cr_assert(in->items_source && *in->items_source);
        cr_assert(in->scoring_source && *in->scoring_source);
        cr_assert(in->total_source && *in->total_source);
        cr_assert(in->mcid_source && *in->mcid_source);
        cr_assert(in->missing_rule && *in->missing_rule);
        if (!in->has_absolute && !in->has_relative)
            cr_assert(strstr(in->mcid_source, "none"),
                      "%s: an instrument without an MCID must say 'none'",
                      in->code);
    }
    cr_assert_null(instrument_find("nope"));
    cr_assert_null(instrument_find(NULL));
}

Test(instruments, directions)
{
    /* instruments.md: ACT, PVR, LEFS and PSFS are higher-better; the rest
     * higher-worse. */
    cr_assert_eq(get("act")->direction, DIRECTION_HIGHER_BETTER);
    cr_assert_eq(get("lefs")->direction, DIRECTION_HIGHER_BETTER);
    cr_assert_eq(get("psfs")->direction, DIRECTION_HIGHER_BETTER);
    cr_assert_eq(get("pvr")->direction, DIRECTION_HIGHER_BETTER);
    cr_assert_eq(get("odi")->direction, DIRECTION_HIGHER_WORSE);
    cr_assert_eq(get("nprs")->direction, DIRECTION_HIGHER_WORSE);
    cr_assert_eq(get("bp")->direction, DIRECTION_HIGHER_WORSE);
}

Test(instruments, nprs_value_and_edges)
{
    double v = 7;
    struct score s = score_all("nprs", &v, 1);
    cr_assert_eq(s.total, 7);
    cr_assert_null(s.band);
    v = 0;
    cr_assert_eq(score_all("nprs", &v, 1).total, 0);
    v = 10;
    cr_assert_eq(score_all("nprs", &v, 1).total, 10);
    v = 11;
    struct err e = score_refused("nprs", &v, NULL, 1);
    cr_assert_str_eq(e.field, "item 1");
    cr_assert(strstr(e.message, "outside 0-10"), "%s", e.message);
    v = 3.5;
    e = score_refused("nprs", &v, NULL, 1);
    cr_assert(strstr(e.message, "not a whole number"), "%s", e.message);
    v = NAN;
    e = score_refused("nprs", &v, NULL, 1);
    cr_assert(strstr(e.message, "finite"), "%s", e.message);
    cr_assert(instrument_accepts_value(get("nprs")));
    cr_assert(instrument_accepts_value(get("headache-days")));
    cr_assert(instrument_accepts_value(get("pvr")));
    cr_assert_not(instrument_accepts_value(get("odi")));
    cr_assert_not(instrument_accepts_value(get("bp")));
}

Test(instruments, odi_full_and_missing)
{
    /* [3] idcafe.net: 16 scored of 50 possible = 32%. */
    double all[10] = {2, 2, 2, 2, 2, 2, 1, 1, 1, 1};
    struct score s = score_all("odi", all, 10);
    cr_assert_float_eq(s.total, 32.0, 1e-9);
    cr_assert_eq(s.items_missing, 0);
    /* [3] bands: 21-40 moderate disability. */
    cr_assert_str_eq(s.band, "moderate disability");

    /* [3]: one section missed, 16 of 45 = 35.5% (16 / 45 x 100 =
     * 35.5555...). */
    double some[10] = {2, 2, 2, 2, 2, 2, 2, 1, 1, 0};
    int present[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
    struct err e = ERR_INIT;
    cr_assert_eq(instrument_score(get("odi"), some, present, 10, &s, &e), 0);
    cr_assert_float_eq(s.total, 16.0 / 45.0 * 100.0, 1e-9);
    cr_assert(s.total > 35.5 && s.total < 35.6);
    cr_assert_eq(s.items_answered, 9);
    cr_assert_eq(s.items_missing, 1);
    cr_assert(strstr(s.missing, "denominator reduced to 45"), "%s",
              s.missing);

    /* Two missing (items 9 and 10): 7 x 2 + 1 = 15 of 40, x 100 = 37.5
     * (the project's limit is 2). */
    present[8] = 0;
    cr_assert_eq(instrument_score(get("odi"), some, present, 10, &s, &e), 0);
    cr_assert_float_eq(s.total, 37.5, 1e-9);
    /* Three missing: refused, naming the items. */
    present[7] = 0;
    e = score_refused("odi", some, present, 10);
    cr_assert_str_eq(e.field, "items");
    cr_assert(strstr(e.message, "at most 2"), "%s", e.message);
    cr_assert(strstr(e.message, "8, 9, 10"), "%s", e.message);
}

Test(instruments, odi_bands_and_edges)
{
    /* [3] bands: 0-20 minimal, 21-40 moderate, 41-60 severe, 61-80
     * crippled, 81-100 bed-bound. Sums of 10, 11, 30, 31, 50 give 20%,
     * 22%, 60%, 62%, 100% (sum x 2). */
    static const struct {
        double first, rest; /* item 1, and each of the other nine */
        const char *band;
    } cases[] = {
        {1, 1, "minimal disability"}, {2, 1, "moderate disability"},
        {3, 3, "severe disability"},  {4, 3, "crippled"},
        {5, 5, "bed-bound"},          {0, 0, NULL},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        double items[10];
        for (int k = 0; k < 10; k++)
            items[k] = k ? cases[i].rest : cases[i].first;
        struct score s = score_all("odi", items, 10);
        cr_assert_float_eq(s.total,
                           2 * (cases[i].first + 9 * cases[i].rest), 1e-9,
                           "case %zu", i);
        if (cases[i].band)
            cr_assert_str_eq(s.band, cases[i].band);
    }
}

Test(instruments, odi_refusals_name_the_item)
{
    double items[10] = {0, 0, 0, 6, 0, 0, 0, 0, 0, 0};
    struct err e = score_refused("odi", items, NULL, 10);
    cr_assert_str_eq(e.field, "item 4");
    cr_assert(strstr(e.message, "6 is outside 0-5"), "%s", e.message);
    items[3] = -1;
    e = score_refused("odi", items, NULL, 10);
    cr_assert_str_eq(e.field, "item 4");
    items[3] = 0;
    e = score_refused("odi", items, NULL, 9);
    cr_assert_str_eq(e.field, "items");
    cr_assert(strstr(e.message, "needs 10 items, got 9"), "%s", e.message);
    e = score_refused("odi", items, NULL, 11);
    cr_assert(strstr(e.message, "got 11"), "%s", e.message);
    int none[10] = {0};
    e = score_refused("odi", items, none, 10);
    cr_assert(strstr(e.message, "no item"), "%s", e.message);
}

Test(instruments, ndi_developer_missing_rule)
{
    /* [6] bands on the raw score: 15-24 moderate. Sum 16. */
    double items[10] = {2, 2, 2, 2, 2, 2, 1, 1, 1, 1};
    struct score s = score_all("ndi", items, 10);
    cr_assert_float_eq(s.total, 16.0, 1e-9);
    cr_assert_str_eq(s.band, "moderate");

    /* [6] "the average of all other items is then added": nine answered
     * items summing 18 have a mean of 2, so the total is 18 + 2 = 20. */
    double some[10] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 0};
    int present[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
    struct err e = ERR_INIT;
    cr_assert_eq(instrument_score(get("ndi"), some, present, 10, &s, &e), 0);
    cr_assert_float_eq(s.total, 20.0, 1e-9);
    cr_assert(strstr(s.missing, "mean"), "%s", s.missing);

    /* Two missing, eight answered summing 10 (mean 1.25): 10 + 2 x 1.25 =
     * 12.5. */
    double two[10] = {1, 1, 1, 1, 1, 1, 2, 2, 0, 0};
    int p2[10] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    cr_assert_eq(instrument_score(get("ndi"), two, p2, 10, &s, &e), 0);
    cr_assert_float_eq(s.total, 12.5, 1e-9);
    cr_assert_str_eq(s.band, "mild");

    /* Three missing: refused (project rule: at most 2). */
    p2[7] = 0;
    e = score_refused("ndi", two, p2, 10);
    cr_assert(strstr(e.message, "at most 2"), "%s", e.message);
}

Test(instruments, ndi_band_edges)
{
    /* [6]: 0-4 none, 5-14 mild, 15-24 moderate, 25-34 severe, >34
     * complete. */
    struct {
        double sum;
        const char *band;
    } cases[] = {{4, "no disability"}, {5, "mild"},   {14, "mild"},
                 {15, "moderate"},     {24, "moderate"}, {25, "severe"},
                 {34, "severe"},       {35, "complete"}, {50, "complete"}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        double items[10] = {0};
        double left = cases[c].sum;
        for (int i = 0; i < 10 && left > 0; i++) {
            items[i] = left > 5 ? 5 : left;
            left -= items[i];
        }
        struct score s = score_all("ndi", items, 10);
        cr_assert_float_eq(s.total, cases[c].sum, 1e-9);
        cr_assert_str_eq(s.band, cases[c].band, "sum %g", cases[c].sum);
    }
}

Test(instruments, hit6_answers_and_bands)
{
    /* [9]: answers are worth 6, 8, 10, 11, 13; range 36-78; the total is
     * their sum. 60-78 severe, 56-59 substantial, 50-55 some, 36-49
     * little or no impact. */
    static const struct {
        double answers[6];
        const char *band;
    } cases[] = {
        {{6, 6, 6, 6, 6, 6}, "little or no impact"},
        {{13, 13, 13, 13, 13, 13}, "severe impact"},
        {{10, 10, 10, 11, 11, 8}, "severe impact"},     /* 60 */
        {{10, 10, 10, 10, 8, 8}, "substantial impact"}, /* 56 */
        {{8, 8, 8, 8, 11, 11}, "some impact"},          /* 54 */
        {{8, 8, 8, 8, 8, 10}, "some impact"},           /* 50 */
        {{8, 8, 8, 8, 8, 8}, "little or no impact"},    /* 48 */
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        double sum = 0;
        for (int k = 0; k < 6; k++)
            sum += cases[i].answers[k];
        struct score s = score_all("hit6", cases[i].answers, 6);
        cr_assert_eq(s.total, sum, "case %zu", i);
        cr_assert_str_eq(s.band, cases[i].band, "sum %g", sum);
    }
    double low[6] = {6, 6, 6, 6, 6, 6};
    /* 7 is within 6-13 but not an answer. */
    double bad[6] = {6, 6, 7, 6, 6, 6};
    struct err e = score_refused("hit6", bad, NULL, 6);
    cr_assert_str_eq(e.field, "item 3");
    cr_assert(strstr(e.message, "not an answer"), "%s", e.message);
    int present[6] = {1, 1, 1, 1, 1, 0};
    e = score_refused("hit6", low, present, 6);
    cr_assert(strstr(e.message, "every item"), "%s", e.message);
}

Test(instruments, pss10_reverse_items)
{
    /* [14]: items 4, 5, 7, 8 reversed (x -> 4 - x). All 0: the four
     * reversed items count 4 each = 16. */
    double zero[10] = {0};
    cr_assert_eq(score_all("pss10", zero, 10).total, 16);
    /* All 4: six plain items x 4 = 24, reversed 0. */
    double four[10] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4};
    cr_assert_eq(score_all("pss10", four, 10).total, 24);
    /* Plain items 1,2,3,6,9,10: 2+1+3+3+0+4 = 13; reversed 4,5,7,8 with
     * answers 1,2,1,2 -> 3+2+3+2 = 10; total 23. */
    double mix[10] = {2, 1, 3, 1, 2, 3, 1, 2, 0, 4};
    struct score s = score_all("pss10", mix, 10);
    cr_assert_eq(s.total, 23);
    cr_assert_null(s.band);
    int reversed = 0;
    for (int i = 0; i < 10; i++)
        reversed += get("pss10")->reverse[i];
    cr_assert_eq(reversed, 4);
    cr_assert(get("pss10")->reverse[3] && get("pss10")->reverse[4] &&
              get("pss10")->reverse[6] && get("pss10")->reverse[7]);
    double bad[10] = {0, 0, 0, 0, 5, 0, 0, 0, 0, 0};
    struct err e = score_refused("pss10", bad, NULL, 10);
    cr_assert_str_eq(e.field, "item 5");
}

Test(instruments, fiqr_domains_and_weighting)
{
    /* [15]: function sum / 3 + overall sum + symptoms sum / 2. All 10:
     * 90 / 3 + 20 + 100 / 2 = 100. */
    cr_assert_float_eq(score_same("fiqr", 10, 21).total, 100.0, 1e-9);
    /* Function all 3 (27 / 3 = 9), overall 5 and 5 (10), symptoms all 4
     * (40 / 2 = 20): 39. */
    double items[21];
    for (int i = 0; i < 9; i++)
        items[i] = 3;
    items[9] = items[10] = 5;
    for (int i = 11; i < 21; i++)
        items[i] = 4;
    struct score s = score_all("fiqr", items, 21);
    cr_assert_float_eq(s.total, 39.0, 1e-9);
    cr_assert_eq(s.subscore_count, 3);
    cr_assert_str_eq(s.subscores[0].name, "function");
    cr_assert_float_eq(s.subscores[0].value, 9.0, 1e-9);
    cr_assert_float_eq(s.subscores[1].value, 10.0, 1e-9);
    cr_assert_float_eq(s.subscores[2].value, 20.0, 1e-9);

    /* [15] weighting: function 8 of 9 answered (sum 24 x 9/8 = 27 -> 9),
     * overall 1 of 2 (5 x 2/1 = 10), symptoms 9 of 10 (36 x 10/9 = 40 ->
     * 20): still 39. */
    int present[21];
    for (int i = 0; i < 21; i++)
        present[i] = 1;
    present[0] = present[10] = present[20] = 0;
    struct err e = ERR_INIT;
    cr_assert_eq(instrument_score(get("fiqr"), items, present, 21, &s, &e), 0);
    cr_assert_float_eq(s.total, 39.0, 1e-9);
    cr_assert(strstr(s.missing, "9/8"), "%s", s.missing);
    cr_assert(strstr(s.missing, "2/1"), "%s", s.missing);
    cr_assert(strstr(s.missing, "10/9"), "%s", s.missing);
    /* A domain with no answer cannot be weighted. */
    present[9] = 0;
    e = score_refused("fiqr", items, present, 21);
    cr_assert(strstr(e.message, "overall"), "%s", e.message);
}

Test(instruments, psqi_components)
{
    /* [17]: global = sum of 7 components; > 5 poor sleeper.
     * 1+2+1+0+1+0+1 = 6. */
    double c[7] = {1, 2, 1, 0, 1, 0, 1};
    struct score s = score_all("psqi", c, 7);
    cr_assert_eq(s.total, 6);
    cr_assert_str_eq(s.band, "poor sleeper");
    c[1] = 1; /* 5 */
    cr_assert_str_eq(score_all("psqi", c, 7).band, "good sleeper");
    double top[7] = {3, 3, 3, 3, 3, 3, 3};
    cr_assert_eq(score_all("psqi", top, 7).total, 21);
    c[0] = 4;
    struct err e = score_refused("psqi", c, NULL, 7);
    cr_assert_str_eq(e.field, "item 1");
}

Test(instruments, isi_bands)
{
    /* [18] Morin 2011: 0-7, 8-14, 15-21, 22-28. */
    double items[7] = {1, 1, 1, 1, 1, 1, 1}; /* 7 */
    cr_assert_str_eq(score_all("isi", items, 7).band,
                     "no clinically significant insomnia");
    items[0] = 2; /* 8 */
    cr_assert_str_eq(score_all("isi", items, 7).band, "subthreshold insomnia");
    double m[7] = {2, 2, 2, 2, 2, 2, 3}; /* 15 */
    struct score s = score_all("isi", m, 7);
    cr_assert_eq(s.total, 15);
    cr_assert_str_eq(s.band, "clinical insomnia (moderate)");
    double h[7] = {3, 3, 3, 3, 3, 3, 4}; /* 22 */
    cr_assert_str_eq(score_all("isi", h, 7).band, "clinical insomnia (severe)");
}

Test(instruments, act_higher_is_better)
{
    /* [19]: 5 items 1-5, 5-25, <= 19 not well controlled. */
    double best[5] = {5, 5, 5, 5, 5};
    struct score s = score_all("act", best, 5);
    cr_assert_eq(s.total, 25);
    cr_assert_str_eq(s.band, "well controlled");
    double mid[5] = {4, 4, 4, 4, 3}; /* 19 */
    s = score_all("act", mid, 5);
    cr_assert_eq(s.total, 19);
    cr_assert_str_eq(s.band, "not well controlled");
    double worst[5] = {1, 1, 1, 1, 1};
    cr_assert_eq(score_all("act", worst, 5).total, 5);
    double zero[5] = {0, 1, 1, 1, 1};
    struct err e = score_refused("act", zero, NULL, 5);
    cr_assert_str_eq(e.field, "item 1");
    cr_assert(strstr(e.message, "outside 1-5"), "%s", e.message);
    /* [19] MCID 3, higher better: 15 -> 18 responds, 15 -> 17 does not. */
    const struct instrument *in = get("act");
    cr_assert_float_eq(instrument_improvement(in, 15, 18), 3.0, 1e-12);
    cr_assert_eq(instrument_is_responder(in, 15, 18), RESPONDER_YES);
    cr_assert_eq(instrument_is_responder(in, 15, 17), RESPONDER_NO);
    cr_assert_eq(instrument_is_responder(in, 18, 15), RESPONDER_NO);
}

Test(instruments, rpq_one_counts_as_zero)
{
    /* [20]: a rating of 1 counts as 0. RPQ-3 = items 1-3: 1,1,1 -> 0.
     * RPQ-13 = items 4-16: 2+2+2 + 0+0+0+0 + 3+3+3 + 4+0+0 = 19. */
    double items[16] = {1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 3, 3, 3, 4, 0, 0};
    struct score s = score_all("rpq", items, 16);
    cr_assert_eq(s.total, 19);
    cr_assert_eq(s.subscore_count, 2);
    cr_assert_str_eq(s.subscores[0].name, "RPQ-3");
    cr_assert_eq(s.subscores[0].value, 0);
    cr_assert_str_eq(s.subscores[1].name, "RPQ-13");
    cr_assert_eq(s.subscores[1].value, 19);
    cr_assert_eq(score_same("rpq", 1, 16).total, 0);
    cr_assert_eq(score_same("rpq", 4, 16).total, 64);
    cr_assert_eq(instrument_is_responder(get("rpq"), 40, 10),
                 RESPONDER_UNKNOWN);
}

Test(instruments, pcss_sum)
{
    /* [21]: 22 items 0-6 summed, 0-132. 22 x 6 = 132. */
    cr_assert_eq(score_same("pcss", 6, 22).total, 132);
    double items[22];
    for (int i = 0; i < 22; i++)
        items[i] = i % 3; /* 0,1,2 repeated: 7 x (0+1+2) + 0 = 21 */
    cr_assert_eq(score_all("pcss", items, 22).total, 21);
    items[21] = 7;
    cr_assert_str_eq(score_refused("pcss", items, NULL, 22).field, "item 22");
}

Test(instruments, headache_days_relative_mcid)
{
    /* [22] chronic on 15 or more days; [12] 50% reduction responder. */
    double v = 15;
    cr_assert_str_eq(score_all("headache-days", &v, 1).band,
                     "chronic range (15 or more days a month)");
    v = 14;
    cr_assert_str_eq(score_all("headache-days", &v, 1).band,
                     "episodic range (under 15 days a month)");
    v = 32;
    score_refused("headache-days", &v, NULL, 1);
    const struct instrument *in = get("headache-days");
    cr_assert_eq(instrument_is_responder(in, 10, 5), RESPONDER_YES);
    cr_assert_eq(instrument_is_responder(in, 10, 6), RESPONDER_NO);
    cr_assert_eq(instrument_is_responder(in, 20, 10), RESPONDER_YES);
    /* From 0 days no reduction is possible: not a responder. */
    cr_assert_eq(instrument_is_responder(in, 0, 0), RESPONDER_NO);
}

Test(instruments, blood_pressure_categories)
{
    /* [23] 2017 ACC/AHA: < 120 and < 80 normal; 120-129 and < 80
     * elevated; 130-139 or 80-89 stage 1; >= 140 or >= 90 stage 2. */
    struct {
        double sys, dia;
        const char *band;
    } cases[] = {
        {119, 79, "normal"},
        {120, 79, "elevated"},
        {129, 79, "elevated"},
        {129, 80, "stage 1 hypertension"},
        {130, 70, "stage 1 hypertension"},
        {139, 89, "stage 1 hypertension"},
        {140, 70, "stage 2 hypertension"},
        {118, 90, "stage 2 hypertension"},
        {182, 121, "stage 2 hypertension"},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        double items[2] = {cases[c].sys, cases[c].dia};
        struct score s = score_all("bp", items, 2);
        cr_assert_eq(s.total, cases[c].sys, "total is the systolic");
        cr_assert_str_eq(s.band, cases[c].band, "%g/%g", cases[c].sys,
                         cases[c].dia);
        cr_assert_eq(s.subscore_count, 2);
        cr_assert_str_eq(s.subscores[0].name, "systolic");
        cr_assert_eq(s.subscores[1].value, cases[c].dia);
    }
    double upside[2] = {80, 120};
    struct err e = score_refused("bp", upside, NULL, 2);
    cr_assert_str_eq(e.field, "diastolic");
    double one[1] = {120};
    e = score_refused("bp", one, NULL, 1);
    cr_assert_str_eq(e.field, "items");
    double silly[2] = {400, 80};
    cr_assert_str_eq(score_refused("bp", silly, NULL, 2).field, "systolic");
    cr_assert_eq(instrument_is_responder(get("bp"), 150, 130),
                 RESPONDER_UNKNOWN);
    cr_assert_float_eq(instrument_improvement(get("bp"), 150, 130), 20.0,
                       1e-12);
}

Test(instruments, pvr_seed_study)
{
    /* Seed: 0.81 at baseline, 1.22 after 15 minutes, 1.63 after 2 hours;
     * higher is better, so the improvement is 1.63 - 0.81 = 0.82. */
    double v = 0.81;
    cr_assert_float_eq(score_all("pvr", &v, 1).total, 0.81, 1e-12);
    v = 1.63;
    cr_assert_float_eq(score_all("pvr", &v, 1).total, 1.63, 1e-12);
    const struct instrument *in = get("pvr");
    cr_assert_float_eq(instrument_improvement(in, 0.81, 1.63), 0.82, 1e-12);
    cr_assert_float_eq(instrument_improvement(in, 0.81, 1.22), 0.41, 1e-12);
    cr_assert_eq(instrument_is_responder(in, 0.81, 1.63), RESPONDER_UNKNOWN);
}

Test(instruments, lefs_and_psfs)
{
    /* [25] LEFS: 20 items 0-4, 0-80, MCID 9. */
    cr_assert_eq(score_same("lefs", 4, 20).total, 80);
    cr_assert_eq(score_same("lefs", 2, 20).total, 40);
    const struct instrument *lefs = get("lefs");
    cr_assert_eq(instrument_is_responder(lefs, 40, 49), RESPONDER_YES);
    cr_assert_eq(instrument_is_responder(lefs, 40, 48), RESPONDER_NO);
    cr_assert_float_eq(instrument_improvement(lefs, 40, 49), 9.0, 1e-12);

    /* [26] PSFS: mean of 3-5 activities; (3 + 4 + 5) / 3 = 4. */
    double a[5] = {3, 4, 5, 6, 7};
    cr_assert_float_eq(score_all("psfs", a, 3).total, 4.0, 1e-12);
    /* (3+4+5+6+7) / 5 = 5. */
    cr_assert_float_eq(score_all("psfs", a, 5).total, 5.0, 1e-12);
    struct err e = score_refused("psfs", a, NULL, 2);
    cr_assert(strstr(e.message, "3 to 5 items, got 2"), "%s", e.message);
    double six[6] = {1, 1, 1, 1, 1, 1};
    score_refused("psfs", six, NULL, 6);
    /* [26] MCID 2 for the average, higher better. */
    cr_assert_eq(instrument_is_responder(get("psfs"), 3, 5), RESPONDER_YES);
    cr_assert_eq(instrument_is_responder(get("psfs"), 3, 4.5), RESPONDER_NO);
}

Test(instruments, nprs_absolute_or_relative)
{
    /* [1] Farrar 2001: 2 points or 30%. */
    const struct instrument *in = get("nprs");
    cr_assert_float_eq(instrument_improvement(in, 7, 4), 3.0, 1e-12);
    cr_assert_eq(instrument_is_responder(in, 7, 4), RESPONDER_YES);
    cr_assert_eq(instrument_is_responder(in, 10, 8), RESPONDER_YES);
    /* 3 -> 2: 1 point, but 1/3 = 33% >= 30%. */
    cr_assert_eq(instrument_is_responder(in, 3, 2), RESPONDER_YES);
    /* 5 -> 4: 1 point and 20%. */
    cr_assert_eq(instrument_is_responder(in, 5, 4), RESPONDER_NO);
    /* 10 -> 7: 3 points; exactly 30% counts. */
    cr_assert_eq(instrument_is_responder(in, 10, 7), RESPONDER_YES);
    /* Worse: never a responder. */
    cr_assert_eq(instrument_is_responder(in, 4, 7), RESPONDER_NO);
    int ok;
    cr_assert_float_eq(instrument_relative_improvement(in, 10, 7, &ok), 0.3,
                       1e-12);
    cr_assert(ok);
    instrument_relative_improvement(in, 0, 0, &ok);
    cr_assert_not(ok);
}

Test(instruments, odi_and_ndi_responders)
{
    /* ODI: 10 points or 30% (Ostelo 2008). 50 -> 42: 8 points, 16%: no.
     * 50 -> 40: yes. 20 -> 14: 6 points but 30%: yes. */
    const struct instrument *odi = get("odi");
    cr_assert_eq(instrument_is_responder(odi, 50, 42), RESPONDER_NO);
    cr_assert_eq(instrument_is_responder(odi, 50, 40), RESPONDER_YES);
    cr_assert_eq(instrument_is_responder(odi, 20, 14), RESPONDER_YES);
    /* NDI: 7.5 [7]. 20 -> 12.5 yes, 20 -> 13 no. */
    const struct instrument *ndi = get("ndi");
    cr_assert_eq(instrument_is_responder(ndi, 20, 12.5), RESPONDER_YES);
    cr_assert_eq(instrument_is_responder(ndi, 20, 13), RESPONDER_NO);
    /* HIT-6: 8 [12]. ISI: 6 [18c]. */
    cr_assert_eq(instrument_is_responder(get("hit6"), 64, 56), RESPONDER_YES);
    cr_assert_eq(instrument_is_responder(get("hit6"), 64, 57), RESPONDER_NO);
    cr_assert_eq(instrument_is_responder(get("isi"), 18, 12), RESPONDER_YES);
    cr_assert_eq(instrument_is_responder(get("isi"), 18, 13), RESPONDER_NO);
    /* None published. */
    cr_assert_eq(instrument_is_responder(get("pss10"), 30, 10),
                 RESPONDER_UNKNOWN);
    cr_assert_eq(instrument_is_responder(get("fiqr"), 60, 20),
                 RESPONDER_UNKNOWN);
    cr_assert_str_eq(responder_name(RESPONDER_UNKNOWN), "unknown");
}
