#!/bin/bash
# Installs what the harness and its virtual lab need on a Debian 12 host, then
# builds (or verifies) the lab's guest image. Idempotent; needs root; no stdin.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PACKAGES=(
  openjdk-17-jdk-headless maven            # the harness (Java 17, Maven)
  qemu-system-x86 qemu-utils               # the guest (TCG by default)
  openipmi libopenipmi-dev ipmitool        # the BMC (ipmi_sim), its plugin headers, an independent client
  gcc make libc6-dev                       # the lab's C helpers
  mmdebstrap fdisk e2fsprogs openssh-client  # the guest image build
  util-linux bsdutils procps iproute2      # setsid, script, ps, ss
  chromium fonts-dejavu-core               # the HTML report test (headless screenshot)
  git dpkg apt                             # bisection: git bisect run test, demo builds (apt-get download, dpkg-deb)
  postgresql                               # nightly: the private PostgreSQL cluster (initdb, pg_ctl); the queue, leases, history
  man-db bsdextrautils                     # the man pages' render test (man, col)
  redfishtool python3-sushy                # independent Redfish clients that check the lab's Redfish service
)
[ "$(id -u)" = 0 ] || { echo "setup-host.sh: run as root (apt-get and the image build need it)" >&2; exit 1; }
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-host.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi
cd "$ROOT"
./harness.sh lab image
