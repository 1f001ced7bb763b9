/*
 * The fixture of the record's unit tests: a real clinic database in a
 * fresh temporary folder per test (Criterion runs each test in its own
 * process), "now" pinned, and helpers that add records through the public
 * API. Included by test_record.c and test_access.c.
 */
#ifndef TS_TESTS_RECORD_FIXTURE_H
#define TS_TESTS_RECORD_FIXTURE_H
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/util.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/clinic.h"
#include "synth/demo.h"
#include "record/episode.h"
#include "record/observation.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "synth/random.h"
#include "record/referral.h"
#include "record/scope.h"
#include "record/session.h"
#include "record/training.h"
#include "unit/test_helpers.h"

static char dir[64];
static char path[128];
static struct store *s;

static inline void setup(void)
{
    setenv("TOUCHSTONE_NOW", "2026-06-30T12:00:00Z", 1);
    setenv("TZ", "UTC", 1);
    test_dir_make(dir, sizeof(dir), "ts-record", path, sizeof(path));
    test_clinic_open(path, "Synthetic Test Clinic", &s);
}

static inline void teardown(void)
{
    store_close(s);
    test_dir_remove(dir);
}

static inline int64_t count(const char *table)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    return store_query_int(s, sql);
}

/* A practitioner trained (baseline and protocol) in low-back-pain. */
static inline int64_t trained_practitioner(const char *name)
{
    return test_practitioner_lbp(s, name, 40, "Synthetic Institute");
}

static inline int64_t patient(const struct actor *who, const char *name)
{
    struct err e = ERR_INIT;
    struct patient_new p = {.name = name, .birth_date = "1970-05-06",
                            .sex = "female"};
    int64_t id;
    cr_assert_eq(patient_add(s, who, &p, &id, &e), 0, "%s", e.message);
    return id;
}

/* The red-flag screen of low-back-pain (catalog/protocols/lower-back.json),
 * every answer "no". */
static const struct screen_answer lbp_clear[] = {
    {"saddle-numbness", 0}, {"progressive-weakness", 0}, {"fever", 0},
    {"weight-loss", 0},     {"cancer-history", 0},       {"night-pain", 0},
};
#define LBP_CLEAR .screen = lbp_clear, .screen_count = ARRAY_SIZE(lbp_clear)

static inline int64_t episode(const struct actor *who, int64_t pat,
                              int64_t prac, const char *start)
{
    struct err e = ERR_INIT;
    struct episode_new in = {.patient_id = pat, .practitioner_id = prac,
                             .protocol_id = "low-back-pain",
                             .icd10 = "M54.50", .started_on = start,
                             .chronicity_weeks = -1, .comorbidities = -1,
                             LBP_CLEAR};
    int64_t id;
    cr_assert_eq(episode_open(s, who, &in, &id, NULL, &e), 0, "%s",
                 e.message);
    return id;
}

/* Adds a referral of patient pat by "Dr Orla Fictive" (family medicine,
 * NPI 1245319599, low back pain, dated 2026-01-02) with the ICD-10-CM
 * codes icd10 (comma-separated), then opens a low-back-pain episode
 * (M54.50, from 2026-01-05, red flags clear) of pat with prac under it;
 * returns the episode's id. */
static inline int64_t referred_episode_open(int64_t pat, int64_t prac,
                                            const char *icd10)
{
    struct err e = ERR_INIT;
    struct referral_new r = {pat, "Dr Orla Fictive", "Family medicine",
                             "1245319599", "low back pain", icd10,
                             "2026-01-02"};
    int64_t rid, ep;
    cr_assert_eq(referral_add(s, &actor_cli, &r, &rid, &e), 0, "%s",
                 e.message);
    struct episode_new in = {.patient_id = pat, .practitioner_id = prac,
                             .protocol_id = "low-back-pain",
                             .icd10 = "M54.50", .started_on = "2026-01-05",
                             .referral_id = rid, .chronicity_weeks = -1,
                             .comorbidities = -1, LBP_CLEAR};
    cr_assert_eq(episode_open(s, &actor_cli, &in, &ep, NULL, &e), 0, "%s",
                 e.message);
    return ep;
}

static inline int64_t session(int64_t ep, const char *start)
{
    struct err e = ERR_INIT;
    struct session_phase phases[] = {{"introductory", 10}, {"kneading", 30}};
    struct session_new in = {.episode_id = ep, .started_at = start,
                             .minutes = 50, .phases = phases,
                             .phase_count = 2};
    int64_t id;
    cr_assert_eq(session_add(s, &actor_cli, &in, &id, &e), 0, "%s",
                 e.message);
    return id;
}

#endif
