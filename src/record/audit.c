#include "record/audit.h"
#include "record/access.h"
#include "core/number.h"
#include "core/clock.h"
#include "core/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char genesis[AUDIT_HASH_HEX] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void field(struct buf *b, const char *v)
{
    buf_printf(b, "%zu:%s;", strlen(v ? v : ""), v ? v : "");
}

static void id_field(struct buf *b, int64_t v, int present)
{
    char text[32] = "";
    if (present)
        snprintf(text, sizeof(text), "%lld", (long long)v);
    field(b, text);
}

struct entry {
    int64_t id, user_id, record_id, patient_id;
    int has_user, has_record, has_patient;
    const char *at, *actor, *action, *record_type, *outcome, *client;
};

/* hash_out = hex SHA-256 of prev || canonical(entry). */
static void entry_hash(const char *prev, const struct entry *en,
                       char hash_out[AUDIT_HASH_HEX])
{
    struct buf b = BUF_INIT;
    buf_puts(&b, prev);
    id_field(&b, en->id, 1);
    field(&b, en->at);
    id_field(&b, en->user_id, en->has_user);
    field(&b, en->actor);
    field(&b, en->action);
    field(&b, en->record_type);
    id_field(&b, en->record_id, en->has_record);
    id_field(&b, en->patient_id, en->has_patient);
    field(&b, en->outcome);
    field(&b, en->client);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)b.data, b.len);
    sodium_bin2hex(hash_out, AUDIT_HASH_HEX, digest, sizeof(digest));
    buf_release(&b);
}

/* An entry of a read held by its connection (store_defer) until a writer
 * appends it: every field but the id and the link, which the writer
 * gives. */
enum held_kind { HELD_ENTRY, HELD_CACHE_WRITE };
struct pending {
    enum held_kind kind; /* HELD_ENTRY; first, as in struct held_write */
    int64_t user_id, record_id, patient_id;
    char at[CLOCK_INSTANT_LEN];
    char *actor, *action, *record_type, *outcome, *client;
};

static void pending_free(void *item)
{
    struct pending *p = item;
    if (!p)
        return;
    free(p->actor);
    free(p->action);
    free(p->record_type);
    free(p->outcome);
    free(p->client);
    free(p);
}

static char *dup_text(const char *v)
{
    return v ? xstrdup(v) : NULL;
}

static void defer_entry(struct store *s, const struct actor *a,
                        const char *action, const char *record_type,
                        int64_t record_id, int64_t patient_id,
                        const char *outcome)
{
    struct pending *p = xcalloc(1, sizeof(*p));
    p->kind = HELD_ENTRY;
    clock_format_instant(clock_now(), p->at);
    p->user_id = a->user_id;
    p->record_id = record_id;
    p->patient_id = patient_id;
    p->actor = dup_text(a->name);
    p->action = dup_text(action);
    p->record_type = dup_text(record_type);
    p->outcome = dup_text(outcome);
    p->client = dup_text(a->client);
    store_defer(s, p, pending_free);
}

/* A cache's write held by a read's connection (audit_cache_write). */
struct held_write {
    enum held_kind kind; /* HELD_CACHE_WRITE */
    int (*write)(struct store *s, void *arg, struct err *e);
    void *arg;
    void (*drop)(void *arg);
};

static void held_write_free(void *item)
{
    struct held_write *h = item;
    if (!h)
        return;
    if (h->drop)
        h->drop(h->arg);
    free(h);
}

int audit_cache_write(struct store *s,
                      int (*write)(struct store *s, void *arg, struct err *e),
                      void *arg, void (*drop)(void *arg), struct err *e)
{
    if (store_read_mode(s)) {
        struct held_write *h = xcalloc(1, sizeof(*h));
        *h = (struct held_write){HELD_CACHE_WRITE, write, arg, drop};
        store_defer(s, h, held_write_free);
        return 0;
    }
    int rc = write(s, arg, e);
    if (drop)
        drop(arg);
    return rc;
}

/* Does a held cache write in a savepoint of the writer's transaction; a
 * failure is left out (it is a cache: the next read computes it again). */
static void held_write_run(struct store *s, const struct held_write *h)
{
    struct err ignored = ERR_INIT;
    if (store_begin(s, &ignored) < 0)
        return;
    if (h->write(s, h->arg, &ignored) < 0 || store_commit(s, &ignored) < 0)
        store_rollback(s);
}

/* Reads the newest entry's id and hash (the genesis for an empty log). */
static int chain_head(struct store *s, int64_t *last_id,
                      char prev[AUDIT_HASH_HEX], struct err *e)
{
    *last_id = 0;
    struct stmt *st =
        store_prepare(s, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    int rc = stmt_step(st, e);
    if (rc == 1) {
        *last_id = stmt_int(st, 0);
        snprintf(prev, AUDIT_HASH_HEX, "%s", stmt_text(st, 1));
    } else {
        memcpy(prev, genesis, AUDIT_HASH_HEX);
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* Inserts en (its id set) linked to prev; its hash goes to hash_out. */
static int chain_insert(struct store *s, const struct entry *en,
                        const char prev[AUDIT_HASH_HEX],
                        char hash_out[AUDIT_HASH_HEX], struct err *e)
{
    entry_hash(prev, en, hash_out);
    struct stmt *st = STORE_QUERY(
        s,
        "INSERT INTO audit (id, at, user_id, actor, action, record_type,"
        " record_id, patient_id, outcome, client, prev_hash, hash)"
        " VALUES (:id, :at, :user, :actor, :action, :type, :record,"
        " :patient, :outcome, :client, :prev, :hash)",
        STORE_INT(":id", en->id), STORE_TEXT(":at", en->at),
        STORE_TEXT(":actor", en->actor), STORE_TEXT(":action", en->action),
        STORE_TEXT(":type", en->record_type),
        STORE_TEXT(":outcome", en->outcome), STORE_TEXT(":client", en->client),
        STORE_TEXT(":prev", prev), STORE_TEXT(":hash", hash_out));
    /* The ids an entry lacks stay NULL. */
    if (en->has_user)
        stmt_bind_int(st, ":user", en->user_id);
    if (en->has_record)
        stmt_bind_int(st, ":record", en->record_id);
    if (en->has_patient)
        stmt_bind_int(st, ":patient", en->patient_id);
    return stmt_run(st, e);
}

int audit_append(struct store *s, const struct actor *a, const char *action,
                 const char *record_type, int64_t record_id,
                 int64_t patient_id, const char *outcome, struct err *e)
{
    if (store_read_mode(s)) {
        defer_entry(s, a, action, record_type, record_id, patient_id,
                    outcome);
        return 0;
    }
    char prev[AUDIT_HASH_HEX];
    int64_t last_id;
    if (chain_head(s, &last_id, prev, e) < 0)
        return -1;
    char at[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), at);
    struct entry en = {
        .id = last_id + 1,
        .user_id = a->user_id,
        .record_id = record_id,
        .patient_id = patient_id,
        .has_user = a->user_id != 0,
        .has_record = record_id != 0,
        .has_patient = patient_id != 0,
        .at = at,
        .actor = a->name,
        .action = action,
        .record_type = record_type,
        .outcome = outcome,
        .client = a->client,
    };
    char hash[AUDIT_HASH_HEX];
    return chain_insert(s, &en, prev, hash, e);
}

/* ---- the group-commit writer ---- */

/* One connection's entries, waiting for the writer. */
struct batch {
    struct store *from; /* whose deferred entries; NULL: a sync only */
    int rc;
    struct err err;
    sem_t done; /* posted by the writer: each waiter wakes alone */
    struct batch *next;
};

struct audit_writer {
    struct store *store; /* the writer's own connection */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work;
    struct batch *head, *tail; /* waiting, oldest first */
    int stopping;
    int64_t data_version; /* of w->store, at the last pass */
    _Atomic uint64_t changes; /* passes that found another's commit */
};

/* SQLite's data version of the writer's connection: it moves when another
 * connection (of this process or another) has committed since the
 * connection's last look, never for the writer's own commits. */
static int data_version(struct store *s, int64_t *out, struct err *e)
{
    struct stmt *st = store_prepare(s, "PRAGMA data_version");
    int rc = stmt_step(st, e);
    if (rc == 1)
        *out = stmt_int(st, 0);
    stmt_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_FAIL, "audit", "no data version");
    return rc < 0 ? -1 : 0;
}

/* Appends every batch of the list in one transaction, in order. */
static int write_batches(struct audit_writer *w, struct batch *list,
                         struct err *e)
{
    struct store *s = w->store;
    if (store_begin(s, e) < 0)
        return -1;
    char prev[AUDIT_HASH_HEX];
    int64_t last_id;
    if (chain_head(s, &last_id, prev, e) < 0)
        goto fail;
    for (struct batch *b = list; b; b = b->next) {
        size_t n = b->from ? store_deferred_count(b->from) : 0;
        for (size_t i = 0; i < n; i++) {
            const struct pending *p = store_deferred_at(b->from, i);
            if (p->kind == HELD_CACHE_WRITE) {
                held_write_run(s, (const struct held_write *)(const void *)p);
                continue;
            }
            struct entry en = {
                .id = ++last_id,
                .user_id = p->user_id,
                .record_id = p->record_id,
                .patient_id = p->patient_id,
                .has_user = p->user_id != 0,
                .has_record = p->record_id != 0,
                .has_patient = p->patient_id != 0,
                .at = p->at,
                .actor = p->actor,
                .action = p->action,
                .record_type = p->record_type,
                .outcome = p->outcome,
                .client = p->client,
            };
            char hash[AUDIT_HASH_HEX];
            if (chain_insert(s, &en, prev, hash, e) < 0)
                goto fail;
            memcpy(prev, hash, sizeof(prev));
        }
    }
    return store_commit(s, e) < 0 ? (store_rollback(s), -1) : 0;
fail:
    store_rollback(s);
    return -1;
}

static void *writer_main(void *arg)
{
    struct audit_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->work, &w->lock);
        if (!w->head)
            break;
        struct batch *list = w->head;
        w->head = w->tail = NULL;
        pthread_mutex_unlock(&w->lock);
        struct err e = ERR_INIT;
        int entries = 0;
        for (struct batch *b = list; b; b = b->next)
            entries |= b->from != NULL;
        /* Every commit made before these batches were queued is counted
         * before they are answered (audit_writer_changes). */
        int64_t version = 0;
        int rc = data_version(w->store, &version, &e);
        if (rc == 0 && version != w->data_version) {
            w->data_version = version;
            atomic_fetch_add(&w->changes, 1);
        }
        /* The entries committed (without a sync: the lock is given back
         * sooner), then one sync for them and every commit before. */
        if (rc == 0 && entries)
            rc = write_batches(w, list, &e);
        if (rc == 0)
            rc = store_sync(w->store, &e);
        for (struct batch *b = list, *next; b; b = next) {
            next = b->next;
            b->rc = rc;
            b->err = e;
            sem_post(&b->done);
        }
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int audit_writer_start(const char *db_path, struct audit_writer **out,
                       struct err *e)
{
    *out = NULL;
    struct audit_writer *w = xcalloc(1, sizeof(*w));
    if (store_open(db_path, STORE_EXISTING, &w->store, e) < 0) {
        free(w);
        return -1;
    }
    /* Durable by store_sync() after each commit, before the answers go. */
    store_serialize_writes(w->store, 1);
    if (data_version(w->store, &w->data_version, e) < 0) {
        store_close(w->store);
        free(w);
        return -1;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->work, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_cond_destroy(&w->work);
        pthread_mutex_destroy(&w->lock);
        store_close(w->store);
        free(w);
        return err_set(e, ERR_FAIL, "audit",
                       "unable to start the audit writer");
    }
    *out = w;
    return 0;
}

/* Queues a batch of s's held entries (s NULL: a sync only) and waits for
 * the writer. */
static int writer_wait(struct audit_writer *w, struct store *s,
                       struct err *e)
{
    struct batch b = {.from = s, .err = ERR_INIT};
    sem_init(&b.done, 0, 0);
    pthread_mutex_lock(&w->lock);
    if (w->tail)
        w->tail->next = &b;
    else
        w->head = &b;
    w->tail = &b;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
    while (sem_wait(&b.done) < 0)
        ; /* EINTR */
    sem_destroy(&b.done);
    if (s)
        store_drop_deferred(s, 0);
    if (b.rc < 0) {
        *e = b.err;
        return -1;
    }
    return 0;
}

int audit_writer_flush(struct audit_writer *w, struct store *s,
                       struct err *e)
{
    if (store_deferred_count(s) == 0)
        return 0;
    return writer_wait(w, s, e);
}

int audit_writer_sync(struct audit_writer *w, struct err *e)
{
    return writer_wait(w, NULL, e);
}

uint64_t audit_writer_changes(struct audit_writer *w)
{
    return atomic_load(&w->changes);
}

void audit_writer_stop(struct audit_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->lock);
    store_close(w->store);
    free(w);
}

int audit_record_refusal(struct store *s, const struct actor *a,
                         const char *action, const char *record_type,
                         int64_t record_id, int64_t patient_id,
                         const char *outcome, struct err *e)
{
    if (store_begin(s, e) < 0)
        return -1;
    return store_end(s,
                     audit_append(s, a, action, record_type, record_id,
                                  patient_id, outcome, e),
                     e);
}

int audit_end(struct store *s, const struct actor *caller, const char *action,
              const char *record_type, int64_t record_id, int64_t patient_id,
              int rc, struct err *e)
{
    if (rc >= 0)
        rc = audit_append(s, caller, action, record_type, record_id, patient_id,
                          "ok", e);
    return store_end(s, rc, e);
}

int audit_refuse(struct store *s, const struct actor *caller,
                 const char *action, const char *record_type,
                 int64_t record_id, int64_t patient_id, struct err *e)
{
    store_rollback(s);
    if (e->code == ERR_NOT_FOUND && !access_is_admin(caller)) {
        struct err ignored = ERR_INIT;
        audit_record_refusal(s, caller, action, record_type, record_id,
                             patient_id, "denied", &ignored);
    }
    return -1;
}

int64_t audit_verify(struct store *s, struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT id, at, user_id, actor, action, record_type, record_id,"
           " patient_id, outcome, client, prev_hash, hash"
           " FROM audit ORDER BY id");
    char prev[AUDIT_HASH_HEX];
    memcpy(prev, genesis, sizeof(prev));
    int64_t count = 0, expect_id = 1;
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        struct entry en = {
            .id = stmt_int(st, 0),
            .at = stmt_text(st, 1),
            .user_id = stmt_int(st, 2),
            .has_user = !stmt_is_null(st, 2),
            .actor = stmt_text(st, 3),
            .action = stmt_text(st, 4),
            .record_type = stmt_text(st, 5),
            .record_id = stmt_int(st, 6),
            .has_record = !stmt_is_null(st, 6),
            .patient_id = stmt_int(st, 7),
            .has_patient = !stmt_is_null(st, 7),
            .outcome = stmt_text(st, 8),
            .client = stmt_text(st, 9),
        };
        const char *stored_prev = stmt_text(st, 10);
        const char *stored = stmt_text(st, 11);
        char hash[AUDIT_HASH_HEX];
        int64_t id = en.id;
        char why[96];
        const char *broken = NULL;
        if (id != expect_id) {
            snprintf(why, sizeof(why), "expected entry %lld here (an entry "
                     "was removed or renumbered)", (long long)expect_id);
            broken = why;
        } else if (!stored_prev || strcmp(stored_prev, prev) != 0) {
            broken = "its link to the previous entry is broken";
        } else {
            entry_hash(prev, &en, hash);
            if (!stored || strcmp(stored, hash) != 0)
                broken = "its content does not match its hash (edited)";
        }
        if (broken) {
            stmt_finalize(st);
            return err_set(e, ERR_FAIL, "audit", "entry %lld: %s",
                           (long long)id, broken);
        }
        memcpy(prev, hash, sizeof(prev));
        count++;
        expect_id++;
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : count;
}

int audit_head(struct store *s, int64_t *id, char hash[AUDIT_HASH_HEX],
               struct err *e)
{
    *id = 0;
    hash[0] = '\0';
    struct stmt *st = store_prepare(
        s, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    int rc = stmt_step(st, e);
    if (rc == 1) {
        *id = stmt_int(st, 0);
        snprintf(hash, AUDIT_HASH_HEX, "%s", stmt_text(st, 1));
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

int audit_parse_anchor(const char *text, int64_t *id,
                       char hash[AUDIT_HASH_HEX], struct err *e)
{
    const char *colon = text ? strchr(text, ':') : NULL;
    long long n;
    size_t digits = colon ? (size_t)(colon - text) : 0;
    char number[24];
    if (!colon || digits == 0 || digits >= sizeof(number) ||
        strlen(colon + 1) != AUDIT_HASH_HEX - 1 ||
        strspn(colon + 1, "0123456789abcdef") != AUDIT_HASH_HEX - 1)
        return err_set(e, ERR_INPUT, "anchor",
                       "give the anchor as ID:HASH (an entry id, a colon and "
                       "64 lowercase hex digits), as 'audit anchor' prints it");
    memcpy(number, text, digits);
    number[digits] = '\0';
    if (parse_integer(number, 1, INT64_MAX, &n) < 0)
        return err_set(e, ERR_INPUT, "anchor",
                       "'%s' is not an entry id", number);
    *id = n;
    memcpy(hash, colon + 1, AUDIT_HASH_HEX);
    return 0;
}

int audit_check_anchor(struct store *s, int64_t id,
                       const char hash[AUDIT_HASH_HEX], struct err *e)
{
    struct stmt *st =
        store_prepare(s, "SELECT hash FROM audit WHERE id = :id");
    stmt_bind_int(st, ":id", id);
    int rc = stmt_step(st, e);
    int same = rc == 1 && !strcmp(stmt_text(st, 0), hash);
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(e, ERR_FAIL, "anchor",
                       "entry %lld is gone: the log was cut back below the "
                       "anchor",
                       (long long)id);
    if (!same)
        return err_set(e, ERR_FAIL, "anchor",
                       "entry %lld differs from the anchor: the log was "
                       "rewritten",
                       (long long)id);
    return 0;
}
