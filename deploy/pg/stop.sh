#!/usr/bin/env bash
# Stops the private PostgreSQL started by start.sh (fast shutdown: open
# sessions are rolled back) and removes DATA_DIR/url. Idempotent: succeeds
# when nothing runs. The data stays in DATA_DIR/data for the next start.
#   deploy/pg/stop.sh DATA_DIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 1 ]] || pg_die "usage: $0 DATA_DIR"
pg_paths "$1"
cd /

rm -f "$URL_FILE"
if [[ ! -f "$DATA/PG_VERSION" ]]; then
  echo "pg/stop: no data directory at $DATA; nothing to stop" >&2
  exit 0
fi
pg_find_bin
if ! pg_running; then
  echo "pg/stop: not running" >&2
  exit 0
fi
if ! pg_run pg_ctl stop -D "$DATA" -m fast -w -t 60 >/dev/null; then
  pg_log_tail
  pg_die "PostgreSQL in $DATA did not stop within 60s"
fi
echo "pg/stop: stopped" >&2
