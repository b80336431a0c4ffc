"""Shared fixtures: the synth runs once per test session, never once per test."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def synth_dir() -> Path:
    """cdktf.out/, brought up to date by `make synth` (a no-op when nothing changed)."""
    subprocess.run(["make", "-s", "synth"], cwd=ROOT, check=True, env=node_env())
    return ROOT / "cdktf.out"


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
