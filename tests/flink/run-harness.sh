#!/usr/bin/env bash
# Runs the Flink test harness built by build-harness.sh:
#   tests/flink/run-harness.sh HARNESS_DIR [--tmp-dir=DIR] [--name=value ...]
# HARNESS_DIR holds streamtune-flink-harness.jar and lib/. Flags are the
# harness's (see HarnessOptions.java). Java 17 needs the module opens below
# for Flink's serialisers (docs/engines.md). FLINK_HARNESS_HEAP overrides -Xmx.
# --tmp-dir (created if missing) becomes the JVM's java.io.tmpdir, where the
# MiniCluster puts its working folders (flink-io-*, flink-dist-cache-*,
# minicluster_*, ...), which it leaves behind when stopped: the caller
# removes DIR afterwards instead of /tmp filling up run after run.
set -euo pipefail
DIR="${1:?usage: run-harness.sh HARNESS_DIR [--tmp-dir=DIR] [flags]}"
shift
TMP_FLAG=()
if [[ "${1:-}" == --tmp-dir=* ]]; then
  mkdir -p "${1#--tmp-dir=}"
  TMP_FLAG=("-Djava.io.tmpdir=${1#--tmp-dir=}")
  shift
fi
OPENS=()
for pkg in java.base/java.lang java.base/java.lang.reflect java.base/java.util \
  java.base/java.util.concurrent java.base/java.util.concurrent.atomic java.base/java.io \
  java.base/java.nio java.base/java.net java.base/java.time java.base/java.text \
  java.base/sun.nio.ch java.base/java.math java.base/java.security \
  java.base/sun.net.util java.sql/java.sql; do
  OPENS+=("--add-opens=$pkg=ALL-UNNAMED")
done
exec java -Xmx"${FLINK_HARNESS_HEAP:-768m}" -XX:+UseSerialGC "${OPENS[@]}" "${TMP_FLAG[@]}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel="${FLINK_HARNESS_LOG_LEVEL:-warn}" \
  -cp "$DIR/streamtune-flink-harness.jar:$DIR/lib/*" \
  org.streamtune.flink.harness.HarnessMain "$@"
