/* What every page shares: the chrome and navigation by role, form fields
 * with their errors, notices after a redirect, small formatters (cgit's
 * ui-shared.c). */
#include "core/clock.h"
#include "core/number.h"
#include "catalog/catalog.h"
#include "core/util.h"
#include "record/access.h"
#include "record/episode.h"
#include "record/patient.h"
#include "record/scope.h"
#include "web/pages.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One entry of the navigation: who sees it, where it goes. */
struct nav_item {
    enum page_section section;
    const char *href;
    const char *label;
    unsigned roles; /* bits of 1 << enum role */
};

#define FOR_ADMIN (1u << ROLE_ADMIN)
#define FOR_THERAPIST (1u << ROLE_THERAPIST)
#define FOR_RESEARCHER (1u << ROLE_RESEARCHER)
#define FOR_ALL (FOR_ADMIN | FOR_THERAPIST | FOR_RESEARCHER)

static const struct nav_item nav_items[] = {
    {SECTION_HOME, "/", "Home", FOR_ALL},
    {SECTION_PATIENTS, "/patients", "Patients", FOR_ADMIN | FOR_THERAPIST},
    {SECTION_FOLLOWUPS, "/followups", "Follow-ups due",
     FOR_ADMIN | FOR_THERAPIST},
    {SECTION_OUTCOMES, "/outcomes", "Outcomes", FOR_ALL},
    {SECTION_CERTIFICATES, "/certificates", "Certificates",
     FOR_ADMIN | FOR_THERAPIST},
    {SECTION_PROTOCOLS, "/protocols", "Protocols", FOR_ALL},
    {SECTION_ADMIN, "/admin", "Admin", FOR_ADMIN},
    {SECTION_VERIFY, "/verify", "Verify a certificate", FOR_ALL},
};

static void nav(struct web_ctx *w, enum page_section current)
{
    struct buf *b = &w->resp->body;
    html_raw(b, "<nav class=\"site\" aria-label=\"Main\"><ul>\n");
    for (size_t i = 0; i < ARRAY_SIZE(nav_items); i++) {
        const struct nav_item *n = &nav_items[i];
        if (w->logged_in ? !(n->roles & (1u << w->session.user.role))
                         : n->section != SECTION_VERIFY)
            continue;
        html_printf(b, "<li><a href=\"%s\"", n->href);
        if (n->section == current)
            html_raw(b, " aria-current=\"page\"");
        html_printf(b, ">%s</a></li>\n", n->label);
    }
    html_raw(b, "</ul></nav>\n");
}

void page_open(struct web_ctx *w, const char *title, enum page_section section,
               unsigned flags)
{
    struct buf *b = &w->resp->body;
    http_response_set_header(w->resp, "Content-Type",
                             "text/html; charset=utf-8");
    html_raw(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                "<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, "
                "initial-scale=1\">\n");
    html_printf(b, "<title>%s &middot; Touchstone</title>\n", title);
    html_raw(b, "<link rel=\"stylesheet\" href=\"/assets/style.css\">\n"
                "<link rel=\"icon\" href=\"/assets/favicon.svg\" "
                "type=\"image/svg+xml\">\n");
    if (flags & PAGE_SCRIPT)
        html_raw(b, "<script src=\"/assets/app.js\" defer></script>\n");
    html_raw(b, "</head>\n<body");
    if (flags & PAGE_WIDE)
        html_raw(b, " class=\"wide\"");
    html_raw(b, ">\n<a class=\"skip\" href=\"#main\">Skip to the "
                "content</a>\n<header class=\"site\">\n"
                "<a class=\"brand\" href=\"/\">Touchstone</a>\n");
    if (w->logged_in) {
        html_printf(b, "<span class=\"who\">%s (%s)</span>\n",
                    w->session.user.email, role_name(w->session.user.role));
        html_raw(b, "<form class=\"logout\" method=\"post\" "
                    "action=\"/logout\">");
        form_csrf(w);
        html_raw(b, "<button type=\"submit\">Log out</button></form>\n");
    }
    html_raw(b, "</header>\n");
    if (w->logged_in || section == SECTION_VERIFY)
        nav(w, section);
    html_raw(b, "<main id=\"main\">\n");
}

const struct catalog *page_catalog(const struct web_ctx *w)
{
    return scope_catalog(w->config->catalog);
}

int64_t page_id(const struct web_ctx *w)
{
    return route_param_id(&w->match, "id");
}

const char *page_query(const struct web_ctx *w, const char *name)
{
    return http_pairs_get(&w->query, name, 0);
}

const char *page_form(const struct web_ctx *w, const char *name)
{
    return http_pairs_get(&w->form, name, 0);
}

const char *page_form_given(struct web_ctx *w, const char *name)
{
    for (size_t i = 0; i < w->form.count; i++) {
        struct http_pair *p = &w->form.items[i];
        if (strcmp(p->name, name))
            continue;
        char *v = p->value;
        size_t n = strlen(v);
        while (n && isspace((unsigned char)v[n - 1]))
            v[--n] = '\0';
        size_t lead = 0;
        while (isspace((unsigned char)v[lead]))
            lead++;
        memmove(v, v + lead, n - lead + 1);
        return *v ? v : NULL;
    }
    return NULL;
}

int page_form_long(struct web_ctx *w, const char *field, long min, long max,
                   long fallback, long *out)
{
    const char *v = page_form_given(w, field);
    *out = fallback;
    if (!v)
        return 0;
    long long n;
    if (parse_integer(v, min, max, &n) < 0) {
        err_set(&w->err, ERR_INPUT, field,
                "'%.32s' is not a whole number from %ld to %ld", v, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

int page_require_admin(struct web_ctx *w, const char *action)
{
    if (access_manage(&w->actor, action, &w->err) < 0)
        return web_fail(w);
    return 0;
}

int page_require_clinical(struct web_ctx *w)
{
    if (w->session.user.role == ROLE_RESEARCHER)
        return web_error(w, 403, "forbidden", "",
                         "a researcher sees de-identified aggregates only, "
                         "never a patient's record");
    return 0;
}

/* Defines page_load_KIND: the clinical check, then KIND_show. */
#define PAGE_LOAD(kind)                                                       \
    int page_load_##kind(struct web_ctx *w, struct kind##_detail *d)          \
    {                                                                         \
        if (page_require_clinical(w) < 0)                                     \
            return -1;                                                        \
        if (kind##_show(w->store, &w->actor, page_id(w), d, &w->err) < 0)     \
            return web_fail(w);                                               \
        return 0;                                                             \
    }
PAGE_LOAD(patient)
PAGE_LOAD(episode)

void page_restart(struct web_ctx *w, int status, const char *title,
                  enum page_section section, int flags)
{
    buf_reset(&w->resp->body);
    w->resp->status = status;
    page_open(w, title, section, flags);
}

int page_redirect(struct web_ctx *w, const char *fmt, ...)
{
    char location[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(location, sizeof(location), fmt, ap);
    va_end(ap);
    return web_redirect(w, location);
}

void page_notice(struct web_ctx *w, const char *const (*codes)[2])
{
    const char *done = page_query(w, "done");
    if (!done)
        return;
    for (; codes[0][0]; codes++)
        if (!strcmp(codes[0][0], done)) {
            html_printf(&w->resp->body,
                        "<p class=\"notice\" role=\"status\">%s</p>\n",
                        codes[0][1]);
            return;
        }
}

struct form_view page_form_view(struct web_ctx *w, int with_error)
{
    struct form_view f = {&w->form, NULL, NULL};
    if (with_error && w->err.code != ERR_NONE)
        f.err = &w->err;
    return f;
}

const char *form_value(const struct form_view *f, const char *name,
                       const char *fallback)
{
    const char *v = f && f->values && f->values->count
                        ? http_pairs_get(f->values, name, 0)
                        : NULL;
    return v ? v : fallback;
}

static int names_field(const struct form_view *f, const char *name)
{
    return f && f->err && f->err->field[0] && !strcmp(f->err->field, name);
}

/* The error's message with its first letter capitalised and a full stop. */
static void error_sentence(struct buf *b, const char *message)
{
    char first[2] = {message[0], '\0'};
    if (first[0] >= 'a' && first[0] <= 'z')
        first[0] = (char)(first[0] - 'a' + 'A');
    html_text(b, first);
    if (message[0])
        html_text(b, message + 1);
    size_t n = strlen(message);
    if (n && message[n - 1] != '.')
        html_raw(b, ".");
}

void form_errors(struct buf *b, const struct form_view *f)
{
    if (!f || !f->err)
        return;
    html_printf(b,
                "<div class=\"error-summary\" role=\"alert\">\n"
                "<p><strong>%s</strong> ",
                f->lead ? f->lead : "This was not saved.");
    if (f->err->field[0]) {
        html_printf(b, "<a href=\"#f-%s\">", f->err->field);
        error_sentence(b, f->err->message);
        html_raw(b, "</a>");
    } else {
        error_sentence(b, f->err->message);
    }
    html_raw(b, "</p>\n</div>\n");
}

void form_csrf_token(struct buf *b, const char *token)
{
    html_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n",
                token);
}

void form_csrf(struct web_ctx *w)
{
    form_csrf_token(&w->resp->body, w->session.csrf_token);
}

int form_field_error(struct buf *b, const struct form_view *f, const char *name)
{
    if (!names_field(f, name))
        return 0;
    html_printf(b, "<span class=\"field-error\" id=\"e-%s\">", name);
    error_sentence(b, f->err->message);
    html_raw(b, "</span>\n");
    return 1;
}

/* The label, hint and error of a field, then the control's common
 * attributes (name, id, described-by, invalid). */
static void field_head(struct buf *b, const struct form_view *f,
                       const char *name, const char *label,
                       const struct field_opts *o)
{
    int bad = names_field(f, name);
    html_printf(b, "<div class=\"field%s\">\n", bad ? " invalid" : "");
    html_printf(b, "<label for=\"f-%s\">%s</label>\n", name, label);
    if (o && o->hint)
        html_printf(b, "<span class=\"hint\" id=\"h-%s\">%s</span>\n", name,
                    o->hint);
    form_field_error(b, f, name);
}

static void control_attrs(struct buf *b, const struct form_view *f,
                          const char *name, const struct field_opts *o)
{
    int bad = names_field(f, name);
    html_printf(b, " name=\"%s\" id=\"f-%s\"", name, name);
    if (bad || (o && o->hint)) {
        html_raw(b, " aria-describedby=\"");
        if (bad)
            html_printf(b, "e-%s", name);
        if (o && o->hint)
            html_printf(b, "%sh-%s", bad ? " " : "", name);
        html_raw(b, "\"");
    }
    if (bad)
        html_raw(b, " aria-invalid=\"true\" autofocus");
    if (o && o->attrs)
        html_raw(b, o->attrs);
}

void form_input(struct buf *b, const struct form_view *f, const char *name,
                const char *label, const struct field_opts *o)
{
    field_head(b, f, name, label, o);
    html_printf(b, "<input type=\"%s\"", o && o->type ? o->type : "text");
    control_attrs(b, f, name, o);
    const char *v = form_value(f, name, o ? o->fallback : NULL);
    if (v)
        html_printf(b, " value=\"%s\"", v);
    html_raw(b, ">\n</div>\n");
}

void form_textarea(struct buf *b, const struct form_view *f, const char *name,
                   const char *label, const struct field_opts *o)
{
    field_head(b, f, name, label, o);
    html_printf(b, "<textarea rows=\"%d\"", o && o->rows ? o->rows : 4);
    control_attrs(b, f, name, o);
    html_raw(b, ">");
    /* A newline right after the start tag would be dropped: keep one. */
    const char *v = form_value(f, name, o ? o->fallback : NULL);
    if (v && v[0] == '\n')
        html_raw(b, "\n");
    html_text(b, v);
    html_raw(b, "</textarea>\n</div>\n");
}

void form_select(struct buf *b, const struct form_view *f, const char *name,
                 const char *label, const char *const (*options)[2], size_t n,
                 const struct field_opts *o)
{
    field_head(b, f, name, label, o);
    html_raw(b, "<select");
    control_attrs(b, f, name, o);
    html_raw(b, ">\n");
    const char *v = form_value(f, name, o ? o->fallback : NULL);
    for (size_t i = 0; i < n; i++) {
        html_printf(b, "<option value=\"%s\"", options[i][0]);
        if (v && !strcmp(v, options[i][0]))
            html_raw(b, " selected");
        html_printf(b, ">%s</option>\n", options[i][1]);
    }
    html_raw(b, "</select>\n</div>\n");
}

void form_checkbox(struct buf *b, const struct form_view *f, const char *name,
                   const char *label, const struct field_opts *o)
{
    int posted = f && f->values && f->values->count;
    const char *v =
        posted ? http_pairs_get(f->values, name, 0) : (o ? o->fallback : NULL);
    int bad = names_field(f, name);
    html_printf(b, "<div class=\"field check%s\">\n", bad ? " invalid" : "");
    form_field_error(b, f, name);
    html_raw(b, "<input type=\"checkbox\" value=\"1\"");
    control_attrs(b, f, name, o);
    if (v && !strcmp(v, "1"))
        html_raw(b, " checked");
    html_printf(b, ">\n<label for=\"f-%s\">%s</label>\n", name, label);
    if (o && o->hint)
        html_printf(b, "<span class=\"hint\" id=\"h-%s\">%s</span>\n", name,
                    o->hint);
    html_raw(b, "</div>\n");
}

void page_table_open(struct buf *b, const char *class,
                     const char *const *headings)
{
    html_printf(b, "<table class=\"%s\">\n", class);
    page_table_head(b, headings);
}

void page_table_head(struct buf *b, const char *const *headings)
{
    html_raw(b, "<thead><tr>");
    for (const char *const *h = headings; *h; h++) {
        if (**h == '#') {
            html_raw(b, "<th scope=\"col\" class=\"num\">");
            html_raw(b, *h + 1);
        } else {
            html_raw(b, "<th scope=\"col\">");
            html_raw(b, *h);
        }
        html_raw(b, "</th>");
    }
    html_raw(b, "</tr></thead>\n<tbody>\n");
}

void page_table_close(struct buf *b)
{
    html_raw(b, "</tbody>\n</table>\n");
}

void page_instant(struct buf *b, const char *instant)
{
    if (strlen(instant) == 20 && instant[10] == 'T' && instant[19] == 'Z')
        html_printf(b, "%.10s %.5s", instant, instant + 11);
    else
        html_text(b, instant);
}

const struct protocol *page_group_next(const struct catalog *cat,
                                       const struct protocol_group *grp,
                                       const char *q, int *i)
{
    while (++*i < catalog_protocol_count(cat)) {
        const struct protocol *p = catalog_protocol_at(cat, *i);
        if (!strcmp(p->group, grp->id) && catalog_protocol_matches(p, q))
            return p;
    }
    return NULL;
}

void page_no_protocol_matches(struct buf *b, const char *q)
{
    html_printf(b,
                "<p class=\"empty\">No protocol matches "
                "&ldquo;%s&rdquo;.</p>\n",
                q ? q : "");
}

void page_data(struct buf *b, const json_t *v, int decimals,
               enum page_shown how)
{
    if (!json_is_number(v)) {
        html_raw(b, "&ndash;");
        return;
    }
    double x = json_number_value(v);
    html_printf(b, "<data value=\"%.10g\">", x);
    if (how == PAGE_PERCENT) {
        page_number(b, x * 100, decimals);
        html_raw(b, "%");
    } else {
        if (how == PAGE_SIGNED && x > 0)
            html_raw(b, "+");
        page_number(b, x, decimals);
    }
    html_raw(b, "</data>");
}

void page_criteria_table(struct buf *b, const json_t *criteria)
{
    page_table_open(b, "list criteria",
                    (const char *const[]){"Designation", "Criterion",
                                          "#Required", "#Observed", "Met",
                                          NULL});
    size_t k;
    json_t *c;
    json_array_foreach(criteria, k, c)
    {
        const char *designation =
            json_string_value(json_object_get(c, "designation"));
        const char *criterion =
            json_string_value(json_object_get(c, "criterion"));
        const json_t *req = json_object_get(c, "required");
        const json_t *obs = json_object_get(c, "observed");
        html_printf(b, "<tr><td>%s</td><td>%s</td><td class=\"num\">",
                    designation ? designation : "",
                    criterion ? criterion : "");
        page_data(b, req, 3, PAGE_PLAIN);
        html_raw(b, "</td><td class=\"num\">");
        page_data(b, obs, 3, PAGE_PLAIN);
        html_raw(b, json_is_true(json_object_get(c, "met"))
                        ? "</td><td><span class=\"badge yes\">met</span>"
                          "</td></tr>\n"
                        : "</td><td><span class=\"badge no\">not met</span>"
                          "</td></tr>\n");
    }
    page_table_close(b);
}

void page_number(struct buf *b, double v, int decimals)
{
    if (!isfinite(v)) {
        html_raw(b, "&ndash;");
        return;
    }
    char text[64];
    snprintf(text, sizeof(text), "%.*f", decimals, v);
    if (strchr(text, '.')) {
        size_t n = strlen(text);
        while (n && text[n - 1] == '0')
            text[--n] = '\0';
        if (n && text[n - 1] == '.')
            text[--n] = '\0';
    }
    if (!strcmp(text, "-0"))
        strcpy(text, "0");
    /* A real minus sign reads better than a hyphen. */
    if (text[0] == '-') {
        html_raw(b, "&minus;");
        html_text(b, text + 1);
    } else {
        html_text(b, text);
    }
}

int page_age(const char *birth_date)
{
    long days;
    struct err e = ERR_INIT;
    if (clock_parse_date(birth_date, &days, "dob", &e) < 0)
        return -1;
    int by, bm, bd, ty, tm, td;
    clock_civil_from_days(days, &by, &bm, &bd);
    clock_civil_from_days(clock_today(), &ty, &tm, &td);
    int age = ty - by;
    if (tm < bm || (tm == bm && td < bd))
        age--;
    return age;
}
