/*
 * worker: a thread of its own that sleeps on a condition until it is
 * woken or told to stop (the clinic's audit writer, the serve scheduler).
 * The owner's shared state is guarded by lock; the thread reads stop
 * under lock and ends once it is set.
 */
#ifndef TS_CORE_WORKER_H
#define TS_CORE_WORKER_H

#include <pthread.h>

struct worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop; /* set by worker_stop, under lock */
};

/* Initialises w's lock and condition and runs main(arg) in a new thread
 * (which inherits the caller's signal mask). Returns 0, or pthread_create's
 * error number with w's lock and condition destroyed again. */
int worker_start(struct worker *w, void *(*main)(void *), void *arg);
/* Sets stop under the lock, wakes the thread, waits for it to end, then
 * destroys the lock and condition. */
void worker_stop(struct worker *w);

#endif
