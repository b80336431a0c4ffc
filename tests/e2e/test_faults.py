"""End-to-end under injected faults (header x-local-faults, local/faults.js): the error branches
AWS takes under throttling or a failing service, and nothing partial stored."""

from __future__ import annotations

import uuid

import pytest

THROTTLED = "DynamoDB:ProvisionedThroughputExceededException"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def owned_models(graphql) -> tuple[str, dict[str, int]]:
    """Three models of one new owner and tag, with 1, 2 and 3 versions: (owner, name -> latest)."""
    owner = unique("owner")
    latest = {}
    for n in (1, 2, 3):
        name = unique(f"m{n}")
        graphql.data("mutation($i: CreateModelInput!) { createModel(input: $i) { name } }",
                     {"i": {"name": name, "owner": owner, "tags": [owner]}})
        for _ in range(n):
            graphql.data("mutation($i: RegisterModelVersionInput!) { registerModelVersion"
                         "(input: $i) { version } }",
                         {"i": {"modelName": name, "artifactUri": "s3://b/m.tgz"}})
        latest[name] = n
    return owner, latest


LIST_BY_OWNER = ("query($o: String!) { listModels(owner: $o) "
                 "{ items { name latestVersion { version } } } }")


@pytest.mark.parametrize("rule", ["BatchGetItem=unprocessed:1", "BatchGetItem=unprocessed"])
def test_a_partial_prefetch_falls_back_to_one_read_per_unread_row(graphql, owned_models, rule):
    """AppSync hands an incomplete BatchGetItem both an error and the partial data: the rows it
    read resolve from the batch, the others with a GetItem each, and the client sees no error."""
    owner, latest = owned_models
    res = graphql.execute(LIST_BY_OWNER, {"o": owner}, faults=rule)
    assert res.errors == [], res.errors
    got = {i["name"]: i["latestVersion"]["version"] for i in res.data["listModels"]["items"]}
    assert got == latest
    left = len(latest) if rule.endswith("unprocessed") else 1
    assert res.dynamodb["byOperation"] == {"Query": 1, "BatchGetItem": 1, "GetItem": left}


def test_a_throttled_prefetch_is_an_error(graphql, owned_models):
    owner, _ = owned_models
    res = graphql.execute(LIST_BY_OWNER, {"o": owner}, faults="BatchGetItem=throttle")
    assert res.error_types() == [THROTTLED] and res.data == {"listModels": None}


def test_a_partial_tag_page_is_an_error_not_a_short_page(graphql, owned_models):
    """listModels(tag) reads the page's models with one BatchGetItem: one left unread would drop
    its model while nextToken moves past it, so the page is refused."""
    owner, latest = owned_models
    q = "query($t: String!) { listModels(tag: $t) { items { name } } }"
    whole = graphql.execute(q, {"t": owner})
    assert {i["name"] for i in whole.data["listModels"]["items"]} == set(latest)
    res = graphql.execute(q, {"t": owner}, faults="BatchGetItem#1=unprocessed:1")
    assert res.error_types() == ["Throttled"] and res.data == {"listModels": None}
