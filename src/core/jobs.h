/*
 * jobs: count independent jobs shared by a few threads, each thread taking
 * the next job not taken yet, for work that splits into parts (a report's
 * groups) on a machine of a few cores.
 */
#ifndef TS_CORE_JOBS_H
#define TS_CORE_JOBS_H

#include <stddef.h>

#include "core/err.h"

/* A job: run(ctx, job, e) gives 0, or -1 with e filled. Jobs run at the
 * same time on different threads, so they share nothing writable but
 * what they own (their own slot of ctx's arrays). */
typedef int jobs_fn(void *ctx, size_t job, struct err *e);

/*
 * Runs jobs 0 to count - 1 on the calling thread and on up to one more
 * thread a core (at most max_threads in all, and never more threads than
 * jobs), and waits for them all. Returns 0, or -1 with the error of the
 * first job (in their order) that failed; every job runs either way.
 * A thread that cannot be started leaves its share to the others.
 * Allocates only for the call.
 */
int jobs_run(jobs_fn *run, void *ctx, size_t count, size_t max_threads,
             struct err *e);

#endif
