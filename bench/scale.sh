#!/usr/bin/env bash
# Scale benchmark: builds bench/Overlay.Bench.ControlPlane and runs
#   - "scale": N simulated nodes (real NodeActors over a recording data path) spread over member
#     processes on 127.0.0.1, the seed (lease registry, SQLite) in the bench process;
#   - "membership": real cluster members (ActorSystems) at several sizes, for the membership ceiling;
#   - with --fresh-node: bench/scale-fresh-node.sh, a fresh real overlay-node (real TUN, in network
#     namespaces; needs root) joining a real seed holding --fresh-leases leases, --fresh-runs times;
# writes scale-N.json / membership.json (+ child logs) into the output directory and prints tables.
#
#   bench/scale.sh [--out DIR] [--nodes 1000[,5000]] [--full-nodes K] [--processes 4] [--grants 50]
#                  [--restarts 200] [--sizes 10,25,50,100] [--skip-scale] [--skip-membership]
#                  [--fresh-node] [--fresh-leases 65536] [--fresh-runs 3]
#
#   --full-nodes K   of the N simulated nodes, K are full NodeActors (a PeerRouteActor per peer,
#                    ~4 KB each) and N-K subscriber-only nodes (lease + LeaseSubscriberActor);
#                    default: all full up to 1,000 nodes, 200 above (5,000 full nodes with 5,000
#                    routes each would need ~100 GB)
#
# Everything stays on 127.0.0.1; every child process is started by the bench and ended by it
# ("quit" on its stdin; killed by its own PID only if it hangs). Bounded: each step has a deadline.
set -euo pipefail

readonly REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly PROJECT="$REPO_ROOT/bench/Overlay.Bench.ControlPlane"
readonly DLL="$PROJECT/bin/Release/net10.0/overlay-bench-control-plane.dll"
OUT_DIR="$REPO_ROOT/bench/scale-results"
NODES=1000 FULL="" PROCESSES=4 GRANTS=50 RESTARTS=200 SIZES=10,25,50,100 SCALE=1 MEMBERSHIP=1
FRESH=0 FRESH_LEASES=65536 FRESH_RUNS=3

while (( $# > 0 )); do
    case "$1" in
        --out) OUT_DIR=${2:?--out needs a directory}; shift 2 ;;
        --nodes) NODES=${2:?--nodes needs a count (or a comma list)}; shift 2 ;;
        --full-nodes) FULL=${2:?--full-nodes needs a count}; shift 2 ;;
        --processes) PROCESSES=${2:?--processes needs a count}; shift 2 ;;
        --grants) GRANTS=${2:?--grants needs a count}; shift 2 ;;
        --restarts) RESTARTS=${2:?--restarts needs a count}; shift 2 ;;
        --sizes) SIZES=${2:?--sizes needs a comma list}; shift 2 ;;
        --skip-scale) SCALE=0; shift ;;
        --skip-membership) MEMBERSHIP=0; shift ;;
        --fresh-node) FRESH=1; shift ;;
        --fresh-leases) FRESH_LEASES=${2:?--fresh-leases needs a count}; shift 2 ;;
        --fresh-runs) FRESH_RUNS=${2:?--fresh-runs needs a count}; shift 2 ;;
        *) echo "scale.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
mkdir -p "$OUT_DIR"
log() { echo "scale: $*" >&2; }
command -v jq >/dev/null || { log "needs jq"; exit 1; }
command -v ss >/dev/null || { log "needs ss (iproute2) for the TCP byte counters"; exit 1; }

log "building (Release)"
dotnet build "$PROJECT" -c Release --nologo -v quiet >/dev/null

if (( SCALE )); then
    for n in ${NODES//,/ }; do
        full=${FULL:-$(( n <= 1000 ? n : 200 ))}
        log "$n simulated nodes ($full full) over $PROCESSES member processes (load average $(cut -d' ' -f1-3 /proc/loadavg))"
        dotnet "$DLL" scale --nodes "$n" --full-nodes "$full" --processes "$PROCESSES" --grants "$GRANTS" --restarts "$RESTARTS" \
            --logs "$OUT_DIR/logs-$n" > "$OUT_DIR/scale-$n.json" 2> "$OUT_DIR/scale-$n.log" \
            || { tail -n 20 "$OUT_DIR/scale-$n.log" >&2; log "scale $n failed (log: $OUT_DIR/scale-$n.log)"; exit 1; }
        jq -r --arg cpus "$(nproc)" '
          "Command: `bench/scale.sh --nodes \(.nodes) --full-nodes \(.full_nodes // .nodes) --processes \(.member_processes)` (\($cpus) CPUs, load average \(.loadavg_start) at start, \(.loadavg_end) at end)",
          "",
          "| Measurement (\(.nodes) simulated nodes: \(.full_nodes // .nodes) full NodeActors, \(.subscriber_nodes // 0) subscriber-only) | Result | Target | Met |",
          "|---|---|---|---|",
          "| Start-up: every node leased / every node routes to all others | \(.startup.all_leased_s) s / \(.startup.all_routed_s) s | | |",
          "| Grant -> route on every node (\(.grant_to_route.grants) grants) | p50 \(.grant_to_route.all_nodes_ms.p50) ms, p99 \(.grant_to_route.all_nodes_ms.p99) ms, max \(.grant_to_route.all_nodes_ms.max) ms | p99 <= \(if .nodes <= 1000 then "250 ms" else "1 s" end) | \(if .grant_to_route.all_nodes_ms.p99 <= (if .nodes <= 1000 then 250 else 1000 end) then "yes" else "**no**" end) |",
          "| Grant -> route, per node | p50 \(.grant_to_route.per_node_ms.p50) ms, p99 \(.grant_to_route.per_node_ms.p99) ms | | |",
          "| Pub-sub per grant | \(.grant_to_route.pubsub_remote_messages_per_grant) remote messages (one per member process), \(.grant_to_route.pubsub_local_deliveries_per_grant) local deliveries; seed sent \(.grant_to_route.seed_tcp_sent_bytes_per_grant) B, members received \(.grant_to_route.members_tcp_received_bytes_per_grant) B (LeaseGranted serialized: \(.grant_to_route.lease_granted_serialized_bytes) B) | | |",
          "| Seed CPU per grant (beyond idle) | \(.grant_to_route.seed_cpu_ms_per_grant) ms | | |",
          "| Seed idle: CPU / sent | \(.idle.seed_cpu_cores * 100 | floor) % of a core / \(.idle.seed_tcp_sent_bytes_per_s) B/s | | |",
          "| Members idle: CPU (all \(.member_processes)) / received | \(.idle.members_cpu_cores * 100 | floor) % of a core / \(.idle.members_tcp_received_bytes_per_s) B/s | | |",
          "| Seed RSS after start-up / at end | \(.startup.seed_rss_mb) / \(.seed_peak_rss_mb) MB | | |",
          "| Member RSS at end | \(.member_peak_rss_mb | map(tostring) | join(", ")) MB | | |",
          "| Fresh subscriber receiving \(.fresh_view.leases) leases | \(.fresh_view.ms | map(tostring) | join(" / ")) ms | | |",
          "| \(.restarts.nodes) nodes restarting at once: acquire | p50 \(.restarts.acquire_ms.p50) ms, p99 \(.restarts.acquire_ms.p99) ms | p99 < 10 s | \(if .restarts.acquire_ms.p99 < 10000 then "yes" else "**no**" end) |",
          "| Journal events per restart | \(.restarts.journal_events_per_restart) (\(.restarts.journal_events_before) -> \(.restarts.journal_events_after)) | at most 1 | \(if .restarts.journal_events_per_restart <= 1 then "yes" else "**no**" end) |",
          ""
        ' "$OUT_DIR/scale-$n.json" | tee "$OUT_DIR/table-$n.md"
    done
fi

if (( MEMBERSHIP )); then
    log "membership: sizes $SIZES over $PROCESSES processes (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    dotnet "$DLL" membership --sizes "$SIZES" --processes "$PROCESSES" --logs "$OUT_DIR/logs-membership" \
        > "$OUT_DIR/membership.json" 2> "$OUT_DIR/membership.log" \
        || { tail -n 20 "$OUT_DIR/membership.log" >&2; log "membership failed (log: $OUT_DIR/membership.log)"; exit 1; }
    jq -r '
      "| Members | Processes | All Up | Idle CPU per member | TCP received / sent per member | RSS per member | Unreachable | Load average |",
      "|---|---|---|---|---|---|---|---|",
      (.sizes[] | "| \(.members) | \(.member_processes) | \(.all_up_s) s | \(.idle_cpu_cores_per_member * 1000 | round / 10) % of a core | \(.idle_tcp_received_bytes_per_s_per_member) / \(.idle_tcp_sent_bytes_per_s_per_member) B/s | \(.rss_mb_per_member) MB | \(.unreachable_at_end) | \(.loadavg) |")
    ' "$OUT_DIR/membership.json" | tee "$OUT_DIR/table-membership.md"
fi

if (( FRESH )); then
    log "fresh real overlay-node, $FRESH_LEASES leases, $FRESH_RUNS runs (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    "$REPO_ROOT/bench/scale-fresh-node.sh" --leases "$FRESH_LEASES" --runs "$FRESH_RUNS" --out "$OUT_DIR" > /dev/null
    jq -r '
      "| Run | Subscription -> every route installed | Routes at first ready | Not-ready answers before | Load average |",
      "|---|---|---|---|---|",
      (.runs[] | "| \(.run) | \(.subscription_to_all_routes_ms) ms | \(.routes_at_ready) | \(.not_ready_answers_before) | \(.loadavg) |"),
      "",
      "Median: \(.median_ms) ms for \(.leases) leases (target 2 s)."
    ' "$OUT_DIR/fresh-node.json" | tee "$OUT_DIR/table-fresh-node.md"
fi
