#!/usr/bin/env bash
# quickstart.sh [AGENT FLAGS...] - README's first command: installs what is
# missing, builds dockward, and runs the agent in the foreground against this
# host on :10310 (Ctrl-C stops it). Extra arguments go to the agent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
# Tests are not built here: their packages (cmocka, ...) are the test
# command's to install (install-deps.sh --test), not this one's.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" --target dockward >/dev/null
echo "dockward built: ./build/dockward; metrics at http://localhost:10310/metrics"
exec ./build/dockward "$@"
