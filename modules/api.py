"""The AppSync GraphQL API with its auth, API key and logging (role + log group)."""

from __future__ import annotations

import json

from cdktf import Fn, TerraformLocal, Token
from constructs import Construct

from .auth import AuthModes
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


def assume_role_policy(service: str, source_arn: str | list[str], account: str, *,
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
                 home_arn: str, groups: list[str] = ()) -> None:
        """`home_arn`: the ARN of a resource created before the API in its partition, region
        and account (a table): the logs role's trust names AppSync APIs there, since the API,
        which needs the role first, cannot be named in it."""
        super().__init__(scope, id_)
        self.auth = AuthModes(self, "auth", inputs=inputs, groups=list(groups))
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
                # Verbose content only where the operator asks for it (log_verbose_content).
                "exclude_verbose_content": (not inputs.log_verbose_content)
                if isinstance(inputs.log_verbose_content, bool)
                else Fn.conditional(inputs.log_verbose_content, False, True),
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

        rotation_locals(self, inputs)
        self.api_key = named(AppsyncApiKey(
            self, "api_key",
            api_id=self.api.id,
            # No date or period in the description: an instance is never updated, only created
            # when its period starts and deleted when it is two periods old.
            description=f"{prefix} API key",
            # plantimestamp() is fixed for one plan and known while planning; AppSync rounds
            # `expires` down to the hour and needs >= 1 day: hence the extra hour.
            expires=inputs.expression(
                f'timeadd(local.{KEY_CLOCK}, format("%dh", {inputs.api_key_hours_expr}))'),
            # Set once at creation: a later plan's clock must not move a key's expiry.
            lifecycle={"ignore_changes": ["expires"]},
        ), "api_key")
        # One key per rotation period (below); none when API_KEY is off.
        self.api_key.add_override("for_each", inputs.expression(
            f"toset(({inputs.api_key_count_expr}) == 1 ? local.{KEY_PERIODS} : [])"))

    @property
    def api_key_value(self) -> str:
        # The newest key; "" when API_KEY is off (no instance).
        return (f'${{try(aws_appsync_api_key.api_key[local.{KEY_PERIODS}[length('
                f'local.{KEY_PERIODS}) - 1]].key, "")}}')


# API key rotation without a time provider. A plan's clock (plantimestamp()) is turned into a
# day number since 1970-01-01 (the civil-from-days formula of H. Hinnant's date algorithms,
# on Terraform's formatdate fields) and divided into periods of api_key_rotation_days. The keys
# are keyed by period: the current one and the one before it. When a plan falls in a new
# period, it creates the new key and deletes the oldest; the one in between keeps working for
# one more period, so clients switch to the new key (output appsync_api_key) while the old one
# still works. With rotation 0 there is a single key, "p0", never replaced.
KEY_CLOCK = "api_key_clock"
KEY_DAY = "api_key_day"
KEY_PERIODS = "api_key_periods"


def rotation_locals(scope: Construct, inputs: Inputs) -> None:
    def part(fmt: str) -> str:
        return f'tonumber(formatdate("{fmt}", local.{KEY_CLOCK}))'

    # March-based year and month: February (with the leap day) ends the year.
    year = f"({part('YYYY')} - ({part('M')} <= 2 ? 1 : 0))"
    month = f"(({part('M')} + 9) % 12)"
    rotation = inputs.api_key_rotation_expr
    values = {
        KEY_CLOCK: "${plantimestamp()}",
        KEY_DAY: (f"${{365 * {year} + floor({year} / 4) - floor({year} / 100) + "
                  f"floor({year} / 400) + floor((153 * {month} + 2) / 5) + {part('D')} - 1 "
                  "- 719468}"),
        KEY_PERIODS: (f"${{{rotation} > 0 ? [for n in [floor(local.{KEY_DAY} / {rotation}) - 1, "
                      f"floor(local.{KEY_DAY} / {rotation})] : format(\"p%d\", n)] : [\"p0\"]}}"),
    }
    for name, value in values.items():
        TerraformLocal(scope, name, value).override_logical_id(name)


def _introspection(enabled):
    if enabled is None:
        return None
    if isinstance(enabled, bool):
        return "ENABLED" if enabled else "DISABLED"
    return Token.as_string(Fn.conditional(enabled, "ENABLED", "DISABLED"))
