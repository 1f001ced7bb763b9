#include "documents/tabular.h"
#include "core/util.h"

#include <csv.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#define BLOCK_SIZE (1u << 20)

const char *tabular_format_name(enum tabular_format f)
{
    return f == TABULAR_CSV ? "csv" : "ndjson";
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcasecmp(s + n - m, suffix);
}

int tabular_format_choose(const char *flag, const char *path,
                          enum tabular_format *out, struct err *e)
{
    if (flag) {
        if (!strcmp(flag, "csv"))
            *out = TABULAR_CSV;
        else if (!strcmp(flag, "ndjson") || !strcmp(flag, "jsonl"))
            *out = TABULAR_NDJSON;
        else
            return err_set(e, ERR_INPUT, "format",
                           "'%.32s' is not a format (csv or ndjson)", flag);
        return 0;
    }
    if (path && ends_with(path, ".csv")) {
        *out = TABULAR_CSV;
        return 0;
    }
    if (path && (ends_with(path, ".ndjson") || ends_with(path, ".jsonl"))) {
        *out = TABULAR_NDJSON;
        return 0;
    }
    return err_set(e, ERR_INPUT, "format",
                   "give --format csv or ndjson (the file name '%.64s' does "
                   "not end in .csv, .ndjson or .jsonl)",
                   path ? path : "-");
}

/* ---- CSV ------------------------------------------------------------------ */

struct csv_reader {
    struct csv_parser parser;
    const char *name;
    tabular_row_fn fn;
    void *ctx;
    struct err *e;
    int stop;          /* the callback's non-zero value */
    uint64_t line;     /* the line being read */
    uint64_t row_line; /* the line the row in progress started on */
    int in_row;
    size_t row_bytes;
    uint64_t offset;
    /* The row in progress: its fields' bytes (each NUL-terminated) and
     * their offsets into it (SIZE_MAX for an absent field). */
    struct buf bytes;
    size_t *offsets;
    size_t count, alloc;
    const char **pointers;
    const char *problem;
    char problem_text[128];
};

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static void csv_reader_start(struct csv_reader *r)
{
    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL |
                                 CSV_EMPTY_IS_NULL) != 0)
        die("out of memory starting the CSV parser");
    csv_set_space_func(&r->parser, no_space);
    /* libcsv grows a field's buffer by this much at a time (by default
     * 128 bytes, which makes a long field cost quadratic copying). */
    csv_set_blk_size(&r->parser, 1u << 20);
}

static void row_problem(struct csv_reader *r, const char *fmt, size_t n)
{
    if (r->problem)
        return;
    snprintf(r->problem_text, sizeof(r->problem_text), fmt, n);
    r->problem = r->problem_text;
}

static void on_field(void *s, size_t len, void *data)
{
    struct csv_reader *r = data;
    if (r->stop)
        return;
    if (!r->in_row) {
        r->in_row = 1;
        r->row_line = r->line;
    }
    if (r->count == TABULAR_COLUMNS_MAX) {
        row_problem(r, "more than %zu fields", TABULAR_COLUMNS_MAX);
        return;
    }
    size_t had = r->alloc;
    ALLOC_GROW(r->offsets, r->count + 1, r->alloc);
    if (r->alloc != had) /* pointers run beside offsets */
        r->pointers = xreallocarray(r->pointers, r->alloc, sizeof(*r->pointers));
    size_t field = r->count++;
    if (!s) {
        r->offsets[field] = SIZE_MAX;
        return;
    }
    if (len > TABULAR_FIELD_MAX) {
        row_problem(r, "field %zu is longer than 1 MiB", field + 1);
        len = 0;
    } else if (memchr(s, '\0', len)) {
        row_problem(r, "field %zu holds a NUL byte", field + 1);
        len = 0;
    }
    /* A field the writer guarded against spreadsheet formulas
     * (tabular_csv_field) loses its one leading quote. */
    if (len > 0 && *(char *)s == '\'') {
        s = (char *)s + 1;
        len--;
    }
    r->offsets[field] = r->bytes.len;
    buf_add(&r->bytes, s, len);
    buf_putc(&r->bytes, '\0');
}

/* Hands the row in progress to the callback and starts the next. */
static void deliver(struct csv_reader *r)
{
    if (!r->stop) {
        for (size_t i = 0; i < r->count; i++)
            r->pointers[i] = r->offsets[i] == SIZE_MAX
                                 ? NULL
                                 : r->bytes.data + r->offsets[i];
        struct tabular_row row = {
            .line = r->in_row ? r->row_line : r->line,
            .offset = r->offset,
            .count = r->count,
            .fields = r->pointers,
            .problem = r->problem,
        };
        r->stop = r->fn(r->ctx, &row, r->e);
    }
    buf_reset(&r->bytes);
    r->count = 0;
    r->in_row = 0;
    r->row_bytes = 0;
    r->problem = NULL;
}

static void on_row(int terminator, void *data)
{
    (void)terminator;
    deliver(data);
}

/* Feeds one piece of a line (ending at its '\n', or at the block's end)
 * to the parser. A malformed row is handed over with its problem, and the
 * rest of its line is skipped (*skip). */
static int csv_feed(struct csv_reader *r, const char *p, size_t n, int *skip)
{
    if (*skip)
        return 0;
    if (!r->in_row && !(n == 1 && p[0] == '\n') &&
        !(n == 2 && p[0] == '\r' && p[1] == '\n')) {
        r->in_row = 1;
        r->row_line = r->line;
    }
    if (r->in_row) {
        r->row_bytes += n;
        if (r->row_bytes > TABULAR_ROW_MAX)
            return err_set(r->e, ERR_INPUT, "",
                           "%s:%llu: a row longer than 16 MiB (is this a CSV "
                           "file?); nothing was read after it",
                           r->name, (unsigned long long)r->row_line);
    }
    size_t done = csv_parse(&r->parser, p, n, on_field, on_row, r);
    if (done < n || csv_error(&r->parser) != CSV_SUCCESS) {
        if (csv_error(&r->parser) == CSV_ENOMEM)
            die("out of memory parsing CSV");
        r->problem = "malformed CSV quoting (a quote inside an unquoted "
                     "field, or text after a closing quote)";
        deliver(r);
        csv_free(&r->parser);
        csv_reader_start(r);
        *skip = p[n - 1] != '\n';
    }
    return 0;
}

static int read_csv(FILE *in, struct csv_reader *r)
{
    char *block = xmalloc(BLOCK_SIZE);
    int rc = 0, first = 1, skip = 0;
    size_t n;
    r->line = 1;
    while (!r->stop && rc == 0 && (n = fread(block, 1, BLOCK_SIZE, in)) > 0) {
        const char *p = block, *end = block + n;
        if (first && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
            p += 3;
        first = 0;
        while (p < end && !r->stop && rc == 0) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *piece_end = nl ? nl + 1 : end;
            r->offset += (uint64_t)(piece_end - p);
            rc = csv_feed(r, p, (size_t)(piece_end - p), &skip);
            if (nl) {
                r->line++;
                skip = 0;
            }
            p = piece_end;
        }
    }
    free(block);
    if (rc == 0 && !r->stop && ferror(in))
        rc = err_set(r->e, ERR_FAIL, "", "%s: unable to read: %s", r->name,
                     strerror(errno));
    if (rc == 0 && !r->stop) {
        if (csv_fini(&r->parser, on_field, on_row, r) != 0) {
            r->problem = "a quoted field is not closed at the end of the file";
            deliver(r);
        } else if (r->count || r->problem) {
            deliver(r);
        }
    }
    return rc < 0 ? -1 : r->stop;
}

/* ---- NDJSON ---------------------------------------------------------------- */

struct ndjson_reader {
    const char *name;
    tabular_row_fn fn;
    void *ctx;
    struct err *e;
    uint64_t line;
    uint64_t offset;
};

static int ndjson_line(struct ndjson_reader *r, char *text, size_t len)
{
    if (len && text[len - 1] == '\r')
        len--;
    text[len] = '\0';
    if (r->line == 1 && len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        text += 3;
        len -= 3;
    }
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
        i++;
    if (i == len)
        return 0; /* a blank line */
    struct tabular_row row = {
        .line = r->line, .offset = r->offset, .text = text,
    };
    char problem[256];
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        snprintf(problem, sizeof(problem), "not JSON (column %d: %s)",
                 je.column, je.text);
        row.problem = problem;
    } else if (!json_is_object(v)) {
        row.problem = "not a JSON object";
    } else {
        row.object = v;
    }
    int rc = r->fn(r->ctx, &row, r->e);
    json_decref(v);
    return rc;
}

static int read_ndjson(FILE *in, struct ndjson_reader *r)
{
    char *block = xmalloc(BLOCK_SIZE);
    struct buf line = BUF_INIT;
    int rc = 0, too_long = 0;
    size_t n;
    r->line = 1;
    while (rc == 0 && (n = fread(block, 1, BLOCK_SIZE, in)) > 0) {
        const char *p = block, *end = block + n;
        while (p < end && rc == 0) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *piece_end = nl ? nl : end;
            r->offset += (uint64_t)(piece_end - p) + (nl ? 1 : 0);
            if (line.len + (size_t)(piece_end - p) > TABULAR_ROW_MAX)
                too_long = 1;
            if (too_long) {
                rc = err_set(r->e, ERR_INPUT, "",
                             "%s:%llu: a line longer than 16 MiB (is this an "
                             "NDJSON file?); nothing was read after it",
                             r->name, (unsigned long long)r->line);
                break;
            }
            buf_add(&line, p, (size_t)(piece_end - p));
            if (nl) {
                rc = ndjson_line(r, line.data, line.len);
                buf_reset(&line);
                r->line++;
            }
            p = nl ? nl + 1 : end;
        }
    }
    if (rc == 0 && ferror(in))
        rc = err_set(r->e, ERR_FAIL, "", "%s: unable to read: %s", r->name,
                     strerror(errno));
    if (rc == 0 && line.len)
        rc = ndjson_line(r, line.data, line.len);
    free(block);
    buf_release(&line);
    return rc;
}

int tabular_read(FILE *in, const char *name, enum tabular_format format,
                 tabular_row_fn fn, void *ctx, struct err *e)
{
    if (format == TABULAR_NDJSON) {
        struct ndjson_reader r = {.name = name, .fn = fn, .ctx = ctx, .e = e};
        return read_ndjson(in, &r);
    }
    struct csv_reader r = {.name = name, .fn = fn, .ctx = ctx, .e = e};
    buf_init(&r.bytes, 0);
    csv_reader_start(&r);
    int rc = read_csv(in, &r);
    csv_free(&r.parser);
    buf_release(&r.bytes);
    free(r.offsets);
    free(r.pointers);
    return rc;
}

/* ---- Reading in a second thread ------------------------------------------- */

#define BATCH_ROWS 2048
#define BATCHES 4

struct batch_row {
    uint64_t line, offset;
    size_t first, count; /* CSV: offsets[first .. first + count) */
    json_t *object;      /* NDJSON: a reference owned by the batch */
    size_t text;         /* NDJSON without an object: offset of the line */
    size_t problem;      /* offset of the problem text, or SIZE_MAX */
};

struct batch {
    struct batch_row rows[BATCH_ROWS];
    size_t count;
    char *slots; /* BATCH_ROWS prepared slots */
    struct buf bytes;
    size_t *offsets; /* of fields in bytes; SIZE_MAX for an absent one */
    size_t noffsets, alloc;
};

struct pipeline {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct batch batches[BATCHES];
    struct batch *free[BATCHES];
    int nfree;
    struct batch *full[BATCHES]; /* a queue, oldest first */
    int head, nfull;
    struct batch *filling; /* the reader's */
    int stop;              /* the consumer wants no more */
    int done;              /* the reader has finished */
    int reader_rc;
    struct err reader_err;
    /* The reader's arguments. */
    FILE *in;
    const char *name;
    enum tabular_format format;
    tabular_prepare_fn prepare;
    tabular_release_fn release;
    size_t slot_size;
    void *ctx;
};

static size_t batch_text(struct batch *b, const char *text)
{
    size_t at = b->bytes.len;
    buf_puts(&b->bytes, text);
    buf_putc(&b->bytes, '\0');
    return at;
}

static void batch_clear(struct pipeline *p, struct batch *b)
{
    for (size_t i = 0; i < b->count; i++) {
        json_decref(b->rows[i].object);
        if (p->release)
            p->release(b->slots + i * p->slot_size);
    }
    b->count = 0;
    b->noffsets = 0;
    buf_reset(&b->bytes);
}

/* Hands the reader's batch over (lock held). */
static void pipeline_push(struct pipeline *p)
{
    p->full[(p->head + p->nfull) % BATCHES] = p->filling;
    p->nfull++;
    p->filling = NULL;
    pthread_cond_broadcast(&p->changed);
}

/* The reader's callback: copies the row into the batch being filled. */
static int pipeline_collect(void *ctx, const struct tabular_row *row,
                            struct err *e)
{
    (void)e;
    struct pipeline *p = ctx;
    if (!p->filling) {
        pthread_mutex_lock(&p->lock);
        while (!p->nfree && !p->stop)
            pthread_cond_wait(&p->changed, &p->lock);
        if (!p->stop)
            p->filling = p->free[--p->nfree];
        int stop = p->stop;
        pthread_mutex_unlock(&p->lock);
        if (stop)
            return 1;
    }
    struct batch *b = p->filling;
    struct batch_row *r = &b->rows[b->count++];
    r->line = row->line;
    r->offset = row->offset;
    r->first = b->noffsets;
    r->count = row->count;
    r->object = row->object ? json_incref(row->object) : NULL;
    r->text = SIZE_MAX;
    r->problem = row->problem ? batch_text(b, row->problem) : SIZE_MAX;
    if (row->text && !row->object)
        r->text = batch_text(b, row->text);
    ALLOC_GROW(b->offsets, b->noffsets + row->count, b->alloc);
    for (size_t i = 0; i < row->count; i++)
        b->offsets[b->noffsets++] =
            row->fields[i] ? batch_text(b, row->fields[i]) : SIZE_MAX;
    if (p->prepare)
        p->prepare(p->ctx, row, b->slots + (b->count - 1) * p->slot_size);
    if (b->count == BATCH_ROWS) {
        pthread_mutex_lock(&p->lock);
        pipeline_push(p);
        pthread_mutex_unlock(&p->lock);
    }
    return 0;
}

static void *pipeline_reader(void *arg)
{
    struct pipeline *p = arg;
    int rc = tabular_read(p->in, p->name, p->format, pipeline_collect, p,
                          &p->reader_err);
    pthread_mutex_lock(&p->lock);
    if (p->filling && p->filling->count)
        pipeline_push(p);
    else if (p->filling)
        p->free[p->nfree++] = p->filling;
    p->filling = NULL;
    p->reader_rc = rc;
    p->done = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Hands each row of a batch to fn; returns fn's first non-zero value. */
static int pipeline_deliver(struct pipeline *p, struct batch *b,
                            tabular_row_fn fn, void *ctx,
                            const char ***fields, size_t *alloc,
                            struct err *e)
{
    for (size_t i = 0; i < b->count; i++) {
        struct batch_row *r = &b->rows[i];
        ALLOC_GROW(*fields, r->count, *alloc);
        for (size_t k = 0; k < r->count; k++) {
            size_t at = b->offsets[r->first + k];
            (*fields)[k] = at == SIZE_MAX ? NULL : b->bytes.data + at;
        }
        struct tabular_row row = {
            .line = r->line,
            .offset = r->offset,
            .count = r->count,
            .fields = *fields,
            .object = r->object,
            .text = r->text == SIZE_MAX ? NULL : b->bytes.data + r->text,
            .problem =
                r->problem == SIZE_MAX ? NULL : b->bytes.data + r->problem,
            .prepared = p->prepare ? b->slots + i * p->slot_size : NULL,
        };
        int rc = fn(ctx, &row, e);
        if (rc)
            return rc;
    }
    return 0;
}

int tabular_read_threaded(FILE *in, const char *name,
                          enum tabular_format format,
                          tabular_prepare_fn prepare,
                          tabular_release_fn release, size_t slot_size,
                          tabular_row_fn fn, void *ctx, struct err *e)
{
    struct pipeline *p = xcalloc(1, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    for (int i = 0; i < BATCHES; i++) {
        buf_init(&p->batches[i].bytes, 0);
        if (prepare)
            p->batches[i].slots = xcalloc(BATCH_ROWS, slot_size);
        p->free[p->nfree++] = &p->batches[i];
    }
    p->in = in;
    p->name = name;
    p->format = format;
    p->prepare = prepare;
    p->release = release;
    p->slot_size = slot_size;
    p->ctx = ctx;
    p->reader_err = (struct err)ERR_INIT;
    pthread_t reader;
    if (pthread_create(&reader, NULL, pipeline_reader, p) != 0)
        die("unable to start a thread");
    const char **fields = NULL;
    size_t alloc = 0;
    int rc = 0;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (!p->nfull && !p->done)
            pthread_cond_wait(&p->changed, &p->lock);
        if (!p->nfull) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        struct batch *b = p->full[p->head];
        p->head = (p->head + 1) % BATCHES;
        p->nfull--;
        pthread_mutex_unlock(&p->lock);
        rc = pipeline_deliver(p, b, fn, ctx, &fields, &alloc, e);
        batch_clear(p, b);
        pthread_mutex_lock(&p->lock);
        p->free[p->nfree++] = b;
        if (rc)
            p->stop = 1;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        if (rc)
            break;
    }
    pthread_join(reader, NULL);
    if (!rc && p->reader_rc) {
        rc = p->reader_rc;
        *e = p->reader_err;
    }
    /* Batches the reader filled after a stop. */
    for (int i = 0; i < BATCHES; i++) {
        batch_clear(p, &p->batches[i]);
        buf_release(&p->batches[i].bytes);
        free(p->batches[i].offsets);
        free(p->batches[i].slots);
    }
    free(fields);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p);
    return rc;
}

int tabular_json_fields(json_t *object, const char *const *columns,
                        int count, int (*is_json)(int column, void *ctx),
                        void *ctx, const char **values, struct buf *storage,
                        struct err *e)
{
    size_t offsets[TABULAR_COLUMNS_MAX];
    if (count > TABULAR_COLUMNS_MAX)
        BUG("%d columns", count);
    for (int i = 0; i < count; i++)
        offsets[i] = SIZE_MAX;
    buf_reset(storage);
    const char *key;
    json_t *v;
    json_object_foreach(object, key, v) {
        int i = 0;
        while (i < count && strcmp(columns[i], key))
            i++;
        if (i == count)
            return err_set(e, ERR_INPUT, key, "not a column");
        if (json_is_null(v))
            continue;
        size_t at = storage->len;
        char number[32];
        switch (json_typeof(v)) {
        case JSON_STRING:
            if (strlen(json_string_value(v)) != json_string_length(v))
                return err_set(e, ERR_INPUT, key, "holds a NUL character");
            buf_add(storage, json_string_value(v), json_string_length(v));
            break;
        case JSON_INTEGER:
            buf_printf(storage, "%lld", (long long)json_integer_value(v));
            break;
        case JSON_REAL:
            bulk_format_real(json_real_value(v), number);
            buf_puts(storage, number);
            break;
        case JSON_TRUE:
        case JSON_FALSE:
            buf_putc(storage, json_is_true(v) ? '1' : '0');
            break;
        case JSON_ARRAY: {
            if (!is_json || !is_json(i, ctx))
                return err_set(e, ERR_INPUT, key,
                               "a list where a single value belongs");
            char *text = json_dumps(v, JSON_COMPACT);
            if (!text)
                die("out of memory writing JSON");
            buf_puts(storage, text);
            free(text);
            break;
        }
        default:
            return err_set(e, ERR_INPUT, key,
                           "an object where a single value belongs");
        }
        buf_putc(storage, '\0');
        offsets[i] = at;
    }
    for (int i = 0; i < count; i++)
        values[i] = offsets[i] == SIZE_MAX ? NULL : storage->data + offsets[i];
    return 0;
}

/* ---- Writers ------------------------------------------------------------- */

/* Whether text is exactly a plain decimal number: an optional leading
 * minus, digits, an optional fraction and exponent (-3.5, -1e-07). A
 * spreadsheet reads it as a number, not a formula. */
static int plain_number(const char *text, size_t len)
{
    size_t i = text[0] == '-' ? 1 : 0, digits = 0;
    for (; i < len && text[i] >= '0' && text[i] <= '9'; i++)
        digits++;
    if (i < len && text[i] == '.') {
        size_t fraction = 0;
        for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++)
            fraction++;
        if (!fraction)
            return 0;
    }
    if (!digits)
        return 0;
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        if (i < len && (text[i] == '+' || text[i] == '-'))
            i++;
        size_t exponent = 0;
        for (; i < len && text[i] >= '0' && text[i] <= '9'; i++)
            exponent++;
        if (!exponent)
            return 0;
    }
    return i == len;
}

int tabular_csv_guarded(const char *text, size_t len)
{
    if (!text || len == 0)
        return 0;
    switch (text[0]) {
    case '\'':
        return 1;
    case '=': case '+': case '-': case '@': case '\t': case '\r':
        return !plain_number(text, len);
    default:
        return 0;
    }
}

void tabular_csv_field(struct buf *b, const char *text, size_t len)
{
    if (!text)
        return;
    int guard = tabular_csv_guarded(text, len);
    int quote = len == 0 || text[0] == ' ' || text[0] == '\t' ||
                text[len - 1] == ' ' || text[len - 1] == '\t';
    for (size_t i = 0; !quote && i < len; i++)
        quote = text[i] == ',' || text[i] == '"' || text[i] == '\n' ||
                text[i] == '\r';
    if (!quote) {
        if (guard)
            buf_putc(b, '\'');
        buf_add(b, text, len);
        return;
    }
    buf_putc(b, '"');
    if (guard)
        buf_putc(b, '\'');
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) {
            buf_add(b, p, (size_t)(end - p));
            break;
        }
        buf_add(b, p, (size_t)(q - p) + 1);
        buf_putc(b, '"');
        p = q + 1;
    }
    buf_putc(b, '"');
}

void tabular_json_string(struct buf *b, const char *text, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    buf_putc(b, '"');
    const char *run = text;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_add(b, run, (size_t)(text + i - run));
        run = text + i + 1;
        switch (c) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            buf_puts(b, u);
        }
        }
    }
    buf_add(b, run, (size_t)(text + len - run));
    buf_putc(b, '"');
}

static int flush_line(struct tabular_writer *w, struct err *e)
{
    if (fwrite(w->line.data, 1, w->line.len, w->out) != w->line.len)
        return err_set(e, ERR_FAIL, "out", "unable to write: %s",
                       strerror(errno));
    buf_reset(&w->line);
    return 0;
}

int tabular_writer_init(struct tabular_writer *w, FILE *out,
                        enum tabular_format format,
                        const char *const *columns, int count, struct err *e)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->format = format;
    w->columns = columns;
    w->count = count;
    buf_init(&w->line, 0);
    if (format != TABULAR_CSV)
        return 0;
    return tabular_write_fields(w, columns, (size_t)count, e);
}

static void value_text(struct buf *b, const struct bulk_value *v, int json)
{
    char number[32];
    switch (v->type) {
    case BULK_NULL:
        if (json)
            buf_puts(b, "null");
        break;
    case BULK_INT:
        buf_printf(b, "%lld", (long long)v->i);
        break;
    case BULK_REAL:
        bulk_format_real(v->d, number);
        buf_puts(b, number);
        break;
    case BULK_TEXT:
        if (json)
            tabular_json_string(b, v->text, strlen(v->text));
        else
            tabular_csv_field(b, v->text, strlen(v->text));
        break;
    case BULK_JSON:
        if (json)
            buf_puts(b, v->text);
        else
            tabular_csv_field(b, v->text, strlen(v->text));
        break;
    }
}

int tabular_write_values(struct tabular_writer *w,
                         const struct bulk_value *values, struct err *e)
{
    int json = w->format == TABULAR_NDJSON;
    if (json)
        buf_putc(&w->line, '{');
    for (int i = 0; i < w->count; i++) {
        if (i)
            buf_putc(&w->line, ',');
        if (json) {
            tabular_json_string(&w->line, w->columns[i],
                                strlen(w->columns[i]));
            buf_putc(&w->line, ':');
        }
        value_text(&w->line, &values[i], json);
    }
    buf_puts(&w->line, json ? "}\n" : "\n");
    return flush_line(w, e);
}

int tabular_write_fields(struct tabular_writer *w, const char *const *fields,
                         size_t count, struct err *e)
{
    for (size_t i = 0; i < count; i++) {
        if (i)
            buf_putc(&w->line, ',');
        if (fields[i])
            tabular_csv_field(&w->line, fields[i], strlen(fields[i]));
    }
    buf_putc(&w->line, '\n');
    return flush_line(w, e);
}

void tabular_writer_release(struct tabular_writer *w)
{
    buf_release(&w->line);
}
