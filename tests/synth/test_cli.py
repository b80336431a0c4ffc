"""Synthesizing outside make: `python main.py` and the pinned cdktf CLI, right after install.

Each runs one synth into a temporary output (CDKTF_OUTDIR / --output), never cdktf.out/.
"""

from __future__ import annotations

import json
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
           if k not in ("NODE_OPTIONS", "CDKTF_OUTDIR", "MODEL_API_CONFIG", "TERRAFORM",
                        "CHECKPOINT_DISABLE")}
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


LAUNCHER = "tools/cdktf-bin.js"


def cdktf_synth_errors(command: list[str], out) -> list[str]:
    """[ERROR] lines of `<command> synth` in a user's shell: no CHECKPOINT_DISABLE set (cdktf
    logs its failed checkpoint call as [ERROR] on a machine without network access)."""
    env = plain_env()
    config = ROOT / ".make" / "terraform" / "terraformrc"
    if config.is_file():  # else terraform warns about a CLI config named but missing
        env["TF_CLI_CONFIG_FILE"] = str(config)
    else:
        env.pop("TF_CLI_CONFIG_FILE", None)
    run = subprocess.run([*command, "synth", "--output", str(out)], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for stack in ("model-api", "module", "module-hardened"):
        assert (out / "stacks" / stack / "cdk.tf.json").is_file(), stack
    return [line for line in output.splitlines() if "[ERROR]" in line]


def test_the_launcher_turns_the_checkpoint_off(tmp_path):
    """What npm's postinstall (package.json) writes to node_modules/.bin/cdktf, tried on a
    scratch node_modules holding the installed cdktf-cli."""
    cli = ROOT / "node_modules" / "cdktf-cli"
    if not cli.is_dir():
        pytest.skip("node_modules/cdktf-cli missing: run `make install`")
    scripts = json.loads((ROOT / "package.json").read_text()).get("scripts", {})
    assert scripts.get("postinstall") == f"node {LAUNCHER}"
    modules = tmp_path / "node_modules"
    (modules / ".bin").mkdir(parents=True)
    (modules / "cdktf-cli").symlink_to(cli)
    (modules / ".bin" / "cdktf").symlink_to("../cdktf-cli/bundle/bin/cdktf")  # as npm links it
    subprocess.run(["node", str(ROOT / LAUNCHER), str(modules)], check=True, env=plain_env())
    assert not (modules / ".bin" / "cdktf").is_symlink()
    assert (cli / "bundle" / "bin" / "cdktf").read_text().startswith("#!/usr/bin/env node")
    errors = cdktf_synth_errors([str(modules / ".bin" / "cdktf")], tmp_path / "out")
    assert not errors, "\n".join(errors)


def test_npx_cdktf_synth_has_no_error_lines(tmp_path):
    """`npx cdktf synth` right after `make install`: the pinned CLI, its checkpoint off."""
    launcher = ROOT / "node_modules" / ".bin" / "cdktf"
    if not launcher.exists():
        pytest.skip("node_modules/.bin/cdktf missing: run `make install` (package.json pins "
                    "cdktf-cli)")
    if launcher.is_symlink():
        pytest.skip(f"node_modules/.bin/cdktf predates {LAUNCHER} (npm's postinstall): run "
                    "`make install`")
    errors = cdktf_synth_errors(["npx", "--no-install", "cdktf"], tmp_path / "out")
    assert not errors, "\n".join(errors)
