#include "synth/registry_gen.h"
#include "catalog/catalog.h"
#include "catalog/instrument.h"
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

/*
 * The distributions below are the ones docs/synthetic-data.md documents;
 * change both together. They are illustrative assumptions chosen to look
 * like a registry of medical massage (most courses for back and neck pain,
 * most patients women in mid-life, moderate average improvement with wide
 * spread), not measured prevalences.
 */

/* Share of episodes per protocol group (normalised over the groups the
 * catalog has). */
static const struct {
    const char *group;
    double weight;
} group_mix[] = {
    {"lower-back", 0.24},       {"neck-upper-back", 0.18},
    {"tension-headache", 0.08}, {"migraine", 0.04},
    {"stress-management", 0.10}, {"joints", 0.10},
    {"myofascial", 0.07},       {"sprain-strain", 0.06},
    {"fibromyalgia", 0.03},     {"pregnancy", 0.025},
    {"postpartum", 0.015},      {"sleep", 0.015},
    {"tmj", 0.015},             {"post-concussion", 0.01},
    {"bronchial-asthma", 0.005}, {"immune-support", 0.005},
    {"hypertension", 0.01},     {"circulation", 0.01},
    {"sports", 0.03},
};

/* A therapist of the registry and their habits. */
struct gen_therapist {
    int64_t id;
    double effect;   /* added to every patient's share of relief */
    double sustain;  /* chance that a result holds at follow-up */
    double followup; /* chance that a follow-up is recorded */
    double fidelity; /* chance that a session keeps its kneading */
    int phases;      /* 1: records the phases of each session */
    double volume;   /* relative caseload */
};

/* The therapists trained in one protocol, for drawing one by caseload. */
struct gen_pool {
    int count;
    int *therapist;    /* indexes into therapists */
    double *cumulative; /* caseload, cumulative */
};

struct gen {
    struct bulk *b;
    struct prng r;
    const struct catalog *cat;
    long today;
    const struct registry_options *o;
    struct registry_summary *sum;
    struct err *e;
    struct gen_therapist *therapists;
    int protocol_count;
    const struct protocol **protocols;
    double *protocol_cumulative; /* episode mix, cumulative */
    struct gen_pool *pools;      /* per protocol */
    int64_t rows;
};

/* The index of the first cumulative weight above a uniform draw. */
static int draw_cumulative(struct prng *r, const double *cumulative, int n)
{
    double u = prng_uniform(r) * cumulative[n - 1];
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cumulative[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static double group_weight(const char *group)
{
    for (size_t i = 0; i < ARRAY_SIZE(group_mix); i++)
        if (!strcmp(group_mix[i].group, group))
            return group_mix[i].weight;
    return 0.005;
}

static int female_only(const struct protocol *p)
{
    return !strcmp(p->group, "pregnancy") || !strcmp(p->group, "postpartum");
}

/* The protocols with their share of episodes: the group's weight spread
 * evenly over its protocols. */
static void plan_protocols(struct gen *g)
{
    g->protocol_count = catalog_protocol_count(g->cat);
    g->protocols = xcalloc((size_t)g->protocol_count, sizeof(*g->protocols));
    g->protocol_cumulative =
        xcalloc((size_t)g->protocol_count, sizeof(*g->protocol_cumulative));
    double total = 0;
    for (int i = 0; i < g->protocol_count; i++) {
        const struct protocol *p = catalog_protocol_at(g->cat, i);
        g->protocols[i] = p;
        total += group_weight(p->group) /
                 catalog_group_protocol_count(g->cat, p->group);
        g->protocol_cumulative[i] = total;
    }
}

/* ---- Practitioners ------------------------------------------------------ */

static int add_training(struct gen *g, int t, const struct protocol *p,
                        double hours)
{
    if (synth_add_training(g->b, g->therapists[t].id, p->id, hours,
                           g->today - prng_range(&g->r, 400, 5000),
                           "Registry School of Medical Massage (synthetic)",
                           g->e) < 0)
        return -1;
    g->sum->training++;
    return 0;
}

static int protocol_index(struct gen *g, const struct protocol *p)
{
    for (int i = 0; i < g->protocol_count; i++)
        if (g->protocols[i] == p)
            return i;
    BUG("protocol '%s' not planned", p->id);
}

static void pool_add(struct gen *g, int protocol, int t)
{
    struct gen_pool *pool = &g->pools[protocol];
    pool->therapist = xreallocarray(pool->therapist, (size_t)pool->count + 1,
                                    sizeof(*pool->therapist));
    pool->cumulative = xreallocarray(
        pool->cumulative, (size_t)pool->count + 1, sizeof(*pool->cumulative));
    pool->therapist[pool->count] = t;
    pool->cumulative[pool->count] =
        (pool->count ? pool->cumulative[pool->count - 1] : 0) +
        g->therapists[t].volume;
    pool->count++;
}

static int train(struct gen *g, int t, int protocol)
{
    const struct protocol *p = g->protocols[protocol];
    double hours =
        (double)(protocol_required_hours(p) + 8 * prng_range(&g->r, 0, 3));
    if (add_training(g, t, p, hours) < 0)
        return -1;
    pool_add(g, protocol, t);
    return 0;
}

static int add_practitioners(struct gen *g)
{
    long n = g->o->practitioners;
    g->therapists = xcalloc((size_t)n, sizeof(*g->therapists));
    g->pools = xcalloc((size_t)g->protocol_count, sizeof(*g->pools));
    const struct protocol *baseline = catalog_find(g->cat, CATALOG_BASELINE_ID);
    if (!baseline)
        BUG("no baseline protocol");
    int baseline_index = protocol_index(g, baseline);
    char *trained = xcalloc((size_t)g->protocol_count, 1);
    for (long t = 0; t < n; t++) {
        struct gen_therapist *th = &g->therapists[t];
        char name[96], license[32], email[64];
        const char *last =
            synth_pick(&g->r, synth_last_names, SYNTH_LAST_NAME_COUNT);
        const char *first =
            synth_pick(&g->r, synth_first_names, SYNTH_FIRST_NAME_COUNT);
        snprintf(name, sizeof(name), "%s %s %ld (synthetic)", first, last,
                 t + 1);
        snprintf(license, sizeof(license), "SYN-LMT-%06ld", t + 1);
        snprintf(email, sizeof(email), "therapist%ld@registry.invalid", t + 1);
        struct practitioner_new p = {
            .name = name, .license = license, .credentials = "LMT",
            .email = email, .synthetic = 1,
        };
        if (bulk_add_practitioner(g->b, 0, &p, 1, NULL, &th->id, g->e) < 0)
            return -1;
        g->sum->practitioners++;
        /* Habits: most therapists near the middle, one in twenty markedly
         * better. */
        th->effect = prng_normal(&g->r, 0, 0.07);
        th->effect += prng_uniform(&g->r) < 0.05 ? 0.15 : 0;
        th->sustain = 0.6 + 0.35 * prng_uniform(&g->r);
        th->followup = 0.35 + 0.5 * prng_uniform(&g->r);
        th->fidelity = 0.85 + 0.15 * prng_uniform(&g->r);
        th->phases = prng_uniform(&g->r) < 0.6;
        th->volume = exp(prng_normal(&g->r, 0, 0.8));
        /* The full-body baseline (120-200 hours), then 3 to 10 protocols
         * drawn by the episode mix. */
        if (add_training(g, (int)t, baseline,
                         (double)prng_range(&g->r, 120, 200)) < 0)
            return -1;
        pool_add(g, baseline_index, (int)t);
        memset(trained, 0, (size_t)g->protocol_count);
        trained[baseline_index] = 1;
        long count = prng_range(&g->r, 3, 10);
        for (long k = 0, tries = 0; k < count && tries < 200; tries++) {
            int i = draw_cumulative(&g->r, g->protocol_cumulative,
                                    g->protocol_count);
            if (trained[i])
                continue;
            trained[i] = 1;
            k++;
            if (train(g, (int)t, i) < 0)
                return -1;
        }
    }
    free(trained);
    /* Every protocol has someone trained in it. */
    for (int i = 0; i < g->protocol_count; i++)
        if (!g->pools[i].count &&
            train(g, (int)prng_range(&g->r, 0, n - 1), i) < 0)
            return -1;
    return 0;
}

/* ---- Scores ---------------------------------------------------------------- */

/*
 * Item responses of instrument `code` for a patient at severity s (0: as
 * well as the scale can say, 1: as bad), with a little noise per item.
 * Returns the count (items), or 0 with *value set for a single value.
 */
static size_t responses(struct gen *g, const struct instrument *in, double s,
                        double *items, double *value)
{
    if (in->method == METHOD_BP) {
        double systolic = round(112 + 58 * s + prng_normal(&g->r, 0, 6));
        double diastolic = round(70 + 26 * s + prng_normal(&g->r, 0, 4));
        items[0] = synth_clamp(systolic, 90, 220);
        items[1] = synth_clamp(diastolic, 50, items[0] - 20);
        return 2;
    }
    int better = in->direction == DIRECTION_HIGHER_BETTER;
    if (instrument_accepts_value(in)) {
        double lo = in->item_min[0], hi = in->item_max[0];
        if (!in->integer_items && hi > 5)
            hi = 3; /* PVR: device units around the seed's 0.8-1.6 */
        double v = better ? hi - s * (hi - lo) : lo + s * (hi - lo);
        v = synth_clamp(v, lo, hi);
        *value = in->integer_items ? round(v) : round(v * 100) / 100;
        return 0;
    }
    int n = in->item_count_min < in->item_count ? in->item_count_min
                                                 : in->item_count;
    for (int i = 0; i < n; i++) {
        double si = synth_clamp(s + prng_normal(&g->r, 0, 0.12), 0, 1);
        if (better)
            si = 1 - si;
        if (in->allowed_count > 0) {
            int k = (int)lround(si * (in->allowed_count - 1));
            items[i] = in->allowed[k];
            continue;
        }
        double lo = in->item_min[i], hi = in->item_max[i];
        double v = round(lo + si * (hi - lo));
        /* A reverse-scored item is answered the other way round. */
        items[i] = in->reverse[i] ? hi + lo - v : v;
    }
    return (size_t)n;
}

static int observe(struct gen *g, int64_t episode, int64_t session,
                   const struct instrument *in, const char *timepoint,
                   long day, int minute, double severity)
{
    double items[INSTRUMENT_MAX_ITEMS], value = 0;
    size_t n = responses(g, in, synth_clamp(severity, 0, 1), items, &value);
    if (synth_observe(g->b, episode, session, in->code, timepoint, day,
                      minute, items, n, value, g->e) < 0)
        return -1;
    g->sum->observations++;
    g->rows++;
    return 0;
}

/* ---- Courses of care ---------------------------------------------------- */

/* The instruments of an episode: one measured around every session (a
 * single value where the protocol has one), and the course measures
 * taken at baseline, discharge and follow-up. */
struct gen_measures {
    const struct instrument *session;
    const struct instrument *course[3];
    int course_count;
};

static void plan_measures(const struct protocol *p, int secondary,
                          struct gen_measures *m)
{
    memset(m, 0, sizeof(*m));
    for (int i = 0; i < p->primary_count && !m->session; i++) {
        const struct instrument *in = instrument_find(p->primary[i]);
        if (in && (instrument_accepts_value(in) || in->method == METHOD_BP))
            m->session = in;
    }
    for (int i = 0; i < p->primary_count && m->course_count < 2; i++) {
        const struct instrument *in = instrument_find(p->primary[i]);
        if (in && in != m->session)
            m->course[m->course_count++] = in;
    }
    if (secondary && p->secondary_count > 0) {
        const struct instrument *in = instrument_find(p->secondary[0]);
        if (in && in != m->session)
            m->course[m->course_count++] = in;
    }
}

static const struct protocol *draw_protocol(struct gen *g, int female,
                                            int *index)
{
    for (;;) {
        int i = draw_cumulative(&g->r, g->protocol_cumulative,
                                g->protocol_count);
        if (!female_only(g->protocols[i]) || female) {
            *index = i;
            return g->protocols[i];
        }
    }
}

static int add_episode(struct gen *g, int64_t patient, long birth,
                       int female)
{
    int pi;
    const struct protocol *p = draw_protocol(g, female, &pi);
    struct gen_pool *pool = &g->pools[pi];
    const struct gen_therapist *t =
        &g->therapists[pool->therapist[draw_cumulative(
            &g->r, pool->cumulative, pool->count)]];
    /* When: within the last five years; some courses still running. */
    long start = g->today - prng_range(&g->r, 1, 5 * 365);
    if (start < birth + 18 * 365)
        start = birth + 18 * 365;
    if (start >= g->today)
        start = g->today - 1;
    const char *icd10 = p->indication_count
                            ? p->indications[prng_range(
                                  &g->r, 0, p->indication_count - 1)].code
                            : "R52";
    int64_t referral = 0;
    if (prng_uniform(&g->r) < 0.55) {
        char date[CLOCK_DATE_LEN], physician[96];
        long before = prng_range(&g->r, 2, 21);
        synth_date(start - before < birth ? start : start - before, date);
        const char *last =
            synth_pick(&g->r, synth_last_names, SYNTH_LAST_NAME_COUNT);
        const char *first =
            synth_pick(&g->r, synth_first_names, SYNTH_FIRST_NAME_COUNT);
        snprintf(physician, sizeof(physician), "Dr. %s %s (synthetic)", first,
                 last);
        struct referral_new rn = {
            .patient_id = patient, .physician_name = physician,
            .physician_specialty = synth_pick(&g->r, synth_specialties,
                                              SYNTH_SPECIALTY_COUNT),
            .reason = p->name, .icd10 = icd10, .referred_on = date,
        };
        if (bulk_add_referral(g->b, 0, &rn, NULL, &referral, g->e) < 0)
            return -1;
        g->sum->referrals++;
    }
    /* Risk factors. */
    double age = (double)(start - birth) / 365.25;
    long chronicity = lround(synth_clamp(
        exp(prng_normal(&g->r, log(12), 1.1)), 0, EPISODE_CHRONICITY_MAX));
    long comorbidities =
        lround(synth_clamp(floor(-log(1 - prng_uniform(&g->r)) *
                                 (0.4 + age / 80.0)),
                           0, 8));
    double severity0 =
        synth_clamp(prng_normal(&g->r, 0.55, 0.15), 0.12, 0.97);
    double relief = 0.45 + t->effect - 0.05 * (double)comorbidities -
                    0.07 * log(1 + (double)chronicity / 52.0) -
                    0.002 * (age - 45) + (female ? 0.02 : 0) +
                    0.10 * (severity0 - 0.55);
    relief = synth_clamp(relief + prng_normal(&g->r, 0, 0.18), -0.25, 0.95);
    /* The course: planned sessions, attended until a drop-out. */
    int planned = p->course_sessions > 0 ? p->course_sessions : 6;
    double gap = 7.0 / (p->course_per_week > 0 ? p->course_per_week : 1);
    int dropout_at = planned + 1;
    for (int k = 2; k <= planned; k++)
        if (prng_uniform(&g->r) < 0.045) {
            dropout_at = k;
            break;
        }
    char start_text[CLOCK_DATE_LEN];
    synth_date(start, start_text);
    /* The sessions, collected first: the episode arrives closed when the
     * course ended before today. */
    long days[64];
    int attended = 0;
    long day = start;
    for (int k = 1; k <= planned && k < dropout_at && attended < 64; k++) {
        if (k > 1) {
            long step = lround(gap + prng_normal(&g->r, 0, gap / 4));
            day += step < 1 ? 1 : step;
        }
        if (day >= g->today)
            break;
        days[attended++] = day;
    }
    int completed = attended == planned;
    int dropped = !completed && dropout_at <= planned &&
                  attended == dropout_at - 1;
    long end = -1;
    if (completed)
        end = days[attended - 1];
    else if (dropped && days[attended - 1] + 28 < g->today)
        end = days[attended - 1] + 28; /* discharged by the clinic */
    char end_text[CLOCK_DATE_LEN];
    if (end >= 0)
        synth_date(end, end_text);
    struct episode_new en = {
        .patient_id = patient, .practitioner_id = t->id,
        .protocol_id = p->id, .icd10 = icd10, .started_on = start_text,
        .referral_id = referral, .chronicity_weeks = chronicity,
        .comorbidities = comorbidities,
    };
    int64_t episode;
    if (bulk_add_episode(g->b, 0, &en, end >= 0 ? end_text : NULL, NULL,
                         &episode, g->e) < 0)
        return -1;
    g->sum->episodes++;
    g->rows++;

    struct gen_measures m;
    plan_measures(p, prng_uniform(&g->r) < 0.5, &m);
    for (int i = 0; i < m.course_count; i++)
        if (observe(g, episode, 0, m.course[i], "baseline", start, 480 + i,
                    severity0 + prng_normal(&g->r, 0, 0.03)) < 0)
            return -1;
    int64_t last_session = 0;
    int last_minute = 0;
    for (int k = 1; k <= attended; k++) {
        int minutes = p->minutes_default + 5 * (int)prng_range(&g->r, -1, 1);
        if (minutes < p->minutes_min)
            minutes = p->minutes_min;
        if (minutes > p->minutes_max)
            minutes = p->minutes_max;
        int minute = 540 + 30 * (int)prng_range(&g->r, 0, 16);
        struct session_phase phases[PROTOCOL_MAX_PHASES];
        size_t phase_count =
            t->phases
                ? synth_session_phases(&g->r, p, minutes, t->fidelity, phases)
                : 0;
        char at[CLOCK_INSTANT_LEN];
        synth_instant(days[k - 1], minute, at);
        struct session_new sn = {
            .episode_id = episode, .started_at = at, .minutes = minutes,
            .phases = phases, .phase_count = phase_count,
        };
        int64_t session;
        if (bulk_add_session(g->b, 0, &sn, NULL, &session, g->e) < 0)
            return -1;
        g->sum->sessions++;
        g->rows++;
        last_session = session;
        last_minute = minute + minutes + 3;
        /* Severity before the session falls along the course toward the
         * patient's share of relief; each session relieves a little at
         * once. */
        double progress =
            (1 - exp(-3.0 * (k - 1) / planned)) / (1 - exp(-3.0));
        double pre = severity0 * (1 - relief * progress) +
                     prng_normal(&g->r, 0, 0.04);
        double post =
            pre - synth_clamp(prng_normal(&g->r, 0.06, 0.04), 0, 0.2);
        if (m.session) {
            if (prng_uniform(&g->r) >= 0.05 &&
                observe(g, episode, session, m.session, "pre", days[k - 1],
                        minute - 3, pre) < 0)
                return -1;
            if (prng_uniform(&g->r) >= 0.05 &&
                observe(g, episode, session, m.session, "post", days[k - 1],
                        last_minute, post) < 0)
                return -1;
        }
    }
    if (!completed || !last_session)
        return 0; /* open, or dropped out: no discharge measures */
    double discharge = severity0 * (1 - relief) + prng_normal(&g->r, 0, 0.03);
    for (int i = 0; i < m.course_count; i++)
        if (observe(g, episode, last_session, m.course[i], "post", end,
                    last_minute + 1 + i, discharge) < 0)
            return -1;
    if (prng_uniform(&g->r) >= t->followup)
        return 0;
    long follow = end + prng_range(&g->r, 28, 42);
    if (follow >= g->today)
        return 0;
    int holds = prng_uniform(&g->r) < t->sustain;
    double later = holds ? discharge + prng_normal(&g->r, 0.01, 0.04)
                         : discharge + (severity0 - discharge) *
                                           (0.4 + 0.5 * prng_uniform(&g->r));
    if (m.session && observe(g, episode, 0, m.session, "followup", follow,
                             600, later) < 0)
        return -1;
    for (int i = 0; i < m.course_count; i++)
        if (observe(g, episode, 0, m.course[i], "followup", follow, 601 + i,
                    later + prng_normal(&g->r, 0, 0.03)) < 0)
            return -1;
    return 0;
}

static int add_patient(struct gen *g, long number)
{
    char name[96], dob[CLOCK_DATE_LEN], zip[8], phone[20];
    const char *last =
        synth_pick(&g->r, synth_last_names, SYNTH_LAST_NAME_COUNT);
    const char *first =
        synth_pick(&g->r, synth_first_names, SYNTH_FIRST_NAME_COUNT);
    snprintf(name, sizeof(name), "%s %s", first, last);
    /* Age at the registry's middle: mostly 25 to 70. */
    double age = synth_clamp(prng_normal(&g->r, 46, 14), 18, 92);
    long birth = g->today - 2 * 365 - lround(age * 365.25) -
                 prng_range(&g->r, 0, 364);
    synth_date(birth, dob);
    snprintf(zip, sizeof(zip), "%05ld", prng_range(&g->r, 10000, 99999));
    snprintf(phone, sizeof(phone), "555-01%02ld", number % 100);
    long sex = prng_range(&g->r, 0, 99);
    static const char *const sexes[] = {"female", "male", "other",
                                        "unknown"};
    int which = sex < 64 ? 0 : sex < 98 ? 1 : sex < 99 ? 2 : 3;
    struct patient_new pn = {
        .name = name, .birth_date = dob, .sex = sexes[which], .zip = zip,
        .phone = phone, .consent_treatment = 1,
        .consent_research = prng_uniform(&g->r) < 0.8, .synthetic = 1,
    };
    int64_t id;
    if (bulk_add_patient(g->b, 0, &pn, 0, NULL, &id, g->e) < 0)
        return -1;
    g->sum->patients++;
    g->rows++;
    for (long k = 0; k < g->o->episodes_per_patient; k++)
        if (add_episode(g, id, birth, which == 0) < 0)
            return -1;
    return 0;
}

static int check_options(const struct registry_options *o, struct err *e)
{
    if (o->practitioners < 1 || o->practitioners > REGISTRY_PRACTITIONERS_MAX)
        return err_set(e, ERR_INPUT, "practitioners",
                       "%ld is out of range (1 to %d)", o->practitioners,
                       REGISTRY_PRACTITIONERS_MAX);
    if (o->patients < 1 || o->patients > REGISTRY_PATIENTS_MAX)
        return err_set(e, ERR_INPUT, "patients",
                       "%ld is out of range (1 to %d)", o->patients,
                       REGISTRY_PATIENTS_MAX);
    if (o->episodes_per_patient < 1 ||
        o->episodes_per_patient > REGISTRY_EPISODES_PER_PATIENT_MAX)
        return err_set(e, ERR_INPUT, "episodes-per-patient",
                       "%ld is out of range (1 to %d)",
                       o->episodes_per_patient,
                       REGISTRY_EPISODES_PER_PATIENT_MAX);
    return 0;
}

/* The summaries' pass at the end reports on the same progress line. */
static void summary_progress(void *ctx, double fraction)
{
    const struct registry_options *o = ctx;
    o->progress(o->progress_ctx, fraction, 0);
}

static void gen_release(struct gen *g)
{
    for (int i = 0; g->pools && i < g->protocol_count; i++) {
        free(g->pools[i].therapist);
        free(g->pools[i].cumulative);
    }
    free(g->pools);
    free(g->therapists);
    free(g->protocols);
    free(g->protocol_cumulative);
}

int registry_generate(struct store *s, const struct actor *caller,
                      const struct registry_options *o,
                      struct registry_summary *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (access_manage(caller, "generate a registry", e) < 0 ||
        check_options(o, e) < 0)
        return -1;
    struct bulk_options bo = {
        .fast = 1, .audit_action = "generate",
        .progress = o->progress ? summary_progress : NULL,
        .progress_ctx = (void *)o,
    };
    struct gen g = {
        .cat = scope_catalog(NULL), .today = clock_today(), .o = o,
        .sum = out, .e = e,
    };
    prng_seed(&g.r, o->seed);
    if (synth_begin(s, caller, &bo, &g.b, e) < 0)
        return -1;
    plan_protocols(&g);
    int rc = add_practitioners(&g);
    for (long i = 0; rc == 0 && i < o->patients; i++) {
        rc = add_patient(&g, i + 1);
        if (o->progress && (i & 1023) == 0)
            o->progress(o->progress_ctx, (double)i / (double)o->patients,
                        g.rows);
    }
    gen_release(&g);
    if (rc < 0) {
        bulk_abort(g.b);
        return -1;
    }
    return bulk_commit(g.b, e);
}
