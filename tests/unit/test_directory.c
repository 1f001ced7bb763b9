/*
 * Unit tests for registry/directory.h: the search's parameters and the
 * JSON and FHIR forms of an answer (the search itself and the listing run
 * on a real PostgreSQL in tests/e2e/t1050-registry-directory.sh).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "registry/directory.h"

Test(directory, query_values_accepted)
{
    struct directory_query q;
    memset(&q, 0, sizeof(q));
    struct err e = ERR_INIT;
    cr_assert_eq(directory_query_set(&q, "protocol", "low-back-pain", "p", &e), 0);
    cr_assert_eq(directory_query_set(&q, "state", "or", "s", &e), 0);
    cr_assert_eq(directory_query_set(&q, "zip3", "972", "z", &e), 0);
    cr_assert_str_eq(q.protocol, "low-back-pain");
    cr_assert_str_eq(q.state, "OR", "a state is stored upper-case");
    cr_assert_str_eq(q.zip3, "972");
    /* "" leaves a parameter unasked. */
    cr_assert_eq(directory_query_set(&q, "state", "", "s", &e), 0);
    cr_assert_str_eq(q.state, "");
}

Test(directory, query_values_refused_naming_the_field)
{
    const struct {
        const char *which, *value;
    } cases[] = {
        {"protocol", "Low Back"}, {"protocol", "low_back"},
        {"protocol", "x'; DROP TABLE registry_listing; --"},
        {"state", "Oregon"}, {"state", "O"}, {"state", "O1"},
        {"zip3", "97"}, {"zip3", "9721"}, {"zip3", "97a"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct directory_query q;
        memset(&q, 0, sizeof(q));
        struct err e = ERR_INIT;
        cr_assert_eq(directory_query_set(&q, cases[i].which, cases[i].value,
                                         "field-x", &e), -1,
                     "%s=%s accepted", cases[i].which, cases[i].value);
        cr_assert_eq(e.code, ERR_INPUT);
        cr_assert_str_eq(e.field, "field-x");
        cr_assert(e.message[0], "a message for %s", cases[i].value);
    }
    struct directory_query q;
    memset(&q, 0, sizeof(q));
    struct err e = ERR_INIT;
    char longer[DIRECTORY_PROTOCOL_MAX + 2];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    cr_assert_eq(directory_query_set(&q, "protocol", longer, "p", &e), -1);
}

static struct directory_list two_entries(void)
{
    struct directory_list l;
    memset(&l, 0, sizeof(l));
    ALLOC_GROW(l.items, 2, l.alloc);
    l.count = 2;
    memset(l.items, 0, 2 * sizeof(*l.items));
    struct directory_entry *a = &l.items[0], *b = &l.items[1];
    a->certificate = 7;
    a->leaf_index = 3;
    snprintf(a->name, sizeof(a->name), "Synthetic A \"Quote\" <b>, LMT");
    snprintf(a->clinic, sizeof(a->clinic), "Synthetic Clinic");
    snprintf(a->state, sizeof(a->state), "OR");
    snprintf(a->zip3, sizeof(a->zip3), "972");
    snprintf(a->protocol, sizeof(a->protocol), "low-back-pain");
    snprintf(a->instrument, sizeof(a->instrument), "nprs");
    snprintf(a->designation, sizeof(a->designation), "reproducible");
    snprintf(a->issued_at, sizeof(a->issued_at), "2026-01-01T00:00:00Z");
    snprintf(a->expires_at, sizeof(a->expires_at), "2027-01-01T00:00:00Z");
    *b = *a;
    b->certificate = 9;
    b->leaf_index = 4;
    b->zip3[0] = '\0';
    return l;
}

Test(directory, json_form)
{
    struct directory_list l = two_entries();
    struct directory_query q;
    memset(&q, 0, sizeof(q));
    snprintf(q.state, sizeof(q.state), "OR");
    json_t *doc = directory_to_json(&l, &q, "http://registry.example");
    cr_assert_eq(json_integer_value(json_object_get(doc, "count")), 2);
    const json_t *query = json_object_get(doc, "query");
    cr_assert(json_is_null(json_object_get(query, "protocol")));
    cr_assert_str_eq(json_string_value(json_object_get(query, "state")), "OR");
    const json_t *t = json_array_get(json_object_get(doc, "therapists"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(t, "name")),
                     "Synthetic A \"Quote\" <b>, LMT");
    const json_t *cert = json_object_get(t, "certificate");
    cr_assert_eq(json_integer_value(json_object_get(cert, "id")), 7);
    cr_assert_eq(json_integer_value(json_object_get(cert, "leaf_index")), 3);
    cr_assert_str_eq(json_string_value(json_object_get(cert, "url")),
                     "http://registry.example/directory/certificate/7.json");
    const json_t *second = json_array_get(json_object_get(doc, "therapists"), 1);
    cr_assert(json_is_null(json_object_get(second, "zip3")),
              "an unknown ZIP is null");
    json_decref(doc);
    directory_list_release(&l);
    cr_assert_null(l.items);
}

Test(directory, fhir_form)
{
    struct directory_list l = two_entries();
    json_t *doc = directory_to_fhir(&l, "http://registry.example",
                                    "http://registry.example/fhir/r4/"
                                    "PractitionerRole?specialty=x");
    cr_assert_str_eq(json_string_value(json_object_get(doc, "type")),
                     "searchset");
    cr_assert_eq(json_integer_value(json_object_get(doc, "total")), 2);
    const json_t *entry = json_array_get(json_object_get(doc, "entry"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(entry, "fullUrl")),
                     "http://registry.example/fhir/r4/PractitionerRole/"
                     "cert-7");
    const json_t *role = json_object_get(entry, "resource");
    cr_assert_str_eq(json_string_value(json_object_get(role, "resourceType")),
                     "PractitionerRole");
    const json_t *loc = json_array_get(json_object_get(role, "contained"), 0);
    const json_t *address = json_object_get(loc, "address");
    cr_assert_str_eq(json_string_value(json_object_get(address, "state")),
                     "OR");
    cr_assert_str_eq(json_string_value(json_object_get(address, "postalCode")),
                     "972");
    const json_t *second = json_object_get(
        json_array_get(json_object_get(doc, "entry"), 1), "resource");
    const json_t *address2 = json_object_get(
        json_array_get(json_object_get(second, "contained"), 0), "address");
    cr_assert_null(json_object_get(address2, "postalCode"),
                   "no postal code when the ZIP is unknown");
    json_decref(doc);
    directory_list_release(&l);
}
