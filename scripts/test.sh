#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the Debian packages the tests use, starts
# PostgreSQL (the registry's multi-host storage is tested for real), builds, runs every test
# project, and ends with one line "N passed, N failed, N skipped" summed over all of them.
# Exit status is non-zero when any test failed or a test project did not run.
# Root end-to-end tests (TUN, network namespaces) need root; with CI=true they must run.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '== %s\n' "$*" >&2; }

need_packages=(iproute2 iputils-ping tcpdump curl openssl postgresql procps iptables containernetworking-plugins docker.io docker-compose debootstrap)
if [ "$(id -u)" = 0 ]; then
  missing=()
  for p in "${need_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null || { log "apt-get install failed"; exit 1; }
  fi
fi

# PostgreSQL for the registry storage tests: a role and a database of our own on loopback.
if [ -z "${OVERLAY_TEST_POSTGRES:-}" ] && [ "$(id -u)" = 0 ] && command -v pg_lsclusters >/dev/null; then
  read -r pgver pgcluster _ < <(pg_lsclusters --no-header | head -n1)
  if [ -n "${pgver:-}" ]; then
    pg_ctlcluster "$pgver" "$pgcluster" start 2>/dev/null || true
    for _ in $(seq 1 50); do su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break; sleep 0.2; done
    su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname='overlay'\"" | grep -q 1 \
      || su postgres -c "psql -qc \"create role overlay login superuser password 'overlay'\"" >/dev/null
    export OVERLAY_TEST_POSTGRES="Host=127.0.0.1;Port=5432;Username=overlay;Password=overlay;Database=postgres"
    log "PostgreSQL $pgver/$pgcluster up for the storage tests"
  fi
fi

log "building"
dotnet build Overlay.sln -c Release -nologo -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }

total_passed=0; total_failed=0; total_skipped=0; status=0
results="$ROOT/artifacts/test-results"; rm -rf "$results"; mkdir -p "$results"
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  grep -q '<IsTestProject>true' "$project" || continue
  log "testing $name"
  dotnet test "$project" -c Release --no-build -nologo --logger "trx;LogFileName=$name.trx" \
    --results-directory "$results" -- RunConfiguration.TestSessionTimeout=2400000 2>&1 | tee "$results/$name.log" | grep -vE '^\s*$' | tail -n 40
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    log "$name produced no results"; total_failed=$((total_failed + 1)); status=1; continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$(get passed); failed=$(get failed); executed=$(get executed); total=$(get total)
  errors=$(get error); timeouts=$(get timeout); aborted=$(get aborted)
  skipped=$(( ${total:-0} - ${executed:-0} ))
  failed=$(( ${failed:-0} + ${errors:-0} + ${timeouts:-0} + ${aborted:-0} ))
  total_passed=$((total_passed + ${passed:-0})); total_failed=$((total_failed + failed)); total_skipped=$((total_skipped + skipped))
  [ "$failed" -gt 0 ] && status=1
  [ "${total:-0}" -eq 0 ] && { log "$name ran no test"; status=1; }
done
echo "${total_passed} passed, ${total_failed} failed, ${total_skipped} skipped"
exit $status
