"""@auth: rules compiled into AppSync's @aws_* directives and into resolver checks, and bad
rules refused with file:line and the fix."""

from __future__ import annotations

import re

import pytest
from graphql import print_ast

from modules.codegen import SchemaError, load
from modules.codegen.matrix import NO, Caller, allowed
from modules.codegen.parse import aws_directives
from modules.codegen.render import render
from tests.codegen.golden import SCHEMA

THING = """
schema { query: Query mutation: Mutation subscription: Subscription }
type Thing @table(name: "things", hashKey: "name") RULES {
  name: String!
  owner: String
  size: Int
}
type Query {
  getThing(name: String!): Thing @get(table: "Thing")
}
type Mutation {
  addThing(name: String!): Thing @create(table: "Thing")
  updateThing(name: String!, size: Int): Thing @update(table: "Thing")
}
type Subscription {
  onThing(name: String): Thing @aws_subscribe(mutations: ["addThing"])
}
"""


def schema_of(tmp_path, rules: str = "", text: str = THING):
    path = tmp_path / "domain.graphql"
    path.write_text(text.replace("RULES", rules))
    return load(path)


@pytest.fixture(scope="module")
def domain():
    return load(SCHEMA)


def _field_directives(sdl: str, parent: str, field: str) -> str:
    body = sdl[re.search(rf"^type {parent}\b", sdl, re.M).start():]
    # The field's definition: its arguments may span lines (described arguments do).
    return re.search(rf"^  {field}\b.*?(?=^  [^\s)]|^}})", body, re.M | re.S).group(0)


def test_every_operation_carries_the_directives_its_rules_give(domain):
    """Derived, not listed: each root field's @aws_* directives are the modes its rules admit,
    Cognito narrowed to cognito_groups where groups are its only way in."""
    ops = [(op.parent, op.field, op.auth) for op in domain.operations]
    ops += [("Subscription", n, a) for n, a in domain.subscriptions.items()]
    for parent, field, auth in ops:
        line = _field_directives(domain.appsync_sdl, parent, field)
        found = re.findall(r"@aws_(?!subscribe)\w+(?:\([^)]*\))?", line)
        assert found == [print_ast(d) for d in aws_directives(auth)], line
        assert found, f"{parent}.{field} has no mode: AppSync would admit the default one"


def test_the_derived_schema_narrows_cognito_to_groups(domain):
    line = _field_directives(domain.appsync_sdl, "Mutation", "setModelAlias")
    assert '@aws_cognito_user_pools(cognito_groups: ["ml-admins"])' in line
    assert "@aws_api_key" not in line
    assert "@aws_api_key" in _field_directives(domain.appsync_sdl, "Mutation", "addModel")


def test_an_operation_no_rule_allows_is_refused_in_every_mode(tmp_path):
    """Deny by default: without rules the check refuses unconditionally (no mode sets
    $allowed), and the matrix says no for every kind of caller."""
    schema = schema_of(tmp_path)
    op = next(o for o in schema.operations if o.field == "getThing")
    assert op.auth.rules == ()
    for mode in ("API_KEY", "AWS_IAM", "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT",
                 "AWS_LAMBDA"):
        assert allowed(op.auth, Caller(mode, mode, ("g",), owns=True)) == NO
    request = next(r for r in render(schema, lambda e: e.table).resolvers
                   if r.name == "Query.getThing").request
    assert "#set($allowed = true)" not in request
    assert "#if(!$allowed && !$ownerOnly)\n  $util.unauthorized()" in request


def test_owner_rules_become_a_condition_of_the_write(tmp_path):
    schema = schema_of(tmp_path, '@auth(rules: [{allow: owner, ownerField: "owner"}])',
                       THING.replace("onThing(name: String)", "onThing(owner: String)"))
    plan = render(schema, lambda e: e.table)
    write = next(f for f in plan.functions if f.name == "Mutation_updateThing_write")
    assert "#c_owner = :c_identity" in write.request
    assert '"#c_owner", "owner"' in write.request


@pytest.mark.parametrize("rules, message, fix", [
    ("{allow: public, providers: [iam]}", "rule public cannot use provider(s) iam", "apiKey"),
    ("{allow: groups}", "rule groups needs groups", "give groups"),
    ('{allow: private, groups: ["a"]}', "rule private takes no groups", "give groups"),
    ("{allow: owner}", "rule owner needs ownerField", "give ownerField"),
    ('{allow: owner, ownerField: "size"}', "ownerField size is not a stored string field",
     "String field"),
    ('{allow: owner, ownerField: "nope"}', "ownerField nope is not a stored string field",
     "String field"),
])
def test_bad_rules_name_file_line_and_fix(tmp_path, rules, message, fix):
    with pytest.raises(SchemaError) as err:
        schema_of(tmp_path, f"@auth(rules: [{rules}])")
    text = str(err.value)
    assert re.match(r".*domain\.graphql:3: ", text), text
    assert message in text and "Fix: " in text and fix in text, text


def test_an_owner_subscription_needs_the_owner_argument(tmp_path):
    text = THING.replace("onThing(name: String)", "onThing(size: Int)")
    with pytest.raises(SchemaError, match="has an owner rule on owner but no argument owner"):
        schema_of(tmp_path, '@auth(rules: [{allow: owner, ownerField: "owner"}])', text)
