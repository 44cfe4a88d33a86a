/*
 * threads.h - the two steps every worker thread of ours repeats: a lock and
 * a condition variable whose timed waits count CLOCK_MONOTONIC time (a
 * wall-clock step must not stretch or cut a backoff), and the stop
 * handshake (set the flag under the lock, wake the thread, join it).
 */
#ifndef DOCKWARD_THREADS_H
#define DOCKWARD_THREADS_H

#include <pthread.h>
#include <stdbool.h>

/* Initialises `lock` (default attributes) and `wake` (timed waits on CLOCK_MONOTONIC). */
void threads_init_monotonic(pthread_mutex_t *lock, pthread_cond_t *wake);

/*
 * Sets *stopping under `lock`, signals `wake` and joins `thread`; the
 * thread is expected to check *stopping under `lock` around each wait.
 */
void threads_stop(pthread_t thread, pthread_mutex_t *lock, pthread_cond_t *wake, bool *stopping);

#endif
