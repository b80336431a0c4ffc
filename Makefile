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
# The committed modules (modules/publish.py) a synth refreshes, with cdktf.out.
MODULE_FILES := $(foreach m,model-api model-api-hardened,terraform/$(m)/main.tf.json \
	terraform/$(m)/README.md)
# The settings a synth reads beside cdktf.json: MODEL_API_CONFIG, its name and its content.
# The stamp is rewritten only when they differ from the last run's, so a changed variable or
# file resynthesizes (and a bad one fails `make synth` with its message) while an unchanged
# one keeps `make synth` a no-op.
SETTINGS_STAMP := $(STAMPS)/settings
# Expanded by Make (not $$MODEL_API_CONFIG): `make synth MODEL_API_CONFIG=...` counts too, and
# Make 4.3 does not pass command-line variables to $(shell).
$(shell mkdir -p $(STAMPS) && { printf 'MODEL_API_CONFIG=%s\n' '$(MODEL_API_CONFIG)'; \
	[ -z '$(MODEL_API_CONFIG)' ] || cat -- '$(MODEL_API_CONFIG)' 2>&1; } > $(SETTINGS_STAMP).new \
	&& { cmp -s $(SETTINGS_STAMP).new $(SETTINGS_STAMP) && rm -f $(SETTINGS_STAMP).new \
	|| mv -f $(SETTINGS_STAMP).new $(SETTINGS_STAMP); })
# What a synth reads: a no-op `make synth` when none of these changed.
SYNTH_INPUTS := main.py cdktf.json $(SETTINGS_STAMP) $(shell find modules templates schema \
	-type f -not -path '*/__pycache__/*' 2>/dev/null)
PYTEST_ARGS ?=
# pytest-xdist workers for `make test` (auto: one per CPU; 0: a single process). Tests that
# share a session fixture stay on one worker (tests/conftest.py groups them).
PYTEST_WORKERS ?= auto

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

synth: $(SYNTH_OUT) ## Synthesize cdktf.out/ and refresh terraform/ (skipped when no input or setting changed)

$(SYNTH_OUT) $(MODULE_FILES) &: $(INSTALL_STAMP) $(SYNTH_INPUTS)
	$(VENV_PY) main.py
# main.py replaces them only once the whole synth succeeded: a failed synth must not make
# .DELETE_ON_ERROR remove the committed modules (Make 4.3 deletes grouped targets it never
# checked).
.PRECIOUS: $(SYNTH_OUT) $(MODULE_FILES)

test: $(INSTALL_STAMP) lint synth $(TEST_DEPS) ## Lint, then every test tier (codegen, synth, plan, scan, end-to-end)
	$(VENV_PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS) tests

lint: $(INSTALL_STAMP) ## ruff over the Python code
	$(VENV)/bin/ruff check .

# Terraform state lives in state/ (never removed here); each stack's .terraform/, lock file and
# any state left in a stack directory are Terraform's, not generated output: kept, as a synth
# keeps them.
clean: ## Remove generated output (keeps state/, Terraform's working files and the toolchains)
	[ ! -d cdktf.out ] || find cdktf.out -depth -mindepth 1 -not -path '*/.terraform/*' \
		-not -name .terraform -not -name .terraform.lock.hcl -not -name 'terraform.tfstate*' \
		-not -path '*/terraform.tfstate.d/*' \
		\( -type d -empty -delete -o -not -type d -delete \)
	[ ! -d cdktf.out ] || find cdktf.out -depth -type d -empty -delete
	rm -rf .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean ## Also remove the venv, node_modules and install stamps
	rm -rf $(VENV) .venv-tf .venv-scan node_modules $(STAMPS)

golden: $(INSTALL_STAMP) ## Rewrite tests/golden/ from the current templates (after an intended change)
	$(VENV_PY) -m tests.codegen.golden --update
