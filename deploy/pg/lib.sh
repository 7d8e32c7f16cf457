# Shared by start.sh, stop.sh and url.sh (sourced, not run): where things live
# inside DATA_DIR, which PostgreSQL binaries to use, and how to run them.
# PostgreSQL refuses to run as root, so as root the server commands run as the
# unprivileged `postgres` system user; otherwise as the current user.

pg_die() {
  echo "pg/$(basename "$0" .sh): error: $*" >&2
  exit 1
}

# Sets ROOT, SERVER_DIR, DATA, SOCKET_DIR, LOG, URL_FILE, ADMIN_URL_FILE,
# PORT_FILE for
# DATA_DIR=$1. The server's own files (data, socket, log) live in SERVER_DIR:
# DATA_DIR itself, unless we are root and the `postgres` user cannot reach it
# (e.g. a clone under a private `mktemp -d` directory); then a postgres-owned
# directory under /var/tmp named after DATA_DIR. The URL and port files are
# always in DATA_DIR: url names the service's ordinary owner role,
# admin_url the superuser (for maintenance and for tests that create roles).
pg_paths() {
  [[ -n "${1:-}" ]] || pg_die "usage: $0 DATA_DIR"
  ROOT=$(realpath -m -- "$1")
  SERVER_DIR=$ROOT
  if pg_is_root; then
    local existing=$ROOT
    while [[ ! -e "$existing" ]]; do existing=$(dirname "$existing"); done
    if ! runuser -u postgres -- test -x "$existing" 2>/dev/null; then
      SERVER_DIR=/var/tmp/streamtune-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-16)
    fi
  fi
  DATA=$SERVER_DIR/data
  SOCKET_DIR=$SERVER_DIR/run
  LOG=$SERVER_DIR/postgres.log
  URL_FILE=$ROOT/url
  ADMIN_URL_FILE=$ROOT/admin_url
  PORT_FILE=$ROOT/port
}

# Sets PG_BIN to the newest installed server's bin directory, unless the
# caller set it.
pg_find_bin() {
  if [[ -z "${PG_BIN:-}" ]]; then
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  if [[ -z "$PG_BIN" ]] && command -v pg_ctl >/dev/null 2>&1; then
    PG_BIN=$(dirname "$(command -v pg_ctl)")
  fi
  [[ -x "$PG_BIN/pg_ctl" && -x "$PG_BIN/initdb" ]] ||
    pg_die "no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin" \
      "and PATH); install them with deploy/install-deps.sh or set PG_BIN"
}

pg_is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Runs a server command ($PG_BIN/<name> args...) as the server's user.
pg_run() {
  local tool=$PG_BIN/$1
  shift
  if pg_is_root; then
    runuser -u postgres -- "$tool" "$@"
  else
    "$tool" "$@"
  fi
}

pg_log_tail() {
  if [[ -f "$LOG" ]]; then
    echo "---- last lines of $LOG ----" >&2
    tail -n 40 "$LOG" >&2
    echo "----" >&2
  fi
}

# Exit status of `pg_ctl status`: 0 when a server runs on $DATA.
pg_running() { pg_run pg_ctl status -D "$DATA" >/dev/null 2>&1; }

# The port of the running server, from line 4 of postmaster.pid.
pg_running_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null; }
