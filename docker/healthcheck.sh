#!/bin/sh
# Docker HEALTHCHECK of the Overlay images: exit 0 when the management endpoint answers 200 on
# GET /health/ready (flannel's /readyz twin: cluster joined, plus the process's own checks).
# The endpoint listens on --management-host (0.0.0.0 in the compose files, which includes
# loopback) and --management-port, mirrored here by OVERLAY_MANAGEMENT_PORT (default 8558).
# curl when the image has it (the local Debian base does); otherwise bash's /dev/tcp, which
# every Debian- or Ubuntu-based runtime image has (Microsoft's .NET images ship no curl).
port=${OVERLAY_MANAGEMENT_PORT:-8558}
if command -v curl >/dev/null 2>&1; then
    exec curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$port/health/ready"
fi
exec timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET /health/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
    IFS=" " read -r _ status _ <&3
    [ "$status" = 200 ]' healthcheck "$port"
