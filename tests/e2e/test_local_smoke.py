"""The deployable schema and VTL run locally: a smoke test of the harness itself."""

from __future__ import annotations

import json


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


def test_every_served_template_was_parsed_by_velocity_17(velocity17, model_api_stack):
    """The runtime refuses at start a template AppSync's Velocity 1.7 cannot parse, so every
    test of this tier runs only templates AppSync parses: one request and one response template
    per resolver and function of the stack (skipped, saying why, when the check is off)."""
    resources = json.loads(model_api_stack.read_text())["resource"]
    served = sum(len(resources.get(kind, {}))
                 for kind in ("aws_appsync_resolver", "aws_appsync_function"))
    assert velocity17["templates"] == 2 * served
