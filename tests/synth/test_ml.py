"""Synth assertions for the SageMaker/Bedrock HTTP data sources: each role's exact grants."""

from __future__ import annotations

import fnmatch
import json

import pytest

from modules.codegen.ml import JOB_DELIMITER
from modules.config import ConfigError, Settings
from modules.guardrails import conditions, image_prefix
from modules.inputs import Inputs
from modules.ml import invoke_policy
from tests.conftest import ROOT


def test_http_sources_sign_for_their_service_only_when_switched_on(root_stack, module_stack,
                                                                  hardened_stack):
    # Off in the basic module (it must plan on hashicorp/aws 3.39), on in the root stack.
    basic = module_stack["resource"]["aws_appsync_datasource"]
    assert "authorization_config" not in basic["sagemaker"]["http_config"]
    res = root_stack["resource"]["aws_appsync_datasource"]
    assert res["sagemaker"]["http_config"] == {
        "endpoint": "https://api.sagemaker.us-east-1.amazonaws.com",
        "authorization_config": {
            "authorization_type": "AWS_IAM",
            "aws_iam_config": {"signing_region": "us-east-1",
                               "signing_service_name": "sagemaker"}}}
    assert res["sagemaker_runtime"]["type"] == "HTTP"
    hard = hardened_stack["resource"]["aws_appsync_datasource"]
    assert hard["bedrock"]["http_config"]["authorization_config"] == {
        "authorization_type": "AWS_IAM",
        "aws_iam_config": {"signing_region": "${local.api_region}",
                           "signing_service_name": "bedrock"}}


def test_sagemaker_role_allows_jobs_under_the_prefix_and_passes_only_the_execution_role(
        root_stack):
    policy = json.loads(root_stack["resource"]["aws_iam_role_policy"]["ds_sagemaker"]["policy"])
    jobs = "arn:aws:sagemaker:us-east-1:${local.api_account_id}:training-job/mlapi--*"
    settings = Settings.load(ROOT / "cdktf.json")
    assert policy["Statement"] == [
        {"Effect": "Allow", "Action": ["sagemaker:DescribeTrainingJob",
                                       "sagemaker:StopTrainingJob"], "Resource": jobs},
        # The training policy again, in IAM (guardrails.conditions is checked below).
        {"Effect": "Allow", "Action": ["sagemaker:CreateTrainingJob"], "Resource": jobs,
         "Condition": conditions(settings)},
        {"Effect": "Allow", "Action": ["iam:PassRole"],
         "Resource": "${local.sagemaker_execution_role_arn}",
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
    ]
    assert root_stack["locals"]["sagemaker_execution_role_arn"] == (
        "arn:aws:iam::${local.api_account_id}:role/mlapi-sagemaker-execution")


def test_create_training_job_carries_the_policy_condition_keys(root_stack, module_stack,
                                                               hardened_stack):
    """In every stack: instance types (required present), max runtime, network isolation."""
    s = Settings.load(ROOT / "cdktf.json")
    cond = conditions(s)
    assert cond["ForAllValues:StringEquals"] == {
        "sagemaker:InstanceTypes": list(s.training_instance_types)}
    assert cond["Null"] == {"sagemaker:InstanceTypes": ["false"]}
    assert cond["NumericLessThanEquals"] == {
        "sagemaker:MaxRuntimeInSeconds": [str(s.training_max_runtime_seconds)]}
    assert cond["Bool"] == {"sagemaker:NetworkIsolation": ["true"]}
    for stack in (module_stack, hardened_stack):
        statements = stack["resource"]["aws_iam_role_policy"]["ds_sagemaker"]["policy"]
        assert '"Action": ["sagemaker:CreateTrainingJob"], "Condition": ' \
               '${jsonencode(local.training_iam_condition)}' in statements
        rows = stack["locals"]["training_iam_condition_rows"]
        for key in ("sagemaker:InstanceTypes", "sagemaker:MaxRuntimeInSeconds",
                    "sagemaker:NetworkIsolation", "sagemaker:VpcSubnets",
                    "sagemaker:VpcSecurityGroupIds", "sagemaker:VolumeKmsKey",
                    "sagemaker:OutputKmsKey"):
            assert f'key = "{key}"' in rows, key


def test_vpc_and_kms_settings_become_conditions_and_body_fields():
    s = Settings(training_vpc_subnets=("subnet-0123abcd",),
                 training_vpc_security_groups=("sg-0123abcd",),
                 training_volume_kms_key="arn:aws:kms:us-east-1:123456789012:key/v",
                 training_output_kms_key="arn:aws:kms:us-east-1:123456789012:key/o",
                 training_network_isolation=False)
    cond = conditions(s)
    assert cond["ForAllValues:StringEquals"]["sagemaker:VpcSubnets"] == ["subnet-0123abcd"]
    assert cond["ForAllValues:StringEquals"]["sagemaker:VpcSecurityGroupIds"] == ["sg-0123abcd"]
    assert cond["Null"] == {k: ["false"] for k in ("sagemaker:InstanceTypes",
                                                  "sagemaker:VpcSubnets",
                                                  "sagemaker:VpcSecurityGroupIds")}
    assert cond["StringEquals"] == {
        "sagemaker:VolumeKmsKey": ["arn:aws:kms:us-east-1:123456789012:key/v"],
        "sagemaker:OutputKmsKey": ["arn:aws:kms:us-east-1:123456789012:key/o"]}
    assert "Bool" not in cond


def test_ecr_repository_arns_become_image_prefixes():
    assert image_prefix("arn:aws:ecr:eu-west-1:123456789012:repository/team/xgb") == \
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/xgb"
    assert image_prefix("arn:aws-cn:ecr:cn-north-1:123456789012:repository/x") == \
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/x"
    assert image_prefix("123456789012.dkr.ecr.eu-west-1.amazonaws.com/") == \
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/"


PREFIXES = ["mlapi", "mlapi-dev", "mlapi-d", "mlx", "mla", "mlapi-dev-2", "a-b-c", "abc1"]


def test_one_deployment_s_job_grant_matches_no_other_deployment_s_jobs():
    """Jobs are "<prefix>--<id>" and a prefix cannot hold "--": the grant "<p>--*" never
    matches a job of another valid prefix, whatever the id (ids may hold '-')."""
    for p in PREFIXES:
        Settings(name_prefix=p)  # each is a valid prefix
    for p in PREFIXES:
        grant = f"{p}{JOB_DELIMITER}*"
        for q in PREFIXES:
            for job_id in ("x", "dev--x", "-x", "1-2-3"):
                job = f"{q}{JOB_DELIMITER}{job_id}"
                assert fnmatch.fnmatchcase(job, grant) == (p == q), (grant, job)
    # The old naming ("<prefix>-*") had exactly this overlap.
    assert fnmatch.fnmatchcase("mlapi-dev-x", "mlapi-*")
    with pytest.raises(ConfigError, match="without '--'"):
        Settings(name_prefix="mlapi--dev")


def test_invoke_roles_have_no_policy_without_configured_names(root_stack, module_stack):
    policies = root_stack["resource"]["aws_iam_role_policy"]
    assert "ds_sagemaker_runtime" not in policies and "ds_bedrock" not in policies
    module = module_stack["resource"]["aws_iam_role_policy"]
    assert module["ds_sagemaker_runtime"]["count"] == (
        "${length(var.sagemaker_endpoint_names) > 0 ? 1 : 0}")
    assert "for n in var.sagemaker_endpoint_names" in module["ds_sagemaker_runtime"]["policy"]


def test_invoke_policies_name_exactly_the_configured_endpoints_and_models():
    s = Settings(sagemaker_endpoint_names=("Ep-A", "ep-b"), bedrock_model_ids=("anthropic.x:1",))
    inputs = Inputs.literal(s)
    runtime, count = invoke_policy(inputs, "SageMakerRuntime", {"sagemaker:InvokeEndpoint"})
    assert count is None
    assert json.loads(runtime)["Statement"] == [{
        "Effect": "Allow", "Action": ["sagemaker:InvokeEndpoint"],
        "Resource": ["arn:aws:sagemaker:us-east-1:${local.api_account_id}:endpoint/ep-a",
                     "arn:aws:sagemaker:us-east-1:${local.api_account_id}:endpoint/ep-b"]}]
    bedrock, _ = invoke_policy(inputs, "Bedrock", {"bedrock:InvokeModel"})
    assert json.loads(bedrock)["Statement"][0]["Resource"] == [
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.x:1"]


def test_ml_settings_are_validated():
    import pytest

    from modules.config import ConfigError
    for bad in ({"sagemaker_execution_role_arn": "role"}, {"sagemaker_endpoint_names": ["a b"]},
                {"bedrock_model_ids": ["x", "x"]}):
        with pytest.raises(ConfigError, match="is invalid"):
            Settings(**bad)
