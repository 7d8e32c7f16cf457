#!/usr/bin/env bash
# Makes sure tenant `corpus` of a running streamtuned holds pre-trained
# models: on first use it generates the default simulated history
# (streamtune-history, 300 jobs) and pre-trains on it (~6 min on 2 cores);
# later calls reuse them. Used by the Timely and the Flink benchmarks.
#
#   bench/ensure-corpus.sh BUILD_DIR SERVER_ADDR LOG_PREFIX
set -euo pipefail
BUILD="$1" ADDR="$2" PREFIX="$3"
CTL="$BUILD/client/streamtunectl"
# Captured first: with pipefail, grep -q closing the pipe early would fail it.
models="$("$CTL" --server="$ADDR" --tenant=corpus models 2>/dev/null || true)"
if grep -q '"models"' <<<"$models"; then
  echo "$PREFIX: reusing the pre-trained models of tenant corpus" >&2
else
  echo "$PREFIX: generating the default history in tenant corpus" >&2
  "$BUILD/client/history/streamtune-history" generate --server="$ADDR" --tenant=corpus >&2
  echo "$PREFIX: pre-training (a few minutes)" >&2
  "$CTL" --server="$ADDR" --tenant=corpus --timeout=7200s pretrain >&2
fi
