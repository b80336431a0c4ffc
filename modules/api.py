"""The AppSync GraphQL API with its auth, API key and logging (role + log group)."""

from __future__ import annotations

import json

from cdktf import Fn, Token
from constructs import Construct

from .auth import AuthModes
from .aws import (
    AppsyncApiKey,
    AppsyncGraphqlApi,
    CloudwatchLogGroup,
    IamRole,
    IamRolePolicyAttachment,
)
from .inputs import Inputs
from .naming import named

# AWS managed policy that lets AppSync write its logs (the seed attached the same one).
LOGS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs"


def assume_role_policy(service: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }],
    }, sort_keys=True)


class GraphqlApi(Construct):
    """API + log role + log group + (optional) API key."""

    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, schema: str,
                 groups: list[str] = ()) -> None:
        super().__init__(scope, id_)
        self.auth = AuthModes(self, "auth", inputs=inputs, groups=list(groups))
        prefix = inputs.name_prefix

        self.logs_role = named(IamRole(
            self, "logs_role",
            name=f"{prefix}-appsync-logs",
            description="Lets AppSync push the API's logs to CloudWatch.",
            assume_role_policy=assume_role_policy("appsync.amazonaws.com"),
            tags=inputs.tags,
        ), "logs_role")
        named(IamRolePolicyAttachment(
            self, "logs_policy", role=self.logs_role.name, policy_arn=LOGS_POLICY_ARN
        ), "logs_policy")

        optional = {
            key: value for key, value in (
                ("introspection_config", _introspection(inputs.introspection_enabled)),
                ("query_depth_limit", inputs.query_depth_limit),
                ("resolver_count_limit", inputs.resolver_count_limit),
            ) if value is not None
        }
        self.api = named(AppsyncGraphqlApi(
            self, "api",
            name=f"{prefix}-api",
            authentication_type=inputs.authentication_type,
            schema=schema,
            xray_enabled=inputs.xray_enabled,
            log_config={
                "cloudwatch_logs_role_arn": self.logs_role.arn,
                "field_log_level": inputs.log_level,
                "exclude_verbose_content": True,
            },
            tags=inputs.tags,
            **optional,
        ), "api")
        self.auth.apply(self.api)

        # AppSync writes to this fixed group name; owning it here sets retention and tags.
        self.log_group = named(CloudwatchLogGroup(
            self, "log_group",
            name=f"/aws/appsync/apis/{self.api.id}",
            retention_in_days=inputs.log_retention_days,
            kms_key_id=inputs.kms_key_arn,
            tags=inputs.tags,
        ), "api_logs")

        self.api_key = named(AppsyncApiKey(
            self, "api_key",
            api_id=self.api.id,
            description=f"{prefix} default API key",
            count=Token.as_number(inputs.expression(inputs.api_key_count_expr)),
            expires=inputs.expression(
                f'timeadd(timestamp(), format("%dh", {inputs.api_key_hours_expr}))'),
            # timestamp() changes on every plan: set the expiry once, rotate by replacing.
            lifecycle={"ignore_changes": ["expires"]},
        ), "api_key")

    @property
    def api_key_value(self) -> str:
        # count may be 0: join over the splat gives "" instead of an index error.
        return '${join("", aws_appsync_api_key.api_key[*].key)}'


def _introspection(enabled):
    if enabled is None:
        return None
    if isinstance(enabled, bool):
        return "ENABLED" if enabled else "DISABLED"
    return Token.as_string(Fn.conditional(enabled, "ENABLED", "DISABLED"))
