"""Shared fixtures: the synth runs once per test session, never once per test."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def node_env() -> dict[str, str]:
    """Environment with Node 22 from npm first on PATH, as the Makefile sets it."""
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    env.setdefault("NODE_OPTIONS", "--no-deprecation")
    return env


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Units of work for pytest-xdist (`make test`: --dist loadgroup): what shares a session
    fixture runs on one worker, so nothing expensive is set up twice. A tier's tests go
    together (its toy runtime, its plans); so do the end-to-end tests of the shared runtime
    (test_error_sites.py reads what all of them fired, which needs them in one session); an
    end-to-end test with a runtime of its own (its own synth) is a unit of its own, for the
    other worker to take meanwhile."""
    for item in items:
        module = item.nodeid.split("::")[0]
        tier = module.split("/")[1] if module.startswith("tests/") else module
        if tier == "e2e" and "local_runtime" not in item.fixturenames:
            tier = module
        item.add_marker(pytest.mark.xdist_group(tier))


@pytest.fixture(scope="session")
def synth_dir() -> Path:
    """cdktf.out/, brought up to date by `make synth` (a no-op when nothing changed).
    MODEL_API_SYNTH_DIR names an output already synthesized from this tree's schema and
    settings instead (tests/e2e/test_own_type.py runs the tiers on a copy that way)."""
    if os.environ.get("MODEL_API_SYNTH_DIR"):
        return Path(os.environ["MODEL_API_SYNTH_DIR"])
    # One at a time: pytest-xdist's workers each ask, and two synths would write cdktf.out/ at
    # once; in turn, the second finds it up to date and does nothing.
    (ROOT / ".make").mkdir(exist_ok=True)
    with open(ROOT / ".make" / "synth.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(["make", "-s", "synth"], cwd=ROOT, check=True, env=node_env())
    return ROOT / "cdktf.out"


@pytest.fixture(scope="session")
def schema_ir():
    """The parsed schema the synth reads (the settings' schema_path, MODEL_API_CONFIG too):
    what tests derive their expected resources from, so a new type needs no test edit."""
    from main import load_settings
    from modules.codegen import load

    return load(ROOT / load_settings().schema_path)


@pytest.fixture(scope="session")
def schema_plan(schema_ir):
    """The resolvers and functions the codegen renders for that schema."""
    from modules.codegen.render import render

    return render(schema_ir, lambda e: f"<{e.table}>")


def schema_counts(schema, plan) -> dict[str, int]:
    """Resources by type that the schema makes: per table (entity or @membership list) a
    table, a data source, its role and its policy; one resolver or function per rendered one."""
    tables = len(schema.tables)
    return {"aws_dynamodb_table": tables, "aws_appsync_datasource": tables,
            "aws_iam_role": tables, "aws_iam_role_policy": tables,
            "aws_appsync_resolver": len(plan.resolvers),
            "aws_appsync_function": len(plan.functions)}


def load_stack(synth_dir: Path, name: str) -> dict:
    return json.loads((synth_dir / "stacks" / name / "cdk.tf.json").read_text())


@pytest.fixture(scope="session")
def root_stack(synth_dir: Path) -> dict:
    return load_stack(synth_dir, "model-api")


@pytest.fixture(scope="session")
def module_stack(synth_dir: Path) -> dict:
    return load_stack(synth_dir, "module")


@pytest.fixture(scope="session")
def hardened_stack(synth_dir: Path) -> dict:
    return load_stack(synth_dir, "module-hardened")
