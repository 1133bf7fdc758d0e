#!/usr/bin/env bash
# Plants each mutant of this folder, one at a time, in a scratch copy of the tree, builds
# raft-sim and counts the seeds that catch it, on 3 and on 5 nodes.
#
#   Tests/RaftMutants/run.sh [SEEDS [START [MUTANT...]]]
#
# SEEDS defaults to 300; START to a fresh random seed (printed, so a run can be replayed).
# A mutant that trips a precondition counts its seed as caught and the run goes on from the
# next seed. Prints a markdown table for docs/raft.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
seeds=${1:-300}
start=${2:-$((1000000 + (RANDOM << 15 | RANDOM)))}
shift $(($# < 2 ? $# : 2))
work=${MUTANT_DIR:-/tmp/coffer-mutants}
mkdir -p "$work"

# The scratch copy: the working tree as it is (committed or not), without build output.
fresh_copy() {
    rm -rf "$work/Sources" "$work/Tests" "$work/Package.swift"
    tar -C "$root" -cf - Package.swift Sources Tests | tar -C "$work" -xf -
}

# Seeds of start..start+seeds-1 that fail (a failed check, or a crash), for one size.
caught() {
    local nodes=$1 from=$start end=$((start + seeds)) failed=0 out last
    while [ "$from" -lt "$end" ]; do
        out=$("$work/.build/debug/raft-sim" --seeds $((end - from)) --start "$from" --nodes "$nodes" --verbose 2>/dev/null) && true
        failed=$((failed + $(grep -c ': FAIL' <<<"$out" || true)))
        last=$(grep -o '^seed [0-9]*' <<<"$out" | tail -1 | cut -d' ' -f2)
        if grep -q ' passed, .* failed' <<<"$out"; then break; fi
        # Crashed on the seed after the last one it printed.
        failed=$((failed + 1))
        from=$(( ${last:-$((from - 1))} + 2 ))
    done
    echo "$failed"
}

mutants=("$@")
if [ ${#mutants[@]} -eq 0 ]; then
    for patch in Tests/RaftMutants/*.patch; do mutants+=("$(basename "$patch" .patch)"); done
fi
echo "mutants of the Raft core and driver core, seeds $start...$((start + seeds - 1)) ($(git rev-parse --short HEAD)$(git diff --quiet || echo ', uncommitted changes'))"
echo
echo "| mutant | what it breaks | 3 nodes | 5 nodes |"
echo "| --- | --- | ---: | ---: |"
for name in "${mutants[@]}"; do
    fresh_copy
    (cd "$work" && patch -s -p1 < "$root/Tests/RaftMutants/$name.patch")
    (cd "$work" && swift build --product raft-sim >/dev/null 2>&1) || { echo "| $name | does not build | | |"; continue; }
    three=$(caught 3)
    five=$(caught 5)
    pct() { echo "$1 ($(( ($1 * 100 + seeds / 2) / seeds )) %)"; }
    echo "| \`$name\` | $(head -1 "Tests/RaftMutants/$name.patch") | $(pct "$three") | $(pct "$five") |"
done
