"""prediction_output_uri: where predict writes outputs too long for a prediction's item.

The setting is validated before anything is written; the S3 data source signs for `s3` at the
bucket's virtual-hosted endpoint; its role may PutObject under the prefix and nothing else.
"""

from __future__ import annotations

import json

import pytest

from main import load_settings
from modules.codegen.ml import S3
from modules.config import ConfigError, Settings


@pytest.mark.parametrize("uri, fragment", [
    # Without the closing '/', "s3://b/out" would also grant "s3://b/out-other/...".
    ("s3://preds/out", "ending in '/'"),
    ("s3://preds", "ending in '/'"),
    # Virtual-hosted style over HTTPS: the wildcard certificate matches no bucket with a dot.
    ("s3://my.preds/", "without '.'"),
    ("https://preds/out/", "s3://<bucket>/"),
    # '*' would widen the IAM grant; a space or a quote needs encoding or breaks the template.
    ("s3://preds/a*/", "!_.()-"),
    ("s3://preds/a b/", "!_.()-"),
    ("s3://preds/it's/", "!_.()-"),
    ("s3://preds/../", "not starting with '.'"),
    ("s3://preds//", "!_.()-"),
    ("s3://preds/" + "a/" * 450, "at most 900 characters"),
])
def test_bad_output_uris_are_refused_naming_the_rule(uri, fragment):
    with pytest.raises(ConfigError, match="prediction_output_uri=.* is invalid") as err:
        Settings(prediction_output_uri=uri)
    assert fragment in str(err.value)


@pytest.mark.parametrize("uri", ["s3://preds/", "s3://preds-1/team_a/out.v2/(x)!/"])
def test_good_output_uris_are_taken(uri):
    assert Settings(prediction_output_uri=uri).prediction_output_uri == uri


def _bucket_and_key(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def test_the_root_stack_writes_under_its_prefix_only(root_stack):
    uri = load_settings().prediction_output_uri
    assert uri, "cdktf.json names a prediction_output_uri (the local runtime's bucket)"
    bucket, key = _bucket_and_key(uri)
    sources = {s["name"]: s for k, s in root_stack["resource"]["aws_appsync_datasource"].items()
               if k != "//"}
    assert sources[S3]["http_config"] == {
        "endpoint": f"https://{bucket}.s3.us-east-1.amazonaws.com",
        "authorization_config": {"authorization_type": "AWS_IAM", "aws_iam_config": {
            "signing_region": "us-east-1", "signing_service_name": "s3"}}}
    policy = json.loads(root_stack["resource"]["aws_iam_role_policy"]["ds_s3"]["policy"])
    # Service Authorization Reference, Amazon S3: PutObject acts on the `object` resource type,
    # arn:${Partition}:s3:::${BucketName}/${ObjectName}.
    assert policy == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject"],
         "Resource": f"arn:aws:s3:::{bucket}/{key}*"}]}
    assert root_stack["locals"]["prediction_output_uri"] == uri


def test_modules_name_no_bucket_of_their_own(module_stack, hardened_stack):
    """A deployment's bucket is no module default: until a consumer names one, long outputs are
    only returned, the S3 role has no policy and the source points at no bucket."""
    for stack in (module_stack, hardened_stack):
        variable = stack["variable"]["prediction_output_uri"]
        assert variable["default"] == "" and variable["type"] == "string"
        assert variable["validation"][0]["condition"].startswith(
            '${var.prediction_output_uri == "" || ')
        assert stack["resource"]["aws_iam_role_policy"]["ds_s3"]["count"] == \
            '${var.prediction_output_uri == "" ? 0 : 1}'
        assert stack["locals"]["prediction_output_uri"] == "${var.prediction_output_uri}"


def test_without_a_prefix_there_is_no_s3_policy_and_no_bucket():
    from modules.inputs import Inputs
    from modules.ml import s3_endpoint, store_policy

    inputs = Inputs.literal(Settings())
    assert store_policy(inputs, {"s3:PutObject"}) == (None, None)
    assert s3_endpoint(inputs) == "https://s3.us-east-1.amazonaws.com"
