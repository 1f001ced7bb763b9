/* The progress report to the referring physician (physician_report.h). */
#include "documents/physician_report.h"
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/clock.h"
#include "core/util.h"
#include "documents/html_escape.h"
#include "documents/svg_chart.h"
#include "outcomes/group.h"
#include "outcomes/report.h"
#include "record/clinic.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "record/referral.h"
#include "record/scope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the chart ---- */

static int has_scores(const struct episode_detail *d, const char *code)
{
    for (size_t i = 0; i < d->observations.count; i++)
        if (!strcmp(d->observations.items[i].instrument, code))
            return 1;
    return 0;
}

/* The primary instrument of the episode (see the header), or NULL. */
static const char *primary_instrument(const struct episode_detail *d)
{
    const struct protocol *p =
        catalog_find(scope_catalog(NULL), d->episode.protocol_id);
    for (int i = 0; p && i < p->primary_count; i++)
        if (has_scores(d, p->primary[i]))
            return p->primary[i];
    return d->observations.count ? d->observations.items[0].instrument
                                 : NULL;
}

/* The score at which a patient becomes a responder from this baseline:
 * the absolute or relative MCID, whichever is reached first. */
static int responder_threshold(const struct instrument *in, double baseline,
                               double *out)
{
    int worse = in->direction == DIRECTION_HIGHER_WORSE;
    int have = 0;
    if (in->has_absolute) {
        *out = worse ? baseline - in->mcid_absolute
                     : baseline + in->mcid_absolute;
        have = 1;
    }
    if (in->has_relative) {
        double room = worse ? baseline - in->total_min
                            : in->total_max - baseline;
        if (room > 0) {
            double t = worse ? baseline - in->mcid_relative * room
                             : baseline + in->mcid_relative * room;
            if (!have || fabs(t - baseline) < fabs(*out - baseline))
                *out = t;
            have = 1;
        }
    }
    return have;
}

/* Days (with the time of day) from the episode's start to an instant. */
static double day_of(const struct episode *ep, const char *instant)
{
    long start;
    time_t t;
    struct err ignored = ERR_INIT;
    if (clock_parse_date(ep->started_on, &start, "start", &ignored) < 0 ||
        clock_parse_instant(instant, &t, "at", &ignored) < 0)
        return 0;
    return ((double)t - (double)start * 86400.0) / 86400.0;
}

double physician_report_baseline(const struct episode_detail *d,
                                 const char *code)
{
    for (size_t i = 0; i < d->observations.count; i++) {
        const struct observation *o = &d->observations.items[i];
        if (!strcmp(o->instrument, code) && !strcmp(o->timepoint, "baseline"))
            return o->total;
    }
    return NAN;
}

int physician_report_chart(const struct episode_detail *d,
                           const char *instrument, double baseline_override,
                           struct buf *out)
{
    const char *code = instrument ? instrument : primary_instrument(d);
    if (!code || !has_scores(d, code))
        return -1;
    const struct instrument *in = instrument_find(code);
    size_t n = d->observations.count;
    struct svg_point *pre = xcalloc(n + 1, sizeof(*pre));
    struct svg_point *post = xcalloc(n + 1, sizeof(*post));
    struct svg_point *follow = xcalloc(n + 1, sizeof(*follow));
    struct svg_point *base = xcalloc(n + 1, sizeof(*base));
    size_t npre = 0, npost = 0, nfollow = 0, nbase = 0;
    for (size_t i = 0; i < n; i++) {
        const struct observation *o = &d->observations.items[i];
        if (strcmp(o->instrument, code))
            continue;
        struct svg_point p = {day_of(&d->episode, o->observed_at), o->total};
        if (!strcmp(o->timepoint, "pre"))
            pre[npre++] = p;
        else if (!strcmp(o->timepoint, "post"))
            post[npost++] = p;
        else if (!strcmp(o->timepoint, "followup"))
            follow[nfollow++] = p;
        else
            base[nbase++] = p;
    }
    /* Every kind of score, and in the chart those that have points. */
    const struct svg_series kinds[] = {
        {"baseline score", base, nbase, SVG_MARKER_DIAMOND, 0, 1},
        {"before session", pre, npre, SVG_MARKER_CIRCLE, 0, 0},
        {"after session", post, npost, SVG_MARKER_SQUARE, 1, 0},
        {"follow-up", follow, nfollow, SVG_MARKER_TRIANGLE, 2, 0},
    };
    struct svg_series series[ARRAY_SIZE(kinds)];
    size_t count = 0;
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
        if (kinds[k].count)
            series[count++] = kinds[k];
    double baseline = isfinite(baseline_override) ? baseline_override
                                                  : physician_report_baseline(d, code);
    double threshold = 0;
    int has_threshold = in && isfinite(baseline) &&
                        responder_threshold(in, baseline, &threshold);
    char title[160], y_label[120], responder_label[64], desc[400];
    const char *name = in ? in->name : code;
    snprintf(title, sizeof(title), "%s over the course of care", name);
    snprintf(y_label, sizeof(y_label), "%s (%s)", code,
             in && in->unit ? in->unit : "score");
    snprintf(responder_label, sizeof(responder_label), "responder line %g",
             round(threshold * 100) / 100);
    snprintf(desc, sizeof(desc),
             "%s scores by day since the episode began: %zu before and "
             "%zu after sessions, %zu follow-up%s. %s",
             name, npre, npost, nfollow, nfollow == 1 ? "" : "s",
             in && in->direction == DIRECTION_HIGHER_BETTER
                 ? "Higher is better."
                 : "Lower is better.");
    struct svg_chart chart = {
        .title = title,
        .description = desc,
        .x_label = "days since the start of the episode",
        .y_label = y_label,
        .x_min = 0,
        .x_max = 0,
        .y_min = in ? in->total_min : 0,
        .y_max = in ? in->total_max : 0,
        .y_clamp = in != NULL,
        .series = series,
        .series_count = count,
        .has_band = has_threshold,
        .band_from = baseline,
        .band_to = threshold,
        .band_label = "change below the MCID",
        .has_baseline = isfinite(baseline),
        .baseline = baseline,
        .baseline_label = "baseline",
        .has_responder = has_threshold,
        .responder = threshold,
        .responder_label = responder_label,
    };
    svg_chart_render(&chart, out);
    free(pre);
    free(post);
    free(follow);
    free(base);
    return 0;
}

/* ---- the page ---- */

static const char report_css[] =
    "@page{size:letter;margin:14mm}"
    "body{font-family:Helvetica,Arial,sans-serif;color:#000;"
    "font-size:10.5pt;line-height:1.35;max-width:48em;margin:1.5em auto}"
    "h1{font-size:15pt;margin:0}h2{font-size:11.5pt;margin:1em 0 .35em;"
    "border-bottom:1px solid #000;padding-bottom:2px}"
    ".sub{margin:.1em 0 .8em;color:#333}"
    "table{border-collapse:collapse;width:100%;margin:.2em 0}"
    "th,td{border:1px solid #777;padding:2px 5px;text-align:left;"
    "vertical-align:top}th{background:#eee}td.n{text-align:right}"
    ".grid{display:grid;grid-template-columns:1fr 1fr;gap:0 1.5em}"
    ".chart svg{width:100%;height:auto;max-width:640px}"
    ".muted{color:#444;font-size:9pt}"
    ".peers{font-size:9pt;margin:.3em 0}ul.peers{padding-left:1.2em}"
    "@media print{body{margin:0;max-width:none}th{background:#fff}"
    "h2,table,.chart{page-break-inside:avoid}}";

static void text(struct buf *out, const char *t)
{
    html_escape_text(out, t && *t ? t : "-");
}

static void kv(struct buf *out, const char *label, const char *value)
{
    buf_puts(out, "<tr><th>");
    html_escape_text(out, label);
    buf_puts(out, "</th><td>");
    text(out, value);
    buf_puts(out, "</td></tr>\n");
}

static void number_cell(struct buf *out, const json_t *v)
{
    buf_puts(out, "<td class=\"n\">");
    if (json_is_number(v))
        html_escape_printf(out, "%.4g", json_number_value(v));
    else
        buf_puts(out, "-");
    buf_puts(out, "</td>");
}

static const char *yes_no(const json_t *v)
{
    return json_is_true(v) ? "yes" : json_is_false(v) ? "no" : "-";
}

/* The latest in-episode score (pre or post) of an instrument, or NAN. */
static double latest_of(const struct episode_detail *d, const char *code)
{
    double v = NAN;
    for (size_t i = 0; i < d->observations.count; i++) {
        const struct observation *o = &d->observations.items[i];
        if (!strcmp(o->instrument, code) &&
            (!strcmp(o->timepoint, "pre") || !strcmp(o->timepoint, "post")))
            v = o->total;
    }
    return v;
}

static void outcome_rows(struct buf *out, const struct episode_detail *d,
                         const json_t *outcomes)
{
    size_t i;
    const json_t *o;
    json_array_foreach(outcomes, i, o) {
        const char *code = json_string_value(json_object_get(o,
                                                             "instrument"));
        const char *name = json_string_value(json_object_get(o, "name"));
        if (!code || !has_scores(d, code))
            continue;
        const struct instrument *in = instrument_find(code);
        const json_t *baseline = json_object_get(o, "baseline");
        const json_t *discharge = json_object_get(o, "discharge");
        const json_t *improvement = json_object_get(o, "improvement");
        const json_t *responder = json_object_get(o, "responder");
        json_t *latest = NULL, *latest_improvement = NULL;
        const char *responder_text = yes_no(responder);
        if (!json_is_number(discharge) && in && json_is_number(baseline)) {
            /* An open episode: the latest score so far. */
            double v = latest_of(d, code);
            if (isfinite(v)) {
                double b = json_number_value(baseline);
                latest = json_real(v);
                latest_improvement =
                    json_real(instrument_improvement(in, b, v));
                enum responder r = instrument_is_responder(in, b, v);
                responder_text = r == RESPONDER_YES  ? "yes (so far)"
                                 : r == RESPONDER_NO ? "not yet"
                                                     : "-";
            }
        }
        const json_t *mcid = json_object_get(o, "mcid");
        buf_puts(out, "<tr><td>");
        text(out, name ? name : code);
        buf_puts(out, "</td>");
        number_cell(out, baseline);
        number_cell(out, latest ? latest : discharge);
        number_cell(out, latest_improvement ? latest_improvement
                                            : improvement);
        buf_puts(out, "<td>");
        const json_t *abs = json_object_get(mcid, "absolute");
        const json_t *rel = json_object_get(mcid, "relative");
        if (json_is_number(abs))
            html_escape_printf(out, "%g", json_number_value(abs));
        if (json_is_number(abs) && json_is_number(rel))
            buf_puts(out, " or ");
        if (json_is_number(rel))
            html_escape_printf(out, "%g%%", 100 * json_number_value(rel));
        if (!json_is_number(abs) && !json_is_number(rel))
            buf_puts(out, "none published");
        buf_puts(out, "</td><td>");
        html_escape_text(out, responder_text);
        buf_puts(out, "</td>");
        number_cell(out, json_object_get(o, "followup"));
        buf_puts(out, "<td>");
        html_escape_text(out, yes_no(json_object_get(o, "sustained")));
        buf_puts(out, "</td></tr>\n");
        json_decref(latest);
        json_decref(latest_improvement);
    }
}

/* A sentence on the primary instrument's change against its MCID. */
static void primary_sentence(struct buf *out, const struct episode_detail *d,
                             const char *code, const json_t *outcomes)
{
    const struct instrument *in = instrument_find(code);
    size_t i;
    const json_t *o;
    json_array_foreach(outcomes, i, o) {
        const char *c = json_string_value(json_object_get(o, "instrument"));
        if (!c || strcmp(c, code) || !in)
            continue;
        const json_t *b = json_object_get(o, "baseline");
        const json_t *dis = json_object_get(o, "discharge");
        if (!json_is_number(b)) {
            html_escape_printf(out, "No baseline %s score was recorded, so "
                               "no change can be stated.", in->name);
            return;
        }
        double base = json_number_value(b);
        double later = json_is_number(dis) ? json_number_value(dis)
                                           : latest_of(d, code);
        if (!isfinite(later)) {
            html_escape_printf(out, "Baseline %s %.4g; no later score yet.",
                               in->name, base);
            return;
        }
        double change = instrument_improvement(in, base, later);
        enum responder r = instrument_is_responder(in, base, later);
        html_escape_printf(out, "%s went from %.4g at baseline to %.4g %s: "
                           "an improvement of %.4g (positive is better). ",
                           in->name, base, later,
                           json_is_number(dis) ? "at discharge"
                                               : "at the latest session",
                           change);
        if (r == RESPONDER_UNKNOWN)
            html_escape_text(out, "No minimal clinically important "
                                  "difference (MCID) is published for this "
                                  "instrument.");
        else if (r == RESPONDER_YES)
            html_escape_text(out, "This reaches the minimal clinically "
                                  "important difference (MCID): a "
                                  "responder.");
        else
            html_escape_text(out, "This is below the minimal clinically "
                                  "important difference (MCID): not a "
                                  "responder.");
        const json_t *sustained = json_object_get(o, "sustained");
        if (json_is_true(sustained))
            html_escape_printf(out, " Still a responder at the follow-up "
                               "%lld days after discharge (sustained).",
                               (long long)json_integer_value(
                                   json_object_get(o, "followup_days")));
        else if (json_is_false(sustained))
            html_escape_text(out, " No longer a responder at the "
                                  "follow-up.");
        return;
    }
}

static void session_score(struct buf *out, const struct episode_detail *d,
                          int64_t session_id, const char *code,
                          const char *timepoint)
{
    buf_puts(out, "<td class=\"n\">");
    int any = 0;
    for (size_t i = 0; code && i < d->observations.count; i++) {
        const struct observation *o = &d->observations.items[i];
        if (o->session_id == session_id && !strcmp(o->instrument, code) &&
            !strcmp(o->timepoint, timepoint)) {
            html_escape_printf(out, "%s%.4g", any++ ? ", " : "", o->total);
        }
    }
    if (!any)
        buf_puts(out, "-");
    buf_puts(out, "</td>");
}

/* The clinic-alone comparison of cell c (the therapist's): the clinic's
 * model of the group and the therapist's percentile among the clinic's
 * published cells, into g. */
static int clinic_peers(struct store *s, const struct actor *caller,
                        const char *protocol, const char *instrument,
                        const json_t *c, json_t *g, struct err *e)
{
    json_t *reg = report_registry_json(s, caller, protocol, instrument, e);
    if (!reg)
        return -1;
    const json_t *model = json_array_get(json_object_get(reg, "models"), 0);
    json_object_set_new(g, "clinic_n_complete",
                        group_member(model, "n_complete"));
    json_object_set_new(g, "clinic_mean_improvement",
                        group_member(model, "mean_improvement"));
    long ranked;
    json_t *pct = group_percentile(
        json_object_get(reg, "cells"), NULL, NULL,
        json_object_get(c, "observed_minus_expected"), &ranked);
    json_object_set_new(g, "clinic_cells", json_integer(ranked));
    json_object_set_new(g, "percentile", pct);
    json_decref(reg);
    return 0;
}

/* The comparison of practitioner_id's cells of protocol with peers
 * (physician_report_peers_json's shape without the episode). */
static json_t *peers_json(struct store *s, const struct actor *caller,
                          int64_t practitioner_id, const char *protocol,
                          struct err *e)
{
    json_t *rep =
        report_practitioner_json(s, caller, practitioner_id, protocol, e);
    if (!rep)
        return NULL;
    const json_t *national = json_object_get(rep, "national");
    const char *source = json_string_value(json_object_get(national, "source"));
    int pulled = source && !strcmp(source, "registry");
    json_t *out = json_pack("{sssO}", "source", pulled ? "registry" : "clinic",
                            "sentence", json_object_get(national, "sentence"));
    if (pulled) {
        json_object_set_new(out, "clinics", group_member(national, "clinics"));
        json_object_set_new(out, "practitioners",
                            group_member(national, "practitioners"));
        json_object_set_new(out, "pulled_at",
                            group_member(national, "pulled_at"));
    }
    json_t *groups = json_array();
    json_object_set_new(out, "groups", groups);
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(rep, "cells"), i, c)
    {
        const char *p = json_string_value(json_object_get(c, "protocol"));
        const char *in = json_string_value(json_object_get(c, "instrument"));
        if (!p || !in || strcmp(p, protocol))
            continue;
        json_t *g = json_pack("{sssssOsOsO}", "protocol", p, "instrument", in,
                              "n", json_object_get(c, "n"), "mean_improvement",
                              json_object_get(c, "mean_improvement"),
                              "observed_minus_expected",
                              json_object_get(c, "observed_minus_expected"));
        json_array_append_new(groups, g);
        if (pulled) {
            const json_t *ng =
                group_find(json_object_get(national, "groups"), p, in);
            static const char *const keys[] = {
                "national_n_complete", "national_mean_improvement",
                "national_withheld", "national_cells", "percentile"};
            for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
                json_object_set_new(g, keys[k], group_member(ng, keys[k]));
        } else if (clinic_peers(s, caller, p, in, c, g, e) < 0) {
            json_decref(out);
            json_decref(rep);
            return NULL;
        }
    }
    json_decref(rep);
    return out;
}

json_t *physician_report_peers_json(struct store *s, const struct actor *caller,
                                    int64_t episode_id, struct err *e)
{
    struct episode ep;
    if (episode_get(s, caller, episode_id, "episode", &ep, e) < 0)
        return NULL;
    json_t *peers =
        peers_json(s, caller, ep.practitioner_id, ep.protocol_id, e);
    if (!peers)
        return NULL;
    json_t *out =
        json_pack("{sIsIss}", "episode", (json_int_t)episode_id, "practitioner",
                  (json_int_t)ep.practitioner_id, "protocol", ep.protocol_id);
    json_object_update(out, peers);
    json_decref(peers);
    return out;
}

/* A number of the comparison: its exact value in data-value, shown with
 * decimals; a dash when null. */
static void peer_number(struct buf *out, const char *name, const json_t *v,
                        int decimals)
{
    buf_puts(out, "<span data-name=\"");
    buf_puts(out, name);
    buf_puts(out, "\"");
    if (json_is_number(v))
        buf_printf(out, " data-value=\"%.17g\">%.*f", json_number_value(v),
                   decimals, json_number_value(v)); /* numbers: no markup */
    else
        buf_puts(out, ">-");
    buf_puts(out, "</span>");
}

/* The "Compared with peers" section, kept short (the report prints on one
 * or two pages): the sentence saying against whom, then one line per
 * instrument with the therapist's complete episodes and mean improvement,
 * the nation's (or the clinic's) mean improvement and the therapist's
 * percentile. */
static void peers_section(struct buf *out, const json_t *peers)
{
    int pulled = !strcmp(json_string_value(json_object_get(peers, "source")),
                         "registry");
    buf_puts(out, "<p class=\"peers\" data-source=\"");
    buf_puts(out, pulled ? "registry" : "clinic");
    buf_puts(out, "\"><b>Compared with peers.</b> ");
    if (pulled) {
        html_escape_text(out, "The therapist's results compared with the "
                              "national registry, ");
        html_escape_text(out,
                         json_string_value(json_object_get(peers, "sentence")));
        html_escape_printf(
            out, " (pulled %.10s).",
            json_string_value(json_object_get(peers, "pulled_at")));
    } else {
        html_escape_text(out,
                         json_string_value(json_object_get(peers, "sentence")));
    }
    const json_t *groups = json_object_get(peers, "groups");
    if (!json_array_size(groups)) {
        html_escape_text(out, " The therapist has no complete episode of "
                              "this protocol yet to compare.");
        buf_puts(out, "</p>\n");
        return;
    }
    html_escape_printf(out,
                       " The percentile places the therapist's "
                       "risk-adjusted improvement (observed minus expected) "
                       "among the %s cells of the same protocol and "
                       "instrument; 50 is the median.",
                       pulled ? "national registry's" : "clinic's");
    buf_puts(out, "</p>\n<ul class=\"peers\">\n");
    size_t i;
    const json_t *g;
    json_array_foreach(groups, i, g)
    {
        const char *instrument =
            json_string_value(json_object_get(g, "instrument"));
        buf_puts(out, "<li data-instrument=\"");
        html_escape_text(out, instrument);
        buf_puts(out, "\">");
        html_escape_text(out, instrument);
        buf_puts(out, ": ");
        peer_number(out, "n", json_object_get(g, "n"), 0);
        buf_puts(out, " complete episodes, mean improvement ");
        peer_number(out, "mean_improvement",
                    json_object_get(g, "mean_improvement"), 2);
        buf_puts(out, pulled ? "; national " : "; clinic ");
        const char *theirs =
            pulled ? "national_mean_improvement" : "clinic_mean_improvement";
        if (pulled && json_is_true(json_object_get(g, "national_withheld")))
            buf_puts(out, "<span data-name=\"national_mean_improvement\">"
                          "withheld</span>");
        else
            peer_number(out, theirs, json_object_get(g, theirs), 2);
        buf_puts(out, "; percentile ");
        peer_number(out, "percentile", json_object_get(g, "percentile"), 0);
        buf_puts(out, "</li>\n");
    }
    buf_puts(out, "</ul>\n");
}

int physician_report_html(struct store *s, const struct actor *caller,
                          int64_t episode_id, struct buf *out,
                          struct err *e)
{
    struct episode_detail d = {0};
    struct patient p;
    struct practitioner t;
    struct referral r;
    char clinic[CLINIC_NAME_MAX + 1];
    int has_referral = 0;
    if (episode_show(s, caller, episode_id, &d, e) < 0)
        return -1;
    int rc = clinic_name(s, clinic, sizeof(clinic), e);
    if (rc == 0)
        rc = patient_get(s, caller, d.episode.patient_id, "patient", &p, e);
    if (rc == 0)
        rc = practitioner_get(s, caller, d.episode.practitioner_id,
                              "practitioner", &t, e);
    if (rc == 0 && d.episode.referral_id) {
        rc = referral_get(s, caller, d.episode.referral_id, "referral", &r,
                          e);
        has_referral = rc == 0;
    }
    json_t *report = rc == 0 ? report_episode_json(s, caller, episode_id, e)
                             : NULL;
    json_t *peers = report ? peers_json(s, caller, d.episode.practitioner_id,
                                        d.episode.protocol_id, e)
                           : NULL;
    if (rc < 0 || !report || !peers) {
        json_decref(report);
        episode_detail_release(&d);
        return -1;
    }
    const json_t *outcomes = json_object_get(report, "outcomes");
    const struct protocol *proto =
        catalog_find(scope_catalog(NULL), d.episode.protocol_id);
    const char *primary = primary_instrument(&d);
    char today[CLOCK_DATE_LEN];
    clock_format_date(clock_today(), today);

    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
                  "charset=\"utf-8\"><title>Progress report: ");
    html_escape_text(out, p.name);
    buf_puts(out, "</title><style>");
    buf_puts(out, report_css);
    buf_puts(out, "</style></head><body>\n<h1>Progress report</h1>\n"
                  "<p class=\"sub\">");
    html_escape_text(out, clinic);
    buf_puts(out, " &middot; ");
    html_escape_printf(out, "%s", today);
    if (has_referral) {
        buf_puts(out, " &middot; to ");
        html_escape_text(out, r.physician_name);
    }
    buf_puts(out, "</p>\n<div class=\"grid\"><div><h2>Patient</h2><table>\n");
    kv(out, "Name", p.name);
    kv(out, "Date of birth", p.birth_date);
    kv(out, "Sex", p.sex);
    buf_puts(out, "</table></div><div><h2>Referral</h2><table>\n");
    if (has_referral) {
        char who[RECORD_NAME_MAX * 2 + 40];
        snprintf(who, sizeof(who), "%s (%s)%s%s", r.physician_name,
                 r.physician_specialty, r.physician_npi[0] ? ", NPI " : "",
                 r.physician_npi);
        kv(out, "Physician", who);
        kv(out, "Date", r.referred_on);
        kv(out, "Reason", r.reason);
        kv(out, "ICD-10-CM", r.icd10);
    } else {
        kv(out, "Referral", "none recorded (self-referred)");
    }
    buf_puts(out, "</table></div></div>\n<h2>Course of care</h2><table>\n");
    char line[RECORD_NAME_MAX + 200];
    snprintf(line, sizeof(line), "%s (%s)",
             proto ? proto->name : d.episode.protocol_id,
             d.episode.protocol_id);
    kv(out, "Protocol", line);
    const char *title = catalog_code_title(scope_catalog(NULL),
                                           d.episode.icd10);
    snprintf(line, sizeof(line), "%s%s%s", d.episode.icd10,
             title ? " " : "", title ? title : "");
    kv(out, "Diagnosis", line);
    snprintf(line, sizeof(line), "%s, %s%s%s", t.name, t.credentials,
             t.npi[0] ? ", NPI " : "", t.npi);
    kv(out, "Therapist", line);
    if (d.episode.ended_on[0])
        snprintf(line, sizeof(line), "%s to %s (discharged), %zu session%s",
                 d.episode.started_on, d.episode.ended_on, d.sessions.count,
                 d.sessions.count == 1 ? "" : "s");
    else
        snprintf(line, sizeof(line), "since %s (in progress), %zu "
                 "session%s%s", d.episode.started_on, d.sessions.count,
                 d.sessions.count == 1 ? "" : "s",
                 proto ? " so far" : "");
    kv(out, "Period", line);
    buf_puts(out, "</table>\n<h2>Outcome</h2>\n<p>");
    if (primary)
        primary_sentence(out, &d, primary, outcomes);
    else
        html_escape_text(out, "No outcome score has been recorded yet.");
    buf_puts(out, "</p>\n<div class=\"chart\">\n");
    if (primary)
        physician_report_chart(&d, primary, NAN, out);
    buf_puts(out, "</div>\n<table><tr><th>Instrument</th><th>Baseline</th>"
                  "<th>Discharge / latest</th><th>Improvement</th>"
                  "<th>MCID</th><th>Responder</th><th>Follow-up</th>"
                  "<th>Sustained</th></tr>\n");
    outcome_rows(out, &d, outcomes);
    buf_puts(out, "</table>\n<p class=\"muted\">Improvement is oriented so "
                  "that a positive number is better whatever the "
                  "instrument's direction. A responder improved by at "
                  "least the instrument's minimal clinically important "
                  "difference (MCID).</p>\n");
    peers_section(out, peers);

    buf_puts(out, "<h2>Sessions</h2><table><tr><th>#</th><th>Date</th>"
                  "<th>Minutes</th><th>Phases (minutes)</th><th>");
    html_escape_text(out, primary ? primary : "score");
    buf_puts(out, " before</th><th>");
    html_escape_text(out, primary ? primary : "score");
    buf_puts(out, " after</th></tr>\n");
    for (size_t i = 0; i < d.sessions.count; i++) {
        const struct session *se = &d.sessions.items[i];
        buf_puts(out, "<tr><td class=\"n\">");
        html_escape_printf(out, "%zu", i + 1);
        buf_puts(out, "</td><td>");
        html_escape_printf(out, "%.10s", se->started_at);
        buf_puts(out, "</td><td class=\"n\">");
        html_escape_printf(out, "%d", se->minutes);
        buf_puts(out, "</td><td>");
        for (size_t k = 0; k < se->phase_count; k++)
            html_escape_printf(out, "%s%s %d", k ? ", " : "",
                               se->phases[k].name, se->phases[k].minutes);
        if (!se->phase_count)
            buf_puts(out, "not recorded");
        buf_puts(out, "</td>");
        session_score(out, &d, se->id, primary, "pre");
        session_score(out, &d, se->id, primary, "post");
        buf_puts(out, "</tr>\n");
    }
    if (!d.sessions.count)
        buf_puts(out, "<tr><td colspan=\"6\">no session yet</td></tr>\n");
    buf_puts(out, "</table>\n<h2>Plan</h2>\n<ul>\n");
    const struct session *last =
        d.sessions.count ? &d.sessions.items[d.sessions.count - 1] : NULL;
    if (last && last->plan && *last->plan) {
        buf_puts(out, "<li>From the last session: ");
        html_escape_text(out, last->plan);
        buf_puts(out, "</li>\n");
    }
    if (proto && !d.episode.ended_on[0] && proto->course_sessions > 0) {
        buf_puts(out, "<li>");
        html_escape_printf(out, "The protocol's course is %d sessions, %d a "
                           "week; %zu delivered so far.",
                           proto->course_sessions, proto->course_per_week,
                           d.sessions.count);
        buf_puts(out, "</li>\n");
    }
    if (proto && proto->follow_up_count) {
        buf_puts(out, "<li>");
        html_escape_text(out, "Follow-up measurements after discharge: ");
        for (int i = 0; i < proto->follow_up_count; i++)
            html_escape_printf(out, "%s%s", i ? ", " : "",
                               proto->follow_ups[i].text);
        html_escape_text(out, " (h hours, d days, w weeks, m months).");
        buf_puts(out, "</li>\n");
    }
    if (d.episode.ended_on[0]) {
        buf_puts(out, "<li>");
        html_escape_printf(out, "Discharged on %s.", d.episode.ended_on);
        buf_puts(out, "</li>\n");
    }
    buf_puts(out, "</ul>\n<p class=\"muted\">");
    html_escape_printf(out, "Episode %lld. Scores are computed by each "
                       "instrument's published scoring rule; instrument "
                       "wording is not reproduced.", (long long)episode_id);
    buf_puts(out, "</p>\n</body></html>\n");
    json_decref(peers);
    json_decref(report);
    episode_detail_release(&d);
    return 0;
}
