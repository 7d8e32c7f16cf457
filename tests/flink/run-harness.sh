#!/usr/bin/env bash
# Runs the Flink test harness built by build-harness.sh:
#   tests/flink/run-harness.sh HARNESS_DIR [--name=value ...]
# HARNESS_DIR holds streamtune-flink-harness.jar and lib/. Flags are the
# harness's (see HarnessOptions.java). Java 17 needs the module opens below
# for Flink's serialisers (docs/engines.md). FLINK_HARNESS_HEAP overrides -Xmx.
set -euo pipefail
DIR="${1:?usage: run-harness.sh HARNESS_DIR [flags]}"
shift
OPENS=()
for pkg in java.base/java.lang java.base/java.lang.reflect java.base/java.util \
  java.base/java.util.concurrent java.base/java.util.concurrent.atomic java.base/java.io \
  java.base/java.nio java.base/java.net java.base/java.time java.base/java.text \
  java.base/sun.nio.ch java.base/java.math java.base/java.security \
  java.base/sun.net.util java.sql/java.sql; do
  OPENS+=("--add-opens=$pkg=ALL-UNNAMED")
done
exec java -Xmx"${FLINK_HARNESS_HEAP:-768m}" -XX:+UseSerialGC "${OPENS[@]}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel="${FLINK_HARNESS_LOG_LEVEL:-warn}" \
  -cp "$DIR/streamtune-flink-harness.jar:$DIR/lib/*" \
  org.streamtune.flink.harness.HarnessMain "$@"
