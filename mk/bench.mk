# `make bench`: synth cost, resolver DynamoDB cost vs Amplify, local load; writes bench/REPORT.md.
# Included by the Makefile; uses VENV_PY, INSTALL_STAMP and the `synth` target (the resolver and
# load sections serve the synthesized root stack). BENCH_RUNS=N repeats each measurement N times.

.PHONY: bench

bench: $(INSTALL_STAMP) synth ## Benchmarks (synth, resolvers vs Amplify, local load) -> bench/REPORT.md
	$(VENV_PY) bench/bench.py
