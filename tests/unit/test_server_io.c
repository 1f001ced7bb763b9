/* Unit tests of what the server's speed rests on: a library loaded when
 * first used (core/dynlib.h), and the in-process queue for the write lock
 * with its sync (store/store.h), on a real SQLite file and real threads. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/dynlib.h"
#include "unit/test_helpers.h"

/* ---- dynlib ---- */

Test(dynlib, a_missing_library_is_named_with_its_package)
{
    static void *slot;
    static const struct dynlib_symbol symbols[] = {{"nothing", &slot}};
    static struct dynlib lib = {"libtouchstone-absent.so.9", "libabsent9",
                                symbols, 1, 0, ""};
    struct err e = ERR_INIT;
    cr_assert_eq(dynlib_load(&lib, &e), -1);
    cr_assert_str_eq(e.field, "library");
    cr_assert_not_null(strstr(e.message, "libtouchstone-absent.so.9"), "%s",
                       e.message);
    cr_assert_not_null(strstr(e.message, "libabsent9"), "%s", e.message);
    /* The first answer stands. */
    struct err again = ERR_INIT;
    cr_assert_eq(dynlib_load(&lib, &again), -1);
    cr_assert_str_eq(again.message, e.message);
    cr_assert_null(slot);
}

Test(dynlib, symbols_are_resolved_all_or_none)
{
    static double (*cosine)(double);
    static void *other = (void *)&other;
    static const struct dynlib_symbol some_missing[] = {
        {"cos", (void **)&cosine}, {"no_such_function_here", &other}};
    static struct dynlib partial = {"libm.so.6", "libc6", some_missing, 2,
                                    0, ""};
    struct err e = ERR_INIT;
    cr_assert_eq(dynlib_load(&partial, &e), -1);
    cr_assert_not_null(strstr(e.message, "no_such_function_here"), "%s",
                       e.message);
    cr_assert_null(cosine, "a slot was filled by a failed load");
    cr_assert_eq(other, (void *)&other);

    static const struct dynlib_symbol present[] = {{"cos", (void **)&cosine}};
    static struct dynlib whole = {"libm.so.6", "libc6", present, 1, 0, ""};
    cr_assert_eq(dynlib_load(&whole, &e), 0, "%s", e.message);
    cr_assert_not_null(cosine);
    cr_assert_eq(cosine(0.0), 1.0);
}

/* ---- the write lock's queue ---- */

static char dir[64], path[128];
static struct store *holder, *plain, *first;
static pthread_mutex_t order_lock = PTHREAD_MUTEX_INITIALIZER;
static char order[8];
static int order_n;

static void setup(void)
{
    test_dir_make(dir, sizeof(dir), "touchstone-server-io", path,
                  sizeof(path));
    struct store *s;
    test_clinic_open(path, "Synthetic Clinic", &s);
    store_close(s);
    struct err e = ERR_INIT;
    cr_assert_eq(store_open(path, STORE_EXISTING, &holder, &e), 0);
    cr_assert_eq(store_open(path, STORE_EXISTING, &plain, &e), 0);
    cr_assert_eq(store_open(path, STORE_EXISTING, &first, &e), 0);
    store_serialize_writes(holder, 0);
    store_serialize_writes(plain, 0);
    store_serialize_writes(first, 1);
    cr_assert_eq(store_exec(holder, "CREATE TABLE IF NOT EXISTS t (x)", &e),
                 0, "%s", e.message);
    order_n = 0;
}

static void teardown(void)
{
    store_close(holder);
    store_close(plain);
    store_close(first);
    test_dir_remove(dir);
}

TestSuite(write_queue, .init = setup, .fini = teardown);

/* Begins a write transaction on the store, notes its letter, commits. */
static void *write_one(void *arg)
{
    struct store *s = arg;
    struct err e = ERR_INIT;
    if (store_begin(s, &e) < 0)
        return (void *)"begin failed";
    pthread_mutex_lock(&order_lock);
    order[order_n++] = s == plain ? 'p' : 'f';
    pthread_mutex_unlock(&order_lock);
    struct stmt *st = store_prepare(s, "INSERT INTO t (x) VALUES (:x)");
    stmt_bind_text(st, ":x", s == plain ? "p" : "f");
    int rc = stmt_run(st, &e); /* finalizes st */
    if (rc < 0 || store_commit(s, &e) < 0)
        return (void *)"write failed";
    return NULL;
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

Test(write_queue, the_first_marked_connection_goes_before_those_waiting)
{
    struct err e = ERR_INIT;
    cr_assert_eq(store_begin(holder, &e), 0, "%s", e.message);
    pthread_t tp, tf;
    cr_assert_eq(pthread_create(&tp, NULL, write_one, plain), 0);
    pause_ms(100); /* the plain connection is waiting first */
    cr_assert_eq(pthread_create(&tf, NULL, write_one, first), 0);
    pause_ms(100);
    pthread_mutex_lock(&order_lock);
    cr_assert_eq(order_n, 0, "a write began while the lock was held");
    pthread_mutex_unlock(&order_lock);
    cr_assert_eq(store_commit(holder, &e), 0, "%s", e.message);
    void *rp, *rf;
    pthread_join(tp, &rp);
    pthread_join(tf, &rf);
    cr_assert_null(rp, "%s", (char *)rp);
    cr_assert_null(rf, "%s", (char *)rf);
    cr_assert_eq(order_n, 2);
    cr_assert_eq(order[0], 'f', "order %.2s", order);
    cr_assert_eq(order[1], 'p', "order %.2s", order);
    /* Both rows are there, in that order. */
    struct stmt *st = store_prepare(holder, "SELECT group_concat(x, '')"
                                            " FROM (SELECT x FROM t ORDER"
                                            " BY rowid)");
    cr_assert_eq(stmt_step(st, &e), 1, "%s", e.message);
    cr_assert_str_eq(stmt_text(st, 0), "fp");
    stmt_finalize(st);
}

Test(write_queue, a_rollback_gives_the_lock_back)
{
    struct err e = ERR_INIT;
    cr_assert_eq(store_begin(holder, &e), 0, "%s", e.message);
    store_rollback(holder);
    /* Taken again at once from another connection, in this thread (it
     * would wait for ever if the rollback had kept it). */
    cr_assert_eq(write_one(plain), NULL);
    cr_assert_eq(order_n, 1);
}

Test(write_queue, changes_are_counted_and_synced)
{
    struct err e = ERR_INIT;
    int64_t before = store_total_changes(plain);
    cr_assert_null(write_one(plain));
    cr_assert_eq(store_total_changes(plain), before + 1);
    /* The holder never wrote: its WAL handle syncs what the other wrote. */
    cr_assert_eq(store_sync(plain, &e), 0, "%s", e.message);
    cr_assert_eq(store_sync(first, &e), 0, "%s", e.message);
}
