"""Synth assertions for the SageMaker/Bedrock HTTP data sources: each role's exact grants."""

from __future__ import annotations

import fnmatch
import json

import pytest

from modules.codegen.deploy import HOSTING_ACTIONS
from modules.codegen.ml import HTTP_SOURCES, JOB_DELIMITER, http_access
from modules.codegen.render import render
from modules.config import ConfigError, Settings
from modules.guardrails import ACTION_KEYS, conditions, image_prefix
from modules.inputs import Inputs
from modules.ml import execution_policy, invoke_policy
from tests.conftest import ROOT


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
        root_stack, schema_ir):
    policy = json.loads(root_stack["resource"]["aws_iam_role_policy"]["ds_sagemaker"]["policy"])
    arn = "arn:aws:sagemaker:us-east-1:${local.api_account_id}:"
    jobs, transforms = f"{arn}training-job/mlapi--*", f"{arn}transform-job/mlapi--*"
    models = f"{arn}model/mlapi--*"
    settings = Settings.load(ROOT / "cdktf.json")
    # deployModelVersion's hosting calls, only on this deployment's names (codegen/deploy.py).
    hosting = sorted(a for a in http_access(render(schema_ir, lambda e: e.table))["SageMaker"]
                     if a in HOSTING_ACTIONS)
    assert hosting == sorted(HOSTING_ACTIONS)
    # Grouped by the resources each acts on; CreateModel is a create, with its condition keys.
    # The resource types each requires (Service Authorization Reference for SageMaker): an
    # endpoint's create and update also name the endpoint-config they deploy.
    required = {"CreateEndpoint": ("endpoint", "endpoint-config"),
                "UpdateEndpoint": ("endpoint", "endpoint-config"),
                "DescribeEndpoint": ("endpoint",), "DeleteEndpoint": ("endpoint",),
                "CreateEndpointConfig": ("endpoint-config",),
                "DeleteEndpointConfig": ("endpoint-config",), "DeleteModel": ("model",)}
    by_arn: dict[str, list[str]] = {
        json.dumps(jobs): ["sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"],
        json.dumps(transforms): ["sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"]}
    for action in hosting:
        if action != "sagemaker:CreateModel":
            arns = sorted(f"{arn}{kind}/mlapi--*" for kind in required[action.split(":")[1]])
            by_arn.setdefault(json.dumps(arns[0] if len(arns) == 1 else arns), []).append(action)
    assert policy["Statement"] == [  # single resources first, each group's actions sorted
        {"Effect": "Allow", "Action": sorted(actions), "Resource": json.loads(resource)}
        for resource, actions in sorted(by_arn.items())
    ] + [
        # The training policy again, in IAM (guardrails.conditions is checked below).
        {"Effect": "Allow", "Action": ["sagemaker:CreateTrainingJob"], "Resource": jobs,
         "Condition": conditions(settings)},
        # Batch predictions: within the same policy's keys each action defines, on this
        # deployment's models only.
        {"Effect": "Allow", "Action": ["sagemaker:CreateTransformJob"], "Resource": transforms,
         "Condition": conditions(settings, "sagemaker:CreateTransformJob", models)},
        {"Effect": "Allow", "Action": ["sagemaker:CreateModel"], "Resource": models,
         "Condition": conditions(settings, "sagemaker:CreateModel")},
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


def test_invoke_roles_have_no_policy_without_configured_names(root_stack, module_stack,
                                                             schema_ir):
    settings = Settings.load(ROOT / "cdktf.json")
    policies = root_stack["resource"]["aws_iam_role_policy"]
    deploys = any(op.kind == "deploy" for op in schema_ir.operations)
    # The runtime may always invoke deployModelVersion's own endpoints, "<name_prefix>--*".
    assert ("ds_sagemaker_runtime" in policies) == \
        (bool(settings.sagemaker_endpoint_names) or deploys)
    assert ("ds_bedrock" in policies) == bool(settings.bedrock_model_ids)
    inputs = Inputs.literal(Settings())
    assert invoke_policy(inputs, "SageMakerRuntime", {"sagemaker:InvokeEndpoint"}) == (None, None)
    assert invoke_policy(inputs, "Bedrock", {"bedrock:InvokeModel"}) == (None, None)
    own = "arn:aws:sagemaker:us-east-1:${local.api_account_id}:endpoint/mlapi--*"
    assert json.loads(invoke_policy(inputs, "SageMakerRuntime", {"sagemaker:InvokeEndpoint"},
                                    deployed=True)[0])["Statement"] == [{
        "Effect": "Allow", "Action": ["sagemaker:InvokeEndpoint"], "Resource": [own]}]
    module = module_stack["resource"]["aws_iam_role_policy"]
    runtime = module["ds_sagemaker_runtime"]
    assert runtime.get("count") == (
        None if deploys else "${length(var.sagemaker_endpoint_names) > 0 ? 1 : 0}")
    assert "for n in var.sagemaker_endpoint_names" in runtime["policy"]
    if deploys:
        assert ":endpoint/${var.name_prefix}--*" in runtime["policy"]


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
    assert "ReadModels" not in statements and "EndpointLogs" not in statements
    # Serving deployModelVersion's models too: their artifacts (under the output prefixes, where
    # training writes them) and this deployment's endpoints' logs, nothing else.
    hosting = {st["Sid"]: st for st in json.loads(
        execution_policy(Inputs.literal(s), hosting=True))["Statement"]}
    assert hosting["ReadModels"]["Resource"] == ["arn:aws:s3:::out-bkt/models/*"]
    assert hosting["ReadModels"]["Action"] == ["s3:GetObject"]
    assert hosting["EndpointLogs"]["Resource"] == (
        "arn:aws:logs:us-east-1:${local.api_account_id}:log-group:"
        "/aws/sagemaker/Endpoints/mlapi--*")
    assert set(hosting) - set(statements) == {"ReadModels", "EndpointLogs"}


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



def test_the_execution_role_trusts_sagemaker_for_this_deployment_s_jobs_and_hosting(
        root_stack, schema_ir):
    trust = json.loads(root_stack["resource"]["aws_iam_role"]["sagemaker_execution"]
                       ["assume_role_policy"])["Statement"][0]["Condition"]["ArnLike"]
    arn = "arn:aws:sagemaker:us-east-1:${local.api_account_id}:"
    # Batch predictions' transform jobs and the models they run; deployments' models, endpoint
    # configs and endpoints (one model/ entry for both).
    ops = {op.kind for op in schema_ir.operations}
    kinds = ["training-job"] + (["transform-job", "model"] if "transform" in ops else []) + \
        [k for k in ("model", "endpoint-config", "endpoint")
         if "deploy" in ops and not (k == "model" and "transform" in ops)]
    sources = [f"{arn}{k}/mlapi--*" for k in kinds]
    assert trust == {"aws:SourceArn": sources[0] if len(sources) == 1 else sources}


def test_bedrock_inference_profiles_grant_the_profile_and_its_models_through_it():
    s = Settings(bedrock_model_ids=("anthropic.x:1", "us.anthropic.y:0", "global.amazon.z:1"))
    policy, count = invoke_policy(Inputs.literal(s), "Bedrock", {"bedrock:InvokeModel"})
    assert count is None
    direct, routed = json.loads(policy)["Statement"]
    acct = "${local.api_account_id}"
    profiles = [f"arn:aws:bedrock:us-east-1:{acct}:inference-profile/{i}"
                for i in ("us.anthropic.y:0", "global.amazon.z:1")]
    assert direct["Resource"] == [
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.x:1", *profiles]
    # The models a profile routes to, in any region, and only when called through the profile.
    assert routed["Resource"] == ["arn:aws:bedrock:*::foundation-model/amazon.z:1",
                                  "arn:aws:bedrock:*::foundation-model/anthropic.y:0"]
    assert routed["Condition"] == {"StringEquals": {"bedrock:InferenceProfileArn": profiles}}
    only_models = Settings(bedrock_model_ids=("anthropic.x:1",))
    policy, _ = invoke_policy(Inputs.literal(only_models), "Bedrock", {"bedrock:InvokeModel"})
    assert len(json.loads(policy)["Statement"]) == 1


def test_the_module_s_bedrock_policy_knows_inference_profiles(module_stack):
    policy = module_stack["resource"]["aws_iam_role_policy"]["ds_bedrock"]["policy"]
    assert ":inference-profile/${n}" in policy and "bedrock:InferenceProfileArn" in policy
    assert 'contains(["us", "eu", "apac", "us-gov", "global", "jp", "au", "ca"]' in policy


def test_the_predictions_table_expires_items_and_every_writer_sets_the_attribute(
        root_stack, module_stack, hardened_stack):
    """@predict's table has TTL on TTL_ATTRIBUTE in every stack; each template writing that
    table (predict, and a @create of it) sets the attribute, from prediction_ttl_days."""
    from modules.codegen.ml import TTL_ATTRIBUTE

    for stack in (root_stack, module_stack, hardened_stack):
        tables = stack["resource"]["aws_dynamodb_table"]
        with_ttl = {k for k, t in tables.items() if "ttl" in t}
        assert with_ttl == {"table_predictions"}
        assert tables["table_predictions"]["ttl"] == {"attribute_name": TTL_ATTRIBUTE,
                                                      "enabled": True}
        writers = [k for kind in ("aws_appsync_function", "aws_appsync_resolver")
                   for k, v in stack["resource"][kind].items()
                   if "PutItem" in v.get("request_mapping_template", v.get("request_template", ""))
                   and "aws_appsync_datasource.predictions." in v.get("data_source", "")]
        assert len(writers) >= 2, writers  # predict's put and recordPrediction
        for name in writers:
            body = {**stack["resource"].get("aws_appsync_function", {}),
                    **stack["resource"].get("aws_appsync_resolver", {})}[name]
            template = body.get("request_mapping_template", body.get("request_template"))
            assert f'"{TTL_ATTRIBUTE}"' in template, name
    days = Settings.load(ROOT / "cdktf.json").prediction_ttl_days
    assert root_stack["locals"]["prediction_ttl_seconds"] == str(days * 86400)
    assert module_stack["locals"]["prediction_ttl_seconds"] == "${var.prediction_ttl_days * 86400}"


def test_batch_prediction_creates_carry_their_actions_condition_keys(root_stack, module_stack,
                                                                     hardened_stack):
    """Each create action is bound by the training policy's rows on the keys it defines
    (guardrails.ACTION_KEYS, from the Service Authorization Reference), CreateTransformJob to
    this deployment's models, CreateModel to the network isolation setting either way."""
    s = Settings.load(ROOT / "cdktf.json")
    models = "arn:aws:sagemaker:us-east-1:${local.api_account_id}:model/mlapi--*"
    transform = conditions(s, "sagemaker:CreateTransformJob", models)
    assert transform["ArnLike"] == {"sagemaker:ModelArn": [models]}
    assert transform["ForAllValues:StringEquals"] == {
        "sagemaker:InstanceTypes": list(s.training_instance_types)}
    assert "NumericLessThanEquals" not in transform  # no MaxRuntimeInSeconds on transform jobs
    model = conditions(s, "sagemaker:CreateModel")
    assert model["Bool"] == {"sagemaker:NetworkIsolation": [
        str(s.training_network_isolation).lower()]}
    keys = {k for block in model.values() for k in block}
    assert keys <= {"sagemaker:NetworkIsolation", *ACTION_KEYS["sagemaker:CreateModel"]}
    for stack in (module_stack, hardened_stack):
        statements = stack["resource"]["aws_iam_role_policy"]["ds_sagemaker"]["policy"]
        for action, local in (("CreateTransformJob", "transform_iam_condition"),
                              ("CreateModel", "model_iam_condition")):
            assert f'"Action": ["sagemaker:{action}"], "Condition": ' \
                   f'${{jsonencode(local.{local})}}' in statements
            assert "local.training_iam_condition_rows" in stack["locals"][local]
        assert '"sagemaker:ModelArn"' in stack["locals"]["transform_iam_condition"]
        assert "var.training_network_isolation" in stack["locals"]["model_iam_condition"]
