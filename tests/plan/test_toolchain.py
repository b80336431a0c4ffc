"""tools/terraform-toolchain.sh finds hashicorp/aws mirrors already on the machine.

Run into a scratch TF_TOOLCHAIN_HOME (the project's own .make/terraform is left alone), with
the machine-wide search off, so only the mirrors named here count.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .tfplan import ROOT

SCRIPT = ROOT / "tools" / "terraform-toolchain.sh"
ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
PLATFORM = f"{platform.system().lower()}_{ARCH}"


def _mirror(root, version: str, target: str) -> str:
    """An unpacked-layout mirror holding one (fake) hashicorp/aws build."""
    build = root / "registry.terraform.io" / "hashicorp" / "aws" / version / target
    build.mkdir(parents=True)
    binary = build / f"terraform-provider-aws_v{version}_x5"
    binary.write_text("#!/bin/sh\nexit 1\n")
    binary.chmod(0o755)
    return str(root)


@pytest.fixture(scope="module")
def configured(tmp_path_factory):
    if not (ROOT / ".venv-tf" / "bin" / "python").exists():
        pytest.skip("no .venv-tf: run `make terraform-toolchain` (`make test` does)")
    tmp = tmp_path_factory.mktemp("toolchain")
    good = _mirror(tmp / "good", "9.9.9", PLATFORM)
    other = _mirror(tmp / "other", "9.9.8", "plan9_mips")
    (tmp / "empty" / "registry.terraform.io" / "hashicorp" / "aws" / "9.9.6" / PLATFORM).mkdir(
        parents=True)
    home = tmp / "home"
    (home / ".terraform.d" / "plugins").mkdir(parents=True)
    implied = _mirror(home / ".terraform.d" / "plugins", "9.9.7", PLATFORM)
    env = {**os.environ, "TF_TOOLCHAIN_HOME": str(tmp / "tf"), "TF_MIRROR_SEARCH": "0",
           "TF_EXTRA_PROVIDER_MIRRORS": f"{good}:{other}:{tmp / 'empty'}:{tmp / 'missing'}",
           "HOME": str(home), "TF_CLI_CONFIG_FILE": str(tmp / "no-user-config")}
    proc = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, check=True)
    config = (tmp / "tf" / "terraformrc").read_text()
    paths = re.findall(r'path\s*=\s*"([^"]+)"', config)
    yield paths, proc.stderr, {"good": good, "other": other, "implied": implied,
                               "own": str(tmp / "tf" / "mirror")}
    # Fake providers must not outlive the test: another toolchain run would see them.
    shutil.rmtree(tmp)


def test_named_and_implied_mirrors_are_used_after_the_own_one(configured):
    paths, _, dirs = configured
    assert paths == [dirs["own"], dirs["good"], dirs["implied"]]


def test_a_mirror_without_this_platform_is_refused_and_said(configured):
    paths, stderr, dirs = configured
    assert dirs["other"] not in paths
    assert f"{dirs['other']} has no hashicorp/aws build for {PLATFORM}" in stderr
    assert "empty has no hashicorp/aws build" in stderr  # a platform folder without a binary


def test_no_plugin_cache_is_shared_between_inits(configured):
    """Terraform's plugin cache is not safe for concurrent inits (hashicorp/terraform#31964), and
    every provider comes from a local mirror: the config names no cache, the env file clears a
    user's TF_PLUGIN_CACHE_DIR."""
    _, _, dirs = configured
    home = Path(dirs["own"]).parent
    assert "plugin_cache_dir" not in (home / "terraformrc").read_text()
    env = (home / "env").read_text().splitlines()
    assert "TF_PLUGIN_CACHE_DIR=" in env and "TF_PLUGIN_CACHE_DIR" in env[-1].split()
