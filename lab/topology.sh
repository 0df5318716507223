#!/usr/bin/env bash
# The lab's network: network namespaces joined by one bridge, the only implementation used by
# both lab/lab.sh and tests/Overlay.EndToEnd.Tests.
#
#   topology.sh up       <prefix> <nhosts>       switch, seed and hosts h1..hN (idempotent)
#   topology.sh pod      <prefix> <i> <subnet.env>  pod namespace p<i> behind cni0 in host i
#   topology.sh attacker <prefix>                 namespace x at 192.0.2.99 on the switch
#   topology.sh db       <prefix>                 namespace db at 192.0.2.98 on the switch (a database host)
#   topology.sh down     <prefix>                 deletes every namespace named <prefix>-*
#   topology.sh list     <prefix>                 prints the namespaces named <prefix>-*
#
# Layout (all inside namespaces; nothing touches the root namespace's links or routes):
#   <prefix>-sw    bridge br0, no address: the underlay switch, no way out
#   <prefix>-seed  eth0 192.0.2.10/24
#   <prefix>-hN    eth0 192.0.2.(10+N)/24, ip_forward=1; later cni0 = FLANNEL_SUBNET
#   <prefix>-pN    eth0 = .2 of host N's subnet, default route via host N's cni0 (.1)
#   <prefix>-x     eth0 192.0.2.99/24 (the fuzzing "attacker")
#   <prefix>-db    eth0 192.0.2.98/24 (a database host of its own, for the fault suite)
# No namespace has a default route except the pods, whose default route leads only into their
# host namespace. Interface names are fixed and short (<= 15 chars) because each lives in its
# own namespace.
set -euo pipefail

readonly UNDERLAY_PREFIX=192.0.2        # RFC 5737 documentation range: never routed anywhere
readonly UNDERLAY_LEN=24
readonly SEED_OCTET=10                  # seed at .10, host N at .(10+N)
readonly ATTACKER_OCTET=99
readonly DB_OCTET=98
readonly MAX_HOSTS=80                   # hosts stay below the database's .98 and the attacker's .99

die() { echo "topology.sh: $*" >&2; exit 1; }

check_prefix() {
    # Short and plain so that "<prefix>-seed" stays readable and no name needs quoting.
    [[ "$1" =~ ^[a-z][a-z0-9]{0,9}$ ]] || die "prefix must match ^[a-z][a-z0-9]{0,9}\$: '$1'"
}

ns_exists() { ip netns list | awk '{print $1}' | grep -qx -- "$1"; }

ensure_ns() {
    local ns=$1
    if ! ns_exists "$ns"; then
        ip netns add "$ns"
    fi
    ip -n "$ns" link set lo up
    # IPv6 off: no router solicitations or DAD chatter on the underlay captures.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

link_exists() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }

# Joins namespace $2 to the switch: port $3 in the switch namespace, eth0 in $2 with address $4.
join_switch() {
    local sw=$1 ns=$2 port=$3 addr=$4
    if ! link_exists "$ns" eth0; then
        if link_exists "$sw" "$port"; then ip -n "$sw" link del "$port"; fi
        ip -n "$sw" link add "$port" type veth peer name eth0 netns "$ns"
    fi
    ip -n "$sw" link set "$port" master br0 up
    if ! ip -n "$ns" -4 addr show dev eth0 | grep -q "inet $addr/"; then
        ip -n "$ns" addr add "$addr/$UNDERLAY_LEN" dev eth0
    fi
    ip -n "$ns" link set eth0 up
}

cmd_up() {
    local prefix=$1 nhosts=$2
    check_prefix "$prefix"
    [[ "$nhosts" =~ ^[0-9]+$ ]] && (( nhosts >= 1 && nhosts <= MAX_HOSTS )) \
        || die "nhosts must be 1..$MAX_HOSTS: '$nhosts'"
    local sw="$prefix-sw"
    ensure_ns "$sw"
    if ! link_exists "$sw" br0; then
        ip -n "$sw" link add br0 type bridge stp_state 0 forward_delay 0
    fi
    ip -n "$sw" link set br0 up
    ensure_ns "$prefix-seed"
    join_switch "$sw" "$prefix-seed" seed "$UNDERLAY_PREFIX.$SEED_OCTET"
    local i
    for (( i = 1; i <= nhosts; i++ )); do
        local ns="$prefix-h$i"
        ensure_ns "$ns"
        join_switch "$sw" "$ns" "h$i" "$UNDERLAY_PREFIX.$(( SEED_OCTET + i ))"
        ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
    done
}

# Reads KEY=VALUE from a flannel subnet.env without sourcing it (it is input, not code).
env_value() {
    local file=$1 key=$2 line
    line=$(grep -E "^$key=" "$file" | tail -n1) || die "$file has no $key"
    echo "${line#*=}"
}

cmd_pod() {
    local prefix=$1 i=$2 subnet_file=$3
    check_prefix "$prefix"
    [[ "$i" =~ ^[0-9]+$ ]] || die "host index must be a number: '$i'"
    [[ -r "$subnet_file" ]] || die "cannot read subnet file '$subnet_file'"
    local host="$prefix-h$i" pod="$prefix-p$i"
    ns_exists "$host" || die "host namespace $host does not exist (run 'up' first)"
    local gw_cidr mtu
    gw_cidr=$(env_value "$subnet_file" FLANNEL_SUBNET)
    mtu=$(env_value "$subnet_file" FLANNEL_MTU)
    [[ "$gw_cidr" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)/([0-9]+)$ ]] \
        || die "FLANNEL_SUBNET in $subnet_file is not an IPv4 CIDR: '$gw_cidr'"
    local o1=${BASH_REMATCH[1]} o2=${BASH_REMATCH[2]} o3=${BASH_REMATCH[3]} o4=${BASH_REMATCH[4]} len=${BASH_REMATCH[5]}
    [[ "$mtu" =~ ^[0-9]+$ ]] || die "FLANNEL_MTU in $subnet_file is not a number: '$mtu'"
    local gw="$o1.$o2.$o3.$o4"
    # The pod gets the address after the gateway, as the first host-local IPAM allocation would.
    local pod_addr="$o1.$o2.$o3.$(( o4 + 1 ))"

    if ! link_exists "$host" cni0; then
        ip -n "$host" link add cni0 type bridge stp_state 0 forward_delay 0
    fi
    ip -n "$host" link set cni0 mtu "$mtu"
    if ! ip -n "$host" -4 addr show dev cni0 | grep -q "inet $gw/$len"; then
        ip -n "$host" -4 addr flush dev cni0
        ip -n "$host" addr add "$gw/$len" dev cni0
    fi
    ip -n "$host" link set cni0 up

    ensure_ns "$pod"
    if ! link_exists "$pod" eth0; then
        if link_exists "$host" "vethp$i"; then ip -n "$host" link del "vethp$i"; fi
        ip -n "$host" link add "vethp$i" mtu "$mtu" type veth peer name eth0 mtu "$mtu" netns "$pod"
    fi
    ip -n "$host" link set "vethp$i" master cni0 up
    ip -n "$pod" link set eth0 mtu "$mtu"
    if ! ip -n "$pod" -4 addr show dev eth0 | grep -q "inet $pod_addr/$len"; then
        ip -n "$pod" -4 addr flush dev eth0
        ip -n "$pod" addr add "$pod_addr/$len" dev eth0
    fi
    ip -n "$pod" link set eth0 up
    ip -n "$pod" route replace default via "$gw" dev eth0
    echo "$pod $pod_addr gw $gw mtu $mtu"
}

cmd_attacker() {
    local prefix=$1
    check_prefix "$prefix"
    ns_exists "$prefix-sw" || die "switch namespace $prefix-sw does not exist (run 'up' first)"
    ensure_ns "$prefix-x"
    join_switch "$prefix-sw" "$prefix-x" x "$UNDERLAY_PREFIX.$ATTACKER_OCTET"
}

cmd_db() {
    local prefix=$1
    check_prefix "$prefix"
    ns_exists "$prefix-sw" || die "switch namespace $prefix-sw does not exist (run 'up' first)"
    ensure_ns "$prefix-db"
    join_switch "$prefix-sw" "$prefix-db" db "$UNDERLAY_PREFIX.$DB_OCTET"
}

cmd_list() {
    check_prefix "$1"
    ip netns list | awk '{print $1}' | grep -E "^$1-" || true
}

cmd_down() {
    local prefix=$1 ns pids
    check_prefix "$prefix"
    for ns in $(cmd_list "$prefix"); do
        # Processes still inside keep the namespace alive after the delete; name them so the
        # caller (who started them) can end them. This script ends no process itself.
        pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)
        if [[ -n "$pids" ]]; then
            echo "topology.sh: warning: namespace $ns still has processes: $pids" >&2
        fi
        ip netns del "$ns" 2>/dev/null || echo "topology.sh: warning: could not delete $ns" >&2
    done
}

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

main() {
    local cmd=${1:-}
    shift || true
    case "$cmd" in
        up)       (( $# == 2 )) || usage; cmd_up "$@" ;;
        pod)      (( $# == 3 )) || usage; cmd_pod "$@" ;;
        attacker) (( $# == 1 )) || usage; cmd_attacker "$@" ;;
        db)       (( $# == 1 )) || usage; cmd_db "$@" ;;
        down)     (( $# == 1 )) || usage; cmd_down "$@" ;;
        list)     (( $# == 1 )) || usage; cmd_list "$@" ;;
        *)        usage ;;
    esac
}

main "$@"
