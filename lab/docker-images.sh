#!/usr/bin/env bash
# Container images for Overlay on a machine that reaches no image registry: a local Debian base
# image with the .NET runtime, and the overlay-seed, overlay-node and PostgreSQL images on it.
#
#   lab/docker-images.sh build        start dockerd when none runs, build (or reuse) the base
#                                     image, publish the apps, build the three images
#   lab/docker-images.sh daemon       only make sure a Docker daemon answers
#   lab/docker-images.sh stop-daemon  stop the dockerd this script started (PID file)
#
# The base image (overlay-base:<suite>) is a debootstrap of this machine's Debian suite from the
# mirror its apt uses, with ca-certificates, curl, iproute2, iputils-ping, procps and postgresql,
# plus the .NET runtime (Microsoft.NETCore.App, Microsoft.AspNetCore.App, host/, the dotnet muxer)
# copied from the SDK installed here: the runtime is not a Debian package. The rootfs tarball is
# cached in $OVERLAY_IMAGE_CACHE, so the debootstrap runs once per machine.
# With a registry, none of this is needed: `docker compose build` uses BASE_IMAGE's default.
#
# When no daemon answers, dockerd (Debian's docker.io) is started with --iptables=false
# --ip-forward=false --bridge=none: it changes no firewall rule or sysctl of this machine, makes
# no default bridge, and the compose networks are internal. Its log: $OVERLAY_DOCKERD_LOG.
#
# Environment:
#   OVERLAY_BASE_IMAGE   base image to build on (default overlay-base:<suite>; built when missing)
#   OVERLAY_IMAGE_CACHE  cache directory (default /var/cache/overlay-lab)
#   OVERLAY_IMAGE_TAG    tag of the app images (default local)
#   OVERLAY_REBUILD_BASE=1  rebuild the base image and its rootfs even when cached
#
# This file is also sourced by lab/compose-smoke.sh for its functions.
set -euo pipefail
# dockerd and debootstrap live in sbin, which a non-login PATH (e.g. a test runner's) may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

readonly IMG_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly IMG_CACHE=${OVERLAY_IMAGE_CACHE:-/var/cache/overlay-lab}
readonly IMG_SUITE=$( (. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") || true)
readonly IMG_BASE=${OVERLAY_BASE_IMAGE:-overlay-base:${IMG_SUITE:-bookworm}}
readonly IMG_TAG=${OVERLAY_IMAGE_TAG:-local}
readonly IMG_RUN_DIR=/run/overlay-lab
readonly DOCKERD_PID_FILE=$IMG_RUN_DIR/dockerd.pid
readonly OVERLAY_DOCKERD_LOG=${OVERLAY_DOCKERD_LOG:-/var/log/overlay-lab/dockerd.log}
readonly DOCKERD_START_TIMEOUT=60      # seconds until a dockerd we started answers `docker info`
readonly DOCKERD_STOP_TIMEOUT=30       # seconds between SIGTERM and SIGKILL for our dockerd
readonly DEBOOTSTRAP_TIMEOUT=1200      # seconds for the one-time debootstrap (downloads ~100 MB)
readonly BUILD_TIMEOUT=600             # seconds for one `docker build` or `dotnet publish`
# Packages of the base rootfs. postgresql is there so the HA configuration's database image
# builds from the same base without network access inside `docker build`.
readonly BASE_PACKAGES=ca-certificates,curl,iproute2,iputils-ping,procps,postgresql

img_log() { echo "images: $*" >&2; }
img_die() { img_log "error: $*"; exit 1; }

# ---- tools ----------------------------------------------------------------------------------

# Installs Debian packages that provide missing commands ("command:package" pairs).
img_ensure_commands() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    (( ${#missing[@]} == 0 )) && return 0
    (( EUID == 0 )) || img_die "missing ${missing[*]} and not root to install them"
    img_log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null; } \
        || img_die "apt-get install ${missing[*]} failed"
}

# Prints the compose command: the v2 plugin when the docker client has it, else Debian's v1.
compose_command() {
    if docker compose version >/dev/null 2>&1; then
        echo "docker compose"
    elif command -v docker-compose >/dev/null 2>&1; then
        echo "docker-compose"
    else
        return 1
    fi
}

# ---- the daemon -----------------------------------------------------------------------------

docker_answers() { timeout 10 docker info >/dev/null 2>&1; }

# Makes sure a Docker daemon answers. Starts dockerd when none does; sets DOCKERD_STARTED=1 then
# (the caller decides whether to stop it again with stop_dockerd).
DOCKERD_STARTED=0
ensure_dockerd() {
    img_ensure_commands docker:docker.io dockerd:docker.io
    docker_answers && return 0
    (( EUID == 0 )) || img_die "no Docker daemon answers and not root to start one"
    if [[ -f "$DOCKERD_PID_FILE" ]] && kill -0 "$(cat "$DOCKERD_PID_FILE")" 2>/dev/null; then
        img_die "dockerd (PID $(cat "$DOCKERD_PID_FILE"), $DOCKERD_PID_FILE) runs but does not answer; log: $OVERLAY_DOCKERD_LOG"
    fi
    mkdir -p "$IMG_RUN_DIR" "$(dirname "$OVERLAY_DOCKERD_LOG")"
    img_log "starting dockerd (log $OVERLAY_DOCKERD_LOG)"
    # setsid: the daemon outlives a Ctrl-C in this terminal; we stop it by PID.
    setsid dockerd --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
        >> "$OVERLAY_DOCKERD_LOG" 2>&1 < /dev/null &
    local pid=$! deadline=$(( SECONDS + DOCKERD_START_TIMEOUT ))
    echo "$pid" > "$DOCKERD_PID_FILE"
    DOCKERD_STARTED=1
    until docker_answers; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$OVERLAY_DOCKERD_LOG" >&2 || true
            rm -f "$DOCKERD_PID_FILE"; DOCKERD_STARTED=0
            img_die "dockerd (PID $pid) exited; log: $OVERLAY_DOCKERD_LOG"
        fi
        if (( SECONDS >= deadline )); then
            tail -n 30 "$OVERLAY_DOCKERD_LOG" >&2 || true
            stop_dockerd
            img_die "dockerd (PID $pid) did not answer within ${DOCKERD_START_TIMEOUT}s; log: $OVERLAY_DOCKERD_LOG"
        fi
        sleep 0.5
    done
    img_log "dockerd up (PID $pid)"
}

# Stops the dockerd whose PID is in our PID file, and only if that PID still runs dockerd.
stop_dockerd() {
    [[ -f "$DOCKERD_PID_FILE" ]] || return 0
    local pid deadline=$(( SECONDS + DOCKERD_STOP_TIMEOUT ))
    pid=$(cat "$DOCKERD_PID_FILE")
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q '^dockerd '; then
        img_log "stopping dockerd (PID $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.5; done
        if kill -0 "$pid" 2>/dev/null; then
            img_log "dockerd (PID $pid) ignored SIGTERM for ${DOCKERD_STOP_TIMEOUT}s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$DOCKERD_PID_FILE"
    DOCKERD_STARTED=0
}

# ---- the base image -------------------------------------------------------------------------

# Prints the Debian mirror this machine's apt uses for its suite (deb822 or one-line sources).
debian_mirror() {
    local file uri
    for file in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$file" ]] || continue
        if [[ "$file" == *.sources ]]; then
            # A stanza with "Suites: <suite>" (not -security/-updates only) and its URIs.
            uri=$(awk -v suite="$IMG_SUITE" '
                BEGIN { RS = ""; FS = "\n" }
                {
                    u = ""; ok = 0
                    for (i = 1; i <= NF; i++) {
                        if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, a, " "); u = a[1] }
                        if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) ok = 1 }
                    }
                    if (ok && u != "") { print u; exit }
                }' "$file")
        else
            uri=$(awk -v suite="$IMG_SUITE" '$1 == "deb" {
                    i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                    if ($(i + 1) == suite) { print $i; exit } }' "$file")
        fi
        if [[ -n "$uri" ]]; then echo "$uri"; return 0; fi
    done
    return 1
}

dotnet_root() { dirname "$(readlink -f "$(command -v dotnet)")"; }

# Prints the highest version directory name under a shared framework folder.
latest_version() { ls -1 "$1" 2>/dev/null | sort -V | tail -n 1; }

# Builds the rootfs tarball: debootstrap, then the .NET runtime copied from the local SDK.
# Runs in a subshell so its EXIT trap removes the half-built rootfs on any failure.
build_rootfs() (
    local tarball=$1 mirror root netcore aspnet rootfs
    img_ensure_commands debootstrap:debootstrap
    [[ -n "$IMG_SUITE" ]] || img_die "cannot tell this machine's Debian suite (VERSION_CODENAME in /etc/os-release)"
    mirror=$(debian_mirror) || img_die "no Debian mirror for '$IMG_SUITE' in /etc/apt/sources.list*"
    command -v dotnet >/dev/null 2>&1 || img_die "dotnet is not on PATH: the runtime is copied from the local .NET installation"
    root=$(dotnet_root)
    netcore=$(latest_version "$root/shared/Microsoft.NETCore.App")
    aspnet=$(latest_version "$root/shared/Microsoft.AspNetCore.App")
    [[ -n "$netcore" && -n "$aspnet" && -x "$root/dotnet" && -d "$root/host/fxr" ]] \
        || img_die "no .NET runtime under $root (shared/Microsoft.NETCore.App, shared/Microsoft.AspNetCore.App, host/fxr, dotnet)"

    rootfs=$(mktemp -d "$IMG_CACHE/rootfs.XXXXXX")
    trap 'rm -rf "$rootfs" "$tarball.tmp"' EXIT
    mkdir -p "$IMG_CACHE/debs"
    img_log "debootstrap $IMG_SUITE from $mirror into $rootfs (once per machine; a few minutes)"
    timeout "$DEBOOTSTRAP_TIMEOUT" debootstrap --variant=minbase --include="$BASE_PACKAGES" \
        --cache-dir="$IMG_CACHE/debs" "$IMG_SUITE" "$rootfs" "$mirror" > "$IMG_CACHE/debootstrap.log" 2>&1 \
        || { tail -n 30 "$IMG_CACHE/debootstrap.log" >&2; img_die "debootstrap $IMG_SUITE $mirror failed; log: $IMG_CACHE/debootstrap.log"; }

    img_log "adding the .NET runtime $netcore (ASP.NET Core $aspnet) from $root"
    mkdir -p "$rootfs/usr/share/dotnet/shared/Microsoft.NETCore.App" "$rootfs/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
    cp -a "$root/dotnet" "$root/host" "$rootfs/usr/share/dotnet/"
    cp -a "$root/shared/Microsoft.NETCore.App/$netcore" "$rootfs/usr/share/dotnet/shared/Microsoft.NETCore.App/"
    cp -a "$root/shared/Microsoft.AspNetCore.App/$aspnet" "$rootfs/usr/share/dotnet/shared/Microsoft.AspNetCore.App/"
    for f in LICENSE.txt ThirdPartyNotices.txt; do [[ -f "$root/$f" ]] && cp "$root/$f" "$rootfs/usr/share/dotnet/"; done
    ln -sf /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
    echo "$netcore" > "$rootfs/usr/share/dotnet/.overlay-runtime-version"

    # The image needs no package cache, no host-specific files.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*
    : > "$rootfs/etc/hostname"
    tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" . || img_die "tar of $rootfs failed"
    mv "$tarball.tmp" "$tarball"
    img_log "rootfs cached in $tarball ($(du -h "$tarball" | cut -f1))"
)

# Makes sure the base image exists: the configured one if docker has it, else imported from
# the cached (or freshly built) rootfs tarball.
ensure_base_image() {
    if [[ "${OVERLAY_REBUILD_BASE:-0}" != 1 ]] && docker image inspect "$IMG_BASE" >/dev/null 2>&1; then
        img_log "base image $IMG_BASE present"
        return 0
    fi
    [[ "$IMG_BASE" == overlay-base:* ]] \
        || img_die "base image $IMG_BASE is missing and no registry is reachable; unset OVERLAY_BASE_IMAGE to build overlay-base locally"
    mkdir -p "$IMG_CACHE"
    local tarball="$IMG_CACHE/${IMG_BASE//[:\/]/-}-rootfs.tar"
    if [[ "${OVERLAY_REBUILD_BASE:-0}" == 1 || ! -s "$tarball" ]]; then
        build_rootfs "$tarball" || exit 1
    else
        img_log "using cached rootfs $tarball"
    fi
    img_log "importing $tarball as $IMG_BASE"
    docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV DOTNET_ROOT=/usr/share/dotnet' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' \
        --change "LABEL org.opencontainers.image.title=overlay-base org.opencontainers.image.description=\"Debian $IMG_SUITE with the .NET runtime, for the Overlay images\"" \
        "$tarball" "$IMG_BASE" >/dev/null || img_die "docker import $tarball $IMG_BASE failed"
}

# ---- the app images -------------------------------------------------------------------------

# Framework-dependent publish of both apps into artifacts/publish/<name>.
publish_apps() {
    local project name out
    for project in Overlay.Seed:overlay-seed Overlay.Node:overlay-node; do
        name=${project#*:}; project=${project%%:*}
        out="$IMG_REPO_ROOT/artifacts/publish/$name"
        rm -rf "$out"
        img_log "dotnet publish $project -> artifacts/publish/$name"
        timeout "$BUILD_TIMEOUT" dotnet publish "$IMG_REPO_ROOT/$project" -c Release -o "$out" --nologo -v quiet \
            > "$IMG_REPO_ROOT/artifacts/publish/$name.log" 2>&1 \
            || { tail -n 30 "$IMG_REPO_ROOT/artifacts/publish/$name.log" >&2; img_die "dotnet publish $project failed"; }
        [[ -f "$out/$name.dll" ]] || img_die "dotnet publish $project produced no $out/$name.dll"
    done
}

# Prints the app version for the image label (the git commit when there is one).
app_version() {
    git -C "$IMG_REPO_ROOT" describe --always --dirty 2>/dev/null || echo 0.0.0-local
}

build_image() {
    local dockerfile=$1 image=$2 logfile
    logfile="$IMG_REPO_ROOT/artifacts/publish/build-${image%%:*}.log"
    img_log "docker build $image ($dockerfile on $IMG_BASE)"
    # --network none: the build needs nothing from outside (everything is COPY'd in).
    DOCKER_BUILDKIT=0 timeout "$BUILD_TIMEOUT" docker build --network none \
        --build-arg "BASE_IMAGE=$IMG_BASE" --build-arg "VERSION=$(app_version)" \
        -f "$IMG_REPO_ROOT/$dockerfile" -t "$image" "$IMG_REPO_ROOT" > "$logfile" 2>&1 \
        || { tail -n 30 "$logfile" >&2; img_die "docker build -f $dockerfile -t $image failed; log: $logfile"; }
}

build_all() {
    img_ensure_commands curl:curl
    ensure_dockerd
    ensure_base_image
    mkdir -p "$IMG_REPO_ROOT/artifacts/publish"
    publish_apps
    build_image docker/seed.Dockerfile "overlay-seed:$IMG_TAG"
    build_image docker/node.Dockerfile "overlay-node:$IMG_TAG"
    build_image docker/postgres.Dockerfile "overlay-postgres:$IMG_TAG"
    img_log "images: overlay-seed:$IMG_TAG overlay-node:$IMG_TAG overlay-postgres:$IMG_TAG (base $IMG_BASE)"
}

images_main() {
    case "${1:-}" in
        build) build_all
               if (( DOCKERD_STARTED == 1 )); then
                   img_log "dockerd keeps running for compose; 'lab/docker-images.sh stop-daemon' stops it"
               fi ;;
        daemon) ensure_dockerd ;;
        stop-daemon) stop_dockerd ;;
        *) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    images_main "$@"
fi
