#!/usr/bin/env bash
# Timely Nexmark benchmark: DS2 versus StreamTune on q1, q2, q3, q5 and q8 at
# several rates (client/timely's nexmark-bench against a private stack).
#
#   bench/timely/timely_nexmark.sh [--build DIR] [--state-dir DIR] [--no-pretrain]
#                                  [--repeats N] [nexmark-bench flags, e.g. --out DIR --rates 2000,4000]
#
# With --repeats N (default 1) the whole benchmark runs N times against the
# same server, into OUT/repeat-1 .. OUT/repeat-N, and
# bench/timely/timely_nexmark_report.py writes OUT/report.md: the median of
# the N runs per (query, rate, policy) and the equal-throughput comparison
# (Σp of each policy against the first at the rates where every policy's
# median kept share of the input is at least 99%). A run in which a call to
# the service failed is left out and named, and the script exits 1.
#
# With `-n N` (a nexmark-bench flag) every run is N processes of -w workers
# on loopback: nexmark-bench is process 0 (the agent) and starts the others
# from the nexmark-QUERY binaries beside it, e.g. `-n 2 -w 4`.
#
# Starts a private PostgreSQL under --state-dir (default
# /tmp/streamtune-timely-bench; one already running there is reused and left
# running) and streamtuned serving tenant `corpus`'s
# models to every tenant (--shared_model_tenant). Unless --no-pretrain, it
# first makes sure `corpus` holds pre-trained models: on first use it
# generates the default simulated history (streamtune-history) and runs
# Pretrain (streamtunectl), a few minutes; later runs reuse them. Without
# models the streamtune policy falls back to DS2, and the report says so.
# The server and PostgreSQL are stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${STREAMTUNE_BUILD_DIR:-$ROOT/build}"
STATE=/tmp/streamtune-timely-bench
PRETRAIN=1
REPEATS=1
OUT="$ROOT/timely-bench-results"
BENCH_ARGS=()
while (($#)); do
  case "$1" in
    --build) BUILD="$2"; shift 2 ;;
    --state-dir) STATE="$2"; shift 2 ;;
    --no-pretrain) PRETRAIN=0; shift ;;
    --repeats) REPEATS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) BENCH_ARGS+=("$1"); shift ;;
  esac
done
[[ "$REPEATS" =~ ^[1-9][0-9]*$ ]] || { echo "timely-bench: --repeats must be a whole number >= 1, got '$REPEATS'" >&2; exit 2; }

SERVER_BIN="$BUILD/server/service/streamtuned"
CTL="$BUILD/client/streamtunectl"
HISTORY="$BUILD/client/history/streamtune-history"
BENCH="$BUILD/client/timely/cargo-target/release/nexmark-bench"
for bin in "$SERVER_BIN" "$CTL" "$HISTORY" "$BENCH"; do
  [[ -x "$bin" ]] || { echo "timely-bench: $bin missing: build $BUILD first" >&2; exit 1; }
done

mkdir -p "$STATE"
# A PostgreSQL already serving STATE/pg (e.g. another benchmark's, through
# a link to its folder) is reused and left running: stopping it would pull
# the database from under that benchmark's server.
PG_STARTED=0
if ! [[ -s "$STATE/pg/port" ]] ||
   ! (exec 3<>"/dev/tcp/127.0.0.1/$(cat "$STATE/pg/port")") 2>/dev/null; then
  PG_STARTED=1
fi
URL="$("$ROOT/deploy/pg/start.sh" "$STATE/pg")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if ((PG_STARTED)); then "$ROOT/deploy/pg/stop.sh" "$STATE/pg" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

rm -f "$STATE/ports.json"
"$SERVER_BIN" --insecure_local_only --listen=127.0.0.1:0 --metrics_listen= --port_file="$STATE/ports.json" \
  --database_url="$URL" --shared_model_tenant=corpus 2>"$STATE/server.log" &
SERVER_PID=$!
deadline=$((SECONDS + 60))
until [[ -s "$STATE/ports.json" ]]; do
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "timely-bench: streamtuned exited" >&2; tail "$STATE/server.log" >&2; exit 1; }
  ((SECONDS < deadline)) || { echo "timely-bench: streamtuned did not start" >&2; exit 1; }
  sleep 0.1
done
ADDR="127.0.0.1:$(sed -E 's/.*"grpc_port": ([0-9]+).*/\1/' "$STATE/ports.json")"
until [[ "$("$CTL" --server="$ADDR" health 2>/dev/null || true)" == *SERVING* ]]; do
  ((SECONDS < deadline)) || { echo "timely-bench: streamtuned never SERVING" >&2; exit 1; }
  sleep 0.2
done
echo "timely-bench: streamtuned at $ADDR (log $STATE/server.log)" >&2

if ((PRETRAIN)); then
  "$ROOT/bench/ensure-corpus.sh" "$BUILD" "$ADDR" timely-bench
fi

if ((REPEATS == 1)); then
  "$BENCH" --server "$ADDR" --out "$OUT" "${BENCH_ARGS[@]}"
  exit 0
fi
for repeat in $(seq 1 "$REPEATS"); do
  echo "timely-bench: repeat $repeat of $REPEATS into $OUT/repeat-$repeat" >&2
  "$BENCH" --server "$ADDR" --out "$OUT/repeat-$repeat" --tenant "timely-bench-$(date +%s)-r$repeat" \
    "${BENCH_ARGS[@]}" >/dev/null
done
# The report fails (after writing) when a run's calls failed: show it, then fail.
status=0
python3 "$ROOT/bench/timely/timely_nexmark_report.py" "$OUT" >"$OUT/report.md" || status=$?
cat "$OUT/report.md"
exit "$status"
