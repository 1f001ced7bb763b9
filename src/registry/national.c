/* The national report on the clinic's outcome code (registry/national.h). */
#include "registry/national.h"
#include "core/util.h"
#include "outcomes/disclosure.h"
#include "outcomes/report.h"
#include "record/actor.h"
#include "record/clinic_key.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pg_query labels_query = {
    "national_labels", "SELECT id, label FROM registry_practitioner", 0};
/* Every summary of an approved clinic, in the order of the scratch
 * store's columns below. */
static const struct pg_query rows_query = {
    "national_rows", "SELECT o.clinic_id, o.protocol, o.instrument,"
    " o.practitioner_id, o.role, o.start_year, o.sessions, o.baseline,"
    " o.discharge, o.followup, o.followup_days, o.improvement, o.responder,"
    " o.sessions_to_response, o.response_event, o.sustained,"
    " o.has_followup, o.complete, o.incomplete_reason, o.age, o.sex,"
    " o.chronicity_weeks, o.comorbidities FROM registry_outcome o JOIN"
    " registry_clinic c ON c.id = o.clinic_id WHERE c.status = 'approved'"
    " AND ($1::text IS NULL OR o.protocol = $1) AND ($2::text IS NULL OR"
    " o.instrument = $2)", 2};

static const char summary_insert[] =
    "INSERT INTO episode_summary (protocol_id, instrument, practitioner_id,"
    " episode_id, role, started_on, sessions, baseline, discharge, followup,"
    " followup_days, improvement, responder, sessions_to_response,"
    " response_event, sustained, has_followup, complete, incomplete_reason,"
    " age_years, sex, chronicity_weeks, comorbidities) VALUES (:protocol,"
    " :instrument, :practitioner, :episode, :role, :started_on, :sessions,"
    " :baseline, :discharge, :followup, :followup_days, :improvement,"
    " :responder, :sessions_to_response, :response_event, :sustained,"
    " :has_followup, :complete, :incomplete_reason, :age, :sex,"
    " :chronicity_weeks, :comorbidities)";

/* The parameters of summary_insert from column 3 on (practitioner), with
 * their kinds: 'i' integer, 'd' real, 't' text. */
static const struct {
    const char *name;
    char kind;
} columns[] = {
    {":practitioner", 'i'},     {":role", 't'},
    {":started_on", 'y'},       {":sessions", 'i'},
    {":baseline", 'd'},         {":discharge", 'd'},
    {":followup", 'd'},         {":followup_days", 'i'},
    {":improvement", 'd'},      {":responder", 'i'},
    {":sessions_to_response", 'i'}, {":response_event", 'i'},
    {":sustained", 'i'},        {":has_followup", 'i'},
    {":complete", 'i'},         {":incomplete_reason", 't'},
    {":age", 'i'},              {":sex", 't'},
    {":chronicity_weeks", 'i'}, {":comorbidities", 'i'},
};

struct loading {
    struct store *s;
    struct stmt *insert;
    int64_t episode;       /* the last episode id given */
    int64_t *clinics;      /* clinic ids seen (sorted at the end) */
    size_t clinic_count, clinic_alloc;
    int64_t *practitioners;
    size_t practitioner_count, practitioner_alloc;
};

static int load_row(void *ctx, const struct pg_result *r, struct err *e)
{
    struct loading *l = ctx;
    struct stmt *st = l->insert;
    int64_t clinic = pg_int(r, 0, 0);
    if (!l->clinic_count || l->clinics[l->clinic_count - 1] != clinic) {
        ALLOC_GROW(l->clinics, l->clinic_count + 1, l->clinic_alloc);
        l->clinics[l->clinic_count++] = clinic;
    }
    ALLOC_GROW(l->practitioners, l->practitioner_count + 1,
               l->practitioner_alloc);
    l->practitioners[l->practitioner_count++] = pg_int(r, 0, 3);
    stmt_bind_text(st, ":protocol", pg_text(r, 0, 1));
    stmt_bind_text(st, ":instrument", pg_text(r, 0, 2));
    stmt_bind_int(st, ":episode", ++l->episode);
    for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
        int col = 3 + (int)i;
        if (pg_is_null(r, 0, col)) {
            stmt_bind_null(st, columns[i].name);
            continue;
        }
        switch (columns[i].kind) {
        case 'i': stmt_bind_int(st, columns[i].name, pg_int(r, 0, col));
            break;
        case 'd':
            stmt_bind_double(st, columns[i].name, pg_double(r, 0, col));
            break;
        case 't': stmt_bind_text(st, columns[i].name, pg_text(r, 0, col));
            break;
        default: {
            /* The start year: the summary's date is the year's first day. */
            char date[16];
            snprintf(date, sizeof(date), "%04d-01-01",
                     (int)pg_int(r, 0, col));
            stmt_bind_text(st, columns[i].name, date);
        }
        }
    }
    int rc = stmt_step(st, e);
    stmt_reset(st);
    return rc < 0 ? -1 : 0;
}

static int id_order(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* How many distinct ids of n. Sorts ids. */
static size_t distinct(int64_t *ids, size_t n)
{
    qsort(ids, n, sizeof(*ids), id_order);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += i == 0 || ids[i] != ids[i - 1];
    return count;
}

/* Copies the registry's practitioner labels into the scratch store. */
static int load_labels(struct pg *db, struct store *s, struct err *e)
{
    struct pg_result *r;
    if (pg_run(db, &labels_query, NULL, &r, e) < 0)
        return -1;
    struct stmt *st = store_prepare(s, "INSERT INTO practitioner_label"
                                       " (practitioner_id, label) VALUES"
                                       " (:id, :label)");
    int rc = 0;
    for (int i = 0; rc == 0 && i < pg_rows(r); i++) {
        stmt_bind_int(st, ":id", pg_int(r, i, 0));
        stmt_bind_text(st, ":label", pg_text(r, i, 1));
        rc = stmt_step(st, e) < 0 ? -1 : 0;
        stmt_reset(st);
    }
    stmt_finalize(st);
    pg_result_free(r);
    return rc;
}

/* Every entry of array named key loses its practitioner id. */
static void hide_practitioners(json_t *doc, const char *key)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(doc, key), i, o)
        json_object_set_new(o, "practitioner", json_null());
}

struct store *registry_national_load(struct pg *db, const char *protocol,
                                     const char *instrument,
                                     struct registry_national_counts *counts,
                                     struct err *e)
{
    struct store *s;
    if (store_open(":memory:", STORE_CREATE, &s, e) < 0)
        return NULL;
    /* The scratch store holds summaries only: no episode, patient or
     * practitioner rows for their keys to refer to. */
    struct loading l;
    memset(&l, 0, sizeof(l));
    l.s = s;
    const char *params[] = {protocol, instrument};
    int rc = -1;
    if (store_exec(s, "PRAGMA foreign_keys = OFF", e) < 0 ||
        store_begin(s, e) < 0)
        goto done;
    l.insert = store_prepare(s, summary_insert);
    rc = load_labels(db, s, e);
    if (rc == 0)
        rc = pg_each(db, &rows_query, params, load_row, &l, e);
    stmt_finalize(l.insert);
    if (rc < 0 || store_commit(s, e) < 0) {
        store_rollback(s);
        rc = -1;
        goto done;
    }
    counts->clinics = (int64_t)distinct(l.clinics, l.clinic_count);
    counts->practitioners =
        (int64_t)distinct(l.practitioners, l.practitioner_count);
    counts->summaries = l.episode;
done:
    free(l.clinics);
    free(l.practitioners);
    if (rc < 0) {
        store_close(s);
        return NULL;
    }
    return s;
}

json_t *registry_national_report(struct pg *db, const char *protocol,
                                 const char *instrument, int min_cell,
                                 struct err *e)
{
    struct registry_national_counts counts;
    struct store *s = registry_national_load(db, protocol, instrument,
                                             &counts, e);
    if (!s)
        return NULL;
    json_t *doc = report_registry_json(s, &actor_cli, protocol, instrument, e);
    if (!doc)
        goto done;
    hide_practitioners(doc, "cells");
    hide_practitioners(doc, "incomplete");
    disclosure_protect_registry_min(doc, min_cell);
    json_object_set_new(
        doc, "registry",
        json_pack("{sIsIsIsi}", "clinics", (json_int_t)counts.clinics,
                  "practitioners", (json_int_t)counts.practitioners,
                  "summaries", (json_int_t)counts.summaries, "min_cell",
                  min_cell));
done:
    store_close(s);
    return doc;
}

json_t *registry_national_signed(struct pg *db,
                                 const unsigned char sk[SIGNING_SECRET_BYTES],
                                 int min_cell, struct err *e)
{
    json_t *doc = registry_national_report(db, NULL, NULL, min_cell, e);
    if (!doc)
        return NULL;
    size_t len;
    char *canonical = signing_canonical_json(doc, &len);
    if (!canonical) {
        json_decref(doc);
        err_set(e, ERR_FAIL, "document", "cannot be written as canonical "
                "JSON");
        return NULL;
    }
    unsigned char sig[SIGNING_SIGNATURE_BYTES];
    signing_sign(canonical, len, sk, sig);
    free(canonical);
    char *text = clinic_key_base64_encode(sig, sizeof(sig));
    json_t *out = json_pack("{soss}", "document", doc, "signature", text);
    free(text);
    return out;
}
