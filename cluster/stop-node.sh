#!/bin/sh
# Stops a node started by start-node.sh (SIGTERM: it finishes in-flight requests first):
# cluster/stop-node.sh /path/to/node1/config
set -eu
config=${1:?usage: $0 CONFIG}
dir=$(cd "$(dirname "$config")" && pwd)
[ -f "$dir/pid" ] || { echo "not running (no pid file)" >&2; exit 1; }
pid=$(cat "$dir/pid")
kill -TERM "$pid" 2>/dev/null || true
while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
rm -f "$dir/pid"
echo "stopped $(basename "$dir")"
