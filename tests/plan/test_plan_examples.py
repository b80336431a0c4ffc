"""Plan tier: each example, planned once offline, against its inventory (inventories/*.yaml).

Inventory keys are plan addresses or the aliases tfplan.py adds ("aws_dynamodb_table:<name>",
"aws_appsync_resolver:<Type>.<field>", the bare type of a resource planned once, ...).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from .tfplan import INVENTORIES, ROOT, mismatches


def _fail_on(problems: list[str], example: str) -> None:
    assert not problems, f"example {example}:\n  " + "\n  ".join(problems)


def test_resource_counts(planned):
    summary, inventory = planned
    assert summary.counts == inventory["counts"], f"example {summary.example}: counts by type"


def test_values(planned):
    summary, inventory = planned
    problems = []
    for key, expected in inventory["values"].items():
        if key not in summary.values:
            near = sorted(k for k in summary.values if k.split(":")[0] == key.split(":")[0])
            problems.append(f"{key}: not planned (planned of that type: {near})")
            continue
        problems += mismatches(expected, summary.values[key], key)
    _fail_on(problems, summary.example)


def test_outputs(planned):
    summary, inventory = planned
    assert set(summary.outputs) == set(inventory["outputs"]), "root outputs of the example"
    problems = mismatches(inventory["outputs"], summary.outputs, "output")
    # The module's declarations (not values: most are known only after apply).
    problems += mismatches(inventory["module_outputs"], summary.module_outputs, "module output")
    _fail_on(problems, summary.example)


def test_iam_trust_policies(planned):
    """Every role trusts only the listed services, through sts:AssumeRole alone."""
    summary, inventory = planned
    trusted = set(inventory["iam"]["trusted_services"])
    problems = []
    roles = [k for k in summary.values if k.startswith("aws_iam_role:")]
    assert len(roles) == summary.counts.get("aws_iam_role", 0), "every role has a known name"
    for role in roles:
        document = summary.policy(role, "assume_role_policy")
        for statement in document["Statement"]:
            services = statement.get("Principal", {}).get("Service", [])
            services = {services} if isinstance(services, str) else set(services)
            if (statement.get("Effect") != "Allow" or statement.get("Action") != "sts:AssumeRole"
                    or set(statement.get("Principal", {})) != {"Service"}
                    or not services <= trusted):
                problems.append(f"{role}: trust statement {statement}")
    _fail_on(problems, summary.example)


def test_iam_policies(planned):
    """Inline policies: no wildcard action or resource, and the listed documents match."""
    summary, inventory = planned
    problems = []
    star_ok = set(inventory["iam"].get("resource_star_actions", []))
    policies = [k for k in summary.values if k.startswith("aws_iam_role_policy:")]
    assert len(policies) == summary.counts.get("aws_iam_role_policy", 0), "policies have aliases"
    # Policies built by a Terraform expression over variables and known only after apply:
    # test_module_expressions.py evaluates their expressions; each must be listed.
    evaluated = set(inventory["iam"].get("evaluated_elsewhere", []))
    for key in policies:
        document = summary.policy(key)
        if document is None:
            if key not in evaluated:
                problems.append(f"{key}: known only after apply and not in evaluated_elsewhere")
            continue
        for statement in document["Statement"]:
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            resources = statement.get("Resource", [])
            resources = [resources] if isinstance(resources, str) else resources
            # "*" only for actions that have no resource-level permissions, and alone.
            star = "*" in resources and not set(actions) <= star_ok
            if any(a == "*" or a.endswith(":*") for a in actions) or star:
                problems.append(f"{key}: wildcard in {statement}")
    for key, expected in inventory["iam"].get("policies", {}).items():
        if key not in summary.values:
            problems.append(f"{key}: no such policy (planned: {policies})")
            continue
        problems += mismatches(expected, summary.policy(key), key)
    _fail_on(problems, summary.example)


def _module_input(summary, name: str):
    """A constant the example passes to the module, else the module variable's default."""
    call = summary.raw["configuration"]["root_module"]["module_calls"]["model_api"]
    given = call.get("expressions", {}).get(name, {})
    if "constant_value" in given:
        return given["constant_value"]
    return call["module"]["variables"][name]["default"]


def test_api_keys_are_the_current_and_previous_rotation_period(planned):
    """One key per rotation period, keyed by the period of the plan's own clock, each expiring
    api_key_expiry_days (plus AppSync's rounding hour) after it."""
    summary, _ = planned
    keys = {address.rsplit("[", 1)[1].strip('"]'): values
            for address, values in summary.values.items()
            if ".aws_appsync_api_key.api_key[" in address}
    assert len(keys) == summary.counts.get("aws_appsync_api_key", 0)
    if not keys:
        return  # API_KEY is off (the hardened example)
    # The plan's clock; Terraform < 1.5 has none, and its module got a literal (tfplan.py).
    stamp = summary.raw.get("timestamp") or next(
        note.rsplit("= ", 1)[1] for note in summary.notes if "plantimestamp" in note)
    clock = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    rotation = _module_input(summary, "api_key_rotation_days")
    expiry = _module_input(summary, "api_key_expiry_days")
    day = (clock.date() - date(1970, 1, 1)).days
    assert set(keys) == ({f"p{day // rotation - 1}", f"p{day // rotation}"} if rotation
                         else {"p0"})
    hours = expiry * 24 + (1 if expiry < 365 else 0)
    for values in keys.values():
        expires = datetime.fromisoformat(values["expires"].replace("Z", "+00:00"))
        assert expires == clock.replace(microsecond=0) + timedelta(hours=hours)


def test_inventories_name_only_tests_that_exist():
    """An inventory's comments send readers to tests by path: each path must still exist."""
    for inventory in sorted(INVENTORIES.glob("*.yaml")):
        for path in re.findall(r"tests/[\w/]+\.py", inventory.read_text()):
            assert (ROOT / path).is_file(), f"{inventory.name} names {path}, which does not exist"
