/* Unit tests for outcomes/ (and record/summary): the streaming least
 * squares against GSL's, properties of cells and designations on a
 * registry built through the record's public functions in a real SQLite
 * file, access rules and audit of the reports, thresholds, certificates. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "outcomes/benchmark.h"
#include "outcomes/certificate.h"
#include "outcomes/certify.h"
#include "outcomes/model.h"
#include "outcomes/report.h"
#include "outcomes/thresholds.h"
#include "record/audit.h"
#include "record/clinic.h"
#include "record/clinic_key.h"
#include "record/episode.h"
#include "record/observation.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "record/session.h"
#include "record/summary.h"
#include "record/training.h"
#include "stats/regression.h"
#include "unit/test_helpers.h"

static char dir[64];
static char path[128];
static struct store *s;

static void setup(void)
{
    setenv("TOUCHSTONE_NOW", "2026-06-30T12:00:00Z", 1);
    setenv("TZ", "UTC", 1);
    test_dir_make(dir, sizeof(dir), "ts-outcomes", path, sizeof(path));
    test_clinic_open(path, "Synthetic Outcomes Clinic", &s);
}

static void teardown(void)
{
    store_close(s);
    test_dir_remove(dir);
}

TestSuite(model);
TestSuite(outcomes, .init = setup, .fini = teardown);

/* ---- the model against GSL ------------------------------------------- */

/* A deterministic pseudo-random sequence (a 64-bit LCG, Knuth's MMIX
 * constants) in [0, 1). */
static double uniform(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*state >> 11) / 9007199254740992.0;
}

Test(model, matches_gsl_least_squares)
{
    /* y = 1.5 + 0.8 x0 - 0.05 x1 + 2 x2 - 0.01 x3 + noise, x2 a 0/1
     * indicator, predictors on different scales (as baseline, age, sex,
     * chronicity): the running-sums fit must equal stats_least_squares
     * (GSL's SVD) to 1e-9. */
    enum { N = 60, K = 4 };
    double x[N * K], y[N];
    uint64_t st = 42;
    struct model_sums m;
    model_sums_init(&m, K);
    for (int i = 0; i < N; i++) {
        double *row = &x[i * K];
        row[0] = 3 + 6 * uniform(&st);
        row[1] = 20 + 60 * uniform(&st);
        row[2] = uniform(&st) < 0.5;
        row[3] = 400 * uniform(&st);
        y[i] = 1.5 + 0.8 * row[0] - 0.05 * row[1] + 2 * row[2] -
               0.01 * row[3] + (uniform(&st) - 0.5) * 3;
        model_sums_add(&m, row, y[i]);
    }
    struct err e = ERR_INIT;
    struct stats_fit ref = STATS_FIT_INIT;
    cr_assert_eq(stats_least_squares(x, N, K, y, &ref, &e), 0, "%s",
                 e.message);
    struct model_fit fit;
    cr_assert_eq(model_fit(&m, NULL, &fit, &e), 0, "%s", e.message);
    cr_assert_eq(fit.n, N);
    cr_assert_eq(fit.p, K + 1);
    assert_close_scaled(fit.intercept, ref.coef[0], 1e-9);
    assert_close_scaled(fit.intercept_se, ref.se[0], 1e-9);
    for (int j = 0; j < K; j++) {
        assert_close_scaled(fit.coef[j], ref.coef[j + 1], 1e-9);
        assert_close_scaled(fit.se[j], ref.se[j + 1], 1e-9);
    }
    assert_close_scaled(fit.rss, ref.rss, 1e-9);
    assert_close_scaled(fit.sigma, ref.sigma, 1e-9);
    assert_close_scaled(fit.r2, ref.r2, 1e-9);
    assert_close_scaled(fit.adj_r2, ref.adj_r2, 1e-9);
    double pred = model_predict(&fit, &x[7 * K]);
    assert_close_scaled(pred, stats_fit_predict(&ref, &x[7 * K]), 1e-9);

    /* A subset of predictors equals GSL on those columns alone. */
    int use[K] = {1, 0, 1, 0};
    double sub[N * 2];
    for (int i = 0; i < N; i++) {
        sub[2 * i] = x[i * K];
        sub[2 * i + 1] = x[i * K + 2];
    }
    struct stats_fit ref2 = STATS_FIT_INIT;
    cr_assert_eq(stats_least_squares(sub, N, 2, y, &ref2, &e), 0);
    cr_assert_eq(model_fit(&m, use, &fit, &e), 0);
    cr_assert_eq(fit.p, 3);
    assert_close_scaled(fit.coef[0], ref2.coef[1], 1e-9);
    assert_close_scaled(fit.coef[2], ref2.coef[2], 1e-9);
    cr_assert(isnan(fit.se[1]));
    cr_assert_eq(fit.coef[1], 0);
    assert_close_scaled(fit.r2, ref2.r2, 1e-9);
    stats_fit_release(&ref);
    stats_fit_release(&ref2);
}

Test(model, shifted_sums_keep_precision_far_from_zero)
{
    /* y = 2 + 3 x exactly, x = 1e9 + i: raw sums of squares would lose
     * every digit of the spread; shifted ones keep the slope exact. */
    struct model_sums m;
    model_sums_init(&m, 1);
    for (int i = 0; i < 10; i++) {
        double x = 1e9 + i, y = 2 + 3 * (double)i;
        model_sums_add(&m, &x, y + 3e9);
    }
    struct model_fit fit;
    struct err e = ERR_INIT;
    cr_assert_eq(model_fit(&m, NULL, &fit, &e), 0, "%s", e.message);
    assert_close_scaled(fit.coef[0], 3.0, 1e-12);
    cr_assert(fit.rss < 1e-6);
    assert_close_scaled(fit.r2, 1.0, 1e-12);
}

Test(model, refuses_singular_and_short_designs)
{
    struct model_sums m;
    struct model_fit fit;
    struct err e = ERR_INIT;
    /* A constant predictor. */
    model_sums_init(&m, 2);
    for (int i = 0; i < 8; i++) {
        double x[2] = {i, 4};
        model_sums_add(&m, x, i * 0.5 + (i % 3));
    }
    cr_assert_eq(model_fit(&m, NULL, &fit, &e), -1);
    cr_assert_str_eq(e.field, "x");
    cr_assert_eq(fit.singular, 1);
    int only0[2] = {1, 0};
    cr_assert_eq(model_fit(&m, only0, &fit, &e), 0, "%s", e.message);
    /* A linear combination of the others. */
    model_sums_init(&m, 3);
    for (int i = 0; i < 8; i++) {
        double x[3] = {i, (i * 7) % 5, i + 2.0 * ((i * 7) % 5)};
        model_sums_add(&m, x, (i * 3) % 4);
    }
    cr_assert_eq(model_fit(&m, NULL, &fit, &e), -1);
    cr_assert(strstr(e.message, "linear combination"), "%s", e.message);
    cr_assert_eq(fit.singular, 2);
    /* No residual degrees of freedom. */
    model_sums_init(&m, 2);
    double a[2] = {1, 2}, b[2] = {2, 1}, c[2] = {3, 5};
    model_sums_add(&m, a, 1);
    model_sums_add(&m, b, 2);
    model_sums_add(&m, c, 4);
    cr_assert_eq(model_fit(&m, NULL, &fit, &e), -1);
    cr_assert_str_eq(e.field, "n");
}

/* ---- a registry through the record's public functions ---------------- */

static const struct screen_answer lbp_clear[] = {
    {"saddle-numbness", 0}, {"progressive-weakness", 0}, {"fever", 0},
    {"weight-loss", 0},     {"cancer-history", 0},       {"night-pain", 0},
};

static int64_t practitioner(const char *name)
{
    return test_practitioner_lbp(s, name, 60, NULL);
}

static void observe(int64_t ep, int64_t session, const char *instrument,
                    const char *timepoint, const char *at, double value)
{
    struct err e = ERR_INIT;
    double items[10];
    struct observation_new o = {.episode_id = ep, .session_id = session,
                                .instrument = instrument,
                                .timepoint = timepoint, .observed_at = at};
    if (!strcmp(instrument, "pss10")) {
        /* Ten items of 0-4 summing to about value (none reverse-scored
         * answers here matter: the scoring rule is the catalog's). */
        for (int i = 0; i < 10; i++)
            items[i] = (double)((int)value / 10 + (i < (int)value % 10));
        o.items = items;
        o.item_count = 10;
    } else {
        o.has_value = 1;
        o.value = value;
    }
    int64_t id;
    cr_assert_eq(observation_add(s, &actor_cli, &o, &id, &e), 0, "%s: %s",
                 e.field, e.message);
}

/* One complete episode: baseline, two sessions (posts halfway and at
 * the end), discharge, and a follow-up 30 days later holding the result. */
static int64_t course(int64_t pr, int n, int baseline, int gain, int pss)
{
    struct err e = ERR_INIT;
    char name[64], dob[16], start[16], at[32], end[16], follow[32];
    snprintf(name, sizeof(name), "Patient%d Synthetic", n);
    snprintf(dob, sizeof(dob), "%d-03-01", 1940 + (n * 7) % 45);
    struct patient_new p = {.name = name, .birth_date = dob,
                            .sex = n % 2 ? "male" : "female"};
    int64_t pat, ep, s1, s2;
    cr_assert_eq(patient_add(s, &actor_cli, &p, &pat, &e), 0, "%s",
                 e.message);
    int month = 1 + n % 9, day = 1 + n % 20;
    snprintf(start, sizeof(start), "2025-%02d-%02d", month, day);
    struct episode_new in = {.patient_id = pat, .practitioner_id = pr,
                             .protocol_id = "low-back-pain",
                             .icd10 = "M54.50", .started_on = start,
                             .chronicity_weeks = 1 + (n * 13) % 60,
                             .comorbidities = (n * 5) % 4,
                             .screen = lbp_clear, .screen_count = 6};
    cr_assert_eq(episode_open(s, &actor_cli, &in, &ep, NULL, &e), 0, "%s",
                 e.message);
    snprintf(at, sizeof(at), "%sT09:00:00Z", start);
    observe(ep, 0, "nprs", "baseline", at, baseline);
    if (pss)
        observe(ep, 0, "pss10", "baseline", at, 25);
    struct session_phase phases[] = {{"introductory", 10}, {"kneading", 30}};
    snprintf(at, sizeof(at), "%sT10:00:00Z", start);
    struct session_new sn = {.episode_id = ep, .started_at = at,
                             .minutes = 50, .phases = phases,
                             .phase_count = 2};
    cr_assert_eq(session_add(s, &actor_cli, &sn, &s1, &e), 0, "%s",
                 e.message);
    snprintf(at, sizeof(at), "%sT11:00:00Z", start);
    observe(ep, s1, "nprs", "post", at, baseline - gain / 2);
    snprintf(end, sizeof(end), "2025-%02d-%02d", month, day + 7);
    snprintf(at, sizeof(at), "%sT10:00:00Z", end);
    sn.started_at = at;
    cr_assert_eq(session_add(s, &actor_cli, &sn, &s2, &e), 0, "%s",
                 e.message);
    snprintf(at, sizeof(at), "%sT11:00:00Z", end);
    observe(ep, s2, "nprs", "post", at, baseline - gain);
    if (pss)
        observe(ep, s2, "pss10", "post", at, 15);
    cr_assert_eq(episode_close(s, &actor_cli, ep, end, &e), 0, "%s",
                 e.message);
    snprintf(follow, sizeof(follow), "2025-%02d-%02dT10:00:00Z", month + 1,
             day + 9);
    observe(ep, 0, "nprs", "followup", follow, baseline - gain);
    return ep;
}

#define PRACTITIONERS 8
#define PER 10

/* Practitioner 1 improves NPRS by 5-6 points in every episode; the seven
 * others by 1-3. Every episode of practitioner 1 also measures PSS-10,
 * which has no published MCID. */
static void registry(int64_t ids[PRACTITIONERS])
{
    int n = 0;
    for (int i = 0; i < PRACTITIONERS; i++) {
        char name[64];
        snprintf(name, sizeof(name), "Therapist%d Synthetic", i + 1);
        ids[i] = practitioner(name);
        for (int j = 0; j < PER; j++, n++) {
            int baseline = 6 + (i + 2 * j) % 4;
            int gain = i == 0 ? 5 + j % 2 : 1 + (i + j) % 3;
            course(ids[i], n, baseline, gain, i == 0);
        }
    }
}

/* The registry() of ids, and its designation thresholds as stored into
 * *t. */
static void registry_thresholds(int64_t ids[PRACTITIONERS],
                                struct thresholds *t)
{
    registry(ids);
    struct err e = ERR_INIT;
    cr_assert_eq(thresholds_load(s, t, &e), 0, "%s", e.message);
}

static const struct bench_group *group(const struct benchmark *b,
                                       const char *instrument)
{
    for (size_t i = 0; i < b->count; i++)
        if (!strcmp(b->groups[i].instrument, instrument))
            return &b->groups[i];
    cr_assert_fail("no group for %s", instrument);
    return NULL;
}

Test(outcomes, designations_and_cell_properties)
{
    int64_t ids[PRACTITIONERS];
    registry(ids);
    struct err e = ERR_INIT;
    cr_assert_eq(thresholds_set(s, &actor_cli, "min_episodes", "10", &e), 0,
                 "%s", e.message);
    struct thresholds t;
    cr_assert_eq(thresholds_load(s, &t, &e), 0);
    cr_assert_eq(t.min_episodes, 10);
    struct benchmark b;
    cr_assert_eq(benchmark_run(s, "low-back-pain", NULL, &t, &b, &e), 0,
                 "%s", e.message);
    const struct bench_group *g = group(&b, "nprs");
    cr_assert_eq(g->cell_count, PRACTITIONERS);
    cr_assert(g->model.adjusted, "%s", g->model.note);
    cr_assert_eq(g->model.n_risk, PRACTITIONERS * PER);

    const struct bench_cell *best = bench_group_cell(g, ids[0]);
    cr_assert_eq(best->n, PER);
    cr_assert_eq(best->responders, PER);
    cr_assert_eq(best->sustained_rate, 1.0);
    cr_assert_eq(best->followup_coverage, 1.0);
    cr_assert_eq(best->designation, DESIGNATION_ADVANCED,
                 "O-E %g, upper95 %g, %s", best->observed_minus_expected,
                 best->limits.upper95, g->model.note);
    cr_assert_null(bench_cell_unmet(best, DESIGNATION_ADVANCED));

    for (size_t i = 0; i < g->cell_count; i++) {
        const struct bench_cell *c = &g->cells[i];
        /* A Wilson interval contains its estimate. */
        cr_assert(c->responder_ci95.lower <= c->responder_rate &&
                  c->responder_rate <= c->responder_ci95.upper);
        /* Shrinkage lies between the raw estimate and the mean. */
        double lo = fmin(c->observed_minus_expected, g->model.shrink_mu);
        double hi = fmax(c->observed_minus_expected, g->model.shrink_mu);
        cr_assert(c->shrunken >= lo - 1e-12 && c->shrunken <= hi + 1e-12,
                  "shrunken %g outside [%g, %g]", c->shrunken, lo, hi);
        /* Advanced only above the upper 95% limit; designated only when
         * every criterion of the designation holds. */
        if (c->designation == DESIGNATION_ADVANCED)
            cr_assert(c->observed_minus_expected > c->limits.upper95);
        cr_assert_eq(c->designation != DESIGNATION_NONE,
                     bench_cell_unmet(c, DESIGNATION_REPRODUCIBLE) == NULL);
        if (c != best)
            cr_assert_eq(c->designation, DESIGNATION_NONE);
        cr_assert(c->limits.lower95 < 0 && c->limits.upper95 > 0);
        cr_assert(c->limits.upper998 > c->limits.upper95);
    }

    /* PSS-10 has no MCID: no responder numbers, never designated. */
    const struct bench_group *pss = group(&b, "pss10");
    const struct bench_cell *c = bench_group_cell(pss, ids[0]);
    cr_assert_eq(c->n, PER);
    cr_assert(isnan(c->responder_rate));
    cr_assert(isnan(c->median_sessions));
    cr_assert(isnan(c->sustained_rate));
    cr_assert_eq(c->designation, DESIGNATION_NONE);
    cr_assert_str_eq(bench_cell_unmet(c, DESIGNATION_REPRODUCIBLE)->name,
                     "mcid");
    benchmark_release(&b);

    json_t *doc = report_practitioner_json(s, &actor_cli, ids[0], NULL, &e);
    cr_assert_not_null(doc, "%s", e.message);
    json_t *cells = json_object_get(doc, "cells");
    cr_assert_eq(json_array_size(cells), 2);
    cr_assert_eq(json_object_size(json_array_get(cells, 0)), 16);
    char *text = json_dumps(doc, 0);
    cr_assert(strstr(text, "pss10 has no published MCID"), "%s", text);
    cr_assert(strstr(text, "\"designation\": \"advanced\""));
    free(text);
    json_decref(doc);

    /* A cell with fewer than the minimum of episodes is never designated,
     * however good. */
    cr_assert_eq(thresholds_set(s, &actor_cli, "min_episodes", "11", &e), 0);
    cr_assert_eq(thresholds_load(s, &t, &e), 0);
    cr_assert_eq(benchmark_run(s, "low-back-pain", "nprs", &t, &b, &e), 0);
    best = bench_group_cell(&b.groups[0], ids[0]);
    cr_assert_eq(best->designation, DESIGNATION_NONE);
    cr_assert_str_eq(bench_cell_unmet(best, DESIGNATION_REPRODUCIBLE)->name,
                     "min_episodes");
    benchmark_release(&b);
}

Test(outcomes, certificates_follow_the_designation)
{
    int64_t ids[PRACTITIONERS];
    registry(ids);
    struct err e = ERR_INIT;
    cr_assert_eq(thresholds_set(s, &actor_cli, "min_episodes", "10", &e), 0);
    struct certify_request req = {.practitioner_id = ids[0],
                                  .protocol = "low-back-pain"};
    json_t *data = NULL;
    /* Without an instrument: the one qualifying cell (nprs). */
    char *doc = certify_issue(s, &actor_cli, &req, &data, &e);
    cr_assert_not_null(doc, "%s: %s", e.field, e.message);
    json_t *claims = NULL;
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    cr_assert_eq(clinic_key_public(s, pk, &e), 0);
    cr_assert_eq(certificate_verify(doc, strlen(doc), pk, &claims, NULL, &e),
                 0, "%s", e.message);
    cr_assert_str_eq(json_string_value(json_object_get(claims,
                                                       "designation")),
                     "advanced");
    cr_assert_str_eq(json_string_value(json_object_get(claims,
                                                       "instrument")),
                     "nprs");
    cr_assert_eq(json_array_size(json_object_get(claims, "thresholds")), 7);
    char sha[SIGNING_SHA256_HEX_LEN];
    cr_assert_eq(signing_sha256_hex_json(data, sha), 0);
    cr_assert_str_eq(json_string_value(json_object_get(claims,
                                                       "data_sha256")),
                     sha);
    cr_assert_eq(json_array_size(data), PER);
    char *bytes = json_dumps(data, 0);
    cr_assert_null(strstr(bytes, "Synthetic"));
    cr_assert_null(strstr(bytes, "2025-"));
    free(bytes);
    json_decref(claims);
    json_decref(data);
    free(doc);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM audit WHERE"
                                    " record_type = 'certificate' AND"
                                    " action = 'create'"),
                 1);

    /* PSS-10 has no MCID: refused, naming it. */
    req.instrument = "pss10";
    cr_assert_null(certify_issue(s, &actor_cli, &req, NULL, &e));
    cr_assert_eq(e.code, ERR_REFUSED);
    cr_assert_str_eq(e.field, "mcid");
    /* Another practitioner is refused; a therapist certifies their own
     * cell only, and a researcher nobody. */
    req.instrument = "nprs";
    req.practitioner_id = ids[3];
    cr_assert_null(certify_issue(s, &actor_cli, &req, NULL, &e));
    cr_assert_eq(e.code, ERR_REFUSED);
    struct actor th = {.user_id = 7, .role = ROLE_THERAPIST,
                       .practitioner_id = ids[0], .name = "t@example.invalid",
                       .client = "test"};
    req.practitioner_id = ids[0];
    doc = certify_issue(s, &th, &req, NULL, &e);
    cr_assert_not_null(doc, "%s: %s", e.field, e.message);
    free(doc);
    req.practitioner_id = ids[3];
    e = (struct err)ERR_INIT;
    cr_assert_null(certify_issue(s, &th, &req, NULL, &e));
    cr_assert_eq(e.code, ERR_AUTH);
    struct actor re = {.user_id = 8, .role = ROLE_RESEARCHER,
                       .name = "r@example.invalid", .client = "test"};
    req.practitioner_id = ids[0];
    cr_assert_null(certify_issue(s, &re, &req, NULL, &e));
    cr_assert_eq(e.code, ERR_AUTH);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM audit WHERE"
                                    " record_type = 'certificate' AND"
                                    " outcome = 'denied'"),
                 2);
}

Test(outcomes, reports_follow_the_access_rules)
{
    int64_t ids[PRACTITIONERS];
    registry(ids);
    struct err e = ERR_INIT;
    struct actor a = {.user_id = 7, .role = ROLE_THERAPIST,
                      .practitioner_id = ids[0], .name = "a@example.invalid",
                      .client = "test"};
    struct actor r = {.user_id = 8, .role = ROLE_RESEARCHER,
                      .name = "r@example.invalid", .client = "test"};

    /* A therapist reads their own report, not a colleague's. */
    json_t *doc = report_practitioner_json(s, &a, ids[0], NULL, &e);
    cr_assert_not_null(doc, "%s", e.message);
    json_decref(doc);
    cr_assert_null(report_practitioner_json(s, &a, ids[1], NULL, &e));
    cr_assert_eq(e.code, ERR_AUTH);
    cr_assert_null(report_practitioner_json(s, &r, ids[0], NULL, &e));
    cr_assert_eq(e.code, ERR_AUTH);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM audit WHERE"
                                    " record_type = 'practitioner_outcome'"
                                    " AND outcome = 'denied'"),
                 2);

    /* Episodes: the therapist's own only; a researcher none. */
    int64_t own = store_query_int(s, "SELECT min(id) FROM episode WHERE"
                                     " practitioner_id = 1");
    int64_t other = store_query_int(s, "SELECT min(id) FROM episode WHERE"
                                       " practitioner_id = 2");
    doc = report_episode_json(s, &a, own, &e);
    cr_assert_not_null(doc, "%s", e.message);
    json_decref(doc);
    cr_assert_null(report_episode_json(s, &a, other, &e));
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    cr_assert_null(report_episode_json(s, &r, own, &e));
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM audit WHERE"
                                    " record_type = 'episode_outcome' AND"
                                    " outcome = 'ok' AND patient_id > 0"),
                 1);

    /* The registry: ids for the admin, the therapist's own id, none for a
     * researcher; the same stable label for each practitioner. */
    json_t *admin = report_registry_json(s, &actor_cli, NULL, "nprs", &e);
    json_t *mine = report_registry_json(s, &a, NULL, "nprs", &e);
    json_t *research = report_registry_json(s, &r, NULL, "nprs", &e);
    cr_assert(admin && mine && research, "%s", e.message);
    json_t *ca = json_object_get(admin, "cells");
    json_t *cm = json_object_get(mine, "cells");
    json_t *cr_ = json_object_get(research, "cells");
    cr_assert_eq(json_array_size(ca), PRACTITIONERS);
    for (size_t i = 0; i < json_array_size(ca); i++) {
        json_t *x = json_array_get(ca, i), *y = json_array_get(cm, i);
        json_t *z = json_array_get(cr_, i);
        cr_assert_eq(json_integer_value(json_object_get(x, "practitioner")),
                     ids[i]);
        cr_assert(i == 0 ? json_is_integer(json_object_get(y, "practitioner"))
                         : json_is_null(json_object_get(y, "practitioner")));
        cr_assert(json_is_null(json_object_get(z, "practitioner")));
        const char *label = json_string_value(json_object_get(x, "label"));
        cr_assert_str_eq(label,
                         json_string_value(json_object_get(z, "label")));
        cr_assert_eq(strlen(label), 13);
    }
    char *text = json_dumps(research, 0);
    cr_assert_null(strstr(text, "Synthetic"));
    free(text);
    json_decref(admin);
    json_decref(mine);
    json_decref(research);

    /* Admin actions stay the admin's. */
    cr_assert_eq(thresholds_set(s, &a, "min_episodes", "5", &e), -1);
    cr_assert_eq(e.code, ERR_AUTH);
    int64_t n;
    cr_assert_eq(summary_refresh_all(s, &r, &n, &e), -1);
    cr_assert_eq(e.code, ERR_AUTH);
    cr_assert_eq(summary_refresh_all(s, &actor_cli, &n, &e), 0);
    cr_assert_eq(n, PRACTITIONERS * PER);
}

Test(outcomes, thresholds_are_validated)
{
    struct err e = ERR_INIT;
    struct thresholds t, d;
    thresholds_default(&d);
    cr_assert_eq(thresholds_load(s, &t, &e), 0);
    cr_assert_eq(memcmp(&t, &d, sizeof(t)), 0);
    cr_assert_eq(thresholds_set(s, &actor_cli, "min_patients", "3", &e), -1);
    cr_assert_str_eq(e.field, "name");
    cr_assert_eq(thresholds_set(s, &actor_cli, "sustained_rate", "1.01", &e),
                 -1);
    cr_assert_str_eq(e.field, "value");
    cr_assert_eq(thresholds_set(s, &actor_cli, "min_episodes", "3.5", &e),
                 -1);
    cr_assert_eq(thresholds_set(s, &actor_cli, "min_episodes", "1e3x", &e),
                 -1);
    cr_assert_eq(thresholds_set(s, &actor_cli, "followup_coverage", "inf",
                                &e),
                 -1);
    cr_assert_eq(thresholds_load(s, &t, &e), 0);
    cr_assert_eq(memcmp(&t, &d, sizeof(t)), 0);
    cr_assert_eq(thresholds_set(s, &actor_cli, "followup_coverage", "0.25",
                                &e),
                 0);
    cr_assert_eq(thresholds_load(s, &t, &e), 0);
    cr_assert_eq(t.followup_coverage, 0.25);
    for (int i = 0; i < thresholds_count(); i++) {
        double lo, hi;
        int whole;
        thresholds_range(i, &lo, &hi, &whole);
        cr_assert(lo < hi);
        cr_assert(strlen(thresholds_description(i)) > 10);
    }
}

Test(outcomes, summary_rows_follow_the_definitions)
{
    int64_t pr = practitioner("Ada Synthetic");
    int64_t ep = course(pr, 3, 8, 4, 0);
    /* Baseline 8, posts 6 and 4: responder (4 >= 2) at session 1 (6 is
     * 2 better), discharge 4, follow-up 4 after 32 days, sustained. */
    struct err e = ERR_INIT;
    json_t *doc = report_episode_json(s, &actor_cli, ep, &e);
    cr_assert_not_null(doc, "%s", e.message);
    json_t *o = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(doc, "outcomes"), i, x)
        if (!strcmp(json_string_value(json_object_get(x, "instrument")),
                    "nprs"))
            o = x;
    cr_assert_not_null(o);
    cr_assert_eq(json_real_value(json_object_get(o, "baseline")), 8);
    cr_assert_eq(json_real_value(json_object_get(o, "discharge")), 4);
    cr_assert_eq(json_real_value(json_object_get(o, "improvement")), 4);
    cr_assert(json_is_true(json_object_get(o, "responder")));
    cr_assert_eq(json_integer_value(json_object_get(o,
                                                    "sessions_to_response")),
                 1);
    cr_assert(json_is_true(json_object_get(o, "sustained")));
    cr_assert(json_is_true(json_object_get(o, "complete")));
    cr_assert_str_eq(json_string_value(json_object_get(o, "role")),
                     "primary");
    json_decref(doc);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM episode_summary"),
                 3); /* odi, nprs (primary), psfs (secondary) */
    cr_assert_eq(store_query_int(s, "SELECT followup_days FROM"
                                    " episode_summary WHERE instrument ="
                                    " 'nprs'"),
                 32); /* 2025-04-11 to 2025-05-13 */
    cr_assert_str_eq(summary_reason_name(SUMMARY_NO_DISCHARGE),
                     "no_discharge");
    cr_assert_null(summary_reason_name(SUMMARY_COMPLETE));
}

/* ---- speed at registry scale: compact rows and the model cache ------- */

#include "stats/shrinkage.h"
#include "stats/survival.h"

/* Equal to the last bit (NANs equal). */
static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(a)) == 0;
}

/* The computed numbers of a cell, in a fixed order. */
#define CELL_NUMBERS 19
static void cell_numbers(const struct bench_cell *c, double v[CELL_NUMBERS])
{
    const double all[CELL_NUMBERS] = {
        c->mean_improvement, c->sd_improvement, c->srm, c->mean_ci95.lower,
        c->mean_ci95.upper, c->responder_rate, c->responder_ci95.lower,
        c->responder_ci95.upper, c->median_sessions, c->sustained_rate,
        c->followup_coverage, c->expected_improvement,
        c->observed_minus_expected, c->se, c->shrunken, c->limits.lower998,
        c->limits.lower95, c->limits.upper95, c->limits.upper998};
    memcpy(v, all, sizeof(all));
}

/* Every computed member of two cells is identical. */
static void assert_same_cell(const struct bench_group *ga,
                             const struct bench_cell *a,
                             const struct bench_group *gb,
                             const struct bench_cell *b)
{
    cr_assert_eq(a->practitioner_id, b->practitioner_id);
    cr_assert_eq(a->n, b->n);
    cr_assert_eq(a->n_adjusted, b->n_adjusted);
    double va[CELL_NUMBERS], vb[CELL_NUMBERS];
    cell_numbers(a, va);
    cell_numbers(b, vb);
    for (size_t i = 0; i < ARRAY_SIZE(va); i++)
        cr_assert(same(va[i], vb[i]), "practitioner %lld, member %zu: %.17g"
                  " and %.17g", (long long)a->practitioner_id, i, va[i],
                  vb[i]);
    cr_assert_eq(a->has_limits, b->has_limits);
    cr_assert_eq(a->position, b->position);
    cr_assert_eq(a->designation, b->designation);
    for (int r = 0; r < SUMMARY_REASON_COUNT; r++)
        cr_assert_eq(a->incomplete[r], b->incomplete[r]);
    json_t *ja = report_cell_json(ga, a), *jb = report_cell_json(gb, b);
    cr_assert(json_equal(ja, jb));
    json_decref(ja);
    json_decref(jb);
    ja = report_criteria_json(a);
    jb = report_criteria_json(b);
    cr_assert(json_equal(ja, jb));
    json_decref(ja);
    json_decref(jb);
}

static void assert_same_model(const struct bench_model *a,
                              const struct bench_model *b)
{
    cr_assert_eq(a->n_complete, b->n_complete);
    cr_assert_eq(a->n_risk, b->n_risk);
    cr_assert_eq(a->adjusted, b->adjusted);
    cr_assert_eq(a->sex_reference, b->sex_reference);
    cr_assert_eq(a->funnel_cells, b->funnel_cells);
    cr_assert_str_eq(a->note, b->note);
    cr_assert_str_eq(a->funnel_note, b->funnel_note);
    const double va[] = {a->mean_improvement, a->sd_improvement, a->sigma,
                         a->phi, a->tau2, a->shrink_tau2, a->shrink_mu,
                         a->fit.intercept, a->fit.intercept_se, a->fit.r2,
                         a->fit.adj_r2, a->fit.sigma, a->fit.rss};
    const double vb[] = {b->mean_improvement, b->sd_improvement, b->sigma,
                         b->phi, b->tau2, b->shrink_tau2, b->shrink_mu,
                         b->fit.intercept, b->fit.intercept_se, b->fit.r2,
                         b->fit.adj_r2, b->fit.sigma, b->fit.rss};
    for (size_t i = 0; i < ARRAY_SIZE(va); i++)
        cr_assert(same(va[i], vb[i]), "model member %zu: %.17g and %.17g", i,
                  va[i], vb[i]);
    for (int j = 0; j < MODEL_MAX_PREDICTORS; j++) {
        cr_assert_eq(a->fit.used[j], b->fit.used[j]);
        cr_assert(same(a->fit.coef[j], b->fit.coef[j]));
        cr_assert(same(a->fit.se[j], b->fit.se[j]));
    }
}

/* For every practitioner: benchmark_practitioner() gives exactly the
 * cells and models of benchmark_run(); *cached counts the groups whose
 * model came from the cache, *groups all of them. */
static void assert_practitioners_match(const int64_t *ids, size_t count,
                                       const struct thresholds *t,
                                       int *cached, int *groups)
{
    struct err e = ERR_INIT;
    struct benchmark full;
    *cached = *groups = 0;
    cr_assert_eq(benchmark_run(s, NULL, NULL, t, &full, &e), 0, "%s",
                 e.message);
    /* benchmark_run() stored every model: undo that, so that the
     * practitioner's own pass decides what is fresh. */
    for (size_t i = 0; i < count; i++) {
        struct benchmark one;
        cr_assert_eq(benchmark_practitioner(s, ids[i], NULL, t, &one, &e), 0,
                     "%s", e.message);
        size_t seen = 0;
        for (size_t gi = 0; gi < full.count; gi++) {
            const struct bench_group *g = &full.groups[gi];
            const struct bench_cell *c = bench_group_cell(g, ids[i]);
            if (!c)
                continue;
            cr_assert(seen < one.count);
            const struct bench_group *h = &one.groups[seen++];
            cr_assert_str_eq(h->protocol, g->protocol);
            cr_assert_str_eq(h->instrument, g->instrument);
            cr_assert_eq(h->cell_count, 1);
            assert_same_model(&g->model, &h->model);
            assert_same_cell(g, c, h, &h->cells[0]);
            *cached += h->model_cached;
            (*groups)++;
        }
        cr_assert_eq(seen, one.count);
        benchmark_release(&one);
    }
    benchmark_release(&full);
}

/* Every summary row has its compact row, decoded here in SQL. */
static void assert_compact_rows(void)
{
    int64_t rows = store_query_int(s, "SELECT count(*) FROM episode_summary");
    cr_assert_gt(rows, 0);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM outcome_row"), rows);
    int64_t match = store_query_int(
        s,
        "SELECT count(*) FROM episode_summary s JOIN outcome_group g"
        " ON g.protocol_id = s.protocol_id AND g.instrument = s.instrument"
        " JOIN outcome_row r ON r.group_id = g.id AND r.practitioner_id ="
        " s.practitioner_id AND r.episode_id = s.episode_id WHERE"
        " (r.code & 7) = (CASE WHEN s.complete = 1 THEN 0"
        " WHEN s.incomplete_reason = 'unknown_instrument' THEN 1"
        " WHEN s.incomplete_reason = 'open' THEN 2"
        " WHEN s.incomplete_reason = 'no_baseline' THEN 3"
        " WHEN s.incomplete_reason = 'no_discharge' THEN 4 END)"
        " AND (r.code >> 3 & 3) = coalesce(s.responder + 1, 0)"
        " AND (r.code >> 5 & 3) = coalesce(s.response_event + 1, 0)"
        " AND (r.code >> 7 & 3) = coalesce(s.sustained + 1, 0)"
        " AND (r.code >> 9 & 1) = s.has_followup"
        " AND (r.code >> 10 & 3) = (CASE s.sex WHEN 'female' THEN 0"
        " WHEN 'male' THEN 1 WHEN 'other' THEN 2 ELSE 3 END)"
        " AND (r.code >> 12 & 1) = (s.baseline IS NOT NULL AND s.age_years"
        " IS NOT NULL AND s.chronicity_weeks IS NOT NULL AND"
        " s.comorbidities IS NOT NULL)"
        " AND (r.code >> 16) - 1 = coalesce(s.sessions_to_response, -1)"
        " AND r.improvement IS s.improvement AND r.baseline IS s.baseline"
        " AND (s.age_years IS NULL OR s.chronicity_weeks IS NULL OR"
        " s.comorbidities IS NULL OR (r.risk & 2097151 = s.age_years AND"
        " r.risk >> 21 & 2097151 = s.chronicity_weeks AND r.risk >> 42 ="
        " s.comorbidities))");
    cr_assert_eq(match, rows, "%lld of %lld compact rows match",
                 (long long)match, (long long)rows);
}

Test(outcomes, compact_rows_follow_the_summaries)
{
    int64_t ids[PRACTITIONERS];
    registry(ids);
    /* Incomplete episodes, a missing risk factor and the other sexes. */
    struct err e = ERR_INIT;
    const char *sexes[] = {"other", "unknown"};
    for (int i = 0; i < 2; i++) {
        struct patient_new p = {.name = "Patient Other Synthetic",
                                .birth_date = "1970-01-01", .sex = sexes[i]};
        int64_t pat, ep;
        cr_assert_eq(patient_add(s, &actor_cli, &p, &pat, &e), 0);
        struct episode_new in = {.patient_id = pat, .practitioner_id = ids[i],
                                 .protocol_id = "low-back-pain",
                                 .icd10 = "M54.50", .started_on = "2025-02-01",
                                 .chronicity_weeks = i ? -1 : 30,
                                 .comorbidities = -1 + i,
                                 .screen = lbp_clear, .screen_count = 6};
        cr_assert_eq(episode_open(s, &actor_cli, &in, &ep, NULL, &e), 0,
                     "%s", e.message);
        observe(ep, 0, "nprs", "baseline", "2025-02-01T09:00:00Z", 7);
    }
    assert_compact_rows();
    /* Replacing an episode's rows keeps them in step. */
    course(ids[2], 900, 8, 7, 1);
    assert_compact_rows();
    cr_assert_eq(store_exec(s, "DELETE FROM episode_summary WHERE"
                               " instrument = 'pss10'", &e), 0);
    assert_compact_rows();
    /* Rows are replaced, never updated (an update would bypass them). */
    cr_assert_eq(store_exec(s, "UPDATE episode_summary SET sessions = 1",
                            &e), -1);
    cr_assert(strstr(e.message, "replaced, not updated"), "%s", e.message);
    /* The groups: one per protocol x instrument ever summarised. */
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM outcome_group"),
                 store_query_int(s, "SELECT count(*) FROM (SELECT DISTINCT"
                                    " protocol_id, instrument FROM"
                                    " episode_summary)") + 1);
    /* A group left without rows is no group of a report. */
    struct thresholds t;
    cr_assert_eq(thresholds_load(s, &t, &e), 0);
    struct benchmark b;
    cr_assert_eq(benchmark_run(s, NULL, "pss10", &t, &b, &e), 0);
    cr_assert_eq(b.count, 0);
    benchmark_release(&b);
}

Test(outcomes, practitioner_reports_use_the_cached_model_never_a_stale_one)
{
    int64_t ids[PRACTITIONERS];
    struct thresholds t;
    registry_thresholds(ids, &t);
    struct err e = ERR_INIT;
    int cached, groups;

    /* Nothing cached yet: every group is run in full, then cached. */
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM outcome_model"), 0);
    struct benchmark one;
    cr_assert_eq(benchmark_practitioner(s, ids[1], NULL, &t, &one, &e), 0);
    cr_assert_eq(one.count, 3); /* nprs, odi and psfs (no baseline) */
    for (size_t i = 0; i < one.count; i++)
        cr_assert_eq(one.groups[i].model_cached, 0);
    benchmark_release(&one);
    cr_assert_eq(benchmark_practitioner(s, ids[1], NULL, &t, &one, &e), 0);
    for (size_t i = 0; i < one.count; i++)
        cr_assert_eq(one.groups[i].model_cached, 1);
    benchmark_release(&one);

    /* With the cache: the same numbers, to the last bit. */
    assert_practitioners_match(ids, PRACTITIONERS, &t, &cached, &groups);
    cr_assert_eq(cached, groups);

    /* The reports too, cached or not. */
    json_t *warm = report_practitioner_json(s, &actor_cli, ids[0], NULL, &e);
    cr_assert_not_null(warm, "%s", e.message);
    cr_assert_eq(store_exec(s, "DELETE FROM outcome_model", &e), 0);
    json_t *cold = report_practitioner_json(s, &actor_cli, ids[0], NULL, &e);
    cr_assert_not_null(cold, "%s", e.message);
    cr_assert(json_equal(warm, cold));
    json_decref(cold);

    /* Another practitioner's new episode changes the registry model: the
     * next report of practitioner 1 refits it (its own rows unchanged),
     * and says what a full run says. */
    struct benchmark before;
    cr_assert_eq(benchmark_practitioner(s, ids[0], "low-back-pain", &t,
                                        &before, &e), 0);
    int64_t generation = store_query_int(
        s, "SELECT generation FROM outcome_group WHERE instrument = 'nprs'");
    course(ids[5], 901, 9, 8, 0);
    cr_assert_gt(store_query_int(s, "SELECT generation FROM outcome_group"
                                    " WHERE instrument = 'nprs'"),
                 generation);
    cr_assert_eq(benchmark_practitioner(s, ids[0], "low-back-pain", &t, &one,
                                        &e), 0);
    const struct bench_group *old_g = group(&before, "nprs");
    const struct bench_group *new_g = group(&one, "nprs");
    cr_assert_eq(new_g->model_cached, 0);
    cr_assert_eq(new_g->model.n_risk, old_g->model.n_risk + 1);
    cr_assert_eq(new_g->cells[0].n, old_g->cells[0].n);
    cr_assert(!same(new_g->cells[0].expected_improvement,
                    old_g->cells[0].expected_improvement));
    benchmark_release(&before);
    benchmark_release(&one);
    json_t *after = report_practitioner_json(s, &actor_cli, ids[0], NULL, &e);
    cr_assert_not_null(after, "%s", e.message);
    cr_assert(!json_equal(warm, after));
    json_decref(warm);
    json_decref(after);
    assert_practitioners_match(ids, PRACTITIONERS, &t, &cached, &groups);

    /* A follow-up changes rows without adding any: stale again (the
     * refresh replaces every row of the episode, so each of its groups,
     * but not PSS-10, which the episode does not have). */
    int64_t ep = store_query_int(s, "SELECT max(id) FROM episode");
    observe(ep, 0, "nprs", "followup", "2026-01-20T10:00:00Z", 2);
    cr_assert_eq(benchmark_practitioner(s, ids[0], NULL, &t, &one, &e), 0);
    cr_assert_eq(one.count, 4);
    for (size_t i = 0; i < one.count; i++)
        cr_assert_eq(one.groups[i].model_cached,
                     !strcmp(one.groups[i].instrument, "pss10"));
    benchmark_release(&one);
    cr_assert_eq(benchmark_practitioner(s, ids[0], NULL, &t, &one, &e), 0);
    for (size_t i = 0; i < one.count; i++)
        cr_assert_eq(one.groups[i].model_cached, 1);
    benchmark_release(&one);

    /* The threshold the model depends on, and the program's version of
     * the definitions, invalidate it as well. */
    cr_assert_eq(thresholds_set(s, &actor_cli, "model_min_per_predictor",
                                "12", &e), 0, "%s", e.message);
    cr_assert_eq(thresholds_load(s, &t, &e), 0);
    cr_assert_eq(benchmark_practitioner(s, ids[0], NULL, &t, &one, &e), 0);
    for (size_t i = 0; i < one.count; i++)
        cr_assert_eq(one.groups[i].model_cached, 0);
    benchmark_release(&one);
    cr_assert_eq(store_exec(s, "UPDATE outcome_model SET version ="
                               " version + 1 WHERE group_id = (SELECT id FROM"
                               " outcome_group WHERE instrument = 'nprs')",
                            &e), 0);
    cr_assert_eq(store_exec(s, "UPDATE outcome_model SET model = '{}'"
                               " WHERE group_id = (SELECT id FROM"
                               " outcome_group WHERE instrument = 'odi')",
                            &e), 0);
    cr_assert_eq(benchmark_practitioner(s, ids[0], NULL, &t, &one, &e), 0);
    cr_assert_eq(group(&one, "nprs")->model_cached, 0);
    cr_assert_eq(group(&one, "odi")->model_cached, 0);
    cr_assert_eq(group(&one, "psfs")->model_cached, 1);
    benchmark_release(&one);
    assert_practitioners_match(ids, PRACTITIONERS, &t, &cached, &groups);
    cr_assert_eq(cached, groups);
}

/* A registry written straight into the summary table (foreign keys off):
 * 40 practitioners, 4,000 rows with every reason, every sex, missing
 * factors and sessions to response from 1 to 30. The cells' medians match
 * stats_kaplan_meier() and their shrunken estimates stats_eb_shrink(), to
 * the last bit, and practitioners' passes the full one. */
Test(outcomes, cells_match_the_stats_functions_on_a_varied_registry)
{
    struct err e = ERR_INIT;
    cr_assert_eq(store_exec(s, "PRAGMA foreign_keys = OFF", &e), 0);
    struct stmt *st = store_prepare(
        s, "INSERT INTO episode_summary (protocol_id, instrument,"
           " practitioner_id, episode_id, role, started_on, sessions,"
           " baseline, improvement, responder, sessions_to_response,"
           " response_event, sustained, has_followup, complete,"
           " incomplete_reason, age_years, sex, chronicity_weeks,"
           " comorbidities) VALUES ('low-back-pain', 'nprs', :p, :ep,"
           " 'primary', '2025-01-01', :sessions, :baseline, :improvement,"
           " :responder, :time, :event, :sustained, :followup, :complete,"
           " :reason, :age, :sex, :chronicity, :comorbidities)");
    static const char *const reasons[] = {"unknown_instrument", "open",
                                          "no_baseline", "no_discharge"};
    static const char *const sexes[] = {"female", "male", "other",
                                        "unknown"};
    uint64_t rng = 7;
    int64_t ids[40];
    for (int p = 0; p < 40; p++)
        ids[p] = p + 1;
    for (int i = 0; i < 4000; i++) {
        int p = (int)(uniform(&rng) * 40);
        int complete = uniform(&rng) < 0.9;
        double base = floor(uniform(&rng) * 11);
        /* Practitioners differ by up to 2 points: overdispersion. */
        double gain = floor(uniform(&rng) * 6) - 1 + (p % 5) * 0.5;
        int responder = gain >= 2;
        int sessions = 1 + (int)(uniform(&rng) * 30);
        stmt_reset(st);
        stmt_bind_int(st, ":p", ids[p]);
        stmt_bind_int(st, ":ep", i + 1);
        stmt_bind_int(st, ":sessions", sessions);
        stmt_bind_double(st, ":baseline", base);
        stmt_bind_int(st, ":complete", complete);
        stmt_bind_text(st, ":reason",
                       complete ? NULL : reasons[i % 4]);
        if (complete) {
            stmt_bind_double(st, ":improvement", gain);
            stmt_bind_int(st, ":responder", responder);
            stmt_bind_int(st, ":time",
                          responder ? 1 + (int)(uniform(&rng) * sessions)
                                    : sessions);
            stmt_bind_int(st, ":event", responder);
            int followup = uniform(&rng) < 0.6;
            stmt_bind_int(st, ":followup", followup);
            if (responder && followup)
                stmt_bind_int(st, ":sustained", uniform(&rng) < 0.8);
            else
                stmt_bind_null(st, ":sustained");
        } else {
            stmt_bind_null(st, ":improvement");
            stmt_bind_null(st, ":responder");
            stmt_bind_null(st, ":time");
            stmt_bind_null(st, ":event");
            stmt_bind_null(st, ":sustained");
            stmt_bind_int(st, ":followup", 0);
        }
        stmt_bind_int(st, ":age", 18 + (int)(uniform(&rng) * 70));
        stmt_bind_text(st, ":sex", sexes[(int)(uniform(&rng) * 4)]);
        if (uniform(&rng) < 0.05)
            stmt_bind_null(st, ":chronicity");
        else
            stmt_bind_int(st, ":chronicity", (int)(uniform(&rng) * 300));
        stmt_bind_int(st, ":comorbidities", (int)(uniform(&rng) * 5));
        cr_assert_eq(stmt_step(st, &e), 0, "%s", e.message);
    }
    stmt_finalize(st);
    assert_compact_rows();

    struct thresholds t;
    cr_assert_eq(thresholds_load(s, &t, &e), 0);
    struct benchmark b;
    cr_assert_eq(benchmark_run(s, NULL, NULL, &t, &b, &e), 0, "%s",
                 e.message);
    cr_assert_eq(b.count, 1);
    const struct bench_group *g = &b.groups[0];
    cr_assert_eq(g->cell_count, 40);
    cr_assert(g->model.adjusted, "%s", g->model.note);
    cr_assert(g->model.shrink_tau2 > 0 && g->model.tau2 > 0);

    double y[40], v[40], theta[40];
    size_t k = 0;
    for (size_t i = 0; i < g->cell_count; i++) {
        const struct bench_cell *c = &g->cells[i];
        /* Kaplan-Meier over the cell's rows. */
        st = store_prepare(s, "SELECT sessions_to_response, response_event"
                              " FROM episode_summary WHERE complete = 1 AND"
                              " practitioner_id = :p");
        stmt_bind_int(st, ":p", c->practitioner_id);
        double time[4000];
        int event[4000];
        size_t n = 0;
        while (stmt_step(st, &e) == 1) {
            time[n] = (double)stmt_int(st, 0);
            event[n++] = (int)stmt_int(st, 1);
        }
        stmt_finalize(st);
        struct stats_km km = STATS_KM_INIT;
        cr_assert_eq(stats_kaplan_meier(time, event, n, &km, &e), 0);
        cr_assert(same(km.median, c->median_sessions),
                  "practitioner %lld: median %g, Kaplan-Meier %g",
                  (long long)c->practitioner_id, c->median_sessions,
                  km.median);
        stats_km_release(&km);
        cr_assert(isfinite(c->se));
        y[k] = c->observed_minus_expected;
        v[k++] = c->se * c->se;
    }
    struct stats_shrinkage sh;
    cr_assert_eq(stats_eb_shrink(y, v, k, &sh, theta, NULL, &e), 0);
    cr_assert(same(sh.tau2, g->model.shrink_tau2));
    cr_assert(same(sh.mu, g->model.shrink_mu));
    for (size_t i = 0; i < k; i++)
        cr_assert(same(theta[i], g->cells[i].shrunken), "cell %zu: %.17g"
                  " and %.17g", i, theta[i], g->cells[i].shrunken);
    benchmark_release(&b);

    int cached, groups;
    assert_practitioners_match(ids, 40, &t, &cached, &groups);
    cr_assert_eq(groups, 40);
    cr_assert_eq(cached, 40);
}

/* A read (read mode, as a server's GET) that fits a model writes nothing
 * itself: the model goes with its audit entries to the audit writer,
 * which stores it at the generation it was fitted at, or leaves it out
 * when its group has changed meanwhile. */
static size_t read_practitioner(int64_t id, const struct thresholds *t,
                                int expect_cached)
{
    struct err e = ERR_INIT;
    struct benchmark b;
    store_read_mode_set(s, 1);
    cr_assert_eq(store_begin(s, &e), 0, "%s", e.message);
    cr_assert_eq(benchmark_practitioner(s, id, NULL, t, &b, &e), 0, "%s",
                 e.message);
    cr_assert_eq(store_wants_write(s), 0, "the read tried to write");
    cr_assert_eq(store_commit(s, &e), 0, "%s", e.message);
    store_read_mode_set(s, 0);
    for (size_t i = 0; i < b.count; i++)
        cr_assert_eq(b.groups[i].model_cached, expect_cached);
    size_t groups = b.count;
    benchmark_release(&b);
    return groups;
}

Test(outcomes, a_reads_model_is_stored_by_the_audit_writer_if_still_current)
{
    int64_t ids[PRACTITIONERS];
    struct thresholds t;
    registry_thresholds(ids, &t);
    struct err e = ERR_INIT;
    struct audit_writer *w;
    cr_assert_eq(audit_writer_start(path, &w, &e), 0, "%s", e.message);

    size_t groups = read_practitioner(ids[1], &t, 0);
    cr_assert_eq(groups, 3);
    cr_assert_eq(store_deferred_count(s), groups, "one held write a model");
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM outcome_model"), 0);
    cr_assert_eq(audit_writer_flush(w, s, &e), 0, "%s", e.message);
    cr_assert_eq(store_deferred_count(s), 0);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM outcome_model m"
                                    " JOIN outcome_group g ON g.id ="
                                    " m.group_id AND g.generation ="
                                    " m.generation"),
                 (int64_t)groups);
    /* The next read uses them and holds nothing. */
    read_practitioner(ids[1], &t, 1);
    cr_assert_eq(store_deferred_count(s), 0);
    /* Every number the same as a fresh fit, cached or not. */
    int cached, all;
    assert_practitioners_match(ids, PRACTITIONERS, &t, &cached, &all);

    /* Fitted, then a group changes before the writer's commit: that
     * group's model is left out, the others are stored. */
    cr_assert_eq(store_exec(s, "DELETE FROM outcome_model", &e), 0);
    read_practitioner(ids[1], &t, 0);
    struct stmt *st = store_prepare(
        s, "UPDATE outcome_group SET generation = generation + 1 WHERE id ="
           " (SELECT min(group_id) FROM outcome_row WHERE practitioner_id ="
           " :practitioner)");
    stmt_bind_int(st, ":practitioner", ids[1]);
    cr_assert_eq(stmt_run(st, &e), 0, "%s", e.message);
    cr_assert_eq(audit_writer_flush(w, s, &e), 0, "%s", e.message);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM outcome_model"),
                 (int64_t)groups - 1);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM outcome_model m"
                                    " JOIN outcome_group g ON g.id ="
                                    " m.group_id AND g.generation <>"
                                    " m.generation"), 0);
    audit_writer_stop(w);
}
