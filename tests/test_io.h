/*
 * test_io.h - the one loop the test programs (fixture builder, fake Docker
 * API, webhook receiver, unit tests' fake servers) use to write all of a
 * buffer to a socket or a file: a socket is sent to with MSG_NOSIGNAL (a
 * peer that is gone is an error, not a SIGPIPE), anything else written to;
 * EINTR is retried. Header-only (static inline).
 */
#ifndef DOCKWARD_TEST_IO_H
#define DOCKWARD_TEST_IO_H

#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* Writes all len bytes of buf to fd. Returns 0, or -1 (errno set; 0 when the peer took nothing). */
static inline int test_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK)
            n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = 0;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

#endif
