/* Unit tests for core/json_read: allowed keys, kinds, missing members, the
 * path of what failed (in the reader and in struct err), the walk over an
 * array's objects, and paths cut to fit. The documents are literal JSON. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/json_read.h"

/* Each test's error and reader, reset by start(). */
static struct err e;
static struct json_reader r;

/* Resets e and r (r reporting into e) and parses the fixture text. */
static json_t *start(const char *text)
{
    json_error_t je;
    err_clear(&e);
    json_reader_init(&r, &e);
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    cr_assert_not_null(v, "fixture is not JSON: %s", je.text);
    return v;
}

static const char *const patient_keys[] = {"name", "identifier", "age",
                                           "weight", NULL};

Test(json_read, unknown_key_named_with_its_path)
{
    json_t *doc = start("{\"name\": \"Ann\", \"nickname\": \"A\"}");
    cr_assert_str_eq(json_unknown_key(doc, patient_keys), "nickname");
    cr_assert_eq(json_read_keys(&r, doc, "Patient", patient_keys), -1);
    cr_assert_eq(r.fault, JSON_FAULT_UNKNOWN);
    cr_assert_str_eq(r.key, "nickname");
    cr_assert_str_eq(r.path, "Patient.nickname");
    cr_assert_eq(r.parent_len, strlen("Patient"));
    cr_assert_eq(e.code, ERR_INPUT);
    cr_assert_str_eq(e.field, "Patient.nickname");
    cr_assert_str_eq(e.message, "unknown field");
    /* At the root the key alone is the path. */
    cr_assert_eq(json_read_keys(&r, doc, "", patient_keys), -1);
    cr_assert_str_eq(r.path, "nickname");
    json_decref(doc);
}

Test(json_read, allowed_keys_pass)
{
    json_t *doc = start("{\"name\": \"Ann\", \"age\": 40}");
    cr_assert_null(json_unknown_key(doc, patient_keys));
    cr_assert_eq(json_read_keys(&r, doc, "", patient_keys), 0);
    cr_assert_eq(r.fault, JSON_FAULT_NONE);
    cr_assert_eq(e.code, ERR_NONE);
    json_decref(doc);
}

Test(json_read, wrong_kind)
{
    json_t *doc = start("{\"name\": 7, \"age\": \"forty\", \"weight\": true,"
                        " \"identifier\": {}}");
    const char *text;
    long long n = -1;
    double d = -1;
    cr_assert_eq(json_read_text(&r, doc, "p", "name", 0, &text), -1);
    cr_assert_null(text);
    cr_assert_eq(r.fault, JSON_FAULT_TYPE);
    cr_assert_eq(r.want, JSON_KIND_TEXT);
    cr_assert_str_eq(e.field, "p.name");
    cr_assert_str_eq(e.message, "must be a string");
    cr_assert_eq(json_read_integer(&r, doc, "p", "age", 0, &n), -1);
    cr_assert_str_eq(e.message, "must be a whole number");
    cr_assert_eq(n, -1, "the output is left alone");
    cr_assert_eq(json_read_number(&r, doc, "p", "weight", 0, &d), -1);
    cr_assert_str_eq(e.message, "must be a number");
    cr_assert_eq(json_read_object(&r, json_object_get(doc, "name"), "p.name"),
                 -1);
    cr_assert_str_eq(e.message, "must be an object");
    cr_assert_eq(json_read_array(&r, json_object_get(doc, "identifier"),
                                 "p.identifier", 0),
                 -1);
    cr_assert_str_eq(e.message, "must be an array");
    cr_assert_str_eq(e.field, "p.identifier");
    json_decref(doc);
}

Test(json_read, empty_refused_when_nonempty)
{
    json_t *doc = start("{\"name\": \"\", \"identifier\": []}");
    const char *text;
    const json_t *v;
    cr_assert_eq(json_read_text(&r, doc, "p", "name", 0, &text), 1);
    cr_assert_str_eq(text, "");
    cr_assert_eq(json_read_text(&r, doc, "p", "name", JSON_NONEMPTY, &text),
                 -1);
    cr_assert(r.nonempty);
    cr_assert_str_eq(e.message, "must be a non-empty string");
    cr_assert_eq(json_read_member(&r, doc, "p", "identifier",
                                  JSON_KIND_ARRAY, JSON_NONEMPTY, &v),
                 -1);
    cr_assert_str_eq(e.message, "must be a non-empty array");
    json_decref(doc);
}

Test(json_read, missing_and_optional)
{
    json_t *doc = start("{\"name\": \"Ann\", \"age\": 40, \"weight\": 61.5}");
    const char *text = "unchanged";
    long long n = 0;
    double d = 0;
    cr_assert_eq(json_read_text(&r, doc, "p", "nickname", 0, &text), 0);
    cr_assert_null(text);
    cr_assert_eq(e.code, ERR_NONE);
    cr_assert_eq(json_read_text(&r, doc, "p", "nickname", JSON_REQUIRED,
                                &text),
                 -1);
    cr_assert_eq(r.fault, JSON_FAULT_MISSING);
    cr_assert_str_eq(r.key, "nickname");
    cr_assert_str_eq(r.path, "p.nickname");
    cr_assert_eq(r.parent_len, 1);
    cr_assert_str_eq(e.field, "p.nickname");
    cr_assert_str_eq(e.message, "missing");
    cr_assert_eq(json_read_integer(&r, doc, "p", "age", JSON_REQUIRED, &n),
                 1);
    cr_assert_eq(n, 40);
    cr_assert_eq(json_read_number(&r, doc, "p", "weight", JSON_REQUIRED, &d),
                 1);
    cr_assert_float_eq(d, 61.5, 1e-12);
    /* An integer is a number too. */
    cr_assert_eq(json_read_number(&r, doc, "p", "age", 0, &d), 1);
    cr_assert_float_eq(d, 40.0, 1e-12);
    json_decref(doc);
}

Test(json_read, null_is_not_absent)
{
    json_t *doc = start("{\"name\": null}");
    const char *text;
    cr_assert_eq(json_read_text(&r, doc, "", "name", 0, &text), -1);
    cr_assert_eq(r.fault, JSON_FAULT_TYPE);
    cr_assert_str_eq(e.field, "name");
    json_decref(doc);
}

Test(json_read, nested_path_text)
{
    json_t *doc = start("{\"identifier\": [{\"system\": \"a\", \"value\":"
                        " \"1\"}, {\"system\": \"b\"}, {\"system\": 3}]}");
    static const char *const keys[] = {"system", "value", NULL};
    struct json_each it;
    const char *system, *value;
    int rc = json_each_begin(&r, &it, doc, "Patient", "identifier",
                             JSON_REQUIRED);
    cr_assert_eq(rc, 0);
    cr_assert_eq(json_each_next(&r, &it, keys), 1);
    cr_assert_str_eq(it.path, "Patient.identifier[0]");
    cr_assert_eq(json_read_text(&r, it.item, it.path, "value", JSON_REQUIRED,
                                &value),
                 1);
    cr_assert_str_eq(value, "1");
    cr_assert_eq(json_each_next(&r, &it, keys), 1);
    cr_assert_eq(it.index, 1);
    cr_assert_eq(json_read_text(&r, it.item, it.path, "value", JSON_REQUIRED,
                                &value),
                 -1);
    cr_assert_str_eq(r.path, "Patient.identifier[1].value");
    cr_assert_eq(r.parent_len, strlen("Patient.identifier[1]"));
    cr_assert_eq(json_each_next(&r, &it, keys), 1);
    cr_assert_eq(json_read_text(&r, it.item, it.path, "system", 0, &system),
                 -1);
    cr_assert_str_eq(e.field, "Patient.identifier[2].system");
    cr_assert_str_eq(e.message, "must be a string");
    cr_assert_eq(json_each_next(&r, &it, keys), 0);
    cr_assert_null(it.item);
    json_decref(doc);
}

Test(json_read, walker_checks_each_element)
{
    json_t *doc = start("{\"a\": [{\"x\": 1}, 2], \"b\": [{\"x\": 1, \"y\":"
                        " 2}], \"c\": \"no\"}");
    static const char *const keys[] = {"x", NULL};
    struct json_each it;
    cr_assert_eq(json_each_begin(&r, &it, doc, "", "a", 0), 0);
    cr_assert_eq(json_each_next(&r, &it, keys), 1);
    cr_assert_eq(json_each_next(&r, &it, keys), -1);
    cr_assert_eq(r.fault, JSON_FAULT_TYPE);
    cr_assert_eq(r.want, JSON_KIND_OBJECT);
    cr_assert_str_eq(e.field, "a[1]");
    cr_assert_str_eq(e.message, "must be an object");

    cr_assert_eq(json_each_begin(&r, &it, doc, "", "b", 0), 0);
    cr_assert_eq(json_each_next(&r, &it, keys), -1);
    cr_assert_eq(r.fault, JSON_FAULT_UNKNOWN);
    cr_assert_str_eq(e.field, "b[0].y");
    /* NULL keys: any member goes. */
    json_each_array(&it, json_object_get(doc, "b"), "b");
    cr_assert_eq(json_each_next(&r, &it, NULL), 1);

    cr_assert_eq(json_each_begin(&r, &it, doc, "", "c", 0), -1);
    cr_assert_str_eq(e.message, "must be an array");
    /* An absent optional array walks nothing; a required one fails. */
    cr_assert_eq(json_each_begin(&r, &it, doc, "", "d", 0), 0);
    cr_assert_eq(json_each_next(&r, &it, keys), 0);
    cr_assert_eq(json_each_begin(&r, &it, doc, "", "d", JSON_REQUIRED), -1);
    cr_assert_eq(r.fault, JSON_FAULT_MISSING);
    cr_assert_str_eq(e.field, "d");
    /* Elements of any kind. */
    cr_assert_eq(json_each_begin(&r, &it, doc, "", "a", 0), 0);
    cr_assert_eq(json_each_element(&it), 1);
    cr_assert_eq(json_each_element(&it), 1);
    cr_assert(json_is_integer(it.item));
    cr_assert_str_eq(it.path, "a[1]");
    cr_assert_eq(json_each_element(&it), 0);
    json_decref(doc);
}

Test(json_read, path_builder)
{
    char out[JSON_PATH_MAX];
    cr_assert_eq(json_path(out, sizeof(out), "", "name"), 0);
    cr_assert_str_eq(out, "name");
    cr_assert_eq(json_path(out, sizeof(out), "Bundle", "entry[%d]", 2), 0);
    cr_assert_str_eq(out, "Bundle.entry[2]");
    cr_assert_eq(json_path(out, sizeof(out), "a.b", "[%zu]", (size_t)3), 0);
    cr_assert_str_eq(out, "a.b[3]");
}

Test(json_read, path_truncation)
{
    char small[8];
    cr_assert_eq(json_path(small, sizeof(small), "abc", "defgh"), -1);
    cr_assert_str_eq(small, "abc.def");
    cr_assert_eq(json_path(small, sizeof(small), "abc", "def"), 0);
    cr_assert_str_eq(small, "abc.def");

    /* A long member name: the reader's path is cut to JSON_PATH_MAX - 1,
     * the error's field to its own size. */
    char key[400];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    json_t *doc = start("{}");
    json_object_set_new(doc, key, json_true());
    cr_assert_eq(json_read_keys(&r, doc, "root", patient_keys), -1);
    cr_assert_eq(strlen(r.path), JSON_PATH_MAX - 1);
    cr_assert(!strncmp(r.path, "root.kkk", 8));
    cr_assert_eq(strlen(e.field), sizeof(e.field) - 1);
    cr_assert_str_eq(r.key, key, "the key itself is whole");
    json_decref(doc);
}

Test(json_read, kind_names)
{
    cr_assert_str_eq(json_kind_name(JSON_KIND_BOOLEAN), "true or false");
    cr_assert_str_eq(json_kind_name(JSON_KIND_INTEGER), "a whole number");
    json_t *one = json_integer(1);
    cr_assert(json_kind_fits(JSON_KIND_NUMBER, one));
    cr_assert(!json_kind_fits(JSON_KIND_TEXT, one));
    cr_assert(!json_kind_fits(JSON_KIND_OBJECT, NULL));
    json_decref(one);
}
