/*
 * fuzz_dockerd_config.c - how the agent reads dockerd's configuration
 * (collectors/dockerd_config.c), built twice: FUZZ_DOCKERD_CMDLINE feeds the
 * input as /proc/<pid>/cmdline to dockerd_config_parse_cmdline,
 * FUZZ_DAEMON_JSON as daemon.json text to dockerd_config_parse_json. Both
 * then ask the configuration what the collectors ask (values, effective
 * value and its source, booleans, data root, sockets, TCP hosts), so the
 * accessors run over whatever the parsers built.
 *
 * Properties: every option has a name and a value; the daemon.json state is
 * OK with an object whose numbers all have a text form, or INVALID with a
 * reason and no tree; an effective value has a source and none has none;
 * every path written out is NUL-terminated within its buffer.
 */
#include "fuzz_util.h"

#include "collectors/dockerd_config.h"

#include <cjson/cJSON.h>

/* The parser this target feeds, and its reader's cap on the input. */
#if defined(FUZZ_DOCKERD_CMDLINE)
#define PARSE     dockerd_config_parse_cmdline
#define INPUT_MAX DOCKERD_CMDLINE_MAX
#elif defined(FUZZ_DAEMON_JSON)
#define PARSE     dockerd_config_parse_json
#define INPUT_MAX DOCKERD_JSON_MAX
#else
#error "define FUZZ_DOCKERD_CMDLINE or FUZZ_DAEMON_JSON"
#endif

#define FUZZ_ROOTFS "/nonexistent-dockward-fuzz-root" /* fd:// looks for units here: none */

static const char *const settings[] = {
    "host",
    "hosts",
    "tlsverify",
    "tls",
    "tlscacert",
    "tlscert",
    "tlskey",
    "insecure-registry",
    "data-root",
    "graph",
    "log-driver",
    "log-opts",
    "default-ulimit",
    "icc",
    "userns-remap",
    "live-restore",
    "storage-opt",
    "authorization-plugin",
    "containerd",
    "config-file",
    "log-level",
    "experimental",
    "selinux-enabled",
    "iptables",
    "no-new-privileges",
    "userland-proxy",
    "seccomp-profile",
    "default-cgroupns-mode",
};

__attribute__((unused)) static void check_numbers(const cJSON *node)
{
    for (; node != NULL; node = node->next) {
        if (cJSON_IsNumber(node))
            FUZZ_CHECK(node->valuestring != NULL);
        check_numbers(node->child);
    }
}

static void ask(const struct dockerd_config *cfg)
{
    const char *vals[8];
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        size_t total = dockerd_config_values(cfg, settings[i], vals, 8);
        for (size_t k = 0; k < total && k < 8; k++)
            FUZZ_CHECK(vals[k] != NULL);
        enum dockerd_source src = DOCKERD_SRC_CMDLINE;
        const char *eff = dockerd_config_effective(cfg, settings[i], &src);
        FUZZ_CHECK((eff == NULL) == (src == DOCKERD_SRC_NONE));
        if (total == 0)
            FUZZ_CHECK(eff == NULL);
        const char *first = dockerd_config_value(cfg, settings[i]);
        FUZZ_CHECK((first == NULL) == (total == 0));
        int b = dockerd_config_bool(cfg, settings[i]);
        FUZZ_CHECK(b >= -1 && b <= 1);
    }
    char path[HOSTFS_PATH_MAX];
    dockerd_config_data_root(cfg, path, sizeof(path));
    FUZZ_CHECK(strnlen(path, sizeof(path)) < sizeof(path));
    dockerd_config_containerd_socket(cfg, path, sizeof(path));
    FUZZ_CHECK(strnlen(path, sizeof(path)) < sizeof(path));
    int tcp = dockerd_config_has_tcp(cfg);
    FUZZ_CHECK(tcp == 0 || tcp == 1);
    char socks[4][HOSTFS_PATH_MAX];
    size_t n = dockerd_config_unix_sockets(cfg, FUZZ_ROOTFS, socks, 4);
    for (size_t k = 0; k < n && k < 4; k++)
        FUZZ_CHECK(strnlen(socks[k], HOSTFS_PATH_MAX) < HOSTFS_PATH_MAX);
    FUZZ_CHECK(strnlen(cfg->config_file, sizeof(cfg->config_file)) < sizeof(cfg->config_file));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dockerd_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.config_file, DOCKERD_DEFAULT_CONFIG, sizeof(DOCKERD_DEFAULT_CONFIG));
    if (size > INPUT_MAX)
        return 0; /* the reader's cap */
    if (PARSE(&cfg, (const char *)data, size) != 0) {
        dockerd_config_free(&cfg);
        return 0;
    }
#if defined(FUZZ_DOCKERD_CMDLINE)
    FUZZ_CHECK(cfg.n_opts <= size);
    for (size_t i = 0; i < cfg.n_opts; i++)
        FUZZ_CHECK(cfg.opts[i].name != NULL && cfg.opts[i].value != NULL);
    /* A daemon.json beside the command line, as a host has: both sources are asked. */
    static const char json[] = "{\"hosts\":[\"unix:///run/d.sock\"],\"icc\":false,\"log-opts\":"
                               "{\"max-size\":\"10m\"},\"data-root\":\"/srv/docker\"}";
    if (dockerd_config_parse_json(&cfg, json, sizeof(json) - 1) == 0)
        FUZZ_CHECK(cfg.json_state == DOCKERD_JSON_OK);
#else
    if (cfg.json_state == DOCKERD_JSON_OK) {
        FUZZ_CHECK(cJSON_IsObject(cfg.json));
        check_numbers(cfg.json->child);
    } else {
        FUZZ_CHECK(cfg.json_state == DOCKERD_JSON_INVALID);
        FUZZ_CHECK(cfg.json == NULL && cfg.config_error[0] != '\0');
    }
    FUZZ_CHECK(strnlen(cfg.config_error, sizeof(cfg.config_error)) < sizeof(cfg.config_error));
#endif
    ask(&cfg);
    dockerd_config_free(&cfg);
    return 0;
}
