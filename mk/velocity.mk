# Velocity 1.7 parse check (tests/synth/test_velocity.py, and the local runtime at start):
# Debian's `velocity` package and a Java runtime. Included by the Makefile; uses STAMPS.

VELOCITY_JAR   := /usr/share/java/velocity-1.7.jar
VELOCITY_STAMP := $(STAMPS)/velocity

TEST_DEPS += velocity-deps

.PHONY: velocity-deps

velocity-deps: $(VELOCITY_STAMP) ## Debian's velocity (1.7) + Java for the template parse check

# As root (CI, containers) apt-get installs them; elsewhere the check skips and says why.
$(VELOCITY_STAMP):
	@mkdir -p $(STAMPS)
	@if [ -f $(VELOCITY_JAR) ] && command -v java >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends velocity default-jre-headless; \
	else echo "velocity-deps: not root, velocity/java not installed (the Velocity 1.7 check will skip)"; fi
	touch $@
