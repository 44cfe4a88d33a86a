#!/usr/bin/env bash
# e2e_clean_root.sh - installs dockward as an operator does, in a minimal
# Debian 12 root (tests/clean_root.sh: debootstrap --variant=minbase
# bookworm from this machine's apt source, cached), never on this machine:
#  1. in a chroot of a fresh copy, README's first command
#     (`bash packaging/quickstart.sh`) from a copy of the tree (git's files,
#     no build dir) installs what it needs, builds, and runs the agent, which
#     is scraped; cmocka, promtool and clang are still not installed;
#  2. in the same root, `bash packaging/build-deb.sh` builds the .deb, and
#     lintian (on this machine) has nothing to say but the overrides;
#  3. in a second fresh copy (no build tool, no -dev package), `apt-get
#     install ./dockward_*.deb` pulls in what its Depends name; postinst made
#     the users and directories; the store and the agent start from the
#     installed files as the units run them (their users, their ExecStart
#     flags) and the agent's report reaches the store; dpkg-reconfigure with
#     a docker group puts dockward in it; purge removes files and state.
# Prints how long each stage took. Needs root, debootstrap, lintian, curl.
# Environment (set by ctest): DOCKWARD_TESTS.
set -euo pipefail
: "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
# shellcheck source=tests/clean_root.sh
source "$DOCKWARD_TESTS/clean_root.sh"
e2e_require debootstrap lintian curl git
[ "$(id -u)" = 0 ] || { echo "e2e_clean_root: needs root (debootstrap, chroot, mount)"; exit 1; }

src=$(realpath "$DOCKWARD_TESTS/..")
work=$(mktemp -d /var/tmp/dockward-e2e-clean-root-XXXXXX)
pids=()
# Everything started in a root runs in its own session (setsid: pid = process
# group), so stopping it also stops what it started (apt, cmake, the agent).
stop_all() {
    local p
    for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
}
cleanup() {
    stop_all
    clean_root_umount || true
    clean_root_rm "$work"
}
trap cleanup EXIT
bg_in_root() { # bg_in_root LOG ROOT CMD...: CMD in the background, its pid in $!
    local log=$1 root=$2
    shift 2
    setsid env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LANG=C chroot "$root" "$@" >"$log" 2>&1 &
}

stage() { # stage NAME T0: prints how long the stage took
    echo "# stage $1: $(e2e_since "$2") s"
}

# The tree as git knows it (committed and new files, not ignored: no build
# dir, no binary built on this machine).
copy_tree() {
    mkdir -p "$1"
    (cd "$src" && git ls-files -co --exclude-standard -z |
        tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$1" -xf -
}

not() { ! "$@"; }
# shellcheck disable=SC2016 # ${Status} is dpkg-query's
installed() { # installed ROOT PACKAGE: dpkg in ROOT has PACKAGE installed
    [ "$(in_root "$1" dpkg-query -W -f='${Status}' "$2" 2>/dev/null)" = "install ok installed" ]
}

# --- the cached base ---------------------------------------------------------
t0=$(e2e_now)
cached=no
[ -f "$CLEAN_ROOT_CACHE/base.stamp" ] && cached=yes
base=$(clean_root_base)
stage "debootstrap root (cached before: $cached)" "$t0"
check "the base root is Debian 12" grep -q '^VERSION_ID="12"' "$base/etc/os-release"
check "the base root has no compiler, cmake or -dev package" \
    bash -c "[ ! -e '$base/usr/bin/cc' ] && [ ! -e '$base/usr/bin/cmake' ] &&
             ! ls '$base'/var/lib/dpkg/info/ | grep -q -- '-dev[:.]'"

# --- 1. README's first command -------------------------------------------------
root1=$work/root1
t0=$(e2e_now)
clean_root_copy "$root1"
copy_tree "$root1/src"
clean_root_mount "$root1"
stage "copy root and tree" "$t0"
check "the tree's copy holds no build output" bash -c "! ls -d '$root1'/src/build* 2>/dev/null"
check "README's quick start has this command: bash packaging/quickstart.sh" \
    grep -qE '^bash packaging/quickstart\.sh( |$)' "$root1/src/README.md"

t0=$(e2e_now)
log1=$work/quickstart.log
bg_in_root "$log1" "$root1" bash -c 'cd /src && exec bash packaging/quickstart.sh --web.listen-address=127.0.0.1:0'
qs=$!
pids+=("$qs")
port=$(e2e_port_of "$log1" "$qs" 24000) || port=""
stage "quickstart.sh (install, build, start)" "$t0"
check "quickstart.sh started the agent (listening on 127.0.0.1:${port:-none})" test -n "$port"
if [ -n "$port" ]; then
    check "the agent finished its first collection (/readyz 200)" \
        e2e_wait_200 "http://127.0.0.1:$port/readyz" "$qs" 1200
    metrics=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" || true)
    check "the scrape has dockward_build_info" grep -q '^dockward_build_info{' <<<"$metrics"
    check "the host collector ran in the clean root" \
        test "$(e2e_metric 'dockward_collector_success{collector="host"}' <<<"$metrics")" = 1
    n=$(awk '/^dockward_check_failing_targets\{/ { n++ } END { print n + 0 }' <<<"$metrics")
    check "the scrape judges checks ($n dockward_check_failing_targets series)" test "$n" -gt 10
fi
stop_all
for p in libcmocka-dev prometheus clang; do
    check "quickstart.sh did not install $p" not installed "$root1" "$p"
done
check "quickstart.sh installed the build tools it needs (cmake)" installed "$root1" cmake

# --- 2. the Debian package ---------------------------------------------------
t0=$(e2e_now)
build_deb() { in_root "$root1" bash /src/packaging/build-deb.sh /src >"$work/build-deb.log" 2>&1; }
check "build-deb.sh builds the package in the clean root" build_deb
stage "build-deb.sh" "$t0"
deb=$(find "$root1/src" -maxdepth 1 -name 'dockward_*.deb' | head -n 1)
check "build-deb.sh wrote dockward_*.deb" test -n "$deb"
[ -n "$deb" ] || { tail -n 20 "$work/build-deb.log"; e2e_summary "no package: stopping"; exit 1; }
cp "$deb" "$work/"
deb=$work/$(basename "$deb")
clean_root_umount
clean_root_rm "$root1"

depends=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $depends"
for lib in libc6 libmicrohttpd12 libcurl4 libsqlite3-0 libgnutls30 libprotobuf-c1; do
    check "Depends names $lib (dpkg-shlibdeps)" grep -q "\b$lib\b" <<<"$depends"
done
check "Depends names adduser (postinst)" grep -q '\badduser\b' <<<"$depends"
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for f in ./usr/bin/dockward ./usr/bin/dockward-store ./lib/systemd/system/dockward.service \
    ./lib/systemd/system/dockward-store.service ./usr/share/doc/dockward/copyright \
    ./usr/share/doc/dockward/changelog.gz ./usr/share/doc/dockward/examples/tokens.example \
    ./usr/share/doc/dockward/examples/web-config/tls-basic-auth.yml; do
    check "the package ships $f" grep -qx -- "$f" <<<"$contents"
done
lint=$(lintian -I -E --pedantic "$deb" 2>/dev/null) && rc=0 || rc=$?
check "lintian -I -E --pedantic: nothing but the overrides (exit $rc)${lint:+: $lint}" \
    test "$rc" = 0 -a -z "$lint"

# --- 3. installing the package -------------------------------------------------
root2=$work/root2
t0=$(e2e_now)
clean_root_copy "$root2"
clean_root_mount "$root2"
cp "$deb" "$root2/tmp/"
e2e_random_hex 16 >"$root2/etc/machine-id"
apt_install() {
    in_root "$root2" bash -c "apt-get update -qq &&
        apt-get install -y -qq --no-install-recommends /tmp/$(basename "$deb")" >"$work/apt.log" 2>&1
}
check "apt-get install ./$(basename "$deb") in a fresh root" apt_install
stage "apt install the package" "$t0"
check "the fresh root got no -dev package and no compiler" \
    bash -c "! ls '$root2'/var/lib/dpkg/info/ | grep -q -- '-dev[:.]' && [ ! -e '$root2/usr/bin/cc' ]"
missing=$(in_root "$root2" sh -c 'ldd /usr/bin/dockward /usr/bin/dockward-store' | grep 'not found' || true)
check "every shared library of both programs is installed${missing:+ (missing: $missing)}" test -z "$missing"

for u in dockward dockward-store; do
    line=$(in_root "$root2" getent passwd "$u" || true)
    check "postinst made system user $u, no login shell ($line)" \
        test -n "$line" -a "$(cut -d: -f3 <<<"$line")" -lt 1000 -a "$(cut -d: -f7 <<<"$line")" = /usr/sbin/nologin
    # Owners by the root's names (this machine may number its users otherwise).
    check "/var/lib/$u is $u's, 0700" test "$(in_root "$root2" stat -c '%U:%G %a' "/var/lib/$u")" = "$u:$u 700"
    check "/etc/$u is root:$u 0750" test "$(in_root "$root2" stat -c '%U:%G %a' "/etc/$u")" = "root:$u 750"
    exec_start=$(sed -n "s|^ExecStart=||p" "$root2/lib/systemd/system/$u.service")
    check "$u.service runs /usr/bin/$u, which is installed" \
        bash -c "[[ '$exec_start' == '/usr/bin/$u '* ]] && [ -x '$root2/usr/bin/$u' ]"
done
uid_of() { in_root "$root2" id -u "$1"; }
in_docker() { in_root "$root2" id -nG dockward | grep -qw docker; }
check "no docker group: dockward is in no docker group" not in_docker

# Both programs, as their units run them: their user, their unit's flags
# ($VARS empty), a port of the test's.
token=$(e2e_random_hex 24)
printf 'clean-root %s\n' "$token" >"$root2/etc/dockward-store/tokens"
printf '%s\n' "$token" >"$root2/etc/dockward/token"
in_root "$root2" sh -c 'chown root:dockward-store /etc/dockward-store/tokens && chmod 0640 /etc/dockward-store/tokens &&
    chown root:dockward /etc/dockward/token && chmod 0640 /etc/dockward/token'
flags() { sed -n "s|^ExecStart=/usr/bin/$1 ||p" "$root2/lib/systemd/system/$1.service" | sed 's/\$[A-Z_]*//g'; }
t0=$(e2e_now)
# shellcheck disable=SC2046 # the unit's flags, split as systemd splits them
bg_in_root "$work/store.log" "$root2" setpriv --reuid=dockward-store --regid=dockward-store \
    --init-groups /usr/bin/dockward-store $(flags dockward-store) --web.listen-address=127.0.0.1:0
store=$!
pids+=("$store")
sport=$(e2e_port_of "$work/store.log" "$store") || sport=""
check "the installed dockward-store started (127.0.0.1:${sport:-none})" test -n "$sport"
# shellcheck disable=SC2046
bg_in_root "$work/agent.log" "$root2" setpriv --reuid=dockward --regid=dockward --init-groups \
    /usr/bin/dockward $(flags dockward) --web.listen-address=127.0.0.1:0 \
    --push.url="http://127.0.0.1:${sport:-1}/api/v1/reports" --push.token-file=/etc/dockward/token
agent=$!
pids+=("$agent")
aport=$(e2e_port_of "$work/agent.log" "$agent") || aport=""
check "the installed dockward started (127.0.0.1:${aport:-none})" test -n "$aport"
check "the store runs as dockward-store" \
    test "$(awk '/^Uid:/ { print $2 }' "/proc/$store/status")" = "$(uid_of dockward-store)"
check "the agent runs as dockward" \
    test "$(awk '/^Uid:/ { print $2 }' "/proc/$agent/status")" = "$(uid_of dockward)"
if [ -n "$sport" ] && [ -n "$aport" ]; then
    check "the agent finished its first collection" e2e_wait_200 "http://127.0.0.1:$aport/readyz" "$agent" 1200
    hosts=absent
    for _ in $(seq 1 200); do
        hosts=$(curl -s --max-time 5 "http://127.0.0.1:$sport/metrics" |
            e2e_metric 'dockward_fleet_hosts{state="reporting"}')
        [ "$hosts" = 1 ] && break
        sleep 0.1
    done
    check "the agent's report reached the store (dockward_fleet_hosts{state=\"reporting\"} $hosts)" \
        test "$hosts" = 1
    check "the agent's outbox is in /var/lib/dockward, the store's database in /var/lib/dockward-store" \
        test -f "$root2/var/lib/dockward/outbox.db" -a -f "$root2/var/lib/dockward-store/store.db"
fi
stage "start both programs and push" "$t0"
stop_all

reconfigure() {
    in_root "$root2" sh -c 'addgroup --quiet --system docker && dpkg-reconfigure dockward' \
        >"$work/reconfigure.log" 2>&1 && in_docker
}
check "with a docker group, dpkg-reconfigure (postinst again) puts dockward in it" reconfigure
purge() {
    in_root "$root2" apt-get purge -y -qq dockward >"$work/purge.log" 2>&1 &&
        [ ! -e "$root2/usr/bin/dockward" ] && [ ! -e "$root2/var/lib/dockward" ] &&
        [ ! -e "$root2/var/lib/dockward-store" ] && [ ! -e "$root2/lib/systemd/system/dockward.service" ]
}
check "apt-get purge removes the programs and the state directories" purge
if [ "$failures" -gt 0 ]; then
    for f in quickstart build-deb apt store agent reconfigure purge; do
        [ -f "$work/$f.log" ] && { echo "--- tail of $f.log"; tail -n 15 "$work/$f.log"; }
    done
fi
e2e_summary "dockward installs on a clean Debian 12 root"
