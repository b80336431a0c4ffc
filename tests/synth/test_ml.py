"""Synth assertions for the SageMaker/Bedrock HTTP data sources: each role's exact grants."""

from __future__ import annotations

import json

from modules.config import Settings
from modules.inputs import Inputs
from modules.ml import invoke_policy


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
    assert policy["Statement"] == [
        {"Effect": "Allow", "Action": ["sagemaker:CreateTrainingJob",
                                       "sagemaker:DescribeTrainingJob",
                                       "sagemaker:StopTrainingJob"],
         "Resource": "arn:aws:sagemaker:us-east-1:${local.api_account_id}:training-job/mlapi-*"},
        {"Effect": "Allow", "Action": ["iam:PassRole"],
         "Resource": "${local.sagemaker_execution_role_arn}",
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
    ]
    assert root_stack["locals"]["sagemaker_execution_role_arn"] == (
        "arn:aws:iam::${local.api_account_id}:role/mlapi-sagemaker-execution")


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
