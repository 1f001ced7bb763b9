/* The clinic's signed listing for the registry's directory
 * (registry/directory.h, directory_listing_build). */
#include "core/util.h"
#include "outcomes/signing.h"
#include "record/audit.h"
#include "record/listing.h"
#include "registry/batch.h"
#include "registry/directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The practitioners to list: active, both consents, already pushed (a
 * pseudonym drawn), in the order of their pseudonyms. */
static int add_practitioners(struct store *s, json_t *list, int *listed,
                             struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT ps.pseudonym, p.directory_name FROM practitioner p"
           " JOIN registry_pseudonym ps ON ps.kind = 'practitioner'"
           "   AND ps.local_id = p.id"
           " WHERE p.active = 1 AND p.registry_consent = 1"
           "   AND p.directory_consent = 1 AND p.directory_name IS NOT NULL"
           " ORDER BY ps.pseudonym");
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        json_array_append_new(list, json_pack("{ssss}", "ref",
                                              stmt_text(st, 0), "name",
                                              stmt_text(st, 1)));
        (*listed)++;
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

int directory_listing_build(struct store *s, const struct actor *caller,
                            const unsigned char sk[CLINIC_KEY_SECRET_BYTES],
                            char **body, int *listed, char **url,
                            struct err *e)
{
    *body = NULL;
    *url = NULL;
    *listed = 0;
    if (access_manage(caller, "send the directory listing", e) < 0)
        return -1;
    struct registry_link link;
    if (registry_link_get(s, &link, e) < 0) {
        if (e->code == ERR_NOT_FOUND)
            e->code = ERR_CONFLICT;
        return -1;
    }
    char state[3], zip3[4];
    if (listing_place(s, state, zip3, e) < 0 || store_begin(s, e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, "UPDATE registry_link SET directory_seq = directory_seq + 1"
           " WHERE id = 1 RETURNING directory_seq");
    int64_t seq = 0;
    int rc = stmt_one_int(st, &seq, e);
    json_t *practitioners = json_array();
    if (rc == 1)
        rc = add_practitioners(s, practitioners, listed, e);
    else if (rc == 0)
        rc = err_set(e, ERR_CONFLICT, "registry", "not enrolled with a "
                     "registry");
    if (rc == 0)
        rc = audit_append(s, caller, "update", "registry_directory", seq, 0,
                          "ok", e);
    if (rc == 0)
        rc = store_commit(s, e);
    if (rc < 0) {
        store_rollback(s);
        json_decref(practitioners);
        return -1;
    }
    json_t *listing = json_pack(
        "{sisIsIsososo}", "format", 1, "clinic", (json_int_t)link.clinic_id,
        "seq", (json_int_t)seq, "state",
        state[0] ? json_string(state) : json_null(), "zip3",
        zip3[0] ? json_string(zip3) : json_null(), "practitioners",
        practitioners);
    size_t len;
    char *canonical = signing_canonical_json(listing, &len);
    if (!canonical)
        die("out of memory writing the listing");
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    signing_sign(canonical, len, sk, sig);
    free(canonical);
    char *sig_text = clinic_key_base64_encode(sig, sizeof(sig));
    json_t *doc = json_pack("{soss}", "listing", listing, "signature",
                            sig_text);
    free(sig_text);
    *body = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    if (!*body)
        die("out of memory writing the listing");
    *url = xstrdup(link.url);
    return 0;
}
