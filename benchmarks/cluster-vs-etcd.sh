#!/usr/bin/env bash
# Coffer's 3-node cluster side by side with a 3-node etcd 3.4 cluster on this machine:
# writes, reads, failover and (Coffer only) rotation. Both clusters use mutual TLS between
# members and TLS for clients, keep their data in a temporary directory and listen on
# 127.0.0.1 only. benchmarks/loadgen (Go) drives both closed-loop with the same
# concurrency and connection counts. Every measurement runs while holding the shared build
# lock, so no compile runs beside it; each hold stays well under five minutes.
#
# usage: benchmarks/cluster-vs-etcd.sh
#   DURATION=5s      timed length of each load run (after a 1 s warm-up)
#   TRIALS=5         failover trials per system and timing
#   READ_C=16        concurrency of the read runs
#   EQUAL_TICK_MS=100 EQUAL_ELECTION_TICKS=10   the "equal timings" for both systems
#                    (heartbeat = one tick; etcd: --heartbeat-interval, --election-timeout)
#   SKIP="throughput failover rotation scoped trail"   sections to leave out
#   TRAIL_ROUNDS=2   rounds of the trail section (on-off, then off-on, and so on)
#   COFFER_BIN=path  measure this coffer binary instead of building .build/release/coffer
#   KEEP_RESULTS=file  keep the raw results (one line per run) there
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
DURATION=${DURATION:-5s}
TRIALS=${TRIALS:-5}
READ_C=${READ_C:-16}
EQUAL_TICK_MS=${EQUAL_TICK_MS:-100}
EQUAL_ELECTION_TICKS=${EQUAL_ELECTION_TICKS:-10}
SKIP=${SKIP:-}
TRAIL_ROUNDS=${TRAIL_ROUNDS:-2}
lock=/tmp/coffer-swift-build.lock
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

# --- What is missing gets installed (Debian packages only; no other network use).
missing=()
for package in etcd-server etcd-client golang-go golang-etcd-server-dev jq curl openssl iproute2; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
make -s deps >/dev/null

work=$(mktemp -d /tmp/cluster-vs-etcd.XXXXXX)
results=$work/results
: >"$results"
coffer_pids=() etcd_pids=()
gone() { # waits (up to 10 s) until process $1 has exited
    for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; }
cleanup() {
    for pid in "${coffer_pids[@]}" "${etcd_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    for pid in "${coffer_pids[@]}" "${etcd_pids[@]}"; do gone "$pid"; done
    if [ -n "${KEEP_RESULTS:-}" ]; then cp "$results" "$KEEP_RESULTS"; fi
    rm -rf "$work"
}
trap cleanup EXIT

# --- Builds, each under the lock: release coffer, and the Go load generator in GOPATH mode
# against Debian's Go sources of the etcd client (offline).
echo "building coffer (release) and benchmarks/loadgen ..."
if [ -n "${COFFER_BIN:-}" ]; then
    coffer=$(realpath "$COFFER_BIN")
else
    flock "$lock" swift build -c release --product coffer >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
    coffer=$root/.build/release/coffer
fi
loadgen=$work/loadgen
flock "$lock" env GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$loadgen" ./benchmarks/loadgen

# Twelve ports below the kernel's ephemeral range (32768 and up), so that no outgoing
# connection of another program holds one of them, and none of them listening already.
for _ in $(seq 50); do
    api=$((20000 + RANDOM % 12000))
    taken=$(ss -Htln 2>/dev/null | awk '{print $4}' | sed 's/.*://' | grep -cxE "$api|$((api+1))|$((api+2))|$((api+100))|$((api+101))|$((api+102))|$((api+200))|$((api+201))|$((api+202))|$((api+300))|$((api+301))|$((api+302))" || true)
    [ "$taken" = 0 ] && break
done
peer=$((api + 100)); eclient=$((api + 200)); epeer=$((api + 300))
endpoints_coffer="127.0.0.1:$api,127.0.0.1:$((api + 1)),127.0.0.1:$((api + 2))"
endpoints_etcd="127.0.0.1:$eclient,127.0.0.1:$((eclient + 1)),127.0.0.1:$((eclient + 2))"
dir=$work/coffer

# --- Coffer: `coffer dev --prepare-only` makes the CA, node certificates, master key,
# tokens and configs; the nodes are started here so that they can be killed and restarted.
"$coffer" dev --nodes 3 --dir "$dir" --api-port $api --peer-port $peer --prepare-only >/dev/null
# etcd uses the same CA and the same kind of certificate (EC P-256, serverAuth+clientAuth,
# IP:127.0.0.1), so both pay the same for TLS; the load generator's etcd client shows node1's.

set_coffer_timings() { # TICK_MS ELECTION_TICKS, or "default"
    for i in 1 2 3; do
        local config=$dir/node$i/config
        if [ "$1" = default ]; then jq 'del(.raft)' "$config" >"$config.new"
        else jq --argjson t "$1" --argjson e "$2" '.raft = {tickMilliseconds: $t, electionTicks: $e}' "$config" >"$config.new"; fi
        mv "$config.new" "$config"
    done
}
set_coffer_usage() { # on or off: whether each node keeps its usage trail
    for i in 1 2 3; do
        local config=$dir/node$i/config
        jq --argjson on "$([ "$1" = on ] && echo true || echo false)" '.usage = {enabled: $on}' "$config" >"$config.new"
        mv "$config.new" "$config"
    done
}
start_coffer_node() {
    "$coffer" server --config "$dir/node$1/config" >>"$dir/node$1/log" 2>&1 9>&- &
    coffer_pids[$1]=$!
    disown $! # killed on purpose later: no job-control message
}
curl_coffer() { # PORT PATH -> HTTP status
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$dir/ca.pem" \
        -H "Authorization: Bearer $(cat "$dir/admin.token")" "https://127.0.0.1:$1$2" || true
}
wait_coffer() { # every node answers /v1/cluster (tokens bootstrapped) and names a leader
    local deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ]; do
        local ok=1
        for i in 1 2 3; do
            curl -s --max-time 2 --cacert "$dir/ca.pem" -H "Authorization: Bearer $(cat "$dir/admin.token")" \
                "https://127.0.0.1:$((api + i - 1))/v1/cluster" 2>/dev/null | grep -q '"leader":"node' || ok=0
        done
        [ $ok = 1 ] && return 0
        sleep 0.1
    done
    echo "the Coffer cluster did not come up; see $dir/node*/log" >&2; exit 1
}
stop_coffer() { for i in 1 2 3; do kill "${coffer_pids[$i]}" 2>/dev/null || true; gone "${coffer_pids[$i]}"; done; }
start_coffer() { for i in 1 2 3; do start_coffer_node $i; done; wait_coffer; }

# --- etcd: three members, client and peer TLS with client certificates.
etcd_args=()
set_etcd_timings() { # HEARTBEAT_MS ELECTION_MS, or "default"
    if [ "$1" = default ]; then etcd_args=(); else etcd_args=(--heartbeat-interval "$1" --election-timeout "$2"); fi
}
start_etcd_node() {
    local i=$1 cluster=""
    for j in 1 2 3; do cluster+="${cluster:+,}e$j=https://127.0.0.1:$((epeer + j - 1))"; done
    etcd --name "e$i" --data-dir "$work/etcd/e$i" \
        --listen-client-urls "https://127.0.0.1:$((eclient + i - 1))" --advertise-client-urls "https://127.0.0.1:$((eclient + i - 1))" \
        --listen-peer-urls "https://127.0.0.1:$((epeer + i - 1))" --initial-advertise-peer-urls "https://127.0.0.1:$((epeer + i - 1))" \
        --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token bench \
        --cert-file "$dir/node$i/node.pem" --key-file "$dir/node$i/node.key" --trusted-ca-file "$dir/ca.pem" --client-cert-auth \
        --peer-cert-file "$dir/node$i/node.pem" --peer-key-file "$dir/node$i/node.key" --peer-trusted-ca-file "$dir/ca.pem" \
        --peer-client-cert-auth --logger zap --log-outputs stderr "${etcd_args[@]}" >>"$work/etcd/e$i.log" 2>&1 9>&- &
    etcd_pids[$i]=$!
    disown $!
}
etcdctl_() {
    ETCDCTL_API=3 etcdctl --endpoints "https://$endpoints_etcd" --cacert "$dir/ca.pem" --cert "$dir/node1/node.pem" \
        --key "$dir/node1/node.key" --command-timeout 2s "$@"
}
wait_etcd() {
    local deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ]; do
        etcdctl_ endpoint status --cluster -w json 2>/dev/null | jq -e 'length == 3 and all(.Status.leader != 0)' >/dev/null && return 0
        sleep 0.1
    done
    echo "the etcd cluster did not come up; see $work/etcd/*.log" >&2; exit 1
}
stop_etcd() { for i in 1 2 3; do kill "${etcd_pids[$i]}" 2>/dev/null || true; gone "${etcd_pids[$i]}"; done; }
start_etcd() { mkdir -p "$work/etcd"; for i in 1 2 3; do start_etcd_node $i; done; wait_etcd; }
endpoints_etcd_csv=$endpoints_etcd
endpoints_etcd="${endpoints_etcd//,/,https://}"

pids() { local IFS=,; echo "$*"; }
coffer_gen() { "$loadgen" -system coffer -endpoints "$endpoints_coffer" -ca "$dir/ca.pem" "$@"; }
etcd_gen() { "$loadgen" -system etcd -endpoints "$endpoints_etcd_csv" -ca "$dir/ca.pem" -cert "$dir/node1/node.pem" -key "$dir/node1/node.key" "$@"; }
leader_endpoint() { # system -> the leader's endpoint, so writes go straight to it on both
    if [ "$1" = coffer ]; then
        local n; n=$(curl -s --max-time 2 --cacert "$dir/ca.pem" -H "Authorization: Bearer $(cat "$dir/admin.token")" \
            "https://127.0.0.1:$api/v1/cluster" | jq -r '.leader' | tr -dc 0-9)
        echo "127.0.0.1:$((api + n - 1))"
    else
        etcdctl_ endpoint status --cluster -w json | jq -r '.[] | select(.Status.header.member_id == .Status.leader) | .Endpoint' \
            | sed 's|https://||'
    fi
}
record() { echo "$1: $2" >>"$results"; echo "  $1: $2"; }

set_coffer_timings default; set_etcd_timings default
echo "starting both clusters (work dir $work) ..."
start_coffer; start_etcd
coffer_gen -op setup -c 32 -token-file "$dir/admin.token" -secrets benchmarks/fixtures/secrets-1000.json >/dev/null
etcd_gen -op setup -c 32 >/dev/null

# --- Throughput: writes at 1, 16, 64; reads local and linearizable. One lock hold.
echo "throughput (each run: 1 s warm-up, then $DURATION or 200,000 operations) ..."
throughput() {
    local cl el; cl=$(leader_endpoint coffer); el=$(leader_endpoint etcd)
    for c in 1 16 64; do
        record "write c=$c coffer" "$("$loadgen" -system coffer -endpoints "$cl" -ca "$dir/ca.pem" -token-file "$dir/admin.token" \
            -op put -c $c -n 200000 -d "$DURATION" -server-pids "$(pids "${coffer_pids[@]}")")"
        record "write c=$c etcd" "$("$loadgen" -system etcd -endpoints "$el" -ca "$dir/ca.pem" -cert "$dir/node1/node.pem" \
            -key "$dir/node1/node.key" -op put -c $c -n 200000 -d "$DURATION" -server-pids "$(pids "${etcd_pids[@]}")")"
    done
    for mode in local linearizable; do
        local flag=""; [ $mode = linearizable ] && flag=-linearizable
        record "read $mode coffer" "$(coffer_gen -token-file "$dir/render.token" -template benchmarks/fixtures/http-post-4refs.tmpl \
            -op get $flag -c "$READ_C" -n 1000000 -d "$DURATION" -server-pids "$(pids "${coffer_pids[@]}")")"
        record "read $mode etcd" "$(etcd_gen -op get $flag -c "$READ_C" -n 1000000 -d "$DURATION" -server-pids "$(pids "${etcd_pids[@]}")")"
    done
}
terms() { # the current term of each cluster: a change means a leader was lost under load
    echo "coffer=$(curl -s --max-time 2 --cacert "$dir/ca.pem" -H "Authorization: Bearer $(cat "$dir/admin.token")" \
        "https://127.0.0.1:$api/v1/cluster" | jq '[.members[].term // 0] | max')" \
        "etcd=$(etcdctl_ endpoint status --cluster -w json | jq '[.[].Status.header.raft_term] | max')"
}
# Held on fd 9 (closed for the cluster processes, which must not inherit the lock).
before=$(terms)
if [[ " $SKIP " != *" throughput "* ]]; then
    exec 9>"$lock"; flock 9; throughput; flock -u 9
    echo "raft terms before and after the throughput runs: $before / $(terms)"
fi

# --- Failover: kill -9 of the leader to the first acknowledged write, TRIALS per system
# and timing. The killed member is restarted and caught up before the next trial.
failover_trials() { # system label
    local system=$1 label=$2
    for t in $(seq "$TRIALS"); do
        local line
        if [ "$system" = coffer ]; then
            line=$(coffer_gen -token-file "$dir/admin.token" -op failover -pids "$(pids "${coffer_pids[@]}")")
            local k; k=$(( $(sed -n 's/.*killed=\([0-9]\).*/\1/p' <<<"$line") + 1 ))
            gone "${coffer_pids[$k]}"
            start_coffer_node "$k"; wait_coffer
        else
            line=$(etcd_gen -op failover -pids "$(pids "${etcd_pids[@]}")" 2>>"$work/loadgen.err")
            local k; k=$(( $(sed -n 's/.*killed=\([0-9]\).*/\1/p' <<<"$line") + 1 ))
            gone "${etcd_pids[$k]}"
            start_etcd_node "$k"; wait_etcd
        fi
        record "failover $label $system trial=$t" "$line"
        sleep 1 # let the restarted member catch up and the new leader settle
    done
}
# --- Scoped renders (Coffer only): the local renders again, in turns: the unscoped render token
# with no host lists anywhere (open), the four secrets the template uses bound to its
# destination's hosts (plain), and a render token scoped by 20 name patterns (scoped).
if [[ " $SKIP " != *" scoped "* ]]; then
    echo "scoped renders ..."
    admin_api() { curl -s --max-time 10 --cacert "$dir/ca.pem" -H "Authorization: Bearer $(cat "$dir/admin.token")" \
        -H "Content-Type: application/json" "$@"; }
    bind_hosts() {
        for name in STRIPE_API_KEY webhooksigningsecret DB_Password partner_token_eu; do
            admin_api -X PUT -d "{\"hosts\": $1}" "https://127.0.0.1:$api/v1/secrets/$name/hosts" >/dev/null
        done
    }
    patterns='"STRIPE_*","webhook*","DB_*","partner_*_eu"'
    for i in $(seq 1 16); do patterns="$patterns,\"Unused_$i*\""; done
    admin_api -X POST -d "{\"role\": \"render\", \"name\": \"scoped-bench\", \"secrets\": [$patterns]}" \
        "https://127.0.0.1:$api/v1/tokens" | jq -r .token >"$work/scoped.token"
    for round in 1 2; do
        for kind in open plain scoped; do
            case $kind in
                open) bind_hosts '[]' ;;
                plain) bind_hosts '["api.payments.example.com", "*.payments.example.com"]' ;;
            esac
            token_file=$dir/render.token; [ $kind = scoped ] && token_file=$work/scoped.token
            exec 9>"$lock"; flock 9
            record "read $kind$round coffer" "$(coffer_gen -token-file "$token_file" -template benchmarks/fixtures/http-post-4refs.tmpl \
                -op get -c "$READ_C" -n 1000000 -d "$DURATION" -server-pids "$(pids "${coffer_pids[@]}")")"
            flock -u 9
        done
    done
fi

# --- The usage trail (Coffer only): the local renders with every node counting them and with
# none, in turns (each turn restarts the nodes with the setting).
if [[ " $SKIP " != *" trail "* ]]; then
    echo "usage trail on and off ..."
    for round in $(seq "$TRAIL_ROUNDS"); do
        order="on off"; [ $((round % 2)) = 0 ] && order="off on"   # ABBA: drift counts against both alike
        for state in $order; do
            stop_coffer; set_coffer_usage $state; start_coffer
            exec 9>"$lock"; flock 9
            record "read trail-$state$round coffer" "$(coffer_gen -token-file "$dir/render.token" -template benchmarks/fixtures/http-post-4refs.tmpl \
                -op get -c "$READ_C" -n 1000000 -d "$DURATION" -server-pids "$(pids "${coffer_pids[@]}")")"
            flock -u 9
        done
    done
    stop_coffer; set_coffer_usage on; start_coffer
fi

if [[ " $SKIP " != *" failover "* ]]; then
    echo "failover at default timings (Coffer: 25 ms tick, election 10-20 ticks; etcd: 100 ms heartbeat, 1000 ms election) ..."
    exec 9>"$lock"; flock 9; failover_trials coffer default; failover_trials etcd default; flock -u 9
    echo "failover at equal timings (heartbeat $EQUAL_TICK_MS ms, election $((EQUAL_TICK_MS * EQUAL_ELECTION_TICKS)) ms on both) ..."
    stop_coffer; set_coffer_timings "$EQUAL_TICK_MS" "$EQUAL_ELECTION_TICKS"; start_coffer
    stop_etcd; set_etcd_timings "$EQUAL_TICK_MS" $((EQUAL_TICK_MS * EQUAL_ELECTION_TICKS)); start_etcd
    exec 9>"$lock"; flock 9; failover_trials coffer equal; failover_trials etcd equal; flock -u 9
    stop_coffer; set_coffer_timings default; start_coffer
fi

# --- Rotation (Coffer only): 1, 100 and 1,000 secrets in one POST /v1/rotations.
if [[ " $SKIP " != *" rotation "* ]]; then
    echo "rotation ..."
    exec 9>"$lock"; flock 9
    for n in 1 100 1000; do
        record "rotation n=$n coffer" "$(coffer_gen -token-file "$dir/admin.token" -op rotate -count $n)"
    done
    flock -u 9
fi

# --- The table.
benchmarks/cluster-vs-etcd-table.sh "$results" "$(nproc)"
