#!/bin/bash
# A tiny image recipe for the cache tests: a "disk" of random bytes and a manifest.
set -eu
OUT=$1
head -c 65536 /dev/urandom > "$OUT/disk.qcow2"
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB test" > "$OUT/ssh_host_ed25519_key.pub"
n=$(cat "$OUT/../builds" 2>/dev/null || echo 0); echo $((n + 1)) > "$OUT/../builds"
echo "KERNEL=test-kernel" > "$OUT/manifest.env"
echo "[image +0s] test recipe done"
