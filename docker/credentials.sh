#!/bin/sh
# Makes the compose cluster's credentials once, in the volume mounted at $1 (default
# /etc/overlay/tls): a cluster CA, a certificate per member (`overlay-seed ca issue`) and a
# management token per owner. Runs as root in the seed image (service "credentials"); a second
# run keeps what exists. Seeds run as the image's user overlay (uid 10001) and nodes as root
# with only NET_ADMIN (no CAP_DAC_OVERRIDE), so every key and token belongs to the user that
# reads it, mode 0600: overlay-seed and overlay-node refuse keys and tokens others can read.
set -eu
dir=${1:-/etc/overlay/tls}
seed_uid=${OVERLAY_SEED_UID:-10001}
seed=/app/overlay-seed.dll
mkdir -p "$dir"
[ -f "$dir/ca.crt" ] || dotnet "$seed" ca init --dir "$dir" --name overlay-compose-ca
issue() { # name ip owner
    [ -f "$dir/$1.crt" ] || dotnet "$seed" ca issue --dir "$dir" --name "$1" --ip "$2" >/dev/null
    chown "$3" "$dir/$1.key"
}
issue seed 198.51.100.10 "$seed_uid"
issue seed2 198.51.100.20 "$seed_uid"
for i in 1 2 3 4; do issue "node$i" "198.51.100.1$i" 0; done
token() { # file owner
    [ -s "$dir/$1" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/$1")
    chown "$2" "$dir/$1"; chmod 600 "$dir/$1"
}
token seed-token "$seed_uid"
token node-token 0
chmod 755 "$dir"
echo "credentials in $dir: $(ls "$dir" | tr '\n' ' ')"
