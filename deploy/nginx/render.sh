#!/bin/sh
# Renders deploy/nginx/streamtune-grpc.conf.template into an nginx config:
#   deploy/nginx/render.sh OUT_FILE LISTEN RUN_DIR BACKEND...
# LISTEN is host:port for nginx, RUN_DIR holds nginx's pid and temp files
# (created if missing), each BACKEND is a replica's gRPC host:port. POSIX sh
# and awk only, so the same script runs in the minimal containers of
# deploy/compose.yaml. Environment: FAIL_TIMEOUT (default 5s), how long a
# replica that failed is skipped.
set -eu
if [ "$#" -lt 4 ]; then
  echo "usage: $0 OUT_FILE LISTEN RUN_DIR BACKEND..." >&2
  exit 2
fi
out=$1 listen=$2 run_dir=$3
shift 3
template="$(dirname "$0")/streamtune-grpc.conf.template"
mkdir -p "$run_dir"
awk -v listen="$listen" -v run_dir="$run_dir" -v backends="$*" \
    -v fail_timeout="${FAIL_TIMEOUT:-5s}" '
  /^[ \t]*@UPSTREAM_SERVERS@[ \t]*$/ {
    n = split(backends, b, " ")
    for (i = 1; i <= n; i++)
      printf "    server %s max_fails=1 fail_timeout=%s;\n", b[i], fail_timeout
    next
  }
  { gsub(/@LISTEN@/, listen); gsub(/@RUN_DIR@/, run_dir); print }
' "$template" >"$out.tmp"
mv "$out.tmp" "$out"
