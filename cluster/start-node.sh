#!/bin/sh
# Starts one node in the background from its config, with its log and pid file beside the
# config: cluster/start-node.sh /path/to/node1/config
set -eu
config=${1:?usage: $0 CONFIG}
dir=$(cd "$(dirname "$config")" && pwd)
coffer=${COFFER:-coffer}
if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "already running (pid $(cat "$dir/pid"))" >&2
    exit 1
fi
nohup "$coffer" server --config "$config" >>"$dir/log" 2>&1 </dev/null &
echo $! >"$dir/pid"
echo "started $(basename "$dir") (pid $!, log $dir/log)"
