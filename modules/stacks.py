"""The stacks a synth writes: a deployable root configuration and callable modules."""

from __future__ import annotations

from pathlib import PurePosixPath

from cdktf import LocalBackend, S3Backend, TerraformStack
from constructs import Construct

from .aws import AwsProvider
from .codegen.ir import Schema
from .config import DEFAULT_STATE_PATH, Settings
from .inputs import Inputs
from .model_api import ModelApi


def _require_provider_range(stack: TerraformStack, settings: Settings) -> None:
    # The prebuilt provider pins its own exact version; consumers need the real minimum.
    stack.add_override("terraform.required_providers.aws", {
        "source": "hashicorp/aws",
        "version": f">= {settings.provider_floor}",
    })


# Terraform runs in cdktf.out/stacks/<stack> (what `cdktf deploy` does); from there the
# project root, which holds the state folder, is three levels up. Relative: portable output.
STACK_TO_ROOT = PurePosixPath("..", "..", "..")


def _backend(stack: TerraformStack, id_: str, settings: Settings) -> None:
    """State outside cdktf.out/ (a synth replaces that folder whole; losing the state would
    orphan every resource): local under state/<stack>/, or S3 encrypted and locked."""
    backend = dict(settings.backend or {"type": "local"})
    if backend.pop("type") == "local":
        path = PurePosixPath(backend.get("path", DEFAULT_STATE_PATH.format(stack=id_)))
        # Non-default workspaces too (their default, terraform.tfstate.d, is beside the stack).
        LocalBackend(stack, path=str(STACK_TO_ROOT / path),
                     workspace_dir=str(STACK_TO_ROOT / path.parent / "terraform.tfstate.d"))
        return
    lockfile = backend.pop("use_lockfile", "dynamodb_table" not in backend)
    S3Backend(stack, **{"encrypt": True, **backend})
    if lockfile:
        # S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no such argument.
        stack.add_override("terraform.backend.s3.use_lockfile", True)


class RootStack(TerraformStack):
    """A root configuration: provider, state outside cdktf.out/, settings baked in as literals."""

    def __init__(self, scope: Construct, id_: str, *, settings: Settings, schema: Schema) -> None:
        super().__init__(scope, id_)
        AwsProvider(self, "aws", region=settings.region)
        _backend(self, id_, settings)
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
