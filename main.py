#!/usr/bin/env python
"""Synthesize the AppSync model-management API to Terraform JSON.

Writes cdktf.out/stacks/model-api (a root configuration), cdktf.out/stacks/module and
cdktf.out/stacks/module-hardened (modules for platform teams), and publishes the two modules
into the committed folder terraform/ (modules/publish.py). Settings come from the `context`
block of cdktf.json, overridden by the JSON file named in MODEL_API_CONFIG. Every input is
validated before anything is written; the output replaces the old one at once, keeping each
stack's Terraform working files (.terraform/, the lock file) as `cdktf synth` does.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _use_project_venv() -> None:
    """cdktf.json says `python main.py`: run under the project's venv when one exists, with
    the project's Node 22 first on PATH (jsii prints an end-of-life banner on Node 20), as
    the Makefile sets it, so a synth outside make behaves as one inside."""
    node_bin = str(ROOT / "node_modules" / ".bin")
    if (ROOT / "node_modules" / ".bin" / "node").exists() and \
            os.environ.get("PATH", "").split(os.pathsep)[0] != node_bin:
        os.environ["PATH"] = os.pathsep.join([node_bin, os.environ.get("PATH", "")])
    # jsii's bundled kernel uses util.isArray: its deprecation warning is noise on every synth.
    options = os.environ.get("NODE_OPTIONS", "")
    if "--no-deprecation" not in options:
        os.environ["NODE_OPTIONS"] = f"{options} --no-deprecation".strip()
    venv = ROOT / ".venv"
    if (venv / "bin" / "python").exists() and Path(sys.prefix).resolve() != venv.resolve():
        os.execv(venv / "bin" / "python", [str(venv / "bin" / "python"), *sys.argv])


if __name__ == "__main__":
    _use_project_venv()

from modules.codegen.ml import refresh_operation  # noqa: E402
from modules.config import SWITCH_FLOORS, ConfigError, Settings  # noqa: E402
from modules.publish import PUBLISH_DIR, write_all  # noqa: E402

# Terraform's files in a stack directory: a synth carries them into the new output. State
# belongs in state/ now; a terraform.tfstate* here predates that (or came from a user's own
# backend change) and is carried too, never dropped, with a warning (_keep_terraform_files).
TERRAFORM_FILES = (".terraform", ".terraform.lock.hcl")
STRAY_STATE = "terraform.tfstate*"

ROOT_STACK = "model-api"
# The hardened module emits every switch; its variables default to the strict values.
HARDENED = {"introspection_enabled": False, "query_depth_limit": 10,
            "resolver_count_limit": 1000, "deletion_protection": True, "waf_enabled": True,
            "log_retention_days": 365,
            # No API key: Cognito users (a pool with the schema's groups) by default, and IAM,
            # with which EventBridge calls refreshTrainingJob.
            "training_events": True, "authentication_type": "AMAZON_COGNITO_USER_POOLS",
            "additional_authentication_types": ("AWS_IAM",), "cognito_create_user_pool": True,
            "cognito_user_pool_id": None, "oidc_issuer": None,
            # Only marks the switch: the module takes AWS_LAMBDA, lambda_authorizer_arn "".
            "lambda_authorizer_arn": "arn:aws:lambda:us-east-1:000000000000:function:optional",
            # Only marks the switch: the module's kms_key_arn variable has no default.
            "kms_key_arn": "arn:aws:kms:us-east-1:000000000000:key/required-input",
            # Only marks the switch: alarms_enabled defaults to true, alarm_topic_arn to "".
            "alarm_topic_arn": "arn:aws:sns:us-east-1:000000000000:required-input"}


DEPLOYMENT_LISTS = ("training_images", "sagemaker_input_s3_prefixes",
                    "sagemaker_output_s3_prefixes", "sagemaker_endpoint_names", "bedrock_model_ids")


def load_settings() -> Settings:
    values = json.loads((ROOT / "cdktf.json").read_text()).get("context", {})
    override = os.environ.get("MODEL_API_CONFIG")
    source = "cdktf.json context"
    if override:
        try:
            extra = json.loads(Path(override).read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise ConfigError(f"{override}: cannot read configuration: {err}") from None
        if not isinstance(extra, dict):
            raise ConfigError(f"{override}: expected a JSON object of settings")
        values = {**values, **extra}
        source = f"{override} (over cdktf.json context)"
    return Settings.from_mapping(values, source=source)


def load_schema(settings: Settings):
    """Parse, check and render once with placeholder table names: any schema or template
    error stops here, before cdktf starts and before anything is written."""
    from modules.codegen import load
    from modules.codegen.docs import check_descriptions
    from modules.codegen.render import check_terraform_safe, render

    schema = load(ROOT / settings.schema_path)
    check_terraform_safe(render(schema, lambda e: f"<{e.table}>"))
    if settings.training_events:
        refresh_operation(schema.appsync_sdl)  # raises when the schema lacks the mutation
    check_descriptions(schema)  # every item the API shows is documented (README)
    return schema


def supports_training_events(schema) -> bool:
    try:
        refresh_operation(schema.appsync_sdl)
    except ValueError:
        return False
    return True


def synth(settings: Settings, schema, outdir: Path) -> None:
    # Imported here so a bad config fails in a second instead of after jsii's start-up.
    from cdktf import App

    from modules.stacks import ModuleStack, RootStack

    switches = dict(HARDENED)
    if not supports_training_events(schema):  # a generated schema, say: nothing to call
        switches["training_events"] = None
    # What one deployment names (its images, buckets, endpoints, models: cdktf.json's are the
    # development ones) is no module default: a consumer names its own, and until then the
    # module trains and invokes nothing.
    own = {k: () for k in DEPLOYMENT_LISTS}
    own["prediction_output_uri"] = None  # a deployment's own bucket too
    hardened = dataclasses.replace(settings, **switches, **own)
    # The basic module stays at the base floor: no switch, so no AWS_LAMBDA (whose block is one;
    # the hardened module takes it).
    modes = [m for m in settings.auth_modes if m != "AWS_LAMBDA"] or ["AWS_IAM"]
    base = dataclasses.replace(settings, **{k: None for k in SWITCH_FLOORS}, **own,
                               authentication_type=modes[0],
                               additional_authentication_types=tuple(modes[1:]))

    outdir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".synth-", dir=outdir.parent) as tmp:
        staging = Path(tmp) / "out"
        app = App(outdir=str(staging), skip_validation=False)
        RootStack(app, ROOT_STACK, settings=settings, schema=schema)
        ModuleStack(app, "module", settings=base, schema=schema)
        ModuleStack(app, "module-hardened", settings=hardened, schema=schema)
        app.synth()
        _make_portable(staging)
        # Swap the finished output in: a failed synth never leaves a half-written cdktf.out.
        old = Path(tmp) / "old"
        if outdir.exists():
            _keep_terraform_files(outdir, staging)
            outdir.rename(old)
        staging.rename(outdir)
    # The committed modules, from the output just written (beside cdktf.out, like state/).
    write_all(outdir / "stacks", outdir.parent / PUBLISH_DIR)


def _keep_terraform_files(old: Path, new: Path) -> None:
    """Move each stack's .terraform/ and lock file into the new output (`terraform init`
    state and the pinned provider hashes), as the cdktf CLI leaves them in place, and any
    state file found there (never dropped: a warning asks to migrate it)."""
    for stack in sorted((old / "stacks").glob("*")):
        target = new / "stacks" / stack.name
        stray = sorted(p.name for p in stack.glob(STRAY_STATE))
        if stray and not target.is_dir():
            raise RuntimeError(f"{stack}: holds Terraform state ({', '.join(stray)}) but the "
                               "stack is no longer synthesized; move it out first")
        if not target.is_dir():
            continue  # a stack that is gone: its files go with the old output
        for name in (*TERRAFORM_FILES, *stray):
            if (stack / name).exists() or (stack / name).is_symlink():
                (stack / name).rename(target / name)
        if stray:
            print(f"warning: {stack.relative_to(old.parent)} holds {', '.join(stray)}, state "
                  "inside the synth output: run `terraform init -migrate-state` there to move "
                  "it where the backend now points (state/ or S3)", file=sys.stderr)


def _make_portable(outdir: Path) -> None:
    """Modules get no provider and no backend; no file may name this machine's paths."""
    for stack in ("module", "module-hardened"):
        path = outdir / "stacks" / stack / "cdk.tf.json"
        doc = json.loads(path.read_text())
        doc.get("terraform", {}).pop("backend", None)
        doc.pop("provider", None)
        path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    root = outdir / "stacks" / ROOT_STACK / "cdk.tf.json"
    root.write_text(json.dumps(json.loads(root.read_text()), indent=2, sort_keys=True) + "\n")
    for path in outdir.rglob("*.json"):
        if str(outdir.resolve()) in path.read_text() or str(ROOT) in path.read_text():
            raise RuntimeError(f"{path} names an absolute path of this machine")


def main() -> int:
    from modules.codegen import SchemaError

    try:
        settings = load_settings()
        schema = load_schema(settings)
    except (ConfigError, SchemaError, ValueError) as err:
        print(f"synth refused: {err}", file=sys.stderr)
        return 2
    outdir = Path(os.environ.get("CDKTF_OUTDIR", ROOT / "cdktf.out")).resolve()
    synth(settings, schema, outdir)
    print(f"synthesized {ROOT_STACK}, module, module-hardened into {outdir.name}/stacks; "
          f"modules published in {PUBLISH_DIR}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
