#include "record/audit.h"
#include "core/number.h"
#include "core/clock.h"

#include <sodium.h>
#include <stdio.h>
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

int audit_append(struct store *s, const struct actor *a, const char *action,
                 const char *record_type, int64_t record_id,
                 int64_t patient_id, const char *outcome, struct err *e)
{
    char prev[AUDIT_HASH_HEX];
    int64_t next_id = 1;
    struct stmt *st =
        store_prepare(s, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    int rc = stmt_step(st, e);
    if (rc == 1) {
        next_id = stmt_int(st, 0) + 1;
        snprintf(prev, sizeof(prev), "%s", stmt_text(st, 1));
    } else {
        memcpy(prev, genesis, sizeof(prev));
    }
    stmt_finalize(st);
    if (rc < 0)
        return -1;
    char at[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), at);
    struct entry en = {
        .id = next_id,
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
    entry_hash(prev, &en, hash);
    st = store_prepare(
        s, "INSERT INTO audit (id, at, user_id, actor, action, record_type,"
           " record_id, patient_id, outcome, client, prev_hash, hash)"
           " VALUES (:id, :at, :user, :actor, :action, :type, :record,"
           " :patient, :outcome, :client, :prev, :hash)");
    stmt_bind_int(st, ":id", next_id);
    stmt_bind_text(st, ":at", at);
    if (en.has_user)
        stmt_bind_int(st, ":user", a->user_id);
    stmt_bind_text(st, ":actor", a->name);
    stmt_bind_text(st, ":action", action);
    stmt_bind_text(st, ":type", record_type);
    if (record_id)
        stmt_bind_int(st, ":record", record_id);
    if (patient_id)
        stmt_bind_int(st, ":patient", patient_id);
    stmt_bind_text(st, ":outcome", outcome);
    stmt_bind_text(st, ":client", a->client);
    stmt_bind_text(st, ":prev", prev);
    stmt_bind_text(st, ":hash", hash);
    return stmt_run(st, e);
}

int audit_record_refusal(struct store *s, const struct actor *a,
                         const char *action, const char *record_type,
                         int64_t record_id, int64_t patient_id,
                         const char *outcome, struct err *e)
{
    if (store_begin(s, e) < 0)
        return -1;
    if (audit_append(s, a, action, record_type, record_id, patient_id,
                     outcome, e) < 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, e);
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
        if (id != expect_id) {
            stmt_finalize(st);
            return err_set(e, ERR_FAIL, "audit",
                           "entry %lld: expected entry %lld here (an entry "
                           "was removed or renumbered)",
                           (long long)id, (long long)expect_id);
        }
        if (!stored_prev || strcmp(stored_prev, prev) != 0) {
            stmt_finalize(st);
            return err_set(e, ERR_FAIL, "audit",
                           "entry %lld: its link to the previous entry is "
                           "broken",
                           (long long)id);
        }
        entry_hash(prev, &en, hash);
        if (!stored || strcmp(stored, hash) != 0) {
            stmt_finalize(st);
            return err_set(e, ERR_FAIL, "audit",
                           "entry %lld: its content does not match its hash "
                           "(edited)",
                           (long long)id);
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
