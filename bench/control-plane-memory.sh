#!/usr/bin/env bash
# Resident memory of a real overlay-node (and its seed), idle and loaded, for
# bench/control-plane.sh. Needs root and /dev/net/tun. Everything runs inside network namespaces
# built by lab/topology.sh (prefix "pcmem": seed at 192.0.2.10, host h1 at 192.0.2.11); nothing
# touches the root namespace. Load = N peer leases acquired through the seed's registry by the
# bench process joined to the cluster from inside the seed namespace (their public IPs are in
# 198.18.0.0/15 and no packet is sent to them). The overlay is 10.244.0.0/16 cut into /28s so
# that 1,000 leases fit.
#
#   bench/control-plane-memory.sh <out.json> [leases]
#
# It ends only the processes it started, by PID, and deletes its namespaces, also on failure.
set -euo pipefail

readonly REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly OUT=${1:?usage: control-plane-memory.sh <out.json> [leases]}
readonly LEASES=${2:-1000}
readonly PREFIX=pcmem
readonly SEED_ADDR=192.0.2.10
readonly NODE_ADDR=192.0.2.11
readonly SEED_PORT=4053
readonly MGMT_PORT=8558
readonly READY_TIMEOUT=120        # seconds until /health/ready answers 200
readonly LOAD_TIMEOUT=180         # seconds until the node routes to every loaded lease
readonly SETTLE_SECONDS=10        # idle time before an idle reading (JIT, first GCs done)
readonly STOP_TIMEOUT=20
readonly SEED_DLL="$REPO_ROOT/Overlay.Seed/bin/Release/net10.0/overlay-seed.dll"
readonly NODE_DLL="$REPO_ROOT/Overlay.Node/bin/Release/net10.0/overlay-node.dll"
readonly BENCH_DLL="$REPO_ROOT/bench/Overlay.Bench.ControlPlane/bin/Release/net10.0/overlay-bench-control-plane.dll"

log() { echo "control-plane-memory: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "needs root (network namespaces, TUN device)"
[[ -c /dev/net/tun ]] || die "needs /dev/net/tun"
for f in "$SEED_DLL" "$NODE_DLL" "$BENCH_DLL"; do [[ -f $f ]] || die "not built: $f"; done

RUN_DIR=$(mktemp -d /tmp/overlay-bench-memory.XXXXXX)
PIDS=()

# shellcheck source=bench/processes.sh
source "$REPO_ROOT/bench/processes.sh"

# VmRSS / VmHWM of a PID in MB (kB / 1024, one decimal).
rss_mb() { awk -v key="$2:" '$1 == key { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

peer_routes() {
    ip netns exec "$PREFIX-h1" curl -sf --max-time 10 "http://127.0.0.1:$MGMT_PORT/routes" | jq '.peers | length' 2>/dev/null || echo 0
}

"$REPO_ROOT/lab/topology.sh" down "$PREFIX" >/dev/null 2>&1 || true
"$REPO_ROOT/lab/topology.sh" up "$PREFIX" 1 >/dev/null

echo '{"Network":"10.244.0.0/16","SubnetLen":28,"Backend":{"Type":"udp"}}' > "$RUN_DIR/net-conf.json"
# Remoting with mutual TLS, as in production.
dotnet "$SEED_DLL" ca init --dir "$RUN_DIR/tls" >/dev/null
dotnet "$SEED_DLL" ca issue --dir "$RUN_DIR/tls" --name seed --ip "$SEED_ADDR" >/dev/null
dotnet "$SEED_DLL" ca issue --dir "$RUN_DIR/tls" --name h1 --ip "$NODE_ADDR" >/dev/null
dotnet "$SEED_DLL" ca issue --dir "$RUN_DIR/tls" --name loader --ip "$SEED_ADDR" >/dev/null
tls() { echo "--tls-cert $RUN_DIR/tls/$1.crt --tls-key $RUN_DIR/tls/$1.key --tls-ca $RUN_DIR/tls/ca.crt"; }
# shellcheck disable=SC2046
ip netns exec "$PREFIX-seed" dotnet "$SEED_DLL" --cluster-ip "$SEED_ADDR" --cluster-port "$SEED_PORT" $(tls seed) \
    --data-dir "$RUN_DIR/seed" --net-config-path "$RUN_DIR/net-conf.json" \
    --management-host 127.0.0.1 --management-port "$MGMT_PORT" > "$RUN_DIR/seed.log" 2>&1 < /dev/null &
SEED_PID=$!   # ip netns exec execs in place: this is the seed's own PID
PIDS+=("$SEED_PID")
wait_ready seed "$PREFIX-seed" "$SEED_PID" "$RUN_DIR/seed.log"

# shellcheck disable=SC2046
ip netns exec "$PREFIX-h1" dotnet "$NODE_DLL" --seeds "akka.ssl.tcp://overlay@$SEED_ADDR:$SEED_PORT" $(tls h1) \
    --public-ip "$NODE_ADDR" --iface eth0 --subnet-file "$RUN_DIR/subnet.env" --node-name "$PREFIX-h1" \
    --management-host 127.0.0.1 --management-port "$MGMT_PORT" > "$RUN_DIR/node.log" 2>&1 < /dev/null &
NODE_PID=$!
PIDS+=("$NODE_PID")
wait_ready node "$PREFIX-h1" "$NODE_PID" "$RUN_DIR/node.log"
log "seed (PID $SEED_PID) and node (PID $NODE_PID) ready; idling ${SETTLE_SECONDS}s"
sleep "$SETTLE_SECONDS"   # a measurement interval, not synchronisation
idle_node=$(rss_mb "$NODE_PID" VmRSS); idle_seed=$(rss_mb "$SEED_PID" VmRSS)
log "idle: node ${idle_node} MB, seed ${idle_seed} MB"

ip netns exec "$PREFIX-seed" dotnet "$BENCH_DLL" remote-load --seed "akka.ssl.tcp://overlay@$SEED_ADDR:$SEED_PORT" \
    --host "$SEED_ADDR" --count "$LEASES" $(tls loader) > "$RUN_DIR/load.json" 2> "$RUN_DIR/load.log" \
    || { tail -n 30 "$RUN_DIR/load.log" >&2; die "remote-load failed"; }
deadline=$(( SECONDS + LOAD_TIMEOUT ))
until (( $(peer_routes) >= LEASES )); do
    (( SECONDS < deadline )) || die "node routes to $(peer_routes) of $LEASES loaded leases after ${LOAD_TIMEOUT}s"
    sleep 1
done
sleep "$SETTLE_SECONDS"
loaded_node=$(rss_mb "$NODE_PID" VmRSS); loaded_seed=$(rss_mb "$SEED_PID" VmRSS)
hwm_node=$(rss_mb "$NODE_PID" VmHWM); hwm_seed=$(rss_mb "$SEED_PID" VmHWM)
log "loaded ($LEASES peer leases): node ${loaded_node} MB (peak ${hwm_node}), seed ${loaded_seed} MB (peak ${hwm_seed})"

jq -n --argjson leases "$LEASES" --argjson idle_node "$idle_node" --argjson idle_seed "$idle_seed" \
    --argjson loaded_node "$loaded_node" --argjson loaded_seed "$loaded_seed" \
    --argjson hwm_node "$hwm_node" --argjson hwm_seed "$hwm_seed" --slurpfile load "$RUN_DIR/load.json" \
    '{leases: $leases, node_idle_rss_mb: $idle_node, node_loaded_rss_mb: $loaded_node, node_peak_rss_mb: $hwm_node,
      seed_idle_rss_mb: $idle_seed, seed_loaded_rss_mb: $loaded_seed, seed_peak_rss_mb: $hwm_seed, load: $load[0]}' > "$OUT"
