#!/bin/bash
# Builds the virtual lab's guest disk from Debian packages only.
#
#   build-image.sh OUTDIR
#
# OUTDIR receives disk.qcow2, the harness's SSH key pair (id_ed25519), the
# guest's SSH host key (ssh_host_ed25519_key.pub), the root password (0600),
# manifest.env (kernel versions, build time) and build.log. The caller (the
# harness's ImageCache) builds into a temporary directory and renames it into
# the cache only when this script exits 0, so a half-built image is never used.
#
# Every package name and version that decides the image is in pins.env beside
# this script (part of the cache key). The kdump initramfs of every kernel is
# built in the chroot; the bootloader (grub-install, update-grub) by booting
# the image once under QEMU, so a lab boots to SSH in about half a minute.
set -euo pipefail

OUT=${1:?usage: build-image.sh OUTDIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PINS=$HERE/pins.env
DISK_MB=${LAB_DISK_MB:-10240}
GUEST_MEM_MB=${LAB_GUEST_MEM_MB:-2048}
CRASHKERNEL=${LAB_CRASHKERNEL:-1G-4G:192M,4G-64G:256M,64G-:512M}
FIRSTBOOT_TIMEOUT_S=${LAB_FIRSTBOOT_TIMEOUT_S:-1800}

# pins.env: KEY=value lines (values may hold spaces); the only source of package names and versions
pin() {
  local v
  v=$(sed -n "s/^$1=//p" "$PINS" | tail -1)
  [ -n "$v" ] || { echo "ERROR: $PINS has no $1= line" >&2; exit 3; }
  echo "$v"
}
SUITE=$(pin SUITE)
KVER=$(pin KERNEL_DEFAULT)
RTVER=$(pin KERNEL_RT)
BISECT_KERNELS=$(pin KERNELS_BISECT)
PACKAGE_PINS=$(pin PACKAGE_PINS)
KERNELS="$BISECT_KERNELS $KVER $RTVER"
PACKAGES="build-essential,openssh-server,grub-pc,ipmitool,systemd-sysv,udev,dbus,kmod,procps,iproute2,\
initramfs-tools,zstd,file,less,sudo,nfs-common"
for p in $PACKAGE_PINS; do PACKAGES="$PACKAGES,$p"; done
for k in $KERNELS; do PACKAGES="$PACKAGES,linux-image-$k,linux-headers-$k"; done

START=$(date +%s)
log() { echo "[image +$(( $(date +%s) - START ))s] $*"; }
need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "ERROR: '$1' is missing on this host; install it with: apt-get install $2" >&2
    exit 3
  }
}
need mmdebstrap mmdebstrap
need mkfs.ext4 e2fsprogs
need sfdisk fdisk
need qemu-system-x86_64 qemu-system-x86
need qemu-img qemu-utils
need ssh-keygen openssh-client
[ "$(id -u)" = 0 ] || { echo "ERROR: the image build needs root (mmdebstrap into a directory, device nodes)" >&2; exit 3; }

mkdir -p "$OUT"
WORK=$OUT/work
ROOT=$WORK/rootfs
# mmdebstrap mounts /proc, /sys and /dev/pts inside the rootfs; a build that was
# killed leaves them mounted, and rm -rf must never walk into them.
unmount_under() {
  awk -v p="$1/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
}
unmount_under "$WORK"
rm -rf "$WORK"
mkdir -p "$WORK"

# A progress line at least every 20 s, whatever the stage: a cold build takes
# minutes and silence looks like a hang.
STAGE_FILE=$WORK/stage
stage() { echo "$*" > "$STAGE_FILE"; log "$*"; }
stage "starting"
(
  set +eo pipefail  # a failed probe must never end the heartbeat
  while sleep 20; do
    s=$(cat "$STAGE_FILE" 2>/dev/null) || exit 0
    case "$s" in
      mmdebstrap*)
        got=$(ls "$ROOT"/var/cache/apt/archives/*.deb 2>/dev/null | wc -l)
        inst=$(ls "$ROOT"/var/lib/dpkg/info/*.list 2>/dev/null | wc -l)
        detail="$got packages downloaded, $inst installed" ;;
      "first boot"*)
        detail="console: $(tr -cd '[:print:]\n' < "$OUT/firstboot-console.log" 2>/dev/null | grep -v '^\s*$' | tail -1 | cut -c1-100)" ;;
      *) detail="working" ;;
    esac
    log "... $s: $detail"
  done
) &
HEARTBEAT=$!
trap 'kill $HEARTBEAT 2>/dev/null; unmount_under "$WORK"; rm -rf "$WORK"' EXIT

# The host's own apt sources: the lab is built from the same Debian mirror the
# host uses, with no mirror address baked into the project.
SOURCES=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && grep -qi debian "$f" && SOURCES+=("$f")
done
[ ${#SOURCES[@]} -gt 0 ] || { echo "ERROR: no Debian apt sources found in /etc/apt" >&2; exit 3; }

# Every pin must still be downloadable: one clear message instead of apt's
# resolver output, and never a silent substitution of another version.
stage "checking the pinned packages against the archive"
apt-get update -qq </dev/null || echo "WARNING: apt-get update failed; checking the pins against the lists this host has"
gone=()
for k in $KERNELS; do
  for p in "linux-image-$k" "linux-headers-$k"; do
    apt-cache show "$p" >/dev/null 2>&1 || gone+=("$p")
  done
done
for pv in $PACKAGE_PINS; do
  name=${pv%%=*}; ver=${pv#*=}
  apt-cache madison "$name" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$ver" || gone+=("$name=$ver")
done
if [ ${#gone[@]} -gt 0 ]; then
  echo "ERROR: the Debian archive no longer serves the pinned package(s): ${gone[*]}." >&2
  echo "ERROR: move the pin in harness/src/main/resources/lab/image/pins.env (the one place; 'apt-cache madison NAME'" >&2
  echo "ERROR: and 'apt-cache search linux-image-6.1' list what is served), then build again." >&2
  exit 3
fi

# While the packages install, initramfs-tools builds every initramfs (the
# kernels' and kdump-tools' capture initramfs) with only the modules this
# machine needs, named: MODULES=most costs minutes per kernel and MODULES=dep
# cannot work in a chroot (it looks at the build host's devices). The guest
# switches to MODULES=dep below, for kernels it installs itself.
LAB_MODULES='virtio_pci virtio_blk virtio_net virtio_scsi ata_piix ahci sd_mod ext4 crc32c_generic'
log "packages: ${PACKAGES//,/ }"
stage "mmdebstrap $SUITE"
mmdebstrap --variant=important --include="$PACKAGES" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --setup-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d"' \
  --setup-hook='echo MODULES=list > "$1/etc/initramfs-tools/conf.d/lab-build-list"' \
  --setup-hook="printf '%s\n' $LAB_MODULES > \"\$1/usr/share/initramfs-tools/modules.d/lab-virtual-machine\"" \
  "$SUITE" "$ROOT" "${SOURCES[@]}" </dev/null

for k in $KERNELS; do
  [ -e "$ROOT/boot/vmlinuz-$k" ] || { echo "ERROR: kernel $k not found in the rootfs /boot" >&2; exit 4; }
done
log "kernels: default $KVER, PREEMPT_RT $RTVER, bisection $BISECT_KERNELS"

# kdump-tools' capture initramfs for every kernel, now (its postinst.d hook ran
# only for kernels unpacked after kdump-tools); with kdump-tools' sysctl copy,
# without which kdump-config rebuilds it on the kernel's first boot.
stage "kdump initramfs for $(echo $KERNELS | wc -w) kernels"
for k in $KERNELS; do
  [ -e "$ROOT/var/lib/kdump/initrd.img-$k" ] || chroot "$ROOT" /etc/kernel/postinst.d/kdump-tools "$k"
  cp "$ROOT/etc/kdump/sysctl.conf" "$ROOT/var/lib/kdump/latest_sysctls-$k"
done
rm -f "$ROOT/etc/initramfs-tools/conf.d/lab-build-list"

# The harness's printk spammer, built for every kernel where a run caches the
# one it builds (MODULE_CACHE/NAME/KERNEL-SOURCEHASH, the key given by the
# harness): a run on a fresh lab takes it from there instead of building it on
# the TCG guest (about 20 s per kernel). Built in the chroot with the image's
# own compiler and headers, as the guest would build it.
if [ -n "${PREBUILT_MODULES:-}" ]; then
  stage "harness modules for $(echo $KERNELS | wc -w) kernels: $PREBUILT_MODULES"
  for entry in $PREBUILT_MODULES; do
    m=${entry%%:*} key=${entry#*:}
    src=$HERE/../../modules-c/$m
    [ -f "$src/Kbuild" ] || { echo "ERROR: module sources $src missing from the recipe" >&2; exit 3; }
    for k in $KERNELS; do
      rm -rf "$ROOT/tmp/prebuild-$m" && cp -r "$src" "$ROOT/tmp/prebuild-$m"
      chroot "$ROOT" make -s -C "/lib/modules/$k/build" M="/tmp/prebuild-$m" modules 2>&1 | grep -v BTF || true
      [ -s "$ROOT/tmp/prebuild-$m/$m.ko" ] || { echo "ERROR: $m did not build against $k in the chroot" >&2; exit 4; }
      install -D -m 644 "$ROOT/tmp/prebuild-$m/$m.ko" "$ROOT${MODULE_CACHE:?}/$m/$k-$key/$m.ko"
    done
    rm -rf "$ROOT/tmp/prebuild-$m"
  done
fi
INSTALLED_VERSIONS=$(chroot "$ROOT" dpkg-query -W -f='${Package}=${Version} ' kdump-tools makedumpfile kexec-tools \
  $(for k in $KERNELS; do echo "linux-image-$k"; done))

UUID=$(cat /proc/sys/kernel/random/uuid)

# --- keys and secrets -------------------------------------------------------
rm -f "$OUT/id_ed25519" "$OUT/id_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -C nmi-harness-lab -f "$OUT/id_ed25519"
install -d -m 700 "$ROOT/root/.ssh"
install -m 600 "$OUT/id_ed25519.pub" "$ROOT/root/.ssh/authorized_keys"
cp "$ROOT/etc/ssh/ssh_host_ed25519_key.pub" "$OUT/ssh_host_ed25519_key.pub"
( umask 077; head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$OUT/root-password" )
echo "root:$(cat "$OUT/root-password")" | chroot "$ROOT" chpasswd

# --- system configuration (as an admin would do it) -------------------------
echo kdump-lab > "$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 kdump-lab\n' > "$ROOT/etc/hosts"
echo "UUID=$UUID / ext4 errors=remount-ro 0 1" > "$ROOT/etc/fstab"

cat > "$ROOT/etc/systemd/network/20-wired.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4
EOF
chroot "$ROOT" systemctl enable systemd-networkd.service
chroot "$ROOT" systemctl mask systemd-networkd-wait-online.service
for t in apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer fstrim.timer; do
  chroot "$ROOT" systemctl disable "$t" 2>/dev/null || true
done
chroot "$ROOT" systemctl enable serial-getty@ttyS0.service

cat > "$ROOT/etc/ssh/sshd_config.d/lab.conf" <<'EOF'
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
EOF

# Initramfs images built from now on (kernels installed in the guest) carry
# only the modules this machine needs, found by initramfs-tools: MODULES=most
# costs about 10 minutes per kernel under TCG, MODULES=dep about one.
echo MODULES=dep > "$ROOT/etc/initramfs-tools/conf.d/lab-modules-dep"

printf 'ipmi_msghandler\nipmi_devintf\nipmi_si\n' > "$ROOT/etc/modules-load.d/ipmi.conf"

# The kernel command line belongs to the guest's bootloader configuration:
# an admin (or the harness over SSH) edits /etc/default/grub.d and runs update-grub.
cat > "$ROOT/etc/default/grub.d/00-lab-console.cfg" <<EOF
GRUB_TIMEOUT=1
GRUB_TERMINAL="serial console"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_DISABLE_SUBMENU=y
GRUB_DISABLE_RECOVERY=true
GRUB_DISABLE_OS_PROBER=true
GRUB_DEFAULT="Debian GNU/Linux, with Linux $KVER"
EOF
cat > "$ROOT/etc/default/grub.d/kdump-tools.cfg" <<EOF
GRUB_CMDLINE_LINUX_DEFAULT="\$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=$CRASHKERNEL"
EOF
sed -i 's/^#\?USE_KDUMP=.*/USE_KDUMP=1/' "$ROOT/etc/default/kdump-tools"
grep -q '^USE_KDUMP=1' "$ROOT/etc/default/kdump-tools" || echo USE_KDUMP=1 >> "$ROOT/etc/default/kdump-tools"
# A reboot must be a real reboot through the firmware and grub, not a kexec.
if [ -f "$ROOT/etc/default/kexec" ]; then
  sed -i 's/^LOAD_KEXEC=.*/LOAD_KEXEC=false/' "$ROOT/etc/default/kexec"
fi

# --- first boot, done now ---------------------------------------------------
cat > "$ROOT/usr/local/sbin/lab-firstboot" <<'EOF'
#!/bin/sh
set -eux
grub-install /dev/vda
update-grub
# the capture initramfs of every kernel was built in the chroot
ls /var/lib/kdump/initrd.img-*
kdump-config status || kdump-config load
test "$(cat /sys/kernel/kexec_crash_loaded)" = 1
rm -f /etc/lab-firstboot
sync
echo LAB-FIRSTBOOT-OK
systemctl poweroff
EOF
chmod 755 "$ROOT/usr/local/sbin/lab-firstboot"
cat > "$ROOT/etc/systemd/system/lab-firstboot.service" <<'EOF'
[Unit]
Description=Virtual lab first boot (bootloader, kdump initramfs)
ConditionPathExists=/etc/lab-firstboot
After=kdump-tools.service local-fs.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/lab-firstboot
StandardOutput=journal+console
StandardError=journal+console
[Install]
WantedBy=multi-user.target
EOF
touch "$ROOT/etc/lab-firstboot"
chroot "$ROOT" systemctl enable lab-firstboot.service
cp "$ROOT/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$WORK/initrd"
rm -f "$ROOT/etc/machine-id" && touch "$ROOT/etc/machine-id"

stage "filesystem ($(du -sm "$ROOT" | cut -f1) MB of files)"
mkfs.ext4 -q -F -L labroot -U "$UUID" -d "$ROOT" "$WORK/root.ext4" "$(( DISK_MB - 1 ))M"
rm -rf "$ROOT"
truncate -s "${DISK_MB}M" "$WORK/disk.raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$WORK/disk.raw"
dd if="$WORK/root.ext4" of="$WORK/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$WORK/root.ext4"

stage "first boot under QEMU (TCG): bootloader, capture kernel loaded"
set +e
timeout "$FIRSTBOOT_TIMEOUT_S" qemu-system-x86_64 -accel tcg -machine pc -m "$GUEST_MEM_MB" -smp 2 \
  -display none -monitor none -no-reboot \
  -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd" \
  -append "root=UUID=$UUID ro console=ttyS0,115200n8 crashkernel=$CRASHKERNEL" \
  -drive file="$WORK/disk.raw",format=raw,if=virtio \
  -netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
  -serial file:"$OUT/firstboot-console.log"
rc=$?
set -e
if ! grep -q LAB-FIRSTBOOT-OK "$OUT/firstboot-console.log"; then
  echo "ERROR: first boot did not complete (qemu exit $rc); last console lines:" >&2
  tail -n 30 "$OUT/firstboot-console.log" >&2
  exit 5
fi

stage "converting to qcow2"
qemu-img convert -O qcow2 "$WORK/disk.raw" "$OUT/disk.qcow2"
rm -f "$WORK/disk.raw"
cat > "$OUT/manifest.env" <<EOF
KERNEL=$KVER
RT_KERNEL=$RTVER
BISECT_KERNELS="$BISECT_KERNELS"
PACKAGE_VERSIONS="${INSTALLED_VERSIONS% }"
ROOT_UUID=$UUID
CRASHKERNEL=$CRASHKERNEL
GUEST_MEM_MB=$GUEST_MEM_MB
BUILD_SECONDS=$(( $(date +%s) - START ))
EOF
log "done: $OUT/disk.qcow2 ($(du -m "$OUT/disk.qcow2" | cut -f1) MB)"
