#include "synth/synth.h"
#include "catalog/plan.h"
#include "core/util.h"

#include <stdio.h>
#include <string.h>

const char *const synth_first_names[SYNTH_FIRST_NAME_COUNT] = {
    "Alder", "Briar", "Cove", "Dune", "Ember", "Fern", "Gale", "Heath",
    "Isle", "Juniper", "Kestrel", "Lark", "Moss", "North", "Onyx", "Pike",
    "Quill", "Rowan", "Sable", "Tarn", "Umber", "Vale", "Wren", "Yarrow",
    "Aspen", "Birch", "Cedar", "Delta", "Echo", "Flint", "Grove", "Hollis",
};
const char *const synth_last_names[SYNTH_LAST_NAME_COUNT] = {
    "Testwell", "Samplesby", "Mockridge", "Fauxley", "Placeholt", "Synthby",
    "Fictor", "Examplar", "Dummett", "Pretendo", "Notreal", "Madeupton",
    "Shamworth", "Figmont", "Draftley", "Proxim",
};
const char *const synth_specialties[SYNTH_SPECIALTY_COUNT] = {
    "Family medicine", "Physical medicine and rehabilitation", "Neurology",
    "Internal medicine", "Orthopaedics", "Obstetrics",
};

const char *synth_pick(struct prng *r, const char *const *list, size_t n)
{
    return list[prng_range(r, 0, (long)n - 1)];
}

double synth_clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void synth_date(long days, char out[CLOCK_DATE_LEN])
{
    clock_format_date(days, out);
}

void synth_instant(long days, int minute_of_day, char out[CLOCK_INSTANT_LEN])
{
    clock_format_instant((time_t)days * 86400 + minute_of_day * 60, out);
}

size_t synth_session_phases(struct prng *r, const struct protocol *p,
                            int minutes, double fidelity,
                            struct session_phase *phases)
{
    struct plan plan;
    struct err e = ERR_INIT;
    if (plan_make(p, minutes, &plan, &e) < 0)
        BUG("no plan of %d minutes for %s: %s", minutes, p->id, e.message);
    int n = plan.phase_count;
    int mins[PROTOCOL_MAX_PHASES];
    for (int i = 0; i < n; i++)
        mins[i] = plan.phases[i].minutes;
    if (prng_uniform(r) > fidelity && n > 2) {
        /* Kneading cut short; the time goes to the last phase. */
        int cut = minutes / 4;
        for (int i = 0; i < n; i++)
            if (!strcmp(plan.phases[i].phase->name, "kneading") &&
                mins[i] > cut) {
                mins[i] -= cut;
                mins[n - 1] += cut;
                break;
            }
    }
    for (int i = 0; i < n; i++) {
        snprintf(phases[i].name, sizeof(phases[i].name), "%s",
                 plan.phases[i].phase->name);
        phases[i].minutes = mins[i];
    }
    return (size_t)n;
}

int synth_begin(struct store *s, const struct actor *caller,
                const struct bulk_options *options, struct bulk **out,
                struct err *e)
{
    if (bulk_begin(s, caller, options, out, e) < 0)
        return -1;
    if (store_query_int(s, "SELECT (SELECT count(*) FROM practitioner) +"
                           " (SELECT count(*) FROM patient)") > 0) {
        bulk_abort(*out);
        *out = NULL;
        return err_set(e, ERR_CONFLICT, "db",
                       "'%s' already holds records; the demo fills only an "
                       "empty clinic",
                       store_path(s));
    }
    if (store_exec(s, "UPDATE clinic SET synthetic = 1", e) < 0) {
        bulk_abort(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int synth_observe(struct bulk *b, int64_t episode, int64_t session,
                  const char *instrument, const char *timepoint, long day,
                  int minute_of_day, const double *items, size_t item_count,
                  double value, struct err *e)
{
    char at[CLOCK_INSTANT_LEN];
    synth_instant(day, minute_of_day, at);
    struct observation_new o = {
        .episode_id = episode, .session_id = session,
        .instrument = instrument, .timepoint = timepoint, .observed_at = at,
        .items = items, .item_count = item_count,
        .has_value = item_count == 0, .value = value,
    };
    return bulk_add_observation(b, 0, &o, NULL, NULL, NULL, e);
}

int synth_add_training(struct bulk *b, int64_t practitioner,
                       const char *protocol_id, double hours,
                       long completed_day, const char *provider,
                       struct err *e)
{
    char completed[CLOCK_DATE_LEN];
    synth_date(completed_day, completed);
    struct training_new tr = {
        .practitioner_id = practitioner, .protocol_id = protocol_id,
        .hours = hours, .completed_on = completed, .provider = provider,
    };
    return bulk_add_training(b, 0, &tr, NULL, NULL, e);
}
