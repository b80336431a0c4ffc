"""Golden VTL: the rendered templates of the domain schema, with placeholder table names.

`make golden` (python -m tests.codegen.golden) rewrites tests/golden/ after an intended change;
the test compares and shows the first difference.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from modules.codegen import load
from modules.codegen.render import render

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
SCHEMA = ROOT / "schema" / "model_registry.graphql"


def rendered() -> dict[str, str]:
    plan = render(load(SCHEMA), lambda e: f"<{e.table}>")
    files = plan.templates()
    files["schema.appsync.graphql"] = plan.schema.appsync_sdl
    return files


def write_readme_matrix() -> None:
    """The README's authorization matrix follows the schema's rules like the golden files."""
    from modules.codegen.matrix import markdown
    from modules.config import Settings

    settings = Settings.load(ROOT / "cdktf.json")
    readme = ROOT / "README.md"
    if not readme.is_file():  # a tree without the README (tests/e2e/test_own_type.py's copy)
        return
    text = readme.read_text()
    start = text.index(MATRIX_START) + len(MATRIX_START)
    table = markdown(load(ROOT / settings.schema_path), settings.auth_modes)
    readme.write_text(text[:start] + table + text[text.index(MATRIX_END):])


MATRIX_START, MATRIX_END = "<!-- auth-matrix:start -->\n", "<!-- auth-matrix:end -->"


def write() -> None:
    write_readme_matrix()
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for name, text in rendered().items():
        path = GOLDEN / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(rendered())} golden files to {GOLDEN.relative_to(ROOT)}")


if __name__ == "__main__":
    if "--update" not in sys.argv:
        sys.exit("usage: python -m tests.codegen.golden --update")
    write()
