/*
 * sync.c - see sync.h.
 */
#include "sync.h"

#include <time.h>

void sync_init_monotonic(pthread_mutex_t *lock, pthread_cond_t *cond)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(lock, NULL);
    pthread_cond_init(cond, &ca);
    pthread_condattr_destroy(&ca);
}

void sync_raise(pthread_mutex_t *lock, pthread_cond_t *cond, bool *flag)
{
    pthread_mutex_lock(lock);
    *flag = true;
    pthread_cond_signal(cond);
    pthread_mutex_unlock(lock);
}

void sync_stop_join(pthread_mutex_t *lock, pthread_cond_t *cond, bool *stop, pthread_t thread)
{
    sync_raise(lock, cond, stop);
    pthread_join(thread, NULL);
}
