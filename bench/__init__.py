"""`make bench`: synth, resolver and load benchmarks (see bench/bench.py)."""
