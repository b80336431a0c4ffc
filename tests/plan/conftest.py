"""Session fixtures of the plan tier: each example is planned once per test session."""

from __future__ import annotations

import os
import subprocess
import warnings
from collections import Counter
from pathlib import Path

import pytest
import tftest
import yaml

from tests.conftest import schema_counts

from .tfplan import EXAMPLES_DIR, INVENTORIES, ROOT, PlanSummary, Skip, plan_example

EXAMPLES = sorted(p.name for p in EXAMPLES_DIR.iterdir() if (p / "main.tf").is_file())


@pytest.fixture(scope="session")
def plan_synth_dir(request: pytest.FixtureRequest) -> Path:
    """cdktf.out/ from the suite's shared `synth_dir`; PLAN_SYNTH_DIR points at another tree."""
    if os.environ.get("PLAN_SYNTH_DIR"):
        return Path(os.environ["PLAN_SYNTH_DIR"])
    try:
        return request.getfixturevalue("synth_dir")
    except pytest.FixtureLookupError:
        subprocess.run(["make", "-s", "synth"], cwd=ROOT, check=True)
        return ROOT / "cdktf.out"


@pytest.fixture(scope="session", params=EXAMPLES)
def planned(request: pytest.FixtureRequest, plan_synth_dir: Path,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[PlanSummary, dict]:
    """(flattened plan, inventory) of one example; skipped, with both versions named, when
    the module's provider floor is above every installed hashicorp/aws."""
    example = request.param
    try:
        summary = plan_example(example, plan_synth_dir, tmp_path_factory.mktemp(example))
    except Skip as skip:
        pytest.skip(str(skip))
    except tftest.TerraformTestError as err:
        detail = err.args[1] if len(err.args) > 1 and err.args[1] else err.args[0]
        pytest.fail(f"example {example}: terraform failed:\n{detail}", pytrace=False)
    print(f"\n{summary.table()}")
    for note in summary.notes:  # e.g. checks an old Terraform cannot parse: said, not hidden
        warnings.warn(f"example {example}: {note}", stacklevel=1)
    return summary, load_inventory(example, request.getfixturevalue("schema_ir"),
                                   request.getfixturevalue("schema_plan"))


def load_inventory(example: str, schema, plan) -> dict:
    """inventories/<example>.yaml completed from the parsed schema: its `counts` are the
    resources of a fixed number, to which the schema's own are added (tests/conftest.py
    schema_counts) and its `per_table` counts once per table; the table_names output lists
    every table under its `name_prefix`."""
    inventory = yaml.safe_load((INVENTORIES / f"{example}.yaml").read_text())
    counts = Counter(inventory["counts"])
    counts.update(schema_counts(schema, plan))
    for rtype, n in (inventory.pop("per_table", None) or {}).items():
        counts[rtype] += n * len(schema.tables)
    inventory["counts"] = dict(sorted(counts.items()))
    prefix = inventory["name_prefix"]
    inventory["outputs"]["table_names"]["value"] = {
        t.ident: f"{prefix}-{t.table}" for t in schema.tables}
    return inventory
