/*
 * signals.h - how both programs take signals: SIGTERM, SIGINT and SIGHUP
 * are blocked in every thread (threads inherit the mask from main, which
 * blocks them before starting any) and taken synchronously by the main
 * thread with sigwait(), so no handler ever runs in async-signal context.
 * SIGHUP reloads what each program reloads; the others stop it.
 */
#ifndef DOCKWARD_COMMON_SIGNALS_H
#define DOCKWARD_COMMON_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* Blocks SIGTERM, SIGINT and SIGHUP in the calling thread; `sigs` is the set to wait on. */
void signals_block(sigset_t *sigs);

/*
 * Waits for a signal of `sigs`: true for SIGHUP (reload, then wait again),
 * false for SIGTERM or SIGINT, after logging "received ..., shutting down".
 */
bool signals_wait_reload(const sigset_t *sigs);

#endif
