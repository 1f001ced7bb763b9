/* Patients: the list with search, the intake of a new patient
 * (demographics, a physician's referral, consents), the patient's page and
 * adding a referral. Every read and write goes through the record layer
 * with the caller's actor (access rules and audit live there). */
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/util.h"
#include "record/patient.h"
#include "record/referral.h"
#include "record/validate.h"
#include "web/handlers.h"
#include "web/pages.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const sex_options[][2] = {
    {"", "Choose\xe2\x80\xa6"}, {"female", "Female"},   {"male", "Male"},
    {"other", "Other"},         {"unknown", "Unknown"},
};

int page_patients(struct web_ctx *w)
{
    if (page_require_clinical(w) < 0)
        return -1;
    const char *q = page_query(w, "q");
    struct patient_list l = {0};
    if (patient_list(w->store, &w->actor, q, &l, &w->err) < 0)
        return web_fail(w);
    struct buf *b = &w->resp->body;
    page_open(w, "Patients", SECTION_PATIENTS, PAGE_WIDE);
    html_raw(b, "<div class=\"title-row\"><h1>Patients</h1>\n"
                "<a class=\"button\" href=\"/patients/new\">New patient"
                "</a></div>\n");
    html_raw(b, "<form class=\"search\" method=\"get\" action=\"/patients\" "
                "role=\"search\">\n<label for=\"q\">Search by name</label>\n"
                "<input type=\"search\" id=\"q\" name=\"q\"");
    if (q)
        html_printf(b, " value=\"%s\"", q);
    html_raw(b, ">\n<button type=\"submit\">Search</button>\n</form>\n");
    if (q && *q)
        html_printf(b,
                    "<p>%zu patient%s matching &ldquo;%s&rdquo;. "
                    "<a href=\"/patients\">Show all</a></p>\n",
                    l.count, l.count == 1 ? "" : "s", q);
    if (!l.count) {
        html_raw(b, "<p class=\"empty\">No patients yet.</p>\n");
    } else {
        page_table_open(b, "list",
                        (const char *const[]){"Name", "Born", "Age", "Sex",
                                              "Consent", NULL});
        for (size_t i = 0; i < l.count; i++) {
            const struct patient *p = &l.items[i];
            html_printf(b,
                        "<tr><td><a href=\"/patients/%lld\">%s</a></td>"
                        "<td>%s</td><td>%d</td><td>%s</td><td>%s%s</td>"
                        "</tr>\n",
                        (long long)p->id, p->name, p->birth_date,
                        page_age(p->birth_date), p->sex,
                        p->consent_treatment ? "treatment" : "none",
                        p->consent_research ? ", research" : "");
        }
        page_table_close(b);
    }
    page_end(w);
    patient_list_release(&l);
    return 0;
}

/* The fields of a referral, for the intake and for a later referral. */
static void referral_fields(struct buf *b, const struct form_view *f)
{
    form_input(b, f, "physician", "Referring physician",
               &(struct field_opts){.attrs = " autocomplete=\"off\""});
    form_input(b, f, "specialty", "Specialty",
               &(struct field_opts){.hint = "Family medicine, orthopedics, "
                                            "neurology, ..."});
    form_input(b, f, "npi", "Physician NPI (optional)",
               &(struct field_opts){.hint = "10 digits",
                                    .attrs = " inputmode=\"numeric\" "
                                             "maxlength=\"10\""});
    form_input(b, f, "icd10", "Diagnosis codes (ICD-10-CM)",
               &(struct field_opts){.hint = "One or more codes separated "
                                            "by commas, e.g. M54.50, "
                                            "G44.209"});
    form_input(b, f, "reason", "Reason for referral", NULL);
    char today[CLOCK_DATE_LEN];
    clock_format_date(clock_today(), today);
    form_input(b, f, "date", "Referred on",
               &(struct field_opts){.type = "date", .fallback = today});
}

static int referral_page(struct web_ctx *w, int status,
                         const struct patient *p);

static int intake_page(struct web_ctx *w, int status)
{
    struct buf *b = &w->resp->body;
    struct form_view f = page_form_view(w, status != 200);
    page_restart(w, status, "New patient", SECTION_PATIENTS, 0);
    html_raw(b, "<h1>New patient</h1>\n");
    form_errors(b, &f);
    html_raw(b, "<form method=\"post\" action=\"/patients\" "
                "class=\"stacked\" novalidate>\n");
    form_csrf(w);
    html_raw(b, "<fieldset>\n<legend>The patient</legend>\n");
    form_input(b, &f, "name", "Full name",
               &(struct field_opts){.attrs = " autocomplete=\"off\""});
    form_input(b, &f, "dob", "Date of birth",
               &(struct field_opts){.type = "date"});
    form_select(b, &f, "sex", "Sex", sex_options, ARRAY_SIZE(sex_options),
                NULL);
    form_input(b, &f, "zip", "ZIP code (optional)",
               &(struct field_opts){.attrs = " inputmode=\"numeric\" "
                                             "maxlength=\"10\""});
    form_input(b, &f, "phone", "Phone (optional)",
               &(struct field_opts){.type = "tel"});
    form_input(b, &f, "email", "Email (optional)",
               &(struct field_opts){.type = "email"});
    html_raw(b, "</fieldset>\n<fieldset>\n<legend>Referral from a "
                "physician</legend>\n<p class=\"hint\">Leave these empty "
                "when the patient comes without a referral.</p>\n");
    referral_fields(b, &f);
    html_raw(b, "</fieldset>\n<fieldset>\n<legend>Consent</legend>\n");
    form_checkbox(b, &f, "consent-treatment",
                  "The patient consents to treatment", NULL);
    form_checkbox(b, &f, "consent-research",
                  "The patient consents to the use of their de-identified "
                  "data in research",
                  &(struct field_opts){.hint = "Optional; it changes "
                                               "nothing in their care."});
    html_raw(b, "</fieldset>\n<div class=\"actions\"><button "
                "type=\"submit\">Save the patient</button> "
                "<a href=\"/patients\">Cancel</a></div>\n</form>\n");
    page_end(w);
    return 0;
}

int page_patient_new(struct web_ctx *w)
{
    if (page_require_clinical(w) < 0)
        return -1;
    return intake_page(w, 200);
}

/* The referral fields of the form. */
static void referral_from_form(struct web_ctx *w, struct referral_new *r)
{
    memset(r, 0, sizeof(*r));
    r->physician_name = page_form_given(w, "physician");
    r->physician_specialty = page_form_given(w, "specialty");
    r->physician_npi = page_form_given(w, "npi");
    r->reason = page_form_given(w, "reason");
    r->icd10 = page_form_given(w, "icd10");
    /* "m54.50, g44.209" as typed: the record takes "M54.50,G44.209". */
    if (r->icd10) {
        char *c = (char *)r->icd10, *out = c;
        for (; *c; c++)
            if (!isspace((unsigned char)*c))
                *out++ = (char)toupper((unsigned char)*c);
        *out = '\0';
    }
    r->referred_on = page_form_given(w, "date");
}

/* Checks a referral's own fields before anything is saved, so that an
 * intake with a bad referral saves nothing (the record checks them again
 * with the patient). */
static int referral_precheck(const struct referral_new *r, const char *dob,
                             struct err *e)
{
    long rd, bd;
    if (validate_text(r->physician_name, "physician", 1, RECORD_NAME_MAX, e) <
            0 ||
        validate_text(r->physician_specialty, "specialty", 1, RECORD_TEXT_MAX,
                      e) < 0 ||
        validate_npi(r->physician_npi, "npi", e) < 0 ||
        validate_icd10_list(r->icd10, "icd10", e) < 0 ||
        validate_text(r->reason, "reason", 1, RECORD_TEXT_MAX, e) < 0)
        return -1;
    if (!r->referred_on)
        return err_set(e, ERR_INPUT, "date", "missing");
    if (validate_past_date(r->referred_on, "date", &rd, e) < 0)
        return -1;
    struct err ignored = ERR_INIT;
    if (dob && clock_parse_date(dob, &bd, "dob", &ignored) == 0 && rd < bd)
        return err_set(e, ERR_INPUT, "date",
                       "the referral cannot be before the patient's birth");
    return 0;
}

int page_patient_create(struct web_ctx *w)
{
    if (page_require_clinical(w) < 0)
        return -1;
    struct patient_new in = {0};
    in.name = page_form_given(w, "name");
    in.birth_date = page_form_given(w, "dob");
    in.sex = page_form_given(w, "sex");
    in.zip = page_form_given(w, "zip");
    in.phone = page_form_given(w, "phone");
    in.email = page_form_given(w, "email");
    in.consent_treatment = page_form_given(w, "consent-treatment") != NULL;
    in.consent_research = page_form_given(w, "consent-research") != NULL;
    struct referral_new r;
    referral_from_form(w, &r);
    int with_referral = r.physician_name || r.physician_specialty ||
                        r.physician_npi || r.reason || r.icd10;
    /* Top to bottom: the patient's fields, the referral's, the consent;
     * then save. */
    struct err e = ERR_INIT;
    long days;
    if (validate_text(in.name, "name", 1, RECORD_NAME_MAX, &e) < 0 ||
        (!in.birth_date && err_set(&e, ERR_INPUT, "dob", "missing") < 0) ||
        validate_past_date(in.birth_date, "dob", &days, &e) < 0 ||
        (!in.sex && err_set(&e, ERR_INPUT, "sex", "missing") < 0) ||
        (!patient_sex_valid(in.sex) &&
         err_set(&e, ERR_INPUT, "sex",
                 "must be female, male, other or unknown") < 0) ||
        (with_referral && referral_precheck(&r, in.birth_date, &e) < 0) ||
        (!in.consent_treatment &&
         err_set(&e, ERR_INPUT, "consent-treatment",
                 "the patient's consent to treatment is needed at "
                 "intake") < 0)) {
        w->err = e;
        return intake_page(w, 422);
    }
    int64_t id;
    if (patient_add(w->store, &w->actor, &in, &id, &w->err) < 0) {
        if (w->err.code != ERR_INPUT)
            return web_fail(w);
        return intake_page(w, 422);
    }
    if (with_referral) {
        r.patient_id = id;
        int64_t rid;
        if (referral_add(w->store, &w->actor, &r, &rid, &w->err) < 0) {
            /* The patient is saved: ask for the referral again. */
            struct patient p;
            struct err saved = w->err;
            if (w->err.code != ERR_INPUT ||
                patient_get(w->store, &w->actor, id, "id", &p, &w->err) < 0)
                return web_fail(w);
            w->err = saved;
            return referral_page(w, 422, &p);
        }
    }
    return page_redirect(w, "/patients/%lld?done=%s", (long long)id,
                         with_referral ? "intake" : "patient");
}

static void referral_table(struct web_ctx *w, const struct referral_list *l)
{
    struct buf *b = &w->resp->body;
    const struct catalog *cat = page_catalog(w);
    if (!l->count) {
        html_raw(b, "<p class=\"empty\">No referral on file.</p>\n");
        return;
    }
    page_table_open(b, "list",
                    (const char *const[]){"Date", "Physician", "Diagnosis",
                                          "Reason", NULL});
    for (size_t i = 0; i < l->count; i++) {
        const struct referral *r = &l->items[i];
        html_printf(b, "<tr><td>%s</td><td>%s<br><span class=\"muted\">%s",
                    r->referred_on, r->physician_name, r->physician_specialty);
        if (r->physician_npi[0])
            html_printf(b, ", NPI %s", r->physician_npi);
        html_raw(b, "</span></td><td>");
        /* Each code with its title when the catalog knows it. */
        char codes[sizeof(r->icd10)];
        snprintf(codes, sizeof(codes), "%s", r->icd10);
        char *save = NULL;
        int first = 1;
        for (char *c = strtok_r(codes, ",", &save); c;
             c = strtok_r(NULL, ",", &save)) {
            while (*c == ' ')
                c++;
            const char *title = catalog_code_title(cat, c);
            html_printf(b, "%s<code>%s</code>", first ? "" : "<br>", c);
            if (title)
                html_printf(b, " %s", title);
            first = 0;
        }
        html_printf(b, "</td><td>%s</td></tr>\n", r->reason);
    }
    page_table_close(b);
}

static const char *const patient_notices[][2] = {
    {"intake", "The patient and the referral are saved."},
    {"patient", "The patient is saved."},
    {"referral", "The referral is saved."},
    {NULL, NULL},
};

int page_patient(struct web_ctx *w)
{
    struct patient_detail d = {0};
    if (page_load_patient(w, &d) < 0)
        return -1;
    const struct patient *p = &d.patient;
    const struct catalog *cat = page_catalog(w);
    struct buf *b = &w->resp->body;
    page_open(w, p->name, SECTION_PATIENTS, PAGE_WIDE);
    html_raw(b, "<p class=\"crumbs\"><a href=\"/patients\">Patients</a></p>"
                "\n");
    html_printf(b, "<h1>%s</h1>\n", p->name);
    page_notice(w, patient_notices);
    html_raw(b, "<dl class=\"facts\">\n");
    html_printf(b, "<dt>Born</dt><dd>%s (age %d)</dd>\n", p->birth_date,
                page_age(p->birth_date));
    html_printf(b, "<dt>Sex</dt><dd>%s</dd>\n", p->sex);
    if (p->zip[0])
        html_printf(b, "<dt>ZIP</dt><dd>%s</dd>\n", p->zip);
    if (p->phone[0])
        html_printf(b, "<dt>Phone</dt><dd>%s</dd>\n", p->phone);
    if (p->email[0])
        html_printf(b, "<dt>Email</dt><dd>%s</dd>\n", p->email);
    html_printf(b, "<dt>Consent to treatment</dt><dd>%s</dd>\n",
                p->consent_treatment ? "yes" : "no");
    html_printf(b, "<dt>Consent to research use</dt><dd>%s</dd>\n",
                p->consent_research ? "yes (de-identified)" : "no");
    html_raw(b, "</dl>\n");

    html_printf(b,
                "<div class=\"title-row\"><h2>Episodes of care</h2>"
                "<a class=\"button\" href=\"/patients/%lld/episodes/new\">"
                "Open an episode</a></div>\n",
                (long long)p->id);
    if (!d.episodes.count) {
        html_raw(b, "<p class=\"empty\">No episode yet.</p>\n");
    } else {
        page_table_open(b, "list",
                        (const char *const[]){"Protocol", "Condition",
                                              "Therapist", "Start", "End",
                                              "Sessions", NULL});
        for (size_t i = 0; i < d.episodes.count; i++) {
            const struct episode *e = &d.episodes.items[i];
            const struct protocol *pr = catalog_find(cat, e->protocol_id);
            html_printf(b,
                        "<tr><td><a href=\"/episodes/%lld\">%s</a></td>"
                        "<td><code>%s</code></td><td>%s</td><td>%s</td>"
                        "<td>%s</td><td>%d</td></tr>\n",
                        (long long)e->id, pr ? pr->name : e->protocol_id,
                        e->icd10, e->practitioner_name, e->started_on,
                        e->ended_on[0] ? e->ended_on : "open",
                        e->session_count);
        }
        page_table_close(b);
    }
    html_printf(b,
                "<div class=\"title-row\"><h2>Referrals</h2>"
                "<a class=\"button secondary\" "
                "href=\"/patients/%lld/referrals/new\">Add a referral</a>"
                "</div>\n",
                (long long)p->id);
    referral_table(w, &d.referrals);
    page_end(w);
    patient_detail_release(&d);
    return 0;
}

static int referral_page(struct web_ctx *w, int status, const struct patient *p)
{
    struct buf *b = &w->resp->body;
    struct form_view f = page_form_view(w, status != 200);
    page_restart(w, status, "New referral", SECTION_PATIENTS, 0);
    html_printf(b,
                "<p class=\"crumbs\"><a href=\"/patients\">Patients</a> "
                "&rsaquo; <a href=\"/patients/%lld\">%s</a></p>\n",
                (long long)p->id, p->name);
    html_printf(b, "<h1>New referral for %s</h1>\n", p->name);
    form_errors(b, &f);
    html_printf(b,
                "<form method=\"post\" action=\"/patients/%lld/referrals\""
                " class=\"stacked\" novalidate>\n",
                (long long)p->id);
    form_csrf(w);
    referral_fields(b, &f);
    html_printf(b,
                "<div class=\"actions\"><button type=\"submit\">Save the "
                "referral</button> <a href=\"/patients/%lld\">Cancel</a>"
                "</div>\n</form>\n",
                (long long)p->id);
    page_end(w);
    return 0;
}

/* The patient of the path whom a clinical user refers; -1 when the user
 * may not (the answer written). */
static int referred_patient(struct web_ctx *w, struct patient *p)
{
    if (page_require_clinical(w) < 0)
        return -1;
    if (patient_get(w->store, &w->actor, page_id(w), "id", p, &w->err) < 0)
        return web_fail(w);
    return 0;
}

int page_referral_new(struct web_ctx *w)
{
    struct patient p;
    if (referred_patient(w, &p) < 0)
        return -1;
    return referral_page(w, 200, &p);
}

int page_referral_create(struct web_ctx *w)
{
    struct patient p;
    if (referred_patient(w, &p) < 0)
        return -1;
    struct referral_new r;
    referral_from_form(w, &r);
    r.patient_id = p.id;
    int64_t id;
    if (referral_add(w->store, &w->actor, &r, &id, &w->err) < 0) {
        if (w->err.code != ERR_INPUT)
            return web_fail(w);
        return referral_page(w, 422, &p);
    }
    return page_redirect(w, "/patients/%lld?done=referral", (long long)p.id);
}
