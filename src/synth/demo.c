#include "synth/demo.h"
#include "catalog/catalog.h"
#include "core/util.h"
#include "record/access.h"
#include "record/bulk.h"
#include "record/scope.h"
#include "synth/random.h"
#include "synth/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A therapist of the demo clinic and how their courses of care go. */
struct demo_therapist {
    const char *name;
    const char *license;
    const char *npi; /* valid check digit, synthetic */
    double baseline_hours;
    const char *protocols[4]; /* trained in (besides the baseline) */
    double effect;     /* mean fraction of the baseline score relieved */
    double effect_sd;
    double sustain;    /* chance a result holds at follow-up */
    double followup_coverage; /* chance a follow-up is recorded */
    double fidelity;   /* chance a session keeps kneading >= half */
};

static const struct demo_therapist therapists[] = {
    {"Avery Demo (synthetic)", "DEMO-LMT-1001", "1234567893", 160,
     {"low-back-pain", "sciatica", "tension-headache", NULL},
     0.62, 0.14, 0.9, 0.95, 1.0},
    {"Blake Demo (synthetic)", "DEMO-LMT-1002", "1245319599", 130,
     {"low-back-pain", "migraine", NULL, NULL},
     0.24, 0.20, 0.6, 0.8, 0.9},
    {"Casey Demo (synthetic)", "DEMO-LMT-1003", "1679576722", 200,
     {"tension-headache", "migraine", NULL, NULL},
     0.45, 0.18, 0.8, 0.9, 0.97},
    {"Drew Demo (synthetic)", "DEMO-LMT-1004", NULL, 125,
     {"low-back-pain", "sciatica", NULL, NULL},
     0.18, 0.22, 0.5, 0.7, 0.85},
};

/* Complete (discharged) episodes per therapist and protocol. */
struct demo_plan {
    int therapist;
    const char *protocol;
    int complete;
    int open;
};

static const struct demo_plan plans[] = {
    {0, "low-back-pain", 30, 2},
    {0, "sciatica", 4, 0},
    {0, "tension-headache", 4, 1},
    {0, "stress-management-full-body", 3, 0},
    {1, "low-back-pain", 10, 1},
    {1, "migraine", 5, 0},
    {2, "tension-headache", 8, 1},
    {2, "migraine", 6, 0},
    {2, "stress-management-full-body", 8, 1},
    {3, "low-back-pain", 8, 1},
    {3, "sciatica", 5, 0},
};

/* What each protocol measures and how its sessions run. */
struct demo_protocol {
    const char *id;
    const char *icd10[2];
    const char *reason;
    const char *primary;   /* instrument measured pre and post */
    const char *secondary; /* at baseline, discharge and follow-up */
};

static const struct demo_protocol protocols[] = {
    {"low-back-pain", {"M54.50", "M54.59"}, "low back pain", "nprs", "odi"},
    {"sciatica", {"M54.31", "M54.32"}, "sciatica", "nprs", "odi"},
    {"tension-headache", {"G44.209", "G44.229"}, "tension-type headache",
     "nprs", "hit6"},
    {"migraine", {"G43.909", "G43.009"}, "migraine without aura", "nprs",
     "hit6"},
    {"stress-management-full-body", {"F43.9", "Z73.3"}, "stress", "nprs",
     "pss10"},
};

/* The demo draws from the first names of the shared lists (synth.h). */
#define DEMO_FIRST_NAMES 24
#define DEMO_LAST_NAMES 12
static const char *const physicians[] = {
    "Dr. Orla Fictive (synthetic)", "Dr. Piet Imaginary (synthetic)",
    "Dr. Rhea Invented (synthetic)", "Dr. Sol Pretend (synthetic)",
};

struct demo {
    struct bulk *b;
    struct prng r;
    long today;
    int64_t practitioner_ids[ARRAY_SIZE(therapists)];
    struct demo_summary *sum;
    struct err *e;
};

/*
 * A course of care as drawn, before it is written: the episode goes in
 * with its discharge date (bulk_add_episode), which is known only once its
 * sessions are drawn, so its sessions and measures wait here. Measures
 * name their session by its place in the course (1-based; 0: none).
 */
#define DEMO_SESSIONS_MAX 16
#define DEMO_MEASURES_MAX (5 + 2 * DEMO_SESSIONS_MAX)
#define DEMO_ITEMS_MAX 16

struct demo_session {
    char at[CLOCK_INSTANT_LEN];
    int minutes;
    const char *note;
    struct session_phase phases[PROTOCOL_MAX_PHASES];
    size_t phase_count;
};

struct demo_measure {
    int session;
    const char *instrument;
    const char *timepoint;
    long day;
    int minute;
    double items[DEMO_ITEMS_MAX];
    size_t item_count;
    double value;
};

struct demo_course {
    int session_count;
    int measure_count;
    struct demo_session sessions[DEMO_SESSIONS_MAX];
    struct demo_measure measures[DEMO_MEASURES_MAX];
};

static const struct demo_protocol *protocol_find(const char *id)
{
    for (size_t i = 0; i < ARRAY_SIZE(protocols); i++)
        if (!strcmp(protocols[i].id, id))
            return &protocols[i];
    BUG("demo protocol '%s' missing", id);
}

static const struct protocol *catalog_protocol(const char *id)
{
    const struct protocol *p = catalog_find(scope_catalog(NULL), id);
    if (!p)
        BUG("demo protocol '%s' is not in the catalog", id);
    return p;
}

static int add_practitioners(struct demo *d)
{
    for (size_t i = 0; i < ARRAY_SIZE(therapists); i++) {
        const struct demo_therapist *t = &therapists[i];
        char email[64];
        snprintf(email, sizeof(email), "therapist%zu@demo.invalid", i + 1);
        struct practitioner_new p = {
            .name = t->name, .license = t->license, .credentials = "LMT",
            .email = email, .npi = t->npi, .synthetic = 1,
        };
        int64_t id;
        if (bulk_add_practitioner(d->b, 0, &p, 1, NULL, &id, d->e) < 0)
            return -1;
        d->practitioner_ids[i] = id;
        d->sum->practitioners++;
        if (synth_add_training(d->b, id, CATALOG_BASELINE_ID,
                               t->baseline_hours,
                               d->today - 900 - prng_range(&d->r, 0, 700),
                               "Demo School of Medical Massage (synthetic)",
                               d->e) < 0)
            return -1;
        for (int k = 0; k < 4 && t->protocols[k]; k++) {
            long completed = d->today - 760 - prng_range(&d->r, 0, 300);
            const struct protocol *cp = catalog_protocol(t->protocols[k]);
            double hours = (double)(protocol_required_hours(cp) +
                                    8 * prng_range(&d->r, 0, 3));
            if (synth_add_training(d->b, id, t->protocols[k], hours,
                                   completed, "Demo Institute (synthetic)",
                                   d->e) < 0)
                return -1;
        }
    }
    return 0;
}

static int add_patient(struct demo *d, long start, int64_t *id)
{
    char name[96], dob[CLOCK_DATE_LEN], zip[8], phone[20];
    const char *last = synth_pick(&d->r, synth_last_names, DEMO_LAST_NAMES);
    const char *first =
        synth_pick(&d->r, synth_first_names, DEMO_FIRST_NAMES);
    snprintf(name, sizeof(name), "%s %s", first, last);
    long years = prng_range(&d->r, 22, 78);
    synth_date(start - 365L * years - prng_range(&d->r, 0, 364), dob);
    snprintf(zip, sizeof(zip), "%05ld", prng_range(&d->r, 10000, 99999));
    snprintf(phone, sizeof(phone), "555-01%02ld", prng_range(&d->r, 0, 99));
    static const char *const sexes[] = {"female", "male", "female", "male",
                                        "other", "unknown"};
    long sex = prng_range(&d->r, 0, 99);
    struct patient_new p = {
        .name = name, .birth_date = dob,
        .sex = sexes[sex < 50 ? 0 : sex < 95 ? 1 : sex < 98 ? 4 : 5],
        .zip = zip, .phone = phone, .consent_treatment = 1,
        .consent_research = prng_uniform(&d->r) < 0.8, .synthetic = 1,
    };
    if (bulk_add_patient(d->b, 0, &p, 0, NULL, id, d->e) < 0)
        return -1;
    d->sum->patients++;
    return 0;
}

/* Item responses that make the instrument's total about `total`. */
static size_t instrument_items(struct demo *d, const char *instrument,
                               double total, double *items)
{
    if (!strcmp(instrument, "odi")) {
        /* 10 sections of 0-5; total = sum * 2 (percent). */
        long sum = lround(synth_clamp(total, 0, 100) / 2.0);
        for (int i = 0; i < 10; i++)
            items[i] = 0;
        for (long k = 0; k < sum;) {
            int i = (int)prng_range(&d->r, 0, 9);
            if (items[i] < 5) {
                items[i] += 1;
                k++;
            }
        }
        return 10;
    }
    if (!strcmp(instrument, "hit6")) {
        /* 6 answers worth 6, 8, 10, 11 or 13; total 36-78. */
        static const double worth[] = {6, 8, 10, 11, 13};
        double level = synth_clamp((total - 36.0) / 42.0 * 4.0, 0, 4);
        for (int i = 0; i < 6; i++) {
            double v = level + prng_normal(&d->r, 0, 0.6);
            items[i] = worth[(int)lround(synth_clamp(v, 0, 4))];
        }
        return 6;
    }
    if (!strcmp(instrument, "pss10")) {
        /* 10 items 0-4; items 4, 5, 7 and 8 are reverse-scored. */
        double level = synth_clamp(total / 10.0, 0, 4);
        for (int i = 0; i < 10; i++) {
            long v = lround(
                synth_clamp(level + prng_normal(&d->r, 0, 0.5), 0, 4));
            int reverse = i == 3 || i == 4 || i == 6 || i == 7;
            items[i] = (double)(reverse ? 4 - v : v);
        }
        return 10;
    }
    return 0;
}

/* Draws a measure of the course (its items now, in the generator's
 * order); written with the course. */
static void observe(struct demo *d, struct demo_course *c, int session,
                    const char *instrument, const char *timepoint, long day,
                    int minute, double value)
{
    if (c->measure_count == DEMO_MEASURES_MAX)
        BUG("a demo course of more than %d measures", DEMO_MEASURES_MAX);
    struct demo_measure *m = &c->measures[c->measure_count++];
    *m = (struct demo_measure){
        .session = session, .instrument = instrument,
        .timepoint = timepoint, .day = day, .minute = minute,
    };
    m->item_count = instrument_items(d, instrument, value, m->items);
    if (!m->item_count)
        m->value = round(synth_clamp(value, 0, 10));
}

/* Writes a course drawn: the episode (closed on ended_on, NULL while
 * open), then each session just before its first measure, in the order
 * drawn. */
static int write_course(struct demo *d, const struct episode_new *en,
                        const char *ended_on, const struct demo_course *c)
{
    int64_t episode, session_ids[DEMO_SESSIONS_MAX + 1] = {0};
    if (bulk_add_episode(d->b, 0, en, ended_on, NULL, &episode, d->e) < 0)
        return -1;
    d->sum->episodes++;
    int written = 0;
    for (int i = 0; i <= c->measure_count; i++) {
        int upto = i < c->measure_count ? c->measures[i].session
                                        : c->session_count;
        for (; written < upto; written++) {
            const struct demo_session *ds = &c->sessions[written];
            struct session_new sn = {
                .episode_id = episode, .started_at = ds->at,
                .minutes = ds->minutes, .phases = ds->phases,
                .phase_count = ds->phase_count, .note = ds->note,
            };
            if (bulk_add_session(d->b, 0, &sn, NULL,
                                 &session_ids[written + 1], d->e) < 0)
                return -1;
            d->sum->sessions++;
        }
        if (i == c->measure_count)
            break;
        const struct demo_measure *m = &c->measures[i];
        if (synth_observe(d->b, episode, session_ids[m->session],
                          m->instrument, m->timepoint, m->day, m->minute,
                          m->items, m->item_count, m->value, d->e) < 0)
            return -1;
        d->sum->observations++;
    }
    return 0;
}

/* The scale of the secondary instrument: its best and worst totals. */
static void secondary_scale(const char *instrument, double *best,
                            double *worst)
{
    if (!strcmp(instrument, "hit6")) {
        *best = 36;
        *worst = 78;
    } else if (!strcmp(instrument, "pss10")) {
        *best = 0;
        *worst = 40;
    } else {
        *best = 0;
        *worst = 100;
    }
}

static int add_episode(struct demo *d, const struct demo_plan *plan,
                       int complete, struct demo_course *c)
{
    const struct demo_therapist *t = &therapists[plan->therapist];
    const struct demo_protocol *p = protocol_find(plan->protocol);
    const struct protocol *cp = catalog_protocol(p->id);
    int sessions = (int)prng_range(&d->r, 4, 9);
    long start = complete ? d->today - prng_range(&d->r, 120, 720)
                          : d->today - prng_range(&d->r, 8, 30);
    int64_t patient, referral = 0;
    if (add_patient(d, start, &patient) < 0)
        return -1;
    const char *icd10 = p->icd10[prng_range(&d->r, 0, 1)];
    if (prng_uniform(&d->r) < 0.75) {
        char date[CLOCK_DATE_LEN];
        synth_date(start - prng_range(&d->r, 2, 21), date);
        long who = prng_range(&d->r, 0, ARRAY_SIZE(physicians) - 1);
        struct referral_new r = {
            .patient_id = patient, .physician_name = physicians[who],
            .physician_specialty = synth_specialties[who],
            .reason = p->reason, .icd10 = icd10, .referred_on = date,
        };
        if (bulk_add_referral(d->b, 0, &r, NULL, &referral, d->e) < 0)
            return -1;
        d->sum->referrals++;
    }
    char start_text[CLOCK_DATE_LEN];
    synth_date(start, start_text);
    long chronicity = prng_range(&d->r, 2, 156);
    struct episode_new en = {
        .patient_id = patient,
        .practitioner_id = d->practitioner_ids[plan->therapist],
        .protocol_id = p->id, .icd10 = icd10, .started_on = start_text,
        .referral_id = referral, .chronicity_weeks = chronicity,
        .comorbidities = prng_range(&d->r, 0, 3),
    };
    c->session_count = c->measure_count = 0;

    /* The course: baseline pain, this patient's share of relief. */
    double pain0 = (double)prng_range(&d->r, 5, 9);
    double effect = synth_clamp(prng_normal(&d->r, t->effect, t->effect_sd),
                                -0.1, 0.95);
    double best, worst;
    secondary_scale(p->secondary, &best, &worst);
    double second0 =
        best + (worst - best) * (0.35 + 0.35 * prng_uniform(&d->r));
    observe(d, c, 0, p->primary, "baseline", start, 510, pain0);
    observe(d, c, 0, p->secondary, "baseline", start, 515, second0);
    long day = start;
    if (!complete)
        sessions = (int)((d->today - start) / 7) + 1;
    double pain = pain0;
    int last_minute = 540;
    for (int k = 1; k <= sessions; k++) {
        if (k > 1)
            day += prng_range(&d->r, 5, 9);
        if (day >= d->today)
            break; /* sessions up to yesterday: never in the future */
        if (c->session_count == DEMO_SESSIONS_MAX)
            BUG("a demo course of more than %d sessions", DEMO_SESSIONS_MAX);
        int minutes = k == 1 ? cp->minutes_max
                             : cp->minutes_default +
                                   5 * (int)prng_range(&d->r, 0, 2);
        if (minutes > cp->minutes_max)
            minutes = cp->minutes_max;
        int minute = 600 + 60 * (int)prng_range(&d->r, 0, 6);
        struct demo_session *ds = &c->sessions[c->session_count++];
        ds->phase_count = synth_session_phases(&d->r, cp, minutes,
                                               t->fidelity, ds->phases);
        synth_instant(day, minute, ds->at);
        ds->minutes = minutes;
        ds->note = k == 1 ? "Synthetic demo session: intake and first "
                            "treatment."
                          : NULL;
        last_minute = minute + minutes + 5;
        /* Pain before the session falls along the course; each session
         * brings some relief at once. */
        double progress = pow((double)(k - 1) / (double)sessions, 0.8);
        double pre = pain0 * (1 - effect * progress) +
                     prng_normal(&d->r, 0, 0.5);
        double post = pre - synth_clamp(prng_normal(&d->r, 0.8, 0.5), 0, 2);
        pain = synth_clamp(post, 0, 10);
        observe(d, c, c->session_count, p->primary, "pre", day, minute - 5,
                synth_clamp(pre, 0, 10));
        observe(d, c, c->session_count, p->primary, "post", day,
                minute + minutes + 2, pain);
    }
    if (!complete)
        return write_course(d, &en, NULL, c);
    /* Discharge: the secondary measure, then the end of the episode. */
    double second_effect =
        synth_clamp(effect + prng_normal(&d->r, 0, 0.08), -0.1, 0.95);
    double second1 = second0 - (second0 - best) * second_effect;
    char end[CLOCK_DATE_LEN];
    synth_date(day, end);
    observe(d, c, c->session_count, p->secondary, "post", day, last_minute,
            second1);
    if (prng_uniform(&d->r) <= t->followup_coverage) {
        long follow = day + prng_range(&d->r, 28, 35);
        if (follow < d->today) {
            int holds = prng_uniform(&d->r) < t->sustain;
            double pain_f = holds ? pain + prng_normal(&d->r, 0.2, 0.5)
                                  : pain + (pain0 - pain) *
                                               (0.5 + 0.4 *
                                                          prng_uniform(&d->r));
            double second_f = holds ? second1 + prng_normal(&d->r, 0, 2)
                                    : second1 + (second0 - second1) * 0.7;
            observe(d, c, 0, p->primary, "followup", follow, 600,
                    synth_clamp(pain_f, 0, 10));
            observe(d, c, 0, p->secondary, "followup", follow, 605,
                    synth_clamp(second_f, best, worst));
        }
    }
    return write_course(d, &en, end, c);
}

int demo_fill(struct store *s, const struct actor *caller, uint64_t seed,
              struct demo_summary *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (access_manage(caller, "create the demo clinic", e) < 0)
        return -1;
    struct bulk_options bo = {
        .audit_action = "create", .audit_record_type = "demo",
    };
    struct demo d = {.today = clock_today(), .sum = out, .e = e};
    prng_seed(&d.r, seed);
    if (synth_begin(s, caller, &bo, &d.b, e) < 0)
        return -1;
    struct demo_course *course = xcalloc(1, sizeof(*course));
    int rc = add_practitioners(&d);
    rc = rc == 0 ? practitioner_consent_synthetic(s, e) : rc;
    for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(plans); i++) {
        for (int k = 0; rc == 0 && k < plans[i].complete; k++)
            rc = add_episode(&d, &plans[i], 1, course);
        for (int k = 0; rc == 0 && k < plans[i].open; k++)
            rc = add_episode(&d, &plans[i], 0, course);
    }
    free(course);
    if (rc < 0) {
        bulk_abort(d.b);
        return -1;
    }
    return bulk_commit(d.b, e);
}
