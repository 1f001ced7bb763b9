#include "record/referral.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/internal.h"
#include "record/patient.h"
#include "record/validate.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

int referral_validate(const struct referral_new *in, struct err *e)
{
    if (in->patient_id <= 0)
        return err_set(e, ERR_INPUT, "patient", "missing");
    if (validate_text(in->physician_name, "physician", 1, RECORD_NAME_MAX,
                      e) < 0 ||
        validate_text(in->physician_specialty, "specialty", 1,
                      RECORD_NAME_MAX, e) < 0 ||
        validate_npi(in->physician_npi, "npi", e) < 0 ||
        validate_text(in->reason, "reason", 1, RECORD_TEXT_MAX, e) < 0 ||
        validate_icd10_list(in->icd10, "icd10", e) < 0 ||
        validate_past_date(in->referred_on, "date", NULL, e) < 0)
        return -1;
    return 0;
}

int referral_check_patient(const struct referral_new *in,
                           const char *birth_date, struct err *e)
{
    if (strcmp(in->referred_on, birth_date) < 0)
        return err_set(e, ERR_INPUT, "date",
                       "'%s' is before the patient's birth (%s)",
                       in->referred_on, birth_date);
    return 0;
}

void referral_bind(struct stmt *st, const struct referral_new *in)
{
    STMT_BIND(st, STORE_INT(":patient", in->patient_id),
              STORE_TEXT(":physician", in->physician_name),
              STORE_TEXT(":specialty", in->physician_specialty),
              STORE_TEXT(":npi", in->physician_npi),
              STORE_TEXT(":reason", in->reason),
              STORE_TEXT(":icd10", in->icd10),
              STORE_TEXT(":date", in->referred_on));
}

int referral_insert(struct store *s, const struct referral_new *in,
                    int64_t *id, struct err *e)
{
    struct patient p;
    if (referral_validate(in, e) < 0 ||
        patient_load(s, in->patient_id, "patient", &p, e) < 0 ||
        referral_check_patient(in, p.birth_date, e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, "INSERT INTO referral (patient_id, physician_name,"
           " physician_specialty, physician_npi, reason, icd10, referred_on,"
           " created_at) VALUES (:patient, :physician, :specialty, :npi,"
           " :reason, :icd10, :date, :now)");
    referral_bind(st, in);
    return record_insert(st, id, e);
}

int referral_add(struct store *s, const struct actor *caller,
                 const struct referral_new *in, int64_t *id, struct err *e)
{
    if (referral_validate(in, e) < 0)
        return -1;
    if (record_begin_checked(s, caller, "create", "referral", 0, in->patient_id,
                             0, "patient", NULL, e) < 0)
        return -1;
    int rc = referral_insert(s, in, id, e);
    return audit_end(s, caller, "create", "referral", *id, in->patient_id, rc,
                     e);
}

#define REFERRAL_COLUMNS                                                     \
    "id, patient_id, physician_name, physician_specialty, physician_npi,"    \
    " reason, icd10, referred_on, created_at"

static void referral_row(struct stmt *st, void *item)
{
    struct referral *out = item;
    memset(out, 0, sizeof(*out));
    out->id = stmt_int(st, 0);
    out->patient_id = stmt_int(st, 1);
    record_copy(out->physician_name, sizeof(out->physician_name),
                stmt_text(st, 2));
    record_copy(out->physician_specialty, sizeof(out->physician_specialty),
                stmt_text(st, 3));
    record_copy(out->physician_npi, sizeof(out->physician_npi),
                stmt_text(st, 4));
    record_copy(out->reason, sizeof(out->reason), stmt_text(st, 5));
    record_copy(out->icd10, sizeof(out->icd10), stmt_text(st, 6));
    record_copy(out->referred_on, sizeof(out->referred_on), stmt_text(st, 7));
    record_copy(out->created_at, sizeof(out->created_at), stmt_text(st, 8));
}

/* referral_load, referral_get: a referral follows its patient. */
RECORD_KIND_DEFINE(referral,
                   "SELECT " REFERRAL_COLUMNS " FROM referral WHERE id = :id",
                   referral_row, NULL, NULL, 0, patient_id)

int referral_query(struct store *s, int64_t patient_id,
                   struct referral_list *out, struct err *e)
{
    return RECORD_SELECT_PLAIN(
        s, out, referral_row, e,
        "SELECT " REFERRAL_COLUMNS " FROM referral"
        " WHERE patient_id = :patient ORDER BY referred_on, id",
        STORE_INT(":patient", patient_id));
}

/* referral_list: a patient's referrals. */
RECORD_LIST_DEFINE(referral, 0, "patient")

ARRAY_LIST_RELEASE(referral)
