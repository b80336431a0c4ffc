"""SageMaker endpoint state changes call refreshDeployment through EventBridge.

Behind the training_events switch (modules/events.py does the same for training jobs): a rule on
the default bus matches SageMaker's "SageMaker Endpoint State Change" events of endpoints named
"<name_prefix>--*" (deployModelVersion names every endpoint so; a prefix never holds "--", so
another deployment's endpoints never match). The event carries the EndpointConfigName the
endpoint runs (SageMaker Developer Guide, "Events that Amazon SageMaker AI sends to Amazon
EventBridge", endpoint state change), and a deployment's id is its EndpointConfig's name: the
target calls `refreshDeployment(id:)` with it, signed with a role that EventBridge assumes and
that may call only that field. A deployment an event does not name (an update SageMaker rolled
back reports the old config) is refreshed when it is read.
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
from .codegen.deploy import MUTATION
from .codegen.ml import JOB_DELIMITER, refresh_operation
from .inputs import API_ACCOUNT, API_PARTITION, API_REGION, Inputs
from .naming import named

DETAIL_TYPE = "SageMaker Endpoint State Change"


def event_pattern(name_prefix: str) -> str:
    return json.dumps({
        "source": ["aws.sagemaker"],
        "detail-type": [DETAIL_TYPE],
        "detail": {"EndpointName": [{"prefix": f"{name_prefix}{JOB_DELIMITER}"}]},
    }, sort_keys=True)


class DeploymentEvents(Construct):
    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, api: AppsyncGraphqlApi,
                 sdl: str) -> None:
        super().__init__(scope, id_)
        prefix = inputs.name_prefix
        self.rule = named(CloudwatchEventRule(
            self, "rule",
            name=f"{prefix}-endpoint-state",
            description="SageMaker endpoints of the API changed state: refresh deployments.",
            event_pattern=event_pattern(prefix),
            tags=inputs.tags,
        ), "endpoint_state")
        self.role = named(IamRole(
            self, "role",
            name=f"{prefix}-events-deployments",
            description=f"EventBridge calls Mutation.{MUTATION} of the API, nothing else.",
            # EventBridge on behalf of this rule only (confused-deputy prevention).
            assume_role_policy=assume_role_policy(
                "events.amazonaws.com", "${aws_cloudwatch_event_rule.endpoint_state.arn}",
                f"${{local.{API_ACCOUNT}}}"),
            tags=inputs.tags,
        ), "events_deployments")
        named(IamRolePolicy(
            self, "policy", name="appsync", role=self.role.id,
            policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "appsync:GraphQL",
                "Resource": f"{api.arn}/types/Mutation/fields/{MUTATION}",
            }]}, sort_keys=True),
        ), "events_deployments")
        # EventBridge names the API by its GraphQL endpoint: the host's first label.
        url_id = ('${element(split(".", element(split("//", '
                  'aws_appsync_graphql_api.api.uris["GRAPHQL"]), 1)), 0)}')
        self.target = named(CloudwatchEventTarget(
            self, "target",
            rule=self.rule.name,
            target_id="refresh-deployment",
            arn=(f"arn:${{local.{API_PARTITION}}}:appsync:${{local.{API_REGION}}}:"
                 f"${{local.{API_ACCOUNT}}}:endpoints/graphql-api/{url_id}"),
            role_arn=self.role.arn,
            input_transformer={"input_paths": {"id": "$.detail.EndpointConfigName"},
                               "input_template": '{"id": <id>}'},
            appsync_target={"graphql_operation": refresh_operation(sdl, MUTATION)},
        ), "refresh_deployment")


__all__ = ["DeploymentEvents", "event_pattern"]
