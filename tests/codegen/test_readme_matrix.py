"""The README's authorization matrix is the one the rules give (modules/codegen/matrix.py)."""

from __future__ import annotations

import pytest

from modules.codegen import load
from modules.codegen.matrix import markdown
from modules.config import Settings
from tests.conftest import ROOT


def test_readme_matrix_is_generated_from_the_rules():
    if not (ROOT / "README.md").is_file():
        pytest.skip("no README.md in this tree (tests/e2e/test_own_type.py's copy)")
    settings = Settings.load(ROOT / "cdktf.json")
    expected = markdown(load(ROOT / settings.schema_path), settings.auth_modes)
    text = (ROOT / "README.md").read_text()
    start = text.index("<!-- auth-matrix:start -->\n") + len("<!-- auth-matrix:start -->\n")
    assert text[start:text.index("<!-- auth-matrix:end -->")] == expected, (
        "README's matrix differs from the rules: run `make golden`")
