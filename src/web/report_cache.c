#include "web/report_cache.h"
#include "core/util.h"
#include "outcomes/report.h"
#include "record/audit.h"
#include "record/validate.h"
#include "web/handlers.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Documents kept: one per practitioner and protocol filter, at most this
 * many (about 35 KB each at registry scale); a full table replaces the
 * slot of the same hash. */
#define CACHE_SLOTS 256
#define FINGERPRINT_BYTES crypto_hash_sha256_BYTES

struct slot {
    int used;
    int64_t practitioner_id;
    char *protocol; /* NULL: every protocol */
    uint64_t key;   /* a change count its snapshot is at least as new as */
    unsigned char fingerprint[FINGERPRINT_BYTES]; /* of that snapshot */
    char *body; /* the JSON answer, as web_reply_json writes it */
    size_t len;
    time_t served_at; /* monotonic seconds of its last answer */
    /* A request computing a document for this slot now: the others that
     * miss on the same key wait for it (cache_done) instead of each
     * computing the same document (after a write, every read misses). */
    int computing;
    uint64_t computing_serial; /* which computing: raised by each claim */
    uint64_t computing_key;    /* the change count its snapshot is at */
    int64_t computing_id;
    char *computing_protocol;
    unsigned char computing_fingerprint[FINGERPRINT_BYTES];
};

static struct slot slots[CACHE_SLOTS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cache_done = PTHREAD_COND_INITIALIZER;

/* Everything the document is computed from, in the open transaction: a
 * kept document whose change count is behind is still the current one
 * when this is unchanged.
 * The outcome groups as their count, their largest id and the sum of
 * their generations: a group is never deleted and its generation only
 * ever rises, by one at each change of its summaries, so the sum is
 * another exactly when a generation is (a third of a cached read's CPU
 * time went to listing every group's). */
static int fingerprint(struct store *s, int64_t id,
                       unsigned char out[FINGERPRINT_BYTES], struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT (SELECT count(*) || ':' || max(id) || ':' ||"
           "  sum(generation) FROM outcome_group),"
           " (SELECT group_concat(name || '=' || value || '@' || updated_at,"
           "  ',') FROM designation_threshold),"
           " (SELECT name || '|' || coalesce(license, '') FROM practitioner"
           "  WHERE id = :id),"
           " (SELECT group_concat(pulled_at || ':' || signature || ':' ||"
           "  length(document)) FROM registry_national),"
           " (SELECT group_concat(registry_public_key) FROM registry_link),"
           " (SELECT group_concat(i.id || '/' || i.channel || '/' ||"
           "  coalesce(i.used_at, '') || '/' || coalesce(i.revoked_at, '')"
           "  || '/' || i.created_at || '/' || i.episode_id, ',')"
           "  FROM invitation i JOIN episode ep ON ep.id = i.episode_id"
           "  WHERE ep.practitioner_id = :id)");
    stmt_bind_int(st, ":id", id);
    int rc = stmt_step(st, e);
    if (rc == 1) {
        crypto_hash_sha256_state h;
        crypto_hash_sha256_init(&h);
        for (int c = 0; c < 6; c++) {
            const char *v = stmt_text(st, c);
            /* Each column as "<length>:<text>;", NULL as "-;". */
            char head[32];
            int n = v ? snprintf(head, sizeof(head), "%zu:", strlen(v))
                      : snprintf(head, sizeof(head), "-");
            crypto_hash_sha256_update(&h, (const unsigned char *)head,
                                      (unsigned long long)n);
            if (v)
                crypto_hash_sha256_update(&h, (const unsigned char *)v,
                                          strlen(v));
            crypto_hash_sha256_update(&h, (const unsigned char *)";", 1);
        }
        crypto_hash_sha256_final(&h, out);
    }
    stmt_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_FAIL, "", "the report's fingerprint is empty");
    return rc < 0 ? -1 : 0;
}

/* The fingerprints read lately, one a practitioner (by slot), each with
 * the change count read before the snapshot it was read in began: a
 * snapshot as new as every commit that count includes. Under a stream of
 * writes the count moves at nearly every pass of the audit writer, and
 * each read then checks its report's fingerprint (on a miss, and again
 * once its audit entry is durable): requests at the same count share one
 * query instead of each reading it. */
#define MEMO_SLOTS 64

static struct {
    int used;
    int64_t id;
    uint64_t key;
    unsigned char fingerprint[FINGERPRINT_BYTES];
} memo[MEMO_SLOTS];
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

/* Copies to fp the fingerprint of practitioner id read in a snapshot
 * that includes every commit change count key includes (read at that
 * count or a later one): 1, else 0. */
static int memo_get(int64_t id, uint64_t key,
                    unsigned char fp[FINGERPRINT_BYTES])
{
    int found = 0;
    pthread_mutex_lock(&memo_lock);
    size_t i = (size_t)((uint64_t)id % MEMO_SLOTS);
    if (memo[i].used && memo[i].id == id && memo[i].key >= key) {
        memcpy(fp, memo[i].fingerprint, FINGERPRINT_BYTES);
        found = 1;
    }
    pthread_mutex_unlock(&memo_lock);
    return found;
}

/* Keeps fp, read in a snapshot begun after change count key was read. */
static void memo_put(int64_t id, uint64_t key,
                     const unsigned char fp[FINGERPRINT_BYTES])
{
    pthread_mutex_lock(&memo_lock);
    size_t i = (size_t)((uint64_t)id % MEMO_SLOTS);
    if (!memo[i].used || memo[i].id != id || memo[i].key < key) {
        memo[i].used = 1;
        memo[i].id = id;
        memo[i].key = key;
        memcpy(memo[i].fingerprint, fp, FINGERPRINT_BYTES);
    }
    pthread_mutex_unlock(&memo_lock);
}

/* The fingerprint of id in the open snapshot, begun after change count
 * key was read: the one kept for key when there is one (then *kept is
 * 1: it may come from a newer snapshot than this one), else read. */
static int fingerprint_at(struct store *s, int64_t id, uint64_t key,
                          unsigned char fp[FINGERPRINT_BYTES], int *kept,
                          struct err *e)
{
    *kept = memo_get(id, key, fp);
    if (*kept)
        return 0;
    if (fingerprint(s, id, fp, e) < 0)
        return -1;
    memo_put(id, key, fp);
    return 0;
}

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

enum lookup { CACHE_HIT, CACHE_CLAIMED, CACHE_MISS };

static time_t monotonic_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

static int slot_holds(const struct slot *sl, int64_t id, const char *protocol)
{
    return sl->used && sl->practitioner_id == id &&
           same_protocol(sl->protocol, protocol);
}

/* The kept answer of the report, copied into body, when it was kept at
 * change count key: no query. Its fingerprint is copied to fp. */
static int cache_get_at(struct buf *body, int64_t id, const char *protocol,
                        uint64_t key, unsigned char fp[FINGERPRINT_BYTES])
{
    int found = 0;
    pthread_mutex_lock(&cache_lock);
    struct slot *sl = &slots[slot_of(id, protocol)];
    if (slot_holds(sl, id, protocol) && sl->key == key) {
        buf_reset(body);
        buf_add(body, sl->body, sl->len);
        memcpy(fp, sl->fingerprint, FINGERPRINT_BYTES);
        sl->served_at = monotonic_seconds();
        found = 1;
    }
    pthread_mutex_unlock(&cache_lock);
    return found;
}

/* With cache_lock held: when slot sl holds the report's document of
 * fingerprint fp (read in a snapshot that includes every commit change
 * count key includes), or one kept at a change count after key (computed
 * from a snapshot begun after the caller read key: it includes every
 * commit made before the caller began, another process's too; at key
 * itself it may not), copies it into body, keeps it under key from then
 * on and returns 1; else 0. */
static int slot_serve(struct slot *sl, struct buf *body, int64_t id,
                      const char *protocol, uint64_t key,
                      const unsigned char fp[FINGERPRINT_BYTES])
{
    if (!slot_holds(sl, id, protocol) ||
        (sl->key <= key && memcmp(sl->fingerprint, fp, FINGERPRINT_BYTES)))
        return 0;
    buf_reset(body);
    buf_add(body, sl->body, sl->len);
    if (sl->key < key)
        sl->key = key;
    sl->served_at = monotonic_seconds();
    return 1;
}

/* slot_serve() for the report's slot: claims nothing, waits for
 * nothing. */
static int cache_get_fp(struct buf *body, int64_t id, const char *protocol,
                        uint64_t key, const unsigned char fp[FINGERPRINT_BYTES])
{
    pthread_mutex_lock(&cache_lock);
    int found = slot_serve(&slots[slot_of(id, protocol)], body, id, protocol,
                           key, fp);
    pthread_mutex_unlock(&cache_lock);
    return found;
}

/* Copies the kept answer into body when its fingerprint is fp, read in a
 * snapshot that began after change count key was read, or when it was
 * kept at a count after key (CACHE_HIT: the document is kept under key
 * from then on). On a miss, claims the slot's computing when no other
 * request computes its report (CACHE_CLAIMED: the caller computes and
 * calls cache_unclaim). Else, with may_wait, waits for that computing to
 * end and looks again: one of a count after key serves the caller, one of
 * an older snapshot is followed by the caller's own or by one that serves
 * it, so that one computing of each report is in flight at a time and the
 * reads that miss while it runs share the next one. Without may_wait (a
 * transaction of the caller's own is open around: it may hold the write
 * lock), it waits only for a computing of the same document; otherwise
 * CACHE_MISS: the caller computes its own document, unshared. */
static enum lookup cache_get(struct buf *body, int64_t id,
                             const char *protocol, uint64_t key,
                             const unsigned char fp[FINGERPRINT_BYTES],
                             int may_wait)
{
    enum lookup found = CACHE_MISS;
    pthread_mutex_lock(&cache_lock);
    struct slot *sl = &slots[slot_of(id, protocol)];
    for (;;) {
        if (slot_serve(sl, body, id, protocol, key, fp)) {
            found = CACHE_HIT;
            break;
        }
        if (!sl->computing) {
            sl->computing = 1;
            sl->computing_serial++;
            sl->computing_key = key;
            sl->computing_id = id;
            sl->computing_protocol = protocol ? xstrdup(protocol) : NULL;
            memcpy(sl->computing_fingerprint, fp, FINGERPRINT_BYTES);
            found = CACHE_CLAIMED;
            break;
        }
        if (sl->computing_id != id ||
            !same_protocol(sl->computing_protocol, protocol))
            break;
        if (!may_wait &&
            memcmp(sl->computing_fingerprint, fp, FINGERPRINT_BYTES))
            break;
        uint64_t serial = sl->computing_serial;
        while (sl->computing && sl->computing_serial == serial)
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
                      const unsigned char fp[FINGERPRINT_BYTES],
                      const char *body, size_t len)
{
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, body, len);
    char *proto = protocol ? xstrdup(protocol) : NULL;
    pthread_mutex_lock(&cache_lock);
    struct slot *sl = &slots[slot_of(id, protocol)];
    /* A slower computing of an older snapshot does not replace a newer
     * document of the same report. */
    if (slot_holds(sl, id, protocol) && sl->key > key) {
        pthread_mutex_unlock(&cache_lock);
        free(copy);
        free(proto);
        return;
    }
    char *old_body = sl->body, *old_proto = sl->protocol;
    sl->used = 1;
    sl->practitioner_id = id;
    sl->protocol = proto;
    sl->key = key;
    memcpy(sl->fingerprint, fp, FINGERPRINT_BYTES);
    sl->body = copy;
    sl->len = len;
    sl->served_at = monotonic_seconds();
    pthread_mutex_unlock(&cache_lock);
    free(old_body);
    free(old_proto);
}

/* The last answer of this thread served from a kept document without a
 * query, until the request's audit entry is durable
 * (report_cache_recheck). */
static _Thread_local struct {
    int pending;
    uint64_t key;
    unsigned char fingerprint[FINGERPRINT_BYTES];
    int64_t id;
    char *protocol;
} served;

static void served_forget(void)
{
    served.pending = 0;
    free(served.protocol);
    served.protocol = NULL;
}

/* The report's answer into body, checked in a snapshot of its own: the
 * kept document when its fingerprint is the snapshot's (then audited in
 * it, when audit is set), else computed (audited by the library) and
 * kept. In read mode it may wait for another request computing the same
 * report. The held audit entries and cache writes are the caller's to
 * flush or drop. 0, or -1 with e. */
static int serve_checked(struct audit_writer *aw, struct store *s,
                         const struct actor *a, int64_t id,
                         const char *protocol, int audit, struct buf *body,
                         struct err *e)
{
    /* A new snapshot needs a transaction of our own (none open around);
     * outside read mode the transaction holds the write lock, which the
     * audit writer and every answer waiting for it would wait for. */
    int may_wait = store_depth(s) == 0 && store_read_mode(s);
    unsigned char fp[FINGERPRINT_BYTES];
    enum lookup found = CACHE_MISS;
    /* Read before the snapshot begins: the snapshot is at least as new as
     * every commit it counts. */
    uint64_t key = audit_writer_changes(aw);
    if (store_begin(s, e) < 0)
        return -1;
    /* A fingerprint kept for this count serves a kept document; a
     * document computed here needs this snapshot's own. */
    int kept;
    if (fingerprint_at(s, id, key, fp, &kept, e) < 0) {
        store_rollback(s);
        return -1;
    }
    if (kept && cache_get_fp(body, id, protocol, key, fp))
        found = CACHE_HIT;
    else if (kept && fingerprint(s, id, fp, e) < 0) {
        store_rollback(s);
        return -1;
    }
    if (found != CACHE_HIT)
        found = cache_get(body, id, protocol, key, fp, may_wait);
    if (found == CACHE_HIT) {
        if ((audit && audit_append(s, a, "read", "practitioner_outcome", id,
                                   0, "ok", e) < 0) ||
            store_commit(s, e) < 0) {
            store_rollback(s);
            buf_reset(body);
            return -1;
        }
        return 0;
    }
    json_t *doc = report_practitioner_json_kept(s, a, id, protocol,
                                               kept_parts(), e);
    int rc = doc && store_commit(s, e) == 0 ? 0 : -1;
    if (rc == 0) {
        web_json_text(doc, body);
        /* A read that had to write (refused in read mode) kept nothing of
         * it; its document is not kept either. */
        if (!store_wants_write(s))
            cache_put(id, protocol, key, fp, body->data, body->len);
    } else {
        store_rollback(s);
        json_decref(doc);
    }
    if (found == CACHE_CLAIMED)
        cache_unclaim(id, protocol);
    return rc;
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
    struct audit_writer *aw = w->config->audit;
    uint64_t key = audit_writer_changes(aw);
    unsigned char fp[FINGERPRINT_BYTES];
    if (cache_get_at(&w->resp->body, id, protocol, key, fp)) {
        /* Kept under the count of now: no query, but a commit of
         * another process made just before this request may not be
         * counted yet. It is by the time the audit entry is durable:
         * checked then (report_cache_recheck). */
        if (store_begin(s, &w->err) < 0 ||
            audit_append(s, a, "read", "practitioner_outcome", id, 0, "ok",
                         &w->err) < 0 ||
            store_commit(s, &w->err) < 0) {
            store_rollback(s);
            buf_reset(&w->resp->body);
            return -1;
        }
        served.pending = 1;
        served.key = key;
        memcpy(served.fingerprint, fp, FINGERPRINT_BYTES);
        served.id = id;
        served.protocol = protocol ? xstrdup(protocol) : NULL;
    } else if (serve_checked(aw, s, a, id, protocol, 1, &w->resp->body,
                             &w->err) < 0)
        return -1;
    w->resp->status = 200;
    http_response_set_header(w->resp, "Content-Type",
                             "application/json; charset=utf-8");
    return 0;
}

int report_cache_recheck(struct web_ctx *w, int answer)
{
    if (!served.pending)
        return 0;
    struct audit_writer *aw = w->config->audit;
    if (!answer || audit_writer_changes(aw) == served.key) {
        served_forget();
        return 0;
    }
    /* The count moved: the answer stands when the report's fingerprint
     * is still the one of the document served; else it is answered again
     * from this new snapshot (its read is audited already: what this
     * computing holds is dropped). */
    struct store *s = w->store;
    unsigned char fp[FINGERPRINT_BYTES];
    int64_t id = served.id;
    char *protocol = served.protocol;
    served.protocol = NULL;
    int rc = 0, kept;
    store_read_mode_set(s, 1);
    uint64_t key = audit_writer_changes(aw);
    if (store_begin(s, &w->err) < 0 ||
        fingerprint_at(s, id, key, fp, &kept, &w->err) < 0)
        rc = -1;
    store_rollback(s);
    if (rc == 0 && memcmp(fp, served.fingerprint, FINGERPRINT_BYTES))
        rc = serve_checked(aw, s, &actor_cli, id, protocol, 0,
                           &w->resp->body, &w->err);
    store_rollback(s);
    store_drop_deferred(s, 0);
    store_read_mode_set(s, 0);
    served_forget();
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
        if (slots[i].used && !slots[i].computing &&
            now - slots[i].served_at <= REFRESH_SECONDS) {
            hot[n].id = slots[i].practitioner_id;
            hot[n].protocol =
                slots[i].protocol ? xstrdup(slots[i].protocol) : NULL;
            n++;
        }
    pthread_mutex_unlock(&cache_lock);
    struct store *s = w->store;
    store_read_mode_set(s, 1);
    for (size_t i = 0; i < n; i++) {
        struct buf body = BUF_INIT;
        struct err e = ERR_INIT;
        /* A failure leaves the document to its next reader. */
        serve_checked(w->config->audit, s, &actor_cli, hot[i].id,
                      hot[i].protocol, 0, &body, &e);
        buf_release(&body);
        store_rollback(s);
        store_drop_deferred(s, 0);
        free(hot[i].protocol);
    }
    store_read_mode_set(s, 0);
}
