"""Synth assertions for the observability switch (modules/alarms.py)."""

from __future__ import annotations

import json

from main import load_settings
from modules.alarms import THROTTLE_OPERATIONS
from modules.events import KINDS

ALARM_TYPES = ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_event_rule",
               "aws_cloudwatch_event_target")
# CloudWatch: an alarm's metric math holds at most 10 metrics and expressions (PutMetricAlarm).
MAX_ALARM_QUERIES = 10


def _alarms(stack: dict) -> dict:
    return {name: body for rtype in ALARM_TYPES
            for name, body in stack["resource"].get(rtype, {}).items()
            if name not in REFRESH_EVENTS}


# The refresh rules and targets of modules/events.py: not alarms.
REFRESH_EVENTS = {n for k in KINDS.values() for n in (k.rule_id, k.target.replace("-", "_"))}


def test_one_throttling_alarm_per_table_and_the_api_alarms(module_stack, schema_ir):
    tables = schema_ir.tables
    alarms = module_stack["resource"]["aws_cloudwatch_metric_alarm"]
    assert set(alarms) == {"appsync_5xx", "appsync_latency_p99"} | {
        f"dynamodb_throttled_{t.table}" for t in tables}
    for t in tables:
        queries = alarms[f"dynamodb_throttled_{t.table}"]["metric_query"]
        assert len(queries) == len(THROTTLE_OPERATIONS) + 1 <= MAX_ALARM_QUERIES
        metrics = [q["metric"] for q in queries if "metric" in q]
        assert {m["dimensions"]["Operation"] for m in metrics} == set(THROTTLE_OPERATIONS)
        assert {m["dimensions"]["TableName"] for m in metrics} == {
            f"${{aws_dynamodb_table.table_{t.table}.name}}"}
        assert [q["expression"] for q in queries if "expression" in q] == ["SUM(METRICS())"]
    latency = alarms["appsync_latency_p99"]
    assert latency["extended_statistic"] == "p99"
    assert latency["threshold"] == "${var.alarm_latency_p99_ms}"
    assert alarms["appsync_5xx"]["dimensions"] == {
        "GraphQLAPIId": "${aws_appsync_graphql_api.api.id}"}


def test_everything_goes_to_the_topic_and_only_when_switched_on(root_stack, module_stack,
                                                                hardened_stack):
    # Root stack: on exactly when the settings the synth read (MODEL_API_CONFIG too) name a topic.
    on = load_settings().alarm_topic_arn is not None
    assert {b["count"] for b in _alarms(root_stack).values()} == {"${1}" if on else "${0}"}
    for stack in (module_stack, hardened_stack):
        alarms = _alarms(stack)
        assert {b["count"] for b in alarms.values()} == {"${var.alarms_enabled ? 1 : 0}"}
        for name, body in stack["resource"]["aws_cloudwatch_metric_alarm"].items():
            assert body["alarm_actions"] == body["ok_actions"] == ["${var.alarm_topic_arn}"], name
    target = module_stack["resource"]["aws_cloudwatch_event_target"]["training_job_failed"]
    assert target["arn"] == "${var.alarm_topic_arn}" and "role_arn" not in target


def test_failed_training_rule_matches_failed_jobs_of_the_api_only(module_stack):
    rule = module_stack["resource"]["aws_cloudwatch_event_rule"]["training_job_failed"]
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Training Job State Change"],
        "detail": {"TrainingJobName": [{"prefix": "${var.name_prefix}--"}],
                   "TrainingJobStatus": ["Failed"]}}
