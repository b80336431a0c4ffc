"""Authorization modes as settings and module variables (modules/auth.py, README:
Authorization): each mode's own inputs are required, each raises the floor it needs."""

from __future__ import annotations

import pytest

from modules.config import SWITCH_FLOORS, ConfigError, Settings, _version

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:authorizer"


@pytest.mark.parametrize("values, key", [
    ({"authentication_type": "AMAZON_COGNITO_USER_POOLS"}, "cognito_user_pool_id"),
    ({"authentication_type": "AMAZON_COGNITO_USER_POOLS", "cognito_user_pool_id": "us-east-1_A",
      "cognito_create_user_pool": True}, "cognito_user_pool_id"),
    ({"authentication_type": "AMAZON_COGNITO_USER_POOLS", "cognito_user_pool_id": "pool"},
     "cognito_user_pool_id"),
    ({"cognito_user_pool_id": "us-east-1_A"}, "cognito_user_pool_id"),
    ({"authentication_type": "OPENID_CONNECT"}, "oidc_issuer"),
    ({"authentication_type": "OPENID_CONNECT", "oidc_issuer": "http://idp"}, "oidc_issuer"),
    ({"oidc_issuer": "https://idp"}, "oidc_issuer"),
    ({"additional_authentication_types": ["AWS_LAMBDA"]}, "lambda_authorizer_arn"),
    ({"authentication_type": "AWS_LAMBDA"}, "lambda_authorizer_arn"),
    ({"authentication_type": "AWS_LAMBDA", "lambda_authorizer_arn": "arn:aws:lambda:x"},
     "lambda_authorizer_arn"),
    ({"authentication_type": "AWS_LAMBDA", "lambda_authorizer_arn": LAMBDA,
      "lambda_authorizer_result_ttl": 3601}, "lambda_authorizer_result_ttl"),
    ({"oidc_auth_ttl": -1}, "oidc_auth_ttl"),
])
def test_each_mode_needs_its_own_inputs(values, key):
    with pytest.raises(ConfigError, match=f"^{key}="):
        Settings(**values)


def test_every_mode_at_once_and_its_floor():
    s = Settings(authentication_type="AMAZON_COGNITO_USER_POOLS", cognito_create_user_pool=True,
                 additional_authentication_types=["API_KEY", "AWS_IAM", "OPENID_CONNECT",
                                                  "AWS_LAMBDA"],
                 oidc_issuer="https://idp.example", lambda_authorizer_arn=LAMBDA)
    assert len(s.auth_modes) == 5
    # lambda_authorizer_config came in hashicorp/aws 3.70.0; Cognito and OIDC raise nothing.
    assert SWITCH_FLOORS["lambda_authorizer_arn"] == "3.70.0"
    assert _version(s.provider_floor) >= (3, 70, 0)
    oidc = Settings(authentication_type="OPENID_CONNECT", oidc_issuer="https://idp.example")
    assert oidc.provider_floor == Settings().provider_floor


def test_the_root_stack_writes_each_additional_mode_with_its_block(root_stack):
    api = root_stack["resource"]["aws_appsync_graphql_api"]["api"]
    modes = {p["authentication_type"]: p for p in api["additional_authentication_provider"]}
    pool = modes["AMAZON_COGNITO_USER_POOLS"]["user_pool_config"]
    assert pool == {"user_pool_id": "${aws_cognito_user_pool.user_pool.id}"}
    groups = {g["name"] for g in root_stack["resource"]["aws_cognito_user_group"].values()}
    assert groups == {"ml-admins", "ml-engineers"}  # the groups the schema's rules name


def test_the_module_picks_blocks_from_its_variables(module_stack):
    api = module_stack["resource"]["aws_appsync_graphql_api"]["api"]
    dynamic = api["dynamic"]
    assert dynamic["user_pool_config"]["for_each"] == (
        '${var.authentication_type == "AMAZON_COGNITO_USER_POOLS" ? [1] : []}')
    assert dynamic["user_pool_config"]["content"]["default_action"] == "ALLOW"
    nested = dynamic["additional_authentication_provider"]["content"]["dynamic"]
    assert set(nested) == {"user_pool_config", "openid_connect_config"}  # Lambda: a switch
    for name in ("cognito_user_pool_id", "cognito_create_user_pool", "oidc_issuer",
                 "oidc_client_id", "oidc_auth_ttl", "oidc_iat_ttl"):
        assert name in module_stack["variable"], name
    assert "lambda_authorizer_arn" not in module_stack["variable"]
