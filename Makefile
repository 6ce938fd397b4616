# Two commands for a newcomer: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
# Exact versions of everything installed, refreshed on purpose with `make lock`.
LOCK_RUN := requirements.txt
LOCK_TEST := requirements-test.txt
PIP_VERSION := 26.3
PIP_TOOLS := pip-tools==7.7.0
PORT ?= 5005
# The web chat tests drive Debian's chromium; it is installed when missing.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test install install-test model lint lock bench fuzz clean

run: $(STAMP_RUN) model
	$(BIN)/bot run --enable-api -m models -p $(PORT)

test: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

install: $(STAMP_RUN)
install-test: $(STAMP_TEST)

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Destek needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION)

# The lock first, then Destek itself without resolving anything again.
$(STAMP_RUN): $(LOCK_RUN) pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r $(LOCK_RUN)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# The test lock pins the CPU build of torch (2.13.0+cpu); PyPI's would be a multi-GB GPU build.
$(STAMP_TEST): $(LOCK_TEST) pyproject.toml | $(VENV)/bin/python $(CHROMIUM)
	$(BIN)/pip install --quiet -r $(LOCK_TEST)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Refresh the lock to today's releases (`make lock KEEP=1` keeps every pin it can and only
# resolves what pyproject.toml changed). Commit the refresh on its own, with `make test` green.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url \
	--no-emit-find-links $(if $(KEEP),,--upgrade)
lock: | $(VENV)/bin/python
	$(BIN)/pip install --quiet $(PIP_TOOLS)
	$(PIP_COMPILE) -o $(LOCK_RUN) pyproject.toml requirements/run.in
	$(PIP_COMPILE) --extra test -o $(LOCK_TEST) pyproject.toml requirements/test.in

# Best effort: without apt-get (or root/sudo) the browser tests say they are skipped,
# and under CI=true they fail.
$(CHROMIUM):
	-$(SUDO) apt-get install -y --no-install-recommends chromium \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium) \
		|| echo "chromium could not be installed: the web chat browser tests will not run"

# Train the default model only when there is none yet.
model: $(STAMP_RUN)
	@ls models/*.tar.gz >/dev/null 2>&1 || $(BIN)/bot train

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP_TEST)
	$(BIN)/python bench/nlu.py

# The fuzz tests of `make test` (tests/fuzz, a few dozen examples a property) with
# thousands: the loaders, the normaliser, the extractors, the PII maskers, the HTTP API.
fuzz: $(STAMP_TEST)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/fuzz --timeout=3600

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache results
