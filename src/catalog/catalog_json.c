/* The catalog as JSON (catalog_json.h). */
#include "catalog/catalog_json.h"

json_t *catalog_json_strings(const char **items, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

json_t *catalog_json_minutes(const struct protocol *p)
{
    return json_pack("{s:i,s:i,s:i}", "min", p->minutes_min, "max",
                     p->minutes_max, "default", p->minutes_default);
}

json_t *catalog_json_protocol_summary(const struct catalog *cat,
                                      const struct protocol *p)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:i,s:i,s:b}", "id", p->id, "name",
                     p->name, "group", p->group, "region", p->region,
                     "minutes", catalog_json_minutes(p), "training_hours",
                     p->training_hours, "total_hours",
                     catalog_total_hours(cat, p), "from_clinic",
                     p->from_clinic);
}

static json_t *indication_json(const struct protocol_indication *in)
{
    return json_pack("{s:s,s:s}", "code", in->code, "title", in->title);
}

static json_t *red_flag_json(const struct protocol_red_flag *rf)
{
    return json_pack("{s:s,s:s}", "id", rf->id, "question", rf->question);
}

void catalog_json_set_screening(json_t *o, const struct protocol *p)
{
    json_t *ind = json_array();
    for (int i = 0; i < p->indication_count; i++)
        json_array_append_new(ind, indication_json(&p->indications[i]));
    json_object_set_new(o, "indications", ind);
    json_t *flags = json_array();
    for (int i = 0; i < p->red_flag_count; i++)
        json_array_append_new(flags, red_flag_json(&p->red_flags[i]));
    json_object_set_new(o, "red_flags", flags);
}

json_t *catalog_json_training(const struct catalog *cat,
                              const struct protocol *p, int with_total)
{
    json_t *t = json_pack("{s:i,s:b,s:s,s:i}", "hours",
                          protocol_required_hours(p), "requires_baseline",
                          protocol_requires_baseline(p), "baseline",
                          CATALOG_BASELINE_ID, "baseline_hours",
                          catalog_baseline_hours(cat));
    if (with_total)
        json_object_set_new(t, "total_hours",
                            json_integer(catalog_total_hours(cat, p)));
    return t;
}

/* Sets key to text, or to null (absent_as_null) or nothing when absent. */
static void set_optional(json_t *o, const char *key, const char *text,
                         int absent_as_null)
{
    if (text)
        json_object_set_new(o, key, json_string(text));
    else if (absent_as_null)
        json_object_set_new(o, key, json_null());
}

json_t *catalog_json_phase(const struct protocol_phase *ph,
                           int absent_as_null)
{
    json_t *j = json_pack("{s:s,s:s,s:o,s:f,s:f}", "name", ph->name, "kind",
                          phase_kind_name(ph->kind), "techniques",
                          catalog_json_strings(ph->techniques,
                                               ph->technique_count),
                          "min_share", ph->min_permille / 1000.0, "max_share",
                          ph->max_permille / 1000.0);
    set_optional(j, "direction", ph->direction, absent_as_null);
    set_optional(j, "note", ph->note, absent_as_null);
    return j;
}

json_t *catalog_json_phases(const struct protocol *p, int absent_as_null)
{
    json_t *phases = json_array();
    for (int i = 0; i < p->phase_count; i++)
        json_array_append_new(phases,
                              catalog_json_phase(&p->phases[i],
                                                 absent_as_null));
    return phases;
}

void catalog_json_set_course(json_t *o, const struct protocol *p)
{
    json_object_set_new(o, "course",
                        json_pack("{s:i,s:i}", "sessions", p->course_sessions,
                                  "per_week", p->course_per_week));
    json_object_set_new(
        o, "outcomes",
        json_pack("{s:o,s:o}", "primary",
                  catalog_json_strings(p->primary, p->primary_count),
                  "secondary",
                  catalog_json_strings(p->secondary, p->secondary_count)));
    json_t *fu = json_array();
    for (int i = 0; i < p->follow_up_count; i++)
        json_array_append_new(fu, json_pack("{s:s,s:i}", "delay",
                                            p->follow_ups[i].text, "hours",
                                            p->follow_ups[i].hours));
    json_object_set_new(o, "follow_up", fu);
}

json_t *catalog_json_mcid(const struct instrument *in)
{
    json_t *m = json_object();
    json_object_set_new(m, "absolute", in->has_absolute
                                           ? json_real(in->mcid_absolute)
                                           : json_null());
    json_object_set_new(m, "relative", in->has_relative
                                           ? json_real(in->mcid_relative)
                                           : json_null());
    return m;
}

json_t *catalog_json_mcid_sourced(const struct instrument *in)
{
    json_t *m = catalog_json_mcid(in);
    json_object_set_new(m, "published",
                        json_boolean(in->has_absolute || in->has_relative));
    json_object_set_new(m, "source", json_string(in->mcid_source));
    return m;
}

json_t *catalog_json_instrument_items(const struct instrument *in,
                                      int with_loinc)
{
    json_t *items = json_array();
    for (int i = 0; i < in->item_count; i++) {
        json_t *it = json_pack("{s:s,s:f,s:f,s:b}", "label",
                               in->item_labels[i], "min", in->item_min[i],
                               "max", in->item_max[i], "reverse",
                               in->reverse[i]);
        if (with_loinc && in->item_loinc[i])
            json_object_set_new(it, "loinc", json_string(in->item_loinc[i]));
        json_array_append_new(items, it);
    }
    return items;
}

json_t *catalog_json_instrument_bands(const struct instrument *in)
{
    json_t *bands = json_array();
    for (int b = 0; b < in->band_count; b++)
        json_array_append_new(bands, json_pack("{s:f,s:s}", "upto",
                                               in->bands[b].upto, "label",
                                               in->bands[b].label));
    return bands;
}

void catalog_json_set_scoring(json_t *o, const struct instrument *in)
{
    json_object_set_new(o, "method",
                        json_string(instrument_method_name(in->method)));
    json_object_set_new(o, "max_missing", json_integer(in->max_missing));
    json_object_set_new(o, "missing_rule", json_string(in->missing_rule));
    json_object_set_new(o, "scoring_source", json_string(in->scoring_source));
}
