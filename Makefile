# Two commands for a newcomer: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
PORT ?= 5005
# The web chat tests drive Debian's chromium; it is installed when missing.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test install install-test model lint bench clean

run: $(STAMP_RUN) model
	$(BIN)/bot run --enable-api -m models -p $(PORT)

test: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

install: $(STAMP_RUN)
install-test: $(STAMP_TEST)

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Destek needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

# torch first and pinned: the CPU build; an unpinned torch would pull a multi-GB GPU build.
$(STAMP_TEST): pyproject.toml $(STAMP_RUN) | $(CHROMIUM)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

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

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache results
