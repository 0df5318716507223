#!/usr/bin/env bash
# bench/run.sh: data-path benchmark, one command, inside its own network namespaces.
#
#   bench/run.sh            build Release, run every mode and variant, print a markdown table,
#                           write bench/results/bench-<time>.json (and .md)
#
# Topology (lab/topology.sh, prefix $BENCH_PREFIX, default "bnch"): one bridge "switch" and hosts
# h1..h6 on 192.0.2.0/24, a seed at .10.
#   h1 <-> h2  overlay-node (offloads on, the default)           over 10.244.0.0/16 TUN addresses
#   h3 <-> h4  overlay-node --offload off                          (same cluster as h1/h2)
#   h5 <-> h6  kernel VXLAN (what flannel's vxlan backend sets up: vxlan id 1, port 8472, MTU 1450)
#              and the raw underlay between the eth0 addresses
# Traffic is host to host over each variant's overlay addresses (underlay: eth0 addresses).
#
# Modes, run in turn in the same run:
#   default    plain veths: 64 KiB segmentation-offloaded packets cross the underlay unsplit
#   perframe   every underlay veth has tso/gso/tx-udp-segmentation off, so each frame on the
#              underlay is a real <= 1500-byte frame; receivers run software GRO ("gro on", as a
#              NIC would; BENCH_PERFRAME_GRO=off turns that off too)
# Before round 1 every variant carries 2 s of unrecorded traffic (the nodes' JIT tiers the pumps up)
# and the run waits, at most 30 s, until the seed and nodes are quiet.
# In each mode, $BENCH_ROUNDS rounds (default 5, >= 3); each round runs every variant once (interleaved), and
# the table shows medians. Per variant and round: iperf3 TCP 1 stream and 4 streams, iperf3 UDP
# 64-byte datagrams unlimited (received packets/s), ping RTT (50 x 10 ms, average), the CPU the
# forwarders used during the 1-stream test (overlay-node utime+stime from /proc/<pid>/stat, % of
# one core) and the whole machine's busy % (from /proc/stat; the machine may be shared).
#
# Safety: traffic only inside the namespaces; every wait is bounded; an EXIT/INT/TERM trap kills
# only the PIDs this script started and deletes its namespaces.
set -euo pipefail

readonly REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly TOPOLOGY="$REPO_ROOT/lab/topology.sh"
readonly PREFIX=${BENCH_PREFIX:-bnch}
readonly ROUNDS=${BENCH_ROUNDS:-5}
readonly TCP_SECONDS=${BENCH_TCP_SECONDS:-4}
readonly UDP_SECONDS=${BENCH_UDP_SECONDS:-2}
readonly MODES=${BENCH_MODES:-"default perframe"}
readonly PERFRAME_GRO=${BENCH_PERFRAME_GRO:-on}
readonly CONFIG=${BENCH_CONFIG:-Release}
readonly OUT_DIR=${BENCH_OUT:-$REPO_ROOT/bench/results}
readonly SEED_DLL="$REPO_ROOT/Overlay.Seed/bin/$CONFIG/net10.0/overlay-seed.dll"
readonly NODE_DLL="$REPO_ROOT/Overlay.Node/bin/$CONFIG/net10.0/overlay-node.dll"
readonly SEED_ADDR=192.0.2.10
readonly SEED_PORT=4053
readonly MGMT_PORT=8558
readonly UDP_PORT=8285
readonly IPERF_PORT=5201
readonly READY_TIMEOUT=120        # s until a process answers /health/ready
readonly MESH_TIMEOUT=60          # s until the overlay pairs ping each other
readonly TEST_TIMEOUT=30          # s hard bound on any single iperf3/ping call
readonly WARMUP_SECONDS=2         # s of unrecorded traffic per variant before round 1
readonly SETTLE_CPU_PCT=15        # % of one core: seed + 4 idle nodes below this count as quiet
readonly SETTLE_LIMIT_SECONDS=30  # s at most spent waiting for quiet
readonly VXLAN_ID=1               # flannel's default VNI
readonly VXLAN_PORT=8472          # flannel's default VXLAN port (Linux's legacy default)
readonly VXLAN_MTU=1450           # 1500 - 50, as flannel sets it

log() { echo "bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

(( ROUNDS >= 3 )) || die "BENCH_ROUNDS must be >= 3 (medians of interleaved rounds)"
[[ $(id -u) == 0 ]] || die "needs root (network namespaces, TUN devices)"

RUN_DIR=$(mktemp -d /tmp/overlay-bench.XXXXXX)
STARTED_PIDS=()
RAW="$RUN_DIR/raw.tsv"
: > "$RAW"

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    local deadline=$(( SECONDS + 15 ))
    for pid in "${STARTED_PIDS[@]}"; do
        while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    "$TOPOLOGY" down "$PREFIX" >/dev/null 2>&1 || true
    log "cleaned up (namespaces $PREFIX-*, ${#STARTED_PIDS[@]} processes); logs in $RUN_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_tools() {
    local missing=() tool package
    for tool in iperf3:iperf3 ethtool:ethtool ping:iputils-ping curl:curl python3:python3 ip:iproute2; do
        package=${tool#*:}; tool=${tool%%:*}
        command -v "$tool" >/dev/null 2>&1 || missing+=("$package")
    done
    if (( ${#missing[@]} > 0 )); then
        log "installing ${missing[*]} (Debian packages)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
            || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } \
            || die "apt-get install ${missing[*]} failed"
    fi
}

build() {
    if [[ -n "${BENCH_SKIP_BUILD:-}" ]]; then return; fi
    local project
    for project in Overlay.Seed Overlay.Node; do
        log "building $project ($CONFIG)"
        dotnet build -c "$CONFIG" --nologo -v quiet "$REPO_ROOT/$project" > "$RUN_DIR/build-$project.log" 2>&1 \
            || { tail -n 30 "$RUN_DIR/build-$project.log" >&2; die "dotnet build $project failed"; }
    done
}

ns() { echo "$PREFIX-$1"; }
in_ns() { local n; n=$(ns "$1"); shift; ip netns exec "$n" "$@"; }

wait_ready() {
    local name=$1 host=$2 pid=$3 logfile=$4 deadline=$(( SECONDS + READY_TIMEOUT ))
    until in_ns "$host" curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$MGMT_PORT/health/ready"; do
        kill -0 "$pid" 2>/dev/null || { tail -n 30 "$logfile" >&2; die "$name exited before it was ready ($logfile)"; }
        (( SECONDS < deadline )) || { tail -n 30 "$logfile" >&2; die "$name not ready within ${READY_TIMEOUT}s"; }
        sleep 0.5
    done
}

# --tls-* flags of member $1 (remoting runs with mutual TLS, as in production); makes the lab CA
# and the member's certificate on first use.
tls_flags() {
    [[ -f "$RUN_DIR/tls/ca.crt" ]] || dotnet "$SEED_DLL" ca init --dir "$RUN_DIR/tls" >/dev/null
    [[ -f "$RUN_DIR/tls/$1.crt" ]] || dotnet "$SEED_DLL" ca issue --dir "$RUN_DIR/tls" --name "$1" >/dev/null
    echo "--tls-cert $RUN_DIR/tls/$1.crt --tls-key $RUN_DIR/tls/$1.key --tls-ca $RUN_DIR/tls/ca.crt"
}

start_seed() {
    mkdir -p "$RUN_DIR/seed"
    local tls; tls=$(tls_flags seed)
    # Backgrounded directly (not through in_ns): "ip netns exec" execs the command, so $! is its PID.
    # shellcheck disable=SC2086
    ip netns exec "$(ns seed)" dotnet "$SEED_DLL" --cluster-ip "$SEED_ADDR" --cluster-port "$SEED_PORT" --data-dir "$RUN_DIR/seed" $tls \
        --management-host 127.0.0.1 --management-port "$MGMT_PORT" > "$RUN_DIR/seed/seed.log" 2>&1 < /dev/null &
    SEED_PID=$!
    STARTED_PIDS+=("$SEED_PID")
    wait_ready seed seed "$SEED_PID" "$RUN_DIR/seed/seed.log"
    log "seed ready (PID $SEED_PID)"
}

declare -A NODE_PID
start_node() {
    local i=$1 offload=$2 dir="$RUN_DIR/h$1" tls
    mkdir -p "$dir"
    tls=$(tls_flags "h$i")
    # shellcheck disable=SC2086
    ip netns exec "$(ns "h$i")" dotnet "$NODE_DLL" --seeds "akka.ssl.tcp://overlay@$SEED_ADDR:$SEED_PORT" $tls \
        --public-ip "192.0.2.$(( 10 + i ))" --iface eth0 --port "$UDP_PORT" --subnet-file "$dir/subnet.env" \
        --node-name "$PREFIX-h$i" --management-host 127.0.0.1 --management-port "$MGMT_PORT" \
        --offload "$offload" > "$dir/node.log" 2>&1 < /dev/null &
    NODE_PID[$i]=$!
    STARTED_PIDS+=("${NODE_PID[$i]}")
}

# The TUN address of host i: the network address of its leased subnet (FLANNEL_SUBNET is .1/len).
tun_address() {
    local line gw
    line=$(grep -E '^FLANNEL_SUBNET=' "$RUN_DIR/h$1/subnet.env") || die "h$1 wrote no subnet.env"
    gw=${line#*=}; gw=${gw%/*}
    echo "${gw%.*}.$(( ${gw##*.} - 1 ))"
}

wait_ping() {
    local host=$1 target=$2 deadline=$(( SECONDS + MESH_TIMEOUT ))
    until in_ns "$host" ping -c1 -W1 -q "$target" >/dev/null 2>&1; do
        (( SECONDS < deadline )) || die "$host cannot ping $target within ${MESH_TIMEOUT}s"
        sleep 0.5
    done
}

setup_vxlan() {
    local a=h5 b=h6 ia=15 ib=16
    in_ns $a ip link add vxlan0 type vxlan id $VXLAN_ID dstport $VXLAN_PORT local 192.0.2.$ia remote 192.0.2.$ib dev eth0
    in_ns $b ip link add vxlan0 type vxlan id $VXLAN_ID dstport $VXLAN_PORT local 192.0.2.$ib remote 192.0.2.$ia dev eth0
    in_ns $a ip link set vxlan0 mtu $VXLAN_MTU up
    in_ns $b ip link set vxlan0 mtu $VXLAN_MTU up
    in_ns $a ip addr add 10.244.105.0/32 dev vxlan0
    in_ns $b ip addr add 10.244.106.0/32 dev vxlan0
    in_ns $a ip route add 10.244.106.0/24 dev vxlan0
    in_ns $b ip route add 10.244.105.0/24 dev vxlan0
}

start_iperf_server() {
    local host=$1
    ip netns exec "$(ns "$host")" iperf3 -s -p $IPERF_PORT > "$RUN_DIR/iperf-$host.log" 2>&1 < /dev/null &
    STARTED_PIDS+=("$!")
}

# The switch namespace forwards frames like a plain L2 switch: where br_netfilter is loaded (Docker
# loads it), every bridged frame would otherwise also traverse iptables, a per-frame cost no real
# switch has and one that lands on whichever thread sends (iperf3 for VXLAN, the pump for overlay-node).
plain_switch() {
    local key
    for key in iptables ip6tables arptables; do
        in_ns sw sysctl -qw "net.bridge.bridge-nf-call-$key=0" 2>/dev/null || true
    done
}

# Underlay offloads per mode; the switch ports and every host's eth0.
set_mode() {
    local mode=$1 i args
    case "$mode" in
        default) args=(tso on gso on tx-udp-segmentation on gro off) ;;
        perframe) args=(tso off gso off tx-udp-segmentation off gro "$PERFRAME_GRO") ;;
        *) die "unknown mode $mode" ;;
    esac
    for i in 1 2 3 4 5 6; do
        in_ns sw ethtool -K "h$i" "${args[@]}" 2>/dev/null || true
        in_ns "h$i" ethtool -K eth0 "${args[@]}" 2>/dev/null || true
    done
}

cpu_ticks() { # utime+stime of the given PIDs, in clock ticks
    local total=0 pid fields
    for pid in "$@"; do
        read -ra fields < <(sed 's/^.*) //' "/proc/$pid/stat")
        total=$(( total + fields[11] + fields[12] ))
    done
    echo "$total"
}
machine_busy() { # busy and total jiffies of the whole machine
    local cpu user nice system idle iowait irq softirq steal rest
    read -r cpu user nice system idle iowait irq softirq steal rest < /proc/stat
    echo "$(( user + nice + system + irq + softirq + steal )) $(( user + nice + system + idle + iowait + irq + softirq + steal ))"
}

record() { printf '%s\t%s\t%s\t%s\t%s\n' "$MODE" "$1" "$ROUND" "$2" "$3" >> "$RAW"; }

# run_variant <name> <client host> <server address> <forwarder PIDs...>
run_variant() {
    local name=$1 host=$2 target=$3; shift 3
    local pids=("$@") hz t0 t1 b0 b1 json
    hz=$(getconf CLK_TCK)

    t0=$(cpu_ticks "${pids[@]}"); read -r b0 n0 < <(machine_busy)
    local start=$EPOCHREALTIME
    json=$(in_ns "$host" timeout $TEST_TIMEOUT iperf3 -c "$target" -p $IPERF_PORT -t "$TCP_SECONDS" -J 2>/dev/null) || json=""
    local elapsed; elapsed=$(python3 -c "print($EPOCHREALTIME - $start)")
    t1=$(cpu_ticks "${pids[@]}"); read -r b1 n1 < <(machine_busy)
    record "$name" tcp1_gbps "$(echo "$json" | python3 "$REPO_ROOT/bench/iperf.py" tcp)"
    if (( ${#pids[@]} > 0 )); then
        record "$name" fwd_cpu_pct "$(python3 -c "print(round(($t1 - $t0) / $hz / $elapsed * 100, 1))")"
    fi
    record "$name" busy_pct "$(python3 -c "print(round(($b1 - $b0) / max(1, $n1 - $n0) * 100 * $(nproc), 1))")"

    json=$(in_ns "$host" timeout $TEST_TIMEOUT iperf3 -c "$target" -p $IPERF_PORT -t "$TCP_SECONDS" -P 4 -J 2>/dev/null) || json=""
    record "$name" tcp4_gbps "$(echo "$json" | python3 "$REPO_ROOT/bench/iperf.py" tcp)"

    json=$(in_ns "$host" timeout $TEST_TIMEOUT iperf3 -c "$target" -p $IPERF_PORT -u -b 0 -l 64 -t "$UDP_SECONDS" -J 2>/dev/null) || json=""
    record "$name" udp64_kpps "$(echo "$json" | python3 "$REPO_ROOT/bench/iperf.py" udp)"

    local rtt
    rtt=$(in_ns "$host" timeout $TEST_TIMEOUT ping -c 50 -i 0.01 -q "$target" 2>/dev/null | sed -n 's/^rtt [^=]*= [0-9.]*\/\([0-9.]*\)\/.*/\1/p') || rtt=""
    record "$name" rtt_us "$(python3 -c "print(round(float('${rtt:-nan}') * 1000))" 2>/dev/null || echo nan)"
}

# Nothing a round records may include start-up work: the nodes' JIT tiers the pump loops up during
# their first seconds of traffic, and a freshly started seed and nodes spend CPU on joining and
# compiling for a while. So every variant carries traffic once, unrecorded, and then the runs wait
# (bounded) until the seed and nodes are quiet.
warm_up() {
    log "warm-up: each variant ${WARMUP_SECONDS}s, not recorded"
    local pair
    for pair in "$@"; do
        # shellcheck disable=SC2086 # "host address" pairs
        set -- $pair
        in_ns "$1" timeout $TEST_TIMEOUT iperf3 -c "$2" -p $IPERF_PORT -t "$WARMUP_SECONDS" >/dev/null 2>&1 || true
    done
    local hz quiet=0 waited=0 t0 t1 pct
    hz=$(getconf CLK_TCK)
    while (( quiet < 2 && waited < SETTLE_LIMIT_SECONDS )); do
        t0=$(cpu_ticks "$SEED_PID" "${NODE_PID[@]}")
        sleep 1
        t1=$(cpu_ticks "$SEED_PID" "${NODE_PID[@]}")
        pct=$(( (t1 - t0) * 100 / hz ))
        if (( pct < SETTLE_CPU_PCT )); then quiet=$(( quiet + 1 )); else quiet=0; fi
        waited=$(( waited + 1 ))
    done
    log "settled after ${waited}s (seed and nodes at ${pct}% of a core)"
}

main() {
    local started=$SECONDS
    ensure_tools
    build
    [[ -f "$SEED_DLL" && -f "$NODE_DLL" ]] || die "missing $SEED_DLL or $NODE_DLL"
    "$TOPOLOGY" down "$PREFIX" >/dev/null 2>&1 || true
    "$TOPOLOGY" up "$PREFIX" 6 >/dev/null
    plain_switch
    set_mode default
    start_seed
    start_node 1 on; start_node 2 on; start_node 3 off; start_node 4 off
    local i
    for i in 1 2 3 4; do wait_ready "node h$i" "h$i" "${NODE_PID[$i]}" "$RUN_DIR/h$i/node.log"; done
    log "nodes ready (h1,h2 offload on; h3,h4 offload off)"
    setup_vxlan
    local o1 o2 o3 o4
    o1=$(tun_address 1); o2=$(tun_address 2); o3=$(tun_address 3); o4=$(tun_address 4)
    wait_ping h1 "$o2"; wait_ping h3 "$o4"; wait_ping h5 10.244.106.0; wait_ping h5 192.0.2.16
    for i in 2 4 6; do start_iperf_server "h$i"; done
    sleep 1 # iperf3 -s has no readiness signal; a refused first connection would only cost one figure
    log "overlay pairs: h1 $o1 -> h2 $o2 (offload), h3 $o3 -> h4 $o4 (--offload off)"

    warm_up "h5 192.0.2.16" "h5 10.244.106.0" "h1 $o2" "h3 $o4"

    for MODE in $MODES; do
        set_mode "$MODE"
        for (( ROUND = 1; ROUND <= ROUNDS; ROUND++ )); do
            log "mode $MODE round $ROUND/$ROUNDS"
            run_variant underlay h5 192.0.2.16
            run_variant vxlan h5 10.244.106.0
            run_variant offload h1 "$o2" "${NODE_PID[1]}" "${NODE_PID[2]}"
            run_variant nooffload h3 "$o4" "${NODE_PID[3]}" "${NODE_PID[4]}"
        done
    done
    mkdir -p "$OUT_DIR"
    local stamp; stamp=$(date -u +%Y%m%dT%H%M%SZ)
    python3 "$REPO_ROOT/bench/summarize.py" "$RAW" "$OUT_DIR/bench-$stamp.json" \
        "rounds=$ROUNDS tcp_seconds=$TCP_SECONDS udp_seconds=$UDP_SECONDS perframe_gro=$PERFRAME_GRO nproc=$(nproc) kernel=$(uname -r)" \
        | tee "$OUT_DIR/bench-$stamp.md"
    cp "$RAW" "$OUT_DIR/bench-$stamp.raw.tsv"
    for i in 1 2 3 4; do grep -h "offload\|GRO\|UDP_SEGMENT" "$RUN_DIR/h$i/node.log" | head -3 | sed "s/^/h$i: /" >&2 || true; done
    log "done in $(( SECONDS - started ))s; results in $OUT_DIR/bench-$stamp.{json,md,raw.tsv}"
}

main "$@"
