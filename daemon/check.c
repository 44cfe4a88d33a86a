/*
 * check.c - `dockward check`: one collection, printed for a person (grouped
 * by CIS section, colour only on a terminal) or as a JSON document, JUnit
 * XML or SARIF for tools (format_*.c), and an exit code for CI:
 *   0 nothing failed, 1 something failed (fail, or warn too with
 *   --fail-on=warn; waived never), 2 usage or configuration error,
 *   3 a collector could not run (its checks were not judged at all).
 * A collector that could not run outranks failures: a green build must never
 * come from checks that did not happen. With --output FILE the report goes
 * to FILE (written beside it and renamed over it once whole) and the text
 * report to the terminal.
 */
#include "agent.h"

#include "collection.h"
#include "format.h"
#include "report.h"
#include "waivers.h"

#include "../collectors/registry.h"
#include "../common/log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Compares dotted ids numerically ("1.1.10" after "1.1.9"); words after numbers. */
static int compare_ids(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        int da = *a >= '0' && *a <= '9', db = *b >= '0' && *b <= '9';
        if (da && db) {
            /* By hand, not strtol: this runs for every comparison of a big sort. */
            unsigned long na = 0, nb = 0;
            for (; *a >= '0' && *a <= '9'; a++)
                na = na * 10 + (unsigned long)(*a - '0');
            for (; *b >= '0' && *b <= '9'; b++)
                nb = nb * 10 + (unsigned long)(*b - '0');
            if (na != nb)
                return na < nb ? -1 : 1;
            continue;
        }
        if (da != db)
            return da ? -1 : 1;
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return (*a != '\0') - (*b != '\0');
}

/* A result with its check's place in the catalog order, so the big sort compares ints. */
struct sort_entry {
    unsigned rank;
    const struct result *result;
};

static int compare_checks(const void *pa, const void *pb)
{
    const struct check_def *a = *(const struct check_def *const *)pa;
    const struct check_def *b = *(const struct check_def *const *)pb;
    int c = compare_ids(a->section, b->section);
    return c != 0 ? c : compare_ids(a->id, b->id);
}

static int compare_entries(const void *pa, const void *pb)
{
    const struct sort_entry *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return strcmp(a->result->target, b->result->target);
}

/* The rank of `d` in `sorted` (the catalog in print order). */
static unsigned check_rank(const struct check_def *const *sorted, size_t n,
                           const struct check_def *d)
{
    for (size_t i = 0; i < n; i++) {
        if (sorted[i] == d)
            return (unsigned)i;
    }
    return (unsigned)n;
}

struct tally {
    size_t per_status[CHECK_STATUS_COUNT];
    size_t passed, failed; /* automated only */
    size_t collectors_failed;
};

/* Every result of every collector that ran, sorted for printing. */
static const struct result **sorted_results(const struct collection *col, size_t *n_out,
                                            struct tally *t)
{
    size_t n = 0;
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < col->n_runs; i++) {
        n += col->runs[i].results.len;
        t->collectors_failed += !col->runs[i].success;
    }
    /* The catalog of the collectors that ran, in print order (section, then id). */
    const struct check_def *catalog[AGENT_MAX_COLLECTORS * 64];
    size_t n_catalog = 0;
    for (size_t i = 0; i < col->n_runs; i++) {
        const struct collector *c = col->runs[i].collector;
        for (size_t k = 0; k < c->n_checks && n_catalog < ARRAY_LEN(catalog); k++)
            catalog[n_catalog++] = &c->checks[k];
    }
    qsort(catalog, n_catalog, sizeof(*catalog), compare_checks);

    const struct result **all = calloc(n ? n : 1, sizeof(*all));
    struct sort_entry *entries = calloc(n ? n : 1, sizeof(*entries));
    if (all == NULL || entries == NULL) {
        free(all);
        free(entries);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < col->n_runs; i++) {
        for (size_t r = 0; r < col->runs[i].results.len; r++) {
            const struct result *res = &col->runs[i].results.items[r];
            entries[k].rank = check_rank(catalog, n_catalog, res->check);
            entries[k++].result = res;
            t->per_status[res->status]++;
            if (res->check->automated && res->status == CHECK_PASS)
                t->passed++;
            if (res->check->automated && res->status == CHECK_FAIL)
                t->failed++;
        }
    }
    qsort(entries, n, sizeof(*entries), compare_entries);
    for (size_t i = 0; i < n; i++)
        all[i] = entries[i].result;
    free(entries);
    *n_out = n;
    return all;
}

static int exit_code(const struct tally *t, const struct agent_config *cfg)
{
    if (t->collectors_failed > 0)
        return 3;
    for (int s = 0; s < CHECK_STATUS_COUNT; s++) {
        if (t->per_status[s] > 0 && format_status_fails(cfg, (enum check_status)s))
            return 1;
    }
    return 0;
}

static void print_text(const struct agent_config *cfg, const struct collection *col,
                       const struct result **all, size_t n, const struct tally *t)
{
    static const char *const tags[CHECK_STATUS_COUNT] = { "PASS", "FAIL",  "WARN",
                                                          "SKIP", "ERROR", "WAIVED" };
    static const char *const colours[CHECK_STATUS_COUNT] = { "\033[32m", "\033[1;31m", "\033[33m",
                                                             "\033[2m",  "\033[35m",   "\033[36m" };
    const char *term = getenv("TERM");
    bool colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
                  !(term != NULL && strcmp(term, "dumb") == 0);
    const char *reset = colour ? "\033[0m" : "";

    printf("dockward %s check of %s", DOCKWARD_VERSION, cfg->rootfs);
    if (col->swept && col->sweep.ok)
        printf(" (Docker %s, API %s, at %s)",
               col->sweep.version.version ? col->sweep.version.version : "?",
               col->sweep.api_version, cfg->docker_host);
    printf("\n");

    const char *section = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct result *r = all[i];
        if (section == NULL || strcmp(section, r->check->section) != 0) {
            section = r->check->section;
            printf("\n[%s] %s\n", section, format_section_title(section));
        }
        printf("%s[%s]%s %s %s - %s: %s\n", colour ? colours[r->status] : "", tags[r->status],
               reset, r->check->id, r->target, r->check->title, r->evidence);
    }
    for (size_t i = 0; i < col->n_runs; i++) {
        if (!col->runs[i].success)
            printf("\n%s[ERROR]%s collector %s could not run: %s\n",
                   colour ? colours[CHECK_ERROR] : "", reset, col->runs[i].collector->name,
                   col->runs[i].error);
    }
    printf("\nSummary: %zu pass, %zu fail, %zu warn, %zu skip, %zu error, %zu waived",
           t->per_status[CHECK_PASS], t->per_status[CHECK_FAIL], t->per_status[CHECK_WARN],
           t->per_status[CHECK_SKIP], t->per_status[CHECK_ERROR], t->per_status[CHECK_WAIVED]);
    if (t->passed + t->failed > 0)
        printf("; compliance %.1f%% (%zu of %zu automated results pass)",
               100.0 * (double)t->passed / (double)(t->passed + t->failed), t->passed,
               t->passed + t->failed);
    if (col->containers_filtered > 0)
        printf("; %zu containers left out by --container.*", col->containers_filtered);
    printf("\n");
    if (t->collectors_failed > 0)
        printf("%zu collector(s) could not run: exit code 3\n", t->collectors_failed);
}

static cJSON *iso_time(double t)
{
    char text[64];
    format_iso_time(t, text, sizeof(text));
    return cJSON_CreateString(text);
}

/* Writes `text` as a JSON string, quoted and escaped (format.c). */
static void json_string(FILE *out, const char *text)
{
    format_json_string(out, text);
}

/*
 * One element of "results", written directly: thousands of them would cost
 * more as cJSON trees than the whole audit.
 */
static void result_json(FILE *out, const struct result *r)
{
    fputs("{\"check\":", out);
    json_string(out, r->check->id);
    fputs(",\"section\":", out);
    json_string(out, r->check->section);
    fputs(",\"title\":", out);
    json_string(out, r->check->title);
    fprintf(out, ",\"level\":%d,\"automated\":%s,\"target\":", r->check->level,
            r->check->automated ? "true" : "false");
    json_string(out, r->target);
    fputs(",\"status\":", out);
    json_string(out, check_status_name(r->status));
    fputs(",\"evidence\":", out);
    json_string(out, r->evidence);
    if (r->status == CHECK_WAIVED) {
        fputs(",\"judged\":", out);
        json_string(out, check_status_name(r->judged));
        fputs(",\"waiver\":", out);
        json_string(out, r->waiver != NULL ? r->waiver : "");
    }
    if (r->status == CHECK_FAIL || r->status == CHECK_WARN || r->status == CHECK_WAIVED) {
        fputs(",\"remediation\":", out);
        json_string(out, r->check->remediation);
    }
    fputc('}', out);
}

/*
 * Prints the document: every member but "results" comes from build_json's
 * tree; the results are printed one at a time, so a host with thousands of
 * results never holds them all as JSON at once. Returns 0, or -1 on no memory.
 */
static int print_json(cJSON *doc, const struct result **all, size_t n, FILE *out)
{
    fputs("{\n", out);
    int first = 1;
    for (cJSON *item = doc->child; item != NULL; item = item->next) {
        fprintf(out, "%s  \"%s\": ", first ? "" : ",\n", item->string);
        first = 0;
        if (strcmp(item->string, "results") == 0) {
            fputs("[", out);
            for (size_t i = 0; i < n; i++) {
                fputs(i ? ",\n    " : "\n    ", out);
                result_json(out, all[i]);
            }
            fputs(n ? "\n  ]" : "]", out);
            continue;
        }
        char *text = cJSON_PrintUnformatted(item);
        if (text == NULL)
            return -1;
        fputs(text, out);
        free(text);
    }
    fputs("\n}\n", out);
    return 0;
}

/* Builds the JSON document described in docs/check.md ("--format json"). */
static cJSON *build_json(const struct agent_config *cfg, const struct collection *col,
                         const struct result **all, size_t n, const struct tally *t)
{
    cJSON *doc = cJSON_CreateObject();
    if (doc == NULL)
        return NULL;
    cJSON_AddStringToObject(doc, "dockward_version", DOCKWARD_VERSION);
    cJSON_AddItemToObject(doc, "generated_at", iso_time(col->started_at));
    cJSON_AddStringToObject(doc, "rootfs", cfg->rootfs);

    cJSON *docker = cJSON_AddObjectToObject(doc, "docker");
    cJSON_AddStringToObject(docker, "host", cfg->docker_host);
    cJSON_AddBoolToObject(docker, "queried", col->swept);
    cJSON_AddBoolToObject(docker, "up", col->swept && col->sweep.ok);
    if (col->swept && !col->sweep.ok)
        cJSON_AddStringToObject(docker, "error", col->sweep.error);
    if (col->swept && col->sweep.ok) {
        cJSON_AddStringToObject(docker, "api_version", col->sweep.api_version);
        cJSON_AddStringToObject(docker, "server_version",
                                col->sweep.version.version ? col->sweep.version.version : "");
        cJSON_AddNumberToObject(docker, "containers", (double)col->sweep.n_containers);
        cJSON_AddNumberToObject(docker, "images", (double)col->sweep.n_images);
        cJSON_AddNumberToObject(docker, "containers_filtered", (double)col->containers_filtered);
    }

    cJSON *collectors = cJSON_AddArrayToObject(doc, "collectors");
    for (size_t i = 0; i < col->n_runs; i++) {
        const struct collector_run *run = &col->runs[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", run->collector->name);
        cJSON_AddBoolToObject(o, "success", run->success);
        cJSON_AddNumberToObject(o, "duration_seconds", run->duration_seconds);
        if (!run->success)
            cJSON_AddStringToObject(o, "error", run->error);
        cJSON_AddItemToArray(collectors, o);
    }

    (void)all;
    (void)n;
    cJSON_AddArrayToObject(doc, "results"); /* filled by print_json, one result at a time */

    cJSON *summary = cJSON_AddObjectToObject(doc, "summary");
    for (int s = 0; s < CHECK_STATUS_COUNT; s++)
        cJSON_AddNumberToObject(summary, check_status_name((enum check_status)s),
                                (double)t->per_status[s]);
    if (t->passed + t->failed > 0)
        cJSON_AddNumberToObject(summary, "compliance_ratio",
                                (double)t->passed / (double)(t->passed + t->failed));
    else
        cJSON_AddNullToObject(summary, "compliance_ratio");
    cJSON_AddNumberToObject(summary, "collectors_failed", (double)t->collectors_failed);
    cJSON_AddNumberToObject(summary, "exit_code", exit_code(t, cfg));
    return doc;
}

/*
 * The --output file: a temporary file beside FILE, renamed over it only once
 * whole, so a CI step never reads half a report and a failed run leaves the
 * previous one.
 */
struct output_file {
    FILE *f;
    const char *path;
    char tmp[4096 + 16];
};

/* Creates the temporary file. Returns 0, or -1 with why in err. */
static int output_open(struct output_file *o, const char *path, char *err, size_t errlen)
{
    o->path = path;
    int n = snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof(o->tmp)) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    int fd = mkostemp(o->tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    mode_t mask = umask(0); /* mkostemp makes 0600; a report is as readable as any new file */
    umask(mask);
    o->f = fdopen(fd, "w");
    if (o->f == NULL || fchmod(fd, 0666 & ~mask) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        if (o->f != NULL)
            fclose(o->f);
        else
            close(fd);
        unlink(o->tmp);
        return -1;
    }
    return 0;
}

/* Flushes, syncs and renames the file over `path` (or removes it when `keep` is false). */
static int output_close(struct output_file *o, bool keep, char *err, size_t errlen)
{
    int rc = keep ? 0 : -1;
    if (keep && (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0)) {
        snprintf(err, errlen, "%s", strerror(errno));
        rc = -1;
    }
    if (fclose(o->f) != 0 && rc == 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(o->tmp, o->path) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(o->tmp);
    return rc;
}

/*
 * Writes the --format report of the host `hostname` to `out`. Returns 0, or
 * -1 (no memory, or a write failed).
 */
static int write_report(const struct agent_config *cfg, const struct collection *col,
                        const struct result **all, size_t n, const struct tally *t,
                        const char *hostname, FILE *out)
{
    if (strcmp(cfg->format, "json") == 0) {
        cJSON *doc = build_json(cfg, col, all, n, t);
        int rc = doc == NULL || print_json(doc, all, n, out) != 0 ? -1 : 0;
        cJSON_Delete(doc);
        return rc;
    }
    struct format_report rep = { .cfg = cfg,
                                 .col = col,
                                 .results = all,
                                 .n_results = n,
                                 .exit_code = exit_code(t, cfg),
                                 .hostname = hostname };
    if (strcmp(cfg->format, "junit") == 0)
        return format_junit_write(out, &rep);
    return format_sarif_write(out, &rep);
}

int check_main(int argc, char **argv)
{
    static struct agent_cli cli; /* large; lives for the whole process */
    char err[512];

    int early = agent_cli_start(&cli, AGENT_MODE_CHECK, argc, argv, 2, "dockward check");
    if (early >= 0)
        return early;
    const struct agent_config *cfg = &cli.cfg;
    if (docker_global_init() != 0) {
        fprintf(stderr, "dockward check: cannot initialise libcurl\n");
        return 3;
    }

    static struct waiver_book waivers;
    waiver_book_init(&waivers, cfg->waivers_file, (double)cfg->waivers_max_ms / 1000.0);
    if (waiver_book_load(&waivers, clock_wall_seconds(), err, sizeof(err)) != 0) {
        fprintf(stderr, "dockward check: invalid value for --waivers.file: %s\n", err);
        waiver_book_destroy(&waivers);
        return 2;
    }
    /* Before the collection: a path that cannot be written is a usage error, found at once. */
    struct output_file output = { 0 };
    if (cfg->output != NULL && output_open(&output, cfg->output, err, sizeof(err)) != 0) {
        fprintf(stderr, "dockward check: cannot write --output %s: %s\n", cfg->output, err);
        waiver_book_destroy(&waivers);
        return 2;
    }

    struct collection col;
    collection_run(cfg, &col);
    char hostname[REPORT_HOSTNAME_MAX + 1];
    report_read_hostname(cfg->rootfs, hostname, sizeof(hostname));
    struct tally t;
    size_t n = 0;
    const struct result **all = NULL;
    if (waiver_book_apply(&waivers, &col, hostname, clock_wall_seconds()) < 0 ||
        (all = sorted_results(&col, &n, &t)) == NULL) {
        fprintf(stderr, "dockward check: out of memory\n");
        collection_free(&col);
        if (cfg->output != NULL)
            (void)output_close(&output, false, err, sizeof(err));
        waiver_book_destroy(&waivers);
        return 3;
    }
    int rc = exit_code(&t, cfg);
    if (strcmp(cfg->format, "text") == 0) {
        print_text(cfg, &col, all, n, &t);
    } else if (cfg->output == NULL) {
        if (write_report(cfg, &col, all, n, &t, hostname, stdout) != 0) {
            fprintf(stderr, "dockward check: cannot write the %s report\n", cfg->format);
            rc = 3;
        }
    } else {
        bool written = write_report(cfg, &col, all, n, &t, hostname, output.f) == 0;
        if (output_close(&output, written, err, sizeof(err)) != 0) {
            fprintf(stderr, "dockward check: cannot write --output %s: %s\n", cfg->output,
                    written ? err : "out of memory or write error");
            rc = 3;
        }
        print_text(cfg, &col, all, n, &t);
    }
    free(all);
    collection_free(&col);
    waiver_book_destroy(&waivers);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "dockward check: cannot write the output\n");
        return 3;
    }
    return rc;
}
