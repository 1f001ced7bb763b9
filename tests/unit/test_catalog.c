/*
 * Unit tests for catalog/: the shipped catalog is valid and follows the
 * seed's rules; a clinic directory extends and overrides it; broken files
 * are refused with FILE:LINE:COLUMN: PATH: problem. Expected positions are
 * computed by the test itself from the fixture text (expect_position), or
 * by hand where jansson reports them (shown in the comment).
 */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/util.h"
#include "catalog/instrument.h"
#include "catalog/jsonpos.h"
#include "unit/test_helpers.h"

/* --- fixtures ------------------------------------------------------------ */

static char dir[64];

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/ts-catalog-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char sub[128];
    snprintf(sub, sizeof(sub), "%s/protocols", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
}

static void remove_dir(void)
{
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(catalog_files, .init = make_dir, .fini = remove_dir);

static void write_file(const char *name, const char *text)
{
    test_write_file(dir, name, text);
}

static const char *const GOOD_PHASES =
    "        {\"name\": \"introductory\", \"kind\": \"introductory\",\n"
    "         \"techniques\": [\"stroking\"], \"min_share\": 0.1, "
    "\"max_share\": 0.2},\n"
    "        {\"name\": \"kneading\", \"kind\": \"kneading\",\n"
    "         \"techniques\": [\"petrissage\"], \"min_share\": 0.5, "
    "\"max_share\": 0.7},\n"
    "        {\"name\": \"circulatory\", \"kind\": \"circulatory\",\n"
    "         \"techniques\": [\"circulatory strokes\"], \"min_share\": 0.1, "
    "\"max_share\": 0.3,\n"
    "         \"direction\": \"toward the heart\"}\n";

static const char *const GOOD_MINUTES =
    "{\"min\": 20, \"max\": 40, \"default\": 30}";

/* A catalog file of one synthetic protocol (malloc'ed). */
static char *protocol_file(const char *id, const char *hours,
                           const char *phases, const char *minutes,
                           const char *primary)
{
    char *text;
    int n = asprintf(
        &text,
        "{\n"
        "  \"about\": \"synthetic test data\",\n"
        "  \"protocols\": [\n"
        "    {\n"
        "      \"id\": \"%s\",\n"
        "      \"name\": \"Synthetic test protocol\",\n"
        "      \"group\": \"neck-upper-back\",\n"
        "      \"region\": \"neck\",\n"
        "      \"indications\": [\"M54.2\"],\n"
        "      \"red_flags\": [{\"id\": \"fever\", \"question\": \"Fever?\"}],\n"
        "      \"training_hours\": %s,\n"
        "      \"phases\": [\n"
        "%s"
        "      ],\n"
        "      \"minutes\": %s,\n"
        "      \"course\": {\"sessions\": 6, \"per_week\": 2},\n"
        "      \"outcomes\": {\"primary\": [%s], \"secondary\": []},\n"
        "      \"follow_up\": [\"24h\", \"4w\"]\n"
        "    }\n"
        "  ]\n"
        "}\n",
        id, hours, phases, minutes, primary);
    cr_assert(n > 0);
    return text;
}

/* protocol_file of a good protocol id (16 hours, the good phases and
 * minutes, NDI primary) with its first from replaced by to, of the same
 * length (none when from is NULL). Malloc'ed. */
static char *good_protocol(const char *id, const char *from, const char *to)
{
    char *text = protocol_file(id, "16", GOOD_PHASES, GOOD_MINUTES,
                               "\"ndi\"");
    if (from) {
        char *at = strstr(text, from);
        cr_assert(at && strlen(from) == strlen(to), "no '%s'", from);
        memcpy(at, to, strlen(to));
    }
    return text;
}

/* "LINE:COLUMN" of the character `skip` bytes after the start of `needle`
 * in text, counted independently of jsonpos. */
static void expect_position_at(const char *text, const char *needle,
                               size_t skip, char *out, size_t size)
{
    const char *hit = strstr(text, needle);
    cr_assert_not_null(hit, "fixture lacks '%s'", needle);
    hit += skip;
    int line = 1;
    const char *line_start = text;
    for (const char *p = text; p < hit; p++)
        if (*p == '\n') {
            line++;
            line_start = p + 1;
        }
    snprintf(out, size, "%d:%d", line, (int)(hit - line_start) + 1);
}

/* The same, of the first character after `needle` (or of needle itself
 * when at_end is 0). */
static void expect_position(const char *text, const char *needle, int at_end,
                            char *out, size_t size)
{
    expect_position_at(text, needle, at_end ? strlen(needle) : 0, out, size);
}

/* Loads dir, expects a refusal whose message begins with
 * "<dir>/<file>:<position>: <path>: " and contains `problem`. */
static void expect_refused(const char *file, const char *position,
                           const char *path, const char *problem)
{
    struct catalog *cat = NULL;
    struct err e = ERR_INIT;
    cr_assert_eq(catalog_load(dir, &cat, &e), -1, "the load should fail");
    cr_assert_null(cat);
    cr_assert_eq(e.code, ERR_INPUT);
    char prefix[512];
    snprintf(prefix, sizeof(prefix), "%s/%s:%s: %s: ", dir, file, position,
             path);
    cr_assert(!strncmp(e.message, prefix, strlen(prefix)),
              "expected '%s...', got '%s'", prefix, e.message);
    cr_assert(strstr(e.message, problem), "expected '%s' in '%s'", problem,
              e.message);
}

/* Writes text as file in dir, frees text, and expects the load refused at
 * the position of needle in text (after it when at_end), naming path and
 * problem. */
static void expect_text_refused(char *text, const char *file,
                                const char *needle, int at_end,
                                const char *path, const char *problem)
{
    write_file(file, text);
    char pos[32];
    expect_position(text, needle, at_end, pos, sizeof(pos));
    expect_refused(file, pos, path, problem);
    free(text);
}

/* An empty catalog folder again (with its protocols/ subfolder). */
static void empty_dir(void)
{
    remove_dir();
    make_dir();
}

static struct catalog *load_shipped(void)
{
    struct catalog *cat = NULL;
    struct err e = ERR_INIT;
    cr_assert_eq(catalog_load(NULL, &cat, &e), 0, "%s", e.message);
    return cat;
}

/* --- the shipped catalog -------------------------------------------------- */

Test(catalog, shipped_catalog_is_valid_and_large)
{
    struct catalog *cat = load_shipped();
    cr_assert_geq(catalog_protocol_count(cat), 65);
    static const char *const groups[] = {
        "neck-upper-back", "lower-back",      "myofascial",
        "joints",          "sprain-strain",   "pregnancy",
        "postpartum",      "fibromyalgia",    "stress-management",
        "tension-headache", "tmj",            "migraine",
        "sleep",           "post-concussion", "bronchial-asthma",
        "immune-support",  "hypertension",    "circulation",
        "sports"};
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        cr_assert_not_null(catalog_group_find(cat, groups[i]), "%s",
                           groups[i]);
        cr_assert_geq(catalog_group_protocol_count(cat, groups[i]), 1, "%s",
                      groups[i]);
    }
    static const char *const ids[] = {
        "stress-management-full-body", "tension-headache", "migraine",
        "low-back-pain", "sciatica", "piriformis-syndrome",
        "thoracic-outlet-syndrome", "tmj-disorder", "fibromyalgia",
        "post-concussion", "bronchial-asthma", "hypertension",
        "contralateral-circulation", "pregnancy",
        "postpartum-rehabilitation", "sleep-disorders", "sports-pre-event",
        "sports-post-event"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        cr_assert_not_null(catalog_find(cat, ids[i]), "%s missing", ids[i]);
    /* lumbalgia is covered by name */
    int lumbalgia = 0;
    for (int i = 0; i < catalog_protocol_count(cat); i++)
        if (strstr(catalog_protocol_at(cat, i)->id, "lumbalgia"))
            lumbalgia = 1;
    cr_assert(lumbalgia);
    cr_assert_null(catalog_find(cat, "no-such-protocol"));
    catalog_free(cat);
}

Test(catalog, shipped_protocols_follow_the_seed)
{
    struct catalog *cat = load_shipped();
    int baseline = catalog_baseline_hours(cat);
    cr_assert(baseline >= 120 && baseline <= 200, "baseline %d", baseline);
    int last_group = -1;
    for (int i = 0; i < catalog_protocol_count(cat); i++) {
        const struct protocol *p = catalog_protocol_at(cat, i);
        /* listed by group order */
        int g = -1;
        for (int k = 0; k < catalog_group_count(cat); k++)
            if (!strcmp(catalog_group_at(cat, k)->id, p->group))
                g = k;
        cr_assert_geq(g, last_group, "%s out of group order", p->id);
        last_group = g;
        /* introductory first, and only first */
        cr_assert_eq(p->phases[0].kind, PHASE_INTRODUCTORY, "%s", p->id);
        int kneading = 0;
        for (int k = 0; k < p->phase_count; k++) {
            const struct protocol_phase *ph = &p->phases[k];
            if (k > 0)
                cr_assert_neq(ph->kind, PHASE_INTRODUCTORY, "%s", p->id);
            if (ph->kind == PHASE_KNEADING)
                kneading += ph->min_permille;
            for (int t = 0; t < ph->technique_count; t++)
                if (!strcmp(ph->techniques[t], "circulatory strokes"))
                    cr_assert_str_eq(ph->direction, "toward the heart",
                                     "%s", p->id);
            if (ph->kind == PHASE_CIRCULATORY)
                cr_assert_str_eq(ph->direction, "toward the heart");
        }
        cr_assert_geq(kneading, 500, "%s kneading %d", p->id, kneading);
        /* training */
        if (!strcmp(p->id, "stress-management-full-body")) {
            cr_assert_not(protocol_requires_baseline(p));
            cr_assert_eq(catalog_total_hours(cat, p), p->training_hours);
        } else {
            cr_assert(protocol_requires_baseline(p));
            cr_assert_geq(protocol_required_hours(p), 1);
            cr_assert_eq(catalog_total_hours(cat, p),
                         p->training_hours + baseline);
        }
        /* session, course, outcomes, follow-ups, indications, red flags */
        cr_assert(p->minutes_min <= p->minutes_default &&
                  p->minutes_default <= p->minutes_max);
        cr_assert_geq(p->course_sessions, 1);
        cr_assert_geq(p->primary_count, 1);
        for (int k = 0; k < p->primary_count; k++)
            cr_assert_not_null(instrument_find(p->primary[k]));
        for (int k = 0; k < p->secondary_count; k++)
            cr_assert_not_null(instrument_find(p->secondary[k]));
        cr_assert_geq(p->follow_up_count, 1);
        for (int k = 1; k < p->follow_up_count; k++)
            cr_assert_gt(p->follow_ups[k].hours, p->follow_ups[k - 1].hours);
        cr_assert_geq(p->indication_count, 1);
        for (int k = 0; k < p->indication_count; k++)
            cr_assert_str_eq(catalog_code_title(cat, p->indications[k].code),
                             p->indications[k].title);
        cr_assert_geq(p->red_flag_count, 1);
        for (int k = 0; k < p->red_flag_count; k++)
            cr_assert_eq(protocol_red_flag_find(p, p->red_flags[k].id),
                         &p->red_flags[k]);
        cr_assert_not(p->from_clinic);
    }
    const struct protocol *c = catalog_find(cat, "contralateral-circulation");
    cr_assert(c->minutes_min >= 15 && c->minutes_max <= 25);
    const struct protocol *base = catalog_find(cat, CATALOG_BASELINE_ID);
    cr_assert_eq(base->training_hours, 120);
    /* tension-headache: 24 own + 120 baseline */
    const struct protocol *th = catalog_find(cat, "tension-headache");
    cr_assert_eq(catalog_total_hours(cat, th), th->training_hours + 120);
    cr_assert_eq(protocol_instrument_role(th, "hit6"), 1);
    cr_assert_eq(protocol_instrument_role(th, "nprs"), 2);
    cr_assert_eq(protocol_instrument_role(th, "act"), 0);
    cr_assert_not_null(protocol_phase_find(th, "KNEADING"));
    cr_assert_null(protocol_phase_find(th, "tapping"));
    catalog_free(cat);
}

Test(catalog, icd10_titles_and_delays)
{
    struct catalog *cat = load_shipped();
    cr_assert_str_eq(catalog_code_title(cat, "M79.7"), "Fibromyalgia");
    cr_assert_str_eq(catalog_code_title(cat, "I10"),
                     "Essential (primary) hypertension");
    cr_assert_null(catalog_code_title(cat, "M54.5")); /* deleted 2021 */
    catalog_free(cat);
    cr_assert_eq(catalog_parse_delay("2h"), 2);
    cr_assert_eq(catalog_parse_delay("24h"), 24);
    cr_assert_eq(catalog_parse_delay("3d"), 72);
    cr_assert_eq(catalog_parse_delay("4w"), 672);
    cr_assert_eq(catalog_parse_delay("3m"), 2160);
    cr_assert_eq(catalog_parse_delay("0h"), -1);
    cr_assert_eq(catalog_parse_delay("2"), -1);
    cr_assert_eq(catalog_parse_delay("2y"), -1);
    cr_assert_eq(catalog_parse_delay("2hh"), -1);
    cr_assert_eq(catalog_parse_delay("100m"), -1); /* over 5 years */
    cr_assert_eq(catalog_parse_delay(NULL), -1);
    cr_assert_eq(phase_kind_parse("kneading"), PHASE_KNEADING);
    cr_assert_eq(phase_kind_parse("nap"), -1);
    cr_assert_str_eq(phase_kind_name(PHASE_CIRCULATORY), "circulatory");
}

Test(catalog, jsonpos_finds_values)
{
    const char *t = "{\n  \"a\": [1, {\"b\": \"x,]\"}, 3],\n  \"c\": {\"d\": true}\n}";
    /* Each path: the segments matched, and where its value starts (line
     * 0: where not checked). */
    static const struct {
        const char *path;
        int matched, line, col;
    } want[] = {
        {"a[1].b", 3, 2, 18},
        {"a[2]", 2, 2, 26},
        {"c.d", 2, 3, 14},
        /* missing: the nearest ancestor */
        {"c.zz", 1, 3, 8},
        {"a[9]", 1, 0, 0},
        {"", 0, 1, 1},
    };
    int line, col;
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        cr_assert_eq(jsonpos_locate(t, strlen(t), want[i].path, &line, &col),
                     want[i].matched, "path \"%s\"", want[i].path);
        if (want[i].line) {
            cr_assert_eq(line, want[i].line, "line of \"%s\"", want[i].path);
            cr_assert_eq(col, want[i].col, "column of \"%s\"", want[i].path);
        }
    }
    /* columns count characters, not bytes */
    const char *u = "{\"é\": 1, \"k\": 2}";
    cr_assert_eq(jsonpos_locate(u, strlen(u), "k", &line, &col), 1);
    cr_assert_eq(col, 15);
}

/* --- a clinic's directory ------------------------------------------------ */

Test(catalog_files, clinic_adds_and_replaces)
{
    char *added = good_protocol("synthetic-neck-routine", NULL, NULL);
    write_file("protocols/added.json", added);
    char *replaced = protocol_file("neck-pain", "30", GOOD_PHASES,
                                   GOOD_MINUTES, "\"ndi\", \"nprs\"");
    write_file("protocols/replaced.json", replaced);
    write_file("extra.json",
               "{\"groups\": [{\"id\": \"synthetic-group\", \"name\": "
               "\"Synthetic\"}],\n \"codes\": [{\"code\": \"M54.9\", "
               "\"title\": \"Dorsalgia, unspecified\"}]}\n");
    free(added);
    free(replaced);
    struct catalog *shipped = load_shipped();
    struct catalog *cat = NULL;
    struct err e = ERR_INIT;
    cr_assert_eq(catalog_load(dir, &cat, &e), 0, "%s", e.message);
    cr_assert_eq(catalog_protocol_count(cat),
                 catalog_protocol_count(shipped) + 1);
    const struct protocol *p = catalog_find(cat, "neck-pain");
    cr_assert_eq(p->training_hours, 30);
    cr_assert(p->replaces && p->from_clinic);
    cr_assert(strstr(p->file, "replaced.json"));
    p = catalog_find(cat, "synthetic-neck-routine");
    cr_assert_not_null(p);
    cr_assert(p->from_clinic && !p->replaces);
    cr_assert_str_eq(p->indications[0].title, "Cervicalgia");
    int files, n_added, n_replaced;
    catalog_clinic_summary(cat, &files, &n_added, &n_replaced);
    cr_assert_eq(files, 3);
    cr_assert_eq(n_added, 1);
    cr_assert_eq(n_replaced, 1);
    cr_assert_not_null(catalog_group_find(cat, "synthetic-group"));
    cr_assert_str_eq(catalog_code_title(cat, "M54.9"),
                     "Dorsalgia, unspecified");
    catalog_free(cat);
    catalog_free(shipped);
}

Test(catalog_files, empty_directory_is_fine_missing_one_is_not)
{
    struct catalog *cat = NULL;
    struct err e = ERR_INIT;
    cr_assert_eq(catalog_load(dir, &cat, &e), 0, "%s", e.message);
    catalog_free(cat);
    cr_assert_eq(catalog_load("/nonexistent/catalog", &cat, &e), -1);
    cr_assert_eq(e.code, ERR_INPUT);
    cr_assert_str_eq(e.field, "catalog");
    cr_assert(strstr(e.message, "cannot open directory"), "%s", e.message);
}

Test(catalog_files, syntax_error)
{
    write_file("protocols/bad.json",
               "{\n  \"protocols\": [\n    {\"id\": \"x\",, }\n  ]\n}\n");
    /* jansson points at the second ',' of line 3: four spaces and
     * {"id": "x", are 15 characters, so column 16. */
    expect_refused("protocols/bad.json", "3:16", "syntax", "expected");
}

Test(catalog_files, kneading_share_under_half)
{
    char *text = good_protocol("synthetic-weak-kneading",
                               "0.5, \"max_share\": 0.7",
                               "0.4, \"max_share\": 0.7");
    write_file("protocols/kneading.json", text);
    char pos[32];
    /* the value, not the key: 13 characters after the key's quote */
    expect_position_at(text, "\"min_share\": 0.4", 13, pos, sizeof(pos));
    expect_refused("protocols/kneading.json", pos,
                   "protocols[0].phases[1].min_share",
                   "kneading must take at least half");
    free(text);
}

Test(catalog_files, introductory_not_first)
{
    const char *phases =
        "        {\"name\": \"kneading\", \"kind\": \"kneading\",\n"
        "         \"techniques\": [\"petrissage\"], \"min_share\": 0.5, "
        "\"max_share\": 0.7},\n"
        "        {\"name\": \"introductory\", \"kind\": \"introductory\",\n"
        "         \"techniques\": [\"stroking\"], \"min_share\": 0.1, "
        "\"max_share\": 0.2},\n"
        "        {\"name\": \"circulatory\", \"kind\": \"circulatory\",\n"
        "         \"techniques\": [\"circulatory strokes\"], \"min_share\": "
        "0.1, \"max_share\": 0.3,\n"
        "         \"direction\": \"toward the heart\"}\n";
    char *text = protocol_file("synthetic-wrong-order", "16", phases,
                               GOOD_MINUTES, "\"ndi\"");
    expect_text_refused(text, "protocols/order.json", "\"kind\": ", 1,
                        "protocols[0].phases[0].kind",
                        "the first phase must be introductory");
}

Test(catalog_files, circulatory_strokes_away_from_the_heart)
{
    char *text = good_protocol("synthetic-away", "toward the heart",
                               "away   the heart");
    expect_text_refused(text, "protocols/away.json", "\"direction\": ", 1,
                        "protocols[0].phases[2].direction",
                        "circulatory strokes run toward the heart");
}

Test(catalog_files, contralateral_forty_minutes)
{
    char *text = protocol_file("contralateral-circulation", "8", GOOD_PHASES,
                               "{\"min\": 15, \"max\": 40, \"default\": 20}",
                               "\"pvr\"");
    expect_text_refused(text, "protocols/contra.json", "\"max\": ", 1,
                        "protocols[0].minutes.max",
                        "lasts 15-25 minutes; a maximum of 40 is outside");
}

Test(catalog_files, full_body_one_hundred_hours)
{
    char *text = protocol_file("stress-management-full-body", "100",
                               GOOD_PHASES, GOOD_MINUTES, "\"pss10\"");
    expect_text_refused(text, "protocols/fullbody.json",
                        "\"training_hours\": ", 1,
                        "protocols[0].training_hours",
                        "needs 120-200 hours of training; 100 is outside");
}

Test(catalog_files, unknown_instrument)
{
    char *text = protocol_file("synthetic-unknown-instrument", "16",
                               GOOD_PHASES, GOOD_MINUTES, "\"vas-pain\"");
    expect_text_refused(text, "protocols/instrument.json", "\"vas-pain\"", 0,
                        "protocols[0].outcomes.primary[0]",
                        "unknown instrument 'vas-pain'");
}

Test(catalog_files, duplicate_id_across_files)
{
    char *one = good_protocol("synthetic-twice", NULL, NULL);
    write_file("protocols/a.json", one);
    write_file("protocols/b.json", one);
    char pos[32], first[128];
    expect_position(one, "\"id\": ", 1, pos, sizeof(pos));
    snprintf(first, sizeof(first), "also at %s/protocols/a.json:%s", dir,
             pos);
    expect_refused("protocols/b.json", pos, "protocols[0].id",
                   "duplicate protocol id 'synthetic-twice'");
    struct catalog *cat;
    struct err e = ERR_INIT;
    catalog_load(dir, &cat, &e);
    cr_assert(strstr(e.message, first), "expected '%s' in '%s'", first,
              e.message);
    free(one);
}

Test(catalog_files, duplicate_key_is_a_syntax_error)
{
    write_file("protocols/dup.json",
               "{\"protocols\": [], \"protocols\": []}\n");
    /* jansson points at the end of the second key: '{' is column 1, the
     * first "protocols" 2-12, ": [], " 13-18, the second key 19-29. */
    expect_refused("protocols/dup.json", "1:29", "syntax", "duplicate");
}

Test(catalog_files, unknown_and_missing_fields)
{
    char *text = good_protocol("synthetic-typo", "\"region\"", "\"regoin\"");
    expect_text_refused(text, "protocols/typo.json", "\"regoin\": ", 1,
                        "protocols[0].regoin", "unknown field");
    empty_dir();
    /* A missing field points at its object. */
    text = good_protocol("synthetic-no-course", NULL, NULL);
    char *at = strstr(text, "      \"course\"");
    memset(at, ' ', strchr(at, '\n') - at);
    write_file("protocols/course.json", text);
    char pos[32];
    expect_position_at(text, "    {\n      \"id\"", 4, pos, sizeof(pos));
    expect_refused("protocols/course.json", pos, "protocols[0]",
                   "'course' is missing");
    free(text);
}

Test(catalog_files, unknown_code_group_and_top_level)
{
    char *text = good_protocol("synthetic-bad-code", "M54.2", "M99.9");
    expect_text_refused(text, "protocols/code.json", "\"M99.9\"", 0,
                        "protocols[0].indications[0]",
                        "not in the catalog's code list");
    /* Each file alone in the folder. */
    const struct {
        const char *text, *position, *path, *problem;
    } alone[] = {
        {"{\"instruments\": []}\n", "1:17", "instruments",
         "built into the program"},
        {"[1, 2]\n", "1:1", "document", "must be a JSON object"},
        {"{\"codes\": [{\"code\": \"m54\", \"title\": \"lowercase\"}]}\n",
         "1:21", "codes[0].code", "not an ICD-10-CM code"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(alone); i++) {
        empty_dir();
        write_file("x.json", alone[i].text);
        expect_refused("x.json", alone[i].position, alone[i].path,
                       alone[i].problem);
    }
}

Test(catalog_files, unplannable_range)
{
    /* Shares 0.5-0.5 kneading, 0.25-0.25 twice: 21 minutes cannot be
     * split (10.5 is not whole). */
    const char *phases =
        "        {\"name\": \"introductory\", \"kind\": \"introductory\",\n"
        "         \"techniques\": [\"stroking\"], \"min_share\": 0.25, "
        "\"max_share\": 0.25},\n"
        "        {\"name\": \"kneading\", \"kind\": \"kneading\",\n"
        "         \"techniques\": [\"petrissage\"], \"min_share\": 0.5, "
        "\"max_share\": 0.5},\n"
        "        {\"name\": \"circulatory\", \"kind\": \"circulatory\",\n"
        "         \"techniques\": [\"circulatory strokes\"], \"min_share\": "
        "0.25, \"max_share\": 0.25,\n"
        "         \"direction\": \"toward the heart\"}\n";
    char *text = protocol_file("synthetic-rigid", "16", phases,
                               "{\"min\": 20, \"max\": 24, \"default\": 20}",
                               "\"ndi\"");
    expect_text_refused(text, "protocols/rigid.json", "\"minutes\": ", 1,
                        "protocols[0].minutes",
                        "a session of 21 minutes cannot be split");
}

/* --- searching protocols -------------------------------------------------- */

Test(catalog, protocol_matches_name_id_region_summary_and_indications)
{
    struct protocol_indication ind[] = {{"M54.50", "Low back pain"},
                                        {"M54.9", NULL}};
    struct protocol p = {.id = "synthetic-back", .name = "Synthetic Back Care",
                         .region = "lower back", .summary = NULL,
                         .indication_count = 2, .indications = ind};
    cr_assert(catalog_protocol_matches(&p, NULL));
    cr_assert(catalog_protocol_matches(&p, ""));
    cr_assert(catalog_protocol_matches(&p, "back care"), "name, any case");
    cr_assert(catalog_protocol_matches(&p, "SYNTHETIC-B"), "id");
    cr_assert(catalog_protocol_matches(&p, "lower"), "region");
    cr_assert(catalog_protocol_matches(&p, "m54.9"), "a code");
    cr_assert(catalog_protocol_matches(&p, "pain"), "a title");
    cr_assert(!catalog_protocol_matches(&p, "neck"));
    cr_assert(!catalog_protocol_matches(&p, "M55"));
    p.summary = "Relaxes the lumbar muscles";
    cr_assert(catalog_protocol_matches(&p, "LUMBAR"), "the summary");
}
