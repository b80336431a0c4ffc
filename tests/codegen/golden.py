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


def write() -> None:
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
