"""Terraform expressions of the synthesized modules, evaluated by `terraform console`.

Some values are computed by Terraform itself and are unknown in an offline plan (they name the
account) or depend on the clock: the created SageMaker execution role's policy (jsonencode
over the S3 prefix variables) and the API key rotation periods (plantimestamp()). Each is
evaluated here from the module's own JSON, with fixed locals and variables, and compared with
what Python derives from the same settings. No provider, no init: about a second each.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date, datetime, timedelta

import pytest

from modules.api import KEY_CLOCK, KEY_DAY, KEY_PERIODS
from modules.codegen import load
from modules.codegen.ml import http_access
from modules.codegen.render import render
from modules.config import Settings
from modules.inputs import API_ACCOUNT, API_PARTITION, API_REGION, Inputs
from modules.ml import execution_policy, invoke_policy

from .tfplan import ROOT, Skip, terraform_binary

ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    try:
        binary = terraform_binary()
    except Skip as err:
        pytest.skip(str(err))
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"}

    def evaluate(doc: dict, expression: str):
        workdir = tmp_path_factory.mktemp("console")
        (workdir / "main.tf.json").write_text(json.dumps(doc))
        # Piped, the console answers one expression: jsonencode keeps it on one line.
        out = subprocess.run([binary, "console"], input=f"jsonencode({expression})\n",
                             cwd=workdir, env=env, capture_output=True, text=True,
                             check=True).stdout
        lines = [line.removeprefix("o:") for line in out.splitlines() if line.strip()]
        return json.loads(json.loads(lines[-1]))

    return evaluate


def _module_locals(stack: dict, names: list[str]) -> dict:
    return {name: stack["locals"][name] for name in names}


def test_rotation_periods_follow_the_calendar(module_stack, console):
    """Key names for the clock at many dates (leap days, century years, year ends, every day
    of two periods) are the current and previous period of days since 1970-01-01, as Python's
    calendar counts them."""
    rotation = Settings().api_key_rotation_days
    days = [date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1), date(2023, 12, 31),
            date(2100, 2, 28), date(2100, 3, 1), date(2000, 2, 29), date(1999, 3, 1)]
    start = date(2026, 11, 26)
    days += [start + timedelta(n) for n in range(0, 2 * rotation + 1)]
    # The module's own expressions, with its clock made the loop variable: one console run.
    day_expr = module_stack["locals"][KEY_DAY][2:-1].replace(f"local.{KEY_CLOCK}", "c")
    periods_expr = module_stack["locals"][KEY_PERIODS][2:-1].replace(
        f"local.{KEY_DAY}", f"({day_expr})")
    doc = {"variable": {"api_key_rotation_days": {"default": rotation},
                        "clocks": {"default": [f"{d.isoformat()}T23:59:59Z" for d in days]}}}
    got = console(doc, f"[for c in var.clocks : [{day_expr}, {periods_expr}]]")
    for day, (got_day, got_periods) in zip(days, got, strict=True):
        epoch_day = (day - date(1970, 1, 1)).days
        assert got_day == epoch_day, day
        assert got_periods == [f"p{epoch_day // rotation - 1}", f"p{epoch_day // rotation}"], day


def test_keys_overlap_across_a_rotation(module_stack):
    """Consecutive periods share one key: the new one is created while the previous stays."""
    rotation = Settings().api_key_rotation_days
    epoch_day = (date(2026, 11, 26) - date(1970, 1, 1)).days

    def keys(day: int) -> set[str]:
        return {f"p{day // rotation - 1}", f"p{day // rotation}"}

    boundary = (epoch_day // rotation + 1) * rotation
    before, after = keys(boundary - 1), keys(boundary)
    assert len(before & after) == 1 and after - before == {f"p{boundary // rotation}"}
    assert "floor(local.api_key_day / var.api_key_rotation_days)" in (
        module_stack["locals"][KEY_PERIODS])


def test_no_rotation_keeps_one_key(module_stack, console):
    doc = {"variable": {"api_key_rotation_days": {"default": 0}},
           "locals": {**_module_locals(module_stack, [KEY_DAY, KEY_PERIODS]),
                      KEY_CLOCK: datetime(2026, 11, 26).strftime("%Y-%m-%dT%H:%M:%SZ")}}
    assert console(doc, f"local.{KEY_PERIODS}") == ["p0"]


def test_module_execution_policy_equals_the_literal_one(hardened_stack, console):
    """The module's jsonencode over its prefix variables gives the same document as the root
    stack's JSON for the same prefixes (one code path, two renderings)."""
    inputs_, outputs = ["s3://data-bkt/sets/a/", "s3://data-bkt/more/"], ["s3://out-bkt/m/"]
    # ECR entries become pullable repositories; a registry outside ECR none.
    images = ["arn:aws:ecr:us-east-1:123456789012:repository/xgboost",
              "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/", "ghcr.io/x/"]
    settings = Settings(sagemaker_execution_role_create=True,
                        sagemaker_input_s3_prefixes=tuple(inputs_),
                        sagemaker_output_s3_prefixes=tuple(outputs),
                        training_images=tuple(images))
    # The schema's batch predictions widen it (their logs, the artifacts they load).
    batch = "sagemaker:CreateTransformJob" in http_access(
        render(load(ROOT / settings.schema_path), lambda e: e.table)).get("SageMaker", set())
    hosting = any(op.kind == "deploy" for op in load(ROOT / settings.schema_path).operations)
    literal = json.loads(execution_policy(Inputs.literal(settings), batch, hosting).replace(
        f"${{local.{API_ACCOUNT}}}", ACCOUNT))
    policy = hardened_stack["resource"]["aws_iam_role_policy"]["sagemaker_execution"]["policy"]
    doc = {"variable": {"name_prefix": {"default": settings.name_prefix},
                        "sagemaker_input_s3_prefixes": {"default": inputs_},
                        "sagemaker_output_s3_prefixes": {"default": outputs},
                        "training_images": {"default": images}},
           "locals": {API_PARTITION: "aws", API_REGION: "us-east-1", API_ACCOUNT: ACCOUNT,
                      "policy": policy,
                      **_module_locals(hardened_stack, ["training_image_repositories"])}}
    got = console(doc, "jsondecode(local.policy)")
    assert got == literal
    assert [st["Resource"] for st in got["Statement"] if st["Sid"] == "Image"] == [[
        "arn:aws:ecr:us-east-1:123456789012:repository/xgboost",
        "arn:aws:ecr:eu-west-1:123456789012:repository/team/*"]]


@pytest.mark.parametrize("resource, variable, values", [
    ("ds_sagemaker_runtime", "sagemaker_endpoint_names", ["Ep-A", "ep-b"]),
    # deployModelVersion's own endpoints only.
    ("ds_sagemaker_runtime", "sagemaker_endpoint_names", []),
    ("ds_bedrock", "bedrock_model_ids", ["anthropic.x:1", "amazon.y-v2"]),
    # Inference profiles: the profile, and the models it routes to only through it.
    ("ds_bedrock", "bedrock_model_ids", ["anthropic.x:1", "us.anthropic.y:0", "global.z.w:1"]),
])
def test_module_invoke_policies_equal_the_literal_ones(module_stack, console, resource,
                                                       variable, values):
    """predict's roles: the module's jsonencode over the names equals the root's JSON."""
    settings = Settings(**{variable: tuple(values)})
    source = "SageMakerRuntime" if variable == "sagemaker_endpoint_names" else "Bedrock"
    # The actions predict's templates send, as the synth derives them.
    schema = load(ROOT / settings.schema_path)
    actions = http_access(render(schema, lambda e: e.table))[source]
    literal, _ = invoke_policy(Inputs.literal(settings), source, actions, deployed=any(
        op.kind == "deploy" for op in schema.operations))
    expected = json.loads(literal.replace(f"${{local.{API_ACCOUNT}}}", ACCOUNT))
    policy = module_stack["resource"]["aws_iam_role_policy"][resource]["policy"]
    doc = {"variable": {variable: {"default": values},
                        "name_prefix": {"default": settings.name_prefix}},
           "locals": {API_PARTITION: "aws", API_REGION: "us-east-1", API_ACCOUNT: ACCOUNT,
                      "policy": policy}}
    assert console(doc, "jsondecode(local.policy)") == expected


@pytest.mark.parametrize("values", [
    {},
    {"training_network_isolation": False, "training_instance_types": ["ml.g5.xlarge"],
     "training_max_runtime_seconds": 3600},
    {"training_vpc_subnets": ["subnet-0123abcd", "subnet-0456abcd"],
     "training_vpc_security_groups": ["sg-0123abcd"],
     "training_volume_kms_key": "arn:aws:kms:us-east-1:111122223333:key/v",
     "training_output_kms_key": "arn:aws:kms:us-east-1:111122223333:key/o"},
])
def test_module_training_policy_and_conditions_equal_the_literal_ones(module_stack, console,
                                                                     values):
    """The CreateTrainingJob condition block and the policy the resolver reads, from the
    module's variables, equal what Python derives from the same settings."""
    from modules.guardrails import ACTION_LOCALS, conditions, policy_values

    images = ["arn:aws:ecr:us-east-1:123456789012:repository/xgboost",
              "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/"]
    prefixes = {"sagemaker_input_s3_prefixes": ["s3://data-bkt/in/"],
                "sagemaker_output_s3_prefixes": ["s3://data-bkt/out/"]}
    given = {"training_images": images, **prefixes, **values}
    settings = Settings(**{k: tuple(v) if isinstance(v, list) else v for k, v in given.items()})
    variables = {name: {"default": spec.get("default")}
                 for name, spec in module_stack["variable"].items()
                 if name.startswith("training_") or name in prefixes}
    for name, value in given.items():
        variables[name] = {"default": value}
    variables["name_prefix"] = {"default": "mlapi"}
    doc = {"variable": variables,
           "locals": {API_PARTITION: "aws", API_REGION: "us-east-1", API_ACCOUNT: ACCOUNT,
                      **_module_locals(module_stack, ["training_policy",
                                                      "training_iam_condition_rows",
                                                      "training_iam_condition",
                                                      *ACTION_LOCALS.values()])}}
    assert console(doc, "local.training_iam_condition") == conditions(settings)
    assert console(doc, "jsondecode(local.training_policy)") == policy_values(settings)
    # Batch predictions' create actions: the rows on their keys (and the API's own models).
    models = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model/mlapi--*"
    for action, local in ACTION_LOCALS.items():
        assert console(doc, f"local.{local}") == conditions(settings, action, models), action


@pytest.mark.parametrize("uri", ["s3://preds-bkt/", "s3://preds-bkt/team/outputs/", ""])
def test_module_s3_policy_and_endpoint_equal_the_literal_ones(module_stack, console, uri):
    """predict's S3 source: the module's endpoint, policy and its count, from
    var.prediction_output_uri, equal what Python derives for the root stack."""
    from modules.ml import s3_endpoint, store_policy

    settings = Settings(prediction_output_uri=uri or None)
    actions = http_access(render(load(ROOT / settings.schema_path), lambda e: e.table))["S3"]
    inputs = Inputs.literal(settings)
    literal, _ = store_policy(inputs, actions)
    source = module_stack["resource"]["aws_appsync_datasource"]["s3"]["http_config"]
    policy = module_stack["resource"]["aws_iam_role_policy"]["ds_s3"]
    doc = {"variable": {"prediction_output_uri": {"default": uri}},
           "locals": {API_PARTITION: "aws", API_REGION: "us-east-1", API_ACCOUNT: ACCOUNT,
                      "endpoint": source["endpoint"], "policy": policy["policy"],
                      "policy_count": policy["count"]}}
    got = console(doc, "[local.endpoint, local.policy_count, "
                       "local.policy_count > 0 ? jsondecode(local.policy) : null]")
    assert got[0] == s3_endpoint(inputs)
    assert got[1] == (1 if literal else 0)
    if literal:
        assert got[2] == json.loads(literal)
