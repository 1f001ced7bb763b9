/* Episodes of care: choosing a protocol from the catalog (grouped,
 * searchable; a protocol the therapist is not trained in is shown as
 * "refer to" with the trained colleagues), the red-flag screen before the
 * episode opens, the episode's page with the course so far, discharge,
 * and the home page's list of open episodes. */
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/clock.h"
#include "core/util.h"
#include "record/episode.h"
#include "record/observation.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "record/scope.h"
#include "record/session.h"
#include "web/handlers.h"
#include "web/pages.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- who is trained in what ---- */

/* The clinic's active practitioners, for scope questions. */
struct staff {
    struct practitioner_list list;
};

static int staff_load(struct web_ctx *w, struct staff *st)
{
    memset(st, 0, sizeof(*st));
    if (practitioner_list(w->store, &w->actor, &st->list, &w->err) < 0)
        return web_fail(w);
    return 0;
}

static void staff_release(struct staff *st)
{
    practitioner_list_release(&st->list);
}

/* 1 when practitioner_id's training covers p (scope.h decides). */
static int trained_in(struct web_ctx *w, int64_t practitioner_id,
                      const struct protocol *p)
{
    struct err e = ERR_INIT;
    return scope_check(w->store, page_catalog(w), practitioner_id, p, NULL,
                       &e) == 0;
}

/* Writes who to refer a patient to for p: the active practitioners
 * other than self trained in it, or that no one in the clinic is. */
static void trained_colleagues(struct web_ctx *w, const struct staff *st,
                               int64_t self, const struct protocol *p)
{
    struct buf *b = &w->resp->body;
    int any = 0;
    for (size_t i = 0; i < st->list.count; i++) {
        const struct practitioner *pr = &st->list.items[i];
        if (!pr->active || pr->id == self || !trained_in(w, pr->id, p))
            continue;
        html_raw(b, any++ ? ", " : "<strong>Refer to</strong> ");
        html_text(b, pr->name);
    }
    if (!any)
        html_raw(b, "<strong>Refer outside the clinic:</strong> no one here "
                    "is trained");
}

/* ---- the protocol chooser ---- */

/* 1 when one of p's indications is among the comma-separated codes. */
static int indicated_by(const struct protocol *p, const char *codes)
{
    for (int i = 0; i < p->indication_count; i++) {
        const char *c = p->indications[i].code;
        size_t n = strlen(c);
        for (const char *t = strstr(codes, c); t; t = strstr(t + 1, c))
            if ((t == codes || t[-1] == ',' || t[-1] == ' ') &&
                (t[n] == '\0' || t[n] == ',' || t[n] == ' '))
                return 1;
    }
    return 0;
}

/* One row of the chooser: the protocol, and either a link to screen and
 * open it, or who to refer to. */
static void protocol_row(struct web_ctx *w, const struct staff *st,
                         int64_t patient_id, const struct protocol *p)
{
    struct buf *b = &w->resp->body;
    const struct catalog *cat = page_catalog(w);
    int64_t self = w->actor.practitioner_id;
    int therapist = w->session.user.role == ROLE_THERAPIST;
    int ok = !therapist || trained_in(w, self, p);
    html_printf(b,
                "<li class=\"protocol%s\">\n<div class=\"what\">"
                "<a href=\"/protocols/%s\">%s</a>"
                "<span class=\"muted\"> &middot; %s &middot; %d&ndash;%d "
                "min &middot; %d h training</span>",
                ok ? "" : " refer", p->id, p->name, p->region, p->minutes_min,
                p->minutes_max, catalog_total_hours(cat, p));
    html_raw(b, "</div>\n<div class=\"act\">");
    if (ok) {
        html_printf(b,
                    "<a class=\"button\" href=\"/patients/%lld/episodes/"
                    "new/%s\">Screen and open</a>",
                    (long long)patient_id, p->id);
    } else {
        html_raw(b, "<span class=\"refer-to\">Not trained. ");
        trained_colleagues(w, st, self, p);
        html_raw(b, "</span>");
    }
    html_raw(b, "</div>\n</li>\n");
}

int page_episode_protocols(struct web_ctx *w)
{
    struct patient_detail d = {0};
    if (page_load_patient(w, &d) < 0)
        return -1;
    struct staff st;
    if (staff_load(w, &st) < 0) {
        patient_detail_release(&d);
        return -1;
    }
    const struct catalog *cat = page_catalog(w);
    const char *q = page_query(w, "q");
    struct buf *b = &w->resp->body;
    int64_t pid = d.patient.id;
    page_open(w, "Choose a protocol", SECTION_PATIENTS, PAGE_WIDE);
    html_printf(b,
                "<p class=\"crumbs\"><a href=\"/patients\">Patients</a> "
                "&rsaquo; <a href=\"/patients/%lld\">%s</a></p>\n",
                (long long)pid, d.patient.name);
    html_printf(b, "<h1>Open an episode for %s</h1>\n", d.patient.name);
    html_raw(b, "<p>Choose the protocol. Those you are not trained in show "
                "the colleagues to refer the patient to.</p>\n");
    html_printf(b,
                "<form class=\"search\" method=\"get\" "
                "action=\"/patients/%lld/episodes/new\" role=\"search\">\n"
                "<label for=\"q\">Search protocols</label>\n"
                "<input type=\"search\" id=\"q\" name=\"q\" "
                "placeholder=\"name, region or ICD-10 code\"",
                (long long)pid);
    if (q)
        html_printf(b, " value=\"%s\"", q);
    html_raw(b, ">\n<button type=\"submit\">Search</button>\n</form>\n");

    /* Suggested: protocols indicated by the referrals' codes. */
    struct buf codes = BUF_INIT;
    for (size_t i = 0; i < d.referrals.count; i++)
        buf_printf(&codes, "%s%s", codes.len ? "," : "",
                   d.referrals.items[i].icd10);
    int shown = 0;
    if (codes.len && !(q && *q)) {
        int any = 0;
        for (int i = 0; i < catalog_protocol_count(cat); i++) {
            const struct protocol *p = catalog_protocol_at(cat, i);
            if (!indicated_by(p, codes.data))
                continue;
            if (!any++)
                html_printf(b,
                            "<section class=\"group suggested\">"
                            "<h2>Indicated by the referral (%s)</h2>\n"
                            "<ul class=\"protocols\">\n",
                            codes.data);
            protocol_row(w, &st, pid, p);
        }
        if (any)
            html_raw(b, "</ul></section>\n");
    }
    buf_release(&codes);
    /* The protocols the caller delivers (a therapist: those trained in),
     * then every group, folded unless searching. */
    int therapist = w->session.user.role == ROLE_THERAPIST;
    if (therapist && !(q && *q)) {
        int any = 0;
        for (int i = 0; i < catalog_protocol_count(cat); i++) {
            const struct protocol *p = catalog_protocol_at(cat, i);
            if (!trained_in(w, w->actor.practitioner_id, p))
                continue;
            if (!any++)
                html_raw(b, "<section class=\"group\"><h2>Protocols you "
                            "are trained in</h2>\n<ul class=\"protocols\">"
                            "\n");
            protocol_row(w, &st, pid, p);
        }
        if (any)
            html_raw(b, "</ul></section>\n");
    }
    if (!(q && *q))
        html_raw(b, "<h2>All protocols by group</h2>\n");
    for (int g = 0; g < catalog_group_count(cat); g++) {
        const struct protocol_group *grp = catalog_group_at(cat, g);
        int any = 0;
        const struct protocol *p;
        for (int i = -1; (p = page_group_next(cat, grp, q, &i));) {
            if (!any++)
                html_printf(b,
                            "<details class=\"group\"%s><summary>%s "
                            "<span class=\"muted\">(%d)</span></summary>"
                            "\n<ul class=\"protocols\">\n",
                            q && *q ? " open" : "", grp->name,
                            catalog_group_protocol_count(cat, grp->id));
            protocol_row(w, &st, pid, p);
            shown++;
        }
        if (any)
            html_raw(b, "</ul></details>\n");
    }
    if (!shown)
        page_no_protocol_matches(b, q);
    page_end(w);
    staff_release(&st);
    patient_detail_release(&d);
    return 0;
}

/* ---- the red-flag screen and opening ---- */

/* Writes the refusal of an episode: why, and the note for the file. */
static int refusal_page(struct web_ctx *w, const struct patient *pt,
                        const struct protocol *p, const char *note)
{
    struct buf *b = &w->resp->body;
    int red_flag = w->err.code == ERR_REFUSED;
    char message[sizeof(w->err.message)];
    memcpy(message, w->err.message, sizeof(message));
    page_restart(w, 422,
                 red_flag ? "Refer to a physician" : "Refer to a colleague",
                 SECTION_PATIENTS, 0);
    html_printf(b,
                "<p class=\"crumbs\"><a href=\"/patients\">Patients</a> "
                "&rsaquo; <a href=\"/patients/%lld\">%s</a></p>\n",
                (long long)pt->id, pt->name);
    html_printf(b, "<h1>%s</h1>\n",
                red_flag ? "Refer to a physician first"
                         : "Refer to a trained colleague");
    html_printf(b,
                "<div class=\"refusal\" role=\"alert\"><p><strong>The "
                "episode was not opened.</strong> %s.</p></div>\n",
                message);
    if (note && *note) {
        html_raw(b, "<h2>Note for the patient's file</h2>\n"
                    "<pre class=\"note\">");
        html_text(b, note);
        html_raw(b, "</pre>\n");
    }
    html_printf(b,
                "<p><a href=\"/patients/%lld\">Back to %s</a> &middot; "
                "<a href=\"/patients/%lld/episodes/new\">Choose another "
                "protocol</a> &middot; <a href=\"/protocols/%s\">About "
                "%s</a></p>\n",
                (long long)pt->id, pt->name, (long long)pt->id, p->id, p->name);
    page_end(w);
    return 0;
}

/* The screen form for protocol p (status 200, or 422 with w->err beside
 * its field). */
static int screen_page(struct web_ctx *w, int status,
                       const struct patient_detail *d, const struct protocol *p,
                       const struct staff *st)
{
    struct buf *b = &w->resp->body;
    struct form_view f = page_form_view(w, status != 200);
    const struct catalog *cat = page_catalog(w);
    int64_t pid = d->patient.id;
    page_restart(w, status, "Screen and open", SECTION_PATIENTS, 0);
    html_printf(b,
                "<p class=\"crumbs\"><a href=\"/patients\">Patients</a> "
                "&rsaquo; <a href=\"/patients/%lld\">%s</a> &rsaquo; "
                "<a href=\"/patients/%lld/episodes/new\">Protocol</a></p>"
                "\n",
                (long long)pid, d->patient.name, (long long)pid);
    html_printf(b, "<h1>%s for %s</h1>\n", p->name, d->patient.name);
    if (p->summary)
        html_printf(b, "<p class=\"lead\">%s</p>\n", p->summary);
    form_errors(b, &f);
    html_printf(b,
                "<form method=\"post\" action=\"/patients/%lld/episodes\" "
                "class=\"stacked\" novalidate>\n",
                (long long)pid);
    form_csrf(w);
    html_printf(b, "<input type=\"hidden\" name=\"protocol\" value=\"%s\">\n",
                p->id);

    /* The red flags: each must be answered; any yes refers. */
    html_raw(b, "<fieldset class=\"screen\" id=\"f-red-flag\">\n<legend>"
                "Red-flag screening</legend>\n<p class=\"hint\">Ask the "
                "patient each question. Any &ldquo;yes&rdquo; means a "
                "physician first, not massage.</p>\n");
    form_field_error(b, &f, "red-flag");
    if (!p->red_flag_count)
        html_raw(b, "<p>This protocol has no red-flag questions.</p>\n");
    html_raw(b, "<ol class=\"questions\">\n");
    for (int i = 0; i < p->red_flag_count; i++) {
        const struct protocol_red_flag *rf = &p->red_flags[i];
        char name[RECORD_CODE_MAX + 8];
        snprintf(name, sizeof(name), "rf-%s", rf->id);
        const char *v = form_value(&f, name, NULL);
        html_printf(b,
                    "<li><fieldset class=\"yesno\"><legend>%d. %s"
                    "</legend>\n",
                    i + 1, rf->question);
        static const char *const answers[][2] = {{"no", "No"}, {"yes", "Yes"}};
        for (size_t k = 0; k < ARRAY_SIZE(answers); k++)
            html_printf(b,
                        "<label><input type=\"radio\" name=\"%s\" "
                        "value=\"%s\"%s required> %s</label>\n",
                        name, answers[k][0],
                        v && !strcmp(v, answers[k][0]) ? " checked" : "",
                        answers[k][1]);
        html_raw(b, "</fieldset></li>\n");
    }
    html_raw(b, "</ol>\n</fieldset>\n");

    /* The episode's facts. */
    html_raw(b, "<fieldset>\n<legend>The episode</legend>\n");
    if (w->session.user.role == ROLE_ADMIN) {
        const char *(*opts)[2] = xcalloc(st->list.count + 1, sizeof(*opts));
        char(*labels)[RECORD_NAME_MAX + 32] =
            xcalloc(st->list.count + 1, sizeof(*labels));
        char(*ids)[24] = xcalloc(st->list.count + 1, sizeof(*ids));
        size_t n = 0;
        opts[n][0] = "";
        opts[n++][1] = "Choose the treating therapist\xe2\x80\xa6";
        for (size_t i = 0; i < st->list.count; i++) {
            const struct practitioner *pr = &st->list.items[i];
            if (!pr->active)
                continue;
            snprintf(ids[n], sizeof(ids[n]), "%lld", (long long)pr->id);
            snprintf(labels[n], sizeof(labels[n]), "%s%s", pr->name,
                     trained_in(w, pr->id, p) ? " (trained)"
                                              : " (not trained)");
            opts[n][0] = ids[n];
            opts[n][1] = labels[n];
            n++;
        }
        form_select(b, &f, "practitioner", "Treating therapist",
                    (const char *const(*)[2])opts, n, NULL);
        free(opts);
        free(labels);
        free(ids);
    }
    /* The referral answered, and the condition: codes the referral gives
     * and the protocol's indications are offered. */
    char fallback_referral[24] = "";
    char fallback_code[RECORD_ICD10_MAX + 1] = "";
    {
        size_t n = d->referrals.count;
        const char *(*opts)[2] = xcalloc(n + 1, sizeof(*opts));
        char(*labels)[RECORD_NAME_MAX + RECORD_ICD10_LIST_MAX + 32] =
            xcalloc(n + 1, sizeof(*labels));
        char(*ids)[24] = xcalloc(n + 1, sizeof(*ids));
        opts[0][0] = "";
        opts[0][1] = "No referral (self-referred)";
        for (size_t i = 0; i < n; i++) {
            const struct referral *r = &d->referrals.items[n - 1 - i];
            snprintf(ids[i + 1], sizeof(ids[i + 1]), "%lld", (long long)r->id);
            snprintf(labels[i + 1], sizeof(labels[i + 1]), "%s, %s (%s)",
                     r->referred_on, r->physician_name, r->icd10);
            opts[i + 1][0] = ids[i + 1];
            opts[i + 1][1] = labels[i + 1];
        }
        if (n)
            snprintf(fallback_referral, sizeof(fallback_referral), "%s",
                     ids[1]);
        form_select(b, &f, "referral", "Referral answered",
                    (const char *const(*)[2])opts, n + 1,
                    &(struct field_opts){.fallback = fallback_referral});
        free(opts);
        free(labels);
        free(ids);
    }
    /* The default code: the latest referral's first code the protocol is
     * indicated for, else the protocol's first indication. */
    for (size_t i = d->referrals.count; i-- > 0 && !fallback_code[0];)
        for (int k = 0; k < p->indication_count; k++)
            if (indicated_by(p, d->referrals.items[i].icd10) &&
                strstr(d->referrals.items[i].icd10, p->indications[k].code)) {
                snprintf(fallback_code, sizeof(fallback_code), "%s",
                         p->indications[k].code);
                break;
            }
    if (!fallback_code[0] && p->indication_count)
        snprintf(fallback_code, sizeof(fallback_code), "%s",
                 p->indications[0].code);
    form_input(b, &f, "icd10", "Condition (one ICD-10-CM code)",
               &(struct field_opts){.fallback = fallback_code,
                                    .attrs = " list=\"codes\" "
                                             "autocomplete=\"off\"",
                                    .hint = "The protocol's indications are "
                                            "offered; any valid code is "
                                            "accepted."});
    html_raw(b, "<datalist id=\"codes\">\n");
    for (int k = 0; k < p->indication_count; k++)
        html_printf(b, "<option value=\"%s\">%s</option>\n",
                    p->indications[k].code,
                    p->indications[k].title ? p->indications[k].title : "");
    html_raw(b, "</datalist>\n");
    (void)cat;
    char today[CLOCK_DATE_LEN];
    clock_format_date(clock_today(), today);
    form_input(b, &f, "start", "Start of the episode",
               &(struct field_opts){.type = "date", .fallback = today});
    form_input(b, &f, "chronicity-weeks",
               "How long has the condition lasted? (weeks, optional)",
               &(struct field_opts){.type = "number",
                                    .attrs = " min=\"0\" max=\"5200\" "
                                             "inputmode=\"numeric\""});
    form_input(b, &f, "comorbidities", "Comorbidities (count, optional)",
               &(struct field_opts){.type = "number",
                                    .attrs = " min=\"0\" max=\"50\" "
                                             "inputmode=\"numeric\""});
    html_raw(b, "</fieldset>\n<div class=\"actions\"><button type=\"submit\">"
                "Open the episode</button> ");
    html_printf(b,
                "<a href=\"/patients/%lld/episodes/new\">Cancel</a></div>"
                "\n</form>\n",
                (long long)pid);
    page_end(w);
    return 0;
}

/* Loads the patient (with referrals) and the protocol of the request. */
static int load_patient_protocol(struct web_ctx *w, const char *protocol_id,
                                 struct patient_detail *d,
                                 const struct protocol **p)
{
    if (patient_show(w->store, &w->actor, page_id(w), d, &w->err) < 0)
        return web_fail(w);
    *p = scope_protocol(page_catalog(w), protocol_id ? protocol_id : "",
                        "protocol", &w->err);
    if (!*p) {
        patient_detail_release(d);
        return web_error(w, 404, "not_found", "protocol",
                         "no protocol '%s' in the catalog",
                         protocol_id ? protocol_id : "");
    }
    return 0;
}

int page_episode_screen(struct web_ctx *w)
{
    if (page_require_clinical(w) < 0)
        return -1;
    struct patient_detail d = {0};
    const struct protocol *p;
    if (load_patient_protocol(w, route_param(&w->match, "protocol"), &d, &p) <
        0)
        return -1;
    struct staff st;
    if (staff_load(w, &st) < 0) {
        patient_detail_release(&d);
        return -1;
    }
    int rc;
    if (w->session.user.role == ROLE_THERAPIST &&
        scope_check(w->store, page_catalog(w), w->actor.practitioner_id, p,
                    NULL, &w->err) < 0) {
        /* Not trained: say so before any question is asked. */
        struct buf note = BUF_INIT;
        struct err e = w->err;
        scope_check(w->store, page_catalog(w), w->actor.practitioner_id, p,
                    &note, &w->err);
        w->err = e;
        rc = refusal_page(w, &d.patient, p, note.data);
        w->resp->status = 200;
        buf_release(&note);
    } else {
        rc = screen_page(w, 200, &d, p, &st);
    }
    staff_release(&st);
    patient_detail_release(&d);
    return rc;
}

int page_episode_create(struct web_ctx *w)
{
    if (page_require_clinical(w) < 0)
        return -1;
    struct patient_detail d = {0};
    const struct protocol *p;
    if (load_patient_protocol(w, page_form_given(w, "protocol"), &d, &p) < 0)
        return -1;
    struct staff st;
    if (staff_load(w, &st) < 0) {
        patient_detail_release(&d);
        return -1;
    }
    struct episode_new in = {0};
    in.patient_id = d.patient.id;
    in.protocol_id = p->id;
    in.catalog = page_catalog(w);
    in.icd10 = page_form_given(w, "icd10");
    in.started_on = page_form_given(w, "start");
    long practitioner = 0, referral = 0;
    struct screen_answer *answers =
        xcalloc((size_t)p->red_flag_count + 1, sizeof(*answers));
    size_t count = 0;
    char names[64][RECORD_CODE_MAX + 8];
    int rc = -1;
    if (w->session.user.role == ROLE_ADMIN) {
        if (page_form_long(w, "practitioner", 1, 999999999999999L, 0,
                           &practitioner) < 0)
            goto input;
        int known = 0;
        for (size_t i = 0; i < st.list.count; i++)
            known |=
                st.list.items[i].id == practitioner && st.list.items[i].active;
        if (!known) {
            err_set(&w->err, ERR_INPUT, "practitioner",
                    "choose the treating therapist");
            goto input;
        }
    } else {
        practitioner = w->actor.practitioner_id;
    }
    in.practitioner_id = practitioner;
    if (page_form_long(w, "referral", 1, 999999999999999L, 0, &referral) < 0 ||
        page_form_long(w, "chronicity-weeks", 0, EPISODE_CHRONICITY_MAX, -1,
                       &in.chronicity_weeks) < 0 ||
        page_form_long(w, "comorbidities", 0, EPISODE_COMORBIDITIES_MAX, -1,
                       &in.comorbidities) < 0)
        goto input;
    in.referral_id = referral;
    /* Outside the practitioner's training: refer before any question (as
     * the screen page does); the record would refuse it too. */
    {
        struct buf note = BUF_INIT;
        if (scope_check(w->store, page_catalog(w), practitioner, p, &note,
                        &w->err) < 0) {
            if (w->err.code == ERR_SCOPE)
                rc = refusal_page(w, &d.patient, p, note.data);
            else
                rc = web_fail(w);
            buf_release(&note);
            goto done;
        }
        buf_release(&note);
    }
    /* Every red flag answered yes or no. */
    for (int i = 0; i < p->red_flag_count && i < 64; i++) {
        snprintf(names[i], sizeof(names[i]), "rf-%s", p->red_flags[i].id);
        const char *v = page_form_given(w, names[i]);
        if (!v)
            continue;
        if (strcmp(v, "yes") && strcmp(v, "no")) {
            err_set(&w->err, ERR_INPUT, "red-flag",
                    "answer each question yes or no");
            goto input;
        }
        answers[count].question_id = p->red_flags[i].id;
        answers[count++].yes = !strcmp(v, "yes");
    }
    in.screen = answers;
    in.screen_count = count;
    if (count < (size_t)p->red_flag_count) {
        /* A yes among the answers given refers at once; otherwise every
         * question must be answered. */
        int any_yes = 0;
        for (size_t i = 0; i < count; i++)
            any_yes |= answers[i].yes;
        if (!any_yes) {
            err_set(&w->err, ERR_INPUT, "red-flag",
                    "answer every red-flag question (%zu of %d answered)",
                    count, p->red_flag_count);
            goto input;
        }
    }
    struct buf note = BUF_INIT;
    int64_t id;
    if (episode_open(w->store, &w->actor, &in, &id, &note, &w->err) < 0) {
        if (w->err.code == ERR_SCOPE || w->err.code == ERR_REFUSED)
            rc = refusal_page(w, &d.patient, p, note.data);
        else if (w->err.code == ERR_INPUT || w->err.code == ERR_CONFLICT)
            rc = screen_page(w, 422, &d, p, &st);
        else
            rc = web_fail(w);
        buf_release(&note);
        goto done;
    }
    buf_release(&note);
    rc = page_redirect(w, "/episodes/%lld?done=opened", (long long)id);
    goto done;
input:
    rc = screen_page(w, 422, &d, p, &st);
done:
    free(answers);
    staff_release(&st);
    patient_detail_release(&d);
    return rc;
}

/* ---- the episode's page ---- */

static const char *const episode_notices[][2] = {
    {"opened", "The episode is open. Record the baseline scores before the "
               "first session."},
    {"session", "The session is saved."},
    {"scores", "The scores are saved."},
    {"closed", "The episode is closed. Follow-ups are now scheduled."},
    {NULL, NULL},
};

/* The 1-based number of a session in the episode, 0 when not found. */
static int session_number(const struct episode_detail *d, int64_t id)
{
    for (size_t i = 0; i < d->sessions.count; i++)
        if (d->sessions.items[i].id == id)
            return (int)i + 1;
    return 0;
}

static void soap_part(struct buf *b, const char *label, const char *text)
{
    if (!text || !*text)
        return;
    html_printf(b, "<dt>%s</dt><dd class=\"pre\">%s</dd>\n", label, text);
}

static void sessions_table(struct web_ctx *w, const struct episode_detail *d)
{
    struct buf *b = &w->resp->body;
    if (!d->sessions.count) {
        html_raw(b, "<p class=\"empty\">No session yet.</p>\n");
        return;
    }
    html_raw(b, "<ol class=\"sessions\">\n");
    for (size_t i = 0; i < d->sessions.count; i++) {
        const struct session *s = &d->sessions.items[i];
        html_printf(b,
                    "<li id=\"session-%lld\"><div class=\"session-head\">"
                    "<strong>Session %zu</strong> &middot; ",
                    (long long)s->id, i + 1);
        page_instant(b, s->started_at);
        html_printf(b, " &middot; %d min</div>\n", s->minutes);
        if (s->phase_count) {
            html_raw(b, "<p class=\"phases\">");
            for (size_t k = 0; k < s->phase_count; k++) {
                if (k)
                    html_raw(b, " &rarr; ");
                html_printf(b, "%s %d", s->phases[k].name,
                            s->phases[k].minutes);
            }
            html_raw(b, "</p>\n");
        }
        if (s->finding_count) {
            html_raw(b, "<ul class=\"findings\">\n");
            for (size_t k = 0; k < s->finding_count; k++)
                html_printf(b, "<li>%s</li>\n", s->findings[k].message);
            html_raw(b, "</ul>\n");
        } else {
            html_raw(b, "<p class=\"ok\">Delivered as the protocol plans."
                        "</p>\n");
        }
        if (s->subjective || s->objective || s->assessment || s->plan ||
            s->note) {
            html_raw(b, "<details><summary>SOAP note</summary>\n"
                        "<dl class=\"soap\">\n");
            soap_part(b, "Subjective", s->subjective);
            soap_part(b, "Objective", s->objective);
            soap_part(b, "Assessment", s->assessment);
            soap_part(b, "Plan", s->plan);
            soap_part(b, "Note", s->note);
            html_raw(b, "</dl>\n</details>\n");
        }
        html_raw(b, "</li>\n");
    }
    html_raw(b, "</ol>\n");
}

/* The scores by instrument: each observation, with the change from the
 * baseline (oriented so that positive is better) and the responder
 * label. */
static void scores_tables(struct web_ctx *w, const struct episode_detail *d,
                          const struct protocol *p)
{
    struct buf *b = &w->resp->body;
    if (!d->observations.count) {
        html_raw(b, "<p class=\"empty\">No scores yet.</p>\n");
        return;
    }
    /* Instruments in the order first seen. */
    const char *seen[64];
    size_t nseen = 0;
    for (size_t i = 0; i < d->observations.count && nseen < 64; i++) {
        const char *code = d->observations.items[i].instrument;
        size_t k = 0;
        while (k < nseen && strcmp(seen[k], code))
            k++;
        if (k == nseen)
            seen[nseen++] = code;
    }
    for (size_t k = 0; k < nseen; k++) {
        const struct instrument *in = instrument_find(seen[k]);
        int role = p ? protocol_instrument_role(p, seen[k]) : 0;
        html_printf(b, "<h3>%s <span class=\"muted\">(%s%s)</span></h3>\n",
                    in ? in->name : seen[k], seen[k],
                    role == 1   ? ", primary"
                    : role == 2 ? ", secondary"
                                : "");
        if (in) {
            html_printf(b, "<p class=\"muted\">%s; ",
                        in->direction == DIRECTION_HIGHER_WORSE
                            ? "lower is better"
                            : "higher is better");
            if (in->has_absolute) {
                html_raw(b, "MCID ");
                page_number(b, in->mcid_absolute, 2);
                html_printf(b, " %s", in->unit ? in->unit : "points");
            }
            if (in->has_relative)
                html_printf(b, "%s%.0f%% of the baseline",
                            in->has_absolute ? " or " : "MCID ",
                            in->mcid_relative * 100);
            if (!in->has_absolute && !in->has_relative)
                html_raw(b, "no MCID published");
            html_raw(b, "</p>\n");
        }
        page_table_open(b, "list scores",
                        (const char *const[]){"When", "Timepoint", "#Score",
                                              "#Change", "Responder", NULL});
        double baseline = NAN;
        for (size_t i = 0; i < d->observations.count; i++) {
            const struct observation *o = &d->observations.items[i];
            if (strcmp(o->instrument, seen[k]))
                continue;
            if (!strcmp(o->timepoint, "baseline"))
                baseline = o->total;
            html_raw(b, "<tr><td>");
            page_instant(b, o->observed_at);
            html_printf(b, "</td><td>%s", o->timepoint);
            int n = session_number(d, o->session_id);
            if (n)
                html_printf(b, " session %d", n);
            if (o->followup_days >= 0)
                html_printf(b, ", %ld days after discharge", o->followup_days);
            html_raw(b, "</td><td class=\"num\">");
            page_number(b, o->total, 2);
            html_raw(b, "</td><td class=\"num\">");
            int later = strcmp(o->timepoint, "baseline") != 0;
            if (in && later && isfinite(baseline)) {
                double change = instrument_improvement(in, baseline, o->total);
                if (change > 0)
                    html_raw(b, "+");
                page_number(b, change, 2);
                html_raw(b, "</td><td>");
                enum responder r =
                    instrument_is_responder(in, baseline, o->total);
                html_printf(b, "%s",
                            r == RESPONDER_YES  ? "yes"
                            : r == RESPONDER_NO ? "not yet"
                                                : "no MCID");
            } else {
                html_raw(b, "</td><td>");
            }
            html_raw(b, "</td></tr>\n");
        }
        page_table_close(b);
    }
}

/* The protocol's follow-up schedule, with dates once discharged. */
static void followup_schedule(struct buf *b, const struct episode *e,
                              const struct protocol *p)
{
    if (!p || !p->follow_up_count)
        return;
    html_raw(b, "<p>Follow-ups after discharge: ");
    long end = -1;
    struct err ignored = ERR_INIT;
    if (e->ended_on[0])
        clock_parse_date(e->ended_on, &end, "end", &ignored);
    for (int i = 0; i < p->follow_up_count; i++) {
        html_printf(b, "%s%s", i ? ", " : "", p->follow_ups[i].text);
        if (end >= 0) {
            char due[CLOCK_DATE_LEN];
            clock_format_date(end + p->follow_ups[i].hours / 24, due);
            html_printf(b, " (%s)", due);
        }
    }
    html_raw(b, ".</p>\n");
}

/* The episode's page; close_err, when not NULL, is a refused discharge
 * to show beside its date (status 422). */
static int episode_page(struct web_ctx *w, const struct err *close_err)
{
    struct episode_detail d = {0};
    if (episode_show(w->store, &w->actor, page_id(w), &d, &w->err) < 0)
        return web_fail(w);
    if (close_err) {
        w->err = *close_err;
        w->resp->status = 422;
    }
    const struct episode *e = &d.episode;
    const struct catalog *cat = page_catalog(w);
    const struct protocol *p = catalog_find(cat, e->protocol_id);
    struct buf *b = &w->resp->body;
    char title[RECORD_NAME_MAX + 64];
    snprintf(title, sizeof(title), "Episode %lld", (long long)e->id);
    page_open(w, title, SECTION_PATIENTS, PAGE_WIDE);
    html_printf(b,
                "<p class=\"crumbs\"><a href=\"/patients\">Patients</a> "
                "&rsaquo; <a href=\"/patients/%lld\">%s</a></p>\n",
                (long long)e->patient_id, e->patient_name);
    html_printf(b, "<h1>%s <span class=\"muted\">for %s</span></h1>\n",
                p ? p->name : e->protocol_id, e->patient_name);
    page_notice(w, episode_notices);
    html_raw(b, "<dl class=\"facts\">\n");
    const char *title_code = catalog_code_title(cat, e->icd10);
    html_printf(b, "<dt>Condition</dt><dd><code>%s</code>%s%s</dd>\n", e->icd10,
                title_code ? " " : "", title_code ? title_code : "");
    html_printf(b, "<dt>Therapist</dt><dd>%s</dd>\n", e->practitioner_name);
    html_printf(b, "<dt>Started</dt><dd>%s</dd>\n", e->started_on);
    html_printf(b, "<dt>Discharged</dt><dd>%s</dd>\n",
                e->ended_on[0] ? e->ended_on : "not yet (open)");
    if (e->chronicity_weeks >= 0)
        html_printf(b,
                    "<dt>Condition lasted</dt><dd>%ld weeks at "
                    "intake</dd>\n",
                    e->chronicity_weeks);
    if (e->comorbidities >= 0)
        html_printf(b, "<dt>Comorbidities</dt><dd>%ld</dd>\n",
                    e->comorbidities);
    if (p)
        html_printf(b,
                    "<dt>Course</dt><dd>%zu of %d sessions (%d a week), "
                    "%d&ndash;%d minutes each</dd>\n",
                    d.sessions.count, p->course_sessions, p->course_per_week,
                    p->minutes_min, p->minutes_max);
    html_raw(b, "</dl>\n");
    followup_schedule(b, e, p);

    html_raw(b, "<div class=\"actions bar\">\n");
    if (!e->ended_on[0])
        html_printf(b,
                    "<a class=\"button\" href=\"/episodes/%lld/sessions/"
                    "new\">Start a session</a>\n",
                    (long long)e->id);
    html_printf(b,
                "<a class=\"button secondary\" href=\"/episodes/%lld/"
                "scores/new\">Record scores</a>\n"
                "<a class=\"button secondary\" href=\"/episodes/%lld/"
                "chart\">Progress chart</a>\n"
                "<a class=\"button secondary\" href=\"/episodes/%lld/"
                "report\">Report for the physician</a>\n",
                (long long)e->id, (long long)e->id, (long long)e->id);
    html_raw(b, "</div>\n");

    html_raw(b, "<section><h2>Scores</h2>\n");
    scores_tables(w, &d, p);
    html_raw(b, "</section>\n<section><h2>Sessions</h2>\n");
    sessions_table(w, &d);
    html_raw(b, "</section>\n");
    if (!e->ended_on[0]) {
        char today[CLOCK_DATE_LEN];
        clock_format_date(clock_today(), today);
        struct form_view f = page_form_view(w, close_err != NULL);
        html_raw(b, "<section><h2>Discharge</h2>\n");
        html_printf(b,
                    "<form method=\"post\" action=\"/episodes/%lld/close\" "
                    "class=\"inline\" novalidate>\n",
                    (long long)e->id);
        form_csrf(w);
        form_input(b, &f, "end", "Discharged on",
                   &(struct field_opts){.type = "date", .fallback = today});
        html_raw(b, "<button type=\"submit\">Close the episode</button>\n"
                    "</form>\n</section>\n");
    }
    page_end(w);
    episode_detail_release(&d);
    return 0;
}

int page_episode(struct web_ctx *w)
{
    if (page_require_clinical(w) < 0)
        return -1;
    return episode_page(w, NULL);
}

int page_episode_close(struct web_ctx *w)
{
    if (page_require_clinical(w) < 0)
        return -1;
    int64_t id = page_id(w);
    const char *end = page_form_given(w, "end");
    if (!end) {
        err_set(&w->err, ERR_INPUT, "end", "give the discharge date");
    } else if (episode_close(w->store, &w->actor, id, end, &w->err) == 0) {
        return page_redirect(w, "/episodes/%lld?done=closed", (long long)id);
    } else if (w->err.code != ERR_INPUT && w->err.code != ERR_CONFLICT) {
        return web_fail(w);
    }
    struct err refused = w->err;
    err_clear(&w->err);
    return episode_page(w, &refused);
}

/* ---- the home page's work list ---- */

void page_home_worklist(struct web_ctx *w)
{
    struct buf *b = &w->resp->body;
    struct episode_filter filter = {0, 0, 1};
    struct episode_list l = {0};
    struct err e = ERR_INIT;
    if (episode_list(w->store, &w->actor, &filter, &l, &e) < 0)
        return;
    const struct catalog *cat = page_catalog(w);
    html_raw(b, "<section><div class=\"title-row\"><h2>Open episodes</h2>"
                "<a class=\"button\" href=\"/patients/new\">New patient</a>"
                "</div>\n");
    if (!l.count) {
        html_raw(b, "<p class=\"empty\">No open episode.</p>\n");
    } else {
        page_table_open(b, "list",
                        (const char *const[]){"Patient", "Protocol",
                                              "Therapist", "Since", "#Sessions",
                                              NULL});
        for (size_t i = l.count; i-- > 0;) {
            const struct episode *ep = &l.items[i];
            const struct protocol *p = catalog_find(cat, ep->protocol_id);
            html_printf(b,
                        "<tr><td><a href=\"/episodes/%lld\">%s</a></td>"
                        "<td>%s</td><td>%s</td><td>%s</td>"
                        "<td class=\"num\">%d</td></tr>\n",
                        (long long)ep->id, ep->patient_name,
                        p ? p->name : ep->protocol_id, ep->practitioner_name,
                        ep->started_on, ep->session_count);
        }
        page_table_close(b);
    }
    html_raw(b, "</section>\n");
    episode_list_release(&l);
}
