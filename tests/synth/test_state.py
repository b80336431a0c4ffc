"""Deploy-time files survive synth and clean; Make tracks the settings (MODEL_API_CONFIG).

The Make-level test runs in a temporary copy of the project (sources copied, toolchains linked)
so it never disturbs the session's cdktf.out/, state/ or terraform/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cdktf import TerraformStack
from cdktf import Testing as cdktf_testing

from modules.config import Settings
from modules.stacks import _backend
from tests.conftest import ROOT, node_env

# What `make synth` reads, and the toolchains it runs (linked, never copied or installed).
SOURCES = ("Makefile", "mk", "main.py", "cdktf.json", "modules", "templates", "schema",
           "tools", "requirements.txt", "requirements-dev.txt", "package.json",
           "package-lock.json")
TOOLCHAINS = (".venv", "node_modules")
INSTALL_STAMPS = ("venv", "npm", "install")


def test_s3_backend_is_encrypted_and_locked():
    app = cdktf_testing.app()
    stack = TerraformStack(app, "model-api")
    backend = {"type": "s3", "bucket": "acme-tf-state", "key": "model-api/terraform.tfstate",
               "region": "eu-west-1"}
    _backend(stack, "model-api", Settings(backend=backend))
    s3 = json.loads(cdktf_testing.synth(stack))["terraform"]["backend"]["s3"]
    assert s3 == {"bucket": "acme-tf-state", "key": "model-api/terraform.tfstate",
                  "region": "eu-west-1", "encrypt": True, "use_lockfile": True}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project's synth inputs with the installed toolchains linked in."""
    copy = tmp_path_factory.mktemp("project")
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, copy / name)
    for name in TOOLCHAINS:
        if not (ROOT / name).exists():
            pytest.skip(f"{name} missing: run `make install` first")
        (copy / name).symlink_to((ROOT / name).resolve())
    # Install stamps newer than the copied pin files: `make synth` installs nothing.
    (copy / ".make").mkdir()
    for name in INSTALL_STAMPS:
        (copy / ".make" / name).touch()
    return copy


def make(project: Path, target: str, config: Path | None = None,
         as_argument: bool = False) -> subprocess.CompletedProcess:
    """make <target> with MODEL_API_CONFIG in the environment or on the command line."""
    env = {k: v for k, v in node_env().items()
           if k not in ("MODEL_API_CONFIG", "CDKTF_OUTDIR", "MAKEFLAGS", "MAKELEVEL")}
    args = ["make", "--no-print-directory", target]
    if config and as_argument:
        args.append(f"MODEL_API_CONFIG={config}")
    elif config:
        env["MODEL_API_CONFIG"] = str(config)
    return subprocess.run(args, cwd=project, env=env, capture_output=True, text=True)


def prefix_of(project: Path) -> str:
    stack = json.loads((project / "cdktf.out/stacks/model-api/cdk.tf.json").read_text())
    return stack["resource"]["aws_appsync_graphql_api"]["api"]["name"].removesuffix("-api")


def test_settings_changes_resynthesize_and_state_survives_synth_and_clean(project):
    # The prefix of the project's cdktf.json context, what a synth without MODEL_API_CONFIG uses.
    context = json.loads((project / "cdktf.json").read_text()).get("context", {})
    default = Settings.from_mapping(context, source="cdktf.json context").name_prefix
    assert default not in ("first", "second")
    config = project / "settings.json"
    config.write_text(json.dumps({"name_prefix": "first"}))
    first = make(project, "synth", config)
    assert first.returncode == 0, first.stderr
    assert prefix_of(project) == "first"

    # What `terraform init` + `apply` leave, where the synthesized backend puts the state and
    # terraform runs (the stack directory, as `cdktf deploy` does).
    stack_dir = project / "cdktf.out/stacks/model-api"
    backend = json.loads((stack_dir / "cdk.tf.json").read_text())["terraform"]["backend"]
    state = (stack_dir / backend["local"]["path"]).resolve()
    assert state.is_relative_to(project), f"state outside the project: {state}"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text('{"version": 4, "serial": 7}')
    (stack_dir / ".terraform" / "providers").mkdir(parents=True)
    (stack_dir / ".terraform" / "terraform.tfstate").write_text("{}")
    (stack_dir / ".terraform.lock.hcl").write_text("# lock\n")
    # State where the old layout kept it (beside cdk.tf.json): carried along, never dropped.
    legacy = stack_dir / "terraform.tfstate"
    legacy.write_text('{"version": 4, "serial": 3}')

    # Same file, new content (given on the command line this time): Make must notice it.
    config.write_text(json.dumps({"name_prefix": "second"}))
    second = make(project, "synth", config, as_argument=True)
    assert second.returncode == 0, second.stderr
    assert "Nothing to be done" not in second.stdout
    assert "terraform init -migrate-state" in second.stderr
    assert prefix_of(project) == "second"
    # Back to no MODEL_API_CONFIG: the cdktf.json context again.
    assert make(project, "synth").returncode == 0
    assert prefix_of(project) == default
    assert "Nothing to be done" in make(project, "synth").stdout

    # A bad setting fails `make synth` with its message, every time, and changes nothing.
    config.write_text(json.dumps({"name_prefix": "Bad_Prefix"}))
    for _ in range(2):
        bad = make(project, "synth", config)
        assert bad.returncode != 0
        assert "name_prefix='Bad_Prefix' is invalid" in bad.stderr
    assert prefix_of(project) == default
    for rel in ("model-api/main.tf.json", "model-api/README.md"):
        assert (project / "terraform" / rel).is_file(), f"a failed synth removed {rel}"

    for when in ("after two synths", "after make clean"):
        assert state.read_text() == '{"version": 4, "serial": 7}', when
        assert (stack_dir / ".terraform" / "terraform.tfstate").is_file(), when
        assert (stack_dir / ".terraform.lock.hcl").read_text() == "# lock\n", when
        assert legacy.read_text() == '{"version": 4, "serial": 3}', when
        if when == "after two synths":
            cleaned = make(project, "clean")
            assert cleaned.returncode == 0, cleaned.stderr
            assert not (stack_dir / "cdk.tf.json").exists()
