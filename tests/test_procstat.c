/*
 * test_procstat.c - the process_* figures (common/procstat.c) are read from
 * this very test process, so they are checked for sanity against what the
 * test knows about itself: it is alive, started a moment ago, holds stdin,
 * stdout and stderr, and opening one more file adds exactly one descriptor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/procstat.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void test_figures_are_sane(void **state)
{
    (void)state;
    struct procstat ps;
    memset(&ps, 0xff, sizeof(ps));
    assert_int_equal(procstat_read(&ps), 0);

    assert_true(ps.resident_bytes > 0);
    assert_true(ps.resident_bytes == (double)(long long)ps.resident_bytes);
    assert_true(ps.virtual_bytes >= ps.resident_bytes);
    assert_true(ps.open_fds >= 3);
    assert_true(ps.max_fds >= ps.open_fds);
    assert_true(ps.cpu_seconds >= 0);
    assert_true(ps.cpu_seconds < 3600);

    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    assert_true(ps.max_fds == (double)rl.rlim_cur);

    /*
     * Started within the last hour, not in the future. btime has a one-second
     * resolution and the boot clock can drift from the wall clock by a
     * little, so allow 2 s of slack on the "future" side.
     */
    double now = (double)time(NULL);
    assert_true(ps.start_time_seconds > now - 3600);
    assert_true(ps.start_time_seconds <= now + 2);
}

static void test_open_fds_counts_a_new_file(void **state)
{
    (void)state;
    struct procstat before, after, closed;
    assert_int_equal(procstat_read(&before), 0);
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(procstat_read(&after), 0);
    assert_true(after.open_fds == before.open_fds + 1);
    close(fd);
    assert_int_equal(procstat_read(&closed), 0);
    assert_true(closed.open_fds == before.open_fds);
}

static void test_cpu_seconds_grow(void **state)
{
    (void)state;
    struct procstat before, after;
    assert_int_equal(procstat_read(&before), 0);
    /* Burn ~0.3 s of CPU; clock ticks are 10 ms, so the figure must move. */
    struct timespec t0, t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    volatile unsigned long sink = 0;
    do {
        for (int i = 0; i < 100000; i++)
            sink += (unsigned long)i;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    } while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < 0.3);
    assert_int_equal(procstat_read(&after), 0);
    assert_true(after.cpu_seconds >= before.cpu_seconds + 0.2);
    /* Same process, same start. */
    assert_true(after.start_time_seconds == before.start_time_seconds);
}

/*
 * A process may call itself anything: a comm of "x) 9 9 (y)" would shift
 * every field for a parser that splits at the first ')'.
 */
static void test_hostile_comm(void **state)
{
    (void)state;
    char old[17] = { 0 };
    assert_int_equal(prctl(PR_GET_NAME, old, 0, 0, 0), 0);
    struct procstat want, got;
    assert_int_equal(procstat_read(&want), 0);
    assert_int_equal(prctl(PR_SET_NAME, "x) 9 9 (y) 7 ", 0, 0, 0), 0);
    int rc = procstat_read(&got);
    assert_int_equal(prctl(PR_SET_NAME, old, 0, 0, 0), 0);
    assert_int_equal(rc, 0);
    assert_true(got.start_time_seconds == want.start_time_seconds);
    assert_true(got.virtual_bytes > 0);
    assert_true(got.resident_bytes > 0);
    assert_true(got.open_fds == want.open_fds);
}

static void test_peak_resident_grows(void **state)
{
    (void)state;
    struct procstat ps;
    assert_int_equal(procstat_read(&ps), 0);
    double peak = procstat_peak_resident_bytes();
    assert_true(peak > 0);
    assert_true(peak >= ps.resident_bytes);
    /* Touch 64 MiB: the high-water mark must rise by most of it. */
    size_t size = 64u << 20;
    char *p = malloc(size);
    assert_non_null(p);
    memset(p, 1, size);
    double peak2 = procstat_peak_resident_bytes();
    assert_true(peak2 >= peak + (double)(size / 2));
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figures_are_sane),
        cmocka_unit_test(test_open_fds_counts_a_new_file),
        cmocka_unit_test(test_cpu_seconds_grow),
        cmocka_unit_test(test_hostile_comm),
        cmocka_unit_test(test_peak_resident_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
