# Real cgroup-v2 tests in a throwaway QEMU guest with systemd as PID 1 (scripts/cgroup2-vm/README.md).
# Included from the top-level Makefile, whose SWIFT and CONFIG variables (and build-tests target,
# which runs `$(SWIFT) build -c $(CONFIG) --build-tests`) it uses.
#   make test-cgroup2                                  the runtime's cgroup and OOM tests (filter Cgroup)
#   make test-cgroup2 SWIFTLET_CGROUP2_FILTER=Oom      another swift-testing filter
#   make cgroup2-vm-image                              only build (or confirm) the cached guest image
#   make cgroup2-vm-smoke                              prove the guest: controllers, OOM kill, pids.max
#   make test-cgroup2 SWIFTLET_CGROUP2_E2E=0           only the tests, without the swiftlet runtime scenario
# After the tests, the guest runs `swiftlet runtime` end to end (guest-runtime-e2e.sh) on a busybox
# bundle; the guest has neither busybox nor runc, so its inputs are prepared here in CGROUP2_GUEST_PREP.
# The image (~370 MB plus a ~110 MB .deb cache, built once in about 2 min) lives outside the repository in CGROUP2_VM_CACHE.
CGROUP2_VM_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
CGROUP2_VM_CACHE ?= /var/cache/swiftlet/cgroup2-vm
# Seconds the tests may run inside the guest (boot and poweroff come on top).
CGROUP2_VM_TIMEOUT ?= 1200
SWIFTLET_CGROUP2_FILTER ?= Cgroup
SWIFTLET_CGROUP2_E2E ?= 1
CGROUP2_GUEST_PREP := .build/cgroup2-guest
CGROUP2_GUEST_INPUTS := $(CGROUP2_GUEST_PREP)/busybox $(CGROUP2_GUEST_PREP)/config.json
# The target that builds the test binary; override if the including Makefile names it differently.
CGROUP2_TESTS_PREREQ ?= build-tests
CGROUP2_VM_SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: test-cgroup2 cgroup2-vm-image cgroup2-vm-smoke

cgroup2-vm-image:
	$(CGROUP2_VM_SUDO) $(CGROUP2_VM_DIR)/build-image.sh $(CGROUP2_VM_CACHE)

test-cgroup2: $(CGROUP2_TESTS_PREREQ) cgroup2-vm-image $(CGROUP2_GUEST_INPUTS)
	$(CGROUP2_VM_DIR)/run.sh --cache $(CGROUP2_VM_CACHE) --timeout $(CGROUP2_VM_TIMEOUT) \
	  --env 'SWIFTLET_CGROUP2_FILTER=$(SWIFTLET_CGROUP2_FILTER)' --env 'SWIFTLET_CGROUP2_CONFIG=$(CONFIG)' \
	  --env 'SWIFTLET_CGROUP2_E2E=$(SWIFTLET_CGROUP2_E2E)' \
	  -- $(CGROUP2_VM_DIR)/guest-test.sh

# The container rootfs needs a static busybox (Debian's busybox-static): the guest has no libraries to lend it.
$(CGROUP2_GUEST_PREP)/busybox: /bin/busybox
	@if ldd /bin/busybox >/dev/null 2>&1; then echo "/bin/busybox is dynamically linked: install busybox-static" >&2; exit 1; fi
	mkdir -p $(@D) && cp /bin/busybox $@.tmp && mv $@.tmp $@

# The bundle template: `runc spec` output, edited per scenario in the guest.
$(CGROUP2_GUEST_PREP)/config.json:
	@command -v runc >/dev/null || { echo "runc is missing: install runc (make deps)" >&2; exit 1; }
	mkdir -p $(@D) && d=$$(mktemp -d) && runc spec --bundle $$d && mv $$d/config.json $@ && rmdir $$d

cgroup2-vm-smoke: cgroup2-vm-image
	$(CGROUP2_VM_DIR)/run.sh --cache $(CGROUP2_VM_CACHE) --timeout 300 -- $(CGROUP2_VM_DIR)/guest-smoke.sh
