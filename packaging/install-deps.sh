#!/usr/bin/env bash
# install-deps.sh [--package|--test] - installs what dockward needs on Debian
# 12, and nothing when everything is already there. Modes:
#   (none)     building the programs (packaging/quickstart.sh);
#   --package  and the Debian package (packaging/build-deb.sh: dpkg-shlibdeps
#              of dpkg-dev, file for CPack);
#   --test     and the test suite (cmocka, promtool, curl, clang-format, shellcheck, xmllint, jsonschema,
#              lintian, debootstrap, docker-compose, postgresql-15 for the
#              tests' private servers (tests/pg_env.sh), ...).
# Runs apt-get update once, only when a package is missing. Needs root.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git libmicrohttpd-dev libcurl4-openssl-dev libcjson-dev
      libprotobuf-c-dev protobuf-c-compiler libsqlite3-dev zlib1g-dev libdeflate-dev libyaml-dev
      libgnutls28-dev libcrypt-dev libpq-dev)
case "${1:-}" in
"") ;;
--package | --test) pkgs+=(dpkg-dev file) ;;
*) echo "usage: install-deps.sh [--package|--test]" >&2; exit 2 ;;
esac
if [ "${1:-}" = "--test" ]; then
    pkgs+=(lintian debootstrap docker-compose)
    pkgs+=(shellcheck) # tests/lint.sh
    pkgs+=(libcmocka-dev curl prometheus prometheus-alertmanager clang-format gzip docker.io busybox-static jq openssl sqlite3 systemd)
    pkgs+=(clang libclang-rt-14-dev) # tests/fuzz: libFuzzer (-fsanitize=fuzzer)
    pkgs+=(libxml2-utils python3-jsonschema) # e2e_ci_formats: JUnit XSD and SARIF schema validation
    pkgs+=(postgresql-15 postgresql-client-15) # tests/pg_env.sh: initdb, pg_ctl, psql
fi

missing=()
for p in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts services from packages it installs where it can; the suite runs its own.
if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null \
    && [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
fi
if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && command -v systemctl >/dev/null \
    && [ -d /run/systemd/system ]; then
    systemctl disable --now postgresql >/dev/null 2>&1 || true
fi
