/* The registry's public directory (registry/directory.h): the signed
 * listing of each clinic, the search, its JSON and FHIR forms. */
#include "registry/directory.h"
#include "core/json_read.h"
#include "core/util.h"
#include "documents/fhir.h"
#include "outcomes/signing.h"
#include "record/validate.h"
#include "registry/clinic_key_change.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int directory_query_set(struct directory_query *q, const char *which,
                        const char *value, const char *field, struct err *e)
{
    size_t n = strlen(value);
    if (!strcmp(which, "protocol")) {
        if (n > DIRECTORY_PROTOCOL_MAX)
            return err_set(e, ERR_INPUT, field, "is longer than %d "
                           "characters", DIRECTORY_PROTOCOL_MAX);
        for (size_t i = 0; i < n; i++)
            if (!islower((unsigned char)value[i]) &&
                !isdigit((unsigned char)value[i]) && value[i] != '-')
                return err_set(e, ERR_INPUT, field, "must be a protocol id "
                               "(lower-case letters, digits and '-')");
        snprintf(q->protocol, sizeof(q->protocol), "%s", value);
        return 0;
    }
    if (!strcmp(which, "state")) {
        if (n && (n != 2 || !isalpha((unsigned char)value[0]) ||
                  !isalpha((unsigned char)value[1])))
            return err_set(e, ERR_INPUT, field, "must be a state's two "
                           "letters, as OR");
        for (size_t i = 0; i < n; i++)
            q->state[i] = (char)toupper((unsigned char)value[i]);
        q->state[n] = '\0';
        return 0;
    }
    if (!strcmp(which, "zip3")) {
        if (n && (n != 3 || !isdigit((unsigned char)value[0]) ||
                  !isdigit((unsigned char)value[1]) ||
                  !isdigit((unsigned char)value[2])))
            return err_set(e, ERR_INPUT, field, "must be the first three "
                           "digits of a ZIP code, as 972");
        snprintf(q->zip3, sizeof(q->zip3), "%s", value);
        return 0;
    }
    BUG("directory_query_set: no parameter '%s'", which);
}

/* Every condition of being shown, checked when asked: an approved clinic
 * lists the practitioner, the practitioner is matched across clinics
 * (match_key: their consent to the registry), and holds a certificate
 * obtained by that clinic that is not revoked and not expired; the latest
 * one per protocol and instrument. */
#define SHOWN_FROM                                                           \
    " FROM registry_listing l"                                               \
    " JOIN registry_clinic c ON c.id = l.clinic_id"                          \
    "   AND c.status = 'approved'"                                           \
    " JOIN registry_practitioner_ref r ON r.clinic_id = l.clinic_id"         \
    "   AND r.ref = l.ref"                                                   \
    " JOIN registry_practitioner p ON p.id = r.practitioner_id"              \
    "   AND p.match_key IS NOT NULL"                                         \
    " JOIN registry_certificate rc ON rc.practitioner_id = p.id"             \
    "   AND rc.clinic_id = l.clinic_id"                                      \
    " WHERE rc.revoked_at IS NULL AND rc.expires_at > now()"

#define INSTANT(col)                                                         \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const struct pg_query search_query = {
    "directory_search",
    "SELECT * FROM (SELECT DISTINCT ON (l.clinic_id, l.ref, rc.protocol,"
    " rc.instrument) rc.id, rc.leaf_index, l.display_name, c.name,"
    " coalesce(c.state, ''), coalesce(c.zip3, ''), rc.protocol,"
    " rc.instrument, rc.designation, " INSTANT("rc.issued_at") ", "
    INSTANT("rc.expires_at")
    SHOWN_FROM
    " AND ($1 = '' OR rc.protocol = $1) AND ($2 = '' OR c.state = $2)"
    " AND ($3 = '' OR c.zip3 = $3)"
    " ORDER BY l.clinic_id, l.ref, rc.protocol, rc.instrument,"
    " rc.issued_at DESC, rc.id DESC) AS shown"
    " ORDER BY protocol, 5, 6, display_name, instrument, id LIMIT 500",
    3};

static void copy_column(char *dst, size_t n, const struct pg_result *r,
                        int row, int col)
{
    const char *text = pg_text(r, row, col);
    snprintf(dst, n, "%s", text ? text : "");
}

int directory_search(struct pg *db, const struct directory_query *q,
                     struct directory_list *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    const char *params[] = {q->protocol, q->state, q->zip3};
    struct pg_result *r;
    if (pg_run(db, &search_query, params, &r, e) < 0)
        return -1;
    for (int i = 0; i < pg_rows(r); i++) {
        ALLOC_GROW(out->items, out->count + 1, out->alloc);
        struct directory_entry *d = &out->items[out->count++];
        memset(d, 0, sizeof(*d));
        d->certificate = pg_int(r, i, 0);
        d->leaf_index = pg_int(r, i, 1);
        copy_column(d->name, sizeof(d->name), r, i, 2);
        copy_column(d->clinic, sizeof(d->clinic), r, i, 3);
        copy_column(d->state, sizeof(d->state), r, i, 4);
        copy_column(d->zip3, sizeof(d->zip3), r, i, 5);
        copy_column(d->protocol, sizeof(d->protocol), r, i, 6);
        copy_column(d->instrument, sizeof(d->instrument), r, i, 7);
        copy_column(d->designation, sizeof(d->designation), r, i, 8);
        copy_column(d->issued_at, sizeof(d->issued_at), r, i, 9);
        copy_column(d->expires_at, sizeof(d->expires_at), r, i, 10);
    }
    pg_result_free(r);
    return 0;
}

void directory_list_release(struct directory_list *l)
{
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static const struct pg_query certificate_query = {
    "directory_certificate",
    "SELECT rc.document" SHOWN_FROM " AND rc.id = $1 LIMIT 1", 1};

int directory_certificate(struct pg *db, int64_t id, char **document,
                          struct err *e)
{
    *document = NULL;
    struct pg_result *r;
    if (pg_run_int(db, &certificate_query, id, &r, e) < 0)
        return -1;
    int found = pg_rows(r) > 0;
    if (found)
        *document = xstrdup(pg_text(r, 0, 0));
    pg_result_free(r);
    return found;
}

/* "/directory/certificate/ID.json" under base_url. */
static json_t *certificate_url(const char *base_url, int64_t id)
{
    char url[700];
    snprintf(url, sizeof(url), "%s/directory/certificate/%" PRId64 ".json",
             base_url, id);
    return json_string(url);
}

json_t *directory_to_json(const struct directory_list *l,
                          const struct directory_query *q,
                          const char *base_url)
{
    json_t *list = json_array();
    for (size_t i = 0; i < l->count; i++) {
        const struct directory_entry *d = &l->items[i];
        json_t *cert = json_pack("{sIsIso}", "id", (json_int_t)d->certificate,
                                 "leaf_index", (json_int_t)d->leaf_index,
                                 "url",
                                 certificate_url(base_url, d->certificate));
        json_t *item = json_pack(
            "{ssssssssssssss}", "name", d->name, "clinic", d->clinic,
            "protocol", d->protocol, "instrument", d->instrument,
            "designation", d->designation, "issued_at", d->issued_at,
            "expires_at", d->expires_at);
        if (!item)
            die("out of memory writing the directory");
        json_object_set_new(item, "state", d->state[0]
                                               ? json_string(d->state)
                                               : json_null());
        json_object_set_new(item, "zip3", d->zip3[0] ? json_string(d->zip3)
                                                     : json_null());
        json_object_set_new(item, "certificate", cert);
        json_array_append_new(list, item);
    }
    json_t *query = json_object();
    json_object_set_new(query, "protocol", q->protocol[0]
                                               ? json_string(q->protocol)
                                               : json_null());
    json_object_set_new(query, "state",
                        q->state[0] ? json_string(q->state) : json_null());
    json_object_set_new(query, "zip3",
                        q->zip3[0] ? json_string(q->zip3) : json_null());
    return json_pack("{sosIso}", "query", query, "count",
                     (json_int_t)l->count, "therapists", list);
}

/* A FHIR instant without fractions: the registry's are to the second. */
json_t *directory_to_fhir(const struct directory_list *l,
                          const char *base_url, const char *self_url)
{
    json_t *entries = json_array();
    for (size_t i = 0; i < l->count; i++) {
        const struct directory_entry *d = &l->items[i];
        char id[40], full[700], cert_system[700];
        snprintf(id, sizeof(id), "cert-%" PRId64, d->certificate);
        snprintf(full, sizeof(full), "%s/fhir/r4/PractitionerRole/%s",
                 base_url, id);
        snprintf(cert_system, sizeof(cert_system),
                 "%s/sid/registry-certificate", base_url);
        json_t *address = json_pack("{ssss}", "country", "US", "use",
                                    "work");
        if (d->state[0])
            json_object_set_new(address, "state", json_string(d->state));
        if (d->zip3[0])
            json_object_set_new(address, "postalCode",
                                json_string(d->zip3));
        json_t *location = json_pack(
            "{sssssoss}", "resourceType", "Location", "id", "place",
            "address", address, "description",
            "the clinic's state and the first three digits of its ZIP "
            "code");
        char leaf[24];
        snprintf(leaf, sizeof(leaf), "%" PRId64, d->leaf_index);
        json_t *role = json_pack(
            "{sssss[o]sbs{ssss}s{ss}s{ss}s[{s[{ssss}]ss}]s[{s[{ssss}]ss}]"
            "s[{ss}]s[{ssss}]}",
            "resourceType", "PractitionerRole", "id", id, "contained",
            location, "active", 1, "period", "start", d->issued_at, "end",
            d->expires_at, "practitioner", "display", d->name,
            "organization", "display", d->clinic, "code", "coding",
            "system", FHIR_TS_BASE "/CodeSystem/registry-designation",
            "code", d->designation, "text", d->designation, "specialty",
            "coding", "system", FHIR_SYSTEM_PROTOCOL, "code", d->protocol,
            "text", d->protocol, "location", "reference", "#place",
            "identifier", "system", cert_system, "value", leaf);
        json_array_append_new(
            entries, json_pack("{ssso s{ss}}", "fullUrl", full, "resource",
                               role, "search", "mode", "match"));
    }
    return json_pack("{sssssIs[{ssss}]so}", "resourceType", "Bundle", "type",
                     "searchset", "total", (json_int_t)l->count, "link",
                     "relation", "self", "url", self_url, "entry", entries);
}

/* ---- the signed listing, at the registry ---- */

static int refuse(struct directory_update_result *out, int status,
                  struct err *e, enum err_code code, const char *field,
                  const char *message)
{
    out->status = status;
    return err_set(e, code, field, "%s", message);
}

static const char *const body_keys[] = {"listing", "signature", NULL};
static const char *const listing_keys[] = {
    "format", "clinic", "seq", "state", "zip3", "practitioners", NULL};
static const char *const entry_keys[] = {"ref", "name", NULL};

/* A pseudonym of the clinic's: "p-" and 16 hex digits at most. */
static int valid_ref(const char *ref)
{
    size_t n = strlen(ref);
    if (n < 3 || n > 40 || ref[0] != 'p' || ref[1] != '-')
        return 0;
    for (size_t i = 2; i < n; i++)
        if (!isxdigit((unsigned char)ref[i]))
            return 0;
    return 1;
}

/* A place member: null (unknown) or text that q accepts. */
static int read_place(struct json_reader *r, const json_t *listing,
                      const char *key, struct directory_query *q,
                      struct err *e)
{
    const json_t *v = json_object_get(listing, key);
    if (!v || json_is_null(v))
        return 0;
    char path[32];
    snprintf(path, sizeof(path), "listing.%s", key);
    if (!json_is_string(v))
        return err_set(e, ERR_INPUT, path, "must be a string or null");
    if (!json_string_value(v)[0])
        return err_set(e, ERR_INPUT, path, "must not be empty");
    (void)r;
    return directory_query_set(q, key, json_string_value(v), path, e);
}

static const struct pg_query clinic_lock = {
    "directory_clinic_lock", "SELECT public_key, status, directory_seq FROM"
    " registry_clinic WHERE id = $1 FOR UPDATE", 1};
static const struct pg_query clinic_place = {
    "directory_clinic_place", "UPDATE registry_clinic SET state = $2,"
    " zip3 = $3, directory_seq = $4, updated_at = now() WHERE id = $1", 4};
static const struct pg_query listing_clear = {
    "directory_listing_clear", "DELETE FROM registry_listing WHERE"
    " clinic_id = $1", 1};
static const struct pg_query listing_add = {
    "directory_listing_add", "INSERT INTO registry_listing (clinic_id, ref,"
    " display_name) VALUES ($1, $2, $3)", 3};

int directory_update(struct pg *db, const char *body, size_t len,
                     struct directory_update_result *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    out->status = 400;
    json_t *doc = json_read_load(body, len, e);
    if (!doc)
        return -1;
    struct json_reader r = JSON_READER_INIT(e);
    const json_t *listing = NULL;
    const char *signature = NULL;
    long long format = 0, clinic = 0, seq = 0;
    struct directory_query place;
    memset(&place, 0, sizeof(place));
    int rc = -1;
    if (json_read_object(&r, doc, "") < 0 ||
        json_read_keys(&r, doc, "", body_keys) < 0 ||
        json_read_member(&r, doc, "", "listing", JSON_KIND_OBJECT,
                         JSON_REQUIRED, &listing) < 0 ||
        json_read_text(&r, doc, "", "signature", JSON_REQUIRED,
                       &signature) < 0 ||
        json_read_keys(&r, listing, "listing", listing_keys) < 0 ||
        json_read_integer(&r, listing, "listing", "format", JSON_REQUIRED,
                          &format) < 0 ||
        json_read_integer(&r, listing, "listing", "clinic", JSON_REQUIRED,
                          &clinic) < 0 ||
        json_read_integer(&r, listing, "listing", "seq", JSON_REQUIRED,
                          &seq) < 0 ||
        read_place(&r, listing, "state", &place, e) < 0 ||
        read_place(&r, listing, "zip3", &place, e) < 0)
        goto done;
    if (format != 1) {
        err_set(e, ERR_INPUT, "listing.format", "must be 1");
        goto done;
    }
    if (clinic < 1) {
        err_set(e, ERR_INPUT, "listing.clinic", "must be a clinic id (1 or "
                "more)");
        goto done;
    }
    if (seq < 1) {
        err_set(e, ERR_INPUT, "listing.seq", "must be 1 or more");
        goto done;
    }
    /* The entries, each checked, and no reference twice. */
    struct json_each it;
    int walk = json_each_begin(&r, &it, listing, "listing", "practitioners",
                               JSON_REQUIRED);
    const char **refs = NULL, **names = NULL;
    size_t count = 0, alloc_refs = 0, alloc_names = 0;
    while (walk >= 0 && (walk = json_each_next(&r, &it, entry_keys)) > 0) {
        const char *ref, *name;
        char field[JSON_PATH_MAX + 8];
        if (json_read_text(&r, it.item, it.path, "ref", JSON_REQUIRED,
                           &ref) < 0 ||
            json_read_text(&r, it.item, it.path, "name", JSON_REQUIRED,
                           &name) < 0) {
            walk = -1;
            break;
        }
        snprintf(field, sizeof(field), "%s.ref", it.path);
        if (!valid_ref(ref)) {
            err_set(e, ERR_INPUT, field, "must be the clinic's reference "
                    "to the practitioner (p- and hex digits)");
            walk = -1;
            break;
        }
        for (size_t k = 0; k < count; k++)
            if (!strcmp(refs[k], ref)) {
                err_set(e, ERR_INPUT, field, "is listed twice");
                walk = -1;
            }
        snprintf(field, sizeof(field), "%s.name", it.path);
        if (walk < 0 || validate_text(name, field, 1, DIRECTORY_NAME_MAX,
                                      e) < 0) {
            walk = -1;
            break;
        }
        if (count == DIRECTORY_PRACTITIONERS_MAX) {
            err_set(e, ERR_INPUT, "listing.practitioners", "holds more than "
                    "%d practitioners", DIRECTORY_PRACTITIONERS_MAX);
            walk = -1;
            break;
        }
        ALLOC_GROW(refs, count + 1, alloc_refs);
        ALLOC_GROW(names, count + 1, alloc_names);
        refs[count] = ref;
        names[count] = name;
        count++;
    }
    if (walk < 0)
        goto free_entries;
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    if (clinic_key_base64_decode(signature, sig, sizeof(sig), "signature",
                                 e) < 0)
        goto free_entries;
    size_t canonical_len;
    char *canonical = signing_canonical_json(listing, &canonical_len);
    if (!canonical) {
        err_set(e, ERR_INPUT, "listing", "cannot be written as canonical "
                "JSON");
        goto free_entries;
    }
    char clinic_text[24], seq_text[24];
    snprintf(clinic_text, sizeof(clinic_text), "%lld", clinic);
    snprintf(seq_text, sizeof(seq_text), "%lld", seq);
    const char *lock_params[] = {clinic_text};
    struct pg_result *res = NULL;
    out->status = 500;
    if (pg_begin(db, e) < 0 ||
        pg_run(db, &clinic_lock, lock_params, &res, e) < 0)
        goto rollback;
    if (pg_rows(res) == 0) {
        refuse(out, 403, e, ERR_AUTH, "listing.clinic", "no clinic of this "
               "id has enrolled");
        goto rollback;
    }
    unsigned char pk[CLINIC_KEY_PUBLIC_BYTES];
    struct err ignored = ERR_INIT;
    if (clinic_key_base64_decode(pg_text(res, 0, 0), pk, sizeof(pk),
                                 "public_key", &ignored) < 0 ||
        !signing_verify(canonical, canonical_len, sig, pk)) {
        char message[192];
        clinic_key_refusal(db, clinic, canonical, canonical_len, sig, message,
                           sizeof(message));
        refuse(out, 401, e, ERR_AUTH, "signature", message);
        goto rollback;
    }
    if (!strcmp(pg_text(res, 0, 1), "suspended")) {
        refuse(out, 403, e, ERR_AUTH, "listing.clinic", "the clinic is "
               "suspended");
        goto rollback;
    }
    out->last_seq = pg_int(res, 0, 2);
    if (seq <= out->last_seq) {
        out->status = 409;
        err_set(e, ERR_CONFLICT, "listing.seq", "listing %lld is not newer "
                "than the last accepted (%" PRId64 "): a replay, or sent out "
                "of order", seq, out->last_seq);
        goto rollback;
    }
    const char *place_params[] = {clinic_text,
                                  place.state[0] ? place.state : NULL,
                                  place.zip3[0] ? place.zip3 : NULL,
                                  seq_text};
    out->status = 500;
    if (pg_run(db, &clinic_place, place_params, NULL, e) < 0 ||
        pg_run(db, &listing_clear, lock_params, NULL, e) < 0)
        goto rollback;
    for (size_t k = 0; k < count; k++) {
        const char *add[] = {clinic_text, refs[k], names[k]};
        if (pg_run(db, &listing_add, add, NULL, e) < 0)
            goto rollback;
    }
    if (pg_commit(db, e) < 0)
        goto rollback;
    out->status = 200;
    out->clinic = clinic;
    out->seq = seq;
    out->listed = (int)count;
    rc = 0;
    goto release;
rollback:
    pg_rollback(db);
release:
    pg_result_free(res);
    free(canonical);
free_entries:
    free(refs);
    free(names);
done:
    json_decref(doc);
    return rc;
}
