#!/usr/bin/env bash
# Prints the URL of the private PostgreSQL started by start.sh.
#   deploy/pg/url.sh DATA_DIR
# Fails when the server was not started (or was stopped) there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 1 ]] || pg_die "usage: $0 DATA_DIR"
pg_paths "$1"
[[ -s "$URL_FILE" ]] ||
  pg_die "no URL in $URL_FILE; start the server with deploy/pg/start.sh $1"
cat "$URL_FILE"
