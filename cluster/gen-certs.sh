#!/bin/sh
# Makes a cluster CA and one certificate per node with the openssl CLI, the same profile as the
# embedded dev certificates (Sources/coffer/DevCertificates.swift): EC P-256, CN=<id>,
# SAN DNS:<id>,DNS:localhost,IP:127.0.0.1, usable as both TLS server and client.
# Existing files are kept, so running it again only adds missing nodes.
#
# usage: cluster/gen-certs.sh OUT_DIR NODE_ID...
#   OUT_DIR/ca.pem, OUT_DIR/ca.key, OUT_DIR/<id>.pem, OUT_DIR/<id>.key (keys mode 0600)
set -eu

if [ "$#" -lt 2 ]; then
    echo "usage: $0 OUT_DIR NODE_ID..." >&2
    exit 64
fi
out=$1
shift
mkdir -p "$out"
umask 077

if [ ! -f "$out/ca.pem" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$out/ca.key" -sha256 -days 3650 -subj "/CN=Coffer cluster CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$out/ca.pem"
    chmod 0600 "$out/ca.key"
    chmod 0644 "$out/ca.pem"
fi

for id in "$@"; do
    # The id becomes a DNS name and a file name: keep it to what both accept.
    case "$id" in
        ''|-*|*[!A-Za-z0-9.-]*) echo "invalid node id '$id' (letters, digits, '.', '-')" >&2; exit 65 ;;
    esac
    [ -f "$out/$id.pem" ] && continue
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/$id.key" 2>/dev/null
    chmod 0600 "$out/$id.key"
    openssl req -new -key "$out/$id.key" -subj "/CN=$id" -out "$work/node.csr"
    cat > "$work/node.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:$id,DNS:localhost,IP:127.0.0.1
EXT
    openssl x509 -req -in "$work/node.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
        -days 825 -sha256 -extfile "$work/node.ext" -out "$out/$id.pem" 2>/dev/null
    chmod 0644 "$out/$id.pem"
    rm -rf "$work"
    trap - EXIT
done
