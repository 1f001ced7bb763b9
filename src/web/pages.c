/* The HTML foundation: page chrome, the login and home pages, error pages
 * and the embedded assets. */
#include "core/embedded.h"
#include "core/util.h"
#include "record/websession.h"
#include "web/handlers.h"
#include "web/pages.h"

#include <stdio.h>
#include <string.h>

void page_begin(struct web_ctx *w, const char *title)
{
    page_open(w, title, SECTION_NONE, 0);
}

void page_end(struct web_ctx *w)
{
    html_raw(&w->resp->body,
             "</main>\n<footer class=\"site\">Touchstone &middot; the "
             "clinical record and outcomes registry of medical massage "
             "therapy</footer>\n</body>\n</html>\n");
}

void page_error(struct web_ctx *w, int status, const char *message)
{
    struct buf *b = &w->resp->body;
    buf_reset(b);
    w->resp->status = status;
    char title[64];
    snprintf(title, sizeof(title), "%d %s", status,
             http_status_reason(status));
    page_begin(w, title);
    html_printf(b, "<h1>%s</h1>\n", title);
    const char *text =
        message && *message ? message : http_status_reason(status);
    char first[2] = {text[0], '\0'};
    if (first[0] >= 'a' && first[0] <= 'z')
        first[0] = (char)(first[0] - 'a' + 'A');
    html_printf(b, "<p class=\"error\">%s%s.</p>\n", first,
                text[0] ? text + 1 : "");
    if (status == 401 || (status == 403 && !w->logged_in))
        html_raw(b, "<p><a href=\"/login\">Log in</a></p>\n");
    else
        html_raw(b, "<p><a href=\"/\">Back to the start page</a></p>\n");
    page_end(w);
}

/* What each role may do, for the home page. */
static void role_summary(struct buf *b, enum role role)
{
    html_raw(b, "<ul class=\"can\">\n");
    switch (role) {
    case ROLE_ADMIN:
        html_raw(b, "<li>Manage practitioners and their training "
                    "records</li>\n"
                    "<li>See every patient, episode, session and "
                    "outcome of the clinic</li>\n"
                    "<li>Browse the protocol catalog and the outcome "
                    "instruments</li>\n"
                    "<li>Review the audit log (command line: "
                    "<code>touchstone audit</code>)</li>\n");
        break;
    case ROLE_THERAPIST:
        html_raw(b, "<li>Record intake, referrals, sessions and "
                    "measures for your own patients</li>\n"
                    "<li>Open episodes of care in the protocols you are "
                    "trained in</li>\n"
                    "<li>See your own outcomes and anonymous peer "
                    "benchmarks</li>\n"
                    "<li>Plan a session from the protocol catalog</li>\n");
        break;
    case ROLE_RESEARCHER:
        html_raw(b, "<li>See de-identified aggregates and registry "
                    "reports: never a name</li>\n"
                    "<li>Browse the protocol catalog and the outcome "
                    "instruments</li>\n");
        break;
    }
    html_raw(b, "</ul>\n");
}

int page_home(struct web_ctx *w)
{
    struct buf *b = &w->resp->body;
    page_open(w, "Start", SECTION_HOME, PAGE_WIDE);
    html_printf(b, "<h1>Welcome, %s</h1>\n", w->session.user.email);
    if (w->session.user.role != ROLE_RESEARCHER)
        page_home_worklist(w);
    html_printf(b, "<p>You are logged in as a %s. You can:</p>\n",
                role_name(w->session.user.role));
    role_summary(b, w->session.user.role);
    html_raw(b, "<p>The JSON API lives under <code>/api/v1/</code> "
                "(see <code>docs/api.md</code>).</p>\n");
    page_end(w);
    return 0;
}

/* Writes the login page with an optional message and status. */
static int login_page(struct web_ctx *w, int status, const char *token,
                      const char *message, const char *email)
{
    struct buf *b = &w->resp->body;
    buf_reset(b);
    w->resp->status = status;
    page_begin(w, "Log in");
    html_raw(b, "<h1>Log in</h1>\n");
    if (message)
        html_printf(b, "<p class=\"error\" role=\"alert\">%s</p>\n", message);
    html_raw(b, "<form class=\"login\" method=\"post\" action=\"/login\">\n");
    form_csrf_token(b, token);
    html_raw(b, "<label>Email <input type=\"email\" name=\"email\" "
                "autocomplete=\"username\" required");
    if (email) {
        html_raw(b, " value=\"");
        html_attr(b, email);
        html_raw(b, "\"");
    }
    html_raw(b, "></label>\n<label>Password <input type=\"password\" "
                "name=\"password\" autocomplete=\"current-password\" "
                "required></label>\n"
                "<button type=\"submit\">Log in</button>\n</form>\n");
    page_end(w);
    return 0;
}

/* The pre-session token of the login form (double-submit cookie). */
static void login_token(struct web_ctx *w, char token[WEBSESSION_TOKEN_HEX])
{
    char have[WEBSESSION_TOKEN_HEX + 1];
    if (http_request_cookie(w->req, WEB_LOGIN_COOKIE, have, sizeof(have)) ==
            0 &&
        websession_token_well_formed(have)) {
        memcpy(token, have, WEBSESSION_TOKEN_HEX);
        return;
    }
    websession_random_token(token);
    web_set_cookie(w, WEB_LOGIN_COOKIE, token, -1);
}

int page_login_form(struct web_ctx *w)
{
    if (w->logged_in)
        return web_redirect(w, "/");
    char token[WEBSESSION_TOKEN_HEX];
    login_token(w, token);
    const char *expired = http_pairs_get(&w->query, "expired", 0);
    return login_page(w, 200, token,
                      expired ? "Your session has expired. Please log in "
                                "again."
                              : NULL,
                      NULL);
}

int page_login_submit(struct web_ctx *w)
{
    char cookie[WEBSESSION_TOKEN_HEX + 1] = "";
    if (http_request_cookie(w->req, WEB_LOGIN_COOKIE, cookie,
                            sizeof(cookie)) < 0 ||
        !web_token_equal(http_pairs_get(&w->form, "csrf", 0), cookie))
        return web_error(w, 403, "csrf", "csrf",
                         "the login form has expired or did not come from "
                         "this site; open the login page again");
    const char *email = http_pairs_get(&w->form, "email", 0);
    const char *password = http_pairs_get(&w->form, "password", 0);
    struct websession ws;
    if (web_login(w, email, password, &ws) < 0) {
        const char *code;
        int status = web_error_status(w, &code);
        if (status != 401 && status != 429)
            return -1;
        if (status == 429 && w->retry_after > 0) {
            char secs[24];
            snprintf(secs, sizeof(secs), "%ld", w->retry_after);
            http_response_set_header(w->resp, "Retry-After", secs);
        }
        char message[sizeof(w->err.message) + 2];
        snprintf(message, sizeof(message), "%s.", w->err.message);
        message[0] = (char)(message[0] >= 'a' && message[0] <= 'z'
                                ? message[0] - 'a' + 'A'
                                : message[0]);
        return login_page(w, status, cookie, message, email);
    }
    web_set_cookie(w, WEB_LOGIN_COOKIE, "", 0);
    return web_redirect(w, "/");
}

int page_logout(struct web_ctx *w)
{
    if (websession_delete(w->store, w->session_token, &w->err) < 0)
        return web_fail(w);
    web_set_cookie(w, WEB_SESSION_COOKIE, "", 0);
    return web_redirect(w, "/login");
}

static const char *content_type_for(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < ARRAY_SIZE(types); i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

int page_asset(struct web_ctx *w)
{
    const char *name = route_param(&w->match, "file");
    char path[256];
    snprintf(path, sizeof(path), "src/web/assets/%s", name);
    const struct embedded_file *f = embedded_find(path);
    if (!f || name[0] == '.')
        return web_error(w, 404, "not_found", "", "no such asset");
    http_response_set_header(w->resp, "Content-Type", content_type_for(name));
    buf_add(&w->resp->body, f->data, f->len);
    return 0;
}
