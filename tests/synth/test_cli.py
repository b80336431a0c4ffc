"""Synthesizing outside make: `python main.py` and the pinned cdktf CLI, right after install.

Each runs one synth into a temporary output (CDKTF_OUTDIR / --output), never cdktf.out/.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

NODE_BIN = ROOT / "node_modules" / ".bin"


def plain_env() -> dict[str, str]:
    """A user's shell: none of what the Makefile exports (Node 22 first on PATH, NODE_OPTIONS,
    the toolchain's Terraform CLI config)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NODE_OPTIONS", "CDKTF_OUTDIR", "MODEL_API_CONFIG", "TERRAFORM")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if p and os.path.realpath(p) != os.path.realpath(NODE_BIN))
    return env


def test_python_main_outside_make_prints_no_node_banner(tmp_path):
    python = shutil.which("python3", path=plain_env()["PATH"])
    if python is None:
        pytest.skip("no python3 on PATH")
    env = {**plain_env(), "CDKTF_OUTDIR": str(tmp_path / "out")}
    run = subprocess.run([python, "main.py"], cwd=ROOT, env=env, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    output = run.stdout + run.stderr
    assert "end-of-life" not in output and "!!!" not in output, output
    assert (tmp_path / "out" / "stacks" / "model-api" / "cdk.tf.json").is_file()


def test_cdktf_cli_synth_has_no_error_lines(tmp_path):
    if not (NODE_BIN / "cdktf").exists():
        pytest.skip("node_modules/.bin/cdktf missing: run `make install` (package.json pins "
                    "cdktf-cli)")
    env = {**plain_env(), "CHECKPOINT_DISABLE": "1"}  # as the README says (offline machines)
    config = ROOT / ".make" / "terraform" / "terraformrc"
    if config.is_file():  # else terraform warns about a CLI config named but missing
        env["TF_CLI_CONFIG_FILE"] = str(config)
    else:
        env.pop("TF_CLI_CONFIG_FILE", None)
    out = tmp_path / "out"
    run = subprocess.run(["npx", "--no-install", "cdktf", "synth", "--output", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    errors = [line for line in output.splitlines() if "[ERROR]" in line]
    assert not errors, "\n".join(errors)
    for stack in ("model-api", "module", "module-hardened"):
        assert (out / "stacks" / stack / "cdk.tf.json").is_file(), stack
