# Two commands: `make lab` opens the course in JupyterLab (in your own workspace/); `make test` runs every test.
# `make check` is the quick tier (lint, unit, property and notebook tests; no browser, no hub, no cohort runs).
# All create the virtual environment in .venv on first use (and again when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
LAB_PORT ?= 8888
LAB_ARGS ?=
WORKSPACE ?= workspace
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
HUB_TOOLS := .hub-tools
PROXY := $(HUB_TOOLS)/node_modules/.bin/configurable-http-proxy
BROWSER_TOOLS := .browser-tools
AXE := $(BROWSER_TOOLS)/node_modules/axe-core/axe.min.js
CHROMIUM := /usr/bin/chromium
BWRAP := /usr/bin/bwrap

.PHONY: lab test check lint build clean hub-tools browser-tools

$(STAMP): pyproject.toml jupyter-config/kap_course.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@# An editable install skips the package's data files: switch on the course's server extension by hand.
	install -D -m 0644 jupyter-config/kap_course.json $(VENV)/etc/jupyter/jupyter_server_config.d/kap_course.json
	touch $(STAMP)

# The trainee's JupyterLab, opening on the start page of their own workspace (git-ignored; made and
# brought up to date from modules/ by `course workspace`, which never overwrites their work), with the
# trainee's Lab settings of deploy/lab/ (no formgrader, course list or Create Assignment panel).
lab: $(STAMP)
	$(VENV)/bin/course workspace $(WORKSPACE)
	JUPYTER_CONFIG_PATH=$(CURDIR)/deploy/lab$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH)) \
	  $(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	  --ServerApp.root_dir=$(abspath $(WORKSPACE)) --LabApp.default_url=/lab/tree/start-here.ipynb \
	  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate $(ROOT_FLAG) $(LAB_ARGS)

test: $(STAMP) hub-tools browser-tools $(CHROMIUM) $(BWRAP) lint
	$(PY) -m pytest

check: $(STAMP) lint
	$(PY) -m pytest tests solutions --ignore=tests/browser --ignore=tests/hub --ignore=tests/cohort -m "not cycle"

lint: $(STAMP)
	$(VENV)/bin/ruff check course tests benchmarks deploy
	$(VENV)/bin/ruff format --check course tests benchmarks deploy

build: $(STAMP)
	$(VENV)/bin/course build

# configurable-http-proxy from npm, for the JupyterHub test (tests/hub/), in the git-ignored .hub-tools/;
# the version deploy/vm/bootstrap.sh installs (4.x runs on the Node.js 18 that Debian 12 ships; 5.x needs 20).
hub-tools: $(PROXY)

$(PROXY):
	npm install --prefix $(HUB_TOOLS) --no-audit --no-fund --loglevel=error configurable-http-proxy@4.6.3

# axe-core from npm, for the accessibility checks of the browser tests (tests/browser/axe.py), in the
# git-ignored .browser-tools/.
browser-tools: $(AXE)

$(AXE):
	npm install --prefix $(BROWSER_TOOLS) --no-audit --no-fund --loglevel=error axe-core@4.14.1

# Debian's Chromium, for the browser tests (tests/browser/): Playwright cannot download its own browser here.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	elif command -v sudo >/dev/null 2>&1; then \
	  sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else echo "make test: the browser tests need Chromium at $(CHROMIUM). Install it as root" \
	  "('apt-get install -y chromium' on Debian), then run make test again." >&2; exit 1; fi
	@test -x $(CHROMIUM) || { echo "make test: installing chromium did not provide $(CHROMIUM)." >&2; exit 1; }

# Debian's bubblewrap, the sandbox that graded kernels run in (course/cohort/sandbox.py; tests/cohort/).
$(BWRAP):
	@if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y bubblewrap; \
	elif command -v sudo >/dev/null 2>&1; then \
	  sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y bubblewrap; \
	else echo "make test: grading needs bubblewrap at $(BWRAP). Install it as root" \
	  "('apt-get install -y bubblewrap' on Debian), then run make test again." >&2; exit 1; fi
	@test -x $(BWRAP) || { echo "make test: installing bubblewrap did not provide $(BWRAP)." >&2; exit 1; }

clean:
	rm -rf $(VENV) $(HUB_TOOLS) $(BROWSER_TOOLS) .pytest_cache .hypothesis
