#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ with clang, ASan and UBSan in a
# build directory of their own, and runs each for a bounded time or number of
# executions, printing executions and crashes per harness (docs/fuzzing.md).
#
#   fuzz/run.sh                      every harness, 60 s each
#   fuzz/run.sh --short              every harness, 20 s each (the ctest entry fuzz.smoke)
#   fuzz/run.sh --seconds 600 workload flink_rest
#   fuzz/run.sh --runs 2000000 request_validation
#
# Options: --seconds N (per harness), --runs N (per harness; stops at
# whichever of the two comes first), --build-dir DIR (default build-fuzz),
# --work-dir DIR (grown corpora, crash inputs and logs; default DIR/runs).
# Each harness starts from its seeds in fuzz/corpus/<harness>/ (read only)
# plus what earlier runs added to the work directory, with the dictionary
# fuzz/dict/<harness>.dict when there is one. Exit status: 0 when no
# harness crashed, 1 when any did (the input is saved; the message says
# where), 2 on a usage or build error.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALL_HARNESSES=(request_validation workload flink_rest snapshot_json flink_operator_kinds
  flink_source_backlog)

seconds=60
runs=""
build_dir="$ROOT/build-fuzz"
work_dir=""
harnesses=()
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --short) seconds=20 ;;
    --seconds) seconds="${2:?}"; shift ;;
    --runs) runs="${2:?}"; shift ;;
    --build-dir) build_dir="${2:?}"; shift ;;
    --work-dir) work_dir="${2:?}"; shift ;;
    -h | --help) usage ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) harnesses+=("$1") ;;
  esac
  shift
done
((${#harnesses[@]})) || harnesses=("${ALL_HARNESSES[@]}")
for h in "${harnesses[@]}"; do
  [[ " ${ALL_HARNESSES[*]} " == *" $h "* ]] || {
    echo "run.sh: unknown harness $h (have: ${ALL_HARNESSES[*]})" >&2
    exit 2
  }
done
work_dir="${work_dir:-$build_dir/runs}"

if ! command -v clang++ >/dev/null; then
  echo "run.sh: clang++ not found; deploy/install-deps.sh installs it" >&2
  exit 2
fi
echo "fuzz: configuring $build_dir" >&2
cmake -S "$ROOT" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DSTREAMTUNE_FUZZ=ON -DSTREAMTUNE_WERROR=ON >/dev/null ||
  exit 2
build_start=$SECONDS
cmake --build "$build_dir" -j "$(nproc)" --target "${harnesses[@]/#/fuzz_}" || exit 2
echo "fuzz: built in $((SECONDS - build_start)) s" >&2

limits=(-max_total_time="$seconds")
[[ -n "$runs" ]] && limits+=(-runs="$runs")
summary=()
crashed=0
for h in "${harnesses[@]}"; do
  corpus="$work_dir/corpus/$h"
  artifacts="$work_dir/artifacts/$h"
  log="$work_dir/$h.log"
  mkdir -p "$corpus" "$artifacts"
  before=$(find "$artifacts" -type f | wc -l)
  start=$SECONDS
  echo "fuzz: running $h (log: $log)" >&2
  dict=()
  [[ -f "$ROOT/fuzz/dict/$h.dict" ]] && dict=(-dict="$ROOT/fuzz/dict/$h.dict")
  status=0
  # -timeout: an input that takes seconds is a hang worth reporting.
  "$build_dir/fuzz/fuzz_$h" "${limits[@]}" "${dict[@]}" -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$corpus" "$ROOT/fuzz/corpus/$h" >"$log" 2>&1 || status=$?
  elapsed=$((SECONDS - start))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(($(find "$artifacts" -type f | wc -l) - before))
  if ((status != 0 && crashes == 0)); then crashes=1; fi  # Died without an artifact.
  line="$h: ${executions:-?} executions in $elapsed s, $crashes crashes"
  line+=", corpus $(find "$corpus" -type f | wc -l) files"
  summary+=("$line")
  if ((crashes > 0)); then
    crashed=1
    echo "fuzz: $h CRASHED (exit $status); last lines of $log:" >&2
    grep -E 'ERROR|property violated|runtime error|SUMMARY|Test unit written' "$log" |
      tail -8 >&2 || tail -20 "$log" >&2
  fi
done

printf 'fuzz: %s\n' "${summary[@]}"
exit "$crashed"
