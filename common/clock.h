/*
 * clock.h - the wall clock as both programs read it: seconds (the agent's
 * timestamps), milliseconds (reports, the outbox, the store's rows), and a
 * deadline `ms` from now for pthread_cond_timedwait (whose condition
 * variables use CLOCK_REALTIME, the default).
 */
#ifndef DOCKWARD_COMMON_CLOCK_H
#define DOCKWARD_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Seconds since the Unix epoch, with the fraction. */
double clock_wall_seconds(void);
/* Milliseconds since the Unix epoch. */
int64_t clock_wall_ms(void);
/* Fills `ts` with the wall-clock time `ms` milliseconds from now. */
void clock_deadline_in(struct timespec *ts, uint64_t ms);

#endif
