/*
 * image_age.c - CIS section 4 (container images) and 6.1 (image sprawl),
 * plus dockward's own freshness checks: how old each image is, and how old
 * the image of each container is.
 *
 * Everything comes from the Docker API sweep the framework hands us
 * (GET /images/json, /images/{id}/json, /images/{id}/history,
 * /containers/...), except 4.5, which reads ONE variable,
 * DOCKER_CONTENT_TRUST, from the environment of the dockerd serving
 * --docker.host (dockerd_config_env_flag); no other variable of that
 * environment is looked at, and no value but that one's boolean is ever
 * reported. The docker CLI, not dockerd, acts on that variable, so 4.5 is
 * always `warn` describing what was seen, never pass or fail.
 *
 * Image history (4.7, 4.9) is judged on the words of each layer's
 * CreatedBy, but the text itself never goes into the evidence: build
 * arguments show up there (`RUN |1 TOKEN=... /bin/sh -c ...`), so a result
 * names the history entry, never its command.
 *
 * Thresholds:
 * - dockward.image_age / dockward.image_in_use_age: older than
 *   --check.image-max-age (default 90d) fails.
 * - 6.1: more than IMAGE_SPRAWL_UNUSED_MAX (20) images that no container
 *   (in any state) uses is a warning: enough room for a few releases kept
 *   for rollback on a busy host, few enough that a forgotten build cache
 *   shows. Both counts are always exported (dockward_images{state=...}).
 *
 * Image targets are "image/<first repo:tag>", or "image/sha256:<12 hex>"
 * for an untagged image; container targets "container/<name>", with the
 * container's state in the evidence.
 */
#include "collector.h"

#include "../common/flags.h"
#include "docker.h"
#include "dockerd_config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPT_MAX_AGE             "check.image-max-age"
#define DEFAULT_MAX_AGE         "90d"
#define IMAGE_SPRAWL_UNUSED_MAX 20
#define CONTENT_TRUST_VAR       "DOCKER_CONTENT_TRUST"
#define IMAGE_NAME_MAX          (RESULT_TARGET_MAX + 1)

/* The rows of catalog.txt, written into the build tree by catalog_gen. */
static const struct check_def image_age_checks[] = {
#include "catalog/image_age.inc"
};

static const struct measure_def image_age_measures[] = {
    { "images", "Images on the host by state.", "state" },
    { "image_created_timestamp_seconds",
      "When each image in use by a container was created (Unix time).", "image" },
};

/* Accepts a duration (flags_parse_duration) longer than zero. */
static int validate_max_age(const char *value, char *err, size_t errlen)
{
    uint64_t ms;
    if (flags_parse_duration(value, &ms) != 0) {
        snprintf(err, errlen, "want a duration such as 90d, 12w or 720h");
        return -1;
    }
    if (ms == 0) {
        snprintf(err, errlen, "must be longer than 0s");
        return -1;
    }
    return 0;
}

static const struct collector_option image_age_options[] = {
    {
        .name = OPT_MAX_AGE,
        .metavar = "DURATION",
        .def = DEFAULT_MAX_AGE,
        .help = "Images (and the images of containers) older than this fail "
                "dockward.image_age and dockward.image_in_use_age",
        .validate = validate_max_age,
    },
};

struct age_limit {
    double seconds; /* older than this fails */
    char text[32];  /* as the operator wrote it: "90d", "52w" (cut to fit) */
};

static int has_invalid(uint64_t invalid, int field)
{
    return (invalid & ((uint64_t)1 << field)) != 0;
}

/* "image/..." target name of an image, without the "image/": first repo:tag or sha256:<12>. */
static void image_name(const struct docker_image *img, char *out, size_t outlen)
{
    for (size_t i = 0; i < img->repo_tags.len; i++) {
        const char *t = img->repo_tags.items[i];
        /* Older API versions list "<none>:<none>" for an untagged image. */
        if (t != NULL && t[0] != '\0' && strstr(t, "<none>") == NULL) {
            snprintf(out, outlen, "%s", t);
            return;
        }
    }
    const char *id = img->id != NULL ? img->id : "";
    if (strncmp(id, "sha256:", 7) == 0)
        snprintf(out, outlen, "sha256:%.12s", id + 7);
    else
        snprintf(out, outlen, "%.12s", id);
}

static void image_target(const struct docker_image *img, char *out, size_t outlen)
{
    char name[RESULT_TARGET_BUILD_MAX - 8];
    image_name(img, name, sizeof(name));
    snprintf(out, outlen, "image/%s", name);
}

/* "created 2026-01-02, 325 days ago, max 90d". */
static void describe_age(int64_t created, double now, const struct age_limit *max, char *out,
                         size_t outlen)
{
    char date[32] = "?";
    struct tm tm;
    time_t t = (time_t)created;
    if (gmtime_r(&t, &tm) != NULL)
        strftime(date, sizeof(date), "%Y-%m-%d", &tm);
    double age = now - (double)created;
    if (age < 0)
        snprintf(out, outlen, "created %s, in the future, max %s", date, max->text);
    else
        snprintf(out, outlen, "created %s, %ld days ago, max %s", date, (long)(age / 86400.0),
                 max->text);
}

static enum check_status age_status(int64_t created, double now, const struct age_limit *max)
{
    return now - (double)created > max->seconds ? CHECK_FAIL : CHECK_PASS;
}

/* ---- host-level checks ---------------------------------------------------- */

/*
 * 4.5: content trust is a docker CLI setting, never dockerd's: the CLI
 * (docker/cli cli/command/cli_options.go WithContentTrustFromEnv) turns it
 * on for any non-empty DOCKER_CONTENT_TRUST that strconv.ParseBool does not
 * read as false, and dockerd pulls whatever it is asked to. dockerd's
 * environment, the one dockward can see, therefore proves nothing about
 * what the CLIs that pull images use: the result is always `warn`, saying
 * what dockerd's environment holds and what the CLI would make of it. The
 * value is repeated only when it is a boolean (a false one, or a true one);
 * any other value is described, never shown.
 */
#define CONTENT_TRUST_NOTE                                                                     \
    "; the docker CLI reads this variable, dockerd does not, so check the CLIs and pipelines " \
    "that pull images; Docker is retiring Notary v1 content trust"

static int judge_4_5(const struct collect_ctx *ctx, struct result_sink *sink)
{
    struct dockerd_config cfg;
    char err[256];
    if (dockerd_config_load_ctx(ctx, &cfg, err, sizeof(err)) != 0)
        return sink_add(sink, "4.5", "host", CHECK_ERROR, "cannot read dockerd's configuration: %s",
                        err);
    char value[16];
    int found = dockerd_config_env_flag(&cfg, ctx->rootfs, CONTENT_TRUST_VAR, value, sizeof(value));
    int e = errno;
    int pid = cfg.pid;
    dockerd_config_free(&cfg);
    if (found < 0 && e == ESRCH)
        return sink_add(sink, "4.5", "host", CHECK_ERROR,
                        "dockerd process not found in /proc: cannot read its environment");
    if (found < 0)
        return sink_add(sink, "4.5", "host", CHECK_ERROR, "cannot read /proc/%d/environ: %s", pid,
                        strerror(e));
    if (found == 0)
        return sink_add(sink, "4.5", "host", CHECK_WARN,
                        CONTENT_TRUST_VAR " not set in dockerd's environment (pid %d): off for a "
                                          "docker CLI started the same way" CONTENT_TRUST_NOTE,
                        pid);
    if (value[0] == '\0')
        return sink_add(sink, "4.5", "host", CHECK_WARN,
                        CONTENT_TRUST_VAR " set but empty in dockerd's environment (pid %d): off "
                                          "for the docker CLI" CONTENT_TRUST_NOTE,
                        pid);
    /* Only a boolean is repeated: whatever else is there stays unsaid. */
    switch (dockerd_parse_bool(value)) {
    case 1:
        return sink_add(sink, "4.5", "host", CHECK_WARN,
                        CONTENT_TRUST_VAR "=%s in dockerd's environment (pid %d): on for the "
                                          "docker CLI" CONTENT_TRUST_NOTE,
                        value, pid);
    case 0:
        return sink_add(sink, "4.5", "host", CHECK_WARN,
                        CONTENT_TRUST_VAR "=%s in dockerd's environment (pid %d): off for the "
                                          "docker CLI" CONTENT_TRUST_NOTE,
                        value, pid);
    default:
        return sink_add(sink, "4.5", "host", CHECK_WARN,
                        CONTENT_TRUST_VAR " in dockerd's environment (pid %d) is set to a value "
                                          "that is not a boolean: on for the docker CLI, which "
                                          "treats any non-false value as on" CONTENT_TRUST_NOTE,
                        pid);
    }
}

/* The manual image checks that dockward cannot see into: one warning each. */
static int judge_manual(const struct docker_sweep *sw, struct result_sink *sink)
{
    static const struct {
        const char *id;
        const char *what;
    } manual[] = {
        { "4.2", "verify that every image is built from a trusted base image" },
        { "4.3", "verify that the images hold no unnecessary packages" },
        { "4.4", "verify that the images are scanned and rebuilt with security fixes" },
        { "4.8", "review setuid and setgid files in the images" },
        { "4.10", "verify that no secret is stored in the images or their Dockerfiles" },
        { "4.11", "verify that only packages from signed repositories are installed" },
        { "4.12", "verify the signatures of the images before they are deployed" },
    };
    int rc = 0;
    for (size_t i = 0; i < ARRAY_LEN(manual) && rc == 0; i++)
        rc = sink_add(sink, manual[i].id, "host", CHECK_WARN, "manual check: %s (%zu images)",
                      manual[i].what, sw->n_images);
    return rc;
}

/* 6.1 (manual): images no container uses, and the two counts as measures. */
static int judge_6_1(const struct docker_sweep *sw, struct result_sink *sink)
{
    size_t in_use = 0;
    for (size_t i = 0; i < sw->n_images; i++) {
        if (sw->images[i].containers_using > 0)
            in_use++;
    }
    size_t unused = sw->n_images - in_use;
    if (sink_measure(sink, "images", "total", (double)sw->n_images) != 0 ||
        sink_measure(sink, "images", "in_use", (double)in_use) != 0)
        return -1;
    return sink_add(sink, "6.1", "host", unused > IMAGE_SPRAWL_UNUSED_MAX ? CHECK_WARN : CHECK_PASS,
                    "%zu images, %zu in use by containers, %zu unused (%s %d)", sw->n_images,
                    in_use, unused, unused > IMAGE_SPRAWL_UNUSED_MAX ? "more than" : "at most",
                    IMAGE_SPRAWL_UNUSED_MAX);
}

/* ---- per-image checks ----------------------------------------------------- */

static int word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* Whether `word` occurs in s as a whole word (update-ca-certificates is not "update"). */
static int has_word(const char *s, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = strstr(s, word); p != NULL; p = strstr(p + 1, word)) {
        if ((p == s || !word_char(p[-1])) && !word_char(p[wl]))
            return 1;
    }
    return 0;
}

/*
 * A lone package-index update: "update" without "install" (apt, yum, dnf)
 * or "add" (apk's install) in the same layer.
 */
static int lone_update(const char *created_by)
{
    return has_word(created_by, "update") && !has_word(created_by, "install") &&
           !has_word(created_by, "add");
}

/*
 * An ADD instruction: the legacy builder writes "/bin/sh -c #(nop) ADD ...",
 * BuildKit "ADD ... # buildkit".
 */
static int is_add(const char *created_by)
{
    const char *p = created_by;
    while (*p == ' ')
        p++;
    if (strncmp(p, "ADD ", 4) == 0)
        return 1;
    const char *nop = strstr(p, "#(nop)");
    if (nop == NULL)
        return 0;
    nop += 6;
    while (*nop == ' ')
        nop++;
    return strncmp(nop, "ADD ", 4) == 0;
}

/* 4.6 for one image. */
static int judge_4_6(const struct docker_image *img, const char *target, struct result_sink *sink)
{
    if (has_invalid(img->invalid, DOCKER_F_I_CONFIG))
        return sink_add(sink, "4.6", target, CHECK_ERROR,
                        "Config missing or mistyped in the API answer");
    if (img->has_healthcheck)
        return sink_add(sink, "4.6", target, CHECK_PASS, "HEALTHCHECK set");
    return sink_add(sink, "4.6", target, CHECK_FAIL, "no HEALTHCHECK (absent or NONE)");
}

/* 4.7 and 4.9 for one image, from its history (newest entry first). */
static int judge_history(const struct docker_image *img, const char *target,
                         struct result_sink *sink)
{
    if (has_invalid(img->invalid, DOCKER_F_I_HISTORY)) {
        int rc = sink_add(sink, "4.7", target, CHECK_ERROR,
                          "history missing or mistyped in the API answer");
        if (rc == 0)
            rc = sink_add(sink, "4.9", target, CHECK_ERROR,
                          "history missing or mistyped in the API answer");
        return rc;
    }
    size_t n = img->history.len;
    size_t updates = 0, first_update = 0, adds = 0, first_add = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = img->history.items[i] != NULL ? img->history.items[i] : "";
        if (lone_update(c) && updates++ == 0)
            first_update = i + 1;
        /* The oldest entry is the base layer, where an ADD of the root filesystem belongs. */
        if (i + 1 < n && is_add(c) && adds++ == 0)
            first_add = i + 1;
    }
    int rc;
    if (updates > 0)
        rc = sink_add(sink, "4.7", target, CHECK_WARN,
                      "update without install in %zu history entr%s (first: entry %zu of %zu, "
                      "newest first)",
                      updates, updates == 1 ? "y" : "ies", first_update, n);
    else
        rc = sink_add(sink, "4.7", target, CHECK_PASS,
                      "no update without install in %zu history entr%s", n, n == 1 ? "y" : "ies");
    if (rc != 0)
        return rc;
    if (adds > 0)
        return sink_add(sink, "4.9", target, CHECK_WARN,
                        "ADD in %zu history entr%s outside the base layer (first: entry %zu of "
                        "%zu, newest first)",
                        adds, adds == 1 ? "y" : "ies", first_add, n);
    return sink_add(sink, "4.9", target, CHECK_PASS,
                    "no ADD outside the base layer in %zu history entr%s", n, n == 1 ? "y" : "ies");
}

/* dockward.image_age for one image. */
static int judge_image_age(const struct docker_image *img, const char *target, double now,
                           const struct age_limit *max, struct result_sink *sink)
{
    if (has_invalid(img->invalid, DOCKER_F_I_CREATED))
        return sink_add(sink, "dockward.image_age", target, CHECK_ERROR,
                        "Created missing or mistyped in the API answer");
    char age[128];
    describe_age(img->created, now, max, age, sizeof(age));
    return sink_add(sink, "dockward.image_age", target, age_status(img->created, now, max), "%s",
                    age);
}

/* ---- per-container check -------------------------------------------------- */

static int cmp_image_ptr(const void *a, const void *b)
{
    const struct docker_image *x = *(const struct docker_image *const *)a;
    const struct docker_image *y = *(const struct docker_image *const *)b;
    return strcmp(x->id != NULL ? x->id : "", y->id != NULL ? y->id : "");
}

static int cmp_id_image(const void *key, const void *elem)
{
    const struct docker_image *y = *(const struct docker_image *const *)elem;
    return strcmp((const char *)key, y->id != NULL ? y->id : "");
}

/* dockward.image_in_use_age for one container; `by_id` holds the images sorted by id. */
static int judge_container(const struct docker_container *c,
                           const struct docker_image *const *by_id, size_t n_images, double now,
                           const struct age_limit *max, struct result_sink *sink)
{
    char target[RESULT_TARGET_BUILD_MAX];
    if (c->name != NULL && c->name[0] != '\0' && !has_invalid(c->invalid, DOCKER_F_C_NAME))
        snprintf(target, sizeof(target), "container/%s", c->name);
    else
        snprintf(target, sizeof(target), "container/%.12s", c->id != NULL ? c->id : "");
    const char *state =
        c->state != NULL && !has_invalid(c->invalid, DOCKER_F_C_STATE) ? c->state : "unknown";
    if (has_invalid(c->invalid, DOCKER_F_C_IMAGE) || c->image_id == NULL || c->image_id[0] == '\0')
        return sink_add(sink, "dockward.image_in_use_age", target, CHECK_ERROR,
                        "Image missing or mistyped in the API answer (state %s)", state);
    const struct docker_image *const *hit =
        n_images > 0 ? bsearch(c->image_id, by_id, n_images, sizeof(*by_id), cmp_id_image) : NULL;
    if (hit == NULL) {
        const char *id = c->image_id;
        return sink_add(sink, "dockward.image_in_use_age", target, CHECK_ERROR,
                        "image %s%.12s not in the image list (state %s)",
                        strncmp(id, "sha256:", 7) == 0 ? "sha256:" : "",
                        strncmp(id, "sha256:", 7) == 0 ? id + 7 : id, state);
    }
    const struct docker_image *img = *hit;
    char name[IMAGE_NAME_MAX];
    image_name(img, name, sizeof(name));
    if (has_invalid(img->invalid, DOCKER_F_I_CREATED))
        return sink_add(sink, "dockward.image_in_use_age", target, CHECK_ERROR,
                        "Created of image %s missing or mistyped in the API answer (state %s)",
                        name, state);
    char age[128];
    describe_age(img->created, now, max, age, sizeof(age));
    return sink_add(sink, "dockward.image_in_use_age", target, age_status(img->created, now, max),
                    "image %s %s (state %s)", name, age, state);
}

/* ---- collect ---------------------------------------------------------------- */

static int image_age_collect(const struct collect_ctx *ctx, struct result_sink *sink, char *err,
                             size_t errlen)
{
    const struct docker_sweep *sw = ctx->docker;
    /* Unused images and images in use are judged from every container and image. */
    if (docker_sweep_complete(sw, true, err, errlen) != 0)
        return -1;
    const char *opt = collect_ctx_option(ctx, OPT_MAX_AGE);
    if (opt == NULL)
        opt = DEFAULT_MAX_AGE;
    uint64_t ms = 0;
    if (flags_parse_duration(opt, &ms) != 0 || ms == 0) {
        snprintf(err, errlen, "invalid --" OPT_MAX_AGE "=%s", opt);
        return -1;
    }
    struct age_limit max;
    max.seconds = (double)ms / 1000.0;
    /* As the operator wrote it ("52w"), which is what they will look for. */
    snprintf(max.text, sizeof(max.text), "%s", opt);

    /* Images by id, for each container's lookup (bounded by DOCKER_IMAGES_MAX in the sweep). */
    const struct docker_image **by_id = NULL;
    if (sw->n_images > 0) {
        by_id = malloc(sw->n_images * sizeof(*by_id));
        if (by_id == NULL) {
            snprintf(err, errlen, "indexing %zu images: out of memory", sw->n_images);
            return -1;
        }
        for (size_t i = 0; i < sw->n_images; i++)
            by_id[i] = &sw->images[i];
        qsort(by_id, sw->n_images, sizeof(*by_id), cmp_image_ptr);
    }

    int rc = judge_manual(sw, sink);
    if (rc == 0)
        rc = judge_4_5(ctx, sink);
    if (rc == 0)
        rc = judge_6_1(sw, sink);
    for (size_t i = 0; i < sw->n_images && rc == 0; i++) {
        const struct docker_image *img = &sw->images[i];
        char target[RESULT_TARGET_BUILD_MAX];
        image_target(img, target, sizeof(target));
        rc = judge_4_6(img, target, sink);
        if (rc == 0)
            rc = judge_history(img, target, sink);
        if (rc == 0)
            rc = judge_image_age(img, target, ctx->now, &max, sink);
        if (rc == 0 && img->containers_using > 0 &&
            !has_invalid(img->invalid, DOCKER_F_I_CREATED)) {
            char name[IMAGE_NAME_MAX];
            image_name(img, name, sizeof(name));
            rc = sink_measure(sink, "image_created_timestamp_seconds", name, (double)img->created);
        }
    }
    for (size_t i = 0; i < sw->n_containers && rc == 0; i++)
        rc = judge_container(&sw->containers[i], by_id, sw->n_images, ctx->now, &max, sink);
    free(by_id);
    return collect_sink_rc(sink, rc, err, errlen);
}

const struct collector collector_image_age = {
    .name = "image_age",
    .enabled_by_default = true,
    .help = "Images: content trust, health checks, history, age, sprawl (CIS 4, 6.1)",
    .checks = image_age_checks,
    .n_checks = ARRAY_LEN(image_age_checks),
    .options = image_age_options,
    .n_options = ARRAY_LEN(image_age_options),
    .measures = image_age_measures,
    .n_measures = ARRAY_LEN(image_age_measures),
    .needs_docker = true,
    .collect = image_age_collect,
};
