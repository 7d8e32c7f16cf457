#!/bin/sh
# Renders deploy/prometheus/prometheus.yml.template into a Prometheus config:
#   deploy/prometheus/render.sh OUT_FILE SCRAPE_INTERVAL TARGET...
# Each TARGET is a replica's metrics host:port. POSIX sh and awk only.
set -eu
if [ "$#" -lt 3 ]; then
  echo "usage: $0 OUT_FILE SCRAPE_INTERVAL TARGET..." >&2
  exit 2
fi
out=$1 interval=$2
shift 2
template="$(dirname "$0")/prometheus.yml.template"
awk -v interval="$interval" -v targets="$*" '
  BEGIN {
    n = split(targets, t, " ")
    list = ""
    for (i = 1; i <= n; i++) list = list (i > 1 ? ", " : "") "\"" t[i] "\""
  }
  { gsub(/@SCRAPE_INTERVAL@/, interval); gsub(/@TARGETS@/, list); print }
' "$template" >"$out.tmp"
mv "$out.tmp" "$out"
