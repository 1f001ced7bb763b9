#include "web/report_cache.h"
#include "core/util.h"
#include "outcomes/report.h"
#include "record/audit.h"
#include "record/validate.h"
#include "web/handlers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Documents kept: one per practitioner and protocol filter, at most this
 * many (about 35 KB each at registry scale); a full table replaces the
 * slot of the same hash. */
#define CACHE_SLOTS 256

struct slot {
    int used;
    int64_t practitioner_id;
    char *protocol; /* NULL: every protocol */
    uint64_t key;   /* the change count its snapshot is at least as new as */
    char *body; /* the JSON answer, as web_reply_json writes it */
    size_t len;
    time_t served_at; /* monotonic seconds of its last answer */
    /* A request computing a document for this slot now: the others that
     * miss on the same key wait for it (cache_done) instead of each
     * computing the same document (after a write, every read misses). */
    int computing;
    uint64_t computing_serial; /* which computing: raised by each claim */
    int64_t computing_id;
    char *computing_protocol;
    uint64_t computing_key;
};

/* How many times a request that misses while another document of the
 * same practitioner is being computed waits for it and looks again with a
 * new snapshot, before it computes its own. Under writes, the reads that
 * miss then share one computing of the newest document at a time instead
 * of each computing the one of its own snapshot, all at once. */
#define CACHE_WAITS 3

static struct slot slots[CACHE_SLOTS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cache_done = PTHREAD_COND_INITIALIZER;

/* Each group's part of the documents (outcomes/report.h), kept for the
 * process: after a change of one group's summaries, a document computed
 * again takes every other group's part as it was. About 30 groups for
 * each of a few hundred practitioners. */
#define PART_SLOTS 8192

static struct report_parts *parts;
static pthread_once_t parts_once = PTHREAD_ONCE_INIT;

static void parts_make(void)
{
    parts = report_parts_new(PART_SLOTS);
}

static struct report_parts *kept_parts(void)
{
    pthread_once(&parts_once, parts_make);
    return parts;
}

static size_t slot_of(int64_t id, const char *protocol)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
    for (const char *p = protocol; p && *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001B3ULL;
    return (size_t)(h % CACHE_SLOTS);
}

static int same_protocol(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

enum lookup { CACHE_HIT, CACHE_CLAIMED, CACHE_MISS, CACHE_NEWER };

static time_t monotonic_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

/* Copies the kept answer into body when the key matches (CACHE_HIT).
 * On a miss, waits while another request computes the same document
 * (then looks again); otherwise claims the slot's computing
 * (CACHE_CLAIMED: the caller computes and calls cache_unclaim). When
 * another document is being computed for the slot (for another key: a
 * change came between the two requests), with may_wait it waits for that
 * computing to end and returns CACHE_NEWER: the caller reads the key
 * again and looks again. Without, CACHE_MISS: the caller computes its own
 * document, unshared. */
static enum lookup cache_get(struct buf *body, int64_t id,
                             const char *protocol, uint64_t key,
                             int may_wait)
{
    enum lookup found = CACHE_MISS;
    pthread_mutex_lock(&cache_lock);
    struct slot *sl = &slots[slot_of(id, protocol)];
    for (;;) {
        if (sl->used && sl->practitioner_id == id &&
            same_protocol(sl->protocol, protocol) && sl->key == key) {
            buf_reset(body);
            buf_add(body, sl->body, sl->len);
            sl->served_at = monotonic_seconds();
            found = CACHE_HIT;
            break;
        }
        if (!sl->computing) {
            sl->computing = 1;
            sl->computing_serial++;
            sl->computing_id = id;
            sl->computing_protocol = protocol ? xstrdup(protocol) : NULL;
            sl->computing_key = key;
            found = CACHE_CLAIMED;
            break;
        }
        if (sl->computing_id != id ||
            !same_protocol(sl->computing_protocol, protocol) ||
            sl->computing_key != key) {
            if (!may_wait || sl->computing_id != id ||
                !same_protocol(sl->computing_protocol, protocol))
                break;
            uint64_t serial = sl->computing_serial;
            while (sl->computing && sl->computing_serial == serial)
                pthread_cond_wait(&cache_done, &cache_lock);
            found = CACHE_NEWER;
            break;
        }
        pthread_cond_wait(&cache_done, &cache_lock);
    }
    pthread_mutex_unlock(&cache_lock);
    return found;
}

/* Ends a CACHE_CLAIMED computing (kept or failed) and wakes its waiters. */
static void cache_unclaim(int64_t id, const char *protocol)
{
    pthread_mutex_lock(&cache_lock);
    struct slot *sl = &slots[slot_of(id, protocol)];
    sl->computing = 0;
    free(sl->computing_protocol);
    sl->computing_protocol = NULL;
    pthread_cond_broadcast(&cache_done);
    pthread_mutex_unlock(&cache_lock);
}

static void cache_put(int64_t id, const char *protocol, uint64_t key,
                      const char *body, size_t len)
{
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, body, len);
    char *proto = protocol ? xstrdup(protocol) : NULL;
    pthread_mutex_lock(&cache_lock);
    struct slot *sl = &slots[slot_of(id, protocol)];
    char *old_body = sl->body, *old_proto = sl->protocol;
    /* A slower computing of an older snapshot does not replace a newer
     * document of the same report. */
    if (sl->used && sl->practitioner_id == id &&
        same_protocol(sl->protocol, protocol) && sl->key > key) {
        pthread_mutex_unlock(&cache_lock);
        free(copy);
        free(proto);
        return;
    }
    sl->used = 1;
    sl->practitioner_id = id;
    sl->protocol = proto;
    sl->key = key;
    sl->body = copy;
    sl->len = len;
    sl->served_at = monotonic_seconds();
    pthread_mutex_unlock(&cache_lock);
    free(old_body);
    free(old_proto);
}

/* The change count of the server's database (record/audit.h): a document
 * kept under a count is at least as new as every commit it counts. */
static uint64_t change_count(const struct web_ctx *w)
{
    return audit_writer_changes(w->config->audit);
}

/* The last answer of this thread served from a kept document, until the
 * request's audit entry is durable (report_cache_recheck). */
static _Thread_local struct {
    int pending;
    uint64_t key;
    int64_t id;
    char *protocol;
} served;

static void served_forget(void)
{
    served.pending = 0;
    free(served.protocol);
    served.protocol = NULL;
}

/* Computes the document in a transaction of its own, with the kept
 * parts; NULL with e when it failed. Its audit entry and cache writes,
 * held in read mode, are the caller's to flush or drop. */
static json_t *compute(struct store *s, const struct actor *a, int64_t id,
                       const char *protocol, struct err *e)
{
    if (store_begin(s, e) < 0)
        return NULL;
    json_t *doc = report_practitioner_json_kept(s, a, id, protocol,
                                               kept_parts(), e);
    if (!doc) {
        store_rollback(s);
        return NULL;
    }
    if (store_commit(s, e) < 0) {
        store_rollback(s);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

int report_cache_practitioner(struct web_ctx *w, int64_t id,
                              const char *protocol)
{
    const struct actor *a = &w->actor;
    struct err ignored = ERR_INIT;
    served_forget();
    /* Refusals (and their audit entries) stay with the library. */
    if (a->role == ROLE_RESEARCHER ||
        (a->role == ROLE_THERAPIST && a->practitioner_id != id) ||
        (protocol && validate_slug(protocol, "protocol", &ignored) < 0))
        return 1;
    struct store *s = w->store;
    /* Waiting for another's computing needs no transaction of ours open
     * around; outside read mode our transaction would hold the write
     * lock, which the audit writer and every answer waiting for it would
     * wait for. */
    int waits = store_depth(s) == 0 && store_read_mode(s) ? CACHE_WAITS : 0;
    enum lookup found;
    uint64_t key;
    for (;;) {
        key = change_count(w);
        found = cache_get(&w->resp->body, id, protocol, key, waits > 0);
        if (found != CACHE_NEWER)
            break;
        waits--;
    }
    if (found == CACHE_HIT) {
        if (store_begin(s, &w->err) < 0 ||
            audit_append(s, a, "read", "practitioner_outcome", id, 0, "ok",
                         &w->err) < 0 ||
            store_commit(s, &w->err) < 0) {
            store_rollback(s);
            buf_reset(&w->resp->body);
            return -1;
        }
        /* A commit made before this request but not yet counted (by
         * another process) is counted by the time the audit entry is
         * durable: checked then. */
        served.pending = 1;
        served.key = key;
        served.id = id;
        served.protocol = protocol ? xstrdup(protocol) : NULL;
        w->resp->status = 200;
        http_response_set_header(w->resp, "Content-Type",
                                 "application/json; charset=utf-8");
        return 0;
    }
    json_t *doc = compute(s, a, id, protocol, &w->err);
    if (!doc) {
        if (found == CACHE_CLAIMED)
            cache_unclaim(id, protocol);
        return -1;
    }
    web_reply_json(w, 200, doc);
    cache_put(id, protocol, key, w->resp->body.data, w->resp->body.len);
    if (found == CACHE_CLAIMED)
        cache_unclaim(id, protocol);
    return 0;
}

int report_cache_recheck(struct web_ctx *w, int answer)
{
    if (!served.pending)
        return 0;
    if (!answer) {
        served_forget();
        return 0;
    }
    int64_t id = served.id;
    char *protocol = served.protocol;
    served.protocol = NULL;
    int stale = change_count(w) != served.key;
    served_forget();
    if (!stale) {
        free(protocol);
        return 0;
    }
    /* The answer again, from a snapshot taken now (its read is audited
     * already: what this computing holds is dropped). */
    struct store *s = w->store;
    int rc = 0, waits = CACHE_WAITS;
    store_read_mode_set(s, 1);
    for (;;) {
        uint64_t key = change_count(w);
        enum lookup found =
            cache_get(&w->resp->body, id, protocol, key, waits > 0);
        if (found == CACHE_NEWER) {
            waits--;
            continue;
        }
        if (found == CACHE_HIT)
            break;
        json_t *doc = compute(s, &actor_cli, id, protocol, &w->err);
        if (doc) {
            web_reply_json(w, 200, doc);
            if (!store_wants_write(s))
                cache_put(id, protocol, key, w->resp->body.data,
                          w->resp->body.len);
        } else
            rc = -1;
        if (found == CACHE_CLAIMED)
            cache_unclaim(id, protocol);
        break;
    }
    store_rollback(s);
    store_drop_deferred(s, 0);
    store_read_mode_set(s, 0);
    free(protocol);
    return rc;
}

/* At most this many kept documents are computed again by a write, those
 * served in the last REFRESH_SECONDS. */
#define REFRESH_DOCUMENTS 8
#define REFRESH_SECONDS 2

void report_cache_refresh(struct web_ctx *w)
{
    struct {
        int64_t id;
        char *protocol;
    } hot[REFRESH_DOCUMENTS];
    size_t n = 0;
    time_t now = monotonic_seconds();
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < CACHE_SLOTS && n < REFRESH_DOCUMENTS; i++)
        if (slots[i].used && now - slots[i].served_at <= REFRESH_SECONDS) {
            hot[n].id = slots[i].practitioner_id;
            hot[n].protocol =
                slots[i].protocol ? xstrdup(slots[i].protocol) : NULL;
            n++;
        }
    pthread_mutex_unlock(&cache_lock);
    struct store *s = w->store;
    store_read_mode_set(s, 1);
    for (size_t i = 0; i < n; i++) {
        uint64_t key = change_count(w);
        struct buf body = BUF_INIT;
        /* Not waiting: a reader computing it now computes the same. */
        enum lookup found = cache_get(&body, hot[i].id, hot[i].protocol,
                                      key, 0);
        buf_release(&body);
        if (found == CACHE_CLAIMED) {
            struct err e = ERR_INIT;
            json_t *doc = compute(s, &actor_cli, hot[i].id, hot[i].protocol,
                                  &e);
            if (doc) {
                struct buf answer = BUF_INIT;
                web_json_text(doc, &answer);
                if (!store_wants_write(s))
                    cache_put(hot[i].id, hot[i].protocol, key, answer.data,
                              answer.len);
                buf_release(&answer);
            }
            cache_unclaim(hot[i].id, hot[i].protocol);
        }
        store_rollback(s);
        store_drop_deferred(s, 0);
        free(hot[i].protocol);
    }
    store_read_mode_set(s, 0);
}
