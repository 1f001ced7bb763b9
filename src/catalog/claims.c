/* A certificate's claims in words (catalog/claims.h). */
#include "catalog/claims.h"
#include "catalog/instrument.h"

/* The text of obj's member key, or "". */
static const char *text_of(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

void catalog_claims_read(const struct catalog *cat, const json_t *claims,
                         struct catalog_claims *out)
{
    const json_t *prac = json_object_get(claims, "practitioner");
    const json_t *window = json_object_get(claims, "data_window");
    out->practitioner = text_of(prac, "name");
    out->license = text_of(prac, "license");
    out->clinic = text_of(json_object_get(claims, "clinic"), "name");
    out->designation = text_of(claims, "designation");
    out->protocol = text_of(claims, "protocol");
    out->instrument = text_of(claims, "instrument");
    const struct protocol *p = cat ? catalog_find(cat, out->protocol) : NULL;
    const struct instrument *in = instrument_find(out->instrument);
    out->protocol_name = p ? p->name : out->protocol;
    out->instrument_name = in ? in->name : out->instrument;
    out->from = text_of(window, "from");
    out->to = text_of(window, "to");
}
