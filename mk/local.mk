# Local runtime: `make local` serves the synthesized API on loopback with AWS's AppSync simulator
# over moto's DynamoDB (local/run.py). Included by the Makefile; uses VENV_PY, STAMPS, SYNTH_OUT.

LOCAL_STACK   ?= $(SYNTH_OUT)
LOCAL_PORT    ?= 20002
LOCAL_API_KEY ?= local-dev-key
LOCAL_DATA_DIR ?=
CHROMIUM_STAMP := $(STAMPS)/chromium

TEST_DEPS += local-deps

.PHONY: local local-deps

local: synth ## Serve the API on loopback: GraphQL, explorer, DynamoDB cost stats (Ctrl-C stops)
	$(VENV_PY) local/run.py --stack $(LOCAL_STACK) --port $(LOCAL_PORT) --api-key $(LOCAL_API_KEY) \
		$(if $(LOCAL_DATA_DIR),--data-dir "$(LOCAL_DATA_DIR)")

local-deps: $(CHROMIUM_STAMP) ## Debian's chromium for the explorer's browser test

# As root (CI, containers) apt-get installs it; elsewhere the browser test skips and says why.
$(CHROMIUM_STAMP):
	@mkdir -p $(STAMPS)
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium; \
	else echo "local-deps: not root, chromium not installed (the explorer test will skip)"; fi
	touch $@
