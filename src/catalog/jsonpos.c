/* jsonpos: a small scanner over valid JSON text. See jsonpos.h. */
#include "catalog/jsonpos.h"

#include <stdlib.h>
#include <string.h>

struct scan {
    const char *s;
    size_t len, pos;
};

static int peek(const struct scan *sc)
{
    return sc->pos < sc->len ? (unsigned char)sc->s[sc->pos] : -1;
}

/* Moves past the character c at pos; -1 when another stands there. */
static int take(struct scan *sc, int c)
{
    if (peek(sc) != c)
        return -1;
    sc->pos++;
    return 0;
}

static void skip_space(struct scan *sc)
{
    while (sc->pos < sc->len && strchr(" \t\r\n", sc->s[sc->pos]))
        sc->pos++;
}

/* At a '"': moves past the closing quote; sets [*start, *end) to the raw
 * text between the quotes. */
static int skip_string(struct scan *sc, size_t *start, size_t *end)
{
    if (take(sc, '"') < 0)
        return -1;
    if (start)
        *start = sc->pos;
    while (sc->pos < sc->len && sc->s[sc->pos] != '"') {
        if (sc->s[sc->pos] == '\\')
            sc->pos++;
        sc->pos++;
    }
    if (sc->pos >= sc->len)
        return -1;
    if (end)
        *end = sc->pos;
    sc->pos++;
    return 0;
}

/* At the first character of a value: moves past it. */
static int skip_value(struct scan *sc)
{
    int c = peek(sc);
    if (c == '"')
        return skip_string(sc, NULL, NULL);
    if (c == '{' || c == '[') {
        int depth = 0;
        while (sc->pos < sc->len) {
            c = peek(sc);
            if (c == '"') {
                if (skip_string(sc, NULL, NULL) < 0)
                    return -1;
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']')
                depth--;
            sc->pos++;
            if (depth == 0)
                return 0;
        }
        return -1;
    }
    /* A number or a literal: up to the next delimiter. */
    while (sc->pos < sc->len && !strchr(",]} \t\r\n", sc->s[sc->pos]))
        sc->pos++;
    return 0;
}

/* Moves into the member named key (length klen) of the object at pos. */
static int enter_key(struct scan *sc, const char *key, size_t klen)
{
    if (take(sc, '{') < 0)
        return -1;
    for (;;) {
        skip_space(sc);
        size_t a, b;
        if (skip_string(sc, &a, &b) < 0)
            return -1;
        skip_space(sc);
        if (take(sc, ':') < 0)
            return -1;
        skip_space(sc);
        if (b - a == klen && !memcmp(sc->s + a, key, klen))
            return 0;
        if (skip_value(sc) < 0)
            return -1;
        skip_space(sc);
        if (take(sc, ',') < 0)
            return -1;
    }
}

/* Moves into element index of the array at pos. */
static int enter_index(struct scan *sc, long index)
{
    if (take(sc, '[') < 0)
        return -1;
    skip_space(sc);
    if (peek(sc) == ']')
        return -1;
    for (long i = 0; i < index; i++) {
        if (skip_value(sc) < 0)
            return -1;
        skip_space(sc);
        if (take(sc, ',') < 0)
            return -1;
        skip_space(sc);
    }
    return 0;
}

int jsonpos_locate(const char *text, size_t len, const char *path, int *line,
                   int *column)
{
    struct scan sc = {text, len, 0};
    skip_space(&sc);
    size_t found = sc.pos;
    int matched = 0;
    const char *p = path ? path : "";
    while (*p) {
        int ok;
        if (*p == '[') {
            char *end;
            long index = strtol(p + 1, &end, 10);
            if (*end != ']' || index < 0)
                break;
            ok = enter_index(&sc, index) == 0;
            p = end + 1;
        } else {
            if (*p == '.')
                p++;
            size_t klen = strcspn(p, ".[");
            ok = enter_key(&sc, p, klen) == 0;
            p += klen;
        }
        if (!ok)
            break;
        found = sc.pos;
        matched++;
    }
    int l = 1, c = 1;
    for (size_t i = 0; i < found && i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
    return matched;
}
