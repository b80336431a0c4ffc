"""Synth assertions for the SageMaker/Bedrock HTTP data sources: each role's exact grants."""

from __future__ import annotations

import json

from modules.codegen.ml import HTTP_SOURCES
from modules.config import Settings
from modules.inputs import Inputs
from modules.ml import execution_policy, invoke_policy


def test_every_stack_signs_each_http_source_for_its_service(root_stack, module_stack,
                                                           hardened_stack):
    services = {name: service for name, (_, service) in HTTP_SOURCES.items()}
    res = root_stack["resource"]["aws_appsync_datasource"]
    assert res["sagemaker"]["http_config"] == {
        "endpoint": "https://api.sagemaker.us-east-1.amazonaws.com",
        "authorization_config": {
            "authorization_type": "AWS_IAM",
            "aws_iam_config": {"signing_region": "us-east-1",
                               "signing_service_name": "sagemaker"}}}
    for stack, region in ((root_stack, "us-east-1"), (module_stack, "${local.api_region}"),
                          (hardened_stack, "${local.api_region}")):
        http = [s for s in stack["resource"]["aws_appsync_datasource"].values()
                if s["type"] == "HTTP"]
        assert {s["name"] for s in http} == set(services)
        for source in http:
            assert source["http_config"]["authorization_config"] == {
                "authorization_type": "AWS_IAM",
                "aws_iam_config": {"signing_region": region,
                                   "signing_service_name": services[source["name"]]}}


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


def test_created_execution_role_reads_inputs_writes_outputs_only():
    s = Settings(sagemaker_execution_role_create=True,
                 sagemaker_input_s3_prefixes=("s3://data-bkt/sets/a/",),
                 sagemaker_output_s3_prefixes=("s3://out-bkt/models/",))
    statements = {st["Sid"]: st for st in json.loads(execution_policy(Inputs.literal(s)))[
        "Statement"]}
    assert statements["ReadInput"]["Action"] == ["s3:GetObject"]
    assert statements["ReadInput"]["Resource"] == ["arn:aws:s3:::data-bkt/sets/a/*"]
    assert statements["WriteOutput"] == {"Sid": "WriteOutput", "Effect": "Allow",
                                         "Action": ["s3:PutObject"],
                                         "Resource": ["arn:aws:s3:::out-bkt/models/*"]}
    assert statements["ListInput0"]["Resource"] == "arn:aws:s3:::data-bkt"
    assert statements["ListInput0"]["Condition"] == {"StringLike": {"s3:prefix": ["sets/a/*"]}}
    # Only actions without resource-level permissions get "*", the metrics one by namespace.
    stars = {sid for sid, st in statements.items() if st["Resource"] == "*"}
    assert stars == {"Metrics", "ImageToken"}
    assert statements["Metrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}}


def test_execution_role_is_created_only_when_asked(root_stack, module_stack):
    role = root_stack["resource"]["aws_iam_role"]["sagemaker_execution"]
    assert role["count"] == "${0}"
    assert json.loads(role["assume_role_policy"])["Statement"][0]["Principal"] == {
        "Service": "sagemaker.amazonaws.com"}
    module_role = module_stack["resource"]["aws_iam_role"]["sagemaker_execution"]
    assert module_role["count"] == "${var.sagemaker_execution_role_create ? 1 : 0}"
    # PassRole names the role in use: the created one has the default name.
    assert module_role["name"] == "${var.name_prefix}-sagemaker-execution"
    assert module_stack["locals"]["sagemaker_execution_role_arn"].endswith(
        ':role/${var.name_prefix}-sagemaker-execution"}')
    assert role["name"] == "mlapi-sagemaker-execution"
    assert root_stack["locals"]["sagemaker_execution_role_arn"].endswith(
        ":role/mlapi-sagemaker-execution")
