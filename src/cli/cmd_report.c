/* touchstone report: episode, practitioner and registry outcome reports. */
#include "cli/cli.h"
#include "cli/report_physician.h"
#include "core/util.h"
#include "documents/tabular.h"
#include "outcomes/coverage.h"
#include "outcomes/report.h"
#include "record/summary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

COMMAND("report", cmd_report, "outcome reports: episode, practitioner, registry, coverage")

/* A column of a report's table: the key of its value in a row, its heading,
 * how the value is shown (format: a number's, or an interval's bounds';
 * NULL: a text) and its printf width (negative: left-aligned). */
struct report_column {
    const char *key, *heading;
    int interval;
    const char *format;
    int width;
};

/* The columns of a cell in text and CSV output, in order, after the
 * practitioner's in the registry's. */
static const struct report_column cell_practitioner_columns[] = {
    {"practitioner", "id", 0, "%g", -6},
    {"label", "label", 0, NULL, -14},
};
static const struct report_column cell_columns[] = {
    {"protocol", "protocol", 0, NULL, -28},
    {"instrument", "instrument", 0, NULL, -14},
    {"n", "n", 0, "%g", 4},
    {"mean_improvement", "mean", 0, "%.3g", 8},
    {"mean_improvement_ci95", "95% CI", 1, "%.3g", -18},
    {"srm", "SRM", 0, "%.2f", 6},
    {"responder_rate", "resp", 0, "%.2f", 6},
    {"responder_ci95", "resp 95% CI", 1, "%.2f", -16},
    {"median_sessions_to_response", "median", 0, "%g", 6},
    {"sustained_rate", "sust", 0, "%.2f", 6},
    {"followup_coverage", "f/up", 0, "%.2f", 6},
    {"expected_improvement", "expected", 0, "%.3g", 8},
    {"observed_minus_expected", "O-E", 0, "%+.3g", 8},
    {"funnel", "funnel", 0, NULL, -10},
    {"shrunken", "shrunken", 0, "%+.3g", 8},
    {"designation", "designation", 0, NULL, 0},
};

/* One CSV field: numbers with 17 significant digits, text by the one CSV
 * writer (quoted when it must be, guarded against spreadsheet formulas),
 * null and the empty text empty. */
static void csv_field(const json_t *v)
{
    if (json_is_integer(v)) {
        printf("%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        printf("%.17g", json_real_value(v));
    } else if (json_is_string(v)) {
        struct buf b = BUF_INIT;
        tabular_csv_field(&b, json_string_value(v), json_string_length(v));
        if (b.len)
            fwrite(b.data, 1, b.len, stdout);
        buf_release(&b);
    } else if (json_is_boolean(v)) {
        fputs(json_is_true(v) ? "true" : "false", stdout);
    }
}

static void csv_cells(const json_t *cells, int registry)
{
    if (registry)
        fputs("practitioner,label,", stdout);
    for (size_t i = 0; i < ARRAY_SIZE(cell_columns); i++) {
        const char *name = cell_columns[i].key;
        if (cell_columns[i].interval)
            printf("%s%s_lower,%s_upper", i ? "," : "", name, name);
        else
            printf("%s%s", i ? "," : "", name);
    }
    putchar('\n');
    size_t k;
    json_t *cell;
    json_array_foreach(cells, k, cell) {
        if (registry) {
            csv_field(json_object_get(cell, "practitioner"));
            putchar(',');
            csv_field(json_object_get(cell, "label"));
            putchar(',');
        }
        for (size_t i = 0; i < ARRAY_SIZE(cell_columns); i++) {
            const json_t *v = json_object_get(cell, cell_columns[i].key);
            if (i)
                putchar(',');
            if (cell_columns[i].interval) {
                csv_field(json_array_get(v, 0));
                putchar(',');
                csv_field(json_array_get(v, 1));
            } else {
                csv_field(v);
            }
        }
        putchar('\n');
    }
}

/* A number for the text tables, "-" when null. */
static const char *num(const json_t *v, const char *fmt, char *buf,
                       size_t size)
{
    if (json_is_integer(v))
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        /* Rounding noise around zero (a shrunken estimate equal to the
         * mean of 0) reads as 0. */
        snprintf(buf, size, fmt,
                 fabs(json_real_value(v)) < 1e-12 ? 0.0
                                                  : json_real_value(v));
    else
        snprintf(buf, size, "-");
    return buf;
}

static const char *interval(const json_t *v, const char *fmt, char *buf,
                            size_t size)
{
    if (!json_is_array(v))
        return snprintf(buf, size, "-"), buf;
    char lo[32], hi[32];
    snprintf(buf, size, "[%s, %s]",
             num(json_array_get(v, 0), fmt, lo, sizeof(lo)),
             num(json_array_get(v, 1), fmt, hi, sizeof(hi)));
    return buf;
}

static const char *text(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "-";
}

/* Prints one line of the table of n columns: the headings, or the values
 * of row (its first column's value is first when not NULL); the columns
 * are one space apart and end ends the line. */
static void text_row(const struct report_column *cols, size_t n,
                     const json_t *row, const char *first, const char *end)
{
    for (size_t k = 0; k < n; k++) {
        const struct report_column *col = &cols[k];
        const json_t *v = row ? json_object_get(row, col->key) : NULL;
        char buf[64];
        const char *shown = !row              ? col->heading
                            : k == 0 && first ? first
                            : !col->format    ? text(v)
                            : col->interval
                                ? interval(v, col->format, buf, sizeof(buf))
                                : num(v, col->format, buf, sizeof(buf));
        printf("%*s%s", col->width, shown, k + 1 < n ? " " : end);
    }
}

/* A cell's line (NULL: the headings), the registry's with the
 * practitioner's columns first. */
static void text_cell(const json_t *cell, int registry)
{
    if (registry)
        text_row(cell_practitioner_columns,
                 ARRAY_SIZE(cell_practitioner_columns), cell, NULL, " ");
    text_row(cell_columns, ARRAY_SIZE(cell_columns), cell, NULL,
             "\n");
}

static void text_incomplete(const json_t *incomplete)
{
    if (json_array_size(incomplete) == 0) {
        printf("\nIncomplete episodes: none.\n");
        return;
    }
    printf("\nIncomplete episodes (counted, not in the cells above):\n");
    printf("  %-28s %-14s %5s %5s %11s %12s %18s\n", "protocol", "instrument",
           "total", "open", "no_baseline", "no_discharge",
           "unknown_instrument");
    size_t i;
    json_t *o;
    json_array_foreach(incomplete, i, o) {
        printf("  %-28s %-14s %5lld %5lld %11lld %12lld %18lld\n",
               text(json_object_get(o, "protocol")),
               text(json_object_get(o, "instrument")),
               (long long)json_integer_value(json_object_get(o, "total")),
               (long long)json_integer_value(json_object_get(o, "open")),
               (long long)json_integer_value(json_object_get(o, "no_baseline")),
               (long long)json_integer_value(
                   json_object_get(o, "no_discharge")),
               (long long)json_integer_value(
                   json_object_get(o, "unknown_instrument")));
    }
}

static void text_notes(const json_t *notes, const char *indent)
{
    size_t i;
    json_t *n;
    json_array_foreach(notes, i, n)
        printf("%snote: %s\n", indent, json_string_value(n));
}

static void text_practitioner(const json_t *doc)
{
    const json_t *p = json_object_get(doc, "practitioner");
    printf("Outcomes of practitioner %lld, %s",
           (long long)json_integer_value(json_object_get(p, "id")),
           text(json_object_get(p, "name")));
    if (json_is_string(json_object_get(doc, "protocol")))
        printf(" (protocol %s)", text(json_object_get(doc, "protocol")));
    printf("\n\n");
    const json_t *cells = json_object_get(doc, "cells");
    if (json_array_size(cells) == 0) {
        printf("No cell has a complete episode yet.\n");
    } else {
        text_cell(NULL, 0);
        size_t i;
        json_t *cell;
        json_array_foreach(cells, i, cell)
            text_cell(cell, 0);
    }
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(doc, "designations"), i, d) {
        printf("\n%s x %s: %s\n", text(json_object_get(d, "protocol")),
               text(json_object_get(d, "instrument")),
               text(json_object_get(d, "designation")));
        size_t k;
        json_t *cr;
        json_array_foreach(json_object_get(d, "criteria"), k, cr) {
            char req[32], obs[32];
            printf("  [%s] %-12s %s (required %s, observed %s)\n",
                   json_is_true(json_object_get(cr, "met")) ? "met" : "no ",
                   text(json_object_get(cr, "designation")),
                   text(json_object_get(cr, "criterion")),
                   num(json_object_get(cr, "required"), "%.4g", req,
                       sizeof(req)),
                   num(json_object_get(cr, "observed"), "%.4g", obs,
                       sizeof(obs)));
        }
        text_notes(json_object_get(d, "notes"), "  ");
    }
    text_incomplete(json_object_get(doc, "incomplete"));
}

static void text_registry(const json_t *doc)
{
    size_t i;
    json_t *m;
    printf("Registry models (improvement ~ baseline + age + sex + "
           "chronicity_weeks + comorbidities)\n");
    json_array_foreach(json_object_get(doc, "models"), i, m) {
        char n[32], r2[32];
        printf("\n%s x %s: %s, n %s, R² %s\n",
               text(json_object_get(m, "protocol")),
               text(json_object_get(m, "instrument")),
               json_is_true(json_object_get(m, "adjusted")) ? "risk-adjusted"
                                                            : "unadjusted",
               num(json_object_get(m, "n"), "%g", n, sizeof(n)),
               num(json_object_get(m, "r2"), "%.4f", r2, sizeof(r2)));
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(m, "terms"), k, t) {
            char est[32], se[32];
            printf("  %-18s %12s  (SE %s)\n", text(json_object_get(t, "term")),
                   num(json_object_get(t, "estimate"), "%.6g", est,
                       sizeof(est)),
                   num(json_object_get(t, "se"), "%.4g", se, sizeof(se)));
        }
        text_notes(json_object_get(m, "notes"), "  ");
    }
    const json_t *cells = json_object_get(doc, "cells");
    printf("\nCells\n");
    if (json_array_size(cells) == 0) {
        printf("No cell has a complete episode yet.\n");
    } else {
        text_cell(NULL, 1);
        json_t *cell;
        json_array_foreach(cells, i, cell)
            text_cell(cell, 1);
    }
    text_incomplete(json_object_get(doc, "incomplete"));
}

static void text_episode(const json_t *doc)
{
    const json_t *ep = json_object_get(doc, "episode");
    char sessions[32];
    printf("Episode %lld: %s, practitioner %lld, %s to %s, %s sessions\n",
           (long long)json_integer_value(json_object_get(ep, "id")),
           text(json_object_get(ep, "protocol")),
           (long long)json_integer_value(
               json_object_get(ep, "practitioner_id")),
           text(json_object_get(ep, "started_on")),
           json_is_string(json_object_get(ep, "ended_on"))
               ? json_string_value(json_object_get(ep, "ended_on"))
               : "(open)",
           num(json_object_get(ep, "sessions"), "%g", sessions,
               sizeof(sessions)));
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(doc, "outcomes"), i, o) {
        char b[32], d[32], f[32], im[32], st[32];
        const json_t *resp = json_object_get(o, "responder");
        const json_t *event = json_object_get(o, "response_event");
        const json_t *sus = json_object_get(o, "sustained");
        printf("\n%s (%s, %s)\n", text(json_object_get(o, "instrument")),
               text(json_object_get(o, "role")),
               text(json_object_get(o, "direction")));
        printf("  baseline %s, discharge %s, follow-up %s, improvement %s\n",
               num(json_object_get(o, "baseline"), "%g", b, sizeof(b)),
               num(json_object_get(o, "discharge"), "%g", d, sizeof(d)),
               num(json_object_get(o, "followup"), "%g", f, sizeof(f)),
               num(json_object_get(o, "improvement"), "%g", im, sizeof(im)));
        printf("  responder %s, sessions to response %s%s, sustained %s\n",
               json_is_null(resp) ? "unknown"
               : json_is_true(resp) ? "yes"
                                    : "no",
               num(json_object_get(o, "sessions_to_response"), "%g", st,
                   sizeof(st)),
               json_is_false(event) ? " (censored)" : "",
               json_is_null(sus) ? "-" : json_is_true(sus) ? "yes" : "no");
        if (json_is_true(json_object_get(o, "complete")))
            printf("  complete\n");
        else
            printf("  incomplete: %s\n",
                   text(json_object_get(o, "incomplete_reason")));
        text_notes(json_object_get(o, "notes"), "  ");
    }
}

/* Prints a report document (taking the reference; NULL: the error in e):
 * the JSON with --json, its cells as CSV with csv (with the practitioner
 * columns for the registry), else print_text(doc). */
static int print_report(struct cli *c, json_t *doc, const struct err *e,
                        int csv, int registry,
                        void (*print_text)(const json_t *))
{
    if (!doc)
        return cli_fail(c, e);
    if (c->json)
        return cli_print_json(c, doc);
    if (csv)
        csv_cells(json_object_get(doc, "cells"), registry);
    else
        print_text(doc);
    json_decref(doc);
    return EXIT_OK;
}

/* Refuses --csv with --json, then opens the store: 0 to go on, or -1 with
 * c->exit_code set. */
static int report_open(struct cli *c, int csv)
{
    struct err e = ERR_INIT;
    if (csv && c->json)
        return cli_error(c, EXIT_BAD_INPUT, "csv",
                         "give either --csv or --json, not both"), -1;
    if (cli_open_store(c, &e) < 0)
        return cli_fail(c, &e), -1;
    return 0;
}

static int report_episode(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0;
    if (cli_parse_id_open(c, argc, argv, "the episode", &id) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    return print_report(c, report_episode_json(c->store, &actor_cli, id, &e),
                        &e, 0, 0, text_episode);
}

static int report_practitioner(struct cli *c, int argc, const char **argv)
{
    const char *protocol = NULL;
    int64_t id = 0;
    int csv = 0;
    struct opt opts[] = {
        OPTION_ID(&id, "the practitioner"),
        OPTION_PROTOCOL(&protocol, "only this protocol", 0),
        {"csv", OPT_FLAG, &csv, NULL, "the cells as CSV", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0 || report_open(c, csv) < 0)
        return c->exit_code;
    /* Pages read through the memory map: fewer page faults and copies
     * than SQLite's own page cache, for a process that reads a few
     * hundred pages once. */
    store_prefer_scans(c->store);
    struct err e = ERR_INIT;
    return print_report(c,
                        report_practitioner_json(c->store, &actor_cli, id,
                                                 protocol, &e),
                        &e, csv, 0, text_practitioner);
}

static int report_registry(struct cli *c, int argc, const char **argv)
{
    const char *protocol = NULL, *instrument = NULL;
    int csv = 0;
    struct opt opts[] = {
        OPTION_PROTOCOL(&protocol, "only this protocol", 0),
        OPTION_INSTRUMENT(&instrument, "only this instrument", 0),
        {"csv", OPT_FLAG, &csv, NULL, "the cells as CSV", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0 || report_open(c, csv) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    if (c->json) {
        /* Written as text straight from the groups' parts to standard
         * output: never a value, nor the whole text in memory. */
        struct buf scratch;
        buf_init(&scratch, 0);
        int rc = report_registry_text(c->store, &actor_cli, protocol,
                                      instrument, CLI_JSON_FLAGS, &scratch,
                                      stdout, &e);
        buf_release(&scratch);
        if (rc == 0 && (putchar('\n') == EOF || fflush(stdout) == EOF))
            rc = err_set(&e, ERR_FAIL, "output", "cannot write the JSON");
        if (rc < 0 && !strcmp(e.field, "output"))
            return cli_error(c, EXIT_FAILURE_, "output", "cannot write the "
                             "JSON to standard output");
        return rc < 0 ? cli_fail(c, &e) : rc;
    }
    return print_report(c,
                        report_registry_json(c->store, &actor_cli, protocol,
                                             instrument, &e),
                        &e, csv, 1, text_registry);
}

/* The columns of coverage's follow-up and invitation channel tables. */
static const struct report_column followup_columns[] = {
    {"protocol", "protocol", 0, NULL, -28},
    {"complete", "complete", 0, "%g", 8},
    {"with_followup", "f/up", 0, "%g", 8},
    {"without_followup", "no f/up", 0, "%g", 8},
    {"coverage", "coverage", 0, "%.2f", 8},
    {"invited", "invited", 0, "%g", 8},
    {"not_invited", "not invited", 0, "%g", 11},
};
static const struct report_column channel_columns[] = {
    {"channel", "channel", 0, NULL, -8},
    {"sent", "sent", 0, "%g", 6},
    {"answered", "answered", 0, "%g", 8},
    {"response_rate", "response rate", 0, "%.2f", 13},
    {"median_days_to_answer", "median days", 0, "%.1f", 14},
};

static void text_coverage(const json_t *doc)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(doc, "practitioners"), i, p) {
        const json_t *who = json_object_get(p, "practitioner");
        printf("%sCoverage of practitioner %lld, %s\n\n", i ? "\n" : "",
               (long long)json_integer_value(json_object_get(who, "id")),
               text(json_object_get(who, "name")));
        text_row(followup_columns, ARRAY_SIZE(followup_columns), NULL, NULL,
                 "\n");
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(p, "followup"), k, r)
            text_row(followup_columns, ARRAY_SIZE(followup_columns), r, NULL,
                     "\n");
        if (json_array_size(json_object_get(p, "followup")) == 0)
            printf("(no complete episode yet)\n");
        printf("\n");
        text_row(channel_columns, ARRAY_SIZE(channel_columns), NULL, NULL,
                 "\n");
        json_array_foreach(json_object_get(p, "channels"), k, r)
            text_row(channel_columns, ARRAY_SIZE(channel_columns), r, NULL,
                     "\n");
        text_row(channel_columns, ARRAY_SIZE(channel_columns), p, "all",
                 "\n");
    }
}

static int report_coverage(struct cli *c, int argc, const char **argv)
{
    int64_t id = 0;
    struct opt opts[] = {
        OPTION_PRACTITIONER(&id,
                            "only this practitioner (default: every one with "
                            "an episode)", 0),
        OPT_END,
    };
    if (cli_parse_open(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    return print_report(c, coverage_report_json(c->store, &actor_cli, id, &e),
                        &e, 0, 0, text_coverage);
}

static int report_refresh(struct cli *c, int argc, const char **argv)
{
    struct err e = ERR_INIT;
    int64_t n = 0;
    if (cli_parse_none_open(c, argc, argv) < 0 ||
        summary_refresh_all(c->store, &actor_cli, &n, &e) < 0)
        return cli_stop(c, &e);
    if (c->json)
        return cli_print_json(c, json_pack("{sI}", "episodes",
                                           (json_int_t)n));
    printf("refreshed the outcome summaries of %lld episodes\n",
           (long long)n);
    return EXIT_OK;
}

CLI_VERB_COMMAND(cmd_report,
    "Outcome reports, read from the per-episode "
    "summaries: definitions and thresholds in "
    "docs/outcomes.md.",
    {"episode", report_episode, "the outcome of one episode",
     "The outcome of one episode for each instrument: baseline, "
     "discharge and follow-up scores, improvement (positive is better), "
     "responder, sessions to response and sustained response, or why it "
     "is incomplete."},
    {"practitioner", report_practitioner,
     "a practitioner's cells, benchmarks and designations",
     "A practitioner's cells (protocol x instrument) against the "
     "registry: n, mean improvement with 95% CI, SRM, responder rate "
     "with Wilson 95% CI, median sessions to response, sustained rate, "
     "follow-up coverage, risk-adjusted performance with its funnel "
     "position and shrunken estimate, and the designation with each "
     "criterion. Incomplete episodes are counted by reason."},
    {"registry", report_registry,
     "risk models and every cell of the registry",
     "The registry: for each protocol x instrument, the risk model "
     "(coefficients with SEs, n, R²) and every practitioner's cell with "
     "its funnel position, shrunken estimate and designation."},
    {"coverage", report_coverage,
     "follow-up coverage and the invitations' response rates",
     "How complete the evidence is: follow-up coverage per practitioner "
     "and protocol, with how many episodes without a follow-up had the "
     "patient invited; the response rate of invitations by channel "
     "(email, print) and the median days to answer. Definitions in "
     "docs/outcomes.md."},
    {"refresh", report_refresh, "recompute every episode's outcome summary",
     "Recomputes every episode's outcome summary from its observations "
     "(needed once for a database that held episodes before the "
     "summaries existed; the record keeps them up to date afterwards)."},
    {"physician", cli_report_physician,
     "the progress report to the referring physician (HTML, PDF)",
     "Writes the progress report to the referring physician: a "
     "self-contained HTML page (patient, referral, protocol, sessions, an "
     "SVG chart of the primary instrument with its MCID band and responder "
     "line, the change against the MCID, the plan) that prints on one or "
     "two pages."})
