/* The outcomes dashboard: a therapist's cells (protocol x instrument) with
 * n, improvement and its CI, responder rate and its CI, speed,
 * sustainability and designation; a funnel plot of risk-adjusted
 * performance against the registry's peers (this therapist highlighted,
 * peers anonymous); links to the certificate where one is earned. Every
 * number comes from the outcomes library's reports (outcomes/report.h),
 * the same documents `touchstone report` prints; each is written with its
 * exact value in a <data value> element. A researcher sees the registry,
 * by anonymous label only. */
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/util.h"
#include "outcomes/group.h"
#include "outcomes/national.h"
#include "outcomes/report.h"
#include "record/practitioner.h"
#include "stats/funnel.h"
#include "web/handlers.h"
#include "web/pages.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The number under member key of object o, as number() shows it. */
static void member(struct buf *b, const json_t *o, const char *key,
                   int decimals, enum page_shown how)
{
    page_data(b, json_object_get(o, key), decimals, how);
}

/* Opens a numeric table cell named after the report's member it shows. */
static void cell_open(struct buf *b, const char *name)
{
    html_printf(b, "<td class=\"num\" data-name=\"%s\">", name);
}

/* A numeric table cell holding member key of object o. */
static void cell(struct buf *b, const json_t *o, const char *key,
                 int decimals, enum page_shown how)
{
    cell_open(b, key);
    member(b, o, key, decimals, how);
    html_raw(b, "</td>");
}

/* A span holding member key of object o, named after it. */
static void span(struct buf *b, const json_t *o, const char *key,
                 int decimals, enum page_shown how)
{
    html_printf(b, "<span data-name=\"%s\">", key);
    member(b, o, key, decimals, how);
    html_raw(b, "</span>");
}

/* "[lo, hi]" of a report's interval, or nothing when null. */
static void interval(struct buf *b, const json_t *ci, int decimals,
                     enum page_shown how)
{
    if (!json_is_array(ci))
        return;
    html_raw(b, " <span class=\"ci\">[");
    page_data(b, json_array_get(ci, 0), decimals, how);
    html_raw(b, ", ");
    page_data(b, json_array_get(ci, 1), decimals, how);
    html_raw(b, "]</span>");
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char *protocol_name(struct web_ctx *w, const char *id)
{
    const struct protocol *p = catalog_find(page_catalog(w), id);
    return p ? p->name : id;
}

static const char *instrument_name(const char *code)
{
    const struct instrument *in = instrument_find(code);
    return in ? in->name : code;
}

static void designation_badge(struct buf *b, const char *d)
{
    if (!strcmp(d, "none"))
        html_raw(b, "<span class=\"muted\">none yet</span>");
    else
        html_printf(b, "<span class=\"badge yes\">%s</span>", d);
}

/* Opens the row of a cell (protocol, instrument): its identifiers as data
 * attributes and its names as the first two columns; current marks the
 * selected one. */
static void cell_row_open(struct web_ctx *w, const char *protocol,
                          const char *instrument, int current)
{
    struct buf *b = &w->resp->body;
    html_raw(b, current ? "<tr class=\"current\"" : "<tr");
    html_printf(b,
                " data-protocol=\"%s\" data-instrument=\"%s\">"
                "<td>%s</td><td>%s</td>",
                protocol, instrument, protocol_name(w, protocol),
                instrument_name(instrument));
}

/* The cells table of a practitioner's report. */
static void cells_table(struct web_ctx *w, const json_t *cells,
                        int64_t practitioner_id, const char *sel_protocol,
                        const char *sel_instrument)
{
    struct buf *b = &w->resp->body;
    html_raw(b, "<div class=\"scroll\">");
    page_table_open(b, "list cells",
                    (const char *const[]){"Protocol", "Instrument", "#n",
                                          "#Improvement [95% CI]",
                                          "#Responders [95% CI]",
                                          "#Sessions to response", "#Sustained",
                                          "#Risk-adjusted (O&minus;E)",
                                          "Funnel", "Designation", NULL});
    size_t i;
    json_t *c;
    json_array_foreach(cells, i, c)
    {
        const char *protocol = str(c, "protocol");
        const char *instrument = str(c, "instrument");
        int selected = sel_protocol && !strcmp(protocol, sel_protocol) &&
                       sel_instrument && !strcmp(instrument, sel_instrument);
        cell_row_open(w, protocol, instrument, selected);
        cell(b, c, "n", 0, PAGE_PLAIN);
        cell_open(b, "mean_improvement");
        member(b, c, "mean_improvement", 2, PAGE_SIGNED);
        interval(b, json_object_get(c, "mean_improvement_ci95"), 2, PAGE_PLAIN);
        html_raw(b, "</td>");
        cell_open(b, "responder_rate");
        member(b, c, "responder_rate", 0, PAGE_PERCENT);
        interval(b, json_object_get(c, "responder_ci95"), 0, PAGE_PERCENT);
        html_raw(b, "</td>");
        cell(b, c, "median_sessions_to_response", 1, PAGE_PLAIN);
        cell(b, c, "sustained_rate", 0, PAGE_PERCENT);
        cell(b, c, "observed_minus_expected", 2, PAGE_SIGNED);
        html_printf(b,
                    "<td><a href=\"/outcomes?practitioner=%lld&amp;"
                    "protocol=%s&amp;instrument=%s#funnel\">%s</a></td>"
                    "<td>",
                    (long long)practitioner_id, protocol, instrument,
                    str(c, "funnel"));
        const char *d = str(c, "designation");
        designation_badge(b, d);
        if (strcmp(d, "none"))
            html_printf(b,
                        " <a href=\"/certificates?practitioner=%lld&amp;"
                        "protocol=%s&amp;instrument=%s\">Certificate</a>",
                        (long long)practitioner_id, protocol, instrument);
        html_raw(b, "</td></tr>\n");
    }
    html_raw(b, "</tbody>\n</table></div>\n");
}

/* How complete the evidence is (the report's "coverage" member): a row
 * per protocol, then a line per invitation channel. */
static void coverage_section(struct web_ctx *w, const json_t *cov)
{
    struct buf *b = &w->resp->body;
    html_raw(b, "<section id=\"coverage\" aria-labelledby=\"coverage-h\">"
                "<h2 id=\"coverage-h\">Coverage</h2>\n");
    const json_t *rows = json_object_get(cov, "followup");
    if (!json_array_size(rows)) {
        html_raw(b, "<p class=\"empty\">No complete episode yet.</p>\n");
    } else {
        html_raw(b, "<div class=\"scroll\">");
        page_table_open(b, "list coverage",
                        (const char *const[]){
                            "Protocol", "#Complete episodes",
                            "#With a follow-up", "#Coverage",
                            "#Without: invited", "#Without: not invited",
                            NULL});
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            const char *protocol = str(r, "protocol");
            html_printf(b,
                        "<tr data-protocol=\"%s\"><td>%s</td>",
                        protocol, protocol_name(w, protocol));
            cell(b, r, "complete", 0, PAGE_PLAIN);
            cell(b, r, "with_followup", 0, PAGE_PLAIN);
            cell(b, r, "coverage", 0, PAGE_PERCENT);
            cell(b, r, "invited", 0, PAGE_PLAIN);
            cell(b, r, "not_invited", 0, PAGE_PLAIN);
            html_raw(b, "</tr>\n");
        }
        html_raw(b, "</tbody>\n</table></div>\n");
    }
    html_raw(b, "<ul class=\"channels\">\n");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(cov, "channels"), i, c)
    {
        const char *channel = str(c, "channel");
        html_printf(b, "<li data-channel=\"%s\">%s: ", channel,
                    strcmp(channel, "print") ? "Email links"
                                             : "Printed codes");
        span(b, c, "answered", 0, PAGE_PLAIN);
        html_raw(b, " answered of ");
        span(b, c, "sent", 0, PAGE_PLAIN);
        html_raw(b, " sent, ");
        span(b, c, "response_rate", 0, PAGE_PERCENT);
        html_raw(b, "; median ");
        span(b, c, "median_days_to_answer", 1, PAGE_PLAIN);
        html_raw(b, " days to answer</li>\n");
    }
    html_raw(b, "<li data-channel=\"all\">All invitations: median ");
    span(b, cov, "median_days_to_answer", 1, PAGE_PLAIN);
    html_raw(b, " days to answer</li>\n</ul>\n");
    html_raw(b, "<p class=\"hint\">Coverage: complete episodes with a "
                "follow-up at least four weeks after discharge. An "
                "invitation counts as sent unless it was revoked before it "
                "was answered.</p>\n</section>\n");
}

/* The criteria of the selected cell. */
static void criteria_list(struct web_ctx *w, const json_t *designations,
                          const char *protocol, const char *instrument)
{
    struct buf *b = &w->resp->body;
    size_t i;
    json_t *d;
    json_array_foreach(designations, i, d)
    {
        if (strcmp(str(d, "protocol"), protocol) ||
            strcmp(str(d, "instrument"), instrument))
            continue;
        html_raw(b, "<h3>Criteria of the designations</h3>\n");
        page_criteria_table(b, json_object_get(d, "criteria"));
        size_t k;
        json_t *note;
        json_array_foreach(json_object_get(d, "notes"), k, note) html_printf(
            b, "<p class=\"hint\">%s</p>\n", json_string_value(note));
    }
}

/* The plot both funnels draw: each therapist's observed minus expected
 * improvement against the number of complete episodes, with the model's
 * sigma and its between-therapist variance tau2 (a JSON number, else 0).
 * highlighted: a point is this therapist's. Borrows every pointer. */
static struct funnel_plot funnel_plot_make(const char *id, const char *title,
                                           const json_t *sigma,
                                           const json_t *tau2,
                                           const struct funnel_point *points,
                                           size_t count, int highlighted)
{
    return (struct funnel_plot){
        .id = id,
        .title = title,
        .x_label = "complete episodes (n)",
        .y_label = "observed \xe2\x88\x92 expected improvement",
        .highlight_label = highlighted ? "this therapist" : NULL,
        .sigma = json_number_value(sigma),
        .tau2 = json_is_number(tau2) ? json_number_value(tau2) : 0,
        .points = points,
        .count = count,
    };
}

/* Appends to points (*count of them, room for one more) the point of n
 * complete episodes (JSON numbers: n and value), labelled. */
static void funnel_point_add(struct funnel_point *points, size_t *count,
                             const json_t *n, const json_t *value,
                             const char *label, int highlight)
{
    points[*count] = (struct funnel_point){.n = json_number_value(n),
                                           .value = json_number_value(value),
                                           .label = label,
                                           .highlight = highlight};
    (*count)++;
}

/* The plot as a figure captioned with its title and, when not "", a note
 * after it. */
static void funnel_figure(struct buf *b, const struct funnel_plot *plot,
                          const char *note)
{
    html_raw(b, "<figure class=\"chart\">\n");
    page_funnel_svg(b, plot);
    html_raw(b, "<figcaption>");
    html_text(b, plot->title);
    html_raw(b, ".");
    if (*note)
        html_printf(b, " %s.", note);
    html_raw(b, "</figcaption>\n</figure>\n");
}

/* The funnel plot of one group from the registry report, with its cells
 * as a table (the plot's text equivalent). highlight: the practitioner
 * whose cell is marked, or 0. */
static int funnel_section(struct web_ctx *w, const char *protocol,
                          const char *instrument, int64_t highlight)
{
    struct buf *b = &w->resp->body;
    json_t *reg = report_registry_json(w->store, &w->actor, protocol,
                                       instrument, &w->err);
    if (!reg)
        return web_fail(w);
    json_t *model = json_array_get(json_object_get(reg, "models"), 0);
    json_t *cells = json_object_get(reg, "cells");
    size_t n = json_array_size(cells);
    struct funnel_point *points = xcalloc(n + 1, sizeof(*points));
    size_t count = 0;
    size_t i;
    json_t *c;
    json_array_foreach(cells, i, c)
    {
        json_t *pid = json_object_get(c, "practitioner");
        json_t *value = json_object_get(c, "observed_minus_expected");
        json_t *nadj = json_object_get(c, "n_adjusted");
        if (!json_is_number(value) || !json_is_number(nadj))
            continue;
        int mine = highlight && json_is_integer(pid) &&
                   json_integer_value(pid) == highlight;
        funnel_point_add(points, &count, nadj, value,
                         mine ? "this therapist" : str(c, "label"), mine);
    }
    char title[512];
    snprintf(title, sizeof(title),
             "Funnel plot: risk-adjusted improvement (observed minus "
             "expected) of every therapist in %s measured by %s, against "
             "the number of episodes",
             protocol_name(w, protocol), instrument_name(instrument));
    struct funnel_plot plot = funnel_plot_make(
        "funnel", title, json_object_get(model, "sigma"),
        json_object_get(json_object_get(model, "funnel"), "tau2"), points,
        count, highlight != 0);
    html_printf(b,
                "<section id=\"funnel\"><h2>Against the peers: %s, %s"
                "</h2>\n",
                protocol_name(w, protocol), instrument_name(instrument));
    html_raw(b, "<p class=\"hint\">Each mark is one therapist's cell. Above "
                "the line is better than the registry expects for such "
                "patients; outside the dashed lines is unusual at 95%, "
                "outside the dotted ones at 99.8%.</p>\n");
    funnel_figure(b, &plot, str(model, "note"));
    html_raw(b, "<details><summary>The plot's data</summary>\n");
    page_table_open(b, "list",
                    (const char *const[]){"Therapist", "#n", "#O&minus;E",
                                          "#Shrunken", "Position", NULL});
    json_array_foreach(cells, i, c)
    {
        json_t *pid = json_object_get(c, "practitioner");
        int mine = highlight && json_is_integer(pid) &&
                   json_integer_value(pid) == highlight;
        html_printf(b, "<tr><td>%s</td><td class=\"num\">",
                    mine ? "this therapist" : str(c, "label"));
        member(b, c, "n_adjusted", 0, PAGE_PLAIN);
        html_raw(b, "</td><td class=\"num\">");
        member(b, c, "observed_minus_expected", 2, PAGE_SIGNED);
        html_raw(b, "</td><td class=\"num\">");
        member(b, c, "shrunken", 2, PAGE_SIGNED);
        html_printf(b, "</td><td>%s</td></tr>\n", str(c, "funnel"));
    }
    page_table_close(b);
    html_raw(b, "</details>\n</section>\n");
    free(points);
    json_decref(reg);
    return 0;
}

/* The comparison with the national registry (the report's "national"
 * member, outcomes/national.h): the registry's scope, then per cell the
 * clinic's and the nation's mean improvement and the therapist's
 * percentile among the national cells; or the sentence saying the clinic
 * stands alone when nothing was pulled. */
static void national_section(struct web_ctx *w, const json_t *national)
{
    struct buf *b = &w->resp->body;
    int pulled = !strcmp(str(national, "source"), "registry");
    html_raw(b, "<section id=\"national\"><h2>Against the national "
                "registry</h2>\n<p class=\"national-scope\">");
    if (!pulled) {
        html_text(b, str(national, "sentence"));
        html_raw(b, "</p>\n</section>\n");
        return;
    }
    html_raw(b, "Compared ");
    html_text(b, str(national, "sentence"));
    html_raw(b, " of the national registry (");
    member(b, national, "summaries", 0, PAGE_PLAIN);
    html_raw(b, " episode summaries; pulled ");
    html_text(b, str(national, "pulled_at"));
    html_raw(b, ", signature verified). Cells under ");
    member(b, national, "min_cell", 0, PAGE_PLAIN);
    html_raw(b, " episodes are withheld by the registry.</p>\n");
    html_raw(b, "<div class=\"scroll\">");
    page_table_open(b, "list national",
                    (const char *const[]){"Protocol", "Instrument",
                                          "#Clinic mean improvement",
                                          "#National mean improvement",
                                          "#National complete episodes",
                                          "#Percentile (risk-adjusted)",
                                          NULL});
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(national, "groups"), i, g)
    {
        cell_row_open(w, str(g, "protocol"), str(g, "instrument"), 0);
        cell(b, g, "clinic_mean_improvement", 2, PAGE_SIGNED);
        cell_open(b, "national_mean_improvement");
        if (json_is_true(json_object_get(g, "national_withheld")))
            html_raw(b, "withheld");
        else
            member(b, g, "national_mean_improvement", 2, PAGE_SIGNED);
        html_raw(b, "</td>");
        cell(b, g, "national_n_complete", 0, PAGE_PLAIN);
        cell_open(b, "percentile");
        member(b, g, "percentile", 0, PAGE_PLAIN);
        if (json_is_number(json_object_get(g, "percentile"))) {
            html_raw(b, " <span class=\"muted\">of ");
            member(b, g, "national_cells", 0, PAGE_PLAIN);
            html_raw(b, "</span>");
        }
        html_raw(b, "</td></tr>\n");
    }
    html_raw(b, "</tbody>\n</table></div>\n");
    html_raw(b, "<p class=\"hint\">The percentile places this therapist's "
                "risk-adjusted improvement (observed minus expected, "
                "against this clinic's risk model) among the national cells "
                "of the same protocol and instrument: 50 is the national "
                "median.</p>\n</section>\n");
}

/* The national funnel of one group: the published cells of the pulled
 * national document (anonymous) and this therapist's cell (its episodes
 * and observed-minus-expected improvement from the clinic's report)
 * against the national limits (the document's model: sigma, and the
 * overdispersion tau2 of its funnel), with the therapist's limits and
 * position as a table. Without a pulled document, the sentence saying the
 * clinic stands alone. */
static void national_funnel_section(struct web_ctx *w, const json_t *rep,
                                    const char *protocol,
                                    const char *instrument, int64_t pid)
{
    struct buf *b = &w->resp->body;
    html_raw(b, "<section id=\"national-funnel\"><h2>Against the nation: ");
    html_text(b, protocol_name(w, protocol));
    html_raw(b, ", ");
    html_text(b, instrument_name(instrument));
    html_raw(b, "</h2>\n");
    struct err e = ERR_INIT;
    char pulled_at[CLOCK_INSTANT_LEN] = "";
    json_t *doc = national_load(w->store, pulled_at, &e);
    const json_t *model =
        doc ? group_find(json_object_get(doc, "models"), protocol, instrument)
            : NULL;
    /* The therapist's cell as the clinic's funnel has it (its n_adjusted:
     * the episodes with every risk factor). */
    struct err re = ERR_INIT;
    json_t *reg = doc ? report_registry_json(w->store, &w->actor, protocol,
                                             instrument, &re)
                      : NULL;
    const json_t *mine = NULL;
    size_t k;
    const json_t *rc_cell;
    json_array_foreach(json_object_get(reg, "cells"), k, rc_cell)
    {
        const json_t *id = json_object_get(rc_cell, "practitioner");
        if (json_is_integer(id) && json_integer_value(id) == pid)
            mine = rc_cell;
    }
    if (!mine)
        mine = group_find(json_object_get(rep, "cells"), protocol, instrument);
    const json_t *sigma = json_object_get(model, "sigma");
    if (!doc || !model || json_is_true(json_object_get(model, "suppressed")) ||
        !json_is_number(sigma) || !(json_number_value(sigma) > 0)) {
        html_raw(b, "<p class=\"national-funnel-none\">");
        if (!doc)
            html_text(b, str(json_object_get(rep, "national"), "sentence"));
        else
            html_raw(b, "The national registry publishes no funnel for this "
                        "protocol and instrument (too few episodes, or no "
                        "model): no national funnel to show.");
        html_raw(b, "</p>\n</section>\n");
        json_decref(reg);
        json_decref(doc);
        return;
    }
    const json_t *tau2 =
        json_object_get(json_object_get(model, "funnel"), "tau2");
    const json_t *cells = json_object_get(doc, "cells");
    struct funnel_point *points =
        xcalloc(json_array_size(cells) + 1, sizeof(*points));
    size_t count = 0, i;
    const json_t *c;
    json_array_foreach(cells, i, c)
    {
        const json_t *oe = json_object_get(c, "observed_minus_expected");
        const json_t *n = json_object_get(c, "n_adjusted");
        if (strcmp(str(c, "protocol"), protocol) ||
            strcmp(str(c, "instrument"), instrument) ||
            json_is_true(json_object_get(c, "suppressed")) ||
            !json_is_number(oe) || !json_is_number(n))
            continue;
        funnel_point_add(points, &count, n, oe, "registry therapist", 0);
    }
    size_t national_points = count;
    const json_t *my_oe = json_object_get(mine, "observed_minus_expected");
    const json_t *my_n = json_object_get(mine, "n_adjusted");
    if (!json_is_number(my_n))
        my_n = json_object_get(mine, "n");
    if (json_is_number(my_oe) && json_is_number(my_n))
        funnel_point_add(points, &count, my_n, my_oe, "this therapist", 1);
    char title[512];
    snprintf(title, sizeof(title),
             "National funnel plot: risk-adjusted improvement (observed "
             "minus expected) of the registry's therapists in %s measured "
             "by %s, and this therapist's, against the national limits",
             protocol_name(w, protocol), instrument_name(instrument));
    struct funnel_plot plot =
        funnel_plot_make("national-funnel-plot", title, sigma, tau2, points,
                         count, count > national_points);
    html_raw(b, "<p class=\"hint\">Each circle is one therapist's cell in "
                "the national registry (");
    html_text(b, str(json_object_get(rep, "national"), "sentence"));
    html_raw(b, "; pulled ");
    html_text(b, pulled_at);
    html_raw(b, "). The lines are the national limits: outside the dashed "
                "ones is unusual at 95%, outside the dotted ones at 99.8%. "
                "This therapist's mark is the clinic's risk-adjusted "
                "improvement placed against them.</p>\n");
    funnel_figure(b, &plot, "");
    page_table_open(b, "list national-funnel",
                    (const char *const[]){"#National cells", "#n", "#O&minus;E",
                                          "#National lower 95%",
                                          "#National upper 95%", "Position",
                                          NULL});
    html_printf(b,
                "<tr><td class=\"num\" data-name=\"national_points\">"
                "<data value=\"%zu\">%zu</data></td>"
                "<td class=\"num\" data-name=\"n\">",
                national_points, national_points);
    page_data(b, count > national_points ? my_n : NULL, 0, PAGE_PLAIN);
    html_raw(b, "</td>");
    cell_open(b, "observed_minus_expected");
    page_data(b, count > national_points ? my_oe : NULL, 2, PAGE_SIGNED);
    struct funnel_limits l;
    struct err le = ERR_INIT;
    int have = count > national_points &&
               funnel_limits_mean(0, plot.sigma / sqrt(points[count - 1].n),
                                  plot.tau2, &l, &le) == 0;
    json_t *lo = have ? json_real(l.lower95) : NULL;
    json_t *hi = have ? json_real(l.upper95) : NULL;
    html_raw(b, "</td>");
    cell_open(b, "national_lower95");
    page_data(b, lo, 3, PAGE_SIGNED);
    html_raw(b, "</td>");
    cell_open(b, "national_upper95");
    page_data(b, hi, 3, PAGE_SIGNED);
    html_raw(b, "</td><td data-name=\"national_position\">");
    if (have) {
        double v = points[count - 1].value;
        html_raw(b, v > l.upper998   ? "above 99.8%"
                    : v > l.upper95  ? "above 95%"
                    : v < l.lower998 ? "below 99.8%"
                    : v < l.lower95  ? "below 95%"
                                     : "inside");
    } else {
        html_raw(b, "&ndash;");
    }
    html_raw(b, "</td></tr>\n");
    page_table_close(b);
    html_raw(b, "</section>\n");
    json_decref(lo);
    json_decref(hi);
    free(points);
    json_decref(reg);
    json_decref(doc);
}

/* The admin's choice of practitioner. */
static int practitioner_chooser(struct web_ctx *w, int64_t current)
{
    struct practitioner_list pl = {0};
    if (practitioner_list(w->store, &w->actor, &pl, &w->err) < 0)
        return web_fail(w);
    struct buf *b = &w->resp->body;
    html_raw(b, "<form method=\"get\" action=\"/outcomes\" class=\"inline "
                "chooser\">\n<div class=\"field\"><label "
                "for=\"c-practitioner\">Therapist</label>\n<select "
                "name=\"practitioner\" id=\"c-practitioner\">\n");
    for (size_t i = 0; i < pl.count; i++)
        html_printf(b, "<option value=\"%lld\"%s>%s</option>\n",
                    (long long)pl.items[i].id,
                    pl.items[i].id == current ? " selected" : "",
                    pl.items[i].name);
    html_raw(b, "</select></div>\n<button type=\"submit\" "
                "class=\"secondary\">Show</button>\n</form>\n");
    practitioner_list_release(&pl);
    return 0;
}

/* A researcher: the registry's groups, one at a time, by label only. */
static int registry_page(struct web_ctx *w)
{
    struct buf *b = &w->resp->body;
    json_t *all =
        report_registry_json(w->store, &w->actor, NULL, NULL, &w->err);
    if (!all)
        return web_fail(w);
    const char *protocol = page_query(w, "protocol");
    const char *instrument = page_query(w, "instrument");
    json_t *models = json_object_get(all, "models");
    page_open(w, "Registry outcomes", SECTION_OUTCOMES, PAGE_WIDE);
    html_raw(b, "<h1>Registry outcomes</h1>\n<p>De-identified aggregates: "
                "every cell by its anonymous label. Choose a protocol and "
                "instrument.</p>\n");
    page_table_open(b, "list",
                    (const char *const[]){"Protocol", "Instrument",
                                          "#Complete episodes", "Risk model",
                                          NULL});
    size_t i;
    json_t *m;
    json_array_foreach(models, i, m)
    {
        const char *p = str(m, "protocol"), *in = str(m, "instrument");
        if (!protocol && !i) {
            protocol = p;
            instrument = in;
        }
        html_printf(b,
                    "<tr><td><a href=\"/outcomes?protocol=%s&amp;"
                    "instrument=%s#funnel\">%s</a></td><td>%s</td>"
                    "<td class=\"num\">",
                    p, in, protocol_name(w, p), instrument_name(in));
        member(b, m, "n_complete", 0, PAGE_PLAIN);
        html_printf(b, "</td><td>%s</td></tr>\n",
                    json_is_true(json_object_get(m, "adjusted"))
                        ? "fitted"
                        : "unadjusted");
    }
    page_table_close(b);
    int rc = 0;
    if (protocol && instrument)
        rc = funnel_section(w, protocol, instrument, 0);
    if (rc == 0)
        page_end(w);
    json_decref(all);
    return rc;
}

int page_outcomes(struct web_ctx *w)
{
    if (w->session.user.role == ROLE_RESEARCHER)
        return registry_page(w);
    int64_t pid = w->actor.practitioner_id;
    if (w->session.user.role == ROLE_ADMIN) {
        if (api_query_int(w, "practitioner", &pid) < 0)
            return -1;
        if (!pid)
            pid = 1;
    }
    json_t *rep =
        report_practitioner_json(w->store, &w->actor, pid, NULL, &w->err);
    if (!rep)
        return web_fail(w);
    struct buf *b = &w->resp->body;
    const json_t *prac = json_object_get(rep, "practitioner");
    json_t *cells = json_object_get(rep, "cells");
    const char *protocol = page_query(w, "protocol");
    const char *instrument = page_query(w, "instrument");
    /* The default cell: the one with the most episodes. */
    if (!protocol || !instrument) {
        long best = -1;
        size_t i;
        json_t *c;
        json_array_foreach(cells, i, c)
        {
            long n = (long)json_integer_value(json_object_get(c, "n"));
            if (n > best) {
                best = n;
                protocol = str(c, "protocol");
                instrument = str(c, "instrument");
            }
        }
    }
    char title[RECORD_NAME_MAX + 32];
    snprintf(title, sizeof(title), "Outcomes of %s", str(prac, "name"));
    page_open(w, title, SECTION_OUTCOMES, PAGE_WIDE);
    html_printf(b, "<h1>Outcomes <span class=\"muted\">of %s</span></h1>\n",
                str(prac, "name"));
    if (w->session.user.role == ROLE_ADMIN &&
        practitioner_chooser(w, pid) < 0) {
        json_decref(rep);
        return -1;
    }
    html_raw(b, "<p>Each cell is one protocol measured by one instrument, "
                "over complete episodes (baseline and discharge scores). "
                "Improvement is oriented so that more is better; speed is "
                "the Kaplan&ndash;Meier median of sessions to a clinically "
                "important change.</p>\n");
    if (!json_array_size(cells)) {
        html_raw(b, "<p class=\"empty\">No complete episode yet: the cells "
                    "appear once episodes are discharged with baseline and "
                    "discharge scores.</p>\n");
    } else {
        cells_table(w, cells, pid, protocol, instrument);
    }
    json_t *thresholds = json_object_get(rep, "thresholds");
    html_raw(b, "<p class=\"hint\">Reproducible: at least ");
    member(b, thresholds, "min_episodes", 0, PAGE_PLAIN);
    html_raw(b, " complete episodes, the responder rate's lower 95% bound "
                "at least ");
    member(b, thresholds, "responder_lower_bound", 0, PAGE_PERCENT);
    html_raw(b, ", sustained at least ");
    member(b, thresholds, "sustained_rate", 0, PAGE_PERCENT);
    html_raw(b, ", follow-up coverage at least ");
    member(b, thresholds, "followup_coverage", 0, PAGE_PERCENT);
    html_raw(b, ". Advanced: reproducible and above the peers' upper 95% "
                "funnel limit under a fitted risk model.</p>\n");
    national_section(w, json_object_get(rep, "national"));
    coverage_section(w, json_object_get(rep, "coverage"));
    int rc = 0;
    if (protocol && instrument) {
        criteria_list(w, json_object_get(rep, "designations"), protocol,
                      instrument);
        rc = funnel_section(w, protocol, instrument, pid);
        if (rc == 0)
            national_funnel_section(w, rep, protocol, instrument, pid);
    }
    if (rc == 0)
        page_end(w);
    json_decref(rep);
    return rc;
}
