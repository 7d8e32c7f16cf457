#!/usr/bin/env bash
# Runs the streamtune-workloads binary: generate every family (both rate
# families, and from a user's trace file), validate the files it wrote, show
# the oracle, retrace a benchmark workload, and check that bad command lines
# and bad files fail readably.
# Usage: workloads_cli_test.sh PATH_TO_streamtune-workloads WORKLOADS_DIR
set -euo pipefail
cli="$1"
workloads="$2"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

"$cli" generate --family=all --count=2 --seed=5 --out="$dir/out" 2>"$dir/progress"
count=$(ls "$dir/out"/*.json | wc -l)
[[ "$count" == 26 ]] || { echo "expected 26 files, got $count"; exit 1; }
grep -q '^\[26/26\] wrote ' "$dir/progress" || { echo "no progress lines"; exit 1; }
"$cli" validate "$dir/out"/*.json 2>/dev/null

# Same seed, same files (a flag's value may also be the next argument).
"$cli" generate --family chain --count 2 --seed 5 --out "$dir/again" 2>/dev/null
cmp "$dir/out/chain-5.json" "$dir/again/chain-5.json"

# Errors: exit 2 with a message naming the flag; exit 1 for a bad file.
set +e
"$cli" generate --family=nope --count=1 --out="$dir/x" 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] || { echo "unknown family: exit $rc"; exit 1; }
grep -q -- '--family: unknown family "nope"' "$dir/err" || { cat "$dir/err"; exit 1; }
set +e
"$cli" generate --family=chain --count=0 --out="$dir/x" 2>/dev/null; rc=$?
set -e
[[ $rc == 2 ]] || { echo "--count=0: exit $rc"; exit 1; }
set +e
"$cli" generate --family=chain --count=many --out="$dir/x" 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] || { echo "--count=many: exit $rc"; exit 1; }
grep -q -- '--count: want an integer, got "many"' "$dir/err" || { cat "$dir/err"; exit 1; }
sed 's/"capacity": [0-9]*/"capacity": -1/' "$dir/out/chain-5.json" > "$dir/bad.json"
set +e
"$cli" validate "$dir/bad.json" 2>"$dir/err"; rc=$?
set -e
[[ $rc == 1 ]] || { echo "bad file: exit $rc"; exit 1; }
grep -q 'operators\[0\].capacity: must be > 0, got -1' "$dir/err" || { cat "$dir/err"; exit 1; }

# The trace family: one file per family, named -trace-, valid, deterministic.
"$cli" generate --family=all --rates=trace --seed=5 --out="$dir/trace" 2>/dev/null
count=$(ls "$dir/trace"/*-trace-5.json | wc -l)
[[ "$count" == 13 ]] || { echo "expected 13 trace files, got $count"; exit 1; }
"$cli" validate "$dir/trace"/*.json 2>/dev/null
"$cli" generate --family=chain --rates trace --seed 5 --out "$dir/trace2" 2>/dev/null
cmp "$dir/trace/chain-trace-5.json" "$dir/trace2/chain-trace-5.json"
"$cli" traces > "$dir/traces"
[[ $(wc -l < "$dir/traces") == 8 ]] || { cat "$dir/traces"; exit 1; }
grep -q '^wiki_de_1h  *504 points every 3600 s from 2019-07-01 00:00$' "$dir/traces" ||
  { cat "$dir/traces"; exit 1; }

# A user's trace file: six points, so six simulated minutes.
printf 'date,messages\n2024-01-01 00:00:00,10\n2024-01-01 01:00:00,40\n' > "$dir/mine.csv"
printf '2024-01-01 02:00:00,20\n2024-01-01 03:00:00,30\n' >> "$dir/mine.csv"
printf '2024-01-01 04:00:00,40\n2024-01-01 05:00:00,5\n' >> "$dir/mine.csv"
"$cli" generate --family=diamond --rates=trace --trace="$dir/mine.csv" --out="$dir/mine" 2>/dev/null
grep -q '"duration_s": 360,' "$dir/mine/diamond-trace-1.json" ||
  { head -5 "$dir/mine/diamond-trace-1.json"; exit 1; }
printf 'date,messages\n2024-01-01 00:00:00,10\n2024-01-01 01:00:00,ten\n' > "$dir/bad.csv"
set +e
"$cli" generate --family=diamond --rates=trace --trace="$dir/bad.csv" --out="$dir/x" 2>"$dir/err"; rc=$?
set -e
[[ $rc == 1 ]] || { echo "bad trace file: exit $rc"; exit 1; }
grep -q -- "--trace: $dir/bad.csv:3: messages: expected a finite number >= 0, got \"ten\"" \
  "$dir/err" || { cat "$dir/err"; exit 1; }

# The oracle of a benchmark workload, and a retraced copy of it.
"$cli" oracle "$workloads/linear-chain.json" > "$dir/oracle"
grep -q '^linear-chain: 3600 s, oracle total parallelism average [0-9.]*, peak [0-9]*; busiest operator peak 9 (enrich); 2 changes; feasible 100.0% of the run$' \
  "$dir/oracle" || { cat "$dir/oracle"; exit 1; }
cp "$workloads/linear-chain.json" "$dir/retraced.json"
"$cli" retrace --follow=source:wiki_de_1h:24 --peak_parallelism=6 --out="$dir/retraced.json" \
  "$dir/retraced.json" > "$dir/oracle" 2>"$dir/err"
grep -q '^source: wiki_de_1h points 24..83 (2019-07-02 00:00 .. 2019-07-04 11:00), weight 1$' \
  "$dir/err" || { cat "$dir/err"; exit 1; }
grep -q 'busiest operator peak [67] (' "$dir/oracle" || { cat "$dir/oracle"; exit 1; }
[[ $(grep -c '"ramp_s": 60' "$dir/retraced.json") == 59 ]] || { echo "not 60 points"; exit 1; }
"$cli" validate "$dir/retraced.json" 2>/dev/null
set +e
"$cli" retrace --follow=nope:wiki_de_1h:0 --peak_parallelism=6 --out="$dir/x.json" \
  "$dir/retraced.json" 2>"$dir/err"; rc=$?
set -e
[[ $rc == 1 ]] || { echo "retrace unknown source: exit $rc"; exit 1; }
grep -q '"nope" is not a source of linear-chain' "$dir/err" || { cat "$dir/err"; exit 1; }
set +e
"$cli" retrace --follow=source:wiki_de_1h:480 --peak_parallelism=6 --out="$dir/x.json" \
  "$dir/retraced.json" 2>"$dir/err"; rc=$?
set -e
[[ $rc == 1 ]] || { echo "retrace window too late: exit $rc"; exit 1; }
grep -q 'window of 60 points from 480 does not fit its 504 points' "$dir/err" ||
  { cat "$dir/err"; exit 1; }
[[ ! -e "$dir/x.json" ]] || { echo "a failed retrace wrote its output"; exit 1; }
echo "ok"
