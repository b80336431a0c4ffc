#!/usr/bin/env python
"""checkov over the synthesized stacks, with reasoned skips and no silent gaps.

Run with the checkov venv (`make scan`): python tools/checkov_scan.py cdktf.out/stacks

Why not the plain `checkov -f cdk.tf.json --framework terraform_json` CLI:
- checkov's terraform_json runner ignores inline suppressions (`checkov:skip=` inside a "//"
  comment is never read: checked on 3.3.30), so skips live in tools/checkov-skips.yaml, one
  reason per check and stack, and are applied here per resource;
- checkov 3.3.30 crashes on a JSON `dynamic` block (it iterates the parser's line-number keys):
  the API's own checks (CKV_AWS_193/194) and the whole graph of the stack are silently
  dropped. `_patch_dynamic_blocks` skips those keys; any check that still errors fails the scan;
- a skip that no longer matches a failure fails the scan, so the list cannot go stale.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import re
import sys
from pathlib import Path

import yaml
from checkov.common.util.consts import LINE_FIELD_NAMES
from checkov.runner_filter import RunnerFilter
from checkov.terraform import parser_functions
from checkov.terraform_json.runner import TerraformJsonRunner

SKIPS = Path(__file__).with_name("checkov-skips.yaml")


def _patch_dynamic_blocks() -> None:
    original = parser_functions.process_dynamic_values

    def process_dynamic_values(conf):
        for element in conf.get("dynamic", []) if isinstance(conf.get("dynamic"), list) else []:
            if isinstance(element, dict):
                for key in LINE_FIELD_NAMES & element.keys():
                    del element[key]
        return original(conf)

    parser_functions.process_dynamic_values = process_dynamic_values


class _Errors(logging.Handler):
    """Collects checkov's ERROR records ("Failed to run check ...") and failed graph blocks."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR or message.startswith("Failed to add block"):
            self.messages.append(message.splitlines()[0][:200])


def _address(doc: dict, lines: list[str], record) -> str:
    """checkov names terraform_json resources "resource.<name>"; give back "<type>.<name>"."""
    name = record.resource.split(".", 1)[-1]
    types = [t for t, blocks in doc.get("resource", {}).items() if name in blocks]
    if len(types) > 1:  # the same name under two types: the nearest type key above the block
        start = record.file_line_range[0] - 1
        above = (re.match(r'\s*"([a-z0-9_]+)": \{', line) for line in reversed(lines[:start]))
        types = [next(m.group(1) for m in above if m and m.group(1) in types)]
    return f"{types[0]}.{name}" if len(types) == 1 else record.resource


def scan_stack(path: Path, skips: list[dict]) -> dict:
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        report = TerraformJsonRunner().run(
            root_folder=None, files=[str(path)],
            runner_filter=RunnerFilter(framework=["terraform_json"], show_progress_bar=False,
                                       download_external_modules=False))
    finally:
        logging.getLogger().removeHandler(errors)
    text = path.read_text()
    doc, lines = json.loads(text), text.splitlines()
    failed, skipped, used = [], [], set()
    for record in report.failed_checks:
        entry = {"id": record.check_id, "name": record.check_name,
                 "resource": _address(doc, lines, record),
                 "lines": "-".join(map(str, record.file_line_range))}
        for index, skip in enumerate(skips):
            if skip["id"] == entry["id"] and fnmatch.fnmatch(
                    entry["resource"], skip.get("resource", "*")):
                skipped.append({**entry, "reason": skip["reason"]})
                used.add(index)
                break
        else:
            failed.append(entry)
    return {
        "passed": len(report.passed_checks), "failed": failed, "skipped": skipped,
        "stale_skips": [s for i, s in enumerate(skips) if i not in used],
        "errors": errors.messages + [str(e) for e in report.parsing_errors],
    }


def _flat(entries: list) -> list[dict]:
    """A YAML alias of another stack's list shows up as a nested list: splice it in."""
    return [skip for entry in entries for skip in (entry if isinstance(entry, list) else [entry])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks", type=Path, help="cdktf.out/stacks")
    parser.add_argument("--skips", type=Path, default=SKIPS)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # checkov's tracebacks: counted, not printed
    _patch_dynamic_blocks()
    skips = yaml.safe_load(args.skips.read_text()) or {}
    files = sorted(args.stacks.glob("*/cdk.tf.json"))
    if not files:
        print(f"no */cdk.tf.json under {args.stacks}: run `make synth`", file=sys.stderr)
        return 2
    results = {f.parent.name: scan_stack(f, _flat(skips.get(f.parent.name) or [])) for f in files}
    if args.json:
        print(json.dumps(results, indent=2))
    bad = 0
    for stack, res in results.items():
        bad += len(res["failed"]) + len(res["stale_skips"]) + len(res["errors"])
        if args.json:
            continue
        print(f"{stack}: passed {res['passed']}, failed {len(res['failed'])}, "
              f"skipped {len(res['skipped'])}")
        for item in res["failed"]:
            print(f"  FAILED  {item['id']} {item['resource']} (lines {item['lines']}): "
                  f"{item['name']}")
        for item in res["skipped"]:
            print(f"  skipped {item['id']} {item['resource']}: {item['reason']}")
        for item in res["stale_skips"]:
            print(f"  STALE SKIP {item['id']} {item.get('resource', '*')}: matches no failure; "
                  f"remove it from {args.skips.name}")
        for message in res["errors"]:
            print(f"  CHECKOV ERROR {message}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
