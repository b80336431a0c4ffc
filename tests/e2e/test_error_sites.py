"""Every `$util.error` of the synthesized model-api templates fired in some end-to-end test.

The runtime records each `$util.error` that stopped a template, by template and line
(local/patches.js -> GET /__stats `errorSites`); the sites expected are read from the stack the
runtime serves, so a new template or a new check is expected without editing this file. It runs
last (tests/e2e/conftest.py) and only when the whole e2e tier ran: a partial run proves nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests

# Where each kind of resource keeps its two templates in the Terraform JSON.
TEMPLATE_FIELDS = {
    "aws_appsync_resolver": ("request_template", "response_template"),
    "aws_appsync_function": ("request_mapping_template", "response_mapping_template"),
}


def error_sites(stack: dict) -> dict[tuple[str, int], str]:
    """(template path as the runtime names it, line) -> the line, for every `$util.error(`."""
    sites = {}
    for kind, fields in TEMPLATE_FIELDS.items():
        for rid, resource in stack.get("resource", {}).get(kind, {}).items():
            for field in fields:
                for n, line in enumerate((resource.get(field) or "").splitlines(), 1):
                    if "$util.error(" in line and not line.lstrip().startswith("##"):
                        sites[(f"{kind}.{rid}.{field}", n)] = line.strip()
    return sites


def test_error_sites_are_found_in_the_stack(model_api_stack: Path):
    sites = error_sites(json.loads(model_api_stack.read_text()))
    assert sites, "no $util.error in the stack: the walk above reads the wrong fields"
    assert all(text.count("$util.error(") == 1 for text in sites.values())


def test_every_error_site_of_the_stack_ran(request, local_runtime, model_api_stack: Path):
    partial = request.config.stash.get(PARTIAL_RUN, None)
    if partial:
        pytest.skip(f"needs the whole e2e tier in one session ({partial})")
    # Under pytest-xdist the shared runtime's tests must all be on this worker: xdist marks
    # the ids of a grouped test with "@<group>" (tests/conftest.py; pytest-xdist#1386 is how
    # a pytest upgrade once turned that off without a word).
    if os.environ.get("PYTEST_XDIST_WORKER") and not request.node.nodeid.endswith("@e2e"):
        pytest.fail("pytest-xdist did not group the tests of the shared runtime (--dist "
                    "loadgroup, tests/conftest.py): they ran on several workers, so the error "
                    "sites they fired are not all in this worker's runtime")
    expected = error_sites(json.loads(model_api_stack.read_text()))
    fired = {(s["template"], s["line"])
             for s in requests.get(local_runtime.stats).json()["errorSites"]}
    missing = [f"{t}:{n}: {text}" for (t, n), text in sorted(expected.items())
               if (t, n) not in fired]
    assert not missing, f"{len(missing)} of {len(expected)} $util.error sites never ran:\n" + \
        "\n".join(missing)


PARTIAL_RUN = pytest.StashKey[str]()
