/*
 * pages: the HTML pages a clinic uses all day (one page_*.c per page or
 * page group, as cgit's ui-*.c), and the pieces they share: the chrome
 * with navigation by role, labelled form fields that show an error beside
 * the field and keep what was typed, the CSRF field, and one-line notices
 * after a redirect (POST-redirect-GET). Internal to web/.
 *
 * Every page writes through the escaping writers of html.h into the
 * buffered reply (w->resp->body); a page that fails returns -1 with
 * w->err and web_handle() replaces it with an error page. Nothing here
 * allocates for the caller unless said so.
 */
#ifndef TS_WEB_PAGES_H
#define TS_WEB_PAGES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "web/context.h"

struct catalog;
struct episode_detail;
struct patient_detail;
struct protocol;
struct protocol_group;

/* The sections of the navigation; the current one is marked. */
enum page_section {
    SECTION_NONE,
    SECTION_HOME,
    SECTION_PATIENTS,
    SECTION_FOLLOWUPS,
    SECTION_OUTCOMES,
    SECTION_CERTIFICATES,
    SECTION_PROTOCOLS,
    SECTION_ADMIN,
    SECTION_VERIFY,
};

/* Flags of page_open(). */
enum page_flag {
    PAGE_SCRIPT = 1 << 0, /* load /assets/app.js (timer, live totals) */
    PAGE_WIDE = 1 << 1,   /* a wider main column (tables, charts) */
};

/* The chrome of every page: doctype, head (title, stylesheet, the script
 * when PAGE_SCRIPT), the header with the login and logout button, the
 * navigation of the caller's role with `section` marked current, then
 * <main>. Sets Content-Type. page_begin() is page_open(w, title,
 * SECTION_NONE, 0). */
void page_open(struct web_ctx *w, const char *title, enum page_section section,
               unsigned flags);

/* The catalog the server loaded, or the shipped one. */
const struct catalog *page_catalog(const struct web_ctx *w);
/* Walks the protocols of group grp that match the search q
 * (catalog_protocol_matches), in the catalog's order: start with *i = -1;
 * each call returns the next one, or NULL after the last. */
const struct protocol *page_group_next(const struct catalog *cat,
                                       const struct protocol_group *grp,
                                       const char *q, int *i);
/* Writes the paragraph saying that no protocol matches the search q. */
void page_no_protocol_matches(struct buf *b, const char *q);

/* The route's numeric parameter "id" (the router guarantees it). */
int64_t page_id(const struct web_ctx *w);

/* A query parameter's value, or NULL. */
const char *page_query(const struct web_ctx *w, const char *name);
/* A posted form field's value, or NULL. */
const char *page_form(const struct web_ctx *w, const char *name);
/* The posted value trimmed of surrounding white space, NULL when absent or
 * blank: what a record call takes for "not given". Points into a copy
 * owned by the form (valid until the request ends). */
const char *page_form_given(struct web_ctx *w, const char *name);

/*
 * Parses a whole number field of the form: *out = fallback when the field
 * is absent or blank; -1 with w->err (ERR_INPUT on field) when it is not a
 * whole number within min..max.
 */
int page_form_long(struct web_ctx *w, const char *field, long min, long max,
                   long fallback, long *out);

/* Fails unless the caller is an admin (403 naming the action). */
int page_require_admin(struct web_ctx *w, const char *action);
/* Fails unless the caller may see patient records (admin, therapist):
 * 403 for a researcher. */
int page_require_clinical(struct web_ctx *w);

/* The record the path's id names, for a clinical page: refuses (403) a
 * caller who may not see patient records (page_require_clinical), then
 * loads it into d (patient_show, episode_show). 0, or -1 with the answer
 * made. d is filled by the record (the caller releases it with
 * patient_detail_release / episode_detail_release after a 0). */
int page_load_patient(struct web_ctx *w, struct patient_detail *d);
int page_load_episode(struct web_ctx *w, struct episode_detail *d);

/* Starts the page over with status: drops what the reply's body holds,
 * then page_open(). For a form page shown anew after a refused submit. */
void page_restart(struct web_ctx *w, int status, const char *title,
                  enum page_section section, int flags);

/* Redirects (303) to a path built from a program format (numbers only;
 * no text from input). */
int page_redirect(struct web_ctx *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes the notice named by ?done=CODE when codes[] (pairs of code and
 * message, NULL-terminated) knows it; unknown codes write nothing. */
void page_notice(struct web_ctx *w, const char *const (*codes)[2]);

/*
 * A form shown again after a refused submit: the values posted (so the
 * input is kept) and the error, shown beside the field it names and in a
 * summary at the top. An empty form has values NULL and err NULL.
 */
struct form_view {
    const struct http_pairs *values; /* posted values, or NULL */
    const struct err *err;           /* the refusal, or NULL */
    const char *lead; /* the summary's first words; NULL: "This was not
                       * saved." */
};

/* The form_view of the current request: its posted values, and w->err
 * when it names a problem. */
struct form_view page_form_view(struct web_ctx *w, int with_error);

/* The value to show in field name: the posted one, else fallback. */
const char *form_value(const struct form_view *f, const char *name,
                       const char *fallback);

/* Writes the error summary (role="alert") when f has an error: the
 * message, linked to its field when the field is on the page. */
void form_errors(struct buf *b, const struct form_view *f);

/* The hidden CSRF field of the session. */
void form_csrf(struct web_ctx *w);
/* The same field with a given token (the login form's, before a session). */
void form_csrf_token(struct buf *b, const char *token);

/* Options of a field. */
struct field_opts {
    const char *type;     /* input type: "text" (NULL), "date", ... */
    const char *hint;     /* a line under the label, or NULL */
    const char *fallback; /* the value when none was posted */
    const char *attrs;    /* extra attributes: program constants only
                           * (" required min=\"0\"") */
    int rows;             /* textarea rows (form_textarea) */
};

/* A labelled input named name (id "f-name"); the error beside it when the
 * form's error names this field (aria-invalid, aria-describedby). */
void form_input(struct buf *b, const struct form_view *f, const char *name,
                const char *label, const struct field_opts *o);
/* A labelled textarea. */
void form_textarea(struct buf *b, const struct form_view *f, const char *name,
                   const char *label, const struct field_opts *o);
/* A labelled select of options[i] = {value, text}, n of them. */
void form_select(struct buf *b, const struct form_view *f, const char *name,
                 const char *label, const char *const (*options)[2], size_t n,
                 const struct field_opts *o);
/* A checkbox with its label after it (value "1"); checked when posted
 * (or, with no posted values, when fallback is "1"). */
void form_checkbox(struct buf *b, const struct form_view *f, const char *name,
                   const char *label, const struct field_opts *o);
/* The error beside a field when the form's error names it (for fields a
 * page writes itself). Returns 1 when it wrote one. */
int form_field_error(struct buf *b, const struct form_view *f,
                     const char *name);

/*
 * Writes the head of a list table: <table class="CLASS">, a header row of
 * one <th scope="col"> per heading, then <tbody>. headings ends with NULL;
 * each is a program constant written as markup ("O&minus;E"); one that
 * starts with '#' heads a number column (class="num"), the '#' not
 * written. page_table_head() writes the header row and <tbody> only, for a
 * table whose opening the page writes itself (an id, a caption).
 */
void page_table_open(struct buf *b, const char *class,
                     const char *const *headings);
void page_table_head(struct buf *b, const char *const *headings);
/* Closes a list table: </tbody> and </table>. */
void page_table_close(struct buf *b);
/* How page_data() shows a report's number. */
enum page_shown { PAGE_PLAIN, PAGE_PERCENT, PAGE_SIGNED };
/* Writes a report's number v with its exact value in a <data value>
 * element, shown with up to `decimals` decimals (as a percentage, or with
 * a + when positive); a dash when v is not a number. */
void page_data(struct buf *b, const json_t *v, int decimals,
               enum page_shown how);
/* Writes the table of a designation's criteria (an array of objects with
 * "designation", "criterion", "required", "observed" and "met"): numbers
 * as page_data() writes them, up to 3 decimals. */
void page_criteria_table(struct buf *b, const json_t *criteria);

/* Writes "YYYY-MM-DD HH:MM" of an instant "YYYY-MM-DDTHH:MM:SSZ" (as is
 * when it has another shape). */
void page_instant(struct buf *b, const char *instant);
/* Writes a number with at most `decimals` decimals, trailing zeros cut. */
void page_number(struct buf *b, double v, int decimals);
/* The age in whole years on today's date of a birth date, -1 if bad. */
int page_age(const char *birth_date);

/* page_plan.c: page_fidelity() checks delivered phases
 * (plan_check_fidelity) and writes up to max findings' sentences; it
 * returns their count, or -1 with e for malformed phases. (A session's
 * plan: fidelity_plan() in record/fidelity.h.) */
#define PAGE_FINDING_MAX 200
int page_fidelity(const struct protocol *p, const char *const *names,
                  const int *minutes, int n, int session_minutes,
                  char (*messages)[PAGE_FINDING_MAX], int max, struct err *e);

/* page_funnel.c: a funnel plot of risk-adjusted performance, as SVG.
 * Each point is a cell: its episodes (n) and its value (observed minus
 * expected improvement); the limits are 0 -/+ z sqrt(sigma^2 / n + tau2)
 * (stats/funnel.h funnel_limits_mean, as the benchmark computes them).
 * Borrowed strings; id prefixes the SVG's own ids. */
struct funnel_point {
    double n;
    double value;
    const char *label;
    int highlight; /* drawn as a filled square with its label */
};

struct funnel_plot {
    const char *id, *title, *x_label, *y_label;
    const char *highlight_label; /* the legend's entry, or NULL */
    double sigma, tau2;          /* sigma <= 0: no limits drawn */
    const struct funnel_point *points;
    size_t count;
};

void page_funnel_svg(struct buf *b, const struct funnel_plot *f);

/* ---- the page handlers (route table in web.c) ---- */

/* page_patients.c */
int page_patients(struct web_ctx *w);
int page_patient_new(struct web_ctx *w);
int page_patient_create(struct web_ctx *w);
int page_patient(struct web_ctx *w);
int page_referral_new(struct web_ctx *w);
int page_referral_create(struct web_ctx *w);

/* page_episodes.c */
int page_episode_protocols(struct web_ctx *w);
int page_episode_screen(struct web_ctx *w);
int page_episode_create(struct web_ctx *w);
int page_episode(struct web_ctx *w);
int page_episode_close(struct web_ctx *w);
/* The open episodes the caller may see, for the home page (writes
 * nothing when the list cannot be read). */
void page_home_worklist(struct web_ctx *w);

/* page_sessions.c */
int page_session_new(struct web_ctx *w);
int page_session_create(struct web_ctx *w);

/* page_observations.c */
int page_observation_new(struct web_ctx *w);
int page_observation_create(struct web_ctx *w);
int page_followups(struct web_ctx *w);
/* GET /instruments/{code}/total?item-1=..: the total by the instrument's
 * scoring rule as JSON, {"total", "answered", "missing", "band"} or
 * {"error", "field"}, always 200 (the live total of assets/app.js). */
int page_instrument_total(struct web_ctx *w);

/*
 * Reads the item fields "<prefix>item-1" .. "<prefix>item-N" of instrument
 * in from pairs, as the score form posts them: values[i] and present[i]
 * (arrays of at least in->item_count) for item i+1, blank meaning not
 * answered; *n the items given (the last answered one, at least the
 * instrument's minimum). -1 with e (ERR_INPUT) naming the field when one
 * is not a number. The scoring rule (instrument_score) checks the rest.
 */
struct instrument;
int page_items_read(const struct http_pairs *pairs,
                    const struct instrument *in, const char *prefix,
                    double *values, int *present, int *n, struct err *e);

/* page_patient.c: the patient's page of a link (prom/answer.h), and the
 * printable sheet of an invitation for the clinic. */
int page_patient_answer_form(struct web_ctx *w);
int page_patient_answer_submit(struct web_ctx *w);
int page_invitation_print(struct web_ctx *w);
/* POST /episodes/{id}/invitations: channel email (send link; with resend=
 * IID the old link is revoked once the new one is made) or print (then
 * the printable sheet). */
int page_invitation_create(struct web_ctx *w);

/* page_protocols.c */
int page_protocols(struct web_ctx *w);
int page_protocol(struct web_ctx *w);

/* page_report.c */
int page_chart(struct web_ctx *w);
int page_report(struct web_ctx *w);
int page_report_download(struct web_ctx *w);

/* page_outcomes.c */
int page_outcomes(struct web_ctx *w);

/* page_certificates.c */
int page_certificates(struct web_ctx *w);
int page_certificate_issue(struct web_ctx *w);
int page_certificate_revoke(struct web_ctx *w);

/* page_verify.c */
/* What a verified certificate claims, as a sentence, facts, the metrics
 * and the criteria met; signer is its 32-byte public key (compared with
 * the clinic's own when the database has one). */
void page_certificate_claims(struct web_ctx *w, const json_t *claims,
                             const unsigned char *signer);
int page_verify_form(struct web_ctx *w);
int page_verify_submit(struct web_ctx *w);

/* page_admin.c */
int page_admin(struct web_ctx *w);
int page_admin_user_create(struct web_ctx *w);
int page_admin_user_disable(struct web_ctx *w);
int page_admin_practitioners(struct web_ctx *w);
int page_admin_practitioner_create(struct web_ctx *w);
int page_admin_practitioner(struct web_ctx *w);
int page_admin_training_create(struct web_ctx *w);
int page_admin_thresholds(struct web_ctx *w);
int page_admin_threshold_set(struct web_ctx *w);

#endif
