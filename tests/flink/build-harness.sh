#!/usr/bin/env bash
# Builds the Flink test harness (Maven, Java 17, Flink from Maven Central)
# for one Flink line into OUT_DIR: streamtune-flink-harness.jar plus lib/
# (runtime classpath), running its JUnit tests on the way. LINE is a profile
# of pom.xml without its "flink-" prefix: 1.20 (default) or 2.3. Called by
# the ctest fixtures flink.harness_build.<LINE>; downloads into ~/.m2 on
# first use.
#   tests/flink/build-harness.sh OUT_DIR [LINE]
set -euo pipefail
OUT="${1:?usage: build-harness.sh OUT_DIR [1.20|2.3]}"
LINE="${2:-1.20}"
mkdir -p "$OUT" && OUT="$(cd "$OUT" && pwd)"  # Maven resolves it from the pom's folder.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v mvn >/dev/null || { echo "build-harness: mvn not found (deploy/install-deps.sh installs maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "build-harness: java not found (deploy/install-deps.sh installs openjdk-17-jdk-headless)" >&2; exit 1; }
grep -q "<id>flink-$LINE</id>" "$HERE/pom.xml" || { echo "build-harness: no profile flink-$LINE in pom.xml" >&2; exit 2; }
# lib/ is rebuilt from scratch so a changed dependency set leaves no stale jar.
rm -rf "$OUT/lib"
mvn -B -q --no-transfer-progress -f "$HERE/pom.xml" -P "flink-$LINE" package -Dharness.output="$OUT"
test -f "$OUT/streamtune-flink-harness.jar"
echo "build-harness: Flink $(ls "$OUT/lib" | sed -n 's/^flink-runtime-\(.*\)\.jar$/\1/p'), $(ls "$OUT/lib" | wc -l) runtime jars in $OUT/lib"
