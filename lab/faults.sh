#!/usr/bin/env bash
# Runs fault rows of tests/Overlay.Faults.Tests and prints their table (docs/faults.md).
#
#   sudo lab/faults.sh                 the CI rows
#   sudo lab/faults.sh F10 F23         the named rows (any of the implemented ones)
#   sudo lab/faults.sh all             every implemented row
#
# Builds first (Release), needs root (network namespaces, TUN, iptables, tc). Each row builds
# its own lab with a random namespace prefix and tears it down, also on failure. Histories (JSON)
# and the table are written to artifacts/faults/. Exit status: non-zero when a row was violated.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "faults.sh: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, TUN devices, iptables)"
for tool in ip ping curl iptables tc; do
    command -v "$tool" >/dev/null || die "'$tool' is missing (Debian packages: iproute2 iputils-ping curl iptables)"
done

rows=("$@")
selection=ci
filter="FullyQualifiedName~Overlay.Faults.Tests.Rows"
if [ ${#rows[@]} -gt 0 ]; then
    if [ "${rows[0]}" = all ]; then
        selection=all
    else
        for row in "${rows[@]}"; do
            [[ "$row" =~ ^F[0-9]+[a-z]?$ ]] || die "not a row id (F1..F36, e.g. F2b): '$row'"
        done
        selection=$(IFS=,; echo "${rows[*]}")
        filter=$(printf 'Fault=%s|' "${rows[@]}"); filter=${filter%|}
    fi
fi

echo "== building" >&2
dotnet build Overlay.sln -c Release -nologo -clp:ErrorsOnly >&2

summary=artifacts/faults/summary.md
mkdir -p artifacts/faults
: > "$summary"
echo "== running rows: $selection" >&2
status=0
OVERLAY_FAULTS=$selection dotnet test tests/Overlay.Faults.Tests -c Release --no-build -nologo \
    --filter "$filter" --logger "console;verbosity=normal" >&2 || status=$?

echo
if [ -s "$summary" ]; then
    # One table: the header once, then every row's line, then the evidence.
    head -n 2 "$summary"
    grep -E '^\| F' "$summary" || true
    echo
    grep -E '^  F' "$summary" || true
else
    echo "no row ran (see the test output above; rows not implemented are not in the suite)"
fi
echo
echo "histories: $(ls artifacts/faults/*.json 2>/dev/null | wc -l) JSON files in artifacts/faults/"
exit $status
