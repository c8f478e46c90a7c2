# Real cgroup-v2 tests in a throwaway QEMU guest with systemd as PID 1 (scripts/cgroup2-vm/README.md).
# Included from the top-level Makefile, whose SWIFT and CONFIG variables (and build-tests target,
# which runs `$(SWIFT) build -c $(CONFIG) --build-tests`) it uses.
#   make test-cgroup2                                  the runtime's cgroup and OOM tests (filter Cgroup)
#   make test-cgroup2 SWIFTLET_CGROUP2_FILTER=Oom      another swift-testing filter
#   make cgroup2-vm-image                              only build (or confirm) the cached guest image
#   make cgroup2-vm-smoke                              prove the guest: controllers, OOM kill, pids.max
# The image (~370 MB plus a ~110 MB .deb cache, built once in about 2 min) lives outside the repository in CGROUP2_VM_CACHE.
CGROUP2_VM_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
CGROUP2_VM_CACHE ?= /var/cache/swiftlet/cgroup2-vm
# Seconds the tests may run inside the guest (boot and poweroff come on top).
CGROUP2_VM_TIMEOUT ?= 1200
SWIFTLET_CGROUP2_FILTER ?= Cgroup
# The target that builds the test binary; override if the including Makefile names it differently.
CGROUP2_TESTS_PREREQ ?= build-tests
CGROUP2_VM_SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: test-cgroup2 cgroup2-vm-image cgroup2-vm-smoke

cgroup2-vm-image:
	$(CGROUP2_VM_SUDO) $(CGROUP2_VM_DIR)/build-image.sh $(CGROUP2_VM_CACHE)

test-cgroup2: $(CGROUP2_TESTS_PREREQ) cgroup2-vm-image
	$(CGROUP2_VM_DIR)/run.sh --cache $(CGROUP2_VM_CACHE) --timeout $(CGROUP2_VM_TIMEOUT) \
	  --env 'SWIFTLET_CGROUP2_FILTER=$(SWIFTLET_CGROUP2_FILTER)' --env 'SWIFTLET_CGROUP2_CONFIG=$(CONFIG)' \
	  -- $(CGROUP2_VM_DIR)/guest-test.sh

cgroup2-vm-smoke: cgroup2-vm-image
	$(CGROUP2_VM_DIR)/run.sh --cache $(CGROUP2_VM_CACHE) --timeout 300 -- $(CGROUP2_VM_DIR)/guest-smoke.sh
