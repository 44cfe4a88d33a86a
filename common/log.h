/*
 * log.h - the one logging API of dockward (agent and store).
 *
 * Lines go to stderr in logfmt (ts=... level=... msg="..."), which is what
 * journald and the Prometheus ecosystem's exporters print. The level is
 * checked before anything is formatted, errno is preserved across every call,
 * and log_warn()/fatal() append strerror(errno) the way err(3) does.
 *
 * Per-interval failures (a collector failing every minute) use
 * log_ratelimited(), which prints the first occurrence and then at most one
 * line per `every_s` seconds for the same limiter, with a count of what it
 * suppressed, so a broken host never floods the journal.
 *
 * The level is process-wide state set once at start-up (log_set_level) before
 * any thread is started; it is read without a lock afterwards.
 */
#ifndef DOCKWARD_LOG_H
#define DOCKWARD_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum log_level { LOG_LEVEL_DEBUG = 0, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Parses "debug", "info", "warn" or "error". Returns 0, or -1 if unknown. */
int log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);
void log_set_level(enum log_level level);
int log_enabled(enum log_level level);

void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
/* log_warn appends ": <strerror(errno)>"; log_warnx does not. */
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Log at error level and exit(1). fatal appends strerror(errno). */
/* snprintf into a caller's error buffer `err` of `errlen` bytes (truncation is fine there). */
void seterr(char *err, size_t errlen, const char *fmt, ...) LOG_PRINTF(3, 4);

void fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

/*
 * A rate limiter for one recurring message. Owned by whoever logs it (one per
 * collector, say); not thread-safe: one thread logs through one limiter.
 */
struct log_limiter {
    int every_s;      /* at most one line per this many seconds */
    time_t last;      /* when the last line was printed, 0 = never */
    uint64_t dropped; /* lines suppressed since */
};

/* Logs at `level` when the limiter allows; otherwise counts the suppression. */
void log_ratelimited(struct log_limiter *lim, enum log_level level, const char *fmt, ...)
    LOG_PRINTF(3, 4);

#endif
