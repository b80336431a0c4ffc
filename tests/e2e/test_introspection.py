"""The API documents itself: introspection of the running stack answers, for every item of the
schema the stack deploys, the description written for it (root fields first)."""

from __future__ import annotations

import json

import pytest
from graphql import parse

from modules.codegen.docs import items

INTROSPECTION = """{ __schema {
  queryType { name } mutationType { name } subscriptionType { name }
  types { name description
    fields { name description args { name description } }
    inputFields { name description }
    enumValues { name description } } } }"""


@pytest.fixture(scope="module")
def deployed(model_api_stack) -> dict[str, str | None]:
    """Path -> description of every item of the schema in the synthesized stack (what AppSync
    receives), e.g. `Query.getModel(name)`."""
    apis = json.loads(model_api_stack.read_text())["resource"]["aws_appsync_graphql_api"]
    (api,) = apis.values()
    return {path: node.description.value if node.description else None
            for path, node in items(parse(api["schema"]))}


@pytest.fixture(scope="module")
def served(graphql) -> tuple[dict, dict[str, str | None]]:
    """(__schema's root type names, path -> description) as the local runtime answers."""
    res = graphql.execute(INTROSPECTION)
    assert res.errors == [], res.errors
    schema = res.data["__schema"]
    out: dict[str, str | None] = {}
    for t in schema["types"]:
        out[t["name"]] = t["description"]
        for f in t["fields"] or ():
            out[f"{t['name']}.{f['name']}"] = f["description"]
            for a in f["args"]:
                out[f"{t['name']}.{f['name']}({a['name']})"] = a["description"]
        for f in [*(t["inputFields"] or ()), *(t["enumValues"] or ())]:
            out[f"{t['name']}.{f['name']}"] = f["description"]
    return schema, out


def test_every_root_field_is_described(deployed, served):
    schema, answered = served
    roots = [schema[k]["name"] for k in ("queryType", "mutationType", "subscriptionType")
             if schema[k]]
    fields = [p for p in deployed if p.split(".")[0] in roots and "." in p]
    assert fields, "the deployed schema has root fields"
    undescribed = [p for p in fields if not (answered.get(p) or "").strip()]
    assert undescribed == []
    assert {p: answered[p] for p in fields} == {p: deployed[p] for p in fields}


def test_introspection_answers_each_items_description(deployed, served):
    """Types, fields, arguments and input fields alike, as the schema has them; an enum
    value's text is in its enum's (AppSync takes none on values: docs.fold_enum_values)."""
    schema, answered = served
    assert {p: answered.get(p) for p in deployed} == deployed
    enums = {t["name"]: [v["name"] for v in t["enumValues"]] for t in schema["types"]
             if t["enumValues"] and not t["name"].startswith("__")}
    assert enums, "the API has enums"
    values = {f"{e}.{v}" for e, vs in enums.items() for v in vs}
    assert all(d and d.strip() for p, d in deployed.items() if p not in values)
    for enum, names in enums.items():
        assert all(deployed[f"{enum}.{v}"] is None for v in names), enum
        listed = answered[enum].split(" Values: ", 1)[1]
        assert [w[:-1] for w in listed.split() if w[:-1] in names] == names, enum
