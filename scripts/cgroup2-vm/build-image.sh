#!/bin/bash
# Builds (once) the throwaway cgroup-v2 + systemd guest that run.sh boots under QEMU.
#   build-image.sh [CACHE_DIR]      (default /var/cache/swiftlet/cgroup2-vm; needs root)
# Produces in CACHE_DIR: rootfs.ext4 (Debian minbase + systemd + the swiftlet-run unit), vmlinux
# (the uncompressed kernel), initrd.img (when the kernel needs one to find an ext4 root on a virtio
# disk) and stamp. When stamp matches this script's version (a hash of this directory's build
# inputs) and the files exist, it does nothing. Installs the Debian packages it needs when missing.
# Environment: SWIFTLET_VM_MIRROR (default: the Debian mirror in the apt sources),
#              SWIFTLET_VM_SUITE (default bookworm), SWIFTLET_VM_IMAGE_SIZE (default 4G, sparse).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:-/var/cache/swiftlet/cgroup2-vm}
suite=${SWIFTLET_VM_SUITE:-bookworm}
image_size=${SWIFTLET_VM_IMAGE_SIZE:-4G}
log() { echo "build-image: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { log "must run as root (debootstrap, mkfs -d with root-owned files)"; exit 1; }
	exec sudo --preserve-env=SWIFTLET_VM_MIRROR,SWIFTLET_VM_SUITE,SWIFTLET_VM_IMAGE_SIZE "$0" "$@"
fi

# Everything that shapes the image; editing any of it rebuilds.
version=$( (cat "$here/build-image.sh" "$here/extract-vmlinux.sh"; for f in "$here"/guest/*; do echo "== ${f##*/}"; cat "$f"; done; echo "suite=$suite size=$image_size") | sha256sum | cut -c1-16)

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # a concurrent build of the same cache waits, then finds the result up to date

if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$version" ] && [ -s "$cache/rootfs.ext4" ] && [ -s "$cache/vmlinux" ]; then
	log "up to date ($cache, version $version)"
	exit 0
fi

start=$(date +%s)
elapsed() { echo "$(($(date +%s) - start))s"; }

# Host tools (qemu for run.sh; debootstrap and mkfs.ext4 here; decompressors for extract-vmlinux).
need=()
for p in qemu-system-x86 debootstrap e2fsprogs xz-utils zstd lz4 gzip; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The mirror the host's apt already uses (no other network may exist).
mirror=${SWIFTLET_VM_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v "^[[:space:]]*#" |
		grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | grep -v -- '-security' | head -1 | tr -d ' ' || true)
	mirror=${mirror:-http://deb.debian.org/debian}
fi

work=$cache/build
rootfs=$work/rootfs
cleanup() {
	mountpoint -q "$rootfs/proc" 2>/dev/null && umount "$rootfs/proc"
	rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work" "$cache/debs"

log "debootstrap $suite from $mirror (version $version)"
# kmod: modprobe for 9p; udev: loads virtio drivers; procps/iproute2: what tests and demos use;
# lz4: compresses the small initramfs; libseccomp2: the runtime's seccomp support.
debootstrap --variant=minbase --cache-dir="$cache/debs" \
	--include=systemd,systemd-sysv,udev,iproute2,dbus,kmod,procps,linux-image-amd64,lz4,libseccomp2 \
	"$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
	tail -30 "$work/debootstrap.log" >&2
	log "debootstrap failed (full log above was $work/debootstrap.log)"
	exit 1
}
log "debootstrap done after $(elapsed)"

kver=$(find "$rootfs/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)
if [ -z "$kver" ] || [ ! -f "$rootfs/boot/vmlinuz-$kver" ]; then
	log "no kernel installed in the rootfs"
	exit 1
fi

# --- guest configuration -------------------------------------------------------------------
install -m 0755 "$here/guest/swiftlet-guest-run" "$rootfs/usr/local/sbin/swiftlet-guest-run"
install -m 0644 "$here/guest/swiftlet-run.service" "$rootfs/etc/systemd/system/swiftlet-run.service"
install -D -m 0644 "$here/guest/system-slice-cpu.conf" "$rootfs/etc/systemd/system/system.slice.d/10-swiftlet-cpu.conf"
install -D -m 0644 "$here/guest/accounting.conf" "$rootfs/etc/systemd/system.conf.d/10-swiftlet-accounting.conf"
install -D -m 0644 "$here/guest/journald.conf" "$rootfs/etc/systemd/journald.conf.d/10-swiftlet-volatile.conf"
install -D -m 0644 "$here/guest/modprobe-blacklist.conf" "$rootfs/etc/modprobe.d/swiftlet-blacklist.conf"
mkdir -p "$rootfs/etc/systemd/system/multi-user.target.wants" "$rootfs/mnt/work" "$rootfs/mnt/out" "$rootfs/opt/swift"
ln -sf /etc/systemd/system/swiftlet-run.service "$rootfs/etc/systemd/system/multi-user.target.wants/swiftlet-run.service"
echo swiftlet-vm >"$rootfs/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 swiftlet-vm\n::1 localhost\n' >"$rootfs/etc/hosts"
echo '/dev/vda / ext4 rw,noatime 0 1' >"$rootfs/etc/fstab"
# A fixed machine id: not a "first boot" (systemd-firstboot would prompt on the console).
tr -d - </proc/sys/kernel/random/uuid >"$rootfs/etc/machine-id"
chroot "$rootfs" passwd -d root >/dev/null # console login for debugging; the guest has no network
# Units with nothing to do in a network-less, throwaway guest, each of which costs emulated seconds.
# (fuse, loop and dm_mod still load on demand when a test opens their device.)
for u in systemd-firstboot.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer systemd-timesyncd.service getty@tty1.service \
	modprobe@drm.service modprobe@efi_pstore.service modprobe@fuse.service modprobe@loop.service \
	modprobe@dm_mod.service; do
	ln -sf /dev/null "$rootfs/etc/systemd/system/$u"
done

# Drop what a test guest never uses: docs, locales, package caches, drivers for real hardware.
rm -rf "$rootfs"/usr/share/{doc,man,info,locale}/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
	"$rootfs"/var/lib/apt/lists/*_Packages
mods=$rootfs/lib/modules/$kver/kernel
rm -rf "$mods"/sound "$mods"/drivers/{gpu,media,infiniband,staging,bluetooth,iio,isdn,hwmon,mmc,usb,input/touchscreen} \
	"$mods"/drivers/net/{wireless,ethernet,usb,can} "$mods"/net/{bluetooth,wireless,mac80211}
chroot "$rootfs" depmod -a "$kver"

# An initramfs only when the kernel can't mount an ext4 root on a virtio disk by itself.
config=$rootfs/boot/config-$kver
rm -f "$cache/initrd.img.new"
if grep -qx 'CONFIG_VIRTIO_BLK=y' "$config" && grep -qx 'CONFIG_VIRTIO_PCI=y' "$config" && grep -qx 'CONFIG_EXT4_FS=y' "$config"; then
	log "kernel $kver has virtio-blk and ext4 built in: no initramfs"
else
	install -m 0644 "$here/guest/initramfs-modules" "$rootfs/etc/initramfs-tools/modules"
	install -m 0644 "$here/guest/initramfs.conf" "$rootfs/etc/initramfs-tools/conf.d/swiftlet.conf"
	mount -t proc proc "$rootfs/proc"
	chroot "$rootfs" update-initramfs -d -k "$kver" >/dev/null 2>&1 || true
	chroot "$rootfs" update-initramfs -c -k "$kver" >"$work/initramfs.log" 2>&1 || {
		cat "$work/initramfs.log" >&2
		log "update-initramfs failed"
		exit 1
	}
	umount "$rootfs/proc"
	cp "$rootfs/boot/initrd.img-$kver" "$cache/initrd.img.new"
	log "initramfs: $(du -h "$cache/initrd.img.new" | cut -f1)"
fi
"$here/extract-vmlinux.sh" "$rootfs/boot/vmlinuz-$kver" "$cache/vmlinux.new"
rm -f "$rootfs"/boot/{vmlinuz,initrd.img,System.map}-* "$rootfs"/{vmlinuz,initrd.img}{,.old}

log "making the ext4 image ($(du -sh "$rootfs" | cut -f1) of files, $(elapsed) so far)"
rm -f "$cache/rootfs.ext4.new"
truncate -s "$image_size" "$cache/rootfs.ext4.new"
mkfs.ext4 -q -F -L swiftlet-root -d "$rootfs" "$cache/rootfs.ext4.new"

# Readers (run.sh) only ever see a complete set: the stamp goes last, each rename is atomic.
rm -f "$cache/stamp"
mv "$cache/rootfs.ext4.new" "$cache/rootfs.ext4"
mv "$cache/vmlinux.new" "$cache/vmlinux"
if [ -f "$cache/initrd.img.new" ]; then mv "$cache/initrd.img.new" "$cache/initrd.img"; else rm -f "$cache/initrd.img"; fi
echo "$kver" >"$cache/kernel-release"
echo "$version" >"$cache/stamp"
log "built $cache (kernel $kver, version $version) in $(elapsed)"
