/* A treatment session: the protocol's timed plan for the chosen length
 * (plan_make), a phase timer (assets/app.js) that writes the minutes spent
 * into the form (without JavaScript the therapist types them), the SOAP
 * note, and the fidelity findings (plan_check_fidelity) shown in a preview
 * before the session is saved. */
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/number.h"
#include "core/util.h"
#include "record/episode.h"
#include "record/fidelity.h"
#include "record/session.h"
#include "web/handlers.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the session form shows besides the posted values. */
struct session_view {
    const struct episode_detail *d;
    const struct protocol *p;
    int planned;    /* the length the plan was made for */
    int plan_count; /* phases of the plan; -1: no plan at that length */
    const char *names[PROTOCOL_MAX_PHASES];
    int minutes[PROTOCOL_MAX_PHASES];
    struct err plan_err; /* why there is no plan */
    int preview;         /* 1: the fidelity preview of the posted session */
    int finding_count;
    char findings[24][PAGE_FINDING_MAX];
};

/* The instant now as a datetime-local value, in the server's zone. */
static void now_local(char out[17])
{
    time_t t = clock_now();
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 17, "%Y-%m-%dT%H:%M", &tm);
}

/* The timer, shown only when the script runs. */
static void timer_block(struct buf *b)
{
    html_raw(b, "<div class=\"timer\" id=\"timer\" hidden>\n"
                "<span class=\"clock\" id=\"timer-clock\">0:00</span>\n"
                "<span class=\"phase-now\" id=\"timer-phase\" "
                "aria-live=\"polite\">Press Start when the session "
                "begins.</span>\n"
                "<button type=\"button\" id=\"timer-start\">Start</button>\n"
                "<button type=\"button\" id=\"timer-next\" "
                "class=\"secondary\" disabled>Next phase</button>\n"
                "</div>\n");
}

/* The plan as a table whose last column takes the minutes spent. */
static void plan_table(struct buf *b, const struct form_view *f,
                       const struct session_view *v)
{
    html_raw(b, "<table class=\"list plan\" id=\"f-phase\">\n<caption "
                "class=\"hint\">Minutes spent: the timer fills them in; "
                "without it, type them.</caption>\n");
    page_table_head(b, (const char *const[]){"Phase", "Techniques", "#Planned",
                                             "Spent (min)", NULL});
    for (int i = 0; i < v->plan_count; i++) {
        const struct protocol_phase *ph =
            protocol_phase_find(v->p, v->names[i]);
        char field[RECORD_CODE_MAX + 8];
        snprintf(field, sizeof(field), "phase-%s", v->names[i]);
        html_printf(b,
                    "<tr data-phase=\"%s\" data-planned=\"%d\"><td>"
                    "<label for=\"f-%s\">%s</label>",
                    v->names[i], v->minutes[i], field, v->names[i]);
        if (ph && ph->direction)
            html_printf(b, "<br><span class=\"hint\">%s</span>", ph->direction);
        if (ph && ph->note)
            html_printf(b, "<br><span class=\"hint\">%s</span>", ph->note);
        html_raw(b, "</td><td>");
        for (int k = 0; ph && k < ph->technique_count; k++)
            html_printf(b, "%s%s", k ? ", " : "", ph->techniques[k]);
        html_printf(b,
                    "</td><td class=\"num\">%d min</td><td "
                    "class=\"minutes\"><input type=\"number\" "
                    "name=\"%s\" id=\"f-%s\" min=\"0\" max=\"600\" "
                    "step=\"1\" inputmode=\"numeric\" placeholder=\"%d\"",
                    v->minutes[i], field, field, v->minutes[i]);
        const char *val = form_value(f, field, NULL);
        if (val)
            html_printf(b, " value=\"%s\"", val);
        html_raw(b, "></td></tr>\n");
    }
    page_table_close(b);
}

static int session_page(struct web_ctx *w, int status,
                        const struct session_view *v)
{
    struct buf *b = &w->resp->body;
    const struct episode *e = &v->d->episode;
    struct form_view f = page_form_view(w, status != 200);
    page_restart(w, status, v->preview ? "Review the session" : "New session",
                 SECTION_PATIENTS, PAGE_SCRIPT | PAGE_WIDE);
    html_printf(b,
                "<p class=\"crumbs\"><a href=\"/patients/%lld\">%s</a> "
                "&rsaquo; <a href=\"/episodes/%lld\">%s</a></p>\n",
                (long long)e->patient_id, e->patient_name, (long long)e->id,
                v->p->name);
    html_printf(b, "<h1>%s %zu of %d <span class=\"muted\">%s</span></h1>\n",
                v->preview ? "Review session" : "Session",
                v->d->sessions.count + 1, v->p->course_sessions,
                e->patient_name);
    form_errors(b, &f);

    /* Choosing the length remakes the plan (a plain GET form). */
    if (!v->preview) {
        html_printf(b,
                    "<form method=\"get\" action=\"/episodes/%lld/"
                    "sessions/new\" class=\"inline\">\n",
                    (long long)e->id);
        char planned[16];
        snprintf(planned, sizeof(planned), "%d", v->planned);
        struct err length_err = v->plan_err;
        snprintf(length_err.field, sizeof(length_err.field), "length");
        struct form_view length = {NULL, v->plan_count < 0 ? &length_err : NULL,
                                   NULL};
        char hint[96];
        snprintf(hint, sizeof(hint), "%d to %d minutes for this protocol",
                 v->p->minutes_min, v->p->minutes_max);
        form_input(b, &length, "length", "Session length (minutes)",
                   &(struct field_opts){.type = "number",
                                        .fallback = planned,
                                        .hint = hint,
                                        .attrs = " min=\"1\" max=\"600\""});
        html_raw(b, "<button type=\"submit\" class=\"secondary\">Make the "
                    "plan</button>\n</form>\n");
        if (v->plan_count < 0) {
            page_end(w);
            return 0;
        }
    }

    if (v->preview) {
        if (v->finding_count) {
            html_raw(b, "<div class=\"refusal\" role=\"status\"><p><strong>"
                        "Fidelity findings</strong> (the session can still "
                        "be saved; they are kept with it):</p>\n<ul>\n");
            for (int i = 0; i < v->finding_count; i++)
                html_printf(b, "<li>%s</li>\n", v->findings[i]);
            html_raw(b, "</ul></div>\n");
        } else {
            html_raw(b, "<p class=\"notice\" role=\"status\">Delivered as "
                        "the protocol plans: no fidelity findings.</p>\n");
        }
    }

    html_printf(b,
                "<form method=\"post\" action=\"/episodes/%lld/sessions\""
                " class=\"session\" novalidate>\n",
                (long long)e->id);
    form_csrf(w);
    html_printf(b, "<input type=\"hidden\" name=\"planned\" value=\"%d\">\n",
                v->planned);
    html_printf(b, "<h2>Plan for %d minutes</h2>\n", v->planned);
    html_raw(b, "<p class=\"hint\">Introductory massage first; kneading at "
                "least half of the time; circulatory strokes toward the "
                "heart.</p>\n");
    timer_block(b);
    form_field_error(b, &f, "phase");
    plan_table(b, &f, v);
    char planned[16], start[17];
    snprintf(planned, sizeof(planned), "%d", v->planned);
    now_local(start);
    html_raw(b, "<div class=\"two\">\n");
    form_input(
        b, &f, "start", "Started at",
        &(struct field_opts){.type = "datetime-local", .fallback = start});
    form_input(b, &f, "minutes", "Length of the session (minutes)",
               &(struct field_opts){.type = "number",
                                    .fallback = planned,
                                    .attrs = " min=\"1\" max=\"600\""});
    html_raw(b, "</div>\n<h2>SOAP note</h2>\n");
    form_textarea(b, &f, "subjective", "Subjective",
                  &(struct field_opts){.hint = "What the patient reports"});
    form_textarea(b, &f, "objective", "Objective",
                  &(struct field_opts){.hint = "What you found and did"});
    form_textarea(b, &f, "assessment", "Assessment",
                  &(struct field_opts){.hint = "Response and progress"});
    form_textarea(b, &f, "plan", "Plan",
                  &(struct field_opts){.hint = "Next session, home advice"});
    html_raw(b, "<div class=\"actions\">\n");
    if (v->preview)
        html_raw(b, "<button type=\"submit\" name=\"action\" value=\"save\">"
                    "Save the session</button>\n<button type=\"submit\" "
                    "name=\"action\" value=\"preview\" class=\"secondary\">"
                    "Check again</button>\n");
    else
        html_raw(b, "<button type=\"submit\" name=\"action\" "
                    "value=\"preview\">Review before saving</button>\n");
    html_printf(b,
                "<a href=\"/episodes/%lld\">Cancel</a>\n</div>\n"
                "</form>\n",
                (long long)e->id);
    page_end(w);
    return 0;
}

/* Loads the episode (open, the caller's) into d and returns a new view of
 * it with its protocol (the caller frees it and releases d), or NULL with
 * the error set. */
static struct session_view *load_episode(struct web_ctx *w,
                                         struct episode_detail *d)
{
    if (page_load_episode(w, d) < 0)
        return NULL;
    const struct protocol *p =
        catalog_find(page_catalog(w), d->episode.protocol_id);
    if (!p) {
        web_error(w, 409, "conflict", "protocol",
                  "the protocol '%s' is no longer in the catalog",
                  d->episode.protocol_id);
        episode_detail_release(d);
        return NULL;
    }
    if (d->episode.ended_on[0]) {
        web_error(w, 409, "conflict", "episode",
                  "the episode was closed on %s: no more sessions",
                  d->episode.ended_on);
        episode_detail_release(d);
        return NULL;
    }
    struct session_view *v = xcalloc(1, sizeof(*v));
    v->d = d;
    v->p = p;
    return v;
}

static void make_plan(struct session_view *v, int minutes)
{
    v->planned = minutes;
    v->plan_count = fidelity_plan(v->p, minutes, v->names, v->minutes,
                                  PROTOCOL_MAX_PHASES, &v->plan_err);
}

/* Runs page (the new-session form, or its submit) on the view of the
 * path's episode (load_episode), then releases both. */
static int on_episode(struct web_ctx *w,
                      int (*page)(struct web_ctx *, struct session_view *))
{
    struct episode_detail d = {0};
    struct session_view *v = load_episode(w, &d);
    if (!v)
        return -1;
    int rc = page(w, v);
    free(v);
    episode_detail_release(&d);
    return rc;
}

static int session_new(struct web_ctx *w, struct session_view *v)
{
    const struct protocol *p = v->p;
    long minutes = p->minutes_default;
    const char *asked = page_query(w, "length");
    if (asked) {
        long long n;
        minutes = parse_integer(asked, 1, SESSION_MINUTES_MAX, &n) < 0
                      ? 0
                      : (long)n;
    }
    if (minutes) {
        make_plan(v, (int)minutes);
    } else {
        v->planned = p->minutes_default;
        v->plan_count = -1;
        err_set(&v->plan_err, ERR_INPUT, "minutes",
                "give the length as a whole number of minutes");
    }
    /* A length the protocol cannot plan is shown beside the field. */
    return session_page(w, 200, v);
}

int page_session_new(struct web_ctx *w)
{
    return on_episode(w, session_new);
}

static int session_create(struct web_ctx *w, struct session_view *v)
{
    const struct protocol *p = v->p;
    const int64_t episode_id = v->d->episode.id;
    long planned, minutes;
    const char *action = page_form(w, "action");
    int save = action && !strcmp(action, "save");
    if (page_form_long(w, "planned", 1, SESSION_MINUTES_MAX, p->minutes_default,
                       &planned) < 0)
        planned = p->minutes_default;
    err_clear(&w->err);
    make_plan(v, (int)planned);
    if (v->plan_count < 0)
        make_plan(v, p->minutes_default);
    /* The phases delivered, in the plan's order; blank ones were not. */
    struct session_phase phases[PROTOCOL_MAX_PHASES];
    const char *names[PROTOCOL_MAX_PHASES];
    int mins[PROTOCOL_MAX_PHASES];
    int n = 0;
    for (int i = 0; i < v->plan_count; i++) {
        char field[RECORD_CODE_MAX + 8];
        snprintf(field, sizeof(field), "phase-%s", v->names[i]);
        long m;
        if (page_form_long(w, field, 0, SESSION_MINUTES_MAX, -1, &m) < 0) {
            snprintf(w->err.field, sizeof(w->err.field), "phase");
            snprintf(w->err.message, sizeof(w->err.message),
                     "the minutes of %s must be a whole number from 0 to "
                     "%d",
                     v->names[i], SESSION_MINUTES_MAX);
            return session_page(w, 422, v);
        }
        if (m <= 0)
            continue;
        snprintf(phases[n].name, sizeof(phases[n].name), "%s", v->names[i]);
        phases[n].minutes = (int)m;
        names[n] = v->names[i];
        mins[n] = (int)m;
        n++;
    }
    if (page_form_long(w, "minutes", 1, SESSION_MINUTES_MAX, 0, &minutes) < 0)
        return session_page(w, 422, v);
    if (!minutes) {
        err_set(&w->err, ERR_INPUT, "minutes", "give the session's length");
        return session_page(w, 422, v);
    }
    if (!save) {
        /* The preview: the findings the record would keep. */
        v->preview = 1;
        if (!n) {
            v->finding_count = 1;
            snprintf(v->findings[0], PAGE_FINDING_MAX,
                     "no phases were recorded, so fidelity to %s cannot be "
                     "checked",
                     p->id);
        } else {
            v->finding_count =
                page_fidelity(p, names, mins, n, (int)minutes, v->findings,
                              (int)ARRAY_SIZE(v->findings), &w->err);
            if (v->finding_count < 0) {
                v->preview = 0;
                return session_page(w, 422, v);
            }
        }
        return session_page(w, 200, v);
    }
    struct session_new in = {0};
    in.episode_id = episode_id;
    in.started_at = page_form_given(w, "start");
    in.minutes = minutes;
    in.phases = phases;
    in.phase_count = (size_t)n;
    in.subjective = page_form_given(w, "subjective");
    in.objective = page_form_given(w, "objective");
    in.assessment = page_form_given(w, "assessment");
    in.plan = page_form_given(w, "plan");
    in.catalog = page_catalog(w);
    if (!in.started_at) {
        err_set(&w->err, ERR_INPUT, "start", "give the start of the session");
        return session_page(w, 422, v);
    }
    int64_t id;
    if (session_add(w->store, &w->actor, &in, &id, &w->err) < 0)
        return w->err.code == ERR_INPUT ? session_page(w, 422, v) : web_fail(w);
    return page_redirect(w,
                         "/episodes/%lld/scores/new?session=%lld&"
                         "timepoint=post&done=session",
                         (long long)episode_id, (long long)id);
}

int page_session_create(struct web_ctx *w)
{
    return on_episode(w, session_create);
}
