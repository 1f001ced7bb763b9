/* The physician's page of a report link (GET /p/{token}, prom/report_link.h):
 * the progress report of the link's episode, rendered by
 * documents/physician_report.h, in a plain page with no login, no cookie
 * and no script. A link that cannot be used gets the links' one plain page
 * (404 unknown, 410 expired or revoked); guessing is throttled with the
 * patient's links (web/link_throttle.h). */
#include "core/buf.h"
#include "prom/report_link.h"
#include "web/handlers.h"
#include "web/html.h"
#include "web/link_throttle.h"

#include <string.h>

int page_physician_link(struct web_ctx *w)
{
    long wait = link_throttle_wait(w->req->client);
    if (wait > 0)
        return link_page_throttled(w, wait);
    const char *token = route_param(&w->match, "token");
    struct buf doc = BUF_INIT;
    struct err e = ERR_INIT;
    if (report_link_view(w->store, token, w->req->client, &doc, &e) < 0) {
        buf_release(&doc);
        if (e.code == ERR_NOT_FOUND)
            link_throttle_fail(w->req->client);
        w->err = e;
        return link_page_refused(w, &e);
    }
    /* The document's body, without its head and inline style (the CSP
     * allows none): the site's stylesheet styles a report. */
    const char *open = strstr(doc.data, "<body>");
    const char *close = open ? strstr(open, "</body>") : NULL;
    if (!close) {
        buf_release(&doc);
        return web_error(w, 500, "internal", "", "the report has no body");
    }
    open += strlen("<body>");
    struct buf *b = &w->resp->body;
    link_page_open(w, 200, "Progress report", "style.css");
    html_raw(b, "<body>\n<main id=\"main\">\n<article class=\"report\">\n");
    /* The report escaped every value it holds. */
    buf_add(b, open, (size_t)(close - open));
    html_raw(b, "</article>\n</main>\n</body>\n</html>\n");
    buf_release(&doc);
    return 0;
}
