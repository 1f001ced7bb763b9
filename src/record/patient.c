#include "record/patient.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/internal.h"
#include "record/validate.h"
#include "core/buf.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

#define PATIENT_AGE_MAX_DAYS (130L * 366L)

static const char *const sexes[] = {"female", "male", "other", "unknown"};

int patient_sex_valid(const char *sex)
{
    return str_in(sex, sexes, ARRAY_SIZE(sexes));
}

int patient_validate(const struct patient_new *in, struct err *e)
{
    long dob;
    if (validate_text(in->name, "name", 1, RECORD_NAME_MAX, e) < 0 ||
        validate_past_date(in->birth_date, "dob", &dob, e) < 0)
        return -1;
    if (dob < clock_today() - PATIENT_AGE_MAX_DAYS)
        return err_set(e, ERR_INPUT, "dob",
                       "'%s' is more than 130 years ago", in->birth_date);
    if (validate_one_of(in->sex, "sex", sexes, ARRAY_SIZE(sexes), e) < 0 ||
        record_validate_zip(in->zip, "zip", e) < 0 ||
        record_validate_phone(in->phone, "phone", e) < 0 ||
        validate_email(in->email, "email", e) < 0)
        return -1;
    return 0;
}

void patient_bind(struct stmt *st, const struct patient_new *in,
                  int64_t created_by)
{
    STMT_BIND(st, STORE_TEXT(":name", in->name),
              STORE_TEXT(":dob", in->birth_date), STORE_TEXT(":sex", in->sex),
              STORE_TEXT(":zip", in->zip), STORE_TEXT(":phone", in->phone),
              STORE_TEXT(":email", in->email),
              STORE_INT(":treatment", in->consent_treatment != 0),
              STORE_INT(":research", in->consent_research != 0),
              STORE_ID(":created_by", created_by),
              STORE_INT(":synthetic", in->synthetic != 0));
}

int patient_insert(struct store *s, const struct patient_new *in,
                   int64_t created_by, int64_t *id, struct err *e)
{
    if (patient_validate(in, e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, "INSERT INTO patient (name, birth_date, sex, zip, phone, email,"
           " consent_treatment, consent_research, created_by_practitioner,"
           " synthetic, created_at) VALUES (:name, :dob, :sex, :zip, :phone,"
           " :email, :treatment, :research, :created_by, :synthetic, :now)");
    patient_bind(st, in, created_by);
    return record_insert(st, id, e);
}

int patient_add(struct store *s, const struct actor *caller,
                const struct patient_new *in, int64_t *id, struct err *e)
{
    if (caller->role == ROLE_RESEARCHER)
        return err_set(e, ERR_AUTH, "", "a researcher may not add patients");
    if (caller->role == ROLE_THERAPIST && caller->practitioner_id <= 0)
        return err_set(e, ERR_AUTH, "",
                       "this account is not linked to a practitioner");
    if (patient_validate(in, e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    int64_t created_by =
        caller->role == ROLE_THERAPIST ? caller->practitioner_id : 0;
    int rc = patient_insert(s, in, created_by, id, e);
    return audit_end(s, caller, "create", "patient", *id, *id, rc, e);
}

#define PATIENT_COLUMNS                                                      \
    "p.id, p.name, p.birth_date, p.sex, p.zip, p.phone, p.email,"            \
    " p.consent_treatment, p.consent_research, p.created_by_practitioner,"   \
    " p.synthetic, p.created_at"

static void patient_row(struct stmt *st, void *item)
{
    struct patient *out = item;
    memset(out, 0, sizeof(*out));
    out->id = stmt_int(st, 0);
    record_copy(out->name, sizeof(out->name), stmt_text(st, 1));
    record_copy(out->birth_date, sizeof(out->birth_date), stmt_text(st, 2));
    record_copy(out->sex, sizeof(out->sex), stmt_text(st, 3));
    record_copy(out->zip, sizeof(out->zip), stmt_text(st, 4));
    record_copy(out->phone, sizeof(out->phone), stmt_text(st, 5));
    record_copy(out->email, sizeof(out->email), stmt_text(st, 6));
    out->consent_treatment = (int)stmt_int(st, 7);
    out->consent_research = (int)stmt_int(st, 8);
    out->created_by_practitioner = stmt_int(st, 9);
    out->synthetic = (int)stmt_int(st, 10);
    record_copy(out->created_at, sizeof(out->created_at), stmt_text(st, 11));
}

/* patient_load, patient_get: a patient is under its own access rule. */
RECORD_KIND_DEFINE(patient,
                   "SELECT " PATIENT_COLUMNS " FROM patient p WHERE p.id = :id",
                   patient_row, NULL, NULL, 0, id)

int patient_show(struct store *s, const struct actor *caller, int64_t id,
                 struct patient_detail *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (record_begin_checked(s, caller, "read", "patient", id, id, 0, "id",
                             NULL, e) < 0)
        return -1;
    struct episode_filter f = {.patient_id = id};
    int rc = patient_load(s, id, "id", &out->patient, e);
    if (rc == 0)
        rc = referral_query(s, id, &out->referrals, e);
    if (rc == 0)
        rc = episode_query(s, caller, &f, &out->episodes, e);
    rc = audit_end(s, caller, "read", "patient", id, id, rc, e);
    return RELEASE_ON_FAILURE(rc, patient_detail_release, out);
}

void patient_detail_release(struct patient_detail *d)
{
    referral_list_release(&d->referrals);
    episode_list_release(&d->episodes);
    memset(d, 0, sizeof(*d));
}

int patient_list(struct store *s, const struct actor *caller,
                 const char *search, struct patient_list *out,
                 struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (search && *search &&
        validate_text(search, "search", 0, RECORD_NAME_MAX, e) < 0)
        return -1;
    struct buf pattern = BUF_INIT;
    buf_putc(&pattern, '%');
    for (const char *p = search ? search : ""; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            buf_putc(&pattern, '\\');
        buf_putc(&pattern, *p);
    }
    buf_putc(&pattern, '%');
    if (store_begin(s, e) < 0) {
        buf_release(&pattern);
        return -1;
    }
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT " PATIENT_COLUMNS " FROM patient p"
        " WHERE p.name LIKE :pattern ESCAPE '\\' AND " ACCESS_PATIENT_VISIBLE(
            "p.id") " ORDER BY p.name, p.id",
        STORE_TEXT(":pattern", pattern.data));
    access_bind(st, caller);
    buf_release(&pattern);
    int rc = RECORD_ROWS(st, out, patient_row, e);
    rc = audit_end(s, caller, "list", "patient", 0, 0, rc, e);
    return RELEASE_ON_FAILURE(rc, patient_list_release, out);
}

ARRAY_LIST_RELEASE(patient)
