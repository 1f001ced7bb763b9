/*
 * link_throttle: the one throttle of guessed tokens for the pages a link
 * opens without a login (the patient's /r/, the physician's /p/), shared
 * between them so that guessing at one counts at the other.
 *
 * At most LINK_FAILURES_PER_MINUTE unknown tokens a minute from one client
 * address; past that, every request to a link from it is refused (429)
 * until its minute ends. The table, in memory, keeps
 * LINK_THROTTLE_CLIENTS addresses; a new one takes the slot of the least
 * recent. Thread-safe; allocates nothing.
 *
 * And the plain pages of those links (page_patient.c): the refusal of a
 * link that cannot be used and the page of a throttled client.
 */
#ifndef TS_WEB_LINK_THROTTLE_H
#define TS_WEB_LINK_THROTTLE_H

#include "core/err.h"

struct web_ctx;

#define LINK_FAILURES_PER_MINUTE 10
#define LINK_THROTTLE_CLIENTS 1024

/* Seconds the client must wait, or 0 when it may try a link. */
long link_throttle_wait(const char *client);

/* Counts an unknown token from the client. */
void link_throttle_fail(const char *client);

/* The one plain page of a link that cannot be used: 404 for ERR_NOT_FOUND,
 * 410 with e's message for ERR_CONFLICT, else the server's failure. */
int link_page_refused(struct web_ctx *w, const struct err *e);

/* Starts the response of a link's plain page: status, an HTML type, and
 * the document up to its </head>: title (text, escaped by the caller) and
 * the stylesheet at /assets/{stylesheet}, never indexed. */
void link_page_open(struct web_ctx *w, int status, const char *title,
                    const char *stylesheet);

/* The 429 page with Retry-After: wait seconds. */
int link_page_throttled(struct web_ctx *w, long wait);

#endif
