#!/usr/bin/env bash
# The value scanner alone against ripgrep and GNU grep, same patterns, same text, same run:
# 5,000 secrets x 3 kept versions, each as is and as the json, url and base64 filters write
# it (one pattern file, each string once), over 100 MiB of generated log lines with 1,000
# planted occurrences. Installs ripgrep from Debian if it is missing.
#
#   benchmarks/scan-vs-rg.sh [TURNS]      # default 3 turns; each tool once per turn, in turn
#
# Reports MB/s (1 MB = 10^6 bytes) over the whole command (for rg and grep that includes
# compiling their 38,000 patterns; the scanner's build, once per table generation on a node,
# is printed apart), and the same less each tool's time on a 1 KB file (scan only).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
turns="${1:-3}"

if ! command -v rg >/dev/null; then
    echo "installing ripgrep from Debian" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ripgrep >/dev/null
fi
if command -v swiftl >/dev/null; then swiftl build -c release --product scan-bench >&2; else swift build -c release --product scan-bench >&2; fi
bench="$(swift build -c release --show-bin-path)/scan-bench"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bench" generate --dir "$work" --secrets 5000 --versions 3 --mebibytes 100 >&2
head -c 1000 "$work/text.log" > "$work/tiny.log"
bytes=$(stat -c %s "$work/text.log")

# Seconds a command takes. Its output goes to a file: GNU grep stops at the first match
# when its output is /dev/null.
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >"$work/out"
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }'
}
rate() { awk -v bytes="$bytes" -v s="$1" 'BEGIN { printf "%.0f", bytes / 1e6 / s }'; }
less() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a - b }'; }

# Every occurrence, with line and byte offset, as the scanner reports them.
rg_all() { rg -F -f "$work/patterns.txt" -o -b -n "$1"; }
grep_all() { LC_ALL=C grep -F -f "$work/patterns.txt" -o -b -n "$1" || true; }

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, $(rg --version | head -1), $(grep --version | head -1), $bytes bytes" >&2
echo "occurrences: rg $(rg_all "$work/text.log" | wc -l), grep $(grep_all "$work/text.log" | wc -l) (the scanner's below)" >&2
printf '%-5s %13s %10s %13s %10s %13s %15s %16s\n' turn scanner_MB/s rg_MB/s rg_scan_MB/s grep_MB/s grep_scan_MB/s \
    scanner/rg_scan scanner/grep_scan
exec 9>/tmp/coffer-swift-build.lock
for turn in $(seq 1 "$turns"); do
    flock 9     # no compile beside a measurement (swiftl builds take the same lock)
    scanner=$("$bench" scan --dir "$work" --secrets 5000 --versions 3 --runs 1)
    scanner_rate=$(echo "$scanner" | awk '$1 == "scanner_mb_per_s" { print $2 }')
    rg_total=$(seconds rg_all "$work/text.log"); rg_tiny=$(seconds rg_all "$work/tiny.log")
    grep_total=$(seconds grep_all "$work/text.log"); grep_tiny=$(seconds grep_all "$work/tiny.log")
    flock -u 9
    rg_scan=$(rate "$(less "$rg_total" "$rg_tiny")"); grep_scan=$(rate "$(less "$grep_total" "$grep_tiny")")
    printf '%-5s %13s %10s %13s %10s %13s %15s %16s\n' "$turn" "$scanner_rate" "$(rate "$rg_total")" "$rg_scan" \
        "$(rate "$grep_total")" "$grep_scan" \
        "$(awk -v a="$scanner_rate" -v b="$rg_scan" 'BEGIN { printf "%.1f", a / b }')" \
        "$(awk -v a="$scanner_rate" -v b="$grep_scan" 'BEGIN { printf "%.1f", a / b }')"
    echo "$scanner" | grep -v mb_per_s | sed 's/^/  /' >&2
done
