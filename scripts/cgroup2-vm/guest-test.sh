#!/bin/bash
# Runs inside the cgroup-v2 guest (as root, from /mnt/work, via run.sh): checks that the guest is
# a real cgroup-v2 host, runs the package's swift-testing tests that need one, then drives the
# built `swiftlet runtime` end to end (guest-runtime-e2e.sh).
# Environment (forwarded from the host by run.sh):
#   SWIFTLET_CGROUP2_FILTER  swift-testing --filter (default: Cgroup, the runtime's cgroup and OOM tests)
#   SWIFTLET_CGROUP2_CONFIG  build configuration whose binaries to run (default: debug)
#   SWIFTLET_CGROUP2_E2E     0 skips the runtime scenario (default 1)
set -euo pipefail

filter=${SWIFTLET_CGROUP2_FILTER:-Cgroup}
config=${SWIFTLET_CGROUP2_CONFIG:-debug}
fail() { echo "guest-test: $*" >&2; exit 1; }

fstype=$(stat -f -c %T /sys/fs/cgroup)
[ "$fstype" = cgroup2fs ] || fail "/sys/fs/cgroup is $fstype, not cgroup2"
controllers=" $(</sys/fs/cgroup/cgroup.controllers) "
enabled=" $(</sys/fs/cgroup/cgroup.subtree_control) "
for c in cpu memory pids io; do
	case $controllers in *" $c "*) ;; *) fail "controller $c is not available (cgroup.controllers:$controllers)" ;; esac
	case $enabled in *" $c "*) ;; *) fail "controller $c is not enabled at the root (cgroup.subtree_control:$enabled)" ;; esac
done
echo "guest-test: kernel $(uname -r), systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') as PID 1 ($(systemctl is-system-running || true))"
echo "guest-test: cgroup2 controllers:$controllers; enabled at the root:$enabled"

triple=$(uname -m)-unknown-linux-gnu
bin=
for candidate in ".build/$triple/$config/swiftletPackageTests.xctest" ".build/$config/swiftletPackageTests.xctest"; do
	if [ -x "$candidate" ]; then bin=$candidate; break; fi
done
[ -n "$bin" ] || fail "no test binary .build/$triple/$config/swiftletPackageTests.xctest: run \`swift build -c $config --build-tests\` on the host first"

export LD_LIBRARY_PATH=/opt/swift/usr/lib/swift/linux${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export NO_COLOR=1
# run.sh already points TMPDIR at the guest disk; the work tree itself is 9p (no chown, no overlayfs).
TMPDIR=$(mktemp -d "${TMPDIR:-/var/tmp}/swiftlet-tests.XXXXXX")
export TMPDIR

echo "guest-test: $bin --testing-library swift-testing --filter '$filter'"
set +e
"$bin" --testing-library swift-testing --filter "$filter" 2>&1 | tee "$TMPDIR/test-output.log"
rc=${PIPESTATUS[0]}
set -e
# A filter that matches nothing "passes" with zero tests (or exits 69, EX_UNAVAILABLE): never a pass.
summary=$(grep -aE 'Test run with [0-9]+ tests?' "$TMPDIR/test-output.log" | tail -1 || true)
count=$(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' <<<"$summary")
if [ "${count:-0}" = 0 ] && { [ "$rc" = 0 ] || [ "$rc" = 69 ]; }; then
	fail "no test matched --filter '$filter' (exit $rc)"
fi
skipped=$(grep -acE '^[^ ]+ Test .*" skipped(: |\.$)' "$TMPDIR/test-output.log" || true)
echo "guest-test: ${count:-0} tests matched, $skipped skipped (the cgroup v1 host suites skip here by design), exit $rc"
# The real cgroup-v2 suite must run here, never skip: it is why the guest exists.
if grep -aE 'Suite "cgroup v2 driver on a cgroup-v2 host[^"]*" skipped' "$TMPDIR/test-output.log"; then
	fail "the cgroup v2 host suite skipped inside the cgroup-v2 guest"
fi

e2e_rc=0
if [ "${SWIFTLET_CGROUP2_E2E:-1}" != 0 ]; then
	echo "guest-test: swiftlet runtime end to end on cgroup v2 (guest-runtime-e2e.sh)"
	start=$SECONDS
	bash "$(dirname "${BASH_SOURCE[0]}")/guest-runtime-e2e.sh" || e2e_rc=$?
	echo "guest-test: runtime scenario exited $e2e_rc after $((SECONDS - start)) s"
fi
[ "$rc" = 0 ] || exit "$rc"
exit "$e2e_rc"
