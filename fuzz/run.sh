#!/usr/bin/env bash
# Builds the Resolver's libFuzzer target and runs it for SECONDS (default 60).
#   fuzz/run.sh 600            # from the repository root or from fuzz/
# The target is Sources/Resolver/*.swift compiled together with FuzzResolver.swift, with
# -sanitize=fuzzer,address. Seeds come from fuzz/seeds (committed); the growing corpus is
# kept in fuzz/.corpus and crashes go to fuzz/fuzz-artifacts (both ignored by git).
set -euo pipefail
seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$here/.build"
mkdir -p "$build" "$here/.corpus" "$here/fuzz-artifacts"

# Compile under the shared build lock when there is one, so no two compiles share the cores.
lock=()
if command -v flock >/dev/null && [ -e /usr/local/bin/swiftl ]; then lock=(flock /tmp/coffer-swift-build.lock); fi
"${lock[@]}" swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -module-name ResolverFuzz \
    "$root"/Sources/Resolver/*.swift "$here/FuzzResolver.swift" \
    -o "$build/resolver-fuzz" 2>&1 | { grep -v "Cannot export local symbol" || true; }
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1

log="$build/last-run.log"
echo "fuzzing for ${seconds}s; log in $log"
"$build/resolver-fuzz" -max_total_time="$seconds" -max_len=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$here/fuzz-artifacts/" "$here/.corpus" "$here/seeds" 2>&1 | tee "$log" | grep -E "^#[0-9]+ *(DONE|pulse)|ERROR|stat::|Fatal|==" || true
status=${PIPESTATUS[0]}
exit "$status"
