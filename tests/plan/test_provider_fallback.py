"""Every example on the old fallback provider, minus only the arguments it is too old for.

The full plans (test_plan_examples.py) use the newest installed hashicorp/aws. Where an older
one below an example's floor is installed too (CI has only 3.39.0 from PyPI; these machines
also hold 5.100.0), this plans the example again on the newest such provider, with the
arguments newer than it removed (modules/config.py: BASE_FLOORS, SWITCH_FLOORS and their
arguments), and checks the same inventory minus those arguments. So the inventories hold for
both providers, and so does each floor claim: an argument whose floor is at or below the old
provider stays in and must plan there.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess

import pytest

from modules.config import BASE_ARGUMENTS, BASE_FLOORS, PROVIDER_FLOOR, arguments_newer_than

from .conftest import EXAMPLES, load_inventory
from .tfplan import (
    EXAMPLES_DIR,
    Skip,
    aws_constraints,
    cli_config,
    example_module,
    fmt,
    mirrored_versions,
    mismatches,
    parse_version,
    plan_example,
    satisfies,
    stage,
    terraform_binary,
    terraform_version,
)


@pytest.fixture(scope="session", params=EXAMPLES)
def fallback(request, plan_synth_dir, tmp_path_factory, schema_ir, schema_plan):
    example = request.param
    try:
        installed = mirrored_versions(cli_config())
    except Skip as err:
        pytest.skip(f"no installed hashicorp/aws to plan with: {err}")
    module = plan_synth_dir / "stacks" / example_module(EXAMPLES_DIR / example) / "cdk.tf.json"
    constraints = aws_constraints(module) + aws_constraints(EXAMPLES_DIR / example)
    below = [v for v in installed if not all(satisfies(v, c) for c in constraints)]
    # The oldest line this project plans: 3.39 and newer (2.70 is installed for history only).
    below = [v for v in below if v >= (3, 39)]
    if not below:
        pytest.skip(f"example {example}: every installed hashicorp/aws "
                    f"({', '.join(map(fmt, installed))}) meets {' and '.join(constraints)}: "
                    "the full plan covers it")
    old = below[0]
    strip = arguments_newer_than(old)
    for rtype, arguments in strip.items():
        assert all(arguments), f"{rtype}: a whole resource is newer than {fmt(old)}"
    summary = plan_example(example, plan_synth_dir, tmp_path_factory.mktemp(f"{example}-old"),
                           force_provider=fmt(old), strip=strip)
    print(f"\n{summary.table()}")
    inventory = load_inventory(example, schema_ir, schema_plan)
    return summary, inventory, strip


def test_counts_match_the_inventory(fallback):
    summary, inventory, _ = fallback
    assert summary.counts == inventory["counts"]


def test_values_match_except_the_stripped_arguments(fallback):
    summary, inventory, strip = fallback
    problems = []
    for key, expected in inventory["values"].items():
        expected = copy.deepcopy(expected)
        # "<type>:<alias>", a bare type, or an address (module.x.<type>.<name>[i]).
        rtype = key.split(":")[0] if ":" in key else next(
            (part for part in key.split(".") if part.startswith("aws_")), key)
        for argument in strip.get(rtype, []):
            *blocks, last = argument.split(".")
            target = expected
            for block in blocks:  # "http_config.authorization_config": inside a list block
                target = target.get(block, [{}])[0] if isinstance(target, dict) else {}
            if isinstance(target, dict):
                target.pop(last, None)
        problems += mismatches(expected, summary.values.get(key), key)
    assert not problems, "\n".join(problems)


def test_a_stripped_argument_is_really_gone(fallback):
    """The fallback plan proves something only if the newer arguments were in the module."""
    summary, _, _ = fallback
    removed = [int(n) for note in summary.notes for n in re.findall(r"removed (\d+) arg", note)]
    assert removed and removed[0] > 0, summary.notes


@pytest.fixture(scope="session")
def refused(plan_synth_dir, tmp_path_factory):
    """`terraform validate` of the basic example on the fallback provider, once per base
    feature with the other base features' arguments stripped: Terraform reports the unknown
    arguments of one phase only (top-level ones before nested blocks), so each feature is
    probed alone. {feature: validate result}."""
    try:
        installed = mirrored_versions(cli_config())
    except Skip as err:
        pytest.skip(str(err))
    below = [v for v in installed if (3, 39) <= v < parse_version(PROVIDER_FLOOR)]
    if not below:
        pytest.skip(f"no installed hashicorp/aws below the floor {PROVIDER_FLOOR}")
    old = below[0]
    binary = terraform_binary()
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(cli_config()), "CHECKPOINT_DISABLE": "1",
           "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    results = {}
    for feature in BASE_ARGUMENTS:
        strip: dict[str, list[str]] = {}
        for other, args in BASE_ARGUMENTS.items():
            for rtype, argument in args if other != feature else ():
                strip.setdefault(rtype, []).append(argument)
        tfdir, _ = stage("basic", plan_synth_dir, tmp_path_factory.mktemp(f"refused-{feature}"),
                         terraform_version(binary, env), old, force_provider=True,
                         strip=strip or None)
        subprocess.run([binary, "init", "-backend=false"], cwd=tfdir, env=env, check=True,
                       capture_output=True)
        proc = subprocess.run([binary, "validate", "-json"], cwd=tfdir, env=env,
                              capture_output=True, text=True)
        results[feature] = json.loads(proc.stdout.removeprefix("o:"))
    return old, results


def test_the_fallback_provider_refuses_what_the_floor_is_for(refused):
    """Measured lower bound of PROVIDER_FLOOR: the old provider refuses each base feature's
    arguments (request signing, the query limits) and nothing else in the basic module."""
    old, results = refused
    for feature, result in results.items():
        if parse_version(BASE_FLOORS[feature]) <= old:
            continue
        assert not result["valid"], feature
        named = {d["summary"] + ": " + d.get("detail", "") for d in result["diagnostics"]}
        blocks = {a.split(".")[-1] for _, a in BASE_ARGUMENTS[feature]}
        for block in blocks:
            assert any(f'"{block}"' in text for text in named), (feature, block, named)
        assert all(any(f'"{b}"' in text for b in blocks) for text in named), (feature, named)
