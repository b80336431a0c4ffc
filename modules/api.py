"""The AppSync GraphQL API with its auth, API key and logging (role + log group)."""

from __future__ import annotations

import json

from cdktf import Fn, TerraformIterator, TerraformLocal, Token
from constructs import Construct

from .aws import (
    AppsyncApiKey,
    AppsyncGraphqlApi,
    CloudwatchLogGroup,
    IamRole,
    IamRolePolicyAttachment,
)
from .inputs import API_ACCOUNT, Inputs
from .naming import named

# AWS managed policy that lets AppSync write its logs (the seed attached the same one).
LOGS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs"


def assume_role_policy(service: str, source_arn: str, account: str, *,
                       like: bool = False) -> str:
    """A trust policy for a service principal, only on behalf of one resource of this account:
    aws:SourceArn and aws:SourceAccount, as AppSync documents for cross-service confused-deputy
    prevention (AppSync Developer Guide, "Cross-service confused deputy prevention"; IAM User
    Guide, aws:SourceArn and aws:SourceAccount). `like`: an ARN pattern (ArnLike) where the
    exact ARN cannot be named."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account},
                          ("ArnLike" if like else "ArnEquals"): {"aws:SourceArn": source_arn}},
        }],
    }, sort_keys=True)


def api_trust_policy() -> str:
    """Trust of a data source's role: AppSync, on behalf of this API only."""
    return assume_role_policy("appsync.amazonaws.com", "${aws_appsync_graphql_api.api.arn}",
                              f"${{local.{API_ACCOUNT}}}")


# Locals naming where the stack lives, read from a table's ARN (arn:<partition>:dynamodb:
# <region>:<account>:table/...): the logs role's trust needs them before the API exists.
HOME_PARTS = {"home_partition": 1, "home_region": 3, "home_account_id": 4}


class GraphqlApi(Construct):
    """API + log role + log group + (optional) API key."""

    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, schema: str,
                 home_arn: str) -> None:
        """`home_arn`: the ARN of a resource created before the API in its partition, region
        and account (a table): the logs role's trust names AppSync APIs there, since the API,
        which needs the role first, cannot be named in it."""
        super().__init__(scope, id_)
        prefix = inputs.name_prefix
        for name, part in HOME_PARTS.items():
            TerraformLocal(self, name, Fn.element(Fn.split(":", home_arn), part)) \
                .override_logical_id(name)
        partition, region, account = (f"${{local.{n}}}" for n in HOME_PARTS)

        self.logs_role = named(IamRole(
            self, "logs_role",
            name=f"{prefix}-appsync-logs",
            description="Lets AppSync push the API's logs to CloudWatch.",
            assume_role_policy=assume_role_policy(
                "appsync.amazonaws.com", f"arn:{partition}:appsync:{region}:{account}:apis/*",
                account, like=True),
            tags=inputs.tags,
        ), "logs_role")
        named(IamRolePolicyAttachment(
            self, "logs_policy", role=self.logs_role.name, policy_arn=LOGS_POLICY_ARN
        ), "logs_policy")

        extra = TerraformIterator.from_list(inputs.additional_authentication_types)
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
            additional_authentication_provider=extra.dynamic(
                {"authentication_type": extra.value}),
            schema=schema,
            xray_enabled=inputs.xray_enabled,
            log_config={
                "cloudwatch_logs_role_arn": self.logs_role.arn,
                "field_log_level": inputs.log_level,
                # Verbose content only where the operator asks for it (log_verbose_content).
                "exclude_verbose_content": (not inputs.log_verbose_content)
                if isinstance(inputs.log_verbose_content, bool)
                else Fn.conditional(inputs.log_verbose_content, False, True),
            },
            tags=inputs.tags,
            **optional,
        ), "api")

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
