/* instrument: the instrument table (from catalog/instruments.json) and the
 * scoring rules. See instrument.h. */
#include "catalog/instrument.h"
#include "core/buf.h"
#include "core/embedded.h"
#include "core/util.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char *const method_names[] = {
    [METHOD_VALUE] = "value", [METHOD_SUM] = "sum", [METHOD_MEAN] = "mean",
    [METHOD_ODI] = "odi",     [METHOD_NDI] = "ndi", [METHOD_FIQR] = "fiqr",
    [METHOD_RPQ] = "rpq",     [METHOD_BP] = "bp",
};

#ifdef INSTRUMENT_TABLE_WRITER
/* The table read from catalog/instruments.json and checked, at build
 * time: build/tools/instrument-table writes it as C (instrument_table_
 * write() below), which the program includes instead of parsing the JSON
 * at every start. */
#define INSTRUMENTS_PATH "catalog/instruments.json"
#define MAX_INSTRUMENTS 64

static struct instrument table[MAX_INSTRUMENTS];
static struct instrument_wording wordings[MAX_INSTRUMENTS];
static int table_count;
static json_t *table_json; /* owns the strings the table points to */
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* The shipped file is build-time data checked by the unit tests: a broken
 * one is a broken invariant, not a user error. */
static const char *req_string(json_t *o, const char *key, const char *code)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || !*s)
        BUG("%s: instrument '%s': '%s' must be a non-empty string",
            INSTRUMENTS_PATH, code, key);
    return s;
}

static const char *opt_string(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static double req_number(json_t *o, const char *key, const char *code)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        BUG("%s: instrument '%s': '%s' must be a number", INSTRUMENTS_PATH,
            code, key);
    return json_number_value(v);
}

static void load_items(struct instrument *in, json_t *items)
{
    const char *code = in->code;
    if (!json_is_object(items))
        BUG("%s: instrument '%s': 'items' must be an object",
            INSTRUMENTS_PATH, code);
    double count = req_number(items, "count", code);
    if (count < 1 || count > INSTRUMENT_MAX_ITEMS || count != floor(count))
        BUG("%s: instrument '%s': bad item count", INSTRUMENTS_PATH, code);
    in->item_count = (int)count;
    in->item_count_min = in->item_count;
    if (json_object_get(items, "count_min")) {
        double m = req_number(items, "count_min", code);
        if (m < 1 || m > count || m != floor(m))
            BUG("%s: instrument '%s': bad count_min", INSTRUMENTS_PATH, code);
        in->item_count_min = (int)m;
    }
    in->integer_items = json_is_true(json_object_get(items, "integer"));
    json_t *labels = json_object_get(items, "labels");
    json_t *ranges = json_object_get(items, "ranges");
    json_t *loinc = json_object_get(items, "loinc");
    for (int i = 0; i < in->item_count; i++) {
        if (labels) {
            in->item_labels[i] = json_string_value(json_array_get(labels, i));
            if (!in->item_labels[i])
                BUG("%s: instrument '%s': labels[%d] missing",
                    INSTRUMENTS_PATH, code, i);
        } else {
            /* Built once and kept for the whole run with the table. */
            json_t *label = json_sprintf("item %d", i + 1);
            json_array_append_new(json_object_get(table_json, "labels_"),
                                  label);
            in->item_labels[i] = json_string_value(label);
        }
        in->item_loinc[i] =
            loinc ? json_string_value(json_array_get(loinc, i)) : NULL;
        if (ranges) {
            json_t *r = json_array_get(ranges, i);
            if (!json_is_number(json_array_get(r, 0)) ||
                !json_is_number(json_array_get(r, 1)))
                BUG("%s: instrument '%s': ranges[%d] must be [min, max]",
                    INSTRUMENTS_PATH, code, i);
            in->item_min[i] = json_number_value(json_array_get(r, 0));
            in->item_max[i] = json_number_value(json_array_get(r, 1));
        } else {
            in->item_min[i] = req_number(items, "min", code);
            in->item_max[i] = req_number(items, "max", code);
        }
        if (!(in->item_min[i] < in->item_max[i]))
            BUG("%s: instrument '%s': item %d has an empty range",
                INSTRUMENTS_PATH, code, i + 1);
    }
    json_t *allowed = json_object_get(items, "allowed");
    if (allowed) {
        size_t k;
        json_t *v;
        if (json_array_size(allowed) > ARRAY_SIZE(in->allowed))
            BUG("%s: instrument '%s': too many allowed values",
                INSTRUMENTS_PATH, code);
        json_array_foreach(allowed, k, v)
            in->allowed[in->allowed_count++] = json_number_value(v);
    }
    in->items_source = req_string(items, "source", code);
}

/* The shipped wording: {"intro"?, "items": [{"text", "low", "high"}],
 * "licence", "source"}, one item per item of the instrument. */
static void load_wording(struct instrument *in, json_t *w,
                         struct instrument_wording *out)
{
    const char *code = in->code;
    json_t *items = json_object_get(w, "items");
    if (json_array_size(items) != (size_t)in->item_count)
        BUG("%s: instrument '%s': wording needs %d items", INSTRUMENTS_PATH,
            code, in->item_count);
    out->intro = opt_string(w, "intro");
    out->item_count = in->item_count;
    for (int i = 0; i < in->item_count; i++) {
        json_t *item = json_array_get(items, (size_t)i);
        out->items[i].text = req_string(item, "text", code);
        out->items[i].low = req_string(item, "low", code);
        out->items[i].high = req_string(item, "high", code);
    }
    out->licence = req_string(w, "licence", code);
    out->source = req_string(w, "source", code);
    in->wording = out;
}

static void load_one(struct instrument *in, json_t *o)
{
    in->code = json_string_value(json_object_get(o, "code"));
    if (!in->code)
        BUG("%s: an instrument has no code", INSTRUMENTS_PATH);
    const char *code = in->code;
    in->name = req_string(o, "name", code);
    in->construct = req_string(o, "construct", code);
    in->loinc = opt_string(o, "loinc");
    load_items(in, json_object_get(o, "items"));
    json_t *wording = json_object_get(o, "wording");
    if (wording)
        load_wording(in, wording, &wordings[in - table]);

    json_t *sc = json_object_get(o, "scoring");
    const char *method = req_string(sc, "method", code);
    int found = 0;
    for (size_t m = 0; m < ARRAY_SIZE(method_names); m++)
        if (!strcmp(method, method_names[m])) {
            in->method = (enum instrument_method)m;
            found = 1;
        }
    if (!found)
        BUG("%s: instrument '%s': unknown method '%s'", INSTRUMENTS_PATH,
            code, method);
    in->max_missing = (int)req_number(sc, "max_missing", code);
    in->missing_rule = req_string(sc, "missing_rule", code);
    in->scoring_source = req_string(sc, "source", code);
    json_t *rev = json_object_get(sc, "reverse");
    size_t k;
    json_t *v;
    json_array_foreach(rev, k, v) {
        json_int_t item = json_integer_value(v);
        if (item < 1 || item > in->item_count)
            BUG("%s: instrument '%s': bad reverse item", INSTRUMENTS_PATH,
                code);
        in->reverse[item - 1] = 1;
    }
    if (in->method == METHOD_VALUE && in->item_count != 1)
        BUG("%s: instrument '%s': 'value' needs one item", INSTRUMENTS_PATH,
            code);
    if (in->method == METHOD_FIQR && in->item_count != 21)
        BUG("%s: instrument '%s': 'fiqr' needs 21 items", INSTRUMENTS_PATH,
            code);
    if (in->method == METHOD_BP && in->item_count != 2)
        BUG("%s: instrument '%s': 'bp' needs 2 items", INSTRUMENTS_PATH,
            code);

    json_t *total = json_object_get(o, "total");
    in->total_min = req_number(total, "min", code);
    in->total_max = req_number(total, "max", code);
    in->unit = req_string(total, "unit", code);
    const char *dir = req_string(total, "direction", code);
    if (!strcmp(dir, "higher-worse"))
        in->direction = DIRECTION_HIGHER_WORSE;
    else if (!strcmp(dir, "higher-better"))
        in->direction = DIRECTION_HIGHER_BETTER;
    else
        BUG("%s: instrument '%s': bad direction", INSTRUMENTS_PATH, code);
    in->total_source = req_string(total, "source", code);

    json_t *bands = json_object_get(o, "bands");
    json_array_foreach(bands, k, v) {
        if (in->band_count >= INSTRUMENT_MAX_BANDS)
            BUG("%s: instrument '%s': too many bands", INSTRUMENTS_PATH, code);
        struct instrument_band *b = &in->bands[in->band_count++];
        b->upto = req_number(v, "upto", code);
        b->label = req_string(v, "label", code);
        if (in->band_count > 1 && !(b->upto > b[-1].upto))
            BUG("%s: instrument '%s': bands out of order", INSTRUMENTS_PATH,
                code);
    }
    if (in->band_count && in->bands[in->band_count - 1].upto < in->total_max)
        BUG("%s: instrument '%s': bands do not reach the maximum",
            INSTRUMENTS_PATH, code);
    in->bands_source = opt_string(o, "bands_source");
    if ((in->band_count || in->method == METHOD_BP) && !in->bands_source)
        BUG("%s: instrument '%s': bands need a source", INSTRUMENTS_PATH,
            code);

    json_t *mcid = json_object_get(o, "mcid");
    in->mcid_source = req_string(mcid, "source", code);
    if (json_object_get(mcid, "absolute")) {
        in->has_absolute = 1;
        in->mcid_absolute = req_number(mcid, "absolute", code);
    }
    if (json_object_get(mcid, "relative")) {
        in->has_relative = 1;
        in->mcid_relative = req_number(mcid, "relative", code);
    }
    json_t *rel = json_object_get(o, "reliability");
    in->reliability = NAN;
    if (rel) {
        in->reliability = req_number(rel, "icc", code);
        in->reliability_source = req_string(rel, "source", code);
    }
}

static void load_table(void)
{
    const struct embedded_file *f = embedded_find(INSTRUMENTS_PATH);
    if (!f)
        BUG("%s is not embedded", INSTRUMENTS_PATH);
    json_error_t je;
    table_json = json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES, &je);
    if (!table_json)
        BUG("%s:%d:%d: %s", INSTRUMENTS_PATH, je.line, je.column, je.text);
    json_object_set_new(table_json, "labels_", json_array());
    json_t *list = json_object_get(table_json, "instruments");
    size_t k;
    json_t *v;
    json_array_foreach(list, k, v) {
        if (table_count >= MAX_INSTRUMENTS)
            BUG("%s: too many instruments", INSTRUMENTS_PATH);
        load_one(&table[table_count], v);
        for (int j = 0; j < table_count; j++)
            if (!strcmp(table[j].code, table[table_count].code))
                BUG("%s: duplicate instrument '%s'", INSTRUMENTS_PATH,
                    table[j].code);
        table_count++;
    }
    if (!table_count)
        BUG("%s: no instruments", INSTRUMENTS_PATH);
}

static void ensure_table(void)
{
    if (pthread_once(&table_once, load_table) != 0)
        BUG("pthread_once failed");
}

/* A C string literal of s (NULL: NULL), escaped: bytes outside printable
 * ASCII in octal, and '?' so that no trigraph forms. */
static void write_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("NULL", out);
        return;
    }
    putc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '?')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(out, "\\%03o", *p);
        else
            putc(*p, out);
    }
    putc('"', out);
}

/* A double, exactly (hexadecimal), or NAN. */
static void write_double(FILE *out, double v)
{
    if (isnan(v))
        fputs("NAN", out);
    else
        fprintf(out, "%a", v);
}

static void write_doubles(FILE *out, const char *name, const double *v,
                          int n)
{
    if (n == 0)
        return;
    fprintf(out, "     .%s = {", name);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", " : "", out);
        write_double(out, v[i]);
    }
    fputs("},\n", out);
}

static void write_strings(FILE *out, const char *name,
                          const char *const *v, int n)
{
    fprintf(out, "     .%s = {", name);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", " : "", out);
        write_string(out, v[i]);
    }
    fputs("},\n", out);
}

#define WRITE_STRING(out, in, field)                                        \
    (fputs("     ." #field " = ", out), write_string(out, (in)->field),     \
     fputs(",\n", out))
#define WRITE_DOUBLE(out, in, field)                                        \
    (fputs("     ." #field " = ", out), write_double(out, (in)->field),     \
     fputs(",\n", out))
#define WRITE_INT(out, in, field)                                           \
    fprintf(out, "     ." #field " = %d,\n", (int)(in)->field)

void instrument_table_write(FILE *out)
{
    ensure_table();
    fprintf(out, "/* Generated from %s by build/tools/instrument-table "
                 "(src/catalog/instrument.c): do not edit. */\n\n",
            INSTRUMENTS_PATH);
    for (int t = 0; t < table_count; t++) {
        const struct instrument_wording *w = table[t].wording;
        if (!w)
            continue;
        fprintf(out, "static const struct instrument_wording wording_%d = {\n",
                t);
        WRITE_STRING(out, w, intro);
        WRITE_INT(out, w, item_count);
        fputs("     .items = {\n", out);
        for (int i = 0; i < w->item_count; i++) {
            fputs("         {", out);
            write_string(out, w->items[i].text);
            fputs(", ", out);
            write_string(out, w->items[i].low);
            fputs(", ", out);
            write_string(out, w->items[i].high);
            fputs("},\n", out);
        }
        fputs("     },\n", out);
        WRITE_STRING(out, w, licence);
        WRITE_STRING(out, w, source);
        fputs("};\n\n", out);
    }
    fprintf(out, "static const struct instrument table[%d] = {\n",
            table_count);
    for (int t = 0; t < table_count; t++) {
        const struct instrument *in = &table[t];
        fputs("    {\n", out);
        WRITE_STRING(out, in, code);
        WRITE_STRING(out, in, name);
        WRITE_STRING(out, in, construct);
        WRITE_STRING(out, in, loinc);
        WRITE_INT(out, in, item_count_min);
        WRITE_INT(out, in, item_count);
        write_strings(out, "item_labels", in->item_labels, in->item_count);
        write_strings(out, "item_loinc", in->item_loinc, in->item_count);
        write_doubles(out, "item_min", in->item_min, in->item_count);
        write_doubles(out, "item_max", in->item_max, in->item_count);
        WRITE_INT(out, in, integer_items);
        WRITE_INT(out, in, allowed_count);
        write_doubles(out, "allowed", in->allowed, in->allowed_count);
        fputs("     .reverse = {", out);
        for (int i = 0; i < in->item_count; i++)
            fprintf(out, "%s%d", i ? ", " : "", in->reverse[i]);
        fputs("},\n", out);
        WRITE_STRING(out, in, items_source);
        fprintf(out, "     .method = (enum instrument_method)%d,\n",
                (int)in->method);
        WRITE_INT(out, in, max_missing);
        WRITE_STRING(out, in, missing_rule);
        WRITE_STRING(out, in, scoring_source);
        WRITE_DOUBLE(out, in, total_min);
        WRITE_DOUBLE(out, in, total_max);
        WRITE_STRING(out, in, unit);
        fprintf(out, "     .direction = (enum instrument_direction)%d,\n",
                (int)in->direction);
        WRITE_STRING(out, in, total_source);
        WRITE_INT(out, in, band_count);
        for (int i = 0; i < in->band_count; i++) {
            fputs(i ? ", {" : "     .bands = {{", out);
            write_double(out, in->bands[i].upto);
            fputs(", ", out);
            write_string(out, in->bands[i].label);
            fputs(i + 1 < in->band_count ? "}" : "}},\n", out);
        }
        WRITE_STRING(out, in, bands_source);
        WRITE_INT(out, in, has_absolute);
        WRITE_DOUBLE(out, in, mcid_absolute);
        WRITE_INT(out, in, has_relative);
        WRITE_DOUBLE(out, in, mcid_relative);
        WRITE_STRING(out, in, mcid_source);
        WRITE_DOUBLE(out, in, reliability);
        WRITE_STRING(out, in, reliability_source);
        if (in->wording)
            fprintf(out, "     .wording = &wording_%d,\n", t);
        fputs("    },\n", out);
    }
    fprintf(out, "};\nstatic const int table_count = %d;\n", table_count);
}
#else
/* The table checked and written as C at build time (see above). */
#include "instrument_table.inc"

static void ensure_table(void)
{
}
#endif

int instrument_count(void)
{
    ensure_table();
    return table_count;
}

const struct instrument *instrument_at(int i)
{
    ensure_table();
    if (i < 0 || i >= table_count)
        BUG("instrument index %d out of range", i);
    return &table[i];
}

const struct instrument *instrument_find(const char *code)
{
    ensure_table();
    if (!code)
        return NULL;
    for (int i = 0; i < table_count; i++)
        if (!strcmp(table[i].code, code))
            return &table[i];
    return NULL;
}

const char *instrument_direction_name(enum instrument_direction d)
{
    return d == DIRECTION_HIGHER_BETTER ? "higher-better" : "higher-worse";
}

const char *instrument_method_name(enum instrument_method m)
{
    if ((size_t)m >= ARRAY_SIZE(method_names))
        BUG("unknown method %d", (int)m);
    return method_names[m];
}

const char *responder_name(enum responder r)
{
    return r == RESPONDER_YES ? "yes" : r == RESPONDER_NO ? "no" : "unknown";
}

const char *instrument_bp_category(double systolic, double diastolic)
{
    /* 2017 ACC/AHA guideline: the higher category of the two values. */
    if (systolic >= 140 || diastolic >= 90)
        return "stage 2 hypertension";
    if (systolic >= 130 || diastolic >= 80)
        return "stage 1 hypertension";
    if (systolic >= 120)
        return "elevated";
    return "normal";
}

/* "%g" without trailing noise, for messages. */
static void format_number(char *out, size_t size, double v)
{
    snprintf(out, size, "%.10g", v);
}

static int check_item(const struct instrument *in, int i, double v,
                      struct err *e)
{
    char a[32], b[32], val[32];
    const char *field = in->item_labels[i];
    if (!isfinite(v))
        return err_set(e, ERR_INPUT, field, "not a finite number");
    /* Numbers are formatted only for a message: scoring runs for every
     * row of a bulk import. */
    if (v < in->item_min[i] || v > in->item_max[i]) {
        format_number(val, sizeof(val), v);
        format_number(a, sizeof(a), in->item_min[i]);
        format_number(b, sizeof(b), in->item_max[i]);
        return err_set(e, ERR_INPUT, field, "%s is outside %s-%s for %s", val,
                       a, b, in->code);
    }
    if (in->integer_items && v != floor(v)) {
        format_number(val, sizeof(val), v);
        return err_set(e, ERR_INPUT, field, "%s is not a whole number", val);
    }
    if (in->allowed_count) {
        int ok = 0;
        for (int k = 0; k < in->allowed_count; k++)
            if (v == in->allowed[k])
                ok = 1;
        if (!ok) {
            struct buf list = BUF_INIT;
            for (int k = 0; k < in->allowed_count; k++) {
                char num[32];
                format_number(num, sizeof(num), in->allowed[k]);
                buf_printf(&list, "%s%s", k ? ", " : "", num);
            }
            format_number(val, sizeof(val), v);
            err_set(e, ERR_INPUT, field, "%s is not an answer of %s (one of %s)",
                    val, in->code, list.data);
            buf_release(&list);
            return -1;
        }
    }
    return 0;
}

static void add_subscore(struct score *out, const char *name, double value)
{
    if (out->subscore_count >= SCORE_MAX_SUBSCORES)
        BUG("too many subscores");
    out->subscores[out->subscore_count].name = name;
    out->subscores[out->subscore_count].value = value;
    out->subscore_count++;
}

/* FIQR domains (items 1-9 function, 10-11 overall, 12-21 symptoms; [15]). */
static int score_fiqr(const double *items,
                      const int *present, struct score *out, struct err *e)
{
    static const struct {
        const char *name;
        int first, last; /* 0-based, inclusive */
        double divisor;
    } domains[] = {
        {"function", 0, 8, 3.0},
        {"overall", 9, 10, 1.0},
        {"symptoms", 11, 20, 2.0},
    };
    struct buf how = BUF_INIT;
    double total = 0;
    for (size_t d = 0; d < ARRAY_SIZE(domains); d++) {
        int n = domains[d].last - domains[d].first + 1, x = 0;
        double sum = 0;
        for (int i = domains[d].first; i <= domains[d].last; i++)
            if (!present || present[i]) {
                sum += items[i];
                x++;
            }
        if (x == 0) {
            buf_release(&how);
            return err_set(e, ERR_INPUT, "items",
                           "the fiqr %s domain (items %d-%d) has no answer; "
                           "at least one is needed", domains[d].name,
                           domains[d].first + 1, domains[d].last + 1);
        }
        if (x < n)
            buf_printf(&how, "%s%s domain: %d of %d answered, sum weighted "
                       "by %d/%d", how.len ? "; " : "", domains[d].name, x, n,
                       n, x);
        double weighted = sum * n / x / domains[d].divisor;
        add_subscore(out, domains[d].name, weighted);
        total += weighted;
    }
    out->total = total;
    if (how.len)
        snprintf(out->missing, sizeof(out->missing), "%s", how.data);
    buf_release(&how);
    return 0;
}

static void set_band(const struct instrument *in, struct score *out)
{
    out->band = NULL;
    for (int b = 0; b < in->band_count; b++)
        if (out->total <= in->bands[b].upto + 1e-9) {
            out->band = in->bands[b].label;
            return;
        }
}

int instrument_score(const struct instrument *in, const double *items,
                     const int *present, int n, struct score *out,
                     struct err *e)
{
    if (!in)
        BUG("instrument_score without an instrument");
    memset(out, 0, sizeof(*out));
    if (n < in->item_count_min || n > in->item_count) {
        if (in->item_count_min == in->item_count)
            return err_set(e, ERR_INPUT, "items", "%s needs %d item%s, got %d",
                           in->code, in->item_count,
                           in->item_count == 1 ? "" : "s", n);
        return err_set(e, ERR_INPUT, "items", "%s needs %d to %d items, got %d",
                       in->code, in->item_count_min, in->item_count, n);
    }
    if (!items)
        return err_set(e, ERR_INPUT, "items", "no items given");
    int answered = 0;
    for (int i = 0; i < n; i++) {
        if (present && !present[i])
            continue;
        if (check_item(in, i, items[i], e) < 0)
            return -1;
        answered++;
    }
    int missing = n - answered;
    out->items_given = n;
    out->items_answered = answered;
    out->items_missing = missing;
    if (answered == 0)
        return err_set(e, ERR_INPUT, "items", "no item of %s is answered",
                       in->code);
    if (missing > in->max_missing) {
        struct buf which = BUF_INIT;
        for (int i = 0; i < n; i++)
            if (present && !present[i])
                buf_printf(&which, "%s%d", which.len ? ", " : "", i + 1);
        if (in->max_missing == 0)
            err_set(e, ERR_INPUT, "items", "%s needs every item answered "
                    "(missing: item%s %s): %s", in->code,
                    missing == 1 ? "" : "s", which.data, in->missing_rule);
        else
            err_set(e, ERR_INPUT, "items", "%s allows at most %d missing "
                    "item%s, %d are missing (item%s %s)", in->code,
                    in->max_missing, in->max_missing == 1 ? "" : "s",
                    missing, missing == 1 ? "" : "s", which.data);
        buf_release(&which);
        return -1;
    }
    if (missing == 0)
        snprintf(out->missing, sizeof(out->missing), "none missing (%d of %d "
                 "answered)", answered, n);

    double sum = 0;
    for (int i = 0; i < n; i++) {
        if (present && !present[i])
            continue;
        double v = items[i];
        if (in->reverse[i])
            v = in->item_min[i] + in->item_max[i] - v;
        if (in->method == METHOD_RPQ && v == 1)
            v = 0;
        sum += v;
    }

    switch (in->method) {
    case METHOD_VALUE:
    case METHOD_SUM:
        out->total = sum;
        break;
    case METHOD_MEAN:
        out->total = sum / answered;
        break;
    case METHOD_ODI:
        out->total = sum / (5.0 * answered) * 100.0;
        if (missing)
            snprintf(out->missing, sizeof(out->missing),
                     "%d section%s missing: denominator reduced to %d "
                     "(%g / %d x 100)", missing, missing == 1 ? "" : "s",
                     5 * answered, sum, 5 * answered);
        break;
    case METHOD_NDI: {
        double mean = sum / answered;
        out->total = sum + missing * mean;
        if (missing)
            snprintf(out->missing, sizeof(out->missing),
                     "%d item%s missing: added the mean of the %d answered "
                     "items (%.4g) for each", missing,
                     missing == 1 ? "" : "s", answered, mean);
        break;
    }
    case METHOD_FIQR:
        if (score_fiqr(items, present, out, e) < 0)
            return -1;
        break;
    case METHOD_RPQ: {
        double rpq3 = 0, rpq13 = 0;
        for (int i = 0; i < n; i++) {
            double v = items[i] == 1 ? 0 : items[i];
            if (i < 3)
                rpq3 += v;
            else
                rpq13 += v;
        }
        out->total = sum;
        add_subscore(out, "RPQ-3", rpq3);
        add_subscore(out, "RPQ-13", rpq13);
        break;
    }
    case METHOD_BP:
        if (items[1] >= items[0])
            return err_set(e, ERR_INPUT, in->item_labels[1],
                           "%g must be below the systolic value %g", items[1],
                           items[0]);
        out->total = items[0];
        add_subscore(out, in->item_labels[0], items[0]);
        add_subscore(out, in->item_labels[1], items[1]);
        out->band = instrument_bp_category(items[0], items[1]);
        return 0;
    }
    if (out->total < in->total_min - 1e-9 || out->total > in->total_max + 1e-9)
        BUG("%s total %g outside %g-%g", in->code, out->total, in->total_min,
            in->total_max);
    set_band(in, out);
    return 0;
}

int instrument_accepts_value(const struct instrument *in)
{
    return in->item_count == 1;
}

double instrument_improvement(const struct instrument *in, double baseline,
                              double later)
{
    return in->direction == DIRECTION_HIGHER_WORSE ? baseline - later
                                                   : later - baseline;
}

double instrument_relative_improvement(const struct instrument *in,
                                       double baseline, double later,
                                       int *ok)
{
    double room = in->direction == DIRECTION_HIGHER_WORSE
                      ? baseline - in->total_min
                      : in->total_max - baseline;
    if (!(room > 0)) {
        *ok = 0;
        return 0;
    }
    *ok = 1;
    return instrument_improvement(in, baseline, later) / room;
}

enum responder instrument_is_responder(const struct instrument *in,
                                       double baseline, double later)
{
    if (!in->has_absolute && !in->has_relative)
        return RESPONDER_UNKNOWN;
    /* A small tolerance so that 0.3 x 10 = 3 counts as reaching 30%. */
    const double eps = 1e-9;
    if (in->has_absolute &&
        instrument_improvement(in, baseline, later) >= in->mcid_absolute - eps)
        return RESPONDER_YES;
    if (in->has_relative) {
        int ok;
        double rel = instrument_relative_improvement(in, baseline, later, &ok);
        if (ok && rel >= in->mcid_relative - eps)
            return RESPONDER_YES;
    }
    return RESPONDER_NO;
}
