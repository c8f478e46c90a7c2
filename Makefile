# swiftlet: two commands for a fresh Debian machine, as root:
#   make run    installs what it needs, builds, starts a node (standalone agent for now)
#   make test   installs what it needs, builds, runs every test
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= debug
BIN := .build/$(CONFIG)/swiftlet
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Debian packages the build and the tests need (checked one by one, installed only when missing).
#   libsystemd-dev, libseccomp-dev, pkg-config: build; systemd: journald and systemd-analyze for tests;
#   busybox-static: test root filesystems; runc, crun: spec fixtures and the runtime benchmark peers;
#   python3: benchmark drivers; iproute2: network namespaces in tests; zlib1g-dev, libzstd-dev:
#   layer decompression; gzip, zstd, umoci, skopeo: test images (umoci, skopeo: also the image
#   benchmark's peers); docker-registry, apache2-utils (htpasswd): a real registry on loopback for
#   the registry client's tests; libssl-dev: OpenSSL's libcrypto for SHA-256/SHA-512 of blobs and
#   layers (SHA-NI/AVX2, several times faster than Swift code); containernetworking-plugins,
#   iptables: pod networking (CNI bridge, host-local, portmap, loopback); curl: reaching pods in
#   tests and `make run`.
DEB_PACKAGES := libsystemd-dev libseccomp-dev pkg-config systemd util-linux busybox-static runc crun python3 iproute2 \
	zlib1g-dev libzstd-dev libssl-dev gzip zstd umoci skopeo docker-registry apache2-utils \
	containernetworking-plugins iptables curl

.PHONY: all deps build build-tests test test-unit run install bench bench-runtime bench-startup bench-images bench-pods bench-probes clean buildinfo

all: build

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "make deps: all Debian packages present"; fi

# Records the git commit and toolchain for `swiftlet version`; rewritten only when it changes.
buildinfo:
	@commit=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown); \
	if [ -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$$commit-dirty"; fi; \
	swiftv=$$($(SWIFT) --version 2>/dev/null | grep -o 'Swift version [^ ]*' | head -1 | sed 's/Swift version //'); \
	printf '#define SWIFTLET_GIT_COMMIT "%s"\n#define SWIFTLET_SWIFT_VERSION "%s"\n' "$$commit" "$$swiftv" > Sources/CBuildInfo/generated.h.new; \
	if cmp -s Sources/CBuildInfo/generated.h.new Sources/CBuildInfo/generated.h; then rm Sources/CBuildInfo/generated.h.new; \
	else mv Sources/CBuildInfo/generated.h.new Sources/CBuildInfo/generated.h; fi

build: deps buildinfo
	$(SWIFT) build -c $(CONFIG)

build-tests: build
	$(SWIFT) build -c $(CONFIG) --build-tests

# Every test: the suite on this host (cgroup v1 here), then the cgroup tests again in a
# throwaway cgroup-v2 guest with systemd as PID 1 (scripts/cgroup2-vm).
test: test-unit test-cgroup2

# Three runs, so that tests which block a thread (process waits, the end-to-end tests' polling)
# cannot starve the two-thread cooperative pool that the HTTPS server's and the prober's
# time-bounded tests run on.
test-unit: build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build --disable-xctest --skip 'SwiftletE2ETests|AgentServer|Probe'
	$(SWIFT) test -c $(CONFIG) --skip-build --disable-xctest --filter 'AgentServer|Probe'
	$(SWIFT) test -c $(CONFIG) --skip-build --disable-xctest --filter 'SwiftletE2ETests'

include scripts/cgroup2-vm/cgroup2.mk

# A one-node swiftlet on config/: the agent with static pods from config/manifests and pod
# networking from config/cni, the example's image built from busybox-static and imported.
# Prints how to reach the example pod; Ctrl-C stops the agent and removes the pod.
run: build
	@echo "swiftlet: starting a one-node swiftlet with config/swiftlet.yaml (Ctrl-C to stop the agent)"
	$(SUDO) scripts/run-node.sh $(BIN)

install: build
	$(SUDO) install -D -m 0755 $(BIN) /usr/local/bin/swiftlet
	$(SUDO) install -D -m 0755 .build/$(CONFIG)/swiftlet-monitor /usr/local/bin/swiftlet-monitor
	$(SUDO) install -D -m 0644 systemd/swiftlet.service /etc/systemd/system/swiftlet.service
	$(SUDO) install -d -m 0755 /etc/swiftlet/manifests
	@if [ -z "$$(ls /etc/cni/net.d 2>/dev/null)" ]; then \
	  $(SUDO) install -D -m 0644 config/cni/10-swiftlet.conflist /etc/cni/net.d/10-swiftlet.conflist; fi
	@if [ ! -e /etc/swiftlet/config.yaml ]; then \
	  sed 's#^staticPodPath:.*#staticPodPath: /etc/swiftlet/manifests#' config/swiftlet.yaml | $(SUDO) install -m 0644 /dev/stdin /etc/swiftlet/config.yaml; fi

# Benchmarks (release build): agent start-up, the runtime against runc and crun, image pull +
# unpack against skopeo + umoci, and pods on the agent.
bench: bench-startup bench-runtime bench-images bench-pods bench-probes

bench-startup:
	$(MAKE) CONFIG=release build
	bench/startup.sh .build/release/swiftlet

bench-runtime:
	$(MAKE) CONFIG=release build
	python3 bench/runtime.py .build/release/swiftlet 100

bench-images:
	$(MAKE) CONFIG=release build
	python3 bench/images.py .build/release/swiftlet 5

bench-pods:
	$(MAKE) CONFIG=release build
	python3 bench/pods.py .build/release/swiftlet 100

bench-probes:
	$(MAKE) CONFIG=release build
	python3 bench/probes.py .build/release/swiftlet 100

clean:
	rm -rf .build Sources/CBuildInfo/generated.h
