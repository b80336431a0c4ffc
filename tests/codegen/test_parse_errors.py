"""Bad schema input fails with file:line and the fix, and a synth then writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from modules.codegen import SchemaError, load
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
    ("two rules for one attribute", GOOD.replace("size: Int", 'size: Int @constraint(max: 9)')
     .replace("addThing(name: String!)", "addThing(name: String!, size: Int @constraint(max: 5))"),
     11, "size has its own @constraint, unlike the one on Thing.size", "the field's rule applies"),
]


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


def test_synth_with_a_bad_schema_writes_nothing(tmp_path):
    path = tmp_path / "domain.graphql"
    path.write_text(GOOD.replace("size: Int", "size: Int @frobnicate"))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"schema_path": str(path)}))
    out = tmp_path / "out"
    env = {**os.environ, "MODEL_API_CONFIG": str(config), "CDKTF_OUTDIR": str(out)}
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert f"{path}:5: Unknown directive '@frobnicate'" in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "domain.graphql"]


def test_training_events_on_a_schema_without_the_refresh_mutation_writes_nothing(tmp_path):
    path = tmp_path / "domain.graphql"
    path.write_text(GOOD)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"schema_path": str(path), "training_events": True,
                                  "authentication_type": "AWS_IAM"}))
    out = tmp_path / "out"
    env = {**os.environ, "MODEL_API_CONFIG": str(config), "CDKTF_OUTDIR": str(out)}
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "training_events: the schema has no Mutation.refreshTrainingJob" in result.stderr
    assert not out.exists()
