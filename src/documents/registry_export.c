/* The de-identified registry export (registry_export.h, docs/exports.md). */
#include "documents/registry_export.h"
#include "core/clock.h"
#include "core/util.h"
#include "documents/deid.h"
#include "documents/tabular.h"
#include "outcomes/report.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/episode.h"
#include "record/patient.h"

#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const registry_export_columns[] = {
    "kind", "patient", "practitioner", "episode", "protocol", "icd10",
    "start_year", "duration_days", "sessions", "sex", "age_at_start",
    "birth_year", "zip3", "chronicity_weeks", "comorbidities", "instrument",
    "role", "baseline", "discharge", "followup", "followup_days",
    "improvement", "responder", "sessions_to_response", "response_event",
    "sustained", "complete", "incomplete_reason", "timepoint", "day",
    "session_number", "total", "items", NULL};

int registry_format_parse(const char *name, enum registry_format *out,
                          struct err *e)
{
    if (name && !strcmp(name, "csv"))
        *out = REGISTRY_CSV;
    else if (name && !strcmp(name, "ndjson"))
        *out = REGISTRY_NDJSON;
    else
        return err_set(e, ERR_INPUT, "format",
                       "'%.32s' is not one of csv, ndjson",
                       name ? name : "");
    return 0;
}

struct exporter {
    enum registry_format format;
    struct buf *out;
    struct deid_pseudonyms *patients, *practitioners, *episodes;
    char today[CLOCK_DATE_LEN];
};

/* A number as JSON: an integer when whole. */
static json_t *number(double v)
{
    if (!isfinite(v))
        return json_null();
    if (v == floor(v) && fabs(v) < 1e15)
        return json_integer((json_int_t)v);
    return json_real(v);
}

/* One CSV text field by the one CSV writer (quoted when it must be,
 * guarded against spreadsheet formulas). */
static void csv_text(struct buf *out, const char *t)
{
    tabular_csv_field(out, t, strlen(t));
}

/* Writes one row: a JSON object of the columns it has (others null). */
static void write_row(struct exporter *x, json_t *row)
{
    if (x->format == REGISTRY_NDJSON) {
        json_t *ordered = json_object();
        for (const char *const *c = registry_export_columns; *c; c++) {
            json_t *v = json_object_get(row, *c);
            json_object_set(ordered, *c, v ? v : json_null());
        }
        char *text = json_dumps(ordered, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                             JSON_REAL_PRECISION(12));
        json_decref(ordered);
        if (!text)
            die("out of memory writing JSON");
        buf_puts(x->out, text);
        buf_putc(x->out, '\n');
        free(text);
    } else {
        for (const char *const *c = registry_export_columns; *c; c++) {
            json_t *v = json_object_get(row, *c);
            if (c != registry_export_columns)
                buf_putc(x->out, ',');
            if (!v || json_is_null(v))
                continue;
            if (json_is_string(v)) {
                csv_text(x->out, json_string_value(v));
            } else if (json_is_integer(v)) {
                buf_printf(x->out, "%lld",
                           (long long)json_integer_value(v));
            } else if (json_is_real(v)) {
                buf_printf(x->out, "%.12g", json_real_value(v));
            } else if (json_is_boolean(v)) {
                buf_puts(x->out, json_is_true(v) ? "1" : "0");
            } else {
                char *text = json_dumps(v, JSON_COMPACT |
                                               JSON_REAL_PRECISION(12));
                if (!text)
                    die("out of memory writing JSON");
                csv_text(x->out, text);
                free(text);
            }
        }
        buf_puts(x->out, "\r\n");
    }
    json_decref(row);
}

/* The columns every row of an episode shares. */
static json_t *episode_row(struct exporter *x, const struct episode *ep,
                           const char *kind)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s}", "kind", kind, "patient",
                     deid_pseudonym_for(x->patients, ep->patient_id),
                     "practitioner",
                     deid_pseudonym_for(x->practitioners,
                                        ep->practitioner_id),
                     "episode", deid_pseudonym_for(x->episodes, ep->id),
                     "protocol", ep->protocol_id);
}

static int export_episode(struct exporter *x, struct store *s,
                          const struct actor *caller,
                          const struct patient *p, const struct episode *ep,
                          struct registry_export_result *result,
                          struct err *e)
{
    struct episode_detail d = {0};
    if (episode_show(s, caller, ep->id, &d, e) < 0)
        return -1;
    json_t *report = report_episode_json(s, caller, ep->id, e);
    if (!report) {
        episode_detail_release(&d);
        return -1;
    }
    int start_year, birth_year;
    char age[DEID_AGE_LABEL_LEN], zip3[DEID_ZIP3_LEN];
    long duration = -1;
    int rc = 0;
    if (deid_year(ep->started_on, &start_year, "start", e) < 0 ||
        deid_age_label(p->birth_date, ep->started_on, x->today, age, e) <
            0 ||
        deid_birth_year(p->birth_date, x->today, &birth_year, e) < 0 ||
        deid_zip3(p->zip, zip3, e) < 0 ||
        (ep->ended_on[0] &&
         deid_day_offset(ep->started_on, ep->ended_on, &duration, e) < 0))
        rc = -1;
    const json_t *outcomes = json_object_get(report, "outcomes");
    size_t i;
    const json_t *o;
    json_array_foreach(outcomes, i, o) {
        if (rc < 0)
            break;
        json_t *row = episode_row(x, ep, "episode");
        json_object_set_new(row, "icd10", json_string(ep->icd10));
        json_object_set_new(row, "start_year", json_integer(start_year));
        json_object_set_new(row, "duration_days",
                            duration >= 0 ? json_integer(duration)
                                          : json_null());
        json_object_set_new(row, "sessions",
                            json_integer((json_int_t)d.sessions.count));
        json_object_set_new(row, "sex", json_string(p->sex));
        json_object_set_new(row, "age_at_start", json_string(age));
        json_object_set_new(row, "birth_year",
                            birth_year ? json_integer(birth_year)
                                       : json_null());
        json_object_set_new(row, "zip3",
                            zip3[0] ? json_string(zip3) : json_null());
        json_object_set_new(row, "chronicity_weeks",
                            ep->chronicity_weeks >= 0
                                ? json_integer(ep->chronicity_weeks)
                                : json_null());
        json_object_set_new(row, "comorbidities",
                            ep->comorbidities >= 0
                                ? json_integer(ep->comorbidities)
                                : json_null());
        static const char *const copied[] = {
            "instrument", "role", "baseline", "discharge", "followup",
            "followup_days", "improvement", "responder",
            "sessions_to_response", "response_event", "sustained",
            "complete", "incomplete_reason"};
        for (size_t k = 0; k < ARRAY_SIZE(copied); k++) {
            json_t *v = json_object_get(o, copied[k]);
            if (json_is_real(v))
                json_object_set_new(row, copied[k],
                                    number(json_real_value(v)));
            else
                json_object_set(row, copied[k], v ? v : json_null());
        }
        write_row(x, row);
        result->summaries++;
    }
    for (i = 0; rc == 0 && i < d.observations.count; i++) {
        const struct observation *ob = &d.observations.items[i];
        char date[CLOCK_DATE_LEN];
        long day;
        snprintf(date, sizeof(date), "%.10s", ob->observed_at);
        if (deid_day_offset(ep->started_on, date, &day, e) < 0) {
            rc = -1;
            break;
        }
        json_t *row = episode_row(x, ep, "observation");
        json_object_set_new(row, "instrument", json_string(ob->instrument));
        json_object_set_new(row, "timepoint", json_string(ob->timepoint));
        json_object_set_new(row, "day", json_integer(day));
        if (ob->followup_days >= 0)
            json_object_set_new(row, "followup_days",
                                json_integer(ob->followup_days));
        int ordinal = 0;
        for (size_t k = 0; ob->session_id && k < d.sessions.count; k++)
            if (d.sessions.items[k].id == ob->session_id)
                ordinal = (int)k + 1;
        json_object_set_new(row, "session_number",
                            ordinal ? json_integer(ordinal) : json_null());
        json_object_set_new(row, "total", number(ob->total));
        if (ob->items) {
            json_t *items = json_array();
            for (size_t k = 0; k < ob->item_count; k++)
                json_array_append_new(items, number(ob->items[k]));
            json_object_set_new(row, "items", items);
        }
        write_row(x, row);
        result->observations++;
    }
    json_decref(report);
    episode_detail_release(&d);
    if (rc == 0)
        result->episodes++;
    return rc;
}

int registry_export_deidentified(struct store *s, const struct actor *caller,
                                 enum registry_format format, struct buf *out,
                                 struct registry_export_result *result,
                                 struct err *e)
{
    memset(result, 0, sizeof(*result));
    if (!access_is_admin(caller))
        return err_set(e, ERR_AUTH, "", "the registry export is made by "
                                        "the clinic's admin");
    struct patient_list patients = {0};
    if (patient_list(s, caller, NULL, &patients, e) < 0)
        return -1;
    /* A random order: row order must not follow the record's ids. */
    for (size_t i = patients.count; i > 1; i--) {
        size_t j = randombytes_uniform((uint32_t)i);
        struct patient t = patients.items[i - 1];
        patients.items[i - 1] = patients.items[j];
        patients.items[j] = t;
    }
    struct exporter x = {format, out, deid_pseudonyms_new(),
                         deid_pseudonyms_new(), deid_pseudonyms_new(), ""};
    clock_format_date(clock_today(), x.today);
    if (format == REGISTRY_CSV) {
        for (const char *const *c = registry_export_columns; *c; c++)
            buf_printf(out, "%s%s", c == registry_export_columns ? "" : ",",
                       *c);
        buf_puts(out, "\r\n");
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < patients.count; i++) {
        const struct patient *p = &patients.items[i];
        if (!p->consent_research) {
            result->patients_left_out++;
            continue;
        }
        struct episode_list episodes = {0};
        struct episode_filter filter = {p->id, 0, 0};
        rc = episode_list(s, caller, &filter, &episodes, e);
        for (size_t k = 0; rc == 0 && k < episodes.count; k++)
            rc = export_episode(&x, s, caller, p, &episodes.items[k], result,
                                e);
        episode_list_release(&episodes);
        if (rc == 0)
            result->patients++;
    }
    deid_pseudonyms_free(x.patients);
    deid_pseudonyms_free(x.practitioners);
    deid_pseudonyms_free(x.episodes);
    patient_list_release(&patients);
    if (rc < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    if (audit_append(s, caller, "export", "registry", 0, 0, "ok", e) < 0 ||
        store_commit(s, e) < 0) {
        store_rollback(s);
        return -1;
    }
    return 0;
}
