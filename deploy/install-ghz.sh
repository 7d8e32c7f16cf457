#!/usr/bin/env bash
# Installs ghz (the third-party gRPC load tool bench/load/ghz.sh drives) from
# the Go module proxy into .local/bin of the repository:
#   deploy/install-ghz.sh        prints the path of the installed binary
# Idempotent: a ghz of the pinned version already in .local/bin is kept. Needs
# a Go toolchain (`go` on PATH or /usr/local/go/bin/go); on a Debian machine
# without one it installs Debian's golang-go (as root or through sudo).
# Environment: GHZ_VERSION (default the pinned one below).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.local/bin"
VERSION="${GHZ_VERSION:-v0.120.0}"
STAMP="$DEST/.ghz-version"

if [[ -x "$DEST/ghz" && -f "$STAMP" && "$(<"$STAMP")" == "$VERSION" ]]; then
  echo "$DEST/ghz"
  exit 0
fi

find_go() {
  if command -v go >/dev/null 2>&1; then command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go
  fi
}
GO="$(find_go)"
if [[ -z "$GO" ]] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [[ "$(id -u)" -ne 0 ]]; then SUDO="sudo"; fi
  echo "install-ghz: no Go toolchain; installing Debian's golang-go" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends golang-go >&2
  GO="$(find_go)"
fi
if [[ -z "$GO" ]]; then
  echo "install-ghz: no Go toolchain found: install Go (e.g. Debian's golang-go," \
    "or run deploy/install-deps.sh) and retry" >&2
  exit 1
fi

mkdir -p "$DEST"
echo "install-ghz: building ghz $VERSION with $("$GO" version)" >&2
GOBIN="$DEST" "$GO" install "github.com/bojand/ghz/cmd/ghz@$VERSION" >&2
echo "$VERSION" >"$STAMP"
echo "$DEST/ghz"
