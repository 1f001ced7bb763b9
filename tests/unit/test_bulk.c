/* Unit tests for bulk import and export: the CSV and NDJSON readers and
 * writers (docs/tabular.h) on real files, and the validated batch insert
 * (record/bulk.h) and the registry generator (record/registry_gen.h)
 * against a real SQLite file. */
#include "unit/record_fixture.h"

#include <stdarg.h>

#include "documents/tabular.h"
#include "record/bulk.h"
#include "synth/registry_gen.h"
#include "record/summary.h"

TestSuite(tabular);
TestSuite(bulk, .init = setup, .fini = teardown);

/* ---- Reading ---------------------------------------------------------------- */

#define MAX_ROWS 64

/* What a read saw: each row's line, fields (NULL kept as "<null>") and
 * problem. */
struct seen {
    int count;
    uint64_t line[MAX_ROWS];
    int fields[MAX_ROWS];
    char text[MAX_ROWS][8][64];
    char problem[MAX_ROWS][160];
    int prepared[MAX_ROWS];
};

static int collect(void *ctx, const struct tabular_row *row, struct err *e)
{
    (void)e;
    struct seen *s_ = ctx;
    cr_assert_lt(s_->count, MAX_ROWS);
    int i = s_->count++;
    s_->line[i] = row->line;
    s_->fields[i] = (int)row->count;
    for (size_t k = 0; k < row->count && k < 8; k++)
        snprintf(s_->text[i][k], sizeof(s_->text[i][k]), "%s",
                 row->fields[k] ? row->fields[k] : "<null>");
    if (row->object) {
        const char *key;
        json_t *v;
        int k = 0;
        json_object_foreach(row->object, key, v) {
            if (k < 8)
                snprintf(s_->text[i][k++], 64, "%s=%s", key,
                         json_is_string(v) ? json_string_value(v) : "?");
        }
        s_->fields[i] = k;
    }
    snprintf(s_->problem[i], sizeof(s_->problem[i]), "%s",
             row->problem ? row->problem : "");
    s_->prepared[i] = row->prepared ? *(int *)row->prepared : -1;
    return 0;
}

/* Reads bytes (len of them) as format; the read must end with rc. */
static void read_bytes(const char *bytes, size_t len,
                       enum tabular_format format, struct seen *out,
                       int expect_rc)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fmemopen((void *)bytes, len, "rb");
    cr_assert(f);
    struct err e = ERR_INIT;
    int rc = tabular_read(f, "t.csv", format, collect, out, &e);
    fclose(f);
    cr_assert_eq(rc, expect_rc, "read gave %d: %s", rc, e.message);
}

Test(tabular, csv_quotes_line_breaks_bom_crlf_and_absent_fields)
{
    static const char csv[] =
        "\xEF\xBB\xBF" "id,name,note\r\n"
        "1,\"Doe, Jane\",\"she said \"\"hi\"\"\"\r\n"
        "2,,\"\"\r\n"
        "3,\" padded \",\"two\nlines\"\r\n"
        "\r\n"
        "4,last,no newline";
    struct seen r;
    read_bytes(csv, sizeof(csv) - 1, TABULAR_CSV, &r, 0);
    cr_assert_eq(r.count, 5);
    cr_assert_str_eq(r.text[0][0], "id"); /* the BOM is not in the name */
    cr_assert_eq(r.line[0], 1);
    cr_assert_str_eq(r.text[1][1], "Doe, Jane");
    cr_assert_str_eq(r.text[1][2], "she said \"hi\"");
    cr_assert_str_eq(r.text[2][1], "<null>"); /* empty unquoted: absent */
    cr_assert_str_eq(r.text[2][2], "");       /* quoted empty: "" */
    cr_assert_str_eq(r.text[3][1], " padded "); /* spaces kept */
    cr_assert_str_eq(r.text[3][2], "two\nlines");
    cr_assert_eq(r.line[3], 4);
    /* The row after the two-line field, and a blank line, start on 7. */
    cr_assert_eq(r.line[4], 7);
    cr_assert_str_eq(r.text[4][2], "no newline");
    for (int i = 0; i < r.count; i++)
        cr_assert_str_eq(r.problem[i], "");
}

Test(tabular, csv_problems_are_rows_and_reading_goes_on)
{
    static const char csv[] = "a,b\n"
                              "1,x\"y\n"           /* quote in a field */
                              "2,\"ok\"tail\n"     /* text after a quote */
                              "3,fine\n"
                              "4,\"nul\0byte\"\n"
                              "5,\"never closed\n";
    struct seen r;
    read_bytes(csv, sizeof(csv) - 1, TABULAR_CSV, &r, 0);
    cr_assert_eq(r.count, 6);
    cr_assert(strstr(r.problem[1], "malformed CSV quoting"));
    cr_assert_eq(r.line[1], 2);
    cr_assert(strstr(r.problem[2], "malformed CSV quoting"));
    cr_assert_eq(r.line[2], 3);
    cr_assert_str_eq(r.problem[3], "");
    cr_assert_str_eq(r.text[3][1], "fine");
    cr_assert_eq(r.line[3], 4);
    cr_assert(strstr(r.problem[4], "NUL byte"), "%s", r.problem[4]);
    cr_assert_eq(r.line[4], 5);
    cr_assert(strstr(r.problem[5], "not closed"), "%s", r.problem[5]);
    cr_assert_eq(r.line[5], 6);
}

/* head, then run bytes c, then tail, in a new buffer (freed by the
 * caller) of *len bytes. */
static char *with_run(const char *head, char c, size_t run, const char *tail,
                      size_t *len)
{
    size_t h = strlen(head), t = strlen(tail);
    char *text = xmalloc(h + run + t);
    memcpy(text, head, h);
    memset(text + h, c, run);
    memcpy(text + h + run, tail, t);
    *len = h + run + t;
    return text;
}

Test(tabular, csv_huge_fields_and_cr_line_ends)
{
    size_t n;
    char *csv = with_run("a,b\n1,", 'x', TABULAR_FIELD_MAX + 10,
                         "\n2,small\n", &n);
    struct seen r;
    read_bytes(csv, n, TABULAR_CSV, &r, 0);
    free(csv);
    cr_assert_eq(r.count, 3);
    cr_assert(strstr(r.problem[1], "longer than 1 MiB"), "%s", r.problem[1]);
    cr_assert_str_eq(r.text[2][1], "small");
    cr_assert_eq(r.line[2], 3);

    static const char cr_only[] = "a,b\r1,one\r2,two\r";
    read_bytes(cr_only, sizeof(cr_only) - 1, TABULAR_CSV, &r, 0);
    cr_assert_eq(r.count, 3);
    cr_assert_str_eq(r.text[2][1], "two");
}

Test(tabular, csv_row_over_the_limit_stops_the_read)
{
    size_t n;
    char *csv = with_run("a\n\"", 'y', TABULAR_ROW_MAX + 16, "", &n);
    struct seen r;
    memset(&r, 0, sizeof(r));
    FILE *f = fmemopen(csv, n, "rb");
    struct err e = ERR_INIT;
    cr_assert_eq(tabular_read(f, "big.csv", TABULAR_CSV, collect, &r, &e),
                 -1);
    fclose(f);
    free(csv);
    cr_assert(strstr(e.message, "big.csv:2: a row longer than 16 MiB"), "%s",
              e.message);
}

Test(tabular, ndjson_lines_blank_lines_and_problems)
{
    static const char nd[] = "\xEF\xBB\xBF{\"a\":\"1\"}\r\n"
                             "\n"
                             "   \n"
                             "{\"a\":\"2\",\"b\":\"x\"}\n"
                             "{\"a\": broken}\n"
                             "[1,2]\n"
                             "{\"a\":\"\xff\xfe\"}\n"
                             "{\"a\":\"3\"}";
    struct seen r;
    read_bytes(nd, sizeof(nd) - 1, TABULAR_NDJSON, &r, 0);
    cr_assert_eq(r.count, 6);
    cr_assert_str_eq(r.text[0][0], "a=1");
    cr_assert_eq(r.line[0], 1);
    cr_assert_eq(r.line[1], 4);
    cr_assert_eq(r.fields[1], 2);
    cr_assert(strstr(r.problem[2], "not JSON"), "%s", r.problem[2]);
    cr_assert_eq(r.line[2], 5);
    cr_assert_str_eq(r.problem[3], "not a JSON object");
    cr_assert(strstr(r.problem[4], "not JSON"), "bad UTF-8: %s",
              r.problem[4]);
    cr_assert_eq(r.line[5], 8);
    cr_assert_str_eq(r.text[5][0], "a=3");
}

static int json_column(int column, void *ctx)
{
    (void)ctx;
    return column == 2;
}

Test(tabular, json_fields_by_column_name)
{
    static const char *const columns[] = {"id", "name", "items", "ok",
                                          "x"};
    json_error_t je;
    json_t *o = json_loads("{\"name\":\"Ann\",\"id\":7,\"items\":[1,null,"
                           "2.5],\"ok\":true,\"x\":null}",
                           0, &je);
    cr_assert(o);
    const char *v[5];
    struct buf storage = BUF_INIT;
    struct err e = ERR_INIT;
    cr_assert_eq(tabular_json_fields(o, columns, 5, json_column, NULL, v,
                                     &storage, &e),
                 0, "%s", e.message);
    cr_assert_str_eq(v[0], "7");
    cr_assert_str_eq(v[1], "Ann");
    cr_assert_str_eq(v[2], "[1,null,2.5]");
    cr_assert_str_eq(v[3], "1");
    cr_assert_null(v[4]);
    json_decref(o);

    /* Refused: the field named (NULL: not checked), a part of the message. */
    static const struct {
        const char *json;
        size_t flags;
        const char *field, *message;
    } refused[] = {
        {"{\"id\":1,\"extra\":2}", 0, "extra", "not a column"},
        {"{\"name\":[1]}", 0, "name", ""},
        {"{\"name\":\"a\\u0000b\"}", JSON_ALLOW_NUL, NULL, "NUL"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
        o = json_loads(refused[i].json, refused[i].flags, &je);
        cr_assert(o, "%s", refused[i].json);
        cr_assert_eq(tabular_json_fields(o, columns, 5, json_column, NULL, v,
                                         &storage, &e),
                     -1, "%s", refused[i].json);
        if (refused[i].field)
            cr_assert_str_eq(e.field, refused[i].field);
        cr_assert(strstr(e.message, refused[i].message), "%s: %s",
                  refused[i].json, e.message);
        json_decref(o);
    }
    buf_release(&storage);
}

/* ---- Writing --------------------------------------------------------------- */

Test(tabular, csv_writer_quotes_what_needs_it_and_reads_back)
{
    static const char *const tricky[] = {
        "plain", "comma, here", "quote \" here", "line\nbreak", " lead",
        "trail ", "", "crlf\r\nend", "ünïcödé",
    };
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    static const char *const columns[] = {"v", "n"};
    struct tabular_writer w;
    struct err e = ERR_INIT;
    cr_assert_eq(tabular_writer_init(&w, f, TABULAR_CSV, columns, 2, &e), 0);
    for (size_t i = 0; i < ARRAY_SIZE(tricky); i++) {
        struct bulk_value v[2] = {{.type = BULK_TEXT, .text = tricky[i]},
                                  {.type = BULK_INT, .i = (int64_t)i}};
        cr_assert_eq(tabular_write_values(&w, v, &e), 0);
    }
    struct bulk_value null[2] = {{.type = BULK_NULL}, {.type = BULK_NULL}};
    cr_assert_eq(tabular_write_values(&w, null, &e), 0);
    tabular_writer_release(&w);
    fclose(f);
    cr_assert(strstr(text, "\nplain,0\n\"comma, here\",1\n\"quote \"\" "
                           "here\",2\n"),
              "%s", text);
    cr_assert(strstr(text, "\n\"\",6\n"), "the empty text is quoted");
    cr_assert(strstr(text, "\n,\n"), "absent values are empty");
    struct seen r;
    read_bytes(text, len, TABULAR_CSV, &r, 0);
    cr_assert_eq(r.count, (int)ARRAY_SIZE(tricky) + 2);
    for (size_t i = 0; i < ARRAY_SIZE(tricky); i++)
        cr_assert_str_eq(r.text[i + 1][0], tricky[i]);
    cr_assert_str_eq(r.text[ARRAY_SIZE(tricky) + 1][0], "<null>");
    free(text);
}

Test(tabular, ndjson_writer_escapes_and_types)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    static const char *const columns[] = {"id", "t", "j", "r", "n"};
    struct tabular_writer w;
    struct err e = ERR_INIT;
    cr_assert_eq(tabular_writer_init(&w, f, TABULAR_NDJSON, columns, 5, &e),
                 0);
    struct bulk_value v[5] = {
        {.type = BULK_INT, .i = 42},
        {.type = BULK_TEXT, .text = "a\"b\\c\n\x01"},
        {.type = BULK_JSON, .text = "[1,null]"},
        {.type = BULK_REAL, .d = 0.1},
        {.type = BULK_NULL},
    };
    cr_assert_eq(tabular_write_values(&w, v, &e), 0);
    tabular_writer_release(&w);
    fclose(f);
    cr_assert_str_eq(text, "{\"id\":42,\"t\":\"a\\\"b\\\\c\\n\\u0001\","
                           "\"j\":[1,null],\"r\":0.1,\"n\":null}\n");
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    cr_assert(o, "%s", je.text);
    cr_assert_str_eq(json_string_value(json_object_get(o, "t")),
                     "a\"b\\c\n\x01");
    json_decref(o);
    free(text);
}

Test(tabular, real_numbers_read_back_exactly)
{
    /* Each written number must parse back to the same double (the round
     * trip of exports), whole numbers without a fraction. */
    const double values[] = {0, 42, -3, 1e14, 0.1, 1.0 / 3, 6.333333333333333,
                             2.5e-7, 123456.789, -0.0001};
    char out[32];
    for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
        bulk_format_real(values[i], out);
        cr_assert_eq(strtod(out, NULL), values[i], "%s", out);
    }
    bulk_format_real(42, out);
    cr_assert_str_eq(out, "42");
    bulk_format_real(0.1, out);
    cr_assert_str_eq(out, "0.1");
}

static void prepare_line(void *ctx, const struct tabular_row *row,
                         void *slot)
{
    (void)ctx;
    *(int *)slot = (int)row->line * 10;
}

struct all_rows {
    struct buf text; /* every row: line, fields, problem */
    int prepared_ok;
};

static int record_all(void *ctx, const struct tabular_row *row,
                      struct err *e)
{
    (void)e;
    struct all_rows *a = ctx;
    buf_printf(&a->text, "%llu|", (unsigned long long)row->line);
    for (size_t i = 0; i < row->count; i++)
        buf_printf(&a->text, "%s|", row->fields[i] ? row->fields[i] : "~");
    buf_printf(&a->text, "%s\n", row->problem ? row->problem : "");
    if (row->prepared && *(int *)row->prepared != (int)row->line * 10)
        a->prepared_ok = 0;
    return 0;
}

Test(tabular, threaded_reading_gives_the_same_rows)
{
    struct buf csv = BUF_INIT;
    buf_puts(&csv, "a,b,c\n");
    for (int i = 0; i < 9000; i++) {
        if (i % 997 == 0)
            buf_printf(&csv, "%d,\"multi\nline %d\",x\n", i, i);
        else if (i % 1009 == 0)
            buf_printf(&csv, "%d,bad\"quote,x\n", i);
        else
            buf_printf(&csv, "%d,,\"q,%d\"\n", i, i);
    }
    struct all_rows plain = {.prepared_ok = 1},
                    threaded = {.prepared_ok = 1};
    buf_init(&plain.text, 0);
    buf_init(&threaded.text, 0);
    struct err e = ERR_INIT;
    FILE *f = fmemopen(csv.data, csv.len, "rb");
    cr_assert_eq(tabular_read(f, "t.csv", TABULAR_CSV, record_all, &plain,
                              &e),
                 0);
    fclose(f);
    f = fmemopen(csv.data, csv.len, "rb");
    cr_assert_eq(tabular_read_threaded(f, "t.csv", TABULAR_CSV, prepare_line,
                                       NULL, sizeof(int), record_all,
                                       &threaded, &e),
                 0);
    fclose(f);
    cr_assert_str_eq(plain.text.data, threaded.text.data);
    cr_assert(threaded.prepared_ok);
    cr_assert(strstr(plain.text.data, "malformed CSV quoting"));
    buf_release(&plain.text);
    buf_release(&threaded.text);
    buf_release(&csv);
}

static int stop_at_three(void *ctx, const struct tabular_row *row,
                         struct err *e)
{
    int *n = ctx;
    (void)row;
    if (++*n == 3)
        return err_set(e, ERR_INPUT, "", "enough");
    return 0;
}

Test(tabular, a_stop_in_the_callback_ends_a_threaded_read)
{
    struct buf nd = BUF_INIT;
    for (int i = 0; i < 20000; i++)
        buf_printf(&nd, "{\"i\":%d}\n", i);
    FILE *f = fmemopen(nd.data, nd.len, "rb");
    int n = 0;
    struct err e = ERR_INIT;
    cr_assert_eq(tabular_read_threaded(f, "t.ndjson", TABULAR_NDJSON, NULL,
                                       NULL, 0, stop_at_three, &n, &e),
                 -1);
    fclose(f);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(e.message, "enough");
    buf_release(&nd);
}

Test(tabular, format_from_flag_or_extension)
{
    enum tabular_format f;
    struct err e = ERR_INIT;
    cr_assert_eq(tabular_format_choose(NULL, "x.CSV", &f, &e), 0);
    cr_assert_eq(f, TABULAR_CSV);
    cr_assert_eq(tabular_format_choose(NULL, "x.jsonl", &f, &e), 0);
    cr_assert_eq(f, TABULAR_NDJSON);
    cr_assert_eq(tabular_format_choose("ndjson", "x.csv", &f, &e), 0);
    cr_assert_eq(f, TABULAR_NDJSON);
    cr_assert_eq(tabular_format_choose(NULL, "x.txt", &f, &e), -1);
    cr_assert_str_eq(e.field, "format");
    cr_assert_eq(tabular_format_choose("xml", "x.csv", &f, &e), -1);
}

/* ---- The validated batch ----------------------------------------------------- */

static struct bulk *begin(void)
{
    struct bulk *b;
    struct err e = ERR_INIT;
    cr_assert_eq(bulk_begin(s, &actor_cli, NULL, &b, &e), 0, "%s",
                 e.message);
    return b;
}

/* Adds a row of kind k given as NULL-terminated name=value pairs. */
static int row(struct bulk *b, enum bulk_kind k, struct err *e, ...)
{
    const char *values[BULK_MAX_COLUMNS] = {NULL};
    va_list ap;
    va_start(ap, e);
    const char *name;
    while ((name = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        int i = bulk_column_index(k, name);
        cr_assert_geq(i, 0, "no column %s", name);
        values[i] = value;
    }
    va_end(ap);
    err_clear(e);
    return bulk_add_row(b, k, values, NULL, e);
}

static void refused(int rc, const struct err *e, const char *field,
                    const char *message)
{
    cr_assert_eq(rc, -1, "accepted; expected %s: %s", field, message);
    cr_assert_str_eq(e->field, field, "%s", e->message);
    cr_assert(strstr(e->message, message), "'%s' lacks '%s'", e->message,
              message);
}

Test(bulk, rows_are_checked_with_the_records_rules_and_columns_named)
{
    struct bulk *b = begin();
    struct err e;
    int rc = row(b, BULK_PRACTITIONERS, &e, "name", "Avery Bulk (synthetic)",
                 "license", "SYN-9", "credentials", "LMT", "npi",
                 "1234567890", NULL);
    refused(rc, &e, "npi", "check digit");
    cr_assert_eq(row(b, BULK_PRACTITIONERS, &e, "id", "7", "name",
                     "Avery Bulk (synthetic)", "license", "SYN-9",
                     "credentials", "LMT", "npi", "1234567893", NULL),
                 0, "%s", e.message);
    rc = row(b, BULK_PRACTITIONERS, &e, "id", "7", "name", "Again",
             "license", "SYN-10", "credentials", "LMT", NULL);
    refused(rc, &e, "id", "practitioner 7 already exists");
    rc = row(b, BULK_PATIENTS, &e, "name", "Pat Bulk", "birth_date",
             "2030-01-01", "sex", "female", NULL);
    refused(rc, &e, "birth_date", "in the future");
    rc = row(b, BULK_PATIENTS, &e, "name", "Pat Bulk", "birth_date",
             "1980-01-01", "sex", "female", "consent_research", "yes", NULL);
    refused(rc, &e, "consent_research", "not 0 or 1");
    cr_assert_eq(row(b, BULK_PATIENTS, &e, "id", "3", "name", "Pat Bulk",
                     "birth_date", "1980-01-01", "sex", "female", NULL),
                 0, "%s", e.message);
    /* Scope of practice: practitioner 7 has no training yet. */
    rc = row(b, BULK_EPISODES, &e, "patient_id", "3", "practitioner_id", "7",
             "protocol_id", "low-back-pain", "icd10", "M54.50", "started_on",
             "2026-01-05", NULL);
    refused(rc, &e, "practitioner_id", "not trained in low-back-pain");
    cr_assert_eq(row(b, BULK_TRAINING, &e, "practitioner_id", "7",
                     "protocol_id", CATALOG_BASELINE_ID, "hours", "150",
                     "completed_on", "2020-01-01", NULL),
                 0, "%s", e.message);
    cr_assert_eq(row(b, BULK_TRAINING, &e, "practitioner_id", "7",
                     "protocol_id", "low-back-pain", "hours", "24",
                     "completed_on", "2020-06-01", NULL),
                 0, "%s", e.message);
    rc = row(b, BULK_EPISODES, &e, "patient_id", "3", "practitioner_id", "7",
             "protocol_id", "low-back-pain", "icd10", "M54.50", "started_on",
             "1979-01-05", NULL);
    refused(rc, &e, "started_on", "before the patient's birth");
    rc = row(b, BULK_EPISODES, &e, "patient_id", "3", "practitioner_id", "7",
             "protocol_id", "low-back-pain", "icd10", "M54.50", "started_on",
             "2026-01-05", "ended_on", "2026-01-01", NULL);
    refused(rc, &e, "ended_on", "before the episode's start");
    rc = row(b, BULK_EPISODES, &e, "patient_id", "4", "practitioner_id", "7",
             "protocol_id", "low-back-pain", "icd10", "M54.50", "started_on",
             "2026-01-05", NULL);
    refused(rc, &e, "patient_id", "no patient 4");
    /* A closed episode arriving before its course (historical). */
    cr_assert_eq(row(b, BULK_EPISODES, &e, "id", "20", "patient_id", "3",
                     "practitioner_id", "7", "protocol_id", "low-back-pain",
                     "icd10", "M54.50", "started_on", "2026-01-05",
                     "ended_on", "2026-02-20", "chronicity_weeks", "12",
                     NULL),
                 0, "%s", e.message);
    cr_assert_eq(row(b, BULK_SESSIONS, &e, "id", "30", "episode_id", "20",
                     "started_at", "2026-01-05T10:00:00Z", "minutes", "40",
                     "phases", "introductory:6;kneading:24", NULL),
                 0, "%s", e.message);
    rc = row(b, BULK_SESSIONS, &e, "episode_id", "20", "started_at",
             "2026-03-01T10:00:00Z", "minutes", "40", NULL);
    refused(rc, &e, "started_at", "after the episode's end");
    rc = row(b, BULK_SESSIONS, &e, "episode_id", "20", "started_at",
             "2026-01-06T10:00:00Z", "minutes", "40", "phases",
             "kneading=20", NULL);
    refused(rc, &e, "phases", "NAME:MINUTES");
    /* Totals are computed; a wrong one is refused, a right one taken. */
    rc = row(b, BULK_OBSERVATIONS, &e, "episode_id", "20", "instrument",
             "odi", "timepoint", "baseline", "observed_at",
             "2026-01-05T09:00:00Z", "items", "[1,1,1,1,1,1,1,1,1,1]",
             "total", "25", NULL);
    refused(rc, &e, "total", "scoring rule of odi gives 20");
    cr_assert_eq(row(b, BULK_OBSERVATIONS, &e, "episode_id", "20",
                     "instrument", "odi", "timepoint", "baseline",
                     "observed_at", "2026-01-05T09:00:00Z", "items",
                     "[1,1,1,1,1,1,1,1,1,1]", "total", "20", NULL),
                 0, "%s", e.message);
    /* Observations by total refused: the field and words of each. */
    const struct {
        const char *instrument, *timepoint, *session_id, *observed_at;
        const char *total, *field, *words;
    } by_total[] = {
        {"odi", "post", "30", "2026-01-05T11:00:00Z", "20", "items",
         "scored from its item responses"},
        {"nprs", "post", "30", "2026-01-05T11:00:00Z", "11", "total",
         "outside 0-10"},
        {"nprs", "post", "30", "2026-01-05T09:59:00Z", "4", "observed_at",
         "before the session began"},
        {"nprs", "pre", "30", "2026-03-05T09:59:00Z", "4", "observed_at",
         "after the episode's end"},
        {"nprs", "followup", NULL, "2026-02-10T09:00:00Z", "4", "observed_at",
         "before the episode's end"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(by_total); i++) {
        /* Without a session the list of columns ends at "session_id". */
        rc = row(b, BULK_OBSERVATIONS, &e, "episode_id", "20", "instrument",
                 by_total[i].instrument, "timepoint", by_total[i].timepoint,
                 "observed_at", by_total[i].observed_at, "total",
                 by_total[i].total,
                 by_total[i].session_id ? "session_id" : NULL,
                 by_total[i].session_id, NULL);
        refused(rc, &e, by_total[i].field, by_total[i].words);
    }
    rc = row(b, BULK_OBSERVATIONS, &e, "episode_id", "20", "instrument",
             "odi", "timepoint", "baseline", "observed_at",
             "2026-01-05T09:00:00Z", "items", "[1,1,oops]", NULL);
    refused(rc, &e, "items", "not a JSON array");
    cr_assert_eq(row(b, BULK_OBSERVATIONS, &e, "episode_id", "20",
                     "instrument", "nprs", "timepoint", "followup",
                     "observed_at", "2026-03-25T09:00:00Z", "value", "3",
                     NULL),
                 0, "%s", e.message);
    cr_assert_eq(bulk_count(b, BULK_OBSERVATIONS), 2);
    cr_assert_eq(bulk_commit(b, &e), 0, "%s", e.message);

    /* Only the good rows are in, with their ids; the total computed. */
    cr_assert_eq(count("practitioner"), 1);
    cr_assert_eq(store_query_int(s, "SELECT id FROM practitioner"), 7);
    cr_assert_eq(count("observation"), 2);
    cr_assert_eq(store_query_int(s, "SELECT total FROM observation"
                                    " WHERE instrument = 'odi'"),
                 20);
    /* One audit entry per kind, with the count. */
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM audit WHERE"
                                    " action = 'import'"),
                 6);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM audit WHERE"
                                    " action = 'import' AND record_type ="
                                    " 'observation' AND outcome ="
                                    " 'ok: 2 rows'"),
                 1);
    struct err ve = ERR_INIT;
    cr_assert_geq(audit_verify(s, &ve), 6, "%s", ve.message);
    /* The fidelity of the session was checked as for session_add. */
    cr_assert_gt(store_query_int(s, "SELECT count(*) FROM session_finding"
                                    " WHERE session_id = 30"),
                 0);
}

Test(bulk, an_aborted_batch_changes_nothing_and_restores_settings)
{
    int64_t fk = store_query_int(s, "PRAGMA foreign_keys");
    int64_t checks = store_query_int(s, "PRAGMA ignore_check_constraints");
    struct bulk *b = begin();
    struct err e;
    cr_assert_eq(row(b, BULK_PATIENTS, &e, "name", "Pat Bulk", "birth_date",
                     "1980-01-01", "sex", "male", NULL),
                 0);
    /* The batch checks references itself. */
    cr_assert_eq(store_query_int(s, "PRAGMA foreign_keys"), 0);
    bulk_abort(b);
    cr_assert_eq(count("patient"), 0);
    cr_assert_eq(count("audit"), 0);
    cr_assert_eq(store_query_int(s, "PRAGMA foreign_keys"), fk);
    cr_assert_eq(store_query_int(s, "PRAGMA ignore_check_constraints"),
                 checks);
    /* A therapist may not import. */
    struct actor therapist = {.user_id = 5, .role = ROLE_THERAPIST,
                              .practitioner_id = 1, .name = "t@x.invalid",
                              .client = "local"};
    cr_assert_eq(bulk_begin(s, &therapist, NULL, &b, &e), -1);
    cr_assert_eq(e.code, ERR_AUTH);
}

Test(bulk, summaries_after_a_batch_equal_a_full_refresh)
{
    int64_t prac = trained_practitioner("Avery Bulk (synthetic)");
    int64_t pat = patient(&actor_cli, "Pat Bulk");
    int64_t ep = episode(&actor_cli, pat, prac, "2026-01-05");
    int64_t ep2 = episode(&actor_cli, pat, prac, "2026-02-05");
    int64_t se1 = session(ep, "2026-01-06T10:00:00Z");
    struct bulk *b = begin();
    struct err e;
    char episode_id[32], session_id[32], episode2_id[32];
    snprintf(episode_id, sizeof(episode_id), "%lld", (long long)ep);
    snprintf(episode2_id, sizeof(episode2_id), "%lld", (long long)ep2);
    snprintf(session_id, sizeof(session_id), "%lld", (long long)se1);
    /* Rows out of order: episode 1, 2, then 1 again (refreshed twice). */
    cr_assert_eq(row(b, BULK_OBSERVATIONS, &e, "episode_id", episode_id,
                     "instrument", "nprs", "timepoint", "baseline",
                     "observed_at", "2026-01-05T09:00:00Z", "total", "8",
                     NULL),
                 0, "%s", e.message);
    cr_assert_eq(row(b, BULK_OBSERVATIONS, &e, "episode_id", episode2_id,
                     "instrument", "odi", "timepoint", "baseline",
                     "observed_at", "2026-02-05T09:00:00Z", "items",
                     "[2,2,2,2,2,2,2,2,2,2]", NULL),
                 0, "%s", e.message);
    cr_assert_eq(row(b, BULK_OBSERVATIONS, &e, "episode_id", episode_id,
                     "session_id", session_id, "instrument", "nprs",
                     "timepoint", "post", "observed_at",
                     "2026-01-06T11:00:00Z", "total", "3", NULL),
                 0, "%s", e.message);
    cr_assert_eq(bulk_commit(b, &e), 0, "%s", e.message);
    const char *digest_sql =
        "SELECT group_concat(instrument || ':' || coalesce(baseline, '-') ||"
        " ':' || coalesce(discharge, '-') || ':' || complete || ':' ||"
        " coalesce(incomplete_reason, '-'), ',') FROM (SELECT * FROM"
        " episode_summary ORDER BY episode_id, instrument)";
    struct stmt *st = store_prepare(s, digest_sql);
    cr_assert_eq(stmt_step(st, &e), 1);
    char *after_bulk = xstrdup(stmt_text(st, 0));
    stmt_finalize(st);
    cr_assert(strstr(after_bulk, "nprs:8.0:-:0:open"), "%s", after_bulk);
    cr_assert(strstr(after_bulk, "odi:40.0:-:0:open"), "%s", after_bulk);
    cr_assert_eq(summary_refresh_all(s, &actor_cli, NULL, &e), 0, "%s",
                 e.message);
    st = store_prepare(s, digest_sql);
    cr_assert_eq(stmt_step(st, &e), 1);
    cr_assert_str_eq(stmt_text(st, 0), after_bulk);
    stmt_finalize(st);
    free(after_bulk);
}

/* The text of a one-row, one-column query (freed by the caller). */
static char *query_text(const char *sql)
{
    struct err e = ERR_INIT;
    struct stmt *st = store_prepare(s, sql);
    cr_assert_eq(stmt_step(st, &e), 1, "%s", e.message);
    char *text = xstrdup(stmt_text(st, 0) ? stmt_text(st, 0) : "");
    stmt_finalize(st);
    return text;
}

/* Every value of the summary rows and of their compact rows, in key
 * order. */
#define SUMMARY_DIGEST_SQL                                                   \
    "SELECT (SELECT group_concat(v, ';') FROM (SELECT"                       \
    " quote(protocol_id) || ',' || quote(instrument) || ',' ||"              \
    " quote(practitioner_id) || ',' || quote(episode_id) || ',' ||"          \
    " quote(role) || ',' || quote(started_on) || ',' || quote(ended_on)"     \
    " || ',' || quote(sessions) || ',' || quote(baseline) || ',' ||"         \
    " quote(discharge) || ',' || quote(followup) || ',' ||"                  \
    " quote(followup_days) || ',' || quote(improvement) || ',' ||"           \
    " quote(responder) || ',' || quote(sessions_to_response) || ',' ||"      \
    " quote(response_event) || ',' || quote(sustained) || ',' ||"            \
    " quote(has_followup) || ',' || quote(complete) || ',' ||"               \
    " quote(incomplete_reason) || ',' || quote(age_years) || ',' ||"         \
    " quote(sex) || ',' || quote(chronicity_weeks) || ',' ||"                \
    " quote(comorbidities) AS v FROM episode_summary ORDER BY"               \
    " episode_id, instrument)) || ' / ' || (SELECT group_concat(v, ';')"     \
    " FROM (SELECT quote(g.protocol_id) || ',' || quote(g.instrument)"       \
    " || ',' || quote(r.practitioner_id) || ',' || quote(r.episode_id)"      \
    " || ',' || quote(r.code) || ',' || quote(r.improvement) || ',' ||"      \
    " quote(r.baseline) || ',' || quote(r.risk) AS v FROM outcome_row r"     \
    " JOIN outcome_group g ON g.id = r.group_id ORDER BY r.episode_id,"      \
    " g.instrument))"

Test(bulk, a_batch_writes_only_the_summary_rows_it_changes)
{
    int64_t prac = trained_practitioner("Avery Bulk (synthetic)");
    int64_t pat = patient(&actor_cli, "Pat Bulk");
    int64_t ep = episode(&actor_cli, pat, prac, "2026-01-05");
    int64_t se1 = session(ep, "2026-01-06T10:00:00Z");
    /* Two more episodes, untouched: one episode of three is below the
     * share at which a batch rebuilds every summary, so its rows are
     * refreshed one episode at a time. */
    episode(&actor_cli, pat, prac, "2026-02-05");
    episode(&actor_cli, pat, prac, "2026-03-05");
    char episode_id[32], session_id[32];
    snprintf(episode_id, sizeof(episode_id), "%lld", (long long)ep);
    snprintf(session_id, sizeof(session_id), "%lld", (long long)se1);
    struct err e = ERR_INIT;
    /* Every episode has its rows before the batches. */
    cr_assert_eq(summary_refresh_all(s, &actor_cli, NULL, &e), 0, "%s",
                 e.message);
    cr_assert_eq(count("episode_summary"), 9);
    struct bulk *b = begin();
    cr_assert_eq(row(b, BULK_OBSERVATIONS, &e, "episode_id", episode_id,
                     "instrument", "nprs", "timepoint", "baseline",
                     "observed_at", "2026-01-05T09:00:00Z", "total", "8",
                     NULL),
                 0, "%s", e.message);
    cr_assert_eq(bulk_commit(b, &e), 0, "%s", e.message);
    const char *generation_sql =
        "SELECT generation FROM outcome_group WHERE protocol_id ="
        " 'low-back-pain' AND instrument = 'nprs'";
    int64_t nprs_generation = store_query_int(s, generation_sql);
    char *nprs_before = query_text(
        "SELECT quote(baseline) || ',' || incomplete_reason FROM"
        " episode_summary WHERE instrument = 'nprs'");
    cr_assert_str_eq(nprs_before, "8.0,open");
    /* The episode is open: a later nprs score leaves its nprs row as it
     * was, while an odi baseline changes the odi row (NULL to 40). */
    b = begin();
    cr_assert_eq(row(b, BULK_OBSERVATIONS, &e, "episode_id", episode_id,
                     "session_id", session_id, "instrument", "nprs",
                     "timepoint", "post", "observed_at",
                     "2026-01-06T11:00:00Z", "total", "3", NULL),
                 0, "%s", e.message);
    cr_assert_eq(row(b, BULK_OBSERVATIONS, &e, "episode_id", episode_id,
                     "instrument", "odi", "timepoint", "baseline",
                     "observed_at", "2026-01-05T09:30:00Z", "items",
                     "[2,2,2,2,2,2,2,2,2,2]", NULL),
                 0, "%s", e.message);
    cr_assert_eq(bulk_commit(b, &e), 0, "%s", e.message);
    /* The unchanged row's group is still raised, as the triggers do. */
    cr_assert_gt(store_query_int(s, generation_sql), nprs_generation);
    char *after_bulk = query_text(SUMMARY_DIGEST_SQL);
    cr_assert(strstr(after_bulk, "'odi'") &&
                  strstr(after_bulk, ",40.0,NULL,NULL,"),
              "%s", after_bulk);
    /* Every row, summary and compact, as the triggers make them. */
    cr_assert_eq(summary_refresh_all(s, &actor_cli, NULL, &e), 0, "%s",
                 e.message);
    char *after_refresh = query_text(SUMMARY_DIGEST_SQL);
    cr_assert_str_eq(after_refresh, after_bulk);
    free(after_refresh);
    free(after_bulk);
    free(nprs_before);
}

/* Adds an nprs score of episode ep, in session se when not 0 (id given
 * when id is not NULL). */
static void nprs_row(struct bulk *b, const char *id, int64_t ep, int64_t se,
                     const char *timepoint, const char *at, const char *total)
{
    char episode_id[32], session_id[32];
    snprintf(episode_id, sizeof(episode_id), "%lld", (long long)ep);
    snprintf(session_id, sizeof(session_id), "%lld", (long long)se);
    struct err e = ERR_INIT;
    cr_assert_eq(row(b, BULK_OBSERVATIONS, &e, "id", id, "episode_id",
                     episode_id, "session_id", se ? session_id : NULL,
                     "instrument", "nprs", "timepoint", timepoint,
                     "observed_at", at, "total", total, NULL),
                 0, "%s", e.message);
}

/* A batch that rebuilds every summary (it touches every episode) reads
 * the observations in id order when they are in episode order, through
 * the episode index when not (ids given out of order): the same rows as
 * the triggers make, either way. */
Test(bulk, a_rebuild_reads_observations_in_either_order_alike)
{
    int64_t prac = trained_practitioner("Avery Bulk (synthetic)");
    int64_t pat = patient(&actor_cli, "Pat Bulk");
    int64_t ep1 = episode(&actor_cli, pat, prac, "2026-01-05");
    int64_t ep2 = episode(&actor_cli, pat, prac, "2026-02-05");
    int64_t se1 = session(ep1, "2026-01-06T10:00:00Z");
    int64_t se2 = session(ep2, "2026-02-06T10:00:00Z");
    struct err e = ERR_INIT;
    for (int pass = 0; pass < 2; pass++) {
        /* Each pass into an empty observation table. */
        cr_assert_eq(store_exec(s, "DELETE FROM observation", &e), 0);
        struct bulk *b = begin();
        if (pass == 0) {
            /* The second episode's row has the lower id. */
            nprs_row(b, "200", ep1, 0, "baseline", "2026-01-05T09:00:00Z",
                     "8");
            nprs_row(b, "100", ep2, se2, "pre", "2026-02-06T10:00:00Z", "5");
        } else {
            /* Rising ids, episodes in order. */
            nprs_row(b, NULL, ep1, 0, "baseline", "2026-01-05T09:00:00Z",
                     "8");
            nprs_row(b, NULL, ep1, se1, "pre", "2026-01-06T10:00:00Z", "6");
            nprs_row(b, NULL, ep2, 0, "baseline", "2026-02-05T09:00:00Z",
                     "7");
        }
        cr_assert_eq(bulk_commit(b, &e), 0, "%s", e.message);
        char *after_bulk = query_text(SUMMARY_DIGEST_SQL);
        cr_assert(strstr(after_bulk, pass ? ",7.0," : ",5.0,"), "%s",
                  after_bulk);
        cr_assert_eq(summary_refresh_all(s, &actor_cli, NULL, &e), 0, "%s",
                     e.message);
        char *after_refresh = query_text(SUMMARY_DIGEST_SQL);
        cr_assert_str_eq(after_refresh, after_bulk);
        free(after_refresh);
        free(after_bulk);
    }
    cr_assert_eq(count("observation"), 3);
}

static int write_row(void *ctx, const struct bulk_value *values, int count,
                     struct err *e)
{
    (void)count;
    return tabular_write_values(ctx, values, e);
}

/* A batch on a database nobody else has open writes with a rollback
 * journal and puts WAL mode back after its commit or its abort; with a
 * second connection open it stays in WAL mode. Either way it imports. */
Test(bulk, a_batch_alone_leaves_wal_mode_for_its_transaction_only)
{
    struct err e;
    char *mode = query_text("PRAGMA journal_mode");
    cr_assert_str_eq(mode, "wal");
    free(mode);
    struct bulk *b = begin();
    mode = query_text("PRAGMA journal_mode");
    cr_assert_str_eq(mode, "delete");
    free(mode);
    cr_assert_eq(row(b, BULK_PATIENTS, &e, "name", "Pat Alone",
                     "birth_date", "1980-01-01", "sex", "male", NULL),
                 0, "%s", e.message);
    cr_assert_eq(bulk_commit(b, &e), 0, "%s", e.message);
    mode = query_text("PRAGMA journal_mode");
    cr_assert_str_eq(mode, "wal");
    free(mode);
    cr_assert_eq(count("patient"), 1);

    b = begin();
    bulk_abort(b);
    mode = query_text("PRAGMA journal_mode");
    cr_assert_str_eq(mode, "wal");
    free(mode);

    struct store *other;
    cr_assert_eq(store_open(path, STORE_EXISTING, &other, &e), 0, "%s",
                 e.message);
    cr_assert_eq(store_query_int(other, "SELECT count(*) FROM patient"), 1);
    b = begin();
    mode = query_text("PRAGMA journal_mode");
    cr_assert_str_eq(mode, "wal");
    free(mode);
    cr_assert_eq(row(b, BULK_PATIENTS, &e, "name", "Pat Shared",
                     "birth_date", "1981-02-03", "sex", "female", NULL),
                 0, "%s", e.message);
    cr_assert_eq(bulk_commit(b, &e), 0, "%s", e.message);
    /* The other connection reads the batch's rows. */
    cr_assert_eq(store_query_int(other, "SELECT count(*) FROM patient"), 2);
    store_close(other);
    mode = query_text("PRAGMA journal_mode");
    cr_assert_str_eq(mode, "wal");
    free(mode);
}

Test(bulk, export_gives_every_row_in_column_order)
{
    int64_t prac = trained_practitioner("Avery Bulk (synthetic)");
    (void)prac;
    struct buf text = BUF_INIT;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    static const char *names[BULK_MAX_COLUMNS];
    int n = bulk_export_column_count(BULK_TRAINING);
    for (int i = 0; i < n; i++)
        names[i] = bulk_column_name(BULK_TRAINING, i);
    struct tabular_writer w;
    struct err e = ERR_INIT;
    cr_assert_eq(tabular_writer_init(&w, f, TABULAR_CSV, names, n, &e), 0);
    int64_t rows = 0;
    cr_assert_eq(bulk_export(s, &actor_cli, BULK_TRAINING,
                             write_row, &w, &rows,
                             &e),
                 0, "%s", e.message);
    tabular_writer_release(&w);
    fclose(f);
    cr_assert_eq(rows, 2);
    cr_assert(!strncmp(out, "id,practitioner_id,protocol_id,hours,"
                            "completed_on,provider,created_at\n1,1,"
                            "stress-management-full-body,150,2020-01-01,,",
                       100),
              "%s", out);
    free(out);
    buf_release(&text);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM audit WHERE"
                                    " action = 'export' AND outcome ="
                                    " 'ok: 2 rows'"),
                 1);
}

Test(bulk, the_generator_is_deterministic_and_valid)
{
    struct registry_options o = {.practitioners = 4, .patients = 30,
                                 .episodes_per_patient = 2, .seed = 9};
    struct registry_summary sum;
    struct err e = ERR_INIT;
    cr_assert_eq(registry_generate(s, &actor_cli, &o, &sum, &e), 0, "%s",
                 e.message);
    cr_assert_eq(sum.episodes, 60);
    cr_assert_eq(count("episode"), 60);
    cr_assert_eq(count("observation"), sum.observations);
    cr_assert_gt(sum.observations, 300);
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM patient WHERE"
                                    " synthetic = 0"),
                 0);
    struct buf report = BUF_INIT;
    cr_assert_eq(store_check(s, &report, &e), 0, "%s", report.data);
    buf_release(&report);
    /* Every episode has its summary rows. */
    cr_assert_eq(store_query_int(s, "SELECT count(*) FROM episode WHERE id"
                                    " NOT IN (SELECT episode_id FROM"
                                    " episode_summary)"),
                 0);
    cr_assert_eq(registry_generate(s, &actor_cli, &o, &sum, &e), -1);
    cr_assert_eq(e.code, ERR_CONFLICT);
    o.episodes_per_patient = 0;
    cr_assert_eq(registry_generate(s, &actor_cli, &o, &sum, &e), -1);
    cr_assert_str_eq(e.field, "episodes-per-patient");
}

/* ---- The summaries computed while a batch writes ------------------------ */

/* A small deterministic generator (the same data at every run). */
static unsigned fed_next(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

#define FED_EPISODES 30

/* Episodes (some closed), their sessions, and no observation. */
static void fed_registry(int64_t *episodes, int64_t sessions[][6],
                         int *nsessions, unsigned *seed)
{
    int64_t prac = trained_practitioner("Avery Fed (synthetic)");
    char prac_id[32];
    snprintf(prac_id, sizeof(prac_id), "%lld", (long long)prac);
    struct err e = ERR_INIT;
    struct bulk *b = begin();
    for (int i = 0; i < FED_EPISODES; i++) {
        char name[64], dob[16], start[16], chronicity[16];
        snprintf(name, sizeof(name), "Pat Fed%d (synthetic)", i);
        snprintf(dob, sizeof(dob), "19%02u-%02u-%02u", 40 + fed_next(seed) % 50,
                 1 + fed_next(seed) % 12, 1 + fed_next(seed) % 28);
        int64_t pat;
        const char *values[BULK_MAX_COLUMNS] = {NULL};
        values[bulk_column_index(BULK_PATIENTS, "name")] = name;
        values[bulk_column_index(BULK_PATIENTS, "birth_date")] = dob;
        values[bulk_column_index(BULK_PATIENTS, "sex")] =
            i % 2 ? "female" : "male";
        cr_assert_eq(bulk_add_row(b, BULK_PATIENTS, values, &pat, &e), 0,
                     "%s", e.message);
        char pat_id[32];
        snprintf(pat_id, sizeof(pat_id), "%lld", (long long)pat);
        snprintf(start, sizeof(start), "2025-01-%02u", 2 + fed_next(seed) % 5);
        snprintf(chronicity, sizeof(chronicity), "%u", fed_next(seed) % 60);
        const char *ended = fed_next(seed) % 4 ? "2025-03-31" : NULL;
        const char *ep_values[BULK_MAX_COLUMNS] = {NULL};
        ep_values[bulk_column_index(BULK_EPISODES, "patient_id")] = pat_id;
        ep_values[bulk_column_index(BULK_EPISODES, "practitioner_id")] =
            prac_id;
        ep_values[bulk_column_index(BULK_EPISODES, "protocol_id")] =
            "low-back-pain";
        ep_values[bulk_column_index(BULK_EPISODES, "icd10")] = "M54.50";
        ep_values[bulk_column_index(BULK_EPISODES, "started_on")] = start;
        ep_values[bulk_column_index(BULK_EPISODES, "ended_on")] = ended;
        ep_values[bulk_column_index(BULK_EPISODES, "chronicity_weeks")] =
            i % 3 ? chronicity : NULL;
        cr_assert_eq(bulk_add_row(b, BULK_EPISODES, ep_values, &episodes[i],
                                  &e),
                     0, "%s", e.message);
        /* Sessions in an order of their own: the summary numbers them by
         * their start. */
        nsessions[i] = (int)(fed_next(seed) % 6);
        for (int k = 0; k < nsessions[i]; k++) {
            char at[32];
            snprintf(at, sizeof(at), "2025-%02u-%02uT10:00:00Z",
                     1 + fed_next(seed) % 3, 10 + fed_next(seed) % 18);
            struct session_phase phases[] = {{"kneading", 30}};
            struct session_new in = {.episode_id = episodes[i],
                                     .started_at = at, .minutes = 40,
                                     .phases = phases, .phase_count = 1};
            cr_assert_eq(bulk_add_session(b, 0, &in, NULL, &sessions[i][k],
                                          &e),
                         0, "%s", e.message);
        }
    }
    cr_assert_eq(bulk_commit(b, &e), 0, "%s", e.message);
}

/* One observation of episodes[i]: nprs or odi, at a random timepoint, in
 * a random session of the episode or none. */
static int fed_observation(struct bulk *b, int64_t episode,
                           const int64_t *sessions, int nsessions,
                           int closed, unsigned *seed, struct err *e)
{
    char episode_id[32], session_id[32], at[32], total[16], items[64];
    snprintf(episode_id, sizeof(episode_id), "%lld", (long long)episode);
    static const char *const timepoints[] = {"baseline", "pre", "post",
                                             "followup"};
    const char *timepoint = timepoints[fed_next(seed) % (closed ? 4 : 3)];
    int64_t session = 0;
    if (strcmp(timepoint, "baseline") && strcmp(timepoint, "followup")) {
        /* pre and post name their session. */
        if (nsessions)
            session = sessions[fed_next(seed) % (unsigned)nsessions];
        else
            timepoint = "baseline";
    }
    if (!strcmp(timepoint, "followup")) {
        /* Some too soon after the end to count, some ties. */
        snprintf(at, sizeof(at), "2025-%02u-%02uT09:00:00Z",
                 4 + fed_next(seed) % 2, 1 + fed_next(seed) % 28);
    } else if (session) {
        char start[96];
        snprintf(start, sizeof(start), "SELECT started_at FROM session"
                 " WHERE id = %lld", (long long)session);
        char *text = query_text(start);
        snprintf(at, sizeof(at), "%.11s%s", text,
                 !strcmp(timepoint, "post") ? "11:00:00Z" : "10:00:00Z");
        free(text);
    } else {
        snprintf(at, sizeof(at), "2025-01-%02uT09:00:00Z",
                 7 + fed_next(seed) % 3);
    }
    snprintf(session_id, sizeof(session_id), "%lld", (long long)session);
    int odi = fed_next(seed) % 3 == 0;
    snprintf(total, sizeof(total), "%u", fed_next(seed) % 11);
    int len = snprintf(items, sizeof(items), "[");
    for (int k = 0; k < 10; k++)
        len += snprintf(items + len, sizeof(items) - (size_t)len, "%s%u",
                        k ? "," : "", fed_next(seed) % 6);
    snprintf(items + len, sizeof(items) - (size_t)len, "]");
    return row(b, BULK_OBSERVATIONS, e, "episode_id", episode_id,
               "session_id", session ? session_id : NULL, "instrument",
               odi ? "odi" : "nprs", "timepoint", timepoint, "observed_at",
               at, odi ? "items" : "total", odi ? items : total, NULL);
}

/* Every outcome summary of a batch of observations into an empty table,
 * in episode order, which computes them on a second thread as it writes,
 * against the rows the triggers make from the same observations (a
 * refresh of every episode), on random data: as they come; with a row
 * refused halfway (not written, not counted); and with a last row of an
 * earlier episode, which leaves the order the thread needs (the batch
 * then rebuilds at commit, as before). */
Test(bulk, summaries_computed_while_writing_equal_the_triggers)
{
    unsigned seed = 17;
    int64_t episodes[FED_EPISODES], sessions[FED_EPISODES][6];
    int nsessions[FED_EPISODES];
    fed_registry(episodes, sessions, nsessions, &seed);
    struct err e = ERR_INIT;
    for (int pass = 0; pass < 3; pass++) {
        cr_assert_eq(store_exec(s, "DELETE FROM observation", &e), 0);
        struct bulk *b = begin();
        int64_t written = 0;
        for (int i = 0; i < FED_EPISODES; i++) {
            /* Most episodes, not all. */
            int n = fed_next(&seed) % 5 == 0 ? 0 : 2 + fed_next(&seed) % 10;
            char sql[96];
            snprintf(sql, sizeof(sql), "SELECT ended_on IS NOT NULL FROM"
                     " episode WHERE id = %lld", (long long)episodes[i]);
            int64_t closed = store_query_int(s, sql);
            for (int k = 0; k < n; k++) {
                cr_assert_eq(fed_observation(b, episodes[i], sessions[i],
                                             nsessions[i], (int)closed,
                                             &seed, &e),
                             0, "%s", e.message);
                written++;
            }
            if (pass == 1 && i == FED_EPISODES / 2) {
                refused(row(b, BULK_OBSERVATIONS, &e, "episode_id", "1",
                            "instrument", "nprs", "timepoint", "baseline",
                            "observed_at", "2025-01-08T09:00:00Z", "total",
                            "11", NULL),
                        &e, "total", "");
            }
        }
        if (pass == 2) {
            cr_assert_eq(fed_observation(b, episodes[0], sessions[0],
                                         nsessions[0], 0, &seed, &e),
                         0, "%s", e.message);
            written++;
            cr_assert_eq(bulk_summaries_fed(b), 0);
        } else {
            cr_assert_eq(bulk_summaries_fed(b), 1);
        }
        cr_assert_eq(bulk_commit(b, &e), 0, "%s", e.message);
        cr_assert_eq(count("observation"), written);
        char *after_bulk = query_text(SUMMARY_DIGEST_SQL);
        cr_assert_eq(summary_refresh_all(s, &actor_cli, NULL, &e), 0, "%s",
                     e.message);
        char *after_refresh = query_text(SUMMARY_DIGEST_SQL);
        cr_assert_str_eq(after_refresh, after_bulk, "pass %d", pass);
        /* The data reach every part of the summary. */
        if (pass == 0) {
            cr_assert(strstr(after_bulk, "'no_baseline'") &&
                          strstr(after_bulk, "'open'"),
                      "%s", after_bulk);
            cr_assert_gt(store_query_int(s, "SELECT count(*) FROM"
                                            " episode_summary WHERE"
                                            " complete = 1 AND"
                                            " has_followup = 1"),
                         0, "%s", after_bulk);
        }
        free(after_refresh);
        free(after_bulk);
    }
}
