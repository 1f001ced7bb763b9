#include "prom/links.h"

#include <sodium.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/util.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/clinic_key.h"

int links_token_new(struct store *s, const char *purpose,
                    char nonce[TOKEN_NONCE_HEX_LEN],
                    char token[TOKEN_TEXT_LEN],
                    char hash[TOKEN_HASH_HEX_LEN], struct err *e)
{
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    if (clinic_key_load_secret(s, sk, e) < 0)
        return -1;
    token_nonce_new(nonce);
    int rc = token_derive(sk, purpose, nonce, token, e);
    sodium_memzero(sk, sizeof(sk));
    if (rc < 0)
        return -1;
    token_hash(token, hash);
    return 0;
}

int links_create_begin(struct store *s, const struct actor *caller,
                       int64_t episode_id, const char *record_type,
                       int64_t *patient_id, struct err *e)
{
    if (store_begin(s, e) < 0)
        return -1;
    if (access_episode(s, caller, episode_id, 1, "episode", patient_id, e) <
        0)
        return audit_refuse(s, caller, "create", record_type, 0, 0, e);
    return 0;
}

int links_create_end(struct store *s, int rc, char *token, size_t token_size,
                     struct err *e)
{
    if (store_end(s, rc, e) < 0) {
        sodium_memzero(token, token_size);
        return -1;
    }
    return 0;
}

int links_list(struct store *s, const struct actor *caller,
               int64_t episode_id, const char *sql, const char *record_type,
               size_t item_size, links_row_fn row, void **items,
               size_t *count, struct err *e)
{
    *items = NULL;
    *count = 0;
    if (store_begin(s, e) < 0)
        return -1;
    int64_t patient_id = 0;
    if (episode_id &&
        access_episode(s, caller, episode_id, 0, "episode", &patient_id, e) <
            0)
        return audit_refuse(s, caller, "list", record_type, 0, 0, e);
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    struct stmt *st = STORE_QUERY(s, sql, STORE_INT(":episode", episode_id));
    access_bind(st, caller);
    size_t alloc = 0;
    int rc;
    while ((rc = stmt_step(st, e)) > 0) {
        *items = alloc_grow(*items, *count + 1, &alloc, item_size);
        row(st, (char *)*items + *count * item_size, now);
        (*count)++;
    }
    stmt_finalize(st);
    if (rc == 0)
        rc = audit_append(s, caller, "list", record_type, 0, patient_id,
                          "ok", e);
    if (rc < 0)
        store_rollback(s);
    else
        rc = store_commit(s, e);
    if (rc < 0) {
        free(*items);
        *items = NULL;
        *count = 0;
        return -1;
    }
    return 0;
}
