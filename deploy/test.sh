#!/usr/bin/env bash
# The README test command (and what .ci/run calls): installs every dependency,
# builds everything, and runs every suite with ctest — unit tests, the store
# on a private PostgreSQL, and end-to-end tests against the real streamtuned
# binary. Exit status is ctest's.
#
# Environment: STREAMTUNE_BUILD_DIR (default ./build), CI=true turns
# compiler warnings into errors.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${STREAMTUNE_BUILD_DIR:-$ROOT/build}"

bash "$ROOT/deploy/install-deps.sh"
bash "$ROOT/deploy/install-grpcurl.sh"

WERROR=OFF
if [[ "${CI:-}" == "true" ]]; then WERROR=ON; fi
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSTREAMTUNE_WERROR="$WERROR" >/dev/null
echo "test: building in $BUILD" >&2
cmake --build "$BUILD" -j "$(nproc)"
cd "$BUILD"
ctest --output-on-failure -j "$(nproc)" "$@"
