/*
 * directory_page: the registry's public pages and the directory's
 * resources, without login (docs/registry.md, Directory):
 *
 *   GET  /directory                   the search form and its answer (HTML,
 *                                     no script)
 *   GET  /directory.json              the same answer as JSON
 *   GET  /directory/certificate/ID.json  a certificate the directory shows
 *   GET  /fhir/r4/PractitionerRole    a FHIR R4 searchset Bundle
 *   GET  /verify, POST /verify        checks a pasted or uploaded
 *                                     certificate, in words
 *   POST /registry/v1/directory       a clinic's signed listing
 *   GET  /assets/registry.css         the pages' style sheet
 *
 * Every answer is computed when asked (Cache-Control: no-store), so a
 * revoked or expired designation is gone from the next request.
 */
#ifndef TS_REGISTRY_DIRECTORY_PAGE_H
#define TS_REGISTRY_DIRECTORY_PAGE_H

#include "core/buf.h"
#include "registry/api.h"

/* The section of the registry's pages a page belongs to (its navigation
 * entry is marked current). */
enum registry_section {
    REGISTRY_SECTION_DIRECTORY,
    REGISTRY_SECTION_VERIFY,
};

/* Writes the start of a public page of the registry into b: the head
 * (title escaped), the header with the navigation, and <main>. */
void registry_page_open(struct buf *b, const char *title,
                        enum registry_section section);
/* Closes the page in b (resp's body) and sets resp's status and headers
 * (HTML, no-store, a Content-Security-Policy without script). */
void registry_page_close(struct buf *b, struct http_response *resp,
                         int status);

/* Answers req into resp when its path is one of the above and returns 1;
 * returns 0, touching nothing, for any other path. */
int registry_directory_route(const struct registry_api *api, struct pg *db,
                             struct http_request *req,
                             struct http_response *resp);

#endif
