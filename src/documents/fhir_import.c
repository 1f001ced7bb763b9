/* FHIR R4 import of a referral bundle (fhir.h, docs/fhir.md). */
#include "documents/fhir.h"
#include "core/json_read.h"
#include "core/number.h"
#include "core/util.h"
#include "catalog/instrument.h"
#include "core/clock.h"
#include "record/access.h"
#include "record/episode.h"
#include "record/observation.h"
#include "record/session.h"
#include "record/patient.h"
#include "record/practitioner.h"
#include "record/referral.h"
#include "record/training.h"
#include "record/validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_LEN FHIR_PATH_MAX
#define CODES_MAX 12

enum entry_role {
    ENTRY_NONE,
    ENTRY_PATIENT,
    ENTRY_THERAPIST, /* a Practitioner of the clinic */
    ENTRY_PHYSICIAN, /* a Practitioner who requests a ServiceRequest */
    ENTRY_REASON,    /* a Condition named by a reasonReference */
    ENTRY_REFERRAL,  /* a ServiceRequest */
    ENTRY_RESPONSE,  /* a QuestionnaireResponse: a score */
};

/* Unknown elements that are not modifiers are dropped from the working
 * copy and the import runs again; at most this many are ignored. */
#define WARNINGS_MAX 64

struct entry {
    const json_t *resource;
    const char *type;
    const char *full_url; /* or NULL */
    const char *id;       /* resource.id, or NULL */
    enum entry_role role;
    int64_t record_id;    /* the patient, practitioner or referral */
    int created;          /* 1: 201 Created, 0: 200 OK */
    const char *location_type; /* "Patient", ... or NULL */
};

struct import {
    struct store *s;
    const struct actor *caller;
    struct fhir_issue *issue;
    struct err *e;
    struct fhir_import_result *result;
    struct entry *entries;
    size_t count;
    struct json_reader r; /* reports into e */
    const json_t *root;   /* the working copy being imported */
    int bare;             /* 1: root is a QuestionnaireResponse alone */
    json_t *notes;        /* warnings of this pass (issue objects) */
    /* An unknown element that is not a modifier: the object that holds
     * it (path) and its name, to drop before the next pass. */
    int prune;
    char prune_parent[PATH_LEN];
    char prune_key[128];
};

/* The path of entry i's resource ("Bundle.entry[2].resource", or
 * "QuestionnaireResponse" for a response imported alone). */
static void entry_base(const struct import *im, size_t i, char out[PATH_LEN])
{
    if (im->bare)
        snprintf(out, PATH_LEN, "QuestionnaireResponse");
    else
        snprintf(out, PATH_LEN, "Bundle.entry[%zu].resource", i);
}

/* The value at path ("Bundle.entry[2].resource.name[0]") in root, or
 * NULL. The first segment names the root. */
static json_t *value_at(const json_t *root, const char *path)
{
    const char *p = path + strcspn(path, ".[");
    json_t *v = (json_t *)root;
    while (v && *p) {
        if (*p == '[') {
            char *end;
            unsigned long k = strtoul(p + 1, &end, 10);
            if (*end != ']')
                return NULL;
            v = json_array_get(v, k);
            p = end + 1;
        } else {
            p++;
            size_t n = strcspn(p, ".[");
            char key[PATH_LEN];
            if (n >= sizeof(key))
                return NULL;
            memcpy(key, p, n);
            key[n] = '\0';
            v = json_object_get(v, key);
            p += n;
        }
    }
    return v;
}

/* FHIR R4 elements whose isModifier is true that Touchstone does not read
 * (those it reads, such as status, intent, active and use, it checks). */
static int is_modifier(const struct import *im, const char *parent,
                       const char *key)
{
    static const struct {
        const char *type, *element;
    } modifiers[] = {
        {"Patient", "deceasedBoolean"}, {"Patient", "deceasedDateTime"},
        {"Patient", "link"},            {"ServiceRequest", "doNotPerform"},
        {"Condition", "clinicalStatus"},
        {"Condition", "verificationStatus"},
    };
    if (!strcmp(key, "modifierExtension") || !strcmp(key, "comparator") ||
        !strcmp(key, "use") || !strcmp(key, "status") ||
        !strcmp(key, "implicitRules"))
        return 1;
    const char *type = json_string_value(
        json_object_get(value_at(im->root, parent), "resourceType"));
    for (size_t k = 0; type && k < ARRAY_SIZE(modifiers); k++)
        if (!strcmp(type, modifiers[k].type) &&
            !strcmp(key, modifiers[k].element))
            return 1;
    return 0;
}

/* Notes a warning of this pass at path. */
static void warn(struct import *im, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(struct import *im, const char *path, const char *fmt, ...)
{
    char message[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    json_array_append_new(im->notes,
                          json_pack("{s:s,s:s,s:s,s:[s]}", "severity",
                                    "warning", "code", "informational",
                                    "diagnostics", message, "expression",
                                    path));
}

/* Refuses with the element path and the FHIR issue type. Returns -1. */
static int refuse(struct import *im, enum err_code code,
                  const char *issue_code, const char *path, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));
static int refuse(struct import *im, enum err_code code,
                  const char *issue_code, const char *path, const char *fmt,
                  ...)
{
    va_list ap;
    char message[sizeof(im->e->message)];
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    err_clear(im->e);
    im->e->code = code;
    /* The path is the field when it fits, else it leads the message. */
    if (strlen(path) < sizeof(im->e->field)) {
        snprintf(im->e->field, sizeof(im->e->field), "%s", path);
        snprintf(im->e->message, sizeof(im->e->message), "%s", message);
    } else {
        snprintf(im->e->message, sizeof(im->e->message), "%.250s: %.250s",
                 path, message);
    }
    snprintf(im->issue->code, sizeof(im->issue->code), "%s", issue_code);
    snprintf(im->issue->expression, sizeof(im->issue->expression), "%s",
             path);
    return -1;
}

/* Turns an error from a validator or the record into a refusal at path
 * (keeping its message). */
static int refuse_err(struct import *im, const char *path)
{
    struct err copy = *im->e;
    const char *issue = fhir_issue_code(copy.code);
    return refuse(im, copy.code, issue, path, "%s", copy.message);
}

/* out = base.tail (printf-formatted tail), cut to fit. */
#define path_join(out, base, ...)                                             \
    json_path((out), PATH_LEN, (base), __VA_ARGS__)

/* A string member that must not be empty, required or optional. */
#define TEXT_REQUIRED (JSON_REQUIRED | JSON_NONEMPTY)
#define TEXT_OPTIONAL JSON_NONEMPTY

/* Turns the reader's failure into a refusal with its FHIR issue type: an
 * element Touchstone does not import is "not-supported", an absent one
 * "required", an object or array of the wrong shape "structure", a bad
 * value "invalid". Returns -1. */
static int refuse_read(struct import *im)
{
    const struct json_reader *r = &im->r;
    char parent[PATH_LEN], path[PATH_LEN];
    switch (r->fault) {
    case JSON_FAULT_UNKNOWN:
        snprintf(parent, sizeof(parent), "%.*s", (int)r->parent_len,
                 r->path);
        path_join(path, parent, "%.100s", r->key);
        if (!strcmp(r->key, "modifierExtension"))
            return refuse(im, ERR_INPUT, "not-supported", path,
                          "a modifier extension Touchstone does not "
                          "understand changes the meaning; refused");
        if (is_modifier(im, parent, r->key))
            return refuse(im, ERR_INPUT, "not-supported", path,
                          "'%.100s' is a modifier element Touchstone does "
                          "not understand: it may change the meaning of "
                          "the resource; refused", r->key);
        if (strlen(r->key) < sizeof(im->prune_key) &&
            strlen(parent) < sizeof(im->prune_parent) - 1) {
            im->prune = 1;
            snprintf(im->prune_parent, sizeof(im->prune_parent), "%s",
                     parent);
            snprintf(im->prune_key, sizeof(im->prune_key), "%s", r->key);
        }
        return refuse(im, ERR_INPUT, "not-supported", path,
                      "'%.100s' is not an element Touchstone imports here",
                      r->key);
    case JSON_FAULT_MISSING:
        return refuse(im, ERR_INPUT, "required", r->path, "missing");
    case JSON_FAULT_TYPE:
        return refuse(im, ERR_INPUT,
                      r->want == JSON_KIND_OBJECT ||
                              r->want == JSON_KIND_ARRAY
                          ? "structure"
                          : "invalid",
                      r->path, "%s", im->e->message);
    case JSON_FAULT_NONE:
        break;
    }
    BUG("no reader failure to refuse");
}

/* A field of the record and the element it is read from. */
struct element_map {
    const char *field, *element;
};

/* The path of the element behind the field im->e names: base.element
 * when map (n entries) lists the field, else base. */
static void element_path(const struct import *im, char out[PATH_LEN],
                         const char *base, const struct element_map *map,
                         size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(map[k].field, im->e->field)) {
            path_join(out, base, "%s", map[k].element);
            return;
        }
    snprintf(out, PATH_LEN, "%s", base);
}

/* Turns an error from the record into a refusal at the element behind
 * the field it names (element_path). Returns -1. */
static int refuse_mapped(struct import *im, const char *base,
                         const struct element_map *map, size_t n)
{
    char path[PATH_LEN];
    element_path(im, path, base, map, n);
    return refuse_err(im, path);
}

/* Settles entry en on its record (en->record_id): created or matched, of
 * the resource type, counted in *count. Returns 0. */
static int entry_settle(struct entry *en, const char *type, int created,
                        int *count)
{
    en->created = created;
    en->location_type = type;
    (*count)++;
    return 0;
}

/* ---- references ---- */

/* The entry a reference names (by fullUrl or Type/id), or -1. */
static long resolve(const struct import *im, const char *reference)
{
    for (size_t i = 0; i < im->count; i++) {
        const struct entry *en = &im->entries[i];
        if (en->full_url && !strcmp(en->full_url, reference))
            return (long)i;
        if (en->id) {
            size_t tn = strlen(en->type);
            if (!strncmp(reference, en->type, tn) && reference[tn] == '/' &&
                !strcmp(reference + tn + 1, en->id))
                return (long)i;
        }
    }
    return -1;
}

/* Reads {"reference": "..."} at path into *text. */
static int reference_text(struct import *im, const json_t *v,
                          const char *path, const char **text)
{
    static const char *const keys[] = {"reference", "display", "type",
                                       NULL};
    if (json_read_object(&im->r, v, path) < 0 ||
        json_read_keys(&im->r, v, path, keys) < 0 ||
        json_read_text(&im->r, v, path, "reference", TEXT_REQUIRED, text) <
            0)
        return refuse_read(im);
    return 0;
}

/* ---- shared element readers ---- */

/* The next object of a walk (keys allowed), with two required non-empty
 * text members k1 and k2. Returns 1, 0 at the end, -1 on a failure (in
 * im->r). */
static int each_text_pair(struct import *im, struct json_each *it,
                          const char *const *keys, const char *k1,
                          const char **v1, const char *k2, const char **v2)
{
    int rc = json_each_next(&im->r, it, keys);
    if (rc > 0 && (json_read_text(&im->r, it->item, it->path, k1,
                                  TEXT_REQUIRED, v1) < 0 ||
                   json_read_text(&im->r, it->item, it->path, k2,
                                  TEXT_REQUIRED, v2) < 0))
        return -1;
    return rc;
}

/* HumanName[0] into out: its text, else given names and family. */
static int read_name(struct import *im, const json_t *res, const char *base,
                     char *out, size_t n)
{
    static const char *const keys[] = {"use", "text", "family", "given",
                                       NULL};
    char item[PATH_LEN];
    struct json_each it;
    int rc = json_each_begin(&im->r, &it, res, base, "name",
                             JSON_REQUIRED | JSON_NONEMPTY);
    /* Every name is checked; the first is the one kept. */
    while (rc >= 0 && (rc = json_each_next(&im->r, &it, keys)) > 0)
        ;
    const json_t *first = json_array_get(it.array, 0);
    path_join(item, base, "name[0]");
    const char *text, *family;
    if (rc < 0 ||
        json_read_text(&im->r, first, item, "text", TEXT_OPTIONAL, &text) <
            0 ||
        json_read_text(&im->r, first, item, "family", TEXT_OPTIONAL,
                       &family) < 0)
        return refuse_read(im);
    if (text) {
        snprintf(out, n, "%s", text);
    } else {
        struct buf b = BUF_INIT;
        const json_t *given;
        if (json_read_member(&im->r, first, item, "given", JSON_KIND_ARRAY,
                             JSON_NONEMPTY, &given) < 0)
            return refuse_read(im);
        size_t k;
        const json_t *g;
        json_array_foreach(given, k, g) {
            if (!json_is_string(g) || !*json_string_value(g)) {
                char gpath[PATH_LEN];
                buf_release(&b);
                path_join(gpath, item, "given[%zu]", k);
                return refuse(im, ERR_INPUT, "invalid", gpath,
                              "must be a non-empty string");
            }
            buf_printf(&b, "%s%s", b.len ? " " : "", json_string_value(g));
        }
        if (family)
            buf_printf(&b, "%s%s", b.len ? " " : "", family);
        if (!b.len) {
            buf_release(&b);
            return refuse(im, ERR_INPUT, "required", item,
                          "needs text, or given and family names");
        }
        snprintf(out, n, "%s", b.data);
        buf_release(&b);
    }
    if (validate_text(out, "name", 1, RECORD_NAME_MAX, im->e) < 0)
        return refuse_err(im, item);
    return 0;
}

/* ContactPoint[]: the first phone and the first email; other systems are
 * refused unless allowed_phone (0: a phone is refused too). */
static int read_telecom(struct import *im, const json_t *res,
                        const char *base, int allow_phone,
                        const char **phone, const char **email)
{
    static const char *const keys[] = {"system", "value", "use", "rank",
                                       NULL};
    *phone = *email = NULL;
    struct json_each it;
    const char *system, *value;
    int rc = json_each_begin(&im->r, &it, res, base, "telecom",
                             JSON_NONEMPTY);
    while (rc >= 0 && (rc = each_text_pair(im, &it, keys, "system", &system,
                                           "value", &value)) > 0) {
        const char *path = it.path;
        char vpath[PATH_LEN];
        path_join(vpath, path, "value");
        if (!strcmp(system, "email")) {
            if (validate_email(value, "email", im->e) < 0)
                return refuse_err(im, vpath);
            if (!*email)
                *email = value;
        } else if (!strcmp(system, "phone") && allow_phone) {
            if (!*phone)
                *phone = value;
        } else {
            path_join(vpath, path, "system");
            return refuse(im, ERR_INPUT, "not-supported", vpath,
                          "Touchstone keeps no '%.32s' contact here",
                          system);
        }
    }
    return rc < 0 ? refuse_read(im) : 0;
}

/* ---- Patient ---- */

struct patient_in {
    char name[RECORD_NAME_MAX + 1];
    const char *birth_date, *sex, *zip, *phone, *email;
};

static int read_patient(struct import *im, const json_t *res,
                        const char *base, struct patient_in *p)
{
    static const char *const keys[] = {
        "resourceType", "id", "meta", "text", "identifier", "active", "name",
        "telecom", "gender", "birthDate", "address", NULL};
    static const char *const address_keys[] = {"use", "type", "postalCode",
                                               NULL};
    char path[PATH_LEN];
    memset(p, 0, sizeof(*p));
    if (json_read_keys(&im->r, res, base, keys) < 0)
        return refuse_read(im);
    if (read_name(im, res, base, p->name, sizeof(p->name)) < 0)
        return -1;
    if (json_read_text(&im->r, res, base, "gender", TEXT_OPTIONAL, &p->sex) <
            0 ||
        json_read_text(&im->r, res, base, "birthDate", TEXT_REQUIRED,
                       &p->birth_date) < 0)
        return refuse_read(im);
    if (read_telecom(im, res, base, 1, &p->phone, &p->email) < 0)
        return -1;
    const json_t *active = json_object_get(res, "active");
    path_join(path, base, "active");
    if (active && !json_is_boolean(active))
        return refuse(im, ERR_INPUT, "invalid", path,
                      "must be true or false");
    if (active && json_is_false(active))
        return refuse(im, ERR_INPUT, "business-rule", path,
                      "an inactive patient record is not imported");
    if (!p->sex)
        p->sex = "unknown";
    path_join(path, base, "gender");
    if (!patient_sex_valid(p->sex))
        return refuse(im, ERR_INPUT, "code-invalid", path,
                      "'%.32s' is not one of male, female, other, unknown",
                      p->sex);
    path_join(path, base, "birthDate");
    long dob;
    if (strlen(p->birth_date) != 10)
        return refuse(im, ERR_INPUT, "invalid", path,
                      "'%.32s' is not a full date (YYYY-MM-DD)",
                      p->birth_date);
    if (validate_past_date(p->birth_date, "birthDate", &dob, im->e) < 0)
        return refuse_err(im, path);
    if (dob < clock_today() - 130L * 366L)
        return refuse(im, ERR_INPUT, "invalid", path,
                      "'%s' is more than 130 years ago", p->birth_date);
    struct json_each it;
    int rc = json_each_begin(&im->r, &it, res, base, "address",
                             JSON_NONEMPTY);
    while (rc >= 0 && (rc = json_each_next(&im->r, &it, address_keys)) > 0) {
        const char *zip;
        if (json_read_text(&im->r, it.item, it.path, "postalCode",
                           TEXT_OPTIONAL, &zip) < 0)
            return refuse_read(im);
        char zpath[PATH_LEN];
        path_join(zpath, it.path, "postalCode");
        if (zip) {
            size_t n = strlen(zip);
            int ok = n == 5 || (n == 10 && zip[5] == '-');
            for (size_t k = 0; ok && k < n; k++)
                ok = k == 5 ? zip[k] == '-'
                            : (zip[k] >= '0' && zip[k] <= '9');
            if (!ok)
                return refuse(im, ERR_INPUT, "invalid", zpath,
                              "'%.32s' is not a US ZIP code (12345 or "
                              "12345-6789)", zip);
            if (!p->zip)
                p->zip = zip;
        }
    }
    return rc < 0 ? refuse_read(im) : 0;
}

/* Reads Patient.identifier[] (system and value each) for matching. */
static int read_identifiers(struct import *im, const json_t *res,
                            const char *base)
{
    static const char *const keys[] = {"use", "type", "system", "value",
                                       NULL};
    struct json_each it;
    const char *system, *value;
    int rc = json_each_begin(&im->r, &it, res, base, "identifier",
                             JSON_NONEMPTY);
    while (rc >= 0 && (rc = each_text_pair(im, &it, keys, "system", &system,
                                           "value", &value)) > 0) {
        char vpath[PATH_LEN];
        path_join(vpath, it.path, "system");
        if (validate_text(system, "system", 1, 200, im->e) < 0)
            return refuse_err(im, vpath);
        path_join(vpath, it.path, "value");
        if (validate_text(value, "value", 1, 64, im->e) < 0)
            return refuse_err(im, vpath);
    }
    return rc < 0 ? refuse_read(im) : 0;
}

static int import_patient(struct import *im, struct entry *en,
                          const char *base)
{
    struct patient_in p;
    const json_t *res = en->resource;
    if (read_patient(im, res, base, &p) < 0 ||
        read_identifiers(im, res, base) < 0)
        return -1;
    const json_t *ids = json_object_get(res, "identifier");
    int64_t match = 0;
    size_t i;
    const json_t *id;
    char path[PATH_LEN], local[FHIR_SYSTEM_LEN];
    fhir_local_patient_system(im->s, local);
    json_array_foreach(ids, i, id) {
        const char *system = json_string_value(json_object_get(id, "system"));
        const char *value = json_string_value(json_object_get(id, "value"));
        int64_t holder = 0;
        path_join(path, base, "identifier[%zu]", i);
        if (!strcmp(system, FHIR_SID_PATIENT))
            continue;
        if (!strcmp(system, local)) {
            /* One of this clinic's own ids: the patient it names. */
            long long n;
            if (parse_integer(value, 1, INT64_MAX, &n) < 0 ||
                access_patient(im->s, im->caller, n, 1, "patient", im->e) <
                    0)
                return refuse(im, ERR_NOT_FOUND, "not-found", path,
                              "this clinic has no patient %.32s", value);
            holder = n;
        } else if (fhir_identifier_find(im->s, system, value, &holder,
                                        im->e) < 0) {
            return refuse_err(im, path);
        }
        if (holder && match && holder != match)
            return refuse(im, ERR_CONFLICT, "conflict", path,
                          "names another patient than the identifiers "
                          "before it");
        if (holder)
            match = holder;
    }
    if (match) {
        if (access_patient(im->s, im->caller, match, 1, "patient", im->e) <
            0) {
            path_join(path, base, "identifier");
            return refuse(im, ERR_CONFLICT, "conflict", path,
                          "held by a patient of another practitioner");
        }
        en->record_id = match;
        en->created = 0;
        im->result->patients_matched++;
    } else {
        struct patient_new in = {
            .name = p.name, .birth_date = p.birth_date, .sex = p.sex,
            .zip = p.zip, .phone = p.phone, .email = p.email};
        if (patient_add(im->s, im->caller, &in, &en->record_id, im->e) <
            0) {
            static const struct element_map map[] = {
                {"name", "name[0]"}, {"dob", "birthDate"},
                {"sex", "gender"},   {"zip", "address"},
                {"phone", "telecom"}, {"email", "telecom"}};
            return refuse_mapped(im, base, map, ARRAY_SIZE(map));
        }
        en->created = 1;
        im->result->patients_created++;
    }
    json_array_foreach(ids, i, id) {
        const char *system = json_string_value(json_object_get(id, "system"));
        const char *value = json_string_value(json_object_get(id, "value"));
        if (!strcmp(system, FHIR_SID_PATIENT) || !strcmp(system, local))
            continue;
        int added;
        path_join(path, base, "identifier[%zu]", i);
        if (fhir_identifier_add(im->s, im->caller, en->record_id, system,
                                value, &added, im->e) < 0)
            return refuse_err(im, path);
        im->result->identifiers_added += added;
    }
    en->location_type = "Patient";
    return 0;
}

/* ---- Practitioner ---- */

struct training_in {
    const char *protocol, *completed, *provider;
    double hours;
    char path[PATH_LEN];
};

struct practitioner_in {
    char name[RECORD_NAME_MAX + 1];
    const char *npi, *license, *email, *phone;
    char credentials[RECORD_CODE_MAX + 1];
    char specialty[RECORD_NAME_MAX + 1];
    struct training_in training[64];
    size_t training_count;
};

/* One qualification (an object already, at path): a protocol training
 * record, or credentials (a specialty for a physician). */
static int read_qualification(struct import *im, const json_t *q,
                              const char *path, struct practitioner_in *p,
                              int physician)
{
    static const char *const keys[] = {"extension", "identifier", "code",
                                       "period", "issuer", NULL};
    static const char *const code_keys[] = {"coding", "text", NULL};
    static const char *const coding_keys[] = {"system", "code", "display",
                                              "version", NULL};
    char sub[PATH_LEN];
    const json_t *code;
    const char *text, *protocol = NULL, *first_code = NULL;
    path_join(sub, path, "code");
    if (json_read_keys(&im->r, q, path, keys) < 0 ||
        json_read_member(&im->r, q, path, "code", JSON_KIND_OBJECT,
                         JSON_REQUIRED, &code) < 0 ||
        json_read_keys(&im->r, code, sub, code_keys) < 0 ||
        json_read_text(&im->r, code, sub, "text", TEXT_OPTIONAL, &text) < 0)
        return refuse_read(im);
    struct json_each it;
    int rc = json_each_begin(&im->r, &it, code, sub, "coding",
                             JSON_NONEMPTY);
    while (rc >= 0 && (rc = json_each_next(&im->r, &it, coding_keys)) > 0) {
        const char *system, *value;
        if (json_read_text(&im->r, it.item, it.path, "system",
                           TEXT_OPTIONAL, &system) < 0 ||
            json_read_text(&im->r, it.item, it.path, "code", TEXT_REQUIRED,
                           &value) < 0)
            return refuse_read(im);
        if (system && !strcmp(system, FHIR_SYSTEM_PROTOCOL))
            protocol = value;
        else if (!first_code)
            first_code = value;
    }
    if (rc < 0)
        return refuse_read(im);
    if (protocol && !physician) {
        if (p->training_count >= ARRAY_SIZE(p->training))
            return refuse(im, ERR_INPUT, "too-costly", path,
                          "more than %zu training records",
                          ARRAY_SIZE(p->training));
        struct training_in *t = &p->training[p->training_count++];
        memset(t, 0, sizeof(*t));
        t->protocol = protocol;
        snprintf(t->path, sizeof(t->path), "%s", path);
        const json_t *period = json_object_get(q, "period");
        path_join(sub, path, "period");
        static const char *const period_keys[] = {"start", "end", NULL};
        if (!period)
            return refuse(im, ERR_INPUT, "required", sub,
                          "a training record needs period.start (the date "
                          "completed)");
        if (json_read_object(&im->r, period, sub) < 0 ||
            json_read_keys(&im->r, period, sub, period_keys) < 0 ||
            json_read_text(&im->r, period, sub, "start", TEXT_REQUIRED,
                           &t->completed) < 0)
            return refuse_read(im);
        static const char *const issuer_keys[] = {"display", NULL};
        const json_t *issuer;
        path_join(sub, path, "issuer");
        if (json_read_member(&im->r, q, path, "issuer", JSON_KIND_OBJECT, 0,
                             &issuer) < 0 ||
            (issuer &&
             (json_read_keys(&im->r, issuer, sub, issuer_keys) < 0 ||
              json_read_text(&im->r, issuer, sub, "display", TEXT_REQUIRED,
                             &t->provider) < 0)))
            return refuse_read(im);
        static const char *const ext_keys[] = {"url", "valueDecimal", NULL};
        path_join(sub, path, "extension");
        if (!json_object_get(q, "extension"))
            return refuse(im, ERR_INPUT, "required", sub,
                          "a training record needs the training-hours "
                          "extension (%s)", FHIR_EXT_TRAINING_HOURS);
        rc = json_each_begin(&im->r, &it, q, path, "extension",
                             JSON_NONEMPTY);
        while (rc >= 0 && (rc = json_each_next(&im->r, &it, ext_keys)) > 0) {
            const char *url;
            if (json_read_text(&im->r, it.item, it.path, "url",
                               TEXT_REQUIRED, &url) < 0)
                return refuse_read(im);
            if (strcmp(url, FHIR_EXT_TRAINING_HOURS))
                return refuse(im, ERR_INPUT, "not-supported", it.path,
                              "extension '%.120s' is not one Touchstone "
                              "imports", url);
            const json_t *v = json_object_get(it.item, "valueDecimal");
            path_join(sub, it.path, "valueDecimal");
            if (!json_is_number(v))
                return refuse(im, ERR_INPUT, "invalid", sub,
                              "the hours must be a number");
            t->hours = json_number_value(v);
        }
        return rc < 0 ? refuse_read(im) : 0;
    }
    if (json_object_get(q, "extension")) {
        path_join(sub, path, "extension");
        return refuse(im, ERR_INPUT, "not-supported", sub,
                      "extensions are imported only on a protocol training "
                      "qualification");
    }
    const char *label = text ? text : first_code;
    if (!label)
        return refuse(im, ERR_INPUT, "required", sub,
                      "needs text or a coding");
    char *into = physician ? p->specialty : p->credentials;
    size_t cap = physician ? sizeof(p->specialty) : sizeof(p->credentials);
    if (!*into) {
        snprintf(into, cap, "%s", label);
    } else if (!physician) {
        size_t used = strlen(into);
        if (used + 2 + strlen(label) >= cap)
            return refuse(im, ERR_INPUT, "invalid", sub,
                          "the credentials are longer than %d bytes",
                          RECORD_CODE_MAX);
        snprintf(into + used, cap - used, ", %s", label);
    }
    return 0;
}

static int read_practitioner(struct import *im, const json_t *res,
                             const char *base, int physician,
                             struct practitioner_in *p)
{
    static const char *const keys[] = {"resourceType", "id", "meta", "text",
                                       "identifier", "active", "name",
                                       "telecom", "qualification", NULL};
    static const char *const id_keys[] = {"use", "type", "system", "value",
                                          NULL};
    char path[PATH_LEN];
    memset(p, 0, sizeof(*p));
    if (json_read_keys(&im->r, res, base, keys) < 0)
        return refuse_read(im);
    if (read_name(im, res, base, p->name, sizeof(p->name)) < 0 ||
        read_telecom(im, res, base, 0, &p->phone, &p->email) < 0)
        return -1;
    if (physician && p->email) {
        path_join(path, base, "telecom");
        return refuse(im, ERR_INPUT, "not-supported", path,
                      "a referring physician's contact is not kept");
    }
    const json_t *active = json_object_get(res, "active");
    path_join(path, base, "active");
    if (active && !json_is_boolean(active))
        return refuse(im, ERR_INPUT, "invalid", path,
                      "must be true or false");
    struct json_each it;
    const char *system, *value;
    int rc = json_each_begin(&im->r, &it, res, base, "identifier",
                             JSON_NONEMPTY);
    while (rc >= 0 && (rc = each_text_pair(im, &it, id_keys, "system",
                                           &system, "value", &value)) > 0) {
        char vpath[PATH_LEN];
        path_join(vpath, it.path, "value");
        if (!strcmp(system, FHIR_SID_NPI)) {
            if (validate_npi(value, "npi", im->e) < 0)
                return refuse_err(im, vpath);
            p->npi = value;
        } else if (!strcmp(system, FHIR_SID_LICENSE) && !physician) {
            if (validate_text(value, "license", 1, RECORD_CODE_MAX, im->e) <
                0)
                return refuse_err(im, vpath);
            p->license = value;
        } else {
            path_join(vpath, it.path, "system");
            return refuse(im, ERR_INPUT, "not-supported", vpath,
                          "identifiers of system '%.120s' are not kept for "
                          "a %s", system,
                          physician ? "referring physician"
                                    : "practitioner");
        }
    }
    if (rc >= 0)
        rc = json_each_begin(&im->r, &it, res, base, "qualification",
                             JSON_NONEMPTY);
    while (rc >= 0 && (rc = json_each_next(&im->r, &it, NULL)) > 0)
        if (read_qualification(im, it.item, it.path, p, physician) < 0)
            return -1;
    if (rc < 0)
        return refuse_read(im);
    if (physician && !p->specialty[0])
        snprintf(p->specialty, sizeof(p->specialty), "not stated");
    return 0;
}

/* The practitioner of the clinic with this NPI or licence, or 0. */
static int find_practitioner(struct import *im, const struct practitioner_in
                             *p, int64_t *id)
{
    struct practitioner_list l = {0};
    *id = 0;
    if (practitioner_list(im->s, im->caller, &l, im->e) < 0)
        return -1;
    for (size_t i = 0; i < l.count && !*id; i++) {
        const struct practitioner *x = &l.items[i];
        if ((p->npi && !strcmp(x->npi, p->npi)) ||
            (p->license && !strcmp(x->license, p->license)))
            *id = x->id;
    }
    practitioner_list_release(&l);
    return 0;
}

static int import_therapist(struct import *im, struct entry *en,
                            const char *base)
{
    struct practitioner_in *p = xcalloc(1, sizeof(*p));
    char path[PATH_LEN];
    int rc = read_practitioner(im, en->resource, base, 0, p);
    int64_t id = 0;
    if (rc == 0 && (rc = find_practitioner(im, p, &id)) < 0)
        refuse_err(im, base);
    if (rc == 0 && id) {
        en->record_id = id;
        en->created = 0;
        im->result->practitioners_matched++;
    } else if (rc == 0) {
        if (!p->license) {
            path_join(path, base, "identifier");
            free(p);
            return refuse(im, ERR_INPUT, "required", path,
                          "a new practitioner needs a licence identifier "
                          "(system %s)", FHIR_SID_LICENSE);
        }
        if (!p->credentials[0]) {
            path_join(path, base, "qualification");
            free(p);
            return refuse(im, ERR_INPUT, "required", path,
                          "a new practitioner needs their credentials (a "
                          "qualification with code.text, e.g. \"LMT\")");
        }
        struct practitioner_new in = {.name = p->name, .license = p->license,
                                      .credentials = p->credentials,
                                      .email = p->email, .npi = p->npi};
        rc = practitioner_add(im->s, im->caller, &in, &en->record_id, im->e);
        if (rc < 0) {
            refuse_err(im, base);
        } else {
            en->created = 1;
            im->result->practitioners_created++;
        }
    }
    if (rc == 0) {
        struct training_list have = {0};
        rc = training_list(im->s, im->caller, en->record_id, &have, im->e);
        if (rc < 0)
            refuse_err(im, base);
        for (size_t i = 0; rc == 0 && i < p->training_count; i++) {
            const struct training_in *t = &p->training[i];
            int known = 0;
            for (size_t k = 0; k < have.count && !known; k++)
                known = !strcmp(have.items[k].protocol_id, t->protocol) &&
                        !strcmp(have.items[k].completed_on, t->completed) &&
                        fabs(have.items[k].hours - t->hours) < 1e-9;
            if (known)
                continue;
            struct training_new in = {en->record_id, t->protocol, t->hours,
                                      t->completed, t->provider, NULL};
            int64_t tid;
            rc = training_add(im->s, im->caller, &in, &tid, im->e);
            if (rc < 0) {
                static const struct element_map map[] = {
                    {"protocol", "code"},
                    {"hours", "extension"},
                    {"completed", "period.start"},
                    {"provider", "issuer.display"}};
                refuse_mapped(im, t->path, map, ARRAY_SIZE(map));
            } else {
                im->result->training_created++;
            }
        }
        training_list_release(&have);
    }
    free(p);
    en->location_type = "Practitioner";
    return rc;
}

/* ---- Condition and ServiceRequest ---- */

struct codes {
    char list[RECORD_ICD10_LIST_MAX + 1];
    int count;
    const char *first_text;
};

static int add_code(struct import *im, struct codes *c, const char *code,
                    const char *path)
{
    if (validate_icd10(code, "icd10", im->e) < 0)
        return refuse_err(im, path);
    if (strstr(c->list, code)) {
        /* The same code twice (by text search, then exactly). */
        const char *p = c->list;
        size_t n = strlen(code);
        while ((p = strstr(p, code))) {
            if ((p == c->list || p[-1] == ',') && (p[n] == ',' || !p[n]))
                return 0;
            p += n;
        }
    }
    if (c->count >= CODES_MAX)
        return refuse(im, ERR_INPUT, "invalid", path,
                      "more than %d diagnosis codes", CODES_MAX);
    size_t used = strlen(c->list);
    snprintf(c->list + used, sizeof(c->list) - used, "%s%s",
             used ? "," : "", code);
    c->count++;
    return 0;
}

/* The ICD-10-CM codings of a CodeableConcept at path into c (other
 * systems' codings are translations, and are passed over). */
static int read_concept_codes(struct import *im, const json_t *concept,
                              const char *path, struct codes *c,
                              const char **text)
{
    static const char *const keys[] = {"coding", "text", NULL};
    static const char *const coding_keys[] = {"system", "code", "display",
                                              "version", NULL};
    struct json_each it;
    if (json_read_object(&im->r, concept, path) < 0 ||
        json_read_keys(&im->r, concept, path, keys) < 0 ||
        json_read_text(&im->r, concept, path, "text", TEXT_OPTIONAL, text) <
            0 ||
        json_each_begin(&im->r, &it, concept, path, "coding",
                        JSON_NONEMPTY) < 0)
        return refuse_read(im);
    int rc;
    while ((rc = json_each_next(&im->r, &it, coding_keys)) > 0) {
        const char *system, *code, *display;
        if (json_read_text(&im->r, it.item, it.path, "system",
                           TEXT_OPTIONAL, &system) < 0 ||
            json_read_text(&im->r, it.item, it.path, "code", TEXT_OPTIONAL,
                           &code) < 0 ||
            json_read_text(&im->r, it.item, it.path, "display",
                           TEXT_OPTIONAL, &display) < 0)
            return refuse_read(im);
        if (system && code && !strcmp(system, FHIR_SYSTEM_ICD10CM)) {
            char code_path[PATH_LEN];
            path_join(code_path, it.path, "code");
            if (add_code(im, c, code, code_path) < 0)
                return -1;
            if (!*text && display)
                *text = display;
        }
    }
    return rc < 0 ? refuse_read(im) : 0;
}

static int read_condition(struct import *im, const struct entry *en,
                          const char *base, struct codes *c,
                          const char **text)
{
    static const char *const keys[] = {
        "resourceType", "id", "meta", "text", "clinicalStatus",
        "verificationStatus", "category", "code", "subject",
        "onsetDateTime", "recordedDate", NULL};
    char path[PATH_LEN];
    const json_t *code;
    path_join(path, base, "code");
    if (json_read_keys(&im->r, en->resource, base, keys) < 0 ||
        json_read_member(&im->r, en->resource, base, "code",
                         JSON_KIND_OBJECT, JSON_REQUIRED, &code) < 0)
        return refuse_read(im);
    if (read_concept_codes(im, code, path, c, text) < 0)
        return -1;
    const json_t *codings = json_object_get(code, "coding");
    size_t i;
    const json_t *k;
    int icd = 0;
    json_array_foreach(codings, i, k) {
        const char *system = json_string_value(json_object_get(k, "system"));
        icd |= system && !strcmp(system, FHIR_SYSTEM_ICD10CM);
    }
    if (!icd)
        return refuse(im, ERR_INPUT, "required", path,
                      "needs an ICD-10-CM coding (system %s)",
                      FHIR_SYSTEM_ICD10CM);
    return 0;
}

/* The Practitioner a requester names: contained ("#id") or an entry. */
static int requester_of(struct import *im, const json_t *res,
                        const char *base, const json_t **practitioner,
                        char ppath[PATH_LEN], long *entry)
{
    const char *text;
    char path[PATH_LEN];
    *practitioner = NULL;
    *entry = -1;
    const json_t *req = json_object_get(res, "requester");
    path_join(path, base, "requester");
    if (!req)
        return refuse(im, ERR_INPUT, "required", path,
                      "missing: the referring physician");
    if (reference_text(im, req, path, &text) < 0)
        return -1;
    path_join(path, base, "requester.reference");
    if (text[0] == '#') {
        const json_t *contained = json_object_get(res, "contained");
        size_t i;
        const json_t *r;
        json_array_foreach(contained, i, r) {
            const char *id = json_string_value(json_object_get(r, "id"));
            if (id && !strcmp(id, text + 1)) {
                *practitioner = r;
                path_join(ppath, base, "contained[%zu]", i);
                return 0;
            }
        }
        return refuse(im, ERR_INPUT, "not-found", path,
                      "'%.64s' names no contained resource", text);
    }
    long i = resolve(im, text);
    if (i < 0)
        return refuse(im, ERR_INPUT, "not-found", path,
                      "'%.100s' is not an entry of the bundle", text);
    if (strcmp(im->entries[i].type, "Practitioner"))
        return refuse(im, ERR_INPUT, "invalid", path,
                      "names a %s, not a Practitioner", im->entries[i].type);
    *practitioner = im->entries[i].resource;
    *entry = i;
    snprintf(ppath, PATH_LEN, "Bundle.entry[%ld].resource", i);
    return 0;
}

static int check_contained(struct import *im, const json_t *res,
                           const char *base)
{
    struct json_each it;
    const char *type, *id;
    int rc = json_each_begin(&im->r, &it, res, base, "contained",
                             JSON_NONEMPTY);
    while (rc >= 0 && (rc = each_text_pair(im, &it, NULL, "resourceType",
                                           &type, "id", &id)) > 0) {
        if (strcmp(type, "Practitioner")) {
            char path[PATH_LEN];
            path_join(path, it.path, "resourceType");
            return refuse(im, ERR_INPUT, "not-supported", path,
                          "only a Practitioner (the requester) may be "
                          "contained");
        }
    }
    return rc < 0 ? refuse_read(im) : 0;
}

/* The patient a ServiceRequest's subject names. */
static int subject_of(struct import *im, const json_t *res, const char *base,
                      int64_t *patient_id)
{
    const char *text;
    char path[PATH_LEN];
    const json_t *subject = json_object_get(res, "subject");
    path_join(path, base, "subject");
    if (!subject)
        return refuse(im, ERR_INPUT, "required", path, "missing");
    if (reference_text(im, subject, path, &text) < 0)
        return -1;
    path_join(path, base, "subject.reference");
    long i = resolve(im, text);
    if (i >= 0) {
        if (strcmp(im->entries[i].type, "Patient"))
            return refuse(im, ERR_INPUT, "invalid", path,
                          "names a %s, not a Patient", im->entries[i].type);
        *patient_id = im->entries[i].record_id;
        return 0;
    }
    long long id;
    if (str_starts_with(text, "Patient/")) {
        if (parse_integer(text + 8, 1, INT64_MAX, &id) == 0) {
            if (access_patient(im->s, im->caller, id, 1, "patient", im->e) <
                0)
                return refuse(im, ERR_NOT_FOUND, "not-found", path,
                              "no patient %lld", id);
            *patient_id = id;
            return 0;
        }
    }
    return refuse(im, ERR_INPUT, "not-found", path,
                  "'%.100s' is neither an entry of the bundle nor "
                  "Patient/N of the record", text);
}

static int import_referral(struct import *im, struct entry *en,
                           const char *base)
{
    static const char *const keys[] = {
        "resourceType", "id", "meta", "text", "contained", "status",
        "intent", "code", "subject", "requester", "authoredOn",
        "reasonCode", "reasonReference", "note", NULL};
    const json_t *res = en->resource;
    char path[PATH_LEN];
    const char *status, *intent, *authored;
    if (json_read_keys(&im->r, res, base, keys) < 0)
        return refuse_read(im);
    if (check_contained(im, res, base) < 0)
        return -1;
    if (json_read_text(&im->r, res, base, "status", TEXT_REQUIRED, &status) <
            0 ||
        json_read_text(&im->r, res, base, "intent", TEXT_REQUIRED, &intent) <
            0 ||
        json_read_text(&im->r, res, base, "authoredOn", TEXT_REQUIRED,
                       &authored) < 0)
        return refuse_read(im);
    path_join(path, base, "status");
    if (strcmp(status, "active") && strcmp(status, "on-hold") &&
        strcmp(status, "completed"))
        return refuse(im, ERR_INPUT, "not-supported", path,
                      "a referral of status '%.32s' is not imported (only "
                      "active, on-hold or completed)", status);
    path_join(path, base, "intent");
    if (strcmp(intent, "order") && strcmp(intent, "original-order"))
        return refuse(im, ERR_INPUT, "not-supported", path,
                      "'%.32s': a referral is an order (intent order)",
                      intent);
    const json_t *code = json_object_get(res, "code");
    if (code) {
        struct codes ignored = {0};
        const char *text;
        path_join(path, base, "code");
        if (read_concept_codes(im, code, path, &ignored, &text) < 0)
            return -1;
    }
    char date[CLOCK_DATE_LEN];
    path_join(path, base, "authoredOn");
    snprintf(date, sizeof(date), "%.10s", authored);
    if (strlen(authored) < 10 ||
        validate_past_date(date, "authoredOn", NULL, im->e) < 0) {
        if (strlen(authored) < 10)
            return refuse(im, ERR_INPUT, "invalid", path,
                          "'%.32s' is not a date (YYYY-MM-DD...)", authored);
        return refuse_err(im, path);
    }

    struct codes codes = {0};
    const char *reason = NULL;
    struct json_each it;
    if (json_each_begin(&im->r, &it, res, base, "reasonCode",
                        JSON_NONEMPTY) < 0)
        return refuse_read(im);
    while (json_each_element(&it)) {
        const char *text;
        if (read_concept_codes(im, it.item, it.path, &codes, &text) < 0)
            return -1;
        if (!reason)
            reason = text;
    }
    if (json_each_begin(&im->r, &it, res, base, "reasonReference",
                        JSON_NONEMPTY) < 0)
        return refuse_read(im);
    while (json_each_element(&it)) {
        const char *text, *ctext = NULL;
        if (reference_text(im, it.item, it.path, &text) < 0)
            return -1;
        long k = resolve(im, text);
        if (k < 0 || strcmp(im->entries[k].type, "Condition"))
            return refuse(im, ERR_INPUT, "not-found", it.path,
                          "'%.100s' is not a Condition of the bundle", text);
        char cbase[PATH_LEN];
        snprintf(cbase, sizeof(cbase), "Bundle.entry[%ld].resource", k);
        if (read_condition(im, &im->entries[k], cbase, &codes, &ctext) < 0)
            return -1;
        if (!reason)
            reason = ctext;
    }
    if (codes.count == 0) {
        path_join(path, base, "reasonCode");
        return refuse(im, ERR_INPUT, "required", path,
                      "a referral needs at least one ICD-10-CM code (system "
                      "%s) in reasonCode or a reasonReference Condition",
                      FHIR_SYSTEM_ICD10CM);
    }
    static const char *const note_keys[] = {"text", "time", NULL};
    const char *text;
    int rc;
    if (json_each_begin(&im->r, &it, res, base, "note", JSON_NONEMPTY) < 0 ||
        (rc = json_each_next(&im->r, &it, note_keys)) < 0 ||
        (rc > 0 && json_read_text(&im->r, it.item, it.path, "text",
                                  TEXT_REQUIRED, &text) < 0))
        return refuse_read(im);
    if (rc > 0) {
        if (json_array_size(it.array) > 1) {
            path_join(path, base, "note[1]");
            return refuse(im, ERR_INPUT, "not-supported", path,
                          "a referral keeps one reason: give one note");
        }
        reason = text;
    }
    if (!reason) {
        path_join(path, base, "note");
        return refuse(im, ERR_INPUT, "required", path,
                      "the reason for referral: note[0].text, or a text or "
                      "display on the reason");
    }

    const json_t *physician;
    char ppath[PATH_LEN];
    long pentry;
    if (requester_of(im, res, base, &physician, ppath, &pentry) < 0)
        return -1;
    struct practitioner_in *doc = xcalloc(1, sizeof(*doc));
    if (read_practitioner(im, physician, ppath, 1, doc) < 0) {
        free(doc);
        return -1;
    }
    int64_t patient_id = 0;
    if (subject_of(im, res, base, &patient_id) < 0) {
        free(doc);
        return -1;
    }
    struct referral_new in = {patient_id,  doc->name, doc->specialty,
                              doc->npi,    reason,    codes.list,
                              date};
    /* The same referral imported again (same patient, date, physician,
     * codes and reason) is matched, not added twice. */
    struct referral_list have = {0};
    if (referral_list(im->s, im->caller, patient_id, &have, im->e) < 0) {
        free(doc);
        path_join(path, base, "subject");
        return refuse_err(im, path);
    }
    int64_t same = 0;
    for (size_t k = 0; k < have.count && !same; k++) {
        const struct referral *r = &have.items[k];
        if (!strcmp(r->referred_on, date) &&
            !strcmp(r->physician_name, doc->name) &&
            !strcmp(r->physician_npi, doc->npi ? doc->npi : "") &&
            !strcmp(r->icd10, codes.list) && !strcmp(r->reason, reason))
            same = r->id;
    }
    referral_list_release(&have);
    if (same) {
        free(doc);
        en->record_id = same;
        return entry_settle(en, "ServiceRequest", 0,
                            &im->result->referrals_matched);
    }
    rc = referral_add(im->s, im->caller, &in, &en->record_id, im->e);
    free(doc);
    if (rc < 0) {
        static const struct element_map map[] = {
            {"patient", "subject"},     {"physician", "requester"},
            {"specialty", "requester"}, {"npi", "requester"},
            {"reason", "note"},         {"icd10", "reasonCode"},
            {"date", "authoredOn"}};
        return refuse_mapped(im, base, map, ARRAY_SIZE(map));
    }
    return entry_settle(en, "ServiceRequest", 1,
                        &im->result->referrals_created);
}

/* ---- QuestionnaireResponse: a score ---- */

/* The record id in reference text "Type/N", or 0. */
static int64_t reference_id(const char *text, const char *type)
{
    size_t n = strlen(type);
    long long id;
    if (strncmp(text, type, n) || text[n] != '/' ||
        parse_integer(text + n + 1, 1, INT64_MAX, &id) < 0)
        return 0;
    return id;
}

/* The id in an Identifier {system, value} of this clinic's system, or 0
 * (refused when the system is another one). */
static int local_identifier(struct import *im, const json_t *v,
                            const char *path, const char *system_wanted,
                            int64_t *id)
{
    static const char *const keys[] = {"use", "type", "system", "value",
                                       NULL};
    const char *system, *value;
    char sub[PATH_LEN];
    *id = 0;
    if (json_read_object(&im->r, v, path) < 0 ||
        json_read_keys(&im->r, v, path, keys) < 0 ||
        json_read_text(&im->r, v, path, "system", TEXT_REQUIRED, &system) <
            0 ||
        json_read_text(&im->r, v, path, "value", TEXT_REQUIRED, &value) < 0)
        return refuse_read(im);
    long long n;
    path_join(sub, path, "system");
    if (strcmp(system, system_wanted))
        return refuse(im, ERR_INPUT, "not-found", sub,
                      "'%.120s' is not this clinic's identifier system "
                      "(%s)", system, system_wanted);
    path_join(sub, path, "value");
    if (parse_integer(value, 1, INT64_MAX, &n) < 0)
        return refuse(im, ERR_INPUT, "invalid", sub,
                      "'%.32s' is not an id of this clinic", value);
    *id = n;
    return 0;
}

/* The patient a response's subject names: an entry of the bundle,
 * "Patient/N", or this clinic's patient identifier. */
static int response_subject(struct import *im, const json_t *res,
                            const char *base, int64_t *patient_id)
{
    static const char *const keys[] = {"reference", "identifier", "display",
                                       "type", NULL};
    char path[PATH_LEN], sub[PATH_LEN], system[FHIR_SYSTEM_LEN];
    const json_t *subject;
    const char *text;
    *patient_id = 0;
    path_join(path, base, "subject");
    if (json_read_member(&im->r, res, base, "subject", JSON_KIND_OBJECT,
                         JSON_REQUIRED, &subject) < 0 ||
        json_read_keys(&im->r, subject, path, keys) < 0 ||
        json_read_text(&im->r, subject, path, "reference", TEXT_OPTIONAL,
                       &text) < 0)
        return refuse_read(im);
    if (text) {
        path_join(sub, path, "reference");
        long i = resolve(im, text);
        int64_t id = reference_id(text, "Patient");
        if (i >= 0 && !strcmp(im->entries[i].type, "Patient")) {
            *patient_id = im->entries[i].record_id;
            return 0;
        }
        if (id) {
            *patient_id = id;
            return 0;
        }
        if (!json_object_get(subject, "identifier"))
            return refuse(im, ERR_INPUT, "not-found", sub,
                          "'%.100s' is neither a Patient of the bundle nor "
                          "Patient/N of the record", text);
    }
    const json_t *identifier = json_object_get(subject, "identifier");
    path_join(sub, path, "identifier");
    if (!identifier)
        return refuse(im, ERR_INPUT, "required", path,
                      "a reference or this clinic's patient identifier");
    fhir_local_patient_system(im->s, system);
    return local_identifier(im, identifier, sub, system, patient_id);
}

/* The episode a response names (the episode extension: this clinic's
 * episode identifier, or EpisodeOfCare/N), and its timepoint extension. */
static int response_extensions(struct import *im, const json_t *res,
                               const char *base, int64_t *episode_id,
                               const char **timepoint)
{
    static const char *const keys[] = {"url", "valueCode", "valueIdentifier",
                                       "valueReference", NULL};
    static const char *const ref_keys[] = {"reference", "display", NULL};
    char sub[PATH_LEN], system[FHIR_SYSTEM_LEN];
    struct json_each it;
    *episode_id = 0;
    *timepoint = NULL;
    int rc = json_each_begin(&im->r, &it, res, base, "extension",
                             JSON_NONEMPTY);
    while (rc >= 0 && (rc = json_each_next(&im->r, &it, keys)) > 0) {
        const char *url;
        if (json_read_text(&im->r, it.item, it.path, "url", TEXT_REQUIRED,
                           &url) < 0)
            return refuse_read(im);
        if (!strcmp(url, FHIR_EXT_TIMEPOINT)) {
            path_join(sub, it.path, "valueCode");
            if (json_read_text(&im->r, it.item, it.path, "valueCode",
                               TEXT_REQUIRED, timepoint) < 0)
                return refuse_read(im);
            if (!observation_timepoint_valid(*timepoint))
                return refuse(im, ERR_INPUT, "code-invalid", sub,
                              "'%.32s' is not one of baseline, pre, post, "
                              "followup", *timepoint);
        } else if (!strcmp(url, FHIR_EXT_EPISODE)) {
            const json_t *v = json_object_get(it.item, "valueIdentifier");
            const char *text;
            if (v) {
                path_join(sub, it.path, "valueIdentifier");
                fhir_local_episode_system(im->s, system);
                if (local_identifier(im, v, sub, system, episode_id) < 0)
                    return -1;
                continue;
            }
            v = json_object_get(it.item, "valueReference");
            path_join(sub, it.path, "valueReference");
            if (!v)
                return refuse(im, ERR_INPUT, "required", it.path,
                              "the episode: valueIdentifier or "
                              "valueReference");
            if (json_read_object(&im->r, v, sub) < 0 ||
                json_read_keys(&im->r, v, sub, ref_keys) < 0 ||
                json_read_text(&im->r, v, sub, "reference", TEXT_REQUIRED,
                               &text) < 0)
                return refuse_read(im);
            *episode_id = reference_id(text, "EpisodeOfCare");
            if (!*episode_id)
                return refuse(im, ERR_INPUT, "not-found", sub,
                              "'%.100s' is not EpisodeOfCare/N", text);
        } else {
            warn(im, it.path, "extension '%.200s' is not one Touchstone "
                 "reads; ignored", url);
        }
    }
    return rc < 0 ? refuse_read(im) : 0;
}

/* item[]: linkId "1".."n" with one answer (valueInteger or valueDecimal)
 * each; an item without an answer is a missing response. Fills values
 * (NAN when missing) and *count (the last answered, at least the
 * instrument's minimum). */
static int response_items(struct import *im, const json_t *res,
                          const char *base, const struct instrument *in,
                          double *values, size_t *count)
{
    static const char *const keys[] = {"linkId", "text", "definition",
                                       "answer", NULL};
    static const char *const answer_keys[] = {"valueInteger",
                                              "valueDecimal", NULL};
    char sub[PATH_LEN];
    struct json_each it;
    int last = 0;
    for (int i = 0; i < in->item_count; i++)
        values[i] = NAN;
    int rc = json_each_begin(&im->r, &it, res, base, "item",
                             JSON_REQUIRED | JSON_NONEMPTY);
    while (rc >= 0 && (rc = json_each_next(&im->r, &it, keys)) > 0) {
        const char *link;
        if (json_read_text(&im->r, it.item, it.path, "linkId",
                           TEXT_REQUIRED, &link) < 0)
            return refuse_read(im);
        long long k;
        path_join(sub, it.path, "linkId");
        if (parse_integer(link, 1, in->item_count, &k) < 0)
            return refuse(im, ERR_INPUT, "invalid", sub,
                          "'%.32s' is not an item of %s (1-%d)", link,
                          in->code, in->item_count);
        if (!isnan(values[k - 1]))
            return refuse(im, ERR_INPUT, "invalid", sub,
                          "item %lld is answered twice", k);
        const json_t *answers;
        if (json_read_member(&im->r, it.item, it.path, "answer",
                             JSON_KIND_ARRAY, 0, &answers) < 0)
            return refuse_read(im);
        if (!answers || !json_array_size(answers))
            continue; /* not answered */
        path_join(sub, it.path, "answer");
        if (json_array_size(answers) > 1)
            return refuse(im, ERR_INPUT, "invalid", sub,
                          "one answer per item");
        path_join(sub, it.path, "answer[0]");
        const json_t *a = json_array_get(answers, 0);
        if (json_read_object(&im->r, a, sub) < 0 ||
            json_read_keys(&im->r, a, sub, answer_keys) < 0)
            return refuse_read(im);
        const json_t *v = json_object_get(a, "valueInteger");
        if (!v)
            v = json_object_get(a, "valueDecimal");
        if (!json_is_number(v) ||
            (json_object_get(a, "valueInteger") && !json_is_integer(v)))
            return refuse(im, ERR_INPUT, "invalid", sub,
                          "needs a valueInteger or valueDecimal");
        values[k - 1] = json_number_value(v);
        if (k > last)
            last = (int)k;
    }
    if (rc < 0)
        return refuse_read(im);
    *count = (size_t)(last > in->item_count_min ? last : in->item_count_min);
    return 0;
}

/* One QuestionnaireResponse: scored by the instrument's rule and recorded
 * as an observation of its episode (source 'import'); the same response
 * again (episode, instrument, timepoint, time and answers) is matched. */
static int import_response(struct import *im, struct entry *en,
                           const char *base)
{
    static const char *const keys[] = {
        "resourceType", "id", "meta", "text", "language", "identifier",
        "extension", "questionnaire", "status", "subject", "encounter",
        "authored", "author", "source", "item", NULL};
    const json_t *res = en->resource;
    char path[PATH_LEN];
    const char *questionnaire, *status, *authored;
    if (json_read_keys(&im->r, res, base, keys) < 0 ||
        json_read_text(&im->r, res, base, "questionnaire", TEXT_REQUIRED,
                       &questionnaire) < 0 ||
        json_read_text(&im->r, res, base, "status", TEXT_REQUIRED,
                       &status) < 0 ||
        json_read_text(&im->r, res, base, "authored", TEXT_REQUIRED,
                       &authored) < 0)
        return refuse_read(im);
    path_join(path, base, "status");
    if (strcmp(status, "completed") && strcmp(status, "amended"))
        return refuse(im, ERR_INPUT, "business-rule", path,
                      "'%.32s': only a completed response is scored",
                      status);
    path_join(path, base, "questionnaire");
    size_t prefix = strlen(FHIR_QUESTIONNAIRE);
    char code[RECORD_CODE_MAX + 1];
    const struct instrument *in = NULL;
    if (!strncmp(questionnaire, FHIR_QUESTIONNAIRE, prefix)) {
        snprintf(code, sizeof(code), "%.*s",
                 (int)strcspn(questionnaire + prefix, "|"),
                 questionnaire + prefix);
        in = instrument_find(code);
    }
    if (!in)
        return refuse(im, ERR_INPUT, "not-supported", path,
                      "'%.120s' is not a Questionnaire of Touchstone (%s "
                      "and an instrument code)", questionnaire,
                      FHIR_QUESTIONNAIRE);
    if (in->method == METHOD_BP)
        return refuse(im, ERR_INPUT, "not-supported", path,
                      "blood pressure is a measurement, not a "
                      "questionnaire: send an Observation");

    int64_t episode_id = 0, session_id = 0, patient_id = 0;
    const char *timepoint;
    if (response_extensions(im, res, base, &episode_id, &timepoint) < 0)
        return -1;
    const json_t *encounter = json_object_get(res, "encounter");
    if (encounter) {
        const char *text;
        path_join(path, base, "encounter");
        if (reference_text(im, encounter, path, &text) < 0)
            return -1;
        path_join(path, base, "encounter.reference");
        session_id = reference_id(text, "Encounter");
        struct session se = {0};
        if (!session_id ||
            session_get(im->s, im->caller, session_id, "encounter", &se,
                        im->e) < 0)
            return refuse(im, ERR_NOT_FOUND, "not-found", path,
                          "'%.100s' is not a session (Encounter/N) of this "
                          "clinic", text);
        if (episode_id && episode_id != se.episode_id) {
            session_release(&se);
            return refuse(im, ERR_INPUT, "invalid", path,
                          "the session is not of the episode the episode "
                          "extension names");
        }
        episode_id = se.episode_id;
        session_release(&se);
    }
    path_join(path, base, "extension");
    if (!episode_id)
        return refuse(im, ERR_INPUT, "required", path,
                      "a response names its episode: the episode extension "
                      "(%s) or an encounter (a session)", FHIR_EXT_EPISODE);
    struct episode ep;
    if (episode_get(im->s, im->caller, episode_id, "episode", &ep, im->e) <
        0)
        return refuse(im, ERR_NOT_FOUND, "not-found", path,
                      "this clinic has no episode %lld",
                      (long long)episode_id);
    if (response_subject(im, res, base, &patient_id) < 0)
        return -1;
    path_join(path, base, "subject");
    if (patient_id != ep.patient_id)
        return refuse(im, ERR_INPUT, "invalid", path,
                      "the subject is not the patient of episode %lld",
                      (long long)episode_id);
    if (!timepoint) {
        if (!ep.ended_on[0]) {
            path_join(path, base, "extension");
            return refuse(im, ERR_INPUT, "required", path,
                          "the timepoint extension (%s): the episode is "
                          "open, so a response may be a baseline, pre or "
                          "post score", FHIR_EXT_TIMEPOINT);
        }
        timepoint = "followup";
    }
    double values[INSTRUMENT_MAX_ITEMS];
    size_t count = 0;
    if (response_items(im, res, base, in, values, &count) < 0)
        return -1;

    /* The same response imported again is matched, not added twice. */
    struct observation_list have = {0};
    if (observation_list(im->s, im->caller, episode_id, &have, im->e) < 0)
        return refuse_err(im, base);
    int64_t same = 0;
    for (size_t k = 0; k < have.count && !same; k++) {
        const struct observation *o = &have.items[k];
        int alike = !strcmp(o->instrument, in->code) &&
                    !strcmp(o->timepoint, timepoint) &&
                    !strcmp(o->observed_at, authored) &&
                    o->session_id == session_id;
        for (size_t i = 0; alike && i < count; i++) {
            double was = o->items && i < o->item_count ? o->items[i]
                         : o->item_count == 0 && i == 0 ? o->total
                                                        : NAN;
            alike = isnan(was) ? isnan(values[i]) : was == values[i];
        }
        if (alike)
            same = o->id;
    }
    observation_list_release(&have);
    if (same) {
        en->record_id = same;
        return entry_settle(en, "QuestionnaireResponse", 0,
                            &im->result->responses_matched);
    }
    struct observation_new in_obs = {
        .episode_id = episode_id, .session_id = session_id,
        .instrument = in->code, .timepoint = timepoint,
        .observed_at = authored, .items = values, .item_count = count,
        .source = "import"};
    if (observation_add(im->s, im->caller, &in_obs, &en->record_id, im->e) <
        0) {
        static const struct element_map map[] = {
            {"at", "authored"},     {"items", "item"},
            {"item", "item"},       {"value", "item"},
            {"session", "encounter"}, {"timepoint", "extension"},
            {"episode", "extension"}};
        return refuse_mapped(im, base, map, ARRAY_SIZE(map));
    }
    return entry_settle(en, "QuestionnaireResponse", 1,
                        &im->result->responses_created);
}

/* ---- the bundle ---- */

static int read_entries(struct import *im, const json_t *bundle,
                        int transaction)
{
    static const char *const bundle_keys[] = {
        "resourceType", "id", "meta", "identifier", "type", "timestamp",
        "entry", NULL};
    static const char *const entry_keys[] = {"fullUrl", "resource",
                                             "request", NULL};
    static const char *const request_keys[] = {"method", "url",
                                               "ifNoneExist", NULL};
    if (json_read_keys(&im->r, bundle, "Bundle", bundle_keys) < 0)
        return refuse_read(im);
    if (!json_object_get(bundle, "entry"))
        return refuse(im, ERR_INPUT, "required", "Bundle.entry",
                      "missing: nothing to import");
    struct json_each it;
    if (json_each_begin(&im->r, &it, bundle, "Bundle", "entry",
                        JSON_NONEMPTY) < 0)
        return refuse_read(im);
    im->count = json_array_size(it.array);
    im->entries = xcalloc(im->count, sizeof(*im->entries));
    char sub[PATH_LEN];
    int rc;
    while ((rc = json_each_next(&im->r, &it, entry_keys)) > 0) {
        struct entry *x = &im->entries[it.index];
        const json_t *en = it.item;
        const char *path = it.path;
        size_t i = it.index;
        path_join(sub, path, "resource");
        if (json_read_text(&im->r, en, path, "fullUrl", TEXT_OPTIONAL,
                           &x->full_url) < 0 ||
            json_read_member(&im->r, en, path, "resource", JSON_KIND_OBJECT,
                             JSON_REQUIRED, &x->resource) < 0 ||
            json_read_text(&im->r, x->resource, sub, "resourceType",
                           TEXT_REQUIRED, &x->type) < 0 ||
            json_read_text(&im->r, x->resource, sub, "id", TEXT_OPTIONAL,
                           &x->id) < 0)
            return refuse_read(im);
        path_join(sub, path, "resource.resourceType");
        if (strcmp(x->type, "Patient") && strcmp(x->type, "Practitioner") &&
            strcmp(x->type, "ServiceRequest") &&
            strcmp(x->type, "Condition") &&
            strcmp(x->type, "QuestionnaireResponse"))
            return refuse(im, ERR_INPUT, "not-supported", sub,
                          "Touchstone imports Patient, Practitioner, "
                          "ServiceRequest, the Condition a referral names "
                          "and QuestionnaireResponse, not %.64s", x->type);
        const json_t *req = json_object_get(en, "request");
        path_join(sub, path, "request");
        if (transaction && !req)
            return refuse(im, ERR_INPUT, "required", sub,
                          "a transaction entry needs a request");
        if (req) {
            const char *method, *url, *cond;
            if (json_read_object(&im->r, req, sub) < 0 ||
                json_read_keys(&im->r, req, sub, request_keys) < 0 ||
                json_read_text(&im->r, req, sub, "method", TEXT_REQUIRED,
                               &method) < 0 ||
                json_read_text(&im->r, req, sub, "url", TEXT_REQUIRED,
                               &url) < 0 ||
                json_read_text(&im->r, req, sub, "ifNoneExist",
                               TEXT_OPTIONAL, &cond) < 0)
                return refuse_read(im);
            char mpath[PATH_LEN];
            path_join(mpath, sub, "method");
            if (strcmp(method, "POST"))
                return refuse(im, ERR_INPUT, "not-supported", mpath,
                              "'%.16s': entries are created (POST); "
                              "matching is by identifier", method);
            path_join(mpath, sub, "url");
            if (strcmp(url, x->type))
                return refuse(im, ERR_INPUT, "invalid", mpath,
                              "'%.64s' is not the entry's type (%s)", url,
                              x->type);
        }
        for (size_t k = 0; k < i; k++) {
            const struct entry *y = &im->entries[k];
            path_join(sub, path, "fullUrl");
            if (x->full_url && y->full_url &&
                !strcmp(x->full_url, y->full_url))
                return refuse(im, ERR_INPUT, "invalid", sub,
                              "'%.100s' is also entry %zu's fullUrl",
                              x->full_url, k);
        }
    }
    return rc < 0 ? refuse_read(im) : 0;
}

/* Marks each entry's role from the references between them. */
static int assign_roles(struct import *im)
{
    for (size_t i = 0; i < im->count; i++) {
        struct entry *x = &im->entries[i];
        if (!strcmp(x->type, "Patient"))
            x->role = ENTRY_PATIENT;
        else if (!strcmp(x->type, "ServiceRequest"))
            x->role = ENTRY_REFERRAL;
        else if (!strcmp(x->type, "QuestionnaireResponse"))
            x->role = ENTRY_RESPONSE;
    }
    for (size_t i = 0; i < im->count; i++) {
        struct entry *x = &im->entries[i];
        if (x->role != ENTRY_REFERRAL)
            continue;
        const char *text = json_string_value(json_object_get(
            json_object_get(x->resource, "requester"), "reference"));
        long k = text ? resolve(im, text) : -1;
        if (k >= 0 && !strcmp(im->entries[k].type, "Practitioner"))
            im->entries[k].role = ENTRY_PHYSICIAN;
        const json_t *refs = json_object_get(x->resource, "reasonReference");
        size_t j;
        const json_t *r;
        json_array_foreach(refs, j, r) {
            text = json_string_value(json_object_get(r, "reference"));
            k = text ? resolve(im, text) : -1;
            if (k >= 0 && !strcmp(im->entries[k].type, "Condition"))
                im->entries[k].role = ENTRY_REASON;
        }
    }
    for (size_t i = 0; i < im->count; i++) {
        struct entry *x = &im->entries[i];
        char path[PATH_LEN];
        snprintf(path, sizeof(path), "Bundle.entry[%zu].resource", i);
        if (!strcmp(x->type, "Practitioner") && x->role == ENTRY_NONE)
            x->role = ENTRY_THERAPIST;
        if (!strcmp(x->type, "Condition") && x->role == ENTRY_NONE)
            return refuse(im, ERR_INPUT, "not-supported", path,
                          "a Condition is imported only as the reason a "
                          "ServiceRequest names (reasonReference)");
    }
    return 0;
}

/* The entry a warning's expression is in ("Bundle.entry[3]..." -> 3; 0
 * for the Bundle itself or a response imported alone). */
static size_t warning_entry(const json_t *issue)
{
    const char *x = json_string_value(
        json_array_get(json_object_get(issue, "expression"), 0));
    unsigned long k = 0;
    if (x && sscanf(x, "Bundle.entry[%lu]", &k) == 1)
        return (size_t)k;
    return 0;
}

static json_t *response_bundle(const struct import *im, int transaction,
                               const json_t *warnings)
{
    json_t *entries = json_array();
    for (size_t i = 0; i < im->count; i++) {
        const struct entry *x = &im->entries[i];
        json_t *response = json_pack("{s:s}", "status",
                                     x->created ? "201 Created" : "200 OK");
        if (x->location_type) {
            char *loc = xasprintf("%s/%lld", x->location_type,
                                  (long long)x->record_id);
            json_object_set_new(response, "location", json_string(loc));
            free(loc);
        }
        json_t *issues = json_array();
        size_t k;
        const json_t *w;
        json_array_foreach(warnings, k, w) {
            size_t at = warning_entry(w);
            if (at == i || (i == 0 && at >= im->count))
                json_array_append(issues, (json_t *)w);
        }
        if (json_array_size(issues))
            json_object_set_new(response, "outcome",
                                json_pack("{s:s,s:o}", "resourceType",
                                          "OperationOutcome", "issue",
                                          issues));
        else
            json_decref(issues);
        json_array_append_new(entries,
                              json_pack("{s:o}", "response", response));
    }
    return json_pack("{s:s,s:s,s:o}", "resourceType", "Bundle", "type",
                     transaction ? "transaction-response" : "batch-response",
                     "entry", entries);
}

/* One pass over the working copy root: reads, checks and writes it in one
 * transaction (rolled back on a refusal). */
static int import_pass(struct import *im, json_t **response,
                       const json_t *warnings)
{
    const json_t *root = im->root;
    struct err *e = im->e;
    struct fhir_issue *issue = im->issue;
    const char *type = NULL, *rtype = NULL;
    int transaction = 0, rc = 0;
    if (json_read_object(&im->r, root, "Bundle") < 0 ||
        json_read_text(&im->r, root, "Bundle", "resourceType", TEXT_REQUIRED,
                       &rtype) < 0)
        return refuse_read(im);
    if (!strcmp(rtype, "QuestionnaireResponse")) {
        /* A response alone: one entry of its own. */
        im->bare = 1;
        im->count = 1;
        im->entries = xcalloc(1, sizeof(*im->entries));
        im->entries[0] = (struct entry){.resource = root, .type = rtype,
                                        .role = ENTRY_RESPONSE};
    } else {
        if (strcmp(rtype, "Bundle"))
            return refuse(im, ERR_INPUT, "not-supported",
                          "Bundle.resourceType",
                          "'%.64s': import takes a Bundle or a "
                          "QuestionnaireResponse", rtype);
        if (json_read_text(&im->r, root, "Bundle", "type", TEXT_REQUIRED,
                           &type) < 0)
            return refuse_read(im);
        transaction = !strcmp(type, "transaction");
        if (!transaction && strcmp(type, "collection"))
            return refuse(im, ERR_INPUT, "not-supported", "Bundle.type",
                          "'%.32s': import takes a transaction or a "
                          "collection", type);
        rc = read_entries(im, root, transaction);
        if (rc == 0)
            rc = assign_roles(im);
    }
    if (rc == 0 && store_begin(im->s, e) < 0) {
        issue->expression[0] = '\0';
        snprintf(issue->code, sizeof(issue->code), "exception");
        rc = -1;
    } else if (rc == 0) {
        /* Patients first (referrals and responses name them), then
         * practitioners, referrals and responses; the response keeps the
         * input's order. */
        static const enum entry_role order[] = {
            ENTRY_PATIENT, ENTRY_THERAPIST, ENTRY_REFERRAL, ENTRY_RESPONSE};
        for (size_t o = 0; rc == 0 && o < ARRAY_SIZE(order); o++)
            for (size_t i = 0; rc == 0 && i < im->count; i++) {
                struct entry *x = &im->entries[i];
                if (x->role != order[o])
                    continue;
                char base[PATH_LEN];
                entry_base(im, i, base);
                if (x->role == ENTRY_PATIENT)
                    rc = import_patient(im, x, base);
                else if (x->role == ENTRY_THERAPIST)
                    rc = import_therapist(im, x, base);
                else if (x->role == ENTRY_REFERRAL)
                    rc = import_referral(im, x, base);
                else
                    rc = import_response(im, x, base);
            }
        /* The physicians and reasons were read with their referral; an
         * entry not reached (a physician no referral names) cannot be. */
        if (rc == 0 && store_commit(im->s, e) < 0) {
            issue->expression[0] = '\0';
            snprintf(issue->code, sizeof(issue->code), "exception");
            rc = -1;
        }
        if (rc < 0)
            store_rollback(im->s);
    }
    if (rc == 0 && response) {
        json_t *all = json_copy((json_t *)warnings);
        json_array_extend(all, im->notes);
        *response = response_bundle(im, transaction || im->bare, all);
        json_decref(all);
    }
    return rc;
}

int fhir_import_bundle(struct store *s, const struct actor *caller,
                       const json_t *bundle, struct fhir_import_result *result,
                       json_t **response, struct fhir_issue *issue,
                       struct err *e)
{
    struct fhir_issue scratch;
    if (!issue)
        issue = &scratch;
    if (response)
        *response = NULL;
    /* Unknown elements that are not modifiers are ignored: each is
     * dropped from a working copy, with a warning, and the import runs
     * again from the start (a refused pass writes nothing). */
    json_t *work = bundle ? json_deep_copy(bundle) : NULL;
    json_t *warnings = json_array();
    int rc;
    for (;;) {
        memset(issue, 0, sizeof(*issue));
        memset(result, 0, sizeof(*result));
        struct import im = {.s = s, .caller = caller, .issue = issue,
                            .e = e, .result = result,
                            .r = JSON_READER_INIT(e), .root = work,
                            .notes = json_array()};
        rc = import_pass(&im, response, warnings);
        free(im.entries);
        if (rc == 0) {
            /* The pass's own notes (ignored extensions) count too. */
            json_array_extend(warnings, im.notes);
            json_decref(im.notes);
            break;
        }
        json_decref(im.notes);
        json_t *parent = im.prune ? value_at(work, im.prune_parent) : NULL;
        if (!parent || !json_object_get(parent, im.prune_key))
            break;
        if (json_array_size(warnings) >= WARNINGS_MAX) {
            refuse(&im, ERR_INPUT, "too-costly", im.prune_parent,
                   "more than %d elements Touchstone does not import",
                   WARNINGS_MAX);
            break;
        }
        char path[PATH_LEN];
        path_join(path, im.prune_parent, "%.100s", im.prune_key);
        json_array_append_new(
            warnings,
            json_pack("{s:s,s:s,s:s,s:[s]}", "severity", "warning", "code",
                      "informational", "diagnostics",
                      "not an element Touchstone imports: ignored",
                      "expression", path));
        json_object_del(parent, im.prune_key);
    }
    if (rc == 0)
        result->warnings = (int)json_array_size(warnings);
    else
        memset(result, 0, sizeof(*result));
    json_decref(warnings);
    json_decref(work);
    return rc;
}
