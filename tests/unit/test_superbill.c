/*
 * Documents from the record: superbills (docs/superbill.h), the escaping
 * writer, the SVG chart, the physician report and the de-identified
 * registry export, against a real clinic database. Unit counts follow the
 * CMS table (Medicare Claims Processing Manual 100-04, ch. 5, 20.2); the
 * end-to-end tests (t0852) walk every boundary through the binary.
 */
#include "record_fixture.h"

#include <jansson.h>

#include "documents/html_escape.h"
#include "documents/physician_report.h"
#include "documents/registry_export.h"
#include "documents/superbill.h"
#include "documents/svg_chart.h"

TestSuite(superbill, .init = setup, .fini = teardown);
TestSuite(render);

static int64_t session_with(int64_t ep, const char *start, int minutes,
                            const struct session_phase *phases, size_t n)
{
    struct err e = ERR_INIT;
    struct session_new in = {.episode_id = ep, .started_at = start,
                             .minutes = minutes, .phases = phases,
                             .phase_count = n};
    int64_t id;
    cr_assert_eq(session_add(s, &actor_cli, &in, &id, &e), 0, "%s",
                 e.message);
    return id;
}

/* An episode with a referral of three codes, one the episode's own. */
static int64_t referred_episode(int64_t *patient_out)
{
    int64_t prac = trained_practitioner("Ada Synthetic");
    int64_t pat = patient(&actor_cli, "Pat, \"Q\" <Synthetic>");
    int64_t ep = referred_episode_open(pat, prac, "M54.59,M54.50,M54.41");
    if (patient_out)
        *patient_out = pat;
    return ep;
}

Test(superbill, session_units_pointers_and_basis)
{
    struct err e = ERR_INIT;
    int64_t ep = referred_episode(NULL);
    /* codes.md: 33 min 97110 + 7 min 97140 = 40 min -> 2 + 1. */
    struct session_phase phases[] = {{"therapeutic-exercise", 33},
                                     {"trigger-point", 7}};
    int64_t se = session_with(ep, "2026-01-05T10:00:00Z", 40, phases, 2);
    struct superbill b;
    cr_assert_eq(superbill_for_session(s, &actor_cli, se, BILL_RULE_CMS, &b,
                                       &e), 0, "%s", e.message);
    cr_assert_eq(b.visit_count, 1);
    const struct superbill_visit *v = &b.visits[0];
    cr_assert_str_eq(v->date, "2026-01-05");
    cr_assert_eq(v->units, 3);
    cr_assert_eq(v->line_count, 2);
    cr_assert_str_eq(v->lines[0].item.code, "97110");
    cr_assert_eq(v->lines[0].item.units, 2);
    cr_assert_str_eq(v->lines[1].item.code, "97140");
    cr_assert_eq(v->lines[1].item.units, 1);
    cr_assert_str_eq(v->lines[0].basis,
                     "33 min: 2 x 15 min; its 3 min left over bill no "
                     "further unit");
    cr_assert_str_eq(v->lines[1].basis,
                     "7 min: 1 unit for its 7 min left over");
    /* The episode's code is A; the referral adds the others once. */
    cr_assert_eq(b.diagnosis_count, 3);
    cr_assert_str_eq(b.diagnoses[0].code, "M54.50");
    cr_assert_str_eq(b.diagnoses[1].code, "M54.59");
    cr_assert_str_eq(b.diagnoses[2].code, "M54.41");
    cr_assert_str_eq(v->lines[0].pointers, "ABC");
    cr_assert_str_eq(b.referral.physician_npi, "1245319599");
    superbill_release(&b);
    cr_assert_eq(superbill_for_session(s, &actor_cli, se,
                                       BILL_RULE_PER_CODE, &b, &e), 0);
    cr_assert_eq(b.visits[0].units, 2); /* 97140 alone: under 8 minutes */
    cr_assert_eq(b.visits[0].lines[1].item.units, 0);
    superbill_release(&b);
}

Test(superbill, refusals_of_a_single_session)
{
    struct err e = ERR_INIT;
    int64_t ep = referred_episode(NULL);
    struct session_phase short_phases[] = {{"kneading", 4},
                                           {"stretching", 3}};
    int64_t se = session_with(ep, "2026-01-05T10:00:00Z", 7, short_phases,
                              2);
    struct superbill b;
    cr_assert_eq(superbill_for_session(s, &actor_cli, se, BILL_RULE_CMS, &b,
                                       &e), -1);
    cr_assert_eq(e.code, ERR_REFUSED);
    cr_assert_str_eq(e.field, "minutes");
    cr_assert_null(b.visits);
    int64_t bare = session_with(ep, "2026-01-06T10:00:00Z", 30, NULL, 0);
    cr_assert_eq(superbill_for_session(s, &actor_cli, bare, BILL_RULE_CMS,
                                       &b, &e), -1);
    cr_assert_eq(e.code, ERR_INPUT);
    cr_assert_str_eq(e.field, "phase");
    cr_assert_eq(superbill_for_session(s, &actor_cli, 999, BILL_RULE_CMS, &b,
                                       &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
}

Test(superbill, episode_visits_by_date)
{
    struct err e = ERR_INIT;
    int64_t ep = referred_episode(NULL);
    struct session_phase five[] = {{"kneading", 5}};
    struct session_phase full[] = {{"introductory", 10}, {"kneading", 30}};
    /* Two 5-minute sessions on one date bill one unit together. */
    session_with(ep, "2026-01-05T09:00:00Z", 5, five, 1);
    session_with(ep, "2026-01-05T15:00:00Z", 5, five, 1);
    session_with(ep, "2026-01-06T10:00:00Z", 40, full, 2);
    session_with(ep, "2026-01-07T10:00:00Z", 30, NULL, 0);
    struct superbill b;
    cr_assert_eq(superbill_for_episode(s, &actor_cli, ep, BILL_RULE_CMS, &b,
                                       &e), 0, "%s", e.message);
    cr_assert_eq(b.visit_count, 3);
    cr_assert_eq(b.visits[0].session_count, 2);
    cr_assert_eq(b.visits[0].units, 1);
    cr_assert_eq(b.visits[1].units, 3);
    cr_assert_eq(b.visits[2].billed, 0);
    cr_assert(str_starts_with(b.visits[2].reason, "not billed: session 4"),
              "%s", b.visits[2].reason);
    cr_assert_eq(b.total_units, 4);

    /* CSV: quoted where it must be, one row per line and unbilled visit. */
    struct buf csv = BUF_INIT;
    superbill_csv(&b, &csv);
    cr_assert(strstr(csv.data, ",\"Pat, \"\"Q\"\" <Synthetic>\","),
              "%s", csv.data);
    size_t rows = 0;
    for (const char *p = csv.data; (p = strstr(p, "\r\n")); p += 2)
        rows++;
    cr_assert_eq(rows, 1 + 1 + 1 + 1); /* header, 2 visits' lines, unbilled */
    buf_release(&csv);
    /* HTML: escaped. */
    struct buf html = BUF_INIT;
    superbill_html(&b, &html);
    cr_assert(strstr(html.data, "Pat, &quot;Q&quot; &lt;Synthetic&gt;"));
    cr_assert_null(strstr(html.data, "<Synthetic>"));
    buf_release(&html);
    json_t *j = superbill_to_json(&b);
    cr_assert_eq(json_integer_value(json_object_get(j, "total_units")), 4);
    json_decref(j);
    superbill_release(&b);
    int64_t empty = episode(&actor_cli, patient(&actor_cli, "Sam Synthetic"),
                            1, "2026-02-01");
    cr_assert_eq(superbill_for_episode(s, &actor_cli, empty, BILL_RULE_CMS,
                                       &b, &e), -1);
    cr_assert_eq(e.code, ERR_CONFLICT);
}

Test(superbill, physician_report_escapes_and_charts)
{
    struct err e = ERR_INIT;
    int64_t ep = referred_episode(NULL);
    struct session_phase full[] = {{"introductory", 10}, {"kneading", 30}};
    int64_t se = session_with(ep, "2026-01-06T10:00:00Z", 40, full, 2);
    int64_t obs;
    struct observation_new base = {.episode_id = ep, .instrument = "nprs",
                                   .timepoint = "baseline",
                                   .observed_at = "2026-01-05T09:00:00Z",
                                   .has_value = 1, .value = 8};
    struct observation_new post = {.episode_id = ep, .session_id = se,
                                   .instrument = "nprs", .timepoint = "post",
                                   .observed_at = "2026-01-06T11:00:00Z",
                                   .has_value = 1, .value = 5};
    cr_assert_eq(observation_add(s, &actor_cli, &base, &obs, &e), 0);
    cr_assert_eq(observation_add(s, &actor_cli, &post, &obs, &e), 0);
    struct buf html = BUF_INIT;
    cr_assert_eq(physician_report_html(s, &actor_cli, ep, &html, &e), 0,
                 "%s", e.message);
    cr_assert(strstr(html.data, "Pat, &quot;Q&quot; &lt;Synthetic&gt;"));
    cr_assert_null(strstr(html.data, "<Synthetic>"));
    cr_assert(strstr(html.data, "<svg "));
    /* NPRS: MCID 2 points or 30%: from 8 the 30% line (5.6) comes first. */
    cr_assert(strstr(html.data, "responder line 6"), "no responder line");
    cr_assert(strstr(html.data, "an improvement of 3"));
    buf_release(&html);
    int64_t other = trained_practitioner("Bea Synthetic");
    struct actor colleague = {11, ROLE_THERAPIST, other, "bea@x.invalid",
                              "t"};
    cr_assert_eq(physician_report_html(s, &colleague, ep, &html, &e), -1);
    cr_assert_eq(e.code, ERR_NOT_FOUND);
    buf_release(&html);
}

Test(superbill, registry_export_is_an_admins_and_consented_only)
{
    struct err e = ERR_INIT;
    int64_t ep = referred_episode(NULL); /* patient 1: no research consent */
    (void)ep;
    struct patient_new consenting = {.name = "Con Synthetic",
                                     .birth_date = "1930-01-01",
                                     .sex = "male", .zip = "03601",
                                     .consent_research = 1};
    int64_t pat;
    cr_assert_eq(patient_add(s, &actor_cli, &consenting, &pat, &e), 0);
    int64_t ep2 = episode(&actor_cli, pat, 1, "2026-01-10"), obs;
    struct observation_new base = {.episode_id = ep2, .instrument = "nprs",
                                   .timepoint = "baseline",
                                   .observed_at = "2026-01-10T09:00:00Z",
                                   .has_value = 1, .value = 6};
    cr_assert_eq(observation_add(s, &actor_cli, &base, &obs, &e), 0, "%s",
                 e.message);
    struct buf out = BUF_INIT;
    struct registry_export_result r;
    cr_assert_eq(registry_export_deidentified(s, &actor_cli, REGISTRY_NDJSON,
                                              &out, &r, &e), 0, "%s",
                 e.message);
    cr_assert_eq(r.patients, 1);
    cr_assert_eq(r.patients_left_out, 1);
    cr_assert_null(strstr(out.data, "Synthetic"));
    cr_assert_null(strstr(out.data, "1930"));
    cr_assert(strstr(out.data, "\"age_at_start\":\"90+\""), "%s", out.data);
    cr_assert(strstr(out.data, "\"zip3\":\"000\""));
    buf_release(&out);
    struct actor researcher = {12, ROLE_RESEARCHER, 0, "r@x.invalid", "t"};
    cr_assert_eq(registry_export_deidentified(s, &researcher, REGISTRY_CSV,
                                              &out, &r, &e), -1);
    cr_assert_eq(e.code, ERR_AUTH);
    buf_release(&out);
    enum registry_format f;
    cr_assert_eq(registry_format_parse("ndjson", &f, &e), 0);
    cr_assert_eq(f, REGISTRY_NDJSON);
    cr_assert_eq(registry_format_parse("json", &f, &e), -1);
    cr_assert_str_eq(e.field, "format");
}

Test(render, escaping)
{
    struct buf b = BUF_INIT;
    html_escape_text(&b, "a&b<c>d\"e'f");
    cr_assert_str_eq(b.data, "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    buf_reset(&b);
    html_escape_text(&b, NULL);
    cr_assert_str_eq(b.data, "");
    html_escape_printf(&b, "%d <%s>", 7, "x&y");
    cr_assert_str_eq(b.data, "7 &lt;x&amp;y&gt;");
    buf_release(&b);
}

Test(render, nice_ticks)
{
    double first, step;
    int count;
    svg_nice_ticks(0, 10, 5, &first, &step, &count);
    cr_assert_float_eq(step, 2, 1e-12);
    cr_assert_float_eq(first, 0, 1e-12);
    cr_assert_eq(count, 6);
    svg_nice_ticks(0, 100, 5, &first, &step, &count);
    cr_assert_float_eq(step, 20, 1e-12);
    cr_assert_eq(count, 6);
    svg_nice_ticks(3.2, 7.9, 5, &first, &step, &count);
    cr_assert_float_eq(step, 1, 1e-12);
    cr_assert_float_eq(first, 3, 1e-12);
    cr_assert_eq(count, 6); /* 3 .. 8 */
    svg_nice_ticks(0.81, 1.63, 4, &first, &step, &count);
    cr_assert_float_eq(step, 0.5, 1e-12); /* raw 0.205 -> 0.5 */
    cr_assert_float_eq(first, 0.5, 1e-12);
    cr_assert_eq(count, 4); /* 0.5 .. 2 */
    svg_nice_ticks(4, 4, 5, &first, &step, &count);
    cr_assert_leq(first, 3);
    cr_assert_geq(first + step * (count - 1), 5);
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

Test(render, chart_draws_every_part)
{
    struct svg_point pts[] = {{0, 8}, {7, 6}, {14, 4}};
    struct svg_point follow[] = {{42, 3}};
    struct svg_series series[] = {
        {"after <session>", pts, 3, SVG_MARKER_SQUARE, 1, 0},
        {"follow-up", follow, 1, SVG_MARKER_TRIANGLE, 2, 0},
    };
    struct svg_chart c = {.title = "NPRS & \"pain\"",
                          .description = "three scores",
                          .x_label = "days", .y_label = "nprs",
                          .y_min = 0, .y_max = 10, .y_clamp = 1,
                          .series = series, .series_count = 2,
                          .has_band = 1, .band_from = 8, .band_to = 5.6,
                          .band_label = "below the MCID",
                          .has_baseline = 1, .baseline = 8,
                          .has_responder = 1, .responder = 5.6,
                          .responder_label = "responder"};
    struct buf b = BUF_INIT;
    svg_chart_render(&c, &b);
    cr_assert(str_starts_with(b.data, "<svg xmlns=\"http://www.w3.org/2000/"
                                      "svg\""));
    cr_assert(strstr(b.data, "NPRS &amp; &quot;pain&quot;"));
    cr_assert(strstr(b.data, "after &lt;session&gt;"));
    cr_assert_null(strstr(b.data, "<session>"));
    cr_assert(strstr(b.data, "class=\"mcid-band\""));
    cr_assert(strstr(b.data, "class=\"baseline\""));
    cr_assert(strstr(b.data, "class=\"responder\""));
    /* 3 squares in the series and one in the legend; 1 + 1 triangles. */
    cr_assert_eq(occurrences(b.data, "fill=\"#fff\" stroke=\"#000\" "
                                     "stroke-width=\"1.4\"/>"), 4);
    cr_assert_eq(occurrences(b.data, "fill=\"#777\""), 2);
    cr_assert_eq(occurrences(b.data, "<polyline"), 1);
    cr_assert(strstr(b.data, "</svg>\n"));
    /* The y axis keeps the scale 0-10: ticks 0, 2, ... 10. */
    cr_assert(strstr(b.data, "text-anchor=\"end\">10</text>"));
    cr_assert_null(strstr(b.data, "text-anchor=\"end\">12</text>"));
    buf_release(&b);
    struct svg_chart empty = {.title = "none"};
    svg_chart_render(&empty, &b);
    cr_assert(strstr(b.data, "no scores recorded"));
    buf_release(&b);
}
