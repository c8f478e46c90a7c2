#!/bin/bash
# Proves the guest is what the cgroup-v2 tests need (run it with run.sh; exits non-zero otherwise):
# systemd as PID 1, cgroup2 with cpu/io/memory/pids enabled at the root, a memory limit that
# OOM-kills and counts it in memory.events, pids.max that stops forks, and, when given a Swift
# binary (path relative to the work tree), that it runs against the shared /opt/swift runtime.
#   run.sh -- scripts/cgroup2-vm/guest-smoke.sh [SWIFT_BINARY [ARGS...]]
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
show() { echo "\$ $*"; "$@"; }

show uname -r
echo "PID 1: $(cat /proc/1/comm)"
[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is not systemd"
show stat -f -c %T /sys/fs/cgroup
show cat /sys/fs/cgroup/cgroup.controllers
show cat /sys/fs/cgroup/cgroup.subtree_control
for c in cpu io memory pids; do
	grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control || fail "$c is not enabled at the root"
done
show systemctl is-system-running --wait
show cat /proc/self/cgroup

cg=/sys/fs/cgroup/swiftlet-smoke-$$
trap 'rmdir "$cg" 2>/dev/null || true' EXIT
mkdir "$cg"
echo 32M >"$cg/memory.max"
echo 0 >"$cg/memory.swap.max"
echo "memory.max=$(cat "$cg/memory.max"); running a memory hog (tail /dev/zero) in $cg"
set +e
sh -c 'echo $$ >"$1/cgroup.procs" && exec tail /dev/zero' sh "$cg"
status=$?
set -e
echo "hog exit status: $status"
show cat "$cg/memory.events"
[ "$status" = 137 ] || fail "the hog was not SIGKILLed (status $status)"
grep -qx 'oom_kill 1' "$cg/memory.events" || fail "memory.events does not show oom_kill 1"
rmdir "$cg"

mkdir "$cg"
echo 3 >"$cg/pids.max"
set +e
msg=$(sh -c 'echo $$ >"$1/cgroup.procs"; for i in 1 2 3 4 5; do sleep 5 & done; wait' sh "$cg" 2>&1)
set -e
echo "pids.max=3, forking 5 children: ${msg:-no error}"
grep -q '^max [1-9]' "$cg/pids.events" || fail "pids.events shows no refused fork"
show cat "$cg/pids.events"
xargs -r kill <"$cg/cgroup.procs" 2>/dev/null || true
while [ -s "$cg/cgroup.procs" ]; do sleep 0.1; done
rmdir "$cg"

if [ $# -gt 0 ]; then
	export LD_LIBRARY_PATH=/opt/swift/usr/lib/swift/linux
	show "$@"
fi
echo "smoke test passed"
