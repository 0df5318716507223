#!/usr/bin/env bash
# The lab's network: network namespaces joined by one bridge, the only implementation used by
# both lab/lab.sh and tests/Overlay.EndToEnd.Tests.
#
#   topology.sh up       <prefix> <nhosts>       switch, seed and hosts h1..hN (idempotent)
#   topology.sh pod      <prefix> <i> <subnet.env>  pod namespace p<i> attached by the CNI bridge plugin
#   topology.sh attacker <prefix>                 namespace x at 192.0.2.99 on the switch
#   topology.sh db       <prefix>                 namespace db at 192.0.2.98 on the switch (a database host)
#   topology.sh seed2    <prefix>                 namespace seed2 at 192.0.2.97 on the switch (a second seed)
#   topology.sh down     <prefix>                 CNI DEL of every pod, then deletes every namespace named <prefix>-*
#   topology.sh list     <prefix>                 prints the namespaces named <prefix>-*
#
# Layout (all inside namespaces; nothing touches the root namespace's links or routes):
#   <prefix>-sw    bridge br0, no address: the underlay switch, no way out
#   <prefix>-seed  eth0 192.0.2.10/24
#   <prefix>-hN    eth0 192.0.2.(10+N)/24, ip_forward=1; later cni0, the gateway (.1) of FLANNEL_SUBNET
#   <prefix>-pN    eth0 from host-local (.2 of host N's subnet for the first pod), default route and
#                  FLANNEL_NETWORK via host N's cni0: attached the way kubelet attaches a pod on a
#                  flannel node (Debian's containernetworking-plugins: bridge, host-local, portmap,
#                  with the configuration flannel's CNI plugin derives from subnet.env)
#   <prefix>-x     eth0 192.0.2.99/24 (the fuzzing "attacker")
#   <prefix>-db    eth0 192.0.2.98/24 (a database host of its own, for the fault suite)
#   <prefix>-seed2 eth0 192.0.2.97/24 (a second seed, for the fault suite's two-seed rows)
# No namespace has a default route except the pods, whose default route leads only into their
# host namespace. Interface names are fixed and short (<= 15 chars) because each lives in its
# own namespace.
set -euo pipefail
shopt -s inherit_errexit   # a failed read inside $(...) fails the caller too

readonly UNDERLAY_PREFIX=192.0.2        # RFC 5737 documentation range: never routed anywhere
readonly UNDERLAY_LEN=24
readonly SEED_OCTET=10                  # seed at .10, host N at .(10+N)
readonly ATTACKER_OCTET=99
readonly DB_OCTET=98
readonly SEED2_OCTET=97
readonly MAX_HOSTS=80                   # hosts (.11-.90) stay below the second seed's .97, the database's .98 and the attacker's .99
readonly CNI_PATH=${OVERLAY_CNI_PATH:-/usr/lib/cni}   # Debian's containernetworking-plugins
readonly CNI_STATE_ROOT=/run/overlay-cni   # per prefix: host-local's leases per host, each pod's CNI config and result
readonly CNI_VERSION=0.3.1             # kube-flannel's conflist
readonly CNI_NETWORK=cbr0              # kube-flannel's network name
readonly CNI_BRIDGE=cni0               # the bridge plugin's default, as on a flannel node

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

# The network configuration flannel's CNI plugin hands to the bridge plugin for this subnet.env,
# as kubelet runs it with kube-flannel's conflist ("cbr0": flannel with hairpinMode and
# isDefaultGateway, then portmap): bridge cni0 with the host's gateway, host-local IPAM over
# FLANNEL_SUBNET's network with a route to FLANNEL_NETWORK, FLANNEL_MTU, and ipMasq = !FLANNEL_IPMASQ
# (the CNI masquerades only when the node does not). One addition: host-local keeps its leases in
# this run's directory ($2), not in /var/lib/cni, so parallel labs never share an allocation.
bridge_conf() {
    local subnet_file=$1 ipam_dir=$2 subnet network mtu ipmasq cni_masq
    subnet=$(env_value "$subnet_file" FLANNEL_SUBNET)
    network=$(env_value "$subnet_file" FLANNEL_NETWORK)
    mtu=$(env_value "$subnet_file" FLANNEL_MTU)
    ipmasq=$(env_value "$subnet_file" FLANNEL_IPMASQ)
    [[ "$subnet" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)/([0-9]+)$ ]] \
        || die "FLANNEL_SUBNET in $subnet_file is not an IPv4 CIDR: '$subnet'"
    local len=${BASH_REMATCH[5]} address
    address=$(( (BASH_REMATCH[1] << 24) | (BASH_REMATCH[2] << 16) | (BASH_REMATCH[3] << 8) | BASH_REMATCH[4] ))
    (( len >= 1 && len <= 30 )) || die "FLANNEL_SUBNET in $subnet_file leaves no room for pods: '$subnet'"
    address=$(( address & (0xffffffff << (32 - len)) & 0xffffffff ))
    subnet="$(( address >> 24 & 255 )).$(( address >> 16 & 255 )).$(( address >> 8 & 255 )).$(( address & 255 ))/$len"
    [[ "$network" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$ ]] \
        || die "FLANNEL_NETWORK in $subnet_file is not an IPv4 CIDR: '$network'"
    [[ "$mtu" =~ ^[0-9]+$ ]] || die "FLANNEL_MTU in $subnet_file is not a number: '$mtu'"
    case "$ipmasq" in
        true) cni_masq=false ;;
        false) cni_masq=true ;;
        *) die "FLANNEL_IPMASQ in $subnet_file is not true or false: '$ipmasq'" ;;
    esac
    printf '{"cniVersion":"%s","name":"%s","type":"bridge","bridge":"%s","isGateway":true,"isDefaultGateway":true,' \
        "$CNI_VERSION" "$CNI_NETWORK" "$CNI_BRIDGE"
    printf '"hairpinMode":true,"ipMasq":%s,"mtu":%s,' "$cni_masq" "$mtu"
    printf '"ipam":{"type":"host-local","ranges":[[{"subnet":"%s"}]],"routes":[{"dst":"%s"}],"dataDir":"%s"}}\n' "$subnet" "$network" "$ipam_dir"
}

# The portmap step of the conflist, chained after the bridge: its prevResult is the bridge's result
# ($1; DEL may go without one).
portmap_conf() {
    printf '{"cniVersion":"%s","name":"%s","type":"portmap","capabilities":{"portMappings":true}%s}\n' \
        "$CNI_VERSION" "$CNI_NETWORK" "${1:+,\"prevResult\":$1}"
}

# Runs CNI plugin $1 with command $2 for pod $3 (namespace path $4, may be empty for DEL), the
# configuration on stdin, in host namespace $5: the bridge and the rules are the host's.
cni() {
    local plugin=$1 command=$2 container=$3 netns=$4 host=$5
    ip netns exec "$host" env CNI_COMMAND="$command" CNI_CONTAINERID="$container" CNI_NETNS="$netns" \
        CNI_IFNAME=eth0 CNI_PATH="$CNI_PATH" "$CNI_PATH/$plugin"
}

# DEL of pod i's attachment with the configuration it was added with (the conflist in reverse).
pod_del() {
    local prefix=$1 i=$2 state_dir conf netns="" result="" out
    state_dir=$(cni_dir "$prefix")
    conf="$state_dir/p$i.conf"
    [[ -f "$conf" ]] || return 0
    if ns_exists "$prefix-h$i"; then
        if ns_exists "$prefix-p$i"; then netns="/run/netns/$prefix-p$i"; fi
        if [[ -f "$state_dir/p$i.result" ]]; then result=$(cat "$state_dir/p$i.result"); fi
        out=$(portmap_conf "$result" | cni portmap DEL "$prefix-p$i" "$netns" "$prefix-h$i") \
            || echo "topology.sh: warning: CNI portmap DEL for $prefix-p$i failed: $out" >&2
        out=$(cni bridge DEL "$prefix-p$i" "$netns" "$prefix-h$i" < "$conf") \
            || echo "topology.sh: warning: CNI bridge DEL for $prefix-p$i failed: $out" >&2
    fi
    rm -f "$conf" "$state_dir/p$i.result"
}

cni_dir() { echo "$CNI_STATE_ROOT/$1"; }

cmd_pod() {
    local prefix=$1 i=$2 subnet_file=$3
    check_prefix "$prefix"
    [[ "$i" =~ ^[0-9]+$ ]] || die "host index must be a number: '$i'"
    [[ -r "$subnet_file" ]] || die "cannot read subnet file '$subnet_file'"
    local host="$prefix-h$i" pod="$prefix-p$i"
    ns_exists "$host" || die "host namespace $host does not exist (run 'up' first)"
    [[ -x "$CNI_PATH/bridge" && -x "$CNI_PATH/host-local" && -x "$CNI_PATH/portmap" ]] \
        || die "the CNI plugins bridge, host-local and portmap are not in $CNI_PATH (Debian: containernetworking-plugins)"
    local state_dir conf result
    state_dir=$(cni_dir "$prefix")
    mkdir -p "$state_dir/h$i"
    conf=$(bridge_conf "$subnet_file" "$state_dir/h$i")

    # Idempotent: the same subnet.env again leaves the pod as it is; a changed one (a node that
    # came back with another lease) detaches the pod and attaches it anew, as a new sandbox would
    # be. The bridge plugin refuses a cni0 that still has the old gateway address, so the bridge
    # and host-local's store go too (what an operator does on a flannel node whose subnet changed;
    # one pod per host here).
    if [[ -f "$state_dir/p$i.conf" ]]; then
        if [[ "$(cat "$state_dir/p$i.conf")" == "$conf" && -f "$state_dir/p$i.result" ]] && link_exists "$pod" eth0; then
            pod_report "$pod" "$(cat "$state_dir/p$i.result")"
            return 0
        fi
        pod_del "$prefix" "$i"
        if link_exists "$host" "$CNI_BRIDGE"; then ip -n "$host" link del "$CNI_BRIDGE"; fi
        # host-local hands out addresses round robin; a fresh store gives the pod .2 again.
        rm -rf "$state_dir/h$i"
        mkdir -p "$state_dir/h$i"
    fi
    ensure_ns "$pod"
    if link_exists "$pod" eth0; then ip -n "$pod" link del eth0; fi
    echo "$conf" > "$state_dir/p$i.conf"
    result=$(cni bridge ADD "$pod" "/run/netns/$pod" "$host" <<< "$conf") \
        || die "CNI bridge ADD for $pod failed: $result"
    echo "$result" > "$state_dir/p$i.result"
    portmap_conf "$result" | cni portmap ADD "$pod" "/run/netns/$pod" "$host" >/dev/null \
        || die "CNI portmap ADD for $pod failed"
    pod_report "$pod" "$result"
}

# Prints "<pod> <address> gw <gateway> mtu <mtu>" from a CNI result.
pod_report() {
    local pod=$1 result=$2 address gateway mtu
    address=$(grep -o '"address": *"[^"]*"' <<< "$result" | head -n1 | sed 's/.*"\([^"]*\)"$/\1/')
    gateway=$(grep -o '"gateway": *"[^"]*"' <<< "$result" | head -n1 | sed 's/.*"\([^"]*\)"$/\1/')
    mtu=$(ip -n "$pod" -o link show dev eth0 | grep -o 'mtu [0-9]*' | cut -d' ' -f2)
    echo "$pod ${address%/*} gw $gateway mtu $mtu"
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

cmd_seed2() {
    local prefix=$1
    check_prefix "$prefix"
    ns_exists "$prefix-sw" || die "switch namespace $prefix-sw does not exist (run 'up' first)"
    ensure_ns "$prefix-seed2"
    join_switch "$prefix-sw" "$prefix-seed2" seed2 "$UNDERLAY_PREFIX.$SEED2_OCTET"
}

cmd_list() {
    check_prefix "$1"
    ip netns list | awk '{print $1}' | grep -E "^$1-" || true
}

cmd_down() {
    local prefix=$1 ns pids conf state_dir
    check_prefix "$prefix"
    # CNI DEL for every attached pod while its host namespace still exists (releases host-local's
    # address and the bridge plugin's masquerading rules), then this run's CNI state.
    state_dir=$(cni_dir "$prefix")
    for conf in "$state_dir"/p*.conf; do
        [[ -f "$conf" ]] || continue
        conf=${conf##*/p}
        pod_del "$prefix" "${conf%.conf}"
    done
    rm -rf "$state_dir"
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
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
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
        seed2)    (( $# == 1 )) || usage; cmd_seed2 "$@" ;;
        down)     (( $# == 1 )) || usage; cmd_down "$@" ;;
        list)     (( $# == 1 )) || usage; cmd_list "$@" ;;
        *)        usage ;;
    esac
}

main "$@"
