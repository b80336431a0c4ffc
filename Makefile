# Every install step lives here: CI runs `make test` on a fresh machine with only the registries.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV     := .venv
VENV_PY  := $(VENV)/bin/python
NODE_BIN := node_modules/.bin
STAMPS   := .make
INSTALL_STAMP := $(STAMPS)/install
STACKS   := cdktf.out/stacks
SYNTH_OUT := $(STACKS)/model-api/cdk.tf.json
# What a synth reads: a no-op `make synth` when none of these changed.
SYNTH_INPUTS := main.py cdktf.json $(shell find modules templates schema -type f \
	-not -path '*/__pycache__/*' 2>/dev/null)
PYTEST_ARGS ?=

# Node 22 from npm first on PATH: jsii is silent on it (Node 20 prints an end-of-life banner).
export PATH := $(CURDIR)/$(NODE_BIN):$(PATH)
# jsii's bundled kernel uses util.isArray; the warning is noise on every synth.
export NODE_OPTIONS := --no-deprecation

# Fragments add their own targets and append setup targets to TEST_DEPS.
TEST_DEPS :=
include $(sort $(wildcard mk/*.mk))

.PHONY: help install synth test lint clean distclean golden

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

install: $(INSTALL_STAMP) ## Python venv and npm packages, pinned (redone when a pin file changes)

$(STAMPS)/venv: requirements.txt requirements-dev.txt
	@mkdir -p $(STAMPS)
	test -x $(VENV_PY) || python3 -m venv $(VENV)
	$(VENV_PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(INSTALL_STAMP): $(STAMPS)/venv $(STAMPS)/npm
	touch $@

synth: $(SYNTH_OUT) ## Synthesize cdktf.out/ (skipped when no input changed)

$(SYNTH_OUT): $(INSTALL_STAMP) $(SYNTH_INPUTS)
	$(VENV_PY) main.py

test: $(INSTALL_STAMP) lint synth $(TEST_DEPS) ## Lint, then every test tier (codegen, synth, plan, scan, end-to-end)
	$(VENV_PY) -m pytest $(PYTEST_ARGS) tests

lint: $(INSTALL_STAMP) ## ruff over the Python code
	$(VENV)/bin/ruff check .

clean: ## Remove generated output (keeps the installed toolchains)
	rm -rf cdktf.out .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean ## Also remove the venv, node_modules and install stamps
	rm -rf $(VENV) .venv-tf .venv-scan node_modules $(STAMPS)

golden: $(INSTALL_STAMP) ## Rewrite tests/golden/ from the current templates (after an intended change)
	$(VENV_PY) -m tests.codegen.golden --update
