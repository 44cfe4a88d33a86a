/*
 * container_runtime_security.c - the container_runtime checks of who a
 * container runs as and what confines it: 4.1 (a non-root user), 5.2
 * (AppArmor), 5.3 (SELinux), 5.4 (capabilities), 5.5 (privileged), 5.6
 * (sensitive host paths mounted). See container_runtime_judge.h.
 */
#include "container_runtime_judge.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

/* Docker's default capability set (moby's oci/caps/defaults.go). */
static const char *const default_caps[] = {
    "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER", "FSETID",  "KILL",   "MKNOD",
    "NET_BIND_SERVICE", "NET_RAW", "SETFCAP",      "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
};

/* Capabilities that make a container root-equivalent or close to it. */
static const char *const dangerous_caps[] = {
    "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "DAC_READ_SEARCH", "NET_ADMIN",
};

/* Host directories a container must not mount (5.6), nor anything below them. */
static const char *const sensitive_dirs[] = {
    "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr",
};

/*
 * 1 when the user part of "user[:group]" is root: empty, "root", or a uid
 * of 0. runc's user.GetExecUser reads the part with strconv.Atoi first, so
 * "+0", "-0" and "00" are uid 0 too.
 */
static int user_is_root(const char *user)
{
    size_t n = strcspn(user, ":");
    if (n == 0)
        return 1;
    if (n == 4 && strncmp(user, "root", 4) == 0)
        return 1;
    size_t i = user[0] == '+' || user[0] == '-' ? 1 : 0;
    if (i == n)
        return 0;
    for (; i < n; i++) {
        if (user[i] != '0')
            return 0;
    }
    return 1;
}

/*
 * The effective uid of a running container's first process, from the
 * host's /proc/<pid>/status ("Uid:\treal\teffective\t..."): a user NAME
 * that the image's /etc/passwd maps to 0 ("toor") is root, and inspect
 * cannot show it. Returns the uid, or -1 when it cannot be read.
 */
static long proc_effective_uid(const struct run *r, const struct docker_container *c)
{
    char path[64];
    struct buf b;
    long pid = c->pid, uid = -1;
    /* The pid must still be the container's: its cgroup names the container. */
    snprintf(path, sizeof(path), "/proc/%ld/cgroup", pid);
    buf_init(&b, PROC_CGROUP_MAX);
    int ours = hostfs_read_file(r->ctx->rootfs, path, PROC_CGROUP_MAX, &b) == 0 && c->id != NULL &&
               strlen(c->id) >= CONTAINER_ID_MIN && strstr(b.data, c->id) != NULL;
    buf_free(&b);
    if (!ours)
        return -1;
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    buf_init(&b, PROC_STATUS_MAX);
    if (hostfs_read_file(r->ctx->rootfs, path, PROC_STATUS_MAX, &b) == 0) {
        const char *line = strstr(b.data, "\nUid:");
        if (line != NULL) {
            char *end;
            errno = 0;
            long real = strtol(line + 5, &end, 10);
            long eff = errno == 0 && end != line + 5 ? strtol(end, &end, 10) : -1;
            if (errno == 0 && real >= 0 && eff >= 0)
                uid = eff;
        }
    }
    buf_free(&b);
    if (uid < 0)
        return -1;
    /*
     * The uid as the container sees it: under userns-remap or rootless
     * dockerd, /proc shows the host's (100000 for the container's root), so
     * it goes back through /proc/<pid>/uid_map ("inside outside count").
     * No map line for it: unknown.
     */
    snprintf(path, sizeof(path), "/proc/%ld/uid_map", pid);
    buf_init(&b, PROC_STATUS_MAX);
    long inside = -1;
    if (hostfs_read_file(r->ctx->rootfs, path, PROC_STATUS_MAX, &b) == 0) {
        for (char *line = b.data; line != NULL && *line != '\0' && inside < 0;) {
            char *end;
            errno = 0;
            long in = strtol(line, &end, 10);
            long out = strtol(end, &end, 10);
            long count = strtol(end, &end, 10);
            if (errno == 0 && in >= 0 && out >= 0 && count > 0 && uid >= out && uid - out < count)
                inside = in + (uid - out);
            line = strchr(line, '\n');
            if (line != NULL)
                line++;
        }
    } else {
        inside = uid; /* no uid_map to read: the host's user namespace */
    }
    buf_free(&b);
    return inside;
}

static const struct docker_image *find_image(const struct docker_sweep *sw, const char *id)
{
    if (id == NULL)
        return NULL;
    for (size_t i = 0; i < sw->n_images; i++) {
        if (sw->images[i].id != NULL && strcmp(sw->images[i].id, id) == 0)
            return &sw->images[i];
    }
    return NULL;
}

int runtime_judge_user(struct run *r, const struct cview *v, const char *id)
{
    const struct docker_container *c = v->c;
    const char *user = str_or(c->user, "");
    if (user[0] != '\0') {
        if (user_is_root(user))
            return add(r, v, id, CHECK_FAIL, "Config.User=\"%s\" is root", user);
        long uid = c->running && c->pid > 0 ? proc_effective_uid(r, c) : -1;
        if (uid == 0)
            return add(r, v, id, CHECK_FAIL,
                       "Config.User=\"%s\", but its process runs as uid 0 in the container "
                       "(/proc/%ld/status)",
                       user, c->pid);
        if (uid > 0)
            return add(r, v, id, CHECK_PASS,
                       "Config.User=\"%s\" (uid %ld in the container, /proc/%ld/status)", user, uid,
                       c->pid);
        return add(r, v, id, CHECK_PASS, "Config.User=\"%s\"", user);
    }
    /* No user given: the image's USER applies, root when it has none. */
    if (c->invalid & F(IMAGE))
        return add(r, v, id, CHECK_ERROR,
                   "Config.User empty and %s missing or mistyped in the API answer",
                   docker_container_field_name(DOCKER_F_C_IMAGE));
    const struct docker_image *img = find_image(r->sw, c->image_id);
    if (img == NULL)
        return add(r, v, id, CHECK_ERROR,
                   "Config.User empty and image %s is not in the sweep: its USER is unknown",
                   str_or(c->image_id, "?"));
    if (img->invalid & (UINT64_C(1) << DOCKER_F_I_CONFIG))
        return add(r, v, id, CHECK_ERROR,
                   "Config.User empty and image %s Config missing or mistyped in the API answer",
                   str_or(c->image, str_or(img->id, "?")));
    const char *iuser = str_or(img->user, "");
    if (iuser[0] == '\0')
        return add(r, v, id, CHECK_FAIL,
                   "Config.User empty and image %s sets no USER: runs as root",
                   str_or(c->image, str_or(img->id, "?")));
    if (user_is_root(iuser))
        return add(r, v, id, CHECK_FAIL, "Config.User empty and image %s has USER \"%s\" (root)",
                   str_or(c->image, str_or(img->id, "?")), iuser);
    return add(r, v, id, CHECK_PASS, "Config.User empty; image %s has USER \"%s\"",
               str_or(c->image, str_or(img->id, "?")), iuser);
}

/* The value of a SecurityOpt "key=value" or old-style "key:value", or NULL. */
const char *runtime_security_opt_value(const char *opt, const char *key)
{
    size_t kl = strlen(key);
    if (strncmp(opt, key, kl) == 0 && (opt[kl] == '=' || opt[kl] == ':'))
        return opt + kl + 1;
    return NULL;
}

/* The last SecurityOpt item with this key (dockerd applies them in order), or NULL. */
const char *runtime_security_opt_last(const struct str_list *so, const char *key, const char **item)
{
    const char *val = NULL;
    for (size_t i = 0; i < so->len; i++) {
        const char *v = runtime_security_opt_value(str_or(so->items[i], ""), key);
        if (v != NULL) {
            val = v;
            if (item != NULL)
                *item = so->items[i];
        }
    }
    return val;
}

/*
 * The result of 5.2 or 5.3 on a host whose security module `name` is not
 * usable: error when /info did not tell (state -1), skip when it is not
 * enabled (0).
 */
static int module_not_enabled(struct run *r, const struct cview *v, const char *id, int state,
                              const char *name)
{
    if (state < 0)
        return add(r, v, id, CHECK_ERROR,
                   "SecurityOptions (GET /info) missing or mistyped in the API answer");
    return add(r, v, id, CHECK_SKIP, "%s is not enabled on this host", name);
}

/*
 * 5.2. dockerd chooses the profile when it starts a container
 * (daemon/oci_linux.go WithApparmor): "unconfined" for a privileged one,
 * the apparmor= option when given, else docker-default; AppArmorProfile
 * stays empty until then. So a container that never started is judged on
 * the profile it will get, and one that ran on the profile it got.
 */
int runtime_judge_apparmor(struct run *r, const struct cview *v, const char *id)
{
    if (r->apparmor <= 0)
        return module_not_enabled(r, v, id, r->apparmor, "AppArmor");
    const struct docker_container *c = v->c;
    const char *p = str_or(c->apparmor_profile, "");
    const char *asked = runtime_security_opt_last(&c->security_opt, "apparmor", NULL);
    /* saveAppArmorConfig: a privileged container runs unconfined, whatever it asked for. */
    if (c->privileged)
        return add(r, v, id, CHECK_FAIL,
                   "HostConfig.Privileged=true: dockerd runs it with AppArmor unconfined");
    if (p[0] == '\0' && c->never_started) {
        if (asked != NULL && strcmp(asked, "unconfined") == 0)
            return add(r, v, id, CHECK_FAIL,
                       "SecurityOpt apparmor=unconfined: no profile when it starts");
        if (asked != NULL)
            return add(r, v, id, CHECK_PASS,
                       "never started: dockerd applies the profile %s at start (SecurityOpt)",
                       asked);
        return add(r, v, id, CHECK_PASS,
                   "never started: dockerd applies docker-default at start (no apparmor= option)");
    }
    if (p[0] == '\0')
        return add(r, v, id, CHECK_FAIL, "AppArmorProfile empty: no profile applied");
    if (strcmp(p, "unconfined") == 0)
        return add(r, v, id, CHECK_FAIL, "AppArmorProfile=unconfined");
    return add(r, v, id, CHECK_PASS, "AppArmorProfile=%s", p);
}

int runtime_judge_selinux(struct run *r, const struct cview *v, const char *id)
{
    if (r->selinux <= 0)
        return module_not_enabled(r, v, id, r->selinux, "SELinux");
    const struct str_list *so = &v->c->security_opt;
    struct buf labels;
    buf_init(&labels, EVIDENCE_LIST_MAX);
    int disabled = 0;
    for (size_t i = 0; i < so->len; i++) {
        const char *item = str_or(so->items[i], "");
        const char *val = runtime_security_opt_value(item, "label");
        /* daemon_unix.go parseSecurityOpt also takes a bare "disable" (the API allows it). */
        if (strcmp(item, "disable") == 0)
            val = "disable";
        if (val == NULL)
            continue;
        if (strcmp(val, "disable") == 0)
            disabled = 1;
        list_add(&labels, "%s", so->items[i]);
    }
    /*
     * dockerd with SELinux on labels every container (container_t and its
     * own MCS level, label.InitLabels) unless label=disable, which it adds
     * itself for --privileged, --pid host and --ipc host (generateSecurityOpt,
     * daemon/create.go). spc_t and unconfined_t are types without separation.
     */
    int unconfined_type = 0;
    for (size_t i = 0; i < so->len; i++) {
        const char *val = runtime_security_opt_value(str_or(so->items[i], ""), "label");
        if (val != NULL &&
            (strcmp(val, "type:spc_t") == 0 || strcmp(val, "type:unconfined_t") == 0))
            unconfined_type = 1;
    }
    int rc;
    if (disabled)
        rc = add(r, v, id, CHECK_FAIL, "SecurityOpt %s turns SELinux separation off",
                 buf_str(&labels));
    else if (unconfined_type)
        rc = add(r, v, id, CHECK_FAIL, "SecurityOpt %s: a type without SELinux separation",
                 buf_str(&labels));
    else if (labels.len == 0)
        rc = add(r, v, id, CHECK_PASS,
                 "no label= option: dockerd applies its default SELinux label (container_t, "
                 "own MCS level)");
    else
        rc = add(r, v, id, CHECK_PASS, "SecurityOpt %s", buf_str(&labels));
    buf_free(&labels);
    return rc;
}

/* "cap_sys_admin" -> "SYS_ADMIN" into out. */
static void cap_normalise(const char *cap, char *out, size_t outlen)
{
    if (strncasecmp(cap, "CAP_", 4) == 0)
        cap += 4;
    size_t i = 0;
    for (; cap[i] != '\0' && i + 1 < outlen; i++)
        out[i] = (char)toupper((unsigned char)cap[i]);
    out[i] = '\0';
}

static int cap_in(const char *cap, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cap, set[i]) == 0)
            return 1;
    }
    return 0;
}

int runtime_judge_caps(struct run *r, const struct cview *v, const char *id)
{
    const struct str_list *add_list = &v->c->cap_add;
    /* daemon/oci_linux.go WithCapabilities: a privileged container gets every capability. */
    if (v->c->privileged)
        return add(r, v, id, CHECK_FAIL,
                   "HostConfig.Privileged=true grants every capability (CapAdd ignored)");
    if (add_list->len == 0)
        return add(r, v, id, CHECK_PASS, "HostConfig.CapAdd empty");
    struct buf extra, danger, all;
    buf_init(&extra, EVIDENCE_LIST_MAX);
    buf_init(&danger, EVIDENCE_LIST_MAX);
    buf_init(&all, EVIDENCE_LIST_MAX);
    int every = 0;
    for (size_t i = 0; i < add_list->len; i++) {
        char cap[64];
        cap_normalise(str_or(add_list->items[i], ""), cap, sizeof(cap));
        list_add(&all, "%s", cap);
        if (strcmp(cap, "ALL") == 0) {
            every = 1;
            continue;
        }
        if (cap_in(cap, default_caps, ARRAY_LEN(default_caps)))
            continue;
        list_add(&extra, "%s", cap);
        if (cap_in(cap, dangerous_caps, ARRAY_LEN(dangerous_caps)))
            list_add(&danger, "%s", cap);
    }
    int rc;
    if (every)
        rc = add(r, v, id, CHECK_FAIL, "HostConfig.CapAdd=%s: ALL grants every capability",
                 buf_str(&all));
    else if (extra.len > 0 && danger.len > 0)
        rc = add(r, v, id, CHECK_FAIL,
                 "HostConfig.CapAdd adds %s beyond Docker's default set; dangerous: %s",
                 buf_str(&extra), buf_str(&danger));
    else if (extra.len > 0)
        rc = add(r, v, id, CHECK_FAIL, "HostConfig.CapAdd adds %s beyond Docker's default set",
                 buf_str(&extra));
    else
        rc = add(r, v, id, CHECK_PASS, "HostConfig.CapAdd=%s, within Docker's default set",
                 buf_str(&all));
    buf_free(&extra);
    buf_free(&danger);
    buf_free(&all);
    return rc;
}

int runtime_judge_privileged(struct run *r, const struct cview *v, const char *id)
{
    if (v->c->privileged)
        return add(r, v, id, CHECK_FAIL, "HostConfig.Privileged=true");
    return add(r, v, id, CHECK_PASS, "HostConfig.Privileged=false");
}

/* A mount whose Source is a host path: binds (an empty Type comes from old APIs). */
static int is_bind(const struct docker_mount *m)
{
    const char *t = str_or(m->type, "");
    return (t[0] == '\0' || strcmp(t, "bind") == 0) && m->source != NULL && m->source[0] == '/';
}

/* 1 when `path` is `dir` or below it ("/etcetera" is not below "/etc"). */
int runtime_path_at_or_below(const char *path, const char *dir)
{
    size_t dl = strlen(dir);
    if (dl == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, dl) == 0 && (path[dl] == '\0' || path[dl] == '/');
}

/* 1 when a host path is one 5.6 forbids: exactly "/", or at or below a sensitive dir. */
static int sensitive_path(const char *path)
{
    char clean[HOSTFS_PATH_MAX];
    /* "//etc/" and "/etc/" are /etc: collapse repeated and trailing slashes. */
    size_t o = 0;
    for (size_t i = 0; path[i] != '\0' && o + 1 < sizeof(clean); i++) {
        if (path[i] == '/' && o > 0 && clean[o - 1] == '/')
            continue;
        clean[o++] = path[i];
    }
    while (o > 1 && clean[o - 1] == '/')
        o--;
    clean[o] = '\0';
    if (strcmp(clean, "/") == 0)
        return 1;
    for (size_t i = 0; i < ARRAY_LEN(sensitive_dirs); i++) {
        if (runtime_path_at_or_below(clean, sensitive_dirs[i]))
            return 1;
    }
    return 0;
}

/*
 * The host path a mount exposes: a bind's Source, or the device of a local
 * volume created as a bind (`docker volume create -o type=none -o o=bind
 * -o device=/etc`: its Mounts entry shows only .../volumes/NAME/_data, the
 * local driver bind-mounts the device there). Returns 1 with *path and
 * `via` ("" or " (volume NAME)"), 0 when the mount exposes no host path of
 * its own, -1 with `via` saying why it cannot be told.
 */
static int mount_host_path(const struct run *r, const struct docker_mount *m, const char **path,
                           char *via, size_t vialen)
{
    via[0] = '\0';
    if (is_bind(m)) {
        *path = m->source;
        return 1;
    }
    if (strcmp(str_or(m->type, ""), "volume") != 0 || strcmp(str_or(m->driver, ""), "local") != 0)
        return 0;
    if (!r->sw->volumes_ok) {
        textf(via, vialen, "volume %s: cannot tell whether it binds a host path (%s)",
              str_or(m->name, "?"), r->sw->volumes_error[0] ? r->sw->volumes_error : "no /volumes");
        return -1;
    }
    for (size_t i = 0; i < r->sw->n_volumes; i++) {
        const struct docker_volume *vol = &r->sw->volumes[i];
        if (vol->name == NULL || strcmp(vol->name, str_or(m->name, "")) != 0)
            continue;
        if (vol->bind_device == NULL || vol->bind_device[0] != '/')
            return 0;
        *path = vol->bind_device;
        textf(via, vialen, " (volume %s)", vol->name);
        return 1;
    }
    return 0; /* created after the volume list was read: no options to look at */
}

int runtime_mounts_result(struct run *r, const struct cview *v, const char *id, struct buf *found,
                          const struct host_mounts *it, const char *fail_what,
                          const char *pass_text)
{
    int rc;
    if (found->len > 0)
        rc = add(r, v, id, CHECK_FAIL, "%s: %s", fail_what, buf_str(found));
    else if (it->unknown[0] != '\0')
        rc = add(r, v, id, CHECK_ERROR, "%s", it->unknown);
    else
        rc = add(r, v, id, CHECK_PASS, "%s", pass_text);
    buf_free(found);
    return rc;
}

const struct docker_mount *runtime_host_mount_next(const struct run *r, const struct cview *v,
                                                   struct host_mounts *it)
{
    while (it->next < v->c->n_mounts) {
        const struct docker_mount *m = &v->c->mounts[it->next++];
        int hp = mount_host_path(r, m, &it->src, it->via, sizeof(it->via));
        if (hp < 0 && it->unknown[0] == '\0')
            memcpy(it->unknown, it->via, sizeof(it->unknown));
        if (hp > 0)
            return m;
    }
    return NULL;
}

int runtime_judge_sensitive_mounts(struct run *r, const struct cview *v, const char *id)
{
    struct buf found;
    buf_init(&found, EVIDENCE_LIST_MAX);
    size_t binds = 0;
    struct host_mounts it = { 0 };
    for (const struct docker_mount *m; (m = runtime_host_mount_next(r, v, &it)) != NULL;) {
        const char *src = it.src, *via = it.via;
        binds++;
        /* The source as given, and as it resolves on the host (/data -> /etc). */
        char canon[HOSTFS_PATH_MAX];
        int bad = sensitive_path(src);
        if (!bad && hostfs_canonical(r->ctx->rootfs, src, canon, sizeof(canon)) == 0 &&
            sensitive_path(canon)) {
            bad = 1;
            list_add(&found, "%s%s (-> %s) on %s (%s)", src, via, canon,
                     str_or(m->destination, "?"), m->rw ? "rw" : "ro");
        } else if (bad) {
            list_add(&found, "%s%s on %s (%s)", src, via, str_or(m->destination, "?"),
                     m->rw ? "rw" : "ro");
        }
    }
    char pass[96];
    snprintf(pass, sizeof(pass), "%zu host-path mounts, none of a sensitive host path", binds);
    return runtime_mounts_result(r, v, id, &found, &it, "sensitive host paths mounted", pass);
}
