"""The explorer in headless Chromium: type a query, run it, see the result."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from local.harness import ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE = ROOT / "node_modules" / ".bin" / "node"
CHECK = Path(__file__).with_name("explorer_check.js")


def test_explorer_runs_a_typed_query(toy_runtime, tmp_path):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"no Chromium at {CHROMIUM}: `make local-deps` installs Debian's chromium")
    if not (ROOT / "node_modules" / "playwright-core").is_dir():
        pytest.skip("playwright-core is not in node_modules: run `make install`")
    res = subprocess.run(
        [str(NODE), str(CHECK), toy_runtime.explorer, str(tmp_path / "profile"),
         '{ echo(value: "typed-in-the-browser") { value }', "typed-in-the-browser"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
        env={**os.environ, "CHROMIUM": CHROMIUM},
    )
    lines = res.stdout.strip().splitlines()
    assert lines, f"no output from the browser check: {res.stderr[-2000:]}"
    out = json.loads(lines[-1])
    assert out["ok"], out
    # The pane's text is CodeMirror's rendering of the JSON answer, not exact JSON.
    assert '"echo"' in out["result"] and '"value": "typed-in-the-browser"' in out["result"]
    assert out["offHostRequests"] == []  # the explorer loads nothing from the internet
