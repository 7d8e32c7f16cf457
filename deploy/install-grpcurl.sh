#!/usr/bin/env bash
# Installs grpcurl (the third-party gRPC client one integration test uses)
# from the Go module proxy into .local/bin of the repository. Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.local/bin"
VERSION="v1.9.1"
if [[ -x "$DEST/grpcurl" ]]; then exit 0; fi
GO="$(command -v go || true)"
if [[ -z "$GO" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
if [[ -z "$GO" ]]; then
  echo "install-grpcurl: no Go toolchain found (deploy/install-deps.sh installs one)" >&2
  exit 1
fi
mkdir -p "$DEST"
echo "install-grpcurl: building grpcurl $VERSION with $("$GO" version)" >&2
GOBIN="$DEST" "$GO" install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$VERSION"
