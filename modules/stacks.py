"""The stacks a synth writes: a deployable root configuration and callable modules."""

from __future__ import annotations

from cdktf import LocalBackend, TerraformStack
from constructs import Construct

from .aws import AwsProvider
from .codegen.ir import Schema
from .config import Settings
from .inputs import Inputs
from .model_api import ModelApi


def _require_provider_range(stack: TerraformStack, settings: Settings) -> None:
    # The prebuilt provider pins its own exact version; consumers need the real minimum.
    stack.add_override("terraform.required_providers.aws", {
        "source": "hashicorp/aws",
        "version": f">= {settings.provider_floor}",
    })


class RootStack(TerraformStack):
    """A root configuration: provider, relative local state, settings baked in as literals."""

    def __init__(self, scope: Construct, id_: str, *, settings: Settings, schema: Schema) -> None:
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

    def __init__(self, scope: Construct, id_: str, *, settings: Settings, schema: Schema) -> None:
        super().__init__(scope, id_)
        # cdktf refuses resources without a provider construct; main.py strips this block
        # (and the default backend) after synth, since a module inherits the caller's provider.
        AwsProvider(self, "aws")
        inputs = Inputs.variables(self, settings)
        self.api = ModelApi(self, "model_api", inputs=inputs, schema=schema)
        self.api.outputs(self)
        # Its variable validations name other variables, which needs Terraform >= 1.9; that
        # is declared by the callers (examples/), since checkov 3.3's terraform_json parser
        # fails on a `terraform.required_version` string.
        _require_provider_range(self, settings)
