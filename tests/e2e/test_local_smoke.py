"""The deployable schema and VTL run locally: a smoke test of the harness itself."""

from __future__ import annotations


def test_unknown_model_is_null_for_one_read(graphql):
    res = graphql.execute('query { getModel(name: "no-such-model") { name } }')
    assert res.errors == [] and res.data == {"getModel": None}
    assert res.dynamodb["byOperation"] == {"GetItem": 1}


def test_created_model_reads_back(graphql):
    created = graphql.execute(
        'mutation { createModel(input: {name: "smoke-model", framework: "pytorch"}) '
        "{ name framework revision } }"
    )
    assert created.errors == [], created.errors
    assert created.data["createModel"]["name"] == "smoke-model"
    got = graphql.execute('query { getModel(name: "smoke-model") { name framework } }')
    assert got.data["getModel"] == {"name": "smoke-model", "framework": "pytorch"}
