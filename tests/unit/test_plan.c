/*
 * Unit tests for catalog/plan: session plans over every shipped protocol
 * and every length from 10 to 120 minutes (the rules hold and the minutes
 * sum exactly, or the length is refused with the allowed range), and the
 * fidelity findings of delivered sessions.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/plan.h"

static struct catalog *cat;

static void load(void)
{
    struct err e = ERR_INIT;
    cr_assert_eq(catalog_load(NULL, &cat, &e), 0, "%s", e.message);
}

static void unload(void)
{
    catalog_free(cat);
    cat = NULL;
}

TestSuite(plan, .init = load, .fini = unload);

static const struct protocol *get(const char *id)
{
    const struct protocol *p = catalog_find(cat, id);
    cr_assert_not_null(p, "%s", id);
    return p;
}

Test(plan, every_protocol_every_length)
{
    int planned = 0, refused = 0;
    for (int i = 0; i < catalog_protocol_count(cat); i++) {
        const struct protocol *p = catalog_protocol_at(cat, i);
        for (int m = 10; m <= 120; m++) {
            struct plan plan;
            struct err e = ERR_INIT;
            int rc = plan_make(p, m, &plan, &e);
            if (m < p->minutes_min || m > p->minutes_max) {
                cr_assert_eq(rc, -1, "%s at %d should be refused", p->id, m);
                cr_assert_eq(e.code, ERR_REFUSED);
                cr_assert_str_eq(e.field, "minutes");
                char range[32];
                snprintf(range, sizeof(range), "%d-%d minutes",
                         p->minutes_min, p->minutes_max);
                cr_assert(strstr(e.message, range), "%s", e.message);
                refused++;
                continue;
            }
            cr_assert_eq(rc, 0, "%s at %d: %s", p->id, m, e.message);
            planned++;
            cr_assert_eq(plan.protocol, p);
            cr_assert_eq(plan.minutes, m);
            cr_assert_eq(plan.phase_count, p->phase_count);
            int sum = 0, kneading = 0;
            for (int k = 0; k < plan.phase_count; k++) {
                const struct protocol_phase *ph = plan.phases[k].phase;
                int minutes = plan.phases[k].minutes;
                cr_assert_eq(ph, &p->phases[k], "order kept");
                /* Within the share, checked in floating point (an
                 * independent computation of the integer bounds). */
                double lo = ph->min_permille / 1000.0 * m;
                double hi = ph->max_permille / 1000.0 * m;
                cr_assert(minutes >= lo - 1e-9 && minutes <= hi + 1e-9,
                          "%s at %d: phase %s has %d, share %g-%g", p->id, m,
                          ph->name, minutes, lo, hi);
                cr_assert_geq(minutes, 1, "%s at %d: empty phase", p->id, m);
                sum += minutes;
                if (ph->kind == PHASE_KNEADING)
                    kneading += minutes;
            }
            cr_assert_eq(sum, m, "%s at %d: sums to %d", p->id, m, sum);
            cr_assert_eq(kneading, plan.kneading_minutes);
            cr_assert_geq(2 * kneading, m, "%s at %d: kneading %d", p->id, m,
                          kneading);
            cr_assert_eq(plan.phases[0].phase->kind, PHASE_INTRODUCTORY);
            /* A plan is faithful to its own protocol. */
            struct delivered_phase delivered[PROTOCOL_MAX_PHASES];
            for (int k = 0; k < plan.phase_count; k++) {
                delivered[k].name = plan.phases[k].phase->name;
                delivered[k].minutes = plan.phases[k].minutes;
            }
            struct fidelity f;
            cr_assert_eq(plan_check_fidelity(p, delivered, plan.phase_count,
                                             m, &f, &e),
                         0, "%s at %d: %s", p->id, m,
                         f.count ? f.findings[0].message : "");
        }
    }
    cr_assert_gt(planned, 1000);
    cr_assert_gt(refused, 1000);
}

Test(plan, contralateral_refuses_forty_minutes)
{
    const struct protocol *p = get("contralateral-circulation");
    struct plan plan;
    struct err e = ERR_INIT;
    cr_assert_eq(plan_make(p, 40, &plan, &e), -1);
    cr_assert_eq(e.code, ERR_REFUSED);
    cr_assert_str_eq(e.message, "40 minutes is outside the 15-25 minutes of "
                                "contralateral-circulation");
    cr_assert_eq(plan_make(p, 14, &plan, &e), -1);
    cr_assert_eq(plan_make(p, 0, &plan, &e), -1);
    cr_assert_eq(plan_make(p, -5, &plan, &e), -1);
}

Test(plan, contralateral_fifteen_minutes_by_hand)
{
    /* Shares: introductory 0.10-0.20, kneading 0.50-0.60, vibration
     * 0.03-0.10, circulatory 0.10-0.25. At 15 minutes the minimums are
     * ceil(1.5) = 2, ceil(7.5) = 8, ceil(0.45) = 1, ceil(1.5) = 2 (13).
     * Targets, 15 x midpoint / 0.94: 2.39, 8.78, 1.04, 2.79. The two
     * spare minutes go to the largest deficits: circulatory (0.79) then
     * kneading (0.78). Result 2, 9, 1, 3. */
    const struct protocol *p = get("contralateral-circulation");
    struct plan plan;
    struct err e = ERR_INIT;
    cr_assert_eq(plan_make(p, 15, &plan, &e), 0, "%s", e.message);
    int expected[] = {2, 9, 1, 3};
    cr_assert_eq(plan.phase_count, 4);
    for (int k = 0; k < 4; k++)
        cr_assert_eq(plan.phases[k].minutes, expected[k], "phase %d", k);
    cr_assert_eq(plan.kneading_minutes, 9);
}

Test(plan, plan_fits_rejects_rigid_lengths)
{
    const struct protocol *p = get("contralateral-circulation");
    cr_assert(plan_fits(p, 15));
    cr_assert(plan_fits(p, 25));
    cr_assert_not(plan_fits(p, 0));
    cr_assert_not(plan_fits(p, 5));
}

static int find(const struct fidelity *f, const char *code)
{
    for (int i = 0; i < f->count; i++)
        if (!strcmp(f->findings[i].code, code))
            return i;
    return -1;
}

/* Checks count delivered phases of minutes in all against p into *f and
 * asserts that there are findings, among them every one of codes
 * (NULL-terminated). */
static void findings_among(const struct protocol *p,
                           const struct delivered_phase *phases, int count,
                           int minutes, struct fidelity *f,
                           const char *const *codes)
{
    struct err e = ERR_INIT;
    cr_assert_gt(plan_check_fidelity(p, phases, count, minutes, f, &e), 0);
    for (; *codes; codes++)
        cr_assert_geq(find(f, *codes), 0, "no %s", *codes);
}

/* As findings_among, for the one finding code, whose message holds
 * text. */
static void finding_with(const struct protocol *p,
                         const struct delivered_phase *phases, int count,
                         int minutes, struct fidelity *f, const char *code,
                         const char *text)
{
    findings_among(p, phases, count, minutes, f,
                   (const char *const[]){code, NULL});
    const char *message = f->findings[find(f, code)].message;
    cr_assert(strstr(message, text), "%s", message);
}

Test(plan, fidelity_findings)
{
    /* tension-headache phases: introductory, kneading, trigger-point,
     * friction, stretching, circulatory; 20-45 minutes. */
    const struct protocol *p = get("tension-headache");
    struct fidelity f;
    struct err e = ERR_INIT;

    struct delivered_phase good[] = {
        {"introductory", 4}, {"kneading", 17}, {"trigger-point", 3},
        {"friction", 2},     {"stretching", 2}, {"circulatory", 2}};
    cr_assert_eq(plan_check_fidelity(p, good, 6, 30, &f, &e), 0,
                 "%s", f.count ? f.findings[0].message : "");

    /* Introductory not first. */
    struct delivered_phase late[] = {
        {"kneading", 17}, {"introductory", 4}, {"trigger-point", 3},
        {"friction", 2},  {"stretching", 2},   {"circulatory", 2}};
    findings_among(p, late, 6, 30, &f,
                   (const char *const[]){FIDELITY_INTRODUCTORY_NOT_FIRST,
                                         FIDELITY_PHASE_OUT_OF_ORDER, NULL});
    cr_assert_lt(find(&f, FIDELITY_KNEADING_UNDER_HALF), 0);

    /* Kneading under half: 14 of 30. */
    struct delivered_phase thin[] = {
        {"introductory", 6}, {"kneading", 14}, {"trigger-point", 4},
        {"friction", 2},     {"stretching", 2}, {"circulatory", 2}};
    finding_with(p, thin, 6, 30, &f, FIDELITY_KNEADING_UNDER_HALF,
                 "14 of 30");

    /* A phase the protocol lacks (named once even when repeated). */
    struct delivered_phase odd[] = {
        {"introductory", 4}, {"kneading", 17}, {"cupping", 2},
        {"trigger-point", 3}, {"friction", 1}, {"cupping", 1},
        {"stretching", 1},   {"circulatory", 1}};
    finding_with(p, odd, 8, 30, &f, FIDELITY_UNKNOWN_PHASE, "'cupping'");
    int unknown = 0;
    for (int i = 0; i < f.count; i++)
        unknown += !strcmp(f.findings[i].code, FIDELITY_UNKNOWN_PHASE);
    cr_assert_eq(unknown, 1);

    /* Total minutes disagreeing with the session's minutes. */
    finding_with(p, good, 6, 35, &f, FIDELITY_MINUTES_MISMATCH,
                 "30 minutes");

    /* A phase left out, and a session longer than the protocol allows. */
    struct delivered_phase short_[] = {{"introductory", 10}, {"kneading", 50}};
    findings_among(p, short_, 2, 60, &f,
                   (const char *const[]){FIDELITY_PHASE_MISSING,
                                         FIDELITY_LENGTH_OUT_OF_RANGE,
                                         FIDELITY_SHARE_OUT_OF_RANGE, NULL});

    /* Names match case-insensitively. */
    struct delivered_phase upper[] = {
        {"Introductory", 4}, {"KNEADING", 17}, {"trigger-point", 3},
        {"friction", 2},     {"stretching", 2}, {"circulatory", 2}};
    cr_assert_eq(plan_check_fidelity(p, upper, 6, 30, &f, &e), 0);

    /* Nothing recorded. */
    findings_among(p, NULL, 0, 30, &f,
                   (const char *const[]){FIDELITY_INTRODUCTORY_NOT_FIRST,
                                         FIDELITY_MINUTES_MISMATCH, NULL});
}

Test(plan, fidelity_refuses_bad_input)
{
    const struct protocol *p = get("tension-headache");
    struct fidelity f;
    struct err e = ERR_INIT;
    struct delivered_phase blank[] = {{"  ", 5}};
    cr_assert_eq(plan_check_fidelity(p, blank, 1, 30, &f, &e), -1);
    cr_assert_str_eq(e.field, "phases[0]");
    struct delivered_phase none[] = {{NULL, 5}};
    cr_assert_eq(plan_check_fidelity(p, none, 1, 30, &f, &e), -1);
    struct delivered_phase negative[] = {{"kneading", -1}};
    cr_assert_eq(plan_check_fidelity(p, negative, 1, 30, &f, &e), -1);
    cr_assert_eq(plan_check_fidelity(p, negative, 1, 0, &f, &e), -1);
    cr_assert_str_eq(e.field, "minutes");
    cr_assert_eq(plan_check_fidelity(p, negative, -1, 30, &f, &e), -1);
}

Test(plan, fidelity_keeps_at_most_the_cap)
{
    const struct protocol *p = get("tension-headache");
    struct delivered_phase many[40];
    char names[40][24];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "extra-%d", i);
        many[i].name = names[i];
        many[i].minutes = 1;
    }
    struct fidelity f;
    struct err e = ERR_INIT;
    int found = plan_check_fidelity(p, many, 40, 40, &f, &e);
    cr_assert_gt(found, FIDELITY_MAX_FINDINGS);
    cr_assert_eq(f.count, FIDELITY_MAX_FINDINGS);
    cr_assert_eq(f.found, found);
}
