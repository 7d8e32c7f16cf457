#!/usr/bin/env bash
# Third-party client check over TLS with tokens, as a user deploys it:
# throwaway certificates (deploy/gen-certs.sh), a token issued with
# streamtunectl token-create; grpcurl lists streamtuned's services through
# server reflection, checks health, and calls Recommend with a JSON request.
# A client trusting another CA fails the handshake; a call without a token,
# or with a revoked one, is Unauthenticated.
# Usage: grpcurl_test.sh STREAMTUNED GRPCURL DATABASE_URL_FILE EXAMPLE_JSON
#          STREAMTUNECTL GEN_CERTS
set -euo pipefail
SERVER_BIN="$1"; GRPCURL="$2"; URL_FILE="$3"; EXAMPLE="$4"; CTL="$5"; GEN_CERTS="$6"
[[ -x "$GRPCURL" ]] || { echo "FAIL: $GRPCURL missing (run deploy/install-grpcurl.sh)"; exit 1; }
[[ -s "$URL_FILE" ]] || { echo "FAIL: $URL_FILE missing (postgres fixture)"; exit 1; }

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

bash "$GEN_CERTS" "$WORK/tls" 2>/dev/null
bash "$GEN_CERTS" "$WORK/other-ca" 2>/dev/null
export STREAMTUNE_DATABASE_URL="$(cat "$URL_FILE")"
TENANT="grpcurl$RANDOM$RANDOM"
token_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
TOKEN="$("$CTL" token-create --tenant="$TENANT" --description=grpcurl-test 2>/dev/null | token_of)"
REVOKED_JSON="$("$CTL" token-create --tenant="$TENANT" 2>/dev/null)"
REVOKED="$(token_of <<<"$REVOKED_JSON")"
REVOKED_ID="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tokenId"])' <<<"$REVOKED_JSON")"
"$CTL" token-revoke "$REVOKED_ID" >/dev/null

"$SERVER_BIN" --listen=127.0.0.1:0 --metrics_listen= --port_file="$WORK/ports.json" \
  --tls_cert_file="$WORK/tls/server.pem" --tls_key_file="$WORK/tls/server.key" \
  --reflection --database_url="$STREAMTUNE_DATABASE_URL" 2>"$WORK/server.log" &
SERVER_PID=$!

deadline=$((SECONDS + 60))
until [[ -s "$WORK/ports.json" ]]; do
  if ((SECONDS > deadline)); then echo "FAIL: server did not start"; cat "$WORK/server.log"; exit 1; fi
  kill -0 "$SERVER_PID" || { echo "FAIL: server exited"; cat "$WORK/server.log"; exit 1; }
  sleep 0.05
done
PORT="$(sed -E 's/.*"grpc_port": ([0-9]+).*/\1/' "$WORK/ports.json")"
ADDR="localhost:$PORT"
TLS=(-cacert "$WORK/tls/ca.pem")
AUTH=(-H "authorization: Bearer $TOKEN")

until "$GRPCURL" "${TLS[@]}" "$ADDR" grpc.health.v1.Health/Check 2>/dev/null | grep -q '"SERVING"'; do
  if ((SECONDS > deadline)); then echo "FAIL: never SERVING"; cat "$WORK/server.log"; exit 1; fi
  sleep 0.1
done

services="$("$GRPCURL" "${TLS[@]}" "$ADDR" list)"
for want in streamtune.v1.StreamTune streamtune.v1.StreamTuneAdmin grpc.health.v1.Health; do
  grep -qx "$want" <<<"$services" || { echo "FAIL: reflection does not list $want:"; echo "$services"; exit 1; }
done
methods="$("$GRPCURL" "${TLS[@]}" "$ADDR" list streamtune.v1.StreamTune)"
grep -q "streamtune.v1.StreamTune.Recommend" <<<"$methods" || { echo "FAIL: no Recommend in $methods"; exit 1; }

request="{\"snapshot\": $(cat "$EXAMPLE"), \"policy\": \"ds2\"}"
answer="$("$GRPCURL" "${TLS[@]}" "${AUTH[@]}" -d @ "$ADDR" \
  streamtune.v1.StreamTune/Recommend <<<"$request")"
grep -q '"policy": "ds2"' <<<"$answer" || { echo "FAIL: unexpected answer:"; echo "$answer"; exit 1; }
grep -qE '"recommended_?[pP]arallelism"' <<<"$answer" || { echo "FAIL: no parallelism in answer"; echo "$answer"; exit 1; }

# A bad request gets INVALID_ARGUMENT with the field path.
if bad="$("$GRPCURL" "${TLS[@]}" "${AUTH[@]}" -d '{"snapshot": {"jobId": "x"}}' "$ADDR" \
    streamtune.v1.StreamTune/Recommend 2>&1)"; then
  echo "FAIL: invalid request succeeded: $bad"; exit 1
fi
grep -q "InvalidArgument" <<<"$bad" || { echo "FAIL: wrong error: $bad"; exit 1; }
grep -q "snapshot.snapshot_id: required" <<<"$bad" || { echo "FAIL: no field path: $bad"; exit 1; }

# The dashboard queries of the README: listings with a time range.
jobs="$("$GRPCURL" "${TLS[@]}" "${AUTH[@]}" \
  -d '{"start_time": "2024-01-01T00:00:00Z", "page_size": 50}' "$ADDR" \
  streamtune.v1.StreamTune/ListJobs)"
grep -q '"linear-chain"' <<<"$jobs" || { echo "FAIL: ListJobs in range: $jobs"; exit 1; }
jobs="$("$GRPCURL" "${TLS[@]}" "${AUTH[@]}" \
  -d '{"start_time": "2030-01-01T00:00:00Z"}' "$ADDR" streamtune.v1.StreamTune/ListJobs)"
[[ "$jobs" == "{}" ]] || { echo "FAIL: ListJobs after the job: $jobs"; exit 1; }
if bad="$("$GRPCURL" "${TLS[@]}" "${AUTH[@]}" \
    -d '{"job_id": "linear-chain", "start_time": "2026-01-01T00:00:00Z", "end_time": "2025-01-01T00:00:00Z"}' \
    "$ADDR" streamtune.v1.StreamTune/ListRecommendations 2>&1)"; then
  echo "FAIL: an empty time range succeeded: $bad"; exit 1
fi
grep -q "end_time: must be after start_time" <<<"$bad" || { echo "FAIL: wrong error: $bad"; exit 1; }

# Credentials: none, revoked, another tenant named in a header, a client
# that trusts another CA.
if bad="$("$GRPCURL" "${TLS[@]}" -d '{}' "$ADDR" streamtune.v1.StreamTune/ListJobs 2>&1)"; then
  echo "FAIL: a call without a token succeeded: $bad"; exit 1
fi
grep -q "Unauthenticated" <<<"$bad" || { echo "FAIL: no token: $bad"; exit 1; }
if bad="$("$GRPCURL" "${TLS[@]}" -H "authorization: Bearer $REVOKED" -d '{}' "$ADDR" \
    streamtune.v1.StreamTune/ListJobs 2>&1)"; then
  echo "FAIL: a revoked token worked: $bad"; exit 1
fi
grep -q "token revoked" <<<"$bad" || { echo "FAIL: revoked token: $bad"; exit 1; }
if bad="$("$GRPCURL" "${TLS[@]}" "${AUTH[@]}" -H 'x-streamtune-tenant: someone-else' -d '{}' \
    "$ADDR" streamtune.v1.StreamTune/ListJobs 2>&1)"; then
  echo "FAIL: a token acted for another tenant: $bad"; exit 1
fi
grep -q "PermissionDenied" <<<"$bad" || { echo "FAIL: other tenant: $bad"; exit 1; }
if bad="$("$GRPCURL" "${TLS[@]}" "${AUTH[@]}" -d '{}' "$ADDR" \
    streamtune.v1.StreamTuneAdmin/ListModels 2>&1)"; then
  echo "FAIL: a tenant token called an admin method: $bad"; exit 1
fi
grep -q "PermissionDenied" <<<"$bad" || { echo "FAIL: admin method: $bad"; exit 1; }
if bad="$("$GRPCURL" -cacert "$WORK/other-ca/ca.pem" "${AUTH[@]}" -d '{}' "$ADDR" \
    streamtune.v1.StreamTune/ListJobs 2>&1)"; then
  echo "FAIL: a client trusting another CA connected: $bad"; exit 1
fi
grep -qiE "certificate|x509|handshake" <<<"$bad" || { echo "FAIL: wrong CA: $bad"; exit 1; }
if "$GRPCURL" -plaintext "${AUTH[@]}" -max-time 5 -d '{}' "127.0.0.1:$PORT" \
    streamtune.v1.StreamTune/ListJobs >/dev/null 2>&1; then
  echo "FAIL: a plaintext call succeeded on the TLS port"; exit 1
fi

echo "grpcurl over TLS with a token: reflection, health, Recommend, INVALID_ARGUMENT, time ranges"
echo "and refusals (no token, revoked, other tenant, admin method, wrong CA, plaintext) all as expected"
echo "11 passed, 0 failed"
