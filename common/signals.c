/*
 * signals.c - see signals.h.
 */
#include "signals.h"

#include "log.h"

#include <pthread.h>

void signals_block(sigset_t *sigs)
{
    sigemptyset(sigs);
    sigaddset(sigs, SIGTERM);
    sigaddset(sigs, SIGINT);
    sigaddset(sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, sigs, NULL); /* threads started afterwards inherit this */
}

bool signals_wait_reload(const sigset_t *sigs)
{
    for (;;) {
        int sig = 0;
        if (sigwait(sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP)
            return true;
        log_info("received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        return false;
    }
}
