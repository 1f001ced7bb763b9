/* The one escaping module (html_escape.h). */
#include "documents/html_escape.h"
#include "core/util.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_escape_text(struct buf *b, const char *text)
{
    if (!text)
        return;
    const char *start = text;
    for (const char *p = text; *p; p++) {
        const char *entity = NULL;
        switch (*p) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&#39;"; break;
        }
        if (entity) {
            buf_add(b, start, (size_t)(p - start));
            buf_puts(b, entity);
            start = p + 1;
        }
    }
    buf_puts(b, start);
}

void html_escape_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("out of memory formatting text");
    html_escape_text(b, text);
    free(text);
}

void html_escape_url(struct buf *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)text; p && *p;
         p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
            *p == '_' || *p == '~') {
            buf_putc(b, (char)*p);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_add(b, enc, 3);
        }
    }
}

void html_escape_vformat(struct buf *b, const char *fmt, va_list ap)
{
    const char *p = fmt;
    while (*p) {
        const char *pct = strchr(p, '%');
        if (!pct) {
            buf_puts(b, p);
            return;
        }
        buf_add(b, p, (size_t)(pct - p));
        /* One conversion: copy its spec to format it alone. */
        const char *q = pct + 1;
        if (*q == '%') {
            buf_putc(b, '%');
            p = q + 1;
            continue;
        }
        while (*q && strchr("-+ #0", *q))
            q++;
        while (*q >= '0' && *q <= '9')
            q++;
        if (*q == '.') {
            q++;
            while (*q >= '0' && *q <= '9')
                q++;
        }
        enum { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_J, L_T } len = L_NONE;
        if (q[0] == 'h' && q[1] == 'h')
            len = L_HH, q += 2;
        else if (q[0] == 'h')
            len = L_H, q++;
        else if (q[0] == 'l' && q[1] == 'l')
            len = L_LL, q += 2;
        else if (q[0] == 'l')
            len = L_L, q++;
        else if (q[0] == 'z')
            len = L_Z, q++;
        else if (q[0] == 'j')
            len = L_J, q++;
        else if (q[0] == 't')
            len = L_T, q++;
        char conv = *q;
        if (!conv || !strchr("diuxXoceEfFgGs", conv))
            BUG("html_escape_vformat: unsupported conversion in '%s'", fmt);
        size_t spec_len = (size_t)(q - pct) + 1;
        char spec[32];
        if (spec_len >= sizeof(spec))
            BUG("html_escape_vformat: conversion too long in '%s'", fmt);
        memcpy(spec, pct, spec_len);
        spec[spec_len] = '\0';
        p = q + 1;
        if (conv == 's') {
            if (len != L_NONE)
                BUG("html_escape_vformat: wide strings are not supported");
            const char *arg = va_arg(ap, const char *);
            /* Apply precision and width to the raw text, then escape. */
            char *plain = xasprintf(spec, arg ? arg : "");
            html_escape_text(b, plain);
            free(plain);
            continue;
        }
        if (strchr("eEfFgG", conv)) {
            if (len != L_NONE && len != L_L)
                BUG("html_escape_vformat: bad length for '%c'", conv);
            buf_printf(b, spec, va_arg(ap, double));
            continue;
        }
        if (conv == 'c') {
            char text[2] = {(char)va_arg(ap, int), '\0'};
            html_escape_text(b, text);
            continue;
        }
        int is_signed = conv == 'd' || conv == 'i';
/* The next argument as type for a signed conversion, else as utype. */
#define PRINT_NEXT(type, utype)                                             \
    (is_signed ? buf_printf(b, spec, va_arg(ap, type))                      \
               : buf_printf(b, spec, va_arg(ap, utype)))
        switch (len) {
        case L_NONE:
        case L_HH:
        case L_H:
            PRINT_NEXT(int, unsigned);
            break;
        case L_L:
            PRINT_NEXT(long, unsigned long);
            break;
        case L_LL:
            PRINT_NEXT(long long, unsigned long long);
            break;
        case L_Z:
            buf_printf(b, spec, va_arg(ap, size_t));
            break;
        case L_J:
            PRINT_NEXT(intmax_t, uintmax_t);
            break;
        case L_T:
            buf_printf(b, spec, va_arg(ap, ptrdiff_t));
            break;
        }
#undef PRINT_NEXT
    }
}
