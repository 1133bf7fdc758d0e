#!/usr/bin/env bash
# A quick look at Coffer's write path alone: a 3-node release cluster on 127.0.0.1, 5,096
# secrets set up, then benchmarks/loadgen writing to the leader closed-loop at each
# concurrency. Prints one loadgen line per concurrency. For the side-by-side with etcd, use
# cluster-vs-etcd.sh; this one is for before/after checks of a change to the node.
#
# usage: benchmarks/writes-quick.sh            (CS="1 64" DURATION=5s; COFFER_BIN=path)
#   PERF=C   also records the leader with `perf record -g` for 5 s under load at concurrency C
#            into ./perf.data (needs linux-perf); with PERF_ALL=1 it records the whole machine
#            (all three nodes, the load generator and the kernel) instead; PERF_STAT=events counts
#            those events instead of sampling; PERF_EVENTS=events records each of them, with its
#            time, thread and process (read them with `perf script`): a write's timeline
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
CS=${CS:-1 64}
DURATION=${DURATION:-5s}
missing=()
for package in golang-go golang-etcd-server-dev jq curl openssl; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
make -s deps >/dev/null
if [ -n "${COFFER_BIN:-}" ]; then coffer=$(realpath "$COFFER_BIN"); else
    swift build -c release --product coffer >/dev/null; coffer=$root/.build/release/coffer; fi
work=$(mktemp -d /tmp/writes-quick.XXXXXX)
GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$work/loadgen" ./benchmarks/loadgen
api=$((20000 + RANDOM % 10000)); peer=$((api + 100))
dir=$work/coffer
"$coffer" dev --nodes 3 --dir "$dir" --api-port $api --peer-port $peer --prepare-only >/dev/null 2>&1
pids=()
cleanup() { kill -9 "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for i in 1 2 3; do "$coffer" server --config "$dir/node$i/config" >>"$dir/node$i/log" 2>&1 9>&- & pids+=($!); done
leader=""
for _ in $(seq 600); do
    leader=$(curl -s --max-time 2 --cacert "$dir/ca.pem" -H "Authorization: Bearer $(cat "$dir/admin.token")" \
        "https://127.0.0.1:$api/v1/cluster" 2>/dev/null | jq -r '.leader // empty' 2>/dev/null | tr -dc 0-9 || true)
    [ -n "$leader" ] && break
    sleep 0.1
done
[ -n "$leader" ] || { echo "the cluster did not come up; see $dir/node*/log" >&2; exit 1; }
endpoint="127.0.0.1:$((api + leader - 1))"
gen() { "$work/loadgen" -system coffer -ca "$dir/ca.pem" -token-file "$dir/admin.token" "$@"; }
gen -endpoints "127.0.0.1:$api,127.0.0.1:$((api + 1)),127.0.0.1:$((api + 2))" -op setup -c 32 \
    -secrets benchmarks/fixtures/secrets-1000.json >/dev/null
server_pids=$(IFS=,; echo "${pids[*]}")
# Each node's CPU seconds (user + system) so far, leader marked.
node_cpu() {
    local i
    for i in 1 2 3; do
        awk -v tag="node$i$([ "$i" = "$leader" ] && echo "(leader)")" -v hz="$(getconf CLK_TCK)" \
            '{ printf "%s=%.2f ", tag, ($14 + $15) / hz }' "/proc/${pids[$((i - 1))]}/stat"
    done
}
# Per node: milliseconds its threads ran, and waited runnable for a CPU (schedstat), so far.
node_sched() {
    local i
    for i in 1 2 3; do
        cat /proc/"${pids[$((i - 1))]}"/task/*/schedstat 2>/dev/null |
            awk -v tag="node$i" '{ run += $1; wait += $2 } END { printf "%s run=%.0f wait=%.0f ", tag, run / 1e6, wait / 1e6 }'
    done
}
for c in $CS; do
    before=$(node_cpu)
    sched_before=$(node_sched)
    echo "c=$c $(gen -endpoints "$endpoint" -op put -c "$c" -n 200000 -d "$DURATION" -server-pids "$server_pids")"
    echo "  cpu_s before: $before"
    echo "  cpu_s after:  $(node_cpu)"
    echo "  sched_ms before: $sched_before"
    echo "  sched_ms after:  $(node_sched)"
done
# Snapshots stop a node's writes while they are taken: say how many fell into the runs.
for i in 1 2 3; do
    echo "node$i: $(grep -c "took a snapshot" "$dir/node$i/log" || true) snapshot(s) taken"
    grep "took a snapshot" "$dir/node$i/log" | sed 's/^/  /' || true
done
if [ -n "${PERF:-}" ]; then
    gen -endpoints "$endpoint" -op put -c "$PERF" -n 1000000 -d 8s >/dev/null &
    sleep 1
    if [ -n "${PERF_ALL:-}" ]; then target=(-a); else target=(-p "${pids[$((leader - 1))]}"); fi
    if [ -n "${PERF_STAT:-}" ]; then perf stat -e "$PERF_STAT" "${target[@]}" -- sleep 5 2>&1 | grep -v "^$"
    elif [ -n "${PERF_EVENTS:-}" ]; then perf record -e "$PERF_EVENTS" "${target[@]}" -o perf.data -- sleep 1 >/dev/null 2>&1
    else perf record -F 999 -g "${target[@]}" -o perf.data -- sleep 5 >/dev/null 2>&1; fi
    echo "pids: node1=${pids[0]} node2=${pids[1]} node3=${pids[2]} leader=node$leader"
    wait $!
fi
