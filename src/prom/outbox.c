#include "prom/invitation.h"
#include "prom/outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/util.h"
#include "prom/mail.h"
#include "prom/smtp.h"
#include "prom/token.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/clinic.h"
#include "record/clinic_key.h"
#include "record/record.h"

const char *outbox_kind_name(enum outbox_kind k)
{
    switch (k) {
    case OUTBOX_INVITATION: return "invitation";
    case OUTBOX_REMINDER: return "reminder";
    case OUTBOX_PHYSICIAN_REPORT: return "physician_report";
    }
    BUG("outbox kind %d", (int)k);
}

int outbox_queue(struct store *s, const struct outbox_new *m, int64_t *id,
                 struct err *e)
{
    if (!mail_address_ok(m->recipient))
        return err_set(e, ERR_INPUT, "recipient",
                       "'%.64s' is not an email address",
                       m->recipient ? m->recipient : "");
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    struct stmt *st = STORE_QUERY(
        s,
        "INSERT INTO outbox (kind, recipient, subject, body, invitation_id,"
        " report_link_id, status, attempts, max_attempts, next_attempt_at,"
        " created_at) VALUES (:kind, :recipient, :subject, :body,"
        " :invitation, :report_link, 'queued', 0, :max, :now, :now)",
        STORE_TEXT(":kind", outbox_kind_name(m->kind)),
        STORE_TEXT(":recipient", m->recipient),
        STORE_TEXT(":subject", m->subject), STORE_TEXT(":body", m->body),
        STORE_ID(":invitation", m->invitation_id),
        STORE_ID(":report_link", m->report_link_id),
        STORE_INT(":max", m->max_attempts > 0 ? m->max_attempts
                                              : OUTBOX_DEFAULT_MAX_ATTEMPTS),
        STORE_TEXT(":now", now));
    return stmt_insert(st, id, e);
}

int outbox_defer(struct store *s, int64_t id, const char *at, struct err *e)
{
    return STORE_RUN(s, e,
                     "UPDATE outbox SET next_attempt_at = :at WHERE id = :id"
                     " AND status = 'queued' AND next_attempt_at < :at",
                     STORE_TEXT(":at", at), STORE_INT(":id", id));
}

int outbox_cancel_invitation(struct store *s, int64_t invitation_id,
                             const char *reason, int *count, struct err *e)
{
    if (STORE_RUN(s, e,
                  "UPDATE outbox SET status = 'cancelled', last_error ="
                  " :reason WHERE invitation_id = :id AND status = 'queued'",
                  STORE_TEXT(":reason", reason),
                  STORE_INT(":id", invitation_id)) < 0)
        return -1;
    if (count)
        *count = store_changes(s);
    return 0;
}

long outbox_backoff_minutes(int attempts)
{
    long minutes = 1;
    for (int i = 1; i < attempts && minutes < OUTBOX_BACKOFF_MAX_MINUTES; i++)
        minutes *= 5;
    return minutes < OUTBOX_BACKOFF_MAX_MINUTES ? minutes
                                                : OUTBOX_BACKOFF_MAX_MINUTES;
}

int outbox_list(struct store *s, const struct actor *caller,
                struct outbox_list *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (access_manage(caller, "see the outbox", e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, "SELECT id, kind, recipient, invitation_id, status, attempts,"
           " max_attempts, next_attempt_at, last_error, created_at, sent_at"
           " FROM outbox ORDER BY id DESC");
    size_t alloc = 0;
    int rc;
    while ((rc = stmt_step(st, e)) > 0) {
        ALLOC_GROW(out->items, out->count + 1, alloc);
        struct outbox_message *m = &out->items[out->count++];
        memset(m, 0, sizeof(*m));
        m->id = stmt_int(st, 0);
        str_copy(m->kind, sizeof(m->kind), stmt_text(st, 1));
        str_copy(m->recipient, sizeof(m->recipient), stmt_text(st, 2));
        m->invitation_id = stmt_int(st, 3);
        str_copy(m->status, sizeof(m->status), stmt_text(st, 4));
        m->attempts = (int)stmt_int(st, 5);
        m->max_attempts = (int)stmt_int(st, 6);
        str_copy(m->next_attempt_at, sizeof(m->next_attempt_at),
                  stmt_text(st, 7));
        str_copy(m->last_error, sizeof(m->last_error), stmt_text(st, 8));
        str_copy(m->created_at, sizeof(m->created_at), stmt_text(st, 9));
        str_copy(m->sent_at, sizeof(m->sent_at), stmt_text(st, 10));
    }
    stmt_finalize(st);
    rc = audit_end(s, caller, "list", "outbox", 0, 0, rc, e);
    return RELEASE_ON_FAILURE(rc, outbox_list_release, out);
}

ARRAY_LIST_RELEASE(outbox)

/* ---- sending ---- */

/* What a run keeps from start to end. */
struct sender {
    struct store *s;
    struct mail_config mail;
    char password[MAIL_PASSWORD_MAX + 1];
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    char clinic[256];
};

/* One message as taken from the table. */
struct pending {
    int64_t id;
    char kind[20];
    char recipient[256];
    char *subject, *body; /* stored text, or NULL: written now */
    int64_t invitation_id;
    int64_t report_link_id;
    int attempts, max_attempts;
    int resumed;
};

static void pending_release(struct pending *m)
{
    free(m->subject);
    free(m->body);
    m->subject = m->body = NULL;
}

/* Takes the next due message (one a crash left 'sending' first) and marks
 * it 'sending' with one more attempt, in a transaction of its own.
 * Returns 1 with *m filled, 0 when none is due, -1 on failure. */
static int take_next(struct store *s, struct pending *m, struct err *e)
{
    memset(m, 0, sizeof(*m));
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT id, kind, recipient, subject, body, invitation_id,"
        " attempts, max_attempts, status = 'sending', report_link_id"
        " FROM outbox"
        " WHERE status = 'sending' OR (status = 'queued' AND"
        " next_attempt_at <= :now) ORDER BY status = 'sending' DESC,"
        " next_attempt_at, id LIMIT 1",
        STORE_TEXT(":now", now));
    int rc = stmt_step(st, e);
    if (rc > 0) {
        m->id = stmt_int(st, 0);
        str_copy(m->kind, sizeof(m->kind), stmt_text(st, 1));
        str_copy(m->recipient, sizeof(m->recipient), stmt_text(st, 2));
        m->subject = stmt_text(st, 3) ? xstrdup(stmt_text(st, 3)) : NULL;
        m->body = stmt_text(st, 4) ? xstrdup(stmt_text(st, 4)) : NULL;
        m->invitation_id = stmt_int(st, 5);
        m->attempts = (int)stmt_int(st, 6) + 1;
        m->max_attempts = (int)stmt_int(st, 7);
        m->resumed = (int)stmt_int(st, 8);
        m->report_link_id = stmt_int(st, 9);
    }
    stmt_finalize(st);
    if (rc > 0 &&
        STORE_RUN(s, e, "UPDATE outbox SET status = 'sending', attempts ="
                        " :attempts WHERE id = :id",
                  STORE_INT(":attempts", m->attempts),
                  STORE_INT(":id", m->id)) < 0)
        rc = -1;
    if (store_end(s, rc, e) < 0) {
        pending_release(m);
        return -1;
    }
    return rc;
}

/* Records how the attempt ended: status with last_error (NULL: cleared)
 * and, for 'queued', the next attempt's instant; for 'sent', the
 * invitation's last_sent_at. */
static int finish(struct store *s, const struct pending *m,
                  const char *status, const char *last_error,
                  const char *next_at, struct err *e)
{
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    if (store_begin(s, e) < 0)
        return -1;
    int rc = STORE_RUN(
        s, e,
        "UPDATE outbox SET status = :status, last_error = :error,"
        " next_attempt_at = coalesce(:next, next_attempt_at), sent_at ="
        " CASE WHEN :status = 'sent' THEN :now ELSE sent_at END"
        " WHERE id = :id",
        STORE_TEXT(":status", status), STORE_TEXT(":error", last_error),
        STORE_TEXT(":next", next_at), STORE_TEXT(":now", now),
        STORE_INT(":id", m->id));
    if (rc >= 0 && m->invitation_id && !strcmp(status, "sent"))
        rc = STORE_RUN(s, e,
                       "UPDATE invitation SET last_sent_at = :now"
                       " WHERE id = :id",
                       STORE_TEXT(":now", now),
                       STORE_INT(":id", m->invitation_id));
    return store_end(s, rc, e);
}

/*
 * A link a message carries: sql selects it by :id (column 0 its nonce,
 * column 1 when it expires, then the columns stops names, and name_col, when
 * not 0, the patient's name); purpose is token_derive's.
 */
struct link_kind {
    const char *sql;
    const char *purpose;
    const char *gone;    /* why, when the link's row is gone */
    const char *expired; /* why, when it has expired */
    struct {
        int col;
        const char *why; /* when column col is not NULL */
    } stops[3];          /* in order; a NULL why ends them */
    int name_col;
};

static const struct link_kind invitation_kind = {
    "SELECT i.nonce, i.expires_at, i.used_at, i.revoked_at, p.name,"
    " p.contact_opt_out_at FROM invitation i"
    " JOIN episode e ON e.id = i.episode_id"
    " JOIN patient p ON p.id = e.patient_id WHERE i.id = :id",
    "invitation",
    "the invitation is gone",
    "the invitation expired",
    {{2, "the invitation was answered"},
     {3, "invitation revoked"},
     {5, "the patient declined invitations"}},
    4,
};

static const struct link_kind report_kind = {
    "SELECT nonce, expires_at, revoked_at FROM report_link WHERE id = :id",
    "report",
    "the report link is gone",
    "the report link expired",
    {{2, "report link revoked"}, {0, NULL}, {0, NULL}},
    0,
};

/*
 * Reads the link id of kind k: its token (wipe it after use) and when it
 * expires into token and expires, the patient's name (k->name_col, "" when
 * none) into name (name_size bytes). Returns 1, 0 when the message is to
 * be cancelled (*why says why: the link is gone, used, revoked or expired,
 * or the patient declined), or -1.
 */
static int link_read(struct sender *x, const struct link_kind *k, int64_t id,
                     char token[TOKEN_TEXT_LEN],
                     char expires[CLOCK_INSTANT_LEN], char *name,
                     size_t name_size, const char **why, struct err *e)
{
    char now[CLOCK_INSTANT_LEN], nonce[TOKEN_NONCE_HEX_LEN];
    clock_format_instant(clock_now(), now);
    struct stmt *st = STORE_QUERY(x->s, k->sql, STORE_INT(":id", id));
    int rc = stmt_step(st, e);
    if (rc <= 0) {
        stmt_finalize(st);
        if (rc == 0)
            *why = k->gone;
        return rc;
    }
    str_copy(nonce, sizeof(nonce), stmt_text(st, 0));
    str_copy(expires, CLOCK_INSTANT_LEN, stmt_text(st, 1));
    if (name_size)
        str_copy(name, name_size, k->name_col ? stmt_text(st, k->name_col)
                                              : NULL);
    for (int i = 0; i < 3 && k->stops[i].why && !*why; i++)
        if (!stmt_is_null(st, k->stops[i].col))
            *why = k->stops[i].why;
    if (!*why && strcmp(now, expires) >= 0)
        *why = k->expired;
    stmt_finalize(st);
    if (*why)
        return 0;
    return token_derive(x->sk, k->purpose, nonce, token, e) < 0 ? -1 : 1;
}

/*
 * Writes an invitation's or a reminder's subject and body into subject and
 * body. Returns 1 when written, 0 when the message is to be cancelled
 * (*why says why), -1 on failure. The body holds the clinic's name, the
 * patient's first name, the link, when it expires and how to opt out:
 * nothing else of the record.
 */
static int write_invitation(struct sender *x, const struct pending *m,
                            struct buf *subject, struct buf *body,
                            const char **why, struct err *e)
{
    char token[TOKEN_TEXT_LEN], expires[CLOCK_INSTANT_LEN];
    char name[RECORD_NAME_MAX + 1], first[128];
    int rc = link_read(x, &invitation_kind, m->invitation_id, token, expires,
                       name, sizeof(name), why, e);
    if (rc <= 0)
        return rc;
    invitation_first_name(name, first, sizeof(first));
    /* The last day the link works: the day before it expires at 00:00,
     * or the day it expires during. */
    time_t until;
    struct err ignored = ERR_INIT;
    char last_day[CLOCK_INSTANT_LEN] = "";
    if (clock_parse_instant(expires, &until, "expires_at", &ignored) == 0)
        clock_format_instant(until - 1, last_day);
    last_day[10] = '\0';
    int reminder = !strcmp(m->kind, "reminder");
    buf_printf(subject, "%s: a few questions about how you are doing",
               x->clinic);
    buf_printf(body, "Hello %s,\n\n", first);
    if (reminder)
        buf_printf(body, "A reminder from %s: we would still like to know "
                         "how you are doing.\n", x->clinic);
    else
        buf_printf(body, "%s would like to know how you are doing.\n",
                   x->clinic);
    buf_printf(body,
               "Please answer a few short questions here:\n\n"
               "%s/r/%s\n\n"
               "The link is for you alone. It works once, until the end of "
               "%s (UTC).\n\n"
               "If you would rather not receive these messages, tell %s "
               "and we will not write to you again.\n\n"
               "%s\n",
               x->mail.base_url, token, last_day, x->clinic, x->clinic);
    sodium_memzero(token, sizeof(token));
    return 1;
}

/*
 * Writes a physician's message (a link to a progress report) into subject
 * and body. Returns 1 when written, 0 when the message is to be cancelled
 * (*why says why), -1 on failure. The body holds the clinic's name, the
 * link and when it expires: nothing of the patient (no name, condition,
 * dates of care or scores), since an email travels in the clear.
 */
static int write_physician_report(struct sender *x, const struct pending *m,
                                  struct buf *subject, struct buf *body,
                                  const char **why, struct err *e)
{
    char token[TOKEN_TEXT_LEN], expires[CLOCK_INSTANT_LEN];
    int rc = link_read(x, &report_kind, m->report_link_id, token, expires,
                       NULL, 0, why, e);
    if (rc <= 0)
        return rc;
    /* "2026-07-30 12:00" of "2026-07-30T12:00:00Z". */
    expires[10] = ' ';
    expires[16] = '\0';
    buf_printf(subject, "%s: a progress report for you", x->clinic);
    buf_printf(body,
               "Hello,\n\n"
               "%s has shared a progress report of a patient you referred. "
               "You can read it here:\n\n"
               "%s/p/%s\n\n"
               "The link works until %s UTC; after that, ask %s for a "
               "new one. Please do not forward this message.\n\n"
               "%s\n",
               x->clinic, x->mail.base_url, token, expires, x->clinic,
               x->clinic);
    sodium_memzero(token, sizeof(token));
    return 1;
}

/* One message: write it, send it, record the outcome. */
static int send_one(struct sender *x, struct pending *m,
                    struct outbox_report *r, struct err *e)
{
    struct buf subject = BUF_INIT, body = BUF_INIT;
    const char *why = NULL;
    int rc;
    if (m->invitation_id &&
        (!strcmp(m->kind, "invitation") || !strcmp(m->kind, "reminder"))) {
        rc = write_invitation(x, m, &subject, &body, &why, e);
    } else if (m->report_link_id && !strcmp(m->kind, "physician_report")) {
        rc = write_physician_report(x, m, &subject, &body, &why, e);
    } else if (m->subject && m->body) {
        buf_puts(&subject, m->subject);
        buf_puts(&body, m->body);
        rc = 1;
    } else {
        why = "no text for this message";
        rc = 0;
    }
    if (rc < 0)
        goto out;
    if (rc == 0) {
        rc = finish(x->s, m, "cancelled", why, NULL, e);
        if (rc == 0)
            r->cancelled++;
        goto out;
    }
    struct smtp_server srv = {
        .url = x->mail.smtp_url,
        .username = x->mail.username,
        .password = x->password,
        .ca_file = x->mail.ca_file,
        .timeout_seconds = 60,
    };
    struct smtp_message msg = {x->mail.from_address, m->recipient,
                               subject.data, body.data};
    struct err sent = ERR_INIT;
    if (smtp_send(&srv, &msg, &sent) == 0) {
        rc = finish(x->s, m, "sent", NULL, NULL, e);
        if (rc == 0)
            r->sent++;
    } else if (m->attempts >= m->max_attempts) {
        rc = finish(x->s, m, "failed", sent.message, NULL, e);
        if (rc == 0)
            r->failed++;
        str_copy(r->last_error, sizeof(r->last_error), sent.message);
    } else {
        char next[CLOCK_INSTANT_LEN];
        clock_format_instant(
            clock_now() + (time_t)outbox_backoff_minutes(m->attempts) * 60,
            next);
        rc = finish(x->s, m, "queued", sent.message, next, e);
        if (rc == 0)
            r->retrying++;
        str_copy(r->last_error, sizeof(r->last_error), sent.message);
    }
out:
    sodium_memzero(body.data, body.len);
    buf_release(&subject);
    buf_release(&body);
    return rc;
}

/* Takes the sender's lock: 1 taken (*fd open), 0 held by another, -1. */
static int lock_outbox(struct store *s, int *fd, struct err *e)
{
    char *path = xasprintf("%s.outbox-lock", store_path(s));
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (*fd < 0) {
        err_set(e, ERR_FAIL, "outbox", "unable to open '%s': %s", path,
                strerror(errno));
        free(path);
        return -1;
    }
    free(path);
    if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
        close(*fd);
        *fd = -1;
        if (errno == EWOULDBLOCK)
            return 0;
        return err_set(e, ERR_FAIL, "outbox", "unable to lock: %s",
                       strerror(errno));
    }
    return 1;
}

int outbox_send_due(struct store *s, int limit, struct outbox_report *report,
                    struct err *e)
{
    memset(report, 0, sizeof(*report));
    struct sender *x = xcalloc(1, sizeof(*x));
    x->s = s;
    int found = 0, fd = -1, rc = 0;
    if (mail_config_load(s, &x->mail, &found, e) < 0) {
        rc = -1;
    } else if (!found) {
        rc = err_set(e, ERR_CONFLICT, "mail",
                     "mail is not configured: run 'touchstone mail "
                     "configure'");
    } else if (x->mail.username[0] &&
               mail_read_password(x->mail.password_file, "password-file",
                                  x->password, e) < 0) {
        rc = -1;
    } else if (clinic_key_load_secret(s, x->sk, e) < 0 ||
               clinic_name(s, x->clinic, sizeof(x->clinic), e) < 0) {
        rc = -1;
    }
    if (rc == 0) {
        int locked = lock_outbox(s, &fd, e);
        if (locked < 0)
            rc = -1;
        else if (!locked)
            report->busy = 1;
    }
    for (int n = 0; rc == 0 && fd >= 0 && (limit <= 0 || n < limit); n++) {
        struct pending m;
        int got = take_next(s, &m, e);
        if (got <= 0) {
            rc = got;
            break;
        }
        if (m.resumed)
            report->resumed++;
        rc = send_one(x, &m, report, e);
        pending_release(&m);
    }
    if (fd >= 0)
        close(fd);
    sodium_memzero(x, sizeof(*x));
    free(x);
    return rc < 0 ? -1 : 0;
}
