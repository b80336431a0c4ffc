"""The committed modules (terraform/) are what a fresh synth publishes, and their READMEs
document every input and output of the synthesized JSON."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from modules.publish import MODULES, PUBLISH_DIR, readme, render, render_all
from tests.conftest import ROOT

FIX = f"run `make synth` and commit {PUBLISH_DIR}/ (git add {PUBLISH_DIR})"


def committed(rel: str) -> str | None:
    """The file as staged for commit (the index): what a clone or a pinned ref would get."""
    out = subprocess.run(["git", "show", f":{PUBLISH_DIR}/{rel}"], cwd=ROOT,
                         capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else None


@pytest.fixture(scope="module")
def fresh(synth_dir) -> dict[str, str]:
    return render_all(synth_dir / "stacks")


def test_committed_modules_match_a_fresh_synth(fresh):
    if shutil.which("git") is None or subprocess.run(
            ["git", "rev-parse", "--git-dir"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout (or no git): nothing committed to compare")
    listed = subprocess.run(["git", "ls-files", PUBLISH_DIR], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.split()
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
