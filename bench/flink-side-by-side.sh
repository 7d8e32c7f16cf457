#!/usr/bin/env bash
# Side by side on a real Flink (not part of CI): the harness's synthetic job
# with the same rate steps, tuned once by streamtune-flink-agent (through
# streamtuned, default policy) and once by the Flink autoscaler (the
# flink-autoscaler library run standalone, bench/flink-autoscaler/), each on a
# fresh MiniCluster with the adaptive scheduler and in-place rescaling.
# Prints a Markdown table (reconfigurations, final and mean total
# parallelism, worst source backlog) and writes OUT_DIR/<tuner>.jsonl.
#
#   bench/flink-side-by-side.sh [BUILD_DIR] [OUT_DIR]
#
# Environment: RATES (rate steps, "second:records/s,..."), DURATION (seconds
# per run), TIME_SCALE (the autoscaler's windows are its defaults divided by
# this, as streamtuned's --flink_autoscaler_time_scale; default 12),
# INTERVAL (decision interval of both tuners). Needs the build's
# streamtuned and streamtune-flink-agent, Java 17, Maven and python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"
OUT="${2:-$ROOT/.local/flink-side-by-side}"
RATES="${RATES:-0:600,120:1600,240:2400,360:1000}"
DURATION="${DURATION:-480}"
TIME_SCALE="${TIME_SCALE:-12}"
INTERVAL="${INTERVAL:-10}"
JOB_FLAGS=(--job=synthetic "--rate=$RATES" --cost-us=aggregate:1200,parse:100
           --parallelism=1 --slots=8 --checkpoint-ms=1000)
mkdir -p "$OUT"

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$ROOT/deploy/pg/stop.sh" "$OUT/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "side-by-side: building the harness and the standalone autoscaler" >&2
# Flink 1.20: the only flink-autoscaler served (1.10.0) is for 1.x (docs/engines.md).
"$ROOT/tests/flink/build-harness.sh" "$OUT/harness" 1.20 >&2
mvn -B -q --no-transfer-progress -f "$ROOT/bench/flink-autoscaler/pom.xml" package \
  -Dharness.output="$OUT/autoscaler"

"$ROOT/deploy/pg/start.sh" "$OUT/pg" >&2
rm -f "$OUT/streamtuned.json"
"$BUILD/server/service/streamtuned" --database_url="$("$ROOT/deploy/pg/url.sh" "$OUT/pg")" \
  --insecure_local_only --listen=127.0.0.1:0 --metrics_listen= --port_file="$OUT/streamtuned.json" \
  2>"$OUT/streamtuned.log" &
PIDS+=($!)
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
wait_file() { for _ in $(seq 600); do [[ -s "$1" ]] && return 0; sleep 0.2; done; return 1; }
wait_file "$OUT/streamtuned.json"
SERVER="127.0.0.1:$(json "$OUT/streamtuned.json" grpc_port)"

# Polls the job every 2 s for DURATION seconds: one JSON line per poll.
monitor() {
  python3 - "$1" "$2" "$DURATION" <<'PY'
import json, sys, time, urllib.request
rest, job, duration = sys.argv[1], sys.argv[2], float(sys.argv[3])
def get(path):
    with urllib.request.urlopen(rest + path, timeout=5) as r:
        return json.load(r)
start = time.time()
while time.time() - start < duration:
    try:
        d = get(f"/jobs/{job}")
        row = {"t": round(time.time() - start, 1), "state": d["state"],
               "running_since": d["timestamps"]["RUNNING"],
               "p": {v["name"]: v["parallelism"] for v in d["vertices"]}}
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

run() {  # run TUNER
  local tuner="$1"
  rm -f "$OUT/$tuner-harness.json"
  "$ROOT/tests/flink/run-harness.sh" "$OUT/harness" --port-file="$OUT/$tuner-harness.json" \
    "${JOB_FLAGS[@]}" 2>"$OUT/$tuner-harness.log" &
  local harness=$!
  PIDS+=($harness)
  wait_file "$OUT/$tuner-harness.json"
  local rest="http://127.0.0.1:$(json "$OUT/$tuner-harness.json" rest_port)"
  local job; job="$(json "$OUT/$tuner-harness.json" job_id)"
  if [[ "$tuner" == streamtune ]]; then
    "$BUILD/client/flink/streamtune-flink-agent" --server="$SERVER" --tenant=side-by-side \
      --flink_rest="$rest" --job="$job" --decision_interval="${INTERVAL}s" --warmup=20s \
      --max_parallelism=8 --metrics_listen= 2>"$OUT/$tuner-tuner.log" &
  else
    java -cp "$OUT/autoscaler/streamtune-flink-autoscaler-standalone.jar:$OUT/autoscaler/lib/*" \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
      org.streamtune.bench.AutoscalerStandalone --rest="$rest" --time-scale="$TIME_SCALE" \
      --interval="${INTERVAL}s" --max-parallelism=8 2>"$OUT/$tuner-tuner.log" &
  fi
  local tuner_pid=$!
  PIDS+=($tuner_pid)
  echo "side-by-side: $tuner on job $job for ${DURATION}s (rates $RATES)" >&2
  monitor "$rest" "$job" >"$OUT/$tuner.jsonl"
  kill "$tuner_pid" "$harness" 2>/dev/null || true
  wait "$tuner_pid" "$harness" 2>/dev/null || true
}

run streamtune
run flink-autoscaler

python3 - "$OUT" "$TIME_SCALE" <<'PY'
import json, sys
out, scale = sys.argv[1], sys.argv[2]
print(f"| tuner | reconfigurations | final total parallelism | mean total parallelism | max source backlog (records) |")
print("|---|---:|---:|---:|---:|")
for tuner in ("streamtune", "flink-autoscaler"):
    rows = [json.loads(l) for l in open(f"{out}/{tuner}.jsonl")]
    rows = [r for r in rows if "p" in r]
    configs, last = 0, None
    for r in rows:
        p = tuple(sorted(r["p"].items()))
        if last is not None and p != last:
            configs += 1
        last = p
    totals = [sum(r["p"].values()) for r in rows]
    backlog = max((r.get("pending", 0) for r in rows), default=0)
    name = "streamtune-flink-agent" if tuner == "streamtune" else f"Flink autoscaler (windows / {scale})"
    print(f"| {name} | {configs} | {totals[-1]} | {sum(totals)/len(totals):.2f} | {backlog:.0f} |")
PY
