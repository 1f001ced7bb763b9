#include "outcomes/certify.h"
#include "outcomes/certificate.h"
#include "outcomes/register.h"
#include "outcomes/report.h"
#include "outcomes/signing.h"
#include "outcomes/thresholds.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/clinic.h"
#include "record/clinic_key.h"
#include "record/validate.h"
#include "core/util.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AGE_POOLED 90 /* HIPAA Safe Harbor: ages from 90 on are "90+" */

static int year_of(const char *date)
{
    return date && strlen(date) >= 4 ? atoi(date) : 0;
}

/* The age label: digits, or "90+" when the person is 90 or older at the
 * start or (counting whole years since) by this year, so that an age and
 * a year never reveal the birth year of someone now over 89. */
static json_t *age_json(struct stmt *st, int col, int start_year,
                        int this_year)
{
    if (stmt_is_null(st, col))
        return json_null();
    long age = (long)stmt_int(st, col);
    if (age >= AGE_POOLED || age + (this_year - start_year) >= AGE_POOLED)
        return json_string("90+");
    return json_sprintf("%ld", age);
}

/* The complete episodes of a practitioner's cell (protocol, instrument). */
#define CELL_EPISODES                                                        \
    " FROM episode_summary WHERE protocol_id = :protocol AND"                \
    " instrument = :instrument AND practitioner_id = :practitioner AND"      \
    " complete = 1"

/* Prepares sql (a SELECT ... CELL_EPISODES) for that cell. */
static struct stmt *cell_prepare(struct store *s, const char *sql,
                                 const char *protocol, const char *instrument,
                                 int64_t practitioner_id)
{
    struct stmt *st = store_prepare(s, sql);
    stmt_bind_text(st, ":protocol", protocol);
    stmt_bind_text(st, ":instrument", instrument);
    stmt_bind_int(st, ":practitioner", practitioner_id);
    return st;
}

json_t *certify_cell_data(struct store *s, const char *protocol,
                          const char *instrument, int64_t practitioner_id,
                          struct err *e)
{
    int this_year, month, day;
    clock_civil_from_days(clock_today(), &this_year, &month, &day);
    struct stmt *st = cell_prepare(
        s,
        "SELECT started_on, ended_on, age_years, sex, chronicity_weeks,"
        " comorbidities, sessions, baseline, discharge, followup,"
        " followup_days, improvement, responder, sessions_to_response,"
        " response_event, sustained" CELL_EPISODES
        " ORDER BY started_on, episode_id",
        protocol, instrument, practitioner_id);
    json_t *a = json_array();
    int rc;
    while ((rc = stmt_step(st, e)) == 1) {
        int start_year = year_of(stmt_text(st, 0));
        json_t *o = json_object();
        json_object_set_new(o, "start_year", json_integer(start_year));
        json_object_set_new(o, "end_year",
                            json_integer(year_of(stmt_text(st, 1))));
        json_object_set_new(o, "age",
                            age_json(st, 2, start_year, this_year));
        json_object_set_new(o, "sex", json_string(stmt_text(st, 3)));
        json_object_set_new(o, "chronicity_weeks",
                            report_column(st, 4, REPORT_COLUMN_INT));
        json_object_set_new(o, "comorbidities",
                            report_column(st, 5, REPORT_COLUMN_INT));
        json_object_set_new(o, "sessions",
                            report_column(st, 6, REPORT_COLUMN_INT));
        report_set_outcome_columns(o, st, 7);
        json_array_append_new(a, o);
    }
    stmt_finalize(st);
    if (rc < 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* Refuses with the first criterion of target the cell does not meet. */
static int refuse_unmet(const struct bench_group *g,
                        const struct bench_cell *c, int64_t practitioner_id,
                        enum designation target, struct err *e)
{
    const struct criterion *cr = bench_cell_unmet(c, target);
    if (!cr)
        BUG("refusing a cell that meets %s", designation_name(target));
    char detail[160];
    if (isnan(cr->required))
        snprintf(detail, sizeof(detail), "not met");
    else if (isnan(cr->observed))
        snprintf(detail, sizeof(detail),
                 "cannot be computed (%g required)", cr->required);
    else
        snprintf(detail, sizeof(detail), "%.4g, %s %.4g", cr->observed,
                 cr == &c->criteria[CRITERION_FUNNEL]
                     ? "not above the upper limit"
                     : "below the required",
                 cr->required);
    return err_set(e, ERR_REFUSED, cr->name,
                   "practitioner %lld is not %s in %s x %s: %s: %s",
                   (long long)practitioner_id, designation_name(target),
                   g->protocol, g->instrument, cr->text, detail);
}

/* Picks the group and cell to certify (see certify_issue). */
static int choose_cell(const struct benchmark *b,
                       const struct certify_request *req,
                       const struct bench_group **group,
                       const struct bench_cell **cell, struct err *e)
{
    enum designation floor_ = req->wanted == DESIGNATION_NONE
                                  ? DESIGNATION_REPRODUCIBLE
                                  : req->wanted;
    const struct bench_group *best_g = NULL, *qual_g = NULL;
    const struct bench_cell *best_c = NULL, *qual_c = NULL;
    size_t qualified = 0;
    char names[256] = "";
    for (size_t i = 0; i < b->count; i++) {
        const struct bench_group *g = &b->groups[i];
        const struct bench_cell *c = bench_group_cell(g, req->practitioner_id);
        if (!c || c->n == 0 ||
            (req->instrument && strcmp(g->instrument, req->instrument)))
            continue;
        if (!best_c || c->n > best_c->n) {
            best_g = g;
            best_c = c;
        }
        if (c->designation >= floor_) {
            qualified++;
            qual_g = g;
            qual_c = c;
            size_t used = strlen(names);
            snprintf(names + used, sizeof(names) - used, "%s%s",
                     used ? ", " : "", g->instrument);
        }
    }
    if (!best_c)
        return err_set(e, ERR_NOT_FOUND,
                       req->instrument ? "instrument" : "protocol",
                       "practitioner %lld has no complete episode in %s%s%s",
                       (long long)req->practitioner_id, req->protocol,
                       req->instrument ? " x " : "",
                       req->instrument ? req->instrument : "");
    if (qualified > 1)
        return err_set(e, ERR_INPUT, "instrument",
                       "several cells of %s qualify (%s): name one with "
                       "--instrument",
                       req->protocol, names);
    *group = qualified ? qual_g : best_g;
    *cell = qualified ? qual_c : best_c;
    return 0;
}

/* The data window: the earliest start and the latest end of the cell's
 * complete episodes. */
static int data_window(struct store *s, const struct bench_group *g,
                       int64_t practitioner_id, char from[CLOCK_DATE_LEN],
                       char to[CLOCK_DATE_LEN], struct err *e)
{
    struct stmt *st =
        cell_prepare(s, "SELECT min(started_on), max(ended_on)" CELL_EPISODES,
                     g->protocol, g->instrument, practitioner_id);
    int rc = stmt_step(st, e);
    if (rc == 1) {
        snprintf(from, CLOCK_DATE_LEN, "%s",
                 stmt_text(st, 0) ? stmt_text(st, 0) : "");
        snprintf(to, CLOCK_DATE_LEN, "%s",
                 stmt_text(st, 1) ? stmt_text(st, 1) : "");
    }
    stmt_finalize(st);
    return rc < 0 ? -1 : 0;
}

static json_t *claims_build(const struct bench_group *g,
                            const struct bench_cell *c,
                            enum designation target, const char *clinic,
                            int64_t practitioner_id, const char *name,
                            const char *license, const char *from,
                            const char *to, const char *sha256)
{
    json_t *metrics = report_cell_json(g, c);
    json_object_del(metrics, "protocol");
    json_object_del(metrics, "instrument");
    json_object_del(metrics, "designation");
    json_object_del(metrics, "n");
    json_object_set_new(metrics, "n_episodes", json_integer(c->n));
    json_object_set_new(metrics, "n_adjusted", json_integer(c->n_adjusted));
    const struct instrument *in = g->inst;
    json_object_set_new(
        metrics, "mcid",
        json_pack("{soso}", "absolute",
                  in->has_absolute ? json_real(in->mcid_absolute)
                                   : json_null(),
                  "relative",
                  in->has_relative ? json_real(in->mcid_relative)
                                   : json_null()));
    json_t *thresholds = json_array();
    for (int i = 0; i < CRITERION_COUNT; i++) {
        const struct criterion *cr = &c->criteria[i];
        if (cr->level > target)
            continue;
        json_array_append_new(
            thresholds,
            json_pack("{sssssososb}", "name", cr->name, "criterion", cr->text,
                      "required", report_number(cr->required), "observed",
                      report_number(cr->observed), "met", cr->met));
    }
    const struct bench_model *m = &g->model;
    json_t *registry = json_pack(
        "{sbsIsoss}", "adjusted", m->adjusted, "n",
        (json_int_t)(m->adjusted ? m->n_risk : m->n_complete), "r2",
        m->adjusted ? report_number(m->fit.r2) : json_null(), "note",
        m->note);
    return json_pack(
        "{sss{ss}s{sIssss}sssssssosos{ssss}sssoss}", "kind",
        "clinic-attestation", "clinic", "name", clinic,
        "practitioner", "id", (json_int_t)practitioner_id, "name", name,
        "license", license, "protocol", g->protocol, "instrument",
        g->instrument, "designation", designation_name(target), "metrics",
        metrics, "thresholds", thresholds, "data_window", "from",
        from, "to", to, "data_sha256", sha256, "registry",
        registry, "definitions", CERTIFY_DEFINITIONS);
}

/* Everything inside the transaction; the document or NULL. */
static char *certify_locked(struct store *s, const struct certify_request *req,
                            json_t **data_out, struct err *e)
{
    char name[RECORD_NAME_MAX + 1], license[RECORD_CODE_MAX + 1];
    char clinic[CLINIC_NAME_MAX + 1];
    struct thresholds t;
    if (report_practitioner_identity(s, req->practitioner_id, "practitioner",
                                     name, sizeof(name), license,
                                     sizeof(license), e) < 0 ||
        clinic_name(s, clinic, sizeof(clinic), e) < 0 ||
        thresholds_load(s, &t, e) < 0)
        return NULL;
    struct benchmark b;
    /* The practitioner's cells against the (cached) registry models. */
    if (benchmark_practitioner(s, req->practitioner_id, req->protocol, &t,
                               &b, e) < 0)
        return NULL;
    char *doc = NULL;
    json_t *data = NULL, *claims = NULL;
    const struct bench_group *g = NULL;
    const struct bench_cell *c = NULL;
    if (choose_cell(&b, req, &g, &c, e) < 0)
        goto done;
    enum designation target =
        req->wanted == DESIGNATION_NONE ? c->designation : req->wanted;
    if (target == DESIGNATION_NONE)
        target = DESIGNATION_REPRODUCIBLE;
    if (bench_cell_unmet(c, target)) {
        refuse_unmet(g, c, req->practitioner_id, target, e);
        goto done;
    }
    data = certify_cell_data(s, g->protocol, g->instrument,
                             req->practitioner_id, e);
    if (!data)
        goto done;
    char sha[SIGNING_SHA256_HEX_LEN];
    if (signing_sha256_hex_json(data, sha) < 0) {
        err_set(e, ERR_FAIL, "data", "the summaries cannot be encoded");
        goto done;
    }
    char from[CLOCK_DATE_LEN], to[CLOCK_DATE_LEN];
    if (data_window(s, g, req->practitioner_id, from, to, e) < 0)
        goto done;
    claims = claims_build(g, c, target, clinic, req->practitioner_id, name,
                          license, from, to, sha);
    if (!claims) {
        err_set(e, ERR_FAIL, "certificate", "the claims cannot be built");
        goto done;
    }
    unsigned char sk[CLINIC_KEY_SECRET_BYTES];
    if (clinic_key_load_secret(s, sk, e) < 0)
        goto done;
    doc = certificate_sign(claims, sk, e);
    sodium_memzero(sk, sizeof(sk));
    /* Kept as issued, in the same transaction (outcomes/register.h). */
    if (doc && register_add(s, doc, e) < 0) {
        free(doc);
        doc = NULL;
    }
done:
    benchmark_release(&b);
    json_decref(claims);
    if (doc && data_out)
        *data_out = data;
    else
        json_decref(data);
    return doc;
}

char *certify_issue(struct store *s, const struct actor *caller,
                    const struct certify_request *req, json_t **data,
                    struct err *e)
{
    if (data)
        *data = NULL;
    /* An admin certifies anyone; a therapist only their own cells. */
    if (!access_is_admin(caller) &&
        !(caller->role == ROLE_THERAPIST && caller->practitioner_id > 0 &&
          caller->practitioner_id == req->practitioner_id)) {
        err_set(e, ERR_AUTH, "practitioner",
                "only an admin, or a therapist for their own cells, may "
                "issue certificates");
        report_deny(s, caller, "create", "certificate",
                    req->practitioner_id);
        return NULL;
    }
    if (req->practitioner_id <= 0)
        return err_set(e, ERR_INPUT, "practitioner", "missing"), NULL;
    if (validate_slug(req->protocol, "protocol", e) < 0 ||
        (req->instrument && validate_slug(req->instrument, "instrument", e) < 0))
        return NULL;
    if (req->wanted != DESIGNATION_NONE &&
        req->wanted != DESIGNATION_REPRODUCIBLE &&
        req->wanted != DESIGNATION_ADVANCED)
        return err_set(e, ERR_INPUT, "designation", "unknown"), NULL;
    if (store_begin(s, e) < 0)
        return NULL;
    char *doc = certify_locked(s, req, data, e);
    int rc = doc ? audit_append(s, caller, "create", "certificate",
                                req->practitioner_id, 0, "ok", e)
                 : -1;
    if (rc == 0 && store_commit(s, e) == 0)
        return doc;
    store_rollback(s);
    free(doc);
    if (data) {
        json_decref(*data);
        *data = NULL;
    }
    return NULL;
}
