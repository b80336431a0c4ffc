"""End-to-end harness: the synthesized model-api stack served by the local runtime.

The runtime (local/run.py: AppSync simulator + moto DynamoDB) starts once per test session, on
free loopback ports, from cdktf.out/stacks/model-api/cdk.tf.json.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from local.harness import LocalRuntime
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
        yield rt


@pytest.fixture(scope="session")
def graphql(local_runtime) -> GraphQLClient:
    """client.execute(query, variables) -> Result(data, errors, dynamodb={requests, itemsRead}).
    An IAM caller: the schema's @auth lets IAM call every operation (its IAM policy decides on
    AWS); tests of who may do what use their own callers (test_authorization.py)."""
    return GraphQLClient(local_runtime.graphql, None, auth=IAM_AUTH)


@pytest.fixture(scope="session")
def api_key_client(local_runtime) -> GraphQLClient:
    return GraphQLClient(local_runtime.graphql, local_runtime.api_key)
