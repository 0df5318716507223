#!/usr/bin/env bash
# Control-plane benchmark: builds bench/Overlay.Bench.ControlPlane, runs its commands,
# writes one JSON file per measurement plus control-plane.json (all of them) into the output
# directory, and prints a markdown table with the targets.
#
#   bench/control-plane.sh [--out DIR] [--quick] [--skip-memory] [--skip-postgres] [--generate-through-registry]
#                          [--only recovery] [--runs N]
#
#   --quick          fewer samples (route 100, throughput 1,000 on 10,000 held, recovery 16,384 leases)
#   --skip-memory    no overlay-node memory run (that one needs root and /dev/net/tun)
#   --generate-through-registry
#                    write the recovery journal by acquiring every lease through the registry
#                    (default: the bench's bulk writer, same events and snapshot, minutes faster)
#   --skip-postgres  recovery on SQLite only (PostgreSQL needs OVERLAY_TEST_POSTGRES, an admin
#                    connection string; without it the PostgreSQL row is skipped with a note)
#   --only recovery  only the recovery rows (SQLite and, unless skipped, PostgreSQL); the other rows
#                    are left out of the table (no memory run either)
#   --runs N         recovery restarts measured per storage (default 3; --quick 2)
#
# The route-latency run is in-process (a registry member and N node members, each a real NodeActor
# over a recording data path, on 127.0.0.1); the memory run uses real processes in namespaces.
set -euo pipefail

readonly REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly PROJECT="$REPO_ROOT/bench/Overlay.Bench.ControlPlane"
readonly DLL="$PROJECT/bin/Release/net10.0/overlay-bench-control-plane.dll"
OUT_DIR="$REPO_ROOT/bench/control-plane-results"
QUICK=0 MEMORY=1 POSTGRES=1 GENERATE=bulk ONLY="" RUNS=""

while (( $# > 0 )); do
    case "$1" in
        --out) OUT_DIR=${2:?--out needs a directory}; shift 2 ;;
        --quick) QUICK=1; shift ;;
        --skip-memory) MEMORY=0; shift ;;
        --skip-postgres) POSTGRES=0; shift ;;
        --generate-through-registry) GENERATE=registry; shift ;;
        --only) ONLY=${2:?--only needs a measurement name}; shift 2
                [[ $ONLY == recovery ]] || { echo "control-plane.sh: --only supports 'recovery', got '$ONLY'" >&2; exit 2; }
                MEMORY=0 ;;
        --runs) RUNS=${2:?--runs needs a count}; shift 2 ;;
        *) echo "control-plane.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
mkdir -p "$OUT_DIR"
log() { echo "control-plane: $*" >&2; }
command -v jq >/dev/null || { log "needs jq"; exit 1; }

log "building (Release)"
dotnet build "$PROJECT" -c Release --nologo -v quiet >/dev/null
if (( MEMORY )); then
    dotnet build "$REPO_ROOT/Overlay.Seed" -c Release --nologo -v quiet >/dev/null
    dotnet build "$REPO_ROOT/Overlay.Node" -c Release --nologo -v quiet >/dev/null
fi

if (( QUICK )); then
    ROUTE=(--samples 100) TPUT=(--acquires 1000) RECOVERY=(--leases 16384 --runs "${RUNS:-2}")
else
    ROUTE=() TPUT=() RECOVERY=(--runs "${RUNS:-3}")
fi

run() { # name, then the bench command line; JSON to $OUT_DIR/name.json, progress to name.log
    local name=$1; shift
    log "$name: $(sed -E 's/(Password|Pwd)=[^; ]*/\1=***/Ig' <<< "$*")"   # no passwords in logs
    dotnet "$DLL" "$@" > "$OUT_DIR/$name.json" 2> "$OUT_DIR/$name.log" \
        || { tail -n 20 "$OUT_DIR/$name.log" >&2; log "$name failed (log: $OUT_DIR/$name.log)"; return 1; }
}

if [[ -z $ONLY ]]; then
    run route-latency route-latency --nodes 10 "${ROUTE[@]}"
    run throughput throughput --held 10000 "${TPUT[@]}"
    run snapshot-codec snapshot-codec
else
    log "--only $ONLY: route latency, throughput, snapshot codec and memory not run"
    for name in route-latency throughput snapshot-codec; do echo null > "$OUT_DIR/$name.json"; done
fi
run recovery-sqlite recovery --storage sqlite --generate "$GENERATE" "${RECOVERY[@]}"
if (( POSTGRES )) && [[ -n ${OVERLAY_TEST_POSTGRES:-} ]]; then
    run recovery-postgres recovery --storage postgres --generate "$GENERATE" --postgres "$OVERLAY_TEST_POSTGRES" "${RECOVERY[@]}"
else
    log "recovery on PostgreSQL skipped (--skip-postgres or OVERLAY_TEST_POSTGRES unset)"
    echo null > "$OUT_DIR/recovery-postgres.json"
fi
if (( MEMORY )); then
    log "memory: real seed + overlay-node in namespaces"
    "$REPO_ROOT/bench/control-plane-memory.sh" "$OUT_DIR/memory.json" 1000
else
    echo null > "$OUT_DIR/memory.json"
fi

jq -n --slurpfile r "$OUT_DIR/route-latency.json" --slurpfile t "$OUT_DIR/throughput.json" \
    --slurpfile c "$OUT_DIR/snapshot-codec.json" --slurpfile s "$OUT_DIR/recovery-sqlite.json" \
    --slurpfile p "$OUT_DIR/recovery-postgres.json" --slurpfile m "$OUT_DIR/memory.json" \
    --arg date "$(date -u +%FT%TZ)" --arg commit "$(git -C "$REPO_ROOT" rev-parse --short HEAD)" \
    --arg cpus "$(nproc)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg only "$ONLY" --arg runs "$RUNS" \
    '{date: $date, commit: $commit, cpus: ($cpus | tonumber), loadavg: $load, only: $only, runs_flag: $runs, route_latency: $r[0], throughput: $t[0],
      snapshot_codec: $c[0], recovery_sqlite: $s[0], recovery_postgres: $p[0], memory: $m[0]}' \
    > "$OUT_DIR/control-plane.json"

# ---- table ---------------------------------------------------------------------------------
jq -r '
  def ms: if . == null then "n/a" else "\(.) ms" end;
  def verdict(v; limit): if v == null then "n/a" elif v < limit then "yes" else "**no**" end;
  "Command: `bench/control-plane.sh\(if (.only // "") == "" then "" else " --only \(.only)" end)\(if (.runs_flag // "") == "" then "" else " --runs \(.runs_flag)" end)` (commit \(.commit), \(.date), \(.cpus) CPUs, load average \(.loadavg))",
  "",
  "| Measurement | Result | Target | Met |",
  "|---|---|---|---|",
  (if .route_latency == null then empty else
    (.route_latency as $r | "| Grant -> route on all \($r.nodes) nodes (in-process, \($r.samples) grants) | p50 \($r.all_nodes_ms.p50) ms, p99 \($r.all_nodes_ms.p99) ms, max \($r.all_nodes_ms.max) ms | p99 < 250 ms | \(verdict($r.all_nodes_ms.p99; 250)) |"),
    (.route_latency as $r | "| Grant -> route, per node | p50 \($r.per_node_ms.p50) ms, p99 \($r.per_node_ms.p99) ms | | |") end),
  (if .throughput == null then empty else
    (.throughput as $t | "| Acquire throughput, \($t.held) held, sequential (SQLite) | \($t.sequential_per_s)/s (latency p50 \($t.sequential_latency_ms.p50) ms, p99 \($t.sequential_latency_ms.p99) ms) | | |"),
    (.throughput as $t | "| Acquire throughput, \($t.held) held, \($t.concurrency) concurrent (SQLite) | \($t.concurrent_per_s)/s (latency p50 \($t.concurrent_latency_ms.p50) ms, p99 \($t.concurrent_latency_ms.p99) ms) | | |") end),
  (.recovery_sqlite as $s | "| Recovery, \($s.leases) leases, SQLite, snapshot every \($s.snapshot_every): start -> first GetLeaseSnapshot answered | median \($s.first_snapshot_ms.p50) ms (max \($s.first_snapshot_ms.max), \($s.runs | length) runs) | < 2 s | \(verdict($s.first_snapshot_ms.p50; 2000)) |"),
  (.recovery_sqlite as $s | "| Recovery, SQLite: persistent-actor recovery (RecoveryCompleted) | median \($s.recovery_ms.p50) ms (max \($s.recovery_ms.max)) | < 2 s | \(verdict($s.recovery_ms.p50; 2000)) |"),
  (.recovery_sqlite as $s | "| Recovery, SQLite: CPU time of the fresh process up to the answer | median \($s.process_cpu_ms_at_answer.p50) ms | | |"),
  (if .recovery_postgres == null then "| Recovery, PostgreSQL | not run | < 2 s | n/a |" else
    (.recovery_postgres as $p | "| Recovery, \($p.leases) leases, PostgreSQL, snapshot every \($p.snapshot_every): start -> first GetLeaseSnapshot answered | median \($p.first_snapshot_ms.p50) ms (max \($p.first_snapshot_ms.max), \($p.runs | length) runs) | < 2 s | \(verdict($p.first_snapshot_ms.p50; 2000)) |"),
    (.recovery_postgres as $p | "| Recovery, PostgreSQL: persistent-actor recovery (RecoveryCompleted) | median \($p.recovery_ms.p50) ms (max \($p.recovery_ms.max)) | < 2 s | \(verdict($p.recovery_ms.p50; 2000)) |"),
    (.recovery_postgres as $p | "| Recovery, PostgreSQL: CPU time of the fresh process up to the answer | median \($p.process_cpu_ms_at_answer.p50) ms | | |") end),
  (if .snapshot_codec == null then empty else .snapshot_codec as $c | "| Snapshot of \($c.leases) leases: packed \($c.packed.bytes) B, encode \($c.packed.to_binary.cpu_ms) / decode \($c.packed.from_binary.cpu_ms) ms CPU (JSON \($c.json.bytes) B, \($c.json.to_binary.cpu_ms) / \($c.json.from_binary.cpu_ms) ms); FromSnapshot \($c.from_snapshot.cpu_ms) ms CPU | | | |" end),
  (if .memory == null then (if (.only // "") == "" then "| overlay-node VmRSS | not run | idle < 150 MB | n/a |" else empty end) else
    (.memory as $m | "| overlay-node VmRSS, idle (after ready) | \($m.node_idle_rss_mb) MB | < 150 MB | \(verdict($m.node_idle_rss_mb; 150)) |"),
    (.memory as $m | "| overlay-node VmRSS, loaded (\($m.leases) peer leases) | \($m.node_loaded_rss_mb) MB (peak \($m.node_peak_rss_mb) MB) | | |"),
    (.memory as $m | "| overlay-seed VmRSS, idle / loaded | \($m.seed_idle_rss_mb) / \($m.seed_loaded_rss_mb) MB | | |") end)
' "$OUT_DIR/control-plane.json"
log "JSON: $OUT_DIR/control-plane.json"
