/* The patient's progress chart (documents/physician_report.h's chart: the
 * instrument's scores per session and at follow-ups, the baseline, the
 * MCID band and the responder line; other instruments selectable) and the
 * physician's progress report (physician_report_html) shown inside the
 * page chrome, whose print stylesheet leaves only the report; the
 * report's standalone document can be downloaded for the physician. */
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/util.h"
#include "documents/physician_report.h"
#include "outcomes/report.h"
#include "record/episode.h"
#include "web/handlers.h"
#include "web/pages.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void value_cell(struct buf *b, const json_t *v, int signed_value)
{
    html_raw(b, "<td class=\"num\">");
    if (json_is_number(v)) {
        double x = json_number_value(v);
        if (signed_value && x > 0)
            html_raw(b, "+");
        page_number(b, x, 2);
    } else {
        html_raw(b, "&ndash;");
    }
    html_raw(b, "</td>");
}

static const char *yes_no(const json_t *v)
{
    return json_is_true(v) ? "yes" : json_is_false(v) ? "no" : "\xe2\x80\x93";
}

/* The outcome of the episode by instrument, from the outcome report. */
static void outcome_table(struct web_ctx *w, const json_t *outcomes,
                          const char *current, int64_t episode_id)
{
    struct buf *b = &w->resp->body;
    html_raw(b, "<div class=\"scroll\">");
    page_table_open(b, "list",
                    (const char *const[]){"Instrument", "Role", "#Baseline",
                                          "#Discharge or latest",
                                          "#Improvement", "Responder",
                                          "#Follow-up", "Sustained", NULL});
    size_t i;
    json_t *o;
    json_array_foreach(outcomes, i, o)
    {
        const char *code = str(o, "instrument");
        int here = current && !strcmp(code, current);
        html_raw(b, here ? "<tr class=\"current\"><td>" : "<tr><td>");
        html_printf(b,
                    "<a href=\"/episodes/%lld/chart?instrument=%s\">%s"
                    "</a></td><td>%s</td>",
                    (long long)episode_id, code, str(o, "name"),
                    str(o, "role"));
        value_cell(b, json_object_get(o, "baseline"), 0);
        value_cell(b, json_object_get(o, "discharge"), 0);
        value_cell(b, json_object_get(o, "improvement"), 1);
        html_printf(b, "<td>%s</td>", yes_no(json_object_get(o, "responder")));
        value_cell(b, json_object_get(o, "followup"), 0);
        html_printf(b, "<td>%s</td></tr>\n",
                    yes_no(json_object_get(o, "sustained")));
    }
    html_raw(b, "</tbody>\n</table></div>\n");
}

int page_chart(struct web_ctx *w)
{
    struct episode_detail d = {0};
    if (page_load_episode(w, &d) < 0)
        return -1;
    json_t *rep =
        report_episode_json(w->store, &w->actor, d.episode.id, &w->err);
    if (!rep) {
        episode_detail_release(&d);
        return web_fail(w);
    }
    const json_t *outcomes = json_object_get(rep, "outcomes");
    const char *instrument = page_query(w, "instrument");
    if (instrument && !instrument_find(instrument)) {
        json_decref(rep);
        episode_detail_release(&d);
        return web_error(w, 404, "not_found", "instrument",
                         "no instrument '%.64s'", instrument);
    }
    /* The baseline the outcome report uses for the chosen instrument. */
    double baseline = NAN;
    size_t i;
    json_t *o;
    json_array_foreach(outcomes, i, o)
    {
        if (instrument ? !strcmp(str(o, "instrument"), instrument)
                       : !strcmp(str(o, "role"), "primary")) {
            if (!instrument)
                instrument = str(o, "instrument");
            if (json_is_number(json_object_get(o, "baseline")))
                baseline = json_number_value(json_object_get(o, "baseline"));
            break;
        }
    }
    const struct protocol *p =
        catalog_find(page_catalog(w), d.episode.protocol_id);
    const struct instrument *in =
        instrument ? instrument_find(instrument) : NULL;
    struct buf *b = &w->resp->body;
    page_open(w, "Progress chart", SECTION_PATIENTS, PAGE_WIDE);
    html_printf(b,
                "<p class=\"crumbs\"><a href=\"/patients/%lld\">%s</a> "
                "&rsaquo; <a href=\"/episodes/%lld\">%s</a></p>\n",
                (long long)d.episode.patient_id, d.episode.patient_name,
                (long long)d.episode.id, p ? p->name : d.episode.protocol_id);
    html_printf(b, "<h1>Progress <span class=\"muted\">of %s</span></h1>\n",
                d.episode.patient_name);
    /* The instruments with scores, to choose from. */
    html_printf(b,
                "<form method=\"get\" action=\"/episodes/%lld/chart\" "
                "class=\"inline chooser\">\n<div class=\"field\"><label "
                "for=\"c-instrument\">Instrument</label>\n<select "
                "name=\"instrument\" id=\"c-instrument\">\n",
                (long long)d.episode.id);
    json_array_foreach(outcomes, i, o)
    {
        const char *code = str(o, "instrument");
        html_printf(b, "<option value=\"%s\"%s>%s (%s)</option>\n", code,
                    instrument && !strcmp(code, instrument) ? " selected" : "",
                    str(o, "name"), str(o, "role"));
    }
    html_raw(b, "</select></div>\n<button type=\"submit\" "
                "class=\"secondary\">Show</button>\n</form>\n");
    html_raw(b, "<figure class=\"chart\">\n");
    size_t before = b->len;
    if (!instrument ||
        physician_report_chart(&d, instrument, baseline, b) < 0) {
        b->len = before;
        b->data[before] = '\0';
        html_raw(b, "<p class=\"empty\">No score of this instrument yet.</p>"
                    "\n");
    }
    html_raw(b, "</figure>\n");
    if (in) {
        html_printf(b, "<p class=\"hint\">%s; ",
                    in->direction == DIRECTION_HIGHER_WORSE
                        ? "lower is better"
                        : "higher is better");
        if (in->has_absolute || in->has_relative) {
            html_raw(b, "the band marks a change smaller than the MCID (");
            if (in->has_absolute)
                page_number(b, in->mcid_absolute, 2);
            if (in->has_absolute && in->has_relative)
                html_raw(b, " or ");
            if (in->has_relative)
                html_printf(b, "%.0f%% of the baseline",
                            in->mcid_relative * 100);
            html_raw(b, "); past the responder line the change is "
                        "clinically important.</p>\n");
        } else {
            html_raw(b, "no MCID is published, so no responder line.</p>\n");
        }
    }
    html_raw(b, "<h2>Outcome by instrument</h2>\n");
    outcome_table(w, outcomes, instrument, d.episode.id);
    html_printf(b,
                "<p><a href=\"/episodes/%lld/report\">Progress report "
                "for the physician</a></p>\n",
                (long long)d.episode.id);
    page_end(w);
    json_decref(rep);
    episode_detail_release(&d);
    return 0;
}

/* The body of the report's document, without its own head and style (the
 * page's stylesheet styles it; the CSP allows no inline style). */
static int report_body(const char *doc, const char **start, size_t *len)
{
    const char *open = strstr(doc, "<body>");
    const char *close = strstr(doc, "</body>");
    if (!open || !close || close < open)
        return -1;
    *start = open + strlen("<body>");
    *len = (size_t)(close - *start);
    return 0;
}

/* The physician report of the route's episode into doc (the caller
 * releases it), for a caller who may see patient records; -1 with the
 * reply's error otherwise. */
static int report_document(struct web_ctx *w, int64_t id, struct buf *doc)
{
    if (page_require_clinical(w) < 0)
        return -1;
    if (physician_report_html(w->store, &w->actor, id, doc, &w->err) < 0) {
        buf_release(doc);
        return web_fail(w);
    }
    return 0;
}

int page_report(struct web_ctx *w)
{
    int64_t id = page_id(w);
    struct buf doc = BUF_INIT;
    if (report_document(w, id, &doc) < 0)
        return -1;
    const char *body;
    size_t len;
    if (report_body(doc.data, &body, &len) < 0) {
        buf_release(&doc);
        return web_error(w, 500, "internal", "", "the report has no body");
    }
    struct buf *b = &w->resp->body;
    page_open(w, "Progress report", SECTION_PATIENTS, 0);
    html_printf(b,
                "<div class=\"actions no-print\"><a href=\"/episodes/%lld"
                "\">Back to the episode</a> <a class=\"button "
                "secondary\" href=\"/episodes/%lld/report.html\" "
                "download>Download for the physician (HTML)</a> "
                "<span class=\"hint\">Print this page (Ctrl+P) for a "
                "clean report.</span></div>\n",
                (long long)id, (long long)id);
    html_raw(b, "<article class=\"report\">\n");
    /* The report escaped every value it holds (documents/physician_report.h). */
    buf_add(b, body, len);
    html_raw(b, "</article>\n");
    page_end(w);
    buf_release(&doc);
    return 0;
}

int page_report_download(struct web_ctx *w)
{
    int64_t id = page_id(w);
    struct buf doc = BUF_INIT;
    if (report_document(w, id, &doc) < 0)
        return -1;
    char disposition[96];
    snprintf(disposition, sizeof(disposition),
             "attachment; filename=\"progress-report-%lld.html\"",
             (long long)id);
    http_response_set_header(w->resp, "Content-Type",
                             "text/html; charset=utf-8");
    http_response_set_header(w->resp, "Content-Disposition", disposition);
    buf_add(&w->resp->body, doc.data, doc.len);
    buf_release(&doc);
    return 0;
}
