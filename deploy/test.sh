#!/usr/bin/env bash
# The README test command (and what .ci/run calls): installs every dependency,
# builds everything, and runs every suite with ctest — unit tests, the store
# on a private PostgreSQL, and end-to-end tests against the real streamtuned
# binary. Exit status is ctest's.
#
# Warnings are errors and every C/C++ file must match .clang-format (the
# ctest `format` test), on a developer's machine as in CI.
#
# Environment: STREAMTUNE_BUILD_DIR (default ./build).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${STREAMTUNE_BUILD_DIR:-$ROOT/build}"

bash "$ROOT/deploy/install-deps.sh"
bash "$ROOT/deploy/install-grpcurl.sh"

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSTREAMTUNE_WERROR=ON >/dev/null
echo "test: building in $BUILD" >&2
cmake --build "$BUILD" -j "$(nproc)"
cd "$BUILD"
ctest --output-on-failure -j "$(nproc)" "$@"
