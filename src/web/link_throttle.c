#include "web/link_throttle.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"

struct throttle_slot {
    char client[64];
    time_t window_start; /* 0: the slot is free */
    int failures;
};

static struct throttle_slot throttle[LINK_THROTTLE_CLIENTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot of client (taking the oldest when it has none); lock held. */
static struct throttle_slot *throttle_slot(const char *client, time_t now)
{
    struct throttle_slot *oldest = &throttle[0];
    for (size_t i = 0; i < LINK_THROTTLE_CLIENTS; i++) {
        struct throttle_slot *t = &throttle[i];
        if (t->window_start && !strcmp(t->client, client)) {
            if (now - t->window_start >= 60) {
                t->window_start = now;
                t->failures = 0;
            }
            return t;
        }
        if (t->window_start < oldest->window_start)
            oldest = t;
    }
    snprintf(oldest->client, sizeof(oldest->client), "%s", client);
    oldest->window_start = now;
    oldest->failures = 0;
    return oldest;
}

long link_throttle_wait(const char *client)
{
    time_t now = clock_now();
    pthread_mutex_lock(&throttle_lock);
    struct throttle_slot *t = throttle_slot(client, now);
    long wait = t->failures >= LINK_FAILURES_PER_MINUTE
                    ? (long)(60 - (now - t->window_start))
                    : 0;
    pthread_mutex_unlock(&throttle_lock);
    return wait > 0 ? wait : 0;
}

void link_throttle_fail(const char *client)
{
    time_t now = clock_now();
    pthread_mutex_lock(&throttle_lock);
    throttle_slot(client, now)->failures++;
    pthread_mutex_unlock(&throttle_lock);
}
