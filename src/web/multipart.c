/* multipart/form-data (RFC 7578), just enough for one form of a public
 * page (a certificate uploaded or pasted; web/multipart.h). */
#include "web/multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The boundary parameter of a Content-Type, into out (size n): -1 when
 * missing or malformed (RFC 2046: 1-70 characters). */
static int multipart_boundary(const char *type, char *out, size_t n)
{
    const char *p = type;
    while ((p = strcasestr(p, "boundary=")) &&
           !(p == type || p[-1] == ';' || p[-1] == ' '))
        p++;
    if (!p)
        return -1;
    p += strlen("boundary=");
    size_t len = 0;
    if (*p == '"') {
        p++;
        while (p[len] && p[len] != '"')
            len++;
    } else {
        while (p[len] && p[len] != ';' && p[len] != ' ')
            len++;
    }
    if (len < 1 || len > 70 || len >= n)
        return -1;
    memcpy(out, p, len);
    out[len] = '\0';
    return 0;
}

/* A parameter (name="value") of a Content-Disposition header line. */
static int disposition_param(const char *line, size_t line_len, const char *key,
                             char *out, size_t n)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i + klen + 2 <= line_len; i++) {
        if ((i == 0 || line[i - 1] == ' ' || line[i - 1] == ';') &&
            !strncasecmp(line + i, key, klen) && line[i + klen] == '=' &&
            line[i + klen + 1] == '"') {
            size_t start = i + klen + 2, end = start;
            while (end < line_len && line[end] != '"')
                end++;
            if (end >= line_len)
                return -1;
            snprintf(out, n, "%.*s", (int)(end - start), line + start);
            return 0;
        }
    }
    return -1;
}

int multipart_parse(const char *body, size_t len, const char *type,
                    struct multipart_part *parts, int *count, struct err *e)
{
    char boundary[80], delim[84];
    *count = 0;
    if (multipart_boundary(type, boundary, sizeof(boundary)) < 0)
        return err_set(e, ERR_INPUT, "Content-Type",
                       "multipart/form-data needs a boundary");
    int dlen = snprintf(delim, sizeof(delim), "--%s", boundary);
    const char *end = body + len;
    const char *p = memmem(body, len, delim, (size_t)dlen);
    if (!p)
        return err_set(e, ERR_INPUT, "file", "the form data is malformed");
    for (;;) {
        p += dlen;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0; /* the closing delimiter */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            break;
        p += 2;
        const char *head_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!head_end)
            break;
        if (*count == MULTIPART_MAX_PARTS)
            return err_set(e, ERR_INPUT, "file", "too many form fields");
        struct multipart_part *part = &parts[*count];
        memset(part, 0, sizeof(*part));
        int named = 0;
        for (const char *line = p; line < head_end;) {
            const char *eol =
                memmem(line, (size_t)(head_end - line) + 2, "\r\n", 2);
            size_t n = (size_t)(eol - line);
            if (n > 20 && !strncasecmp(line, "Content-Disposition:", 20)) {
                char filename[256];
                named = disposition_param(line, n, "name", part->name,
                                          sizeof(part->name)) == 0;
                part->is_file = disposition_param(line, n, "filename", filename,
                                                  sizeof(filename)) == 0;
            }
            line = eol + 2;
        }
        if (!named)
            break;
        const char *data = head_end + 4;
        /* The data ends at CRLF followed by the delimiter. */
        const char *next = data;
        for (;;) {
            next = memmem(next, (size_t)(end - next), delim, (size_t)dlen);
            if (!next)
                return err_set(e, ERR_INPUT, "file",
                               "the form data is malformed");
            if (next - data >= 2 && next[-2] == '\r' && next[-1] == '\n')
                break;
            next++;
        }
        part->data = data;
        part->len = (size_t)(next - 2 - data);
        (*count)++;
        p = next;
    }
    return err_set(e, ERR_INPUT, "file", "the form data is malformed");
}
