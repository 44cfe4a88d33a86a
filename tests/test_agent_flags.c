/*
 * test_agent_flags.c - the agent's command line: defaults, every form of a
 * flag, collector switches and options, and the one-line errors that make
 * the program exit 2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collectors/registry.h"
#include "daemon/agent.h"

#include <stdlib.h>
#include <string.h>

static struct agent_cli cli;

static int parse(char *err, size_t errlen, ...)
{
    char *argv[32] = { "dockward" };
    int argc = 1;
    va_list ap;
    va_start(ap, errlen);
    for (char *a = va_arg(ap, char *); a != NULL && argc < 31; a = va_arg(ap, char *))
        argv[argc++] = a;
    va_end(ap);
    err[0] = '\0';
    return agent_cli_parse(&cli, AGENT_MODE_DAEMON, argc, argv, 1, err, errlen);
}

static size_t registry_index(const char *name)
{
    for (size_t i = 0; i < collector_registry_len; i++) {
        if (strcmp(collector_registry[i]->name, name) == 0)
            return i;
    }
    fail_msg("no collector %s", name);
    return 0;
}

static void test_defaults(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), NULL), 0);
    assert_string_equal(cli.cfg.listen_address, ":10310");
    assert_string_equal(cli.cfg.telemetry_path, "/metrics");
    assert_string_equal(cli.cfg.rootfs, "/");
    assert_string_equal(cli.cfg.docker_host, "unix:///var/run/docker.sock");
    assert_string_equal(cli.cfg.log_level, "info");
    assert_int_equal(cli.cfg.interval_ms, 60000);
    assert_int_equal(cli.cfg.start_delay_ms, 0);
    for (size_t i = 0; i < collector_registry_len; i++)
        assert_int_equal(cli.cfg.enabled[i], collector_registry[i]->enabled_by_default);
}

static void test_forms(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "--web.listen-address", "127.0.0.1:0",
                           "--collection.interval=1m30s", "--path.rootfs=/host/", "--log.level",
                           "debug", NULL),
                     0);
    assert_string_equal(cli.cfg.listen_address, "127.0.0.1:0");
    assert_int_equal(cli.cfg.interval_ms, 90000);
    assert_string_equal(cli.cfg.rootfs, "/host");
    assert_string_equal(cli.cfg.log_level, "debug");
    /* A later flag overrides an earlier one. */
    assert_int_equal(
        parse(err, sizeof(err), "--collection.interval=10s", "--collection.interval=20s", NULL), 0);
    assert_int_equal(cli.cfg.interval_ms, 20000);
}

static void test_collector_switches(void **state)
{
    (void)state;
    char err[256];
    size_t fp = registry_index("file_permissions");
    size_t gm = registry_index("group_membership");

    assert_int_equal(parse(err, sizeof(err), "--no-collector.file_permissions", NULL), 0);
    assert_false(cli.cfg.enabled[fp]);
    assert_true(cli.cfg.enabled[gm]);

    assert_int_equal(parse(err, sizeof(err), "--collector.disable-defaults",
                           "--collector.file_permissions", NULL),
                     0);
    assert_true(cli.cfg.enabled[fp]);
    assert_false(cli.cfg.enabled[gm]);

    assert_int_equal(parse(err, sizeof(err), "--collector.group_membership=false", NULL), 0);
    assert_false(cli.cfg.enabled[gm]);
}

static void test_collector_option_reaches_ctx(void **state)
{
    (void)state;
    char err[256];
    struct collect_ctx ctx;
    assert_int_equal(parse(err, sizeof(err), "--check.trusted-users=alice,bob", NULL), 0);
    agent_config_collect_ctx(&cli.cfg, &ctx);
    assert_string_equal(collect_ctx_option(&ctx, "check.trusted-users"), "alice,bob");
    assert_null(collect_ctx_option(&ctx, "no.such.option"));
}

struct bad_case {
    const char *args[3];
    const char *want; /* substring of the one-line error */
};

static void test_errors_name_the_flag(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        { { "--no-such-flag" }, "unknown flag --no-such-flag" },
        { { "--collection.interval=soon" }, "--collection.interval" },
        { { "--collection.interval=0s" }, "must be between 1s and 1d" },
        { { "--web.listen-address=10310" }, "--web.listen-address" },
        { { "--web.listen-address=:99999" }, "port must be a number" },
        { { "--web.telemetry-path=metrics" }, "--web.telemetry-path" },
        { { "--web.telemetry-path=/healthz" }, "taken by another endpoint" },
        { { "--log.level=loud" }, "want one of debug, info, warn, error" },
        { { "--path.rootfs=relative" }, "--path.rootfs" },
        { { "--docker.host=http://x" }, "--docker.host" },
        { { "--collection.interval" }, "needs a value" },
        { { "--no-collector.file_permissions=true" }, "takes no value" },
        { { "--collector.host=maybe" }, "want true or false" },
        { { "check" }, "unexpected argument \"check\"" },
        { { "--web.max-connections=-1" }, "--web.max-connections" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256];
        char *argv[3] = { "dockward", (char *)cases[i].args[0], NULL };
        assert_int_equal(agent_cli_parse(&cli, AGENT_MODE_DAEMON, 2, argv, 1, err, sizeof(err)),
                         -1);
        if (strstr(err, cases[i].want) == NULL)
            fail_msg("case %zu: error \"%s\" does not contain \"%s\"", i, err, cases[i].want);
        assert_null(strchr(err, '\n'));
    }
}

static void test_help_lists_every_flag(void **state)
{
    (void)state;
    char err[256];
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(parse(err, sizeof(err), NULL), 0);
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    agent_cli_print_help(&cli, f);
    fclose(f);
    for (size_t i = 0; i < cli.n_defs; i++) {
        if (strstr(text, cli.defs[i].name) == NULL)
            fail_msg("--help does not mention %s", cli.defs[i].name);
    }
    assert_non_null(strstr(text, "(default: :10310)"));
    assert_non_null(strstr(text, "--[no-]collector.file_permissions"));
    free(text);
}

static void test_durations(void **state)
{
    (void)state;
    uint64_t ms;
    char text[32];
    assert_int_equal(flags_parse_duration("90d", &ms), 0);
    assert_int_equal(ms, 90ULL * 86400 * 1000);
    flags_format_duration(ms, text, sizeof(text));
    assert_string_equal(text, "90d");
    assert_int_equal(flags_parse_duration("1h2m3s4ms", &ms), 0);
    assert_int_equal(ms, 3723004);
    flags_format_duration(ms, text, sizeof(text));
    assert_string_equal(text, "1h2m3s4ms");
    assert_int_equal(flags_parse_duration("250ms", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(flags_parse_duration("", &ms), -1);
    assert_int_equal(flags_parse_duration("5", &ms), -1);
    assert_int_equal(flags_parse_duration("-5s", &ms), -1);
    assert_int_equal(flags_parse_duration("5x", &ms), -1);
    assert_int_equal(flags_parse_duration("99999999999999999999s", &ms), -1);
}

static void test_check_selection(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "--check.include=5,1.1", "--check.exclude=5.25", NULL),
                     0);
    assert_true(agent_check_selected(&cli.cfg, "5.5"));
    assert_true(agent_check_selected(&cli.cfg, "1.1.3"));
    assert_false(agent_check_selected(&cli.cfg, "5.25"));
    assert_false(agent_check_selected(&cli.cfg, "1.10"));
    assert_false(agent_check_selected(&cli.cfg, "4.1"));
    assert_false(agent_check_selected(&cli.cfg, "55.1"));
    assert_int_equal(parse(err, sizeof(err), "--check.exclude=dockward", NULL), 0);
    assert_false(agent_check_selected(&cli.cfg, "dockward.image_age"));
    assert_true(agent_check_selected(&cli.cfg, "3.1"));
    assert_int_equal(parse(err, sizeof(err), "--check.include=5,,6", NULL), -1);
    assert_non_null(strstr(err, "--check.include"));
}

static void test_container_selection(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "--container.include=web-*,db",
                           "--container.exclude=web-canary", NULL),
                     0);
    assert_true(agent_container_selected(&cli.cfg, "web-1"));
    assert_true(agent_container_selected(&cli.cfg, "db"));
    assert_false(agent_container_selected(&cli.cfg, "db2"));
    assert_false(agent_container_selected(&cli.cfg, "web-canary"));
    assert_int_equal(parse(err, sizeof(err), NULL), 0);
    assert_true(agent_container_selected(&cli.cfg, "anything"));
}

static void test_check_mode_flags(void **state)
{
    (void)state;
    char err[256];
    char *argv[] = { "dockward", "check", "--format=json", NULL };
    assert_int_equal(agent_cli_parse(&cli, AGENT_MODE_CHECK, 3, argv, 2, err, sizeof(err)), 0);
    assert_string_equal(cli.cfg.format, "json");
    assert_string_equal(cli.cfg.log_level, "warn");
    char *bad[] = { "dockward", "check", "--web.listen-address=:1", NULL };
    assert_int_equal(agent_cli_parse(&cli, AGENT_MODE_CHECK, 3, bad, 2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown flag --web.listen-address"));
    char *daemon_format[] = { "dockward", "--format=json", NULL };
    assert_int_equal(
        agent_cli_parse(&cli, AGENT_MODE_DAEMON, 2, daemon_format, 1, err, sizeof(err)), -1);
}

static void test_docker_tls_flags_need_tcp(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "--docker.tls-ca=/ca.pem", NULL), -1);
    assert_non_null(strstr(err, "tcp://"));
    assert_int_equal(parse(err, sizeof(err), "--docker.host=tcp://127.0.0.1:2376",
                           "--docker.tls-ca=/ca.pem", "--docker.tls-cert=/c.pem", NULL),
                     -1);
    assert_non_null(strstr(err, "go together"));
    assert_int_equal(parse(err, sizeof(err), "--docker.host=tcp://127.0.0.1:2376",
                           "--docker.tls-ca=/ca.pem", "--docker.tls-cert=/c.pem",
                           "--docker.tls-key=/k.pem", NULL),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_collector_switches),
        cmocka_unit_test(test_collector_option_reaches_ctx),
        cmocka_unit_test(test_errors_name_the_flag),
        cmocka_unit_test(test_help_lists_every_flag),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_check_selection),
        cmocka_unit_test(test_container_selection),
        cmocka_unit_test(test_check_mode_flags),
        cmocka_unit_test(test_docker_tls_flags_need_tcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
