# sluice developer entry points. `make test` and `make demo` set everything up from a fresh
# clone: the project venv (.venv) and the tool venvs (.tools/sam, .tools/checkov, .tools/awscli) are created
# on first use and reinstalled only when their inputs change (stamp files).
#
#   make test    lint + build + pytest (what CI runs)
#   make lint    ruff, mypy, then every template check (scripts/check_template.py)
#   make build   sam build, then check the built layer is importable on Lambda
#   make demo    run the local demo
#   make bench   run the benchmarks
#   make graphs  redraw the pipeline pictures in docs/graphs/
#   make chaos   the long chaos campaign: 30 runs of random faults on fresh seeds (docs/RELIABILITY.md)
#   make clean   remove build outputs (make distclean also removes the venvs)
#
# See docs/checks.md for what each check does.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

# Pinned tool versions; changing one reinstalls that tool on the next run.
SAM_CLI_VERSION := 1.170.0
CHECKOV_VERSION := 3.3.30
AWSCLI_VERSION := 1.46.2

# Python 3.13 is the Lambda runtime, so every venv uses it: pyenv's newest 3.13.x when pyenv
# has one (called by path, so pyenv's shims need not be on PATH), else python3.13, else python3.
PYTHON313 := $(shell \
  version=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.13(\.[0-9]+)?$$' | sort -V | tail -n 1); \
  if [ -n "$$version" ]; then echo "$$(pyenv root)/versions/$$version/bin/python3"; \
  elif python3.13 -c '' >/dev/null 2>&1; then echo python3.13; \
  else echo python3; fi)

VENV := .venv
VENV_STAMP := $(VENV)/.sluice-installed
SAM_VENV := .tools/sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed-aws-sam-cli-$(SAM_CLI_VERSION)
CHECKOV_VENV := .tools/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-checkov-$(CHECKOV_VERSION)
AWSCLI_VENV := .tools/awscli
AWSCLI_STAMP := $(AWSCLI_VENV)/.installed-awscli-$(AWSCLI_VERSION)

# -qq: pip's per-package warnings about this machine's index configuration drown the log.
PIP_INSTALL := -m pip install -qq

# Python trees that exist and hold Python files (mypy refuses a directory with none).
PY_PATHS := $(foreach dir,src layers/runtime/python functions scripts tests benchmarks,\
  $(if $(shell find $(dir) -name '*.py' -print -quit 2>/dev/null),$(dir)))

# Tests run on every core (pytest-xdist); PYTEST_ARGS= (empty) runs them in one process. loadgroup
# hands tests out one at a time, in the order tests/conftest.py sorts them (slow ones first), so
# the long tests start at once on every worker; a module sharing one `sluice up` process names an
# xdist_group and stays on one worker. --no-loadscope-reorder keeps that order.
PYTEST_ARGS ?= -n auto --dist loadgroup --no-loadscope-reorder

# $(call timed,PHASE,COMMAND): run COMMAND and print how long it took, so a slower phase shows.
timed = start=$$SECONDS; $(2); echo "make: $(1) took $$((SECONDS - start)) s"

# SAM CLI: no telemetry prompt or upload, no update check.
export SAM_CLI_TELEMETRY := 0
export SAM_CLI_DISABLE_UPDATE_CHECK := 1

.PHONY: all venv tools lint build test demo bench chaos clean distclean graphviz chromium nodejs graphs

all: test

# ---------------------------------------------------------------- environments
venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON313) -m venv $(VENV)
	$(VENV)/bin/python $(PIP_INSTALL) -e '.[dev]'
	touch $@

tools: $(SAM_STAMP) $(CHECKOV_STAMP) $(AWSCLI_STAMP)

# Each tool gets its own venv: SAM CLI and checkov pin dependencies (boto3 ...) that clash
# with each other and with the project's.
$(SAM_STAMP):
	test -x $(SAM_VENV)/bin/python || $(PYTHON313) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python $(PIP_INSTALL) 'aws-sam-cli==$(SAM_CLI_VERSION)'
	touch $@

$(CHECKOV_STAMP):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON313) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python $(PIP_INSTALL) 'checkov==$(CHECKOV_VERSION)'
	touch $@

# The AWS CLI a newcomer points at `sluice up` (tests/local/test_cli_up_awscli.py drives it).
$(AWSCLI_STAMP):
	test -x $(AWSCLI_VENV)/bin/python || $(PYTHON313) -m venv $(AWSCLI_VENV)
	$(AWSCLI_VENV)/bin/python $(PIP_INSTALL) 'awscli==$(AWSCLI_VERSION)'
	touch $@

# ---------------------------------------------------------------- checks
lint: venv tools
	@$(call timed,ruff,$(VENV)/bin/ruff check .)
	@$(call timed,mypy,$(VENV)/bin/mypy $(PY_PATHS))
	@$(call timed,template checks,$(VENV)/bin/python -m scripts.check_template template.yaml)
	@$(call timed,sluice lint,$(VENV)/bin/sluice lint --quiet)

# sam build runs `python3.13 -m pip` for the layer's requirements (arm64 wheels); the SAM
# venv's own Python 3.13 serves, so the build does not depend on pyenv's global version.
build: venv tools
	@$(call timed,sam build,PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(SAM) build --template template.yaml)
	@$(call timed,layer check,$(VENV)/bin/python -m scripts.check_layer_build template.yaml --build-dir .aws-sam/build)

# PYTHONDONTWRITEBYTECODE (set on some machines) would make every pytest worker and every
# `sluice`/script subprocess compile the editable `sluice` package from source again, and pytest
# re-rewrite the asserts of each plugin's package (sluice, hypothesis) on every start: a warm run
# keeps those caches (__pycache__/ is git-ignored).
test: lint build graphviz chromium nodejs
	@$(call timed,pytest,env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest $(PYTEST_ARGS))

# $(call debian,COMMAND,PACKAGE): install Debian's PACKAGE unless COMMAND is already on the PATH.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
debian = command -v $(1) >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(2); }

# Graphviz's `dot` draws `sluice graph`'s SVG and PNG (docs/adr/0006).
graphviz:
	@$(call debian,dot,graphviz)

# Headless Chromium opens the HTML execution report in tests/report/ (what a browser renders).
chromium:
	@$(call debian,chromium,chromium)

# Node.js functions run on the machine's node (docs/adr/0016): Debian's (18.19) when there is none.
nodejs:
	@$(call debian,node,nodejs)

# Redraw docs/graphs/ from template.yaml (tests/graph/test_docs_graphs.py checks they are current).
graphs: venv graphviz
	$(VENV)/bin/python -m scripts.render_graphs

# ---------------------------------------------------------------- running
demo: venv
	$(VENV)/bin/sluice demo

# A fresh seed each time (printed first): seeds the project never chose. CHAOS_ARGS adds e.g. --seed.
CHAOS_RUNS ?= 30
chaos: venv
	$(VENV)/bin/sluice chaos --runs $(CHAOS_RUNS) $(CHAOS_ARGS)

bench: venv
	@test -f benchmarks/__main__.py || { echo "benchmarks/__main__.py does not exist: no benchmarks to run" >&2; exit 1; }
	$(VENV)/bin/python -m benchmarks

# ---------------------------------------------------------------- housekeeping
clean:
	rm -rf .aws-sam build .pytest_cache .mypy_cache .ruff_cache .hypothesis

distclean: clean
	rm -rf $(VENV) .tools
