#!/usr/bin/env bash
# The load benchmark (not part of CI): builds streamtune-load and runs it.
#   bench/load/run.sh [streamtune-load flags]   e.g. --duration=20s --concurrency=16
# Starts a private PostgreSQL, three streamtuned replicas and nginx on
# loopback, measures Recommend through nginx with 1, 2 and 3 replicas and
# directly against one replica (the baseline, first and last), and prints the
# Markdown table the README shows. Environment: STREAMTUNE_BUILD_DIR (default
# ./build).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${STREAMTUNE_BUILD_DIR:-$ROOT/build}"
bash "$ROOT/deploy/install-deps.sh"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target streamtune-load streamtuned >&2
STATE="$(mktemp -d /tmp/streamtune-load-XXXXXX)"
trap 'bash "$ROOT/deploy/pg/stop.sh" "$STATE/postgres" 2>/dev/null || true; rm -rf "$STATE"' EXIT
echo "load: $(nproc) cores; everything (client, nginx, replicas, PostgreSQL) shares them" >&2
"$BUILD/bench/load/streamtune-load" --state_dir="$STATE" "$@"
