#!/usr/bin/env bash
# End to end: streamtune-history starts its own private PostgreSQL and
# streamtuned, generates 5 short jobs and reports them; it must exit 0 and
# say it generated 5 jobs with snapshots and labels, one of them trace-driven.
# Usage: history_e2e_test.sh PATH_TO_streamtune-history
set -euo pipefail
cli="$1"
dir="$(mktemp -d /tmp/st-hist-e2e.XXXXXX)"
chmod 755 "$dir"  # the private PostgreSQL may run as another user
trap 'rm -rf "$dir"' EXIT

set +e
"$cli" generate --jobs=5 --minutes=10 --state_dir="$dir/state" \
  --workloads_out="$dir/workloads" >"$dir/out" 2>"$dir/err"
rc=$?
set -e
if [[ $rc != 0 ]]; then
  echo "exit $rc"; cat "$dir/err" "$dir/out"; exit 1
fi
cat "$dir/out"
grep -q '^generated 5 jobs: [1-9][0-9]* snapshots' "$dir/out" ||
  { echo "no summary of 5 jobs"; cat "$dir/err"; exit 1; }
grep -q 'history: \[5/5\] jobs' "$dir/err" || { echo "no progress"; cat "$dir/err"; exit 1; }
grep -Eq '[1-9][0-9]* healthy' "$dir/out" || { echo "no healthy labels counted"; exit 1; }
grep -q 'trace-driven jobs: 1;' "$dir/out" || { echo "not one trace-driven job"; exit 1; }
ls "$dir/workloads"/*-trace-*.json >/dev/null || { echo "no trace workload file"; exit 1; }
count=$(ls "$dir/workloads"/*.json | wc -l)
[[ "$count" == 5 ]] || { echo "expected 5 workload files, got $count"; exit 1; }

# A bad command line fails readably with exit 2.
set +e
"$cli" generate --jobs=0 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] || { echo "--jobs=0: exit $rc"; exit 1; }
grep -q -- '--jobs: expected an integer >= 1' "$dir/err" || { cat "$dir/err"; exit 1; }
set +e
"$cli" generate --no-such-flag 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] || { echo "--no-such-flag: exit $rc"; exit 1; }
grep -q -- 'unknown flag --no-such-flag' "$dir/err" || { cat "$dir/err"; exit 1; }

# An exclusion that cannot be read fails before anything starts.
set +e
"$cli" generate --exclude="$dir/missing.json" 2>"$dir/err"; rc=$?
set -e
[[ $rc == 1 ]] || { echo "missing --exclude file: exit $rc"; exit 1; }
grep -q -- "--exclude: cannot read workload file $dir/missing.json" "$dir/err" ||
  { cat "$dir/err"; exit 1; }
echo "ok"
