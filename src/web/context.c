#include "web/context.h"
#include "core/number.h"
#include "core/util.h"

#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int web_fail(struct web_ctx *w)
{
    if (w->err.code == ERR_NONE)
        err_set(&w->err, ERR_FAIL, "", "failed");
    return -1;
}

int web_error(struct web_ctx *w, int status, const char *code,
              const char *field, const char *fmt, ...)
{
    /* Format first: the arguments may point into w->err itself. */
    char message[sizeof(w->err.message)];
    char name[sizeof(w->err.field)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    snprintf(name, sizeof(name), "%s", field ? field : "");
    w->err.code = status >= 500 ? ERR_FAIL : ERR_INPUT;
    memcpy(w->err.field, name, sizeof(name));
    memcpy(w->err.message, message, sizeof(message));
    w->error_status = status;
    snprintf(w->error_code, sizeof(w->error_code), "%s", code);
    return -1;
}

int web_error_status(const struct web_ctx *w, const char **code)
{
    if (w->error_status) {
        *code = w->error_code;
        return w->error_status;
    }
    *code = err_code_name(w->err.code);
    switch (w->err.code) {
    case ERR_INPUT: return 422;
    case ERR_NOT_FOUND: return 404;
    case ERR_CONFLICT: return 409;
    case ERR_SCOPE: return 422;
    case ERR_REFUSED: return 422;
    case ERR_AUTH:
        /* A logged-in caller refused an action of another role. */
        if (w->logged_in) {
            *code = "forbidden";
            return 403;
        }
        return 401;
    case ERR_NONE:
    case ERR_FAIL: break;
    }
    *code = "internal";
    return 500;
}

void web_json_text(json_t *doc, struct buf *out)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                     JSON_REAL_PRECISION(10));
    json_decref(doc);
    if (!text)
        die("out of memory writing JSON");
    buf_reset(out);
    buf_puts(out, text);
    buf_putc(out, '\n');
    free(text);
}

int web_reply_json(struct web_ctx *w, int status, json_t *doc)
{
    w->resp->status = status;
    http_response_set_header(w->resp, "Content-Type",
                             "application/json; charset=utf-8");
    web_json_text(doc, &w->resp->body);
    return 0;
}

int web_reply_empty(struct web_ctx *w, int status)
{
    w->resp->status = status;
    buf_reset(&w->resp->body);
    return 0;
}

int web_redirect(struct web_ctx *w, const char *location)
{
    w->resp->status = 303;
    http_response_set_header(w->resp, "Location", location);
    buf_reset(&w->resp->body);
    return 0;
}

void web_set_cookie(struct web_ctx *w, const char *name, const char *value,
                    long max_age)
{
    struct buf c = BUF_INIT;
    buf_printf(&c, "%s=%s; Path=/; HttpOnly; SameSite=Strict", name, value);
    if (max_age >= 0)
        buf_printf(&c, "; Max-Age=%ld", max_age);
    if (w->config->tls)
        buf_puts(&c, "; Secure");
    http_response_add_header(w->resp, "Set-Cookie", c.data);
    buf_release(&c);
}

int web_token_equal(const char *a, const char *b)
{
    if (!a || !b || !*a || !*b)
        return 0;
    size_t n = strlen(a);
    if (strlen(b) != n)
        return 0;
    return sodium_memcmp(a, b, n) == 0;
}

int api_fields(struct web_ctx *w, json_t *obj, const struct api_field *fields)
{
    if (!json_is_object(obj))
        return web_error(w, 422, "invalid", "", "expected a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        const struct api_field *f = fields;
        while (f->name && strcmp(f->name, key))
            f++;
        if (!f->name)
            return web_error(w, 422, "invalid", key, "unknown field");
        enum json_kind kind = (enum json_kind)f->type;
        if (!json_is_null(v) && !json_kind_fits(kind, v))
            return web_error(w, 422, "invalid", key, "must be %s",
                             json_kind_name(kind));
    }
    for (const struct api_field *f = fields; f->name; f++) {
        v = json_object_get(obj, f->name);
        int given = v && !json_is_null(v);
        if (f->present)
            *f->present = given;
        if (!given) {
            if (f->required)
                return web_error(w, 422, "invalid", f->name, "missing");
            continue;
        }
        switch (f->type) {
        case API_STRING:
            if (strlen(json_string_value(v)) != json_string_length(v))
                return web_error(w, 422, "invalid", f->name,
                                 "holds a NUL character");
            *(const char **)f->out = json_string_value(v);
            break;
        case API_INT:
            *(int64_t *)f->out = json_integer_value(v);
            break;
        case API_NUMBER:
            *(double *)f->out = json_number_value(v);
            break;
        case API_BOOL:
            *(int *)f->out = json_is_true(v);
            break;
        case API_ARRAY:
        case API_OBJECT:
            *(json_t **)f->out = v;
            break;
        }
    }
    return 0;
}

int api_body(struct web_ctx *w, const struct api_field *fields)
{
    if (!w->json)
        return web_error(w, 400, "malformed_json", "",
                         "this request needs a JSON body");
    return api_fields(w, w->json, fields);
}

int api_query_allow(struct web_ctx *w, const char *const *names)
{
    for (size_t i = 0; i < w->query.count; i++) {
        const char *name = w->query.items[i].name;
        const char *const *n = names;
        while (*n && strcmp(*n, name))
            n++;
        if (!*n)
            return web_error(w, 422, "invalid", name,
                             "unknown query parameter");
        if (http_pairs_count(&w->query, name) > 1)
            return web_error(w, 422, "invalid", name, "given twice");
    }
    return 0;
}

int api_query_none(struct web_ctx *w)
{
    static const char *const none[] = {NULL};
    return api_query_allow(w, none);
}

int api_query_int(struct web_ctx *w, const char *name, int64_t *out)
{
    const char *v = http_pairs_get(&w->query, name, 0);
    *out = 0;
    if (!v)
        return 0;
    long long n;
    if (parse_integer(v, 1, INT64_MAX, &n) < 0)
        return web_error(w, 422, "invalid", name,
                         "'%.32s' is not a positive whole number", v);
    *out = n;
    return 0;
}

int api_page(struct web_ctx *w, int *page, int *per_page)
{
    int64_t p, n;
    if (api_query_int(w, "page", &p) < 0 ||
        api_query_int(w, "per_page", &n) < 0)
        return -1;
    if (p > 1000000)
        return web_error(w, 422, "invalid", "page", "past the last page");
    if (n > WEB_PER_PAGE_MAX)
        return web_error(w, 422, "invalid", "per_page", "at most %d",
                         WEB_PER_PAGE_MAX);
    *page = p ? (int)p : 1;
    *per_page = n ? (int)n : WEB_PER_PAGE_DEFAULT;
    return 0;
}

json_t *api_page_doc(json_t *items, int page, int per_page, int64_t total)
{
    return json_pack("{s:o,s:i,s:i,s:I}", "items", items, "page", page,
                     "per_page", per_page, "total", (json_int_t)total);
}
