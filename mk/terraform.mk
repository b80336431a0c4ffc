# Terraform toolchain (offline), the plan tier's `make plan`, and the checkov scan.
# Included by the Makefile before its `test:` rule; uses VENV_PY, STAMPS, STACKS, SYNTH_OUT.

TF_HOME       := $(STAMPS)/terraform
TF_STAMP      := $(TF_HOME)/stamp
TF_BIN        := $(TF_HOME)/bin/terraform
SCAN_VENV     := .venv-scan
SCAN_STAMP    := $(STAMPS)/scan-venv
# A terraform on PATH (not our own link).
TF_SYSTEM     := $(shell PATH='$(subst $(CURDIR)/$(TF_HOME)/bin:,,$(PATH))' command -v terraform 2>/dev/null)

# Every recipe (and pytest under `make test`) sees the chosen binary and the offline CLI config.
export TERRAFORM          := $(CURDIR)/$(TF_BIN)
export TF_CLI_CONFIG_FILE := $(CURDIR)/$(TF_HOME)/terraformrc
export CHECKPOINT_DISABLE := 1
# Terraform's plugin cache is not safe for concurrent inits (hashicorp/terraform#31964); the
# providers come from local mirrors, so none is used, not even a user's TF_PLUGIN_CACHE_DIR.
export TF_PLUGIN_CACHE_DIR :=

TEST_DEPS += terraform-toolchain scan-toolchain

.PHONY: terraform-toolchain scan-toolchain plan scan

# Redo the setup when the terraform on PATH appears, goes or changes, or TF_EXTRA_PROVIDER_MIRRORS
# does: TF_CHOICE is rewritten (so it gets newer than the stamp) only when what it records
# differs. A mirror that appears elsewhere on the machine is found by `make -B terraform-toolchain`.
TF_CHOICE := $(TF_HOME)/system-terraform
TF_CHOICE_TEXT := $(TF_SYSTEM) $(TF_EXTRA_PROVIDER_MIRRORS)
$(shell mkdir -p $(TF_HOME) && { [ "$$(cat $(TF_CHOICE) 2>/dev/null)" = "$(TF_CHOICE_TEXT)" ] \
	|| echo "$(TF_CHOICE_TEXT)" > $(TF_CHOICE); })

terraform-toolchain: $(TF_STAMP) ## Offline terraform + hashicorp/aws mirror (.make/terraform)

$(TF_STAMP): tools/terraform-toolchain.sh tools/requirements-terraform.txt $(TF_CHOICE) $(TF_SYSTEM)
	tools/terraform-toolchain.sh
	touch $@

# checkov pins its own boto3, PyYAML, ... (conflicting with .venv): it gets a venv of its own.
scan-toolchain: $(SCAN_STAMP)

$(SCAN_STAMP): requirements-scan.txt
	@mkdir -p $(STAMPS)
	test -x $(SCAN_VENV)/bin/python || python3 -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements-scan.txt
	touch $@

plan: $(INSTALL_STAMP) synth terraform-toolchain ## Plan the examples offline, print a summary
	$(VENV_PY) -m tests.plan.tfplan

scan: synth scan-toolchain ## checkov over the synthesized Terraform JSON (skips: tools/checkov-skips.yaml)
	$(SCAN_VENV)/bin/python tools/checkov_scan.py $(STACKS)
