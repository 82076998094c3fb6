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
  chromium chromium-driver fonts-dejavu-core  # the HTML report test (headless screenshot), the web view in a browser (Selenium)
  git dpkg apt                             # bisection: git bisect run test, demo builds (apt-get download, dpkg-deb)
  postgresql                               # nightly: the private PostgreSQL cluster (initdb, pg_ctl); the queue, leases, history
  man-db bsdextrautils                     # the man pages' render test (man, col)
  redfishtool python3-sushy                # independent Redfish clients that check the lab's Redfish service
  openssh-server makedumpfile              # the lab's SSH dump server (its own sshd) and reading dumps where they lie
  ser2net                                  # the lab's telnet/RFC 2217 console server in front of the serial line
  socat                                    # the lab's SSH console: its forced command attaches to the serial line
  nfs-ganesha nfs-ganesha-vfs libnfs-utils # the lab's NFS dump server (user space, NFSv4) and an independent client
)
[ "$(id -u)" = 0 ] || { echo "setup-host.sh: run as root (apt-get and the image build need it)" >&2; exit 1; }
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
had_sshd=$(dpkg-query -W -f='${Status}' openssh-server 2>/dev/null | grep -c "install ok installed" || true)
had_ser2net=$(dpkg-query -W -f='${Status}' ser2net 2>/dev/null | grep -c "install ok installed" || true)
had_ganesha=$(dpkg-query -W -f='${Status}' nfs-ganesha 2>/dev/null | grep -c "install ok installed" || true)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-host.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi
# The lab runs its own sshd (loopback, its own port and keys) as its SSH dump server; the package's system-wide
# service on port 22 is not wanted when only this script brought it in.
if [ "$had_sshd" = 0 ] && [ -d /run/systemd/system ]; then
  systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  echo "setup-host.sh: openssh-server installed for the lab's dump server; its system service (port 22) left disabled"
fi
if [ "$had_ganesha" = 0 ] && [ -d /run/systemd/system ]; then
  systemctl disable --now nfs-ganesha.service rpcbind.service rpcbind.socket >/dev/null 2>&1 || true
  echo "setup-host.sh: nfs-ganesha installed for the lab's NFS dump server; its system service (port 2049) left disabled"
fi
if [ "$had_ser2net" = 0 ] && [ -d /run/systemd/system ]; then
  systemctl disable --now ser2net.service >/dev/null 2>&1 || true
  echo "setup-host.sh: ser2net installed for the lab's telnet console; its system service left disabled (the lab runs its own)"
fi
# The account the lab's guests send their dumps to (kdump-tools SSH=): no password, no login shell beyond what
# kdump-tools runs (mkdir, dd, mv, scp), dumps under its home.
if ! getent passwd kdump-dumps >/dev/null; then
  useradd --system --home-dir /var/lib/kdump-harness/dumps --create-home --shell /bin/sh kdump-dumps
  echo "setup-host.sh: created the system account kdump-dumps (the lab's SSH dump target)"
fi
# no password ('*'), but not locked ('!'): sshd without PAM refuses a locked account even with a key
usermod -p '*' kdump-dumps
# The account of the lab's SSH console's password login (as a BMC's port 2200 takes one): its only command is the
# console (the lab's sshd forces it). Its random password lives in a 0600 file only root reads; never in argv.
if ! getent passwd kdump-console >/dev/null; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /bin/sh kdump-console
  echo "setup-host.sh: created the system account kdump-console (the lab's SSH console, password login)"
fi
console_pw=/var/lib/kdump-harness/console-password
if [ ! -s "$console_pw" ]; then
  install -d -m 0755 /var/lib/kdump-harness
  (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' > "$console_pw")
fi
printf 'kdump-console:%s\n' "$(cat "$console_pw")" | chpasswd
cd "$ROOT"
./harness.sh lab image
