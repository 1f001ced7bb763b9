/* The clinic's side of the registry (batch.h, docs/registry.md). */
#include "registry/batch.h"
#include "core/json_read.h"
#include "core/util.h"
#include "documents/deid.h"
#include "outcomes/report.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/episode.h"
#include "record/patient.h"
#include "record/practitioner.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the link ---------------------------------------------------------- */

static void copy_text(char *out, size_t size, const char *text)
{
    snprintf(out, size, "%s", text ? text : "");
}

int registry_link_get(struct store *s, struct registry_link *out,
                      struct err *e)
{
    memset(out, 0, sizeof(*out));
    struct stmt *st = store_prepare(
        s, "SELECT url, clinic_id, status, registry_public_key, enrolled_at"
           " FROM registry_link WHERE id = 1");
    int rc = stmt_step(st, e);
    if (rc == 1) {
        copy_text(out->url, sizeof(out->url), stmt_text(st, 0));
        out->clinic_id = stmt_int(st, 1);
        copy_text(out->status, sizeof(out->status), stmt_text(st, 2));
        copy_text(out->public_key, sizeof(out->public_key),
                  stmt_text(st, 3));
        copy_text(out->enrolled_at, sizeof(out->enrolled_at),
                  stmt_text(st, 4));
    }
    stmt_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, "registry",
                       "not enrolled with a registry: run 'touchstone "
                       "registry enroll --url URL'");
    return rc < 0 ? -1 : 0;
}

/* Commits after auditing when rc is 0, else rolls back; returns rc. */
static int finish(struct store *s, const struct actor *caller,
                  const char *action, const char *type, int64_t id, int rc,
                  struct err *e)
{
    if (rc == 0)
        rc = audit_append(s, caller, action, type, id, 0, "ok", e);
    if (rc == 0)
        rc = store_commit(s, e);
    if (rc < 0)
        store_rollback(s);
    return rc;
}

int registry_link_save(struct store *s, const struct actor *caller,
                       const struct registry_link *link, struct err *e)
{
    if (!access_is_admin(caller))
        return err_set(e, ERR_AUTH, "", "enrolment is the clinic admin's");
    if (store_begin(s, e) < 0)
        return -1;
    struct registry_link old;
    struct err none = ERR_INIT;
    int had = registry_link_get(s, &old, &none) == 0;
    int rc = 0;
    if (had && strcmp(old.url, link->url))
        rc = err_set(e, ERR_CONFLICT, "url",
                     "this clinic is enrolled with %s already", old.url);
    else if (had && strcmp(old.public_key, link->public_key))
        rc = err_set(e, ERR_CONFLICT, "registry_public_key",
                     "the registry at %s answers with a key other than the "
                     "one pinned at enrolment",
                     link->url);
    if (rc == 0) {
        char now[CLOCK_INSTANT_LEN];
        clock_format_instant(clock_now(), now);
        struct stmt *st = store_prepare(
            s, "INSERT INTO registry_link (id, url, clinic_id, status,"
               " registry_public_key, enrolled_at) VALUES (1, :url,"
               " :clinic, :status, :key, :now) ON CONFLICT (id) DO UPDATE"
               " SET clinic_id = excluded.clinic_id,"
               " status = excluded.status");
        stmt_bind_text(st, ":url", link->url);
        stmt_bind_int(st, ":clinic", link->clinic_id);
        stmt_bind_text(st, ":status", link->status);
        stmt_bind_text(st, ":key", link->public_key);
        stmt_bind_text(st, ":now", now);
        rc = stmt_step(st, e) < 0 ? -1 : 0;
        stmt_finalize(st);
    }
    return finish(s, caller, "update", "registry_link", link->clinic_id, rc,
                  e);
}

int registry_link_set_status(struct store *s, const char *status,
                             struct err *e)
{
    struct stmt *st = store_prepare(
        s, "UPDATE registry_link SET status = :status WHERE id = 1");
    stmt_bind_text(st, ":status", status);
    int rc = stmt_step(st, e) < 0 ? -1 : 0;
    stmt_finalize(st);
    return rc;
}

/* ---- the rows ---------------------------------------------------------- */

struct registry_row {
    int64_t episode_id;
    int64_t practitioner_id;
    char instrument[64];
    json_t *row; /* every member but "episode" and "practitioner" */
};

struct registry_practitioner {
    int64_t id;
    int consent;
    char npi[11];
    char license[65];
};

struct registry_rows {
    struct registry_row *items; /* by episode id, then instrument */
    size_t count, alloc;
    struct registry_practitioner *practitioners; /* by id */
    size_t practitioner_count;
};

size_t registry_rows_count(const struct registry_rows *r)
{
    return r ? r->count : 0;
}

void registry_rows_free(struct registry_rows *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        json_decref(r->items[i].row);
    free(r->items);
    free(r->practitioners);
    free(r);
}

static int compare_row(const void *a, const void *b)
{
    const struct registry_row *x = a, *y = b;
    if (x->episode_id != y->episode_id)
        return x->episode_id < y->episode_id ? -1 : 1;
    return strcmp(x->instrument, y->instrument);
}

static int compare_patient(const void *a, const void *b)
{
    const struct patient *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int compare_practitioner(const void *a, const void *b)
{
    const struct registry_practitioner *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* true/false as 1/0; integers as they are; anything else null. */
static json_t *flag(const json_t *v)
{
    if (json_is_boolean(v))
        return json_integer(json_is_true(v));
    if (json_is_integer(v))
        return json_integer(json_integer_value(v));
    return json_null();
}

/* A number as the summary has it, or null. */
static json_t *number(const json_t *v)
{
    return json_is_number(v) ? json_deep_copy(v) : json_null();
}

/* The wire members of one outcome of episode ep of patient p. */
static int outcome_row(const struct patient *p, const struct episode *ep,
                       const json_t *report, const json_t *o,
                       const char *today, json_t **out, struct err *e)
{
    int start_year;
    char age[DEID_AGE_LABEL_LEN];
    if (deid_year(ep->started_on, &start_year, "started_on", e) < 0 ||
        deid_age_label(p->birth_date, ep->started_on, today, age, e) < 0)
        return -1;
    int years = strcmp(age, "90+") ? atoi(age) : DEID_AGE_POOLED;
    char category[4];
    snprintf(category, sizeof(category), "%.3s", ep->icd10);
    const json_t *sessions = json_object_get(
        json_object_get(report, "episode"), "sessions");
    json_t *row = json_object();
    json_object_set_new(row, "protocol", json_string(ep->protocol_id));
    json_object_set(row, "instrument", json_object_get(o, "instrument"));
    json_object_set(row, "role", json_object_get(o, "role"));
    json_object_set_new(row, "icd10_category", strlen(category) == 3
                                                   ? json_string(category)
                                                   : json_null());
    json_object_set_new(row, "start_year", json_integer(start_year));
    json_object_set_new(row, "sessions",
                        json_integer(json_integer_value(sessions)));
    static const char *const numbers[] = {"baseline", "discharge",
                                          "followup", "improvement",
                                          "followup_days",
                                          "sessions_to_response"};
    for (size_t k = 0; k < ARRAY_SIZE(numbers); k++)
        json_object_set_new(row, numbers[k],
                            number(json_object_get(o, numbers[k])));
    static const char *const flags[] = {"responder", "response_event",
                                        "sustained", "has_followup",
                                        "complete"};
    for (size_t k = 0; k < ARRAY_SIZE(flags); k++)
        json_object_set_new(row, flags[k],
                            flag(json_object_get(o, flags[k])));
    const json_t *reason = json_object_get(o, "incomplete_reason");
    json_object_set_new(row, "incomplete_reason",
                        json_is_string(reason)
                            ? json_string(json_string_value(reason))
                            : json_null());
    json_object_set_new(row, "age", json_integer(years));
    json_object_set_new(row, "sex", json_string(p->sex));
    json_object_set_new(row, "chronicity_weeks",
                        ep->chronicity_weeks >= 0
                            ? json_integer(ep->chronicity_weeks)
                            : json_null());
    json_object_set_new(row, "comorbidities",
                        ep->comorbidities >= 0
                            ? json_integer(ep->comorbidities)
                            : json_null());
    *out = row;
    return 0;
}

static int read_practitioners(struct store *s, const struct actor *caller,
                              struct registry_rows *r, struct err *e)
{
    struct practitioner_list l;
    if (practitioner_list(s, caller, &l, e) < 0)
        return -1;
    r->practitioners = xcalloc(l.count ? l.count : 1,
                               sizeof(*r->practitioners));
    for (size_t i = 0; i < l.count; i++) {
        struct registry_practitioner *p = &r->practitioners[i];
        p->id = l.items[i].id;
        p->consent = l.items[i].registry_consent;
        copy_text(p->npi, sizeof(p->npi), l.items[i].npi);
        copy_text(p->license, sizeof(p->license), l.items[i].license);
    }
    r->practitioner_count = l.count;
    qsort(r->practitioners, l.count, sizeof(*r->practitioners),
          compare_practitioner);
    practitioner_list_release(&l);
    return 0;
}

int registry_rows_read(struct store *s, const struct actor *caller,
                       struct registry_rows **out, struct err *e)
{
    *out = NULL;
    if (!access_is_admin(caller))
        return err_set(e, ERR_AUTH, "", "the registry push is made by the "
                                        "clinic's admin");
    struct registry_rows *r = xcalloc(1, sizeof(*r));
    struct patient_list patients = {0};
    struct episode_list episodes = {0};
    struct episode_filter all = {0, 0, 0};
    char today[CLOCK_DATE_LEN];
    clock_format_date(clock_today(), today);
    int rc = read_practitioners(s, caller, r, e);
    if (rc == 0)
        rc = patient_list(s, caller, NULL, &patients, e);
    if (rc == 0)
        rc = episode_list(s, caller, &all, &episodes, e);
    if (rc == 0 && patients.count > 1)
        qsort(patients.items, patients.count, sizeof(*patients.items),
              compare_patient);
    for (size_t i = 0; rc == 0 && i < episodes.count; i++) {
        const struct episode *ep = &episodes.items[i];
        struct patient key = {.id = ep->patient_id};
        const struct patient *p =
            patients.count ? bsearch(&key, patients.items, patients.count,
                                     sizeof(*patients.items),
                                     compare_patient)
                           : NULL;
        if (!p) {
            rc = err_set(e, ERR_FAIL, "patient",
                         "episode %lld: its patient is not listed",
                         (long long)ep->id);
            break;
        }
        json_t *report = report_episode_json(s, caller, ep->id, e);
        if (!report) {
            rc = -1;
            break;
        }
        size_t k;
        const json_t *o;
        json_array_foreach(json_object_get(report, "outcomes"), k, o) {
            json_t *row;
            if ((rc = outcome_row(p, ep, report, o, today, &row, e)) < 0)
                break;
            ALLOC_GROW(r->items, r->count + 1, r->alloc);
            struct registry_row *it = &r->items[r->count++];
            it->episode_id = ep->id;
            it->practitioner_id = ep->practitioner_id;
            copy_text(it->instrument, sizeof(it->instrument),
                      json_string_value(json_object_get(o, "instrument")));
            it->row = row;
        }
        json_decref(report);
    }
    episode_list_release(&episodes);
    patient_list_release(&patients);
    if (rc < 0) {
        registry_rows_free(r);
        return -1;
    }
    if (r->count > 1)
        qsort(r->items, r->count, sizeof(*r->items), compare_row);
    *out = r;
    return 0;
}

/* ---- pseudonyms -------------------------------------------------------- */

/* The pseudonym of a record ("e-" or "p-" and 16 hex digits), drawn at
 * random and stored the first time it is asked for. */
static int pseudonym_of(struct store *s, const char *kind, int64_t id,
                        char out[DEID_PSEUDONYM_LEN + 1], struct err *e)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        struct stmt *st = store_prepare(
            s, "SELECT pseudonym FROM registry_pseudonym"
               " WHERE kind = :kind AND local_id = :id");
        stmt_bind_text(st, ":kind", kind);
        stmt_bind_int(st, ":id", id);
        int rc = stmt_step(st, e);
        if (rc == 1)
            copy_text(out, DEID_PSEUDONYM_LEN + 1, stmt_text(st, 0));
        stmt_finalize(st);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
        char drawn[DEID_PSEUDONYM_LEN];
        deid_pseudonym_random(drawn);
        char name[DEID_PSEUDONYM_LEN + 1];
        snprintf(name, sizeof(name), "%c-%s", kind[0], drawn + 1);
        st = store_prepare(
            s, "INSERT OR IGNORE INTO registry_pseudonym (kind, local_id,"
               " pseudonym) VALUES (:kind, :id, :name)");
        stmt_bind_text(st, ":kind", kind);
        stmt_bind_int(st, ":id", id);
        stmt_bind_text(st, ":name", name);
        rc = stmt_step(st, e);
        stmt_finalize(st);
        if (rc < 0)
            return -1;
    }
    return err_set(e, ERR_FAIL, "pseudonym", "no free pseudonym drawn");
}

/* ---- batches ----------------------------------------------------------- */

void registry_outbound_release(struct registry_outbound *o)
{
    free(o->body);
    memset(o, 0, sizeof(*o));
}

/* Counts the rows and retractions of a stored body. */
static void count_body(struct registry_outbound *o)
{
    json_t *doc = json_loadb(o->body, o->len, 0, NULL);
    json_t *batch = json_object_get(doc, "batch");
    o->rows = (int64_t)json_array_size(json_object_get(batch, "rows"));
    o->retracted =
        (int64_t)json_array_size(json_object_get(batch, "retract"));
    json_decref(doc);
}

int registry_outbound_pending(struct store *s, struct registry_outbound *out,
                              struct err *e)
{
    memset(out, 0, sizeof(*out));
    struct stmt *st = store_prepare(
        s, "SELECT seq, body, digest FROM registry_outbound"
           " WHERE acked_at IS NULL ORDER BY seq LIMIT 1");
    int rc = stmt_step(st, e);
    if (rc == 1) {
        out->seq = stmt_int(st, 0);
        out->body = xstrdup(stmt_text(st, 1));
        out->len = strlen(out->body);
        copy_text(out->digest, sizeof(out->digest), stmt_text(st, 2));
    }
    stmt_finalize(st);
    if (rc == 1)
        count_body(out);
    return rc;
}

/* The practitioner's entry: npi (else license) only with consent. */
static json_t *practitioner_entry(const struct registry_rows *rows,
                                  int64_t id, const char *ref)
{
    struct registry_practitioner key = {.id = id};
    const struct registry_practitioner *p =
        bsearch(&key, rows->practitioners, rows->practitioner_count,
                sizeof(*rows->practitioners), compare_practitioner);
    int consent = p && p->consent;
    int has_npi = consent && p->npi[0];
    return json_pack("{s:s,s:o,s:o}", "ref", ref, "npi",
                     has_npi ? json_string(p->npi) : json_null(), "license",
                     consent && !has_npi && p->license[0]
                         ? json_string(p->license)
                         : json_null());
}

/* The digest kept in registry_pushed: SHA-256 of the canonical JSON of
 * [row, practitioner entry]. */
static int row_digest(const json_t *row, const json_t *practitioner,
                      char out[SIGNING_SHA256_HEX_LEN])
{
    json_t *pair = json_pack("[OO]", row, practitioner);
    int rc = signing_sha256_hex_json(pair, out);
    json_decref(pair);
    return rc;
}

/* The digest acknowledged for (episode, instrument), or "" when none. */
static int pushed_digest(struct store *s, int64_t episode,
                         const char *instrument,
                         char out[SIGNING_SHA256_HEX_LEN], struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT digest FROM registry_pushed WHERE episode_id = :episode"
           " AND instrument = :instrument");
    stmt_bind_int(st, ":episode", episode);
    stmt_bind_text(st, ":instrument", instrument);
    out[0] = 0;
    int rc = stmt_step(st, e);
    if (rc == 1)
        copy_text(out, SIGNING_SHA256_HEX_LEN, stmt_text(st, 0));
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

static int compare_json_rows(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(json_string_value(json_object_get(x, "episode")),
                   json_string_value(json_object_get(y, "episode")));
    if (c)
        return c;
    return strcmp(json_string_value(json_object_get(x, "instrument")),
                  json_string_value(json_object_get(y, "instrument")));
}

static const char *episode_of_row(const json_t *row)
{
    return json_string_value(json_object_get(row, "episode"));
}

static int compare_json_refs(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return strcmp(json_string_value(json_object_get(x, "ref")),
                  json_string_value(json_object_get(y, "ref")));
}

/* An array of the n values, sorted (takes the references). */
static json_t *sorted_array(json_t **items, size_t n,
                            int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(items, n, sizeof(*items), cmp);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, items[i]);
    return a;
}

struct chosen {
    json_t **rows, **retract, **refs;
    size_t nrows, nretract, nrefs, arows, aretract, arefs;
};

static void chosen_release(struct chosen *c)
{
    for (size_t i = 0; i < c->nrows; i++)
        json_decref(c->rows[i]);
    for (size_t i = 0; i < c->nretract; i++)
        json_decref(c->retract[i]);
    for (size_t i = 0; i < c->nrefs; i++)
        json_decref(c->refs[i]);
    free(c->rows);
    free(c->retract);
    free(c->refs);
}

/* Adds the practitioner's entry unless the batch has it. */
static void add_ref(struct chosen *c, json_t *entry)
{
    const char *ref = json_string_value(json_object_get(entry, "ref"));
    for (size_t i = 0; i < c->nrefs; i++)
        if (!strcmp(ref, json_string_value(
                             json_object_get(c->refs[i], "ref"))))
            return;
    ALLOC_GROW(c->refs, c->nrefs + 1, c->arefs);
    c->refs[c->nrefs++] = json_incref(entry);
}

/* A changed row and its practitioner's entry. */
struct due_row {
    json_t *row, *entry;
};

static int compare_due_rows(const void *a, const void *b)
{
    return compare_json_rows(&((const struct due_row *)a)->row,
                             &((const struct due_row *)b)->row);
}

/* The changed rows, then the retractions, into c (at most max), counting
 * every one due in *due. The rows are the first max in pseudonym order
 * (fewer, to end at an episode's end), so that the batches of one push
 * hold disjoint, ascending ranges of episodes: the registry copies a
 * batch that only adds rows after a clinic's own straight into its table
 * and extends its partial states instead of reading them again. */
static int choose(struct store *s, const struct registry_rows *rows,
                  size_t max, struct chosen *c, int64_t *due, struct err *e)
{
    struct due_row *changed = NULL;
    size_t nchanged = 0, achanged = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < rows->count; i++) {
        const struct registry_row *r = &rows->items[i];
        char episode[DEID_PSEUDONYM_LEN + 1], ref[DEID_PSEUDONYM_LEN + 1];
        if (pseudonym_of(s, "episode", r->episode_id, episode, e) < 0 ||
            pseudonym_of(s, "practitioner", r->practitioner_id, ref, e) < 0) {
            rc = -1;
            break;
        }
        json_t *row = json_copy(r->row);
        json_object_set_new(row, "episode", json_string(episode));
        json_object_set_new(row, "practitioner", json_string(ref));
        json_t *entry = practitioner_entry(rows, r->practitioner_id, ref);
        char digest[SIGNING_SHA256_HEX_LEN], old[SIGNING_SHA256_HEX_LEN];
        rc = row_digest(row, entry, digest);
        if (rc == 0)
            rc = pushed_digest(s, r->episode_id, r->instrument, old, e);
        else
            err_set(e, ERR_FAIL, "rows", "episode %lld: not encodable",
                    (long long)r->episode_id);
        if (rc == 0 && strcmp(digest, old)) {
            ALLOC_GROW(changed, nchanged + 1, achanged);
            changed[nchanged++] = (struct due_row){row, entry};
        } else {
            json_decref(row);
            json_decref(entry);
        }
    }
    if (rc == 0 && nchanged > 1)
        qsort(changed, nchanged, sizeof(*changed), compare_due_rows);
    /* A batch ends at an episode's end, unless one episode has more rows
     * than a batch holds. */
    size_t take = nchanged < max ? nchanged : max;
    while (take > 0 && take < nchanged &&
           !strcmp(episode_of_row(changed[take - 1].row),
                   episode_of_row(changed[take].row)))
        take--;
    if (take == 0)
        take = nchanged < max ? nchanged : max;
    for (size_t i = 0; i < nchanged; i++) {
        if (rc == 0 && i < take) {
            ALLOC_GROW(c->rows, c->nrows + 1, c->arows);
            c->rows[c->nrows++] = json_incref(changed[i].row);
            add_ref(c, changed[i].entry);
        }
        json_decref(changed[i].row);
        json_decref(changed[i].entry);
    }
    free(changed);
    if (rc < 0)
        return -1;
    *due += (int64_t)nchanged;
    struct stmt *st = store_prepare(
        s, "SELECT p.episode_id, p.instrument, n.pseudonym"
           " FROM registry_pushed p JOIN registry_pseudonym n"
           " ON n.kind = 'episode' AND n.local_id = p.episode_id"
           " ORDER BY p.episode_id, p.instrument");
    int step;
    while ((step = stmt_step(st, e)) == 1) {
        struct registry_row key = {.episode_id = stmt_int(st, 0)};
        copy_text(key.instrument, sizeof(key.instrument), stmt_text(st, 1));
        if (rows->count && bsearch(&key, rows->items, rows->count,
                                   sizeof(*rows->items), compare_row))
            continue;
        (*due)++;
        if (c->nrows + c->nretract >= max)
            continue;
        ALLOC_GROW(c->retract, c->nretract + 1, c->aretract);
        c->retract[c->nretract++] =
            json_pack("{s:s,s:s}", "episode", stmt_text(st, 2),
                      "instrument", key.instrument);
    }
    stmt_finalize(st);
    return step < 0 ? -1 : 0;
}

int registry_batch_build(struct store *s, const struct actor *caller,
                         const struct registry_rows *rows, int64_t clinic_id,
                         const unsigned char sk[CLINIC_KEY_SECRET_BYTES],
                         size_t max_rows, struct registry_outbound *out,
                         struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (!access_is_admin(caller))
        return err_set(e, ERR_AUTH, "", "the registry push is made by the "
                                        "clinic's admin");
    if (store_begin(s, e) < 0)
        return -1;
    struct registry_outbound pending;
    int rc = registry_outbound_pending(s, &pending, e);
    if (rc == 1) {
        rc = err_set(e, ERR_CONFLICT, "seq",
                     "batch %lld is not acknowledged yet: send it first",
                     (long long)pending.seq);
        registry_outbound_release(&pending);
    }
    struct chosen c = {0};
    int64_t due = 0;
    if (rc == 0)
        rc = choose(s, rows, max_rows ? max_rows : 1, &c, &due, e);
    if (rc < 0 || c.nrows + c.nretract == 0) {
        chosen_release(&c);
        if (rc < 0) {
            store_rollback(s);
            return -1;
        }
        /* Keeps the pseudonyms drawn, so that they never change. */
        return store_commit(s, e) < 0 ? -1 : 0;
    }
    int64_t seq = store_query_int(
                      s, "SELECT coalesce(max(seq), 0) FROM registry_outbound") +
                  1;
    out->rows = (int64_t)c.nrows;
    out->retracted = (int64_t)c.nretract;
    out->remaining = due;
    json_t *batch = json_pack(
        "{s:i,s:I,s:I,s:o,s:o,s:o}", "format", 1, "clinic",
        (json_int_t)clinic_id, "seq", (json_int_t)seq, "practitioners",
        sorted_array(c.refs, c.nrefs, compare_json_refs), "rows",
        sorted_array(c.rows, c.nrows, compare_json_rows), "retract",
        sorted_array(c.retract, c.nretract, compare_json_rows));
    c.nrefs = c.nrows = c.nretract = 0; /* the arrays hold them now */
    chosen_release(&c);
    size_t len;
    char *canonical = signing_canonical_json(batch, &len);
    if (!canonical) {
        json_decref(batch);
        store_rollback(s);
        return err_set(e, ERR_FAIL, "rows", "the batch is not encodable");
    }
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    signing_sign(canonical, len, sk, sig);
    signing_sha256_hex(canonical, len, out->digest);
    free(canonical);
    char *sig64 = clinic_key_base64_encode(sig, sizeof(sig));
    json_t *body = json_pack("{s:o,s:s}", "batch", batch, "signature",
                             sig64);
    free(sig64);
    out->body = signing_canonical_json(body, &out->len);
    json_decref(body);
    out->seq = seq;
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    struct stmt *st = store_prepare(
        s, "INSERT INTO registry_outbound (seq, body, digest, rows,"
           " created_at) VALUES (:seq, :body, :digest, :rows, :now)");
    stmt_bind_int(st, ":seq", seq);
    stmt_bind_text(st, ":body", out->body);
    stmt_bind_text(st, ":digest", out->digest);
    stmt_bind_int(st, ":rows", out->rows);
    stmt_bind_text(st, ":now", now);
    rc = stmt_step(st, e) < 0 ? -1 : 0;
    stmt_finalize(st);
    if (finish(s, caller, "create", "registry_batch", seq, rc, e) < 0) {
        registry_outbound_release(out);
        return -1;
    }
    return 1;
}

/* The local id of an episode pseudonym (0 when unknown). */
static int64_t episode_of(struct store *s, const char *pseudonym,
                          struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT local_id FROM registry_pseudonym WHERE kind = 'episode'"
           " AND pseudonym = :p");
    stmt_bind_text(st, ":p", pseudonym);
    int64_t id = stmt_step(st, e) == 1 ? stmt_int(st, 0) : 0;
    stmt_finalize(st);
    return id;
}

/* Records the rows and retractions of an acknowledged batch. */
static int record_pushed(struct store *s, int64_t seq, const json_t *batch,
                         struct err *e)
{
    const json_t *refs = json_object_get(batch, "practitioners");
    size_t i;
    const json_t *row;
    json_array_foreach(json_object_get(batch, "rows"), i, row) {
        const char *ref =
            json_string_value(json_object_get(row, "practitioner"));
        const json_t *entry = NULL, *p;
        size_t k;
        json_array_foreach(refs, k, p)
            if (!strcmp(ref, json_string_value(json_object_get(p, "ref"))))
                entry = p;
        int64_t episode = episode_of(
            s, json_string_value(json_object_get(row, "episode")), e);
        char digest[SIGNING_SHA256_HEX_LEN];
        if (!entry || !episode || row_digest(row, entry, digest) < 0)
            return err_set(e, ERR_FAIL, "seq",
                           "batch %lld: row %zu is not one this clinic "
                           "built",
                           (long long)seq, i);
        struct stmt *st = store_prepare(
            s, "INSERT INTO registry_pushed (episode_id, instrument, digest,"
               " seq) VALUES (:episode, :instrument, :digest, :seq)"
               " ON CONFLICT (episode_id, instrument) DO UPDATE"
               " SET digest = excluded.digest, seq = excluded.seq");
        stmt_bind_int(st, ":episode", episode);
        stmt_bind_text(st, ":instrument",
                       json_string_value(json_object_get(row, "instrument")));
        stmt_bind_text(st, ":digest", digest);
        stmt_bind_int(st, ":seq", seq);
        int rc = stmt_step(st, e);
        stmt_finalize(st);
        if (rc < 0)
            return -1;
    }
    json_array_foreach(json_object_get(batch, "retract"), i, row) {
        struct stmt *st = store_prepare(
            s, "DELETE FROM registry_pushed WHERE episode_id = :episode"
               " AND instrument = :instrument");
        stmt_bind_int(st, ":episode",
                      episode_of(s,
                                 json_string_value(
                                     json_object_get(row, "episode")),
                                 e));
        stmt_bind_text(st, ":instrument",
                       json_string_value(json_object_get(row, "instrument")));
        int rc = stmt_step(st, e);
        stmt_finalize(st);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int registry_batch_acknowledge(struct store *s, const struct actor *caller,
                               int64_t seq, struct err *e)
{
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, "SELECT body, acked_at IS NOT NULL FROM registry_outbound"
           " WHERE seq = :seq");
    stmt_bind_int(st, ":seq", seq);
    int rc = stmt_step(st, e);
    json_t *doc = NULL;
    int acked = 0;
    if (rc == 1) {
        doc = json_loads(stmt_text(st, 0), 0, NULL);
        acked = (int)stmt_int(st, 1);
    }
    stmt_finalize(st);
    if (rc == 0)
        rc = err_set(e, ERR_NOT_FOUND, "seq", "no batch %lld",
                     (long long)seq);
    else if (rc == 1 && acked) {
        json_decref(doc);
        store_rollback(s);
        return 0;
    } else if (rc == 1 && !doc)
        rc = err_set(e, ERR_FAIL, "seq", "batch %lld: stored body is not "
                                         "JSON",
                     (long long)seq);
    else if (rc == 1)
        rc = record_pushed(s, seq, json_object_get(doc, "batch"), e);
    json_decref(doc);
    if (rc == 0) {
        char now[CLOCK_INSTANT_LEN];
        clock_format_instant(clock_now(), now);
        st = store_prepare(s, "UPDATE registry_outbound SET acked_at = :now"
                              " WHERE seq = :seq");
        stmt_bind_text(st, ":now", now);
        stmt_bind_int(st, ":seq", seq);
        rc = stmt_step(st, e) < 0 ? -1 : 0;
        stmt_finalize(st);
    }
    return finish(s, caller, "update", "registry_batch", seq, rc, e);
}

/* ---- the national document -------------------------------------------- */

/* 0 when signature (base64) verifies over the canonical JSON of document
 * with the pinned key (base64); -1 with e otherwise. */
static int national_verify(const json_t *document, const char *signature,
                           const char *pinned_key, struct err *e)
{
    unsigned char pk[SIGNING_PUBLIC_BYTES], sig[SIGNING_SIGNATURE_BYTES];
    if (clinic_key_base64_decode(pinned_key, pk, sizeof(pk),
                                 "registry_public_key", e) < 0 ||
        clinic_key_base64_decode(signature, sig, sizeof(sig), "signature",
                                 e) < 0)
        return -1;
    size_t len;
    char *canonical = signing_canonical_json(document, &len);
    if (!canonical)
        return err_set(e, ERR_INPUT, "document", "not encodable");
    int ok = signing_verify(canonical, len, sig, pk);
    free(canonical);
    if (!ok)
        return err_set(e, ERR_REFUSED, "signature",
                       "the national document's signature does not verify "
                       "with the registry key pinned at enrolment");
    return 0;
}

int registry_national_store(struct store *s, const struct actor *caller,
                            const json_t *answer, const char *pinned_key,
                            struct err *e)
{
    if (!access_is_admin(caller))
        return err_set(e, ERR_AUTH, "", "the pull is the clinic admin's");
    static const char *const keys[] = {"document", "signature", NULL};
    struct json_reader r = JSON_READER_INIT(e);
    const json_t *document;
    const char *signature;
    if (json_read_keys(&r, answer, "", keys) < 0 ||
        json_read_member(&r, answer, "", "document", JSON_KIND_OBJECT,
                         JSON_REQUIRED, &document) < 0 ||
        json_read_text(&r, answer, "", "signature", JSON_REQUIRED,
                       &signature) < 0)
        return -1;
    if (national_verify(document, signature, pinned_key, e) < 0)
        return -1;
    char *canonical = signing_canonical_json(document, NULL);
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    if (store_begin(s, e) < 0) {
        free(canonical);
        return -1;
    }
    struct stmt *st = store_prepare(
        s, "INSERT INTO registry_national (id, document, signature,"
           " pulled_at) VALUES (1, :document, :signature, :now)"
           " ON CONFLICT (id) DO UPDATE SET document = excluded.document,"
           " signature = excluded.signature, pulled_at = excluded.pulled_at");
    stmt_bind_text(st, ":document", canonical);
    stmt_bind_text(st, ":signature", signature);
    stmt_bind_text(st, ":now", now);
    int rc = stmt_step(st, e) < 0 ? -1 : 0;
    stmt_finalize(st);
    free(canonical);
    return finish(s, caller, "update", "registry_national", 1, rc, e);
}
