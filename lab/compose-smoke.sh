#!/usr/bin/env bash
# Smoke test of the compose configurations, against real containers:
#
#   lab/compose-smoke.sh [basic|ha|all]     (default all)
#
# basic: docker-compose.yml (seed + 3 nodes): every container healthy, the seed sees 4 members
#        Up and 3 leases, and every node pings every other node's overlay0 address (10.244.N.0)
#        through the overlay.
# ha:    docker-compose.yml + docker-compose.ha.yml (PostgreSQL, 2 seeds, 3 nodes): the same
#        checks (5 members), then the seed hosting the registry is stopped: pings still pass,
#        the other seed serves /leases, and a 4th node started afterwards gets a lease from it
#        and reaches the others.
#
# It builds the images first (lab/docker-images.sh: a local base image when no registry is
# reachable) and starts dockerd when none runs (and stops it again at the end). Each scenario
# runs as its own compose project "overlay-smoke-<pid>-<scenario>"; on any exit, its containers,
# networks and volumes are removed (down -v). Nothing is published: all checks run inside the
# containers with docker exec. Every wait is bounded.
#
# Output: one "SMOKE <scenario> <check> ... [+Ns]" line per check (N: seconds since the scenario
# started) and "SMOKE <scenario> PASS" for a scenario that passed, then "SMOKE done PASS|FAILED";
# exit status 0 only when every scenario passed. Progress and, on failure, the containers' logs
# go to stderr; compose output to artifacts/compose-smoke/.
# Environment: OVERLAY_SMOKE_SKIP_BUILD=1 uses the existing images as they are.
set -euo pipefail

readonly SMOKE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lab/docker-images.sh
source "$SMOKE_ROOT/lab/docker-images.sh"

readonly MGMT_PORT=8558
readonly SEED_IP=198.51.100.10
readonly SEED2_IP=198.51.100.20
readonly UP_TIMEOUT=300          # seconds for `compose up -d` (it waits for healthy seeds)
readonly HEALTHY_TIMEOUT=180     # seconds until every container reports healthy
readonly CLUSTER_TIMEOUT=90      # seconds until members/leases show the expected counts
readonly PING_TIMEOUT=60         # seconds until one pair's first ping answers
readonly STOP_TIMEOUT=90         # seconds for `compose stop` of one service (grace is 40s)
readonly DOWN_TIMEOUT=180        # seconds for `compose down -v`

smoke_log() { echo "smoke: $*" >&2; }
# One result line; [+Ns] is the time since the scenario started.
report() { echo "SMOKE $* [+$(( SECONDS - SCENARIO_T0 ))s]"; }

PROJECTS=()      # compose projects this run created ("name|file args")
SCENARIO_T0=0
SCENARIO_PID=""  # the running scenario's subshell
COMPOSE=""

project_files() {
    case "$1" in
        basic) echo "-f $SMOKE_ROOT/docker-compose.yml" ;;
        ha) echo "-f $SMOKE_ROOT/docker-compose.yml -f $SMOKE_ROOT/docker-compose.ha.yml --profile extra" ;;
    esac
}

down_project() {
    local entry=$1 project files
    project=${entry%%|*}; files=${entry#*|}
    smoke_log "removing compose project $project (containers, network, volumes)"
    # shellcheck disable=SC2086
    OVERLAY_IMAGE_TAG=$IMG_TAG timeout "$DOWN_TIMEOUT" $COMPOSE -p "$project" $files down -v --remove-orphans -t 40 \
        >/dev/null 2>&1 || smoke_log "warning: down -v of $project failed"
}

CLEANED=0
cleanup() {
    (( CLEANED == 0 )) || return 0
    CLEANED=1
    trap - EXIT INT TERM
    # A scenario still running (we were interrupted) goes first: it must not race the clean-up.
    if [[ -n "$SCENARIO_PID" ]] && kill -0 "$SCENARIO_PID" 2>/dev/null; then
        # Its children first (e.g. a `timeout compose up`, which passes TERM on): once the
        # subshell is gone they would be orphans still creating containers.
        pkill -TERM -P "$SCENARIO_PID" 2>/dev/null || true
        kill -TERM "$SCENARIO_PID" 2>/dev/null || true
        wait "$SCENARIO_PID" 2>/dev/null || true
    fi
    local entry
    for entry in "${PROJECTS[@]}"; do down_project "$entry"; done
    if (( DOCKERD_STARTED == 1 )); then stop_dockerd; fi
}

fail() {
    report "$SCENARIO FAIL $*"
    smoke_log "FAIL: $*"
    local id
    for id in $(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null); do
        smoke_log "---- logs of $(docker inspect -f '{{.Name}}' "$id" 2>/dev/null) (last 40 lines)"
        docker logs --tail 40 "$id" 2>&1 | sed 's/^/    /' >&2 || true
    done
    exit 1
}

# The container id of a service of the current project, found by compose's labels with the
# docker CLI (much faster than asking docker-compose v1). Fails when there is none; it runs in
# command substitutions, so it reports and returns rather than calling fail.
cid() {
    local id
    id=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" \
        --filter "label=com.docker.compose.service=$1" 2>/dev/null | head -n 1)
    [[ -n "$id" ]] || { smoke_log "no container for service $1 in $PROJECT"; return 1; }
    echo "$id"
}

# GET on a container's management endpoint, from inside it; prints the body, fails on non-200.
mgmt() { docker exec "$(cid "$1")" curl -sf --max-time 8 "http://127.0.0.1:$MGMT_PORT$2"; }

wait_healthy() {
    local deadline=$(( SECONDS + HEALTHY_TIMEOUT )) service status pending
    while true; do
        pending=""
        for service in "$@"; do
            status=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$(cid "$service")" 2>/dev/null || echo missing)
            [[ "$status" == healthy ]] || pending="$pending $service=$status"
        done
        [[ -z "$pending" ]] && break
        (( SECONDS < deadline )) || fail "not healthy within ${HEALTHY_TIMEOUT}s:$pending"
        sleep 1
    done
    report "$SCENARIO healthy: $*"
}

count_up() { grep -o '"status":"Up"' | wc -l; }
count_leases() { grep -o '"subnet":"' | wc -l; }
registry_host() { sed -n 's/.*"oldestPerRole":{[^}]*"registry":"\([^"]*\)".*/\1/p'; }

# Polls <service>'s /cluster/members until <n> members are Up and no other member is listed.
wait_members() {
    local service=$1 want=$2 deadline=$(( SECONDS + CLUSTER_TIMEOUT )) body="" up=0 total=0
    while (( SECONDS < deadline )); do
        body=$(mgmt "$service" /cluster/members 2>/dev/null || true)
        up=$(count_up <<< "$body"); total=$(grep -o '"nodeUid":' <<< "$body" | wc -l)
        (( up == want && total == want )) && break
        sleep 1
    done
    report "$SCENARIO members via $service: $up Up of $total (want $want)"
    (( up == want && total == want )) || fail "$service sees $up of $total members Up, want $want: $body"
    MEMBERS_BODY=$body
}

wait_leases() {
    local service=$1 want=$2 deadline=$(( SECONDS + CLUSTER_TIMEOUT )) body="" n=0
    while (( SECONDS < deadline )); do
        body=$(mgmt "$service" /leases 2>/dev/null || true)
        n=$(count_leases <<< "$body")
        (( n == want )) && break
        sleep 1
    done
    report "$SCENARIO leases via $service: $n (want $want)"
    (( n == want )) || fail "$service's /leases lists $n leases, want $want: $body"
    local line
    sed 's/},{/}\n{/g' <<< "$body" | sed -n 's/.*"subnet":"\([^"]*\)".*"nodeName":"\([^"]*\)".*"publicIp":"\([^"]*\)".*/\1 \2 \3/p' \
        | while read -r line; do report "$SCENARIO   lease $line"; done
}

# Prints a node's overlay0 address: the .0 address of its lease (what the node puts on its TUN).
overlay_address() {
    local body subnet
    body=$(mgmt "$1" /lease) || { smoke_log "$1 answers no /lease"; return 1; }
    subnet=$(sed -n 's/.*"subnet":"\([0-9.]*\)\/[0-9]*".*/\1/p' <<< "$body")
    [[ -n "$subnet" ]] || { smoke_log "$1's /lease has no subnet: $body"; return 1; }
    echo "$subnet"
}

# Every listed node pings every other one's overlay0 address through the overlay.
ping_matrix() {
    local from to addr out deadline attempts received
    declare -A address
    for to in "$@"; do address[$to]=$(overlay_address "$to") || fail "no overlay address for $to"; done
    for from in "$@"; do
        for to in "$@"; do
            [[ "$from" == "$to" ]] && continue
            addr=${address[$to]}
            deadline=$(( SECONDS + PING_TIMEOUT )); attempts=0; received=0
            # The first answer may wait for the peer route: retry until the deadline.
            while (( SECONDS < deadline )); do
                attempts=$(( attempts + 1 ))
                out=$(docker exec "$(cid "$from")" ping -n -q -c 3 -i 0.2 -W 2 "$addr" 2>&1 || true)
                received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<< "$out")
                [[ "${received:-0}" -ge 1 ]] && break
                sleep 1
            done
            [[ "${received:-0}" -ge 1 ]] || fail "$from cannot ping $to's overlay address $addr within ${PING_TIMEOUT}s: $out"
            report "$SCENARIO ping $from -> $to ($addr): ${received}/3 received, rtt $(sed -n 's|^rtt min/avg/max/mdev = \([^ ]*\) ms.*|\1|p' <<< "$out") ms (attempt $attempts)"
        done
    done
    # The pings went through the overlay: every node sent packets to each peer over UDP.
    local body peers sent
    for from in "$@"; do
        body=$(mgmt "$from" /routes) || fail "$from answers no /routes"
        peers=$(grep -o '"txPackets":[0-9]*' <<< "$body" | wc -l)
        sent=$(grep -o '"txPackets":[1-9][0-9]*' <<< "$body" | wc -l)
        report "$SCENARIO routes $from: $peers peers, $sent with UDP packets sent"
        (( peers == $# - 1 && sent == peers )) || fail "$from's /routes: $sent of $peers peers (want $(( $# - 1 ))) saw packets: $body"
    done
}

start_project() {
    smoke_log "compose up: project $PROJECT ($FILES)"
    # shellcheck disable=SC2086
    OVERLAY_IMAGE_TAG=$IMG_TAG timeout "$UP_TIMEOUT" $COMPOSE -p "$PROJECT" $FILES up -d --no-build "$@" \
        > "$LOG_DIR/$PROJECT-up.log" 2>&1 \
        || { cat "$LOG_DIR/$PROJECT-up.log" >&2; fail "compose up -d failed or exceeded ${UP_TIMEOUT}s"; }
    report "$SCENARIO up"
}

# Runs one scenario in a subshell (its fail() ends only that scenario), then removes its compose
# project whatever happened. Returns the scenario's status.
run_scenario() {
    SCENARIO=$1
    SCENARIO_T0=$SECONDS
    PROJECT="overlay-smoke-$$-$SCENARIO"
    FILES=$(project_files "$SCENARIO")
    PROJECTS+=("$PROJECT|$FILES")
    local status=0
    # In the background and waited for, so that set -e stays in force inside the subshell.
    ( "scenario_$SCENARIO" ) &
    SCENARIO_PID=$!
    wait "$SCENARIO_PID" || status=$?
    SCENARIO_PID=""
    down_project "${PROJECTS[-1]}"
    unset 'PROJECTS[-1]'
    report "$SCENARIO down -v"
    if (( status == 0 )); then report "$SCENARIO PASS"; else report "$SCENARIO FAILED (status $status)"; fi
    return "$status"
}

scenario_basic() {
    start_project seed node1 node2 node3
    wait_healthy seed node1 node2 node3
    wait_members seed 4
    wait_leases seed 3
    ping_matrix node1 node2 node3
}

scenario_ha() {
    local holder
    start_project postgres seed seed2 node1 node2 node3
    wait_healthy postgres seed seed2 node1 node2 node3
    wait_members seed 5
    holder=$(registry_host <<< "$MEMBERS_BODY")
    report "$SCENARIO registry singleton on $holder"
    [[ "$holder" == "akka.ssl.tcp://overlay@$SEED_IP:4053" ]] || fail "registry singleton on '$holder', expected the first seed $SEED_IP"
    wait_leases seed 3
    ping_matrix node1 node2 node3

    smoke_log "stopping the seed that hosts the registry ($SEED_IP)"
    local t1=$SECONDS
    # shellcheck disable=SC2086
    OVERLAY_IMAGE_TAG=$IMG_TAG timeout "$STOP_TIMEOUT" $COMPOSE -p "$PROJECT" $FILES stop seed >/dev/null 2>&1 \
        || fail "compose stop seed failed or exceeded ${STOP_TIMEOUT}s"
    report "$SCENARIO seed stopped (took $(( SECONDS - t1 ))s)"
    wait_members seed2 4
    holder=$(registry_host <<< "$MEMBERS_BODY")
    report "$SCENARIO registry singleton on $holder"
    [[ "$holder" == "akka.ssl.tcp://overlay@$SEED2_IP:4053" ]] || fail "registry singleton on '$holder' after the first seed left, expected $SEED2_IP"
    ping_matrix node1 node2 node3
    wait_leases seed2 3

    smoke_log "starting node4 against the remaining seed"
    # shellcheck disable=SC2086
    OVERLAY_IMAGE_TAG=$IMG_TAG timeout "$UP_TIMEOUT" $COMPOSE -p "$PROJECT" $FILES up -d --no-build --no-deps node4 \
        > "$LOG_DIR/$PROJECT-node4.log" 2>&1 || { cat "$LOG_DIR/$PROJECT-node4.log" >&2; fail "compose up node4 failed"; }
    wait_healthy node4
    wait_leases seed2 4
    report "$SCENARIO node4 lease $(mgmt node4 /lease | sed -n 's/.*"subnet":"\([^"]*\)".*/\1/p') granted by the remaining seed"
    ping_matrix node1 node2 node3 node4
}

main() {
    local which=${1:-all}
    case "$which" in basic|ha|all) ;; *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;; esac
    (( EUID == 0 )) || { smoke_log "run as root (dockerd, TUN devices in containers)"; exit 1; }
    [[ -c /dev/net/tun ]] || { smoke_log "/dev/net/tun is missing (modprobe tun)"; exit 1; }
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    LOG_DIR="$SMOKE_ROOT/artifacts/compose-smoke"
    mkdir -p "$LOG_DIR"
    SCENARIO=setup; SCENARIO_T0=$SECONDS; PROJECT=""; FILES=""
    img_ensure_commands docker:docker.io dockerd:docker.io docker-compose:docker-compose curl:curl
    ensure_dockerd
    COMPOSE=$(compose_command) || { smoke_log "neither 'docker compose' nor docker-compose"; exit 1; }
    report "setup compose command: $COMPOSE; docker server $(docker version -f '{{.Server.Version}}' 2>/dev/null)"
    if docker network ls -q | xargs -r docker network inspect -f '{{.Name}} {{range .IPAM.Config}}{{.Subnet}}{{end}}' \
        | grep -q ' 198\.51\.100\.0/24$'; then
        smoke_log "a Docker network with 198.51.100.0/24 exists already (another lab up?): 'docker compose down' it first"
        exit 1
    fi
    if [[ "${OVERLAY_SMOKE_SKIP_BUILD:-0}" != 1 ]]; then
        build_all
    fi
    report "setup images ready"
    local status=0 t0=$SECONDS
    case "$which" in
        basic) run_scenario basic || status=1 ;;
        ha) run_scenario ha || status=1 ;;
        all) run_scenario basic || status=1; run_scenario ha || status=1 ;;
    esac
    SCENARIO=done; SCENARIO_T0=$t0
    if (( status == 0 )); then report "done PASS"; else report "done FAILED"; fi
    return "$status"
}

main "$@"
