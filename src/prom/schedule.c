#include "prom/schedule.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/util.h"
#include "prom/invitation.h"
#include "prom/mail.h"
#include "prom/outbox.h"
#include "record/audit.h"
#include "record/scope.h"

static const struct actor schedule_actor = {0, ROLE_ADMIN, 0, "scheduler",
                                            "local"};

struct candidate {
    int64_t episode_id;
    char protocol_id[128];
    long ended;
};

/* 1 when the episode has an invitation for the window opening at opens,
 * or a follow-up score in [from, until). */
static int window_taken(struct store *s, int64_t episode_id,
                        const char *opens, const char *from_date,
                        const char *until_date, struct err *e)
{
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT EXISTS (SELECT 1 FROM invitation WHERE episode_id ="
        " :episode AND timepoint = 'followup' AND opens_at = :opens) OR"
        " EXISTS (SELECT 1 FROM observation WHERE episode_id = :episode"
        " AND timepoint = 'followup' AND substr(observed_at, 1, 10) >="
        " :from AND substr(observed_at, 1, 10) < :until)",
        STORE_INT(":episode", episode_id), STORE_TEXT(":opens", opens),
        STORE_TEXT(":from", from_date), STORE_TEXT(":until", until_date));
    int64_t taken = 0;
    return stmt_one_int(st, &taken, e) < 0 ? -1 : (int)taken;
}

static int invite_due(struct store *s, const struct catalog *cat,
                      struct schedule_report *r, struct err *e)
{
    long today = clock_today();
    char oldest[CLOCK_DATE_LEN];
    clock_format_date(today - INVITATION_OVERDUE_DAYS, oldest);
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT e.id, e.protocol_id, e.ended_on FROM episode e"
        " JOIN patient p ON p.id = e.patient_id"
        " WHERE e.ended_on IS NOT NULL AND e.ended_on >= :oldest"
        " AND p.email IS NOT NULL AND p.email <> ''"
        " AND p.contact_opt_out_at IS NULL ORDER BY e.id",
        STORE_TEXT(":oldest", oldest));
    struct candidate *c = NULL;
    size_t n = 0, alloc = 0;
    int rc;
    while ((rc = stmt_step(st, e)) > 0) {
        struct err ignored = ERR_INIT;
        long ended;
        if (clock_parse_date(stmt_text(st, 2), &ended, "ended_on",
                             &ignored) < 0)
            continue;
        ALLOC_GROW(c, n + 1, alloc);
        c[n].episode_id = stmt_int(st, 0);
        snprintf(c[n].protocol_id, sizeof(c[n].protocol_id), "%s",
                 stmt_text(st, 1));
        c[n].ended = ended;
        n++;
    }
    stmt_finalize(st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct protocol *p = catalog_find(cat, c[i].protocol_id);
        long from, until;
        const char *delay;
        int late;
        if (!p || invitation_followup_window(p, c[i].ended, today, &from,
                                             &until, &delay, &late) < 0 ||
            late || today < from)
            continue;
        char opens[CLOCK_INSTANT_LEN], from_date[CLOCK_DATE_LEN],
            until_date[CLOCK_DATE_LEN];
        clock_format_instant((time_t)from * 86400, opens);
        clock_format_date(from, from_date);
        clock_format_date(until, until_date);
        int taken = window_taken(s, c[i].episode_id, opens, from_date,
                                 until_date, e);
        if (taken < 0) {
            rc = -1;
            break;
        }
        if (taken)
            continue;
        struct invitation_new in = {.catalog = cat,
                                    .episode_id = c[i].episode_id,
                                    .timepoint = "followup",
                                    .channel = "email"};
        struct invitation_created out;
        struct err refused = ERR_INIT;
        if (invitation_create(s, &schedule_actor, &in, &out, &refused) == 0)
            r->invited++;
        else if (refused.code == ERR_FAIL)
            rc = err_set(e, refused.code, refused.field, "%s",
                         refused.message);
        else
            r->skipped++;
        memset(out.token, 0, sizeof(out.token));
    }
    free(c);
    return rc < 0 ? -1 : 0;
}

struct open_invitation {
    int64_t id, patient_id;
    time_t opens, expires, last_sent;
    int reminders;
    char email[256];
};

static int remind_one(struct store *s, const struct open_invitation *inv,
                      struct err *e)
{
    if (store_begin(s, e) < 0)
        return -1;
    struct outbox_new m = {
        .kind = OUTBOX_REMINDER,
        .recipient = inv->email,
        .invitation_id = inv->id,
    };
    int64_t outbox_id;
    int rc = outbox_queue(s, &m, &outbox_id, e);
    if (rc == 0) {
        rc = STORE_RUN(s, e,
                       "UPDATE invitation SET reminders = reminders + 1"
                       " WHERE id = :id",
                       STORE_INT(":id", inv->id));
    }
    return audit_end(s, &schedule_actor, "remind", "invitation", inv->id,
                     inv->patient_id, rc, e);
}

static int remind_due(struct store *s, struct schedule_report *r,
                      struct err *e)
{
    time_t now = clock_now();
    char now_text[CLOCK_INSTANT_LEN];
    clock_format_instant(now, now_text);
    struct stmt *st = store_prepare(
        s, "SELECT i.id, e.patient_id, i.opens_at, i.expires_at,"
           " i.last_sent_at, i.reminders, p.email FROM invitation i"
           " JOIN episode e ON e.id = i.episode_id"
           " JOIN patient p ON p.id = e.patient_id"
           " WHERE i.channel = 'email' AND i.used_at IS NULL"
           " AND i.revoked_at IS NULL AND i.reminders < :max"
           " AND i.opens_at <= :now AND i.expires_at > :now"
           " AND i.last_sent_at IS NOT NULL"
           " AND p.contact_opt_out_at IS NULL"
           " AND p.email IS NOT NULL AND p.email <> ''"
           " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.invitation_id ="
           " i.id AND o.status IN ('queued', 'sending')) ORDER BY i.id");
    stmt_bind_params(st, STORE_PARAMS(STORE_INT(":max", SCHEDULE_MAX_REMINDERS),
                                      STORE_TEXT(":now", now_text)));
    struct open_invitation *due = NULL;
    size_t n = 0, alloc = 0;
    int rc;
    while ((rc = stmt_step(st, e)) > 0) {
        struct open_invitation inv = {0};
        struct err ignored = ERR_INIT;
        inv.id = stmt_int(st, 0);
        inv.patient_id = stmt_int(st, 1);
        if (clock_parse_instant(stmt_text(st, 2), &inv.opens, "opens_at",
                                &ignored) < 0 ||
            clock_parse_instant(stmt_text(st, 3), &inv.expires, "expires_at",
                                &ignored) < 0 ||
            clock_parse_instant(stmt_text(st, 4), &inv.last_sent,
                                "last_sent_at", &ignored) < 0)
            continue;
        inv.reminders = (int)stmt_int(st, 5);
        snprintf(inv.email, sizeof(inv.email), "%s", stmt_text(st, 6));
        time_t window = inv.expires - inv.opens;
        if (now < inv.opens + (inv.reminders + 1) * (window / 3) ||
            now < inv.last_sent + window / 6)
            continue;
        ALLOC_GROW(due, n + 1, alloc);
        due[n++] = inv;
    }
    stmt_finalize(st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (remind_one(s, &due[i], e) < 0)
            rc = -1;
        else
            r->reminded++;
    }
    free(due);
    return rc < 0 ? -1 : 0;
}

int schedule_run(struct store *s, const struct catalog *cat,
                 struct schedule_report *r, struct err *e)
{
    memset(r, 0, sizeof(*r));
    struct mail_config mail;
    int found;
    if (mail_config_load(s, &mail, &found, e) < 0)
        return -1;
    if (!found) {
        r->not_configured = 1;
        return 0;
    }
    if (invite_due(s, scope_catalog(cat), r, e) < 0)
        return -1;
    return remind_due(s, r, e);
}

/* ---- the thread inside `touchstone serve` ---- */

struct schedule_thread {
    struct schedule_thread_options o;
    char *db_path;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
};

static void run_once(struct schedule_thread *t)
{
    struct store *s = NULL;
    struct err e = ERR_INIT;
    char line[768];
    if (store_open(t->db_path, STORE_EXISTING, &s, &e) < 0) {
        if (t->o.log) {
            snprintf(line, sizeof(line), "scheduler: %s", e.message);
            t->o.log(line);
        }
        return;
    }
    struct schedule_report sr;
    struct outbox_report orep = {0};
    int rc = schedule_run(s, t->o.catalog, &sr, &e);
    if (rc == 0 && !sr.not_configured)
        rc = outbox_send_due(s, 0, &orep, &e);
    store_close(s);
    if (!t->o.log)
        return;
    if (rc < 0) {
        snprintf(line, sizeof(line), "scheduler: %s%s%s", e.field,
                 e.field[0] ? ": " : "", e.message);
        t->o.log(line);
    } else if (sr.invited || sr.reminded || orep.sent || orep.retrying ||
               orep.failed || orep.cancelled) {
        snprintf(line, sizeof(line),
                 "scheduler: invited %d, reminders %d; sent %d, retrying %d, "
                 "failed %d, cancelled %d%s%s",
                 sr.invited, sr.reminded, orep.sent, orep.retrying,
                 orep.failed, orep.cancelled,
                 orep.last_error[0] ? "; last error: " : "",
                 orep.last_error);
        t->o.log(line);
    }
}

static void *schedule_main(void *arg)
{
    struct schedule_thread *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        pthread_mutex_unlock(&t->lock);
        run_once(t);
        pthread_mutex_lock(&t->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += t->o.interval_seconds;
        while (!t->stop &&
               pthread_cond_timedwait(&t->wake, &t->lock, &until) !=
                   ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

int schedule_thread_start(const struct schedule_thread_options *o,
                          struct schedule_thread **out, struct err *e)
{
    struct schedule_thread *t = xcalloc(1, sizeof(*t));
    t->o = *o;
    if (t->o.interval_seconds < 1)
        t->o.interval_seconds = 60;
    t->db_path = xstrdup(o->db_path);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    /* The thread inherits a mask that blocks SIGINT and SIGTERM (the
     * server takes them with sigwait() in the main thread) and SIGPIPE (a
     * mail server that hangs up is an error, not the process's end). */
    sigset_t quiet, old;
    sigemptyset(&quiet);
    sigaddset(&quiet, SIGINT);
    sigaddset(&quiet, SIGTERM);
    sigaddset(&quiet, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &quiet, &old);
    int rc = pthread_create(&t->thread, NULL, schedule_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        pthread_mutex_destroy(&t->lock);
        pthread_cond_destroy(&t->wake);
        free(t->db_path);
        free(t);
        return err_set(e, ERR_FAIL, "scheduler", "unable to start: %s",
                       strerror(rc));
    }
    *out = t;
    return 0;
}

void schedule_thread_stop(struct schedule_thread *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->wake);
    free(t->db_path);
    free(t);
}
