"""SageMaker training job state changes call refreshTrainingJob through EventBridge (and
transform job state changes refreshBatchPrediction, endpoint state changes refreshDeployment,
when the schema has them: KINDS).

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
from dataclasses import dataclass

from constructs import Construct

from .api import assume_role_policy
from .aws import (
    AppsyncGraphqlApi,
    CloudwatchEventRule,
    CloudwatchEventTarget,
    IamRole,
    IamRolePolicy,
)
from .codegen.deploy import MUTATION as DEPLOY_MUTATION
from .codegen.ml import JOB_DELIMITER, MUTATION, TRANSFORM_MUTATION, refresh_operation
from .inputs import API_ACCOUNT, API_PARTITION, API_REGION, Inputs
from .naming import named

DETAIL_TYPE = "SageMaker Training Job State Change"


@dataclass(frozen=True)
class EventKind:
    """One kind of SageMaker resource whose state changes call a status mutation."""

    detail_type: str
    name_field: str  # the resource's name in the event's detail (the rule matches its prefix)
    mutation: str
    slug: str  # of Terraform names: "<slug>_job_state", "events_<slug>_jobs"
    target: str  # the target's id and Terraform name, with '-' for '_'
    # The detail field holding the id the mutation takes (default: name_field, a job's id).
    id_field: str = ""
    # Terraform names of the rule and role (with '-' for '_' their AWS names after the prefix),
    # and the rule's description; defaults from the slug, for jobs.
    rule: str = ""
    role: str = ""
    description: str = ""

    @property
    def rule_id(self) -> str:
        return self.rule or f"{self.slug}_job_state"

    @property
    def role_id(self) -> str:
        return self.role or f"events_{self.slug}_jobs"


KINDS = {
    "training": EventKind(DETAIL_TYPE, "TrainingJobName", MUTATION, "training",
                          "refresh-training-job"),
    # Batch predictions (SageMaker Developer Guide, "Automating SageMaker with Amazon
    # EventBridge": transform job state change).
    "transform": EventKind("SageMaker Transform Job State Change", "TransformJobName",
                           TRANSFORM_MUTATION, "transform", "refresh-batch-prediction"),
    # Deployments: the event carries the EndpointConfigName the endpoint runs (SageMaker
    # Developer Guide, "Events that Amazon SageMaker AI sends to Amazon EventBridge", endpoint
    # state change), and a deployment's id is its EndpointConfig's name. A deployment an event
    # does not name (an update SageMaker rolled back reports the old config) is refreshed when
    # it is read; the one an update replaced is marked REPLACED by the refresh that takes its
    # successor IN_SERVICE (templates/vtl/deploy/refresh_retire.req).
    "deploy": EventKind("SageMaker Endpoint State Change", "EndpointName", DEPLOY_MUTATION,
                        "endpoint", "refresh-deployment", id_field="EndpointConfigName",
                        rule="endpoint_state", role="events_deployments",
                        description="SageMaker endpoints of the API changed state: refresh "
                                    "deployments."),
}


def event_pattern(name_prefix: str, kind: EventKind = KINDS["training"]) -> str:
    return json.dumps({
        "source": ["aws.sagemaker"],
        "detail-type": [kind.detail_type],
        "detail": {kind.name_field: [{"prefix": f"{name_prefix}{JOB_DELIMITER}"}]},
    }, sort_keys=True)


def supports(sdl: str, kind: EventKind) -> bool:
    """Whether the schema has the kind's status mutation (refresh_operation's rules)."""
    try:
        refresh_operation(sdl, kind.mutation)
    except ValueError:
        return False
    return True


class TrainingEvents(Construct):
    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, api: AppsyncGraphqlApi,
                 sdl: str, kind: EventKind = KINDS["training"]) -> None:
        super().__init__(scope, id_)
        prefix, slug, mutation = inputs.name_prefix, kind.slug, kind.mutation
        name = kind.name_field
        self.rule = named(CloudwatchEventRule(
            self, "rule",
            name=f"{prefix}-{kind.rule_id.replace('_', '-')}",
            description=kind.description
            or f"SageMaker {slug} jobs of the API changed state: refresh them.",
            event_pattern=event_pattern(prefix, kind),
            tags=inputs.tags,
        ), kind.rule_id)
        self.role = named(IamRole(
            self, "role",
            name=f"{prefix}-{kind.role_id.replace('_', '-')}",
            description=f"EventBridge calls Mutation.{mutation} of the API, nothing else.",
            # EventBridge on behalf of this rule only (confused-deputy prevention).
            assume_role_policy=assume_role_policy(
                "events.amazonaws.com", f"${{aws_cloudwatch_event_rule.{kind.rule_id}.arn}}",
                f"${{local.{API_ACCOUNT}}}"),
            tags=inputs.tags,
        ), kind.role_id)
        named(IamRolePolicy(
            self, "policy", name="appsync", role=self.role.id,
            policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "appsync:GraphQL",
                "Resource": f"{api.arn}/types/Mutation/fields/{mutation}",
            }]}, sort_keys=True),
        ), kind.role_id)
        # EventBridge names the API by its GraphQL endpoint: the host's first label.
        url_id = ('${element(split(".", element(split("//", '
                  'aws_appsync_graphql_api.api.uris["GRAPHQL"]), 1)), 0)}')
        self.target = named(CloudwatchEventTarget(
            self, "target",
            rule=self.rule.name,
            target_id=kind.target,
            arn=(f"arn:${{local.{API_PARTITION}}}:appsync:${{local.{API_REGION}}}:"
                 f"${{local.{API_ACCOUNT}}}:endpoints/graphql-api/{url_id}"),
            role_arn=self.role.arn,
            # A string placeholder is inserted quoted.
            input_transformer={"input_paths": {"id": f"$.detail.{kind.id_field or name}"},
                               "input_template": '{"id": <id>}'},
            appsync_target={"graphql_operation": refresh_operation(sdl, mutation)},
        ), kind.target.replace("-", "_"))


__all__ = ["KINDS", "EventKind", "TrainingEvents", "event_pattern", "refresh_operation",
           "supports"]
