#include "web/http.h"
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void http_pairs_add(struct http_pairs *p, const char *name, const char *value)
{
    ALLOC_GROW(p->items, p->count + 1, p->alloc);
    p->items[p->count].name = xstrdup(name);
    p->items[p->count].value = xstrdup(value);
    p->count++;
}

const char *http_pairs_get(const struct http_pairs *p, const char *name,
                           int nocase)
{
    for (size_t i = 0; i < p->count; i++)
        if (nocase ? !strcasecmp(p->items[i].name, name)
                   : !strcmp(p->items[i].name, name))
            return p->items[i].value;
    return NULL;
}

size_t http_pairs_count(const struct http_pairs *p, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < p->count; i++)
        n += !strcmp(p->items[i].name, name);
    return n;
}

void http_pairs_release(struct http_pairs *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->items[i].name);
        free(p->items[i].value);
    }
    free(p->items);
    p->items = NULL;
    p->count = p->alloc = 0;
}

/* 1 when s is valid UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF). */
static int utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        int n;
        unsigned min;
        if (c < 0x80) {
            s++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        for (int i = 1; i <= n; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (s[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        s += n + 1;
    }
    return 1;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *http_percent_decode(const char *text, size_t len, int plus_is_space)
{
    char *out = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '%') {
            int h = i + 2 < len ? hex_value(text[i + 1]) : -1;
            int l = i + 2 < len ? hex_value(text[i + 2]) : -1;
            if (h < 0 || l < 0 || (h == 0 && l == 0)) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out[o++] = ' ';
        } else if (c == '\0') {
            free(out);
            return NULL;
        } else {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    return out;
}

int http_form_parse(const char *text, size_t len, struct http_pairs *out,
                    struct err *e)
{
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != '&')
            end++;
        if (end > i) {
            const char *eq = memchr(text + i, '=', end - i);
            size_t name_len = eq ? (size_t)(eq - (text + i)) : end - i;
            char *name = http_percent_decode(text + i, name_len, 1);
            char *value = eq ? http_percent_decode(eq + 1,
                                                   end - (size_t)(eq + 1 - text),
                                                   1)
                             : xstrdup("");
            if (!name || !value || !utf8_valid((unsigned char *)name) ||
                !utf8_valid((unsigned char *)value)) {
                free(name);
                free(value);
                return err_set(e, ERR_INPUT, "query",
                               "a malformed escape or text that is not "
                               "UTF-8");
            }
            http_pairs_add(out, name, value);
            free(name);
            free(value);
        }
        i = end + 1;
    }
    return 0;
}

void http_request_init(struct http_request *r)
{
    memset(r, 0, sizeof(*r));
    r->target = xstrdup("/");
    r->path = xstrdup("/");
    r->query = xstrdup("");
    buf_init(&r->body, HTTP_BODY_CAP);
    snprintf(r->method, sizeof(r->method), "GET");
    snprintf(r->client, sizeof(r->client), "local");
}

void http_request_release(struct http_request *r)
{
    free(r->target);
    free(r->path);
    free(r->query);
    http_pairs_release(&r->headers);
    buf_release(&r->body);
    memset(r, 0, sizeof(*r));
}

/* An HTTP token character (RFC 9110 tchar). */
static int is_tchar(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

int http_request_set_method(struct http_request *r, const char *method,
                            struct err *e)
{
    size_t n = strlen(method);
    if (n == 0 || n >= sizeof(r->method))
        return err_set(e, ERR_INPUT, "method", "missing or too long");
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)method[i]))
            return err_set(e, ERR_INPUT, "method", "not an HTTP token");
    memcpy(r->method, method, n + 1);
    return 0;
}

int http_request_set_target(struct http_request *r, const char *target,
                            struct err *e)
{
    if (target[0] != '/')
        return err_set(e, ERR_INPUT, "target",
                       "the request target must start with '/'");
    for (const unsigned char *p = (const unsigned char *)target; *p; p++)
        if (*p <= 0x20 || *p == 0x7F)
            return err_set(e, ERR_INPUT, "target",
                           "a control character or space in the target");
    const char *q = strchr(target, '?');
    size_t path_len = q ? (size_t)(q - target) : strlen(target);
    char *path = http_percent_decode(target, path_len, 0);
    if (!path || !utf8_valid((unsigned char *)path)) {
        free(path);
        return err_set(e, ERR_INPUT, "target",
                       "a malformed escape in the path");
    }
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p < 0x20 || *p == 0x7F) {
            free(path);
            return err_set(e, ERR_INPUT, "target",
                           "a control character in the path");
        }
    free(r->target);
    free(r->path);
    free(r->query);
    r->target = xstrdup(target);
    r->path = path;
    r->query = xstrdup(q ? q + 1 : "");
    r->body.cap = http_body_cap(path);
    return 0;
}

size_t http_body_cap(const char *path)
{
    return strcmp(path, HTTP_PUSH_PATH) ? HTTP_BODY_CAP : HTTP_PUSH_BODY_CAP;
}

const char *http_request_header(const struct http_request *r,
                                const char *name)
{
    return http_pairs_get(&r->headers, name, 1);
}

void http_request_add_body(struct http_request *r, const void *data,
                           size_t len)
{
    if (r->body_too_large)
        return;
    if (buf_add(&r->body, data, len) < 0) {
        r->body_too_large = 1;
        buf_release(&r->body);
    }
}

int http_request_cookie(const struct http_request *r, const char *name,
                        char *out, size_t n)
{
    size_t name_len = strlen(name);
    for (size_t i = 0; i < r->headers.count; i++) {
        if (strcasecmp(r->headers.items[i].name, "Cookie"))
            continue;
        const char *p = r->headers.items[i].value;
        while (*p) {
            while (*p == ' ' || *p == '\t' || *p == ';')
                p++;
            const char *end = strchr(p, ';');
            if (!end)
                end = p + strlen(p);
            const char *eq = memchr(p, '=', (size_t)(end - p));
            if (eq && (size_t)(eq - p) == name_len &&
                !strncmp(p, name, name_len)) {
                const char *v = eq + 1;
                size_t vlen = (size_t)(end - v);
                while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                    vlen--;
                if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"')
                    v++, vlen -= 2;
                if (vlen + 1 > n)
                    return -1;
                memcpy(out, v, vlen);
                out[vlen] = '\0';
                return 0;
            }
            p = end;
        }
    }
    return -1;
}

void http_request_media_type(const struct http_request *r, char *out,
                             size_t n)
{
    const char *ct = http_request_header(r, "Content-Type");
    size_t o = 0;
    if (ct) {
        while (*ct == ' ' || *ct == '\t')
            ct++;
        for (; *ct && *ct != ';' && *ct != ' ' && o + 1 < n; ct++)
            out[o++] = (char)tolower((unsigned char)*ct);
    }
    out[o] = '\0';
}

/* The next line of raw (CRLF or LF) from *pos, copied into *line (the
 * caller frees). 0 when there is one, -1 at the end of input, -2 when the
 * line holds a NUL byte. */
static int next_line(const char *raw, size_t len, size_t *pos, char **line)
{
    *line = NULL;
    if (*pos >= len)
        return -1;
    const char *start = raw + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    if (!nl)
        return -1;
    size_t n = (size_t)(nl - start);
    *pos += n + 1;
    if (n && start[n - 1] == '\r')
        n--;
    if (memchr(start, '\0', n))
        return -2;
    *line = xstrndup(start, n);
    return 0;
}

int http_request_parse(struct http_request *r, const char *raw, size_t len,
                       struct err *e)
{
    size_t pos = 0;
    char *line;
    int rc = next_line(raw, len, &pos, &line);
    if (rc == -2)
        return err_set(e, ERR_INPUT, "request", "a NUL byte in the head"),
               400;
    if (rc < 0)
        return err_set(e, ERR_INPUT, "request", "no request line"), 400;
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || strchr(sp2 + 1, ' ')) {
        free(line);
        return err_set(e, ERR_INPUT, "request",
                       "the request line is not 'METHOD TARGET VERSION'"),
               400;
    }
    *sp1 = *sp2 = '\0';
    const char *version = sp2 + 1;
    if (strcmp(version, "HTTP/1.1") && strcmp(version, "HTTP/1.0")) {
        free(line);
        return err_set(e, ERR_INPUT, "request",
                       "the version must be HTTP/1.1 or HTTP/1.0"),
               400;
    }
    if (http_request_set_method(r, line, e) < 0 ||
        http_request_set_target(r, sp1 + 1, e) < 0) {
        free(line);
        return 400;
    }
    free(line);
    size_t headers = 0;
    for (;;) {
        if (pos > HTTP_HEADER_CAP)
            return err_set(e, ERR_INPUT, "headers", "larger than %d bytes",
                           HTTP_HEADER_CAP),
                   431;
        rc = next_line(raw, len, &pos, &line);
        if (rc == -2)
            return err_set(e, ERR_INPUT, "headers", "a NUL byte in the head"),
                   400;
        if (rc < 0)
            return err_set(e, ERR_INPUT, "headers",
                           "the head does not end with an empty line"),
                   400;
        if (!*line) {
            free(line);
            break;
        }
        char *colon = strchr(line, ':');
        if (!colon || colon == line || ++headers > HTTP_MAX_HEADERS) {
            int too_many = headers > HTTP_MAX_HEADERS;
            free(line);
            if (too_many)
                return err_set(e, ERR_INPUT, "headers",
                               "more than %d header lines", HTTP_MAX_HEADERS),
                       431;
            return err_set(e, ERR_INPUT, "headers",
                           "a header line without a name and ':'"),
                   400;
        }
        *colon = '\0';
        for (char *p = line; *p; p++)
            if (!is_tchar((unsigned char)*p)) {
                free(line);
                return err_set(e, ERR_INPUT, "headers",
                               "a header name that is not a token"),
                       400;
            }
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vlen = strlen(v);
        while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
            v[--vlen] = '\0';
        for (char *p = v; *p; p++)
            if ((unsigned char)*p < 0x20 && *p != '\t') {
                free(line);
                return err_set(e, ERR_INPUT, "headers",
                               "a control character in a header value"),
                       400;
            }
        http_pairs_add(&r->headers, line, v);
        free(line);
    }
    if (http_request_header(r, "Transfer-Encoding"))
        return err_set(e, ERR_INPUT, "Transfer-Encoding",
                       "not supported; send Content-Length"),
               501;
    const char *cl = http_request_header(r, "Content-Length");
    size_t rest = len - pos;
    if (!cl) {
        if (rest)
            return err_set(e, ERR_INPUT, "Content-Length",
                           "a body needs Content-Length"),
                   411;
        return 0;
    }
    int many = 0;
    for (size_t i = 0; i < r->headers.count; i++)
        many += !strcasecmp(r->headers.items[i].name, "Content-Length");
    if (many > 1)
        return err_set(e, ERR_INPUT, "Content-Length", "given twice"), 400;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    if (!isdigit((unsigned char)*cl) || *end || errno)
        return err_set(e, ERR_INPUT, "Content-Length",
                       "'%.32s' is not a byte count", cl),
               400;
    if (n > r->body.cap) {
        r->body_too_large = 1;
        return 0;
    }
    if (n > rest)
        return err_set(e, ERR_INPUT, "Content-Length",
                       "the body has %zu bytes, not %llu", rest, n),
               400;
    http_request_add_body(r, raw + pos, (size_t)n);
    return 0;
}

void http_response_init(struct http_response *r)
{
    memset(r, 0, sizeof(*r));
    r->status = 200;
    buf_init(&r->body, 0);
}

void http_response_release(struct http_response *r)
{
    http_pairs_release(&r->headers);
    buf_release(&r->body);
}

void http_response_reset(struct http_response *r)
{
    http_pairs_release(&r->headers);
    buf_reset(&r->body);
    r->status = 200;
}

void http_response_set_header(struct http_response *r, const char *name,
                              const char *value)
{
    for (size_t i = 0; i < r->headers.count; i++)
        if (!strcasecmp(r->headers.items[i].name, name)) {
            free(r->headers.items[i].value);
            r->headers.items[i].value = xstrdup(value);
            return;
        }
    http_pairs_add(&r->headers, name, value);
}

void http_response_add_header(struct http_response *r, const char *name,
                              const char *value)
{
    http_pairs_add(&r->headers, name, value);
}

const char *http_response_header(const struct http_response *r,
                                 const char *name)
{
    return http_pairs_get(&r->headers, name, 1);
}

const char *http_status_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    }
    return "Unknown";
}

void http_response_serialize(const struct http_response *r, int head_only,
                             struct buf *out)
{
    buf_printf(out, "HTTP/1.1 %d %s\r\n", r->status,
               http_status_reason(r->status));
    for (size_t i = 0; i < r->headers.count; i++)
        buf_printf(out, "%s: %s\r\n", r->headers.items[i].name,
                   r->headers.items[i].value);
    buf_printf(out, "Content-Length: %zu\r\n\r\n", r->body.len);
    if (!head_only)
        buf_add(out, r->body.data, r->body.len);
}
