#!/usr/bin/env bash
# Installs every Debian package the build, the demo and the tests need.
# Idempotent: packages already present are skipped; apt-get update runs only
# when something is missing. Safe to run as root on a fresh Debian 12 machine.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates clang-format
  # the fuzz harnesses (fuzz/run.sh): clang, and libclang_rt.fuzzer and the
  # sanitizer runtimes, which Debian 12 ships in libclang-rt-14-dev
  clang libclang-rt-14-dev
  # RPC and serialisation
  libgrpc++-dev libre2-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  # core libraries
  libabsl-dev libtorch-dev libpqxx-dev libpq-dev prometheus-cpp-dev nlohmann-json3-dev
  # TLS and token digests; openssl makes the demo's and tests' throwaway certificates
  libssl-dev openssl
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # private PostgreSQL server for dev, demo and tests
  postgresql postgresql-client
  # operations tests: gRPC load balancer, metrics server, deploy-file checks
  nginx prometheus python3-yaml
  # Flink client (HTTP to the JobManager) and the real Flink its tests run
  # (tests/flink: Maven fetches Flink from Maven Central)
  libcurl4-openssl-dev openjdk-17-jdk-headless maven
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then SUDO="sudo"; fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present" >&2
fi

# grpcurl, the third-party client used by one integration test, comes from the
# Go module proxy. Go ships with the machine image; Debian's golang-go is the
# fallback on a machine without it.
if ! command -v go >/dev/null 2>&1 && [[ ! -x /usr/local/go/bin/go ]]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends golang-go
fi

# The Timely client (client/timely) is Rust. rustup's toolchain ships with the
# machine image (~/.cargo/bin); Debian's cargo-web/rustc-web (Rust >= 1.85)
# are the fallback on a machine without it (no clippy or rustfmt there: the
# timely_lint test then fails and says so).
if ! command -v cargo >/dev/null 2>&1 && [[ ! -x "$HOME/.cargo/bin/cargo" ]]; then
  echo "install-deps: installing Debian's cargo-web and rustc-web" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends cargo-web rustc-web
fi
