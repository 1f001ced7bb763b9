/*
 * tabular: rows in and out of files, as CSV (RFC 4180, read with libcsv)
 * or NDJSON (one JSON object per line, read with jansson), for bulk import
 * and export (docs/import-export.md).
 *
 * Readers stream: they read the file in blocks, hand each row to a
 * callback with the line it starts on, and keep only the row at hand in
 * memory. They accept a UTF-8 byte-order mark at the start, LF, CRLF or
 * CR line ends, and (CSV) quoted fields with commas, doubled quotes and
 * line breaks. A row the reader cannot make sense of (malformed quoting, a
 * NUL byte, a field over the size limit, a line that is not a JSON object)
 * is still handed to the callback, with `problem` saying what is wrong, so
 * the caller reports it like any bad row and goes on.
 *
 * CSV: the first row is the header (column names). An empty unquoted field
 * is absent (NULL); a quoted empty field ("") is the empty text. Spaces are
 * kept as they are. Writers quote a field only when it needs it (a comma,
 * a quote, a line break, leading or trailing space, or the empty text).
 *
 * No CSV field written holds a live spreadsheet formula: a text beginning
 * with =, +, -, @, a tab or a carriage return (OWASP's list), unless it is
 * exactly a plain number (-3.5), is written with a single quote ' before
 * it, and so is a text that already begins with a quote. The reader drops
 * exactly one leading quote from any field that has one, so what was
 * written reads back as it was (docs/import-export.md).
 *
 * NDJSON: blank lines are skipped; each other line must be one object.
 * tabular_json_fields() maps an object to text fields by column name.
 *
 * Ownership: the pointers in a struct tabular_row belong to the reader and
 * are valid only during the callback.
 */
#ifndef TS_DOCUMENTS_TABULAR_H
#define TS_DOCUMENTS_TABULAR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"
#include "record/bulk.h"

enum tabular_format { TABULAR_CSV, TABULAR_NDJSON };

/* "csv" or "ndjson". */
const char *tabular_format_name(enum tabular_format f);
/* The format from a --format name (csv, ndjson, jsonl) when given, else
 * from the path's extension (.csv, .ndjson, .jsonl); ERR_INPUT (field
 * "format") when neither says. */
int tabular_format_choose(const char *flag, const char *path,
                          enum tabular_format *out, struct err *e);

/* A field longer than this is a problem of its row. */
#define TABULAR_FIELD_MAX (1u << 20)
/* A row longer than this stops the read (the file is not tabular). */
#define TABULAR_ROW_MAX (16u << 20)
#define TABULAR_COLUMNS_MAX 256

struct tabular_row {
    uint64_t line;    /* the line the row starts on, from 1 */
    uint64_t offset;  /* bytes of the file read so far (for progress) */
    size_t count;     /* CSV: fields in the row */
    const char *const *fields; /* CSV: NULL for an empty unquoted field */
    json_t *object;   /* NDJSON: the row's object (NULL with a problem) */
    const char *text; /* NDJSON: the line as read (without its end) */
    const char *problem; /* NULL, or why the row could not be read */
    void *prepared;   /* tabular_read_threaded: the row's prepared slot */
};

/* Called with each row; return 0 to go on, anything else to stop the read
 * (which then returns that value). */
typedef int (*tabular_row_fn)(void *ctx, const struct tabular_row *row,
                              struct err *e);

/*
 * Reads every row of in (name for messages). CSV hands the header row to
 * the callback first, like any row (line 1, unless blank lines precede
 * it). Returns 0 at the end of the file, the callback's non-zero value,
 * or -1 with e filled ("NAME:LINE: ...") on a read error or a row over
 * TABULAR_ROW_MAX.
 */
int tabular_read(FILE *in, const char *name, enum tabular_format format,
                 tabular_row_fn fn, void *ctx, struct err *e);

/*
 * The same, with the reading and parsing (CSV fields split, NDJSON lines
 * parsed) in a second thread while fn runs in the caller's, on rows handed
 * over in batches: on two cores, reading overlaps with what fn does. Rows
 * reach fn in the same order and with the same content; a read error is
 * returned after every row before it has been handed over.
 *
 * prepare (may be NULL) runs in the reading thread for each row, before
 * fn sees it, and may fill the row's slot of slot_size bytes (fn finds it
 * as row->prepared): work that needs nothing fn's thread owns. release
 * (may be NULL) is called on every slot once fn is done with its row, or
 * when the read stops before fn saw it.
 */
typedef void (*tabular_prepare_fn)(void *ctx, const struct tabular_row *row,
                                   void *slot);
typedef void (*tabular_release_fn)(void *slot);
int tabular_read_threaded(FILE *in, const char *name,
                          enum tabular_format format,
                          tabular_prepare_fn prepare,
                          tabular_release_fn release, size_t slot_size,
                          tabular_row_fn fn, void *ctx, struct err *e);

/*
 * Maps an NDJSON object to text fields by column name: values[i] is the
 * text of the member named columns[i] (NULL when missing or null);
 * strings as they are, whole numbers in decimal, other numbers so that
 * they read back the same, true/false as 1/0, arrays (only where
 * is_json(i)) as compact JSON. The text is kept in storage (reset first).
 * A member that is not a column, an object value, an array where no JSON
 * is expected, or a string with a NUL byte is ERR_INPUT naming the member.
 */
int tabular_json_fields(json_t *object, const char *const *columns,
                        int count, int (*is_json)(int column, void *ctx),
                        void *ctx, const char **values, struct buf *storage,
                        struct err *e);

/* A writer of rows to a stream. */
struct tabular_writer {
    FILE *out;
    enum tabular_format format;
    const char *const *columns;
    int count;
    struct buf line;
};

/* Starts a writer; CSV writes the header row at once. Returns -1 with e
 * filled when the stream fails. tabular_writer_release() frees it. */
int tabular_writer_init(struct tabular_writer *w, FILE *out,
                        enum tabular_format format,
                        const char *const *columns, int count,
                        struct err *e);
/* Writes one row of typed values (NDJSON: null members are written as
 * null; JSON values raw). */
int tabular_write_values(struct tabular_writer *w,
                         const struct bulk_value *values, struct err *e);
/* Writes one CSV row of text fields (NULL: empty), count of them. */
int tabular_write_fields(struct tabular_writer *w, const char *const *fields,
                         size_t count, struct err *e);
void tabular_writer_release(struct tabular_writer *w);

/* Appends text as a CSV field (quoted when needed; NULL as nothing), with
 * a leading quote ' when tabular_csv_guarded(): the one CSV field writer
 * for every CSV that Touchstone writes. */
void tabular_csv_field(struct buf *b, const char *text, size_t len);
/* Whether a CSV field of this text is written with a leading quote ': it
 * begins with =, +, -, @, tab or carriage return and is not exactly a
 * plain number (-?digits[.digits][e[+-]digits]), or it begins with a
 * quote. */
int tabular_csv_guarded(const char *text, size_t len);
/* Appends text as a JSON string (quoted, escaped). */
void tabular_json_string(struct buf *b, const char *text, size_t len);

#endif
