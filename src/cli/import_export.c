/* The options forms of touchstone import and export: whole tables as CSV
 * or NDJSON (docs/import-export.md). */
#include "cli/import_export.h"
#include "documents/tabular.h"
#include "record/actor.h"
#include "record/bulk.h"
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- Progress ------------------------------------------------------------ */

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_start(struct cli_progress *p, const char *what)
{
    p->enabled = isatty(STDERR_FILENO);
    p->what = what;
    p->started = p->last = seconds_now();
}

void cli_progress_update(struct cli_progress *p, double fraction,
                         int64_t rows)
{
    if (!p->enabled)
        return;
    double now = seconds_now();
    if (now - p->last < 0.2)
        return;
    p->last = now;
    double elapsed = now - p->started;
    char bar[32];
    int width = 24, filled = 0;
    if (fraction >= 0)
        filled = (int)(fraction > 1 ? width : fraction * width);
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : (fraction >= 0 ? '.' : ' ');
    bar[width] = '\0';
    fprintf(stderr, "\r%s [%s]", p->what, bar);
    if (fraction >= 0)
        fprintf(stderr, " %3d%%", (int)(fraction * 100));
    if (rows > 0)
        fprintf(stderr, " %lld rows, %.0f rows/s", (long long)rows,
                elapsed > 0 ? (double)rows / elapsed : 0.0);
    if (fraction > 0.01 && fraction < 1)
        fprintf(stderr, ", %.0f s left", elapsed / fraction - elapsed);
    fprintf(stderr, "\033[K");
    fflush(stderr);
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->enabled)
        fprintf(stderr, "\r\033[K");
}

/* ---- Import ---------------------------------------------------------------- */

#define IMPORT_ERRORS_DEFAULT 100

struct import {
    struct cli *c;
    const char *path;
    enum tabular_format format;
    enum bulk_kind kind;
    struct bulk *bulk;
    int ncol;
    const char *columns[BULK_MAX_COLUMNS];
    /* CSV: the file's columns in order, as indexes of the kind's. */
    int header_seen;
    int map[TABULAR_COLUMNS_MAX];
    size_t header_count;
    const char *header[TABULAR_COLUMNS_MAX]; /* owned copies */
    struct buf storage;
    int64_t imported, bad;
    long max_errors;
    FILE *rejects;
    const char *rejects_path;
    struct tabular_writer rejects_writer;
    struct cli_progress progress;
    uint64_t size;
    /* Owned by the reading thread (import_prepare). */
    int reader_header_seen;
    int reader_map[TABULAR_COLUMNS_MAX];
    size_t reader_header_count;
    struct buf reader_storage;
};

/* A row prepared in the reading thread (observations only). */
enum { PREPARED_NONE, PREPARED_READY, PREPARED_BAD };
struct prepared {
    int state;
    struct err err;
    struct bulk_observation_row row;
};

/* The bad row: reported on stderr, or written to the rejects file. */
static int import_bad(struct import *im, const struct tabular_row *row,
                      const char *field, const char *problem, struct err *e)
{
    im->bad++;
    char reason[640];
    snprintf(reason, sizeof(reason), "%s%s%s", field && *field ? field : "",
             field && *field ? ": " : "", problem);
    if (!im->rejects) {
        cli_progress_end(&im->progress);
        fprintf(stderr, "%s:%llu: %s\n", im->path,
                (unsigned long long)row->line, reason);
        if (im->bad >= im->max_errors)
            return err_set(e, ERR_INPUT, "",
                           "stopped after %lld bad rows; nothing was "
                           "imported",
                           (long long)im->bad);
        return 0;
    }
    if (im->format == TABULAR_CSV) {
        const char *fields[TABULAR_COLUMNS_MAX + 1];
        size_t n = row->count;
        for (size_t i = 0; i < n; i++)
            fields[i] = row->fields[i];
        fields[n++] = reason;
        return tabular_write_fields(&im->rejects_writer, fields, n, e) < 0
                   ? -1
                   : 0;
    }
    json_t *o = row->object ? json_deep_copy(row->object) : json_object();
    if (!row->object) {
        /* The line as read; bytes that are not ASCII as \xHH, so that a
         * line of broken UTF-8 comes back too. */
        struct buf text = BUF_INIT;
        for (const unsigned char *p = (const unsigned char *)row->text; *p;
             p++)
            if (*p < 0x80)
                buf_putc(&text, (char)*p);
            else
                buf_printf(&text, "\\x%02x", *p);
        json_object_set_new(o, "text", json_string(text.data));
        buf_release(&text);
    }
    json_object_set_new(o, "problem", json_string(reason));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!text)
        die("out of memory writing JSON");
    int rc = fprintf(im->rejects, "%s\n", text) < 0 ? -1 : 0;
    free(text);
    if (rc < 0)
        return err_set(e, ERR_FAIL, "skip-bad", "unable to write '%s': %s",
                       im->rejects_path, strerror(errno));
    return 0;
}

/* The CSV header: every name a column of the kind, once; every required
 * column present. */
static int import_header(struct import *im, const struct tabular_row *row,
                         struct err *e)
{
    im->header_seen = 1;
    if (row->problem)
        return err_set(e, ERR_INPUT, "", "%s:%llu: header: %s", im->path,
                       (unsigned long long)row->line, row->problem);
    int seen[BULK_MAX_COLUMNS] = {0};
    im->header_count = row->count;
    for (size_t j = 0; j < row->count; j++) {
        const char *name = row->fields[j] ? row->fields[j] : "";
        im->header[j] = xstrdup(name);
        int i = bulk_column_index(im->kind, name);
        if (i < 0)
            return err_set(e, ERR_INPUT, "",
                           "%s:%llu: column '%.64s': not a column of %s",
                           im->path, (unsigned long long)row->line, name,
                           bulk_kind_name(im->kind));
        if (seen[i]++)
            return err_set(e, ERR_INPUT, "",
                           "%s:%llu: column '%s': given twice", im->path,
                           (unsigned long long)row->line, name);
        im->map[j] = i;
    }
    for (int i = 0; i < im->ncol; i++)
        if (bulk_column_required(im->kind, i) && !seen[i])
            return err_set(e, ERR_INPUT, "",
                           "%s:%llu: column '%s': missing (%s need it)",
                           im->path, (unsigned long long)row->line,
                           im->columns[i], bulk_kind_name(im->kind));
    if (im->rejects) {
        const char *names[TABULAR_COLUMNS_MAX + 1];
        for (size_t j = 0; j < row->count; j++)
            names[j] = im->header[j];
        names[row->count] = "problem";
        return tabular_writer_init(&im->rejects_writer, im->rejects,
                                   TABULAR_CSV, names,
                                   (int)row->count + 1, e);
    }
    return 0;
}

static int column_is_json(int column, void *ctx)
{
    struct import *im = ctx;
    return bulk_column_is_json(im->kind, column);
}

/* In the reading thread: maps and checks an observation row on its own
 * (bulk_observation_prepare), so that the writing thread only checks it
 * against the database and writes it. Anything unusual is left to
 * import_row (state PREPARED_NONE), which then does it all. */
static void import_prepare(void *ctx, const struct tabular_row *row,
                           void *slot)
{
    struct import *im = ctx;
    struct prepared *p = slot;
    p->state = PREPARED_NONE;
    if (im->kind != BULK_OBSERVATIONS || row->problem)
        return;
    const char *values[BULK_MAX_COLUMNS] = {NULL};
    if (im->format == TABULAR_CSV) {
        if (!im->reader_header_seen) {
            im->reader_header_seen = 1;
            im->reader_header_count = row->count;
            for (size_t j = 0; j < row->count; j++) {
                int i = bulk_column_index(im->kind, row->fields[j]);
                if (i < 0) {
                    im->reader_header_count = SIZE_MAX; /* refused later */
                    break;
                }
                im->reader_map[j] = i;
            }
            return;
        }
        if (row->count != im->reader_header_count)
            return;
        for (size_t j = 0; j < row->count; j++)
            values[im->reader_map[j]] = row->fields[j];
    } else {
        struct err ignored = ERR_INIT;
        if (tabular_json_fields(row->object, im->columns, im->ncol,
                                column_is_json, im, values,
                                &im->reader_storage, &ignored) < 0)
            return;
    }
    p->err = (struct err)ERR_INIT;
    p->state = bulk_observation_prepare(values, &p->row, &p->err) == 0
                   ? PREPARED_READY
                   : PREPARED_BAD;
}

static void summary_progress(void *ctx, double fraction)
{
    struct import *im = ctx;
    im->progress.what = "refreshing outcome summaries";
    cli_progress_update(&im->progress, fraction, 0);
}

static void import_release(void *slot)
{
    struct prepared *p = slot;
    if (p->state == PREPARED_READY)
        bulk_observation_release(&p->row);
    p->state = PREPARED_NONE;
}

static int import_row(void *ctx, const struct tabular_row *row, struct err *e)
{
    struct import *im = ctx;
    struct prepared *p = row->prepared;
    if (im->format == TABULAR_CSV && !im->header_seen)
        return import_header(im, row, e) < 0 ? -1 : 0;
    cli_progress_update(&im->progress,
                        im->size ? (double)row->offset / (double)im->size
                                 : -1.0,
                        im->imported);
    if (row->problem)
        return import_bad(im, row, "row", row->problem, e);
    struct err re = ERR_INIT;
    if (p && p->state != PREPARED_NONE) {
        int rc = p->state == PREPARED_READY
                     ? bulk_observation_add(im->bulk, &p->row, NULL, &re)
                     : (re = p->err, -1);
        p->state = PREPARED_NONE;
        if (rc == 0) {
            im->imported++;
            return 0;
        }
        if (re.code == ERR_FAIL) {
            *e = re;
            return -1;
        }
        return import_bad(im, row, re.field, re.message, e);
    }
    const char *values[BULK_MAX_COLUMNS] = {NULL};
    if (im->format == TABULAR_CSV) {
        if (row->count != im->header_count) {
            char problem[96];
            snprintf(problem, sizeof(problem),
                     "%zu fields, but the header has %zu", row->count,
                     im->header_count);
            return import_bad(im, row, "row", problem, e);
        }
        for (size_t j = 0; j < row->count; j++)
            values[im->map[j]] = row->fields[j];
    } else if (tabular_json_fields(row->object, im->columns, im->ncol,
                                   column_is_json, im, values, &im->storage,
                                   &re) < 0) {
        return import_bad(im, row, re.field, re.message, e);
    }
    if (bulk_add_row(im->bulk, im->kind, values, NULL, &re) < 0) {
        if (re.code == ERR_FAIL) {
            *e = re;
            return -1;
        }
        return import_bad(im, row, re.field, re.message, e);
    }
    im->imported++;
    return 0;
}

/* --kind NAME into *kind; -1 with the error printed when it names none. */
static int parse_kind(struct cli *c, const char *name, enum bulk_kind *kind)
{
    if (bulk_kind_parse(name, kind) == 0)
        return 0;
    cli_error(c, EXIT_BAD_INPUT, "kind", "'%.32s' is not a kind "
              "(practitioners, training, patients, referrals, episodes, "
              "sessions, observations)", name);
    return -1;
}

/* --kind KIND, the kind of record a table holds, for both forms. */
#define OPTION_KIND(var)                                                      \
    {"kind", OPT_STRING, (var), "KIND",                                       \
     "practitioners, training, patients, referrals, episodes, sessions or "   \
     "observations", 1, 0}

int cli_import_records(struct cli *c, int argc, const char **argv)
{
    const char *kind_name = NULL, *format_name = NULL, *rejects = NULL;
    const char *path = NULL;
    long max_errors = IMPORT_ERRORS_DEFAULT;
    struct opt opts[] = {
        OPTION_KIND(&kind_name),
        {"format", OPT_STRING, &format_name, "FORMAT",
         "csv or ndjson (default: from the file name's extension)", 0, 0},
        {"skip-bad", OPT_STRING, &rejects, "REJECTS",
         "import the good rows; write the bad ones, with a reason, to "
         "REJECTS", 0, 0},
        {"max-errors", OPT_INT, &max_errors, "N",
         "without --skip-bad, stop after N bad rows (default 100)", 0, 0},
        OPTION_FILE(&path, "the file to read ('-': stdin)"),
        OPT_END,
    };
    snprintf(c->command, sizeof(c->command), "import");
    if (cli_parse(c, argc, argv, opts,
                  "Imports a table of records from CSV (a header row of "
                  "column names) or NDJSON (one object per line), checking "
                  "every row with the rules of the record (fields, the "
                  "records it refers to, scope of practice, instrument "
                  "scoring: totals are computed, never trusted). Ids in the "
                  "file are kept. A bad row is reported as FILE:LINE: "
                  "field: problem; then nothing is imported (exit 2) unless "
                  "--skip-bad names a file for the bad rows. Import kinds "
                  "in dependency order: practitioners, training, patients, "
                  "referrals, episodes, sessions, observations. See "
                  "docs/import-export.md.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    struct import im = {.c = c, .path = path, .max_errors = max_errors,
                        .rejects_path = rejects};
    if (parse_kind(c, kind_name, &im.kind) < 0)
        return c->exit_code;
    if (max_errors < 1)
        return cli_error(c, EXIT_BAD_INPUT, "max-errors",
                         "%ld is not a positive number", max_errors);
    int is_stdin = !strcmp(path, "-");
    if (tabular_format_choose(format_name, is_stdin ? NULL : path,
                              &im.format, &e) < 0)
        return cli_fail(c, &e);
    im.ncol = bulk_column_count(im.kind);
    for (int i = 0; i < im.ncol; i++)
        im.columns[i] = bulk_column_name(im.kind, i);
    FILE *in = is_stdin ? stdin : fopen(path, "rb");
    if (!in)
        return cli_error(c, EXIT_BAD_INPUT, "file", "unable to read '%s': %s",
                         path, strerror(errno));
    struct stat st;
    if (!is_stdin && fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
        im.size = (uint64_t)st.st_size;
    if (cli_open_store(c, &e) < 0) {
        if (!is_stdin)
            fclose(in);
        return cli_fail(c, &e);
    }
    if (rejects && !(im.rejects = fopen(rejects, "w"))) {
        if (!is_stdin)
            fclose(in);
        return cli_error(c, EXIT_BAD_INPUT, "skip-bad",
                         "unable to write '%s': %s", rejects,
                         strerror(errno));
    }
    buf_init(&im.rejects_writer.line, 0);
    buf_init(&im.storage, 0);
    buf_init(&im.reader_storage, 0);
    struct bulk_options bo = {
        .catalog = NULL, .fast = 0, .progress = summary_progress,
        .progress_ctx = &im,
    };
    int rc = bulk_begin(c->store, &actor_cli, &bo, &im.bulk, &e);
    char what[64];
    snprintf(what, sizeof(what), "importing %s", bulk_kind_name(im.kind));
    cli_progress_start(&im.progress, what);
    double started = seconds_now(), read = started, done;
    if (rc == 0)
        rc = tabular_read_threaded(in, path, im.format, import_prepare,
                                   import_release, sizeof(struct prepared),
                                   import_row, &im, &e);
    if (rc == 0 && im.format == TABULAR_CSV && !im.header_seen)
        rc = err_set(&e, ERR_INPUT, "", "%s: empty (no header row)", path);
    if (!is_stdin)
        fclose(in);
    read = seconds_now();
    int status = EXIT_OK;
    if (rc != 0) {
        cli_progress_end(&im.progress);
        bulk_abort(im.bulk);
        status = cli_fail(c, &e);
    } else if (im.bad && !im.rejects) {
        cli_progress_end(&im.progress);
        bulk_abort(im.bulk);
        status = cli_error(c, EXIT_BAD_INPUT, "", "%lld bad rows in '%s'; "
                           "nothing was imported",
                           (long long)im.bad, path);
    } else if (bulk_commit(im.bulk, &e) < 0) {
        cli_progress_end(&im.progress);
        status = cli_fail(c, &e);
    }
    cli_progress_end(&im.progress);
    done = seconds_now();
    if (im.rejects && fclose(im.rejects) != 0 && status == EXIT_OK)
        status = cli_error(c, EXIT_FAILURE_, "skip-bad",
                           "unable to write '%s': %s", rejects,
                           strerror(errno));
    if (status == EXIT_OK) {
        if (c->json)
            status = cli_print_json(
                c, json_pack("{s:s,s:I,s:I,s:{s:f,s:f}}", "kind",
                             bulk_kind_name(im.kind), "imported",
                             (json_int_t)im.imported, "rejected",
                             (json_int_t)im.bad, "seconds", "rows",
                             read - started, "summaries_and_commit",
                             done - read));
        else if (im.bad)
            printf("imported %lld %s from '%s'; %lld bad rows written to "
                   "'%s'\n",
                   (long long)im.imported, bulk_kind_name(im.kind), path,
                   (long long)im.bad, rejects);
        else
            printf("imported %lld %s from '%s'\n", (long long)im.imported,
                   bulk_kind_name(im.kind), path);
    }
    for (size_t j = 0; j < im.header_count; j++)
        free((char *)im.header[j]);
    tabular_writer_release(&im.rejects_writer);
    buf_release(&im.storage);
    buf_release(&im.reader_storage);
    return status;
}

/* ---- Export ---------------------------------------------------------------- */

struct export {
    struct tabular_writer writer;
    struct cli_progress progress;
    int64_t rows;
};

static int export_row(void *ctx, const struct bulk_value *values, int count,
                      struct err *e)
{
    (void)count;
    struct export *ex = ctx;
    if (tabular_write_values(&ex->writer, values, e) < 0)
        return -1;
    cli_progress_update(&ex->progress, -1.0, ++ex->rows);
    return 0;
}

int cli_export_records(struct cli *c, int argc, const char **argv)
{
    const char *kind_name = NULL, *format_name = NULL, *out_path = NULL;
    struct opt opts[] = {
        OPTION_KIND(&kind_name),
        {"format", OPT_STRING, &format_name, "FORMAT",
         "csv or ndjson (default: from --out's extension, else csv)", 0, 0},
        OPTION_OUT(&out_path, "write to FILE (default: standard output)"),
        OPT_END,
    };
    snprintf(c->command, sizeof(c->command), "export");
    if (cli_parse(c, argc, argv, opts,
                  "Exports every record of a kind, ids included, as CSV (a "
                  "header row, then one row per record) or NDJSON (one "
                  "object per line), in the form 'touchstone import' reads: "
                  "exporting every kind and importing them in dependency "
                  "order into a new database gives the same export. See "
                  "docs/import-export.md.") < 0)
        return c->exit_code;
    struct err e = ERR_INIT;
    enum bulk_kind kind;
    if (parse_kind(c, kind_name, &kind) < 0)
        return c->exit_code;
    enum tabular_format format = TABULAR_CSV;
    if ((format_name || (out_path && (strstr(out_path, ".ndjson") ||
                                      strstr(out_path, ".jsonl")))) &&
        tabular_format_choose(format_name, out_path, &format, &e) < 0)
        return cli_fail(c, &e);
    if (cli_open_store(c, &e) < 0)
        return cli_fail(c, &e);
    char *tmp = NULL;
    FILE *out = stdout;
    if (out_path) {
        /* Written aside, then renamed: no half file under the name. */
        tmp = xasprintf("%s.tmp%ld", out_path, (long)getpid());
        if (!(out = fopen(tmp, "w"))) {
            int status = cli_error(c, EXIT_BAD_INPUT, "out",
                                   "unable to write '%s': %s", out_path,
                                   strerror(errno));
            free(tmp);
            return status;
        }
    }
    const char *columns[BULK_MAX_COLUMNS];
    int ncol = bulk_export_column_count(kind);
    for (int i = 0; i < ncol; i++)
        columns[i] = bulk_column_name(kind, i);
    struct export ex = {.rows = 0};
    char what[64];
    snprintf(what, sizeof(what), "exporting %s", bulk_kind_name(kind));
    cli_progress_start(&ex.progress, what);
    int rc = tabular_writer_init(&ex.writer, out, format, columns, ncol, &e);
    if (rc == 0)
        rc = bulk_export(c->store, &actor_cli, kind, export_row, &ex, NULL,
                         &e);
    cli_progress_end(&ex.progress);
    tabular_writer_release(&ex.writer);
    if (fflush(out) != 0 && rc == 0)
        rc = err_set(&e, ERR_FAIL, "out", "unable to write: %s",
                     strerror(errno));
    if (out_path) {
        if (fclose(out) != 0 && rc == 0)
            rc = err_set(&e, ERR_FAIL, "out", "unable to write '%s': %s",
                         out_path, strerror(errno));
        if (rc == 0 && rename(tmp, out_path) != 0)
            rc = err_set(&e, ERR_FAIL, "out", "unable to write '%s': %s",
                         out_path, strerror(errno));
        if (rc != 0)
            unlink(tmp);
        free(tmp);
    }
    if (rc != 0)
        return cli_fail(c, &e);
    if (out_path)
        fprintf(stderr, "exported %lld %s to '%s'\n", (long long)ex.rows,
                bulk_kind_name(kind), out_path);
    return EXIT_OK;
}
