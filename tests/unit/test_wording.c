/*
 * The wording a patient reads: shipped only where Touchstone may ship it,
 * and the wording a clinic has licensed, read from its catalog folder
 * (DIR/wording/CODE.json) and checked like the rest of the catalog.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "test_helpers.h"

static char dir[64];

static void setup(void)
{
    test_dir_make(dir, sizeof(dir), "ts-wording", NULL, 0);
    char sub[96];
    snprintf(sub, sizeof(sub), "%s/wording", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
}

static void teardown(void)
{
    test_dir_remove(dir);
}

static void write_wording(const char *name, const char *text)
{
    char wording[128];
    snprintf(wording, sizeof(wording), "%s/wording", dir);
    test_write_file(wording, name, text);
}

/* A wording file of `items` items for `instrument`, with example text (not
 * any licensed questionnaire's). Returns a static buffer. */
static char *example_text(int items, const char *instrument)
{
    static char text[8192];
    int n = snprintf(text, sizeof(text),
                     "{\"instrument\": \"%s\",\n"
                     " \"licence\": \"EXAMPLE: licence no. 123 held by the "
                     "clinic\",\n \"source\": \"EXAMPLE wording\",\n"
                     " \"items\": [\n", instrument);
    for (int i = 0; i < items; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n,
                      "  {\"text\": \"EXAMPLE question %d\", \"low\": "
                      "\"EXAMPLE least\", \"high\": \"EXAMPLE most\"}%s\n",
                      i + 1, i + 1 < items ? "," : "");
    snprintf(text + n, sizeof(text) - (size_t)n, " ]}\n");
    return text;
}

static void expect_refused(const char *needle)
{
    struct catalog *c = NULL;
    struct err e = ERR_INIT;
    cr_assert_eq(catalog_load(dir, &c, &e), -1);
    cr_assert_null(c);
    cr_assert_eq(e.code, ERR_INPUT);
    cr_assert(strstr(e.message, needle), "message '%s' lacks '%s'",
              e.message, needle);
}

Test(wording, shipped_only_for_free_instruments)
{
    static const char *const free_codes[] = {"nprs", "psfs",
                                             "headache-days"};
    static const char *const licensed[] = {"odi",  "ndi",   "hit6", "fiqr",
                                           "psqi", "act",   "rpq",  "isi",
                                           "pss10", "pcss", "lefs"};
    for (size_t i = 0; i < sizeof(free_codes) / sizeof(*free_codes); i++) {
        const struct instrument_wording *w = catalog_wording(NULL,
                                                             free_codes[i]);
        const struct instrument *in = instrument_find(free_codes[i]);
        cr_assert_not_null(w, "%s", free_codes[i]);
        cr_assert_eq(w->item_count, in->item_count);
        cr_assert(strstr(w->licence, "GNU GPL"), "%s", free_codes[i]);
        for (int k = 0; k < w->item_count; k++)
            cr_assert(w->items[k].text && *w->items[k].text);
    }
    for (size_t i = 0; i < sizeof(licensed) / sizeof(*licensed); i++)
        cr_assert_null(catalog_wording(NULL, licensed[i]), "%s",
                       licensed[i]);
    cr_assert_null(catalog_wording(NULL, "no-such-instrument"));
}

Test(wording, catalog_without_wording_folder_keeps_shipped,
     .init = setup, .fini = teardown)
{
    struct catalog *c = NULL;
    struct err e = ERR_INIT;
    cr_assert_eq(catalog_load(dir, &c, &e), 0, "%s", e.message);
    cr_assert_null(catalog_wording(c, "odi"));
    cr_assert_eq(catalog_wording(c, "nprs"), catalog_wording(NULL, "nprs"));
    catalog_free(c);
}

Test(wording, clinic_adds_licensed_wording, .init = setup, .fini = teardown)
{
    write_wording("odi.json", example_text(10, "odi"));
    write_wording("nprs.json", example_text(1, "nprs"));
    struct catalog *c = NULL;
    struct err e = ERR_INIT;
    cr_assert_eq(catalog_load(dir, &c, &e), 0, "%s", e.message);
    const struct instrument_wording *w = catalog_wording(c, "odi");
    cr_assert_not_null(w);
    cr_assert_eq(w->item_count, 10);
    cr_assert_str_eq(w->items[9].text, "EXAMPLE question 10");
    cr_assert_str_eq(w->items[0].high, "EXAMPLE most");
    cr_assert_null(w->intro);
    cr_assert(strstr(w->licence, "licence no. 123"));
    /* The clinic's wording comes first, also over shipped wording. */
    cr_assert_str_eq(catalog_wording(c, "nprs")->items[0].text,
                     "EXAMPLE question 1");
    cr_assert_null(catalog_wording(c, "ndi"));
    /* Without the catalog: the shipped wording only. */
    cr_assert_null(catalog_wording(NULL, "odi"));
    catalog_free(c);
}

Test(wording, wrong_item_count_names_file_and_position, .init = setup,
     .fini = teardown)
{
    write_wording("odi.json", example_text(9, "odi"));
    char want[256];
    snprintf(want, sizeof(want), "%s/wording/odi.json:4:11: items: odi has "
             "10 items: the wording gives 9", dir);
    expect_refused(want);
}

Test(wording, malformed_json_names_the_path, .init = setup, .fini = teardown)
{
    write_wording("odi.json", "{\"instrument\": \"odi\",\n \"items\": [,]}");
    char want[256];
    snprintf(want, sizeof(want), "%s/wording/odi.json:2:", dir);
    expect_refused(want);
    expect_refused("syntax");
}

Test(wording, unknown_member_blank_text_and_mismatched_name, .init = setup,
     .fini = teardown)
{
    char buf[8300];
    snprintf(buf, sizeof(buf), "{\"answers\": 1,%s",
             example_text(10, "odi") + 1);
    write_wording("odi.json", buf);
    expect_refused("wording/odi.json:1:13: answers: unknown field");

    write_wording("odi.json", example_text(10, "ndi"));
    expect_refused("'ndi' is not the instrument the file is named after");

    write_wording("odi.json", example_text(10, "odi"));
    write_wording("zzz.json", example_text(1, "zzz"));
    expect_refused("zzz.json:1:16: instrument: 'zzz' is not an instrument");
    snprintf(buf, sizeof(buf), "%s/wording/zzz.json", dir);
    cr_assert_eq(remove(buf), 0);

    snprintf(buf, sizeof(buf), "%s", example_text(10, "odi"));
    char *q = strstr(buf, "EXAMPLE question 3");
    memset(q, ' ', strlen("EXAMPLE question 3"));
    write_wording("odi.json", buf);
    expect_refused("items[2].text: must not be blank");
}
