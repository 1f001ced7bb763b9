#include "prom/outbox.h"

#include <string.h>

#include "core/clock.h"
#include "core/util.h"

const char *outbox_kind_name(enum outbox_kind k)
{
    switch (k) {
    case OUTBOX_INVITATION: return "invitation";
    case OUTBOX_REMINDER: return "reminder";
    case OUTBOX_PHYSICIAN_REPORT: return "physician_report";
    }
    BUG("outbox kind %d", (int)k);
}

static int plausible_address(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 3 || n > 254)
        return 0;
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '<' ||
            *p == '>' || *p == ',' || *p == ';')
            return 0;
    return 1;
}

int outbox_queue(struct store *s, const struct outbox_new *m, int64_t *id,
                 struct err *e)
{
    if (!plausible_address(m->recipient))
        return err_set(e, ERR_INPUT, "recipient",
                       "'%.64s' is not an email address",
                       m->recipient ? m->recipient : "");
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    struct stmt *st = store_prepare(
        s, "INSERT INTO outbox (kind, recipient, subject, body,"
           " invitation_id, report_link_id, status, attempts, max_attempts,"
           " next_attempt_at, created_at)"
           " VALUES (:kind, :recipient, :subject, :body, :invitation,"
           " :report_link, 'queued', 0, :max, :now, :now)");
    stmt_bind_text(st, ":kind", outbox_kind_name(m->kind));
    stmt_bind_text(st, ":recipient", m->recipient);
    stmt_bind_text(st, ":subject", m->subject);
    stmt_bind_text(st, ":body", m->body);
    if (m->invitation_id)
        stmt_bind_int(st, ":invitation", m->invitation_id);
    else
        stmt_bind_null(st, ":invitation");
    if (m->report_link_id)
        stmt_bind_int(st, ":report_link", m->report_link_id);
    else
        stmt_bind_null(st, ":report_link");
    stmt_bind_int(st, ":max", m->max_attempts > 0
                                  ? m->max_attempts
                                  : OUTBOX_DEFAULT_MAX_ATTEMPTS);
    stmt_bind_text(st, ":now", now);
    int rc = stmt_step(st, e);
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    *id = store_last_id(s);
    return 0;
}
