/* /api/v1/session: logging in and out of the JSON API. */
#include "core/clock.h"
#include "record/user.h"
#include "web/handlers.h"

#include <sodium.h>
#include <string.h>

/* {"user": {...}, "csrf_token": "...", "expires_at": "..."} */
static json_t *session_doc(const struct websession *ws)
{
    char expires[CLOCK_INSTANT_LEN];
    clock_format_instant(ws->expires_at, expires);
    const struct user *u = &ws->user;
    json_t *user = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)u->id,
                             "email", u->email, "role", role_name(u->role));
    json_object_set_new(user, "practitioner_id",
                        u->practitioner_id ? json_integer(u->practitioner_id)
                                           : json_null());
    return json_pack("{s:o,s:s,s:s}", "user", user, "csrf_token",
                     ws->csrf_token, "expires_at", expires);
}

/* Checks a login and starts a session; shared with the login form. On
 * success the cookie is set and *ws filled. */
int web_login(struct web_ctx *w, const char *email, const char *password,
              struct websession *ws)
{
    struct user u;
    long retry = 0;
    if (user_authenticate(w->store, email, password, w->req->client, &u,
                          &retry, &w->err) < 0) {
        if (w->err.code == ERR_REFUSED) {
            w->retry_after = retry;
            return web_error(w, 429, "too_many_requests", "login", "%s",
                             w->err.message);
        }
        if (w->err.code == ERR_AUTH)
            return web_error(w, 401, "unauthorized", "login", "%s",
                             w->err.message);
        return web_fail(w);
    }
    /* A new login replaces the session the browser had. */
    if (w->logged_in &&
        websession_delete(w->store, w->session_token, &w->err) < 0)
        return web_fail(w);
    char token[WEBSESSION_TOKEN_HEX];
    if (websession_create(w->store, u.id, &w->config->limits, token, ws,
                          &w->err) < 0)
        return web_fail(w);
    web_set_cookie(w, WEB_SESSION_COOKIE, token, -1);
    sodium_memzero(token, sizeof(token));
    return 0;
}

int api_session_create(struct web_ctx *w)
{
    const char *email = NULL, *password = NULL;
    struct api_field fields[] = {
        {"email", API_STRING, 1, &email, NULL},
        {"password", API_STRING, 1, &password, NULL},
        API_FIELDS_END,
    };
    if (api_body(w, fields) < 0)
        return -1;
    struct websession ws;
    if (web_login(w, email, password, &ws) < 0)
        return -1;
    return web_reply_json(w, 201, session_doc(&ws));
}

int api_session_show(struct web_ctx *w)
{
    if (api_query_none(w) < 0)
        return -1;
    return web_reply_json(w, 200, session_doc(&w->session));
}

int api_session_delete(struct web_ctx *w)
{
    if (websession_delete(w->store, w->session_token, &w->err) < 0)
        return web_fail(w);
    web_set_cookie(w, WEB_SESSION_COOKIE, "", 0);
    return web_reply_empty(w, 204);
}
