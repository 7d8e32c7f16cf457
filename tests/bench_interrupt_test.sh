#!/usr/bin/env bash
# streamtune-bench stopped by a signal cleans up after itself: SIGTERM in
# the middle of a run ends it with status 143 and a message, after stopping
# its private streamtuned and PostgreSQL and removing the temporary folders
# they used (its server's folder and the throwaway TLS certificates, under
# $TMPDIR). Before the interrupt handler a killed benchmark left both behind.
# Usage: bench_interrupt_test.sh STREAMTUNE_BENCH WORKLOADS_DIR
set -euo pipefail
BENCH="$1"; WORKLOADS="$2"

WORK="$(mktemp -d)"
# Reachable by the `postgres` user, so that the private database's files
# stay under $WORK (deploy/pg/lib.sh would otherwise put them in /var/tmp,
# out of this test's cleanup and its checks).
chmod 755 "$WORK"
BENCH_PID=""
cleanup() {
  if [[ -n "$BENCH_PID" ]]; then kill -KILL "$BENCH_PID" 2>/dev/null || true; fi
  # The database, should the test fail before the benchmark stopped it.
  if [[ -f "$WORK/state/postgres/data/postmaster.pid" ]]; then
    kill -TERM "$(head -1 "$WORK/state/postgres/data/postmaster.pid")" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- benchmark output:"; cat "$WORK/bench.log" || true; exit 1; }

mkdir -p "$WORK/tmp"
# Three policies on every shipped workload: far longer than the test waits.
TMPDIR="$WORK/tmp" "$BENCH" run --policy=ds2,conttune,flink-autoscaler \
  --out="$WORK/out" --state_dir="$WORK/state" "$WORKLOADS"/*.json \
  >"$WORK/bench.log" 2>&1 &
BENCH_PID=$!

# Poll (not a sleep as synchronisation) until the second run has begun: the
# server and its folders exist and a run is under way.
deadline=$((SECONDS + 300))
until grep -q '^\[2/' "$WORK/bench.log"; do
  kill -0 "$BENCH_PID" 2>/dev/null || fail "the benchmark ended before it was interrupted"
  ((SECONDS < deadline)) || fail "no second run within 300 s"
  sleep 0.05
done
folders="$(ls -A "$WORK/tmp")"
[[ "$folders" == *streamtuned-test-* && "$folders" == *streamtune-tls-* ]] ||
  fail "expected the server's and the TLS folders under TMPDIR while running, found: $folders"
server_folder="$(ls -d "$WORK"/tmp/streamtuned-test-*)"

kill -TERM "$BENCH_PID"
status=0
wait "$BENCH_PID" || status=$?
BENCH_PID=""
[[ "$status" == 143 ]] || fail "exit status $status after SIGTERM, want 143"
grep -q 'streamtune-bench: interrupted' "$WORK/bench.log" || fail "no 'interrupted' message"
left="$(ls -A "$WORK/tmp")"
[[ -z "$left" ]] || fail "temporary folders left behind: $left"
[[ ! -e "$server_folder" ]] || fail "$server_folder left behind"
[[ ! -f "$WORK/state/postgres/data/postmaster.pid" ]] || fail "the private PostgreSQL still runs"
[[ ! -f "$WORK/out/results.json" ]] || fail "an interrupted run wrote results.json"
echo "PASS: SIGTERM stopped the benchmark (status 143) and left no temporary folder"
