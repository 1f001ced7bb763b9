/* json_read: strict reading of JSON input with paths. See json_read.h. */
#include "core/json_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void json_reader_init(struct json_reader *r, struct err *e)
{
    *r = (struct json_reader)JSON_READER_INIT(e);
}

json_t *json_read_load(const char *text, size_t len, struct err *e)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        err_set(e, ERR_INPUT, "", "not JSON: %s (line %d, column %d)",
                jerr.text, jerr.line, jerr.column);
    return doc;
}

const char *json_kind_name(enum json_kind kind)
{
    switch (kind) {
    case JSON_KIND_TEXT: return "a string";
    case JSON_KIND_INTEGER: return "a whole number";
    case JSON_KIND_NUMBER: return "a number";
    case JSON_KIND_BOOLEAN: return "true or false";
    case JSON_KIND_ARRAY: return "an array";
    case JSON_KIND_OBJECT: return "an object";
    }
    return "a value";
}

int json_kind_fits(enum json_kind kind, const json_t *v)
{
    switch (kind) {
    case JSON_KIND_TEXT: return json_is_string(v);
    case JSON_KIND_INTEGER: return json_is_integer(v);
    case JSON_KIND_NUMBER: return json_is_number(v);
    case JSON_KIND_BOOLEAN: return json_is_boolean(v);
    case JSON_KIND_ARRAY: return json_is_array(v);
    case JSON_KIND_OBJECT: return json_is_object(v);
    }
    return 0;
}

int json_path(char *out, size_t size, const char *base, const char *fmt, ...)
{
    if (!size)
        return -1;
    char tail[JSON_PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    int tn = vsnprintf(tail, sizeof(tail), fmt, ap);
    va_end(ap);
    const char *dot = *base && tail[0] != '[' ? "." : "";
    int n = snprintf(out, size, "%s%s%s", base, dot, tail);
    return tn < 0 || (size_t)tn >= sizeof(tail) || n < 0 ||
                   (size_t)n >= size
               ? -1
               : 0;
}

/* Records a failure at path (the member key of the object at the first
 * parent_len bytes, or none) and fills r->e with the default message. */
static int fail(struct json_reader *r, enum json_fault fault,
                const char *path, size_t parent_len, const char *key,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int fail(struct json_reader *r, enum json_fault fault,
                const char *path, size_t parent_len, const char *key,
                const char *fmt, ...)
{
    r->fault = fault;
    if (path != r->path)
        snprintf(r->path, sizeof(r->path), "%s", path);
    r->parent_len = parent_len < strlen(r->path) ? parent_len
                                                 : strlen(r->path);
    r->key = key;
    if (r->e) {
        va_list ap;
        err_clear(r->e);
        r->e->code = ERR_INPUT;
        snprintf(r->e->field, sizeof(r->e->field), "%.*s",
                 (int)sizeof(r->e->field) - 1, r->path);
        va_start(ap, fmt);
        vsnprintf(r->e->message, sizeof(r->e->message), fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int fail_type(struct json_reader *r, const char *path,
                     size_t parent_len, const char *key,
                     enum json_kind kind, int nonempty)
{
    r->want = kind;
    r->nonempty = nonempty;
    if (nonempty && (kind == JSON_KIND_TEXT || kind == JSON_KIND_ARRAY))
        return fail(r, JSON_FAULT_TYPE, path, parent_len, key,
                    "must be a non-empty %s",
                    kind == JSON_KIND_TEXT ? "string" : "array");
    return fail(r, JSON_FAULT_TYPE, path, parent_len, key, "must be %s",
                json_kind_name(kind));
}

static int allowed_key(const char *key, const char *const *allowed)
{
    for (const char *const *a = allowed; *a; a++)
        if (!strcmp(*a, key))
            return 1;
    return 0;
}

const char *json_unknown_key(const json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        if (!allowed_key(key, allowed))
            return key;
    }
    return NULL;
}

int json_read_keys(struct json_reader *r, const json_t *obj, const char *path,
                   const char *const *allowed)
{
    const char *key = json_unknown_key(obj, allowed);
    if (!key)
        return 0;
    json_path(r->path, sizeof(r->path), path, "%s", key);
    return fail(r, JSON_FAULT_UNKNOWN, r->path, strlen(path), key,
                "unknown field");
}

int json_read_object(struct json_reader *r, const json_t *v, const char *path)
{
    if (json_is_object(v))
        return 0;
    return fail_type(r, path, 0, NULL, JSON_KIND_OBJECT, 0);
}

int json_read_array(struct json_reader *r, const json_t *v, const char *path,
                    int nonempty)
{
    if (json_is_array(v) && (!nonempty || json_array_size(v) > 0))
        return 0;
    return fail_type(r, path, 0, NULL, JSON_KIND_ARRAY, nonempty);
}

int json_read_member(struct json_reader *r, const json_t *obj,
                     const char *path, const char *key, enum json_kind kind,
                     int flags, const json_t **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v && !(flags & JSON_REQUIRED))
        return 0;
    json_path(r->path, sizeof(r->path), path, "%s", key);
    if (!v)
        return fail(r, JSON_FAULT_MISSING, r->path, strlen(path), key,
                    "missing");
    int nonempty = (flags & JSON_NONEMPTY) != 0;
    int empty = (kind == JSON_KIND_TEXT && json_is_string(v) &&
                 !*json_string_value(v)) ||
                (kind == JSON_KIND_ARRAY && json_is_array(v) &&
                 !json_array_size(v));
    if (!json_kind_fits(kind, v) || (nonempty && empty))
        return fail_type(r, r->path, strlen(path), key, kind, nonempty);
    *out = v;
    return 1;
}

int json_read_text(struct json_reader *r, const json_t *obj, const char *path,
                   const char *key, int flags, const char **out)
{
    const json_t *v;
    int rc = json_read_member(r, obj, path, key, JSON_KIND_TEXT, flags, &v);
    *out = v ? json_string_value(v) : NULL;
    return rc;
}

int json_read_number(struct json_reader *r, const json_t *obj,
                     const char *path, const char *key, int flags,
                     double *out)
{
    const json_t *v;
    int rc = json_read_member(r, obj, path, key, JSON_KIND_NUMBER, flags, &v);
    if (v)
        *out = json_number_value(v);
    return rc;
}

int json_read_integer(struct json_reader *r, const json_t *obj,
                      const char *path, const char *key, int flags,
                      long long *out)
{
    const json_t *v;
    int rc =
        json_read_member(r, obj, path, key, JSON_KIND_INTEGER, flags, &v);
    if (v)
        *out = (long long)json_integer_value(v);
    return rc;
}

void json_each_array(struct json_each *it, const json_t *array,
                     const char *path)
{
    it->array = json_is_array(array) ? array : NULL;
    it->next = 0;
    it->index = 0;
    it->item = NULL;
    snprintf(it->base, sizeof(it->base), "%s", path);
    it->path[0] = '\0';
}

int json_each_begin(struct json_reader *r, struct json_each *it,
                    const json_t *obj, const char *path, const char *key,
                    int flags)
{
    const json_t *array;
    char base[JSON_PATH_MAX];
    json_path(base, sizeof(base), path, "%s", key);
    json_each_array(it, NULL, base);
    if (json_read_member(r, obj, path, key, JSON_KIND_ARRAY, flags, &array) <
        0)
        return -1;
    it->array = array;
    return 0;
}

int json_each_element(struct json_each *it)
{
    if (!it->array || it->next >= json_array_size(it->array)) {
        it->item = NULL;
        return 0;
    }
    it->index = it->next++;
    it->item = json_array_get(it->array, it->index);
    json_path(it->path, sizeof(it->path), it->base, "[%zu]", it->index);
    return 1;
}

int json_each_next(struct json_reader *r, struct json_each *it,
                   const char *const *allowed)
{
    if (!json_each_element(it))
        return 0;
    if (json_read_object(r, it->item, it->path) < 0 ||
        (allowed && json_read_keys(r, it->item, it->path, allowed) < 0))
        return -1;
    return 1;
}
