"""Observability switch: CloudWatch alarms and failed training jobs, sent to an SNS topic.

- AppSync `5XXError` (any in 5 minutes) and `Latency` p99 above a threshold, for the API.
- DynamoDB `ThrottledRequests` per table: its dimensions are TableName and Operation, so each
  table's alarm sums the operations the resolvers send (metric math, at most 10 metrics).
- SageMaker "Training Job State Change" events with status Failed for the API's jobs
  (named "<name_prefix>--*", codegen/ml.py JOB_DELIMITER): an EventBridge rule whose target is
  the topic.

Every resource has count = 0 or 1 (alarms_enabled), so the module always offers the switch.
"""

from __future__ import annotations

import json

from cdktf import Token
from constructs import Construct

from .aws import (
    AppsyncGraphqlApi,
    CloudwatchEventRule,
    CloudwatchEventTarget,
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
    DynamodbTable,
)
from .codegen.ir import Schema
from .codegen.ml import JOB_DELIMITER
from .codegen.render import ACTIONS
from .events import DETAIL_TYPE
from .inputs import Inputs
from .naming import named

PERIOD_SECONDS = 300
RULE = "training_job_failed"
# DynamoDB reports ThrottledRequests by API operation: what the templates send, with the
# transaction items (ConditionCheck) counted under TransactWriteItems.
THROTTLE_OPERATIONS = sorted({"TransactWriteItems" if a == "ConditionCheck" else a
                              for a in ACTIONS} | {"TransactWriteItems"})


def failed_training_pattern(name_prefix: str) -> str:
    return json.dumps({
        "source": ["aws.sagemaker"],
        "detail-type": [DETAIL_TYPE],
        "detail": {"TrainingJobName": [{"prefix": f"{name_prefix}{JOB_DELIMITER}"}],
                   "TrainingJobStatus": ["Failed"]},
    }, sort_keys=True)


class Alarms(Construct):
    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, api: AppsyncGraphqlApi,
                 schema: Schema, tables: dict[str, DynamodbTable]) -> None:
        super().__init__(scope, id_)
        prefix, topic = inputs.name_prefix, inputs.alarm_topic_arn
        count = Token.as_number(inputs.expression(inputs.alarms_count_expr))
        common = {"count": count, "alarm_actions": [topic], "ok_actions": [topic],
                  "evaluation_periods": 1, "treat_missing_data": "notBreaching",
                  "tags": inputs.tags}
        appsync = {"namespace": "AWS/AppSync", "period": PERIOD_SECONDS,
                   "dimensions": {"GraphQLAPIId": api.id}}
        self.alarms = {
            "appsync_5xx": named(CloudwatchMetricAlarm(
                self, "appsync_5xx", alarm_name=f"{prefix}-appsync-5xx",
                alarm_description="The API answered with server errors (5XX) in 5 minutes.",
                metric_name="5XXError", statistic="Sum", threshold=0,
                comparison_operator="GreaterThanThreshold", **appsync, **common,
            ), "appsync_5xx"),
            "appsync_latency": named(CloudwatchMetricAlarm(
                self, "appsync_latency", alarm_name=f"{prefix}-appsync-latency-p99",
                alarm_description="The API's p99 latency over 5 minutes is above the threshold "
                                  "(milliseconds).",
                metric_name="Latency", extended_statistic="p99",
                threshold=inputs.alarm_latency_p99_ms,
                comparison_operator="GreaterThanThreshold", **appsync, **common,
            ), "appsync_latency_p99"),
        }
        for entity in schema.tables:
            table = tables[entity.ident]
            # Lists of structs need the struct classes (jsii converts only single dicts).
            queries = [CloudwatchMetricAlarmMetricQuery(
                id=f"m{i}", return_data=False, metric=CloudwatchMetricAlarmMetricQueryMetric(
                    namespace="AWS/DynamoDB", metric_name="ThrottledRequests",
                    period=PERIOD_SECONDS, stat="Sum",
                    dimensions={"TableName": table.name, "Operation": operation}))
                for i, operation in enumerate(THROTTLE_OPERATIONS)]
            queries.append(CloudwatchMetricAlarmMetricQuery(
                id="throttled", expression="SUM(METRICS())", label="ThrottledRequests",
                return_data=True))
            self.alarms[f"throttled_{entity.table}"] = named(CloudwatchMetricAlarm(
                self, f"throttled_{entity.table}",
                alarm_name=f"{prefix}-dynamodb-throttled-{entity.table}",
                alarm_description=f"DynamoDB throttled requests on {entity.table} in 5 minutes "
                                  f"({', '.join(THROTTLE_OPERATIONS)}).",
                metric_query=queries, threshold=0,
                comparison_operator="GreaterThanThreshold", **common,
            ), f"dynamodb_throttled_{entity.table}")
        named(CloudwatchEventRule(
            self, "failed_training", count=count,
            name=f"{prefix}-training-job-failed",
            description="SageMaker training jobs of the API failed: tell the alarm topic.",
            event_pattern=failed_training_pattern(prefix),
            tags=inputs.tags,
        ), RULE)
        # SNS targets need no role: the topic's policy must let events.amazonaws.com publish.
        named(CloudwatchEventTarget(
            self, "failed_training_target", count=count,
            rule=f"${{aws_cloudwatch_event_rule.{RULE}[0].name}}",
            target_id="alarm-topic", arn=topic,
            input_transformer={
                "input_paths": {"job": "$.detail.TrainingJobName",
                                "reason": "$.detail.FailureReason"},
                "input_template": '"SageMaker training job <job> failed: <reason>"'},
        ), "training_job_failed")


__all__ = ["Alarms", "THROTTLE_OPERATIONS", "failed_training_pattern"]
