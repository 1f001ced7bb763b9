#include "record/training.h"
#include "record/access.h"
#include "record/audit.h"
#include "record/internal.h"
#include "record/scope.h"
#include "record/validate.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TRAINING_HOURS_MAX 10000.0

int training_validate(const struct training_new *in, struct err *e)
{
    if (in->practitioner_id <= 0)
        return err_set(e, ERR_INPUT, "practitioner", "missing");
    if (!scope_protocol(in->catalog, in->protocol_id, "protocol", e))
        return -1;
    if (!isfinite(in->hours) || in->hours <= 0 ||
        in->hours > TRAINING_HOURS_MAX)
        return err_set(e, ERR_INPUT, "hours",
                       "%g is out of range (more than 0, at most %g)",
                       in->hours, TRAINING_HOURS_MAX);
    if (validate_past_date(in->completed_on, "completed", NULL, e) < 0 ||
        validate_text(in->provider, "provider", 0, RECORD_NAME_MAX, e) < 0)
        return -1;
    return 0;
}

void training_bind(struct stmt *st, const struct training_new *in)
{
    STMT_BIND(st, STORE_INT(":practitioner", in->practitioner_id),
              STORE_TEXT(":protocol", in->protocol_id),
              STORE_DOUBLE(":hours", in->hours),
              STORE_TEXT(":completed", in->completed_on),
              STORE_TEXT(":provider", in->provider));
}

int training_insert(struct store *s, const struct training_new *in,
                    int64_t *id, struct err *e)
{
    struct practitioner p;
    if (training_validate(in, e) < 0 ||
        practitioner_load(s, in->practitioner_id, 0, "practitioner", &p,
                          e) < 0)
        return -1;
    struct stmt *st = store_prepare(
        s, "INSERT INTO training (practitioner_id, protocol_id, hours,"
           " completed_on, provider, created_at) VALUES (:practitioner,"
           " :protocol, :hours, :completed, :provider, :now)");
    training_bind(st, in);
    return record_insert(st, id, e);
}

int training_add(struct store *s, const struct actor *caller,
                 const struct training_new *in, int64_t *id, struct err *e)
{
    if (access_manage(caller, "add a training record", e) < 0 ||
        training_validate(in, e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    int rc = training_insert(s, in, id, e);
    return audit_end(s, caller, "create", "training", *id, 0, rc, e);
}

static void training_row(struct stmt *st, void *item)
{
    struct training *t = item;
    t->id = stmt_int(st, 0);
    t->practitioner_id = stmt_int(st, 1);
    record_copy(t->protocol_id, sizeof(t->protocol_id), stmt_text(st, 2));
    t->hours = stmt_double(st, 3);
    record_copy(t->completed_on, sizeof(t->completed_on), stmt_text(st, 4));
    record_copy(t->provider, sizeof(t->provider), stmt_text(st, 5));
    record_copy(t->created_at, sizeof(t->created_at), stmt_text(st, 6));
}

int training_query(struct store *s, int64_t practitioner_id,
                   struct training_list *out, struct err *e)
{
    return RECORD_SELECT_PLAIN(
        s, out, training_row, e,
        "SELECT id, practitioner_id, protocol_id, hours, completed_on,"
        " provider, created_at FROM training"
        " WHERE practitioner_id = :practitioner ORDER BY completed_on, id",
        STORE_INT(":practitioner", practitioner_id));
}

int training_list(struct store *s, const struct actor *caller,
                  int64_t practitioner_id, struct training_list *out,
                  struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (!access_practitioner_full(caller, practitioner_id))
        return 0;
    if (store_begin(s, e) < 0)
        return -1;
    struct practitioner p;
    int rc = practitioner_load(s, practitioner_id, 0, "practitioner", &p, e);
    if (rc == 0)
        rc = training_query(s, practitioner_id, out, e);
    return store_end(s, rc, e);
}

ARRAY_LIST_RELEASE(training)

double training_hours(struct store *s, int64_t practitioner_id,
                      const char *protocol_id)
{
    struct stmt *st = STORE_QUERY(s,
                                  "SELECT coalesce(sum(hours), 0) FROM training"
                                  " WHERE practitioner_id = :practitioner"
                                  " AND protocol_id = :protocol",
                                  STORE_INT(":practitioner", practitioner_id),
                                  STORE_TEXT(":protocol", protocol_id));
    int rc = stmt_step(st, NULL);
    double hours = rc == 1 ? stmt_double(st, 0) : rc < 0 ? -1 : 0;
    stmt_finalize(st);
    return hours;
}
