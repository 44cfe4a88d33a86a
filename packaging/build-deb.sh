#!/usr/bin/env bash
# build-deb.sh [OUTDIR] - builds the Debian package dockward_VERSION_ARCH.deb
# (both programs, the systemd units, examples; see packaging/package.cmake)
# with Debian's hardening flags (dpkg-buildflags) and writes it to OUTDIR
# (default: the top of the tree), ready for `apt install ./dockward_*.deb`.
set -euo pipefail
out=$(realpath "${1:-$(dirname "$0")/..}")
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh --package
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
    -DCMAKE_C_FLAGS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS)" \
    -DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null
cmake --build build-deb -j"$(nproc)" >/dev/null
rm -f build-deb/dockward_*.deb
(cd build-deb && cpack -G DEB >/dev/null)
deb=$(echo build-deb/dockward_*.deb)
cp "$deb" "$out/"
echo "$out/$(basename "$deb")"
