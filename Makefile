# Coffer's two set-up commands: `make dev` and `make test`. Both install what a fresh
# machine lacks first.

SYSTEM_PACKAGES := liblmdb-dev lmdb-utils libssl-dev openssl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift
NODES ?= 3
DEV_DIR ?= .coffer-dev

.PHONY: dev test build deps release clean

deps:
	@missing=""; \
	for package in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

dev: build
	./.build/debug/coffer dev --nodes $(NODES) --dir $(DEV_DIR)

# Unit and simulation tests run in parallel; the end-to-end tests, which start real node
# processes, run after them on their own.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip EndToEndTests
	$(SWIFT) test --skip-build --filter EndToEndTests

clean:
	rm -rf .build $(DEV_DIR)
