/* The directory's consents and the clinic's public place
 * (record/listing.h). */
#include "record/listing.h"
#include "record/access.h"
#include "record/internal.h"
#include "record/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int listing_set_consent(struct store *s, const struct actor *caller,
                        int64_t id, int consent, const char *name,
                        struct err *e)
{
    if (access_manage(caller, "record a practitioner's directory consent",
                      e) < 0)
        return -1;
    if (name && validate_text(name, "name", 1, LISTING_NAME_MAX, e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st = STORE_QUERY(
        s,
        "SELECT registry_consent, name, credentials FROM practitioner"
        " WHERE id = :id",
        STORE_INT(":id", id));
    int rc = stmt_step(st, e);
    int registry = 0;
    char shown[LISTING_NAME_MAX * 2 + 8] = "";
    if (rc == 1) {
        registry = (int)stmt_int(st, 0);
        snprintf(shown, sizeof(shown), "%s, %s", stmt_text(st, 1),
                 stmt_text(st, 2));
    }
    stmt_finalize(st);
    if (rc == 0)
        rc = err_set(e, ERR_NOT_FOUND, "id", "no practitioner %lld",
                     (long long)id);
    if (rc >= 0 && consent && !registry)
        rc = err_set(e, ERR_CONFLICT, "directory", "practitioner %lld has "
                     "not consented to the registry, and being listed needs "
                     "that consent too: record it first with 'touchstone "
                     "practitioner consent %lld --registry yes'",
                     (long long)id, (long long)id);
    if (rc < 0)
        return store_end(s, -1, e);
    if (strlen(shown) > LISTING_NAME_MAX)
        shown[LISTING_NAME_MAX] = '\0';
    st = STORE_QUERY(s,
                     "UPDATE practitioner SET directory_consent = :consent,"
                     " directory_name = coalesce(:name, directory_name, :shown)"
                     " WHERE id = :id",
                     STORE_INT(":consent", consent != 0),
                     STORE_TEXT(":name", name), STORE_TEXT(":shown", shown),
                     STORE_INT(":id", id));
    rc = stmt_step(st, e) < 0 ? -1 : 0;
    stmt_finalize(st);
    return audit_end(s, caller, "update", "practitioner", id, 0, rc, e);
}

int listing_consent(struct store *s, int64_t id, int *consent, char *name,
                    size_t n, struct err *e)
{
    struct stmt *st =
        STORE_QUERY(s,
                    "SELECT directory_consent, coalesce(directory_name, '')"
                    " FROM practitioner WHERE id = :id",
                    STORE_INT(":id", id));
    int rc = stmt_step(st, e);
    if (rc == 1) {
        *consent = (int)stmt_int(st, 0);
        snprintf(name, n, "%s", stmt_text(st, 1));
    }
    stmt_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, "id", "no practitioner %lld",
                       (long long)id);
    return rc < 0 ? -1 : 0;
}

/* Checks "" or a value of len characters of which each passes is_ok. */
static int check_place(const char *value, size_t len, int (*is_ok)(int),
                       const char *field, const char *want, struct err *e)
{
    size_t n = strlen(value);
    int ok = n == 0 || n == len;
    for (size_t i = 0; ok && i < n; i++)
        ok = is_ok((unsigned char)value[i]) != 0;
    return ok ? 0 : err_set(e, ERR_INPUT, field, "must be %s", want);
}

int listing_set_place(struct store *s, const struct actor *caller,
                      const char *state, const char *zip3, struct err *e)
{
    if (access_manage(caller, "set the clinic's place", e) < 0)
        return -1;
    char upper[3] = "";
    if (state) {
        if (check_place(state, 2, isalpha, "state",
                        "a state's two letters, as OR", e) < 0)
            return -1;
        for (size_t i = 0; state[i]; i++)
            upper[i] = (char)toupper((unsigned char)state[i]);
    }
    if (zip3 && check_place(zip3, 3, isdigit, "zip3",
                            "the first three digits of the clinic's ZIP "
                            "code, as 972", e) < 0)
        return -1;
    if (store_begin(s, e) < 0)
        return -1;
    struct stmt *st = STORE_QUERY(
        s,
        "UPDATE clinic SET"
        " state = CASE WHEN :set_state THEN nullif(:state, '')"
        "   ELSE state END,"
        " zip3 = CASE WHEN :set_zip3 THEN nullif(:zip3, '')"
        "   ELSE zip3 END"
        " WHERE id = 1",
        STORE_INT(":set_state", state != NULL), STORE_TEXT(":state", upper),
        STORE_INT(":set_zip3", zip3 != NULL),
        STORE_TEXT(":zip3", zip3 ? zip3 : ""));
    int rc = stmt_step(st, e) < 0 ? -1 : 0;
    stmt_finalize(st);
    if (rc == 0 && store_changes(s) == 0)
        rc = err_set(e, ERR_FAIL, "", "the database holds no clinic");
    return audit_end(s, caller, "update", "clinic", 1, 0, rc, e);
}

int listing_place(struct store *s, char state[3], char zip3[4],
                  struct err *e)
{
    struct stmt *st = store_prepare(
        s, "SELECT coalesce(state, ''), coalesce(zip3, '') FROM clinic"
           " WHERE id = 1");
    int rc = stmt_step(st, e);
    if (rc == 1) {
        snprintf(state, 3, "%s", stmt_text(st, 0));
        snprintf(zip3, 4, "%s", stmt_text(st, 1));
    }
    stmt_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_FAIL, "", "the database holds no clinic");
    return rc < 0 ? -1 : 0;
}
