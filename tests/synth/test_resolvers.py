"""Synth assertions: resolvers are wired, nothing scans, IAM equals what templates do."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

from modules.codegen.render import ACTIONS

REF = re.compile(r"^\$\{(aws_[a-z_]+)\.([A-Za-z0-9_]+)\.(\w+)\}$")


def ref(value: str) -> tuple[str, str]:
    m = REF.match(value)
    assert m, f"not a reference: {value}"
    return m.group(1), m.group(2)


@pytest.fixture(scope="module")
def res(root_stack):
    return root_stack["resource"]


def api_fields(schema: str, type_name: str) -> set[str]:
    body = schema[schema.index(f"type {type_name} {{"):]
    body = body[:body.index("\n}")]
    return set(re.findall(r"^  (\w+)[(:]", body, re.M))


def test_every_query_and_mutation_field_has_a_wired_resolver(res):
    schema = res["aws_appsync_graphql_api"]["api"]["schema"]
    resolvers = {(r["type"], r["field"]): r for r in res["aws_appsync_resolver"].values()}
    for type_name in ("Query", "Mutation"):
        fields = api_fields(schema, type_name)
        assert fields, type_name
        for field in fields:
            r = resolvers.get((type_name, field))
            assert r is not None, f"{type_name}.{field} has no resolver"
            if r["kind"] == "PIPELINE":
                assert r["pipeline_config"]["functions"]
                for fn in r["pipeline_config"]["functions"]:
                    kind, name = ref(fn)
                    assert kind == "aws_appsync_function" and name in res[kind]
            else:
                kind, name = ref(r["data_source"])
                assert kind == "aws_appsync_datasource" and name in res[kind]
    for fn in res["aws_appsync_function"].values():
        kind, name = ref(fn["data_source"])
        assert name in res["aws_appsync_datasource"]


def test_nested_fields_have_resolvers(res, schema_ir):
    pairs = {(r["type"], r["field"]) for r in res["aws_appsync_resolver"].values()}
    assert schema_ir.relations
    for rel in schema_ir.relations:
        assert (rel.parent_type, rel.field) in pairs, rel.name


def test_stack_has_what_the_schema_renders(res, schema_ir, schema_plan):
    """Resolvers, functions, tables and data sources: exactly those of the parsed schema."""
    assert {f'{r["type"]}.{r["field"]}' for r in res["aws_appsync_resolver"].values()} == {
        r.name for r in schema_plan.resolvers}
    assert sorted(f["name"] for f in res["aws_appsync_function"].values()) == sorted(
        f.name for f in schema_plan.functions)
    assert sorted(t["name"] for t in res["aws_dynamodb_table"].values()) == sorted(
        f"mlapi-{t.table}" for t in schema_ir.tables)
    dynamodb = [s["name"] for s in res["aws_appsync_datasource"].values()
                if s["type"] == "AMAZON_DYNAMODB"]
    assert sorted(dynamodb) == sorted(t.ident for t in schema_ir.tables)


def all_templates(res):
    for r in res["aws_appsync_resolver"].values():
        yield r.get("data_source"), r["request_template"]
    for f in res["aws_appsync_function"].values():
        yield f["data_source"], f["request_mapping_template"]


def test_no_template_uses_scan(res):
    for _, text in all_templates(res):
        assert '"Scan"' not in text and "'Scan'" not in text


def table_arns(res) -> dict[str, str]:
    """table name -> ARN reference of its aws_dynamodb_table."""
    return {body["name"]: f"${{aws_dynamodb_table.{key}.arn}}"
            for key, body in res["aws_dynamodb_table"].items()}


def used_by_template(text: str, own_table_arn: str, arns: dict[str, str]) -> set[tuple]:
    """(action, resource) pairs a request template sends, read from its text alone."""
    used = set()
    for op in set(re.findall(r'^  "operation": "(\w+)"', text, re.M)):
        used |= _used_by(op, text, own_table_arn, arns)
    return used


def _used_by(op: str, text: str, own_table_arn: str, arns: dict[str, str]) -> set[tuple]:
    used = set()
    if op == "Query":
        indexes = re.findall(r'"index": "(\w+)"', text)
        for index in indexes or [None]:
            used.add(("dynamodb:Query", own_table_arn + (f"/index/{index}" if index else "")))
    elif op == "BatchGetItem":
        for table in re.findall(r'^    "([^"]+)": \{"keys"', text, re.M):
            used.add(("dynamodb:BatchGetItem", arns[table]))
    elif op == "TransactWriteItems":
        items = re.findall(r'"table": "([^"]+)",\s*"operation": "(\w+)"', text)
        assert items
        for table, item_op in items:
            used.add((ACTIONS[item_op], arns[table]))
    else:
        used.add((f"dynamodb:{op}", own_table_arn))
    return used


def test_each_role_allows_exactly_what_its_templates_do(res, schema_ir):
    arns = table_arns(res)
    wanted: dict[str, set] = defaultdict(set)
    for source, text in all_templates(res):
        if source is None:
            continue
        ds = res["aws_appsync_datasource"][ref(source)[1]]
        if ds["type"] != "AMAZON_DYNAMODB":
            assert '"operation"' not in text
            continue
        table = ref(ds["dynamodb_config"]["table_name"])[1]
        own_arn = f"${{aws_dynamodb_table.{table}.arn}}"
        wanted[ref(ds["service_role_arn"])[1]] |= used_by_template(text, own_arn, arns)
    assert len(wanted) == len(schema_ir.tables)  # every table's source sends something
    for policy in res["aws_iam_role_policy"].values():
        if policy["name"] != "dynamodb":
            continue  # HTTP data sources: tests/synth/test_ml.py
        role = ref(policy["role"])[1]
        doc = json.loads(policy["policy"])
        granted = set()
        for st in doc["Statement"]:
            assert st["Effect"] == "Allow"
            assert "*" not in st["Resource"] and all("*" not in a for a in st["Action"])
            granted |= {(a, st["Resource"]) for a in st["Action"]}
        assert granted == wanted[role], role


def test_functions_and_resolvers_are_created_in_one_chain(res):
    """Each depends on the one before it, so AppSync never sees two schema changes at once."""
    nodes = {f"aws_appsync_function.{k}": v for k, v in res["aws_appsync_function"].items()}
    nodes |= {f"aws_appsync_resolver.{k}": v for k, v in res["aws_appsync_resolver"].items()}
    parents = {k: v.get("depends_on", []) for k, v in nodes.items()}
    roots = [k for k, deps in parents.items() if not deps]
    assert len(roots) == 1
    assert all(len(deps) <= 1 for deps in parents.values())
    children = {deps[0]: k for k, deps in parents.items() if deps}
    chain, node = [roots[0]], roots[0]
    while node in children:
        node = children[node]
        chain.append(node)
    assert sorted(chain) == sorted(nodes)


def test_tables_are_on_demand_recoverable_and_encrypted(res, schema_ir):
    assert len(res["aws_dynamodb_table"]) == len(schema_ir.tables)
    for name, table in res["aws_dynamodb_table"].items():
        assert table["billing_mode"] == "PAY_PER_REQUEST", name
        assert table["point_in_time_recovery"] == {"enabled": True}, name
        assert table["server_side_encryption"] == {"enabled": True}, name
        assert table["name"].startswith("mlapi-"), name


def test_data_source_names_are_valid_for_appsync(res):
    for kind in ("aws_appsync_datasource", "aws_appsync_function"):
        for body in res[kind].values():
            assert re.match(r"^[_A-Za-z][_0-9A-Za-z]*$", body["name"]), body["name"]
