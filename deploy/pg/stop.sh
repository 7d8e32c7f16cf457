#!/usr/bin/env bash
# Stops the private PostgreSQL started by start.sh (fast shutdown: open
# sessions are rolled back) and removes DATA_DIR/url and admin_url. Idempotent: succeeds
# when nothing runs. The data stays in DATA_DIR/data for the next start.
#   deploy/pg/stop.sh [--immediate | --remove] DATA_DIR
# --immediate stops it the way a crash would (`pg_ctl stop -m immediate`: no
# checkpoint, sessions cut; the next start.sh runs crash recovery) and keeps
# DATA_DIR/url, since the next start reuses the port: the fault test's
# PostgreSQL crash (tests/fault_test.cc).
# --remove then deletes the server's files too (data, socket, log, port
# file, and the /var/tmp folder lib.sh may have put them in): the test
# fixture's throwaway database, which a clone under a private folder would
# otherwise leave in /var/tmp for good.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MODE=fast
REMOVE=0
case "${1:-}" in
  --immediate) MODE=immediate; shift ;;
  --remove) REMOVE=1; shift ;;
esac
[[ $# -eq 1 ]] || pg_die "usage: $0 [--immediate | --remove] DATA_DIR"
pg_paths "$1"
cd /

remove_server_files() {
  ((REMOVE)) || return 0
  rm -rf -- "$DATA" "$SOCKET_DIR" "$LOG" "$PORT_FILE" "$ROOT/initdb.log"
  [[ "$SERVER_DIR" == "$ROOT" ]] || rm -rf -- "$SERVER_DIR"
  echo "pg/stop: removed the server's files" >&2
}

[[ "$MODE" == immediate ]] || rm -f "$URL_FILE" "$ADMIN_URL_FILE"
if [[ ! -f "$DATA/PG_VERSION" ]]; then
  echo "pg/stop: no data directory at $DATA; nothing to stop" >&2
  remove_server_files
  exit 0
fi
pg_find_bin
if ! pg_running; then
  echo "pg/stop: not running" >&2
  remove_server_files
  exit 0
fi
if ! pg_run pg_ctl stop -D "$DATA" -m "$MODE" -w -t 60 >/dev/null; then
  pg_log_tail
  pg_die "PostgreSQL in $DATA did not stop within 60s"
fi
echo "pg/stop: stopped ($MODE)" >&2
remove_server_files
