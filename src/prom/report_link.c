#include "prom/report_link.h"
#include "prom/links.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "documents/physician_report.h"
#include "prom/mail.h"
#include "prom/outbox.h"
#include "record/access.h"
#include "record/audit.h"

/* Rolls back and records a refusal of a named record (not for an admin,
 * who is refused only what does not exist). */
static int refuse(struct store *s, const struct actor *caller,
                  const char *action, int64_t id, struct err *e)
{
    return audit_refuse(s, caller, action, "report_link", id, 0, e);
}

static int create_in_transaction(struct store *s, const struct actor *caller,
                                 int64_t episode_id, int days,
                                 const char *recipient, int64_t patient_id,
                                 struct report_link_created *out,
                                 struct err *e)
{
    time_t now = clock_now();
    char now_text[CLOCK_INSTANT_LEN];
    clock_format_instant(now, now_text);
    clock_format_instant(now + (time_t)days * 86400, out->expires_at);
    char nonce[TOKEN_NONCE_HEX_LEN], hash[TOKEN_HASH_HEX_LEN];
    if (links_token_new(s, "report", nonce, out->token, hash, e) < 0)
        return -1;
    struct stmt *st = STORE_QUERY(
        s,
        "INSERT INTO report_link (episode_id, nonce, token_hash, created_at,"
        " expires_at) VALUES (:episode, :nonce, :hash, :now, :expires)",
        STORE_INT(":episode", episode_id), STORE_TEXT(":nonce", nonce),
        STORE_TEXT(":hash", hash), STORE_TEXT(":now", now_text),
        STORE_TEXT(":expires", out->expires_at));
    if (stmt_insert(st, &out->id, e) < 0)
        return -1;
    struct outbox_new m = {
        .kind = OUTBOX_PHYSICIAN_REPORT,
        .recipient = recipient,
        .report_link_id = out->id,
    };
    if (outbox_queue(s, &m, &out->outbox_id, e) < 0)
        return -1;
    return audit_append(s, caller, "create", "report_link", out->id,
                        patient_id, "ok", e);
}

int report_link_create(struct store *s, const struct actor *caller,
                       int64_t episode_id, int days, const char *recipient,
                       struct report_link_created *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (days == 0)
        days = REPORT_LINK_DEFAULT_DAYS;
    if (days < 1 || days > REPORT_LINK_MAX_DAYS)
        return err_set(e, ERR_INPUT, "days", "%d is not from 1 to %d", days,
                       REPORT_LINK_MAX_DAYS);
    if (!mail_address_ok(recipient))
        return err_set(e, ERR_INPUT, "recipient",
                       "'%.64s' is not an email address",
                       recipient ? recipient : "");
    int64_t patient_id = 0;
    if (links_create_begin(s, caller, episode_id, "report_link", &patient_id,
                           e) < 0)
        return -1;
    int rc = create_in_transaction(s, caller, episode_id, days, recipient,
                                   patient_id, out, e);
    return links_create_end(s, rc, out->token, sizeof(out->token), e);
}

/* ---- list and revoke ---- */

static const char *state_of(const struct report_link *l, const char *now)
{
    if (l->revoked_at[0])
        return "revoked";
    if (strcmp(now, l->expires_at) >= 0)
        return "expired";
    return "open";
}

#define REPORT_LINK_COLUMNS                                                  \
    "l.id, l.episode_id, l.created_at, l.expires_at, l.revoked_at"

static void link_row(struct stmt *st, void *item, const char *now)
{
    struct report_link *l = item;
    memset(l, 0, sizeof(*l));
    l->id = stmt_int(st, 0);
    l->episode_id = stmt_int(st, 1);
    str_copy(l->created_at, sizeof(l->created_at), stmt_text(st, 2));
    str_copy(l->expires_at, sizeof(l->expires_at), stmt_text(st, 3));
    str_copy(l->revoked_at, sizeof(l->revoked_at), stmt_text(st, 4));
    l->state = state_of(l, now);
}

LINKS_LIST_DEFINE(report_link, REPORT_LINK_COLUMNS, "l", link_row)

ARRAY_LIST_RELEASE(report_link)

int report_link_revoke(struct store *s, const struct actor *caller,
                       int64_t id, struct err *e)
{
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st = STORE_QUERY(s,
                                  "SELECT " REPORT_LINK_COLUMNS
                                  " FROM report_link l WHERE l.id = :id",
                                  STORE_INT(":id", id));
    struct report_link l;
    int rc = stmt_step(st, e);
    if (rc > 0)
        link_row(st, &l, now);
    stmt_finalize(st);
    if (rc < 0) {
        store_rollback(s);
        return -1;
    }
    int64_t patient_id = 0;
    if (rc == 0 ||
        access_episode(s, caller, l.episode_id, 1, "id", &patient_id, e) < 0) {
        err_set(e, ERR_NOT_FOUND, "id", "no report link %lld",
                (long long)id);
        return refuse(s, caller, "revoke", id, e);
    }
    if (l.revoked_at[0]) {
        err_set(e, ERR_CONFLICT, "id", "report link %lld was revoked already",
                (long long)id);
        store_rollback(s);
        return -1;
    }
    rc = STORE_RUN(s, e,
                   "UPDATE report_link SET revoked_at = :now WHERE id = :id",
                   STORE_TEXT(":now", now), STORE_INT(":id", id));
    if (rc >= 0)
        rc = STORE_RUN(s, e,
                       "UPDATE outbox SET status = 'cancelled', last_error ="
                       " 'report link revoked' WHERE report_link_id = :id"
                       " AND status = 'queued'",
                       STORE_INT(":id", id));
    return audit_end(s, caller, "revoke", "report_link", id, patient_id, rc, e);
}

json_t *report_link_to_json(const struct report_link *l)
{
    json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:s}", "id", (json_int_t)l->id,
                          "episode_id", (json_int_t)l->episode_id,
                          "created_at", l->created_at, "expires_at",
                          l->expires_at, "state", l->state);
    json_object_set_new(o, "revoked_at", l->revoked_at[0]
                                             ? json_string(l->revoked_at)
                                             : json_null());
    return o;
}

/* ---- the physician's view ---- */

int report_link_view(struct store *s, const char *token, const char *client,
                     struct buf *out, struct err *e)
{
    if (!token_well_formed(token))
        return err_set(e, ERR_NOT_FOUND, "token", "no such link");
    char hash[TOKEN_HASH_HEX_LEN], now[CLOCK_INSTANT_LEN];
    token_hash(token, hash);
    clock_format_instant(clock_now(), now);
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT l.id, l.episode_id, l.expires_at, l.revoked_at IS NOT NULL,"
        " e.patient_id FROM report_link l JOIN episode e"
        " ON e.id = l.episode_id WHERE l.token_hash = :hash",
        STORE_TEXT(":hash", hash));
    int rc = stmt_step(st, e);
    int64_t id = 0, episode_id = 0, patient_id = 0;
    char expires[CLOCK_INSTANT_LEN] = "";
    int revoked = 0;
    if (rc > 0) {
        id = stmt_int(st, 0);
        episode_id = stmt_int(st, 1);
        str_copy(expires, sizeof(expires), stmt_text(st, 2));
        revoked = (int)stmt_int(st, 3);
        patient_id = stmt_int(st, 4);
    }
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, "token", "no such link");
    /* The link is the reader: its rights reach this one episode, read
     * here and nowhere else; every entry of the reading names it. */
    char name[ACTOR_LINK_NAME_LEN];
    snprintf(name, sizeof(name), "report link %lld", (long long)id);
    struct actor reader = {0, ROLE_ADMIN, 0, name, client ? client : "local"};
    if (revoked || strcmp(now, expires) >= 0) {
        struct err ignored = ERR_INIT;
        audit_record_refusal(s, &reader, "view", "report_link", id,
                             patient_id, revoked ? "revoked" : "expired",
                             &ignored);
        return revoked ? err_set(e, ERR_CONFLICT, "token",
                                 "this link has been withdrawn by the clinic")
                       : err_set(e, ERR_CONFLICT, "token",
                                 "this link has expired");
    }
    if (store_begin(s, e) < 0)
        return -1;
    if (store_end(s,
                  audit_append(s, &reader, "view", "report_link", id,
                               patient_id, "ok", e),
                  e) < 0)
        return -1;
    return physician_report_html(s, &reader, episode_id, out, e);
}
