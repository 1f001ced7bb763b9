/*
 * The register of issued certificates (outcomes/register.h): the signed
 * documents as issued, their revocation, who may list them.
 */
#include "outcomes/register.h"
#include "core/util.h"
#include "outcomes/report.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REGISTER_SELECT                                                      \
    "SELECT c.id, c.practitioner_id, coalesce(p.name, ''), c.protocol_id,"   \
    " c.instrument, c.designation, c.issued_at, coalesce(c.revoked_at, ''),"  \
    " coalesce(c.revoked_reason, '')"
#define REGISTER_FROM                                                        \
    " FROM certificate c LEFT JOIN practitioner p ON p.id ="                 \
    " c.practitioner_id"

static void row_read(struct stmt *st, struct issued_certificate *c)
{
    memset(c, 0, sizeof(*c));
    str_copy(c->id, sizeof(c->id), stmt_text(st, 0));
    c->practitioner_id = stmt_int(st, 1);
    str_copy(c->practitioner_name, sizeof(c->practitioner_name),
             stmt_text(st, 2));
    str_copy(c->protocol, sizeof(c->protocol), stmt_text(st, 3));
    str_copy(c->instrument, sizeof(c->instrument), stmt_text(st, 4));
    str_copy(c->designation, sizeof(c->designation), stmt_text(st, 5));
    str_copy(c->issued_at, sizeof(c->issued_at), stmt_text(st, 6));
    str_copy(c->revoked_at, sizeof(c->revoked_at), stmt_text(st, 7));
    str_copy(c->revoked_reason, sizeof(c->revoked_reason), stmt_text(st, 8));
}

static const char *text_at(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

int register_add(struct store *s, const char *document, struct err *e)
{
    json_t *doc = json_loads(document, 0, NULL);
    const json_t *claims = json_object_get(doc, "certificate");
    const char *id = text_at(claims, "id", NULL);
    json_t *pid = json_object_get(json_object_get(claims, "practitioner"),
                                  "id");
    if (!id || !json_is_integer(pid))
        BUG("register_add: a certificate without an id or practitioner");
    struct stmt *st = store_prepare(
        s, "INSERT INTO certificate (id, practitioner_id, protocol_id,"
           " instrument, designation, issued_at, document) VALUES (:id,"
           " :practitioner, :protocol, :instrument, :designation, :issued,"
           " :document) ON CONFLICT (id) DO NOTHING");
    stmt_bind_text(st, ":id", id);
    stmt_bind_int(st, ":practitioner", json_integer_value(pid));
    stmt_bind_text(st, ":protocol", text_at(claims, "protocol", NULL));
    stmt_bind_text(st, ":instrument", text_at(claims, "instrument", NULL));
    stmt_bind_text(st, ":designation", text_at(claims, "designation", NULL));
    stmt_bind_text(st, ":issued", text_at(claims, "issued_at", NULL));
    stmt_bind_text(st, ":document", document);
    int rc = stmt_run(st, e);
    if (rc >= 0 && store_changes(s) != 1)
        rc = err_set(e, ERR_INPUT, "id",
                     "a certificate with id '%s' was issued already", id);
    json_decref(doc);
    return rc < 0 ? -1 : 0;
}

/* Who may see practitioner_id's certificates (0: every practitioner's). */
static int may_list(const struct actor *caller, int64_t practitioner_id,
                    struct err *e)
{
    if (access_is_admin(caller))
        return 0;
    if (caller->role == ROLE_THERAPIST && caller->practitioner_id > 0 &&
        (practitioner_id == 0 || practitioner_id == caller->practitioner_id))
        return 0;
    return err_set(e, ERR_AUTH, "practitioner",
                   "the register of certificates is for the clinic's admins "
                   "and, for their own, therapists");
}

int register_list(struct store *s, const struct actor *caller,
                  int64_t practitioner_id, struct issued_list *out,
                  struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (may_list(caller, practitioner_id, e) < 0)
        return report_deny(s, caller, "read", "certificate", practitioner_id);
    if (!access_is_admin(caller))
        practitioner_id = caller->practitioner_id;
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, REGISTER_SELECT REGISTER_FROM " WHERE :practitioner = 0 OR"
                                         " c.practitioner_id ="
                            " :practitioner ORDER BY c.issued_at DESC, c.id");
    stmt_bind_int(st, ":practitioner", practitioner_id);
    size_t alloc = 0;
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        ALLOC_GROW(out->items, out->count + 1, alloc);
        row_read(st, &out->items[out->count++]);
    }
    stmt_finalize(st);
    if (rc == 0)
        rc = audit_append(s, caller, "read", "certificate", practitioner_id,
                          0, "ok", e);
    if (rc < 0) {
        store_rollback(s);
        register_list_release(out);
        return -1;
    }
    if (store_commit(s, e) < 0) {
        register_list_release(out);
        return -1;
    }
    return 0;
}

void register_list_release(struct issued_list *l)
{
    free(l->items);
    memset(l, 0, sizeof(*l));
}

/* Reads one row (0: none) and, when document is not NULL, its document. */
static int row_by_id(struct store *s, const char *id,
                     struct issued_certificate *out, char **document,
                     struct err *e)
{
    struct stmt *st = store_prepare(
        s, REGISTER_SELECT ", c.document" REGISTER_FROM " WHERE c.id = :id");
    stmt_bind_text(st, ":id", id);
    int rc = stmt_step(st, e);
    if (rc == 1) {
        row_read(st, out);
        if (document)
            *document = xstrdup(stmt_text(st, 9));
    }
    stmt_finalize(st);
    return rc;
}

static int check_id(const char *id, struct err *e)
{
    if (!id || !*id)
        return err_set(e, ERR_INPUT, "id", "missing");
    size_t n = strlen(id);
    if (n > REGISTER_ID_MAX || strspn(id, "abcdefghijklmnopqrstuvwxyz"
                                          "0123456789-") != n)
        return err_set(e, ERR_INPUT, "id",
                       "a certificate id is 1 to %d of a-z, 0-9 and '-'",
                       REGISTER_ID_MAX);
    return 0;
}

int register_get(struct store *s, const struct actor *caller, const char *id,
                 struct issued_certificate *out, char **document,
                 struct err *e)
{
    if (document)
        *document = NULL;
    if (check_id(id, e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    int rc = row_by_id(s, id, out, document, e);
    struct err denied = ERR_INIT;
    if (rc == 1 && may_list(caller, out->practitioner_id, &denied) < 0)
        rc = 0; /* another's reads like a missing one */
    if (rc == 0)
        rc = err_set(e, ERR_NOT_FOUND, "id", "no certificate '%s'", id);
    else if (rc == 1)
        rc = audit_append(s, caller, "read", "certificate",
                          out->practitioner_id, 0, "ok", e);
    if (rc < 0 || store_commit(s, e) < 0) {
        store_rollback(s);
        if (document) {
            free(*document);
            *document = NULL;
        }
        return -1;
    }
    return 0;
}

int register_revoke(struct store *s, const struct actor *caller,
                    const char *id, const char *reason,
                    struct issued_certificate *out, struct err *e)
{
    if (access_manage(caller, "revoke a certificate", e) < 0)
        return report_deny(s, caller, "update", "certificate", 0);
    if (check_id(id, e) < 0 ||
        validate_text(reason, "reason", 1, REGISTER_REASON_MAX, e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    struct issued_certificate c;
    int rc = row_by_id(s, id, &c, NULL, e);
    if (rc == 0)
        rc = err_set(e, ERR_NOT_FOUND, "id", "no certificate '%s'", id);
    else if (rc == 1 && c.revoked_at[0])
        rc = err_set(e, ERR_REFUSED, "id",
                     "certificate '%s' was revoked already, at %s", id,
                     c.revoked_at);
    if (rc == 1) {
        clock_format_instant(clock_now(), c.revoked_at);
        str_copy(c.revoked_reason, sizeof(c.revoked_reason), reason);
        struct stmt *st = store_prepare(
            s, "UPDATE certificate SET revoked_at = :at, revoked_reason ="
               " :reason WHERE id = :id");
        stmt_bind_text(st, ":at", c.revoked_at);
        stmt_bind_text(st, ":reason", reason);
        stmt_bind_text(st, ":id", id);
        rc = stmt_run(st, e);
    }
    if (rc == 0) {
        char outcome[REGISTER_ID_MAX + 16];
        snprintf(outcome, sizeof(outcome), "ok: revoked %s", id);
        rc = audit_append(s, caller, "update", "certificate",
                          c.practitioner_id, 0, outcome, e);
    }
    if (rc < 0 || store_commit(s, e) < 0) {
        store_rollback(s);
        return -1;
    }
    if (out)
        *out = c;
    return 0;
}

int register_status(struct store *s, const char *id, int *found,
                    struct issued_certificate *out, struct err *e)
{
    *found = 0;
    if (check_id(id, e) < 0)
        return -1;
    int rc = row_by_id(s, id, out, NULL, e);
    if (rc < 0)
        return -1;
    *found = rc == 1;
    return 0;
}

static json_t *text_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *register_status_json(int found, const struct issued_certificate *c)
{
    if (!found)
        return json_pack("{ss}", "status", "unknown");
    return json_pack("{sssssoso}", "status",
                     c->revoked_at[0] ? "revoked" : "valid", "issued_at",
                     c->issued_at, "revoked_at", text_or_null(c->revoked_at),
                     "reason", text_or_null(c->revoked_reason));
}

json_t *register_entry_json(const struct issued_certificate *c)
{
    json_t *o = json_pack(
        "{sss{sIss}ssssssss}", "id", c->id, "practitioner", "id",
        (json_int_t)c->practitioner_id, "name", c->practitioner_name,
        "protocol", c->protocol, "instrument", c->instrument, "designation",
        c->designation, "issued_at", c->issued_at);
    json_object_set_new(o, "status",
                        json_string(c->revoked_at[0] ? "revoked" : "valid"));
    json_object_set_new(o, "revoked_at", text_or_null(c->revoked_at));
    json_object_set_new(o, "reason", text_or_null(c->revoked_reason));
    return o;
}
