# madoguchi — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-slow bench lint install system-deps clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium and a CJK font for the browser tests and the rich-menu image.
# Installed only when running as root; otherwise the browser tests skip and say how.
system-deps:
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi 'noto.*cjk'; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "installing chromium and fonts-noto-cjk with apt-get"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >/dev/null \
		|| (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >/dev/null); \
	else echo "note: chromium or a CJK font is missing; browser tests will skip (sudo apt-get install chromium fonts-noto-cjk)"; fi

run: $(STAMP)
	$(BIN)/madoguchi db upgrade
	$(BIN)/madoguchi kb load-demo --if-empty
	$(BIN)/madoguchi train --if-missing
	$(BIN)/madoguchi serve --host $(HOST) --port $(PORT)

test: $(STAMP) system-deps
	$(BIN)/ruff check madoguchi tests
	$(BIN)/python -m pytest -q -x --durations=10

test-slow: $(STAMP) system-deps
	$(BIN)/python -m pytest -q -m slow -x --durations=10

bench: $(STAMP)
	BENCH_DATABASE_URL=$${BENCH_DATABASE_URL:-$${TEST_DATABASE_URL:-}} $(BIN)/python -m madoguchi.bench

lint: $(STAMP)
	$(BIN)/ruff check madoguchi tests

clean:
	rm -rf $(VENV) var .pytest_cache
