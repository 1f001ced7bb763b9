#include "prom/invitation.h"
#include "prom/links.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/util.h"
#include "prom/mail.h"
#include "prom/outbox.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/scope.h"

static void day_instant(long day, char out[CLOCK_INSTANT_LEN])
{
    clock_format_instant((time_t)day * 86400, out);
}

int invitation_followup_window(const struct protocol *p, long ended,
                               long today, long *from, long *until,
                               const char **delay, int *late)
{
    int last = -1;
    *late = 0;
    for (int j = 0; j < p->follow_up_count; j++) {
        int hours = p->follow_ups[j].hours;
        if (hours < 24)
            continue;
        long f = ended + hours / 24;
        long u = j + 1 < p->follow_up_count
                     ? ended + p->follow_ups[j + 1].hours / 24
                     : f + hours / 48 + 1;
        if (today < u) {
            *from = f;
            *until = u;
            *delay = p->follow_ups[j].text;
            return 0;
        }
        last = j;
    }
    if (last < 0 || today - ended > INVITATION_OVERDUE_DAYS)
        return -1;
    *from = today;
    *until = today + INVITATION_LATE_DAYS;
    *delay = p->follow_ups[last].text;
    *late = 1;
    return 0;
}

/* Rolls back; a refusal of a record the caller may not see is audited
 * ("denied") for anyone but an admin. Returns -1. */
static int refuse(struct store *s, const struct actor *caller,
                  const char *action, int64_t id, struct err *e)
{
    return audit_refuse(s, caller, action, "invitation", id, 0, e);
}

struct episode_facts {
    char protocol_id[128];
    char ended_on[CLOCK_DATE_LEN];
    char email[256];
    char opted_out_at[CLOCK_INSTANT_LEN];
    int64_t sessions;
};

static int episode_facts_load(struct store *s, int64_t episode_id,
                              struct episode_facts *f, struct err *e)
{
    memset(f, 0, sizeof(*f));
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT e.protocol_id, e.ended_on, p.email, p.contact_opt_out_at,"
        " (SELECT count(*) FROM session x WHERE x.episode_id = e.id)"
        " FROM episode e JOIN patient p ON p.id = e.patient_id"
        " WHERE e.id = :id",
        STORE_INT(":id", episode_id));
    int rc = stmt_step(st, e);
    if (rc > 0) {
        str_copy(f->protocol_id, sizeof(f->protocol_id), stmt_text(st, 0));
        str_copy(f->ended_on, sizeof(f->ended_on), stmt_text(st, 1));
        str_copy(f->email, sizeof(f->email), stmt_text(st, 2));
        str_copy(f->opted_out_at, sizeof(f->opted_out_at), stmt_text(st, 3));
        f->sessions = stmt_int(st, 4);
    } else if (rc == 0) {
        rc = err_set(e, ERR_NOT_FOUND, "episode", "no episode %lld",
                     (long long)episode_id);
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* The instruments asked: the named one (it must have wording), or the
 * protocol's primary and secondary ones that have wording. */
static int pick_instruments(const struct catalog *cat,
                            const struct protocol *p, const char *named,
                            struct invitation_created *out, struct err *e)
{
    json_t *codes = json_array();
    struct buf skipped = BUF_INIT;
    if (named) {
        const struct instrument *ins = instrument_find(named);
        if (!ins) {
            json_decref(codes);
            return err_set(e, ERR_INPUT, "instrument",
                           "'%.64s' is not an instrument (see 'touchstone "
                           "instrument list')", named);
        }
        if (!catalog_wording(cat, named)) {
            json_decref(codes);
            return err_set(e, ERR_INPUT, "instrument",
                           "'%s' has no wording a patient could read: "
                           "Touchstone ships the questions only of "
                           "instruments free to reproduce, and the clinic "
                           "has not added licensed wording for it",
                           named);
        }
        json_array_append_new(codes, json_string(named));
    } else {
        for (int pass = 0; pass < 2; pass++) {
            int n = pass ? p->secondary_count : p->primary_count;
            const char **list = pass ? p->secondary : p->primary;
            for (int i = 0; i < n; i++) {
                if (catalog_wording(cat, list[i])) {
                    if (json_array_size(codes) < INVITATION_INSTRUMENTS_MAX)
                        json_array_append_new(codes, json_string(list[i]));
                } else {
                    buf_printf(&skipped, "%s%s", skipped.len ? ", " : "",
                               list[i]);
                }
            }
        }
        if (!json_array_size(codes)) {
            json_decref(codes);
            err_set(e, ERR_INPUT, "instrument",
                    "none of protocol '%s''s instruments (%s) has wording a "
                    "patient could read: add the clinic's licensed wording "
                    "or name one with --instrument",
                    p->id, skipped.data);
            buf_release(&skipped);
            return -1;
        }
    }
    char *text = json_dumps(codes, JSON_COMPACT);
    str_copy(out->instruments, sizeof(out->instruments), text);
    str_copy(out->skipped, sizeof(out->skipped), skipped.data);
    free(text);
    json_decref(codes);
    buf_release(&skipped);
    return 0;
}

/* The visit's day of a pre invitation (days since the epoch): in's
 * visit_on, or today. */
static int invitation_visit_day(const struct invitation_new *in, time_t now,
                                long *day, struct err *e)
{
    long today = (long)(now / 86400);
    if (!in->visit_on) {
        *day = today;
        return 0;
    }
    if (clock_parse_date(in->visit_on, day, "on", e) < 0)
        return -1;
    if (*day < today)
        return err_set(e, ERR_INPUT, "on",
                       "%s is past: a patient answers before a visit to "
                       "come (today or later)",
                       in->visit_on);
    if (*day > today + INVITATION_PRE_AHEAD_DAYS)
        return err_set(e, ERR_INPUT, "on", "%s is more than %d days ahead",
                       in->visit_on, INVITATION_PRE_AHEAD_DAYS);
    return 0;
}

/* The window [opens, expires) of in's timepoint for the episode. */
static int timepoint_window(const struct invitation_new *in,
                            const struct protocol *p,
                            const struct episode_facts *f, time_t now,
                            char opens[CLOCK_INSTANT_LEN],
                            char expires[CLOCK_INSTANT_LEN], struct err *e)
{
    if (!strcmp(in->timepoint, "followup")) {
        long ended, from, until;
        const char *delay;
        int late;
        if (!f->ended_on[0])
            return err_set(e, ERR_CONFLICT, "timepoint",
                           "episode %lld has not been discharged: a "
                           "follow-up comes after its end",
                           (long long)in->episode_id);
        if (clock_parse_date(f->ended_on, &ended, "ended_on", e) < 0)
            return -1;
        if (invitation_followup_window(p, ended, (long)(now / 86400), &from,
                                       &until, &delay, &late) < 0)
            return err_set(e, ERR_CONFLICT, "timepoint",
                           "episode %lld has no follow-up window left "
                           "(protocol '%s', discharged %s)",
                           (long long)in->episode_id, p->id, f->ended_on);
        if (late) {
            clock_format_instant(now, opens);
            clock_format_instant(now + (time_t)INVITATION_LATE_DAYS * 86400,
                                 expires);
        } else {
            day_instant(from, opens);
            day_instant(until, expires);
        }
        return 0;
    }
    if (!strcmp(in->timepoint, "baseline")) {
        if (f->sessions > 0 || f->ended_on[0])
            return err_set(e, ERR_CONFLICT, "timepoint",
                           "episode %lld has had its first visit: a "
                           "baseline comes before it",
                           (long long)in->episode_id);
        clock_format_instant(now, opens);
        clock_format_instant(now + (time_t)INVITATION_BASELINE_DAYS * 86400,
                             expires);
        return 0;
    }
    if (f->ended_on[0])
        return err_set(e, ERR_CONFLICT, "timepoint",
                       "episode %lld has ended: no session is ahead",
                       (long long)in->episode_id);
    long day;
    if (invitation_visit_day(in, now, &day, e) < 0)
        return -1;
    day_instant(day, opens);
    day_instant(day + 1, expires);
    return 0;
}

static int check_not_duplicate(struct store *s,
                               const struct invitation_new *in,
                               const char *opens, const char *now,
                               struct err *e)
{
    /* Before a visit: one invitation per visit day; the days differ. */
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT id, used_at IS NOT NULL FROM invitation"
        " WHERE episode_id = :episode AND timepoint = :timepoint"
        " AND revoked_at IS NULL AND (opens_at = :opens OR"
        " (:pre = 0 AND used_at IS NULL AND expires_at > :now)) LIMIT 1",
        STORE_INT(":pre", !strcmp(in->timepoint, "pre")),
        STORE_INT(":episode", in->episode_id),
        STORE_TEXT(":timepoint", in->timepoint), STORE_TEXT(":opens", opens),
        STORE_TEXT(":now", now));
    int rc = stmt_step(st, e);
    if (rc > 0) {
        int64_t id = stmt_int(st, 0);
        int used = (int)stmt_int(st, 1);
        rc = used ? err_set(e, ERR_CONFLICT, "timepoint",
                            "invitation %lld for this window was answered "
                            "already", (long long)id)
                  : err_set(e, ERR_CONFLICT, "timepoint",
                            "invitation %lld for this window is still open: "
                            "resend it, or revoke it first",
                            (long long)id);
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

static int create_in_transaction(struct store *s, const struct actor *caller,
                                 const struct invitation_new *in,
                                 const char *channel, int64_t patient_id,
                                 struct invitation_created *out,
                                 struct err *e)
{
    struct episode_facts f;
    if (episode_facts_load(s, in->episode_id, &f, e) < 0)
        return -1;
    if (f.opted_out_at[0])
        return err_set(e, ERR_CONFLICT, "episode",
                       "the patient declined invitations on %.10s",
                       f.opted_out_at);
    if (!strcmp(channel, "email") && !f.email[0])
        return err_set(e, ERR_CONFLICT, "channel",
                       "the patient has no email address: use --channel "
                       "print for a printed code");
    if (!strcmp(channel, "email") && !mail_address_ok(f.email))
        return err_set(e, ERR_CONFLICT, "channel",
                       "the patient's email address is not usable");
    const struct catalog *cat = scope_catalog(in->catalog);
    const struct protocol *p = catalog_find(cat, f.protocol_id);
    if (!p)
        return err_set(e, ERR_CONFLICT, "episode",
                       "protocol '%s' of episode %lld is not in the catalog",
                       f.protocol_id, (long long)in->episode_id);
    if (pick_instruments(cat, p, in->instrument, out, e) < 0)
        return -1;
    time_t now = clock_now();
    char now_text[CLOCK_INSTANT_LEN];
    clock_format_instant(now, now_text);
    if (timepoint_window(in, p, &f, now, out->opens_at, out->expires_at, e) <
            0 ||
        check_not_duplicate(s, in, out->opens_at, now_text, e) < 0)
        return -1;
    char nonce[TOKEN_NONCE_HEX_LEN], hash[TOKEN_HASH_HEX_LEN];
    if (links_token_new(s, "invitation", nonce, out->token, hash, e) < 0)
        return -1;
    char visit[CLOCK_DATE_LEN] = "";
    if (!strcmp(in->timepoint, "pre"))
        snprintf(visit, sizeof(visit), "%.10s", out->opens_at);
    struct stmt *st = STORE_QUERY(
        s,
        "INSERT INTO invitation (episode_id, timepoint, instruments, nonce,"
        " token_hash, channel, created_at, opens_at, expires_at, visit_on)"
        " VALUES (:episode, :timepoint, :instruments, :nonce, :hash,"
        " :channel, :now, :opens, :expires, :visit)",
        STORE_INT(":episode", in->episode_id),
        STORE_TEXT(":timepoint", in->timepoint),
        STORE_TEXT(":instruments", out->instruments),
        STORE_TEXT(":nonce", nonce), STORE_TEXT(":hash", hash),
        STORE_TEXT(":channel", channel), STORE_TEXT(":now", now_text),
        STORE_TEXT(":opens", out->opens_at),
        STORE_TEXT(":expires", out->expires_at),
        STORE_TEXT(":visit", visit[0] ? visit : NULL));
    if (stmt_insert(st, &out->id, e) < 0)
        return -1;
    if (!strcmp(channel, "email")) {
        struct outbox_new m = {
            .kind = OUTBOX_INVITATION,
            .recipient = f.email,
            .invitation_id = out->id,
        };
        if (outbox_queue(s, &m, &out->outbox_id, e) < 0 ||
            outbox_defer(s, out->outbox_id, out->opens_at, e) < 0)
            return -1;
    }
    return audit_append(s, caller, "create", "invitation", out->id,
                        patient_id, "ok", e);
}

int invitation_create(struct store *s, const struct actor *caller,
                      const struct invitation_new *in,
                      struct invitation_created *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    const char *channel = in->channel ? in->channel : "email";
    if (!in->timepoint || (strcmp(in->timepoint, "baseline") &&
                           strcmp(in->timepoint, "followup") &&
                           strcmp(in->timepoint, "pre")))
        return err_set(e, ERR_INPUT, "timepoint",
                       "'%.32s' is not baseline, followup or pre",
                       in->timepoint ? in->timepoint : "");
    if (strcmp(channel, "email") && strcmp(channel, "print"))
        return err_set(e, ERR_INPUT, "channel",
                       "'%.32s' is not email or print", channel);
    if (in->visit_on && strcmp(in->timepoint, "pre"))
        return err_set(e, ERR_INPUT, "on",
                       "a visit's day is given only with timepoint pre");
    int64_t patient_id = 0;
    if (links_create_begin(s, caller, in->episode_id, "invitation",
                           &patient_id, e) < 0)
        return -1;
    int rc =
        create_in_transaction(s, caller, in, channel, patient_id, out, e);
    return links_create_end(s, rc, out->token, sizeof(out->token), e);
}

/* ---- list ---- */

static const char *state_of(const struct invitation *inv, const char *now)
{
    if (inv->revoked_at[0])
        return "revoked";
    if (inv->used_at[0])
        return inv->held ? "held" : "used";
    if (strcmp(now, inv->expires_at) >= 0)
        return "expired";
    if (strcmp(now, inv->opens_at) < 0)
        return "waiting";
    return "open";
}

#define INVITATION_COLUMNS                                                     \
    "i.id, i.episode_id, e.patient_id, i.timepoint, i.instruments,"            \
    " i.channel, i.created_at, i.opens_at, i.expires_at, i.used_at,"           \
    " i.revoked_at, i.revoked_reason, i.reminders, i.last_sent_at,"            \
    " i.visit_on, (SELECT count(*) FROM held_answer h"                         \
    " WHERE h.invitation_id = i.id AND h.observation_id IS NULL)"

static void invitation_row(struct stmt *st, void *item, const char *now)
{
    struct invitation *inv = item;
    memset(inv, 0, sizeof(*inv));
    inv->id = stmt_int(st, 0);
    inv->episode_id = stmt_int(st, 1);
    inv->patient_id = stmt_int(st, 2);
    str_copy(inv->timepoint, sizeof(inv->timepoint), stmt_text(st, 3));
    str_copy(inv->instruments, sizeof(inv->instruments), stmt_text(st, 4));
    str_copy(inv->channel, sizeof(inv->channel), stmt_text(st, 5));
    str_copy(inv->created_at, sizeof(inv->created_at), stmt_text(st, 6));
    str_copy(inv->opens_at, sizeof(inv->opens_at), stmt_text(st, 7));
    str_copy(inv->expires_at, sizeof(inv->expires_at), stmt_text(st, 8));
    str_copy(inv->used_at, sizeof(inv->used_at), stmt_text(st, 9));
    str_copy(inv->revoked_at, sizeof(inv->revoked_at), stmt_text(st, 10));
    str_copy(inv->revoked_reason, sizeof(inv->revoked_reason),
              stmt_text(st, 11));
    inv->reminders = (int)stmt_int(st, 12);
    str_copy(inv->last_sent_at, sizeof(inv->last_sent_at),
              stmt_text(st, 13));
    str_copy(inv->visit_on, sizeof(inv->visit_on), stmt_text(st, 14));
    inv->held = (int)stmt_int(st, 15);
    inv->state = state_of(inv, now);
}

LINKS_LIST_DEFINE(invitation, INVITATION_COLUMNS, "i", invitation_row)

ARRAY_LIST_RELEASE(invitation)

/* Loads invitation id and checks that the caller may change its episode
 * (inside the open transaction). */
static int load_for_change(struct store *s, const struct actor *caller,
                           int64_t id, struct invitation *inv,
                           struct err *e)
{
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    struct stmt *st = STORE_QUERY(s,
                                  "SELECT " INVITATION_COLUMNS
                                  " FROM invitation i JOIN episode e"
                                  " ON e.id = i.episode_id WHERE i.id = :id",
                                  STORE_INT(":id", id));
    int rc = stmt_step(st, e);
    if (rc > 0)
        invitation_row(st, inv, now);
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (rc == 0 || access_episode(s, caller, inv->episode_id, 1, "id", NULL,
                                  e) < 0)
        return err_set(e, ERR_NOT_FOUND, "id", "no invitation %lld",
                       (long long)id);
    return 0;
}

int invitation_revoke(struct store *s, const struct actor *caller,
                      int64_t id, const char *reason, struct err *e)
{
    if (!reason || str_blank(reason) ||
        strlen(reason) > INVITATION_REASON_MAX)
        return err_set(e, ERR_INPUT, "reason",
                       "must be 1 to %d bytes of text",
                       INVITATION_REASON_MAX);
    for (const char *p = reason; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return err_set(e, ERR_INPUT, "reason",
                           "must not hold control characters");
    if (store_begin(s, e) < 0)
        return -1;
    struct invitation inv;
    if (load_for_change(s, caller, id, &inv, e) < 0)
        return refuse(s, caller, "revoke", id, e);
    if (inv.revoked_at[0] || inv.used_at[0]) {
        err_set(e, ERR_CONFLICT, "id", "invitation %lld was %s already",
                (long long)id, inv.revoked_at[0] ? "revoked" : "answered");
        store_rollback(s);
        return -1;
    }
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    int rc = STORE_RUN(s, e,
                       "UPDATE invitation SET revoked_at = :now,"
                       " revoked_reason = :reason WHERE id = :id",
                       STORE_TEXT(":now", now), STORE_TEXT(":reason", reason),
                       STORE_INT(":id", id));
    if (rc >= 0)
        rc = outbox_cancel_invitation(s, id, "invitation revoked", NULL, e);
    return audit_end(s, caller, "revoke", "invitation", id, inv.patient_id, rc,
                     e);
}

int invitation_resend(struct store *s, const struct actor *caller,
                      int64_t id, int64_t *outbox_id, struct err *e)
{
    if (store_begin(s, e) < 0)
        return -1;
    struct invitation inv;
    if (load_for_change(s, caller, id, &inv, e) < 0)
        return refuse(s, caller, "resend", id, e);
    int rc = 0;
    struct episode_facts f;
    if (strcmp(inv.state, "open") && strcmp(inv.state, "waiting"))
        rc = err_set(e, ERR_CONFLICT, "id", "invitation %lld is %s",
                     (long long)id, inv.state);
    else if (strcmp(inv.channel, "email"))
        rc = err_set(e, ERR_CONFLICT, "id",
                     "invitation %lld is a printed code: print it again",
                     (long long)id);
    else if (episode_facts_load(s, inv.episode_id, &f, e) < 0)
        rc = -1;
    else if (f.opted_out_at[0])
        rc = err_set(e, ERR_CONFLICT, "id",
                     "the patient declined invitations on %.10s",
                     f.opted_out_at);
    else if (!mail_address_ok(f.email))
        rc = err_set(e, ERR_CONFLICT, "id",
                     "the patient has no usable email address");
    if (rc == 0) {
        int64_t pending = 0;
        rc = stmt_one_int(STORE_QUERY(s,
                                      "SELECT count(*) FROM outbox WHERE"
                                      " invitation_id = :id AND status IN"
                                      " ('queued', 'sending')",
                                      STORE_INT(":id", id)),
                          &pending, e);
        if (rc >= 0 && pending)
            rc = err_set(e, ERR_CONFLICT, "id",
                         "a message of invitation %lld is waiting to be "
                         "sent already", (long long)id);
    }
    if (rc >= 0) {
        struct outbox_new m = {
            .kind = OUTBOX_REMINDER,
            .recipient = f.email,
            .invitation_id = id,
        };
        rc = outbox_queue(s, &m, outbox_id, e);
        if (rc >= 0)
            rc = outbox_defer(s, *outbox_id, inv.opens_at, e);
    }
    return audit_end(s, caller, "resend", "invitation", id, inv.patient_id, rc,
                     e);
}

int invitation_opt_out(struct store *s, const struct actor *caller,
                       int64_t patient_id, int *cancelled, struct err *e)
{
    if (cancelled)
        *cancelled = 0;
    if (store_begin(s, e) < 0)
        return -1;
    if (access_patient(s, caller, patient_id, 1, "id", e) < 0)
        return audit_refuse(s, caller, "opt-out", "patient", patient_id,
                            patient_id, e);
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    int rc = STORE_RUN(s, e,
                       "UPDATE patient SET contact_opt_out_at = :now"
                       " WHERE id = :id AND contact_opt_out_at IS NULL",
                       STORE_TEXT(":now", now), STORE_INT(":id", patient_id));
    if (rc >= 0) {
        rc = STORE_RUN(
            s, e,
            "UPDATE outbox SET status = 'cancelled', last_error ="
            " 'the patient declined invitations' WHERE status = 'queued'"
            " AND invitation_id IN (SELECT i.id FROM invitation i JOIN"
            " episode e ON e.id = i.episode_id WHERE e.patient_id = :id)",
            STORE_INT(":id", patient_id));
        if (rc >= 0 && cancelled)
            *cancelled = store_changes(s);
    }
    return audit_end(s, caller, "opt-out", "patient", patient_id, patient_id,
                     rc, e);
}

json_t *invitation_to_json(const struct invitation *inv)
{
    json_t *instruments = json_loads(inv->instruments, 0, NULL);
    json_t *o = json_pack(
        "{s:I,s:I,s:I,s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:i}", "id",
        (json_int_t)inv->id, "episode", (json_int_t)inv->episode_id,
        "patient", (json_int_t)inv->patient_id, "timepoint", inv->timepoint,
        "instruments", instruments ? instruments : json_array(), "channel",
        inv->channel, "state", inv->state, "created_at", inv->created_at,
        "opens_at", inv->opens_at, "expires_at", inv->expires_at,
        "reminders", inv->reminders);
    json_object_set_new(o, "used_at", inv->used_at[0]
                                          ? json_string(inv->used_at)
                                          : json_null());
    json_object_set_new(o, "revoked_at", inv->revoked_at[0]
                                             ? json_string(inv->revoked_at)
                                             : json_null());
    json_object_set_new(o, "revoked_reason",
                        inv->revoked_at[0] ? json_string(inv->revoked_reason)
                                           : json_null());
    json_object_set_new(o, "last_sent_at",
                        inv->last_sent_at[0] ? json_string(inv->last_sent_at)
                                             : json_null());
    json_object_set_new(o, "visit_on",
                        inv->visit_on[0] ? json_string(inv->visit_on)
                                         : json_null());
    json_object_set_new(o, "held_answers", json_integer(inv->held));
    return o;
}

void invitation_first_name(const char *name, char *out, size_t n)
{
    while (*name == ' ' || *name == '\t')
        name++;
    size_t len = strcspn(name, " \t");
    if (len >= n)
        len = n - 1;
    memcpy(out, name, len);
    out[len] = '\0';
}
