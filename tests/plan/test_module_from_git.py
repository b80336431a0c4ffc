"""A platform team's root configuration, outside the repository, pins the committed module from
git (`git::<url>//terraform/model-api?ref=<tag>`) and plans offline: no Python, Node or synth
on the consumer's side. The repository is a bare clone of this checkout, tagged at HEAD, so
what is planned is what is committed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import tftest

from modules.publish import PUBLISH_DIR

from .tfplan import (
    EC2_PLATFORMS,
    OFFLINE_PROVIDER,
    ROOT,
    Skip,
    cli_config,
    fmt,
    mirrored_versions,
    satisfies,
    terraform_binary,
    terraform_version,
)

FOLDER = "model-api"
TAG = "module-test"


def git(*args: str, cwd=ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture(scope="module")
def consumer_plan(tmp_path_factory) -> tuple[dict, dict]:
    """(plan JSON, the committed module's JSON at the tag)."""
    try:
        binary, config = terraform_binary(), cli_config()
    except Skip as skip:
        pytest.skip(str(skip))
    if shutil.which("git") is None:
        pytest.skip("no git on PATH: terraform fetches git:: sources with it")
    env = {"TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1",
           "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    tf_version = terraform_version(binary, {**os.environ, **env})
    if tf_version < (1, 9):
        pytest.skip(f"terraform {fmt(tf_version)}: the module's cross-variable validations "
                    "need >= 1.9 (the plan tier's fallback drops them; a consumer cannot)")
    try:
        head = git("rev-parse", "HEAD")
    except subprocess.CalledProcessError as err:
        pytest.skip(f"not a git checkout: {err.stderr.strip()}")
    try:
        module = json.loads(git("show", f"HEAD:{PUBLISH_DIR}/{FOLDER}/main.tf.json"))
    except subprocess.CalledProcessError:
        pytest.fail(f"{PUBLISH_DIR}/{FOLDER}/main.tf.json is not committed: run `make synth` "
                    f"and commit {PUBLISH_DIR}/", pytrace=False)
    floor = module["terraform"]["required_providers"]["aws"]["version"]
    fitting = [v for v in mirrored_versions(config) if satisfies(v, floor)]
    if not fitting:
        pytest.skip(f"no installed hashicorp/aws satisfies the module's {floor}")

    tmp = tmp_path_factory.mktemp("consumer")
    repo = tmp / "model-api.git"
    git("clone", "--quiet", "--bare", str(ROOT), str(repo))
    git("tag", TAG, head, cwd=repo)
    root = tmp / "platform"
    root.mkdir()
    source = f"git::file://{repo}//{PUBLISH_DIR}/{FOLDER}?ref={TAG}"
    (root / "main.tf").write_text(
        'module "model_api" {\n'
        f'  source      = "{source}"\n'
        '  name_prefix = "team-ml"\n'
        '}\n\n'
        'output "graphql_url" {\n  value = module.model_api.appsync_graphql_url\n}\n')
    (root / "provider.tf").write_text(
        OFFLINE_PROVIDER % ('  region                      = "eu-west-1"\n'
                            + (EC2_PLATFORMS if fitting[0] < (5,) else ""))
        + 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n')
    tf = tftest.TerraformTest(str(root), binary=binary, env=env)
    try:
        tf.setup(cleanup_on_exit=False)
        plan = tf.plan(output=True)
    except tftest.TerraformTestError as err:
        detail = err.args[1] if len(err.args) > 1 and err.args[1] else err.args[0]
        pytest.fail(f"{source}: terraform failed:\n{detail}", pytrace=False)
    # The module came from the tag in the clone, not from this working tree.
    modules = json.loads((root / ".terraform" / "modules" / "modules.json").read_text())
    assert any(m.get("Source") == source for m in modules["Modules"]), modules
    return plan._raw, module


def test_every_unconditional_resource_of_the_committed_module_is_planned(consumer_plan):
    raw, module = consumer_plan
    planned = {(c["type"], c["name"]) for c in raw["resource_changes"]
               if c.get("module_address") == "module.model_api"
               and "create" in c["change"]["actions"]}
    declared = {(rtype, name): body for rtype, blocks in module["resource"].items()
                for name, body in blocks.items()}
    assert planned <= set(declared), sorted(planned - set(declared))
    always = {key for key, body in declared.items() if "count" not in body
              and "for_each" not in body}
    assert always <= planned, f"not planned: {sorted(always - planned)}"


def test_the_consumer_inputs_reach_the_module(consumer_plan):
    raw, _ = consumer_plan
    apis = [c["change"]["after"] for c in raw["resource_changes"]
            if c["type"] == "aws_appsync_graphql_api"]
    assert [api["name"] for api in apis] == ["team-ml-api"]
    assert "graphql_url" in raw["planned_values"]["outputs"] or \
        "graphql_url" in raw.get("output_changes", {})
