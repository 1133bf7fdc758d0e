#!/usr/bin/env bash
# Time from `kill -9` of the leader to the first successful write through a surviving node,
# on a 3-node Coffer cluster on 127.0.0.1 at its default timings.
#
# usage: benchmarks/failover.sh [TRIALS]    (default 5; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-5}
make -s deps >/dev/null
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
swift build -c release --product coffer >/dev/null 2>&1
coffer=$PWD/.build/release/coffer

dir=$(mktemp -d /tmp/coffer-failover.XXXXXX)
api=$((20000 + RANDOM % 20000)); peer=$((api + 100))
"$coffer" dev --nodes 3 --dir "$dir" --api-port $api --peer-port $peer >"$dir/dev.out" 2>&1 &
dev=$!
trap 'kill $dev 2>/dev/null; wait $dev 2>/dev/null; rm -rf "$dir"' EXIT

for _ in $(seq 300); do grep -q "Coffer is running" "$dir/dev.out" 2>/dev/null && break; sleep 0.1; done
token=$(cat "$dir/admin.token")
request() { # request PORT METHOD PATH [BODY] -> prints the HTTP status
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$dir/ca.pem" -H "Authorization: Bearer $token" \
        -X "$2" ${4:+-H 'Content-Type: application/json' --data "$4"} "https://127.0.0.1:$1$3" || true
}
leader() { # the leader's index as node $1 sees it
    curl -s --max-time 2 --cacert "$dir/ca.pem" -H "Authorization: Bearer $token" "https://127.0.0.1:$(($api + $1 - 1))/v1/cluster" \
        | sed -n 's/.*"leader":"node\([0-9]\)".*/\1/p'
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

for _ in $(seq 100); do [ "$(request $api GET /v1/secrets)" = 200 ] && break; sleep 0.1; done

results=()
for trial in $(seq "$trials"); do
    current=""
    for _ in $(seq 100); do current=$(leader 1 || true); [ -n "$current" ] && break; sleep 0.1; done
    [ -n "$current" ] || { echo "no leader" >&2; exit 1; }
    survivor=$(( current % 3 + 1 ))
    [ "$(request $(($api + survivor - 1)) POST /v1/secrets "{\"name\":\"warm$trial\",\"value\":\"v\"}")" = 201 ]
    start=$(now_ms)
    kill -9 "$(cat "$dir/node$current/pid")"
    attempt=0
    until [ "$(request $(($api + survivor - 1)) POST /v1/secrets "{\"name\":\"t${trial}_$attempt\",\"value\":\"v\"}")" = 201 ]; do
        attempt=$((attempt + 1))
    done
    elapsed=$(( $(now_ms) - start ))
    results+=("$elapsed")
    echo "trial $trial: leader node$current killed, first write through node$survivor after ${elapsed} ms"
    # Bring the node back and let it catch up before the next trial.
    "$coffer" server --config "$dir/node$current/config" >>"$dir/node$current/log" 2>&1 &
    echo $! > "$dir/node$current/pid"
    for _ in $(seq 100); do [ "$(request $(($api + current - 1)) GET /v1/secrets)" = 200 ] && break; sleep 0.1; done
    sleep 1
done
sorted=($(printf '%s\n' "${results[@]}" | sort -n))
echo "failover_ms_median ${sorted[$(( ${#sorted[@]} / 2 ))]}"
echo "failover_ms_max ${sorted[$(( ${#sorted[@]} - 1 ))]}"
# Nodes restarted by this script are not the dev command's children: stop them too.
for index in 1 2 3; do kill "$(cat "$dir/node$index/pid" 2>/dev/null)" 2>/dev/null || true; done
