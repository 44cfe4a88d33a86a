/*
 * threads.c - see threads.h.
 */
#include "threads.h"

#include <time.h>

void threads_init_monotonic(pthread_mutex_t *lock, pthread_cond_t *wake)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(lock, NULL);
    pthread_cond_init(wake, &ca);
    pthread_condattr_destroy(&ca);
}

void threads_stop(pthread_t thread, pthread_mutex_t *lock, pthread_cond_t *wake, bool *stopping)
{
    pthread_mutex_lock(lock);
    *stopping = true;
    pthread_cond_signal(wake);
    pthread_mutex_unlock(lock);
    pthread_join(thread, NULL);
}
