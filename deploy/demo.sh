#!/usr/bin/env bash
# The README demo command: installs what is missing, builds, starts a private
# PostgreSQL (under .local/bench) and streamtuned, makes sure StreamTune has
# models (first run: generates the default 300-job history in tenant
# `corpus` and pre-trains on it, with progress; later runs reuse both), then
# tunes a simulated job end to end: the `linear-chain` workload of the
# benchmark suite (bench/workloads), one simulated hour, with StreamTune and
# with DS2, printing every decision and its reason, then the table against
# DS2. Results, report and plot land in
# .local/demo/.
#
# Usage: deploy/demo.sh [WORKLOAD.json] [POLICY ...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${STREAMTUNE_BUILD_DIR:-$ROOT/build}"
WORKLOAD="${1:-$ROOT/bench/workloads/linear-chain.json}"
shift || true
POLICIES=("$@")
if ((${#POLICIES[@]} == 0)); then POLICIES=(streamtune ds2); fi
OUT="$ROOT/.local/demo"

say() { printf '\n== %s\n' "$*" >&2; }

if [[ ! -f "$WORKLOAD" ]]; then
  echo "demo: workload file $WORKLOAD not found (the benchmark suite's workloads are in bench/workloads)" >&2
  exit 2
fi

say "installing dependencies"
bash "$ROOT/deploy/install-deps.sh"

say "building in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target streamtuned streamtune-bench

say "tuning $(basename "$WORKLOAD") with: ${POLICIES[*]}"
POLICY_LIST="$(IFS=,; echo "${POLICIES[*]}")"
"$BUILD/bench/streamtune-bench" run --policy="$POLICY_LIST" --out="$OUT" \
  --state_dir="$ROOT/.local/bench" --print_decisions "$WORKLOAD"

say "result (also in $OUT/report.md, plot in $OUT/plots/)"
cat "$OUT/report.md"
