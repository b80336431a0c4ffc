"""checkov over the synthesized stacks (tools/checkov_scan.py, in the .venv-scan venv).

The hardened module passes with no failed and no skipped check; every failure of the basic
stacks (module, model-api) is skipped in tools/checkov-skips.yaml with a reason.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .tfplan import ROOT

SCAN_PY = ROOT / ".venv-scan" / "bin" / "python"


@pytest.fixture(scope="module")
def scan(plan_synth_dir: Path) -> dict:
    if not SCAN_PY.exists():
        pytest.skip("no checkov venv: run `make scan-toolchain` (`make test` does)")
    proc = subprocess.run(
        [str(SCAN_PY), str(ROOT / "tools" / "checkov_scan.py"), "--json",
         str(plan_synth_dir / "stacks")], capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), f"checkov_scan.py crashed:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


def _failures(result: dict) -> str:
    return "\n".join(f"  {f['id']} {f['resource']}: {f['name']}" for f in result["failed"])


def test_every_stack_scanned_cleanly(scan):
    assert set(scan) >= {"model-api", "module", "module-hardened"}
    for stack, result in scan.items():
        assert not result["errors"], f"{stack}: checkov errors {result['errors']}"
        assert not result["stale_skips"], f"{stack}: stale skips {result['stale_skips']}"
        assert result["passed"] > 0, f"{stack}: no check ran"


def test_hardened_has_no_failed_check(scan):
    result = scan["module-hardened"]
    assert not result["skipped"], "the hardened module may not skip checks"
    assert not result["failed"], f"module-hardened fails:\n{_failures(result)}"


@pytest.mark.parametrize("stack", ["module", "model-api"])
def test_basic_failures_are_all_skipped_with_reason(scan, stack):
    result = scan[stack]
    assert not result["failed"], (
        f"{stack}: fix these or skip them with a reason in tools/checkov-skips.yaml:\n"
        f"{_failures(result)}")
    assert all(s["reason"].strip() for s in result["skipped"])
