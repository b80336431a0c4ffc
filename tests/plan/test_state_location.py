"""Terraform itself, run where `cdktf deploy` runs it (the stack directory), writes the root
stack's state to state/<stack>/ beside cdktf.out/, not into the output a synth replaces.

The synthesized backend block with one output and no resources: apply needs no provider and no
network, so this runs wherever Terraform does.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import load_stack

from .tfplan import Skip, terraform_binary


def test_apply_in_the_stack_directory_writes_state_outside_the_output(synth_dir, tmp_path):
    try:
        binary = terraform_binary()
    except Skip as skip:
        pytest.skip(str(skip))
    backend = load_stack(synth_dir, "model-api")["terraform"]["backend"]
    if "local" not in backend:
        pytest.skip(f"the settings choose a {', '.join(backend)} backend: nothing local to check")
    stack_dir = tmp_path / "cdktf.out" / "stacks" / "model-api"
    stack_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text(json.dumps({
        "terraform": {"backend": backend}, "output": {"marker": {"value": "kept"}}}))
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    env.pop("TF_CLI_CONFIG_FILE", None)  # no provider to install
    for args in (["init", "-no-color"], ["apply", "-auto-approve", "-no-color"]):
        run = subprocess.run([binary, *args], cwd=stack_dir, env=env, capture_output=True,
                             text=True)
        assert run.returncode == 0, run.stdout + run.stderr
    state = tmp_path / "state" / "model-api" / "terraform.tfstate"
    assert state.is_file(), sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert json.loads(state.read_text())["outputs"]["marker"]["value"] == "kept"
    assert not list(stack_dir.glob("terraform.tfstate*"))
