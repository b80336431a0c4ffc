"""The local runtime serving the toy fixture stack, started once for this directory's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.harness import LocalRuntime
from tests.e2e.graphql_client import GraphQLClient

TOY = Path(__file__).parent / "fixtures" / "toy.tf.json"


@pytest.fixture(scope="session")
def toy_runtime():
    with LocalRuntime(TOY) as rt:
        yield rt


@pytest.fixture(scope="session")
def gql(toy_runtime) -> GraphQLClient:
    return GraphQLClient(toy_runtime.graphql, toy_runtime.api_key)
