# Coffer's two set-up commands: `make dev` and `make test`. Both install what a fresh
# machine lacks first.

SYSTEM_PACKAGES := liblmdb-dev lmdb-utils libssl-dev openssl
BROWSER_PACKAGES := chromium chromium-driver python3-selenium python3-pytest
BROWSER_TEST := timeout 600 /usr/bin/python3 -m pytest -p no:cacheprovider -v Tests/Browser
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift
NODES ?= 3
DEV_DIR ?= .coffer-dev

.PHONY: dev test build deps browser-deps screenshots release clean

# Installs those of the packages named that this machine lacks (apt-get update first).
define install_missing
	@missing=""; \
	for package in $(1); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_missing,$(SYSTEM_PACKAGES))

# The browser test: headless Chromium and chromedriver, Selenium and pytest, all from Debian,
# run with the system Python that Debian's packages install into.
browser-deps:
	$(call install_missing,$(BROWSER_PACKAGES))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

dev: build
	./.build/debug/coffer dev --nodes $(NODES) --dir $(DEV_DIR)

# Unit and simulation tests run in parallel; the end-to-end tests, which start real node
# processes, run after them on their own; then the console's walk-through in a real browser
# against a real node.
test: deps browser-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip EndToEndTests
	$(SWIFT) test --skip-build --filter EndToEndTests
	$(BROWSER_TEST)

# The console's screenshots in docs/, taken by the browser test as it walks the pages.
screenshots: build browser-deps
	SCREENSHOT_DIR=$(CURDIR)/docs $(BROWSER_TEST)

clean:
	rm -rf .build $(DEV_DIR)
