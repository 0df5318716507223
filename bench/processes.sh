# bench/processes.sh: the process handling the control-plane benches share (sourced, not run).
#
# The sourcing script sets, before it sources this file: log() and die(); REPO_ROOT; PREFIX (its namespace
# prefix for lab/topology.sh); RUN_DIR (its temporary directory); PIDS=() (the PIDs it started, which it
# appends to); STOP_TIMEOUT and READY_TIMEOUT (seconds); MGMT_PORT (the management port inside each namespace).
# Sourcing installs an EXIT trap that ends only those PIDs, deletes the run's namespaces and, unless
# KEEP_LOGS is set, its run directory.

# Ends one PID the script started: SIGTERM, then SIGKILL after STOP_TIMEOUT seconds.
stop_pid() {
    local pid=$1 deadline=$(( SECONDS + STOP_TIMEOUT ))
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    "$REPO_ROOT/lab/topology.sh" down "$PREFIX" >/dev/null 2>&1 || true
    [[ -n ${KEEP_LOGS:-} ]] || rm -rf "$RUN_DIR"
}
trap cleanup EXIT

# wait_ready NAME NAMESPACE PID LOGFILE: polls /health/ready in NAMESPACE until 200; dies with the log's tail
# when the process exits first or READY_TIMEOUT seconds pass.
wait_ready() {
    local name=$1 ns=$2 pid=$3 logfile=$4 deadline=$(( SECONDS + READY_TIMEOUT ))
    until ip netns exec "$ns" curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$MGMT_PORT/health/ready"; do
        kill -0 "$pid" 2>/dev/null || { tail -n 30 "$logfile" >&2; die "$name (PID $pid) exited before it was ready"; }
        (( SECONDS < deadline )) || { tail -n 30 "$logfile" >&2; die "$name (PID $pid) not ready within ${READY_TIMEOUT}s"; }
        sleep 0.5
    done
}
