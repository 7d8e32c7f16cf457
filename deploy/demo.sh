#!/usr/bin/env bash
# The README demo command: installs what is missing, builds, starts a private
# PostgreSQL (under .local/bench) and streamtuned, makes sure StreamTune has
# models (first run: generates the default 300-job history in tenant
# `corpus` and pre-trains on it, with progress; later runs reuse both), then
# tunes a simulated job end to end: by default the trace-driven workload
# bench/workloads/trace-wiki-pageviews.json, with StreamTune, DS2 and the
# Flink autoscaler algorithm, printing every decision and its reason. It ends
# on the comparison: per policy reconfigurations, parallelism vs the oracle
# and SLO attainment, and where the plot (rates, parallelism and lag against
# the SLO over time) is. Results, report and plot land in .local/demo/.
#
# Usage: deploy/demo.sh [WORKLOAD.json] [POLICY ...]
#   DEMO_WORKLOAD=FILE  the workload when no argument names one, e.g.
#                       DEMO_WORKLOAD=bench/workloads/linear-chain.json
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${STREAMTUNE_BUILD_DIR:-$ROOT/build}"
WORKLOAD="${1:-${DEMO_WORKLOAD:-$ROOT/bench/workloads/trace-wiki-pageviews.json}}"
shift || true
POLICIES=("$@")
if ((${#POLICIES[@]} == 0)); then POLICIES=(streamtune ds2 flink-autoscaler); fi
OUT="$ROOT/.local/demo"

say() { printf '\n== %s\n' "$*" >&2; }

if [[ ! -f "$WORKLOAD" ]]; then
  echo "demo: workload file $WORKLOAD not found (the benchmark suite's workloads" \
    "are in bench/workloads; pick one with DEMO_WORKLOAD=FILE or an argument)" >&2
  exit 2
fi

say "installing dependencies"
bash "$ROOT/deploy/install-deps.sh"

say "building in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target streamtuned streamtune-bench

say "tuning $(basename "$WORKLOAD") with: ${POLICIES[*]}"
POLICY_LIST="$(IFS=,; echo "${POLICIES[*]}")"
# Only this run's plot may be left in plots/: the last lines name it.
rm -rf "$OUT/plots"
"$BUILD/bench/streamtune-bench" run --policy="$POLICY_LIST" --out="$OUT" \
  --state_dir="$ROOT/.local/bench" --print_decisions "$WORKLOAD"

say "comparison (the whole report, with notes: $OUT/report.md)"
# Headings, the oracle line and the tables; the report's notes stay in the file.
awk '/^## /{print ""} /^(## |Oracle: |\|)/' "$OUT/report.md"
for plot in "$OUT"/plots/*.svg; do
  say "plot: $plot (rates, parallelism and lag against the SLO over time, per policy)"
done
