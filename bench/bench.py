"""`make bench`: measure synth cost, resolver cost and local throughput; write bench/REPORT.md.

Every measurement is repeated BENCH_RUNS times (default 3) in this one invocation and reported as
min/median/max. Nothing here asserts a time: times depend on the machine. Sections that need
something missing (the local runtime) print why they were skipped instead of failing.

    .venv/bin/python bench/bench.py [--only synth|resolvers]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import gen_schema  # noqa: E402 - needs the path above when run as a script

PY = str(ROOT / ".venv" / "bin" / "python")
RUNS = max(1, int(os.environ.get("BENCH_RUNS", "3")))
REPORT = ROOT / "bench" / "REPORT.md"
SIZES = (5, 25, 100)
PAGE = os.sysconf("SC_PAGE_SIZE")


def synth_env(**extra: str) -> dict[str, str]:
    """What the Makefile gives a synth: Node 22 first on PATH, no deprecation noise."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MODEL_API_CONFIG", "CDKTF_OUTDIR", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    env["NODE_OPTIONS"] = "--no-deprecation"
    return {**env, **extra}


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants (jsii's Node child counts too)."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError):
            continue
        todo += parents.get(pid, [])
    return total


def measure(cmd: list[str], env: dict[str, str]) -> dict:
    """Run cmd once: wall seconds, peak RSS of the process tree (sampled every 20 ms, the sum
    over processes alive together) and the largest single process (from wait4's rusage)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak, done = 0, threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(proc.pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
    return {"wall": wall, "tree_rss": peak, "max_rss": usage.ru_maxrss * 1024}


def series(cmd: list[str], env: dict[str, str], outdir: bool = True, check=None) -> list[dict]:
    """RUNS cold runs, each a fresh process writing into a fresh scratch CDKTF_OUTDIR."""
    out = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            run_env = {**env, "CDKTF_OUTDIR": f"{tmp}/cdktf.out"} if outdir else env
            args = [a.replace("{out}", f"{tmp}/cdktf.out") for a in cmd]
            result = measure(args, run_env)
            if check:
                result.update(check(Path(tmp) / "cdktf.out"))
            out.append(result)
    return out


def mmm(values: list[float], fmt: str = "{:.2f}") -> str:
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def resources(outdir: Path) -> dict:
    doc = json.loads((outdir / "stacks" / "model-api" / "cdk.tf.json").read_text())
    res = doc.get("resource", {})
    count = lambda kind: len([k for k in res.get(kind, {}) if k != "//"])  # noqa: E731
    return {"resolvers": count("aws_appsync_resolver"), "functions": count("aws_appsync_function"),
            "tables": count("aws_dynamodb_table"),
            "resources": sum(len([k for k in v if k != "//"]) for v in res.values())}


def row(label: str, runs: list[dict], ratio_to: float | None = None, extra: str = "") -> str:
    walls = [r["wall"] for r in runs]
    ratio = f"{med(runs, 'wall') / ratio_to:.2f}x" if ratio_to else "-"
    return (f"| {label} | {mmm(walls)} | {mmm([r['tree_rss'] / 2**20 for r in runs], '{:.0f}')} "
            f"| {med(runs, 'max_rss') / 2**20:.0f} | {ratio} |{extra}")


def synth_section() -> list[str]:
    env = synth_env()
    main_py = [PY, str(ROOT / "main.py")]
    print(f"synth: floor x{RUNS}", file=sys.stderr)
    floor = series([PY, str(ROOT / "bench" / "floor.py"), "{out}"], env)
    print(f"synth: floor, submodule imports x{RUNS}", file=sys.stderr)
    floor_sub = series([PY, str(ROOT / "bench" / "floor.py"), "{out}", "--submodules"], env)
    print(f"synth: default schema x{RUNS}", file=sys.stderr)
    default = series(main_py, env, check=resources)
    base = med(default, "wall")

    # Before/after of modules/aws.py's submodule-only import: same synth, package __init__ run.
    reference = Path(tempfile.mkdtemp(prefix="bench-ref-"))
    subprocess.run(main_py, cwd=ROOT, env={**env, "CDKTF_OUTDIR": str(reference / "o")},
                   check=True, capture_output=True)

    def same_output(out: Path) -> dict:
        diff = subprocess.run(["diff", "-r", "-q", str(reference / "o"), str(out)],
                              capture_output=True)
        return {"identical": diff.returncode == 0}

    print(f"synth: whole provider package x{RUNS}", file=sys.stderr)
    full = series([PY, str(ROOT / "bench" / "synth_full_provider.py")], env, check=same_output)
    subprocess.run(["rm", "-rf", str(reference)], check=False)

    print(f"synth: no-op make synth x{RUNS}", file=sys.stderr)
    make = ["make", "--no-print-directory", "-s", "synth"]
    stale = subprocess.run(["make", "-q", "synth"], cwd=ROOT, env=env).returncode != 0
    if stale:  # inputs changed since the last synth: bring it up to date once, then measure
        warm = subprocess.run(make, cwd=ROOT, env=env, capture_output=True, text=True)
        if warm.returncode:
            raise RuntimeError(f"make synth failed (inputs being edited?):\n{warm.stderr[-2000:]}")
    noop = series(make, env, outdir=False)

    scaled = {}
    with tempfile.TemporaryDirectory(prefix="bench-schemas-") as tmp:
        for n in SIZES:
            schema = Path(tmp, f"gen{n}.graphql")
            schema.write_text(gen_schema.schema(n))
            config = Path(tmp, f"gen{n}.json")
            config.write_text(json.dumps({"schema_path": str(schema)}))
            print(f"synth: generated schema, {n} types x{RUNS}", file=sys.stderr)
            scaled[n] = series(main_py, synth_env(MODEL_API_CONFIG=str(config)), check=resources)

    print("synth: profile of one cold synth", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        t0 = time.perf_counter()
        out = subprocess.run([PY, str(ROOT / "bench" / "profile_synth.py")], cwd=ROOT,
                             env={**env, "CDKTF_OUTDIR": f"{tmp}/cdktf.out"}, check=True,
                             capture_output=True, text=True).stdout
        prof_wall = time.perf_counter() - t0
    prof = json.loads(out.strip().splitlines()[-1])

    d = default[0]
    lines = [
        "## Synth",
        "",
        f"Each row: {RUNS} runs, each a fresh process into a fresh scratch CDKTF_OUTDIR (page cache"
        " and `__pycache__` warm, as on a developer machine). Peak RSS (tree) is the sampled sum"
        " over the Python process and jsii's Node child; max RSS is the largest single process.",
        "",
        "| measurement | wall s (min / median / max) | peak RSS tree MB (min / median / max) "
        "| max RSS MB (median) | wall vs floor |",
        "|---|---|---|---|---|",
        row("floor: import cdktf + AWS provider package, synth an empty stack (AwsProvider "
            "only)", floor, med(floor, "wall")),
        row("floor, provider imported as modules/aws.py does (submodules only)", floor_sub,
            med(floor, "wall")),
        row(f"cold synth, default schema ({d['tables']} tables, {d['resolvers']} resolvers, "
            f"{d['functions']} functions, {d['resources']} resources; 3 stacks)", default,
            med(floor, "wall")),
        row("before: same synth with the provider package's `__init__` run "
            f"(output identical: {all(r['identical'] for r in full)})", full, med(floor, "wall")),
        row("no-op `make synth`" + (" (was stale: synthesized once first)" if stale else ""),
            noop, med(floor, "wall")),
        "",
        "Scaling with schema size (generated by `bench/gen_schema.py`: per type a table, an index,"
        " get/list/create/update and a @belongsTo to the previous type).",
        "",
        "| schema | resolvers + functions (resources) | wall s (min / median / max) "
        "| peak RSS tree MB (min / median / max) | max RSS MB (median) | wall vs default |",
        "|---|---|---|---|---|---|",
        row(f"default ({d['tables']} tables)", default, base).replace(
            " | ", f" | {d['resolvers']} + {d['functions']} ({d['resources']}) | ", 1),
    ]
    for n, runs in scaled.items():
        r = runs[0]
        lines.append(row(f"generated, {n} types", runs, base).replace(
            " | ", f" | {r['resolvers']} + {r['functions']} ({r['resources']}) | ", 1))
    lines += ["", *profile_lines(prof, prof_wall, med(floor_sub, "wall"), base,
                                 med(full, "wall"))]
    return lines


def profile_lines(prof: dict, wall: float, floor: float, base: float, full: float) -> list[str]:
    phases = dict(prof["phases"])
    phases["interpreter start-up + exit (unloading modules, stopping Node)"] = wall - prof["total"]
    slowest, slowest_s = max(phases.items(), key=lambda kv: kv[1])
    jsii = prof["jsii_requests"]
    return [
        "### Where a cold synth goes (one profiled run, `bench/profile_synth.py`)",
        "",
        "| phase | seconds |",
        "|---|---|",
        *(f"| {name} | {secs:.2f} |" for name, secs in phases.items()),
        f"| **total (wall)** | **{wall:.2f}** |",
        "",
        f"The construct tree costs {sum(jsii.values())} jsii round-trips to Node "
        f"({', '.join(f'{k} {v}' for k, v in jsii.items())}), {prof['jsii_total']:.2f} s in all, "
        f"{prof['jsii_wait_node']:.2f} s of it waiting for Node.",
        "",
        f"**Slowest part now: {slowest}, {slowest_s:.1f} s of a {wall:.1f} s synth.** The synth "
        f"is {base / floor:.2f}x its floor (cdktf + the provider's submodules + an empty stack), "
        "so what is left is mostly jsii: starting Node, loading the provider's 37 MB assembly "
        f"({prof['provider_assembly_load']:.1f} s) and the round-trips above.",
        "",
        "**What shrank it**: the provider package's `__init__` imports every resource module "
        "(about 1,500); modules/aws.py registers the package bare and imports only the "
        f"submodules used ({prof['provider_modules']} provider modules loaded). The `before` row "
        "is the same "
        f"synth with the `__init__` run: {full:.1f} s against {base:.1f} s now, same output. "
        "**What would shrink it further**: provider bindings generated with `cdktf get` for "
        "just these resources (a smaller assembly for Node to load), and fewer jsii round-trips "
        "(one synth builds three stacks: the root and both modules).",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("synth", "resolvers"))
    args = ap.parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M")
    lines = [
        "# Benchmark report",
        "",
        f"`make bench`, {started}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{RUNS} runs per measurement (env BENCH_RUNS). Times are this machine's; compare ratios."
        + (f" This run measured `{args.only}` only; the other sections are from the last full "
           "run." if args.only else ""),
        "",
    ]
    if args.only in (None, "synth"):
        lines += synth_section() + [""]
    if args.only in (None, "resolvers"):
        from bench import resolvers

        lines += resolvers.section() + [""]
    text = "\n".join(lines)
    if args.only and REPORT.exists():  # keep the other sections of the last full report
        text = merge_sections(REPORT.read_text(), text)
    REPORT.write_text(text)
    update_readme(text)
    print(text)
    return 0


def _sections(text: str) -> tuple[str, dict[str, str]]:
    """(the text before the first `## ` heading, {heading: its section with the heading})."""
    parts = re.split(r"(?m)^(?=## )", text)
    return parts[0], {p.splitlines()[0]: p for p in parts[1:]}


def merge_sections(old: str, new: str) -> str:
    """`old` with each `## ` section that `new` has replaced by new's, and new's header."""
    new_head, fresh = _sections(new)
    _, kept = _sections(old)
    merged = {**kept, **fresh} if kept else fresh
    body = "".join(s if s.endswith("\n") else s + "\n" for s in merged.values())
    return new_head + body


def update_readme(report: str) -> None:
    """Put the full report between the README's bench markers (it shows the latest run)."""
    readme = ROOT / "README.md"
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    text = readme.read_text()
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        body = report.replace("# Benchmark report", "### Latest report", 1)
        readme.write_text(f"{head}{start}\n{body}\n{end}{tail}")


if __name__ == "__main__":
    sys.exit(main())
