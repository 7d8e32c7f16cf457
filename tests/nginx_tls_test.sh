#!/usr/bin/env bash
# The TLS setup of deploy/compose.yaml, on loopback: certificates from
# deploy/gen-certs.sh, two replicas serving TLS with them, nginx rendered by
# deploy/nginx/render.sh with NGINX_TLS_DIR (TLS to clients, grpcs:// to the
# replicas verified against the CA), a token from streamtunectl
# token-create. Through nginx: health needs no token, a call with the token
# succeeds on both replicas, one without is UNAUTHENTICATED, a client
# trusting another CA and a plaintext client are refused. nginx trusting
# another CA, or verifying another name, refuses to proxy (the replicas'
# certificates are really checked). The k8s probe command works as written.
# Usage: nginx_tls_test.sh STREAMTUNED STREAMTUNECTL DATABASE_URL_FILE DEPLOY_DIR
set -euo pipefail
SERVER_BIN="$1"; CTL="$2"; URL_FILE="$3"; DEPLOY="$4"
[[ -s "$URL_FILE" ]] || { echo "FAIL: $URL_FILE missing (postgres fixture)"; exit 1; }
command -v nginx >/dev/null || { echo "FAIL: nginx missing (deploy/install-deps.sh)"; exit 1; }

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  echo "cleanup: stopping ${#PIDS[@]} processes"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
passed=0
fail() { echo "FAIL: $*"; exit 1; }
pass() { passed=$((passed + 1)); echo "ok: $*"; }

bash "$DEPLOY/gen-certs.sh" "$WORK/tls" 2>/dev/null
bash "$DEPLOY/gen-certs.sh" "$WORK/other" 2>/dev/null
# nginx trusting another CA: the right server certificate, the wrong ca.pem.
mkdir "$WORK/wrong-ca"
cp "$WORK/tls/server.pem" "$WORK/tls/server.key" "$WORK/wrong-ca/"
cp "$WORK/other/ca.pem" "$WORK/wrong-ca/ca.pem"
STREAMTUNE_DATABASE_URL="$(cat "$URL_FILE")"
export STREAMTUNE_DATABASE_URL
TENANT="nginxtls$RANDOM$RANDOM"
TOKEN="$("$CTL" token-create --tenant="$TENANT" 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"

deadline=$((SECONDS + 90))
wait_for_file() {  # wait_for_file FILE PID LOG
  until [[ -s "$1" ]]; do
    ((SECONDS < deadline)) || { cat "$3"; fail "$1 never appeared"; }
    kill -0 "$2" 2>/dev/null || { cat "$3"; fail "process $2 exited"; }
    sleep 0.05
  done
}

BACKENDS=()
for replica in 1 2; do
  "$SERVER_BIN" --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 \
    --port_file="$WORK/ports-$replica.json" \
    --tls_cert_file="$WORK/tls/server.pem" --tls_key_file="$WORK/tls/server.key" \
    --database_url="$STREAMTUNE_DATABASE_URL" 2>"$WORK/server-$replica.log" &
  PIDS+=($!)
  wait_for_file "$WORK/ports-$replica.json" "$!" "$WORK/server-$replica.log"
  BACKENDS+=("127.0.0.1:$(sed -E 's/.*"grpc_port": ([0-9]+).*/\1/' "$WORK/ports-$replica.json")")
done

# start_nginx NAME NGINX_TLS_DIR NGINX_TLS_NAME: renders and starts nginx on a free
# port (another one if that was taken meanwhile); sets NGINX_PORT.
start_nginx() {
  local name=$1 _
  echo "starting nginx $name"
  for _ in 1 2 3 4 5; do
    NGINX_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    NGINX_TLS_DIR="$2" NGINX_TLS_NAME="$3" sh "$DEPLOY/nginx/render.sh" "$WORK/$name.conf" \
      "127.0.0.1:$NGINX_PORT" "$WORK/$name" "${BACKENDS[@]}"
    nginx -p "$WORK/$name" -e stderr -c "$WORK/$name.conf" 2>"$WORK/$name.log" &
    PIDS+=($!)
    until python3 -c "import socket; socket.create_connection(('127.0.0.1', $NGINX_PORT), 1)" 2>/dev/null; do
      ((SECONDS < deadline)) || { cat "$WORK/$name.log"; fail "nginx $name never listened"; }
      kill -0 "$!" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$!" 2>/dev/null && return 0
    grep -q "Address already in use" "$WORK/$name.log" || { cat "$WORK/$name.log"; fail "nginx $name exited"; }
  done
  fail "nginx $name: no free port in 5 attempts"
}

start_nginx lb "$WORK/tls" streamtuned
VIA_NGINX=(--server="127.0.0.1:$NGINX_PORT" --tls_server_name=streamtuned --timeout=5s)
"$CTL" "${VIA_NGINX[@]}" --tls_ca_file="$WORK/tls/ca.pem" health --wait=60s >/dev/null ||
  { cat "$WORK/lb.log"; fail "health through nginx never SERVING"; }
pass "health through nginx over TLS, no token"

# Each call goes to the next replica (round robin): enough calls reach both.
for call in 1 2 3 4 5 6; do
  STREAMTUNE_TOKEN="$TOKEN" "$CTL" "${VIA_NGINX[@]}" --tls_ca_file="$WORK/tls/ca.pem" \
    --tenant="$TENANT" jobs >"$WORK/jobs.out" 2>"$WORK/jobs.err" ||
    { cat "$WORK/jobs.err" "$WORK/lb.log"; fail "call $call with a token through nginx"; }
done
for replica in 1 2; do
  metrics_port="$(sed -E 's/.*"metrics_port": ([0-9]+).*/\1/' "$WORK/ports-$replica.json")"
  python3 - "$metrics_port" <<'EOF' || fail "replica $replica served no ListJobs call"
import re, sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode()
calls = [float(line.split()[-1]) for line in text.splitlines()
         if line.startswith("streamtune_rpcs_total{")
         and 'method="ListJobs"' in line and 'code="OK"' in line]
sys.exit(0 if calls and max(calls) > 0 else 1)
EOF
done
pass "calls with a token through nginx reach both TLS replicas"

expect_refused() {  # expect_refused WHAT PATTERN COMMAND...
  local what=$1 pattern=$2 out
  shift 2
  # The client's own deadline bounds it; `timeout` turns a hang into a
  # failure that says where.
  if out="$(timeout 60 "$@" 2>&1)"; then fail "$what succeeded: $out"; fi
  grep -qiE "$pattern" <<<"$out" || fail "$what: unexpected error: $out"
  pass "$what refused"
}
expect_refused "a call without a token through nginx" "UNAUTHENTICATED" \
  "$CTL" "${VIA_NGINX[@]}" --tls_ca_file="$WORK/tls/ca.pem" --tenant="$TENANT" jobs
expect_refused "a client trusting another CA" "certificate|handshake|UNAVAILABLE" \
  "$CTL" "${VIA_NGINX[@]}" --tls_ca_file="$WORK/other/ca.pem" health
expect_refused "a plaintext client on nginx's TLS port" "UNAVAILABLE|INTERNAL|UNKNOWN" \
  "$CTL" --server="127.0.0.1:$NGINX_PORT" --timeout=3s health

# nginx answers 502, which gRPC reads as UNAVAILABLE; the client retries
# that until its deadline, so a busy machine may end it DEADLINE_EXCEEDED.
# nginx's log says why it refused.
start_nginx wrong-ca "$WORK/wrong-ca" streamtuned
expect_refused "nginx trusting another CA" "502|UNAVAILABLE|DEADLINE_EXCEEDED" \
  "$CTL" --server="127.0.0.1:$NGINX_PORT" --tls_ca_file="$WORK/tls/ca.pem" \
  --tls_server_name=streamtuned --timeout=3s health
grep -q "upstream SSL certificate verify error" "$WORK/wrong-ca.log" ||
  fail "nginx with another CA did not log a verify error: $(cat "$WORK/wrong-ca.log")"
start_nginx wrong-name "$WORK/tls" not-streamtuned
expect_refused "nginx verifying another name" "502|UNAVAILABLE|DEADLINE_EXCEEDED" \
  "$CTL" --server="127.0.0.1:$NGINX_PORT" --tls_ca_file="$WORK/tls/ca.pem" \
  --tls_server_name=streamtuned --timeout=3s health
grep -q 'does not match "not-streamtuned"' "$WORK/wrong-name.log" ||
  fail "nginx with another name did not log a mismatch: $(cat "$WORK/wrong-name.log")"

# The k8s probe, as deploy/k8s/deployment.yaml runs it, against a replica.
"$CTL" --server="${BACKENDS[0]}" --tls_ca_file="$WORK/tls/ca.pem" --tls_server_name=streamtuned \
  --timeout=2s health >/dev/null || fail "the k8s probe command against a replica"
pass "the k8s probe command"

echo "$passed passed, 0 failed"
