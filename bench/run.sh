#!/usr/bin/env bash
# bench/run.sh: data-path benchmark, one command, inside its own network namespaces.
#
#   sudo bench/run.sh          the full measurement (~25 min on 2 vCPUs): builds Release, runs both underlay
#                              modes, 5 interleaved rounds each, prints two markdown tables per mode (pod to
#                              pod, host to host) with medians and ratios, and writes
#                              bench/results/bench-<time>.{json,md,raw.tsv}
#   sudo BENCH_ROUNDS=1 BENCH_MODES=default bench/run.sh    a smoke (~3 min): proves the script works, measures nothing
#   bench/run.sh --help        this text
#
# Run the full measurement on an otherwise idle machine; the "machine busy" column shows what else ran.
#
# What users send: pod to pod (the main table). Each host has one pod behind a cni0 bridge, attached from
# the node's subnet.env as the flannel CNI plugin does (lab/topology.sh pod), and one kernel-VXLAN pod behind
# its own bridge, programmed as flannel's vxlan backend does it (device vxf, VNI 1, port 8472, MTU 1450,
# "<subnet>/24 via <subnet>.0 dev vxf onlink", a permanent neighbour and fdb entry per peer), on the same hosts.
# A pod's packets are forwarded into the TUN; host-to-host traffic (the second table) is generated on the
# host itself and sized for the TUN, which hides what forwarding costs.
#
# Topology (lab/topology.sh, prefix $BENCH_PREFIX, default "bnch"): a bridge "switch", a seed at 192.0.2.10
# and hosts on 192.0.2.0/24:
#   h1 <-> h2  overlay-node (offloads on, the default) + pods p1, p2; kernel VXLAN + pods v1, v2;
#              the raw underlay between the eth0 addresses
#   h3 <-> h4  overlay-node --offload off + pods p3, p4   (only with "nooffload" in BENCH_VARIANTS)
# Variants: pod table  vxlan (v1 -> v2), overlay (p1 -> p2), nooffload (p3 -> p4)
#           host table underlay (h1 -> h2 eth0), vxlan (h1 -> h2's vxf address), overlay (h1 -> h2's TUN
#           address), nooffload (h3 -> h4's TUN address)
#
# Per variant and round: iperf3 TCP 1 stream (received Gbit/s, sender retransmits) and 4 streams; a TCP
# request/response rate with 1-byte request and reply (bench/tcp_rr.py, like netperf TCP_RR); ping RTT p50 and
# p99 (BENCH_PINGS pings, 10 ms apart); iperf3 UDP with 1400-byte datagrams at unlimited rate (received Gbit/s
# and kpackets/s) and with 64-byte datagrams (kpackets/s); the TUN's kernel drops (tx_dropped + rx_dropped of
# overlay0 on both hosts) during the TCP, request/response and ping tests, and separately during the two UDP
# floods (an unlimited-rate flood must lose packets somewhere; for overlay-node that is the TUN's ring, for
# VXLAN the receiving socket); overlay0's TX bytes per packet on the sending host
# during the 1-stream test (what the pump reads: near the MTU means the kernel split super-packets in front of
# the TUN); the forwarders' CPU during the 1-stream test (overlay-node utime+stime, % of one core) and the
# whole machine's busy % (out of 100 x nproc). Every figure also shows its ratio to the kernel VXLAN figure of
# the same table and mode; a summary line per table gives overlay-node against VXLAN and against the underlay.
#
# Underlay modes (BENCH_MODES, default "default perframe"), run in turn in the same run:
#   default    plain veths: 64 KiB segmentation-offloaded packets cross the underlay unsplit
#   perframe   every underlay veth has tso/gso/tx-udp-segmentation off, so each frame on the underlay is a
#              real <= 1500-byte frame; receivers run software GRO ("gro on", as a NIC would;
#              BENCH_PERFRAME_GRO=off turns that off too)
# In each mode BENCH_ROUNDS rounds (default 5; fewer than 3 is a smoke and says so); each round runs every
# variant of both tables once (interleaved); the tables show medians. Before round 1 every variant carries
# 2 s of unrecorded traffic and the run waits, at most 30 s, until the seed and nodes are quiet.
#
# Knobs: BENCH_ROUNDS (5), BENCH_MODES ("default perframe"), BENCH_VARIANTS ("underlay vxlan overlay
# nooffload"; underlay, vxlan and overlay are always run), BENCH_TABLES ("pod host"), BENCH_TCP_SECONDS (5),
# BENCH_UDP_SECONDS (2), BENCH_RR_SECONDS (3), BENCH_PINGS (200), BENCH_PERFRAME_GRO (on), BENCH_SKIP_BUILD=1,
# BENCH_OUT (output directory), BENCH_PREFIX (bnch), BENCH_TUN_GSO_MAX_SEGS (unset; a number caps overlay0's
# gso_max_segs on the overlay hosts by hand, e.g. 44 reproduces the cap overlay-node set before it was removed),
# BENCH_TUN_TXQUEUELEN (unset; a number sets overlay0's txqueuelen, the TUN's ring, on every overlay host by
# hand), BENCH_NODE_ARGS (extra overlay-node flags for every node, e.g. "--pump-scheduling normal").
#
# Safety: traffic only inside the namespaces; every wait is bounded; an EXIT/INT/TERM trap kills only the
# PIDs this script started and deletes its namespaces.
set -euo pipefail

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 0
fi
(( $# == 0 )) || { echo "bench/run.sh: no arguments expected (see --help): $*" >&2; exit 2; }

readonly REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly TOPOLOGY="$REPO_ROOT/lab/topology.sh"
readonly PREFIX=${BENCH_PREFIX:-bnch}
readonly ROUNDS=${BENCH_ROUNDS:-5}
readonly TCP_SECONDS=${BENCH_TCP_SECONDS:-5}
readonly UDP_SECONDS=${BENCH_UDP_SECONDS:-2}
readonly RR_SECONDS=${BENCH_RR_SECONDS:-3}
readonly PINGS=${BENCH_PINGS:-200}
readonly MODES=${BENCH_MODES:-"default perframe"}
readonly VARIANTS=${BENCH_VARIANTS:-"underlay vxlan overlay nooffload"}
readonly TABLES=${BENCH_TABLES:-"pod host"}
readonly PERFRAME_GRO=${BENCH_PERFRAME_GRO:-on}
readonly GSO_MAX_SEGS=${BENCH_TUN_GSO_MAX_SEGS:-}
readonly TXQUEUELEN=${BENCH_TUN_TXQUEUELEN:-}
readonly NODE_ARGS=${BENCH_NODE_ARGS:-}
readonly CONFIG=${BENCH_CONFIG:-Release}
readonly OUT_DIR=${BENCH_OUT:-$REPO_ROOT/bench/results}
readonly SEED_DLL="$REPO_ROOT/Overlay.Seed/bin/$CONFIG/net10.0/overlay-seed.dll"
readonly NODE_DLL="$REPO_ROOT/Overlay.Node/bin/$CONFIG/net10.0/overlay-node.dll"
readonly SEED_ADDR=192.0.2.10
readonly SEED_PORT=4053
readonly MGMT_PORT=8558
readonly IPERF_PORT=5201
readonly RR_PORT=5202
readonly TUN=overlay0
readonly READY_TIMEOUT=120        # s until a process answers /health/ready
readonly MESH_TIMEOUT=60          # s until the overlay pairs ping each other
readonly TEST_TIMEOUT=30          # s hard bound on any single iperf3/ping/rr call
readonly WARMUP_SECONDS=2         # s of unrecorded traffic per variant before round 1
readonly SETTLE_CPU_PCT=15        # % of one core: seed + idle nodes below this count as quiet
readonly SETTLE_LIMIT_SECONDS=30  # s at most spent waiting for quiet
readonly VXLAN_DEV=vxf            # the VXLAN device (flannel names it flannel.1)
readonly VXLAN_BRIDGE=cnv0        # the VXLAN pods' bridge (cni0 is the overlay pods')
readonly VXLAN_ID=1               # flannel's default VNI
readonly VXLAN_PORT=8472          # flannel's default VXLAN port (Linux's legacy default)
readonly VXLAN_MTU=1450           # 1500 - 50, as flannel sets it
readonly VXLAN_THIRD_OCTET=200    # host i's VXLAN pods live in 10.244.(200+i).0/24, far above the lowest
                                  # subnets the registry leases to overlay-node hosts

log() { echo "bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ "$ROUNDS" =~ ^[0-9]+$ ]] && (( ROUNDS >= 1 )) || die "BENCH_ROUNDS must be a number >= 1: '$ROUNDS'"
(( ROUNDS >= 3 )) || log "BENCH_ROUNDS=$ROUNDS: fewer than 3 rounds is a smoke of the script, not a measurement"
[[ -z "$GSO_MAX_SEGS" || "$GSO_MAX_SEGS" =~ ^[0-9]+$ ]] || die "BENCH_TUN_GSO_MAX_SEGS must be a number: '$GSO_MAX_SEGS'"
[[ -z "$TXQUEUELEN" || "$TXQUEUELEN" =~ ^[0-9]+$ ]] || die "BENCH_TUN_TXQUEUELEN must be a number: '$TXQUEUELEN'"
[[ $(id -u) == 0 ]] || die "needs root (network namespaces, TUN devices)"
has_variant() { [[ " $VARIANTS " == *" $1 "* ]]; }
has_table() { [[ " $TABLES " == *" $1 "* ]]; }

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
    for tool in iperf3:iperf3 ethtool:ethtool ping:iputils-ping curl:curl python3:python3 ip:iproute2 bridge:iproute2; do
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
        --public-ip "192.0.2.$(( 10 + i ))" --iface eth0 --subnet-file "$dir/subnet.env" \
        --node-name "$PREFIX-h$i" --management-host 127.0.0.1 --management-port "$MGMT_PORT" \
        --offload "$offload" $NODE_ARGS > "$dir/node.log" 2>&1 < /dev/null &
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

# The overlay pod of host i, attached from the node's subnet.env the way the flannel CNI plugin does
# (lab/topology.sh owns how); prints the pod's address, read back from the pod itself.
attach_pod() {
    local i=$1 addr
    "$TOPOLOGY" pod "$PREFIX" "$i" "$RUN_DIR/h$i/subnet.env" >/dev/null
    addr=$(ip -n "$(ns "p$i")" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1 | head -n1)
    [[ -n "$addr" ]] || die "pod p$i has no IPv4 address on eth0"
    echo "$addr"
}

wait_ping() {
    local where=$1 target=$2 deadline=$(( SECONDS + MESH_TIMEOUT ))
    until in_ns "$where" ping -c1 -W1 -q "$target" >/dev/null 2>&1; do
        (( SECONDS < deadline )) || die "$where cannot ping $target within ${MESH_TIMEOUT}s"
        sleep 0.5
    done
}

vx_subnet() { echo "10.244.$(( VXLAN_THIRD_OCTET + $1 ))"; }

# flannel's vxlan backend on hosts $1 and $2: a VTEP per host (its subnet's .0/32 on it), and per peer
# "<subnet>/24 via <subnet>.0 dev vxf onlink", a permanent neighbour entry for <subnet>.0 with the peer
# VTEP's MAC, and a permanent fdb entry sending that MAC to the peer's public address. Pods sit behind a
# bridge holding the subnet's .1, as the flannel CNI plugin's bridge does; the pod is .2 with MTU 1450.
setup_vxlan() {
    local i j mac
    for i in "$@"; do
        in_ns "h$i" ip link add $VXLAN_DEV type vxlan id $VXLAN_ID local "192.0.2.$(( 10 + i ))" dev eth0 dstport $VXLAN_PORT nolearning
        in_ns "h$i" ip link set $VXLAN_DEV mtu $VXLAN_MTU up
        in_ns "h$i" ip addr add "$(vx_subnet "$i").0/32" dev $VXLAN_DEV
        in_ns "h$i" ip link add $VXLAN_BRIDGE type bridge stp_state 0 forward_delay 0
        in_ns "h$i" ip link set $VXLAN_BRIDGE mtu $VXLAN_MTU
        in_ns "h$i" ip addr add "$(vx_subnet "$i").1/24" dev $VXLAN_BRIDGE
        in_ns "h$i" ip link set $VXLAN_BRIDGE up
        ip netns add "$(ns "v$i")"
        in_ns "v$i" ip link set lo up
        in_ns "v$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        in_ns "h$i" ip link add "vethv$i" mtu $VXLAN_MTU type veth peer name eth0 mtu $VXLAN_MTU netns "$(ns "v$i")"
        in_ns "h$i" ip link set "vethv$i" master $VXLAN_BRIDGE up
        in_ns "v$i" ip addr add "$(vx_subnet "$i").2/24" dev eth0
        in_ns "v$i" ip link set eth0 up
        in_ns "v$i" ip route add default via "$(vx_subnet "$i").1" dev eth0
    done
    for i in "$@"; do
        for j in "$@"; do
            (( i != j )) || continue
            mac=$(in_ns "h$j" cat "/sys/class/net/$VXLAN_DEV/address")
            in_ns "h$i" ip route replace "$(vx_subnet "$j").0/24" via "$(vx_subnet "$j").0" dev $VXLAN_DEV onlink
            in_ns "h$i" ip neigh replace "$(vx_subnet "$j").0" lladdr "$mac" dev $VXLAN_DEV nud permanent
            in_ns "h$i" bridge fdb replace "$mac" dev $VXLAN_DEV dst "192.0.2.$(( 10 + j ))" self permanent
        done
    done
}

start_servers() { # iperf3 and the request/response server in namespace $1
    local where=$1
    ip netns exec "$(ns "$where")" iperf3 -s -p $IPERF_PORT > "$RUN_DIR/iperf-$where.log" 2>&1 < /dev/null &
    STARTED_PIDS+=("$!")
    ip netns exec "$(ns "$where")" python3 "$REPO_ROOT/bench/tcp_rr.py" serve $RR_PORT > "$RUN_DIR/rr-$where.log" 2>&1 < /dev/null &
    STARTED_PIDS+=("$!")
}

# The switch namespace forwards frames like a plain L2 switch: where br_netfilter is loaded (Docker
# loads it), every bridged frame would otherwise also traverse iptables, a per-frame cost no real
# switch has and one that lands on whichever thread sends (iperf3 for VXLAN, the pump for overlay-node).
# The hosts' cni0/cnv0 bridges get the same treatment for the same reason.
plain_bridges() {
    local key where
    for where in sw "${HOSTS[@]/#/h}"; do
        for key in iptables ip6tables arptables; do
            in_ns "$where" sysctl -qw "net.bridge.bridge-nf-call-$key=0" 2>/dev/null || true
        done
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
    for i in "${HOSTS[@]}"; do
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
# "tx_bytes tx_packets drops" of overlay0 in host $1 (drops = tx_dropped + rx_dropped), from /proc/net/dev
# inside the host's namespace.
tun_counters() {
    # The colon may touch the first number ("overlay0:123456789"), so it becomes a space first.
    in_ns "h$1" cat /proc/net/dev | awk -v dev="$TUN" '{ sub(/:/, " ") } $1 == dev { print $10, $11, $13 + $5 }'
}
tun_drops() { # summed over hosts "$@"
    local total=0 i c
    for i in "$@"; do read -ra c < <(tun_counters "$i"); total=$(( total + c[2] )); done
    echo "$total"
}

record() { printf '%s\t%s\t%s\t%s\t%s\n' "$MODE" "$1" "$ROUND" "$2" "$3" >> "$RAW"; }

# run_variant <table.variant> <client ns> <server address> <overlay hosts (or "-")> <forwarder PIDs...>
run_variant() {
    local key=$1 client=$2 target=$3 tunhosts=$4; shift 4
    local pids=("$@") hz t0 t1 b0 b1 n0 n1 json figures hosts=() tun0=() tun1=() d0=0 d1=0
    [[ "$tunhosts" == - ]] || read -ra hosts <<< "${tunhosts//,/ }"
    hz=$(getconf CLK_TCK)
    (( ${#hosts[@]} == 0 )) || { d0=$(tun_drops "${hosts[@]}"); read -ra tun0 < <(tun_counters "${hosts[0]}"); }

    t0=$(cpu_ticks "${pids[@]}"); read -r b0 n0 < <(machine_busy)
    local start=$EPOCHREALTIME
    json=$(in_ns "$client" timeout $TEST_TIMEOUT iperf3 -c "$target" -p $IPERF_PORT -t "$TCP_SECONDS" -J 2>/dev/null) || json=""
    local elapsed; elapsed=$(python3 -c "print($EPOCHREALTIME - $start)")
    t1=$(cpu_ticks "${pids[@]}"); read -r b1 n1 < <(machine_busy)
    read -ra figures < <(echo "$json" | python3 "$REPO_ROOT/bench/iperf.py" tcp)
    record "$key" tcp1_gbps "${figures[0]}"
    record "$key" tcp1_retrans "${figures[1]}"
    if (( ${#hosts[@]} > 0 )); then
        read -ra tun1 < <(tun_counters "${hosts[0]}")
        record "$key" tun_tx_bytes_per_pkt "$(python3 -c "print(round(($((tun1[0] - tun0[0]))) / max(1, $((tun1[1] - tun0[1])))))")"
    fi
    if (( ${#pids[@]} > 0 )); then
        record "$key" fwd_cpu_pct "$(python3 -c "print(round(($t1 - $t0) / $hz / $elapsed * 100, 1))")"
    fi
    record "$key" busy_pct "$(python3 -c "print(round(($b1 - $b0) / max(1, $n1 - $n0) * 100 * $(nproc), 1))")"

    json=$(in_ns "$client" timeout $TEST_TIMEOUT iperf3 -c "$target" -p $IPERF_PORT -t "$TCP_SECONDS" -P 4 -J 2>/dev/null) || json=""
    read -ra figures < <(echo "$json" | python3 "$REPO_ROOT/bench/iperf.py" tcp)
    record "$key" tcp4_gbps "${figures[0]}"

    record "$key" rr_tps "$(in_ns "$client" timeout $TEST_TIMEOUT python3 "$REPO_ROOT/bench/tcp_rr.py" run "$target" $RR_PORT "$RR_SECONDS" 2>/dev/null || echo nan)"

    local pings
    pings=$(in_ns "$client" timeout $TEST_TIMEOUT ping -c "$PINGS" -i 0.01 "$target" 2>/dev/null) || true
    read -ra figures < <(echo "$pings" | python3 -c '
import sys, statistics
rtts = sorted(float(l.split("time=")[1].split()[0]) * 1000 for l in sys.stdin if "time=" in l)
if not rtts:
    print("nan nan")
else:
    pick = lambda q: rtts[min(len(rtts) - 1, int(round(q * (len(rtts) - 1))))]
    print(round(pick(0.5)), round(pick(0.99)))')
    record "$key" ping_p50_us "${figures[0]}"
    record "$key" ping_p99_us "${figures[1]}"
    if (( ${#hosts[@]} > 0 )); then
        d1=$(tun_drops "${hosts[@]}")
        record "$key" tun_drops "$(( d1 - d0 ))"
    fi

    json=$(in_ns "$client" timeout $TEST_TIMEOUT iperf3 -c "$target" -p $IPERF_PORT -u -b 0 -l 1400 -t "$UDP_SECONDS" -J 2>/dev/null) || json=""
    read -ra figures < <(echo "$json" | python3 "$REPO_ROOT/bench/iperf.py" udpbulk)
    record "$key" udp1400_gbps "${figures[0]}"
    record "$key" udp1400_kpps "${figures[1]}"

    json=$(in_ns "$client" timeout $TEST_TIMEOUT iperf3 -c "$target" -p $IPERF_PORT -u -b 0 -l 64 -t "$UDP_SECONDS" -J 2>/dev/null) || json=""
    record "$key" udp64_kpps "$(echo "$json" | python3 "$REPO_ROOT/bench/iperf.py" udp)"

    if (( ${#hosts[@]} > 0 )); then
        record "$key" tun_drops_udp "$(( $(tun_drops "${hosts[@]}") - d1 ))"
    fi
}

# Nothing a round records may include start-up work: the nodes' JIT tiers the pump loops up during
# their first seconds of traffic, and a freshly started seed and nodes spend CPU on joining and
# compiling for a while. So every variant carries traffic once, unrecorded, and then the runs wait
# (bounded) until the seed and nodes are quiet.
warm_up() {
    log "warm-up: each variant ${WARMUP_SECONDS}s, not recorded"
    local pair
    for pair in "$@"; do
        # shellcheck disable=SC2086 # "namespace address" pairs
        set -- $pair
        in_ns "$1" timeout $TEST_TIMEOUT iperf3 -c "$2" -p $IPERF_PORT -t "$WARMUP_SECONDS" >/dev/null 2>&1 || true
    done
    local hz quiet=0 waited=0 t0 t1 pct=0
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
    HOSTS=(1 2)
    if has_variant nooffload; then HOSTS=(1 2 3 4); fi
    ensure_tools
    build
    [[ -f "$SEED_DLL" && -f "$NODE_DLL" ]] || die "missing $SEED_DLL or $NODE_DLL"
    "$TOPOLOGY" down "$PREFIX" >/dev/null 2>&1 || true
    "$TOPOLOGY" up "$PREFIX" "${#HOSTS[@]}" >/dev/null
    set_mode default
    start_seed
    start_node 1 on; start_node 2 on
    if has_variant nooffload; then start_node 3 off; start_node 4 off; fi
    local i
    for i in "${HOSTS[@]}"; do wait_ready "node h$i" "h$i" "${NODE_PID[$i]}" "$RUN_DIR/h$i/node.log"; done
    log "nodes ready (h1,h2 offload on$(has_variant nooffload && echo '; h3,h4 offload off'))"
    if [[ -n "$GSO_MAX_SEGS" ]]; then
        for i in 1 2; do in_ns "h$i" ip link set $TUN gso_max_segs "$GSO_MAX_SEGS"; done
        log "overlay0 gso_max_segs set to $GSO_MAX_SEGS by hand on h1, h2 (BENCH_TUN_GSO_MAX_SEGS)"
    fi
    if [[ -n "$TXQUEUELEN" ]]; then
        for i in "${HOSTS[@]}"; do in_ns "h$i" ip link set $TUN txqueuelen "$TXQUEUELEN"; done
        log "overlay0 txqueuelen set to $TXQUEUELEN by hand on every overlay host (BENCH_TUN_TXQUEUELEN)"
    fi

    declare -A POD TUNADDR
    for i in "${HOSTS[@]}"; do
        POD[$i]=$(attach_pod "$i")
        TUNADDR[$i]=$(tun_address "$i")
    done
    setup_vxlan 1 2
    plain_bridges
    wait_ping h1 "${TUNADDR[2]}"; wait_ping p1 "${POD[2]}"; wait_ping v1 "$(vx_subnet 2).2"; wait_ping h1 "$(vx_subnet 2).0"
    wait_ping h1 192.0.2.12
    local servers=(h2 p2 v2)
    if has_variant nooffload; then
        wait_ping h3 "${TUNADDR[4]}"; wait_ping p3 "${POD[4]}"
        servers+=(h4 p4)
    fi
    for i in "${servers[@]}"; do start_servers "$i"; done
    sleep 1 # the servers have no readiness signal; a refused first connection would only cost one figure
    log "pods: overlay p1 ${POD[1]} -> p2 ${POD[2]}, VXLAN v1 $(vx_subnet 1).2 -> v2 $(vx_subnet 2).2$(has_variant nooffload && echo ", --offload off p3 ${POD[3]} -> p4 ${POD[4]}")"
    log "hosts: TUN h1 ${TUNADDR[1]} -> h2 ${TUNADDR[2]}, VXLAN $(vx_subnet 1).0 -> $(vx_subnet 2).0, underlay 192.0.2.11 -> 192.0.2.12"
    in_ns h1 ip -d link show $TUN | grep -o 'gso_max_segs [0-9]*\|gso_max_size [0-9]*\|vnet_hdr [a-z]*' | tr '\n' ' ' | sed 's/^/bench: h1 overlay0: /' >&2; echo >&2

    # The variants of this run: "table.variant client target tunhosts pids..."
    local plan=()
    if has_table pod; then
        plan+=("pod.vxlan v1 $(vx_subnet 2).2 -")
        plan+=("pod.overlay p1 ${POD[2]} 1,2 ${NODE_PID[1]} ${NODE_PID[2]}")
        has_variant nooffload && plan+=("pod.nooffload p3 ${POD[4]} 3,4 ${NODE_PID[3]} ${NODE_PID[4]}")
    fi
    if has_table host; then
        plan+=("host.underlay h1 192.0.2.12 -")
        plan+=("host.vxlan h1 $(vx_subnet 2).0 -")
        plan+=("host.overlay h1 ${TUNADDR[2]} 1,2 ${NODE_PID[1]} ${NODE_PID[2]}")
        has_variant nooffload && plan+=("host.nooffload h3 ${TUNADDR[4]} 3,4 ${NODE_PID[3]} ${NODE_PID[4]}")
    fi
    (( ${#plan[@]} > 0 )) || die "BENCH_TABLES selects no table: '$TABLES'"
    local warm=() entry
    for entry in "${plan[@]}"; do read -ra f <<< "$entry"; warm+=("${f[1]} ${f[2]}"); done
    warm_up "${warm[@]}"

    for MODE in $MODES; do
        set_mode "$MODE"
        for (( ROUND = 1; ROUND <= ROUNDS; ROUND++ )); do
            log "mode $MODE round $ROUND/$ROUNDS"
            for entry in "${plan[@]}"; do
                # shellcheck disable=SC2086 # the plan entry is the argument list
                run_variant $entry
            done
        done
    done
    mkdir -p "$OUT_DIR"
    local stamp; stamp=$(date -u +%Y%m%dT%H%M%SZ)
    local notes="rounds=$ROUNDS tcp_seconds=$TCP_SECONDS udp_seconds=$UDP_SECONDS rr_seconds=$RR_SECONDS pings=$PINGS perframe_gro=$PERFRAME_GRO nproc=$(nproc) kernel=$(uname -r) commit=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    (( ROUNDS >= 3 )) || notes="SMOKE ($ROUNDS round(s), not a measurement) $notes"
    [[ -z "$GSO_MAX_SEGS" ]] || notes="$notes tun_gso_max_segs=$GSO_MAX_SEGS(by hand)"
    [[ -z "$TXQUEUELEN" ]] || notes="$notes tun_txqueuelen=$TXQUEUELEN(by hand)"
    [[ -z "$NODE_ARGS" ]] || notes="$notes node_args='$NODE_ARGS'"
    python3 "$REPO_ROOT/bench/summarize.py" "$RAW" "$OUT_DIR/bench-$stamp.json" "$notes" | tee "$OUT_DIR/bench-$stamp.md"
    cp "$RAW" "$OUT_DIR/bench-$stamp.raw.tsv"
    for i in "${HOSTS[@]}"; do grep -h "offload\|GRO\|UDP_SEGMENT" "$RUN_DIR/h$i/node.log" | head -3 | sed "s/^/h$i: /" >&2 || true; done
    log "done in $(( SECONDS - started ))s; results in $OUT_DIR/bench-$stamp.{json,md,raw.tsv}"
}

main "$@"
