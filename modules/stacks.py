"""The two stacks a synth writes: a deployable root configuration and a callable module."""

from __future__ import annotations

from cdktf import LocalBackend, TerraformOutput, TerraformStack
from constructs import Construct

from .api import GraphqlApi
from .aws import AwsProvider
from .config import Settings
from .inputs import Inputs


class ModelApi(Construct):
    """Everything the API is made of; the stacks differ only in where inputs come from."""

    def __init__(self, scope: Construct, id_: str, *, inputs: Inputs, schema: str) -> None:
        super().__init__(scope, id_)
        self.graphql = GraphqlApi(self, "graphql", inputs=inputs, schema=schema)

    def outputs(self, stack: TerraformStack) -> None:
        api = self.graphql.api
        TerraformOutput(stack, "appsync_graphql_url", value=api.uris.lookup("GRAPHQL"),
                        description="GraphQL endpoint of the API.")
        TerraformOutput(stack, "appsync_api_id", value=api.id, description="AppSync API id.")
        TerraformOutput(stack, "appsync_api_arn", value=api.arn, description="AppSync API ARN.")
        TerraformOutput(stack, "appsync_api_key", value=self.graphql.api_key_value,
                        sensitive=True, description="The API key (empty when API_KEY is off).")
        TerraformOutput(stack, "iam_role_arns", value={"logs": self.graphql.logs_role.arn},
                        description="IAM roles AppSync assumes, by purpose.")


def _require_provider_range(stack: TerraformStack, settings: Settings) -> None:
    # The prebuilt provider pins its own exact version; consumers need the real minimum.
    stack.add_override("terraform.required_providers.aws", {
        "source": "hashicorp/aws",
        "version": f">= {settings.provider_floor}",
    })


class RootStack(TerraformStack):
    """A root configuration: provider, relative local state, settings baked in as literals."""

    def __init__(self, scope: Construct, id_: str, *, settings: Settings, schema: str) -> None:
        super().__init__(scope, id_)
        AwsProvider(self, "aws", region=settings.region)
        # cdktf's default backend writes an absolute path of the machine; keep state beside
        # the stack instead, so the output is portable.
        LocalBackend(self, path="terraform.tfstate")
        self.api = ModelApi(self, "model_api", inputs=Inputs.literal(settings), schema=schema)
        self.api.outputs(self)
        _require_provider_range(self, settings)


class ModuleStack(TerraformStack):
    """A module for platform teams: typed variables, outputs, no provider and no backend."""

    def __init__(self, scope: Construct, id_: str, *, settings: Settings, schema: str) -> None:
        super().__init__(scope, id_)
        # cdktf refuses resources without a provider construct; main.py strips this block
        # (and the default backend) after synth, since a module inherits the caller's provider.
        AwsProvider(self, "aws")
        inputs = Inputs.variables(self, settings)
        self.api = ModelApi(self, "model_api", inputs=inputs, schema=schema)
        self.api.outputs(self)
        _require_provider_range(self, settings)
