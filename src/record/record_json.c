#include "record/record_json.h"

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

json_t *practitioner_to_json(const struct practitioner *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)p->id));
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "active", json_boolean(p->active));
    if (p->limited)
        return o;
    json_object_set_new(o, "license", json_string(p->license));
    json_object_set_new(o, "credentials", json_string(p->credentials));
    json_object_set_new(o, "email", text_or_null(p->email));
    json_object_set_new(o, "npi", text_or_null(p->npi));
    json_object_set_new(o, "synthetic", json_boolean(p->synthetic));
    json_object_set_new(o, "created_at", json_string(p->created_at));
    return o;
}

json_t *training_to_json(const struct training *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)t->id));
    json_object_set_new(o, "practitioner_id",
                        json_integer((json_int_t)t->practitioner_id));
    json_object_set_new(o, "protocol", json_string(t->protocol_id));
    json_object_set_new(o, "hours", number(t->hours));
    json_object_set_new(o, "completed", json_string(t->completed_on));
    json_object_set_new(o, "provider", text_or_null(t->provider));
    return o;
}

json_t *practitioner_detail_to_json(const struct practitioner_detail *d)
{
    json_t *o = practitioner_to_json(&d->practitioner);
    if (d->practitioner.limited)
        return o;
    json_t *a = json_array();
    for (size_t i = 0; i < d->training.count; i++)
        json_array_append_new(a, training_to_json(&d->training.items[i]));
    json_object_set_new(o, "training", a);
    return o;
}

json_t *patient_to_json(const struct patient *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)p->id));
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "dob", json_string(p->birth_date));
    json_object_set_new(o, "sex", json_string(p->sex));
    json_object_set_new(o, "zip", text_or_null(p->zip));
    json_object_set_new(o, "phone", text_or_null(p->phone));
    json_object_set_new(o, "email", text_or_null(p->email));
    json_object_set_new(o, "consent_treatment",
                        json_boolean(p->consent_treatment));
    json_object_set_new(o, "consent_research",
                        json_boolean(p->consent_research));
    json_object_set_new(o, "created_by_practitioner",
                        id_or_null(p->created_by_practitioner));
    json_object_set_new(o, "synthetic", json_boolean(p->synthetic));
    json_object_set_new(o, "created_at", json_string(p->created_at));
    return o;
}

json_t *referral_to_json(const struct referral *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)r->id));
    json_object_set_new(o, "patient_id",
                        json_integer((json_int_t)r->patient_id));
    json_object_set_new(o, "physician", json_string(r->physician_name));
    json_object_set_new(o, "specialty", json_string(r->physician_specialty));
    json_object_set_new(o, "npi", text_or_null(r->physician_npi));
    json_object_set_new(o, "reason", json_string(r->reason));
    json_t *codes = json_array();
    const char *p = r->icd10;
    while (*p) {
        const char *comma = p;
        while (*comma && *comma != ',')
            comma++;
        json_array_append_new(codes, json_stringn(p, (size_t)(comma - p)));
        p = *comma ? comma + 1 : comma;
    }
    json_object_set_new(o, "icd10", codes);
    json_object_set_new(o, "date", json_string(r->referred_on));
    return o;
}

json_t *episode_to_json(const struct episode *ep)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)ep->id));
    json_object_set_new(o, "patient_id",
                        json_integer((json_int_t)ep->patient_id));
    json_object_set_new(o, "patient", json_string(ep->patient_name));
    json_object_set_new(o, "practitioner_id",
                        json_integer((json_int_t)ep->practitioner_id));
    json_object_set_new(o, "practitioner",
                        json_string(ep->practitioner_name));
    json_object_set_new(o, "protocol", json_string(ep->protocol_id));
    json_object_set_new(o, "icd10", json_string(ep->icd10));
    json_object_set_new(o, "referral_id", id_or_null(ep->referral_id));
    json_object_set_new(o, "start", json_string(ep->started_on));
    json_object_set_new(o, "end", text_or_null(ep->ended_on));
    json_object_set_new(o, "open", json_boolean(!ep->ended_on[0]));
    json_object_set_new(o, "chronicity_weeks",
                        count_or_null(ep->chronicity_weeks));
    json_object_set_new(o, "comorbidities", count_or_null(ep->comorbidities));
    json_object_set_new(o, "session_count", json_integer(ep->session_count));
    return o;
}

json_t *observation_to_json(const struct observation *ob)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)ob->id));
    json_object_set_new(o, "episode_id",
                        json_integer((json_int_t)ob->episode_id));
    json_object_set_new(o, "session_id", id_or_null(ob->session_id));
    json_object_set_new(o, "instrument", json_string(ob->instrument));
    json_object_set_new(o, "timepoint", json_string(ob->timepoint));
    json_object_set_new(o, "at", json_string(ob->observed_at));
    if (ob->items) {
        json_t *a = json_array();
        for (size_t i = 0; i < ob->item_count; i++)
            json_array_append_new(a, number(ob->items[i]));
        json_object_set_new(o, "items", a);
    } else {
        json_object_set_new(o, "items", json_null());
    }
    json_object_set_new(o, "total", number(ob->total));
    json_object_set_new(o, "followup_days",
                        count_or_null(ob->followup_days));
    return o;
}

json_t *session_to_json(const struct session *se)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)se->id));
    json_object_set_new(o, "episode_id",
                        json_integer((json_int_t)se->episode_id));
    json_object_set_new(o, "start", json_string(se->started_at));
    json_object_set_new(o, "minutes", json_integer(se->minutes));
    json_t *phases = json_array();
    for (size_t i = 0; i < se->phase_count; i++)
        json_array_append_new(phases,
                              json_pack("{s:s,s:i}", "name",
                                        se->phases[i].name, "minutes",
                                        se->phases[i].minutes));
    json_object_set_new(o, "phases", phases);
    json_t *findings = json_array();
    for (size_t i = 0; i < se->finding_count; i++)
        json_array_append_new(findings,
                              json_pack("{s:s,s:s}", "code",
                                        se->findings[i].code, "message",
                                        se->findings[i].message));
    json_object_set_new(o, "findings", findings);
    json_object_set_new(o, "note", text_or_null(se->note));
    json_object_set_new(o, "subjective", text_or_null(se->subjective));
    json_object_set_new(o, "objective", text_or_null(se->objective));
    json_object_set_new(o, "assessment", text_or_null(se->assessment));
    json_object_set_new(o, "plan", text_or_null(se->plan));
    return o;
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
    for (size_t i = 0; i < d->referrals.count; i++)
        json_array_append_new(refs, referral_to_json(&d->referrals.items[i]));
    json_object_set_new(o, "referrals", refs);
    json_object_set_new(o, "episodes", episode_list_to_json(&d->episodes));
    return o;
}

json_t *practitioner_list_to_json(const struct practitioner_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->count; i++)
        json_array_append_new(a, practitioner_to_json(&l->items[i]));
    return a;
}

json_t *patient_list_to_json(const struct patient_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->count; i++)
        json_array_append_new(a, patient_to_json(&l->items[i]));
    return a;
}

json_t *episode_list_to_json(const struct episode_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->count; i++)
        json_array_append_new(a, episode_to_json(&l->items[i]));
    return a;
}
