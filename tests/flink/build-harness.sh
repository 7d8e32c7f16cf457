#!/usr/bin/env bash
# Builds the Flink test harness (Maven, Java 17, Flink from Maven Central)
# into OUT_DIR: streamtune-flink-harness.jar plus lib/ (runtime classpath),
# running its JUnit tests on the way. Called by the ctest fixture
# flink.harness_build; downloads into ~/.m2 on first use.
#   tests/flink/build-harness.sh OUT_DIR
set -euo pipefail
OUT="${1:?usage: build-harness.sh OUT_DIR}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v mvn >/dev/null || { echo "build-harness: mvn not found (deploy/install-deps.sh installs maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "build-harness: java not found (deploy/install-deps.sh installs openjdk-17-jdk-headless)" >&2; exit 1; }
# lib/ is rebuilt from scratch so a changed dependency set leaves no stale jar.
rm -rf "$OUT/lib"
mvn -B -q --no-transfer-progress -f "$HERE/pom.xml" package -Dharness.output="$OUT"
test -f "$OUT/streamtune-flink-harness.jar"
echo "build-harness: $(ls "$OUT/lib" | wc -l) runtime jars in $OUT/lib"
