/*
 * procstat.h - this process's own resource figures for the process_* metrics
 * (the names and meanings of Prometheus client libraries' process collector),
 * read from /proc/self of the machine the agent runs on (never under
 * --path.rootfs: it is dockward itself being measured).
 */
#ifndef DOCKWARD_PROCSTAT_H
#define DOCKWARD_PROCSTAT_H

struct procstat {
    double cpu_seconds;        /* user + system CPU time */
    double resident_bytes;     /* RSS */
    double virtual_bytes;      /* VSZ */
    double open_fds;           /* entries in /proc/self/fd */
    double max_fds;            /* soft RLIMIT_NOFILE */
    double start_time_seconds; /* process start, seconds since the Unix epoch */
};

/* Fills `out`. Returns 0, or -1 when /proc/self could not be read. */
int procstat_read(struct procstat *out);

struct expo;
/*
 * Adds dockward_build_info and, when /proc/self reads, the process_*
 * families (both programs' /metrics) to `e`. Returns 0, or non-zero when a
 * family or sample could not be added.
 */
int procstat_metrics_build(struct expo *e);

/* The peak resident set (VmHWM) in bytes, or -1; used by benchmarks. */
double procstat_peak_resident_bytes(void);

#endif
