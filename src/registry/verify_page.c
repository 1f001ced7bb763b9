/* The registry's public certificate check (registry/verify_page.h). */
#include "registry/verify_page.h"
#include "core/util.h"
#include "registry/directory.h"
#include "registry/directory_page.h"
#include "web/html.h"
#include "web/multipart.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CERTIFICATE_MAX (1u << 20) /* bytes of a certificate accepted */

static void verify_form(struct buf *b, const char *error)
{
    if (error) {
        html_raw(b, "<div class=\"error-summary\" role=\"alert\" "
                    "id=\"error\"><p>");
        html_text(b, error);
        html_raw(b, "</p></div>\n");
    }
    html_raw(b, "<form method=\"post\" action=\"/verify\" "
                "enctype=\"multipart/form-data\" class=\"verify\">\n"
                "<div><label for=\"file\">Certificate file <span "
                "class=\"hint\">the .json file the therapist or the "
                "directory gave you</span></label>\n<input type=\"file\" "
                "id=\"file\" name=\"file\" "
                "accept=\".json,application/json\"></div>\n"
                "<div><label for=\"certificate\">Or paste the "
                "certificate</label>\n<textarea id=\"certificate\" "
                "name=\"certificate\" rows=\"6\" spellcheck=\"false\">"
                "</textarea></div>\n<button type=\"submit\">Check the "
                "certificate</button>\n</form>\n");
}

static void verify_intro(struct buf *b)
{
    html_raw(b, "<h1>Check a registry certificate</h1>\n<p "
                "class=\"intro\">A registry certificate says that a "
                "therapist's patients improve as much as, or more than, "
                "patients treated for the same condition across the "
                "country. The registry signs it, and writes it in a public "
                "log that cannot be changed quietly. Here you can see "
                "whether a certificate is genuine.</p>\n");
}

/* The certificate's text from the request: the uploaded file, else the
 * pasted text (multipart or urlencoded). Allocates *text (free()); NULL
 * and an error message when there is none or the form is malformed. */
static char *read_certificate(struct http_request *req, const char **error)
{
    char type[64];
    http_request_media_type(req, type, sizeof(type));
    struct err e = ERR_INIT;
    *error = NULL;
    if (req->body_too_large) {
        *error = "The certificate is larger than a certificate can be.";
        return NULL;
    }
    if (!strcmp(type, "multipart/form-data")) {
        struct multipart_part parts[MULTIPART_MAX_PARTS];
        int n;
        if (multipart_parse(req->body.data, req->body.len,
                            http_request_header(req, "Content-Type"), parts,
                            &n, &e) < 0) {
            *error = "The form could not be read: send it again.";
            return NULL;
        }
        const struct multipart_part *chosen = NULL;
        for (int i = 0; i < n; i++)
            if (parts[i].len && (!strcmp(parts[i].name, "file") ||
                                 (!strcmp(parts[i].name, "certificate") &&
                                  !chosen)))
                chosen = &parts[i];
        if (!chosen)
            return NULL;
        if (chosen->len > CERTIFICATE_MAX ||
            memchr(chosen->data, 0, chosen->len)) {
            *error = "This file is not a certificate.";
            return NULL;
        }
        char *copy = xmalloc(chosen->len + 1);
        memcpy(copy, chosen->data, chosen->len);
        copy[chosen->len] = '\0';
        return copy;
    }
    if (!strcmp(type, "application/x-www-form-urlencoded")) {
        struct http_pairs pairs = HTTP_PAIRS_INIT;
        char *text = NULL;
        if (http_form_parse(req->body.data, req->body.len, &pairs, &e) < 0)
            *error = "The form could not be read: send it again.";
        else if (http_pairs_get(&pairs, "certificate", 0) &&
                 http_pairs_get(&pairs, "certificate", 0)[0])
            text = xstrdup(http_pairs_get(&pairs, "certificate", 0));
        http_pairs_release(&pairs);
        return text;
    }
    *error = "Send the form as the page does (multipart/form-data).";
    return NULL;
}

/* The certificate in the directory by GET /verify?certificate=ID. */
static char *directory_document(struct pg *db, struct http_request *req,
                                const char **error)
{
    struct http_pairs pairs = HTTP_PAIRS_INIT;
    struct err e = ERR_INIT;
    char *document = NULL;
    *error = NULL;
    const char *value = NULL;
    if (http_form_parse(req->query, strlen(req->query), &pairs, &e) == 0)
        value = http_pairs_get(&pairs, "certificate", 0);
    char *end = NULL;
    long long id = value ? strtoll(value, &end, 10) : -1;
    if (!value || !*value || *end || id < 1)
        *error = "That is not a certificate of the directory.";
    else if (directory_certificate(db, id, &document, &e) <= 0)
        *error = "The directory shows no such certificate now: it may "
                 "have been revoked or have expired.";
    http_pairs_release(&pairs);
    return document;
}

void registry_verify_page(const struct registry_api *api, struct pg *db,
                          struct http_request *req,
                          struct http_response *resp)
{
    struct buf *b = &resp->body;
    buf_reset(b);
    const char *error = NULL;
    char *text = NULL;
    int status = 200;
    if (!strcmp(req->method, "POST"))
        text = read_certificate(req, &error);
    else if (req->query[0])
        text = directory_document(db, req, &error);
    if (!text && !error && !strcmp(req->method, "POST"))
        error = "Choose a certificate file, or paste the certificate.";
    if (error)
        status = 400;
    registry_page_open(b, "Check a certificate", REGISTRY_SECTION_VERIFY);
    verify_intro(b);
    if (text) {
        registry_verify_show(api, db, text, b);
        free(text);
        html_raw(b, "<h2>Check another certificate</h2>\n");
    }
    verify_form(b, error);
    registry_page_close(b, resp, status);
}
