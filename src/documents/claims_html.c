/* The statement of a certificate's claims (claims_html.h). */
#include "documents/claims_html.h"
#include "documents/html_escape.h"

#include <stdarg.h>

/* One voice's whole format: its words around the same nine texts, in
 * the same order. */
#define STATEMENT(open, holds, designation)                                   \
    open "<strong>%s</strong> (license %s) of %s " holds                      \
         "<strong>%s</strong>" designation " in %s, measured by %s, on "     \
         "data from %s to %s.</p>\n"

static const char *const statements[] = {
    [CLAIMS_VOICE_CLINIC] = STATEMENT("<p class=\"lead\">", "is ", ""),
    [CLAIMS_VOICE_REGISTRY] = STATEMENT("<p>", "holds the registry's ",
                                        " designation"),
};

static void statement(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    html_escape_vformat(b, fmt, ap);
    va_end(ap);
}

void claims_html_statement(struct buf *b, const struct catalog_claims *c,
                           enum claims_voice voice)
{
    statement(b, statements[voice], c->practitioner, c->license, c->clinic,
              c->designation, c->protocol_name, c->instrument_name, c->from,
              c->to);
}
