"""Synth assertions for the training_events switch (modules/events.py): module-hardened only."""

from __future__ import annotations

import json

import pytest
from graphql import parse

from modules.config import ConfigError, Settings
from modules.events import KINDS, refresh_operation

EVENT_TYPES = ("aws_cloudwatch_event_rule", "aws_cloudwatch_event_target")


def test_only_the_hardened_module_emits_the_rule(root_stack, module_stack, hardened_stack):
    # The alarms' failed-training rule (modules/alarms.py) is another rule, in every stack.
    for stack in (root_stack, module_stack):
        assert "training_job_state" not in stack["resource"]["aws_cloudwatch_event_rule"]
        assert "refresh_training_job" not in stack["resource"]["aws_cloudwatch_event_target"]
        assert "events_training_jobs" not in stack["resource"]["aws_iam_role"]
    assert "training_job_state" in hardened_stack["resource"]["aws_cloudwatch_event_rule"]
    assert "refresh_training_job" in hardened_stack["resource"]["aws_cloudwatch_event_target"]


def test_the_rule_matches_state_changes_of_the_api_s_jobs_only(hardened_stack):
    rule = hardened_stack["resource"]["aws_cloudwatch_event_rule"]["training_job_state"]
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Training Job State Change"],
        # "--" is the delimiter a prefix cannot hold: another deployment's jobs never match.
        "detail": {"TrainingJobName": [{"prefix": "${var.name_prefix}--"}]},
    }


def test_the_target_calls_refresh_with_the_job_name(hardened_stack):
    target = hardened_stack["resource"]["aws_cloudwatch_event_target"]["refresh_training_job"]
    assert target["rule"] == "${aws_cloudwatch_event_rule.training_job_state.name}"
    assert target["role_arn"] == "${aws_iam_role.events_training_jobs.arn}"
    assert ":appsync:" in target["arn"] and ":endpoints/graphql-api/" in target["arn"]
    assert target["input_transformer"] == {"input_paths": {"id": "$.detail.TrainingJobName"},
                                           "input_template": '{"id": <id>}'}
    op = parse(target["appsync_target"]["graphql_operation"]).definitions[0]
    assert op.operation.value == "mutation"
    assert [(v.variable.name.value, v.type.type.name.value) for v in op.variable_definitions] \
        == [("id", "ID")]
    field = op.selection_set.selections[0]
    assert field.name.value == "refreshTrainingJob"
    assert [(a.name.value, a.value.name.value) for a in field.arguments] == [("id", "id")]
    selected = {s.name.value for s in field.selection_set.selections}
    # What onTrainingJobUpdated subscribers filter and read on; no nested type (no extra reads).
    assert {"id", "modelName", "status", "failureReason", "producedVersion"} <= selected
    assert "model" not in selected


def test_the_role_is_assumed_by_eventbridge_and_may_call_only_refresh(hardened_stack):
    role = hardened_stack["resource"]["aws_iam_role"]["events_training_jobs"]
    # EventBridge on behalf of this rule of this account only (confused-deputy prevention).
    assert json.loads(role["assume_role_policy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {
            "ArnEquals": {"aws:SourceArn": "${aws_cloudwatch_event_rule.training_job_state.arn}"},
            "StringEquals": {"aws:SourceAccount": "${local.api_account_id}"}}}]
    policy = hardened_stack["resource"]["aws_iam_role_policy"]["events_training_jobs"]
    assert policy["role"] == "${aws_iam_role.events_training_jobs.id}"
    assert json.loads(policy["policy"])["Statement"] == [{
        "Effect": "Allow", "Action": "appsync:GraphQL",
        "Resource": "${aws_appsync_graphql_api.api.arn}/types/Mutation/fields/refreshTrainingJob",
    }]


def test_the_hardened_module_requires_iam_among_its_modes(hardened_stack):
    """refreshTrainingJob carries @aws_iam (its @auth rule), so IAM may be an additional mode;
    the hardened module defaults to Cognito users with IAM beside them, and no API key."""
    auth = hardened_stack["variable"]["authentication_type"]
    extra = hardened_stack["variable"]["additional_authentication_types"]
    assert auth["default"] == "AMAZON_COGNITO_USER_POOLS" and extra["default"] == ["AWS_IAM"]
    assert ('${contains(concat([var.authentication_type], var.additional_authentication_types), '
            '"AWS_IAM")}') in [v["condition"] for v in extra["validation"]]
    assert "API_KEY" not in auth["validation"][0]["condition"]
    assert hardened_stack["terraform"]["required_providers"]["aws"]["version"] == ">= 5.72.0"


def test_settings_refuse_training_events_without_iam():
    with pytest.raises(ConfigError, match="training_events=True is invalid: .*AWS_IAM"):
        Settings(training_events=True)
    s = Settings(training_events=True, authentication_type="API_KEY",
                 additional_authentication_types=["AWS_IAM"])
    assert s.provider_floor == "5.72.0"


def test_refresh_operation_refuses_a_schema_without_the_mutation():
    with pytest.raises(ValueError, match="no Mutation.refreshTrainingJob"):
        refresh_operation("type Query { a: Int } type Mutation { b: Int }")
    with pytest.raises(ValueError, match="exactly `id`"):
        refresh_operation("type T { id: ID } type Mutation { refreshTrainingJob(x: ID): T }")


def test_transform_job_state_changes_refresh_batch_predictions(hardened_stack, module_stack):
    """Behind the same switch: a second rule, target and role, as for training, of the
    schema's batch prediction status mutation."""
    kind = KINDS["transform"]
    res = hardened_stack["resource"]
    assert f"{kind.slug}_job_state" not in module_stack["resource"]["aws_cloudwatch_event_rule"]
    rule = res["aws_cloudwatch_event_rule"][f"{kind.slug}_job_state"]
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Transform Job State Change"],
        "detail": {"TransformJobName": [{"prefix": "${var.name_prefix}--"}]},
    }
    target = res["aws_cloudwatch_event_target"][kind.target.replace("-", "_")]
    assert target["input_transformer"]["input_paths"] == {"id": "$.detail.TransformJobName"}
    field = parse(target["appsync_target"]["graphql_operation"]).definitions[0] \
        .selection_set.selections[0]
    assert field.name.value == kind.mutation == "refreshBatchPrediction"
    assert {"id", "modelName", "status", "failureReason"} <= \
        {s.name.value for s in field.selection_set.selections}
    policy = res["aws_iam_role_policy"][f"events_{kind.slug}_jobs"]
    assert json.loads(policy["policy"])["Statement"][0]["Resource"].endswith(
        "/types/Mutation/fields/refreshBatchPrediction")


# --- deployments: the same switch, SageMaker endpoint state changes (modules/events.py) --

def test_the_endpoint_rule_rides_the_training_events_switch(root_stack, module_stack,
                                                           hardened_stack, schema_ir):
    deploys = any(op.kind == "deploy" for op in schema_ir.operations)
    for stack in (root_stack, module_stack):
        assert "endpoint_state" not in stack["resource"]["aws_cloudwatch_event_rule"]
        assert "events_deployments" not in stack["resource"]["aws_iam_role"]
    assert ("endpoint_state" in hardened_stack["resource"]["aws_cloudwatch_event_rule"]) == \
        deploys


def test_the_endpoint_rule_matches_the_api_s_endpoints_and_refreshes_the_deployment(
        hardened_stack):
    rule = hardened_stack["resource"]["aws_cloudwatch_event_rule"]["endpoint_state"]
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Endpoint State Change"],
        "detail": {"EndpointName": [{"prefix": "${var.name_prefix}--"}]},
    }
    target = hardened_stack["resource"]["aws_cloudwatch_event_target"]["refresh_deployment"]
    assert target["rule"] == "${aws_cloudwatch_event_rule.endpoint_state.name}"
    assert target["role_arn"] == "${aws_iam_role.events_deployments.arn}"
    # A deployment's id is the name of the EndpointConfig it created, which the event names.
    assert target["input_transformer"] == {"input_paths": {"id": "$.detail.EndpointConfigName"},
                                           "input_template": '{"id": <id>}'}
    op = parse(target["appsync_target"]["graphql_operation"]).definitions[0]
    field = op.selection_set.selections[0]
    assert field.name.value == "refreshDeployment"
    assert {"id", "status", "failureReason"} <= {s.name.value
                                                 for s in field.selection_set.selections}
    role = hardened_stack["resource"]["aws_iam_role"]["events_deployments"]
    assert json.loads(role["assume_role_policy"])["Statement"][0]["Condition"]["ArnEquals"] == {
        "aws:SourceArn": "${aws_cloudwatch_event_rule.endpoint_state.arn}"}
    policy = hardened_stack["resource"]["aws_iam_role_policy"]["events_deployments"]
    assert json.loads(policy["policy"])["Statement"] == [{
        "Effect": "Allow", "Action": "appsync:GraphQL",
        "Resource": "${aws_appsync_graphql_api.api.arn}/types/Mutation/fields/refreshDeployment",
    }]
