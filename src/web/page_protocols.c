/* The protocol catalog for every role: the protocols by group with a
 * search, and one protocol's page (indications, red flags, training, the
 * structure of the procedure, a timed plan, outcome instruments,
 * follow-ups). */
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/number.h"
#include "core/util.h"
#include "record/fidelity.h"
#include "record/practitioner.h"
#include "record/scope.h"
#include "web/handlers.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int page_protocols(struct web_ctx *w)
{
    const struct catalog *cat = page_catalog(w);
    const char *q = page_query(w, "q");
    struct buf *b = &w->resp->body;
    page_open(w, "Protocols", SECTION_PROTOCOLS, PAGE_WIDE);
    html_printf(b,
                "<h1>Protocols</h1>\n<p>The clinic's protocol system: "
                "%d protocols in %d groups. Every protocol begins with "
                "introductory massage and gives at least half of the "
                "time to kneading.</p>\n",
                catalog_protocol_count(cat), catalog_group_count(cat));
    html_raw(b, "<form class=\"search\" method=\"get\" action=\"/protocols\" "
                "role=\"search\">\n<label for=\"q\">Search</label>\n"
                "<input type=\"search\" id=\"q\" name=\"q\" "
                "placeholder=\"name, region or ICD-10 code\"");
    if (q)
        html_printf(b, " value=\"%s\"", q);
    html_raw(b, ">\n<button type=\"submit\">Search</button>\n</form>\n");
    int shown = 0;
    for (int g = 0; g < catalog_group_count(cat); g++) {
        const struct protocol_group *grp = catalog_group_at(cat, g);
        int any = 0;
        const struct protocol *p;
        for (int i = -1; (p = page_group_next(cat, grp, q, &i));) {
            if (!any++) {
                html_printf(b, "<section class=\"group\"><h2>%s</h2>\n",
                            grp->name);
                if (grp->description)
                    html_printf(b, "<p class=\"muted\">%s</p>\n",
                                grp->description);
                page_table_open(b, "list",
                                (const char *const[]){"Protocol", "Region",
                                                      "#Minutes", "#Training",
                                                      "Primary outcome", NULL});
            }
            shown++;
            html_printf(b,
                        "<tr><td><a href=\"/protocols/%s\">%s</a></td>"
                        "<td>%s</td><td class=\"num\">%d&ndash;%d</td>"
                        "<td class=\"num\">%d h</td><td>",
                        p->id, p->name, p->region, p->minutes_min,
                        p->minutes_max, catalog_total_hours(cat, p));
            for (int k = 0; k < p->primary_count; k++)
                html_printf(b, "%s%s", k ? ", " : "", p->primary[k]);
            html_raw(b, "</td></tr>\n");
        }
        if (any) {
            page_table_close(b);
            html_raw(b, "</section>\n");
        }
    }
    if (!shown)
        page_no_protocol_matches(b, q);
    page_end(w);
    return 0;
}

static void instruments_list(struct buf *b, const char *label,
                             const char **codes, int n)
{
    if (!n)
        return;
    html_printf(b, "<dt>%s</dt><dd>", label);
    for (int i = 0; i < n; i++) {
        const struct instrument *in = instrument_find(codes[i]);
        html_printf(b, "%s%s", i ? "; " : "", in ? in->name : codes[i]);
    }
    html_raw(b, "</dd>\n");
}

int page_protocol(struct web_ctx *w)
{
    const struct catalog *cat = page_catalog(w);
    const char *id = route_param(&w->match, "protocol");
    const struct protocol *p = catalog_find(cat, id);
    if (!p)
        return web_error(w, 404, "not_found", "protocol",
                         "no protocol '%s' in the catalog", id);
    const struct protocol_group *grp = catalog_group_find(cat, p->group);
    struct buf *b = &w->resp->body;
    page_open(w, p->name, SECTION_PROTOCOLS, PAGE_WIDE);
    html_raw(b, "<p class=\"crumbs\"><a href=\"/protocols\">Protocols</a>");
    if (grp)
        html_printf(b, " &rsaquo; %s", grp->name);
    html_raw(b, "</p>\n");
    html_printf(b, "<h1>%s</h1>\n", p->name);
    if (p->summary)
        html_printf(b, "<p class=\"lead\">%s</p>\n", p->summary);
    html_raw(b, "<dl class=\"facts\">\n");
    html_printf(b, "<dt>Region</dt><dd>%s</dd>\n", p->region);
    html_printf(b,
                "<dt>Session</dt><dd>%d&ndash;%d minutes (usually %d)"
                "</dd>\n",
                p->minutes_min, p->minutes_max, p->minutes_default);
    html_printf(b, "<dt>Course</dt><dd>%d sessions, %d a week</dd>\n",
                p->course_sessions, p->course_per_week);
    html_printf(b, "<dt>Training</dt><dd>%d hours of its own",
                protocol_required_hours(p));
    if (protocol_requires_baseline(p))
        html_printf(b,
                    " on top of the %d-hour full-body baseline (%d in "
                    "all)",
                    catalog_baseline_hours(cat), catalog_total_hours(cat, p));
    html_raw(b, "</dd>\n");
    instruments_list(b, "Primary outcome", p->primary, p->primary_count);
    instruments_list(b, "Secondary outcomes", p->secondary, p->secondary_count);
    if (p->follow_up_count) {
        html_raw(b, "<dt>Follow-ups</dt><dd>");
        for (int i = 0; i < p->follow_up_count; i++)
            html_printf(b, "%s%s", i ? ", " : "", p->follow_ups[i].text);
        html_raw(b, " after discharge</dd>\n");
    }
    html_raw(b, "</dl>\n");

    if (w->logged_in && w->session.user.role == ROLE_THERAPIST) {
        struct err e = ERR_INIT;
        if (scope_check(w->store, cat, w->actor.practitioner_id, p, NULL, &e) ==
            0)
            html_raw(b, "<p class=\"notice\">You are trained in this "
                        "protocol.</p>\n");
        else
            html_printf(b,
                        "<p class=\"refusal\">Outside your training: %s."
                        "</p>\n",
                        e.message);
    }

    html_raw(b, "<h2>Indications</h2>\n<ul>\n");
    for (int i = 0; i < p->indication_count; i++)
        html_printf(b, "<li><code>%s</code> %s</li>\n", p->indications[i].code,
                    p->indications[i].title ? p->indications[i].title : "");
    html_raw(b, "</ul>\n");
    if (p->red_flag_count) {
        html_raw(b, "<h2>Red-flag screen</h2>\n<p class=\"hint\">Asked "
                    "before the episode opens; any yes refers the patient "
                    "to a physician.</p>\n<ol>\n");
        for (int i = 0; i < p->red_flag_count; i++)
            html_printf(b, "<li>%s</li>\n", p->red_flags[i].question);
        html_raw(b, "</ol>\n");
    }

    html_raw(b, "<h2>Structure of the procedure</h2>\n");
    page_table_open(b, "list",
                    (const char *const[]){"Phase", "Kind", "Techniques",
                                          "#Share of the time", NULL});
    for (int i = 0; i < p->phase_count; i++) {
        const struct protocol_phase *ph = &p->phases[i];
        html_printf(b, "<tr><td>%s", ph->name);
        if (ph->direction)
            html_printf(b, "<br><span class=\"hint\">%s</span>", ph->direction);
        html_printf(b, "</td><td>%s</td><td>", phase_kind_name(ph->kind));
        for (int k = 0; k < ph->technique_count; k++)
            html_printf(b, "%s%s", k ? ", " : "", ph->techniques[k]);
        html_printf(b, "</td><td class=\"num\">%d&ndash;%d%%</td></tr>\n",
                    ph->min_permille / 10, ph->max_permille / 10);
    }
    page_table_close(b);

    /* A timed plan for a length the visitor picks. */
    long length = p->minutes_default;
    const char *asked = page_query(w, "length");
    if (asked) {
        long long n;
        length = parse_integer(asked, 1, 600, &n) < 0 ? -1 : (long)n;
    }
    html_printf(b,
                "<h2 id=\"plan\">Timed plan</h2>\n<form method=\"get\" "
                "action=\"/protocols/%s#plan\" class=\"inline\">\n",
                p->id);
    const char *names[PROTOCOL_MAX_PHASES];
    int minutes[PROTOCOL_MAX_PHASES];
    struct err e = ERR_INIT;
    int n =
        length > 0 && length <= 600
            ? fidelity_plan(p, (int)length, names, minutes,
                            PROTOCOL_MAX_PHASES, &e)
            : err_set(&e, ERR_INPUT, "length",
                      "give the length as minutes from 1 to 600");
    snprintf(e.field, sizeof(e.field), "length");
    char fallback[16];
    snprintf(fallback, sizeof(fallback), "%d", p->minutes_default);
    struct form_view f = {&w->query, n < 0 ? &e : NULL, NULL};
    form_input(b, &f, "length", "Session length (minutes)",
               &(struct field_opts){.type = "number",
                                    .fallback = fallback,
                                    .attrs = " min=\"1\" max=\"600\""});
    html_raw(b, "<button type=\"submit\" class=\"secondary\">Plan</button>\n"
                "</form>\n");
    if (n > 0) {
        page_table_open(b, "list",
                        (const char *const[]){"Phase", "#Minutes", NULL});
        for (int i = 0; i < n; i++)
            html_printf(b, "<tr><td>%s</td><td class=\"num\">%d</td></tr>\n",
                        names[i], minutes[i]);
        page_table_close(b);
    }
    page_end(w);
    return 0;
}
