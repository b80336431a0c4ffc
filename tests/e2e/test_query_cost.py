"""Query cost is bounded: the API's query depth and resolver count limits (emulated locally by
local/limits.js, since the simulator does not enforce them) and the nested-list page cap.

The issue's measurement: `versions -> model -> versions` nested to depth 4 cost 16,843 DynamoDB
requests and 8 MB in one request. Now it is refused before anything runs.
"""

from __future__ import annotations

import json
import uuid

import pytest

from modules.codegen.ir import NESTED_MAX_LIMIT
from tests.e2e.graphql_client import IAM_AUTH, GraphQLClient


def nested(levels: int) -> str:
    """listModelVersions { items { model { versions { items { ... version } } } } }, the
    versions -> model -> versions hop `levels` times."""
    body = "version"
    for _ in range(levels):
        body = f"version model {{ name versions {{ items {{ {body} }} }} }}"
    return f"query {{ listModelVersions(modelName: \"m\") {{ items {{ {body} }} }} }}"


def query_depth(query: str) -> int:
    """Depth as AppSync counts it: nested levels of fields (the outermost field is 1)."""
    from graphql import parse
    from graphql.language import FieldNode

    def walk(node, level):
        fields = [s for s in (node.selection_set.selections if node.selection_set else [])
                  if isinstance(s, FieldNode)]
        return max([walk(f, level + 1) for f in fields], default=level)

    return max(walk(d, 0) for d in parse(query).definitions)


@pytest.fixture(scope="module")
def limits(model_api_stack) -> dict:
    api = json.loads(model_api_stack.read_text())["resource"]["aws_appsync_graphql_api"]["api"]
    return {"depth": api["query_depth_limit"], "resolvers": api["resolver_count_limit"]}


def test_the_depth_4_versions_model_versions_query_is_refused_before_anything_runs(graphql,
                                                                                   limits):
    query = nested(4)
    assert query_depth(query) > limits["depth"]
    res = graphql.execute(query)
    assert res.error_types() == ["QueryDepthLimitExceeded"]
    assert f"limit of {limits['depth']}" in res.errors[0]["message"]
    assert res.data is None and res.dynamodb["requests"] == 0


def test_a_query_at_the_depth_limit_runs(graphql, limits):
    levels = max(n for n in range(10) if query_depth(nested(n)) <= limits["depth"])
    res = graphql.execute(nested(levels))
    assert res.errors == [], res.errors


def test_a_mutation_deeper_than_the_limit_stores_nothing(graphql, limits):
    name = f"deep-{uuid.uuid4().hex[:8]}"
    selection = "name"
    while query_depth(f"mutation {{ createModel(input: {{name: \"x\"}}) {{ {selection} }} }}") \
            <= limits["depth"]:
        selection = f"name versions {{ items {{ model {{ {selection} }} }} }}"
    res = graphql.execute(f"mutation {{ createModel(input: {{name: \"{name}\"}}) "
                          f"{{ {selection} }} }}")
    assert res.error_types() == ["QueryDepthLimitExceeded"]
    assert res.dynamodb["requests"] == 0
    got = graphql.data("query($n: String!) { getModel(name: $n) { name } }", {"n": name})
    assert got["getModel"] is None


def test_a_nested_list_pages_at_most_the_nested_cap(graphql):
    name = f"cap-{uuid.uuid4().hex[:8]}"
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": name})
    query = ("query($n: String!, $l: Int) { getModel(name: $n) { versions(limit: $l) "
             "{ items { version } } } }")
    assert graphql.execute(query, {"n": name, "l": NESTED_MAX_LIMIT}).errors == []
    over = graphql.execute(query, {"n": name, "l": NESTED_MAX_LIMIT + 1})
    assert over.error_types() == ["ValidationError"]
    assert f"limit must be from 1 to {NESTED_MAX_LIMIT}" in over.errors[0]["message"]


def test_a_request_over_the_resolver_count_limit_is_cut_off(model_api_stack, tmp_path):
    """The same stack with resolver_count_limit 3: a list of 3 models each resolving its
    versions needs 1 + 3 resolvers; the one over the limit fails instead of running."""
    from local.harness import LocalRuntime

    stack = json.loads(model_api_stack.read_text())
    stack["resource"]["aws_appsync_graphql_api"]["api"]["resolver_count_limit"] = 3
    small = tmp_path / "cdk.tf.json"
    small.write_text(json.dumps(stack))
    with LocalRuntime(small) as rt:
        client = GraphQLClient(rt.graphql, None, auth=IAM_AUTH)  # createModel: not the API key
        owner = f"o-{uuid.uuid4().hex[:8]}"
        for i in range(3):
            client.data('mutation($n: String!, $o: String!) { createModel(input: {name: $n, '
                        'owner: $o}) { name } }', {"n": f"{owner}-{i}", "o": owner})
        res = client.execute('query($o: String!) { listModels(owner: $o) { items { name '
                             'versions { items { version } } } } }', {"o": owner})
        assert "ResolverCountLimitExceeded" in res.error_types(), res.errors
        # Three resolvers ran (the list and two models' versions); the fourth did not.
        assert res.dynamodb["byOperation"].get("Query", 0) <= 3


def _lists_with_both():
    """(list, belongs-to fields, has-many fields) for each list whose rows have both: the
    belongs-to prefetch would be a round trip before the has-many's per-row Queries."""
    from tests.e2e.test_error_branches import IR

    out = []
    for op in IR.operations:
        if op.parent != "Query" or op.kind != "list":
            continue
        rels = [r for r in IR.relations if r.parent_type == op.entity.type_name]
        one = [r for r in rels if r.kind == "belongsTo"]
        many = [r for r in rels if r.kind == "hasMany"]
        if one and many:
            out.append((op, one, many))
    return out


@pytest.mark.parametrize("op, one, many", _lists_with_both(), ids=lambda v: getattr(v, "field",
                                                                                    None))
def test_a_list_with_per_row_fields_takes_two_round_trips(graphql, op, one, many):
    """The list, then every row's fields side by side (as AppSync resolves sibling fields):
    with a has-many field selected, the belongs-to fields are read beside its Queries (one
    GetItem per row with the key set) instead of in a BatchGetItem before them."""
    from tests.e2e.test_error_branches import _model, _version

    if op.field != "listModels":
        pytest.skip(f"no data set-up written for {op.field}")
    owner = f"rt-{uuid.uuid4().hex[:8]}"
    rows = 3
    for i in range(rows):
        name = _model(graphql, owner=owner)
        if i % 2 == 0:
            _version(graphql, name)
    keyed = (rows + 1) // 2  # rows whose belongs-to key is set (a version registered)
    nested = " ".join([*(f"{r.field} {{ __typename }}" for r in one),
                       *(f"{r.field} {{ items {{ __typename }} }}" for r in many)])
    res = graphql.execute('query($o: String) { listModels(owner: $o) '
                          f"{{ items {{ {nested} }} }} }}", {"o": owner})
    assert res.errors == [], res.errors
    assert len(res.data[op.field]["items"]) == rows
    assert res.dynamodb["roundTrips"] == 2
    assert res.dynamodb["byOperation"] == {"Query": 1 + rows * len(many),
                                           "GetItem": keyed * len(one)}
