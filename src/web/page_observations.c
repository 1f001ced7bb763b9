/* Outcome scores: one form per instrument (item fields with their ranges,
 * no questionnaire wording), the total computed by the server and shown
 * before saving, at baseline, before and after sessions and at follow-up;
 * the live total for the script; and the list of follow-ups due. */
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/clock.h"
#include "core/number.h"
#include "core/util.h"
#include "documents/physician_report.h"
#include "prom/answer.h"
#include "record/episode.h"
#include "record/observation.h"
#include "record/session.h"
#include "web/handlers.h"
#include "web/pages.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const timepoints[][2] = {
    {"baseline", "Baseline (at intake)"},
    {"pre", "Before a session"},
    {"post", "After a session"},
    {"followup", "Follow-up (after discharge)"},
};

/* The items of the form: values and which were answered. */
struct item_input {
    int n; /* items passed (trailing blanks beyond the minimum dropped) */
    double values[INSTRUMENT_MAX_ITEMS];
    int present[INSTRUMENT_MAX_ITEMS];
};

int page_items_read(const struct http_pairs *pairs,
                    const struct instrument *in, const char *prefix,
                    double *values, int *present, int *n, struct err *e)
{
    int last = 0;
    for (int i = 0; i < in->item_count; i++) {
        char name[96];
        snprintf(name, sizeof(name), "%sitem-%d", prefix, i + 1);
        const char *v = http_pairs_get(pairs, name, 0);
        while (v && (*v == ' ' || *v == '\t'))
            v++;
        values[i] = NAN;
        present[i] = 0;
        if (!v || !*v)
            continue;
        /* White space around the number is the form's, not the number's. */
        size_t len = strlen(v);
        while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
            len--;
        char text[64];
        double d;
        if (len >= sizeof(text))
            return err_set(e, ERR_INPUT, name, "'%.32s' is not a number", v);
        memcpy(text, v, len);
        text[len] = '\0';
        if (parse_decimal(text, &d) < 0)
            return err_set(e, ERR_INPUT, name, "'%.32s' is not a number",
                           text);
        values[i] = d;
        present[i] = 1;
        last = i + 1;
    }
    *n = last > in->item_count_min ? last : in->item_count_min;
    return 0;
}

/* Reads item-1 .. item-N from pairs (page_items_read). */
static int items_read(const struct http_pairs *pairs,
                      const struct instrument *in, struct item_input *out,
                      struct err *e)
{
    memset(out, 0, sizeof(*out));
    return page_items_read(pairs, in, "", out->values, out->present, &out->n,
                           e);
}

/* The instrument's error names "item 4": the form's field is "item-4". */
static void item_field(struct err *e)
{
    for (char *c = e->field; *c; c++)
        if (*c == ' ')
            *c = '-';
}

/* The state of the score form. */
struct score_view {
    const struct episode_detail *d;
    const struct protocol *p;
    const struct instrument *in;
    const char *timepoint;
    int64_t session_id;
    int preview; /* the score was computed: show it and offer to save */
    struct score score;
    double baseline; /* the episode's baseline of this instrument, or NAN */
};

/* Instruments offered: the protocol's primary and secondary first. */
static void instrument_options(struct buf *b, const struct protocol *p,
                               const struct instrument *chosen)
{
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 0)
            html_raw(b, "<optgroup label=\"Primary for this protocol\">\n");
        else if (pass == 1)
            html_raw(b, "<optgroup label=\"Secondary\">\n");
        else
            html_raw(b, "<optgroup label=\"Other instruments\">\n");
        for (int i = 0; i < instrument_count(); i++) {
            const struct instrument *in = instrument_at(i);
            int role = p ? protocol_instrument_role(p, in->code) : 0;
            if ((pass == 0 && role != 1) || (pass == 1 && role != 2) ||
                (pass == 2 && role != 0))
                continue;
            html_printf(b, "<option value=\"%s\"%s>%s</option>\n", in->code,
                        in == chosen ? " selected" : "", in->name);
        }
        html_raw(b, "</optgroup>\n");
    }
}

/* The GET form that picks the instrument, timepoint and session. */
static void chooser(struct web_ctx *w, const struct score_view *v)
{
    struct buf *b = &w->resp->body;
    const struct episode_detail *d = v->d;
    html_printf(b,
                "<form method=\"get\" action=\"/episodes/%lld/scores/new\""
                " class=\"inline chooser\">\n",
                (long long)d->episode.id);
    html_raw(b, "<div class=\"field\"><label for=\"c-instrument\">Instrument"
                "</label>\n<select name=\"instrument\" id=\"c-instrument\">"
                "\n");
    instrument_options(b, v->p, v->in);
    html_raw(b, "</select></div>\n<div class=\"field\"><label "
                "for=\"c-timepoint\">When</label>\n<select name=\"timepoint\" "
                "id=\"c-timepoint\">\n");
    for (size_t i = 0; i < ARRAY_SIZE(timepoints); i++)
        html_printf(b, "<option value=\"%s\"%s>%s</option>\n", timepoints[i][0],
                    !strcmp(v->timepoint, timepoints[i][0]) ? " selected" : "",
                    timepoints[i][1]);
    html_raw(b, "</select></div>\n<div class=\"field\"><label "
                "for=\"c-session\">Session</label>\n<select name=\"session\" "
                "id=\"c-session\">\n<option value=\"\">None</option>\n");
    for (size_t i = 0; i < d->sessions.count; i++) {
        const struct session *s = &d->sessions.items[i];
        html_printf(b, "<option value=\"%lld\"%s>Session %zu, ",
                    (long long)s->id, s->id == v->session_id ? " selected" : "",
                    i + 1);
        page_instant(b, s->started_at);
        html_raw(b, "</option>\n");
    }
    html_raw(b, "</select></div>\n<button type=\"submit\" "
                "class=\"secondary\">Change</button>\n</form>\n");
}

/* The item fields of the instrument. */
static void item_fields(struct buf *b, const struct form_view *f,
                        const struct instrument *in)
{
    html_printf(b,
                "<fieldset id=\"f-items\" data-instrument=\"%s\">\n"
                "<legend>Items</legend>\n",
                in->code);
    form_field_error(b, f, "items");
    form_field_error(b, f, "value");
    if (in->item_count_min < in->item_count)
        html_printf(b,
                    "<p class=\"hint\">%d to %d items; leave the rest "
                    "empty.</p>\n",
                    in->item_count_min, in->item_count);
    if (in->max_missing > 0 && in->missing_rule)
        html_printf(b,
                    "<p class=\"hint\">Up to %d may be left unanswered: "
                    "%s</p>\n",
                    in->max_missing, in->missing_rule);
    html_raw(b, "<div class=\"items\">\n");
    for (int i = 0; i < in->item_count; i++) {
        char name[24], hint[64];
        snprintf(name, sizeof(name), "item-%d", i + 1);
        if (in->allowed_count) {
            snprintf(hint, sizeof(hint), "one of the scale's points");
            const char *(*opts)[2] =
                xcalloc((size_t)in->allowed_count + 1, sizeof(*opts));
            char(*texts)[16] =
                xcalloc((size_t)in->allowed_count + 1, sizeof(*texts));
            opts[0][0] = "";
            opts[0][1] = "\xe2\x80\x94";
            for (int k = 0; k < in->allowed_count; k++) {
                snprintf(texts[k + 1], sizeof(texts[k + 1]), "%g",
                         in->allowed[k]);
                opts[k + 1][0] = texts[k + 1];
                opts[k + 1][1] = texts[k + 1];
            }
            form_select(b, f, name, in->item_labels[i],
                        (const char *const(*)[2])opts,
                        (size_t)in->allowed_count + 1, NULL);
            free(opts);
            free(texts);
            continue;
        }
        snprintf(hint, sizeof(hint), "%g to %g", in->item_min[i],
                 in->item_max[i]);
        char attrs[128];
        snprintf(attrs, sizeof(attrs),
                 " min=\"%g\" max=\"%g\" step=\"%s\" inputmode=\"%s\"",
                 in->item_min[i], in->item_max[i],
                 in->integer_items ? "1" : "any",
                 in->integer_items ? "numeric" : "decimal");
        form_input(b, f, name, in->item_labels[i],
                   &(struct field_opts){
                       .type = "number", .hint = hint, .attrs = attrs});
    }
    html_raw(b, "</div>\n</fieldset>\n");
}

/* The computed total, the band, and the change from the baseline. */
static void score_summary(struct buf *b, const struct score_view *v)
{
    const struct instrument *in = v->in;
    html_raw(b, "<div class=\"notice total-preview\" role=\"status\">"
                "<p>Total <output>");
    page_number(b, v->score.total, 2);
    html_printf(b, "</output> %s", in->unit ? in->unit : "");
    html_raw(b, " <span class=\"muted\">(range ");
    page_number(b, in->total_min, 2);
    html_raw(b, "&ndash;");
    page_number(b, in->total_max, 2);
    html_printf(b, "; %s)</span>",
                in->direction == DIRECTION_HIGHER_WORSE ? "lower is better"
                                                        : "higher is better");
    if (v->score.band)
        html_printf(b, " &middot; %s", v->score.band);
    html_raw(b, "</p>\n");
    for (int i = 0; i < v->score.subscore_count; i++) {
        html_printf(b, "<p class=\"muted\">%s: ", v->score.subscores[i].name);
        page_number(b, v->score.subscores[i].value, 2);
        html_raw(b, "</p>\n");
    }
    if (v->score.items_missing)
        html_printf(b, "<p class=\"muted\">%d item%s unanswered: %s</p>\n",
                    v->score.items_missing,
                    v->score.items_missing == 1 ? "" : "s", v->score.missing);
    if (strcmp(v->timepoint, "baseline") && isfinite(v->baseline)) {
        double change = instrument_improvement(in, v->baseline, v->score.total);
        enum responder r =
            instrument_is_responder(in, v->baseline, v->score.total);
        html_raw(b, "<p>Change from the baseline (");
        page_number(b, v->baseline, 2);
        html_raw(b, "): ");
        if (change > 0)
            html_raw(b, "+");
        page_number(b, change, 2);
        html_printf(b, " &middot; %s</p>\n",
                    r == RESPONDER_YES  ? "a clinically important "
                                          "improvement (at or past the MCID)"
                    : r == RESPONDER_NO ? "below the MCID so far"
                                        : "no MCID is published");
    }
    html_raw(b, "</div>\n");
}

static int score_page(struct web_ctx *w, int status, const struct score_view *v)
{
    struct buf *b = &w->resp->body;
    const struct episode *e = &v->d->episode;
    struct form_view f = page_form_view(w, status != 200);
    page_restart(w, status, "Record scores", SECTION_PATIENTS,
                 PAGE_SCRIPT | PAGE_WIDE);
    html_printf(b,
                "<p class=\"crumbs\"><a href=\"/patients/%lld\">%s</a> "
                "&rsaquo; <a href=\"/episodes/%lld\">%s</a></p>\n",
                (long long)e->patient_id, e->patient_name, (long long)e->id,
                v->p ? v->p->name : e->protocol_id);
    html_printf(b, "<h1>%s <span class=\"muted\">for %s</span></h1>\n",
                v->in->name, e->patient_name);
    static const char *const notices[][2] = {
        {"session", "The session is saved. Record the scores after it (and "
                    "before it, if taken)."},
        {NULL, NULL},
    };
    page_notice(w, notices);
    chooser(w, v);
    html_printf(b, "<p class=\"muted\">%s. %d item%s, ", v->in->construct,
                v->in->item_count, v->in->item_count == 1 ? "" : "s");
    html_raw(b, "total ");
    page_number(b, v->in->total_min, 2);
    html_raw(b, "&ndash;");
    page_number(b, v->in->total_max, 2);
    html_printf(b, ", %s.</p>\n",
                v->in->direction == DIRECTION_HIGHER_WORSE
                    ? "lower is better"
                    : "higher is better");
    form_errors(b, &f);
    if (v->preview)
        score_summary(b, v);
    html_printf(b,
                "<form method=\"post\" action=\"/episodes/%lld/scores\" "
                "class=\"scores\" novalidate>\n",
                (long long)e->id);
    form_csrf(w);
    html_printf(b,
                "<input type=\"hidden\" name=\"instrument\" "
                "value=\"%s\">\n<input type=\"hidden\" name=\"timepoint\" "
                "value=\"%s\">\n",
                v->in->code, v->timepoint);
    if (v->session_id)
        html_printf(b,
                    "<input type=\"hidden\" name=\"session\" "
                    "value=\"%lld\">\n",
                    (long long)v->session_id);
    form_field_error(b, &f, "session");
    form_field_error(b, &f, "timepoint");
    form_field_error(b, &f, "instrument");
    item_fields(b, &f, v->in);
    html_raw(b, "<p class=\"total-preview live\" id=\"live-total\" hidden>"
                "Total so far: <output for=\"f-items\" id=\"live-value\">"
                "&ndash;</output> <span class=\"muted\" id=\"live-note\">"
                "</span></p>\n");
    char now[17];
    time_t t = clock_now();
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M", &tm);
    form_input(b, &f, "at", "Taken at",
               &(struct field_opts){.type = "datetime-local", .fallback = now});
    html_raw(b, "<div class=\"actions\">\n");
    if (v->preview)
        html_raw(b, "<button type=\"submit\" name=\"action\" value=\"save\">"
                    "Save the scores</button>\n<button type=\"submit\" "
                    "name=\"action\" value=\"preview\" class=\"secondary\">"
                    "Compute again</button>\n");
    else
        html_raw(b, "<button type=\"submit\" name=\"action\" "
                    "value=\"preview\">Compute the total</button>\n");
    html_printf(b, "<a href=\"/episodes/%lld\">Cancel</a>\n</div>\n</form>\n",
                (long long)e->id);
    page_end(w);
    return 0;
}

/* Fills the view from the query (GET) or the form (POST). */
static int view_load(struct web_ctx *w, struct episode_detail *d,
                     struct score_view *v, const struct http_pairs *from)
{
    if (page_load_episode(w, d) < 0)
        return -1;
    memset(v, 0, sizeof(*v));
    v->d = d;
    v->p = catalog_find(page_catalog(w), d->episode.protocol_id);
    const char *code = http_pairs_get(from, "instrument", 0);
    if (code && *code) {
        v->in = instrument_find(code);
        if (!v->in)
            return web_error(w, 404, "not_found", "instrument",
                             "no instrument '%s'", code);
    } else {
        v->in = instrument_find(v->p && v->p->primary_count ? v->p->primary[0]
                                                            : "nprs");
        if (!v->in)
            v->in = instrument_at(0);
    }
    /* The timepoint: as asked, else what the episode needs next. */
    const char *tp = http_pairs_get(from, "timepoint", 0);
    v->timepoint = NULL;
    for (size_t i = 0; tp && i < ARRAY_SIZE(timepoints); i++)
        if (!strcmp(tp, timepoints[i][0]))
            v->timepoint = timepoints[i][0];
    if (tp && *tp && !v->timepoint)
        return web_error(w, 422, "invalid", "timepoint",
                         "'%.32s' is not baseline, pre, post or followup", tp);
    if (!v->timepoint)
        v->timepoint = d->episode.ended_on[0]                   ? "followup"
                       : !isfinite(physician_report_baseline(d, v->in->code)) ? "baseline"
                       : d->sessions.count                      ? "post"
                                                                : "baseline";
    const char *sid = http_pairs_get(from, "session", 0);
    if (sid && *sid) {
        long long id;
        if (parse_integer(sid, 1, INT64_MAX, &id) < 0)
            return web_error(w, 422, "invalid", "session",
                             "'%.32s' is not a session id", sid);
        v->session_id = id;
        int found = 0;
        for (size_t i = 0; i < d->sessions.count; i++)
            found |= d->sessions.items[i].id == v->session_id;
        if (!found)
            return web_error(w, 404, "not_found", "session",
                             "no session %.20s in this episode", sid);
    } else if ((!strcmp(v->timepoint, "pre") ||
                !strcmp(v->timepoint, "post")) &&
               d->sessions.count) {
        v->session_id = d->sessions.items[d->sessions.count - 1].id;
    }
    if (strcmp(v->timepoint, "pre") && strcmp(v->timepoint, "post") &&
        !(sid && *sid))
        v->session_id = 0;
    v->baseline = physician_report_baseline(d, v->in->code);
    return 0;
}

int page_observation_new(struct web_ctx *w)
{
    struct episode_detail d = {0};
    struct score_view v;
    int rc = view_load(w, &d, &v, &w->query);
    if (rc == 0)
        rc = score_page(w, 200, &v);
    episode_detail_release(&d);
    return rc;
}

int page_observation_create(struct web_ctx *w)
{
    struct episode_detail d = {0};
    struct score_view v;
    int rc = view_load(w, &d, &v, &w->form);
    if (rc < 0)
        goto done;
    const char *action = page_form(w, "action");
    struct item_input items;
    if (items_read(&w->form, v.in, &items, &w->err) < 0) {
        rc = score_page(w, 422, &v);
        goto done;
    }
    if (instrument_score(v.in, items.values, items.present, items.n, &v.score,
                         &w->err) < 0) {
        item_field(&w->err);
        rc = score_page(w, 422, &v);
        goto done;
    }
    if (!action || strcmp(action, "save")) {
        v.preview = 1;
        rc = score_page(w, 200, &v);
        goto done;
    }
    struct observation_new in = {0};
    in.episode_id = d.episode.id;
    in.session_id = v.session_id;
    in.instrument = v.in->code;
    in.timepoint = v.timepoint;
    in.observed_at = page_form_given(w, "at");
    in.items = items.values;
    in.item_count = (size_t)items.n;
    if (!in.observed_at) {
        err_set(&w->err, ERR_INPUT, "at",
                "give the time the score was "
                "taken");
        v.preview = 1;
        rc = score_page(w, 422, &v);
        goto done;
    }
    int64_t id;
    if (observation_add(w->store, &w->actor, &in, &id, &w->err) < 0) {
        if (w->err.code != ERR_INPUT && w->err.code != ERR_CONFLICT) {
            rc = web_fail(w);
            goto done;
        }
        item_field(&w->err);
        v.preview = 1;
        rc = score_page(w, 422, &v);
        goto done;
    }
    rc =
        page_redirect(w, "/episodes/%lld?done=scores", (long long)d.episode.id);
done:
    episode_detail_release(&d);
    return rc;
}

/* ---- the live total (JSON for assets/app.js) ---- */

int page_instrument_total(struct web_ctx *w)
{
    const struct instrument *in =
        instrument_find(route_param(&w->match, "code"));
    json_t *doc;
    struct item_input items;
    struct score score;
    struct err e = ERR_INIT;
    if (!in) {
        doc = json_pack("{s:s}", "error", "no such instrument");
    } else if (items_read(&w->query, in, &items, &e) < 0 ||
               instrument_score(in, items.values, items.present, items.n,
                                &score, &e) < 0) {
        item_field(&e);
        doc = json_pack("{s:s,s:s}", "error", e.message, "field", e.field);
    } else {
        doc = json_pack("{s:f,s:i,s:i}", "total", score.total, "answered",
                        score.items_answered, "missing", score.items_missing);
        if (score.band)
            json_object_set_new(doc, "band", json_string(score.band));
    }
    return web_reply_json(w, 200, doc);
}

/* ---- follow-ups due ---- */

/* A follow-up whose window is open: from its delay after discharge to the
 * next follow-up's (the last one stays open half its delay again). An
 * overdue one: every window has closed, within FOLLOWUP_OVERDUE_DAYS of
 * discharge, with no follow-up score at all; a late score still counts
 * (sustained response is judged at least four weeks after discharge), so
 * it is still worth taking. */
#define FOLLOWUP_OVERDUE_DAYS 365

struct due {
    const struct episode *e;
    const struct protocol *p;
    const char *delay;
    long from, until; /* days since the epoch */
};

static void due_table(struct web_ctx *w, const struct due *due, size_t n);

static int due_compare(const void *a, const void *b)
{
    const struct due *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from;
}

int page_followups(struct web_ctx *w)
{
    if (page_require_clinical(w) < 0)
        return -1;
    struct episode_filter filter = {0, 0, 0};
    struct episode_list l = {0};
    if (episode_list(w->store, &w->actor, &filter, &l, &w->err) < 0)
        return web_fail(w);
    const struct catalog *cat = page_catalog(w);
    long today = clock_today();
    struct due *due = xcalloc(l.count + 1, sizeof(*due));
    struct due *late = xcalloc(l.count + 1, sizeof(*late));
    size_t n = 0, n_late = 0;
    for (size_t i = 0; i < l.count; i++) {
        const struct episode *e = &l.items[i];
        const struct protocol *p = catalog_find(cat, e->protocol_id);
        long end;
        struct err ignored = ERR_INIT;
        if (!e->ended_on[0] || !p ||
            clock_parse_date(e->ended_on, &end, "end", &ignored) < 0)
            continue;
        /* The follow-up of at least a day whose window holds today; or,
         * when every window has closed, the last one. */
        int k = -1, last = -1;
        long from = 0, until = 0, last_from = 0, last_until = 0;
        for (int j = 0; j < p->follow_up_count; j++) {
            int hours = p->follow_ups[j].hours;
            if (hours < 24)
                continue;
            long f = end + hours / 24;
            long u = j + 1 < p->follow_up_count
                         ? end + p->follow_ups[j + 1].hours / 24
                         : f + hours / 48 + 1;
            if (today >= f && today < u) {
                k = j;
                from = f;
                until = u;
            }
            last = j;
            last_from = f;
            last_until = u;
        }
        int overdue = k < 0 && last >= 0 && today >= last_until &&
                      today - end <= FOLLOWUP_OVERDUE_DAYS;
        if (k < 0 && !overdue)
            continue;
        struct observation_list obs = {0};
        if (observation_list(w->store, &w->actor, e->id, &obs, &w->err) < 0) {
            free(due);
            episode_list_release(&l);
            return web_fail(w);
        }
        int taken = 0;
        for (size_t j = 0; j < obs.count; j++) {
            const struct observation *o = &obs.items[j];
            if (strcmp(o->timepoint, "followup"))
                continue;
            if (overdue || (end + o->followup_days >= from &&
                            end + o->followup_days < until))
                taken = 1;
        }
        observation_list_release(&obs);
        if (taken)
            continue;
        if (overdue)
            late[n_late++] = (struct due){e, p, p->follow_ups[last].text,
                                          last_from, last_until};
        else
            due[n++] = (struct due){e, p, p->follow_ups[k].text, from,
                                    until};
    }
    qsort(due, n, sizeof(*due), due_compare);
    qsort(late, n_late, sizeof(*late), due_compare);
    struct buf *b = &w->resp->body;
    page_open(w, "Follow-ups due", SECTION_FOLLOWUPS, PAGE_WIDE);
    html_raw(b, "<h1>Follow-ups due</h1>\n<p>Closed episodes whose "
                "protocol's follow-up has come due and has no follow-up "
                "score yet. A follow-up counts in its window: from its "
                "delay after discharge until the next follow-up's. "
                "<em>Send link</em> emails the patient a one-time link to "
                "answer the questions; <em>Print code</em> gives a sheet "
                "with its QR code.</p>\n");
    static const char *const notices[][2] = {
        {"sent", "The link is queued for the patient's email."},
        {"resent", "A new link is queued for the patient's email; the old "
                   "one no longer works."},
        {NULL, NULL},
    };
    page_notice(w, notices);
    if (!n)
        html_raw(b, "<p class=\"empty\">No follow-up is due.</p>\n");
    else
        due_table(w, due, n);
    html_raw(b, "<h2 id=\"overdue\">Overdue</h2>\n<p>Episodes discharged in "
                "the last year whose every follow-up window has closed "
                "without a follow-up score. A late score still shows "
                "whether the response lasted.</p>\n");
    if (!n_late)
        html_raw(b, "<p class=\"empty\">No follow-up is overdue.</p>\n");
    else
        due_table(w, late, n_late);
    page_end(w);
    free(due);
    free(late);
    episode_list_release(&l);
    return 0;
}

/* Opens the form that asks the patient for the episode's follow-up by
 * channel ("email" or "print"), with the session's CSRF token. */
static void followup_form_open(struct web_ctx *w, int64_t episode,
                               const char *channel)
{
    struct buf *b = &w->resp->body;
    html_printf(b,
                "<form method=\"post\" action=\"/episodes/%lld/invitations\""
                " class=\"inline\">\n",
                (long long)episode);
    form_csrf(w);
    html_printf(b,
                "<input type=\"hidden\" name=\"timepoint\" "
                "value=\"followup\">\n<input type=\"hidden\" "
                "name=\"channel\" value=\"%s\">\n",
                channel);
}

/* The buttons of a due follow-up: send link (or resend, when a link is
 * live) and print code, as forms with the session's CSRF token. */
static void due_buttons(struct web_ctx *w, const struct due *d)
{
    struct buf *b = &w->resp->body;
    int64_t live = 0;
    char channel[8] = "";
    struct err ignored = ERR_INIT;
    if (answer_live_invitation(w->store, d->e->id, "followup", &live, channel,
                               &ignored) < 0)
        live = 0;
    followup_form_open(w, d->e->id, "email");
    if (live && !strcmp(channel, "email"))
        html_printf(b,
                    "<input type=\"hidden\" name=\"resend\" "
                    "value=\"%lld\">\n<button type=\"submit\" "
                    "class=\"secondary\">Resend</button>\n",
                    (long long)live);
    else
        html_raw(b, "<button type=\"submit\" class=\"secondary\">Send "
                    "link</button>\n");
    html_raw(b, "</form>\n");
    if (live && !strcmp(channel, "print")) {
        html_printf(b,
                    "<a href=\"/episodes/%lld/invitations/%lld/print\">"
                    "Print code</a>\n",
                    (long long)d->e->id, (long long)live);
        return;
    }
    followup_form_open(w, d->e->id, "print");
    html_raw(b, "<button type=\"submit\" class=\"secondary\">Print "
                "code</button>\n</form>\n");
}

/* The rows of follow-ups, with the link that records one and the
 * buttons that ask the patient. */
static void due_table(struct web_ctx *w, const struct due *due, size_t n)
{
    struct buf *b = &w->resp->body;
    page_table_open(b, "list",
                    (const char *const[]){"Patient", "Protocol", "Discharged",
                                          "Follow-up", "Due from",
                                          "Window ends", "", NULL});
    for (size_t i = 0; i < n; i++) {
        char from[CLOCK_DATE_LEN], until[CLOCK_DATE_LEN];
        clock_format_date(due[i].from, from);
        clock_format_date(due[i].until - 1, until);
        const char *primary =
            due[i].p->primary_count ? due[i].p->primary[0] : "nprs";
        html_printf(b,
                    "<tr><td><a href=\"/episodes/%lld\">%s</a></td>"
                    "<td>%s</td><td>%s</td><td>%s after discharge"
                    "</td><td>%s</td><td>%s</td><td><a "
                    "href=\"/episodes/%lld/scores/new?timepoint="
                    "followup&amp;instrument=%s\">Record the "
                    "follow-up</a>\n",
                    (long long)due[i].e->id, due[i].e->patient_name,
                    due[i].p->name, due[i].e->ended_on, due[i].delay, from,
                    until, (long long)due[i].e->id, primary);
        due_buttons(w, &due[i]);
        html_raw(b, "</td></tr>\n");
    }
    page_table_close(b);
}
