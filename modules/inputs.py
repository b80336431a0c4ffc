"""What the constructs are built from: literal settings (root) or Terraform variables (module).

Both stacks build the same constructs from an `Inputs`. The root stack bakes the validated
settings in as literals; the module stack passes `var.*` references, so platform teams set them.
Structural switches (which arguments exist at all) stay synth-time settings, because an argument
an old provider does not know fails `terraform validate` even when its value is null.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf import TerraformStack, TerraformVariable, TerraformVariableValidationConfig, Token

from . import guardrails
from .config import (
    ALARM_LATENCY_MS,
    API_KEY_EXPIRY_DAYS,
    API_KEY_ROTATION_DAYS,
    AUTH_TYPES,
    BEDROCK_MODEL_ID,
    ENDPOINT_NAME,
    LOG_LEVELS,
    LOG_RETENTION_DAYS,
    PREDICTION_OUTPUT_PREFIX_MAX,
    PREDICTION_OUTPUT_URI,
    PREDICTION_TTL_DAYS,
    QUERY_DEPTH_LIMIT,
    RESOLVER_COUNT_LIMIT,
    S3_PREFIX,
    SNS_TOPIC_ARN,
    Settings,
)
from .guardrails import whole_number


@dataclass(frozen=True)
class Inputs:
    settings: Settings
    name_prefix: str
    tags: Any
    authentication_type: str
    additional_authentication_types: Any
    log_level: str
    log_verbose_content: Any
    log_retention_days: Any
    xray_enabled: Any
    # Terraform expressions (without ${}) so one code path serves literals and variables.
    api_key_count_expr: str
    api_key_hours_expr: str
    introspection_enabled: Any = None
    query_depth_limit: Any = None
    resolver_count_limit: Any = None
    deletion_protection: Any = None
    kms_key_arn: Any = None
    # Seconds a stored prediction lives (DynamoDB TTL); 0 keeps it. A Terraform expression.
    prediction_ttl_seconds: str = "0"
    # Where long prediction outputs go, s3://bucket/prefix/ or "": a literal (root) or the
    # expression var.prediction_output_uri (module).
    prediction_output_uri: str = ""
    waf_enabled: bool = False
    # SageMaker/Bedrock: see modules/ml.py. Expressions where the value is known only after
    # apply (the account, read from the API's ARN) or comes from a variable.
    ml_execution_role_arn: str = ""
    ml_endpoint_names: Any = ()
    ml_bedrock_model_ids: Any = ()
    ml_region: str = ""
    ml_partition: str = ""
    ml_lists_are_variables: bool = False
    # The execution role the stack may create (count expression) and the S3 prefixes it may
    # read and write (lists of s3:// URIs: literals, or variable references).
    ml_role_count_expr: str = "0"
    ml_input_prefixes: Any = ()
    ml_output_prefixes: Any = ()
    # A new API key every this many days (expression; 0: one key, never rotated).
    api_key_rotation_expr: str = "0"
    # Alarms and failed-training notifications (modules/alarms.py): count expression, topic.
    alarms_count_expr: str = "0"
    alarm_topic_arn: Any = ""
    alarm_latency_p99_ms: Any = 2000
    # The EventBridge rule calling refreshTrainingJob (modules/events.py).
    training_events: bool = False
    # Authorization modes (modules/auth.py): True when they come from variables (module).
    auth_variables: bool = False
    oidc_issuer: Any = None
    oidc_client_id: Any = None
    oidc_auth_ttl: Any = 0
    oidc_iat_ttl: Any = 0
    lambda_authorizer_arn: Any = None
    lambda_authorizer_result_ttl: Any = 300

    @classmethod
    def literal(cls, s: Settings) -> Inputs:
        # AppSync rounds `expires` down to the hour and needs >= 1 day: add an hour, except at
        # the 365-day maximum, where rounding down keeps it inside the limit.
        hours = s.api_key_expiry_days * 24 + (1 if s.api_key_expiry_days < 365 else 0)
        return cls(
            settings=s,
            name_prefix=s.name_prefix,
            tags=dict(s.tags),
            authentication_type=s.authentication_type,
            additional_authentication_types=list(s.additional_authentication_types),
            log_level=s.log_level,
            log_verbose_content=s.log_verbose_content,
            log_retention_days=s.log_retention_days,
            xray_enabled=s.xray_enabled,
            prediction_ttl_seconds=str(s.prediction_ttl_days * 86400),
            prediction_output_uri=s.prediction_output_uri or "",
            api_key_count_expr="1" if s.api_key_enabled else "0",
            api_key_hours_expr=str(hours),
            introspection_enabled=s.introspection_enabled,
            query_depth_limit=s.query_depth_limit,
            resolver_count_limit=s.resolver_count_limit,
            deletion_protection=s.deletion_protection,
            kms_key_arn=s.kms_key_arn,
            waf_enabled=bool(s.waf_enabled),
            # A created role has this very name, so its ARN is known without referencing it
            # (and the local runtime, which cannot read an ARN after apply, resolves it).
            ml_execution_role_arn=s.sagemaker_execution_role_arn or (
                f"arn:{partition(s.region)}:iam::${{local.{API_ACCOUNT}}}:role/"
                f"{s.name_prefix}-sagemaker-execution"),
            ml_role_count_expr="1" if s.sagemaker_execution_role_create else "0",
            ml_input_prefixes=list(s.sagemaker_input_s3_prefixes),
            ml_output_prefixes=list(s.sagemaker_output_s3_prefixes),
            api_key_rotation_expr=str(s.api_key_rotation_days),
            alarms_count_expr="1" if s.alarm_topic_arn else "0",
            alarm_topic_arn=s.alarm_topic_arn or "",
            alarm_latency_p99_ms=s.alarm_latency_p99_ms,
            ml_endpoint_names=list(s.sagemaker_endpoint_names),
            ml_bedrock_model_ids=list(s.bedrock_model_ids),
            ml_region=s.region,
            ml_partition=partition(s.region),
            training_events=bool(s.training_events),
            oidc_issuer=s.oidc_issuer,
            oidc_client_id=s.oidc_client_id,
            oidc_auth_ttl=s.oidc_auth_ttl,
            oidc_iat_ttl=s.oidc_iat_ttl,
            lambda_authorizer_arn=s.lambda_authorizer_arn,
            lambda_authorizer_result_ttl=s.lambda_authorizer_result_ttl,
        )

    @classmethod
    def variables(cls, stack: TerraformStack, s: Settings) -> Inputs:
        """Declare typed, validated variables whose defaults are the settings' values."""

        def var(name: str, type_: str, default: Any, description: str,
                condition: str | None = None, message: str | None = None,
                more: tuple[tuple[str, str], ...] = ()) -> TerraformVariable:
            validation = [TerraformVariableValidationConfig(condition=c, error_message=m)
                          for c, m in ((condition, message), *more) if c] or None
            # cdktf snake-cases the keys of a map default ("managed-by" would become
            # "managed_by"); an override is written as given.
            is_map = isinstance(default, dict)
            variable = TerraformVariable(stack, name, type=type_,
                                         default=None if is_map else default,
                                         description=description, nullable=False,
                                         validation=validation)
            if is_map:
                variable.add_override("default", default)
            return variable

        def one_of(name: str, values: tuple) -> str:
            return f"${{contains({_hcl_list(values)}, var.{name})}}"

        # AWS_LAMBDA needs lambda_authorizer_config, which raises the provider floor: the
        # module takes it only when its settings name an authorizer (SWITCH_FLOORS).
        # A module without the API key in its settings (the hardened one) refuses it.
        modes = tuple(m for m in AUTH_TYPES if (m != "AWS_LAMBDA" or s.lambda_authorizer_arn)
                      and (m != "API_KEY" or s.api_key_enabled))
        prefix = var("name_prefix", "string", s.name_prefix,
                     "Prefix of every global name (tables, roles, API).",
                     "${can(regex(\"^[a-z][a-z0-9-]{1,22}[a-z0-9]$\", var.name_prefix)) && "
                     "!strcontains(var.name_prefix, \"--\")}",
                     "The name_prefix must be 3-24 characters: lower-case letters, digits and "
                     "'-', starting with a letter, without '--' (the delimiter before job ids).")
        tags = var("tags", "map(string)", dict(s.tags), "Tags added to every taggable resource.")
        auth = var("authentication_type", "string", s.authentication_type,
                   "Default authorization mode of the API.", one_of("authentication_type", modes),
                   f"The authentication_type must be one of {', '.join(modes)}.")
        extra = var("additional_authentication_types", "list(string)",
                    list(s.additional_authentication_types),
                    "More authorization modes (API_KEY creates a key).",
                    "${alltrue([for t in var.additional_authentication_types : "
                    f"contains({_hcl_list(modes)}, t) && t != var.authentication_type])}}",
                    f"Each additional authentication type must be one of {', '.join(modes)} "
                    "and differ from authentication_type.",
                    # EventBridge calls refreshTrainingJob with IAM (its @aws_iam lets IAM in as
                    # any mode). On this variable: a check on both would be a cycle.
                    more=(('${contains(concat([var.authentication_type], '
                           'var.additional_authentication_types), "AWS_IAM")}',
                           "This module's EventBridge rule calls refreshTrainingJob with IAM: "
                           "AWS_IAM must be the authentication_type or an additional one."),)
                    if s.training_events else ())
        optional: dict[str, Any] = {}
        auth_modes = "concat([var.authentication_type], var.additional_authentication_types)"
        var("cognito_user_pool_id", "string", s.cognito_user_pool_id or "",
            "User pool of AMAZON_COGNITO_USER_POOLS (\"\": the pool this module creates, "
            "cognito_create_user_pool).",
            f"${{!contains({auth_modes}, \"AMAZON_COGNITO_USER_POOLS\") || "
            "(var.cognito_user_pool_id != \"\") != var.cognito_create_user_pool}",
            "AMAZON_COGNITO_USER_POOLS needs cognito_user_pool_id or cognito_create_user_pool "
            "(not both).")
        var("cognito_create_user_pool", "bool", bool(s.cognito_create_user_pool),
            "Create a user pool (e-mail sign-in, admin-created users, an app client) with the "
            "groups the schema's @auth rules name.")
        issuer = var("oidc_issuer", "string", s.oidc_issuer or "",
                     "OPENID_CONNECT issuer URL (the tokens' iss).",
                     f"${{!contains({auth_modes}, \"OPENID_CONNECT\") || "
                     "can(regex(\"^https://\", var.oidc_issuer))}",
                     "OPENID_CONNECT needs oidc_issuer, an https:// URL.")
        client = var("oidc_client_id", "string", s.oidc_client_id or "",
                     "OPENID_CONNECT client id (the tokens' aud); \"\": any.")
        auth_ttl = var("oidc_auth_ttl", "number", s.oidc_auth_ttl,
                       "Seconds an OIDC token is valid after authentication (0: no limit).",
                       "${var.oidc_auth_ttl >= 0}", "The oidc_auth_ttl must be 0 or more.")
        iat_ttl = var("oidc_iat_ttl", "number", s.oidc_iat_ttl,
                      "Seconds an OIDC token is valid after issue (0: no limit).",
                      "${var.oidc_iat_ttl >= 0}", "The oidc_iat_ttl must be 0 or more.")
        if s.lambda_authorizer_arn:
            # Default "" (the setting only switches the block on): required with AWS_LAMBDA.
            optional["lambda_authorizer_arn"] = var(
                "lambda_authorizer_arn", "string",
                s.lambda_authorizer_arn if "AWS_LAMBDA" in s.auth_modes else "",
                "AWS_LAMBDA authorizer function ARN (AppSync gets permission to invoke it).",
                f"${{!contains({auth_modes}, \"AWS_LAMBDA\") || "
                "can(regex(\"^arn:aws[a-z-]*:lambda:\", var.lambda_authorizer_arn))}",
                "AWS_LAMBDA needs lambda_authorizer_arn, a Lambda function ARN.").string_value
            optional["lambda_authorizer_result_ttl"] = var(
                "lambda_authorizer_result_ttl", "number", s.lambda_authorizer_result_ttl,
                "Seconds AppSync caches the authorizer's answer (0-3600).",
                "${var.lambda_authorizer_result_ttl >= 0 && "
                "var.lambda_authorizer_result_ttl <= 3600}",
                "The lambda_authorizer_result_ttl must be from 0 to 3600.").number_value
        level = var("log_level", "string", s.log_level, "AppSync field log level.",
                    one_of("log_level", LOG_LEVELS),
                    f"The log_level must be one of {', '.join(LOG_LEVELS)}.")
        retention = var("log_retention_days", "number", s.log_retention_days,
                        "Retention of the API's CloudWatch log group, in days.",
                        one_of("log_retention_days", LOG_RETENTION_DAYS),
                        "The log_retention_days must be a CloudWatch retention period.")
        var("api_key_expiry_days", "number", s.api_key_expiry_days,
            "Days until the API key expires (AppSync allows 1-365).",
            *whole_number("api_key_expiry_days", API_KEY_EXPIRY_DAYS))
        var("api_key_rotation_days", "number", s.api_key_rotation_days,
            "Days between API keys: every apply in a new period of this many days creates a new "
            "key (output appsync_api_key) and deletes the one before the previous, so the "
            "previous key keeps working for one more period. 0: one key, never rotated. Apply at "
            "least once per period, or the keys expire.",
            *whole_number("api_key_rotation_days", API_KEY_ROTATION_DAYS),
            more=(("${var.api_key_rotation_days == 0 || "
                   "2 * var.api_key_rotation_days <= var.api_key_expiry_days}",
                   "The api_key_rotation_days must be at most half of api_key_expiry_days: the "
                   "previous key must stay valid until the next rotation replaces it."),))
        verbose = var("log_verbose_content", "bool", s.log_verbose_content,
                      "Log verbose content (headers, context, evaluated templates: with "
                      "log_level ALL, prediction inputs and outputs) in the field logs.")
        xray = var("xray_enabled", "bool", s.xray_enabled, "Send traces to AWS X-Ray.")
        var("prediction_ttl_days", "number", s.prediction_ttl_days,
            "Days a stored prediction (input and output) is kept before DynamoDB's TTL "
            "deletes it; 0 keeps them.",
            *whole_number("prediction_ttl_days", PREDICTION_TTL_DAYS))
        var("prediction_output_uri", "string", s.prediction_output_uri or "",
            "Where predict writes an output too long for its stored prediction (over 65,536 "
            "characters): s3://<bucket>/<prefix>/ (bucket in the API's region, name without "
            "'.'); the object is <prefix><model>/<prediction id>.json and the prediction "
            "records its outputUri. \"\": such an output is only returned to the caller.",
            f"${{var.prediction_output_uri == \"\" || (can(regex("
            f"\"{_hcl_escape(PREDICTION_OUTPUT_URI)}\", var.prediction_output_uri)) && "
            f"length(var.prediction_output_uri) <= {PREDICTION_OUTPUT_PREFIX_MAX})}}",
            "The prediction_output_uri must be \"\" or s3://<bucket>/ or "
            "s3://<bucket>/<prefix>/: a bucket name without '.', key segments of letters, "
            "digits and !_.()- not starting with '.', ending in '/', at most "
            f"{PREDICTION_OUTPUT_PREFIX_MAX} characters.")
        var("protected_aliases", "list(string)", list(s.protected_aliases),
            "Aliases setModelAlias sets only to an APPROVED version.",
            "${alltrue([for a in var.protected_aliases : "
            "can(regex(\"^[A-Za-z0-9_-]{1,64}$\", a))])}",
            "Each protected_aliases entry must be 1-64 letters, digits, '_' or '-'.")
        var("deploy_requires_approval", "bool", s.deploy_requires_approval,
            "deployModelVersion deploys only APPROVED versions; false: any version.")
        guardrails.declare(stack, s)
        if s.introspection_enabled is not None:
            optional["introspection_enabled"] = var(
                "introspection_enabled", "bool", s.introspection_enabled,
                "Allow schema introspection queries.").boolean_value
        for key, (lo, hi), what in (("query_depth_limit", QUERY_DEPTH_LIMIT, "query depth"),
                                    ("resolver_count_limit", RESOLVER_COUNT_LIMIT,
                                     "resolvers per request")):
            # Always bounded: AppSync's 0 ("no limit") is refused here as in the settings.
            optional[key] = var(
                key, "number", getattr(s, key), f"Maximum {what} per request ({lo}-{hi}).",
                f"${{var.{key} >= {lo} && var.{key} <= {hi}}}",
                f"The {key} must be from {lo} to {hi}.").number_value
        if s.deletion_protection is not None:
            optional["deletion_protection"] = var(
                "deletion_protection", "bool", s.deletion_protection,
                "Protect the DynamoDB tables from deletion.").boolean_value
        if s.kms_key_arn is not None:
            # No default: whoever turns encryption with their own key on must name the key.
            optional["kms_key_arn"] = TerraformVariable(
                stack, "kms_key_arn", type="string", nullable=False,
                description="Customer managed KMS key for the tables and log groups.",
                validation=[TerraformVariableValidationConfig(
                    condition="${can(regex(\"^arn:aws[a-z-]*:kms:\", var.kms_key_arn))}",
                    error_message="The kms_key_arn must be a KMS key ARN.")],
            ).string_value
        var("sagemaker_execution_role_arn", "string", s.sagemaker_execution_role_arn or "",
                   "Role SageMaker runs training jobs with (iam:PassRole is granted for it "
                   "only); \"\": <name_prefix>-sagemaker-execution in the API's account.",
                   "${var.sagemaker_execution_role_arn == \"\" || can(regex("
                   "\"^arn:aws[a-z-]*:iam::[0-9]{12}:role/\", var.sagemaker_execution_role_arn))}",
                   "The sagemaker_execution_role_arn must be an IAM role ARN or \"\".")
        endpoints = var("sagemaker_endpoint_names", "list(string)",
                        list(s.sagemaker_endpoint_names),
                        "SageMaker endpoints predict may invoke (the only ones its role allows).",
                        "${alltrue([for n in var.sagemaker_endpoint_names : "
                        f"can(regex(\"{ENDPOINT_NAME}\", n))])}}",
                        "Each sagemaker_endpoint_names entry must be a SageMaker endpoint name.")
        models = var("bedrock_model_ids", "list(string)", list(s.bedrock_model_ids),
                     "Bedrock models predict may invoke (the only ones its role allows).",
                     "${alltrue([for n in var.bedrock_model_ids : "
                     f"can(regex(\"{BEDROCK_MODEL_ID}\", n))])}}",
                     "Each bedrock_model_ids entry must be a Bedrock model id.")
        var("sagemaker_execution_role_create", "bool", s.sagemaker_execution_role_create,
            "Create the SageMaker execution role <name_prefix>-sagemaker-execution: SageMaker "
            "may assume it, read only sagemaker_input_s3_prefixes, write only "
            "sagemaker_output_s3_prefixes, and write training logs and metrics.",
            more=(("${!var.sagemaker_execution_role_create || "
                   "(var.sagemaker_execution_role_arn == \"\" && "
                   "length(var.sagemaker_input_s3_prefixes) > 0 && "
                   "length(var.sagemaker_output_s3_prefixes) > 0)}",
                   "A created execution role needs sagemaker_input_s3_prefixes and "
                   "sagemaker_output_s3_prefixes, and no sagemaker_execution_role_arn."),))
        prefixes = {}
        for key, what in (("sagemaker_input_s3_prefixes", "read training data from"),
                          ("sagemaker_output_s3_prefixes", "write model artifacts to")):
            prefixes[key] = var(
                key, "list(string)", list(getattr(s, key)),
                f"S3 prefixes (s3://bucket/ or s3://bucket/prefix/) training jobs may {what}: "
                "the resolver refuses other inputUri/outputUri values, and a created execution "
                "role is granted only these.",
                f"${{alltrue([for p in var.{key} : "
                f"can(regex(\"{_hcl_escape(S3_PREFIX)}\", p))])}}",
                f"Each {key} entry must be an S3 prefix ending in '/', s3://<bucket>/ or "
                "s3://<bucket>/<prefix>/, without wildcards, quotes or spaces.").list_value
        var("alarms_enabled", "bool", s.alarm_topic_arn is not None,
            "CloudWatch alarms (AppSync 5XX errors and p99 latency, DynamoDB throttled requests "
            "per table) and failed SageMaker training jobs, sent to alarm_topic_arn.",
            more=((f"${{!var.alarms_enabled || can(regex(\"{SNS_TOPIC_ARN}\", "
                   "var.alarm_topic_arn))}",
                   "The alarms need alarm_topic_arn, an SNS topic ARN "
                   "(arn:aws:sns:<region>:<account>:<name>), or alarms_enabled = false."),))
        topic = var("alarm_topic_arn", "string", "",
                    "SNS topic the alarms and failed-training events go to. Its policy must let "
                    "events.amazonaws.com publish (and cloudwatch.amazonaws.com, if it is "
                    "encrypted with a customer managed key).",
                    f"${{var.alarm_topic_arn == \"\" || can(regex(\"{SNS_TOPIC_ARN}\", "
                    "var.alarm_topic_arn))}",
                    "The alarm_topic_arn must be an SNS topic ARN or \"\".")
        lo, hi = ALARM_LATENCY_MS
        latency = var("alarm_latency_p99_ms", "number", s.alarm_latency_p99_ms,
                      "The p99 latency alarm's threshold, in milliseconds (5-minute periods).",
                      f"${{var.alarm_latency_p99_ms >= {lo} && var.alarm_latency_p99_ms <= {hi}}}",
                      f"The alarm_latency_p99_ms must be from {lo} to {hi}.")
        # Given, else <name_prefix>-sagemaker-execution: the created role's name as well.
        role_arn = (
            "${var.sagemaker_execution_role_arn != \"\" ? var.sagemaker_execution_role_arn : "
            f"\"arn:${{local.{API_PARTITION}}}:iam::${{local.{API_ACCOUNT}}}:role/"
            "${var.name_prefix}-sagemaker-execution\"}")
        optional.update(
            ml_execution_role_arn=role_arn,
            ml_endpoint_names=endpoints.list_value,
            ml_bedrock_model_ids=models.list_value,
            ml_region=f"${{local.{API_REGION}}}",
            ml_partition=f"${{local.{API_PARTITION}}}",
            ml_lists_are_variables=True,
            ml_role_count_expr="var.sagemaker_execution_role_create ? 1 : 0",
            ml_input_prefixes=prefixes["sagemaker_input_s3_prefixes"],
            ml_output_prefixes=prefixes["sagemaker_output_s3_prefixes"],
            api_key_rotation_expr="var.api_key_rotation_days",
            alarms_count_expr="var.alarms_enabled ? 1 : 0",
            alarm_topic_arn=topic.string_value,
            alarm_latency_p99_ms=latency.number_value,
            training_events=bool(s.training_events),
            auth_variables=True,
            oidc_issuer=issuer.string_value,
            oidc_client_id=client.string_value,
            oidc_auth_ttl=auth_ttl.number_value,
            oidc_iat_ttl=iat_ttl.number_value,
        )
        return cls(
            settings=s,
            waf_enabled=bool(s.waf_enabled),
            name_prefix=prefix.string_value,
            tags=Token.as_string_map(tags.value),
            authentication_type=auth.string_value,
            additional_authentication_types=extra.list_value,
            log_level=level.string_value,
            log_verbose_content=verbose.boolean_value,
            log_retention_days=retention.number_value,
            prediction_ttl_seconds="var.prediction_ttl_days * 86400",
            prediction_output_uri="var.prediction_output_uri",
            xray_enabled=xray.boolean_value,
            api_key_count_expr=(
                "contains(concat([var.authentication_type], "
                "var.additional_authentication_types), \"API_KEY\") ? 1 : 0"),
            api_key_hours_expr=(
                "var.api_key_expiry_days * 24 + (var.api_key_expiry_days < 365 ? 1 : 0)"),
            **optional,
        )

    def expression(self, expr: str) -> str:
        """A raw Terraform expression; cdktf passes `${...}` strings through unchanged."""
        return "${" + expr + "}"


# Locals (modules/ml.py) read from the API's ARN, arn:<partition>:appsync:<region>:<account>:...,
# the partition, region and account the stack is applied in: no data source (an offline plan
# cannot call STS), and no quotes inside the JSON policies that name them.
API_PARTITION, API_REGION, API_ACCOUNT = "api_partition", "api_region", "api_account_id"
API_ARN_PARTS = {API_PARTITION: 1, API_REGION: 3, API_ACCOUNT: 4}


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def _hcl_escape(text: str) -> str:
    """A regex as the body of an HCL string literal (backslashes and quotes escaped)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _hcl_list(values: tuple) -> str:
    return "[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in values) + "]"
