/* catalog: loading and validating the protocol catalog. See catalog.h. */
#include "catalog/catalog.h"
#include "catalog/instrument.h"
#include "catalog/jsonpos.h"
#include "catalog/plan.h"
#include "core/buf.h"
#include "core/embedded.h"
#include "core/json_read.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_FILE_BYTES (4u << 20)
#define LAYER_SHIPPED 0
#define LAYER_CLINIC 1

static const char *const kind_names[PHASE_KIND_COUNT] = {
    [PHASE_INTRODUCTORY] = "introductory",
    [PHASE_KNEADING] = "kneading",
    [PHASE_CIRCULATORY] = "circulatory",
    [PHASE_FRICTION] = "friction",
    [PHASE_TRIGGER_POINT] = "trigger-point",
    [PHASE_STRETCHING] = "stretching",
    [PHASE_VIBRATION] = "vibration",
    [PHASE_PERCUSSION] = "percussion",
    [PHASE_PASSIVE_MOVEMENT] = "passive-movement",
    [PHASE_LYMPHATIC] = "lymphatic",
    [PHASE_BREATHING] = "breathing",
    [PHASE_CLOSING] = "closing",
};

/* The technique families a phase may name (docs/catalog.md). */
static const char *const technique_families[] = {
    "stroking",
    "effleurage",
    "petrissage",
    "skin rolling",
    "muscle squeezing",
    "circular friction",
    "cross-fibre friction",
    "vibration",
    "shaking",
    "tapotement",
    "compression",
    "ischemic compression",
    "post-isometric relaxation",
    "passive stretching",
    "passive joint movement",
    "circulatory strokes",
    "lymphatic drainage strokes",
    "rocking",
    "breathing facilitation",
    "myofascial release",
    "positional release",
    "holding",
};

/* Families that make a phase kneading, and those that are circulatory. */
static const char *const kneading_families[] = {
    "petrissage", "skin rolling", "muscle squeezing"};
static const char *const circulatory_families[] = {
    "circulatory strokes", "lymphatic drainage strokes"};

struct protocol_entry {
    struct protocol p; /* first: a struct protocol * is an entry */
    int layer;
    int line, column; /* of its id, for duplicate messages */
    int rank;         /* its group's position, for sorting */
};

/* Where a group or code is defined: its layer, and the file, line and
 * column of its key (for duplicate messages). */
struct place {
    int layer;
    const char *file;
    int line, column;
};

/* A group or a code: its three texts (a group's id, name and description;
 * a code, its title and its source) and where it is defined. */
struct listed_entry {
    struct protocol_group g;
    struct place at;
};

struct listed_list {
    struct listed_entry *v;
    int count;
    size_t alloc;
};

struct catalog {
    json_t **roots; /* parsed files: own the strings pointed to */
    int root_count;
    size_t root_alloc;
    char **names; /* file names (display paths) */
    int name_count;
    size_t name_alloc;
    struct protocol_entry **protocols;
    int protocol_count;
    size_t protocol_alloc;
    struct listed_list groups;
    struct listed_list codes;
    int clinic_files, added, replaced;
    int baseline_hours;
    struct wording_entry *wordings; /* the clinic's licensed wording */
    int wording_count;
    size_t wording_alloc;
};

/* The wording a clinic added for one instrument (DIR/wording/CODE.json). */
struct wording_entry {
    const char *code;
    struct instrument_wording w;
};

/* One catalog file being read. */
struct source {
    const char *file; /* display path (owned by the catalog's names) */
    char *owned;      /* the text when read from disk */
    const char *text;
    size_t len;
    json_t *root; /* owned by the catalog's roots */
    int layer;
};

struct loader {
    struct catalog *cat;
    const struct source *src;
    struct err *e;
};

static int fail_at(struct loader *ld, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills e with "FILE:LINE:COLUMN: PATH: problem" for the value at path. */
static int fail_at(struct loader *ld, const char *path, const char *fmt, ...)
{
    int line, column;
    jsonpos_locate(ld->src->text, ld->src->len, path, &line, &column);
    char problem[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    return err_set(ld->e, ERR_INPUT, "", "%s:%d:%d: %s: %s", ld->src->file,
                   line, column, *path ? path : "document", problem);
}

static void locate(const struct loader *ld, const char *path, int *line,
                   int *column)
{
    jsonpos_locate(ld->src->text, ld->src->len, path, line, column);
}

/* --- small field rules -------------------------------------------------- */

static int is_slug(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 64 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-' ? s[i + 1] == '-'
                     : !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

/* ICD-10-CM shape: letter, digit, letter or digit, then optionally a dot
 * and 1-4 letters or digits (uppercase). */
int catalog_icd10_well_formed(const char *s)
{
    if (!(s[0] >= 'A' && s[0] <= 'Z') || !(s[1] >= '0' && s[1] <= '9'))
        return 0;
    if (!((s[2] >= 'A' && s[2] <= 'Z') || (s[2] >= '0' && s[2] <= '9')))
        return 0;
    if (!s[3])
        return 1;
    if (s[3] != '.')
        return 0;
    size_t n = strlen(s + 4);
    if (n < 1 || n > 4)
        return 0;
    for (size_t i = 4; s[i]; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

/* The reader's failure in the catalog's words: an unknown member lists the
 * allowed ones, a missing one is named at its object, a value of the wrong
 * kind "must be <kind>" unless note words it better. Returns -1. */
static int fail_read(struct loader *ld, const struct json_reader *r,
                     const char *const *allowed, const char *note)
{
    char parent[JSON_PATH_MAX];
    if (r->fault == JSON_FAULT_UNKNOWN) {
        struct buf list = BUF_INIT;
        for (size_t i = 0; allowed[i]; i++)
            buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
        fail_at(ld, r->path, "unknown field (known: %s)", list.data);
        buf_release(&list);
        return -1;
    }
    if (r->fault == JSON_FAULT_MISSING) {
        snprintf(parent, sizeof(parent), "%.*s", (int)r->parent_len,
                 r->path);
        return fail_at(ld, parent, "'%s' is missing", r->key);
    }
    if (note)
        return fail_at(ld, r->path, "%s", note);
    return fail_at(ld, r->path, "must be %s", json_kind_name(r->want));
}

static int check_keys(struct loader *ld, json_t *obj, const char *path,
                      const char *const *allowed)
{
    struct json_reader r = JSON_READER_INIT(NULL);
    if (json_read_keys(&r, obj, path, allowed) < 0)
        return fail_read(ld, &r, allowed, NULL);
    return 0;
}

/* The next object of a walk over a catalog list, its keys checked; note
 * words an element that is not an object (NULL: "must be an object").
 * Returns 1, 0 at the end, -1 on a failure. */
static int next_object(struct loader *ld, struct json_each *it,
                       const char *const *keys, const char *note)
{
    struct json_reader r = JSON_READER_INIT(NULL);
    int rc = json_each_next(&r, it, keys);
    return rc < 0 ? fail_read(ld, &r, keys, note) : rc;
}

/* A required object member with only the allowed keys into *out, and its
 * path into sub; note words a value that is not an object. */
static int get_object(struct loader *ld, json_t *obj, const char *path,
                      const char *key, const char *const *allowed,
                      const char *note, char sub[JSON_PATH_MAX], json_t **out)
{
    struct json_reader r = JSON_READER_INIT(NULL);
    const json_t *v;
    json_path(sub, JSON_PATH_MAX, path, "%s", key);
    if (json_read_member(&r, obj, path, key, JSON_KIND_OBJECT, JSON_REQUIRED,
                         &v) < 0 ||
        json_read_keys(&r, v, sub, allowed) < 0)
        return fail_read(ld, &r, allowed, note);
    *out = (json_t *)v;
    return 0;
}

static int check_text(struct loader *ld, const char *path, const char *s,
                      size_t max)
{
    size_t n = strlen(s);
    if (!s[strspn(s, " \t\r\n")])
        return fail_at(ld, path, "must not be blank");
    if (n > max)
        return fail_at(ld, path, "longer than %zu bytes", max);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return fail_at(ld, path, "holds a control character");
    return 0;
}

/* A member as read: its value (NULL when absent) and its path. */
struct member {
    const json_t *v;
    char path[JSON_PATH_MAX];
};

/* A member of the kind asked into *m; note words a value of another kind.
 * Returns -1, 0 (absent and not required) or 1. */
static int get_member(struct loader *ld, json_t *obj, const char *path,
                      const char *key, enum json_kind kind, int required,
                      const char *note, struct member *m)
{
    struct json_reader r = JSON_READER_INIT(NULL);
    json_path(m->path, sizeof(m->path), path, "%s", key);
    int rc = json_read_member(&r, obj, path, key, kind,
                              required ? JSON_REQUIRED : 0, &m->v);
    return rc < 0 ? fail_read(ld, &r, NULL, note) : rc;
}

/* A text member: sets *out (NULL when absent and not required). */
static int get_text(struct loader *ld, json_t *obj, const char *path,
                    const char *key, int required, size_t max,
                    const char **out)
{
    struct member m;
    int rc = get_member(ld, obj, path, key, JSON_KIND_TEXT, required, NULL,
                        &m);
    *out = rc > 0 ? json_string_value(m.v) : NULL;
    return rc > 0 ? check_text(ld, m.path, *out, max) : rc;
}

static int get_int(struct loader *ld, json_t *obj, const char *path,
                   const char *key, int min, int max, int *out)
{
    struct member m;
    if (get_member(ld, obj, path, key, JSON_KIND_INTEGER, 1, NULL, &m) < 0)
        return -1;
    json_int_t n = json_integer_value(m.v);
    if (n < min || n > max)
        return fail_at(ld, m.path, "%lld is outside %d-%d", (long long)n, min,
                       max);
    *out = (int)n;
    return 0;
}

/* A share of the session (0-1, at most three decimals) in thousandths. */
static int get_share(struct loader *ld, json_t *obj, const char *path,
                     const char *key, int *permille)
{
    struct member m;
    if (get_member(ld, obj, path, key, JSON_KIND_NUMBER, 1,
                   "must be a number between 0 and 1", &m) < 0)
        return -1;
    double d = json_number_value(m.v);
    if (!(d > 0 && d <= 1))
        return fail_at(ld, m.path, "%g is outside (0, 1]", d);
    double scaled = d * 1000;
    if (fabs(scaled - round(scaled)) > 1e-6)
        return fail_at(ld, m.path, "%g has more than three decimals", d);
    *permille = (int)round(scaled);
    return 0;
}

static int get_array(struct loader *ld, json_t *obj, const char *path,
                     const char *key, int required, size_t min, size_t max,
                     json_t **out)
{
    struct member m;
    *out = NULL;
    int rc = get_member(ld, obj, path, key, JSON_KIND_ARRAY, required, NULL,
                        &m);
    if (rc <= 0)
        return rc;
    size_t n = json_array_size(m.v);
    if (n < min)
        return fail_at(ld, m.path, "needs at least %zu entr%s", min,
                       min == 1 ? "y" : "ies");
    if (n > max)
        return fail_at(ld, m.path, "has more than %zu entries", max);
    *out = (json_t *)m.v;
    return 0;
}

/* Starts a walk (it) over the required array member key of obj (at path),
 * of 1 to max entries. Returns its number of entries, or -1. */
static long begin_each(struct loader *ld, json_t *obj, const char *path,
                       const char *key, size_t max, struct json_each *it)
{
    json_t *list;
    char lpath[JSON_PATH_MAX];
    if (get_array(ld, obj, path, key, 1, 1, max, &list) < 0)
        return -1;
    json_path(lpath, sizeof(lpath), path, "%s", key);
    json_each_array(it, list, lpath);
    return (long)json_array_size(list);
}

/* Moves it to its next element, which must be a string (into *text; else
 * note at its path). Returns 1, 0 at the end, or -1. */
static int next_text(struct loader *ld, struct json_each *it,
                     const char *note, const char **text)
{
    if (!json_each_element(it))
        return 0;
    *text = json_string_value(it->item);
    return *text ? 1 : fail_at(ld, it->path, "%s", note);
}

/* --- lookups ------------------------------------------------------------ */

/* The position of key in a group or code list, or its count. */
static int listed_index(const struct listed_list *l, const char *key)
{
    int i = 0;
    while (i < l->count && strcmp(l->v[i].g.id, key))
        i++;
    return i;
}

static struct listed_entry *listed_find(const struct listed_list *l,
                                        const char *key)
{
    int i = listed_index(l, key);
    return i < l->count ? &l->v[i] : NULL;
}

static int find_protocol_index(const struct catalog *c, const char *id)
{
    for (int i = 0; i < c->protocol_count; i++)
        if (!strcmp(c->protocols[i]->p.id, id))
            return i;
    return -1;
}

/* --- groups and codes --------------------------------------------------- */

/* The three text members of a group or code (keys[0] the required key,
 * keys[1] a required title, keys[2] optional; each at most max bytes)
 * into text, and the path of the key into keypath. */
static int read_listed(struct loader *ld, const struct json_each *it,
                       const char *const *keys, const size_t *max,
                       const char **text, char keypath[JSON_PATH_MAX])
{
    for (int k = 0; k < 3; k++)
        if (get_text(ld, (json_t *)it->item, it->path, keys[k], k < 2,
                     max[k], &text[k]) < 0)
            return -1;
    json_path(keypath, JSON_PATH_MAX, it->path, "%s", keys[0]);
    return 0;
}

/* Refuses a key the file's layer defined already (old: where it was, or
 * NULL); what names the key ("group id"). */
static int refuse_twice(struct loader *ld, const char *keypath,
                        const char *what, const char *key,
                        const struct place *old)
{
    if (old && old->layer == ld->src->layer)
        return fail_at(ld, keypath, "duplicate %s '%s' (also at %s:%d:%d)",
                       what, key, old->file, old->line, old->column);
    return 0;
}

/* Records that the value at keypath of the file being read defines it. */
static void place_here(struct loader *ld, const char *keypath,
                       struct place *at)
{
    at->layer = ld->src->layer;
    at->file = ld->src->file;
    locate(ld, keypath, &at->line, &at->column);
}

/* What differs between the "groups" and the "codes" of a file. */
struct listed_kind {
    const char *array; /* the file's key */
    const char *what;  /* names its key in a duplicate message */
    const char *const keys[4];
    size_t max[3];
    int (*well_formed)(const char *key);
    const char *shape; /* what a key must be, after "'KEY' is not " */
};

static const struct listed_kind group_kind = {
    "groups", "group id", {"id", "name", "description", NULL}, {64, 80, 400},
    is_slug, "an id (lowercase letters, digits and single hyphens, 2-64)"};

static const struct listed_kind code_kind = {
    "codes", "code", {"code", "title", "source", NULL}, {16, 240, 240},
    catalog_icd10_well_formed, "an ICD-10-CM code (letter, digit, letter or "
    "digit, then optionally a dot and 1-4 more)"};

/* Reads a file's groups or codes into l; a key the file's layer defines
 * twice is refused, one an earlier layer defined is replaced. */
static int load_listed(struct loader *ld, json_t *list,
                       const struct listed_kind *kind, struct listed_list *l)
{
    struct json_each it;
    int rc;
    json_each_array(&it, list, kind->array);
    while ((rc = next_object(ld, &it, kind->keys, NULL)) > 0) {
        const char *text[3];
        char keypath[JSON_PATH_MAX];
        if (read_listed(ld, &it, kind->keys, kind->max, text, keypath) < 0)
            return -1;
        if (!kind->well_formed(text[0]))
            return fail_at(ld, keypath, "'%s' is not %s", text[0],
                           kind->shape);
        struct listed_entry *old = listed_find(l, text[0]);
        if (refuse_twice(ld, keypath, kind->what, text[0],
                         old ? &old->at : NULL) < 0)
            return -1;
        if (!old) {
            ALLOC_GROW(l->v, (size_t)l->count + 1, l->alloc);
            old = &l->v[l->count++];
        }
        old->g = (struct protocol_group){text[0], text[1], text[2]};
        place_here(ld, keypath, &old->at);
    }
    return rc;
}

/* --- protocols ---------------------------------------------------------- */

static void protocol_free(struct protocol_entry *pe)
{
    if (!pe)
        return;
    struct protocol *p = &pe->p;
    free(p->indications);
    free(p->red_flags);
    for (int i = 0; i < p->phase_count; i++)
        free(p->phases[i].techniques);
    free(p->phases);
    free(p->primary);
    free(p->secondary);
    free(p->follow_ups);
    free(pe);
}

static int load_indications(struct loader *ld, json_t *obj, const char *path,
                            struct protocol *p)
{
    struct json_each it;
    long n = begin_each(ld, obj, path, "indications", 32, &it);
    if (n < 0)
        return -1;
    p->indications = xcalloc((size_t)n, sizeof(*p->indications));
    const char *code;
    int rc;
    while ((rc = next_text(ld, &it, "must be an ICD-10-CM code string",
                           &code)) > 0) {
        const char *sub = it.path;
        const struct listed_entry *ce = listed_find(&ld->cat->codes, code);
        if (!ce)
            return fail_at(ld, sub, "'%s' is not in the catalog's code list "
                           "(add it to a \"codes\" array with its title)",
                           code);
        for (int k = 0; k < p->indication_count; k++)
            if (!strcmp(p->indications[k].code, code))
                return fail_at(ld, sub, "'%s' is listed twice", code);
        p->indications[p->indication_count].code = ce->g.id;
        p->indications[p->indication_count].title = ce->g.name;
        p->indication_count++;
    }
    return rc;
}

static int load_red_flags(struct loader *ld, json_t *obj, const char *path,
                          struct protocol *p)
{
    static const char *const keys[] = {"id", "question", NULL};
    struct json_each it;
    long n = begin_each(ld, obj, path, "red_flags", 32, &it);
    if (n < 0)
        return -1;
    p->red_flags = xcalloc((size_t)n, sizeof(*p->red_flags));
    int rc;
    while ((rc = next_object(ld, &it, keys, "must be an object with id and "
                             "question")) > 0) {
        json_t *v = (json_t *)it.item;
        const char *sub = it.path;
        char idpath[JSON_PATH_MAX], qpath[JSON_PATH_MAX];
        json_path(idpath, sizeof(idpath), sub, "id");
        json_path(qpath, sizeof(qpath), sub, "question");
        struct protocol_red_flag *rf = &p->red_flags[p->red_flag_count];
        if (get_text(ld, v, sub, "id", 1, 64, &rf->id) < 0 ||
            get_text(ld, v, sub, "question", 1, 300, &rf->question) < 0)
            return -1;
        if (!is_slug(rf->id))
            return fail_at(ld, idpath, "'%s' is not an id (lowercase "
                           "letters, digits and single hyphens)", rf->id);
        if (rf->question[strlen(rf->question) - 1] != '?')
            return fail_at(ld, qpath, "a screening question must end with "
                           "'?' (answered yes or no)");
        for (int k = 0; k < p->red_flag_count; k++)
            if (!strcmp(p->red_flags[k].id, rf->id))
                return fail_at(ld, idpath, "duplicate red flag id '%s'",
                               rf->id);
        p->red_flag_count++;
    }
    return rc;
}

/* One phase (an object with the allowed keys already). */
static int load_phase(struct loader *ld, json_t *v, const char *sub,
                      struct protocol_phase *ph)
{
    char kpath[JSON_PATH_MAX];
    const char *kind;
    if (get_text(ld, v, sub, "name", 1, 60, &ph->name) < 0 ||
        get_text(ld, v, sub, "kind", 1, 40, &kind) < 0 ||
        get_text(ld, v, sub, "direction", 0, 40, &ph->direction) < 0 ||
        get_text(ld, v, sub, "note", 0, 300, &ph->note) < 0)
        return -1;
    json_path(kpath, sizeof(kpath), sub, "kind");
    int k = phase_kind_parse(kind);
    if (k < 0) {
        struct buf list = BUF_INIT;
        for (int i = 0; i < PHASE_KIND_COUNT; i++)
            buf_printf(&list, "%s%s", i ? ", " : "", kind_names[i]);
        fail_at(ld, kpath, "unknown phase kind '%s' (known: %s)", kind,
                list.data);
        buf_release(&list);
        return -1;
    }
    ph->kind = (enum phase_kind)k;
    struct json_each it;
    long n = begin_each(ld, v, sub, "techniques", 12, &it);
    if (n < 0)
        return -1;
    ph->techniques = xcalloc((size_t)n, sizeof(char *));
    int kneading = 0, circulatory = 0;
    const char *name;
    int rc;
    while ((rc = next_text(ld, &it, "must be a string", &name)) > 0) {
        const char *tpath = it.path;
        if (!str_in(name, technique_families,
                     ARRAY_SIZE(technique_families)))
            return fail_at(ld, tpath, "unknown technique family '%.60s' (see "
                           "docs/catalog.md for the list)", name);
        for (int j = 0; j < ph->technique_count; j++)
            if (!strcmp(ph->techniques[j], name))
                return fail_at(ld, tpath, "'%s' is listed twice", name);
        kneading |= str_in(name, kneading_families,
                            ARRAY_SIZE(kneading_families));
        circulatory |= str_in(name, circulatory_families,
                               ARRAY_SIZE(circulatory_families));
        ph->techniques[ph->technique_count++] = name;
    }
    if (rc < 0)
        return -1;
    if (ph->kind == PHASE_KNEADING && !kneading)
        return fail_at(ld, sub, "a kneading phase needs a kneading technique "
                       "(petrissage, skin rolling or muscle squeezing)");
    char dpath[JSON_PATH_MAX];
    json_path(dpath, sizeof(dpath), sub, "direction");
    if (ph->direction && strcmp(ph->direction, CATALOG_TOWARD_HEART))
        return fail_at(ld, dpath, "circulatory strokes run toward the heart: "
                       "the direction must be \"%s\", not \"%.40s\"",
                       CATALOG_TOWARD_HEART, ph->direction);
    if ((circulatory || ph->kind == PHASE_CIRCULATORY ||
         ph->kind == PHASE_LYMPHATIC) && !ph->direction)
        return fail_at(ld, sub, "circulatory strokes run toward the heart: "
                       "the phase needs \"direction\": \"%s\"",
                       CATALOG_TOWARD_HEART);
    if (get_share(ld, v, sub, "min_share", &ph->min_permille) < 0 ||
        get_share(ld, v, sub, "max_share", &ph->max_permille) < 0)
        return -1;
    if (ph->min_permille > ph->max_permille) {
        char mpath[JSON_PATH_MAX];
        json_path(mpath, sizeof(mpath), sub, "max_share");
        return fail_at(ld, mpath, "the maximum share is below the minimum");
    }
    return 0;
}

static int load_phases(struct loader *ld, json_t *obj, const char *path,
                       struct protocol *p)
{
    json_t *list;
    if (get_array(ld, obj, path, "phases", 1, 2, PROTOCOL_MAX_PHASES,
                  &list) < 0)
        return -1;
    static const char *const keys[] = {"name",      "kind",      "techniques",
                                       "min_share", "max_share", "direction",
                                       "note",      NULL};
    p->phases = xcalloc(json_array_size(list), sizeof(*p->phases));
    struct json_each it;
    char sub[JSON_PATH_MAX];
    int rc;
    int min_sum = 0, max_sum = 0, kneading = 0, first_kneading = -1;
    json_path(sub, sizeof(sub), path, "phases");
    json_each_array(&it, list, sub);
    while ((rc = next_object(ld, &it, keys, NULL)) > 0) {
        size_t i = it.index;
        struct protocol_phase *ph = &p->phases[p->phase_count];
        snprintf(sub, sizeof(sub), "%s", it.path);
        if (load_phase(ld, (json_t *)it.item, sub, ph) < 0) {
            free(ph->techniques);
            ph->techniques = NULL;
            return -1;
        }
        p->phase_count++;
        for (size_t k = 0; k < i; k++)
            if (!strcasecmp(p->phases[k].name, ph->name)) {
                char npath[JSON_PATH_MAX];
                json_path(npath, sizeof(npath), sub, "name");
                return fail_at(ld, npath, "duplicate phase name '%s'",
                               ph->name);
            }
        char kpath[JSON_PATH_MAX];
        json_path(kpath, sizeof(kpath), sub, "kind");
        if (i == 0 && ph->kind != PHASE_INTRODUCTORY)
            return fail_at(ld, kpath, "the first phase must be introductory "
                           "(every protocol begins with introductory massage "
                           "that raises the pain threshold), not %s",
                           kind_names[ph->kind]);
        if (i > 0 && ph->kind == PHASE_INTRODUCTORY)
            return fail_at(ld, kpath, "the introductory phase must be first, "
                           "not phase %zu", i + 1);
        if (ph->kind == PHASE_KNEADING) {
            kneading += ph->min_permille;
            if (first_kneading < 0)
                first_kneading = (int)i;
        }
        min_sum += ph->min_permille;
        max_sum += ph->max_permille;
    }
    if (rc < 0)
        return -1;
    json_path(sub, sizeof(sub), path, "phases");
    if (kneading < CATALOG_KNEADING_MIN_PERMILLE) {
        if (first_kneading >= 0)
            json_path(sub, sizeof(sub), path, "phases[%d].min_share",
                      first_kneading);
        return fail_at(ld, sub, "kneading must take at least half the "
                       "procedure time: the kneading minimum share is "
                       "%d.%03d, under 0.500", kneading / 1000,
                       kneading % 1000);
    }
    if (min_sum > 1000)
        return fail_at(ld, sub, "the minimum shares add up to %d.%03d, more "
                       "than the whole session", min_sum / 1000,
                       min_sum % 1000);
    if (max_sum < 1000)
        return fail_at(ld, sub, "the maximum shares add up to %d.%03d, less "
                       "than the whole session", max_sum / 1000,
                       max_sum % 1000);
    return 0;
}

static int load_minutes(struct loader *ld, json_t *obj, const char *path,
                        struct protocol *p)
{
    static const char *const keys[] = {"min", "max", "default", NULL};
    char sub[JSON_PATH_MAX];
    json_t *m;
    if (get_object(ld, obj, path, "minutes", keys, "must be an object with "
                   "min, max and default", sub, &m) < 0 ||
        get_int(ld, m, sub, "min", 5, 180, &p->minutes_min) < 0 ||
        get_int(ld, m, sub, "max", 5, 180, &p->minutes_max) < 0 ||
        get_int(ld, m, sub, "default", 5, 180, &p->minutes_default) < 0)
        return -1;
    char f[JSON_PATH_MAX];
    if (p->minutes_min > p->minutes_max) {
        json_path(f, sizeof(f), sub, "max");
        return fail_at(ld, f, "the maximum %d is below the minimum %d",
                       p->minutes_max, p->minutes_min);
    }
    if (p->minutes_default < p->minutes_min ||
        p->minutes_default > p->minutes_max) {
        json_path(f, sizeof(f), sub, "default");
        return fail_at(ld, f, "%d is outside %d-%d", p->minutes_default,
                       p->minutes_min, p->minutes_max);
    }
    if (!strcmp(p->id, CATALOG_CONTRALATERAL_ID)) {
        if (p->minutes_min < CATALOG_CONTRALATERAL_MIN_MINUTES) {
            json_path(f, sizeof(f), sub, "min");
            return fail_at(ld, f, "%s lasts %d-%d minutes; a minimum of %d is "
                           "outside", p->id, CATALOG_CONTRALATERAL_MIN_MINUTES,
                           CATALOG_CONTRALATERAL_MAX_MINUTES, p->minutes_min);
        }
        if (p->minutes_max > CATALOG_CONTRALATERAL_MAX_MINUTES) {
            json_path(f, sizeof(f), sub, "max");
            return fail_at(ld, f, "%s lasts %d-%d minutes; a maximum of %d is "
                           "outside", p->id, CATALOG_CONTRALATERAL_MIN_MINUTES,
                           CATALOG_CONTRALATERAL_MAX_MINUTES, p->minutes_max);
        }
    }
    for (int minutes = p->minutes_min; minutes <= p->minutes_max; minutes++)
        if (!plan_fits(p, minutes))
            return fail_at(ld, sub, "a session of %d minutes cannot be split "
                           "in whole minutes within the phase shares; narrow "
                           "the range or widen the shares", minutes);
    return 0;
}

static int load_course(struct loader *ld, json_t *obj, const char *path,
                       struct protocol *p)
{
    static const char *const keys[] = {"sessions", "per_week", NULL};
    char sub[JSON_PATH_MAX];
    json_t *c;
    if (get_object(ld, obj, path, "course", keys, "must be an object with "
                   "sessions and per_week", sub, &c) < 0 ||
        get_int(ld, c, sub, "sessions", 1, 60, &p->course_sessions) < 0 ||
        get_int(ld, c, sub, "per_week", 1, 7, &p->course_per_week) < 0)
        return -1;
    return 0;
}

static int load_codes_list(struct loader *ld, json_t *list, const char *sub,
                           const char ***out, int *count, struct protocol *p)
{
    *out = xcalloc(json_array_size(list) + 1, sizeof(char *));
    struct json_each it;
    const char *code;
    int rc;
    json_each_array(&it, list, sub);
    while ((rc = next_text(ld, &it, "must be an instrument code string",
                           &code)) > 0) {
        const char *ipath = it.path;
        if (!instrument_find(code)) {
            struct buf list_text = BUF_INIT;
            for (int k = 0; k < instrument_count(); k++)
                buf_printf(&list_text, "%s%s", k ? ", " : "",
                           instrument_at(k)->code);
            fail_at(ld, ipath, "unknown instrument '%.40s' (known: %s)", code,
                    list_text.data);
            buf_release(&list_text);
            return -1;
        }
        if (protocol_instrument_role(p, code) ||
            str_in(code, *out, (size_t)*count))
            return fail_at(ld, ipath, "instrument '%s' is listed twice",
                           code);
        (*out)[(*count)++] = instrument_find(code)->code;
    }
    return rc;
}

static int load_outcomes(struct loader *ld, json_t *obj, const char *path,
                         struct protocol *p)
{
    static const char *const keys[] = {"primary", "secondary", NULL};
    char sub[JSON_PATH_MAX];
    json_t *o;
    if (get_object(ld, obj, path, "outcomes", keys, "must be an object with "
                   "primary and secondary instrument codes", sub, &o) < 0)
        return -1;
    json_t *primary, *secondary;
    if (get_array(ld, o, sub, "primary", 1, 1, 8, &primary) < 0 ||
        get_array(ld, o, sub, "secondary", 0, 0, 8, &secondary) < 0)
        return -1;
    char lpath[JSON_PATH_MAX];
    json_path(lpath, sizeof(lpath), sub, "primary");
    if (load_codes_list(ld, primary, lpath, &p->primary, &p->primary_count,
                        p) < 0)
        return -1;
    json_path(lpath, sizeof(lpath), sub, "secondary");
    if (!secondary) {
        p->secondary = xcalloc(1, sizeof(char *));
        return 0;
    }
    return load_codes_list(ld, secondary, lpath, &p->secondary,
                           &p->secondary_count, p);
}

static int load_follow_ups(struct loader *ld, json_t *obj, const char *path,
                           struct protocol *p)
{
    static const char delay[] = "must be a delay such as \"2h\", \"24h\", "
                                "\"3d\", \"4w\" or \"3m\" (months)";
    struct json_each it;
    long n = begin_each(ld, obj, path, "follow_up", 12, &it);
    if (n < 0)
        return -1;
    p->follow_ups = xcalloc((size_t)n, sizeof(*p->follow_ups));
    const char *text;
    int rc;
    while ((rc = next_text(ld, &it, delay, &text)) > 0) {
        const char *sub = it.path;
        int hours = catalog_parse_delay(text);
        if (hours < 0)
            return fail_at(ld, sub, "%s", delay);
        if (p->follow_up_count &&
            hours <= p->follow_ups[p->follow_up_count - 1].hours)
            return fail_at(ld, sub, "'%s' is not later than '%s': follow-ups "
                           "go in increasing delay", text,
                           p->follow_ups[p->follow_up_count - 1].text);
        p->follow_ups[p->follow_up_count].text = text;
        p->follow_ups[p->follow_up_count].hours = hours;
        p->follow_up_count++;
    }
    return rc;
}

/* One protocol (an object with the allowed keys already) at path. */
static int load_protocol(struct loader *ld, json_t *obj, const char *path,
                         struct protocol_entry **out)
{
    char idpath[JSON_PATH_MAX];
    json_path(idpath, sizeof(idpath), path, "id");
    *out = NULL;
    struct protocol_entry *pe = xcalloc(1, sizeof(*pe));
    struct protocol *p = &pe->p;
    pe->layer = ld->src->layer;
    p->file = ld->src->file;
    p->from_clinic = ld->src->layer == LAYER_CLINIC;
    locate(ld, idpath, &pe->line, &pe->column);
    const char *group;
    if (get_text(ld, obj, path, "id", 1, 64, &p->id) < 0)
        goto fail;
    if (!is_slug(p->id)) {
        fail_at(ld, idpath, "'%s' is not an id (lowercase letters, digits "
                "and single hyphens, 2-64)", p->id);
        goto fail;
    }
    if (get_text(ld, obj, path, "name", 1, 120, &p->name) < 0 ||
        get_text(ld, obj, path, "group", 1, 64, &group) < 0 ||
        get_text(ld, obj, path, "region", 1, 120, &p->region) < 0 ||
        get_text(ld, obj, path, "summary", 0, 1000, &p->summary) < 0)
        goto fail;
    const struct listed_entry *ge = listed_find(&ld->cat->groups, group);
    if (!ge) {
        char gpath[JSON_PATH_MAX];
        json_path(gpath, sizeof(gpath), path, "group");
        fail_at(ld, gpath, "unknown group '%.64s'", group);
        goto fail;
    }
    p->group = ge->g.id;
    if (load_indications(ld, obj, path, p) < 0 ||
        load_red_flags(ld, obj, path, p) < 0)
        goto fail;
    int max_hours = strcmp(p->id, CATALOG_BASELINE_ID)
                        ? 2000 : CATALOG_BASELINE_MAX_HOURS;
    int min_hours = strcmp(p->id, CATALOG_BASELINE_ID)
                        ? 1 : CATALOG_BASELINE_MIN_HOURS;
    char hpath[JSON_PATH_MAX];
    json_path(hpath, sizeof(hpath), path, "training_hours");
    json_t *hours = json_object_get(obj, "training_hours");
    if (json_is_integer(hours) && !strcmp(p->id, CATALOG_BASELINE_ID) &&
        (json_integer_value(hours) < min_hours ||
         json_integer_value(hours) > max_hours)) {
        fail_at(ld, hpath, "%s needs %d-%d hours of training; %lld is "
                "outside", p->id, min_hours, max_hours,
                (long long)json_integer_value(hours));
        goto fail;
    }
    if (get_int(ld, obj, path, "training_hours", min_hours, max_hours,
                &p->training_hours) < 0 ||
        load_phases(ld, obj, path, p) < 0 ||
        load_minutes(ld, obj, path, p) < 0 ||
        load_course(ld, obj, path, p) < 0 ||
        load_outcomes(ld, obj, path, p) < 0 ||
        load_follow_ups(ld, obj, path, p) < 0)
        goto fail;
    *out = pe;
    return 0;
fail:
    protocol_free(pe);
    return -1;
}

static int load_protocols(struct loader *ld, json_t *list)
{
    static const char *const keys[] = {
        "id",        "name",           "group",   "region",   "summary",
        "indications", "red_flags",    "training_hours", "phases",
        "minutes",   "course",         "outcomes", "follow_up", NULL};
    struct catalog *c = ld->cat;
    struct json_each it;
    int rc;
    json_each_array(&it, list, "protocols");
    while ((rc = next_object(ld, &it, keys, NULL)) > 0) {
        struct protocol_entry *pe;
        if (load_protocol(ld, (json_t *)it.item, it.path, &pe) < 0)
            return -1;
        int at = find_protocol_index(c, pe->p.id);
        if (at >= 0 && c->protocols[at]->layer == pe->layer) {
            char idpath[JSON_PATH_MAX];
            json_path(idpath, sizeof(idpath), it.path, "id");
            struct protocol_entry *old = c->protocols[at];
            fail_at(ld, idpath, "duplicate protocol id '%s' (also at "
                    "%s:%d:%d)", pe->p.id, old->p.file, old->line,
                    old->column);
            protocol_free(pe);
            return -1;
        }
        if (at >= 0) {
            pe->p.replaces = 1;
            protocol_free(c->protocols[at]);
            c->protocols[at] = pe;
            c->replaced++;
        } else {
            ALLOC_GROW(c->protocols, (size_t)c->protocol_count + 1,
                       c->protocol_alloc);
            c->protocols[c->protocol_count++] = pe;
            if (pe->layer == LAYER_CLINIC)
                c->added++;
        }
    }
    return rc;
}

/* --- files -------------------------------------------------------------- */

static const char *keep_name(struct catalog *c, const char *name)
{
    ALLOC_GROW(c->names, (size_t)c->name_count + 1, c->name_alloc);
    c->names[c->name_count] = xstrdup(name);
    return c->names[c->name_count++];
}

static int parse_source(struct catalog *c, struct source *s, struct err *e)
{
    json_error_t je;
    s->root = json_loadb(s->text, s->len, JSON_REJECT_DUPLICATES, &je);
    if (!s->root)
        return err_set(e, ERR_INPUT, "", "%s:%d:%d: syntax: %s", s->file,
                       je.line, je.column, je.text);
    ALLOC_GROW(c->roots, (size_t)c->root_count + 1, c->root_alloc);
    c->roots[c->root_count++] = s->root;
    struct loader ld = {c, s, e};
    if (!json_is_object(s->root))
        return fail_at(&ld, "", "a catalog file must be a JSON object with "
                       "\"groups\", \"codes\" or \"protocols\"");
    if (json_object_get(s->root, "instruments"))
        return fail_at(&ld, "instruments", "instruments are built into the "
                       "program and cannot be replaced by a catalog file");
    static const char *const keys[] = {"about", "groups", "codes",
                                       "protocols", NULL};
    if (check_keys(&ld, s->root, "", keys) < 0)
        return -1;
    for (size_t k = 1; keys[k]; k++) {
        json_t *v = json_object_get(s->root, keys[k]);
        if (v && !json_is_array(v))
            return fail_at(&ld, keys[k], "must be an array");
    }
    json_t *about = json_object_get(s->root, "about");
    if (about && !json_is_string(about))
        return fail_at(&ld, "about", "must be a string");
    return 0;
}

static int read_file(const char *path, char **text, size_t *len,
                     struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_FAIL, "catalog", "cannot open '%s': %s", path,
                       strerror(errno));
    struct buf b = BUF_INIT;
    buf_init(&b, MAX_FILE_BYTES);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        buf_release(&b);
        return err_set(e, ERR_FAIL, "catalog", "cannot read '%s'", path);
    }
    if (!buf_ok(&b)) {
        buf_release(&b);
        return err_set(e, ERR_INPUT, "catalog", "'%s' is larger than %u "
                       "bytes", path, MAX_FILE_BYTES);
    }
    *text = buf_detach(&b, len);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the .json files of DIR/SUB (sorted) to the list; a missing SUB is fine. */
static int list_json(const char *dir, const char *sub, char ***list,
                     int *count, size_t *alloc, int required,
                     struct err *e)
{
    char *path = sub ? xasprintf("%s/%s", dir, sub) : xstrdup(dir);
    DIR *d = opendir(path);
    if (!d) {
        int missing = errno == ENOENT;
        int rc = 0;
        if (required || !missing)
            rc = err_set(e, missing ? ERR_INPUT : ERR_FAIL, "catalog",
                         "cannot open directory '%s': %s", path,
                         strerror(errno));
        free(path);
        return rc;
    }
    int start = *count;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".json") ||
            de->d_name[0] == '.')
            continue;
        char *file = xasprintf("%s/%s", path, de->d_name);
        struct stat st;
        if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(file);
            continue;
        }
        ALLOC_GROW(*list, (size_t)*count + 1, *alloc);
        (*list)[(*count)++] = file;
    }
    closedir(d);
    free(path);
    if (*count > start)
        qsort(*list + start, (size_t)(*count - start), sizeof(char *),
              compare_names);
    return 0;
}

/* --- the clinic's licensed wording (DIR/wording/CODE.json) --------------- */

#define WORDING_TEXT_MAX 600

/* The instrument code a wording file names by its file name
 * ("clinic/wording/odi.json" -> "odi") into out. */
static void wording_file_code(const char *file, char *out, size_t n)
{
    const char *slash = strrchr(file, '/');
    const char *name = slash ? slash + 1 : file;
    size_t len = strlen(name);
    if (len > 5)
        len -= 5; /* ".json" */
    snprintf(out, n, "%.*s", (int)len, name);
}

/* One wording file: {"about"?, "instrument", "intro"?, "items":
 * [{"text", "low", "high"}] (one per item of the instrument), "licence",
 * "source"}; its file name is the instrument's code. */
static int load_wording(struct loader *ld)
{
    static const char *const keys[] = {"about", "instrument", "intro",
                                       "items", "licence", "source", NULL};
    static const char *const item_keys[] = {"text", "low", "high", NULL};
    struct catalog *c = ld->cat;
    json_t *root = ld->src->root;
    char named[80];
    const char *code, *about;
    wording_file_code(ld->src->file, named, sizeof(named));
    if (!json_is_object(root))
        return fail_at(ld, "", "a wording file must be a JSON object with "
                       "\"instrument\", \"items\", \"licence\" and "
                       "\"source\"");
    if (check_keys(ld, root, "", keys) < 0 ||
        get_text(ld, root, "", "about", 0, 2000, &about) < 0 ||
        get_text(ld, root, "", "instrument", 1, 64, &code) < 0)
        return -1;
    const struct instrument *in = instrument_find(code);
    if (!in)
        return fail_at(ld, "instrument", "'%s' is not an instrument of the "
                       "catalog", code);
    if (strcmp(code, named))
        return fail_at(ld, "instrument", "'%s' is not the instrument the "
                       "file is named after ('%s.json')", code, named);
    for (int i = 0; i < c->wording_count; i++)
        if (!strcmp(c->wordings[i].code, code))
            return fail_at(ld, "instrument", "duplicate wording for '%s'",
                           code);
    struct instrument_wording w;
    memset(&w, 0, sizeof(w));
    json_t *items;
    if (get_text(ld, root, "", "intro", 0, WORDING_TEXT_MAX, &w.intro) < 0 ||
        get_text(ld, root, "", "licence", 1, WORDING_TEXT_MAX,
                 &w.licence) < 0 ||
        get_text(ld, root, "", "source", 1, WORDING_TEXT_MAX, &w.source) <
            0 ||
        get_array(ld, root, "", "items", 1, 1, INSTRUMENT_MAX_ITEMS,
                  &items) < 0)
        return -1;
    if (json_array_size(items) != (size_t)in->item_count)
        return fail_at(ld, "items", "%s has %d item%s: the wording gives %zu",
                       code, in->item_count, in->item_count == 1 ? "" : "s",
                       json_array_size(items));
    struct json_each it;
    int rc;
    json_each_array(&it, items, "items");
    while ((rc = next_object(ld, &it, item_keys, NULL)) > 0) {
        struct wording_item *item = &w.items[it.index];
        if (get_text(ld, (json_t *)it.item, it.path, "text", 1,
                     WORDING_TEXT_MAX, &item->text) < 0 ||
            get_text(ld, (json_t *)it.item, it.path, "low", 1,
                     WORDING_TEXT_MAX, &item->low) < 0 ||
            get_text(ld, (json_t *)it.item, it.path, "high", 1,
                     WORDING_TEXT_MAX, &item->high) < 0)
            return -1;
    }
    if (rc < 0)
        return -1;
    w.item_count = in->item_count;
    ALLOC_GROW(c->wordings, (size_t)c->wording_count + 1, c->wording_alloc);
    c->wordings[c->wording_count].code = in->code;
    c->wordings[c->wording_count].w = w;
    c->wording_count++;
    return 0;
}

/* Reads and checks every DIR/wording/CODE.json (a missing folder is
 * fine); the parsed files join the catalog's roots. */
static int load_wordings(struct catalog *c, const char *base, struct err *e)
{
    char **files = NULL;
    int count = 0, rc = 0;
    size_t alloc = 0;
    if (list_json(base, "wording", &files, &count, &alloc, 0, e) < 0)
        return -1;
    for (int i = 0; i < count && rc == 0; i++) {
        struct source src = {keep_name(c, files[i]), NULL, NULL, 0, NULL,
                             LAYER_CLINIC};
        size_t len;
        if (read_file(files[i], &src.owned, &len, e) < 0) {
            rc = -1;
            break;
        }
        src.text = src.owned;
        src.len = len;
        json_error_t je;
        src.root = json_loadb(src.text, src.len, JSON_REJECT_DUPLICATES, &je);
        if (!src.root) {
            rc = err_set(e, ERR_INPUT, "", "%s:%d:%d: syntax: %s", src.file,
                         je.line, je.column, je.text);
        } else {
            ALLOC_GROW(c->roots, (size_t)c->root_count + 1, c->root_alloc);
            c->roots[c->root_count++] = src.root;
            struct loader ld = {c, &src, e};
            rc = load_wording(&ld);
            c->clinic_files++;
        }
        free(src.owned);
    }
    for (int i = 0; i < count; i++)
        free(files[i]);
    free(files);
    return rc;
}

static int group_rank(const struct catalog *c, const char *id)
{
    return listed_index(&c->groups, id);
}

static int compare_protocols(const void *a, const void *b)
{
    const struct protocol_entry *x = *(struct protocol_entry *const *)a;
    const struct protocol_entry *y = *(struct protocol_entry *const *)b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return strcmp(x->p.id, y->p.id);
}

int catalog_load(const char *dir, struct catalog **out, struct err *e)
{
    struct catalog *c = xcalloc(1, sizeof(*c));
    struct source *sources = NULL;
    int count = 0, rc = -1;
    size_t alloc = 0, file_alloc = 0;
    char **files = NULL;
    int file_count = 0;
    *out = NULL;

    for (int i = 0; i < embedded_file_count; i++) {
        const struct embedded_file *f = &embedded_files[i];
        size_t n = strlen(f->path);
        if (!str_starts_with(f->path, "catalog/") || n < 5 ||
            strcmp(f->path + n - 5, ".json") ||
            !strcmp(f->path, "catalog/instruments.json"))
            continue;
        ALLOC_GROW(sources, (size_t)count + 1, alloc);
        sources[count++] = (struct source){keep_name(c, f->path), NULL,
                                           f->data, f->len, NULL,
                                           LAYER_SHIPPED};
    }
    if (dir) {
        size_t n = strlen(dir);
        char *base = xstrndup(dir, n > 1 && dir[n - 1] == '/' ? n - 1 : n);
        int bad = list_json(base, NULL, &files, &file_count, &file_alloc, 1,
                            e) < 0 ||
                  list_json(base, "protocols", &files, &file_count,
                            &file_alloc, 0, e) < 0 ||
                  load_wordings(c, base, e) < 0;
        free(base);
        if (bad)
            goto done;
        for (int i = 0; i < file_count; i++) {
            char *text;
            size_t len;
            if (read_file(files[i], &text, &len, e) < 0)
                goto done;
            ALLOC_GROW(sources, (size_t)count + 1, alloc);
            sources[count++] = (struct source){keep_name(c, files[i]), text,
                                               text, len, NULL, LAYER_CLINIC};
            c->clinic_files++;
        }
    }
    for (int i = 0; i < count; i++)
        if (parse_source(c, &sources[i], e) < 0)
            goto done;
    /* Groups and codes of every file first, so that a protocol may use a
     * code or group defined in any file. */
    for (int layer = LAYER_SHIPPED; layer <= LAYER_CLINIC; layer++)
        for (int i = 0; i < count; i++) {
            if (sources[i].layer != layer)
                continue;
            struct loader ld = {c, &sources[i], e};
            json_t *root = sources[i].root;
            if (load_listed(&ld, json_object_get(root, "groups"), &group_kind,
                            &c->groups) < 0 ||
                load_listed(&ld, json_object_get(root, "codes"), &code_kind,
                            &c->codes) < 0)
                goto done;
        }
    for (int i = 0; i < count; i++) {
        struct loader ld = {c, &sources[i], e};
        if (load_protocols(&ld, json_object_get(sources[i].root,
                                                "protocols")) < 0)
            goto done;
    }
    const struct protocol *base = catalog_find(c, CATALOG_BASELINE_ID);
    if (!base) {
        err_set(e, ERR_INPUT, "", "catalog: the baseline protocol '%s' is "
                "missing", CATALOG_BASELINE_ID);
        goto done;
    }
    c->baseline_hours = base->training_hours;
    for (int i = 0; i < c->protocol_count; i++)
        c->protocols[i]->rank = group_rank(c, c->protocols[i]->p.group);
    qsort(c->protocols, (size_t)c->protocol_count, sizeof(*c->protocols),
          compare_protocols);
    *out = c;
    c = NULL;
    rc = 0;
done:
    for (int i = 0; i < count; i++)
        free(sources[i].owned);
    free(sources);
    for (int i = 0; i < file_count; i++)
        free(files[i]);
    free(files);
    catalog_free(c);
    return rc;
}

void catalog_free(struct catalog *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->protocol_count; i++)
        protocol_free(c->protocols[i]);
    free(c->protocols);
    free(c->groups.v);
    free(c->codes.v);
    free(c->wordings);
    for (int i = 0; i < c->root_count; i++)
        json_decref(c->roots[i]);
    free(c->roots);
    for (int i = 0; i < c->name_count; i++)
        free(c->names[i]);
    free(c->names);
    free(c);
}

/* --- queries ------------------------------------------------------------ */

int catalog_protocol_count(const struct catalog *c)
{
    return c->protocol_count;
}

const struct protocol *catalog_protocol_at(const struct catalog *c, int i)
{
    if (i < 0 || i >= c->protocol_count)
        BUG("protocol index %d out of range", i);
    return &c->protocols[i]->p;
}

const struct protocol *catalog_find(const struct catalog *c, const char *id)
{
    if (!id)
        return NULL;
    int i = find_protocol_index(c, id);
    return i < 0 ? NULL : &c->protocols[i]->p;
}

/* 1 when text is not NULL and holds q, in any case. */
static int holds(const char *text, const char *q)
{
    return text && strcasestr(text, q);
}

int catalog_protocol_matches(const struct protocol *p, const char *q)
{
    if (!q || !*q)
        return 1;
    if (holds(p->name, q) || holds(p->id, q) || holds(p->region, q) ||
        holds(p->summary, q))
        return 1;
    for (int i = 0; i < p->indication_count; i++)
        if (holds(p->indications[i].code, q) ||
            holds(p->indications[i].title, q))
            return 1;
    return 0;
}

int catalog_group_count(const struct catalog *c)
{
    return c->groups.count;
}

const struct protocol_group *catalog_group_at(const struct catalog *c, int i)
{
    if (i < 0 || i >= c->groups.count)
        BUG("group index %d out of range", i);
    return &c->groups.v[i].g;
}

const struct protocol_group *catalog_group_find(const struct catalog *c,
                                                const char *id)
{
    const struct listed_entry *g = id ? listed_find(&c->groups, id) : NULL;
    return g ? &g->g : NULL;
}

int catalog_group_protocol_count(const struct catalog *c, const char *group)
{
    int n = 0;
    for (int i = 0; i < c->protocol_count; i++)
        if (!strcmp(c->protocols[i]->p.group, group))
            n++;
    return n;
}

const char *catalog_code_title(const struct catalog *c, const char *code)
{
    const struct listed_entry *ce = code ? listed_find(&c->codes, code)
                                         : NULL;
    return ce ? ce->g.name : NULL;
}

void catalog_clinic_summary(const struct catalog *c, int *files, int *added,
                            int *replaced)
{
    *files = c->clinic_files;
    *added = c->added;
    *replaced = c->replaced;
}

int protocol_required_hours(const struct protocol *p)
{
    return p->training_hours;
}

int protocol_requires_baseline(const struct protocol *p)
{
    return strcmp(p->id, CATALOG_BASELINE_ID) != 0;
}

int catalog_baseline_hours(const struct catalog *c)
{
    return c->baseline_hours;
}

int catalog_total_hours(const struct catalog *c, const struct protocol *p)
{
    return p->training_hours +
           (protocol_requires_baseline(p) ? c->baseline_hours : 0);
}

const struct protocol_phase *protocol_phase_find(const struct protocol *p,
                                                 const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; i < p->phase_count; i++)
        if (!strcasecmp(p->phases[i].name, name))
            return &p->phases[i];
    return NULL;
}

int protocol_instrument_role(const struct protocol *p, const char *code)
{
    for (int i = 0; i < p->primary_count; i++)
        if (!strcmp(p->primary[i], code))
            return 1;
    for (int i = 0; i < p->secondary_count; i++)
        if (!strcmp(p->secondary[i], code))
            return 2;
    return 0;
}

const struct protocol_red_flag *protocol_red_flag_find(
    const struct protocol *p, const char *id)
{
    for (int i = 0; id && i < p->red_flag_count; i++)
        if (!strcmp(p->red_flags[i].id, id))
            return &p->red_flags[i];
    return NULL;
}

const char *phase_kind_name(enum phase_kind kind)
{
    if ((unsigned)kind >= PHASE_KIND_COUNT)
        BUG("unknown phase kind %d", (int)kind);
    return kind_names[kind];
}

int phase_kind_parse(const char *name)
{
    for (int i = 0; name && i < PHASE_KIND_COUNT; i++)
        if (!strcmp(kind_names[i], name))
            return i;
    return -1;
}

int catalog_parse_delay(const char *text)
{
    if (!text || !(text[0] >= '1' && text[0] <= '9'))
        return -1;
    long n = 0;
    const char *s = text;
    while (*s >= '0' && *s <= '9') {
        n = n * 10 + (*s - '0');
        if (n > 100000)
            return -1;
        s++;
    }
    long unit;
    switch (*s) {
    case 'h': unit = 1; break;
    case 'd': unit = 24; break;
    case 'w': unit = 168; break;
    case 'm': unit = 720; break;
    default: return -1;
    }
    if (s[1])
        return -1;
    long hours = n * unit;
    return hours > 5L * 365 * 24 ? -1 : (int)hours;
}

const struct instrument_wording *catalog_wording(const struct catalog *c,
                                                 const char *code)
{
    for (int i = 0; c && code && i < c->wording_count; i++)
        if (!strcmp(c->wordings[i].code, code))
            return &c->wordings[i].w;
    const struct instrument *in = instrument_find(code);
    return in ? in->wording : NULL;
}
