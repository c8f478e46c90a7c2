# swiftlet: two commands for a fresh Debian machine, as root:
#   make run    installs what it needs, builds, starts a node (standalone agent for now)
#   make test   installs what it needs, builds, runs every test
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= debug
BIN := .build/$(CONFIG)/swiftlet
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Debian packages the build and the tests need (checked one by one, installed only when missing).
DEB_PACKAGES := libsystemd-dev libseccomp-dev pkg-config systemd util-linux

.PHONY: all deps build build-tests test run install bench clean buildinfo

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

test: build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build --disable-xctest --parallel

# Starts the agent in standalone mode on config/ (static pods from config/manifests), logging
# logfmt to the terminal. Ctrl-C stops it gracefully.
run: build
	@echo "swiftlet: starting the agent with config/swiftlet.yaml (Ctrl-C to stop)"
	$(SUDO) $(BIN) agent --config config/swiftlet.yaml

install: build
	$(SUDO) install -D -m 0755 $(BIN) /usr/local/bin/swiftlet
	$(SUDO) install -D -m 0644 systemd/swiftlet.service /etc/systemd/system/swiftlet.service
	$(SUDO) install -d -m 0755 /etc/swiftlet/manifests
	@if [ ! -e /etc/swiftlet/config.yaml ]; then \
	  sed 's#^staticPodPath:.*#staticPodPath: /etc/swiftlet/manifests#' config/swiftlet.yaml | $(SUDO) install -m 0644 /dev/stdin /etc/swiftlet/config.yaml; fi

bench:
	$(MAKE) CONFIG=release build
	bench/startup.sh .build/release/swiftlet

clean:
	rm -rf .build Sources/CBuildInfo/generated.h
