#!/usr/bin/env bash
# The README demo command: installs what is missing, builds, starts a private
# PostgreSQL under .local/pg and streamtuned on a free port, and asks it for a
# DS2 recommendation for a snapshot of the shared `linear-chain` workload
# (client/examples/linear-chain-t60.json). Everything stops on exit.
#
# Usage: deploy/demo.sh [SNAPSHOT.json]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${STREAMTUNE_BUILD_DIR:-$ROOT/build}"
SNAPSHOT="${1:-$ROOT/client/examples/linear-chain-t60.json}"
STATE="$ROOT/.local"

say() { printf '\n== %s\n' "$*" >&2; }

say "installing dependencies"
bash "$ROOT/deploy/install-deps.sh"

say "building streamtuned and streamtunectl in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target streamtuned streamtunectl

say "starting the private PostgreSQL in $STATE/pg"
bash "$ROOT/deploy/pg/start.sh" "$STATE/pg"
DATABASE_URL="$(bash "$ROOT/deploy/pg/url.sh" "$STATE/pg")"

SERVER_PID=""
stop_all() {
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  bash "$ROOT/deploy/pg/stop.sh" "$STATE/pg" >/dev/null 2>&1 || true
}
trap stop_all EXIT

say "starting streamtuned"
rm -f "$STATE/streamtuned.ports"
"$BUILD/server/service/streamtuned" --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 \
  --port_file="$STATE/streamtuned.ports" --database_url="$DATABASE_URL" \
  2>"$STATE/streamtuned.log" &
SERVER_PID=$!
deadline=$((SECONDS + 60))
until [[ -s "$STATE/streamtuned.ports" ]]; do
  if ((SECONDS > deadline)) || ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "demo: streamtuned did not start; its log:" >&2
    cat "$STATE/streamtuned.log" >&2
    exit 1
  fi
  sleep 0.05
done
PORT="$(sed -E 's/.*"grpc_port": ([0-9]+).*/\1/' "$STATE/streamtuned.ports")"
CTL=("$BUILD/client/streamtunectl" "--server=127.0.0.1:$PORT" "--tenant=demo")
until "${CTL[@]}" health >/dev/null 2>&1; do
  if ((SECONDS > deadline)); then echo "demo: streamtuned never became SERVING" >&2; exit 1; fi
  sleep 0.1
done
echo "streamtuned is SERVING on 127.0.0.1:$PORT" >&2

say "asking for a DS2 recommendation for $(basename "$SNAPSHOT")"
"${CTL[@]}" recommend --snapshot "$SNAPSHOT" --policy ds2

say "the job's stored history"
JOB="$(sed -nE 's/.*"job_?[iI]d": *"([^"]+)".*/\1/p' "$SNAPSHOT" | head -1)"
"${CTL[@]}" job "$JOB"
