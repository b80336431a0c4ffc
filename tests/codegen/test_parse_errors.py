"""Bad schema input fails with file:line and the fix, and a synth then writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from modules.codegen import SchemaError, load
from modules.codegen.ir import Constraint
from tests.conftest import ROOT

GOOD = """
schema { query: Query mutation: Mutation }
type Thing @table(name: "things", hashKey: "name") {
  name: String!
  size: Int
}
type Query {
  getThing(name: String!): Thing @get(table: "Thing")
}
type Mutation {
  addThing(name: String!): Thing @create(table: "Thing")
}
"""

CASES = [
    ("unknown directive", GOOD.replace("size: Int", "size: Int @frobnicate"), 5,
     "Unknown directive '@frobnicate'", "schema/directives.graphql"),
    ("missing key field", GOOD.replace('hashKey: "name"', 'hashKey: "sku"'), 3,
     "names key field sku, which is not a field of the type", "add the field sku to Thing"),
    ("name AppSync refuses", GOOD.replace("type Thing", "type AWSThing")
     .replace(": Thing", ": AWSThing").replace('"Thing"', '"AWSThing"'), 3,
     "reserved by AppSync", "rename the type"),
    ("bad table name", GOOD.replace('name: "things"', 'name: "th ings"'), 3,
     "is not a valid DynamoDB name", "use letters, digits"),
    ("custom scalar", GOOD + "scalar Date\n", 13, "custom scalar Date is not supported",
     "AWSDateTime"),
    ("union", GOOD + "union Any = Thing\n", 13, "interface or union", "use object types"),
    ("unknown type", GOOD.replace("size: Int", "size: Size"), 5, "Unknown type 'Size'",
     "define the type"),
    ("get without key argument", GOOD.replace("getThing(name: String!)", "getThing(id: ID!)"),
     8, "does not give key field name", "add the argument name"),
    ("relation to a non-table type", GOOD.replace("size: Int", "other: Query @belongsTo("
     'table: "Query", fields: ["name"])'), 5, "Query is not a type with @table",
     "name a type that has @table"),
    ("two operations on one field", GOOD.replace('@get(table: "Thing")',
     '@get(table: "Thing") @create(table: "Thing")'), 8, "has 2 operation directives",
     "exactly one of"),
    ("syntax", GOOD.replace("size: Int", "size Int"), 5, "Syntax Error", "syntax"),
    ("pattern without its rule in words", GOOD.replace(
        "addThing(name: String!)", 'addThing(name: String! @constraint(pattern: "[a-z]+"))'),
     11, "pattern '[a-z]+' has no `means`", 'add means: "'),
    ("means without a pattern", GOOD.replace(
        "addThing(name: String!)", 'addThing(name: String! @constraint(means: "letters"))'),
     11, "`means` describes a pattern, and there is none", "add the pattern, or remove means"),
    ("means that would break the VTL string", GOOD.replace(
        "addThing(name: String!)",
        'addThing(name: String! @constraint(pattern: "[a-z]+", means: "a \\"b\\""))'),
     11, "contains one of", "without these characters"),
    ("two rules for one attribute", GOOD.replace("size: Int", 'size: Int @constraint(max: 9)')
     .replace("addThing(name: String!)", "addThing(name: String!, size: Int @constraint(max: 5))"),
     11, "size has its own @constraint, unlike the one on Thing.size", "the field's rule applies"),
    # AppSync runs at most 1000 iterations of a #foreach, the loop checking a list's elements.
    ("list argument without maxItems", GOOD.replace(
        "addThing(name: String!)", "addThing(name: String!, tags: [String!])"),
     11, "list argument tags has no maxItems", "add @constraint(maxItems: N) with N at most 1000"),
    ("list argument over the loop quota", GOOD.replace(
        "addThing(name: String!)",
        "addThing(name: String!, tags: [String!] @constraint(maxItems: 1001))"),
     11, "list argument tags allows 1001 items", "with N at most 1000"),
]

# A parent and its children keyed (ownerName, sku), with an index by colour. Line numbers below
# count from the blank first line.
LINKED = """
schema { query: Query mutation: Mutation }
type Owner @table(name: "owners", hashKey: "name") {
  name: String!
  items(limit: Int, nextToken: String): ItemConnection
    @hasMany(table: "Item", references: ["ownerName"], onDelete: CASCADE)
}
type Item @table(name: "items", hashKey: "ownerName", rangeKey: "sku")
  @index(name: "byColor", hashKey: "color", rangeKey: "sku") {
  ownerName: String!
  sku: String!
  color: String
  size: Int
}
type ItemConnection { items: [Item!]! nextToken: String }
type Query {
  listItems(ownerName: String, color: String, limit: Int, nextToken: String): ItemConnection
    @list(table: "Item", indexes: ["byColor"])
}
type Mutation {
  deleteOwner(name: String!, expectedRevision: Int!): Owner @delete(table: "Owner")
}
"""
HAS_MANY = '@hasMany(table: "Item", references: ["ownerName"], onDelete: CASCADE)'
CASES += [
    ("hasMany references a non-key field", LINKED.replace('references: ["ownerName"]',
     'references: ["color"]'), 6, "references (color), which is not a key prefix of the Item "
     "table (key: ownerName, sku)", "or name an @index of it whose key starts with them"),
    ("hasMany references skip the hash key", LINKED.replace('references: ["ownerName"]',
     'references: ["sku"]'), 6, "not a key prefix", "hashKey first"),
    ("hasMany index does not start with the references", LINKED.replace(
     HAS_MANY, HAS_MANY.replace("onDelete", 'index: "byColor", onDelete')), 6,
     "not a key prefix of the Item index byColor (key: color, sku)", "reference the leading"),
    ("hasMany names an unknown index", LINKED.replace(
     HAS_MANY, HAS_MANY.replace("onDelete", 'index: "byShape", onDelete')), 6,
     "names index byShape, which Item does not declare", "add that @index"),
    ("hasMany fields and references differ in number", LINKED.replace(
     'references: ["ownerName"]', 'references: ["ownerName", "sku"]'), 6,
     "matches 1 parent field(s) (name) to 2 reference(s)", "one parent field per reference"),
    ("hasMany matches fields of different types", LINKED.replace(
     HAS_MANY, HAS_MANY.replace('"Item", references: ["ownerName"]',
                                '"Item", references: ["ownerName"], fields: ["size"]'))
     .replace("  name: String!\n", "  name: String!\n  size: Int\n", 1), 7,
     "matches Owner.size to Item.ownerName, which have different types", "same scalar type"),
    ("hasMany without onDelete", LINKED.replace(", onDelete: CASCADE", ""), 6,
     "Argument '@hasMany(onDelete:)' of type 'OnDelete!' is required",
     "onDelete: REFUSE or onDelete: CASCADE"),
    ("hasMany without references", LINKED.replace('references: ["ownerName"], ', ""), 6,
     "Argument '@hasMany(references:)' of type '[String!]!' is required",
     "as Amplify's references"),
    ("cascade to a type with its own children", LINKED.replace(
     "  size: Int\n", "  size: Int\n  parts(limit: Int, nextToken: String): ItemConnection\n"
     '    @hasMany(table: "Item", references: ["ownerName"], fields: ["ownerName"], '
     'onDelete: REFUSE)\n'), 6,
     "cascades to Item, which has @hasMany parts of its own", "use onDelete: REFUSE"),
    ("membership with its old argument name", GOOD.replace(
     "size: Int", 'tags: [String!] @membership(table: "tags", key: "tag", index: "byTag")'), 5,
     "Unknown argument 'table' on directive '@membership'", "renamed from table:"),
    ("list argument no key can use", LINKED.replace("color: String, limit",
     "color: String, size: Int, limit"), 18, "argument size is not the hash key of the Item "
     "table or of a listed index (table, byColor)", 'add @index(name: ..., hashKey: "size")'),
    ("list key never reached", LINKED.replace("listItems(ownerName: String,",
     "listItems(ownerName: String!,"), 18, "never reaches index byColor: the table's own key "
     "is always chosen before it", "make an argument of that key optional"),
]

# An update that changes one part of an @attribute must be given the others (it reads nothing).
DERIVED = GOOD.replace('@table(name: "things", hashKey: "name")',
                       '@table(name: "things", hashKey: "id") '
                       '@attribute(name: "ownerSize", value: "{owner}#{color}")').replace(
    "  name: String!\n  size: Int\n",
    "  id: ID!\n  name: String\n  owner: String\n  size: Int\n  color: String\n"
    '  ownerThing: Thing @belongsTo(table: "Thing", fields: ["owner"])\n').replace(
    "getThing(name: String!)", "getThing(id: ID!)").replace(
    'addThing(name: String!): Thing @create(table: "Thing")',
    'addThing(name: String!): Thing @create(table: "Thing")\n'
    '  resizeThing(id: ID!, color: String): Thing @update(table: "Thing")')
CASES += [
    ("update changes a derived part without the others", DERIVED, 16,
     "Mutation.resizeThing changes color, part of @attribute ownerSize ({owner}#{color}), "
     "without owner", "add owner: <type>! to its arguments"),
    ("update's identifying part is optional", DERIVED.replace(
        "resizeThing(id: ID!, color: String)",
        "resizeThing(id: ID!, owner: String, color: String)"), 16,
     "without owner", "checked against the item, never changed"),
]


def test_linked_schema_loads_with_links_and_list_keys(tmp_path):
    path = tmp_path / "domain.graphql"
    path.write_text(LINKED)
    schema = load(path)
    link = next(r for r in schema.relations if r.kind == "hasMany")
    assert (link.fields, link.references, link.index.name, link.on_delete) == (
        ["name"], ["ownerName"], "", "CASCADE")
    listing = next(o for o in schema.operations if o.field == "listItems")
    # The table's own key first (today's fix: it was ignored when indexes were listed).
    assert [i.name for i in listing.indexes] == ["", "byColor"]
    delete = next(o for o in schema.operations if o.field == "deleteOwner")
    assert delete.dependents == [link]
    by_index = load_text(tmp_path, LINKED.replace('"ownerName"]', '"color"]').replace(
        "onDelete", 'fields: ["name"], index: "byColor", onDelete'))
    link = next(r for r in by_index.relations if r.kind == "hasMany")
    assert (link.references, link.index.name) == (["color"], "byColor")


def test_has_many_queries_the_index_or_the_full_key_it_names(tmp_path):
    """The rendered Query follows the link: the named index, and every referenced key part."""
    from modules.codegen.render import render

    by_index = load_text(tmp_path, LINKED.replace('"ownerName"]', '"color"]').replace(
        "onDelete: CASCADE", 'fields: ["name"], index: "byColor", onDelete: REFUSE'))
    plan = render(by_index, lambda e: f"<{e.table}>")
    query = next(r for r in plan.resolvers if r.name == "Owner.items").request
    assert '"index": "byColor"' in query and '"#h": "color"' in query
    look_up = next(f for f in plan.functions if f.name == "Mutation_deleteOwner_items").request
    assert '"index": "byColor"' in look_up and '"limit": 1' in look_up
    both = load_text(tmp_path, LINKED.replace(
        "  name: String!\n", "  name: String!\n  sku: String\n", 1).replace(
        'references: ["ownerName"]', 'references: ["ownerName", "sku"], fields: ["name", "sku"]'))
    query = next(r for r in render(both, lambda e: e.table).resolvers
                 if r.name == "Owner.items").request
    assert '"expression": "#h = :h AND #r = :r"' in query
    assert '"#h": "ownerName", "#r": "sku"' in query
    assert "$util.isNull($ctx.source.name) || $util.isNull($ctx.source.sku)" in query


def load_text(tmp_path, text: str):
    path = tmp_path / "other.graphql"
    path.write_text(text)
    return load(path)

# A recorded decision (@history): the write's condition pins `from`, so one edge into a state.
DECIDED = """
schema { query: Query mutation: Mutation }
enum Decision @transitions(edges: ["OPEN -> YES", "OPEN -> NO"]) { OPEN YES NO }
type Change { from: Decision! to: Decision! changedBy: String changedAt: AWSDateTime! note: String }
type Thing @table(name: "things", hashKey: "name") {
  name: String!
  decision: Decision
  history: [Change!] @history(of: "decision", reason: "note", reasonRequiredFor: ["NO"])
}
type Query {
  getThing(name: String!): Thing @get(table: "Thing")
}
type Mutation {
  addThing(name: String!): Thing @create(table: "Thing")
  decide(name: String!, decision: Decision!, note: String): Thing @update(table: "Thing")
}
"""
REGISTRY = (ROOT / "schema" / "model_registry.graphql").read_text()


def _line(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


_TWO_INTO_NO = DECIDED.replace('"OPEN -> NO"', '"OPEN -> NO", "YES -> NO"')
_NO_NOTE = DECIDED.replace("decision: Decision!, note: String", "decision: Decision!")
_NOT_ENUM = DECIDED.replace('of: "decision"', 'of: "name"')
_SHAPE = DECIDED.replace(" changedAt: AWSDateTime!", "")
_PROTECT_OPEN = REGISTRY.replace('protectedValue: "APPROVED"',
                                 'protectedValue: "PENDING_MANUAL_APPROVAL"')
CASES += [
    ("history with two edges into a state", _TWO_INTO_NO, 3, "NO is reached from OPEN, YES",
     "keep one edge into NO"),
    ("history update without its reason argument", _NO_NOTE, _line(_NO_NOTE, "  decide("),
     "Mutation.decide changes decision, recorded in Thing.history with a note, but has no "
     "argument note", "add note: String"),
    ("history needing a reason for no state of the enum", DECIDED.replace(
        'reasonRequiredFor: ["NO"]', 'reasonRequiredFor: ["MAYBE"]'), 8,
     "reasonRequiredFor names 'MAYBE', not a value of Decision", "use values of Decision"),
    ("history of a field that is not a recorded enum", _NOT_ENUM, 8,
     "records 'name', which is not a stored enum field of Thing with @transitions",
     "name such a field in `of`"),
    ("history list of another shape", _SHAPE, 8, "needs a list of a type with exactly the "
     "fields from: Decision, to: Decision, changedBy: String, changedAt: AWSDateTime, "
     "note: String", "declare Thing.history as such a list"),
    ("protected alias on a value that can change", _PROTECT_OPEN,
     _line(_PROTECT_OPEN, '@setAlias(table: "Model"'),
     "a protected alias needs ModelVersion.approvalStatus to stay PENDING_MANUAL_APPROVAL "
     "once set, but @transitions lets PENDING_MANUAL_APPROVAL change",
     "with no edge from PENDING_MANUAL_APPROVAL"),
    ("protected alias on no value of the field", REGISTRY.replace(
        'protectedValue: "APPROVED"', 'protectedValue: "LIVE"'),
     _line(REGISTRY, '@setAlias(table: "Model"'), "('approvalStatus', 'LIVE') is not an enum "
     "field of ModelVersion and one of its values", "give both"),
]


def test_a_recorded_decision_loads(tmp_path):
    path = tmp_path / "domain.graphql"
    path.write_text(DECIDED)
    thing = load(path).entities["Thing"]
    assert thing.histories["decision"].reason_required == ("NO",)


@pytest.mark.parametrize("label, text, line, message, fix", CASES, ids=[c[0] for c in CASES])
def test_bad_schema_names_file_line_and_fix(tmp_path, label, text, line, message, fix):
    path = tmp_path / "domain.graphql"
    path.write_text(text)
    with pytest.raises(SchemaError) as err:
        load(path)
    text = str(err.value)
    assert text.startswith(f"{path}:{line}: "), text
    assert message in text
    assert "Fix: " in text and fix in text


def test_good_schema_loads(tmp_path):
    path = tmp_path / "domain.graphql"
    path.write_text(GOOD)
    schema = load(path)
    assert list(schema.entities) == ["Thing"]
    assert [o.name for o in schema.operations] == ["Query.getThing", "Mutation.addThing"]


def test_a_fields_constraint_is_the_rule_of_every_write_of_it(tmp_path):
    """@constraint on a stored field: every create (and update) argument writing it checks it."""
    path = tmp_path / "domain.graphql"
    path.write_text(GOOD.replace("  name: String!\n", "  name: String! @constraint(maxLength: 8)\n",
                                 1))
    schema = load(path)
    add = next(o for o in schema.operations if o.name == "Mutation.addThing")
    get = next(o for o in schema.operations if o.name == "Query.getThing")
    assert add.args[0].constraint.max_length == 8
    assert get.args[0].constraint is None  # a read is no write: a missing name is just null


@pytest.mark.parametrize("text, line, says", [
    (GOOD.replace("size: Int", "size: Int @frobnicate"), 5, "Unknown directive '@frobnicate'"),
    (LINKED.replace('references: ["ownerName"]', 'references: ["sku"]'), 6,
     "@hasMany on Owner.items references (sku)"),
], ids=["unknown directive", "wrong hasMany link"])
def test_synth_with_a_bad_schema_writes_nothing(tmp_path, text, line, says):
    result = synth_refused(tmp_path, text)
    assert f"{tmp_path / 'domain.graphql'}:{line}: {says}" in result.stderr


def synth_refused(tmp_path, text: str) -> subprocess.CompletedProcess:
    """`main.py` on `text` as the schema (in tmp_path): it must exit 2 and write nothing."""
    path = tmp_path / "domain.graphql"
    path.write_text(text)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"schema_path": str(path)}))
    out = tmp_path / "out"
    env = {**os.environ, "MODEL_API_CONFIG": str(config), "CDKTF_OUTDIR": str(out)}
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "domain.graphql"]
    return result


def test_training_events_on_a_schema_without_the_refresh_mutation_writes_nothing(tmp_path):
    path = tmp_path / "domain.graphql"
    path.write_text(GOOD)
    config = tmp_path / "config.json"
    # IAM (which the EventBridge rule calls with) is among cdktf.json's modes.
    config.write_text(json.dumps({"schema_path": str(path), "training_events": True}))
    out = tmp_path / "out"
    env = {**os.environ, "MODEL_API_CONFIG": str(config), "CDKTF_OUTDIR": str(out)}
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "training_events: the schema has no Mutation.refreshTrainingJob" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("lengths, rule", [
    ({"min_length": 1, "max_length": 63}, "1-63 characters of letters or '-'"),
    ({"min_length": 4, "max_length": 4}, "4 characters of letters or '-'"),
    ({"max_length": 9}, "at most 9 characters of letters or '-'"),
    ({"min_length": 2}, "at least 2 characters of letters or '-'"),
    ({}, "letters or '-'"),
])
def test_a_pattern_error_states_lengths_and_rule(lengths, rule):
    assert Constraint(pattern="[a-z-]*", means="letters or '-'", **lengths).rule == rule
    assert Constraint(max_length=9).rule is None  # no pattern: the length messages stand alone


def test_the_bench_schema_loads(tmp_path):
    """bench/gen_schema.py writes schemas the synth must accept (it follows the directive rules)."""
    from bench import gen_schema  # noqa: PLC0415 - only this test needs the bench package

    path = tmp_path / "bench.graphql"
    path.write_text(gen_schema.schema(2))
    assert load(path).operations
