#!/usr/bin/env bash
# The Overlay lab: one seed and N nodes as real processes in network namespaces, with one pod
# behind each host, on this machine (root, Debian, .NET SDK).
#
#   lab/lab.sh up [N]    build, start seed + N nodes (default 3), add pods, print the status
#                        report, then stay up until Ctrl-C (or 'lab/lab.sh down')
#   lab/lab.sh status    print the report again (members, leases, routes, pod ping matrix)
#   lab/lab.sh down      stop the lab started by 'up' (from another shell)
#
# Everything it creates (processes, namespaces, the run directory) it removes again, also when
# it fails half-way. It ends only the processes it started, by PID. Environment:
#   OVERLAY_LAB_KEEP_LOGS=1  keep the run directory (logs, subnet.env files) after 'down'
#   OVERLAY_LAB_CONFIG=Debug build configuration (default Release)
set -euo pipefail

readonly REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly TOPOLOGY="$REPO_ROOT/lab/topology.sh"
readonly STATE_FILE=/tmp/overlay-lab-state
readonly CONFIG=${OVERLAY_LAB_CONFIG:-Release}
readonly SEED_DLL="$REPO_ROOT/Overlay.Seed/bin/$CONFIG/net10.0/overlay-seed.dll"
readonly NODE_DLL="$REPO_ROOT/Overlay.Node/bin/$CONFIG/net10.0/overlay-node.dll"
readonly SEED_ADDR=192.0.2.10          # lab/topology.sh: seed at .10, host N at .(10+N)
readonly SEED_PORT=4053
readonly MGMT_PORT=8558
readonly READY_TIMEOUT=120             # seconds until a process answers /health/ready 200
readonly MESH_TIMEOUT=60               # seconds until every node routes to every other
readonly STOP_TIMEOUT=20               # seconds between SIGTERM and SIGKILL
readonly MAX_HOSTS=20

log() { echo "lab: $*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- state shared between 'up' and 'down'/'status' -------------------------------------------

PREFIX=""
RUN_DIR=""
HOSTS=0
OWNER=""
PIDS=""

write_state() {
    local tmp="$STATE_FILE.tmp.$$"
    {
        echo "PREFIX=$PREFIX"
        echo "RUN_DIR=$RUN_DIR"
        echo "HOSTS=$HOSTS"
        echo "OWNER=$OWNER"
        echo "PIDS=\"$PIDS\""
    } > "$tmp"
    mv "$tmp" "$STATE_FILE"
}

read_state() {
    [[ -f "$STATE_FILE" ]] || die "no lab is up ($STATE_FILE does not exist)"
    local key value
    while IFS='=' read -r key value; do
        value=${value#\"}; value=${value%\"}
        case "$key" in
            PREFIX) PREFIX=$value ;;
            RUN_DIR) RUN_DIR=$value ;;
            HOSTS) HOSTS=$value ;;
            OWNER) OWNER=$value ;;
            PIDS) PIDS=$value ;;
        esac
    done < "$STATE_FILE"
    [[ -n "$PREFIX" && -n "$RUN_DIR" ]] || die "$STATE_FILE is incomplete"
}

# ---- prerequisites --------------------------------------------------------------------------

ensure_packages() {
    local missing=() tool package
    # The pods are attached by Debian's CNI plugins (lab/topology.sh pod), whose masquerading and
    # the nodes' --ip-masq need iptables.
    for tool in ip:iproute2 ping:iputils-ping curl:curl iptables:iptables /usr/lib/cni/bridge:containernetworking-plugins; do
        package=${tool#*:}; tool=${tool%%:*}
        command -v "$tool" >/dev/null 2>&1 || missing+=("$package")
    done
    if (( ${#missing[@]} > 0 )); then
        log "installing ${missing[*]}"
        command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
            || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } \
            || die "apt-get install ${missing[*]} failed"
    fi
    command -v dotnet >/dev/null 2>&1 || die "dotnet (the .NET SDK) is not on PATH"
    [[ -c /dev/net/tun ]] || die "/dev/net/tun is missing (modprobe tun)"
}

build() {
    log "building overlay-seed and overlay-node ($CONFIG)"
    local project
    for project in Overlay.Seed Overlay.Node; do
        dotnet build -c "$CONFIG" --nologo -v quiet "$REPO_ROOT/$project" > "$RUN_DIR/build-$project.log" 2>&1 \
            || { tail -n 30 "$RUN_DIR/build-$project.log" >&2; die "dotnet build -c $CONFIG $project failed"; }
    done
    [[ -f "$SEED_DLL" ]] || die "build produced no $SEED_DLL"
    [[ -f "$NODE_DLL" ]] || die "build produced no $NODE_DLL"
}

# ---- processes ------------------------------------------------------------------------------

# GET on a process's management API inside its namespace; prints the body, fails on non-200.
mgmt() { ip netns exec "$1" curl -sf --max-time 5 "http://127.0.0.1:$MGMT_PORT$2"; }

wait_ready() {
    local name=$1 ns=$2 pid=$3 logfile=$4 deadline=$(( SECONDS + READY_TIMEOUT ))
    until ip netns exec "$ns" curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$MGMT_PORT/health/ready"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 40 "$logfile" >&2 || true
            die "$name (PID $pid) exited before it was ready; log: $logfile"
        fi
        if (( SECONDS >= deadline )); then
            tail -n 40 "$logfile" >&2 || true
            die "$name (PID $pid) not ready within ${READY_TIMEOUT}s; log: $logfile"
        fi
        sleep 0.5
    done
    log "$name ready (PID $pid)"
}

# The lab's cluster CA and one certificate per member (remoting runs with mutual TLS), and a
# management token (mode 0600) for the write routes of every process.
make_credentials() {
    local i
    dotnet "$SEED_DLL" ca init --dir "$RUN_DIR/tls" --name "overlay-lab-$PREFIX" >/dev/null \
        || die "overlay-seed ca init --dir $RUN_DIR/tls failed"
    dotnet "$SEED_DLL" ca issue --dir "$RUN_DIR/tls" --name seed --ip "$SEED_ADDR" >/dev/null \
        || die "overlay-seed ca issue --name seed failed"
    for (( i = 1; i <= HOSTS; i++ )); do
        dotnet "$SEED_DLL" ca issue --dir "$RUN_DIR/tls" --name "h$i" --ip "192.0.2.$(( 10 + i ))" >/dev/null \
            || die "overlay-seed ca issue --name h$i failed"
    done
    ( umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$RUN_DIR/management-token" )
    log "cluster CA, member certificates and management token in $RUN_DIR (tls/, management-token)"
}

# --tls-* flags of member $1.
tls_flags() { echo "--tls-cert $RUN_DIR/tls/$1.crt --tls-key $RUN_DIR/tls/$1.key --tls-ca $RUN_DIR/tls/ca.crt"; }

start_seed() {
    mkdir -p "$RUN_DIR/seed"
    # The seed's API listens on every address of its namespace (reachable from the hosts):
    # reads are open, writes need the token.
    # shellcheck disable=SC2046
    ip netns exec "$PREFIX-seed" dotnet "$SEED_DLL" \
        --cluster-ip "$SEED_ADDR" --cluster-port "$SEED_PORT" \
        --data-dir "$RUN_DIR/seed" \
        --management-host 0.0.0.0 --management-port "$MGMT_PORT" \
        --management-token-file "$RUN_DIR/management-token" $(tls_flags seed) \
        > "$RUN_DIR/seed/seed.log" 2>&1 < /dev/null &
    # ip netns exec execs in place: $! is the seed's own PID.
    SEED_PID=$!
    PIDS="$PIDS $SEED_PID"
    write_state
    wait_ready seed "$PREFIX-seed" "$SEED_PID" "$RUN_DIR/seed/seed.log"
}

start_node() {
    local i=$1 dir="$RUN_DIR/h$1"
    mkdir -p "$dir"
    # shellcheck disable=SC2046
    ip netns exec "$PREFIX-h$i" dotnet "$NODE_DLL" \
        --seeds "akka.ssl.tcp://overlay@$SEED_ADDR:$SEED_PORT" \
        --public-ip "192.0.2.$(( 10 + i ))" --iface eth0 --ip-masq \
        --subnet-file "$dir/subnet.env" \
        --node-name "$PREFIX-h$i" \
        --management-host 127.0.0.1 --management-port "$MGMT_PORT" \
        --management-token-file "$RUN_DIR/management-token" $(tls_flags "h$i") \
        > "$dir/node.log" 2>&1 < /dev/null &
    local pid=$!
    PIDS="$PIDS $pid"
    write_state
    wait_ready "node h$i" "$PREFIX-h$i" "$pid" "$dir/node.log"
}

# Stops one PID we started: SIGTERM, bounded wait, then SIGKILL. Only if it still runs a
# dotnet overlay process, so a PID reused by the system is never touched.
stop_pid() {
    local pid=$1 deadline=$(( SECONDS + STOP_TIMEOUT ))
    kill -0 "$pid" 2>/dev/null || return 0
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'overlay-' || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
        log "PID $pid ignored SIGTERM for ${STOP_TIMEOUT}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

# ---- report ---------------------------------------------------------------------------------

pod_address() {
    local line gw
    line=$(grep -E '^FLANNEL_SUBNET=' "$RUN_DIR/h$1/subnet.env" 2>/dev/null) || return 1
    gw=${line#*=}; gw=${gw%/*}
    echo "${gw%.*}.$(( ${gw##*.} + 1 ))"
}

# Formats a management API answer (members|leases|routes) as a table when python3 is present,
# else prints the JSON as it came.
pretty() {
    local kind=$1 body
    body=$(cat)
    if ! command -v python3 >/dev/null 2>&1; then echo "$body"; return; fi
    python3 - "$kind" "$body" <<'PY' 2>/dev/null || echo "$body"
import json, sys
kind, d = sys.argv[1], json.loads(sys.argv[2])
if kind == "members":
    print(f"  leader {d.get('leader')}, oldest {d.get('oldest')}, unreachable {len(d.get('unreachable', []))}")
    for m in d["members"]:
        print(f"  {m['node']:<40} {m['status']:<8} {','.join(m.get('roles', []))}")
elif kind == "leases":
    print(f"  registry version {d['version']}")
    for l in d["leases"]:
        print(f"  {l['subnet']:<18} {l['nodeName']:<16} {l['publicIp']}:{l['port']:<6} expires {l['expiresAt']}  v{l['version']}")
else:
    print(f"  local {d['local']}")
    for p in d["peers"]:
        print(f"  peer {p['subnet']:<18} via {p['endpoint']:<20} tx {p['txPackets']} pkts/{p['txBytes']} B  rx {p['rxPackets']} pkts/{p['rxBytes']} B")
    print("  drops " + " ".join(f"{k}={v}" for k, v in d["drops"].items()))
PY
}

wait_mesh() {
    local deadline=$(( SECONDS + MESH_TIMEOUT )) i peers
    for (( i = 1; i <= HOSTS; i++ )); do
        while true; do
            peers=$(mgmt "$PREFIX-h$i" /routes | grep -o '"endpoint"' | wc -l || true)
            (( peers >= HOSTS - 1 )) && break
            if (( SECONDS >= deadline )); then
                log "warning: node h$i routes to $peers of $(( HOSTS - 1 )) peers after ${MESH_TIMEOUT}s"
                break
            fi
            sleep 0.5
        done
    done
}

report() {
    local i j addr out avg
    echo "== lab $PREFIX: seed $SEED_ADDR, $HOSTS hosts, run directory $RUN_DIR"
    echo "== cluster members (seed /cluster/members)"
    mgmt "$PREFIX-seed" /cluster/members | pretty members || echo "(seed does not answer)"
    echo "== leases (seed /leases)"
    mgmt "$PREFIX-seed" /leases | pretty leases || echo "(seed does not answer)"
    for (( i = 1; i <= HOSTS; i++ )); do
        echo "== routes of node h$i (192.0.2.$(( 10 + i )))"
        mgmt "$PREFIX-h$i" /routes | pretty routes || echo "(node h$i does not answer)"
    done
    echo "== pod ping matrix: avg RTT in ms of 'ping -c 3 -q' (row pings column)"
    printf '%-16s' "from \\ to"
    for (( j = 1; j <= HOSTS; j++ )); do printf '%-18s' "p$j $(pod_address "$j" || echo '?')"; done
    echo
    for (( i = 1; i <= HOSTS; i++ )); do
        printf '%-16s' "p$i"
        for (( j = 1; j <= HOSTS; j++ )); do
            if (( i == j )); then printf '%-18s' "-"; continue; fi
            addr=$(pod_address "$j") || { printf '%-18s' "no subnet"; continue; }
            out=$(ip netns exec "$PREFIX-p$i" ping -n -c 3 -q -W 2 "$addr" 2>&1 || true)
            avg=$(sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/\([0-9.]*\)/.*|\1|p' <<< "$out")
            if [[ -n "$avg" ]]; then
                printf '%-18s' "$avg ($(grep -o '[0-9.]*% packet loss' <<< "$out" | cut -d' ' -f1) loss)"
            else
                printf '%-18s' "FAIL"
            fi
        done
        echo
    done
}

# ---- commands -------------------------------------------------------------------------------

CLEANED=0
cleanup() {
    (( CLEANED == 0 )) || return 0
    CLEANED=1
    trap - INT TERM EXIT
    log "stopping the lab $PREFIX"
    local pid reversed=""
    for pid in $PIDS; do reversed="$pid $reversed"; done   # nodes first, the seed last
    for pid in $reversed; do stop_pid "$pid"; done
    if [[ -n "$PREFIX" ]]; then "$TOPOLOGY" down "$PREFIX" || true; fi
    if [[ -n "$RUN_DIR" && -d "$RUN_DIR" && "${OVERLAY_LAB_KEEP_LOGS:-0}" != 1 ]]; then rm -rf "$RUN_DIR"; fi
    if [[ -f "$STATE_FILE" ]] && grep -qx "PREFIX=$PREFIX" "$STATE_FILE"; then rm -f "$STATE_FILE"; fi
    log "lab $PREFIX is down"
}

cmd_up() {
    HOSTS=${1:-3}
    [[ "$HOSTS" =~ ^[0-9]+$ ]] && (( HOSTS >= 1 && HOSTS <= MAX_HOSTS )) || die "N must be 1..$MAX_HOSTS: '$HOSTS'"
    (( EUID == 0 )) || die "run as root (network namespaces, TUN devices)"
    if [[ -f "$STATE_FILE" ]]; then
        local old_owner
        old_owner=$(sed -n 's/^OWNER=//p' "$STATE_FILE")
        if [[ -n "$old_owner" ]] && kill -0 "$old_owner" 2>/dev/null; then
            die "a lab is already up (owner PID $old_owner, $STATE_FILE): 'lab/lab.sh down' first"
        fi
        die "stale $STATE_FILE from a lab that did not clean up: 'lab/lab.sh down' removes its remains"
    fi
    ensure_packages

    PREFIX="ovl$(( $$ % 100000 ))"
    RUN_DIR="/tmp/overlay-lab-$PREFIX"
    OWNER=$$
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    mkdir -p "$RUN_DIR"
    write_state

    build
    log "topology $PREFIX: switch, seed, $HOSTS hosts"
    "$TOPOLOGY" up "$PREFIX" "$HOSTS"
    make_credentials
    start_seed
    local i
    for (( i = 1; i <= HOSTS; i++ )); do start_node "$i"; done
    for (( i = 1; i <= HOSTS; i++ )); do
        [[ -f "$RUN_DIR/h$i/subnet.env" ]] || die "node h$i is ready but wrote no $RUN_DIR/h$i/subnet.env"
        "$TOPOLOGY" pod "$PREFIX" "$i" "$RUN_DIR/h$i/subnet.env" >/dev/null
    done
    wait_mesh
    report
    echo
    log "the lab is up; logs in $RUN_DIR. Ctrl-C here, or 'lab/lab.sh down' elsewhere, stops it."
    log "e.g.: ip netns exec $PREFIX-p1 ping $(pod_address "$HOSTS" || echo 10.244.x.2)"
    while true; do
        # Short waits in the background keep the shell responsive to INT/TERM.
        sleep 1 & wait $! || true
    done
}

cmd_down() {
    (( EUID == 0 )) || die "run as root"
    read_state
    if [[ -n "$OWNER" ]] && kill -0 "$OWNER" 2>/dev/null \
        && tr '\0' ' ' < "/proc/$OWNER/cmdline" 2>/dev/null | grep -q 'lab.sh'; then
        log "asking the lab's shell (PID $OWNER) to stop it"
        kill -TERM "$OWNER"
        local deadline=$(( SECONDS + STOP_TIMEOUT * 2 + 30 ))
        while kill -0 "$OWNER" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.5; done
        [[ -f "$STATE_FILE" ]] || return 0
        log "the lab's shell did not finish; cleaning up from here"
    fi
    # The owner is gone (killed, crashed): clean up its remains with the recorded PIDs.
    cleanup
}

cmd_status() {
    read_state
    report
}

case "${1:-}" in
    up) shift; cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
