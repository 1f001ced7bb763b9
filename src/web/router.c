#include "web/router.h"
#include "core/number.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_id_name(const char *name, size_t len)
{
    return (len == 2 && !strncmp(name, "id", 2)) ||
           (len > 3 && !strncmp(name + len - 3, "_id", 3));
}

/* Checks one path segment against a parameter; fills p when it fits. An
 * id is 1 to 15 digits without a leading zero (so it fits an int64_t). */
static int match_param(const char *name, size_t name_len, const char *seg,
                       size_t seg_len, struct route_param *p)
{
    if (seg_len == 0 || seg_len >= ROUTE_PARAM_MAX ||
        name_len >= sizeof(p->name))
        return 0;
    long long id = 0;
    if (is_id_name(name, name_len)) {
        char digits[16];
        if (seg_len >= sizeof(digits) || seg[0] == '0')
            return 0;
        memcpy(digits, seg, seg_len);
        digits[seg_len] = '\0';
        if (parse_integer(digits, 1, 999999999999999LL, &id) < 0)
            return 0;
    } else {
        for (size_t i = 0; i < seg_len; i++) {
            char c = seg[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-'))
                return 0;
        }
    }
    memcpy(p->name, name, name_len);
    p->name[name_len] = '\0';
    memcpy(p->value, seg, seg_len);
    p->value[seg_len] = '\0';
    p->id = id;
    return 1;
}

/* 1 when path fits pattern; parameters go to m. */
static int match_pattern(const char *pattern, const char *path,
                         struct route_match *m)
{
    m->param_count = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return 0;
        p++, s++;
        const char *pend = strchr(p, '/');
        const char *send = strchr(s, '/');
        size_t plen = pend ? (size_t)(pend - p) : strlen(p);
        size_t slen = send ? (size_t)(send - s) : strlen(s);
        if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
            if (m->param_count >= ROUTE_MAX_PARAMS)
                return 0;
            if (!match_param(p + 1, plen - 2, s, slen,
                             &m->params[m->param_count]))
                return 0;
            m->param_count++;
        } else if (plen != slen || strncmp(p, s, plen)) {
            return 0;
        }
        p += plen;
        s += slen;
    }
    return !*p && !*s;
}

static void allow_add(struct route_match *m, const char *method)
{
    char token[24];
    snprintf(token, sizeof(token), "%s", method);
    /* Already listed? Compare whole tokens. */
    for (const char *a = m->allow; *a;) {
        size_t n = strcspn(a, ",");
        if (n == strlen(token) && !strncmp(a, token, n))
            return;
        a += n;
        while (*a == ',' || *a == ' ')
            a++;
    }
    size_t used = strlen(m->allow);
    snprintf(m->allow + used, sizeof(m->allow) - used, "%s%s",
             used ? ", " : "", token);
}

enum route_result router_match(const struct route *routes, size_t n,
                               const char *method, const char *path,
                               struct route_match *m)
{
    memset(m, 0, sizeof(*m));
    int path_found = 0;
    struct route_match probe;
    for (size_t i = 0; i < n; i++) {
        memset(&probe, 0, sizeof(probe));
        if (!match_pattern(routes[i].pattern, path, &probe))
            continue;
        path_found = 1;
        int same = !strcmp(routes[i].method, method) ||
                   (!strcmp(method, "HEAD") &&
                    !strcmp(routes[i].method, "GET"));
        if (same) {
            probe.route = &routes[i];
            memcpy(probe.allow, "", 1);
            *m = probe;
            return ROUTE_FOUND;
        }
        allow_add(m, routes[i].method);
        if (!strcmp(routes[i].method, "GET"))
            allow_add(m, "HEAD");
    }
    return path_found ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}

const char *route_param(const struct route_match *m, const char *name)
{
    for (int i = 0; i < m->param_count; i++)
        if (!strcmp(m->params[i].name, name))
            return m->params[i].value;
    return NULL;
}

int64_t route_param_id(const struct route_match *m, const char *name)
{
    for (int i = 0; i < m->param_count; i++)
        if (!strcmp(m->params[i].name, name))
            return m->params[i].id;
    return 0;
}
