#!/bin/bash
# Runs inside the cgroup-v2 guest (guest-test.sh calls it after the Cgroup tests): drives the built
# `swiftlet runtime` end to end on cgroup v2 with a busybox bundle made from `runc spec`:
#   1. `run` with memory.limit 32 MiB and a memory hog exits 137 and leaves no cgroup or state;
#   2. create/start/state/delete of the same bundle: the cgroup holds the init with memory.max set,
#      `state` of the stopped container shows io.swiftlet.oom-killed "true" and memory.events oom_kill 1;
#   3. a pids limit of 8 stops a fork loop (pids.events max counts the refusals), and the eBPF
#      device filter still allows the default devices (/dev/null, /dev/zero) after the bundle's
#      deny-all rule, as runc appends its default allowed devices after a spec's rules.
# Inputs (made on the host by `make test-cgroup2`, see cgroup2.mk; the guest has neither busybox nor runc):
#   .build/cgroup2-guest/busybox      the host's static /bin/busybox
#   .build/cgroup2-guest/config.json  the host's `runc spec` output
# Environment: SWIFTLET_CGROUP2_CONFIG (default debug) picks .build/<triple>/<config>/swiftlet.
set -euo pipefail

config=${SWIFTLET_CGROUP2_CONFIG:-debug}
prep=.build/cgroup2-guest
cgroot=/sys/fs/cgroup
say() { echo "guest-e2e: $*"; }
fail() { echo "guest-e2e: FAIL: $*" >&2; exit 1; }

[ "$(stat -f -c %T $cgroot)" = cgroup2fs ] || fail "$cgroot is not cgroup2"
triple=$(uname -m)-unknown-linux-gnu
bin=
for candidate in ".build/$triple/$config/swiftlet" ".build/$config/swiftlet"; do
	if [ -x "$candidate" ]; then bin=$(realpath "$candidate"); break; fi
done
[ -n "$bin" ] || fail "no .build/$triple/$config/swiftlet: run \`swift build -c $config\` on the host first"
[ -x "$(dirname "$bin")/swiftlet-monitor" ] || fail "swiftlet-monitor is missing next to $bin"
missing=$(ldd "$bin" "$(dirname "$bin")/swiftlet-monitor" | grep 'not found' || true)
[ -z "$missing" ] || fail "shared libraries missing in the guest (LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}):
$missing"
{ [ -s "$prep/busybox" ] && [ -s "$prep/config.json" ]; } ||
	fail "$prep/busybox or $prep/config.json is missing: \`make test-cgroup2\` prepares them on the host"

work=$(mktemp -d "${TMPDIR:-/var/tmp}/swiftlet-e2e.XXXXXX")
state_root=$work/state
ids=()
cleanup() {
	local id
	for id in "${ids[@]}"; do
		"$bin" runtime --root "$state_root" delete --force "$id" >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
rt() { "$bin" runtime --root "$state_root" "$@"; }

# The rootfs lives on the guest disk: the work share is 9p, which ignores chown.
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,proc,dev,sys,tmp,etc}
cp "$prep/busybox" "$rootfs/bin/busybox"
chmod 755 "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
	[ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done
"$rootfs/bin/sh" -c 'exit 0' || fail "the busybox copied from the host does not run here (is it static?)"

# bundle NAME ARGS_JSON RESOURCES_JSON [DEVICES_JSON]: a bundle from the host's `runc spec` with its
# args replaced, no terminal, the rootfs above, RESOURCES_JSON added to linux.resources and, when
# given, DEVICES_JSON in place of runc's device rules (which deny every device).
bundle() {
	local dir=$work/$1 args=$2 resources=$3 devices=${4:-}
	local device_edit=()
	[ -z "$devices" ] || device_edit=(-e '/"devices": \[/,/^\t\t\t\]/c\
			"devices": '"$devices")
	mkdir -p "$dir"
	sed -e 's/"terminal": true/"terminal": false/' \
		-e "s|\"path\": \"rootfs\"|\"path\": \"$rootfs\"|" \
		-e '/"args": \[/,/\]/c\
		"args": '"$args"',' \
		-e 's/"resources": {/"resources": {'"$resources"',/' \
		"${device_edit[@]}" \
		"$prep/config.json" >"$dir/config.json"
	# shellcheck disable=SC2015 # fail exits, so this is if-not-all-then-fail
	grep -q '"terminal": false' "$dir/config.json" && grep -qF "\"args\": $args" "$dir/config.json" &&
		grep -qF "\"resources\": {$resources," "$dir/config.json" && grep -qF "\"path\": \"$rootfs\"" "$dir/config.json" &&
		{ [ -z "$devices" ] || grep -qF "\"devices\": $devices" "$dir/config.json"; } ||
		fail "could not edit $prep/config.json (not \`runc spec\` output?)"
	echo "$dir"
}

# status ID: the container's status from `state`.
status() { rt state "$1" | sed -n 's/^ *"status" *: *"\([a-z]*\)".*/\1/p'; }

# wait_stopped ID SECONDS
wait_stopped() {
	local deadline=$((SECONDS + $2))
	while [ "$(status "$1")" != stopped ]; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# annotation JSON KEY: the value of an annotation in `state` output.
annotation() { sed -n "s/^ *\"$2\" *: *\"\([^\"]*\)\".*/\1/p" <<<"$1"; }

# keyed FILE KEY: the number after KEY in a flat-keyed cgroup file.
keyed() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# shellcheck disable=SC2016 # $x and $i are for the container's shell
hog='["sh", "-c", "x=a; while :; do x=$x$x; done"]'
memory='"memory": {"limit": 33554432, "swap": 33554432}'
oom_bundle=$(bundle oom "$hog" "$memory")

# 1. run: the hog is OOM-killed, run exits 128+SIGKILL and cleans up.
say "run: 32 MiB memory limit, a memory hog"
id=e2e-oom-run
ids+=("$id")
set +e
timeout 120 "$bin" runtime --root "$state_root" run --bundle "$oom_bundle" "$id" >"$work/run.out" 2>&1
rc=$?
set -e
[ "$rc" = 137 ] || fail "runtime run of the hog exited $rc, want 137 (OOM kill); output: $(cat "$work/run.out")"
[ ! -e "$cgroot/swiftlet/$id" ] || fail "run left its cgroup $cgroot/swiftlet/$id behind"
[ ! -e "$state_root/$id" ] || fail "run left its state dir behind"
say "run exited 137 and removed its cgroup and state"

# 2. create/start/state/delete: the stopped container reports the OOM kill.
id=e2e-oom
ids+=("$id")
rt create --bundle "$oom_bundle" "$id" >"$work/create.out" 2>&1 || fail "create: $(cat "$work/create.out")"
cg=$cgroot/swiftlet/$id
[ "$(status "$id")" = created ] || fail "state after create is '$(status "$id")', want created"
[ "$(cat "$cg/memory.max")" = 33554432 ] || fail "$cg/memory.max is '$(cat "$cg/memory.max")', want 33554432"
init=$(rt state "$id" | sed -n 's/^ *"pid" *: *\([0-9]*\).*/\1/p')
grep -qx "$init" "$cg/cgroup.procs" || fail "the init ($init) is not in $cg/cgroup.procs: $(cat "$cg/cgroup.procs")"
grep -q "^0::/swiftlet/$id\$" "/proc/$init/cgroup" || fail "/proc/$init/cgroup: $(cat "/proc/$init/cgroup")"
rt start "$id" || fail "start failed"
wait_stopped "$id" 120 || fail "the hog did not stop within 120 s (state: $(status "$id"))"
state=$(rt state "$id")
[ "$(annotation "$state" io.swiftlet.oom-killed)" = true ] || fail "state of the OOM-killed container lacks io.swiftlet.oom-killed true: $state"
[ "$(annotation "$state" io.swiftlet.exit-signal)" = 9 ] || fail "exit signal is not 9 (SIGKILL): $state"
[ "$(annotation "$state" io.swiftlet.exit-code)" = 137 ] || fail "exit code is not 137: $state"
[ "$(keyed "$cg/memory.events" oom_kill)" = 1 ] || fail "$cg/memory.events: $(cat "$cg/memory.events")"
rt delete "$id" || fail "delete failed"
[ ! -e "$cg" ] || fail "delete left $cg behind"
[ ! -e "$state_root/$id" ] || fail "delete left its state dir behind"
say "create/start: stopped with exit code 137, signal 9, io.swiftlet.oom-killed true, memory.events oom_kill 1; delete removed the cgroup"

# 3. pids limit: the fork loop is refused after 8 tasks. A background job's stdin is /dev/null, so
# the rules allow it (after denying everything, as containerd's specs do); /dev/zero, a default
# device, is allowed again after the spec's rules as runc does. The filter denying a device for real
# is proven by the CgroupV2FullHostTests suite.
# shellcheck disable=SC2016
forks='["sh", "-c", "(echo x > /dev/zero) 2>/dev/null && echo zero-ok; echo x > /dev/null && echo null-ok; i=0; while [ $i -lt 30 ]; do sleep 60 & i=$((i+1)); done; echo forked-all; wait"]'
null_only='[{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
pids_bundle=$(bundle pids "$forks" '"pids": {"limit": 8}' "$null_only")
id=e2e-pids
ids+=("$id")
rt create --bundle "$pids_bundle" "$id" >"$work/pids.out" 2>&1 || fail "create: $(cat "$work/pids.out")"
cg=$cgroot/swiftlet/$id
[ "$(cat "$cg/pids.max")" = 8 ] || fail "$cg/pids.max is '$(cat "$cg/pids.max")', want 8"
rt start "$id" || fail "start failed"
deadline=$((SECONDS + 60))
stopped_at=
until grep -q fork "$work/pids.out"; do
	[ $SECONDS -lt $deadline ] || fail "no fork failure within 60 s; pids.current $(cat "$cg/pids.current"), output: $(cat "$work/pids.out")"
	if [ -z "$stopped_at" ] && [ "$(status "$id")" = stopped ]; then stopped_at=$SECONDS; fi
	# Output may trail the exit a little; a container that stopped without a refused fork is a failure.
	[ -z "$stopped_at" ] || [ $((SECONDS - stopped_at)) -lt 3 ] ||
		fail "the container stopped without a refused fork: $(rt state "$id"); pids.events: $(cat "$cg/pids.events"); output: $(cat "$work/pids.out")"
	sleep 0.2
done
current=$(cat "$cg/pids.current")
refused=$(keyed "$cg/pids.events" max)
[ "$current" -le 8 ] || fail "pids.current $current is above the limit"
[ "${refused:-0}" -ge 1 ] || fail "$cg/pids.events: $(cat "$cg/pids.events"); pids.current $current; state $(status "$id"); output: $(cat "$work/pids.out")"
rt delete --force "$id" || fail "delete --force failed"
[ ! -e "$cg" ] || fail "delete left $cg behind"
grep -q "can't fork" "$work/pids.out" || fail "the shell did not report a refused fork: $(cat "$work/pids.out")"
! grep -q forked-all "$work/pids.out" || fail "all 30 forks succeeded under pids.max 8"
grep -qx null-ok "$work/pids.out" || fail "the device filter denied /dev/null, which the rules allow: $(cat "$work/pids.out")"
grep -qx zero-ok "$work/pids.out" || fail "the device filter denied /dev/zero, a default device runc allows after the spec's rules: $(cat "$work/pids.out")"
! grep -q "can't open '/dev/null'" "$work/pids.out" || fail "a background job could not open /dev/null: $(cat "$work/pids.out")"
say "pids: pids.max 8 refused $refused fork(s) (pids.current $current): $(grep -m1 fork "$work/pids.out"); devices: /dev/null and /dev/zero allowed"
say "all runtime scenarios passed"
