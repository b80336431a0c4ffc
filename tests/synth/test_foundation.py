"""Synth assertions for the API's spine: auth, key, logging, IAM, tags, outputs, portability."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cdktf import Testing as cdktf_testing

from modules.codegen.docs import without_descriptions
from modules.config import PROVIDER_FLOOR, QUERY_DEPTH_LIMIT, RESOLVER_COUNT_LIMIT, Settings
from tests.conftest import ROOT, load_stack, node_env

TAGGABLE = ("aws_appsync_graphql_api", "aws_cloudwatch_log_group", "aws_iam_role",
            "aws_dynamodb_table")


def test_api_uses_api_key_auth_and_logs_through_the_role(root_stack):
    text = json.dumps(root_stack)
    assert cdktf_testing.to_have_resource_with_properties(text, "aws_appsync_graphql_api", {
        "authentication_type": "API_KEY",
        "name": "mlapi-api",
        "xray_enabled": False,
        "log_config": {
            "cloudwatch_logs_role_arn": "${aws_iam_role.logs_role.arn}",
            "field_log_level": "ERROR",
        },
    })


def test_logs_role_is_assumable_by_appsync_with_the_managed_policy(root_stack):
    role = root_stack["resource"]["aws_iam_role"]["logs_role"]
    trust = json.loads(role["assume_role_policy"])
    # The API needs the role first, so the trust names the APIs of this account and region
    # (read from a table's ARN), both confused-deputy keys naming the same account.
    assert trust["Statement"] == [{
        "Action": "sts:AssumeRole", "Effect": "Allow",
        "Principal": {"Service": "appsync.amazonaws.com"},
        "Condition": {
            "StringEquals": {"aws:SourceAccount": "${local.home_account_id}"},
            "ArnLike": {"aws:SourceArn": "arn:${local.home_partition}:appsync:"
                                         "${local.home_region}:${local.home_account_id}:apis/*"}}}]
    home = root_stack["locals"]["home_account_id"]
    assert home.startswith('${element(split(":", aws_dynamodb_table.') and home.endswith(", 4)}")


def test_every_appsync_and_eventbridge_trust_carries_source_conditions(root_stack, module_stack,
                                                                       hardened_stack):
    """Each role a service assumes names the account and the resource it acts for."""
    for stack in (root_stack, module_stack, hardened_stack):
        for name, role in stack["resource"]["aws_iam_role"].items():
            statements = json.loads(role["assume_role_policy"])["Statement"]
            for st in statements:
                # SageMaker's execution role too (ArnLike over the deployment's jobs).
                cond = st.get("Condition", {})
                assert "aws:SourceAccount" in cond.get("StringEquals", {}), name
                source = {**cond.get("ArnEquals", {}), **cond.get("ArnLike", {})}
                assert "aws:SourceArn" in source, name
    attachment = root_stack["resource"]["aws_iam_role_policy_attachment"]["logs_policy"]
    assert attachment == {**attachment,
                          "role": "${aws_iam_role.logs_role.name}",
                          "policy_arn": "arn:aws:iam::aws:policy/service-role/"
                                        "AWSAppSyncPushToCloudWatchLogs"}


def test_api_keys_rotate_by_period_and_expire_within_appsync_limits(root_stack, module_stack):
    key = root_stack["resource"]["aws_appsync_api_key"]["api_key"]
    assert key["api_id"] == "${aws_appsync_graphql_api.api.id}"
    assert key["for_each"] == "${toset((1) == 1 ? local.api_key_periods : [])}"
    # 30 days plus the hour AppSync's rounding down takes away, from the plan's clock.
    assert key["expires"] == '${timeadd(local.api_key_clock, format("%dh", 721))}'
    assert key["lifecycle"] == {"ignore_changes": ["expires"]}
    assert root_stack["locals"]["api_key_clock"] == "${plantimestamp()}"
    # The rotation period comes from the settings (root) or the variable (module).
    rotation = Settings().api_key_rotation_days
    assert f"floor(local.api_key_day / {rotation})" in root_stack["locals"]["api_key_periods"]
    assert "floor(local.api_key_day / var.api_key_rotation_days)" in (
        module_stack["locals"]["api_key_periods"])
    variable = module_stack["variable"]["api_key_rotation_days"]
    assert variable["default"] == rotation and variable["type"] == "number"
    assert len(variable["validation"]) == 2  # range, and at most half the key's lifetime


def test_log_group_is_the_one_appsync_writes_to_with_retention(root_stack):
    group = root_stack["resource"]["aws_cloudwatch_log_group"]["api_logs"]
    assert group["name"] == "/aws/appsync/apis/${aws_appsync_graphql_api.api.id}"
    assert group["retention_in_days"] == 30


def test_every_taggable_resource_is_tagged(root_stack):
    tagged = 0
    for rtype in TAGGABLE:
        for name, body in root_stack["resource"].get(rtype, {}).items():
            assert body.get("tags") == {"project": "appsync-model-api", "managed-by": "cdktf"}, (
                f"{rtype}.{name} has no project tags")
            tagged += 1
    assert tagged >= 3


def test_seed_schema_operations_are_in_the_api_schema(root_stack):
    # Read as one line per signature: a described field's arguments span lines.
    api = root_stack["resource"]["aws_appsync_graphql_api"]["api"]
    schema = without_descriptions(api["schema"])
    for fragment in ("getModel(name: String!): Model", "addModel(name: String!): Model",
                     "type Model", "id: ID!", "name: String", "status: String"):
        assert fragment in schema


def test_outputs_url_and_sensitive_key(root_stack):
    outputs = root_stack["output"]
    assert outputs["appsync_graphql_url"]["value"] == (
        '${aws_appsync_graphql_api.api.uris["GRAPHQL"]}')
    assert outputs["appsync_api_key"]["sensitive"] is True
    assert "sensitive" not in outputs["appsync_graphql_url"]


def test_provider_is_a_range_not_the_prebuilt_pin(root_stack, module_stack):
    for stack in (root_stack, module_stack):
        aws = stack["terraform"]["required_providers"]["aws"]
        assert aws["source"] == "hashicorp/aws"
        assert aws["version"].startswith(">= ")
    assert root_stack["provider"]["aws"] == [{"region": "us-east-1"}]


def test_backend_is_relative_and_module_has_no_provider_or_backend(root_stack, module_stack,
                                                                   hardened_stack):
    # State outside cdktf.out/ (a synth replaces it), relative: resolved from the stack dir,
    # where terraform runs, it is state/model-api/ at the project root.
    local = root_stack["terraform"]["backend"]["local"]
    stack_dir = ROOT / "cdktf.out" / "stacks" / "model-api"
    for key in ("path", "workspace_dir"):
        assert not Path(local[key]).is_absolute()
        assert (stack_dir / local[key]).resolve().is_relative_to(ROOT / "state"), local[key]
    for module in (module_stack, hardened_stack):
        assert "provider" not in module
        assert "backend" not in module["terraform"]


def test_hardened_switches_raise_the_provider_floor(module_stack, hardened_stack):
    assert module_stack["terraform"]["required_providers"]["aws"]["version"] == (
        f">= {PROVIDER_FLOOR}")
    assert hardened_stack["terraform"]["required_providers"]["aws"]["version"] == ">= 5.72.0"


def test_every_stack_bounds_query_depth_and_resolver_count(root_stack, module_stack,
                                                           hardened_stack):
    settings = Settings()
    api = root_stack["resource"]["aws_appsync_graphql_api"]["api"]
    assert api["query_depth_limit"] == settings.query_depth_limit
    assert api["resolver_count_limit"] == settings.resolver_count_limit
    for stack in (module_stack, hardened_stack):
        api = stack["resource"]["aws_appsync_graphql_api"]["api"]
        for key, (lo, hi) in (("query_depth_limit", QUERY_DEPTH_LIMIT),
                              ("resolver_count_limit", RESOLVER_COUNT_LIMIT)):
            assert api[key] == f"${{var.{key}}}"
            assert f"${{var.{key} >= {lo} && var.{key} <= {hi}}}" in [
                v["condition"] for v in stack["variable"][key]["validation"]]
            # 0 would be AppSync's "no limit": the lower bound refuses it.
            assert lo >= 1


def test_no_absolute_path_in_output(synth_dir):
    for path in synth_dir.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert str(ROOT) not in text, f"{path} names {ROOT}"


def test_two_synths_are_byte_identical(synth_dir, tmp_path):
    """A second synth into another directory gives the same bytes (one extra synth, ~15 s)."""
    out = tmp_path / "again"
    env = {**node_env(), "CDKTF_OUTDIR": str(out)}
    subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    first = sorted(p.relative_to(synth_dir) for p in synth_dir.rglob("*") if p.is_file())
    second = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert first == second
    for rel in first:
        assert (synth_dir / rel).read_bytes() == (out / rel).read_bytes(), rel


@pytest.mark.parametrize("bad, message", [
    ({"log_retention_days": 31}, "log_retention_days=31 is invalid: use a CloudWatch retention"),
    ({"api_key_expiry_days": 400}, "api_key_expiry_days=400 is invalid: AppSync API keys live"),
    ({"name_prefix": "ML_API"}, "name_prefix='ML_API' is invalid"),
    ({"log_level": "DEBUG"}, "log_level='DEBUG' is invalid: use one of ALL, ERROR, NONE"),
    ({"regoin": "us-east-1"}, "unknown setting(s) regoin"),
])
def test_bad_config_fails_before_anything_is_written(tmp_path, bad, message):
    config = tmp_path / "bad.json"
    config.write_text(json.dumps(bad))
    out = tmp_path / "out"
    env = {**os.environ, "MODEL_API_CONFIG": str(config), "CDKTF_OUTDIR": str(out)}
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert message in result.stderr
    assert str(config) in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [config]


def test_module_variables_are_typed_with_defaults_and_validation(module_stack, hardened_stack):
    variables = module_stack["variable"]
    for name in ("name_prefix", "tags", "authentication_type", "additional_authentication_types",
                 "log_level", "log_retention_days", "api_key_expiry_days", "xray_enabled"):
        assert {"type", "default", "description"} <= set(variables[name]), name
    # What a team sets: each with a type, a description, a default and a validation.
    for stack in (module_stack, hardened_stack):
        for name in ("sagemaker_execution_role_arn", "sagemaker_execution_role_create",
                     "sagemaker_input_s3_prefixes", "sagemaker_output_s3_prefixes",
                     "sagemaker_endpoint_names", "bedrock_model_ids", "api_key_rotation_days",
                     "alarms_enabled", "alarm_topic_arn", "alarm_latency_p99_ms"):
            variable = stack["variable"][name]
            assert {"type", "default", "description", "validation"} <= set(variable), name
    assert module_stack["variable"]["alarms_enabled"]["default"] is False
    assert hardened_stack["variable"]["alarms_enabled"]["default"] is True
    assert hardened_stack["variable"]["alarm_topic_arn"]["default"] == ""
    assert variables["log_level"]["validation"][0]["condition"] == (
        '${contains(["ALL", "ERROR", "NONE"], var.log_level)}')
    # The module's default tags are the root stack's, keys as written (cdktf would snake-case).
    assert variables["tags"]["default"] == {"project": "appsync-model-api", "managed-by": "cdktf"}


def test_stack_list_is_what_main_promises(synth_dir: Path):
    manifest = json.loads((synth_dir / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == ["model-api", "module", "module-hardened"]
    assert load_stack(synth_dir, "model-api")["//"]["metadata"]["stackName"] == "model-api"
