/*
 * sync.h - the two moves every worker thread of both programs makes with
 * its mutex and condition variable: initialising them so timed waits run
 * on CLOCK_MONOTONIC (a wall-clock step neither shortens nor stretches a
 * wait), and telling the thread something - a flag set under the lock and
 * the thread woken - which, for "stop", is followed by joining it.
 */
#ifndef DOCKWARD_COMMON_SYNC_H
#define DOCKWARD_COMMON_SYNC_H

#include <pthread.h>
#include <stdbool.h>

/* Initialises `lock`, and `cond` with CLOCK_MONOTONIC for pthread_cond_timedwait. */
void sync_init_monotonic(pthread_mutex_t *lock, pthread_cond_t *cond);

/* Under `lock`: sets *flag and signals `cond`. */
void sync_raise(pthread_mutex_t *lock, pthread_cond_t *cond, bool *flag);

/* sync_raise(lock, cond, stop), then joins `thread`. */
void sync_stop_join(pthread_mutex_t *lock, pthread_cond_t *cond, bool *stop, pthread_t thread);

#endif
