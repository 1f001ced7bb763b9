/* Superbills from the record (superbill.h, docs/billing.md). */
#include "documents/superbill.h"
#include "catalog/catalog.h"
#include "core/util.h"
#include "documents/html_escape.h"
#include "documents/tabular.h"
#include "record/clinic.h"
#include "record/scope.h"
#include "record/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- filling the bill ---- */

static void add_diagnosis(struct superbill *b, const char *code)
{
    if (b->diagnosis_count >= SUPERBILL_DIAGNOSES_MAX || !*code)
        return;
    for (int i = 0; i < b->diagnosis_count; i++)
        if (!strcmp(b->diagnoses[i].code, code))
            return;
    struct superbill_diagnosis *d = &b->diagnoses[b->diagnosis_count];
    d->letter = (char)('A' + b->diagnosis_count);
    snprintf(d->code, sizeof(d->code), "%s", code);
    d->title = catalog_code_title(scope_catalog(NULL), d->code);
    b->diagnosis_count++;
}

/* The parties and diagnoses of an episode's bill. */
static int fill_header(struct store *s, const struct actor *caller,
                       const struct episode *ep, enum bill_rule rule,
                       struct superbill *b, struct err *e)
{
    memset(b, 0, sizeof(*b));
    b->rule = rule;
    b->episode = *ep;
    if (clinic_name(s, b->clinic, sizeof(b->clinic), e) < 0 ||
        patient_get(s, caller, ep->patient_id, "patient", &b->patient, e) <
            0 ||
        practitioner_get(s, caller, ep->practitioner_id, "practitioner",
                         &b->practitioner, e) < 0)
        return -1;
    if (ep->referral_id) {
        if (referral_get(s, caller, ep->referral_id, "referral",
                         &b->referral, e) < 0)
            return -1;
        b->has_referral = 1;
    }
    add_diagnosis(b, ep->icd10);
    if (b->has_referral) {
        const char *p = b->referral.icd10;
        while (*p) {
            size_t n = strcspn(p, ",");
            char code[RECORD_ICD10_MAX + 1];
            snprintf(code, sizeof(code), "%.*s", (int)n, p);
            add_diagnosis(b, code);
            p += n;
            if (*p == ',')
                p++;
        }
    }
    return 0;
}

/* The sentence of minutes behind a line's units. */
static void line_basis(enum bill_rule rule, const struct bill_item *it,
                       char out[SUPERBILL_BASIS_LEN])
{
    int m = it->minutes, u = it->units;
    int full = m / BILL_UNIT_MINUTES, left = m % BILL_UNIT_MINUTES;
    if (rule == BILL_RULE_PER_CODE) {
        if (u == 0)
            snprintf(out, SUPERBILL_BASIS_LEN,
                     "%d min alone: under 8 min, no unit", m);
        else
            snprintf(out, SUPERBILL_BASIS_LEN,
                     "%d min alone: %d unit%s by the 15-minute table", m, u,
                     u == 1 ? "" : "s");
        return;
    }
    if (u == 0)
        snprintf(out, SUPERBILL_BASIS_LEN,
                 "%d min: no unit; the visit's units went to codes with "
                 "more minutes left over", m);
    else if (u == full && left == 0)
        snprintf(out, SUPERBILL_BASIS_LEN, "%d min: %d x 15 min", m, full);
    else if (u == full)
        snprintf(out, SUPERBILL_BASIS_LEN,
                 "%d min: %d x 15 min; its %d min left over bill no "
                 "further unit", m, full, left);
    else if (full == 0)
        snprintf(out, SUPERBILL_BASIS_LEN,
                 "%d min: 1 unit for its %d min left over", m, left);
    else
        snprintf(out, SUPERBILL_BASIS_LEN,
                 "%d min: %d x 15 min + 1 unit for the %d min left over", m,
                 full, left);
}

/*
 * Computes one visit from its sessions. Returns 0 (the visit billed or,
 * when it cannot be, billed = 0 and the reason), or -1 with e filled for a
 * visit that cannot be billed when strict (a single session's bill).
 */
static int visit_compute(const struct superbill *b,
                         struct superbill_visit *v,
                         const struct session *const *sessions, int n,
                         int strict, struct err *e)
{
    struct bill_phase phases[SESSION_PHASES_MAX * SUPERBILL_SESSIONS_MAX];
    int count = 0;
    v->billed = 0;
    for (int i = 0; i < n; i++) {
        const struct session *se = sessions[i];
        v->session_minutes += se->minutes;
        if (se->phase_count == 0) {
            snprintf(v->reason, sizeof(v->reason),
                     "not billed: session %lld was recorded without its "
                     "phases, so its timed services are unknown",
                     (long long)se->id);
            if (strict)
                return err_set(e, ERR_INPUT, "phase", "%s", v->reason + 12);
            return 0;
        }
        for (size_t k = 0; k < se->phase_count; k++) {
            phases[count].name = se->phases[k].name;
            phases[count].minutes = se->phases[k].minutes;
            count++;
        }
    }
    struct bill_line lines[BILL_MAX_CODES];
    int line_count = 0;
    struct err local = ERR_INIT;
    struct bill bill;
    if (bill_lines_from_phases(phases, count, lines, BILL_MAX_CODES,
                               &line_count, &local) < 0 ||
        (line_count == 0 &&
         err_set(&local, ERR_REFUSED, "minutes",
                 "no phase of the visit is a timed service") < 0) ||
        bill_compute(b->rule, lines, line_count, &bill, &local) < 0) {
        snprintf(v->reason, sizeof(v->reason), "not billed: %.180s",
                 local.message);
        if (strict) {
            *e = local;
            return -1;
        }
        return 0;
    }
    v->billed = 1;
    v->timed_minutes = bill.total_minutes;
    v->units = bill.total_units;
    if (b->rule == BILL_RULE_CMS)
        snprintf(v->reason, sizeof(v->reason),
                 "%d timed min in all = %d unit%s (CMS 8-minute rule)",
                 bill.total_minutes, bill.total_units,
                 bill.total_units == 1 ? "" : "s");
    else
        snprintf(v->reason, sizeof(v->reason),
                 "%d timed min; each code on its own (per-code rule): %d "
                 "unit%s", bill.total_minutes, bill.total_units,
                 bill.total_units == 1 ? "" : "s");
    v->line_count = bill.count;
    for (int i = 0; i < bill.count; i++) {
        struct superbill_line *l = &v->lines[i];
        l->item = bill.items[i];
        l->title = bill_code_title(l->item.code);
        int p = 0;
        for (; p < b->diagnosis_count && p < SUPERBILL_POINTERS_MAX; p++)
            l->pointers[p] = b->diagnoses[p].letter;
        l->pointers[p] = '\0';
        line_basis(b->rule, &l->item, l->basis);
    }
    return 0;
}

int superbill_for_session(struct store *s, const struct actor *caller,
                          int64_t session_id, enum bill_rule rule,
                          struct superbill *out, struct err *e)
{
    struct session se = {0};
    struct episode ep;
    memset(out, 0, sizeof(*out));
    if (session_get(s, caller, session_id, "session", &se, e) < 0)
        return -1;
    int rc = episode_get(s, caller, se.episode_id, "session", &ep, e);
    if (rc == 0)
        rc = fill_header(s, caller, &ep, rule, out, e);
    if (rc == 0) {
        out->visits = xcalloc(1, sizeof(*out->visits));
        out->visit_count = 1;
        struct superbill_visit *v = &out->visits[0];
        snprintf(v->date, sizeof(v->date), "%.10s", se.started_at);
        v->sessions[0] = se.id;
        v->session_count = 1;
        const struct session *one = &se;
        rc = visit_compute(out, v, &one, 1, 1, e);
        out->total_units = v->units;
    }
    session_release(&se);
    if (rc < 0)
        superbill_release(out);
    return rc;
}

int superbill_for_episode(struct store *s, const struct actor *caller,
                          int64_t episode_id, enum bill_rule rule,
                          struct superbill *out, struct err *e)
{
    struct episode_detail d = {0};
    memset(out, 0, sizeof(*out));
    if (episode_show(s, caller, episode_id, &d, e) < 0)
        return -1;
    int rc = 0;
    if (d.sessions.count == 0)
        rc = err_set(e, ERR_CONFLICT, "episode",
                     "episode %lld has no session to bill",
                     (long long)episode_id);
    if (rc == 0)
        rc = fill_header(s, caller, &d.episode, rule, out, e);
    if (rc == 0) {
        out->visits = xcalloc(d.sessions.count, sizeof(*out->visits));
        /* Sessions come by start: those of one date are one visit. */
        for (size_t i = 0; i < d.sessions.count && rc == 0;) {
            const struct session *group[SUPERBILL_SESSIONS_MAX];
            int n = 0;
            size_t j = i;
            for (; j < d.sessions.count && n < SUPERBILL_SESSIONS_MAX &&
                   !strncmp(d.sessions.items[j].started_at,
                            d.sessions.items[i].started_at, 10);
                 j++)
                group[n++] = &d.sessions.items[j];
            struct superbill_visit *v = &out->visits[out->visit_count++];
            snprintf(v->date, sizeof(v->date), "%.10s",
                     d.sessions.items[i].started_at);
            for (int k = 0; k < n; k++)
                v->sessions[k] = group[k]->id;
            v->session_count = n;
            rc = visit_compute(out, v, group, n, 0, e);
            out->total_units += v->units;
            i = j;
        }
    }
    episode_detail_release(&d);
    if (rc < 0)
        superbill_release(out);
    return rc;
}

void superbill_release(struct superbill *b)
{
    free(b->visits);
    memset(b, 0, sizeof(*b));
}

/* ---- writers ---- */

static json_t *text_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *superbill_to_json(const struct superbill *b)
{
    json_t *diagnoses = json_array();
    for (int i = 0; i < b->diagnosis_count; i++) {
        char letter[2] = {b->diagnoses[i].letter, '\0'};
        json_array_append_new(
            diagnoses, json_pack("{s:s,s:s,s:o}", "pointer", letter, "code",
                                 b->diagnoses[i].code, "title",
                                 text_or_null(b->diagnoses[i].title)));
    }
    json_t *visits = json_array();
    for (size_t i = 0; i < b->visit_count; i++) {
        const struct superbill_visit *v = &b->visits[i];
        json_t *sessions = json_array();
        for (int k = 0; k < v->session_count; k++)
            json_array_append_new(sessions,
                                  json_integer((json_int_t)v->sessions[k]));
        json_t *lines = json_array();
        for (int k = 0; k < v->line_count; k++) {
            const struct superbill_line *l = &v->lines[k];
            json_array_append_new(
                lines,
                json_pack("{s:s,s:o,s:i,s:i,s:s,s:s}", "code", l->item.code,
                          "title", text_or_null(l->title), "minutes",
                          l->item.minutes, "units", l->item.units,
                          "pointers", l->pointers, "basis", l->basis));
        }
        json_array_append_new(
            visits,
            json_pack("{s:s,s:o,s:i,s:i,s:i,s:b,s:s,s:o}", "date", v->date,
                      "sessions", sessions, "session_minutes",
                      v->session_minutes, "timed_minutes", v->timed_minutes,
                      "units", v->units, "billed", v->billed, "note",
                      v->reason, "lines", lines));
    }
    json_t *referring = json_null();
    if (b->has_referral)
        referring = json_pack("{s:s,s:s,s:o,s:s}", "name",
                              b->referral.physician_name, "specialty",
                              b->referral.physician_specialty, "npi",
                              text_or_null(b->referral.physician_npi),
                              "date", b->referral.referred_on);
    return json_pack(
        "{s:s,s:s,s:{s:I,s:s,s:s,s:o,s:o},s:{s:I,s:s,s:s,s:s},s:o,"
        "s:{s:I,s:s,s:s,s:s,s:o},s:o,s:o,s:i}",
        "rule", bill_rule_name(b->rule), "clinic", b->clinic, "provider",
        "id", (json_int_t)b->practitioner.id, "name", b->practitioner.name,
        "credentials", b->practitioner.credentials, "npi",
        text_or_null(b->practitioner.npi), "license",
        text_or_null(b->practitioner.license), "patient", "id",
        (json_int_t)b->patient.id, "name", b->patient.name, "dob",
        b->patient.birth_date, "sex", b->patient.sex, "referring", referring,
        "episode", "id", (json_int_t)b->episode.id, "protocol",
        b->episode.protocol_id, "icd10", b->episode.icd10, "start",
        b->episode.started_on, "end", text_or_null(b->episode.ended_on),
        "diagnoses", diagnoses, "visits", visits, "total_units",
        b->total_units);
}

/* One CSV field by the one CSV writer (quoted when it must be, guarded
 * against spreadsheet formulas); NULL or the empty text as nothing. */
static void csv_field(struct buf *out, const char *text, int last)
{
    if (text && *text)
        tabular_csv_field(out, text, strlen(text));
    buf_puts(out, last ? "\r\n" : ",");
}

static void sessions_text(const struct superbill_visit *v, char *out,
                          size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < v->session_count && used < n; k++)
        used += (size_t)snprintf(out + used, n - used, "%s%lld",
                                 k ? " " : "", (long long)v->sessions[k]);
}

static void diagnosis_codes(const struct superbill *b, const char *pointers,
                            char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = pointers; *p && used < n; p++) {
        int i = *p - 'A';
        if (i >= 0 && i < b->diagnosis_count)
            used += (size_t)snprintf(out + used, n - used, "%s%s",
                                     p == pointers ? "" : " ",
                                     b->diagnoses[i].code);
    }
}

void superbill_csv(const struct superbill *b, struct buf *out)
{
    static const char *const header[] = {
        "date_of_service", "sessions", "cpt", "description", "minutes",
        "units", "diagnosis_pointers", "diagnosis_codes", "rule",
        "rendering_provider", "rendering_npi", "patient_id", "patient_name",
        "patient_dob", "referring_physician", "referring_npi", "basis"};
    for (size_t i = 0; i < ARRAY_SIZE(header); i++)
        csv_field(out, header[i], i + 1 == ARRAY_SIZE(header));
    char patient_id[24];
    snprintf(patient_id, sizeof(patient_id), "%lld",
             (long long)b->patient.id);
    for (size_t i = 0; i < b->visit_count; i++) {
        const struct superbill_visit *v = &b->visits[i];
        char sessions[160];
        sessions_text(v, sessions, sizeof(sessions));
        int rows = v->billed ? v->line_count : 1;
        for (int k = 0; k < rows; k++) {
            const struct superbill_line *l = v->billed ? &v->lines[k] : NULL;
            char minutes[16], units[16], codes[128];
            snprintf(minutes, sizeof(minutes), "%d",
                     l ? l->item.minutes : v->session_minutes);
            snprintf(units, sizeof(units), "%d", l ? l->item.units : 0);
            diagnosis_codes(b, l ? l->pointers : "", codes, sizeof(codes));
            csv_field(out, v->date, 0);
            csv_field(out, sessions, 0);
            csv_field(out, l ? l->item.code : "", 0);
            csv_field(out, l ? l->title : "", 0);
            csv_field(out, minutes, 0);
            csv_field(out, units, 0);
            csv_field(out, l ? l->pointers : "", 0);
            csv_field(out, codes, 0);
            csv_field(out, bill_rule_name(b->rule), 0);
            csv_field(out, b->practitioner.name, 0);
            csv_field(out, b->practitioner.npi, 0);
            csv_field(out, patient_id, 0);
            csv_field(out, b->patient.name, 0);
            csv_field(out, b->patient.birth_date, 0);
            csv_field(out, b->has_referral ? b->referral.physician_name : "",
                      0);
            csv_field(out, b->has_referral ? b->referral.physician_npi : "",
                      0);
            csv_field(out, l ? l->basis : v->reason, 1);
        }
    }
}

static const char superbill_css[] =
    "body{font-family:Helvetica,Arial,sans-serif;color:#000;margin:2em;"
    "font-size:11pt}"
    "h1{font-size:16pt;margin:0 0 .2em}h2{font-size:12pt;margin:1.2em 0 "
    ".4em;border-bottom:1px solid #000}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid #555;padding:3px 6px;text-align:left;"
    "vertical-align:top}"
    "th{background:#eee}td.n{text-align:right}"
    ".parties{display:flex;gap:2em}.parties div{flex:1}"
    ".muted{color:#444;font-size:9pt}"
    "tr.unbilled td{font-style:italic}"
    "@media print{body{margin:0}th{background:#fff}"
    "tr{page-break-inside:avoid}}";

static void html_row2(struct buf *out, const char *label, const char *value)
{
    buf_puts(out, "<tr><th>");
    html_escape_text(out, label);
    buf_puts(out, "</th><td>");
    html_escape_text(out, value && *value ? value : "-");
    buf_puts(out, "</td></tr>\n");
}

void superbill_html(const struct superbill *b, struct buf *out)
{
    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                  "<meta charset=\"utf-8\"><title>Superbill: ");
    html_escape_text(out, b->patient.name);
    buf_puts(out, "</title><style>");
    buf_puts(out, superbill_css);
    buf_puts(out, "</style></head><body>\n<h1>Superbill</h1>\n<p>");
    html_escape_text(out, b->clinic);
    buf_puts(out, "</p>\n<div class=\"parties\"><div><h2>Rendering "
                  "provider</h2><table>\n");
    html_row2(out, "Name", b->practitioner.name);
    html_row2(out, "Credentials", b->practitioner.credentials);
    html_row2(out, "NPI", b->practitioner.npi);
    html_row2(out, "License", b->practitioner.license);
    buf_puts(out, "</table></div><div><h2>Patient</h2><table>\n");
    html_row2(out, "Name", b->patient.name);
    html_row2(out, "Date of birth", b->patient.birth_date);
    html_row2(out, "Sex", b->patient.sex);
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)b->patient.id);
    html_row2(out, "Patient id", id);
    buf_puts(out, "</table></div><div><h2>Referring physician</h2>"
                  "<table>\n");
    html_row2(out, "Name", b->has_referral ? b->referral.physician_name
                                           : "none");
    html_row2(out, "Specialty",
              b->has_referral ? b->referral.physician_specialty : "");
    html_row2(out, "NPI", b->has_referral ? b->referral.physician_npi : "");
    html_row2(out, "Referred on",
              b->has_referral ? b->referral.referred_on : "");
    buf_puts(out, "</table></div></div>\n<h2>Diagnoses (ICD-10-CM)</h2>"
                  "<table><tr><th>Pointer</th><th>Code</th><th>Title</th>"
                  "</tr>\n");
    for (int i = 0; i < b->diagnosis_count; i++) {
        const struct superbill_diagnosis *d = &b->diagnoses[i];
        buf_puts(out, "<tr><td>");
        html_escape_printf(out, "%c", d->letter);
        buf_puts(out, "</td><td>");
        html_escape_text(out, d->code);
        buf_puts(out, "</td><td>");
        html_escape_text(out, d->title ? d->title : "");
        buf_puts(out, "</td></tr>\n");
    }
    buf_puts(out, "</table>\n<h2>Services (timed CPT codes, 15-minute "
                  "units)</h2>\n<table><tr><th>Date of service</th>"
                  "<th>CPT</th><th>Description</th><th>Diagnosis "
                  "pointer</th><th>Minutes</th><th>Units</th><th>Minutes "
                  "behind the units</th></tr>\n");
    for (size_t i = 0; i < b->visit_count; i++) {
        const struct superbill_visit *v = &b->visits[i];
        if (!v->billed) {
            buf_puts(out, "<tr class=\"unbilled\"><td>");
            html_escape_text(out, v->date);
            buf_puts(out, "</td><td></td><td></td><td></td><td class=\"n\">");
            html_escape_printf(out, "%d", v->session_minutes);
            buf_puts(out, "</td><td class=\"n\">0</td><td>");
            html_escape_text(out, v->reason);
            buf_puts(out, "</td></tr>\n");
            continue;
        }
        for (int k = 0; k < v->line_count; k++) {
            const struct superbill_line *l = &v->lines[k];
            buf_puts(out, "<tr><td>");
            html_escape_text(out, v->date);
            buf_puts(out, "</td><td>");
            html_escape_text(out, l->item.code);
            buf_puts(out, "</td><td>");
            html_escape_text(out, l->title);
            buf_puts(out, "</td><td>");
            html_escape_text(out, l->pointers);
            buf_puts(out, "</td><td class=\"n\">");
            html_escape_printf(out, "%d", l->item.minutes);
            buf_puts(out, "</td><td class=\"n\">");
            html_escape_printf(out, "%d", l->item.units);
            buf_puts(out, "</td><td>");
            html_escape_text(out, l->basis);
            buf_puts(out, "</td></tr>\n");
        }
        buf_puts(out, "<tr><td></td><td colspan=\"6\" class=\"muted\">");
        html_escape_text(out, v->reason);
        buf_puts(out, "</td></tr>\n");
    }
    buf_puts(out, "<tr><th colspan=\"5\">Total units</th><th class=\"n\">");
    html_escape_printf(out, "%d", b->total_units);
    buf_puts(out, "</th><th></th></tr>\n</table>\n<p class=\"muted\">");
    if (b->rule == BILL_RULE_CMS)
        html_escape_text(out, "Units by the CMS 8-minute rule (Medicare "
                              "Claims Processing Manual, Pub. 100-04, ch. 5, "
                              "section 20.2): the units of a visit come from "
                              "its total timed minutes.");
    else
        html_escape_text(out, "Units by the per-code rule: each code on its "
                              "own, 8 minutes or more for a unit.");
    buf_puts(out, " ");
    html_escape_printf(out, "Episode %lld, protocol %s.",
                       (long long)b->episode.id, b->episode.protocol_id);
    buf_puts(out, "</p>\n</body></html>\n");
}
