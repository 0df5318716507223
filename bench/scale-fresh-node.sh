#!/usr/bin/env bash
# A fresh real overlay-node joining a registry of many leases (default 65,536): how long from its
# subscription to the lease topic until its forwarding table holds every peer, and whether
# /health/ready answered 200 before that. Needs root and /dev/net/tun (real TUN in a namespace).
#
#   bench/scale-fresh-node.sh [--leases 65536] [--runs 3] [--out DIR]
#
# What it does, everything inside network namespaces built by lab/topology.sh under a random
# prefix (seed at 192.0.2.10, host h1 at 192.0.2.11; nothing touches the root namespace):
#   1. a real overlay-seed (mutual TLS, SQLite) with the network 10.224.0.0/11 cut into /28s
#      (131,072 subnets, so 65,536 peers plus the node's own fit); that network exists only in
#      this run's namespaces;
#   2. the bench's remote-load joins the cluster from the seed's namespace and acquires the leases
#      through the registry (fake holders at 198.18.0.0/15: registry data only, no packet is sent);
#   3. per run, a fresh overlay-node (new process, no subnet.env, its own node name) in h1 with
#      its TUN overlay0. The start of the measurement is the node's own log line "Subscribed to
#      lease events" (JSON log, UTC ms timestamp); the end is the first /health/ready 200, which
#      the node answers only once its view is complete and every peer lease of it has its route in
#      the forwarding table. The body of that 200 states the installed count, and one GET /routes
#      right after checks the forwarding table's peers. The node's "Lease view complete" line splits
#      the time into the view transfer and the rest (peer routes started and installed, readiness). /health/ready is polled every ~20 ms; every
#      answer before the first 200 is counted (and must not be 200, by construction of the loop).
# Writes DIR/fresh-node.json (one object per run plus the median). It ends only the processes it
# started, by PID, and deletes its namespaces, also on failure.
set -euo pipefail

readonly REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LEASES=65536 RUNS=3 OUT_DIR="$REPO_ROOT/bench/scale-results"
while (( $# > 0 )); do
    case "$1" in
        --leases) LEASES=${2:?--leases needs a count}; shift 2 ;;
        --runs) RUNS=${2:?--runs needs a count}; shift 2 ;;
        --out) OUT_DIR=${2:?--out needs a directory}; shift 2 ;;
        *) echo "scale-fresh-node.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ $LEASES =~ ^[0-9]+$ ]] && (( LEASES >= 1 && LEASES <= 131000 )) || { echo "scale-fresh-node.sh: --leases must be 1..131000, got '$LEASES'" >&2; exit 2; }
[[ $RUNS =~ ^[0-9]+$ ]] && (( RUNS >= 1 && RUNS <= 20 )) || { echo "scale-fresh-node.sh: --runs must be 1..20, got '$RUNS'" >&2; exit 2; }

readonly PREFIX="sf$(tr -dc 'a-z0-9' < /dev/urandom | head -c 6)"
readonly SEED_ADDR=192.0.2.10
readonly NODE_ADDR=192.0.2.11
readonly SEED_PORT=4053
readonly MGMT_PORT=8558
readonly NET_CONF='{"Network":"10.224.0.0/11","SubnetLen":28,"Backend":{"Type":"udp"}}'
readonly READY_TIMEOUT=120        # seconds until the seed answers /health/ready
readonly NODE_TIMEOUT=180         # seconds until a fresh node is ready with every route
readonly LOAD_CONCURRENCY=64      # acquires in flight during the load
readonly STOP_TIMEOUT=30
readonly SEED_DLL="$REPO_ROOT/Overlay.Seed/bin/Release/net10.0/overlay-seed.dll"
readonly NODE_DLL="$REPO_ROOT/Overlay.Node/bin/Release/net10.0/overlay-node.dll"
readonly BENCH_DLL="$REPO_ROOT/bench/Overlay.Bench.ControlPlane/bin/Release/net10.0/overlay-bench-control-plane.dll"

log() { echo "scale-fresh-node: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "needs root (network namespaces, TUN device)"
[[ -c /dev/net/tun ]] || die "needs /dev/net/tun"
for tool in jq curl; do command -v "$tool" >/dev/null || die "needs $tool"; done
for f in "$SEED_DLL" "$NODE_DLL" "$BENCH_DLL"; do [[ -f $f ]] || die "not built: $f (dotnet build Overlay.sln -c Release)"; done
mkdir -p "$OUT_DIR"

RUN_DIR=$(mktemp -d /tmp/overlay-fresh-node.XXXXXX)
PIDS=()

# shellcheck source=bench/processes.sh
source "$REPO_ROOT/bench/processes.sh"

now_ms() { date +%s%3N; }

"$REPO_ROOT/lab/topology.sh" up "$PREFIX" 1 >/dev/null
echo "$NET_CONF" > "$RUN_DIR/net-conf.json"
dotnet "$SEED_DLL" ca init --dir "$RUN_DIR/tls" >/dev/null
dotnet "$SEED_DLL" ca issue --dir "$RUN_DIR/tls" --name seed --ip "$SEED_ADDR" >/dev/null
dotnet "$SEED_DLL" ca issue --dir "$RUN_DIR/tls" --name loader --ip "$SEED_ADDR" >/dev/null
dotnet "$SEED_DLL" ca issue --dir "$RUN_DIR/tls" --name h1 --ip "$NODE_ADDR" >/dev/null
tls() { echo "--tls-cert $RUN_DIR/tls/$1.crt --tls-key $RUN_DIR/tls/$1.key --tls-ca $RUN_DIR/tls/ca.crt"; }

# shellcheck disable=SC2046
ip netns exec "$PREFIX-seed" dotnet "$SEED_DLL" --cluster-ip "$SEED_ADDR" --cluster-port "$SEED_PORT" $(tls seed) \
    --data-dir "$RUN_DIR/seed" --net-config-path "$RUN_DIR/net-conf.json" \
    --management-host 127.0.0.1 --management-port "$MGMT_PORT" > "$RUN_DIR/seed.log" 2>&1 < /dev/null &
SEED_PID=$!   # ip netns exec execs in place: this is the seed's own PID
PIDS+=("$SEED_PID")
wait_ready seed "$PREFIX-seed" "$SEED_PID" "$RUN_DIR/seed.log"

log "loading $LEASES leases through the registry (load average $(cut -d' ' -f1-3 /proc/loadavg))"
load_started=$SECONDS
# shellcheck disable=SC2046
ip netns exec "$PREFIX-seed" dotnet "$BENCH_DLL" remote-load --seed "akka.ssl.tcp://overlay@$SEED_ADDR:$SEED_PORT" \
    --host "$SEED_ADDR" --count "$LEASES" --concurrency "$LOAD_CONCURRENCY" $(tls loader) \
    > "$RUN_DIR/load.json" 2> "$RUN_DIR/load.log" < /dev/null \
    || { tail -n 30 "$RUN_DIR/load.log" >&2; die "remote-load failed"; }
log "loaded in $(( SECONDS - load_started )) s"

results=()
for (( run = 1; run <= RUNS; run++ )); do
    node_log="$RUN_DIR/node-$run.log"
    rm -f "$RUN_DIR/subnet.env"
    load_start=$(cut -d' ' -f1-3 /proc/loadavg)
    # shellcheck disable=SC2046
    ip netns exec "$PREFIX-h1" dotnet "$NODE_DLL" --seeds "akka.ssl.tcp://overlay@$SEED_ADDR:$SEED_PORT" $(tls h1) \
        --public-ip "$NODE_ADDR" --iface eth0 --subnet-file "$RUN_DIR/subnet.env" --node-name "$PREFIX-run$run" \
        --log-format json --management-host 127.0.0.1 --management-port "$MGMT_PORT" > "$node_log" 2>&1 < /dev/null &
    node_pid=$!
    PIDS+=("$node_pid")
    started_ms=$(now_ms)
    polls=0 early_200=0 last_body="" code=000
    deadline=$(( SECONDS + NODE_TIMEOUT ))
    while :; do
        code=$(ip netns exec "$PREFIX-h1" curl -s --max-time 5 -o "$RUN_DIR/ready.body" -w '%{http_code}' \
            "http://127.0.0.1:$MGMT_PORT/health/ready" 2>/dev/null || true)
        t=$(now_ms)
        [[ $code == 200 ]] && break
        polls=$(( polls + 1 ))
        [[ -s $RUN_DIR/ready.body ]] && last_body=$(tr -d '\n' < "$RUN_DIR/ready.body")
        kill -0 "$node_pid" 2>/dev/null || { tail -n 30 "$node_log" >&2; die "node run $run (PID $node_pid) exited"; }
        (( SECONDS < deadline )) || { tail -n 30 "$node_log" >&2; die "node run $run not ready within ${NODE_TIMEOUT}s: $last_body"; }
        sleep 0.02
    done
    ready_ms=$t
    ready_body=$(tr -d '\n' < "$RUN_DIR/ready.body")
    routes=$(ip netns exec "$PREFIX-h1" curl -sf --max-time 30 "http://127.0.0.1:$MGMT_PORT/routes" | jq '.peers | length')
    sub_line=$(grep -m1 'Subscribed to lease events' "$node_log" || true)
    [[ -n $sub_line ]] || die "node run $run logged no subscription line"
    sub_ms=$(date -d "$(jq -r '.Timestamp' <<<"$sub_line")" +%s%3N)
    view_line=$(grep -m1 'Lease view complete' "$node_log" || true)
    [[ -n $view_line ]] || die "node run $run logged no complete view"
    view_ms=$(date -d "$(jq -r '.Timestamp' <<<"$view_line")" +%s%3N)
    ms=$(( ready_ms - sub_ms ))
    installed=$(grep -o '[0-9]* peer routes' <<<"$ready_body" | head -1 | cut -d' ' -f1)
    log "run $run: subscription -> every route installed (first ready 200) ${ms} ms (view complete after $(( view_ms - sub_ms )) ms); routes ${routes}, ready says '${installed:-?} peer routes'; ${polls} answers before it, last: ${last_body:0:160}"
    (( routes >= LEASES )) || die "run $run: /routes holds $routes peers, expected at least $LEASES"
    (( ${installed:-0} >= LEASES )) || die "run $run: the first ready 200 reported ${installed:-no} peer routes, expected at least $LEASES: $ready_body"
    results+=("$(jq -n --argjson run "$run" --argjson ms "$ms" --argjson routes "$routes" --argjson polls "$polls" \
        --argjson start "$(( sub_ms - started_ms ))" --argjson view "$(( view_ms - sub_ms ))" --arg last "$last_body" --arg ready "$ready_body" --arg load "$load_start" \
        '{run: $run, subscription_to_all_routes_ms: $ms, subscription_to_view_complete_ms: $view, routes_at_ready: $routes, not_ready_answers_before: $polls,
          process_start_to_subscription_ms: $start, last_not_ready_body: $last, ready_body: $ready, loadavg: $load}')")
    stop_pid "$node_pid"
done

printf '%s\n' "${results[@]}" | jq -s --argjson leases "$LEASES" --slurpfile load "$RUN_DIR/load.json" \
    '{leases: $leases, network: "10.224.0.0/11 in /28s", load: $load[0], runs: .,
      median_ms: (map(.subscription_to_all_routes_ms) | sort | .[(length - 1) / 2 | floor])}' \
    | tee "$OUT_DIR/fresh-node.json"
