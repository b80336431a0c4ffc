"""One typed configuration object for a synth, validated before anything is written."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)
LOG_LEVELS = ("ALL", "ERROR", "NONE")
# AppSync's authorization modes; each but the first two needs its own settings (below).
AUTH_TYPES = ("API_KEY", "AWS_IAM", "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT", "AWS_LAMBDA")
# Cognito user pool ids (Cognito API reference, UserPoolType.Id) and Lambda function ARNs.
_USER_POOL_ID = re.compile(r"^[\w-]+_[0-9a-zA-Z]+$")
_LAMBDA_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]{1,64}(:[\w$-]+)?$")
# AppSync: a Lambda authorizer's result is cached 0-3600 s (LambdaAuthorizerConfig).
LAMBDA_RESULT_TTL = (0, 3600)
# AppSync: an API key lives at least 1 day and at most 365 days.
API_KEY_EXPIRY_DAYS = (1, 365)
# A new key every N days; the previous one stays until the next rotation, so N is at most half
# the key's lifetime (0: one key, never rotated).
API_KEY_ROTATION_DAYS = (0, 182)
# AppSync's Latency metric is in milliseconds; the p99 alarm's threshold.
ALARM_LATENCY_MS = (1, 30000)
# Query cost (AppSync, "Configuring GraphQL run complexity, query depth, and introspection"):
# depth 1-75 nested levels, 1-10,000 resolvers per request. 0 would mean "no limit", which this
# project refuses: every stack bounds what one request may cost. Defaults: deep enough for every
# query the schema's own clients send (depth 10), few enough resolvers (1,000) that one request
# reads at most 1,000 x the nested-list page limit (codegen NESTED_MAX_LIMIT) items.
QUERY_DEPTH_LIMIT = (1, 75)
RESOLVER_COUNT_LIMIT = (1, 10000)
DEFAULT_QUERY_DEPTH_LIMIT = 10
DEFAULT_RESOLVER_COUNT_LIMIT = 1000
# Prediction retention (DynamoDB TTL on the predictions table): days, 0 keeps them forever.
PREDICTION_TTL_DAYS = (0, 3650)

# What every stack emits that an older AWS provider refuses, by feature, with the release that
# added it; PROVIDER_FLOOR, the floor of every stack, is the highest of them.
# - request_signing: the HTTP data sources sign their SageMaker/Bedrock requests
#   (http_config.authorization_config; without it AWS refuses the calls). Added by provider PR
#   #22411 (.changelog/22411.txt, merged 2022-01-10 after the 3.x line had branched: not in
#   the 3.72-3.75 notes), so first released in 4.0.0. Measured here: 3.39.0 refuses the block,
#   5.100.0 plans it (the plan tier); no release in between is installed to narrow it further.
# - query_limits: the API's query_depth_limit and resolver_count_limit, on in every stack so a
#   request's cost is bounded (provider 5.37.0 added both arguments).
BASE_FLOORS = {"request_signing": "4.0.0", "query_limits": "5.37.0"}
# Everything else every stack emits plans on 3.39.0 (and 2.70.0), measured by the plan tier.
MEASURED_FLOOR = "3.39.0"
BASE_ARGUMENTS = {
    "request_signing": [("aws_appsync_datasource", "http_config.authorization_config")],
    "query_limits": [("aws_appsync_graphql_api", "query_depth_limit"),
                     ("aws_appsync_graphql_api", "resolver_count_limit")],
}
PROVIDER_FLOOR = max(BASE_FLOORS.values(), key=lambda v: tuple(int(p) for p in v.split(".")))
# What each optional switch raises the floor to (the release that added its argument).
SWITCH_FLOORS = {
    "introspection_enabled": "5.37.0",
    "deletion_protection": "4.59.0",
    # An EventBridge rule calling refreshTrainingJob on SageMaker job state changes: its
    # target's appsync_target block came in 5.72.0 (the rule, target and role plan on 3.39.0).
    "training_events": "5.72.0",
    # aws_appsync_graphql_api lambda_authorizer_config (default or additional mode) came in
    # 3.70.0 (hashicorp/terraform-provider-aws#20857, "AWS Lambda authorization was added in
    # 3.70.0": terraform-aws-modules/terraform-aws-appsync#24). user_pool_config,
    # openid_connect_config and the Cognito pool, client and groups are 3.39.0's: no switch.
    "lambda_authorizer_arn": "3.70.0",
    # Known to 3.39.0 (planned there, the oldest provider this project plans): no raise.
    "kms_key_arn": MEASURED_FLOOR,
    "waf_enabled": MEASURED_FLOOR,
    # Metric alarms (metric math) and an EventBridge rule with an SNS target.
    "alarm_topic_arn": MEASURED_FLOOR,
}

# No "--" inside: resources of one deployment are named "<prefix>--<id>" where a wildcard grant
# names them (training jobs), so "mlapi--*" never matches deployment "mlapi-dev"'s jobs.
_PREFIX = re.compile(r"^(?!.*--)[a-z][a-z0-9-]{1,22}[a-z0-9]$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
# setModelAlias's rule for an alias (its @constraint in schema/model_registry.graphql).
ALIAS_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The Terraform arguments each switch emits: what an older provider rejects.
SWITCH_ARGUMENTS = {
    "introspection_enabled": [("aws_appsync_graphql_api", "introspection_config")],
    "deletion_protection": [("aws_dynamodb_table", "deletion_protection_enabled")],
    "kms_key_arn": [("aws_dynamodb_table", "server_side_encryption.kms_key_arn"),
                    ("aws_cloudwatch_log_group", "kms_key_id")],
    # The rule, the target (but its appsync_target), the role and its policy are 3.39.0's.
    "training_events": [("aws_cloudwatch_event_target", "appsync_target")],
    # The root stack's default-mode block, and the modules' dynamic blocks (default, additional).
    "lambda_authorizer_arn": [
        ("aws_appsync_graphql_api", "lambda_authorizer_config"),
        ("aws_appsync_graphql_api", "dynamic.lambda_authorizer_config"),
        ("aws_appsync_graphql_api",
         "dynamic.additional_authentication_provider.content.dynamic.lambda_authorizer_config")],
    "waf_enabled": [("aws_wafv2_web_acl", ""), ("aws_wafv2_web_acl_association", ""),
                    ("aws_wafv2_web_acl_logging_configuration", "")],
    "alarm_topic_arn": [("aws_cloudwatch_metric_alarm", ""), ("aws_cloudwatch_event_rule", ""),
                        ("aws_cloudwatch_event_target", "")],
}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def arguments_newer_than(version: tuple[int, ...], switches: bool = True,
                         ) -> dict[str, list[str]]:
    """{resource type: [argument]} of what the stacks emit that `version` does not know yet:
    the always-emitted features, and (switches=True) every switch, whether on or not."""
    floors = {**BASE_FLOORS, **(SWITCH_FLOORS if switches else {})}
    arguments = {**BASE_ARGUMENTS, **SWITCH_ARGUMENTS}
    out: dict[str, list[str]] = {}
    for feature, floor in floors.items():
        if _version(floor) > tuple(version):
            for rtype, argument in arguments[feature]:
                out.setdefault(rtype, []).append(argument)
    return out

# Training policy (modules/guardrails.py). An allowed image is an ECR repository ARN
# (arn:aws:ecr:<region>:<account>:repository/<name>) or an image URI prefix ending in '/' (a
# registry or namespace) or naming a repository (<registry>/<repo>: matches its tags and digests,
# never <repo>-other).
ECR_REPOSITORY_ARN = re.compile(
    r"^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d{12}):repository/([a-z0-9][a-z0-9._/-]{0,255})$")
IMAGE_PREFIX = re.compile(r"^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}(:\d+)?/[a-z0-9._/-]*$")
INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
# SageMaker's own bounds (CreateTrainingJob: InstanceCount >= 1, MaxRuntimeInSeconds <= 28 days).
TRAINING_MAX_INSTANCE_COUNT = (1, 100)
TRAINING_MAX_RUNTIME_SECONDS = (1, 2419200)
# VpcConfig: 1-16 subnets, 1-5 security groups (SageMaker API reference, VpcConfig).
VPC_LIMITS = {"training_vpc_subnets": 16, "training_vpc_security_groups": 5}

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
# SageMaker endpoint names and Bedrock model ids (the API references' patterns).
ENDPOINT_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
BEDROCK_MODEL_ID = r"^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,127}$"
# s3://bucket/prefix: a bucket name (S3's naming rules, simplified) and an optional key prefix.
# An S3 prefix ends in '/', so "s3://data/" never matches "s3://data-other/" (the resolver's
# startsWith and IAM's "<prefix>*" both compare prefixes); no wildcard, quote, backslash or space
# (the resolver reads the prefixes from a single-quoted VTL string).
S3_PREFIX = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^\s*?'\"\\]{0,900}/)?$"
# Where predict writes an output too long for its DynamoDB item: s3://<bucket>/<prefix>/. The
# bucket is addressed virtual-hosted style, https://<bucket>.s3.<region>.amazonaws.com (S3 User
# Guide, "Virtual hosting of general purpose buckets": path-style URLs are to be retired, and
# over HTTPS the wildcard certificate matches only bucket names without '.'), so no dots. The
# key prefix holds only S3's safe key characters (User Guide, "Naming Amazon S3 objects"), minus
# '*' and "'" (an IAM wildcard, and the VTL string that carries it), so the request path needs no
# encoding; no segment starts with '.', which HTTP clients may normalise away.
PREDICTION_OUTPUT_URI = r"^s3://[a-z0-9][a-z0-9-]{1,61}[a-z0-9]/([A-Za-z0-9!_()-][A-Za-z0-9!_.()-]*/)*$"
# Room left in S3's 1,024-byte key for "<model>/<prediction id>.json" (63 + 1 + 36 + 5).
PREDICTION_OUTPUT_PREFIX_MAX = 900
SNS_TOPIC_ARN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$"
_KMS_KEY = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
_TAG_KEY = re.compile(r"^[\w .:/=+@-]{1,128}$")
# S3 bucket names (S3 User Guide, "General purpose bucket naming rules") and DynamoDB table
# names (DynamoDB Developer Guide, "Naming rules").
_BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_LOCK_TABLE = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
# Where the root stack keeps Terraform state: never inside cdktf.out/, which a synth replaces.
# S3 arguments as the backend documents them (developer.hashicorp.com/terraform/language/
# backend/s3): locking is opt-in there (use_lockfile, or a DynamoDB table, now deprecated), and
# `key` must not start or end with '/' nor hold '//'.
BACKEND_TYPES = ("local", "s3")
BACKEND_KEYS = {
    "local": {"type", "path"},
    "s3": {"type", "bucket", "key", "region", "encrypt", "kms_key_id", "use_lockfile",
           "dynamodb_table", "workspace_key_prefix"},
}
# The default: <project>/state/<stack>/terraform.tfstate, a gitignored folder beside cdktf.out.
DEFAULT_STATE_PATH = "state/{stack}/terraform.tfstate"


class ConfigError(ValueError):
    """A configuration value that synth refuses; the message names the key and the fix."""


@dataclass(frozen=True)
class Settings:
    """Everything a synth can be told. Defaults give a working API-key API in us-east-1."""

    name_prefix: str = "mlapi"
    region: str = "us-east-1"
    tags: dict[str, str] = field(
        default_factory=lambda: {"project": "appsync-model-api", "managed-by": "cdktf"}
    )
    schema_path: str = "schema/model_registry.graphql"
    authentication_type: str = "API_KEY"
    additional_authentication_types: tuple[str, ...] = ()
    # AMAZON_COGNITO_USER_POOLS: an existing pool's id, or a pool the stack creates (with the
    # groups the schema's @auth rules name).
    cognito_user_pool_id: str | None = None
    cognito_create_user_pool: bool | None = None
    # OPENID_CONNECT: the issuer (its `iss`), the client id (`aud`, optional) and token TTLs in
    # seconds (0: no limit), counted from authentication (auth_time) and from issue (iat).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_auth_ttl: int = 0
    oidc_iat_ttl: int = 0
    # AWS_LAMBDA: the authorizer function and how long AppSync caches its answer (seconds).
    lambda_authorizer_arn: str | None = None
    lambda_authorizer_result_ttl: int = 300
    log_level: str = "ERROR"
    log_retention_days: int = 30
    api_key_expiry_days: int = 30
    xray_enabled: bool = False
    # Verbose content (request/response headers, context, evaluated templates) in the field
    # logs: off unless the operator turns it on (with log_level ALL it logs prediction payloads).
    log_verbose_content: bool = False
    # Query cost, on in every stack (QUERY_DEPTH_LIMIT above; BASE_FLOORS: 5.37.0).
    query_depth_limit: int = DEFAULT_QUERY_DEPTH_LIMIT
    resolver_count_limit: int = DEFAULT_RESOLVER_COUNT_LIMIT
    # Hardened switches: None means "do not emit the argument", which keeps the provider floor low.
    introspection_enabled: bool | None = None
    deletion_protection: bool | None = None
    # A customer managed KMS key for tables and log groups (None: AWS-managed keys).
    kms_key_arn: str | None = None
    # A WAFv2 web ACL (AWS managed rule groups, logged) in front of the API.
    waf_enabled: bool | None = None
    # SageMaker and Bedrock (startTrainingJob, predict). The role SageMaker runs training jobs
    # with; None: "<account>:role/<name_prefix>-sagemaker-execution" in the API's account.
    sagemaker_execution_role_arn: str | None = None
    # The only endpoints and Bedrock models predict may call (IAM); empty: none.
    sagemaker_endpoint_names: tuple[str, ...] = ()
    bedrock_model_ids: tuple[str, ...] = ()
    # Training policy: what startTrainingJob may ask of SageMaker, checked by the resolver before
    # any call and again by IAM on CreateTrainingJob (modules/guardrails.py). An empty list of
    # images, input or output prefixes (sagemaker_*_s3_prefixes below, also the created
    # execution role's S3 grants) allows nothing: a deployment trains once it names them.
    training_images: tuple[str, ...] = ()
    training_instance_types: tuple[str, ...] = ("ml.m5.large", "ml.m5.xlarge")
    training_max_instance_count: int = 2
    training_max_runtime_seconds: int = 86400
    training_network_isolation: bool = True
    training_vpc_subnets: tuple[str, ...] = ()
    training_vpc_security_groups: tuple[str, ...] = ()
    training_volume_kms_key: str | None = None
    training_output_kms_key: str | None = None
    # Stored predictions (inputs and outputs) expire after this many days (DynamoDB TTL); 0
    # keeps them.
    prediction_ttl_days: int = 90
    # An output longer than a prediction's item stores (65,536 characters) is written to
    # <this>/<model>/<prediction id>.json and the prediction records its outputUri; None: such
    # an output is returned to the caller and only its length stored.
    prediction_output_uri: str | None = None
    # Aliases that accept only an APPROVED version (setModelAlias refuses any other).
    protected_aliases: tuple[str, ...] = ("prod",)
    # Create the execution role (<name_prefix>-sagemaker-execution): SageMaker assumes it,
    # reads only the input prefixes, writes only the output prefixes (s3://bucket/prefix/).
    sagemaker_execution_role_create: bool = False
    sagemaker_input_s3_prefixes: tuple[str, ...] = ()
    sagemaker_output_s3_prefixes: tuple[str, ...] = ()
    # A new API key every N days, the previous one kept until the next rotation (0: never).
    api_key_rotation_days: int = 15
    # CloudWatch alarms (AppSync 5XX and p99 latency, DynamoDB throttling per table) and failed
    # training jobs (EventBridge) sent to this SNS topic; None: no alarms.
    alarm_topic_arn: str | None = None
    alarm_latency_p99_ms: int = 2000
    # An EventBridge rule on SageMaker's "Training Job State Change" events for jobs named
    # "<name_prefix>-*" that calls refreshTrainingJob with IAM (modules/events.py). Needs
    # authentication_type AWS_IAM (the mutation has no auth directive: the default mode only).
    training_events: bool | None = None
    # deployModelVersion deploys only APPROVED versions (README: Deployment); false lets any
    # version deploy (a development stack).
    deploy_requires_approval: bool = True
    # Where the root stack's state lives (modules have no backend): None is local state in
    # state/<stack>/ at the project root; {"type": "s3", ...} is a locked, encrypted S3 backend.
    backend: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # Normalise JSON lists to tuples so the object stays hashable and comparable.
        for key in ("additional_authentication_types", "sagemaker_endpoint_names",
                    "bedrock_model_ids", "sagemaker_input_s3_prefixes",
                    "sagemaker_output_s3_prefixes", "protected_aliases", *TUPLE_POLICY_KEYS):
            object.__setattr__(self, key, tuple(getattr(self, key)))
        self.validate()

    @classmethod
    def from_mapping(cls, values: dict[str, Any], source: str = "config") -> Settings:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"{source}: unknown setting(s) {', '.join(unknown)}; "
                f"known settings are {', '.join(sorted(known))}"
            )
        try:
            return cls(**values)
        except ConfigError as err:
            raise ConfigError(f"{source}: {err}") from None

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read the `context` block of a cdktf.json-style file (or a bare JSON object)."""
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise ConfigError(f"{path}: cannot read configuration: {err}") from None
        values = data.get("context", data) if isinstance(data, dict) else None
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: expected a JSON object of settings")
        return cls.from_mapping(values, source=str(path))

    def validate(self) -> None:
        def fail(key: str, fix: str) -> None:
            raise ConfigError(f"{key}={getattr(self, key)!r} is invalid: {fix}")

        _check_types(self)
        if not _PREFIX.match(self.name_prefix):
            fail("name_prefix", "use 3-24 characters: lower-case letters, digits and '-', "
                 "starting with a letter, not ending with '-' and without '--' (the delimiter "
                 "between a deployment's prefix and its job ids)")
        if not _REGION.match(self.region):
            fail("region", "use an AWS region code such as 'us-east-1'")
        if len(self.tags) > 45:
            fail("tags", "AWS allows at most 50 tags and the stack adds its own; use at most 45")
        for key, value in self.tags.items():
            if not _TAG_KEY.match(key) or key.lower().startswith("aws:"):
                fail("tags", f"tag key {key!r} must be 1-128 characters of letters, digits, "
                     "spaces and _.:/=+-@ and must not start with 'aws:'")
            if len(value) > 256:
                fail("tags", f"tag {key!r} has a value longer than 256 characters")
        if self.authentication_type not in AUTH_TYPES:
            fail("authentication_type", f"use one of {', '.join(AUTH_TYPES)}")
        for extra in self.additional_authentication_types:
            if extra not in AUTH_TYPES or extra == self.authentication_type:
                fail("additional_authentication_types", f"use values from {', '.join(AUTH_TYPES)} "
                     "other than authentication_type, each once")
        extras = self.additional_authentication_types
        if len(set(extras)) != len(extras):
            fail("additional_authentication_types", "list each authentication type once")
        modes = self.auth_modes
        if "AMAZON_COGNITO_USER_POOLS" in modes:
            if bool(self.cognito_user_pool_id) == bool(self.cognito_create_user_pool):
                fail("cognito_user_pool_id", "AMAZON_COGNITO_USER_POOLS needs a user pool: set "
                     "cognito_user_pool_id (e.g. us-east-1_AbC123) or cognito_create_user_pool "
                     "true, not both")
            if self.cognito_user_pool_id and not _USER_POOL_ID.match(self.cognito_user_pool_id):
                fail("cognito_user_pool_id", "use a Cognito user pool id, <region>_<id>")
        elif self.cognito_user_pool_id or self.cognito_create_user_pool:
            fail("cognito_user_pool_id", "a user pool is used only with AMAZON_COGNITO_USER_POOLS "
                 "in authentication_type or additional_authentication_types")
        if ("OPENID_CONNECT" in modes) != bool(self.oidc_issuer):
            fail("oidc_issuer", "OPENID_CONNECT needs oidc_issuer (an https:// URL), and "
                 "oidc_issuer needs OPENID_CONNECT among the authentication types")
        if self.oidc_issuer and not re.match(r"^https://\S+$", self.oidc_issuer):
            fail("oidc_issuer", "use the issuer's https:// URL, as in its tokens' iss claim")
        for key in ("oidc_auth_ttl", "oidc_iat_ttl"):
            if getattr(self, key) < 0:
                fail(key, "use seconds, 0 (no limit) or more")
        # An ARN without the mode is the modules' switch: they then take AWS_LAMBDA as a
        # variable (the block raises the provider floor).
        if "AWS_LAMBDA" in modes and not self.lambda_authorizer_arn:
            fail("lambda_authorizer_arn", "AWS_LAMBDA needs lambda_authorizer_arn, the "
                 "authorizer function's ARN")
        if self.lambda_authorizer_arn and not _LAMBDA_ARN.match(self.lambda_authorizer_arn):
            fail("lambda_authorizer_arn", "use a Lambda function ARN, "
                 "arn:aws:lambda:<region>:<account>:function:<name>")
        lo, hi = LAMBDA_RESULT_TTL
        if not lo <= self.lambda_authorizer_result_ttl <= hi:
            fail("lambda_authorizer_result_ttl", f"AppSync caches {lo}-{hi} seconds")
        if self.log_level not in LOG_LEVELS:
            fail("log_level", f"use one of {', '.join(LOG_LEVELS)}")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            fail("log_retention_days", "use a CloudWatch retention period: "
                 + ", ".join(map(str, LOG_RETENTION_DAYS)))
        lo, hi = API_KEY_EXPIRY_DAYS
        if not lo <= self.api_key_expiry_days <= hi:
            fail("api_key_expiry_days", f"AppSync API keys live {lo} to {hi} days")
        if self.kms_key_arn is not None and not _KMS_KEY.match(self.kms_key_arn):
            fail("kms_key_arn", "use a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>")
        if self.sagemaker_execution_role_arn is not None and \
                not _ROLE_ARN.match(self.sagemaker_execution_role_arn):
            fail("sagemaker_execution_role_arn", "use an IAM role ARN, "
                 "arn:aws:iam::<account>:role/<name>, or leave it unset")
        for key, pattern in (("sagemaker_endpoint_names", ENDPOINT_NAME),
                             ("bedrock_model_ids", BEDROCK_MODEL_ID)):
            values = getattr(self, key)
            if not all(isinstance(v, str) and re.match(pattern, v) for v in values) or \
                    len(set(values)) != len(values):
                fail(key, f"use distinct names matching {pattern}")
        rotation = self.api_key_rotation_days
        if not API_KEY_ROTATION_DAYS[0] <= rotation <= API_KEY_ROTATION_DAYS[1] or \
                (rotation and 2 * rotation > self.api_key_expiry_days):
            fail("api_key_rotation_days", "use 0 (no rotation) or at most half of "
                 f"api_key_expiry_days ({self.api_key_expiry_days}): the previous key must stay "
                 "valid until the next rotation replaces it")
        for key in ("sagemaker_input_s3_prefixes", "sagemaker_output_s3_prefixes"):
            values = getattr(self, key)
            if not all(isinstance(v, str) and re.match(S3_PREFIX, v) for v in values):
                fail(key, "use S3 prefixes s3://<bucket>/ or s3://<bucket>/<path>/ (bucket 3-63 of "
                     "a-z0-9.-; ending in '/', so a bucket or folder named like it with more "
                     "characters never matches)")
        if self.sagemaker_execution_role_create:
            if self.sagemaker_execution_role_arn is not None:
                fail("sagemaker_execution_role_create", "either name a role "
                     "(sagemaker_execution_role_arn) or let the stack create one, not both")
            if not self.sagemaker_input_s3_prefixes or not self.sagemaker_output_s3_prefixes:
                fail("sagemaker_execution_role_create", "the created role reads only "
                     "sagemaker_input_s3_prefixes and writes only sagemaker_output_s3_prefixes: "
                     "give at least one of each")
        if self.alarm_topic_arn is not None and not re.match(SNS_TOPIC_ARN, self.alarm_topic_arn):
            fail("alarm_topic_arn", "use an SNS topic ARN, arn:aws:sns:<region>:<account>:<name>")
        lo, hi = ALARM_LATENCY_MS
        if not lo <= self.alarm_latency_p99_ms <= hi:
            fail("alarm_latency_p99_ms", f"use {lo} to {hi} milliseconds (AppSync's resolver "
                 "limit is 30 s)")
        if self.training_events and "AWS_IAM" not in modes:
            fail("training_events", "EventBridge calls refreshTrainingJob with IAM: add AWS_IAM "
                 "to authentication_type or additional_authentication_types, or leave "
                 "training_events unset")
        if self.backend is not None:
            _check_backend(self.backend, fail)
        for key, (lo, hi) in (("query_depth_limit", QUERY_DEPTH_LIMIT),
                              ("resolver_count_limit", RESOLVER_COUNT_LIMIT)):
            if not lo <= getattr(self, key) <= hi:
                fail(key, f"use {lo} to {hi}: AppSync's 0 (no limit) is refused, every stack "
                     "bounds what one request may cost")
        lo, hi = PREDICTION_TTL_DAYS
        if not lo <= self.prediction_ttl_days <= hi:
            fail("prediction_ttl_days", f"use {lo} (keep forever) to {hi} days")
        uri = self.prediction_output_uri
        if uri is not None and (not re.match(PREDICTION_OUTPUT_URI, uri)
                                or len(uri) > PREDICTION_OUTPUT_PREFIX_MAX):
            fail("prediction_output_uri", "use s3://<bucket>/ or s3://<bucket>/<prefix>/ (a "
                 "bucket name without '.', addressed as <bucket>.s3.<region>.amazonaws.com; "
                 "key segments of letters, digits and !_.()- not starting with '.'; ending in "
                 f"'/'; at most {PREDICTION_OUTPUT_PREFIX_MAX} characters)")
        bad = [a for a in self.protected_aliases if not ALIAS_NAME.fullmatch(a)]
        if bad:
            fail("protected_aliases", f"{bad[0]!r} is not an alias setModelAlias can set: use "
                 "1-64 letters, digits, '_' or '-' per alias")
        _check_training(self, fail)

    @property
    def auth_modes(self) -> tuple[str, ...]:
        return (self.authentication_type, *self.additional_authentication_types)

    @property
    def api_key_enabled(self) -> bool:
        return "API_KEY" in (self.authentication_type, *self.additional_authentication_types)

    @property
    def provider_floor(self) -> str:
        """The lowest AWS provider that knows every argument these settings make us emit."""
        floors = [PROVIDER_FLOOR] + [
            v for k, v in SWITCH_FLOORS.items() if getattr(self, k) is not None
        ]
        return max(floors, key=_version)


TUPLE_POLICY_KEYS = ("training_images", "training_instance_types", "training_vpc_subnets",
                     "training_vpc_security_groups")


def _check_training(s: Settings, fail) -> None:
    """The training policy: each value in the form SageMaker and IAM compare."""
    for key, pattern, form in (
            ("training_instance_types", INSTANCE_TYPE, "SageMaker instance types such as "
             "ml.m5.large"),
            ("training_vpc_subnets", SUBNET_ID, "subnet ids such as subnet-0123abcd"),
            ("training_vpc_security_groups", SECURITY_GROUP_ID,
             "security group ids such as sg-0123abcd")):
        values = getattr(s, key)
        if not all(isinstance(v, str) and pattern.match(v) for v in values) or \
                len(set(values)) != len(values):
            fail(key, f"use distinct {form}")
    for image in s.training_images:
        if not isinstance(image, str) or not (ECR_REPOSITORY_ARN.match(image)
                                              or IMAGE_PREFIX.match(image)):
            fail("training_images", f"{image!r} is neither an ECR repository ARN "
                 "(arn:aws:ecr:<region>:<account>:repository/<name>) nor an image URI prefix "
                 "(<registry>/ , <registry>/<namespace>/ or <registry>/<repository>)")
    if len(set(s.training_images)) != len(s.training_images):
        fail("training_images", "list each image once")
    if bool(s.training_vpc_subnets) != bool(s.training_vpc_security_groups):
        fail("training_vpc_subnets", "a VPC needs both training_vpc_subnets and "
             "training_vpc_security_groups, or neither")
    for key, most in VPC_LIMITS.items():
        if len(getattr(s, key)) > most:
            fail(key, f"SageMaker's VpcConfig takes at most {most}")
    for key, (lo, hi) in (("training_max_instance_count", TRAINING_MAX_INSTANCE_COUNT),
                          ("training_max_runtime_seconds", TRAINING_MAX_RUNTIME_SECONDS)):
        if not lo <= getattr(s, key) <= hi:
            fail(key, f"use {lo} to {hi} (SageMaker's own bounds)")
    for key in ("training_volume_kms_key", "training_output_kms_key"):
        value = getattr(s, key)
        if value is not None and not _KMS_KEY.match(value):
            fail(key, "use a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>, or leave it "
                 "unset")


def _check_types(settings: Settings) -> None:
    """Reject wrong JSON types early (a string where a number belongs, and so on)."""
    hints = {
        "str": str, "int": int, "bool": bool, "dict[str, str]": dict,
        "tuple[str, ...]": tuple, "bool | None": (bool, type(None)),
        "int | None": (int, type(None)), "str | None": (str, type(None)),
        "dict[str, Any] | None": (dict, type(None)),
    }
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        expected = hints[f.type]
        # bool is an int in Python; a flag given for a number (or the reverse) is a mistake.
        wrong_bool = isinstance(value, bool) and "int" in f.type
        if not isinstance(value, expected) or wrong_bool:
            raise ConfigError(
                f"{f.name}={value!r} is invalid: expected {f.type}, got {type(value).__name__}"
            )
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in settings.tags.items()):
        raise ConfigError("tags is invalid: keys and values must be strings")
    if not all(isinstance(v, str) for v in settings.additional_authentication_types):
        raise ConfigError("additional_authentication_types is invalid: use a list of strings")


def _check_backend(backend: dict[str, Any], fail) -> None:
    """The root stack's backend: local state outside cdktf.out/, or S3 encrypted and locked."""
    kind = backend.get("type")
    if kind not in BACKEND_TYPES:
        fail("backend", f"set \"type\" to one of {', '.join(BACKEND_TYPES)}")
    unknown = sorted(set(backend) - BACKEND_KEYS[kind])
    if unknown:
        fail("backend", f"unknown key(s) {', '.join(unknown)} for a {kind} backend; known keys "
             f"are {', '.join(sorted(BACKEND_KEYS[kind]))}")
    if kind == "local":
        path = backend.get("path", DEFAULT_STATE_PATH)
        parts = Path(path).parts if isinstance(path, str) else ()
        if not parts or Path(path).is_absolute() or ".." in parts or parts[0] == "cdktf.out" \
                or not path.endswith(".tfstate"):
            fail("backend", "\"path\" is a relative path under the project root ending in "
                 ".tfstate, outside cdktf.out/ (a synth replaces that folder), e.g. "
                 "\"state/model-api/terraform.tfstate\"")
        return
    for key in ("bucket", "key", "region"):
        if not isinstance(backend.get(key), str) or not backend[key]:
            fail("backend", f"an s3 backend needs \"{key}\" (a string)")
    if not _BUCKET.match(backend["bucket"]):
        fail("backend", "\"bucket\" must be an S3 bucket name: 3-63 of a-z, 0-9, '.' and '-'")
    key = backend["key"]
    if key.startswith("/") or key.endswith("/") or "//" in key:
        fail("backend", "\"key\" is the state object's key, e.g. \"model-api/terraform.tfstate\" "
             "(no leading or trailing '/', no '//')")
    if not _REGION.match(backend["region"]):
        fail("backend", "\"region\" must be an AWS region code such as 'us-east-1'")
    for key in ("encrypt", "use_lockfile"):
        if key in backend and not isinstance(backend[key], bool):
            fail("backend", f"\"{key}\" is true or false")
    if backend.get("encrypt", True) is not True:
        fail("backend", "\"encrypt\" must be true: the state holds the API key in clear")
    kms = backend.get("kms_key_id")
    if kms is not None and not (isinstance(kms, str) and _KMS_KEY.match(kms)):
        fail("backend", "\"kms_key_id\" is a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>")
    table = backend.get("dynamodb_table")
    if table is not None and not (isinstance(table, str) and _LOCK_TABLE.match(table)):
        fail("backend", "\"dynamodb_table\" is a DynamoDB table name (3-255 of a-z, A-Z, "
             "0-9, '_', '-', '.')")
    if not backend.get("use_lockfile", table is None) and table is None:
        fail("backend", "state must be locked: keep \"use_lockfile\" true (Terraform >= 1.10) "
             "or name a \"dynamodb_table\" with a LockID string key")
    prefix = backend.get("workspace_key_prefix")
    if prefix is not None and not (isinstance(prefix, str) and prefix):
        fail("backend", "\"workspace_key_prefix\" is a non-empty string")
