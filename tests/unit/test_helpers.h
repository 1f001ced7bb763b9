/*
 * What several unit tests share: two closeness assertions with different
 * tolerance rules, and a clinic database in a fresh temporary folder.
 * Header-only (static inline); included by the test files that need it.
 */
#ifndef TS_TESTS_TEST_HELPERS_H
#define TS_TESTS_TEST_HELPERS_H
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "catalog/catalog.h"
#include "record/actor.h"
#include "record/clinic.h"
#include "record/practitioner.h"
#include "record/training.h"
#include "store/store.h"

/* Relative closeness: passes when |actual - expected| <= rel *
 * max(|expected|, 1e-300). The floor only keeps the bound defined, so an
 * expected 0 needs an actual of (practically) exactly 0; a NAN on either
 * side always fails. The message names the expression, both values and
 * rel. */
#define assert_close_relative(actual, expected, rel)                        \
    do {                                                                    \
        double a_ = (actual), x_ = (expected);                              \
        cr_assert(fabs(a_ - x_) <= (rel) * fmax(fabs(x_), 1e-300),          \
                  "%s = %.17g, expected %.17g (rel %g)", #actual, a_, x_,   \
                  (double)(rel));                                           \
    } while (0)

/* Closeness with the tolerance scaled by max(1, |expected|): absolute
 * (|actual - expected| <= tol) while |expected| < 1, relative above it.
 * A NAN on either side fails. The message names the expression, both
 * values and tol. */
#define assert_close_scaled(actual, expected, tol)                          \
    do {                                                                    \
        double a_ = (actual), x_ = (expected);                              \
        cr_assert(fabs(a_ - x_) <= (tol) * fmax(1.0, fabs(x_)),             \
                  "%s = %.17g, expected %.17g (tol %g)", #actual, a_, x_,   \
                  (double)(tol));                                           \
    } while (0)

/* Makes a fresh folder "/tmp/<prefix>-XXXXXX" into dir (dir_size bytes)
 * and, when path is not NULL, names "<dir>/clinic.db" in path. Allocates
 * nothing; test_dir_remove() removes the folder. */
static inline void test_dir_make(char *dir, size_t dir_size,
                                 const char *prefix, char *path,
                                 size_t path_size)
{
    cr_assert_lt((size_t)snprintf(dir, dir_size, "/tmp/%s-XXXXXX", prefix),
                 dir_size);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
    if (path)
        cr_assert_lt((size_t)snprintf(path, path_size, "%s/clinic.db", dir),
                     path_size);
}

/* Removes the folder dir and all in it ("rm -rf"), asserting it worked. */
static inline void test_dir_remove(const char *dir)
{
    char cmd[256];
    cr_assert_lt((size_t)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir),
                 sizeof(cmd));
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Makes a clinic named name in the database file path (clinic_init) and
 * opens it into *s (closed by the caller with store_close). */
static inline void test_clinic_open(const char *path, const char *name,
                                    struct store **s)
{
    struct err e = ERR_INIT;
    cr_assert_eq(clinic_init(path, name, &e), 0, "%s", e.message);
    cr_assert_eq(store_open(path, STORE_EXISTING, s, &e), 0, "%s",
                 e.message);
}

/* Writes text into the file "<dir>/<name>" (made or emptied), asserting
 * that it could. */
static inline void test_write_file(const char *dir, const char *name,
                                   const char *text)
{
    char path[512];
    cr_assert_lt((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name),
                 sizeof(path));
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* Adds practitioner name (licence SYN-1, LMT) to s, trained in the
 * catalog's baseline (150 hours, completed 2020-01-01) and in
 * low-back-pain (lbp_hours, completed 2021-01-01, from provider or NULL);
 * returns its id. */
static inline int64_t test_practitioner_lbp(struct store *s,
                                            const char *name,
                                            double lbp_hours,
                                            const char *provider)
{
    struct err e = ERR_INIT;
    struct practitioner_new p = {.name = name, .license = "SYN-1",
                                 .credentials = "LMT"};
    int64_t id, t;
    cr_assert_eq(practitioner_add(s, &actor_cli, &p, &id, &e), 0, "%s",
                 e.message);
    struct training_new base = {id, CATALOG_BASELINE_ID, 150, "2020-01-01",
                                NULL, NULL};
    struct training_new lbp = {id, "low-back-pain", lbp_hours, "2021-01-01",
                               provider, NULL};
    cr_assert_eq(training_add(s, &actor_cli, &base, &t, &e), 0, "%s",
                 e.message);
    cr_assert_eq(training_add(s, &actor_cli, &lbp, &t, &e), 0, "%s",
                 e.message);
    return id;
}

#endif
