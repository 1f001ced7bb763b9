/* FHIR R4 Questionnaire of an instrument (fhir.h, docs/fhir.md). */
#include "documents/fhir.h"
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define EXT_MIN "http://hl7.org/fhir/StructureDefinition/minValue"
#define EXT_MAX "http://hl7.org/fhir/StructureDefinition/maxValue"

/* A whole number as valueInteger, else as valueDecimal, under key+suffix. */
static void set_number(json_t *obj, const char *prefix, double v,
                       int integer)
{
    char key[32];
    snprintf(key, sizeof(key), "%s%s", prefix,
             integer ? "Integer" : "Decimal");
    json_object_set_new(obj, key,
                        integer ? json_integer((json_int_t)v) : json_real(v));
}

/* The computable name: letters and digits of the code, capitalised
 * ("headache-days" -> "HeadacheDays"). */
static void computable_name(const char *code, char *out, size_t n)
{
    size_t k = 0;
    int upper = 1;
    for (const char *p = code; *p && k + 1 < n; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
            upper = 1;
            continue;
        }
        out[k++] = upper && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
        upper = 0;
    }
    out[k] = '\0';
    if (k == 0 || !(out[0] >= 'A' && out[0] <= 'Z'))
        snprintf(out, n, "Instrument");
}

/* One question: linkId i+1, the wording (with what the ends of its scale
 * mean), integer or decimal (or a choice of the allowed answers), its
 * range, required unless the instrument lets it be missing. */
static json_t *question(const struct instrument *in,
                        const struct instrument_wording *w, int i)
{
    char link[16];
    snprintf(link, sizeof(link), "%d", i + 1);
    int integer = in->integer_items;
    char *text = xasprintf("%s (%g: %s; %g: %s)", w->items[i].text,
                           in->item_min[i], w->items[i].low, in->item_max[i],
                           w->items[i].high);
    int required = i < in->item_count_min && in->max_missing == 0;
    json_t *q = json_pack("{s:s,s:s,s:s,s:b}", "linkId", link, "text", text,
                          "type", in->allowed_count > 0 ? "choice"
                                  : integer            ? "integer"
                                                       : "decimal",
                          "required", required);
    free(text);
    if (in->item_loinc[i])
        json_object_set_new(q, "code",
                            json_pack("[{s:s,s:s}]", "system",
                                      FHIR_SYSTEM_LOINC, "code",
                                      in->item_loinc[i]));
    if (in->allowed_count > 0) {
        json_t *options = json_array();
        for (int k = 0; k < in->allowed_count; k++) {
            json_t *o = json_object();
            set_number(o, "value", in->allowed[k], 1);
            json_array_append_new(options, o);
        }
        json_object_set_new(q, "answerOption", options);
    } else {
        json_t *min = json_pack("{s:s}", "url", EXT_MIN);
        json_t *max = json_pack("{s:s}", "url", EXT_MAX);
        set_number(min, "value", in->item_min[i], integer);
        set_number(max, "value", in->item_max[i], integer);
        json_object_set_new(q, "extension", json_pack("[o,o]", min, max));
    }
    return q;
}

int fhir_questionnaire(const struct catalog *cat, const char *code,
                       json_t **out, struct err *e)
{
    *out = NULL;
    const struct instrument *in = code ? instrument_find(code) : NULL;
    if (!in)
        return err_set(e, ERR_NOT_FOUND, "instrument",
                       "'%.64s' is not an instrument of the catalog",
                       code ? code : "");
    const struct instrument_wording *w = catalog_wording(cat, in->code);
    if (!w)
        return err_set(e, ERR_NOT_FOUND, "instrument",
                       "no Questionnaire for '%s': Touchstone may not ship "
                       "the wording of %s (its owners license it), and this "
                       "clinic has added none (wording/%s.json in its "
                       "catalog folder); a Questionnaire without the "
                       "questions' text would not be one a patient can "
                       "answer", in->code, in->name, in->code);
    char name[80];
    computable_name(in->code, name, sizeof(name));
    char *url = xasprintf("%s%s", FHIR_QUESTIONNAIRE, in->code);
    json_t *items = json_array();
    if (w->intro) {
        json_array_append_new(items,
                              json_pack("{s:s,s:s,s:s}", "linkId", "intro",
                                        "text", w->intro, "type",
                                        "display"));
    }
    for (int i = 0; i < in->item_count; i++)
        json_array_append_new(items, question(in, w, i));
    json_t *q = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:[s],s:s,s:o}", "resourceType",
        "Questionnaire", "id", in->code, "url", url, "name", name, "title",
        in->name, "status", "active", "subjectType", "Patient", "copyright",
        w->licence, "item", items);
    free(url);
    char *description = xasprintf("%s: %s. Scored by Touchstone (%s); the "
                                  "wording: %s.",
                                  in->name, in->construct,
                                  instrument_method_name(in->method),
                                  w->source);
    json_object_set_new(q, "description", json_string(description));
    free(description);
    json_t *codes = json_array();
    if (in->loinc)
        json_array_append_new(codes,
                              json_pack("{s:s,s:s,s:s}", "system",
                                        FHIR_SYSTEM_LOINC, "code", in->loinc,
                                        "display", in->name));
    json_array_append_new(codes,
                          json_pack("{s:s,s:s,s:s}", "system",
                                    FHIR_SYSTEM_INSTRUMENT, "code", in->code,
                                    "display", in->name));
    json_object_set_new(q, "code", codes);
    *out = q;
    return 0;
}

json_t *fhir_questionnaire_bundle(const struct catalog *cat,
                                  const char *base)
{
    json_t *entries = json_array();
    for (int i = 0; i < instrument_count(); i++) {
        const struct instrument *in = instrument_at(i);
        json_t *q;
        struct err ignored = ERR_INIT;
        if (fhir_questionnaire(cat, in->code, &q, &ignored) < 0)
            continue;
        char *full = xasprintf("%s/Questionnaire/%s",
                               base ? base : "urn:touchstone", in->code);
        json_array_append_new(entries,
                              json_pack("{s:s,s:o,s:{s:s}}", "fullUrl", full,
                                        "resource", q, "search", "mode",
                                        "match"));
        free(full);
    }
    return json_pack("{s:s,s:s,s:I,s:o}", "resourceType", "Bundle", "type",
                     "searchset", "total",
                     (json_int_t)json_array_size(entries), "entry", entries);
}
