"""The API's authorization modes (README: Authorization): what each mode needs on the API
(user pool, OIDC issuer, Lambda authorizer), a user pool with the schema's groups when asked,
and the permission for AppSync to call a Lambda authorizer.

The root stack writes literal blocks; the module writes `dynamic` blocks over its variables, so
a platform team picks the default and the additional modes at plan time.
"""

from __future__ import annotations

from cdktf import Fn, Token
from constructs import Construct

from .aws import CognitoUserGroup, CognitoUserPool, CognitoUserPoolClient, LambdaPermission
from .inputs import Inputs
from .naming import named

COGNITO, OIDC, LAMBDA = "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT", "AWS_LAMBDA"


class AuthModes(Construct):
    """Builds the pool (when asked) and the per-mode blocks; `apply(api)` adds them."""

    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, groups: list[str]) -> None:
        super().__init__(scope, id_)
        self.inputs = inputs
        s = inputs.settings
        self.pool = None
        self.client = None
        create = inputs.auth_variables or s.cognito_create_user_pool
        if create:
            # Module: count from the variable; root: only when the setting asks for it.
            # (a pool only where Cognito is one of the modes chosen)
            count = (Token.as_number(inputs.expression(
                "var.cognito_create_user_pool && contains(concat([var.authentication_type], "
                "var.additional_authentication_types), \"AMAZON_COGNITO_USER_POOLS\") ? 1 : 0"))
                if inputs.auth_variables else None)
            self.pool = named(CognitoUserPool(
                self, "user_pool", name=f"{inputs.name_prefix}-users", count=count,
                # Sign-in needs a verified e-mail; nobody signs themselves up.
                username_attributes=["email"], auto_verified_attributes=["email"],
                admin_create_user_config={"allow_admin_create_user_only": True},
                password_policy={"minimum_length": 12, "require_lowercase": True,
                                 "require_uppercase": True, "require_numbers": True,
                                 "require_symbols": True},
                mfa_configuration="OPTIONAL",
                software_token_mfa_configuration={"enabled": True},
                tags=inputs.tags,
            ), "user_pool")
            ref = self._pool_ref("id")
            self.client = named(CognitoUserPoolClient(
                self, "user_pool_client", name=f"{inputs.name_prefix}-api", user_pool_id=ref,
                count=count, generate_secret=False,
                explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                prevent_user_existence_errors="ENABLED",
            ), "user_pool_client")
            # The groups the schema's @auth rules name (tokens carry them in cognito:groups).
            for group in groups:
                named(CognitoUserGroup(
                    self, f"group_{group.replace('-', '_')}", name=group, user_pool_id=ref,
                    count=count, description="Named by the schema's @auth rules.",
                ), f"group_{group.replace('-', '_')}")

    def _pool_ref(self, attr: str) -> str:
        if self.inputs.auth_variables:
            return f"${{aws_cognito_user_pool.user_pool[0].{attr}}}"
        return getattr(self.pool, attr)

    def pool_id(self) -> str:
        """The user pool AppSync checks Cognito tokens against."""
        if self.inputs.auth_variables:
            # join over the splat: the pool may have count 0 (HCL evaluates both branches).
            return ("${var.cognito_create_user_pool ? "
                    "join(\"\", aws_cognito_user_pool.user_pool[*].id) : var.cognito_user_pool_id}")
        return self.pool.id if self.pool is not None else self.inputs.settings.cognito_user_pool_id

    def outputs(self) -> dict[str, tuple[str, str]]:
        """The user pool and its app client (for sign-in), "" when Cognito is not used."""
        if self.inputs.auth_variables:
            client = '${join("", aws_cognito_user_pool_client.user_pool_client[*].id)}'
            pool = ('${contains(concat([var.authentication_type], '
                    'var.additional_authentication_types), "AMAZON_COGNITO_USER_POOLS") ? '
                    + self.pool_id()[2:-1] + ' : ""}')
        else:
            client = self.client.id if self.client is not None else ""
            pool = self.pool_id() or ""
        return {"cognito_user_pool_id": (pool, "User pool Cognito callers sign in to (\"\": "
                                                "Cognito is not a mode)."),
                "cognito_user_pool_client_id": (client, "App client of the user pool this "
                                                        "stack created (\"\": none).")}

    # -- the API's arguments ------------------------------------------------------------

    def _blocks(self, default: bool) -> dict[str, dict]:
        i, s = self.inputs, self.inputs.settings
        blocks = {
            "user_pool_config": {"user_pool_id": self.pool_id(),
                                 **({"default_action": "ALLOW"} if default else {})},
            "openid_connect_config": {"issuer": i.oidc_issuer, "client_id": i.oidc_client_id,
                                      "auth_ttl": i.oidc_auth_ttl, "iat_ttl": i.oidc_iat_ttl},
        }
        if s.lambda_authorizer_arn:
            blocks["lambda_authorizer_config"] = {
                "authorizer_uri": i.lambda_authorizer_arn,
                "authorizer_result_ttl_in_seconds": i.lambda_authorizer_result_ttl}
        return blocks

    def _literal(self, api) -> None:
        """Root stack: the default mode's block and one literal block per additional mode
        (raw Terraform JSON: the provider's structs take camelCase keys)."""
        s = self.inputs.settings
        by_mode = {COGNITO: "user_pool_config", OIDC: "openid_connect_config",
                   LAMBDA: "lambda_authorizer_config"}
        default = by_mode.get(s.authentication_type)
        if default:
            api.add_override(default, _compact(self._blocks(True)[default]))
        extra = []
        for mode in s.additional_authentication_types:
            block = {"authentication_type": mode}
            if mode in by_mode:
                block[by_mode[mode]] = _compact(self._blocks(False)[by_mode[mode]])
            extra.append(block)
        if extra:
            api.add_override("additional_authentication_provider", extra)

    def apply(self, api) -> None:
        """Module: `dynamic` blocks chosen by the variables at plan time."""
        if not self.inputs.auth_variables:
            self._literal(api)
        else:
            by_mode = {"user_pool_config": COGNITO, "openid_connect_config": OIDC,
                       "lambda_authorizer_config": LAMBDA}
            for block, content in self._blocks(True).items():
                api.add_override(f"dynamic.{block}", {
                    "for_each": f'${{var.authentication_type == "{by_mode[block]}" ? [1] : []}}',
                    "content": content})
            nested = {block: {
                "for_each": f'${{mode.value == "{by_mode[block]}" ? [1] : []}}',
                "content": content} for block, content in self._blocks(False).items()}
            api.add_override("dynamic.additional_authentication_provider", {
                "for_each": "${var.additional_authentication_types}",
                "iterator": "mode",
                "content": {"authentication_type": "${mode.value}", "dynamic": nested}})
        if self.inputs.settings.lambda_authorizer_arn:
            # AppSync invokes the authorizer only with this permission (AppSync developer
            # guide, "AWS_LAMBDA authorization": lambda:InvokeFunction for appsync.amazonaws.com).
            named(LambdaPermission(
                self, "authorizer_permission", statement_id="appsync-authorizer",
                action="lambda:InvokeFunction", principal="appsync.amazonaws.com",
                function_name=self.inputs.lambda_authorizer_arn, source_arn=api.arn,
                count=Token.as_number(Fn.conditional(
                    Fn.contains(Fn.concat([[self.inputs.authentication_type],
                                           self.inputs.additional_authentication_types]),
                                LAMBDA), 1, 0)),
            ), "authorizer_permission")


def _compact(block: dict) -> dict:
    """Leave out optional arguments with no value (an empty client id, a 0 TTL)."""
    return {k: v for k, v in block.items() if v not in (None, "", 0)}
