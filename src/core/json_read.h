/*
 * json_read: reading JSON input that a stranger wrote, strictly. An object
 * may hold only the members a list allows; a member has the type asked;
 * a required one is present. Every failure names the value at fault by
 * its path from the root: "identifier[2].system" ("" is the root).
 *
 * This is the one core module that uses jansson (the parsed value is a
 * json_t); it parses nothing itself.
 *
 * A failure fills a struct json_reader: the struct err it points to (code
 * ERR_INPUT, field = the path, cut to fit, and a default message such as
 * "missing" or "must be a string"), and, for callers that word their own
 * messages, what failed (fault), the whole path, where the member's object
 * ends in it (parent_len) and the member's name (key). Each caller keeps
 * its own wording by mapping those; nothing here prints or allocates.
 *
 * The getters return 1 when the member was read, 0 when an optional one
 * is absent, and -1 on a failure.
 */
#ifndef TS_CORE_JSON_READ_H
#define TS_CORE_JSON_READ_H

#include "core/err.h"

#include <jansson.h>
#include <stddef.h>

#define JSON_PATH_MAX 256

/* The kinds of value a member may be asked to hold. */
enum json_kind {
    JSON_KIND_TEXT,
    JSON_KIND_INTEGER,
    JSON_KIND_NUMBER, /* an integer or a real */
    JSON_KIND_BOOLEAN,
    JSON_KIND_ARRAY,
    JSON_KIND_OBJECT,
};

enum json_fault {
    JSON_FAULT_NONE = 0,
    JSON_FAULT_UNKNOWN, /* a member the list does not allow */
    JSON_FAULT_MISSING, /* a required member is absent */
    JSON_FAULT_TYPE,    /* not of the kind wanted (or empty when it may
                         * not be) */
};

/* Flags of a getter. */
#define JSON_REQUIRED 1 /* absent is a JSON_FAULT_MISSING */
#define JSON_NONEMPTY 2 /* "" or [] is a JSON_FAULT_TYPE */

struct json_reader {
    struct err *e;             /* filled on failure */
    enum json_fault fault;     /* what failed, or JSON_FAULT_NONE */
    enum json_kind want;       /* with JSON_FAULT_TYPE: the kind asked */
    int nonempty;              /* with JSON_FAULT_TYPE: it had to be
                                * non-empty */
    char path[JSON_PATH_MAX];  /* the value at fault, whole */
    size_t parent_len;         /* path[0, parent_len) is the object that
                                * holds the member at fault */
    const char *key;           /* the member at fault (UNKNOWN, MISSING and
                                * member TYPE faults), borrowed, or NULL */
};

#define JSON_READER_INIT(err)                                                 \
    {(err), JSON_FAULT_NONE, JSON_KIND_TEXT, 0, "", 0, NULL}

/* Resets r to no failure, reporting into e. */
void json_reader_init(struct json_reader *r, struct err *e);

/* Parses text (len bytes; a member named twice is refused) into a new
 * JSON value (allocates; json_decref frees). Text that is not JSON:
 * NULL with e ERR_INPUT, field "", "not JSON: WHAT (line L, column C)". */
json_t *json_read_load(const char *text, size_t len, struct err *e);

/* "a string", "a whole number", "a number", "true or false", "an array",
 * "an object". */
const char *json_kind_name(enum json_kind kind);
/* 1 when v (which may be NULL) is of the kind. */
int json_kind_fits(enum json_kind kind, const json_t *v);

/*
 * Paths. Writes base joined with the printf-formatted tail into out (size
 * bytes): "base.tail", or "base[..." when the tail starts with '[', or the
 * tail alone when base is "". Never allocates; a path that does not fit is
 * cut at size - 1 bytes and the call returns -1 (else 0). out may not be
 * base.
 */
int json_path(char *out, size_t size, const char *base, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The first member name of obj not in allowed (NULL-terminated), or NULL
 * when every member is allowed (or obj is not an object). */
const char *json_unknown_key(const json_t *obj, const char *const *allowed);

/* Refuses a member of obj (at path) that allowed (NULL-terminated) does not
 * list: JSON_FAULT_UNKNOWN at "path.key", message "unknown field".
 * Returns 0 or -1. */
int json_read_keys(struct json_reader *r, const json_t *obj, const char *path,
                   const char *const *allowed);
/* Refuses v (at path, NULL counts as not an object) unless it is an
 * object: JSON_FAULT_TYPE, "must be an object". */
int json_read_object(struct json_reader *r, const json_t *v, const char *path);
/* Refuses v unless it is an array, and with nonempty one with elements:
 * "must be an array" or "must be a non-empty array". */
int json_read_array(struct json_reader *r, const json_t *v, const char *path,
                    int nonempty);

/*
 * Member key of the object obj (at path), of the kind asked, into *out
 * (borrowed from obj; NULL when absent). flags: JSON_REQUIRED,
 * JSON_NONEMPTY (for TEXT and ARRAY). A JSON null is a value of the wrong
 * kind, not an absence.
 */
int json_read_member(struct json_reader *r, const json_t *obj,
                     const char *path, const char *key, enum json_kind kind,
                     int flags, const json_t **out);
/* A string member: *out is its text (borrowed), NULL when absent. */
int json_read_text(struct json_reader *r, const json_t *obj, const char *path,
                   const char *key, int flags, const char **out);
/* A number member (integer or real): *out is left alone when absent. */
int json_read_number(struct json_reader *r, const json_t *obj,
                     const char *path, const char *key, int flags,
                     double *out);
/* An integer member: *out is left alone when absent. */
int json_read_integer(struct json_reader *r, const json_t *obj,
                      const char *path, const char *key, int flags,
                      long long *out);

/*
 * A walk over the objects of an array member:
 *
 *     struct json_each it;
 *     int rc = json_each_begin(&r, &it, obj, path, "identifier", flags);
 *     while (rc >= 0 && (rc = json_each_next(&r, &it, allowed)) > 0)
 *         ... it.item, it.path ("path.identifier[2]"), it.index ...
 *     if (rc < 0) ... r holds the failure
 *
 * json_each_begin reads the member as json_read_member(..., ARRAY, flags)
 * (an absent optional member walks no elements) and returns 0 or -1.
 * json_each_next moves to the next element, refuses it unless it is an
 * object, then checks its keys against allowed (NULL: any keys); returns 1
 * on an element, 0 at the end, -1 on a failure. Nothing to release.
 */
struct json_each {
    const json_t *array; /* or NULL */
    size_t next;         /* the index of the next element */
    size_t index;        /* the index of item */
    const json_t *item;  /* the current element */
    char base[JSON_PATH_MAX]; /* path of the array */
    char path[JSON_PATH_MAX]; /* path of item */
};

int json_each_begin(struct json_reader *r, struct json_each *it,
                    const json_t *obj, const char *path, const char *key,
                    int flags);
/* As json_each_begin, for an array already in hand (at path; NULL walks
 * nothing). */
void json_each_array(struct json_each *it, const json_t *array,
                     const char *path);
int json_each_next(struct json_reader *r, struct json_each *it,
                   const char *const *allowed);
/* Moves to the next element whatever its kind (it.item, it.path): 1, or 0
 * at the end. For arrays of strings, or elements read by their own
 * reader. */
int json_each_element(struct json_each *it);

#endif
