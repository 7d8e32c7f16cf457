#!/usr/bin/env bash
# Checks that every C/C++ file of the repository matches .clang-format, with
# Debian's clang-format (deploy/install-deps.sh installs it). Prints each
# finding and exits non-zero when there is one; `--fix` rewrites the files
# in place instead.
#
# Usage: deploy/check-format.sh [--fix]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if ! command -v clang-format >/dev/null 2>&1; then
  echo "check-format: clang-format not found (deploy/install-deps.sh installs it)" >&2
  exit 2
fi
# Tracked files and new ones not yet added (never the build trees); outside a
# git checkout, every such file but the build trees.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
    '*.cc' '*.h' '*.cpp' '*.hpp' | sort -u | while read -r f; do [[ -f "$f" ]] && echo "$f"; done)
else
  mapfile -t files < <(find . \( -path './build*' -o -path './.local' -o -path '*/target' \) \
    -prune -o -type f \( -name '*.cc' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \) \
    -print | sort)
fi
if ((${#files[@]} == 0)); then
  echo "check-format: no C/C++ files found under $ROOT" >&2
  exit 2
fi
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  echo "check-format: formatted ${#files[@]} files" >&2
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "check-format: the files above differ from .clang-format; run deploy/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files match .clang-format" >&2
