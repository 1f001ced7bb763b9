/* A clinic's key change at the registry (registry/clinic_key_change.h). */
#include "registry/clinic_key_change.h"
#include "core/json_read.h"
#include "core/util.h"
#include "record/clinic_key.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pg_query retired_keys = {
    "ckc_retired_keys", "SELECT public_key, to_char(retired_at AT TIME ZONE"
    " 'UTC', 'YYYY-MM-DD') FROM registry_clinic_key WHERE clinic_id = $1"
    " ORDER BY retired_at DESC", 1};

void clinic_key_refusal(struct pg *db, int64_t clinic, const void *bytes,
                        size_t len,
                        const unsigned char sig[SIGNING_SIGNATURE_BYTES],
                        char *message, size_t n)
{
    snprintf(message, n, "does not verify with the clinic's enrolled key");
    struct pg_result *r;
    struct err ignored = ERR_INIT;
    if (!bytes || pg_run_int(db, &retired_keys, clinic, &r, &ignored) < 0)
        return;
    for (int i = 0; i < pg_rows(r); i++) {
        unsigned char pk[SIGNING_PUBLIC_BYTES];
        if (clinic_key_base64_decode(pg_text(r, i, 0), pk, sizeof(pk),
                                     "public_key", &ignored) == 0 &&
            signing_verify(bytes, len, sig, pk)) {
            snprintf(message, n, "signed with the key this clinic retired on"
                     " %s: only its current key is taken (is this a copy of "
                     "the clinic's database from before its key change?)",
                     pg_text(r, i, 1));
            break;
        }
    }
    pg_result_free(r);
}

char *clinic_key_change_build(int64_t clinic,
                              const unsigned char old_sk[SIGNING_SECRET_BYTES],
                              const unsigned char new_sk[SIGNING_SECRET_BYTES],
                              const char *at, size_t *len)
{
    const unsigned char *old_pk = old_sk + 32, *new_pk = new_sk + 32;
    char old64[CLINIC_KEY_PUBLIC_BASE64_LEN],
        new64[CLINIC_KEY_PUBLIC_BASE64_LEN];
    char old_id[CLINIC_KEY_ID_LEN], new_id[CLINIC_KEY_ID_LEN];
    clinic_key_public_base64(old_pk, old64);
    clinic_key_public_base64(new_pk, new64);
    clinic_key_id(old_pk, old_id);
    clinic_key_id(new_pk, new_id);
    json_t *change = json_pack(
        "{s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "format", CLINIC_KEY_CHANGE_FORMAT,
        "clinic", (json_int_t)clinic, "old_key_id", old_id, "old_public_key",
        old64, "new_key_id", new_id, "new_public_key", new64, "at", at);
    size_t n;
    char *bytes = signing_canonical_json(change, &n);
    unsigned char s1[SIGNING_SIGNATURE_BYTES], s2[SIGNING_SIGNATURE_BYTES];
    signing_sign(bytes, n, old_sk, s1);
    signing_sign(bytes, n, new_sk, s2);
    free(bytes);
    char *a = clinic_key_base64_encode(s1, sizeof(s1));
    char *b = clinic_key_base64_encode(s2, sizeof(s2));
    json_t *doc = json_pack("{s:o,s:s,s:s}", "change", change, "old_signature",
                            a, "new_signature", b);
    free(a);
    free(b);
    char *out = signing_canonical_json(doc, len);
    json_decref(doc);
    if (!out)
        die("out of memory writing a key change");
    return out;
}

void clinic_key_change_release(struct clinic_key_change *c)
{
    free(c->leaf);
    c->leaf = NULL;
}

/* A key member and its id member: base64 of 32 bytes, and the id of it. */
static int read_key(struct json_reader *r, const json_t *change,
                    const char *key_name, const char *id_name,
                    unsigned char pk[32], char text[48], struct err *e)
{
    const char *k, *id;
    char path[64], want[CLINIC_KEY_ID_LEN];
    if (json_read_text(r, change, "change", key_name, JSON_REQUIRED, &k) < 0 ||
        json_read_text(r, change, "change", id_name, JSON_REQUIRED, &id) < 0)
        return -1;
    snprintf(path, sizeof(path), "change.%s", key_name);
    if (clinic_key_base64_decode(k, pk, 32, path, e) < 0)
        return -1;
    clinic_key_public_base64(pk, text);
    if (strcmp(text, k))
        return err_set(e, ERR_INPUT, path,
                       "is not written as canonical "
                       "base64");
    clinic_key_id(pk, want);
    if (strcmp(id, want)) {
        snprintf(path, sizeof(path), "change.%s", id_name);
        return err_set(e, ERR_INPUT, path,
                       "'%.32s' is not the id of its "
                       "key (%s)",
                       id, want);
    }
    return 0;
}

/* A signature member over bytes by pk: ERR_AUTH naming it when not. */
static int check_signature(struct json_reader *r, const json_t *doc,
                           const char *name, const char *bytes, size_t n,
                           const unsigned char pk[32], const char *whose,
                           struct err *e)
{
    const char *text;
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    if (json_read_text(r, doc, "", name, JSON_REQUIRED, &text) < 0 ||
        clinic_key_base64_decode(text, sig, sizeof(sig), name, e) < 0)
        return -1;
    if (!signing_verify(bytes, n, sig, pk))
        return err_set(e, ERR_AUTH, name,
                       "does not verify with the %s key "
                       "of the change",
                       whose);
    return 0;
}

int clinic_key_change_read(const char *text, size_t len,
                           struct clinic_key_change *out, struct err *e)
{
    static const char *const top[] = {"change", "old_signature",
                                      "new_signature", NULL};
    static const char *const members[] = {
        "format",     "clinic",         "old_key_id", "old_public_key",
        "new_key_id", "new_public_key", "at",         NULL};
    memset(out, 0, sizeof(*out));
    json_t *doc = json_read_load(text, len, e);
    if (!doc)
        return -1;
    struct json_reader r = JSON_READER_INIT(e);
    const json_t *change;
    const char *format, *at;
    long long clinic;
    int rc = -1;
    char *bytes = NULL;
    size_t n = 0;
    if (json_read_object(&r, doc, "") < 0 ||
        json_read_keys(&r, doc, "", top) < 0 ||
        json_read_member(&r, doc, "", "change", JSON_KIND_OBJECT, JSON_REQUIRED,
                         &change) < 0 ||
        json_read_keys(&r, change, "change", members) < 0 ||
        json_read_text(&r, change, "change", "format", JSON_REQUIRED, &format) <
            0 ||
        json_read_integer(&r, change, "change", "clinic", JSON_REQUIRED,
                          &clinic) < 0 ||
        json_read_text(&r, change, "change", "at", JSON_REQUIRED, &at) < 0)
        goto out;
    if (strcmp(format, CLINIC_KEY_CHANGE_FORMAT)) {
        err_set(e, ERR_INPUT, "change.format", "'%.64s' is not '%s'", format,
                CLINIC_KEY_CHANGE_FORMAT);
        goto out;
    }
    if (clinic < 1) {
        err_set(e, ERR_INPUT, "change.clinic", "must be a whole number >= 1");
        goto out;
    }
    if (strlen(at) != 20) {
        err_set(e, ERR_INPUT, "change.at",
                "must be an instant "
                "YYYY-MM-DDTHH:MM:SSZ");
        goto out;
    }
    if (read_key(&r, change, "old_public_key", "old_key_id", out->old_pk,
                 out->old_public_key, e) < 0 ||
        read_key(&r, change, "new_public_key", "new_key_id", out->new_pk,
                 out->new_public_key, e) < 0)
        goto out;
    if (!memcmp(out->old_pk, out->new_pk, 32)) {
        err_set(e, ERR_INPUT, "change.new_public_key", "is the old key");
        goto out;
    }
    bytes = signing_canonical_json(change, &n);
    if (!bytes) {
        err_set(e, ERR_INPUT, "change", "cannot be written as JSON");
        goto out;
    }
    if (check_signature(&r, doc, "old_signature", bytes, n, out->old_pk, "old",
                        e) < 0 ||
        check_signature(&r, doc, "new_signature", bytes, n, out->new_pk, "new",
                        e) < 0)
        goto out;
    out->clinic = clinic;
    out->leaf = signing_canonical_json(doc, &out->leaf_len);
    if (!out->leaf) {
        err_set(e, ERR_INPUT, "", "cannot be written as JSON");
        goto out;
    }
    rc = 0;
out:
    free(bytes);
    json_decref(doc);
    return rc;
}

static const struct pg_query clinic_lock = {
    "ckc_clinic_lock",
    "SELECT public_key FROM registry_clinic WHERE id = $1"
    " FOR UPDATE",
    1};
static const struct pg_query key_used = {
    "ckc_key_used",
    "SELECT (SELECT count(*) FROM registry_clinic WHERE"
    " public_key = $1) + (SELECT count(*) FROM registry_clinic_key WHERE"
    " public_key = $1)",
    1};
static const struct pg_query key_retire = {
    "ckc_key_retire",
    "INSERT INTO registry_clinic_key (public_key,"
    " clinic_id, log_leaf) VALUES ($1, $2, $3)",
    3};
static const struct pg_query key_done = {
    "ckc_key_done",
    "SELECT log_leaf FROM registry_clinic_key WHERE"
    " public_key = $1 AND clinic_id = $2",
    2};
static const struct pg_query key_set = {
    "ckc_key_set", "UPDATE registry_clinic SET public_key = $1 WHERE id = $2",
    2};

int clinic_key_change_apply(struct pg *db, const struct registry_signer *signer,
                            const struct clinic_key_change *c, uint64_t *index,
                            int *already, int *status, struct err *e)
{
    *already = 0;
    char clinic[32], leaf_index[32];
    snprintf(clinic, sizeof(clinic), "%" PRId64, c->clinic);
    *status = 500;
    if (pg_begin(db, e) < 0)
        return -1;
    struct pg_result *r = NULL;
    const char *p_clinic[] = {clinic};
    const char *p_new[] = {c->new_public_key};
    int rc = pg_run(db, &clinic_lock, p_clinic, &r, e);
    if (rc == 0 && pg_rows(r) == 0) {
        *status = 403;
        rc = err_set(e, ERR_REFUSED, "change.clinic", "no clinic %s", clinic);
    } else if (rc == 0 && !strcmp(pg_text(r, 0, 0), c->new_public_key)) {
        /* Made already (an answer the clinic did not get): the same
         * answer again, changing nothing. */
        pg_result_free(r);
        r = NULL;
        const char *p_done[] = {c->old_public_key, clinic};
        rc = pg_run(db, &key_done, p_done, &r, e);
        if (rc == 0 && pg_rows(r) == 1) {
            *index = (uint64_t)pg_int(r, 0, 0);
            *already = 1;
            pg_result_free(r);
            pg_rollback(db);
            *status = 200;
            return 0;
        }
        if (rc == 0) {
            *status = 401;
            rc = err_set(e, ERR_AUTH, "change.old_public_key",
                         "is not clinic %s's enrolled key; nothing changed",
                         clinic);
        }
    } else if (rc == 0 && strcmp(pg_text(r, 0, 0), c->old_public_key)) {
        *status = 401;
        rc = err_set(e, ERR_AUTH, "change.old_public_key",
                     "is not clinic %s's enrolled key (a change already "
                     "made, or not signed by the clinic's key); nothing "
                     "changed",
                     clinic);
    }
    pg_result_free(r);
    r = NULL;
    if (rc == 0)
        rc = pg_run(db, &key_used, p_new, &r, e);
    if (rc == 0 && pg_int(r, 0, 0) != 0) {
        *status = 409;
        rc = err_set(e, ERR_CONFLICT, "change.new_public_key",
                     "is, or was, a clinic's key: choose a new one");
    }
    pg_result_free(r);
    json_t *sth = NULL;
    if (rc == 0)
        rc = registry_log_append(db, "clinic-key", c->leaf, c->leaf_len, index,
                                 e);
    snprintf(leaf_index, sizeof(leaf_index), "%" PRIu64, *index);
    const char *p_retire[] = {c->old_public_key, clinic, leaf_index};
    const char *p_set[] = {c->new_public_key, clinic};
    if (rc == 0)
        rc = pg_run(db, &key_retire, p_retire, NULL, e);
    if (rc == 0)
        rc = pg_run(db, &key_set, p_set, NULL, e);
    if (rc == 0 && !(sth = registry_log_sign_head(db, signer, e)))
        rc = -1;
    json_decref(sth);
    if (rc == 0)
        rc = pg_commit(db, e);
    else
        pg_rollback(db);
    if (rc == 0)
        *status = 200;
    return rc;
}

void clinic_key_change_api(const struct registry_api *api, struct pg *db,
                           struct http_request *req, struct http_response *resp)
{
    struct err e = ERR_INIT;
    struct clinic_key_change c;
    if (clinic_key_change_read(req->body.data, req->body.len, &c, &e) < 0) {
        registry_api_reply_error(resp, e.code == ERR_AUTH ? 401 : 400, &e);
        return;
    }
    struct registry_signer signer;
    memcpy(signer.sk, api->secret_key, sizeof(signer.sk));
    registry_signer_init(&signer);
    uint64_t index = 0;
    int status = 500, already = 0;
    int rc =
        clinic_key_change_apply(db, &signer, &c, &index, &already, &status, &e);
    sodium_memzero(signer.sk, sizeof(signer.sk));
    char id[CLINIC_KEY_ID_LEN];
    clinic_key_id(c.new_pk, id);
    int64_t clinic = c.clinic;
    clinic_key_change_release(&c);
    if (rc < 0) {
        registry_api_reply_error(resp, status, &e);
        return;
    }
    registry_api_reply_json(
        resp, 200,
        json_pack("{s:I,s:s,s:I,s:b}", "clinic", (json_int_t)clinic, "key_id",
                  id, "leaf_index", (json_int_t)index, "already", already));
}
