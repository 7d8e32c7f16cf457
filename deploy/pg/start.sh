#!/usr/bin/env bash
# Starts a private PostgreSQL for development, the demo and tests:
#   deploy/pg/start.sh [--fast-unsafe] DATA_DIR
# Initialises DATA_DIR/data on first use (trust auth, loopback only), starts
# the server on 127.0.0.1 with a free TCP port and its Unix socket in
# DATA_DIR/run, waits until it accepts connections, creates the database
# `streamtune` owned by the role `streamtune`, writes the URL the service
# uses (that role's) to DATA_DIR/url and prints it; the superuser's URL goes
# to DATA_DIR/admin_url. Idempotent: an
# already running server is reused. Exits non-zero with the server log's tail
# on failure. As root, when the `postgres` user cannot reach DATA_DIR, the
# server's files go to a postgres-owned /var/tmp directory (lib.sh).
#
# Durability is ON (fsync, synchronous_commit, full_page_writes): a commit
# streamtuned acknowledged survives a crash of PostgreSQL or of the machine.
# --fast-unsafe (or STREAMTUNE_PG_UNSAFE_FAST=1) turns all three off: FOR
# THE TEST FIXTURE ONLY (tests/postgres_fixture.cmake), whose data is thrown
# away; a crash may then lose acknowledged commits or corrupt the cluster.
# The settings go on the server's command line at every start, so they win
# over postgresql.conf, and a data directory initialised by an older
# start.sh (which wrote them off into postgresql.conf) is durable again.
#
# Environment: PG_BIN (server binaries; default the newest
# /usr/lib/postgresql/*/bin), PG_READY_TIMEOUT_S (start deadline, default 60),
# STREAMTUNE_PG_UNSAFE_FAST (1: as --fast-unsafe).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FAST_UNSAFE=${STREAMTUNE_PG_UNSAFE_FAST:-0}
if [[ "${1:-}" == --fast-unsafe ]]; then
  FAST_UNSAFE=1
  shift
fi
[[ "$FAST_UNSAFE" == 0 || "$FAST_UNSAFE" == 1 ]] ||
  pg_die "STREAMTUNE_PG_UNSAFE_FAST must be 0 or 1, got '$FAST_UNSAFE'"
[[ $# -eq 1 ]] || pg_die "usage: $0 [--fast-unsafe] DATA_DIR"
pg_paths "$1"
if [[ "$FAST_UNSAFE" == 1 ]]; then
  DURABILITY=off
  echo "pg/start: durability OFF (--fast-unsafe): for throwaway test data only" >&2
else
  DURABILITY=on
fi
pg_find_bin
DATABASE=streamtune
READY_TIMEOUT_S=${PG_READY_TIMEOUT_S:-60}

mkdir -p "$ROOT" "$SERVER_DIR" "$SOCKET_DIR"
cd /  # the postgres user may not be able to read the caller's directory
# Unix socket paths are limited to 107 bytes.
(( ${#SOCKET_DIR} + 18 <= 107 )) ||
  pg_die "DATA_DIR path too long for a Unix socket ($SOCKET_DIR); use a shorter one"

# One start at a time per DATA_DIR (parallel test runs may race here).
exec 9>"$ROOT/.lock"
flock -w 120 9 || pg_die "another start.sh holds $ROOT/.lock"

if pg_is_root; then
  id -u postgres >/dev/null 2>&1 ||
    pg_die "running as root needs the 'postgres' system user (install the postgresql package)"
  chown postgres: "$SERVER_DIR" "$SOCKET_DIR"
  [[ ! -e "$LOG" ]] || chown postgres: "$LOG"
  runuser -u postgres -- test -w "$SERVER_DIR" ||
    pg_die "user postgres cannot write $SERVER_DIR; a parent directory is not searchable by it"
fi

if [[ ! -f "$DATA/PG_VERSION" ]]; then
  echo "pg/start: initialising $DATA" >&2
  if ! pg_run initdb -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C \
      >"$ROOT/initdb.log" 2>&1; then
    cat "$ROOT/initdb.log" >&2
    pg_die "initdb failed"
  fi
  # Trust, but only over the local socket and loopback TCP.
  cat >"$DATA/pg_hba.conf" <<'HBA'
local all all              trust
host  all all 127.0.0.1/32 trust
host  all all ::1/128      trust
HBA
  cat >>"$DATA/postgresql.conf" <<CONF

# --- StreamTune private instance (deploy/pg/start.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCKET_DIR'
max_connections = 200
# fsync, synchronous_commit and full_page_writes: on the command line (start.sh).
CONF
  pg_is_root && chown postgres: "$DATA/pg_hba.conf" "$DATA/postgresql.conf"
fi
# Older start.sh versions wrote durability off into postgresql.conf; drop
# those lines so that a server started by hand from this directory
# (pg_ctl start) is durable too.
if grep -qE '^(fsync|synchronous_commit|full_page_writes) = off$' "$DATA/postgresql.conf"; then
  sed -i -E -e '/^# A throwaway instance: durability against power loss/d' \
    -e '/^(fsync|synchronous_commit|full_page_writes) = off$/d' "$DATA/postgresql.conf"
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local port
  if [[ -f "$PORT_FILE" ]]; then
    port=$(<"$PORT_FILE")
    if [[ "$port" =~ ^[0-9]+$ ]] && ! port_in_use "$port"; then
      echo "$port"
      return
    fi
  fi
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 30000))
    if ! port_in_use "$port"; then
      echo "$port"
      return
    fi
  done
  pg_die "no free TCP port found on 127.0.0.1"
}

if pg_running; then
  PORT=$(pg_running_port)
  [[ "$PORT" =~ ^[0-9]+$ ]] || pg_die "server running but no port in $DATA/postmaster.pid"
  echo "pg/start: already running on port $PORT" >&2
else
  started=no
  for attempt in 1 2 3 4 5; do
    PORT=$(pick_port)
    echo "pg/start: starting on 127.0.0.1:$PORT (attempt $attempt)" >&2
    # -w makes pg_ctl poll until the server accepts connections, up to -t.
    # 9>&-: the server must not inherit (and so keep holding) the lock.
    if pg_run pg_ctl start -D "$DATA" -l "$LOG" -w -t "$READY_TIMEOUT_S" \
        -o "-p $PORT -h 127.0.0.1 -k $SOCKET_DIR -c fsync=$DURABILITY \
            -c synchronous_commit=$DURABILITY -c full_page_writes=$DURABILITY" \
        >/dev/null 9>&-; then
      started=yes
      break
    fi
    # Another process may have taken the port between the check and bind.
    if tail -n 20 "$LOG" 2>/dev/null | grep -q "could not bind\|Address already in use"; then
      rm -f "$PORT_FILE"
      continue
    fi
    break
  done
  if [[ "$started" != yes ]]; then
    pg_log_tail
    pg_die "PostgreSQL did not start (data directory $DATA)"
  fi
  echo "$PORT" >"$PORT_FILE"
fi

# Poll over TCP, as clients will connect, until the deadline.
deadline=$((SECONDS + READY_TIMEOUT_S))
until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; do
  if (( SECONDS >= deadline )); then
    pg_log_tail
    pg_die "PostgreSQL on 127.0.0.1:$PORT not accepting connections after ${READY_TIMEOUT_S}s"
  fi
  sleep 0.2
done

psql_admin() {
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres \
    -d postgres "$@"
}
if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]]; then
  psql_admin -c "CREATE DATABASE $DATABASE" ||
    { pg_log_tail; pg_die "could not create database $DATABASE"; }
fi

# The service's role: an ordinary one (no SUPERUSER, no BYPASSRLS) that owns
# the database and every object in it. Row-level security (FORCE'd on every
# tenant table) binds the owner but never a superuser, so running the
# service as `postgres` would leave the policies inert. A database made by an
# older start.sh (tables owned by postgres) is handed over at the next start;
# ALTER ... OWNER touches only the catalogue, not the data.
OWNER=streamtune
if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$OWNER'")" != 1 ]]; then
  psql_admin -c "CREATE ROLE $OWNER LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE" ||
    { pg_log_tail; pg_die "could not create role $OWNER"; }
fi
psql_admin -d "$DATABASE" <<SQL || { pg_log_tail; pg_die "could not hand $DATABASE to role $OWNER"; }
ALTER DATABASE $DATABASE OWNER TO $OWNER;
DO \$\$
DECLARE
  object record;
BEGIN
  -- Tables first: a sequence owned by a column follows its table.
  FOR object IN
    SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
      AND pg_get_userbyid(c.relowner) <> '$OWNER'
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO $OWNER',
                   CASE object.relkind WHEN 'v' THEN 'VIEW'
                     WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, object.name);
  END LOOP;
  FOR object IN
    SELECT c.oid::regclass AS name FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
      AND pg_get_userbyid(c.relowner) <> '$OWNER'
  LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO $OWNER', object.name);
  END LOOP;
  FOR object IN
    SELECT p.oid::regprocedure AS name FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND pg_get_userbyid(p.proowner) <> '$OWNER'
  LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO $OWNER', object.name);
  END LOOP;
END
\$\$;
SQL

# A server that was already running keeps the durability it was started
# with: say so when that is not the one asked for.
running_fsync=$(psql_admin -tAc "SHOW fsync")
if [[ "$running_fsync" != "$DURABILITY" ]]; then
  echo "pg/start: warning: the running server has fsync=$running_fsync, not" \
    "$DURABILITY; run deploy/pg/stop.sh $1 and start again to change it" >&2
fi

write_url() {  # write_url FILE URL: atomically, so a reader never sees half.
  echo "$2" >"$1.tmp"
  mv -f "$1.tmp" "$1"
}
write_url "$ADMIN_URL_FILE" "postgresql://postgres@127.0.0.1:$PORT/$DATABASE"
URL="postgresql://$OWNER@127.0.0.1:$PORT/$DATABASE"
write_url "$URL_FILE" "$URL"
echo "$URL"
