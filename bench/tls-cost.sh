#!/usr/bin/env bash
# What mutual TLS on remoting costs at start: for each mode (tls, insecure) and each of RUNS
# rounds, interleaved, starts a fresh overlay-seed in its namespace, then one overlay-node, and
# records for each process the time from exec to /health/ready = 200 (the node: joined, lease
# held, TUN up) and its RSS (VmRSS) 5 s after ready; prints every round and the medians.
#   sudo bench/tls-cost.sh [RUNS]        (default 5; needs a Release build)
# Namespaces: lab/topology.sh with a random prefix (underlay 192.0.2.0/24), removed on exit.
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SEED_DLL=$ROOT/Overlay.Seed/bin/Release/net10.0/overlay-seed.dll
NODE_DLL=$ROOT/Overlay.Node/bin/Release/net10.0/overlay-node.dll
PREFIX="tlc$(( RANDOM % 10000 ))"
DIR=$(mktemp -d /tmp/overlay-tls-cost-XXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do timeout 40 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done
    "$ROOT/lab/topology.sh" down "$PREFIX" >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT
"$ROOT/lab/topology.sh" up "$PREFIX" 1 >/dev/null
dotnet "$SEED_DLL" ca init --dir "$DIR/tls" >/dev/null
dotnet "$SEED_DLL" ca issue --dir "$DIR/tls" --name seed --ip 192.0.2.10 >/dev/null
dotnet "$SEED_DLL" ca issue --dir "$DIR/tls" --name h1 --ip 192.0.2.11 >/dev/null
ms() { date +%s%3N; }
# ready NS PID: milliseconds until /health/ready answers 200 (bounded: 120 s).
ready() {
    local start=$1 ns=$2 pid=$3 deadline=$(( $(date +%s) + 120 ))
    until ip netns exec "$ns" curl -sf --max-time 1 -o /dev/null http://127.0.0.1:8558/health/ready; do
        kill -0 "$pid" 2>/dev/null || { echo "PID $pid exited" >&2; return 1; }
        (( $(date +%s) < deadline )) || { echo "PID $pid not ready in 120 s" >&2; return 1; }
        sleep 0.05
    done
    echo $(( $(ms) - start ))
}
rss() { sleep 5; awk '/^VmRSS/ {print int($2/1024)}' "/proc/$1/status"; }
stop() { kill -TERM "$1"; timeout 40 tail --pid="$1" -f /dev/null || kill -KILL "$1"; }
declare -A results
echo "round mode seed_ready_ms seed_rss_mib node_ready_ms node_rss_mib"
for (( r = 1; r <= RUNS; r++ )); do
    for mode in tls insecure; do
        if [[ $mode == tls ]]; then
            seed_tls=(--tls-cert "$DIR/tls/seed.crt" --tls-key "$DIR/tls/seed.key" --tls-ca "$DIR/tls/ca.crt")
            node_tls=(--tls-cert "$DIR/tls/h1.crt" --tls-key "$DIR/tls/h1.key" --tls-ca "$DIR/tls/ca.crt")
        else
            seed_tls=(--insecure-cluster); node_tls=(--insecure-cluster)
        fi
        rm -rf "$DIR/data" "$DIR/subnet.env"
        t0=$(ms)
        ip netns exec "$PREFIX-seed" dotnet "$SEED_DLL" --cluster-ip 192.0.2.10 --data-dir "$DIR/data" "${seed_tls[@]}" \
            > "$DIR/seed-$mode-$r.log" 2>&1 < /dev/null &
        seed=$!; PIDS+=("$seed")
        seed_ms=$(ready "$t0" "$PREFIX-seed" "$seed"); seed_rss=$(rss "$seed")
        t0=$(ms)
        ip netns exec "$PREFIX-h1" dotnet "$NODE_DLL" --seeds akka.tcp://overlay@192.0.2.10:4053 --public-ip 192.0.2.11 \
            --iface eth0 --subnet-file "$DIR/subnet.env" --node-name h1 "${node_tls[@]}" > "$DIR/node-$mode-$r.log" 2>&1 < /dev/null &
        node=$!; PIDS+=("$node")
        node_ms=$(ready "$t0" "$PREFIX-h1" "$node"); node_rss=$(rss "$node")
        stop "$node"; stop "$seed"; PIDS=()
        echo "$r $mode $seed_ms $seed_rss $node_ms $node_rss"
        results[$mode]+="$seed_ms $seed_rss $node_ms $node_rss"$'\n'
    done
done
echo
echo "medians over $RUNS rounds: mode seed_ready_ms seed_rss_mib node_ready_ms node_rss_mib"
for mode in tls insecure; do
    printf '%s' "${results[$mode]}" | python3 -c "
import sys, statistics
rows=[list(map(int,l.split())) for l in sys.stdin if l.strip()]
print('$mode', *[int(statistics.median(c)) for c in zip(*rows)])"
done
