/*
 * touchstone study analyze FILE.csv: a small within-subject experiment
 * (the seed's contralateral-limb study) read from CSV with libcsv (RFC
 * 4180) and analysed by stats/study.h.
 *
 * The CSV has a header naming the columns subject, timepoint, value and
 * optionally site, in any order. Timepoints keep their order of first
 * appearance; the first is the baseline unless --baseline names another.
 * Every malformed input is refused with "line N: column: problem" (exit 2)
 * before anything is printed.
 */
#include "cli/cli.h"
#include "core/number.h"
#include "core/util.h"
#include "record/validate.h"
#include "stats/study.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

COMMAND("study", cmd_study, "analyse a within-subject experiment from CSV")

#define STUDY_MAX_FILE (64u << 20)  /* bytes read at most */
#define STUDY_MAX_LINE 8192         /* bytes in one line */
#define STUDY_MAX_LABEL 64          /* bytes in a subject or timepoint */
#define STUDY_MAX_SITE 128          /* bytes in a site */
#define STUDY_MAX_TIMEPOINTS 64
#define STUDY_MAX_COLUMNS 4

enum column { COL_SUBJECT, COL_TIMEPOINT, COL_VALUE, COL_SITE, COL_COUNT };
static const char *const column_name[COL_COUNT] = {"subject", "timepoint",
                                                   "value", "site"};

struct subject {
    char *label;
    char *site;        /* NULL without a site column */
    long first_line;   /* line of the subject's first row */
    long site_line;    /* line the site was first given on */
};

/* Everything read from the file. Owned; released by table_release(). */
struct table {
    /* header */
    int have_header;
    int columns;                      /* fields in the header */
    int column_of[STUDY_MAX_COLUMNS]; /* header position -> enum column */
    int has_site;
    /* data */
    char *timepoint[STUDY_MAX_TIMEPOINTS];
    size_t timepoints;
    struct subject *subject;
    size_t subjects, subject_alloc;
    size_t *slot; /* open-addressing hash of subject labels: index + 1 */
    size_t slot_count;
    double *value; /* subjects x STUDY_MAX_TIMEPOINTS, NAN when absent */
    long rows;
    /* parsing state */
    char *field[STUDY_MAX_COLUMNS];
    size_t field_len[STUDY_MAX_COLUMNS];
    int fields;     /* fields of the current row so far */
    int extra;      /* fields beyond STUDY_MAX_COLUMNS in this row */
    long line;      /* the line being fed to the parser (1-based) */
    long last_text; /* the last line with something on it */
    int failed;     /* stop at the first problem */
    struct err *e;
};

static void table_release(struct table *t)
{
    for (size_t i = 0; i < t->timepoints; i++)
        free(t->timepoint[i]);
    for (size_t i = 0; i < t->subjects; i++) {
        free(t->subject[i].label);
        free(t->subject[i].site);
    }
    free(t->subject);
    free(t->slot);
    free(t->value);
    for (int i = 0; i < STUDY_MAX_COLUMNS; i++)
        free(t->field[i]);
}

/* Fails the parse at the current line: field "line N: column". */
static int table_fail(struct table *t, const char *column, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));
static int table_fail(struct table *t, const char *column, const char *fmt,
                      ...)
{
    char message[sizeof(t->e->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    char field[sizeof(t->e->field)];
    snprintf(field, sizeof(field), "line %ld: %s", t->line, column);
    err_set(t->e, ERR_INPUT, field, "%s", message);
    t->failed = 1;
    return -1;
}

/* The name of the column at header position i (or "row" beyond it). */
static const char *column_at(const struct table *t, int i)
{
    if (!t->have_header || i < 0 || i >= t->columns)
        return t->have_header ? "row" : "header";
    return column_name[t->column_of[i]];
}

/* Checks one text field (UTF-8, no control characters, length) and
 * reports it at the current line under the column's name. */
static int check_label(struct table *t, const char *s, size_t len,
                       const char *column, size_t max)
{
    struct err e = ERR_INIT;
    if (strlen(s) != len)
        return table_fail(t, column, "contains a NUL byte");
    if (validate_text(s, column, 1, max, &e) < 0)
        return table_fail(t, column, "%s", e.message);
    return 0;
}

static int parse_header(struct table *t)
{
    int seen[COL_COUNT] = {0};
    if (t->extra)
        return table_fail(t, "header", "more than %d columns",
                          STUDY_MAX_COLUMNS);
    for (int i = 0; i < t->fields; i++) {
        char *name = t->field[i];
        /* A UTF-8 byte order mark (spreadsheet exports) is not a name. */
        if (i == 0 && !strncmp(name, "\xef\xbb\xbf", 3))
            memmove(name, name + 3, strlen(name + 3) + 1);
        if (check_label(t, name, strlen(name), "header", STUDY_MAX_LABEL) < 0)
            return -1;
        int c = 0;
        while (c < COL_COUNT && strcmp(name, column_name[c]))
            c++;
        if (c == COL_COUNT)
            return table_fail(t, "header",
                              "unknown column '%s' (expected subject, "
                              "timepoint, value and optionally site)",
                              name);
        if (seen[c]++)
            return table_fail(t, column_name[c], "column named twice");
        t->column_of[i] = c;
    }
    for (int c = 0; c < COL_SITE; c++)
        if (!seen[c])
            return table_fail(t, column_name[c], "missing column");
    t->columns = t->fields;
    t->has_site = seen[COL_SITE];
    t->have_header = 1;
    return 0;
}

static uint64_t hash_label(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Index of the subject labelled s, added when new. */
static size_t subject_index(struct table *t, const char *s)
{
    if (2 * (t->subjects + 1) > t->slot_count) {
        size_t count = t->slot_count ? 2 * t->slot_count : 64;
        size_t *slot = xcalloc(count, sizeof(*slot));
        for (size_t i = 0; i < t->subjects; i++) {
            size_t h = hash_label(t->subject[i].label) & (count - 1);
            while (slot[h])
                h = (h + 1) & (count - 1);
            slot[h] = i + 1;
        }
        free(t->slot);
        t->slot = slot;
        t->slot_count = count;
    }
    size_t h = hash_label(s) & (t->slot_count - 1);
    while (t->slot[h]) {
        if (!strcmp(t->subject[t->slot[h] - 1].label, s))
            return t->slot[h] - 1;
        h = (h + 1) & (t->slot_count - 1);
    }
    size_t had = t->subject_alloc;
    ALLOC_GROW(t->subject, t->subjects + 1, t->subject_alloc);
    if (t->subject_alloc != had) /* a row of values for every subject */
        t->value = xreallocarray(t->value, t->subject_alloc,
                                 STUDY_MAX_TIMEPOINTS * sizeof(*t->value));
    size_t i = t->subjects++;
    t->subject[i] = (struct subject){xstrdup(s), NULL, t->line, 0};
    for (size_t k = 0; k < STUDY_MAX_TIMEPOINTS; k++)
        t->value[i * STUDY_MAX_TIMEPOINTS + k] = NAN;
    t->slot[h] = i + 1;
    return i;
}


static int parse_row(struct table *t)
{
    if (t->fields + t->extra > t->columns)
        return table_fail(t, "row", "%d fields, but the header has %d",
                          t->fields + t->extra, t->columns);
    if (t->fields < t->columns)
        return table_fail(t, column_at(t, t->fields),
                          "missing (the row has %d field%s, the header %d)",
                          t->fields, t->fields == 1 ? "" : "s", t->columns);
    const char *text[COL_COUNT] = {NULL};
    size_t len[COL_COUNT] = {0};
    for (int i = 0; i < t->columns; i++) {
        text[t->column_of[i]] = t->field[i];
        len[t->column_of[i]] = t->field_len[i];
    }
    if (check_label(t, text[COL_SUBJECT], len[COL_SUBJECT], "subject",
                    STUDY_MAX_LABEL) < 0 ||
        check_label(t, text[COL_TIMEPOINT], len[COL_TIMEPOINT], "timepoint",
                    STUDY_MAX_LABEL) < 0)
        return -1;
    if (t->has_site && check_label(t, text[COL_SITE], len[COL_SITE], "site",
                                   STUDY_MAX_SITE) < 0)
        return -1;
    double value;
    if (strlen(text[COL_VALUE]) != len[COL_VALUE])
        return table_fail(t, "value", "contains a NUL byte");
    if (!*text[COL_VALUE])
        return table_fail(t, "value",
                          "empty (leave out the row of a missing value)");
    if (parse_decimal(text[COL_VALUE], &value) < 0)
        return table_fail(t, "value", "'%.40s' is not a number",
                          text[COL_VALUE]);
    size_t tp = 0;
    while (tp < t->timepoints && strcmp(t->timepoint[tp], text[COL_TIMEPOINT]))
        tp++;
    if (tp == t->timepoints) {
        if (t->timepoints == STUDY_MAX_TIMEPOINTS)
            return table_fail(t, "timepoint", "more than %d timepoints",
                              STUDY_MAX_TIMEPOINTS);
        t->timepoint[t->timepoints++] = xstrdup(text[COL_TIMEPOINT]);
    }
    size_t s = subject_index(t, text[COL_SUBJECT]);
    struct subject *subject = &t->subject[s];
    double *cell = &t->value[s * STUDY_MAX_TIMEPOINTS + tp];
    if (!isnan(*cell))
        return table_fail(t, "timepoint",
                          "subject '%s' already has a value at '%s'",
                          subject->label, t->timepoint[tp]);
    *cell = value;
    if (t->has_site) {
        if (!subject->site) {
            subject->site = xstrdup(text[COL_SITE]);
            subject->site_line = t->line;
        } else if (strcmp(subject->site, text[COL_SITE])) {
            return table_fail(t, "site",
                              "subject '%s' was measured at '%s' on line "
                              "%ld: a subject keeps one site",
                              subject->label, subject->site,
                              subject->site_line);
        }
    }
    t->rows++;
    return 0;
}

static void on_field(void *s, size_t len, void *data)
{
    struct table *t = data;
    if (t->failed)
        return;
    if (t->fields == STUDY_MAX_COLUMNS) {
        t->extra++;
        return;
    }
    free(t->field[t->fields]);
    t->field[t->fields] = xstrndup(s ? s : "", len);
    t->field_len[t->fields] = len;
    t->fields++;
}

static void on_row(int terminator, void *data)
{
    (void)terminator;
    struct table *t = data;
    if (!t->failed) {
        if (!t->have_header)
            parse_header(t);
        else
            parse_row(t);
    }
    t->fields = t->extra = 0;
}

/* Feeds one chunk (ending at a newline, or the end of the file). */
static int feed(struct csv_parser *p, struct table *t, const char *s,
                size_t len)
{
    if (csv_parse(p, s, len, on_field, on_row, t) != len && !t->failed)
        return table_fail(t, column_at(t, t->fields),
                          "malformed CSV quoting (a quote inside an unquoted "
                          "field, or text after a closing quote)");
    return t->failed ? -1 : 0;
}

/* Reads and checks the whole file into t. */
static int read_table(FILE *in, const char *path, struct table *t,
                      struct err *e)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        die("out of memory starting the CSV parser");
    t->e = e;
    t->line = 1;
    char chunk[65536];
    size_t total = 0, line_length = 0, got;
    int status = 0;
    while (status == 0 && (got = fread(chunk, 1, sizeof(chunk), in)) > 0) {
        total += got;
        if (total > STUDY_MAX_FILE) {
            status = err_set(e, ERR_INPUT, "file",
                             "'%s' is larger than %u MiB", path,
                             STUDY_MAX_FILE >> 20);
            break;
        }
        size_t start = 0;
        for (size_t i = 0; i < got && status == 0; i++) {
            if (chunk[i] != '\n') {
                if (chunk[i] != '\r')
                    t->last_text = t->line;
                if (++line_length > STUDY_MAX_LINE) {
                    /* Parse what came before, to name the column. */
                    status = feed(&p, t, chunk + start, i - start);
                    if (status == 0)
                        status = table_fail(t, column_at(t, t->fields),
                                            "line longer than %d bytes",
                                            STUDY_MAX_LINE);
                }
                continue;
            }
            status = feed(&p, t, chunk + start, i + 1 - start);
            start = i + 1;
            line_length = 0;
            t->line++;
        }
        if (status == 0 && start < got)
            status = feed(&p, t, chunk + start, got - start);
    }
    if (status == 0 && ferror(in))
        status = err_set(e, ERR_INPUT, "file", "cannot read '%s': %s", path,
                         strerror(errno));
    if (status == 0) {
        /* A last row without a newline ends on the last line of text. */
        t->line = t->last_text ? t->last_text : 1;
        if (csv_fini(&p, on_field, on_row, t) != 0 && !t->failed)
            table_fail(t, column_at(t, t->fields),
                       "unterminated quoted field");
        if (t->failed)
            status = -1;
    }
    csv_free(&p);
    if (status < 0)
        return -1;
    if (!t->have_header) {
        t->line = 1;
        return table_fail(t, "header", "the file is empty");
    }
    if (t->rows == 0) {
        t->line = t->last_text + 1;
        return table_fail(t, "row", "no data rows after the header");
    }
    return 0;
}

/* A number for the table: "-" when not computable. */
static void format_number(char *out, size_t size, double v, int sign)
{
    if (isnan(v))
        snprintf(out, size, "-");
    else
        snprintf(out, size, sign ? "%+.4g" : "%.4g", v);
}

static json_t *json_number(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static int print_json(struct cli *c, const struct table *t, size_t baseline,
                      const struct study_timepoint *tp)
{
    json_t *list = json_array();
    for (size_t k = 0; k < t->timepoints; k++) {
        if (k == baseline)
            continue;
        const struct study_timepoint *r = &tp[k];
        json_t *ci = isnan(r->change_ci95.lower)
                         ? json_null()
                         : json_pack("[o,o]",
                                     json_real(r->change_ci95.lower),
                                     json_real(r->change_ci95.upper));
        json_array_append_new(
            list,
            json_pack("{s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "label",
                      t->timepoint[k], "n", (json_int_t)r->n, "mean",
                      json_number(r->mean), "sd", json_number(r->sd),
                      "mean_change", json_number(r->mean_change),
                      "mean_change_ci95", ci, "pct_change",
                      json_number(r->pct_change), "t_p",
                      json_number(r->t_p), "wilcoxon_p",
                      json_number(r->wilcoxon_p)));
    }
    return cli_print_json(c, json_pack("{s:s,s:o}", "baseline",
                                       t->timepoint[baseline], "timepoints",
                                       list));
}

static void print_text(const char *path, const struct table *t,
                       size_t baseline, const struct study_timepoint *tp)
{
    int width = 9;
    for (size_t k = 0; k < t->timepoints; k++)
        if ((int)strlen(t->timepoint[k]) > width)
            width = (int)strlen(t->timepoint[k]);
    printf("study: %s: %zu subject%s, %zu timepoints, baseline '%s'\n", path,
           t->subjects, t->subjects == 1 ? "" : "s", t->timepoints,
           t->timepoint[baseline]);
    if (t->has_site) {
        printf("site:");
        for (size_t s = 0; s < t->subjects; s++) {
            size_t earlier = 0;
            while (earlier < s &&
                   strcmp(t->subject[earlier].site, t->subject[s].site))
                earlier++;
            if (earlier == s)
                printf("%s %s", s ? "," : "", t->subject[s].site);
        }
        printf("\n");
    }
    printf("\n%-*s %5s %10s %10s %10s %23s %9s %10s %10s\n", width,
           "timepoint", "n", "mean", "sd", "change", "95% CI of change",
           "% change", "t-test p", "Wilcoxon p");
    for (size_t k = 0; k < t->timepoints; k++) {
        const struct study_timepoint *r = &tp[k];
        char mean[32], sd[32], change[32], ci[64], pct[32], tp_[32], wp[32];
        format_number(mean, sizeof(mean), r->mean, 0);
        format_number(sd, sizeof(sd), r->sd, 0);
        if (k == baseline) {
            printf("%-*s %5zu %10s %10s   (baseline)\n", width,
                   t->timepoint[k], r->n, mean, sd);
            continue;
        }
        format_number(change, sizeof(change), r->mean_change, 1);
        if (isnan(r->change_ci95.lower))
            snprintf(ci, sizeof(ci), "-");
        else
            snprintf(ci, sizeof(ci), "%+.4g to %+.4g", r->change_ci95.lower,
                     r->change_ci95.upper);
        if (isnan(r->pct_change))
            snprintf(pct, sizeof(pct), "-");
        else
            snprintf(pct, sizeof(pct), "%+.1f%%", r->pct_change);
        format_number(tp_, sizeof(tp_), r->t_p, 0);
        format_number(wp, sizeof(wp), r->wilcoxon_p, 0);
        printf("%-*s %5zu %10s %10s %10s %23s %9s %10s %10s\n", width,
               t->timepoint[k], r->n, mean, sd, change, ci, pct, tp_, wp);
    }
    int notes = 0;
    for (size_t k = 0; k < t->timepoints; k++) {
        const struct study_timepoint *r = &tp[k];
        const char *what[4] = {"95% CI", "t-test", "Wilcoxon", "% change"};
        const char *why[4] = {r->ci_note, r->t_note, r->wilcoxon_note,
                              r->pct_note};
        if (k == baseline)
            continue;
        if (r->n <= 1) {
            if (!notes++)
                printf("\nnotes:\n");
            printf("  %s: %s\n", t->timepoint[k],
                   r->n ? "one subject: the change alone (no SD, interval "
                          "or tests)"
                        : "no subject has both values");
            continue;
        }
        if (!strcmp(why[0], why[1])) {
            what[1] = "95% CI and t-test";
            why[0] = "";
        }
        for (int i = 0; i < 4; i++) {
            if (!why[i][0])
                continue;
            if (!notes++)
                printf("\nnotes:\n");
            printf("  %s: %s: %s\n", t->timepoint[k], what[i], why[i]);
        }
    }
    printf("\nchange = later - baseline per subject; %% change = mean "
           "change / baseline mean x 100;\np-values two-sided: paired "
           "t-test, Wilcoxon signed-rank (as R's wilcox.test).\n");
}

static int study_analyze_command(struct cli *c, int argc, const char **argv)
{
    const char *path = NULL, *baseline_label = NULL;
    struct opt opts[] = {
        {"file", OPT_ARG, &path, "FILE.csv", "the CSV (subject,timepoint,"
         "value[,site]); - reads standard input", 1, 0},
        {"baseline", OPT_STRING, &baseline_label, "LABEL",
         "the timepoint to compare against (default: the first)", 0, 0},
        OPT_END,
    };
    if (cli_parse(c, argc, argv, opts, NULL) < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    FILE *in = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!in) {
        err_set(&e, ERR_INPUT, "file", "cannot open '%s': %s", path,
                strerror(errno));
        return cli_fail(c, &e);
    }
    struct table t = {0};
    int status = read_table(in, path, &t, &e);
    if (in != stdin)
        fclose(in);
    size_t baseline = 0;
    if (status == 0 && baseline_label) {
        while (baseline < t.timepoints &&
               strcmp(t.timepoint[baseline], baseline_label))
            baseline++;
        if (baseline == t.timepoints)
            status = err_set(&e, ERR_INPUT, "baseline",
                             "no timepoint '%.64s' in '%s'", baseline_label,
                             path);
    }
    if (status == 0 && t.timepoints < 2)
        status = err_set(&e, ERR_INPUT, "timepoint",
                         "only one timepoint ('%s'): a study needs a "
                         "baseline and a later timepoint", t.timepoint[0]);
    for (size_t s = 0; status == 0 && s < t.subjects; s++)
        if (isnan(t.value[s * STUDY_MAX_TIMEPOINTS + baseline])) {
            t.line = t.subject[s].first_line;
            status = table_fail(&t, "subject", "'%s' has no '%s' value",
                                t.subject[s].label,
                                t.timepoint[baseline]);
        }
    struct study_timepoint *tp = NULL;
    if (status == 0) {
        /* The matrix for study_analyze: subjects x timepoints. */
        double *values = xmalloc(t.subjects * t.timepoints * sizeof(double));
        for (size_t s = 0; s < t.subjects; s++)
            for (size_t k = 0; k < t.timepoints; k++)
                values[s * t.timepoints + k] =
                    t.value[s * STUDY_MAX_TIMEPOINTS + k];
        tp = xcalloc(t.timepoints, sizeof(*tp));
        status = study_analyze(values, t.subjects, t.timepoints, baseline,
                               tp, &e);
        free(values);
    }
    if (status == 0) {
        if (c->json)
            print_json(c, &t, baseline, tp);
        else
            print_text(path, &t, baseline, tp);
    }
    free(tp);
    table_release(&t);
    return status == 0 ? EXIT_OK : cli_fail(c, &e);
}

CLI_VERB_COMMAND(cmd_study,
    "Small studies in the treatment room: within-subject "
    "experiments such as the contralateral-limb study.",
    {"analyze", study_analyze_command,
     "baseline-to-timepoint changes with paired tests, from CSV",
     "Compares every timepoint with the baseline over the subjects "
     "measured at both: n, mean, SD, mean change with its 95% CI, "
     "percent change, paired t-test and Wilcoxon signed-rank p-values."})
