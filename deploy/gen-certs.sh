#!/usr/bin/env bash
# Throwaway TLS material for the demo, the tests and local stacks: a CA, a
# server certificate signed by it (names: localhost, 127.0.0.1, ::1,
# streamtuned, streamtuned-headless and any extra names given) and a client
# certificate for mutual TLS. Never for production: the CA key sits beside
# the certificates and everything is valid for 30 days.
# Usage: deploy/gen-certs.sh DIR [EXTRA_DNS_NAME...]
# Writes DIR/{ca,server,client}.{pem,key}; keeps existing files.
set -euo pipefail
DIR="${1:?usage: gen-certs.sh DIR [EXTRA_DNS_NAME...]}"
shift
mkdir -p "$DIR"
cd "$DIR"
[[ -s server.pem && -s client.pem ]] && exit 0
umask 077
sans="DNS:localhost,IP:127.0.0.1,IP:::1,DNS:streamtuned,DNS:streamtuned-headless"
for name in "$@"; do sans="$sans,DNS:$name"; done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=StreamTune throwaway CA" -keyout ca.key -out ca.pem 2>/dev/null
sign() {  # sign NAME SUBJECT EXTENSIONS
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile <(printf '%s\n' "$3") -out "$1.pem" 2>/dev/null
  rm -f "$1.csr"
}
sign server "/CN=streamtuned" "subjectAltName=$sans
extendedKeyUsage=serverAuth"
sign client "/CN=streamtune-client" "extendedKeyUsage=clientAuth"
chmod 644 ca.pem server.pem client.pem
echo "gen-certs: CA, server and client certificates in $DIR" >&2
