"""The hardened example on the installed provider, minus only the arguments it is too old for.

Where the newest installed hashicorp/aws is below the hardened module's floor (CI has 3.39.0),
the full hardened plan is skipped. This plans the rest of it on that provider anyway, so the
rest of the hardened inventory (WAF, KMS, IAM auth, ...) is checked in CI, and so is each
switch's floor in modules/config.py: a switch whose floor is at or below the installed
provider keeps its arguments here, and they must plan.
"""

from __future__ import annotations

import copy

import pytest

from modules.config import SWITCH_ARGUMENTS, SWITCH_FLOORS

from .conftest import load_inventory
from .tfplan import (
    Skip,
    cli_config,
    fmt,
    mirrored_versions,
    mismatches,
    parse_version,
    plan_example,
)


@pytest.fixture(scope="session")
def downgraded(plan_synth_dir, tmp_path_factory, schema_ir, schema_plan):
    try:
        newest = mirrored_versions(cli_config())[0]
    except (Skip, IndexError) as err:
        pytest.skip(f"no installed hashicorp/aws to plan with: {err}")
    strip: dict[str, list[str]] = {}
    for switch, floor in SWITCH_FLOORS.items():
        if parse_version(floor) > newest:
            for rtype, argument in SWITCH_ARGUMENTS[switch]:
                assert argument, f"{switch}: cannot strip a whole resource"
                strip.setdefault(rtype, []).append(argument)
    if not strip:
        pytest.skip(f"hashicorp/aws {fmt(newest)} covers the whole hardened module: "
                    "the full plan ran in test_plan_examples")
    summary = plan_example("hardened", plan_synth_dir, tmp_path_factory.mktemp("hardened-old"),
                           force_provider=fmt(newest), strip=strip)
    inventory = load_inventory("hardened", schema_ir, schema_plan)
    return summary, inventory, strip


def test_counts_match_the_hardened_inventory(downgraded):
    summary, inventory, _ = downgraded
    assert summary.counts == inventory["counts"]


def test_values_match_except_the_stripped_arguments(downgraded):
    summary, inventory, strip = downgraded
    problems = []
    for key, expected in inventory["values"].items():
        expected = copy.deepcopy(expected)
        for argument in strip.get(key.split(":")[0], []):
            expected.pop(argument, None)
        problems += mismatches(expected, summary.values.get(key), key)
    assert not problems, "\n".join(problems)
    assert summary.counts["aws_wafv2_web_acl"] == 1
