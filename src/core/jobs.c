/* Jobs shared by a few threads (core/jobs.h). */
#include "core/jobs.h"
#include "core/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define JOBS_THREADS_MAX 8

struct jobs {
    jobs_fn *run;
    void *ctx;
    size_t count, next;
    int *rcs;           /* one a job */
    struct err *errors; /* one a job */
    pthread_mutex_t lock;
};

static void *jobs_worker(void *arg)
{
    struct jobs *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t job = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (job >= j->count)
            return NULL;
        j->errors[job] = (struct err)ERR_INIT;
        j->rcs[job] = j->run(j->ctx, job, &j->errors[job]);
    }
}

int jobs_run(jobs_fn *run, void *ctx, size_t count, size_t max_threads,
             struct err *e)
{
    struct jobs j = {.run = run, .ctx = ctx, .count = count,
                     .rcs = xcalloc(count ? count : 1, sizeof(*j.rcs)),
                     .errors = xcalloc(count ? count : 1, sizeof(*j.errors))};
    pthread_mutex_init(&j.lock, NULL);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t threads = cores > 1 ? (size_t)cores : 1;
    if (threads > max_threads)
        threads = max_threads;
    if (threads > JOBS_THREADS_MAX)
        threads = JOBS_THREADS_MAX;
    if (threads > count)
        threads = count;
    pthread_t helpers[JOBS_THREADS_MAX - 1];
    size_t started = 0;
    while (started + 1 < threads &&
           !pthread_create(&helpers[started], NULL, jobs_worker, &j))
        started++;
    jobs_worker(&j);
    for (size_t i = 0; i < started; i++)
        pthread_join(helpers[i], NULL);
    pthread_mutex_destroy(&j.lock);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++)
        if (j.rcs[i] < 0) {
            *e = j.errors[i];
            rc = -1;
        }
    free(j.rcs);
    free(j.errors);
    return rc;
}
