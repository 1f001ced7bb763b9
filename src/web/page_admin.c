/* Administration (admins only): login accounts, practitioners, and each
 * practitioner's training records against the hours every protocol
 * needs. */
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/number.h"
#include "core/util.h"
#include "outcomes/thresholds.h"
#include "record/access.h"
#include "record/practitioner.h"
#include "record/scope.h"
#include "record/training.h"
#include "record/user.h"
#include "web/handlers.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tabs of the admin section. */
static void admin_tabs(struct buf *b, int current)
{
    static const char *const tabs[][2] = {
        {"/admin", "Users"},
        {"/admin/practitioners", "Practitioners and training"},
        {"/admin/thresholds", "Designation thresholds"},
    };
    html_raw(b, "<nav class=\"tabs\" aria-label=\"Administration\"><ul>\n");
    for (int i = 0; i < (int)ARRAY_SIZE(tabs); i++) {
        html_printf(b, "<li><a href=\"%s\"", tabs[i][0]);
        if (i == current)
            html_raw(b, " aria-current=\"page\"");
        html_printf(b, ">%s</a></li>\n", tabs[i][1]);
    }
    html_raw(b, "</ul></nav>\n");
}

static const char *const admin_notices[][2] = {
    {"user", "The account is created."},
    {"disabled", "The account is disabled and its sessions ended."},
    {"practitioner", "The practitioner is added."},
    {"training", "The training record is added."},
    {"threshold", "The threshold is changed; reports use it from now on."},
    {NULL, NULL},
};

/* Defines handler NAME: the admin page RENDER draws (status 200), for an
 * admin only (403 naming ACTION). */
#define ADMIN_PAGE(name, action, render)                                       \
    int name(struct web_ctx *w)                                                \
    {                                                                          \
        if (page_require_admin(w, action) < 0)                                 \
            return -1;                                                         \
        return render(w, 200);                                                 \
    }

/* Starts a page of the admin section anew with status (page_restart):
 * its heading, the tabs with tab current, and the notice of ?done=. */
static void admin_open(struct web_ctx *w, int status, const char *title,
                       int tab)
{
    struct buf *b = &w->resp->body;
    page_restart(w, status, title, SECTION_ADMIN, PAGE_WIDE);
    html_raw(b, "<h1>Administration</h1>\n");
    admin_tabs(b, tab);
    page_notice(w, admin_notices);
}

static int users_page(struct web_ctx *w, int status)
{
    struct user *users = NULL;
    int count = 0;
    struct err e = ERR_INIT;
    if (user_list(w->store, &users, &count, &e) < 0) {
        w->err = e;
        return web_fail(w);
    }
    struct practitioner_list pl = {0};
    if (practitioner_list(w->store, &w->actor, &pl, &e) < 0) {
        free(users);
        w->err = e;
        return web_fail(w);
    }
    struct buf *b = &w->resp->body;
    struct form_view f = page_form_view(w, status != 200);
    admin_open(w, status, "Users", 0);
    html_raw(b, "<h2>Login accounts</h2>\n");
    page_table_open(b, "list",
                    (const char *const[]){"Email", "Role", "Practitioner",
                                          "Status", "Since", "", NULL});
    for (int i = 0; i < count; i++) {
        const struct user *u = &users[i];
        const char *prac = "";
        for (size_t k = 0; k < pl.count; k++)
            if (pl.items[k].id == u->practitioner_id)
                prac = pl.items[k].name;
        html_printf(b,
                    "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                    "<td>",
                    u->email, role_name(u->role), prac,
                    u->disabled ? "disabled" : "active");
        page_instant(b, u->created_at);
        html_raw(b, "</td><td>");
        if (!u->disabled && u->id != w->session.user.id) {
            html_printf(b,
                        "<form method=\"post\" action=\"/admin/users/%lld/"
                        "disable\" class=\"row-action\">",
                        (long long)u->id);
            form_csrf(w);
            html_printf(b,
                        "<button type=\"submit\" class=\"secondary\" "
                        "aria-label=\"Disable %s\">Disable</button>"
                        "</form>",
                        u->email);
        }
        html_raw(b, "</td></tr>\n");
    }
    page_table_close(b);

    html_raw(b, "<h2>New account</h2>\n");
    form_errors(b, &f);
    html_raw(b, "<form method=\"post\" action=\"/admin/users\" "
                "class=\"stacked\" novalidate>\n");
    form_csrf(w);
    form_input(b, &f, "email", "Email",
               &(struct field_opts){.type = "email",
                                    .attrs = " autocomplete=\"off\""});
    static const char *const roles[][2] = {
        {"therapist", "Therapist"},
        {"admin", "Clinic admin"},
        {"researcher", "Researcher (de-identified data only)"},
    };
    form_select(b, &f, "role", "Role", roles, ARRAY_SIZE(roles), NULL);
    const char *(*opts)[2] = xcalloc(pl.count + 1, sizeof(*opts));
    char(*ids)[24] = xcalloc(pl.count + 1, sizeof(*ids));
    opts[0][0] = "";
    opts[0][1] = "None (admin, researcher)";
    size_t n = 1;
    for (size_t k = 0; k < pl.count; k++) {
        if (!pl.items[k].active)
            continue;
        snprintf(ids[n], sizeof(ids[n]), "%lld", (long long)pl.items[k].id);
        opts[n][0] = ids[n];
        opts[n][1] = pl.items[k].name;
        n++;
    }
    form_select(b, &f, "practitioner", "Practitioner record (therapists)",
                (const char *const(*)[2])opts, n,
                &(struct field_opts){.hint = "A therapist's account is "
                                             "linked to their practitioner "
                                             "record."});
    free(opts);
    free(ids);
    char hint[64];
    snprintf(hint, sizeof(hint),
             "At least %d characters; tell it to the "
             "user in person.",
             USER_PASSWORD_MIN);
    /* A password is never written back into a page. */
    struct form_view no_echo = {NULL, f.err, NULL};
    form_input(b, &no_echo, "password", "Initial password",
               &(struct field_opts){.type = "password",
                                    .hint = hint,
                                    .attrs = " autocomplete=\"new-password\""});
    html_raw(b, "<div class=\"actions\"><button type=\"submit\">Create the "
                "account</button></div>\n</form>\n");
    page_end(w);
    free(users);
    practitioner_list_release(&pl);
    return 0;
}

ADMIN_PAGE(page_admin, "manage users", users_page)

int page_admin_user_create(struct web_ctx *w)
{
    if (page_require_admin(w, "add a user") < 0)
        return -1;
    const char *email = page_form_given(w, "email");
    const char *role_text = page_form_given(w, "role");
    const char *password = page_form(w, "password");
    long practitioner;
    enum role role;
    if (!role_text || role_parse(role_text, &role) < 0) {
        err_set(&w->err, ERR_INPUT, "role", "choose a role");
        return users_page(w, 422);
    }
    if (page_form_long(w, "practitioner", 1, 999999999999999L, 0,
                       &practitioner) < 0)
        return users_page(w, 422);
    if (role != ROLE_THERAPIST)
        practitioner = 0;
    if (role == ROLE_THERAPIST && !practitioner) {
        err_set(&w->err, ERR_INPUT, "practitioner",
                "a therapist's account needs their practitioner record");
        return users_page(w, 422);
    }
    int64_t id;
    if (user_add(w->store, &w->actor, email ? email : "", role, practitioner,
                 password ? password : "", &id, &w->err) < 0) {
        if (w->err.code != ERR_INPUT && w->err.code != ERR_CONFLICT)
            return web_fail(w);
        if (!strcmp(w->err.field, "user"))
            snprintf(w->err.field, sizeof(w->err.field), "email");
        return users_page(w, 422);
    }
    return web_redirect(w, "/admin?done=user");
}

int page_admin_user_disable(struct web_ctx *w)
{
    if (page_require_admin(w, "disable a user") < 0)
        return -1;
    int64_t id = page_id(w);
    if (id == w->session.user.id)
        return web_error(w, 409, "conflict", "user",
                         "you cannot disable your own account");
    if (user_disable(w->store, &w->actor, id, &w->err) < 0)
        return web_fail(w);
    return web_redirect(w, "/admin?done=disabled");
}

/* ---- practitioners ---- */

static int practitioners_page(struct web_ctx *w, int status)
{
    struct practitioner_list pl = {0};
    struct err e = ERR_INIT;
    if (practitioner_list(w->store, &w->actor, &pl, &e) < 0) {
        w->err = e;
        return web_fail(w);
    }
    const struct catalog *cat = page_catalog(w);
    struct buf *b = &w->resp->body;
    struct form_view f = page_form_view(w, status != 200);
    admin_open(w, status, "Practitioners", 1);
    html_raw(b, "<h2>Practitioners</h2>\n");
    page_table_open(b, "list",
                    (const char *const[]){"Name", "Credentials", "License",
                                          "#Protocols trained", "Active",
                                          NULL});
    for (size_t i = 0; i < pl.count; i++) {
        const struct practitioner *p = &pl.items[i];
        int trained = 0;
        for (int k = 0; k < catalog_protocol_count(cat); k++)
            trained += scope_check(w->store, cat, p->id,
                                   catalog_protocol_at(cat, k), NULL, &e) == 0;
        html_printf(b,
                    "<tr><td><a href=\"/admin/practitioners/%lld\">%s</a>"
                    "</td><td>%s</td><td>%s</td><td class=\"num\">%d</td>"
                    "<td>%s</td></tr>\n",
                    (long long)p->id, p->name, p->credentials, p->license,
                    trained, p->active ? "yes" : "no");
    }
    page_table_close(b);
    html_raw(b, "<h2>New practitioner</h2>\n");
    form_errors(b, &f);
    html_raw(b, "<form method=\"post\" action=\"/admin/practitioners\" "
                "class=\"stacked\" novalidate>\n");
    form_csrf(w);
    form_input(b, &f, "name", "Full name", NULL);
    form_input(b, &f, "credentials", "Credentials",
               &(struct field_opts){.hint = "LMT, CMT, ..."});
    form_input(b, &f, "license", "License number", NULL);
    form_input(b, &f, "email", "Email (optional)",
               &(struct field_opts){.type = "email"});
    form_input(b, &f, "npi", "NPI (optional)",
               &(struct field_opts){.hint = "10 digits",
                                    .attrs = " inputmode=\"numeric\""});
    html_raw(b, "<div class=\"actions\"><button type=\"submit\">Add the "
                "practitioner</button></div>\n</form>\n");
    page_end(w);
    practitioner_list_release(&pl);
    return 0;
}

ADMIN_PAGE(page_admin_practitioners, "manage practitioners", practitioners_page)

int page_admin_practitioner_create(struct web_ctx *w)
{
    if (page_require_admin(w, "add a practitioner") < 0)
        return -1;
    struct practitioner_new in = {0};
    in.name = page_form_given(w, "name");
    in.license = page_form_given(w, "license");
    in.credentials = page_form_given(w, "credentials");
    in.email = page_form_given(w, "email");
    in.npi = page_form_given(w, "npi");
    int64_t id;
    if (practitioner_add(w->store, &w->actor, &in, &id, &w->err) < 0) {
        if (w->err.code != ERR_INPUT && w->err.code != ERR_CONFLICT)
            return web_fail(w);
        return practitioners_page(w, 422);
    }
    return page_redirect(w, "/admin/practitioners/%lld?done=practitioner",
                         (long long)id);
}

static int practitioner_page(struct web_ctx *w, int status)
{
    struct practitioner_detail d = {0};
    struct err e = ERR_INIT;
    if (practitioner_show(w->store, &w->actor, page_id(w), &d, &e) < 0) {
        w->err = e;
        return web_fail(w);
    }
    const struct catalog *cat = page_catalog(w);
    const struct practitioner *p = &d.practitioner;
    struct buf *b = &w->resp->body;
    struct form_view f = page_form_view(w, status != 200);
    page_restart(w, status, p->name, SECTION_ADMIN, PAGE_WIDE);
    admin_tabs(b, 1);
    html_raw(b, "<p class=\"crumbs\"><a href=\"/admin/practitioners\">"
                "Practitioners</a></p>\n");
    html_printf(b, "<h1>%s <span class=\"muted\">%s</span></h1>\n", p->name,
                p->credentials);
    page_notice(w, admin_notices);
    html_raw(b, "<dl class=\"facts\">\n");
    html_printf(b, "<dt>License</dt><dd>%s</dd>\n", p->license);
    if (p->email[0])
        html_printf(b, "<dt>Email</dt><dd>%s</dd>\n", p->email);
    if (p->npi[0])
        html_printf(b, "<dt>NPI</dt><dd>%s</dd>\n", p->npi);
    html_printf(b, "<dt>Active</dt><dd>%s</dd>\n", p->active ? "yes" : "no");
    html_printf(b, "<dt>Registry</dt><dd>%s</dd>\n",
                p->registry_consent ? "matched by NPI or license (consented)"
                                    : "a pseudonym of this clinic");
    if (p->directory_consent)
        html_printf(b, "<dt>Directory</dt><dd>listed as &ldquo;%s&rdquo;</dd>\n",
                    p->directory_name);
    else
        html_raw(b, "<dt>Directory</dt><dd>not listed</dd>\n");
    html_raw(b, "</dl>\n<h2>Training records</h2>\n");
    if (!d.training.count) {
        html_raw(b, "<p class=\"empty\">No training recorded.</p>\n");
    } else {
        page_table_open(b, "list",
                        (const char *const[]){"Protocol", "#Hours", "Completed",
                                              "Provider", NULL});
        for (size_t i = 0; i < d.training.count; i++) {
            const struct training *t = &d.training.items[i];
            const struct protocol *pr = catalog_find(cat, t->protocol_id);
            html_printf(b, "<tr><td>%s</td><td class=\"num\">",
                        pr ? pr->name : t->protocol_id);
            page_number(b, t->hours, 1);
            html_printf(b, "</td><td>%s</td><td>%s</td></tr>\n",
                        t->completed_on, t->provider);
        }
        page_table_close(b);
    }

    html_raw(b, "<h2>Add a training record</h2>\n");
    form_errors(b, &f);
    html_printf(b,
                "<form method=\"post\" action=\"/admin/practitioners/%lld/"
                "training\" class=\"stacked\" novalidate>\n",
                (long long)p->id);
    form_csrf(w);
    int np = catalog_protocol_count(cat);
    const char *(*opts)[2] = xcalloc((size_t)np + 1, sizeof(*opts));
    char(*labels)[160] = xcalloc((size_t)np + 1, sizeof(*labels));
    opts[0][0] = "";
    opts[0][1] = "Choose the protocol\xe2\x80\xa6";
    for (int k = 0; k < np; k++) {
        const struct protocol *pr = catalog_protocol_at(cat, k);
        snprintf(labels[k + 1], sizeof(labels[k + 1]), "%s (%d h)", pr->name,
                 protocol_required_hours(pr));
        opts[k + 1][0] = pr->id;
        opts[k + 1][1] = labels[k + 1];
    }
    form_select(b, &f, "protocol", "Protocol", (const char *const(*)[2])opts,
                (size_t)np + 1, NULL);
    free(opts);
    free(labels);
    form_input(b, &f, "hours", "Hours",
               &(struct field_opts){.type = "number",
                                    .attrs = " min=\"0.5\" max=\"10000\" "
                                             "step=\"0.5\""});
    char today[CLOCK_DATE_LEN];
    clock_format_date(clock_today(), today);
    form_input(b, &f, "completed", "Completed on",
               &(struct field_opts){.type = "date", .fallback = today});
    form_input(b, &f, "provider", "Provider (optional)", NULL);
    html_raw(b, "<div class=\"actions\"><button type=\"submit\">Add the "
                "training</button></div>\n</form>\n");

    /* Every protocol: the hours it needs and what this practitioner has. */
    html_printf(b,
                "<h2>Scope of practice</h2>\n<p>Each protocol needs its "
                "own hours and, except the baseline itself, the %d-hour "
                "full-body stress-management baseline.</p>\n",
                catalog_baseline_hours(cat));
    page_table_open(b, "list",
                    (const char *const[]){"Protocol", "#Needs (own)", "#Has",
                                          "Delivers", NULL});
    for (int k = 0; k < np; k++) {
        const struct protocol *pr = catalog_protocol_at(cat, k);
        double has = training_hours(w->store, p->id, pr->id);
        int ok = scope_check(w->store, cat, p->id, pr, NULL, &e) == 0;
        html_printf(b,
                    "<tr><td>%s</td><td class=\"num\">%d</td>"
                    "<td class=\"num\">",
                    pr->name, protocol_required_hours(pr));
        page_number(b, has, 1);
        html_raw(b, ok ? "</td><td><span class=\"badge yes\">yes</span>"
                         "</td></tr>\n"
                       : "</td><td>no</td></tr>\n");
    }
    page_table_close(b);
    page_end(w);
    practitioner_detail_release(&d);
    return 0;
}

ADMIN_PAGE(page_admin_practitioner, "manage practitioners", practitioner_page)

int page_admin_training_create(struct web_ctx *w)
{
    if (page_require_admin(w, "add a training record") < 0)
        return -1;
    struct training_new in = {0};
    in.practitioner_id = page_id(w);
    in.protocol_id = page_form_given(w, "protocol");
    in.completed_on = page_form_given(w, "completed");
    in.provider = page_form_given(w, "provider");
    in.catalog = page_catalog(w);
    const char *hours = page_form_given(w, "hours");
    int hours_bad = parse_decimal(hours, &in.hours) < 0;
    if (!in.protocol_id) {
        err_set(&w->err, ERR_INPUT, "protocol", "choose the protocol");
        return practitioner_page(w, 422);
    }
    if (hours_bad) {
        err_set(&w->err, ERR_INPUT, "hours", "give the hours as a number");
        return practitioner_page(w, 422);
    }
    int64_t id;
    if (training_add(w->store, &w->actor, &in, &id, &w->err) < 0) {
        if (w->err.code != ERR_INPUT)
            return web_fail(w);
        return practitioner_page(w, 422);
    }
    return page_redirect(w, "/admin/practitioners/%lld?done=training",
                         (long long)in.practitioner_id);
}

/* ---- designation thresholds ---- */

static int thresholds_page(struct web_ctx *w, int status)
{
    struct thresholds t;
    struct err e = ERR_INIT;
    if (thresholds_load(w->store, &t, &e) < 0) {
        w->err = e;
        return web_fail(w);
    }
    json_t *values = thresholds_to_json(&t);
    struct thresholds d;
    thresholds_default(&d);
    json_t *defaults = thresholds_to_json(&d);
    struct buf *b = &w->resp->body;
    const char *posted = status != 200 ? page_form(w, "name") : NULL;
    admin_open(w, status, "Designation thresholds", 2);
    html_raw(b, "<h2>Designation thresholds</h2>\n<p>The bars a cell must "
                "clear to be designated reproducible (and, with the risk "
                "model, advanced). The reasons for each default are in "
                "<code>docs/outcomes.md</code>.</p>\n");
    if (posted) {
        struct form_view f = {&w->form, &w->err, NULL};
        form_errors(b, &f);
    }
    page_table_open(b, "list thresholds",
                    (const char *const[]){"Threshold", "#Default", "Value",
                                          NULL});
    for (int i = 0; i < thresholds_count(); i++) {
        const char *name = thresholds_name(i);
        double lo, hi;
        int whole;
        thresholds_range(i, &lo, &hi, &whole);
        int bad = posted && !strcmp(posted, name);
        html_printf(b,
                    "<tr><td><strong>%s</strong><br><span "
                    "class=\"hint\">%s</span></td><td class=\"num\">",
                    name, thresholds_description(i));
        page_number(b, json_number_value(json_object_get(defaults, name)), 4);
        html_raw(b, "</td><td><form method=\"post\" "
                    "action=\"/admin/thresholds\" class=\"inline\">");
        form_csrf(w);
        html_printf(b,
                    "<input type=\"hidden\" name=\"name\" value=\"%s\">"
                    "<label class=\"visually-hidden\" "
                    "for=\"f-value-%s\">%s</label>",
                    name, name, name);
        if (bad)
            html_printf(b,
                        "<span class=\"field-error\" id=\"e-value-%s\">"
                        "%s</span>",
                        name, w->err.message);
        html_printf(b,
                    "<input type=\"number\" name=\"value\" "
                    "id=\"f-value-%s\" min=\"%g\" max=\"%g\" "
                    "step=\"%s\"",
                    name, lo, hi, whole ? "1" : "any");
        if (bad)
            html_printf(b,
                        " aria-invalid=\"true\" "
                        "aria-describedby=\"e-value-%s\" value=\"%s\"",
                        name,
                        form_value(&(struct form_view){&w->form, NULL, NULL},
                                   "value", ""));
        else {
            html_raw(b, " value=\"");
            page_number(b, json_number_value(json_object_get(values, name)), 6);
            html_raw(b, "\"");
        }
        html_printf(b,
                    "><button type=\"submit\" class=\"secondary\" "
                    "aria-label=\"Set %s\">Set</button></form></td>"
                    "</tr>\n",
                    name);
    }
    page_table_close(b);
    page_end(w);
    json_decref(values);
    json_decref(defaults);
    return 0;
}

ADMIN_PAGE(page_admin_thresholds, "change the designation thresholds",
           thresholds_page)

int page_admin_threshold_set(struct web_ctx *w)
{
    if (page_require_admin(w, "change the designation thresholds") < 0)
        return -1;
    const char *name = page_form_given(w, "name");
    const char *value = page_form_given(w, "value");
    if (thresholds_set(w->store, &w->actor, name ? name : "",
                       value ? value : "", &w->err) < 0) {
        if (w->err.code != ERR_INPUT)
            return web_fail(w);
        int known = 0;
        for (int i = 0; name && i < thresholds_count(); i++)
            known |= !strcmp(name, thresholds_name(i));
        if (known)
            snprintf(w->err.field, sizeof(w->err.field), "value-%.40s", name);
        else
            w->err.field[0] = '\0';
        return thresholds_page(w, 422);
    }
    return web_redirect(w, "/admin/thresholds?done=threshold");
}
