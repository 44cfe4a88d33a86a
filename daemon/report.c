/*
 * report.c - builds the protobuf report of a collection (see report.h).
 *
 * The protobuf-c message is assembled on the heap as arrays of structs plus
 * the pointer arrays protobuf-c wants, all pointing at strings the
 * collection already owns (nothing is copied but the hostname and ids, which
 * live in the caller's identity), then packed once into an exactly-sized
 * buffer after the size has been checked against the cap.
 */
#include "report.h"

#include "../collectors/hostfs.h"
#include "../common/utf8.h"

#include <dockward/v1/report.pb-c.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>

const char *const report_error_names[REPORT_ERROR_COUNT] = { "host_id", "build", "outbox" };

const char *report_error_name(enum report_error e)
{
    return (unsigned)e < REPORT_ERROR_COUNT ? report_error_names[e] : "unknown";
}

bool report_host_id_valid(const char *s)
{
    return host_id_valid(s, strlen(s));
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The text of `b` with surrounding whitespace cut, as a pointer and length into b->data. */
static const char *trimmed(const struct buf *b, size_t *len)
{
    const char *p = b->data ? b->data : "";
    size_t n = b->len;
    while (n > 0 && is_space(*p)) {
        p++;
        n--;
    }
    while (n > 0 && is_space(p[n - 1]))
        n--;
    *len = n;
    return p;
}

void report_read_hostname(const char *rootfs, char *out, size_t outlen)
{
    struct buf b;
    buf_init(&b, REPORT_IDENTITY_READ_MAX);
    out[0] = '\0';
    if (hostfs_read_file(rootfs, "/etc/hostname", REPORT_IDENTITY_READ_MAX, &b) == 0) {
        size_t n;
        const char *p = trimmed(&b, &n);
        size_t first_line = strcspn(p, "\r\n");
        if (first_line < n)
            n = first_line;
        while (n > 0 && is_space(p[n - 1]))
            n--;
        char line[REPORT_IDENTITY_READ_MAX + 1];
        memcpy(line, p, n);
        line[n] = '\0';
        utf8_sanitize(line, out, outlen - 1);
    }
    buf_free(&b);
    if (out[0] != '\0')
        return;
    struct utsname u;
    if (uname(&u) == 0)
        utf8_sanitize(u.nodename, out, outlen - 1);
}

int report_read_identity(const char *rootfs, struct report_identity *id, char *err, size_t errlen)
{
    struct buf b;
    memset(id, 0, sizeof(*id));
    buf_init(&b, REPORT_IDENTITY_READ_MAX);
    if (hostfs_read_file(rootfs, "/etc/machine-id", REPORT_IDENTITY_READ_MAX, &b) != 0) {
        int e = errno;
        if (e == ENOENT)
            snprintf(err, errlen,
                     "no host id: /etc/machine-id does not exist under --path.rootfs %s "
                     "(reports are not pushed until it does)",
                     rootfs);
        else
            snprintf(err, errlen,
                     "no host id: cannot read /etc/machine-id under --path.rootfs %s: %s "
                     "(reports are not pushed until it can be read)",
                     rootfs, strerror(e));
        buf_free(&b);
        return -1;
    }
    size_t n;
    const char *p = trimmed(&b, &n);
    if (n == 0 || n > REPORT_HOST_ID_MAX) {
        snprintf(err, errlen,
                 "no host id: /etc/machine-id under --path.rootfs %s is %s (want 1..%d of "
                 "[A-Za-z0-9._-]; reports are not pushed)",
                 rootfs, n == 0 ? "empty" : "too long", REPORT_HOST_ID_MAX);
        buf_free(&b);
        return -1;
    }
    memcpy(id->host_id, p, n);
    id->host_id[n] = '\0';
    buf_free(&b);
    if (!report_host_id_valid(id->host_id)) {
        snprintf(err, errlen,
                 "no host id: /etc/machine-id under --path.rootfs %s holds a character "
                 "outside [A-Za-z0-9._-] (reports are not pushed)",
                 rootfs);
        id->host_id[0] = '\0';
        return -1;
    }
    report_read_hostname(rootfs, id->hostname, sizeof(id->hostname));
    return 0;
}

int report_new_id(uint8_t id[REPORT_ID_LEN], char *err, size_t errlen)
{
    size_t got = 0;
    while (got < REPORT_ID_LEN) {
        ssize_t n = getrandom(id + got, REPORT_ID_LEN - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "getrandom: %s", strerror(errno));
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

void report_id_hex(const uint8_t id[REPORT_ID_LEN], char out[REPORT_ID_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < REPORT_ID_LEN; i++) {
        out[2 * i] = digits[id[i] >> 4];
        out[2 * i + 1] = digits[id[i] & 0xf];
    }
    out[REPORT_ID_HEX_LEN] = '\0';
}

static Dockward__V1__Status status_to_proto(enum check_status s)
{
    switch (s) {
    case CHECK_PASS:
        return DOCKWARD__V1__STATUS__STATUS_PASS;
    case CHECK_FAIL:
        return DOCKWARD__V1__STATUS__STATUS_FAIL;
    case CHECK_WARN:
        return DOCKWARD__V1__STATUS__STATUS_WARN;
    case CHECK_SKIP:
        return DOCKWARD__V1__STATUS__STATUS_SKIP;
    case CHECK_ERROR:
        return DOCKWARD__V1__STATUS__STATUS_ERROR;
    case CHECK_WAIVED:
        break; /* sent as its verdict and the waiver's id: see report.proto */
    }
    return DOCKWARD__V1__STATUS__STATUS_UNSPECIFIED;
}

/* When the collection finished: the last collector's finish time, else its start. */
static int64_t generated_at_ms(const struct collection *col)
{
    double t = col->started_at;
    for (size_t i = 0; i < col->n_runs; i++) {
        if (col->runs[i].finished_at > t)
            t = col->runs[i].finished_at;
    }
    if (t <= 0)
        t = clock_wall_seconds();
    return (int64_t)llround(t * 1000.0);
}

/* protobuf-c's fields are `char *`; it never writes through them when packing. */
static char *pb_str(const char *s)
{
    return (char *)(s != NULL ? s : "");
}

int report_build(const struct collection *col, const struct report_identity *identity,
                 uint64_t sequence, const uint8_t report_id[REPORT_ID_LEN], uint8_t **body,
                 size_t *len, char *err, size_t errlen)
{
    *body = NULL;
    *len = 0;
    size_t n_results = 0;
    for (size_t i = 0; i < col->n_runs; i++) {
        if (col->runs[i].success)
            n_results += col->runs[i].results.len;
    }
    if (n_results > REPORT_MAX_RESULTS) {
        snprintf(err, errlen, "report not built: %zu results, over the cap of %d", n_results,
                 REPORT_MAX_RESULTS);
        return -1;
    }

    Dockward__V1__Report rep = DOCKWARD__V1__REPORT__INIT;
    Dockward__V1__CollectorRun *runs = calloc(col->n_runs ? col->n_runs : 1, sizeof(*runs));
    Dockward__V1__CollectorRun **run_ptrs =
        calloc(col->n_runs ? col->n_runs : 1, sizeof(*run_ptrs));
    Dockward__V1__Result *results = calloc(n_results ? n_results : 1, sizeof(*results));
    Dockward__V1__Result **result_ptrs = calloc(n_results ? n_results : 1, sizeof(*result_ptrs));
    int rc = -1;
    if (runs == NULL || run_ptrs == NULL || results == NULL || result_ptrs == NULL) {
        snprintf(err, errlen, "report not built: out of memory");
        goto out;
    }

    rep.report_id.data = (uint8_t *)report_id;
    rep.report_id.len = REPORT_ID_LEN;
    rep.host_id = pb_str(identity->host_id);
    rep.hostname = pb_str(identity->hostname);
    rep.agent_version = pb_str(DOCKWARD_VERSION);
    rep.sequence = sequence;
    rep.generated_at_unix_ms = generated_at_ms(col);
    rep.catalog_version = pb_str(REPORT_CATALOG_VERSION);

    size_t r = 0;
    for (size_t i = 0; i < col->n_runs; i++) {
        const struct collector_run *run = &col->runs[i];
        dockward__v1__collector_run__init(&runs[i]);
        runs[i].name = pb_str(run->collector->name);
        runs[i].success = run->success;
        runs[i].duration_seconds = run->duration_seconds;
        runs[i].error = pb_str(run->success ? "" : run->error);
        run_ptrs[i] = &runs[i];
        if (!run->success)
            continue;
        for (size_t k = 0; k < run->results.len; k++) {
            const struct result *res = &run->results.items[k];
            dockward__v1__result__init(&results[r]);
            results[r].check_id = pb_str(res->check->id);
            results[r].target = pb_str(res->target);
            bool waived = res->status == CHECK_WAIVED;
            results[r].status = status_to_proto(waived ? res->judged : res->status);
            results[r].waiver_id = pb_str(waived ? res->waiver : "");
            results[r].evidence = pb_str(res->evidence);
            results[r].collector = pb_str(run->collector->name);
            result_ptrs[r] = &results[r];
            r++;
        }
    }
    rep.n_collector_runs = col->n_runs;
    rep.collector_runs = run_ptrs;
    rep.n_results = r;
    rep.results = result_ptrs;

    size_t size = dockward__v1__report__get_packed_size(&rep);
    if (size > REPORT_MAX_BYTES) {
        snprintf(err, errlen, "report not built: %zu bytes, over the cap of %u", size,
                 REPORT_MAX_BYTES);
        goto out;
    }
    uint8_t *data = malloc(size ? size : 1);
    if (data == NULL) {
        snprintf(err, errlen, "report not built: out of memory");
        goto out;
    }
    size_t packed = dockward__v1__report__pack(&rep, data);
    if (packed != size) {
        snprintf(err, errlen, "report not built: protobuf-c packed %zu bytes, expected %zu", packed,
                 size);
        free(data);
        goto out;
    }
    *body = data;
    *len = size;
    rc = 0;
out:
    free(runs);
    free(run_ptrs);
    free(results);
    free(result_ptrs);
    return rc;
}
