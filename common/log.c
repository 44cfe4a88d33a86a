/*
 * log.c - logfmt lines on stderr; see log.h for the contract.
 *
 * Each line is formatted into one stack buffer and written with a single
 * write(2), so lines from different threads never interleave. A message longer
 * than the buffer is cut and marked with "...".
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048 /* cap on one line, including the logfmt prefix */

static enum log_level current_level = LOG_LEVEL_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

int log_level_parse(const char *name, enum log_level *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

const char *log_level_name(enum log_level level)
{
    if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
        return "unknown";
    return level_names[level];
}

void log_set_level(enum log_level level)
{
    current_level = level;
}

int log_enabled(enum log_level level)
{
    return level >= current_level;
}

/* Escapes `msg` as a logfmt quoted value into dst. Returns bytes written. */
static size_t quote_into(char *dst, size_t cap, const char *msg)
{
    size_t n = 0;
    for (const char *p = msg; *p != '\0' && n + 3 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            dst[n++] = '\\';
            dst[n++] = (char)c;
        } else if (c == '\n') {
            dst[n++] = '\\';
            dst[n++] = 'n';
        } else if (c < 0x20 || c == 0x7f) {
            dst[n++] = '?';
        } else {
            dst[n++] = (char)c;
        }
    }
    return n;
}

static void log_emit(enum log_level level, const char *suffix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Writes one line holding `msg` at `level`. */
static void log_write(enum log_level level, const char *msg)
{
    char line[LOG_LINE_MAX * 2 + 64];
    struct timeval tv;
    struct tm tm;
    int n;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = snprintf(line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=\"",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (long)(tv.tv_usec / 1000), log_level_name(level));
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    size_t len = (size_t)n;
    len += quote_into(line + len, sizeof(line) - len - 2, msg);
    line[len++] = '"';
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w; /* nowhere to report a failure to write the log */
}

static void log_emit(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
    char msg[LOG_LINE_MAX];
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);

    if (n < 0)
        return;
    if ((size_t)n >= sizeof(msg))
        memcpy(msg + sizeof(msg) - 4, "...", 4);
    if (suffix != NULL) {
        size_t len = strlen(msg);
        int m = snprintf(msg + len, sizeof(msg) - len, ": %s", suffix);
        if (m < 0 || (size_t)m >= sizeof(msg) - len)
            memcpy(msg + sizeof(msg) - 4, "...", 4);
    }
    log_write(level, msg);
}

#define LOG_BODY(level, suffix)               \
    do {                                      \
        int saved_errno = errno;              \
        if (log_enabled(level)) {             \
            va_list ap;                       \
            va_start(ap, fmt);                \
            log_emit(level, suffix, fmt, ap); \
            va_end(ap);                       \
        }                                     \
        errno = saved_errno;                  \
    } while (0)

void log_debug(const char *fmt, ...)
{
    LOG_BODY(LOG_LEVEL_DEBUG, NULL);
}

void log_info(const char *fmt, ...)
{
    LOG_BODY(LOG_LEVEL_INFO, NULL);
}

void log_warn(const char *fmt, ...)
{
    int e = errno;
    LOG_BODY(LOG_LEVEL_WARN, strerror(e));
}

void log_warnx(const char *fmt, ...)
{
    LOG_BODY(LOG_LEVEL_WARN, NULL);
}

void log_error(const char *fmt, ...)
{
    LOG_BODY(LOG_LEVEL_ERROR, NULL);
}

void fatal(const char *fmt, ...)
{
    int e = errno;
    LOG_BODY(LOG_LEVEL_ERROR, strerror(e));
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    LOG_BODY(LOG_LEVEL_ERROR, NULL);
    exit(1);
}

void log_ratelimited(struct log_limiter *lim, enum log_level level, const char *fmt, ...)
{
    int saved_errno = errno;
    time_t now = time(NULL);

    if (lim->last != 0 && now - lim->last < lim->every_s) {
        lim->dropped++;
        errno = saved_errno;
        return;
    }
    if (log_enabled(level)) {
        char msg[LOG_LINE_MAX];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (n >= 0 && lim->dropped > 0) {
            size_t len = strlen(msg);
            int m = snprintf(msg + len, sizeof(msg) - len, " (%llu similar lines suppressed)",
                             (unsigned long long)lim->dropped);
            (void)m; /* a cut suffix is acceptable in a log line */
        }
        if (n >= 0)
            log_write(level, msg);
    }
    lim->last = now;
    lim->dropped = 0;
    errno = saved_errno;
}

void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap);
    (void)n;
    va_end(ap);
}
