#include "web/session_cache.h"
#include "core/clock.h"
#include "record/audit.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

/* Sessions kept: a live one per user of the server at a time is a few
 * hundred at most; a full slot is taken over by the newest. */
#define SESSION_SLOTS 1024

/* A kept session is used for this long after its last seen time as
 * recorded; then one request looks it up in the database again, which
 * records the new time, while the others go on with the kept one (up to
 * twice as long). So the idle end is counted from a time at most this
 * much older than the last request: the session ends that much sooner at
 * worst, never later. */
#define SESSION_SEEN_SECONDS 30

struct kept {
    int used;
    int refreshing; /* one request is looking it up again */
    char hash[WEBSESSION_TOKEN_HEX];
    uint64_t key; /* the change count read before it was looked up */
    struct websession session;
};

static struct kept kept[SESSION_SLOTS];
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;

/* The thread's last read served from a kept session, until
 * session_cache_recheck(). */
static _Thread_local struct {
    int pending;
    uint64_t key;
    char token[WEBSESSION_TOKEN_HEX];
    struct user user;
} used;

static size_t slot_of(const char *hash)
{
    /* The hash is SHA-256 in hex: its first digits are uniform. */
    size_t h = 0;
    for (int i = 0; i < 8; i++)
        h = h * 16 + (size_t)(hash[i] <= '9' ? hash[i] - '0'
                                             : hash[i] - 'a' + 10);
    return h % SESSION_SLOTS;
}

/* The kept session of hash, when it may still be used at key and now. */
static int kept_get(const char *hash, uint64_t key, time_t now,
                    struct websession *out)
{
    int found = 0;
    pthread_mutex_lock(&kept_lock);
    struct kept *k = &kept[slot_of(hash)];
    if (k->used && k->key >= key && !strcmp(k->hash, hash) &&
        now < k->session.expires_at) {
        time_t age = now - k->session.last_seen_at;
        if (age < SESSION_SEEN_SECONDS ||
            (age < 2 * SESSION_SEEN_SECONDS && k->refreshing))
            found = 1;
        else if (!k->refreshing)
            k->refreshing = 1; /* this caller looks it up again */
    }
    if (found)
        *out = k->session;
    pthread_mutex_unlock(&kept_lock);
    return found;
}

/* Keeps ws, looked up in a snapshot begun after change count key was
 * read (a copy looked up at a later count stays). */
static void kept_put(const char *hash, uint64_t key,
                     const struct websession *ws)
{
    pthread_mutex_lock(&kept_lock);
    struct kept *k = &kept[slot_of(hash)];
    if (k->used && k->key > key && !strcmp(k->hash, hash)) {
        pthread_mutex_unlock(&kept_lock);
        return;
    }
    k->used = 1;
    k->refreshing = 0;
    memcpy(k->hash, hash, sizeof(k->hash));
    k->key = key;
    k->session = *ws;
    pthread_mutex_unlock(&kept_lock);
}

/* Whether the kept session of hash was looked up at change count key or
 * later, for user, and has not expired by now: it was live in a snapshot
 * that includes every commit key counts. */
static int kept_live(const char *hash, uint64_t key, time_t now,
                     const struct user *user)
{
    pthread_mutex_lock(&kept_lock);
    const struct kept *k = &kept[slot_of(hash)];
    int live = k->used && k->key >= key && !strcmp(k->hash, hash) &&
               now < k->session.expires_at &&
               k->session.user.id == user->id &&
               k->session.user.role == user->role &&
               k->session.user.practitioner_id == user->practitioner_id;
    pthread_mutex_unlock(&kept_lock);
    return live;
}

static void kept_drop(const char *hash)
{
    pthread_mutex_lock(&kept_lock);
    struct kept *k = &kept[slot_of(hash)];
    if (k->used && !strcmp(k->hash, hash))
        sodium_memzero(k, sizeof(*k));
    pthread_mutex_unlock(&kept_lock);
}

int session_cache_lookup(struct audit_writer *aw, struct store *s,
                         const char *token,
                         const struct websession_limits *limits,
                         int may_keep, struct websession *out,
                         struct err *e)
{
    used.pending = 0;
    if (!aw || !websession_token_well_formed(token))
        return websession_lookup(s, token, limits, out, e);
    char hash[WEBSESSION_TOKEN_HEX];
    websession_hash_token(token, hash);
    uint64_t key = audit_writer_changes(aw);
    if (may_keep && kept_get(hash, key, clock_now(), out)) {
        used.pending = 1;
        used.key = key;
        memcpy(used.token, token, sizeof(used.token));
        used.user = out->user;
        return 0;
    }
    if (websession_lookup(s, token, limits, out, e) < 0) {
        /* Ended, or a read that must record the new last seen time and
         * is answered again with the lock (the kept copy serves the
         * others meanwhile). */
        if (e->code == ERR_AUTH)
            kept_drop(hash);
        return -1;
    }
    kept_put(hash, key, out);
    return 0;
}

int session_cache_recheck(struct audit_writer *aw, struct store *s,
                          const struct websession_limits *limits,
                          int counted, struct err *e)
{
    if (!used.pending)
        return 1;
    used.pending = 0;
    uint64_t key = audit_writer_changes(aw);
    if (counted && key == used.key)
        return 1;
    char hash[WEBSESSION_TOKEN_HEX];
    websession_hash_token(used.token, hash);
    /* Looked up by another request at this count or later: one query a
     * count, not one a request, while writes move the count. */
    if (counted && kept_live(hash, key, clock_now(), &used.user))
        return 1;
    kept_drop(hash);
    struct websession again;
    if (websession_lookup(s, used.token, limits, &again, e) < 0)
        return e->code == ERR_AUTH ? 0 : -1;
    if (again.user.id != used.user.id || again.user.role != used.user.role ||
        again.user.practitioner_id != used.user.practitioner_id)
        return err_set(e, ERR_AUTH, "session", "not logged in"), 0;
    kept_put(hash, key, &again);
    return 1;
}
