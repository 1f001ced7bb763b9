#include "synth/demo.h"
#include "record/access.h"
#include "catalog/catalog.h"
#include "record/audit.h"
#include "record/fidelity.h"
#include "record/internal.h"
#include "synth/random.h"
#include "record/scope.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
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

static const char *const first_names[] = {
    "Alder", "Briar", "Cove", "Dune", "Ember", "Fern", "Gale", "Heath",
    "Isle", "Juniper", "Kestrel", "Lark", "Moss", "North", "Onyx", "Pike",
    "Quill", "Rowan", "Sable", "Tarn", "Umber", "Vale", "Wren", "Yarrow",
};
static const char *const last_names[] = {
    "Testwell", "Samplesby", "Mockridge", "Fauxley", "Placeholt", "Synthby",
    "Fictor", "Examplar", "Dummett", "Pretendo", "Notreal", "Madeupton",
};
static const char *const physicians[] = {
    "Dr. Orla Fictive (synthetic)", "Dr. Piet Imaginary (synthetic)",
    "Dr. Rhea Invented (synthetic)", "Dr. Sol Pretend (synthetic)",
};
static const char *const specialties[] = {
    "Family medicine", "Physical medicine and rehabilitation", "Neurology",
    "Internal medicine",
};

struct demo {
    struct store *s;
    struct prng r;
    long today;
    int64_t practitioner_ids[ARRAY_SIZE(therapists)];
    int patient_number;
    struct demo_summary *sum;
    struct err *e;
};

static const struct demo_protocol *protocol_find(const char *id)
{
    for (size_t i = 0; i < ARRAY_SIZE(protocols); i++)
        if (!strcmp(protocols[i].id, id))
            return &protocols[i];
    BUG("demo protocol '%s' missing", id);
}

static void date_text(long days, char out[CLOCK_DATE_LEN])
{
    clock_format_date(days, out);
}

static void instant_text(long days, int minute_of_day,
                         char out[CLOCK_INSTANT_LEN])
{
    clock_format_instant((time_t)days * 86400 + minute_of_day * 60, out);
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
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
        if (practitioner_insert(d->s, &p, &d->practitioner_ids[i], d->e) < 0)
            return -1;
        d->sum->practitioners++;
        char completed[CLOCK_DATE_LEN];
        int64_t id;
        date_text(d->today - 900 - prng_range(&d->r, 0, 700), completed);
        struct training_new base = {
            .practitioner_id = d->practitioner_ids[i],
            .protocol_id = "stress-management-full-body",
            .hours = t->baseline_hours, .completed_on = completed,
            .provider = "Demo School of Medical Massage (synthetic)",
        };
        if (training_insert(d->s, &base, &id, d->e) < 0)
            return -1;
        for (int k = 0; k < 4 && t->protocols[k]; k++) {
            date_text(d->today - 760 - prng_range(&d->r, 0, 300), completed);
            const struct protocol *cp =
                catalog_find(scope_catalog(NULL), t->protocols[k]);
            if (!cp)
                BUG("demo protocol '%s' is not in the catalog",
                    t->protocols[k]);
            struct training_new tr = {
                .practitioner_id = d->practitioner_ids[i],
                .protocol_id = t->protocols[k],
                .hours = (double)(protocol_required_hours(cp) +
                                  8 * prng_range(&d->r, 0, 3)),
                .completed_on = completed,
                .provider = "Demo Institute (synthetic)",
            };
            if (training_insert(d->s, &tr, &id, d->e) < 0)
                return -1;
        }
    }
    return 0;
}

static int add_patient(struct demo *d, long start, int64_t *id)
{
    char name[96], dob[CLOCK_DATE_LEN], zip[8], phone[20];
    d->patient_number++;
    snprintf(name, sizeof(name), "%s %s",
             first_names[prng_range(&d->r, 0, ARRAY_SIZE(first_names) - 1)],
             last_names[prng_range(&d->r, 0, ARRAY_SIZE(last_names) - 1)]);
    date_text(start - 365L * prng_range(&d->r, 22, 78) -
                  prng_range(&d->r, 0, 364),
              dob);
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
    if (patient_insert(d->s, &p, 0, id, d->e) < 0)
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
        long sum = lround(clamp(total, 0, 100) / 2.0);
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
        double level = clamp((total - 36.0) / 42.0 * 4.0, 0, 4);
        for (int i = 0; i < 6; i++) {
            double v = level + prng_normal(&d->r, 0, 0.6);
            items[i] = worth[(int)lround(clamp(v, 0, 4))];
        }
        return 6;
    }
    if (!strcmp(instrument, "pss10")) {
        /* 10 items 0-4; items 4, 5, 7 and 8 are reverse-scored. */
        double level = clamp(total / 10.0, 0, 4);
        for (int i = 0; i < 10; i++) {
            long v = lround(clamp(level + prng_normal(&d->r, 0, 0.5), 0, 4));
            int reverse = i == 3 || i == 4 || i == 6 || i == 7;
            items[i] = (double)(reverse ? 4 - v : v);
        }
        return 10;
    }
    return 0;
}

/* The phases of a session as the protocol plans them; with probability
 * 1 - fidelity, a session that skimps on kneading. */
static size_t demo_phases(struct demo *d, const struct protocol *p,
                          int minutes, double fidelity,
                          struct session_phase *phases)
{
    const char *names[PROTOCOL_MAX_PHASES];
    int mins[PROTOCOL_MAX_PHASES];
    int n = fidelity_plan(p, minutes, names, mins, PROTOCOL_MAX_PHASES);
    if (n < 0)
        BUG("no plan of %d minutes for %s", minutes, p->id);
    if (prng_uniform(&d->r) > fidelity && n > 2) {
        /* Kneading cut short; the time goes to the last phase. */
        int cut = minutes / 4;
        for (int i = 0; i < n; i++)
            if (!strcmp(names[i], "kneading") && mins[i] > cut) {
                mins[i] -= cut;
                mins[n - 1] += cut;
                break;
            }
    }
    for (int i = 0; i < n; i++) {
        record_copy(phases[i].name, sizeof(phases[i].name), names[i]);
        phases[i].minutes = mins[i];
    }
    return (size_t)n;
}

static int observe(struct demo *d, int64_t episode, int64_t session,
                   const char *instrument, const char *timepoint, long day,
                   int minute, double value)
{
    char at[CLOCK_INSTANT_LEN];
    double items[16];
    instant_text(day, minute, at);
    struct observation_new o = {
        .episode_id = episode, .session_id = session,
        .instrument = instrument, .timepoint = timepoint, .observed_at = at,
    };
    o.item_count = instrument_items(d, instrument, value, items);
    o.items = items;
    if (!o.item_count) {
        o.has_value = 1;
        o.value = round(clamp(value, 0, 10));
    }
    int64_t id;
    if (observation_insert(d->s, &o, &id, d->e) < 0)
        return -1;
    d->sum->observations++;
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
                       int complete)
{
    const struct demo_therapist *t = &therapists[plan->therapist];
    const struct demo_protocol *p = protocol_find(plan->protocol);
    const struct protocol *cp = catalog_find(scope_catalog(NULL), p->id);
    if (!cp)
        BUG("demo protocol '%s' is not in the catalog", p->id);
    int sessions = (int)prng_range(&d->r, 4, 9);
    long start = complete ? d->today - prng_range(&d->r, 120, 720)
                          : d->today - prng_range(&d->r, 8, 30);
    int64_t patient, referral = 0, episode;
    if (add_patient(d, start, &patient) < 0)
        return -1;
    const char *icd10 = p->icd10[prng_range(&d->r, 0, 1)];
    if (prng_uniform(&d->r) < 0.75) {
        char date[CLOCK_DATE_LEN];
        date_text(start - prng_range(&d->r, 2, 21), date);
        long who = prng_range(&d->r, 0, ARRAY_SIZE(physicians) - 1);
        struct referral_new r = {
            .patient_id = patient, .physician_name = physicians[who],
            .physician_specialty = specialties[who], .reason = p->reason,
            .icd10 = icd10, .referred_on = date,
        };
        if (referral_insert(d->s, &r, &referral, d->e) < 0)
            return -1;
        d->sum->referrals++;
    }
    char start_text[CLOCK_DATE_LEN];
    date_text(start, start_text);
    struct episode_new en = {
        .patient_id = patient,
        .practitioner_id = d->practitioner_ids[plan->therapist],
        .protocol_id = p->id, .icd10 = icd10, .started_on = start_text,
        .referral_id = referral,
        .chronicity_weeks = prng_range(&d->r, 2, 156),
        .comorbidities = prng_range(&d->r, 0, 3),
    };
    if (episode_insert(d->s, &en, &episode, d->e) < 0)
        return -1;
    d->sum->episodes++;

    /* The course: baseline pain, this patient's share of relief. */
    double pain0 = (double)prng_range(&d->r, 5, 9);
    double effect = clamp(prng_normal(&d->r, t->effect, t->effect_sd), -0.1,
                          0.95);
    double best, worst;
    secondary_scale(p->secondary, &best, &worst);
    double second0 =
        best + (worst - best) * (0.35 + 0.35 * prng_uniform(&d->r));
    if (observe(d, episode, 0, p->primary, "baseline", start, 510, pain0) < 0 ||
        observe(d, episode, 0, p->secondary, "baseline", start, 515,
                second0) < 0)
        return -1;
    long day = start;
    if (!complete)
        sessions = (int)((d->today - start) / 7) + 1;
    double pain = pain0;
    int64_t last_session = 0;
    int last_minute = 540;
    for (int k = 1; k <= sessions; k++) {
        if (k > 1)
            day += prng_range(&d->r, 5, 9);
        if (day >= d->today)
            break; /* sessions up to yesterday: never in the future */
        int minutes = k == 1 ? cp->minutes_max
                             : cp->minutes_default +
                                   5 * (int)prng_range(&d->r, 0, 2);
        if (minutes > cp->minutes_max)
            minutes = cp->minutes_max;
        int minute = 600 + 60 * (int)prng_range(&d->r, 0, 6);
        struct session_phase phases[PROTOCOL_MAX_PHASES];
        size_t phase_count = demo_phases(d, cp, minutes, t->fidelity, phases);
        char at[CLOCK_INSTANT_LEN];
        instant_text(day, minute, at);
        struct session_new sn = {
            .episode_id = episode, .started_at = at, .minutes = minutes,
            .phases = phases, .phase_count = phase_count,
            .note = k == 1 ? "Synthetic demo session: intake and first "
                             "treatment."
                           : NULL,
        };
        int64_t session;
        if (session_insert(d->s, &sn, &session, d->e) < 0)
            return -1;
        d->sum->sessions++;
        last_session = session;
        last_minute = minute + minutes + 5;
        /* Pain before the session falls along the course; each session
         * brings some relief at once. */
        double progress = pow((double)(k - 1) / (double)sessions, 0.8);
        double pre = pain0 * (1 - effect * progress) +
                     prng_normal(&d->r, 0, 0.5);
        double post = pre - clamp(prng_normal(&d->r, 0.8, 0.5), 0, 2);
        pain = clamp(post, 0, 10);
        if (observe(d, episode, session, p->primary, "pre", day, minute - 5,
                    clamp(pre, 0, 10)) < 0 ||
            observe(d, episode, session, p->primary, "post", day,
                    minute + minutes + 2, pain) < 0)
            return -1;
    }
    if (!complete)
        return 0;
    /* Discharge: the secondary measure, then the end of the episode. */
    double second_effect =
        clamp(effect + prng_normal(&d->r, 0, 0.08), -0.1, 0.95);
    double second1 = second0 - (second0 - best) * second_effect;
    char end[CLOCK_DATE_LEN];
    date_text(day, end);
    if (observe(d, episode, last_session, p->secondary, "post", day,
                last_minute, second1) < 0)
        return -1;
    if (episode_close_locked(d->s, episode, end, d->e) < 0)
        return -1;
    if (prng_uniform(&d->r) > t->followup_coverage)
        return 0;
    long follow = day + prng_range(&d->r, 28, 35);
    if (follow >= d->today)
        return 0;
    int holds = prng_uniform(&d->r) < t->sustain;
    double pain_f = holds ? pain + prng_normal(&d->r, 0.2, 0.5)
                          : pain + (pain0 - pain) * (0.5 + 0.4 *
                                                     prng_uniform(&d->r));
    double second_f = holds ? second1 + prng_normal(&d->r, 0, 2)
                            : second1 + (second0 - second1) * 0.7;
    if (observe(d, episode, 0, p->primary, "followup", follow, 600,
                clamp(pain_f, 0, 10)) < 0 ||
        observe(d, episode, 0, p->secondary, "followup", follow, 605,
                clamp(second_f, best, worst)) < 0)
        return -1;
    return 0;
}

int demo_fill(struct store *s, const struct actor *caller, uint64_t seed,
              struct demo_summary *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (access_manage(caller, "create the demo clinic", e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    if (store_query_int(s, "SELECT (SELECT count(*) FROM practitioner) +"
                           " (SELECT count(*) FROM patient)") > 0) {
        store_rollback(s);
        return err_set(e, ERR_CONFLICT, "db",
                       "'%s' already holds records; the demo fills only an "
                       "empty clinic",
                       store_path(s));
    }
    struct demo d = {.s = s, .today = clock_today(), .sum = out, .e = e};
    prng_seed(&d.r, seed);
    int rc = store_exec(s, "UPDATE clinic SET synthetic = 1", e);
    if (rc == 0)
        rc = add_practitioners(&d);
    for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(plans); i++) {
        for (int k = 0; rc == 0 && k < plans[i].complete; k++)
            rc = add_episode(&d, &plans[i], 1);
        for (int k = 0; rc == 0 && k < plans[i].open; k++)
            rc = add_episode(&d, &plans[i], 0);
    }
    if (rc == 0)
        rc = audit_append(s, caller, "create", "demo", 0, 0, "ok", e);
    return record_finish(s, rc, e);
}
