"""A WAFv2 web ACL in front of the API: AWS managed rule groups, with its own logs."""

from __future__ import annotations

from constructs import Construct

from .aws import (
    AppsyncGraphqlApi,
    CloudwatchLogGroup,
    Wafv2WebAcl,
    Wafv2WebAclAssociation,
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclRule,
)
from .inputs import Inputs
from .naming import named

# Known bad inputs covers Log4Shell-style payloads; anonymous IPs blocks hosting/VPN/Tor sources.
MANAGED_RULES = ("AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAnonymousIpList")


def _visibility(metric: str) -> dict:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric,
            "sampled_requests_enabled": True}


class Waf(Construct):
    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs,
                 api: AppsyncGraphqlApi) -> None:
        super().__init__(scope, id_)
        prefix = inputs.name_prefix
        self.acl = named(Wafv2WebAcl(
            self, "acl",
            name=f"{prefix}-api",
            scope="REGIONAL",
            default_action={"allow": {}},
            rule=[Wafv2WebAclRule(
                name=group,
                priority=priority,
                override_action={"none": {}},
                # `statement` is untyped in the bindings: Terraform's own block names.
                statement={"managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}},
                visibility_config=_visibility(group),
            ) for priority, group in enumerate(MANAGED_RULES)],
            visibility_config=_visibility(f"{prefix}-api"),
            tags=inputs.tags,
        ), "api")
        named(Wafv2WebAclAssociation(
            self, "association", resource_arn=api.arn, web_acl_arn=self.acl.arn,
        ), "api")
        # WAF only logs to groups whose name starts with aws-waf-logs-.
        logs = named(CloudwatchLogGroup(
            self, "logs",
            name=f"aws-waf-logs-{prefix}-api",
            retention_in_days=inputs.log_retention_days,
            kms_key_id=inputs.kms_key_arn,
            tags=inputs.tags,
        ), "waf_logs")
        named(Wafv2WebAclLoggingConfiguration(
            self, "logging", resource_arn=self.acl.arn, log_destination_configs=[logs.arn],
        ), "api")
