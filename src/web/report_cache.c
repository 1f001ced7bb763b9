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

/* Documents kept: one per practitioner and protocol filter, at most this
 * many (about 35 KB each at registry scale); a full table replaces the
 * slot of the same hash. */
#define CACHE_SLOTS 256
#define FINGERPRINT_BYTES crypto_hash_sha256_BYTES

struct slot {
    int used;
    int64_t practitioner_id;
    char *protocol; /* NULL: every protocol */
    unsigned char fingerprint[FINGERPRINT_BYTES];
    char *body; /* the JSON answer, as web_reply_json writes it */
    size_t len;
    /* A request computing a document for this slot now: the others that
     * miss on the same key wait for it (cache_done) instead of each
     * computing the same document (after a write, every read misses). */
    int computing;
    uint64_t computing_serial; /* which computing: raised by each claim */
    int64_t computing_id;
    char *computing_protocol;
    unsigned char computing_fingerprint[FINGERPRINT_BYTES];
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

/* Everything the document is computed from, in the open transaction.
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

/* Copies the kept answer into the response when the key matches
 * (CACHE_HIT). On a miss, waits while another request computes the same
 * document (then looks again); otherwise claims the slot's computing
 * (CACHE_CLAIMED: the caller computes and calls cache_unclaim). When
 * another document is being computed for the slot (the caller's snapshot
 * is older or newer than that request's: a write came between them), with
 * may_wait it waits for that computing to end and returns CACHE_NEWER: the
 * caller takes a new snapshot, which is at least as new as the one just
 * computed and kept, and looks again. Without, CACHE_MISS: the caller
 * computes its own document, unshared. */
static enum lookup cache_get(struct web_ctx *w, int64_t id,
                             const char *protocol,
                             const unsigned char fp[FINGERPRINT_BYTES],
                             int may_wait)
{
    enum lookup found = CACHE_MISS;
    pthread_mutex_lock(&cache_lock);
    struct slot *sl = &slots[slot_of(id, protocol)];
    for (;;) {
        if (sl->used && sl->practitioner_id == id &&
            same_protocol(sl->protocol, protocol) &&
            !memcmp(sl->fingerprint, fp, FINGERPRINT_BYTES)) {
            buf_reset(&w->resp->body);
            buf_add(&w->resp->body, sl->body, sl->len);
            found = CACHE_HIT;
            break;
        }
        if (!sl->computing) {
            sl->computing = 1;
            sl->computing_serial++;
            sl->computing_id = id;
            sl->computing_protocol = protocol ? xstrdup(protocol) : NULL;
            memcpy(sl->computing_fingerprint, fp, FINGERPRINT_BYTES);
            found = CACHE_CLAIMED;
            break;
        }
        if (sl->computing_id != id ||
            !same_protocol(sl->computing_protocol, protocol) ||
            memcmp(sl->computing_fingerprint, fp, FINGERPRINT_BYTES)) {
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

static void cache_put(int64_t id, const char *protocol,
                      const unsigned char fp[FINGERPRINT_BYTES],
                      const char *body, size_t len)
{
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, body, len);
    char *proto = protocol ? xstrdup(protocol) : NULL;
    pthread_mutex_lock(&cache_lock);
    struct slot *sl = &slots[slot_of(id, protocol)];
    char *old_body = sl->body, *old_proto = sl->protocol;
    sl->used = 1;
    sl->practitioner_id = id;
    sl->protocol = proto;
    memcpy(sl->fingerprint, fp, FINGERPRINT_BYTES);
    sl->body = copy;
    sl->len = len;
    pthread_mutex_unlock(&cache_lock);
    free(old_body);
    free(old_proto);
}

int report_cache_practitioner(struct web_ctx *w, int64_t id,
                              const char *protocol)
{
    const struct actor *a = &w->actor;
    struct err ignored = ERR_INIT;
    /* Refusals (and their audit entries) stay with the library. */
    if (a->role == ROLE_RESEARCHER ||
        (a->role == ROLE_THERAPIST && a->practitioner_id != id) ||
        (protocol && validate_slug(protocol, "protocol", &ignored) < 0))
        return 1;
    struct store *s = w->store;
    unsigned char fp[FINGERPRINT_BYTES];
    /* A new snapshot needs a transaction of our own (none open around);
     * outside read mode the transaction holds the write lock, which the
     * audit writer and every answer waiting for it would wait for. */
    int waits = store_depth(s) == 0 && store_read_mode(s) ? CACHE_WAITS : 0;
    enum lookup found;
    for (;;) {
        /* One snapshot for the fingerprint and the document. */
        if (store_begin(s, &w->err) < 0)
            return -1;
        if (fingerprint(s, id, fp, &w->err) < 0) {
            store_rollback(s);
            return -1;
        }
        found = cache_get(w, id, protocol, fp, waits > 0);
        if (found != CACHE_NEWER)
            break;
        /* Nothing read or written in it yet but the fingerprint. */
        store_rollback(s);
        waits--;
    }
    if (found == CACHE_HIT) {
        if (audit_append(s, a, "read", "practitioner_outcome", id, 0, "ok",
                         &w->err) < 0 ||
            store_commit(s, &w->err) < 0) {
            store_rollback(s);
            buf_reset(&w->resp->body);
            return -1;
        }
        w->resp->status = 200;
        http_response_set_header(w->resp, "Content-Type",
                                 "application/json; charset=utf-8");
        return 0;
    }
    json_t *doc = report_practitioner_json_kept(s, a, id, protocol,
                                               kept_parts(), &w->err);
    if (!doc) {
        store_rollback(s);
        if (found == CACHE_CLAIMED)
            cache_unclaim(id, protocol);
        return -1;
    }
    if (store_commit(s, &w->err) < 0) {
        store_rollback(s);
        json_decref(doc);
        if (found == CACHE_CLAIMED)
            cache_unclaim(id, protocol);
        return -1;
    }
    web_reply_json(w, 200, doc);
    cache_put(id, protocol, fp, w->resp->body.data, w->resp->body.len);
    if (found == CACHE_CLAIMED)
        cache_unclaim(id, protocol);
    return 0;
}
