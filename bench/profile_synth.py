"""Profile one cold synth of main.py in this process: time per phase and the jsii traffic.

jsii runs the construct tree in a Node child: every construct, property and synth step is a
JSON request over a pipe. cProfile sees that only as time blocked on the pipe, so this counts
the requests by kind and splits their time into "waiting for Node" and Python-side encoding.
Prints one JSON object. Run with CDKTF_OUTDIR pointing at a scratch directory.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

phases: dict[str, float] = {}
calls: Counter[str] = Counter()
seconds: Counter[str] = Counter()  # time per jsii request kind, Python encoding included
wait = {"node": 0.0}


def timed(name: str, fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0
    return out


def patch_jsii() -> None:
    from jsii._kernel.providers import process

    send, next_message = process._NodeProcess.send, process._NodeProcess._next_message

    def counted_send(self, request, response_type):
        kind = type(request).__name__.removesuffix("Request")
        calls[kind] += 1
        t0 = time.perf_counter()
        try:
            return send(self, request, response_type)
        finally:
            seconds[kind] += time.perf_counter() - t0

    def timed_next(self):
        t0 = time.perf_counter()
        try:
            return next_message(self)
        finally:
            wait["node"] += time.perf_counter() - t0

    process._NodeProcess.send = counted_send
    process._NodeProcess._next_message = timed_next


def main() -> None:
    start = time.perf_counter()
    import main as app_main

    settings = timed("settings + schema parse/render check", app_main.load_settings)
    schema = timed("settings + schema parse/render check", app_main.load_schema, settings)
    patch_jsii()
    timed("import cdktf", __import__, "cdktf")  # starts the Node process, loads cdktf's assembly
    load_before = seconds["Load"]
    timed("import the AWS provider (modules.aws)", __import__, "modules.aws")
    provider_load = seconds["Load"] - load_before  # Node loading the provider's assembly
    calls.clear()
    seconds.clear()
    wait.update(node=0.0)

    import cdktf

    synth, portable = cdktf.App.synth, app_main._make_portable
    cdktf.App.synth = lambda self: timed("app.synth() (jsii: validate + write JSON)", synth, self)
    app_main._make_portable = lambda out: timed("post-process JSON (_make_portable)", portable, out)
    outdir = Path(__import__("os").environ["CDKTF_OUTDIR"]).resolve()
    t0 = time.perf_counter()
    app_main.synth(settings, schema, outdir)
    construct = time.perf_counter() - t0 - sum(
        v for k, v in phases.items() if k.startswith(("app.synth", "post-process")))
    phases["build the construct tree (3 stacks)"] = construct
    print(json.dumps({
        "total": time.perf_counter() - start, "phases": phases,
        "provider_assembly_load": provider_load,
        "provider_modules": sum(m.startswith("cdktf_cdktf_provider_aws") for m in sys.modules),
        "jsii_requests": dict(calls.most_common()), "jsii_wait_node": wait["node"],
        "jsii_total": sum(seconds.values()),
    }))


if __name__ == "__main__":
    main()
