"""The explorer in headless Chromium: type a query, run it, see the result and the docs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import parse

from local.harness import ROOT
from modules.codegen.docs import items

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE = ROOT / "node_modules" / ".bin" / "node"
CHECK = Path(__file__).with_name("explorer_check.js")
TOY = Path(__file__).parent / "fixtures" / "toy.tf.json"


def described(path: str) -> str:
    """The description the toy stack's schema gives the item at `path` (`Query.echo`)."""
    (api,) = json.loads(TOY.read_text())["resource"]["aws_appsync_graphql_api"].values()
    node = dict(items(parse(api["schema"])))[path]
    assert node.description is not None, f"the toy schema describes {path}"
    return node.description.value


def test_explorer_runs_a_typed_query(toy_runtime, tmp_path):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"no Chromium at {CHROMIUM}: `make local-deps` installs Debian's chromium")
    if not (ROOT / "node_modules" / "playwright-core").is_dir():
        pytest.skip("playwright-core is not in node_modules: run `make install`")
    res = subprocess.run(
        [str(NODE), str(CHECK), toy_runtime.explorer, str(tmp_path / "profile"),
         '{ echo(value: "typed-in-the-browser") { value }', "typed-in-the-browser",
         described("Query.echo")],
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
    # Its docs panel shows the schema's descriptions: the Query type's and its fields'.
    assert described("Query") in out["docs"] and described("Query.echo") in out["docs"], out
