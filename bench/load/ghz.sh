#!/usr/bin/env bash
# Load test of Recommend with ghz, a standard third-party gRPC load tool (not
# part of CI; figures in docs/benchmark.md):
#   bench/load/ghz.sh [--concurrency=8] [--duration=30s] [--jobs=1000]
#                     [--policies=ds2,streamtune] [--no-streamtune-load]
#                     [--model_cache_models=100]
# Installs ghz (deploy/install-ghz.sh), builds streamtuned, streamtunectl,
# streamtune-history and streamtune-load, and starts on loopback a private
# PostgreSQL in a temporary folder and one streamtuned replica. Then:
#  1. pre-trains the StreamTune models of tenant `ghz`: streamtune-history
#     reports 24 simulated jobs, `streamtunectl pretrain` trains (300 steps);
#  2. warms up --jobs distinct jobs, each a 20-operator chain
#     (bench/load/ghz_data.py, metrics from the simulator's noise-free model),
#     with 3 Recommend calls each (policy streamtune): every job has a history
#     and a fine-tuned model;
#  3. per policy, runs ghz against streamtune.v1.StreamTune/Recommend with a
#     fixed concurrency for a fixed time. The request array is sent
#     round-robin, one element per job, rendered as a template per call: call
#     n is a NEW snapshot (id <prefix><n>) of job n % jobs, observed one
#     minute after that job's previous snapshot;
#  4. reads the server's VmRSS/VmHWM (/proc) and the models it caches
#     (/metrics; --model_cache_models caps them, default 100 here), and the CPU each process used during each run (/proc/PID/stat);
#  5. unless --no-streamtune-load, runs the project's own load tool,
#     streamtune-load --target, on the same server with the same concurrency,
#     duration and snapshot shape (fresh jobs, no warm-up: see the doc).
# Prints a Markdown table on stdout (progress on stderr); also writes it to
# $STATE/ghz-results.md. Everything (PostgreSQL, server, ghz) shares this
# machine's cores. Total run about 5 minutes with the defaults.
# Environment: STREAMTUNE_BUILD_DIR (default ./build), GHZ_SKIP_BUILD=1 (use
# the binaries already built), GHZ_KEEP_STATE=1 (keep the temp folder).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${STREAMTUNE_BUILD_DIR:-$ROOT/build}"

CONCURRENCY=8
DURATION=30s
JOBS=1000
OPERATORS=20
WARM_STEPS=3
POLICIES=ds2,streamtune
STREAMTUNE_LOAD=yes
CACHE_MODELS=100
TENANT=ghz
HISTORY_JOBS=24
PRETRAIN_STEPS=300
for arg in "$@"; do
  case "$arg" in
    --concurrency=*) CONCURRENCY="${arg#*=}" ;;
    --duration=*) DURATION="${arg#*=}" ;;
    --jobs=*) JOBS="${arg#*=}" ;;
    --policies=*) POLICIES="${arg#*=}" ;;
    --no-streamtune-load) STREAMTUNE_LOAD=no ;;
    --model_cache_models=*) CACHE_MODELS="${arg#*=}" ;;
    -h | --help) sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ghz.sh: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$CONCURRENCY" =~ ^[1-9][0-9]*$ ]] || { echo "ghz.sh: --concurrency: a positive integer" >&2; exit 2; }
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "ghz.sh: --jobs: a positive integer" >&2; exit 2; }
[[ "$DURATION" =~ ^[1-9][0-9]*s$ ]] || { echo "ghz.sh: --duration: seconds, e.g. 30s" >&2; exit 2; }
IFS=, read -r -a POLICY_LIST <<<"$POLICIES"

log() { echo "ghz.sh: $*" >&2; }

bash "$ROOT/deploy/install-deps.sh" >&2
GHZ="$(bash "$ROOT/deploy/install-ghz.sh")"
if [[ "${GHZ_SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" --target streamtuned streamtunectl streamtune-history \
    streamtune-load >&2
fi
SERVER_BIN="$BUILD/server/service/streamtuned"
CTL="$BUILD/client/streamtunectl"
HISTORY="$BUILD/client/history/streamtune-history"
LOAD="$BUILD/bench/load/streamtune-load"
for bin in "$SERVER_BIN" "$CTL" "$HISTORY" "$LOAD"; do
  [[ -x "$bin" ]] || { log "missing $bin (build it, or unset GHZ_SKIP_BUILD)"; exit 1; }
done

STATE="$(mktemp -d /tmp/streamtune-ghz-XXXXXX)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  bash "$ROOT/deploy/pg/stop.sh" "$STATE/postgres" >/dev/null 2>&1 || true
  if [[ "${GHZ_KEEP_STATE:-0}" == 1 ]]; then log "kept $STATE"; else rm -rf "$STATE"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- PostgreSQL and one streamtuned -----------------------------------------
log "$(nproc) cores; PostgreSQL, streamtuned and ghz all share them"
DB_URL="$(bash "$ROOT/deploy/pg/start.sh" "$STATE/postgres")"
"$SERVER_BIN" --insecure_local_only --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 \
  --port_file="$STATE/ports.json" --database_url="$DB_URL" \
  --shared_model_tenant="$TENANT" --model_cache_models="$CACHE_MODELS" \
  2>"$STATE/streamtuned.log" &
SERVER_PID=$!
for _ in $(seq 300); do
  [[ -s "$STATE/ports.json" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$STATE/streamtuned.log" >&2; exit 1; }
  sleep 0.2
done
GRPC_PORT="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["grpc_port"])' "$STATE/ports.json")"
METRICS_PORT="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics_port"])' "$STATE/ports.json")"
TARGET="127.0.0.1:$GRPC_PORT"
"$CTL" --server="$TARGET" --tenant="$TENANT" health --wait=60s >/dev/null
log "streamtuned (pid $SERVER_PID) on $TARGET, metrics on :$METRICS_PORT"

# PIDs of the PostgreSQL instance: the postmaster and its children.
# (lib.sh knows where the server's files are; it sets ROOT, so a child shell.)
# shellcheck disable=SC2016
PG_MASTER="$(bash -c 'source "$1/deploy/pg/lib.sh" && pg_paths "$2" &&
  head -1 "$DATA/postmaster.pid"' _ "$ROOT" "$STATE/postgres")"
pg_pids() { { echo "$PG_MASTER"; ps -o pid= --ppid "$PG_MASTER"; } | tr -s ' \n' ' '; }
# CPU seconds (user + system) a list of processes used so far.
cpu_seconds() {
  local total=0 pid ticks
  for pid in "$@"; do
    ticks="$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)"
    total=$((total + ticks))
  done
  awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}'
}
# Busy CPU seconds of the whole machine so far (all cores).
machine_busy_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '/^cpu / {printf "%.2f", ($2+$3+$4+$7+$8) / hz}' /proc/stat
}

# --- Pre-training ------------------------------------------------------------
log "pre-training: history of $HISTORY_JOBS simulated jobs, then $PRETRAIN_STEPS steps"
SECONDS=0
"$HISTORY" generate --server="$TARGET" --tenant="$TENANT" --jobs="$HISTORY_JOBS" \
  --label_counts=false >"$STATE/history.out" 2>"$STATE/history.log" ||
  { tail -20 "$STATE/history.log" >&2; exit 1; }
# Through streamtunectl (not raw gRPC): it follows Pretrain if it becomes a
# long-running operation.
"$CTL" --server="$TARGET" --tenant="$TENANT" --timeout=20m pretrain \
  --max_training_steps="$PRETRAIN_STEPS" >"$STATE/pretrain.json"
log "pre-trained in ${SECONDS}s"

# --- ghz -----------------------------------------------------------------------
GHZ_COMMON=(--insecure --proto="$ROOT/proto/streamtune/v1/service.proto"
  --import-paths="$ROOT/proto,/usr/include"
  --metadata="{\"x-streamtune-tenant\":\"$TENANT\"}"
  --concurrency="$CONCURRENCY" --connections=1 --timeout=60s)
# ghz_run NAME METHOD POLICY PREFIX FIRST_STEP [ghz flags]: one ghz run of
# streamtune.v1.StreamTune/METHOD, its JSON report in $STATE/NAME.json, the CPU
# each process used in $STATE/NAME.cpu and a `top` taken mid-run in NAME.top.
ghz_run() {
  local name=$1 method=$2 policy=$3 prefix=$4 first=$5
  shift 5
  python3 "$ROOT/bench/load/ghz_data.py" --jobs="$JOBS" --operators="$OPERATORS" \
    --policy="$policy" --id-prefix="$prefix" --first-step="$first" >"$STATE/$name.data.json"
  local pg_list server0 pg0 machine0 start ghz_pid ghz_cpu
  read -r -a pg_list <<<"$(pg_pids)"
  server0="$(cpu_seconds "$SERVER_PID")"
  pg0="$(cpu_seconds "${pg_list[@]}")"
  machine0="$(machine_busy_seconds)"
  start="$(date +%s.%N)"
  "$GHZ" "${GHZ_COMMON[@]}" --call="streamtune.v1.StreamTune/$method" --data-file="$STATE/$name.data.json" "$@" \
    --format=json --output="$STATE/$name.json" "$TARGET" &
  ghz_pid=$!
  # Sample ghz's CPU while it runs (its /proc entry is gone after wait).
  local ticks=0
  ghz_cpu=0
  while kill -0 "$ghz_pid" 2>/dev/null; do
    ghz_cpu="$(cpu_seconds "$ghz_pid")"
    ticks=$((ticks + 1))
    if ((ticks == 20)); then top -b -n1 -w 200 | sed -n '1,14p' >"$STATE/$name.top" || true; fi
    sleep 0.5
  done
  wait "$ghz_pid" || { log "ghz failed ($name)"; exit 1; }
  read -r -a pg_list <<<"$(pg_pids)"
  python3 - "$start" "$(date +%s.%N)" "$server0" "$(cpu_seconds "$SERVER_PID")" \
    "$pg0" "$(cpu_seconds "${pg_list[@]}")" "$ghz_cpu" "$machine0" \
    "$(machine_busy_seconds)" >"$STATE/$name.cpu" <<'PY'
import sys
t0, t1, s0, s1, p0, p1, g, m0, m1 = map(float, sys.argv[1:])
wall = t1 - t0
server, pg, ghz, machine = (s1 - s0) / wall, (p1 - p0) / wall, g / wall, (m1 - m0) / wall
print(f"{server:.2f} {pg:.2f} {ghz:.2f} {max(0.0, machine - server - pg - ghz):.2f} {machine:.2f}")
PY
}
# ok_calls FILE: successful calls in a ghz JSON report.
ok_calls() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["statusCodeDistribution"].get("OK", 0))' "$1"
}

# all_ok NAME CALLS: fails unless all CALLS calls of ghz run NAME succeeded.
all_ok() {
  local ok
  ok="$(ok_calls "$STATE/$1.json")"
  if ((ok != $2)); then
    log "$1: only $ok of $2 calls succeeded:"
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["errorDistribution"])' \
      "$STATE/$1.json" >&2
    exit 1
  fi
}

# Warm-up: the first WARM_STEPS-1 snapshots of each job stored with
# ReportSnapshot (history, labels), the last one a streamtune Recommend, which
# fine-tunes the job's model (it needs 2 labelled snapshots).
log "warm-up: $JOBS jobs of $OPERATORS operators, $((WARM_STEPS - 1)) ReportSnapshot then" \
  "1 Recommend (streamtune) each"
SECONDS=0
ghz_run warm-report ReportSnapshot "" wr 0 --total=$((JOBS * (WARM_STEPS - 1)))
all_ok warm-report $((JOBS * (WARM_STEPS - 1)))
ghz_run warm-recommend Recommend streamtune wf $((WARM_STEPS - 1)) --total="$JOBS"
all_ok warm-recommend "$JOBS"
log "warmed up in ${SECONDS}s"

next_step=$WARM_STEPS
for policy in "${POLICY_LIST[@]}"; do
  log "ghz: policy $policy, concurrency $CONCURRENCY, $DURATION"
  ghz_run "run-$policy" Recommend "$policy" "${policy//[^A-Za-z0-9]/}-" "$next_step" \
    --duration="$DURATION" --duration-stop=ignore
  calls="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["count"])' "$STATE/run-$policy.json")"
  # The next run's first snapshot of every job comes after this run's last.
  next_step=$((next_step + calls / JOBS + 2))
done

# --- The server after serving the jobs ----------------------------------------
RSS="$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status")"
HWM="$(awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status")"
curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" >"$STATE/metrics.txt" || : >"$STATE/metrics.txt"
cache_lookups() {
  awk -v r="$1" '$1 ~ "^streamtune_model_cache_lookups_total\\{.*result=\""r"\"" {printf "%.0f", $2}' \
    "$STATE/metrics.txt"
}
HITS="$(cache_lookups hit)"
MISSES="$(cache_lookups miss)"
CACHED="$(awk '$1 == "streamtune_model_cache_models" {printf "%.0f", $2}' "$STATE/metrics.txt")"

# How the stored answers were made, sampled over 20 jobs: a StreamTune answer
# with fallback=true came from DS2 (e.g. no model matched the DAG).
for j in $(seq 0 19); do
  "$CTL" --server="$TARGET" --tenant="$TENANT" recommendations \
    "$(printf 'ghz-job-%04d' "$j")" --all >"$STATE/sample-$j.json" 2>/dev/null || true
done
ANSWERS="$(python3 - "$STATE" <<'PY'
import collections, glob, json, sys
tally = collections.Counter()
for path in glob.glob(f"{sys.argv[1]}/sample-*.json"):
    try:
        recs = json.load(open(path)).get("recommendations", [])
    except ValueError:
        continue
    for r in recs:
        fallback = r.get("fallback", False)
        tally[f"{r.get('policy', '?')}{' (fallback)' if fallback else ''}"] += 1
print(", ".join(f"{n} {k}" for k, n in sorted(tally.items())) or "none read")
PY
)"

# Check what ghz's templates made of one job: distinct ids, one minute apart.
"$CTL" --server="$TARGET" --tenant="$TENANT" history ghz-job-0000 \
  >"$STATE/history-job0.json"
python3 - "$STATE/history-job0.json" <<'PY' >&2
import datetime, json, sys
snaps = [s["snapshot"] for s in json.load(open(sys.argv[1])).get("snapshots", [])]
ids = [s.get("snapshot_id", s.get("snapshotId")) for s in snaps]
times = [s.get("observed_at", s.get("observedAt")) for s in snaps]
parsed = [datetime.datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times]
ok = len(set(ids)) == len(ids) and all(b > a for a, b in zip(parsed, parsed[1:]))
print(f"ghz.sh: job ghz-job-0000 has {len(snaps)} snapshots, {ids[0]} at {times[0]} "
      f"... {ids[-1]} at {times[-1]}: {'ok' if ok else 'NOT distinct and increasing'}")
if not ok:
    sys.exit(1)
PY

# --- The project's own load tool on the same server -----------------------------
if [[ "$STREAMTUNE_LOAD" == yes ]]; then
  python3 "$ROOT/bench/load/ghz_data.py" --operators="$OPERATORS" --plain-job=0 \
    >"$STATE/load-base.json"
  for policy in "${POLICY_LIST[@]}"; do
    log "streamtune-load --target: policy $policy, concurrency $CONCURRENCY, $DURATION"
    "$LOAD" --target="$TARGET" --snapshot="$STATE/load-base.json" --policy="$policy" \
      --concurrency="$CONCURRENCY" --duration="$DURATION" --warmup=2s \
      >"$STATE/load-$policy.md" 2>"$STATE/load-$policy.log" ||
      { tail -5 "$STATE/load-$policy.log" >&2; exit 1; }
  done
fi

# --- Report ---------------------------------------------------------------------
python3 - "$STATE" "$CONCURRENCY" "$DURATION" "$JOBS" "$OPERATORS" "$STREAMTUNE_LOAD" \
  "$RSS" "$HWM" "$HITS" "$MISSES" "${CACHED:-?}" "$(nproc)" "$ANSWERS" "${POLICY_LIST[@]}" >"$STATE/ghz-results.md" <<'PY'
import json, re, sys
def num(x):
    return f"{x:.0f}" if x >= 10 else f"{x:.2f}"
(state, conc, duration, jobs, ops, with_load, rss, hwm, hits, misses, cached, cores,
 answers, *policies) = sys.argv[1:]
cores = int(cores)
out = []
out.append(f"| tool | policy | concurrency | calls/s | calls/s per core ({cores} cores) "
           "| p50 ms | p99 ms | errors |")
out.append("|---|---|---:|---:|---:|---:|---:|---:|")
cpu_rows = []
for p in policies:
    r = json.load(open(f"{state}/run-{p}.json"))
    ok = r["statusCodeDistribution"].get("OK", 0)
    errors = r["count"] - ok
    seconds = r["total"] / 1e9
    lat = {d["percentage"]: d["latency"] / 1e6 for d in r.get("latencyDistribution") or []}
    rate = ok / seconds
    out.append(f"| ghz | {p} | {conc} | {num(rate)} | {num(rate / cores)} | "
               f"{lat.get(50, 0):.1f} | {lat.get(99, 0):.1f} | {errors} |")
    cpu_rows.append((p, open(f"{state}/run-{p}.cpu").read().split()))
if with_load == "yes":
    for p in policies:
        table = open(f"{state}/load-{p}.md").read().splitlines()
        cells = [c.strip() for c in table[2].strip("|").split("|")]
        rate = float(cells[2])
        out.append(f"| streamtune-load | {p} | {conc} | {num(rate)} | {num(rate / cores)} | "
                   f"{float(cells[4]):.1f} | {float(cells[5]):.1f} | {cells[6]} |")
out.append("")
out.append(f"{jobs} warm jobs of {ops} operators, {duration} per run, one streamtuned, "
           f"PostgreSQL and the load tool on the same {cores} cores.")
out.append("")
out.append("CPU used during each ghz run (cores; 'other' = the rest of the machine):")
out.append("")
out.append("| policy | streamtuned | PostgreSQL | ghz | other | machine busy |")
out.append("|---|---:|---:|---:|---:|---:|")
for p, (server, pg, ghz, other, machine) in cpu_rows:
    out.append(f"| {p} | {server} | {pg} | {ghz} | {other} | {machine} of {cores} |")
out.append("")
out.append(f"streamtuned after serving the {jobs} jobs: VmRSS {rss} MiB, VmHWM {hwm} MiB; "
           f"{cached} models cached; model cache lookups: {hits or '?'} hits, "
           f"{misses or '?'} misses.")
out.append("")
out.append(f"Stored answers of 20 sampled jobs (warm-up and runs), by the policy that made "
           f"them: {answers}.")
print("\n".join(out))
PY
cat "$STATE/ghz-results.md"
