#!/usr/bin/env bash
# Side by side on a real Flink (not part of CI): the harness's synthetic job
# (source -> parse -> aggregate -> sink) under two rate profiles, tuned by
# streamtune-flink-agent asking policy `streamtune` (learned models), by the
# same agent asking `ds2`, and by the Flink autoscaler (the flink-autoscaler
# library run standalone, bench/flink-autoscaler/); every run on a fresh
# MiniCluster with the adaptive scheduler and in-place rescaling.
#
#   bench/flink-side-by-side.sh [BUILD_DIR] [OUT_DIR]
#
# Models: streamtuned runs on the private PostgreSQL CORPUS_STATE (default
# .local/bench/postgres, the state streamtune-bench and the demo use) with
# --shared_model_tenant=corpus, so the agent's tenant is answered by tenant
# `corpus`'s pre-trained models. If `corpus` holds no models yet, the default
# simulated history is generated (streamtune-history) and pre-trained
# (streamtunectl pretrain, ~6 min on 2 cores); later runs reuse it.
#
# Profiles (PROFILES, default "step trace"): `step` is RATES (default 600 ->
# 1600 -> 2400 -> 1000 records/s every 120 s); `trace` is the first day of
# TRACE (default bench/traces/wiki_de_1h.csv: 24 hourly points, each held
# TRACE_POINT_S = 20 s) scaled linearly so its minimum is 600 and its
# maximum 2400 records/s, the step profile's range. Each (tuner, profile) runs
# REPEATS times (default 3); the table shows the median over the repeats.
# PARALLEL=1 runs the three tuners of one (profile, repeat) at the same time,
# each on its own MiniCluster (the harness's costs are wall-time sleeps, so
# they compete little for the cores; default 0: one after the other).
#
# Other environment: DURATION (seconds per run, 480), TIME_SCALE (the
# autoscaler's windows are its defaults divided by this, as streamtuned's
# --flink_autoscaler_time_scale; 12), INTERVAL (decision interval of all
# tuners, 10), TUNERS (default "streamtune ds2 flink-autoscaler"), REPEAT_FROM
# (first repeat to run, 1: a later call adds repeats to OUT_DIR).
# Writes OUT_DIR/<profile>-<repeat>-<tuner>.jsonl (one poll of Flink every
# 2 s: parallelism, source backlog, per-vertex busy and backpressured time),
# OUT_DIR/<profile>-<repeat>-<tuner>-recommendations.json (the agent's
# answers as streamtuned stored them) and prints the report of
# bench/flink_side_by_side_report.py (Markdown). Needs the build's streamtuned,
# streamtunectl, streamtune-history and streamtune-flink-agent, Java 17, Maven
# and python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"
OUT="${2:-$ROOT/.local/flink-side-by-side}"
mkdir -p "$OUT" && OUT="$(cd "$OUT" && pwd)"  # Maven runs elsewhere: absolute.
RATES="${RATES:-0:600,120:1600,240:2400,360:1000}"
TRACE="${TRACE:-$ROOT/bench/traces/wiki_de_1h.csv}"
TRACE_POINT_S="${TRACE_POINT_S:-20}"
PROFILES="${PROFILES:-step trace}"
REPEATS="${REPEATS:-3}"
REPEAT_FROM="${REPEAT_FROM:-1}"
PARALLEL="${PARALLEL:-0}"
TUNERS="${TUNERS:-streamtune ds2 flink-autoscaler}"
DURATION="${DURATION:-480}"
TIME_SCALE="${TIME_SCALE:-12}"
INTERVAL="${INTERVAL:-10}"
CORPUS_STATE="${CORPUS_STATE:-$ROOT/.local/bench/postgres}"
TENANT=side-by-side
CTL="$BUILD/client/streamtunectl"
mkdir -p "$OUT"

PIDS=()
PG_STARTED=0
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if ((PG_STARTED)); then "$ROOT/deploy/pg/stop.sh" "$CORPUS_STATE" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# The trace profile: "second:rate,..." from the first 24 points of TRACE.
trace_rates() {
  python3 - "$TRACE" "$TRACE_POINT_S" <<'PY'
import csv, sys
values = [float(r["messages"]) for r in csv.DictReader(open(sys.argv[1]))][:24]
lo, hi, step = min(values), max(values), int(sys.argv[2])
print(",".join(f"{i * step}:{round(600 + (v - lo) / (hi - lo) * 1800)}" for i, v in enumerate(values)))
PY
}
profile_rates() {
  case "$1" in
    step) echo "$RATES" ;;
    trace) trace_rates ;;
    *) echo "side-by-side: unknown profile $1" >&2; exit 2 ;;
  esac
}

echo "side-by-side: building the harness and the standalone autoscaler" >&2
# Flink 1.20: the only flink-autoscaler served (1.10.0) is for 1.x (docs/engines.md).
"$ROOT/tests/flink/build-harness.sh" "$OUT/harness" 1.20 >&2
mvn -B -q --no-transfer-progress -f "$ROOT/bench/flink-autoscaler/pom.xml" package \
  -Dharness.output="$OUT/autoscaler"

# A PostgreSQL already serving CORPUS_STATE (e.g. a benchmark's) is reused
# and left running.
if ! [[ -s "$CORPUS_STATE/port" ]] ||
   ! (exec 3<>"/dev/tcp/127.0.0.1/$(cat "$CORPUS_STATE/port")") 2>/dev/null; then
  PG_STARTED=1
fi
DATABASE_URL="$("$ROOT/deploy/pg/start.sh" "$CORPUS_STATE")"
rm -f "$OUT/streamtuned.json"
"$BUILD/server/service/streamtuned" --database_url="$DATABASE_URL" --shared_model_tenant=corpus \
  --insecure_local_only --listen=127.0.0.1:0 --metrics_listen= --port_file="$OUT/streamtuned.json" \
  2>"$OUT/streamtuned.log" &
PIDS+=($!)
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
wait_file() { for _ in $(seq 600); do [[ -s "$1" ]] && return 0; sleep 0.2; done; return 1; }
wait_file "$OUT/streamtuned.json"
SERVER="127.0.0.1:$(json "$OUT/streamtuned.json" grpc_port)"
until [[ "$("$CTL" --server="$SERVER" health 2>/dev/null || true)" == *SERVING* ]]; do sleep 0.2; done

echo "side-by-side: models from tenant corpus in $CORPUS_STATE" >&2
"$ROOT/bench/ensure-corpus.sh" "$BUILD" "$SERVER" side-by-side

# Polls the job every 2 s for DURATION seconds: one JSON line per poll.
monitor() {
  python3 - "$1" "$2" "$DURATION" <<'PY'
import json, sys, time, urllib.request
rest, job, duration = sys.argv[1], sys.argv[2], float(sys.argv[3])
def get(path):
    with urllib.request.urlopen(rest + path, timeout=5) as r:
        return json.load(r)
start = time.time()
print(json.dumps({"start": start}), flush=True)
while time.time() - start < duration:
    try:
        d = get(f"/jobs/{job}")
        row = {"t": round(time.time() - start, 1), "state": d["state"],
               "p": {v["name"]: v["parallelism"] for v in d["vertices"]},
               "ids": {v["id"]: v["name"] for v in d["vertices"]}, "busy": {}, "bp": {}}
        for v in d["vertices"]:
            m = get(f"/jobs/{job}/vertices/{v['id']}/subtasks/metrics"
                    "?get=busyTimeMsPerSecond,backPressuredTimeMsPerSecond&agg=avg")
            vals = {x["id"]: x.get("avg") for x in m}
            row["busy"][v["name"]] = vals.get("busyTimeMsPerSecond")
            row["bp"][v["name"]] = vals.get("backPressuredTimeMsPerSecond")
        src = d["vertices"][0]["id"]
        names = [m["id"] for m in get(f"/jobs/{job}/vertices/{src}/subtasks/metrics")]
        pending = [n for n in names if n.endswith(".pendingRecords")]
        if pending:
            row["pending"] = get(f"/jobs/{job}/vertices/{src}/subtasks/metrics?get={pending[0]}&agg=sum")[0]["sum"]
        print(json.dumps(row), flush=True)
    except Exception as e:  # A restarting job may not answer; keep polling.
        print(json.dumps({"t": round(time.time() - start, 1), "error": str(e)}), flush=True)
    time.sleep(2)
PY
}

run() {  # run TUNER PROFILE REPEAT
  local tuner="$1" profile="$2" repeat="$3"
  local name="$profile-$repeat-$tuner" rates
  rates="$(profile_rates "$profile")"
  rm -f "$OUT/$name-harness.json"
  "$ROOT/tests/flink/run-harness.sh" "$OUT/harness" --tmp-dir="$OUT/tmp/$name" \
    --port-file="$OUT/$name-harness.json" \
    --job=synthetic "--rate=$rates" --cost-us=aggregate:1200,parse:100 \
    --parallelism=1 --slots=8 --checkpoint-ms=1000 2>"$OUT/$name-harness.log" &
  local harness=$!
  PIDS+=($harness)
  wait_file "$OUT/$name-harness.json"
  local rest="http://127.0.0.1:$(json "$OUT/$name-harness.json" rest_port)"
  local job; job="$(json "$OUT/$name-harness.json" job_id)"
  if [[ "$tuner" == flink-autoscaler ]]; then
    java -cp "$OUT/autoscaler/streamtune-flink-autoscaler-standalone.jar:$OUT/autoscaler/lib/*" \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
      org.streamtune.bench.AutoscalerStandalone --rest="$rest" --time-scale="$TIME_SCALE" \
      --interval="${INTERVAL}s" --max-parallelism=8 2>"$OUT/$name-tuner.log" &
  else
    "$BUILD/client/flink/streamtune-flink-agent" --server="$SERVER" --tenant="$TENANT" \
      --policy="$tuner" --flink_rest="$rest" --job="$job" --decision_interval="${INTERVAL}s" \
      --warmup=20s --max_parallelism=8 --metrics_listen= 2>"$OUT/$name-tuner.log" &
  fi
  local tuner_pid=$!
  PIDS+=($tuner_pid)
  echo "side-by-side: $name on job $job for ${DURATION}s (rates $rates)" >&2
  monitor "$rest" "$job" >"$OUT/$name.jsonl"
  kill "$tuner_pid" "$harness" 2>/dev/null || true
  wait "$tuner_pid" "$harness" 2>/dev/null || true
  rm -rf "$OUT/tmp/$name"  # The MiniCluster's working folders.
  if [[ "$tuner" != flink-autoscaler ]]; then
    "$CTL" --server="$SERVER" --tenant="$TENANT" --all recommendations "flink/$job" \
      >"$OUT/$name-recommendations.json"
  fi
}

for profile in $PROFILES; do
  for repeat in $(seq "$REPEAT_FROM" "$REPEATS"); do
    if [[ "$PARALLEL" == 1 ]]; then
      jobs_=()
      for tuner in $TUNERS; do run "$tuner" "$profile" "$repeat" & jobs_+=($!); done
      for pid in "${jobs_[@]}"; do wait "$pid"; done
    else
      for tuner in $TUNERS; do run "$tuner" "$profile" "$repeat"; done
    fi
  done
done

python3 "$ROOT/bench/flink_side_by_side_report.py" "$OUT" --profiles="$PROFILES" \
  --repeats="$REPEATS" --tuners="$TUNERS" --time-scale="$TIME_SCALE"
