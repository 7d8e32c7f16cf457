#!/usr/bin/env bash
# Third-party client check: grpcurl lists streamtuned's services through
# server reflection, checks health, and calls Recommend with a JSON request.
# Usage: grpcurl_test.sh STREAMTUNED GRPCURL DATABASE_URL_FILE EXAMPLE_JSON
set -euo pipefail
SERVER_BIN="$1"; GRPCURL="$2"; URL_FILE="$3"; EXAMPLE="$4"
[[ -x "$GRPCURL" ]] || { echo "FAIL: $GRPCURL missing (run deploy/install-grpcurl.sh)"; exit 1; }
[[ -s "$URL_FILE" ]] || { echo "FAIL: $URL_FILE missing (postgres fixture)"; exit 1; }

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$SERVER_BIN" --listen=127.0.0.1:0 --metrics_listen= --port_file="$WORK/ports.json" \
  --database_url="$(cat "$URL_FILE")" 2>"$WORK/server.log" &
SERVER_PID=$!

deadline=$((SECONDS + 60))
until [[ -s "$WORK/ports.json" ]]; do
  if ((SECONDS > deadline)); then echo "FAIL: server did not start"; cat "$WORK/server.log"; exit 1; fi
  kill -0 "$SERVER_PID" || { echo "FAIL: server exited"; cat "$WORK/server.log"; exit 1; }
  sleep 0.05
done
PORT="$(sed -E 's/.*"grpc_port": ([0-9]+).*/\1/' "$WORK/ports.json")"
ADDR="127.0.0.1:$PORT"

until "$GRPCURL" -plaintext "$ADDR" grpc.health.v1.Health/Check 2>/dev/null | grep -q '"SERVING"'; do
  if ((SECONDS > deadline)); then echo "FAIL: never SERVING"; cat "$WORK/server.log"; exit 1; fi
  sleep 0.1
done

services="$("$GRPCURL" -plaintext "$ADDR" list)"
for want in streamtune.v1.StreamTune streamtune.v1.StreamTuneAdmin grpc.health.v1.Health; do
  grep -qx "$want" <<<"$services" || { echo "FAIL: reflection does not list $want:"; echo "$services"; exit 1; }
done
methods="$("$GRPCURL" -plaintext "$ADDR" list streamtune.v1.StreamTune)"
grep -q "streamtune.v1.StreamTune.Recommend" <<<"$methods" || { echo "FAIL: no Recommend in $methods"; exit 1; }

request="{\"snapshot\": $(cat "$EXAMPLE"), \"policy\": \"ds2\"}"
answer="$("$GRPCURL" -plaintext -H 'x-streamtune-tenant: grpcurl' -d @ "$ADDR" \
  streamtune.v1.StreamTune/Recommend <<<"$request")"
grep -q '"policy": "ds2"' <<<"$answer" || { echo "FAIL: unexpected answer:"; echo "$answer"; exit 1; }
grep -qE '"recommended_?[pP]arallelism"' <<<"$answer" || { echo "FAIL: no parallelism in answer"; echo "$answer"; exit 1; }

# A bad request gets INVALID_ARGUMENT with the field path.
if bad="$("$GRPCURL" -plaintext -d '{"snapshot": {"jobId": "x"}}' "$ADDR" \
    streamtune.v1.StreamTune/Recommend 2>&1)"; then
  echo "FAIL: invalid request succeeded: $bad"; exit 1
fi
grep -q "InvalidArgument" <<<"$bad" || { echo "FAIL: wrong error: $bad"; exit 1; }
grep -q "snapshot.snapshot_id: required" <<<"$bad" || { echo "FAIL: no field path: $bad"; exit 1; }

# The dashboard queries of the README: listings with a time range.
jobs="$("$GRPCURL" -plaintext -H 'x-streamtune-tenant: grpcurl' \
  -d '{"start_time": "2024-01-01T00:00:00Z", "page_size": 50}' "$ADDR" \
  streamtune.v1.StreamTune/ListJobs)"
grep -q '"linear-chain"' <<<"$jobs" || { echo "FAIL: ListJobs in range: $jobs"; exit 1; }
jobs="$("$GRPCURL" -plaintext -H 'x-streamtune-tenant: grpcurl' \
  -d '{"start_time": "2030-01-01T00:00:00Z"}' "$ADDR" streamtune.v1.StreamTune/ListJobs)"
[[ "$jobs" == "{}" ]] || { echo "FAIL: ListJobs after the job: $jobs"; exit 1; }
if bad="$("$GRPCURL" -plaintext -H 'x-streamtune-tenant: grpcurl' \
    -d '{"job_id": "linear-chain", "start_time": "2026-01-01T00:00:00Z", "end_time": "2025-01-01T00:00:00Z"}' \
    "$ADDR" streamtune.v1.StreamTune/ListRecommendations 2>&1)"; then
  echo "FAIL: an empty time range succeeded: $bad"; exit 1
fi
grep -q "end_time: must be after start_time" <<<"$bad" || { echo "FAIL: wrong error: $bad"; exit 1; }

echo "grpcurl: reflection, health, Recommend, INVALID_ARGUMENT and time ranges all as expected"
echo "5 passed, 0 failed"
