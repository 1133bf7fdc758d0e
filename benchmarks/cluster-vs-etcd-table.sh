#!/usr/bin/env bash
# Prints cluster-vs-etcd.sh's results file as a table: Coffer and etcd side by side, with
# Coffer ÷ etcd (throughput: higher is better for Coffer; latency and failover: lower is).
# usage: benchmarks/cluster-vs-etcd-table.sh RESULTS [CORES]
set -euo pipefail
awk -v cores="${2:-?}" '
function field(line, key,    n, i, parts, kv) {
    n = split(line, parts, " ")
    for (i = 1; i <= n; i++) { split(parts[i], kv, "="); if (kv[1] == key) return kv[2] }
    return ""
}
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "" : sprintf("%.2f", a / b) }
function row(name, a, b) { printf "| %-38s | %12s | %12s | %8s |\n", name, a, b, ratio(a, b) }
function median(list, n,    i, j, t, v) {
    split(list, v, " "); n = 0; for (i in v) if (v[i] != "") n++
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n ? v[int((n + 1) / 2)] : ""
}
function maximum(list,    i, v, m) { split(list, v, " "); m = ""; for (i in v) if (v[i] != "" && (m == "" || v[i] + 0 > m + 0)) m = v[i]; return m }
{
    label = $0; sub(/: .*/, "", label); line = $0; sub(/^[^:]*: /, "", line)
    split(label, l, " ")
    if (l[1] == "write" || l[1] == "read") { key = l[1] " " l[2]; data[key, l[3]] = line; if (!(key in seen)) { seen[key] = 1; order[++count] = key } }
    else if (l[1] == "failover") { fo[l[2], l[3]] = fo[l[2], l[3]] " " field(line, "failover_ms"); trials[l[2], l[3]] = trials[l[2], l[3]] " " field(line, "failover_ms") }
    else if (l[1] == "rotation") { rot[++rots] = l[2] SUBSEP line }
}
END {
    printf "| %-38s | %12s | %12s | %8s |\n", "measure (" cores " cores shared)", "Coffer", "etcd 3.4", "C ÷ e"
    printf "|%s|%s|%s|%s|\n", "----------------------------------------", "-------------:", "-------------:", "---------:"
    for (i = 1; i <= count; i++) {
        k = order[i]; c = data[k, "coffer"]; e = data[k, "etcd"]
        what = (k ~ /^write/) ? "writes/s" : "reads/s"
        row(k " " what, field(c, "ops_per_s"), field(e, "ops_per_s"))
        row(k " p50 ms", field(c, "p50_ms"), field(e, "p50_ms"))
        row(k " p99 ms", field(c, "p99_ms"), field(e, "p99_ms"))
        row(k " load generator CPU %", field(c, "loadgen_cpu_pct"), field(e, "loadgen_cpu_pct"))
        cs = field(c, "server_cpu_s"); es = field(e, "server_cpu_s")
        cn = field(c, "ops"); en = field(e, "ops")
        row(k " server CPU us/op", (cn > 0 ? sprintf("%.0f", 1e6 * cs / cn) : ""), (en > 0 ? sprintf("%.0f", 1e6 * es / en) : ""))
        if (field(c, "errors") + 0 > 0 || field(e, "errors") + 0 > 0) row(k " errors", field(c, "errors"), field(e, "errors"))
    }
    for (t = 0; t < 2; t++) {
        timing = t ? "equal" : "default"
        if (!((timing, "coffer") in fo) && !((timing, "etcd") in fo)) continue
        row("failover " timing " median ms", median(fo[timing, "coffer"]), median(fo[timing, "etcd"]))
        row("failover " timing " max ms", maximum(fo[timing, "coffer"]), maximum(fo[timing, "etcd"]))
    }
    for (i = 1; i <= rots; i++) {
        split(rot[i], r, SUBSEP)
        if (field(r[2], "rotation") == "n/a") { printf "| %-38s | %12s | %12s | %8s |\n", "rotation " r[1] " (Coffer only)", "n/a (no /v1/rotations)", "", ""; continue }
        row("rotation " r[1] " answer ms", field(r[2], "answer_ms"), "")
        row("rotation " r[1] " all members applied ms", field(r[2], "all_applied_ms"), "")
    }
    for (t = 0; t < 2; t++) {
        timing = t ? "equal" : "default"
        if ((timing, "coffer") in trials) printf "failover trials (%s), ms: Coffer%s; etcd%s\n", timing, trials[timing, "coffer"], trials[timing, "etcd"]
    }
}' "$1"
