/*
 * procstat.c - the process_* figures of dockward itself; see procstat.h.
 *
 * Read the way Prometheus client libraries (procfs) do, so the numbers mean
 * what dashboards expect: CPU and start time from /proc/self/stat (start =
 * btime from /proc/stat + starttime ticks), RSS and VSZ from the same line,
 * open descriptors by listing /proc/self/fd, the limit from getrlimit.
 *
 * /proc/self/stat is parsed from the LAST ')': the second field is the
 * command name in parentheses, and a process may name itself anything,
 * spaces and ')' included. Every number goes through strtoull/strtoll with
 * errno and the end pointer checked. Files are read with bounded buffers;
 * /proc/stat's long lines (intr) are read in pieces and only whole lines
 * starting with "btime " are looked at.
 */
#include "procstat.h"

#include "expo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define STAT_LINE_MAX 4096 /* /proc/self/stat is one line of ~300 bytes */

/* Reads a small file whole into buf (NUL-terminated). Returns 0 or -1. */
static int read_small_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    while (len + 1 < size) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return len > 0 ? 0 : -1;
}

static int parse_u64(const char *s, char **end, unsigned long long *out)
{
    errno = 0;
    if (*s == '-')
        return -1; /* strtoull would quietly negate */
    unsigned long long v = strtoull(s, end, 10);
    if (errno != 0 || *end == s)
        return -1;
    *out = v;
    return 0;
}

/*
 * The value of a "Key: <number> kB"-style or "key <number>" line of a /proc
 * file: the first line that starts with `key`. Returns 0, or -1 when absent
 * or malformed. Lines longer than the buffer are read in pieces; only the
 * start of a line is ever matched.
 */
static int proc_line_value(const char *path, const char *key, unsigned long long *out)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    char line[512];
    size_t klen = strlen(key);
    int at_line_start = 1;
    int rc = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t len = strlen(line);
        int whole_start = at_line_start;
        at_line_start = len > 0 && line[len - 1] == '\n';
        if (!whole_start || strncmp(line, key, klen) != 0)
            continue;
        const char *p = line + klen;
        while (*p == ' ' || *p == '\t')
            p++;
        char *end;
        unsigned long long v;
        if (parse_u64(p, &end, &v) == 0) {
            *out = v;
            rc = 0;
        }
        break;
    }
    fclose(f);
    return rc;
}

/* The fields of /proc/self/stat we use (proc(5) numbering). */
struct self_stat {
    unsigned long long utime;     /* 14, clock ticks */
    unsigned long long stime;     /* 15 */
    unsigned long long starttime; /* 22, ticks after boot */
    unsigned long long vsize;     /* 23, bytes */
    unsigned long long rss;       /* 24, pages */
};

static int read_self_stat(struct self_stat *st)
{
    char buf[STAT_LINE_MAX];
    if (read_small_file("/proc/self/stat", buf, sizeof(buf)) != 0)
        return -1;
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    p++;
    /* The fields kept, in the order they come. */
    static const struct {
        int field;
        size_t offset;
    } kept[] = {
        { 14, offsetof(struct self_stat, utime) },     { 15, offsetof(struct self_stat, stime) },
        { 22, offsetof(struct self_stat, starttime) }, { 23, offsetof(struct self_stat, vsize) },
        { 24, offsetof(struct self_stat, rss) },
    };
    size_t next = 0;
    /* Field 3 (state) comes first after the ')'. */
    for (int field = 3; field <= 24; field++) {
        while (*p == ' ')
            p++;
        if (*p == '\0' || *p == '\n')
            return -1;
        char *end = p;
        unsigned long long v = 0;
        unsigned long long *dst = NULL;
        if (next < sizeof(kept) / sizeof(kept[0]) && kept[next].field == field)
            dst = (unsigned long long *)((char *)st + kept[next++].offset);
        if (dst != NULL) {
            if (parse_u64(p, &end, &v) != 0 || (*end != ' ' && *end != '\n' && *end != '\0'))
                return -1;
            *dst = v;
        } else {
            while (*end != ' ' && *end != '\0' && *end != '\n')
                end++;
        }
        p = end;
    }
    return 0;
}

/* Entries of /proc/self/fd, not counting the descriptor used to list them. */
static int count_open_fds(double *out)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    int own = dirfd(d);
    unsigned long long n = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *end;
        unsigned long long fd;
        if (parse_u64(de->d_name, &end, &fd) == 0 && *end == '\0' && own >= 0 &&
            fd == (unsigned long long)own)
            continue;
        n++;
    }
    int failed = errno != 0;
    closedir(d);
    if (failed)
        return -1;
    *out = (double)n;
    return 0;
}

int procstat_read(struct procstat *out)
{
    struct self_stat st;
    long ticks = sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    unsigned long long btime;
    struct rlimit rl;
    if (ticks <= 0 || page <= 0)
        return -1;
    if (read_self_stat(&st) != 0)
        return -1;
    if (proc_line_value("/proc/stat", "btime ", &btime) != 0)
        return -1;
    if (count_open_fds(&out->open_fds) != 0)
        return -1;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    out->cpu_seconds = (double)(st.utime + st.stime) / (double)ticks;
    out->resident_bytes = (double)st.rss * (double)page;
    out->virtual_bytes = (double)st.vsize;
    /* RLIM_INFINITY reads as 2^64-1 (about 1.8e19), never as a small number. */
    out->max_fds = (double)rl.rlim_cur;
    out->start_time_seconds = (double)btime + (double)st.starttime / (double)ticks;
    return 0;
}

double procstat_peak_resident_bytes(void)
{
    unsigned long long kib;
    if (proc_line_value("/proc/self/status", "VmHWM:", &kib) != 0)
        return -1;
    return (double)kib * 1024.0;
}

int procstat_metrics_build(struct expo *e)
{
    int rc = 0;
    struct metric_label bl[] = { { "version", DOCKWARD_VERSION },
                                 { "revision", DOCKWARD_REVISION } };
    rc |= expo_family(e, "dockward_build_info", METRIC_GAUGE,
                      "dockward's version and git revision; always 1.");
    rc |= expo_sample(e, "dockward_build_info", bl, 2, 1);
    struct procstat ps;
    if (procstat_read(&ps) == 0) {
        static const struct {
            const char *name;
            const char *help;
        } fams[] = {
            { "process_cpu_seconds_total", "Total user and system CPU time spent in seconds." },
            { "process_resident_memory_bytes", "Resident memory size in bytes." },
            { "process_virtual_memory_bytes", "Virtual memory size in bytes." },
            { "process_open_fds", "Number of open file descriptors." },
            { "process_max_fds", "Maximum number of open file descriptors." },
            { "process_start_time_seconds",
              "Start time of the process since unix epoch in seconds." },
        };
        const double vals[] = { ps.cpu_seconds, ps.resident_bytes, ps.virtual_bytes,
                                ps.open_fds,    ps.max_fds,        ps.start_time_seconds };
        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
            rc |=
                expo_family(e, fams[i].name, i == 0 ? METRIC_COUNTER : METRIC_GAUGE, fams[i].help);
            rc |= expo_sample(e, fams[i].name, NULL, 0, vals[i]);
        }
    }
    return rc;
}
