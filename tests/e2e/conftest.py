"""End-to-end harness: the synthesized model-api stack served by the local runtime.

The runtime (local/run.py: AppSync simulator + moto DynamoDB) starts once per test session, on
free loopback ports, from cdktf.out/stacks/model-api/cdk.tf.json.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from local.harness import LocalRuntime
from tests.e2e.graphql_client import GraphQLClient


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
        yield rt


@pytest.fixture(scope="session")
def graphql(local_runtime) -> GraphQLClient:
    """client.execute(query, variables) -> Result(data, errors, dynamodb={requests, itemsRead})."""
    return GraphQLClient(local_runtime.graphql, local_runtime.api_key)
