"""Unit tests of the settings object (no synth)."""

import pytest

from modules.config import PROVIDER_FLOOR, ConfigError, Settings, arguments_newer_than


def test_defaults_are_valid_and_enable_the_api_key():
    s = Settings()
    assert s.api_key_enabled
    # Query cost is bounded in every stack (BASE_FLOORS: 5.37.0, the highest base floor).
    assert s.query_depth_limit >= 1 and s.resolver_count_limit >= 1
    assert s.provider_floor == PROVIDER_FLOOR == "5.37.0"


def test_iam_only_disables_the_key_and_switches_raise_the_floor():
    s = Settings(authentication_type="AWS_IAM", deletion_protection=True)
    assert not s.api_key_enabled
    assert s.provider_floor == "5.37.0"
    assert Settings(training_events=True, authentication_type="AWS_IAM").provider_floor == \
        "5.72.0"


@pytest.mark.parametrize("kwargs, fragment", [
    ({"region": "mars-1"}, "region='mars-1' is invalid"),
    ({"tags": {"aws:owner": "x"}}, "must not start with 'aws:'"),
    ({"log_retention_days": "30"}, "expected int, got str"),
    ({"xray_enabled": "yes"}, "expected bool, got str"),
    ({"api_key_expiry_days": True}, "expected int, got bool"),
    ({"additional_authentication_types": ["API_KEY"]}, "additional_authentication_types"),
    ({"query_depth_limit": 99}, "query_depth_limit=99 is invalid"),
    # AppSync's 0 means "no limit": refused, every stack bounds a request's cost.
    ({"query_depth_limit": 0}, "AppSync's 0 (no limit) is refused"),
    ({"resolver_count_limit": 0}, "AppSync's 0 (no limit) is refused"),
    ({"query_depth_limit": None}, "expected int, got NoneType"),
    # "--" is the delimiter before job ids: a prefix holding it could match another's jobs.
    ({"name_prefix": "mlapi--dev"}, "without '--'"),
    ({"training_images": ["python:3"]}, "training_images"),
    ({"training_images": ["not an image"]}, "neither an ECR repository ARN"),
    ({"training_instance_types": ["p5.48xlarge"]}, "training_instance_types"),
    ({"training_max_instance_count": 0}, "SageMaker's own bounds"),
    ({"training_max_runtime_seconds": 2419201}, "SageMaker's own bounds"),
    # Without the closing '/', "s3://data" would also allow "s3://data-other".
    ({"sagemaker_input_s3_prefixes": ["s3://data"]}, "ending in '/'"),
    ({"sagemaker_output_s3_prefixes": ["s3://data/out"]}, "ending in '/'"),
    ({"training_vpc_subnets": ["subnet-0123abcd"]}, "or neither"),
    ({"training_vpc_security_groups": ["sg-1"]}, "security group ids"),
    ({"training_volume_kms_key": "alias/x"}, "KMS key ARN"),
    ({"prediction_ttl_days": -1}, "prediction_ttl_days=-1 is invalid"),
    ({"protected_aliases": ["prod", "live env"]}, "'live env' is not an alias setModelAlias"),
    ({"protected_aliases": [""]}, "1-64 letters, digits, '_' or '-'"),
    ({"log_verbose_content": "yes"}, "expected bool, got str"),
])
def test_bad_values_are_refused_with_the_key_and_the_fix(kwargs, fragment):
    with pytest.raises(ConfigError, match="is invalid") as err:
        Settings(**kwargs)
    assert fragment in str(err.value)


S3 = {"type": "s3", "bucket": "acme-tf-state", "key": "model-api/terraform.tfstate",
      "region": "eu-west-1"}


@pytest.mark.parametrize("backend", [
    {"type": "local"},
    {"type": "local", "path": "state/prod/terraform.tfstate"},
    S3,
    {**S3, "use_lockfile": False, "dynamodb_table": "tf-locks"},
    {**S3, "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/abcd-1234"},
])
def test_backends_that_keep_state_safe_are_accepted(backend):
    assert Settings(backend=backend).backend == backend


@pytest.mark.parametrize("backend, fragment", [
    ({"type": "gcs"}, 'set "type" to one of local, s3'),
    ({"type": "local", "path": "cdktf.out/x.tfstate"}, "outside cdktf.out/"),
    ({"type": "local", "path": "/var/state/x.tfstate"}, "relative path"),
    ({"type": "local", "path": "../elsewhere.tfstate"}, "relative path"),
    ({"type": "local", "bucket": "x"}, "unknown key(s) bucket for a local backend"),
    ({**S3, "bucket": None}, 'needs "bucket"'),
    ({k: v for k, v in S3.items() if k != "region"}, 'needs "region"'),
    ({**S3, "bucket": "Acme_State"}, "S3 bucket name"),
    ({**S3, "region": "europe"}, "AWS region code"),
    ({**S3, "key": "/state.tfstate"}, "no leading or trailing '/'"),
    ({**S3, "encrypt": False}, "the state holds the API key in clear"),
    ({**S3, "use_lockfile": False}, "state must be locked"),
    ({**S3, "use_lockfile": "yes"}, '"use_lockfile" is true or false'),
    ({**S3, "kms_key_id": "alias/x"}, "KMS key ARN"),
    ({**S3, "profile": "dev"}, "unknown key(s) profile for a s3 backend"),
])
def test_bad_backends_are_refused_with_the_rule(backend, fragment):
    with pytest.raises(ConfigError, match="backend=.* is invalid") as err:
        Settings(backend=backend)
    assert fragment in str(err.value)


def test_backend_must_be_an_object():
    with pytest.raises(ConfigError, match="expected dict"):
        Settings(backend="s3")


def test_base_features_set_the_floor_and_are_strippable_below_it():
    # Every stack signs its SageMaker/Bedrock requests and bounds query cost; 3.39 is below both.
    limits = {"aws_appsync_graphql_api": ["query_depth_limit", "resolver_count_limit"]}
    assert arguments_newer_than((3, 39, 0), switches=False) == {
        "aws_appsync_datasource": ["http_config.authorization_config"], **limits}
    assert arguments_newer_than((4, 0, 0), switches=False) == limits
    assert arguments_newer_than((5, 37, 0), switches=False) == {}
    assert "aws_appsync_graphql_api" in arguments_newer_than((5, 0, 0))
    assert arguments_newer_than((5, 100, 0)) == {}


@pytest.mark.parametrize("kwargs, fragment", [
    ({"api_key_rotation_days": 16}, "at most half of api_key_expiry_days (30)"),
    ({"api_key_rotation_days": -1}, "api_key_rotation_days=-1 is invalid"),
    ({"sagemaker_execution_role_create": True}, "give at least one of each"),
    ({"sagemaker_execution_role_create": True, "sagemaker_input_s3_prefixes": ["s3://bkt/in/"],
      "sagemaker_output_s3_prefixes": ["s3://bkt/out/"],
      "sagemaker_execution_role_arn": "arn:aws:iam::111122223333:role/x"}, "not both"),
    ({"sagemaker_input_s3_prefixes": ["b/in"]}, "use S3 prefixes"),
    ({"alarm_topic_arn": "my-topic"}, "use an SNS topic ARN"),
    ({"alarm_latency_p99_ms": 0}, "alarm_latency_p99_ms=0 is invalid"),
])
def test_team_inputs_are_validated(kwargs, fragment):
    with pytest.raises(ConfigError, match="is invalid") as err:
        Settings(**kwargs)
    assert fragment in str(err.value)


def test_protected_aliases_follow_the_rule_of_setModelAlias_s_alias():
    """The setting's rule is the @constraint of the alias argument in the schema."""
    import re

    from modules.codegen import load
    from modules.config import ALIAS_NAME
    from tests.conftest import ROOT

    op = next(o for o in load(ROOT / "schema" / "model_registry.graphql").operations
              if o.kind == "setAlias")
    c = op.arg("alias").constraint
    for alias in ("prod", "a_b-1", "x" * c.max_length, "x" * (c.max_length + 1), "", "a b",
                  "a.b"):
        schema_ok = c.min_length <= len(alias) <= c.max_length and bool(
            re.fullmatch(c.pattern, alias))
        assert bool(ALIAS_NAME.fullmatch(alias)) == schema_ok, alias
