/*
 * schedule: what the clinic sends without being asked
 * (docs/patient-reported.md). One run:
 *
 *   invites   each closed episode whose follow-up window (invitation.h)
 *             has opened, with no invitation for that window yet (revoked
 *             ones count: a revoked link is not made again) and no
 *             follow-up score in it, when the patient has an email address
 *             and did not opt out: an email invitation, as
 *             invitation_create() would make it;
 *   reminds   each open email invitation, not answered, whose last message
 *             was sent, at most SCHEDULE_MAX_REMINDERS times: reminder k is
 *             due k thirds into the window, and not sooner than a sixth of
 *             the window after the last message.
 *
 * Nothing is done when mail is not configured. The scheduler acts as the
 * clinic's own admin named "scheduler" in the audit log.
 */
#ifndef TS_PROM_SCHEDULE_H
#define TS_PROM_SCHEDULE_H

#include "core/err.h"
#include "store/store.h"

struct catalog;

#define SCHEDULE_MAX_REMINDERS 2

struct schedule_report {
    int invited;        /* invitations made */
    int reminded;       /* reminders queued */
    int skipped;        /* windows that could not be invited (no wording) */
    int not_configured; /* 1: mail is not configured, nothing done */
};

/* One run over the store (cat NULL: the shipped catalog). */
int schedule_run(struct store *s, const struct catalog *cat,
                 struct schedule_report *r, struct err *e);

/*
 * A thread that runs schedule_run() and then outbox_send_due() at once
 * and every interval_seconds, on a store of its own, until stopped. log
 * (when not NULL) receives one line per run that did something or failed
 * (counts and the error's message; no patient data), from the thread.
 */
struct schedule_thread;
struct schedule_thread_options {
    const char *db_path;
    const struct catalog *catalog; /* must outlive the thread */
    int interval_seconds;
    void (*log)(const char *line);
};
/* Starts the thread; *out is freed by schedule_thread_stop(). */
int schedule_thread_start(const struct schedule_thread_options *o,
                          struct schedule_thread **out, struct err *e);
/* Wakes the thread, waits for its run in progress to end, frees it. */
void schedule_thread_stop(struct schedule_thread *t);

#endif
