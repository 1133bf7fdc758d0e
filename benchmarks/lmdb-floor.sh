#!/usr/bin/env bash
# What the disk alone makes a write at concurrency 1 wait for, Coffer's storage beside etcd's:
# see lmdb-floor/lmdb-floor.c. Runs in a temporary directory on the same filesystem as the
# benchmarks' clusters (/tmp). usage: benchmarks/lmdb-floor.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")"
dpkg-query -W -f='${Status}' liblmdb-dev 2>/dev/null | grep -q "ok installed" || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblmdb-dev >/dev/null; }
work=$(mktemp -d /tmp/lmdb-floor.XXXXXX)
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -o "$work/lmdb-floor" lmdb-floor/lmdb-floor.c -llmdb
mkdir "$work/data"
"$work/lmdb-floor" "$work/data" "${1:-400}"
