"""SageMaker training job state changes call refreshTrainingJob through EventBridge.

An EventBridge rule on the default bus matches SageMaker's "SageMaker Training Job State
Change" events for jobs named "<name_prefix>--*" (the API names every job it starts so: the
job's id; a prefix never holds "--", so another deployment's jobs never match). Its target
calls the AppSync mutation `refreshTrainingJob(id:)` with the job name, signed
with a role that EventBridge assumes and that may call only that one field. The mutation reads
the job from SageMaker and stores it, so subscribers (onTrainingJobUpdated) hear of the change
without anyone polling.

AppSync targets sign with IAM only, and the schema carries no auth directives: IAM must be the
API's default mode (the module's authentication_type variable is validated for it).
"""

from __future__ import annotations

import json

from constructs import Construct

from .api import assume_role_policy
from .aws import (
    AppsyncGraphqlApi,
    CloudwatchEventRule,
    CloudwatchEventTarget,
    IamRole,
    IamRolePolicy,
)
from .codegen.ml import JOB_DELIMITER, MUTATION, refresh_operation
from .inputs import API_ACCOUNT, API_PARTITION, API_REGION, Inputs
from .naming import named

DETAIL_TYPE = "SageMaker Training Job State Change"


def event_pattern(name_prefix: str) -> str:
    return json.dumps({
        "source": ["aws.sagemaker"],
        "detail-type": [DETAIL_TYPE],
        "detail": {"TrainingJobName": [{"prefix": f"{name_prefix}{JOB_DELIMITER}"}]},
    }, sort_keys=True)


class TrainingEvents(Construct):
    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, api: AppsyncGraphqlApi,
                 sdl: str) -> None:
        super().__init__(scope, id_)
        prefix = inputs.name_prefix
        self.rule = named(CloudwatchEventRule(
            self, "rule",
            name=f"{prefix}-training-job-state",
            description="SageMaker training jobs of the API changed state: refresh them.",
            event_pattern=event_pattern(prefix),
            tags=inputs.tags,
        ), "training_job_state")
        self.role = named(IamRole(
            self, "role",
            name=f"{prefix}-events-training-jobs",
            description=f"EventBridge calls Mutation.{MUTATION} of the API, nothing else.",
            # EventBridge on behalf of this rule only (confused-deputy prevention).
            assume_role_policy=assume_role_policy(
                "events.amazonaws.com", "${aws_cloudwatch_event_rule.training_job_state.arn}",
                f"${{local.{API_ACCOUNT}}}"),
            tags=inputs.tags,
        ), "events_training_jobs")
        named(IamRolePolicy(
            self, "policy", name="appsync", role=self.role.id,
            policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "appsync:GraphQL",
                "Resource": f"{api.arn}/types/Mutation/fields/{MUTATION}",
            }]}, sort_keys=True),
        ), "events_training_jobs")
        # EventBridge names the API by its GraphQL endpoint: the host's first label.
        url_id = ('${element(split(".", element(split("//", '
                  'aws_appsync_graphql_api.api.uris["GRAPHQL"]), 1)), 0)}')
        self.target = named(CloudwatchEventTarget(
            self, "target",
            rule=self.rule.name,
            target_id="refresh-training-job",
            arn=(f"arn:${{local.{API_PARTITION}}}:appsync:${{local.{API_REGION}}}:"
                 f"${{local.{API_ACCOUNT}}}:endpoints/graphql-api/{url_id}"),
            role_arn=self.role.arn,
            # The job name is the job's id; a string placeholder is inserted quoted.
            input_transformer={"input_paths": {"id": "$.detail.TrainingJobName"},
                               "input_template": '{"id": <id>}'},
            appsync_target={"graphql_operation": refresh_operation(sdl)},
        ), "refresh_training_job")


__all__ = ["TrainingEvents", "event_pattern", "refresh_operation"]
