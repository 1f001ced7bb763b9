/* The clinic's reader of the pulled national document (outcomes/national.h). */
#include "outcomes/national.h"
#include "outcomes/group.h"
#include "outcomes/signing.h"
#include "record/clinic_key.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *national_load(struct store *s, char pulled_at[CLOCK_INSTANT_LEN],
                      struct err *e)
{
    struct stmt *st =
        store_prepare(s, "SELECT n.document, n.signature, n.pulled_at,"
                         " l.registry_public_key FROM registry_national n"
                         " JOIN registry_link l ON l.id = 1 WHERE n.id = 1");
    json_t *doc = NULL;
    if (stmt_step(st, e) == 1) {
        const char *text = stmt_text(st, 0);
        unsigned char pk[SIGNING_PUBLIC_BYTES], sig[SIGNING_SIGNATURE_BYTES];
        if (clinic_key_base64_decode(stmt_text(st, 3), pk, sizeof(pk),
                                     "registry_public_key", e) < 0 ||
            clinic_key_base64_decode(stmt_text(st, 1), sig, sizeof(sig),
                                     "signature", e) < 0) {
            /* e filled */
        } else if (!signing_verify(text, strlen(text), sig, pk)) {
            err_set(e, ERR_REFUSED, "signature",
                    "the pulled national document does not verify with the "
                    "registry key pinned at enrolment");
        } else if (!(doc = json_loads(text, 0, NULL))) {
            err_set(e, ERR_FAIL, "document",
                    "the pulled national document is not JSON");
        } else if (pulled_at) {
            snprintf(pulled_at, CLOCK_INSTANT_LEN, "%s", stmt_text(st, 2));
        }
    }
    stmt_finalize(st);
    return doc;
}

static json_t *alone(const char *why)
{
    char sentence[512];
    snprintf(sentence, sizeof(sentence),
             "Compared against this clinic alone: %s.", why);
    return json_pack("{sssss[]}", "source", "clinic", "sentence", sentence,
                     "groups");
}

json_t *national_compare(struct store *s, const json_t *cells,
                         const json_t *clinic)
{
    struct err e = ERR_INIT;
    char pulled_at[CLOCK_INSTANT_LEN] = "";
    json_t *doc = national_load(s, pulled_at, &e);
    if (!doc)
        return alone(e.code ? "the pulled national document no longer "
                              "verifies with the registry's key"
                            : "no national registry document has been "
                              "pulled (touchstone registry pull)");
    const json_t *scope = json_object_get(doc, "registry");
    json_int_t clinics = json_integer_value(json_object_get(scope, "clinics"));
    json_int_t practitioners =
        json_integer_value(json_object_get(scope, "practitioners"));
    char sentence[160];
    snprintf(sentence, sizeof(sentence),
             "against %lld therapists in %lld clinics",
             (long long)practitioners, (long long)clinics);
    const json_t *models = json_object_get(doc, "models");
    const json_t *national_cells = json_object_get(doc, "cells");
    json_t *groups = json_array();
    size_t i;
    const json_t *c;
    json_array_foreach(cells, i, c)
    {
        const char *protocol =
            json_string_value(json_object_get(c, "protocol"));
        const char *instrument =
            json_string_value(json_object_get(c, "instrument"));
        if (!protocol || !instrument)
            continue;
        const json_t *mine = group_find(clinic, protocol, instrument);
        const json_t *nation = group_find(models, protocol, instrument);
        const json_t *oe = json_object_get(c, "observed_minus_expected");
        long ranked;
        json_t *pct =
            group_percentile(national_cells, protocol, instrument, oe,
                             &ranked);
        json_array_append_new(
            groups,
            json_pack(
                "{sssssosososososbsIsoso}", "protocol", protocol, "instrument",
                instrument, "clinic_n_complete",
                group_member(mine, "n_complete"), "clinic_mean_improvement",
                group_member(mine, "mean_improvement"), "national_n_complete",
                group_member(nation, "n_complete"), "national_mean_improvement",
                group_member(nation, "mean_improvement"),
                "national_sd_improvement",
                group_member(nation, "sd_improvement"), "national_withheld",
                !nation || json_is_true(json_object_get(nation, "suppressed")),
                "national_cells", (json_int_t)ranked, "observed_minus_expected",
                json_is_number(oe) ? json_incref((json_t *)oe) : json_null(),
                "percentile", pct));
    }
    json_t *out =
        json_pack("{sssssIsIsoso}", "source", "registry", "sentence", sentence,
                  "clinics", clinics, "practitioners", practitioners,
                  "summaries", group_member(scope, "summaries"), "min_cell",
                  group_member(scope, "min_cell"));
    json_object_set_new(out, "pulled_at", json_string(pulled_at));
    json_object_set_new(out, "groups", groups);
    json_decref(doc);
    return out;
}
