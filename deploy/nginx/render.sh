#!/bin/sh
# Renders deploy/nginx/streamtune-grpc.conf.template into an nginx config:
#   deploy/nginx/render.sh OUT_FILE LISTEN RUN_DIR BACKEND...
# LISTEN is host:port for nginx, RUN_DIR holds nginx's pid and temp files
# (created if missing), each BACKEND is a replica's gRPC host:port. POSIX sh
# and awk only, so the same script runs in the minimal containers of
# deploy/compose.yaml. Environment:
#   FAIL_TIMEOUT  how long a replica that failed is skipped (default 5s)
#   NGINX_TLS_DIR       unset (default): plaintext on both sides, for replicas on
#                 loopback started with --insecure_local_only (the lb test,
#                 bench/load). Set: a directory laid out like
#                 deploy/gen-certs.sh's (ca.pem, server.pem, server.key);
#                 nginx serves TLS with server.pem and proxies over TLS to
#                 replicas it verifies against ca.pem (tls.conf.snippet)
#   NGINX_TLS_NAME      the name nginx verifies in the replicas' certificates
#                 (default streamtuned, which gen-certs.sh always includes)
set -eu
if [ "$#" -lt 4 ]; then
  echo "usage: $0 OUT_FILE LISTEN RUN_DIR BACKEND..." >&2
  exit 2
fi
out=$1 listen=$2 run_dir=$3
shift 3
here="$(dirname "$0")"
tls_dir=${NGINX_TLS_DIR:-}
if [ -n "$tls_dir" ]; then
  for file in ca.pem server.pem server.key; do
    if [ ! -r "$tls_dir/$file" ]; then
      echo "$0: NGINX_TLS_DIR=$tls_dir has no readable $file (deploy/gen-certs.sh)" >&2
      exit 2
    fi
  done
  listen_params="ssl http2" scheme=grpcs tls_snippet="$here/tls.conf.snippet"
else
  listen_params="http2" scheme=grpc tls_snippet=""
fi
mkdir -p "$run_dir"
awk -v listen="$listen" -v run_dir="$run_dir" -v backends="$*" \
    -v fail_timeout="${FAIL_TIMEOUT:-5s}" -v listen_params="$listen_params" \
    -v scheme="$scheme" -v tls_snippet="$tls_snippet" -v tls_dir="$tls_dir" \
    -v tls_name="${NGINX_TLS_NAME:-streamtuned}" '
  /^[ \t]*@UPSTREAM_SERVERS@[ \t]*$/ {
    n = split(backends, b, " ")
    for (i = 1; i <= n; i++)
      printf "    server %s max_fails=1 fail_timeout=%s;\n", b[i], fail_timeout
    next
  }
  /^[ \t]*@TLS_SETTINGS@[ \t]*$/ {
    if (tls_snippet != "") {
      while ((getline line < tls_snippet) > 0) {
        gsub(/@NGINX_TLS_DIR@/, tls_dir, line); gsub(/@NGINX_TLS_NAME@/, tls_name, line)
        print line
      }
      close(tls_snippet)
    }
    next
  }
  {
    gsub(/@LISTEN@/, listen); gsub(/@RUN_DIR@/, run_dir)
    gsub(/@LISTEN_PARAMS@/, listen_params); gsub(/@GRPC_SCHEME@/, scheme)
    print
  }
' "$here/streamtune-grpc.conf.template" >"$out.tmp"
mv "$out.tmp" "$out"
