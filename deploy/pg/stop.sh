#!/usr/bin/env bash
# Stops the private PostgreSQL started by start.sh (fast shutdown: open
# sessions are rolled back) and removes DATA_DIR/url and admin_url. Idempotent: succeeds
# when nothing runs. The data stays in DATA_DIR/data for the next start.
#   deploy/pg/stop.sh [--immediate] DATA_DIR
# --immediate stops it the way a crash would (`pg_ctl stop -m immediate`: no
# checkpoint, sessions cut; the next start.sh runs crash recovery) and keeps
# DATA_DIR/url, since the next start reuses the port: the fault test's
# PostgreSQL crash (tests/fault_test.cc).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MODE=fast
if [[ "${1:-}" == --immediate ]]; then
  MODE=immediate
  shift
fi
[[ $# -eq 1 ]] || pg_die "usage: $0 [--immediate] DATA_DIR"
pg_paths "$1"
cd /

[[ "$MODE" == immediate ]] || rm -f "$URL_FILE" "$ADMIN_URL_FILE"
if [[ ! -f "$DATA/PG_VERSION" ]]; then
  echo "pg/stop: no data directory at $DATA; nothing to stop" >&2
  exit 0
fi
pg_find_bin
if ! pg_running; then
  echo "pg/stop: not running" >&2
  exit 0
fi
if ! pg_run pg_ctl stop -D "$DATA" -m "$MODE" -w -t 60 >/dev/null; then
  pg_log_tail
  pg_die "PostgreSQL in $DATA did not stop within 60s"
fi
echo "pg/stop: stopped ($MODE)" >&2
