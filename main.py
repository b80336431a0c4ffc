#!/usr/bin/env python
"""Synthesize the AppSync model-management API to Terraform JSON.

Writes cdktf.out/stacks/model-api (a root configuration), cdktf.out/stacks/module and
cdktf.out/stacks/module-hardened (modules for platform teams). Settings come from the
`context` block of cdktf.json, overridden by the JSON file named in MODEL_API_CONFIG.
Every input is validated before anything is written; the output replaces the old one at once.
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
    """cdktf.json says `python main.py`: run under the project's venv when one exists."""
    venv = ROOT / ".venv"
    if (venv / "bin" / "python").exists() and Path(sys.prefix).resolve() != venv.resolve():
        os.execv(venv / "bin" / "python", [str(venv / "bin" / "python"), *sys.argv])


if __name__ == "__main__":
    _use_project_venv()

from modules.codegen.ml import refresh_operation  # noqa: E402
from modules.config import SWITCH_FLOORS, ConfigError, Settings  # noqa: E402

ROOT_STACK = "model-api"
# The hardened module emits every switch; its variables default to the strict values.
HARDENED = {"introspection_enabled": False, "query_depth_limit": 10,
            "resolver_count_limit": 1000, "deletion_protection": True, "waf_enabled": True,
            "log_retention_days": 365,
            # EventBridge calls refreshTrainingJob with IAM: IAM is the default mode here.
            "training_events": True, "authentication_type": "AWS_IAM",
            "additional_authentication_types": (),
            # Only marks the switch: the module's kms_key_arn variable has no default.
            "kms_key_arn": "arn:aws:kms:us-east-1:000000000000:key/required-input",
            # Only marks the switch: alarms_enabled defaults to true, alarm_topic_arn to "".
            "alarm_topic_arn": "arn:aws:sns:us-east-1:000000000000:required-input"}


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
    from modules.codegen.render import check_terraform_safe, render

    schema = load(ROOT / settings.schema_path)
    check_terraform_safe(render(schema, lambda e: f"<{e.table}>"))
    if settings.training_events:
        refresh_operation(schema.appsync_sdl)  # raises when the schema lacks the mutation
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
    hardened = dataclasses.replace(settings, **switches)
    base = dataclasses.replace(settings, **{k: None for k in SWITCH_FLOORS})

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
            outdir.rename(old)
        staging.rename(outdir)


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
    print(f"synthesized {ROOT_STACK}, module, module-hardened into {outdir.name}/stacks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
