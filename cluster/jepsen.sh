#!/usr/bin/env bash
# A long Jepsen-style run against a real three-node cluster on 127.0.0.1: clients on every
# node rotate and linearizably render secrets while a nemesis kills (kill -9), pauses
# (SIGSTOP) and cuts off nodes, then the history is checked for linearizability.
#
#   cluster/jepsen.sh SECONDS [SEED]
#
# The same test `make test` runs for 20 s (Tests/EndToEndTests/JepsenTests.swift). Without
# SEED a fresh one is drawn and printed; the nemesis and clients replay from it (the
# machine's timing does not).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: cluster/jepsen.sh SECONDS [SEED]}
seed=${2:-$((RANDOM << 30 | RANDOM << 15 | RANDOM))}
swift build --build-tests >/dev/null
JEPSEN_SECONDS=$seconds JEPSEN_SEED=$seed swift test --skip-build --filter JepsenTests 2>&1 \
    | grep -E '^jepsen:|✘|Test run with|error'
