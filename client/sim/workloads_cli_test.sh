#!/usr/bin/env bash
# Runs the streamtune-workloads binary: generate every family, validate the
# files it wrote, and check that bad command lines fail readably.
# Usage: workloads_cli_test.sh PATH_TO_streamtune-workloads
set -euo pipefail
cli="$1"
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
echo "ok"
