/* The patient's page of a link (GET and POST /r/{token}, prom/answer.h):
 * phone-first, no account, no cookie, no script; it shows the clinic's
 * name, the patient's first name and the questions, nothing else. A link
 * that cannot be answered gets one plain page: 404 for an unknown token,
 * 410 for one expired, withdrawn or used (the same page serves the
 * physician's link, page_physician_link.c). Guessing is throttled per
 * client address (web/link_throttle.h). And the printable sheet of an
 * invitation, for the clinic (its QR code, prom/qr.h). */
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/clock.h"
#include "core/util.h"
#include "prom/answer.h"
#include "prom/invitation.h"
#include "prom/qr.h"
#include "record/episode.h"
#include "web/link_throttle.h"
#include "web/pages.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>


/* ---- the page ---- */

void link_page_open(struct web_ctx *w, int status, const char *title,
                    const char *stylesheet)
{
    struct buf *b = &w->resp->body;
    buf_reset(b);
    w->resp->status = status;
    http_response_set_header(w->resp, "Content-Type",
                             "text/html; charset=utf-8");
    html_raw(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                "<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, "
                "initial-scale=1\">\n"
                "<meta name=\"robots\" content=\"noindex\">\n");
    html_printf(b, "<title>%s</title>\n", title);
    html_printf(b, "<link rel=\"stylesheet\" href=\"/assets/%s\">\n",
                stylesheet);
    html_raw(b, "<link rel=\"icon\" href=\"/assets/favicon.svg\" "
                "type=\"image/svg+xml\">\n"
                "</head>\n");
}

static void patient_open(struct web_ctx *w, int status, const char *title,
                         const char *clinic)
{
    struct buf *b = &w->resp->body;
    link_page_open(w, status, title, "patient.css");
    html_raw(b, "<body class=\"patient\">\n<header>\n");
    if (clinic && *clinic)
        html_printf(b, "<p class=\"clinic\">%s</p>\n", clinic);
    html_raw(b, "</header>\n<main id=\"main\">\n");
}

static void patient_close(struct web_ctx *w)
{
    html_raw(&w->resp->body, "</main>\n</body>\n</html>\n");
}

/* Writes a lower-case message as a sentence: capital, full stop. */
static void capitalized(struct buf *b, const char *message)
{
    char first[2] = {message[0], '\0'};
    if (first[0] >= 'a' && first[0] <= 'z')
        first[0] = (char)(first[0] - 'a' + 'A');
    html_printf(b, "%s%s.", first, message[0] ? message + 1 : "");
}

/* The same as a paragraph. */
static void sentence(struct buf *b, const char *message)
{
    html_raw(b, "<p>");
    capitalized(b, message);
    html_raw(b, "</p>\n");
}

/* The one plain page of a link that cannot be answered. */
int link_page_refused(struct web_ctx *w, const struct err *e)
{
    int status = e->code == ERR_NOT_FOUND  ? 404
                 : e->code == ERR_CONFLICT ? 410
                                           : 500;
    if (status == 500)
        return web_fail(w);
    patient_open(w, status, "This link cannot be used", NULL);
    struct buf *b = &w->resp->body;
    html_raw(b, "<h1>This link cannot be used</h1>\n");
    if (status == 404)
        html_raw(b, "<p>We could not find this link. Check that it was "
                    "copied whole.</p>\n");
    else
        sentence(b, e->message);
    html_raw(b, "<p>If you were expecting this link, please contact the "
                "clinic that sent it.</p>\n");
    patient_close(w);
    return 0;
}

int link_page_throttled(struct web_ctx *w, long wait)
{
    char secs[24];
    snprintf(secs, sizeof(secs), "%ld", wait);
    patient_open(w, 429, "Too many attempts", NULL);
    http_response_set_header(w->resp, "Retry-After", secs);
    html_printf(&w->resp->body,
                "<h1>Too many attempts</h1>\n<p>Please wait %ld seconds and "
                "try the link again.</p>\n",
                wait);
    patient_close(w);
    return 0;
}

/* The posted value of a field, when the form is shown again. */
static const char *posted(const struct http_pairs *values, const char *name)
{
    return values ? http_pairs_get(values, name, 0) : NULL;
}

/* One question: a row of choices when the answer is one of at most 11
 * whole numbers, else a number field. */
static void question(struct buf *b, const struct instrument *in,
                     const struct wording_item *wi, int item, int optional,
                     const struct http_pairs *values, const struct err *bad)
{
    char name[96];
    snprintf(name, sizeof(name), "%s-item-%d", in->code, item + 1);
    int invalid = bad && !strcmp(bad->field, name);
    const char *value = posted(values, name);
    double lo = in->item_min[item], hi = in->item_max[item];
    int choices = in->integer_items && hi - lo <= 10;
    html_printf(b, "<fieldset class=\"question%s\" id=\"q-%s\"",
                invalid ? " invalid" : "", name);
    if (invalid)
        html_printf(b, " aria-describedby=\"e-%s\"", name);
    html_printf(b, ">\n<legend>%s</legend>\n", wi->text);
    if (invalid) {
        html_printf(b, "<p class=\"field-error\" id=\"e-%s\">", name);
        capitalized(b, bad->message);
        html_raw(b, "</p>\n");
    }
    if (choices) {
        html_printf(b,
                    "<p class=\"anchors\" aria-hidden=\"true\"><span>%g: "
                    "%s</span><span>%g: %s</span></p>\n",
                    lo, wi->low, hi, wi->high);
        html_raw(b, "<div class=\"scale\">\n");
        for (int v = (int)lo; v <= (int)hi; v++) {
            char text[16], id[128];
            snprintf(text, sizeof(text), "%d", v);
            snprintf(id, sizeof(id), "f-%s-%d", name, v);
            const char *says = v == (int)lo ? wi->low
                               : v == (int)hi ? wi->high
                                              : NULL;
            html_printf(b,
                        "<label for=\"%s\"><input type=\"radio\" "
                        "name=\"%s\" id=\"%s\" value=\"%d\"%s>"
                        "<span>%d</span>",
                        id, name, id, v,
                        value && !strcmp(value, text) ? " checked" : "", v);
            if (says)
                html_printf(b, "<span class=\"sr\">: %s</span>", says);
            html_raw(b, "</label>\n");
        }
        if (optional) {
            char id[128];
            snprintf(id, sizeof(id), "f-%s-none", name);
            html_printf(b,
                        "<label for=\"%s\" class=\"none\"><input "
                        "type=\"radio\" name=\"%s\" id=\"%s\" value=\"\"%s>"
                        "<span>I did not name one</span></label>\n",
                        id, name, id, value && !*value ? " checked" : "");
        }
        html_raw(b, "</div>\n");
    } else {
        html_printf(b,
                    "<label for=\"f-%s\" class=\"number\">Your answer, from "
                    "%g (%s) to %g (%s)</label>\n<input type=\"number\" "
                    "name=\"%s\" id=\"f-%s\" min=\"%g\" max=\"%g\" "
                    "step=\"%s\" inputmode=\"%s\" value=\"%s\">\n",
                    name, lo, wi->low, hi, wi->high, name, name, lo, hi,
                    in->integer_items ? "1" : "any",
                    in->integer_items ? "numeric" : "decimal",
                    value ? value : "");
    }
    html_raw(b, "</fieldset>\n");
}

/* The form of the questions; values and bad when shown again. */
static int patient_form(struct web_ctx *w, int status, const char *token,
                        const struct answer_form *f,
                        const struct http_pairs *values, const struct err *bad)
{
    patient_open(w, status, "A few questions", f->clinic);
    struct buf *b = &w->resp->body;
    html_printf(b, "<h1>Hello %s</h1>\n<p>%s would like to know how you are "
                   "doing. It takes a minute or two.</p>\n",
                f->first_name, f->clinic);
    if (bad) {
        html_raw(b, "<div class=\"error-summary\" role=\"alert\">\n<p>Your "
                    "answers were not sent. ");
        if (bad->field[0]) {
            html_printf(b, "<a href=\"#q-%s\">", bad->field);
            capitalized(b, bad->message);
            html_raw(b, "</a>");
        } else {
            capitalized(b, bad->message);
        }
        html_raw(b, "</p>\n</div>\n");
    }
    html_printf(b, "<form method=\"post\" action=\"/r/%s\" novalidate>\n",
                token);
    for (int i = 0; i < f->instrument_count; i++) {
        const struct instrument *in = f->instruments[i].instrument;
        const struct instrument_wording *wd = f->instruments[i].wording;
        html_printf(b, "<section class=\"instrument\" id=\"q-%s\">\n",
                    in->code);
        if (wd->intro)
            html_printf(b, "<p class=\"intro\">%s</p>\n", wd->intro);
        for (int k = 0; k < in->item_count && k < wd->item_count; k++)
            question(b, in, &wd->items[k], k, k >= in->item_count_min, values,
                     bad);
        html_raw(b, "</section>\n");
    }
    html_raw(b, "<button type=\"submit\">Send my answers</button>\n</form>\n"
                "<p class=\"small\">Only your clinic sees your answers.</p>\n");
    patient_close(w);
    return 0;
}

/* Looks the link up, throttled; 0 with *f when it can be answered, 1 when
 * a refusal page was written, -1 on a failure. */
static int patient_link(struct web_ctx *w, const char *token,
                        struct answer_form *f)
{
    long wait = link_throttle_wait(w->req->client);
    if (wait > 0)
        return link_page_throttled(w, wait) < 0 ? -1 : 1;
    struct err e = ERR_INIT;
    if (answer_open(w->store, page_catalog(w), token, f, &e) == 0)
        return 0;
    if (e.code == ERR_NOT_FOUND)
        link_throttle_fail(w->req->client);
    w->err = e;
    return link_page_refused(w, &e) < 0 ? -1 : 1;
}

/* Runs page (the answer form, or its submit) on the form of the path's
 * link; a link that cannot be answered gets patient_link's page instead. */
static int on_link(struct web_ctx *w,
                   int (*page)(struct web_ctx *, const char *,
                               const struct answer_form *))
{
    const char *token = route_param(&w->match, "token");
    struct answer_form f;
    int rc = patient_link(w, token, &f);
    if (rc)
        return rc < 0 ? -1 : 0;
    return page(w, token, &f);
}

static int answer_form(struct web_ctx *w, const char *token,
                       const struct answer_form *f)
{
    return patient_form(w, 200, token, f, NULL, NULL);
}

int page_patient_answer_form(struct web_ctx *w)
{
    return on_link(w, answer_form);
}

static int answer_send(struct web_ctx *w, const char *token,
                       const struct answer_form *f)
{
    struct answer_items items[ANSWER_MAX_INSTRUMENTS];
    memset(items, 0, sizeof(items));
    struct err e = ERR_INIT;
    for (int i = 0; i < f->instrument_count; i++) {
        const struct instrument *in = f->instruments[i].instrument;
        char prefix[80];
        snprintf(prefix, sizeof(prefix), "%s-", in->code);
        if (page_items_read(&w->form, in, prefix, items[i].values,
                            items[i].present, &items[i].n, &e) < 0)
            return patient_form(w, 422, token, f, &w->form, &e);
    }
    struct answer_form done;
    if (answer_submit(w->store, page_catalog(w), token, items,
                      f->instrument_count, w->req->client, &done, &e) < 0) {
        if (e.code == ERR_INPUT)
            return patient_form(w, 422, token, f, &w->form, &e);
        w->err = e;
        return link_page_refused(w, &e);
    }
    patient_open(w, 200, "Thank you", done.clinic);
    html_printf(&w->resp->body,
                "<h1>Thank you, %s</h1>\n<p>Your answers were sent to %s. "
                "You can close this page.</p>\n",
                done.first_name, done.clinic);
    patient_close(w);
    return 0;
}

int page_patient_answer_submit(struct web_ctx *w)
{
    return on_link(w, answer_send);
}

/* ---- the printable sheet (clinic staff) ---- */

int page_invitation_print(struct web_ctx *w)
{
    if (page_require_clinical(w) < 0)
        return -1;
    struct episode ep;
    if (episode_get(w->store, &w->actor, page_id(w), "id", &ep, &w->err) < 0)
        return web_fail(w);
    int64_t iid = route_param_id(&w->match, "invitation_id");
    /* The invitation must be this episode's, which the caller may see. */
    char expires[CLOCK_INSTANT_LEN];
    int used = 0, revoked = 0;
    if (answer_invitation_of_episode(w->store, ep.id, iid, expires, &used,
                                     &revoked, &w->err) < 0)
        return web_fail(w);
    char now[CLOCK_INSTANT_LEN];
    clock_format_instant(clock_now(), now);
    int expired = strcmp(now, expires) >= 0;
    if (used || revoked || expired)
        return web_error(w, 410, "gone", "invitation",
                         "invitation %lld has %s", (long long)iid,
                         used      ? "been answered"
                         : revoked ? "been revoked"
                                   : "expired");
    char link[700];
    if (answer_link(w->store, iid, NULL, link, sizeof(link), &w->err) < 0)
        return web_fail(w);
    char clinic[CLINIC_NAME_MAX + 1], first[RECORD_NAME_MAX + 1];
    if (clinic_name(w->store, clinic, sizeof(clinic), &w->err) < 0)
        return web_fail(w);
    snprintf(first, sizeof(first), "%s", ep.patient_name);
    first[strcspn(first, " \t")] = '\0';
    struct qr q;
    if (qr_encode(link, &q, &w->err) < 0)
        return web_fail(w);
    struct buf *b = &w->resp->body;
    page_open(w, "Printed questions", SECTION_FOLLOWUPS, 0);
    html_raw(b, "<article class=\"print-sheet\">\n");
    html_printf(b, "<h1>%s</h1>\n<p>Hello %s,</p>\n<p>%s would like to know "
                   "how you are doing. Scan the code with your phone's "
                   "camera, or type the link below, and answer a few "
                   "questions. It takes a minute or two.</p>\n",
                clinic, first, clinic);
    html_raw(b, "<figure class=\"qr\">");
    qr_svg(&q, 240, "QR code of your link", b);
    html_raw(b, "</figure>\n");
    html_printf(b, "<p class=\"link\"><code>%s</code></p>\n", link);
    html_printf(b, "<p>The link works once, until %.10s.</p>\n", expires);
    html_raw(b, "</article>\n");
    page_end(w);
    qr_release(&q);
    return 0;
}

/* ---- send link, resend, print code (the follow-ups page's buttons) ---- */

int page_invitation_create(struct web_ctx *w)
{
    if (page_require_clinical(w) < 0)
        return -1;
    const char *channel = page_form_given(w, "channel");
    const char *timepoint = page_form_given(w, "timepoint");
    if (!channel || (strcmp(channel, "email") && strcmp(channel, "print")))
        return web_error(w, 422, "invalid", "channel",
                         "'%.16s' is not email or print",
                         channel ? channel : "");
    if (!timepoint)
        timepoint = "followup";
    long resend_of;
    if (page_form_long(w, "resend", 1, 999999999999L, 0, &resend_of) < 0)
        return web_fail(w);
    struct invitation_new in = {.catalog = w->config->catalog,
                                .episode_id = page_id(w),
                                .timepoint = timepoint,
                                .channel = channel,
                                .visit_on = page_form_given(w, "on")};
    struct invitation_created out;
    if (invitation_create(w->store, &w->actor, &in, &out, &w->err) < 0)
        return web_fail(w);
    /* A link sent again is a new link: the old one stops working. */
    if (resend_of &&
        invitation_revoke(w->store, &w->actor, resend_of, "sent again",
                          &w->err) < 0)
        return web_fail(w);
    if (!strcmp(channel, "print"))
        return page_redirect(w, "/episodes/%lld/invitations/%lld/print",
                             (long long)page_id(w), (long long)out.id);
    return page_redirect(w, "/followups?done=%s",
                         resend_of ? "resent" : "sent");
}
