"""The committed modules (terraform/) are what a fresh synth publishes, and their READMEs
document every input and output of the synthesized JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from modules.publish import MODULES, PUBLISH_DIR, readme, render, render_all
from tests.conftest import ROOT

FIX = f"run `make synth` and commit {PUBLISH_DIR}/ (git add {PUBLISH_DIR}; git commit)"


def committed(rel: str, root: Path = ROOT) -> str | None:
    """The file in HEAD's commit: what a clone or a pinned ref gets (staged is not enough)."""
    out = subprocess.run(["git", "show", f"HEAD:{PUBLISH_DIR}/{rel}"], cwd=root,
                         capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else None


def committed_files(root: Path = ROOT) -> list[str]:
    return subprocess.run(["git", "ls-tree", "-r", "--name-only", "HEAD", "--", PUBLISH_DIR],
                          cwd=root, capture_output=True, text=True, check=True).stdout.split()


def test_staged_but_uncommitted_is_not_committed(tmp_path):
    """What a consumer's `?ref=` gets is a commit: a module only staged must not count."""
    if shutil.which("git") is None:
        pytest.skip("no git on PATH")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    (tmp_path / PUBLISH_DIR).mkdir()
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / PUBLISH_DIR / "a.tf.json").write_text("old\n")
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "old"], cwd=tmp_path, check=True)
    (tmp_path / PUBLISH_DIR / "a.tf.json").write_text("new\n")
    (tmp_path / PUBLISH_DIR / "b.tf.json").write_text("new\n")
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    assert committed("a.tf.json", tmp_path) == "old\n"
    assert committed("b.tf.json", tmp_path) is None
    assert committed_files(tmp_path) == [f"{PUBLISH_DIR}/a.tf.json"]


@pytest.fixture(scope="module")
def fresh(synth_dir) -> dict[str, str]:
    return render_all(synth_dir / "stacks")


def test_committed_modules_match_a_fresh_synth(fresh):
    if shutil.which("git") is None or subprocess.run(
            ["git", "rev-parse", "--git-dir"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout (or no git): nothing committed to compare")
    listed = committed_files()
    extra = sorted(set(listed) - {f"{PUBLISH_DIR}/{rel}" for rel in fresh})
    assert not extra, f"{', '.join(extra)}: committed but no longer synthesized; git rm them"
    for rel, text in sorted(fresh.items()):
        assert committed(rel) is not None, f"{PUBLISH_DIR}/{rel} is not committed: {FIX}"
        assert committed(rel) == text, f"{PUBLISH_DIR}/{rel} differs from a fresh synth: {FIX}"


def test_publishing_is_deterministic(synth_dir, fresh):
    assert render_all(synth_dir / "stacks") == fresh


@pytest.mark.parametrize("folder", sorted(MODULES))
def test_readme_lists_every_input_and_output(synth_dir, folder):
    doc = json.loads((synth_dir / "stacks" / MODULES[folder] / "cdk.tf.json").read_text())
    text = readme(folder, doc)
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| <a")}
    assert doc["variable"] and doc["output"]
    for name, var in doc["variable"].items():
        row = rows.get(f'| <a name="input_{name}"></a> [{name}](#input\\_'
                       f'{name.replace("_", chr(92) + "_")})')
        assert row, f"{folder}: input {name} missing"
        assert var["description"] in row and f"`{var['type']}`" in row
        required = "| yes |" if "default" not in var else "| no |"
        assert required in row
        if "default" in var:
            assert json.dumps(var["default"], sort_keys=True) in row
        for rule in var.get("validation", []):
            assert rule["error_message"] in row, f"{folder}: {name} validation missing"
    for name, out in doc["output"].items():
        row = next((r for key, r in rows.items() if f'name="output_{name}"' in key), None)
        assert row, f"{folder}: output {name} missing"
        assert out["description"] in row
        assert row.endswith("| yes |" if out.get("sensitive") else "| no |")
    assert f"//{PUBLISH_DIR}/{folder}?ref=" in text
    assert render(folder, doc)["main.tf.json"] == json.dumps(doc, indent=2,
                                                            sort_keys=True) + "\n"
