/*
 * verify_page: the registry's public /verify page. Anyone, without an
 * account, pastes or uploads (multipart/form-data) a registry certificate
 * and reads the check in words: valid, tampered, revoked or unknown
 * issuer; what the certificate states; and the proof that the public log
 * holds it. The check is the one of 'touchstone verify'; nothing is
 * stored. GET /verify?certificate=ID checks a certificate the directory
 * shows.
 */
#ifndef TS_REGISTRY_VERIFY_PAGE_H
#define TS_REGISTRY_VERIFY_PAGE_H

#include "registry/api.h"

/* Answers GET (the form) and POST (the check) of /verify. */
registry_route registry_verify_page;

/* Writes the check of the certificate text (as pasted or uploaded) into
 * b: the verdict in words, what the certificate states, the registry's
 * record of it (revoked or not) and the proof that the log holds it. */
void registry_verify_show(const struct registry_api *api, struct pg *db,
                          const char *text, struct buf *b);

#endif
