#!/bin/bash
# Runs a script inside a throwaway cgroup-v2 guest with systemd as PID 1 (QEMU, TCG) and exits
# with the script's exit code. Build the image first with build-image.sh.
usage() {
	cat >&2 <<'EOF'
usage: run.sh [options] -- SCRIPT [ARGS...]
  SCRIPT is a path inside the work tree (relative to it, or absolute under it); inside the guest it
  runs as root from /mnt/work with TMPDIR on the guest disk, /opt/swift shared read-only and the
  host's SWIFTLET_* environment variables (except SWIFTLET_VM_*) set. Its stdout+stderr stream to
  this stdout.
options:
  --cache DIR          image cache made by build-image.sh (default /var/cache/swiftlet/cgroup2-vm)
  --work DIR           host directory shared as /mnt/work (default: the repository root)
  --swift DIR          Swift toolchain shared read-only as /opt/swift (default /opt/swift)
  --timeout SECONDS    time limit for the script inside the guest (default 600); exit 124 when hit
  --boot-timeout SECS  extra time allowed for boot and poweroff before QEMU is killed (default 240)
  --cpus N             vCPUs (default 2)
  --memory MIB         guest RAM in MiB (default 2048)
  --env NAME=VALUE     set a variable for the script (repeatable)
  --console FILE       keep the guest's serial console log in FILE
  --verbose            print the console log even when the run succeeds
  --append ARGS        extra kernel command-line arguments (e.g. loglevel=7 for a debugging boot)
exit status: the script's; 124 on a time limit; 125 when the guest failed before reporting one.
EOF
}
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=/var/cache/swiftlet/cgroup2-vm
work=$(cd "$here/../.." && pwd)
swift=/opt/swift
limit=600
boot_limit=240
cpus=2
memory=2048
console_keep=""
verbose=0
extra_env=()
extra_append=""
while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--swift) swift=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--boot-timeout) boot_limit=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--memory) memory=$2; shift 2 ;;
	--env) extra_env+=("$2"); shift 2 ;;
	--console) console_keep=$2; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--append) extra_append+=" $2"; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "run.sh: unknown option '$1'" >&2; usage; exit 2 ;;
	esac
done
[ $# -ge 1 ] || { usage; exit 2; }
for n in "$limit" "$boot_limit" "$cpus" "$memory"; do
	case $n in '' | *[!0-9]*) echo "run.sh: '$n' is not a whole number" >&2; exit 2 ;; esac
done
say() { echo "cgroup2-vm: $*" >&2; }

work=$(cd "$work" && pwd -P)
script=$1
shift
# The guest finds the script by its path relative to the work share.
if [ -e "$work/$script" ] && [ "${script#/}" = "$script" ]; then
	rel=$script
else
	abs=$(realpath -e -- "$script" 2>/dev/null) || { say "script '$script' not found"; exit 2; }
	case $abs in "$work"/*) rel=${abs#"$work"/} ;; *) say "script $abs is outside the work tree $work (see --work)"; exit 2 ;; esac
fi
case $rel in *[[:space:]]* | *..*) say "script path '$rel' must not contain whitespace or '..' (it travels on the kernel command line)"; exit 2 ;; esac

for f in vmlinux rootfs.ext4 stamp; do
	[ -s "$cache/$f" ] || { say "no image in $cache (missing $f): run scripts/cgroup2-vm/build-image.sh $cache first"; exit 125; }
done
command -v qemu-system-x86_64 >/dev/null || { say "qemu-system-x86_64 is missing: run scripts/cgroup2-vm/build-image.sh (it installs qemu-system-x86)"; exit 125; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/swiftlet-vm.XXXXXX")
out=$tmp/out
console=$tmp/console.log
mkdir "$out"
: >"$console"
qpid=""
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill -TERM "$qpid" 2>/dev/null || true
		for _ in $(seq 1 30); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	if [ -n "$console_keep" ] && [ -f "$console" ]; then cp "$console" "$console_keep" 2>/dev/null || true; fi
	if [ "$verbose" = 1 ] && [ -s "$tmp/qemu.log" ]; then sed "s/^/  qemu: /" "$tmp/qemu.log" >&2; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Arguments and environment travel through the out share (the kernel command line can't quote).
if [ $# -gt 0 ]; then printf '%s\0' "$@" >"$out/args"; else : >"$out/args"; fi
{
	while IFS= read -r name; do
		case $name in SWIFTLET_VM_*) continue ;; SWIFTLET_*) printf 'export %s=%q\n' "$name" "${!name}" ;; esac
	done < <(compgen -e)
	for kv in ${extra_env[@]+"${extra_env[@]}"}; do
		case $kv in [A-Za-z_]*=*) printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}" ;; *) say "--env wants NAME=VALUE, got '$kv'"; exit 2 ;; esac
	done
} >"$out/env"

append="root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 panic=-1 mitigations=off"
append+=" random.trust_cpu=on 8250.nr_uarts=1 loglevel=4 swiftlet.run=1 swiftlet.script=$rel swiftlet.timeout=$limit$extra_append"
shares=(-virtfs "local,path=$work,mount_tag=work,security_model=none,id=work"
	-virtfs "local,path=$out,mount_tag=out,security_model=none,id=out")
if [ -d "$swift" ]; then
	shares+=(-virtfs "local,path=$swift,mount_tag=swift,security_model=none,readonly=on,id=swift")
	append+=" swiftlet.swift=1"
else
	say "note: $swift does not exist; the guest gets no Swift runtime"
fi
# shellcheck disable=SC2054 # the commas are QEMU option syntax
qemu=(qemu-system-x86_64 -name swiftlet-cgroup2-vm
	-accel tcg,thread=multi -cpu max -smp "$cpus" -m "$memory"
	-nographic -nodefaults -no-reboot -monitor none -serial "file:$console"
	-kernel "$cache/vmlinux" -append "$append"
	-drive "file=$cache/rootfs.ext4,format=raw,if=virtio" -snapshot
	-device virtio-rng-pci "${shares[@]}")
[ -s "$cache/initrd.img" ] && qemu+=(-initrd "$cache/initrd.img")

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
secs() { printf '%d.%01d' $(($1 / 1000)) $((($1 % 1000) / 100)); }

say "booting $(cat "$cache/kernel-release" 2>/dev/null || echo guest) under QEMU TCG ($cpus vCPUs, $memory MiB) to run $rel (limit ${limit}s)"
t0=$(now_ms)
# TMPDIR: where QEMU keeps the -snapshot overlay; it goes away with $tmp.
TMPDIR=$tmp "${qemu[@]}" </dev/null >"$tmp/qemu.log" 2>&1 &
qpid=$!

log=$out/output.log
printed=0
# Streams new bytes of the guest's output.log (9p writes land on the host file immediately).
flush_output() {
	local size
	size=$(stat -c %s "$log" 2>/dev/null || echo 0)
	if [ "$size" -gt "$printed" ]; then
		tail -c "+$((printed + 1))" "$log" | head -c "$((size - printed))"
		printed=$size
	fi
}
deadline=$((t0 + (limit + boot_limit) * 1000))
t_start=""
host_timeout=0
while kill -0 "$qpid" 2>/dev/null; do
	if [ -z "$t_start" ] && [ -e "$out/started" ]; then t_start=$(now_ms); fi
	flush_output
	if [ "$(now_ms)" -ge "$deadline" ]; then
		host_timeout=1
		say "QEMU still running after $((limit + boot_limit))s: killing it"
		kill -KILL "$qpid" 2>/dev/null || true
		break
	fi
	sleep 0.2
done
qrc=0
wait "$qpid" || qrc=$?
qpid=""
t_end=$(now_ms)
[ -z "$t_start" ] && [ -e "$out/started" ] && t_start=$t_end
flush_output

rc=125
if [ -s "$out/exit-code" ]; then rc=$(tr -dc 0-9 <"$out/exit-code"); fi
[ -n "$rc" ] || rc=125
if [ -s "$out/exit-code" ] && [ "$host_timeout" = 0 ]; then
	[ "$rc" = 124 ] && say "the script hit its ${limit}s time limit (timeout(1) exits 124)"
else
	[ "$host_timeout" = 1 ] && rc=124
	say "the guest did not report an exit code (QEMU exit status $qrc)"
	verbose=1
fi
if [ "$verbose" = 1 ]; then
	say "last lines of the guest console:"
	tail -n 80 "$console" | sed 's/^/  console: /' >&2
fi

timing="total $(secs $((t_end - t0)))s"
if [ -n "$t_start" ]; then
	guest_up=$(cat "$out/started" 2>/dev/null || true)
	timing="boot to script $(secs $((t_start - t0)))s${guest_up:+ (guest uptime ${guest_up}s)}, script and poweroff $(secs $((t_end - t_start)))s, $timing"
fi
say "$timing; system state '$(cat "$out/system-state" 2>/dev/null || echo unknown)'; exit $rc"
exit "$rc"
