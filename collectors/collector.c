/*
 * collector.c - the pieces of the collector interface every collector uses:
 * status names, option lookup, and the result sink.
 *
 * The sink copies the target and the evidence (cut to their caps) so a
 * collector can build them in stack buffers. It refuses check ids that are
 * not in the owning collector's catalog: a result must always be explainable
 * by the catalog (title, section, remediation).
 */
#include "collector.h"

#include "../common/buf.h"
#include "../common/hash.h"
#include "../common/log.h"
#include "../common/utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const check_status_names[CHECK_STATUS_COUNT] = { "pass", "fail",  "warn",
                                                             "skip", "error", "waived" };

const char *check_status_name(enum check_status status)
{
    if ((unsigned)status >= CHECK_STATUS_COUNT)
        return "error";
    return check_status_names[status];
}

int check_status_parse(const char *name, enum check_status *out)
{
    for (int i = 0; i < CHECK_STATUS_COUNT; i++) {
        if (strcmp(name, check_status_names[i]) == 0) {
            *out = (enum check_status)i;
            return 0;
        }
    }
    return -1;
}

const char *collect_ctx_option(const struct collect_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->n_options; i++) {
        if (strcmp(ctx->options[i].name, name) == 0)
            return ctx->options[i].value;
    }
    return NULL;
}

const struct check_def *collector_find_check(const struct collector *c, const char *id)
{
    for (size_t i = 0; i < c->n_checks; i++) {
        if (strcmp(c->checks[i].id, id) == 0)
            return &c->checks[i];
    }
    return NULL;
}

void result_set_init(struct result_set *set)
{
    set->items = NULL;
    set->len = 0;
    set->cap = 0;
    set->measures = NULL;
    set->n_measures = 0;
    set->cap_measures = 0;
}

void result_set_free(struct result_set *set)
{
    for (size_t i = 0; i < set->len; i++) {
        free(set->items[i].target);
        free(set->items[i].evidence);
        free(set->items[i].waiver);
        free(set->items[i].finding);
    }
    for (size_t i = 0; i < set->n_measures; i++)
        free(set->measures[i].label_value);
    free(set->items);
    free(set->measures);
    result_set_init(set);
}

void result_sink_init(struct result_sink *sink, struct result_set *set,
                      const struct collector *owner)
{
    sink->set = set;
    sink->owner = owner;
    sink->added = 0;
    sink->overflowed = 0;
}

/*
 * Copies s as valid UTF-8 (results leave dockward as metric labels, JSON and
 * protobuf strings, which all require it), cut at a character boundary to at
 * most `max` bytes and marked "..." when cut. NULL on no memory.
 */
static char *dup_capped(const char *s, size_t max)
{
    char tmp[RESULT_EVIDENCE_MAX > RESULT_TARGET_MAX ? RESULT_EVIDENCE_MAX + 1
                                                     : RESULT_TARGET_MAX + 1];
    if (max >= sizeof(tmp))
        max = sizeof(tmp) - 1;
    size_t n = utf8_sanitize(s, tmp, max);
    if (n < strlen(s) && n >= 3 && strlen(s) > max) {
        n = utf8_sanitize(s, tmp, max - 3);
        memcpy(tmp + n, "...", 4);
    }
    return strdup(tmp); /* exactly as long as it needs: results are many */
}

/*
 * A target as kept: targets must stay unique within a collection (the store
 * refuses a report holding the same (check, target) twice), so one that
 * had to change - cut to RESULT_TARGET_MAX, or ill-formed UTF-8 replaced -
 * ends with "...#" and 16 hex digits of an FNV-1a hash of the whole
 * original, and two names that share their first 256 bytes stay apart.
 * NULL on no memory.
 */
static char *dup_target(const char *s)
{
    char tmp[RESULT_TARGET_MAX + 1];
    size_t len = strlen(s);
    size_t n = utf8_sanitize(s, tmp, RESULT_TARGET_MAX);
    if (n == len && memcmp(tmp, s, len) == 0)
        return strdup(tmp);
    /* This basis (the standard one without its last digit) is what the
     * suffixes have always been made with: changing it renames targets. */
    uint64_t h = fnv1a64(1469598103934665603ULL, s, len);
    char suffix[24];
    int sl = snprintf(suffix, sizeof(suffix), "...#%016llx", (unsigned long long)h);
    n = utf8_sanitize(s, tmp, RESULT_TARGET_MAX - (size_t)sl);
    memcpy(tmp + n, suffix, (size_t)sl + 1);
    return strdup(tmp);
}

void evidence_vformat(char *out, size_t outlen, size_t room, const char *fmt, va_list ap)
{
    int n = vsnprintf(out, outlen, fmt, ap);
    if (n < 0)
        out[0] = '\0';
    else if ((size_t)n > room)
        memcpy(out + room - 3, "...", 4);
}

int sink_add(struct result_sink *sink, const char *check_id, const char *target,
             enum check_status status, const char *evidence_fmt, ...)
{
    const struct check_def *def = collector_find_check(sink->owner, check_id);
    if (def == NULL) {
        log_error("collector %s reported check %s, which is not in its catalog", sink->owner->name,
                  check_id);
        return -1;
    }
    if ((unsigned)status >= CHECK_WAIVED) {
        log_error("collector %s reported check %s as %s: only the waivers pass waives",
                  sink->owner->name, check_id, check_status_name(status));
        return -1;
    }
    if (sink->added >= RESULT_MAX_PER_COLLECTOR) {
        sink->overflowed = 1;
        return -1;
    }

    char evidence[RESULT_EVIDENCE_MAX + 1];
    va_list ap;
    va_start(ap, evidence_fmt);
    evidence_vformat(evidence, sizeof(evidence), RESULT_EVIDENCE_MAX, evidence_fmt, ap);
    va_end(ap);
    /* Evidence is one line: a newline would break the text output. */
    for (char *p = evidence; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }

    struct result_set *set = sink->set;
    if (array_grow(&set->items, set->len, &set->cap, sizeof(*set->items), 32) != 0)
        return -1;
    struct result *r = &set->items[set->len];
    r->check = def;
    r->status = status;
    r->judged = status;
    r->waiver = NULL;
    r->finding = NULL;
    r->target = dup_target(target);
    r->evidence = dup_capped(evidence, RESULT_EVIDENCE_MAX);
    if (r->target == NULL || r->evidence == NULL) {
        free(r->target);
        free(r->evidence);
        return -1;
    }
    set->len++;
    sink->added++;
    return 0;
}

int collect_sink_rc(const struct result_sink *sink, int rc, char *err, size_t errlen)
{
    if (rc != 0)
        snprintf(err, errlen, "%s",
                 sink->overflowed
                     ? "too many results"
                     : "cannot record a result (out of memory, or refused: see the log)");
    return rc;
}

int sink_measure(struct result_sink *sink, const char *name, const char *label_value, double value)
{
    const struct measure_def *def = NULL;
    for (size_t i = 0; i < sink->owner->n_measures; i++) {
        if (strcmp(sink->owner->measures[i].name, name) == 0)
            def = &sink->owner->measures[i];
    }
    if (def == NULL) {
        log_error("collector %s measured %s, which its descriptor does not declare",
                  sink->owner->name, name);
        return -1;
    }
    struct result_set *set = sink->set;
    if (set->n_measures >= RESULT_MAX_PER_COLLECTOR) {
        sink->overflowed = 1;
        return -1;
    }
    if (array_grow(&set->measures, set->n_measures, &set->cap_measures, sizeof(struct measurement),
                   16) != 0)
        return -1;
    struct measurement *m = &set->measures[set->n_measures];
    m->def = def;
    m->value = value;
    m->label_value = NULL;
    if (def->label != NULL) {
        m->label_value = dup_capped(label_value != NULL ? label_value : "", RESULT_TARGET_MAX);
        if (m->label_value == NULL)
            return -1;
    }
    set->n_measures++;
    return 0;
}
