#include "record/record_json.h"

#include "core/util.h"

#include <math.h>

/* A string, or null when empty. */
static json_t *text_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *id_or_null(int64_t id)
{
    return id > 0 ? json_integer((json_int_t)id) : json_null();
}

static json_t *count_or_null(long n)
{
    return n >= 0 ? json_integer(n) : json_null();
}

/* A number, as an integer when whole. */
static json_t *number(double v)
{
    if (isnan(v))
        return json_null();
    if (v == floor(v) && fabs(v) < 1e15)
        return json_integer((json_int_t)v);
    return json_real(v);
}

/* A new object from json_pack (the keys in the order given); out of
 * memory dies. */
static json_t *packed(json_t *o)
{
    if (!o)
        die("out of memory writing JSON");
    return o;
}

/* Appends to_json(&items[i]) to array for each of the count items. */
#define APPEND_EACH(array, items, count, to_json)                            \
    for (size_t i_ = 0; i_ < (count); i_++)                                  \
    json_array_append_new((array), to_json(&(items)[i_]))

json_t *practitioner_to_json(const struct practitioner *p)
{
    json_t *o = packed(json_pack("{s:I, s:s, s:b}", "id", (json_int_t)p->id,
                                 "name", p->name, "active", p->active));
    if (p->limited)
        return o;
    json_object_update_new(
        o, packed(json_pack("{s:s, s:s, s:o, s:o, s:b, s:s, s:b, s:b, s:o}",
                            "license", p->license, "credentials",
                            p->credentials, "email", text_or_null(p->email),
                            "npi", text_or_null(p->npi), "synthetic",
                            p->synthetic, "created_at", p->created_at,
                            "registry_consent", p->registry_consent,
                            "directory_consent", p->directory_consent,
                            "directory_name",
                            text_or_null(p->directory_name))));
    return o;
}

json_t *training_to_json(const struct training *t)
{
    return packed(json_pack(
        "{s:I, s:I, s:s, s:o, s:s, s:o}", "id", (json_int_t)t->id,
        "practitioner_id", (json_int_t)t->practitioner_id, "protocol",
        t->protocol_id, "hours", number(t->hours), "completed",
        t->completed_on, "provider", text_or_null(t->provider)));
}

json_t *practitioner_detail_to_json(const struct practitioner_detail *d)
{
    json_t *o = practitioner_to_json(&d->practitioner);
    if (d->practitioner.limited)
        return o;
    json_t *a = json_array();
    APPEND_EACH(a, d->training.items, d->training.count, training_to_json);
    json_object_set_new(o, "training", a);
    return o;
}

json_t *patient_to_json(const struct patient *p)
{
    return packed(json_pack(
        "{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:b, s:o, s:b, s:s}", "id",
        (json_int_t)p->id, "name", p->name, "dob", p->birth_date, "sex",
        p->sex, "zip", text_or_null(p->zip), "phone", text_or_null(p->phone),
        "email", text_or_null(p->email), "consent_treatment",
        p->consent_treatment, "consent_research", p->consent_research,
        "created_by_practitioner", id_or_null(p->created_by_practitioner),
        "synthetic", p->synthetic, "created_at", p->created_at));
}

/* A comma-separated list of codes as an array of strings. */
static json_t *codes_to_json(const char *p)
{
    json_t *codes = json_array();
    while (*p) {
        const char *comma = p;
        while (*comma && *comma != ',')
            comma++;
        json_array_append_new(codes, json_stringn(p, (size_t)(comma - p)));
        p = *comma ? comma + 1 : comma;
    }
    return codes;
}

json_t *referral_to_json(const struct referral *r)
{
    return packed(json_pack(
        "{s:I, s:I, s:s, s:s, s:o, s:s, s:o, s:s}", "id", (json_int_t)r->id,
        "patient_id", (json_int_t)r->patient_id, "physician",
        r->physician_name, "specialty", r->physician_specialty, "npi",
        text_or_null(r->physician_npi), "reason", r->reason, "icd10",
        codes_to_json(r->icd10), "date", r->referred_on));
}

json_t *episode_to_json(const struct episode *ep)
{
    return packed(json_pack(
        "{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:s, s:o, s:b, s:o, s:o,"
        " s:i}",
        "id", (json_int_t)ep->id, "patient_id", (json_int_t)ep->patient_id,
        "patient", ep->patient_name, "practitioner_id",
        (json_int_t)ep->practitioner_id, "practitioner",
        ep->practitioner_name, "protocol", ep->protocol_id, "icd10",
        ep->icd10, "referral_id", id_or_null(ep->referral_id), "start",
        ep->started_on, "end", text_or_null(ep->ended_on), "open",
        !ep->ended_on[0], "chronicity_weeks",
        count_or_null(ep->chronicity_weeks), "comorbidities",
        count_or_null(ep->comorbidities), "session_count",
        ep->session_count));
}

json_t *observation_to_json(const struct observation *ob)
{
    json_t *items = json_null();
    if (ob->items) {
        items = json_array();
        for (size_t i = 0; i < ob->item_count; i++)
            json_array_append_new(items, number(ob->items[i]));
    }
    return packed(json_pack(
        "{s:I, s:I, s:o, s:s, s:s, s:s, s:o, s:o, s:o}", "id",
        (json_int_t)ob->id, "episode_id", (json_int_t)ob->episode_id,
        "session_id", id_or_null(ob->session_id), "instrument",
        ob->instrument, "timepoint", ob->timepoint, "at", ob->observed_at,
        "items", items, "total", number(ob->total), "followup_days",
        count_or_null(ob->followup_days)));
}

static json_t *phase_to_json(const struct session_phase *ph)
{
    return json_pack("{s:s,s:i}", "name", ph->name, "minutes", ph->minutes);
}

static json_t *finding_to_json(const struct session_finding *f)
{
    return json_pack("{s:s,s:s}", "code", f->code, "message", f->message);
}

json_t *session_to_json(const struct session *se)
{
    json_t *phases = json_array();
    APPEND_EACH(phases, se->phases, se->phase_count, phase_to_json);
    json_t *findings = json_array();
    APPEND_EACH(findings, se->findings, se->finding_count, finding_to_json);
    return packed(json_pack(
        "{s:I, s:I, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
        (json_int_t)se->id, "episode_id", (json_int_t)se->episode_id,
        "start", se->started_at, "minutes", se->minutes, "phases", phases,
        "findings", findings, "note", text_or_null(se->note), "subjective",
        text_or_null(se->subjective), "objective",
        text_or_null(se->objective), "assessment",
        text_or_null(se->assessment), "plan", text_or_null(se->plan)));
}
json_t *episode_detail_to_json(const struct episode_detail *d)
{
    json_t *o = episode_to_json(&d->episode);
    json_t *sessions = json_array();
    for (size_t i = 0; i < d->sessions.count; i++) {
        const struct session *se = &d->sessions.items[i];
        json_t *js = session_to_json(se);
        json_t *obs = json_array();
        for (size_t j = 0; j < d->observations.count; j++)
            if (d->observations.items[j].session_id == se->id)
                json_array_append_new(
                    obs, observation_to_json(&d->observations.items[j]));
        json_object_set_new(js, "observations", obs);
        json_array_append_new(sessions, js);
    }
    json_object_set_new(o, "sessions", sessions);
    json_t *other = json_array();
    for (size_t j = 0; j < d->observations.count; j++)
        if (!d->observations.items[j].session_id)
            json_array_append_new(
                other, observation_to_json(&d->observations.items[j]));
    json_object_set_new(o, "observations", other);
    return o;
}

json_t *patient_detail_to_json(const struct patient_detail *d)
{
    json_t *o = patient_to_json(&d->patient);
    json_t *refs = json_array();
    APPEND_EACH(refs, d->referrals.items, d->referrals.count,
                referral_to_json);
    json_object_set_new(o, "referrals", refs);
    json_object_set_new(o, "episodes", episode_list_to_json(&d->episodes));
    return o;
}

/* Defines type_list_to_json: an array of type_to_json of each item. */
#define LIST_TO_JSON(type)                                                     \
    json_t *type##_list_to_json(const struct type##_list *l)                   \
    {                                                                          \
        json_t *a = json_array();                                              \
        APPEND_EACH(a, l->items, l->count, type##_to_json);                    \
        return a;                                                              \
    }

LIST_TO_JSON(practitioner)
LIST_TO_JSON(patient)
LIST_TO_JSON(episode)
