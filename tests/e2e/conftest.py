"""End-to-end harness: the synthesized model-api stack served by the local runtime.

The runtime (local/run.py: AppSync simulator + moto DynamoDB) starts once per test session, on
free loopback ports, from cdktf.out/stacks/model-api/cdk.tf.json.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from local.harness import LocalRuntime
from tests.e2e import test_error_sites
from tests.e2e.graphql_client import IAM_AUTH, GraphQLClient


@pytest.fixture(scope="session")
def model_api_stack(synth_dir: Path) -> Path:
    stack = synth_dir / "stacks" / "model-api" / "cdk.tf.json"
    if not stack.is_file():
        pytest.fail(f"{stack} is missing after the synth")
    return stack


@pytest.fixture(scope="session")
def local_runtime(model_api_stack: Path):
    """The running runtime: .graphql, .api_key, .explorer, .stats, .info (ports, tables)."""
    with LocalRuntime(model_api_stack) as rt:
        check = rt.info.get("velocity17") or {}
        if not check.get("checked"):
            # Said in the session's summary: these tests then prove less than they claim.
            warnings.warn(f"the local runtime serves without its Velocity 1.7 parse check, so "
                          f"templates AppSync cannot parse pass: {check.get('reason')}",
                          stacklevel=1)
        yield rt


@pytest.fixture(scope="session")
def velocity17(local_runtime) -> dict:
    """For a test whose proof needs the runtime's Velocity 1.7 parse check (local/vtlcheck.js):
    skips, saying why, when the check is off (no Java or Debian's velocity)."""
    check = local_runtime.info.get("velocity17") or {}
    if not check.get("checked"):
        pytest.skip(check.get("reason", "Velocity 1.7 check not reported by the runtime"))
    return check


@pytest.fixture(scope="session")
def graphql(local_runtime) -> GraphQLClient:
    """client.execute(query, variables) -> Result(data, errors, dynamodb={requests, itemsRead}).
    An IAM caller: the schema's @auth lets IAM call every operation (its IAM policy decides on
    AWS); tests of who may do what use their own callers (test_authorization.py)."""
    return GraphQLClient(local_runtime.graphql, None, auth=IAM_AUTH)


@pytest.fixture(scope="session")
def api_key_client(local_runtime) -> GraphQLClient:
    return GraphQLClient(local_runtime.graphql, local_runtime.api_key)


LAST = "test_every_error_site_of_the_stack_ran"


def pytest_collection_modifyitems(config, items):
    """The error-site check runs after every other test of the session."""
    items.sort(key=lambda item: item.name == LAST)


def pytest_deselected(items):
    if any(item.nodeid.startswith("tests/e2e/") for item in items):
        _partial(items[0].config, f"{len(items)} tests deselected")


def pytest_collection_finish(session):
    here = Path(__file__).parent
    ran = {Path(str(item.fspath)).name for item in session.items}
    absent = sorted(p.name for p in here.glob("test_*.py") if p.name not in ran)
    if absent:
        _partial(session.config, f"not collected: {', '.join(absent)}")


def _partial(config, why: str) -> None:
    config.stash[test_error_sites.PARTIAL_RUN] = why
