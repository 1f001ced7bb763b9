/* core/jobs: every job runs exactly once, whatever the threads, and the
 * first failing job's error (in the jobs' order) is the one returned. */
#include <criterion/criterion.h>
#include <stdatomic.h>

#include "core/jobs.h"

struct seen {
    atomic_int runs[1000];
    size_t fail_from; /* jobs >= this fail, each naming itself */
};

static int job(void *ctx, size_t i, struct err *e)
{
    struct seen *s = ctx;
    atomic_fetch_add(&s->runs[i], 1);
    if (i >= s->fail_from)
        return err_set(e, ERR_INPUT, "job", "job %zu failed", i);
    return 0;
}

Test(jobs, every_job_once_under_each_thread_count)
{
    static struct seen s;
    for (size_t threads = 1; threads <= 9; threads++) {
        for (size_t i = 0; i < 1000; i++)
            atomic_store(&s.runs[i], 0);
        s.fail_from = (size_t)-1;
        struct err e = ERR_INIT;
        cr_assert_eq(jobs_run(job, &s, 1000, threads, &e), 0);
        for (size_t i = 0; i < 1000; i++)
            cr_assert_eq(atomic_load(&s.runs[i]), 1, "job %zu, %zu threads",
                         i, threads);
    }
}

Test(jobs, the_first_failure_in_order_and_every_job_still_runs)
{
    static struct seen s;
    s.fail_from = 700;
    struct err e = ERR_INIT;
    cr_assert_eq(jobs_run(job, &s, 1000, 4, &e), -1);
    cr_assert_str_eq(e.message, "job 700 failed");
    cr_assert_str_eq(e.field, "job");
    for (size_t i = 0; i < 1000; i++)
        cr_assert_eq(atomic_load(&s.runs[i]), 1, "job %zu", i);
}

Test(jobs, no_job)
{
    static struct seen s;
    struct err e = ERR_INIT;
    cr_assert_eq(jobs_run(job, &s, 0, 4, &e), 0);
}
