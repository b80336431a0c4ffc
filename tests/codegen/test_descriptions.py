"""Every type, field, argument, input field and enum value AppSync receives has a description,
and a schema with an undocumented item fails synth, naming each, before anything is written."""

from __future__ import annotations

import dataclasses

import pytest
from graphql import build_schema, parse

from modules.codegen import load
from modules.codegen.docs import GENERATED, check_descriptions, items, undocumented
from tests.codegen.test_parse_errors import synth_refused

DESCRIBED = '''
schema { query: Query mutation: Mutation }
"A thing."
type Thing @table(name: "things", hashKey: "name") {
  "Its name."
  name: String!
  "Its size, in bytes."
  size: Int
  "How it is kept."
  kind: Kind
  "Change counter."
  revision: Int
}
"How a thing is kept."
enum Kind {
  "Kept hot."
  HOT
  "Kept cold."
  COLD
}
"One page of things."
type ThingConnection {
  "The things."
  items: [Thing!]!
  "The next page's token."
  nextToken: String
}
"A new thing."
input NewThing {
  name: String!
  "Its size, stated in kilobytes."
  size: Int
}
"Reads."
type Query {
  "One thing."
  getThing(name: String!): Thing @get(table: "Thing")
  "Things by name."
  listThings(name: String!, limit: Int, nextToken: String): ThingConnection
    @list(table: "Thing")
}
"Writes."
type Mutation {
  "Add a thing."
  addThing(input: NewThing!): Thing @create(table: "Thing")
  "Remove a thing."
  removeThing(name: String!, expectedRevision: Int!): Thing @delete(table: "Thing")
}
'''


def described(tmp_path, text: str = DESCRIBED):
    path = tmp_path / "domain.graphql"
    path.write_text(text)
    return load(path)


def descriptions(sdl: str) -> dict[str, str | None]:
    return {p: (n.description.value if n.description else None)
            for p, n in items(parse(sdl))}


def test_the_schema_describes_every_item_of_the_api(schema_ir):
    """The real schema: every item of the derived SDL (whatever types it holds) is described,
    and graphql-core's own introspection model sees each description."""
    assert undocumented(schema_ir.documented_sdl) == []
    check_descriptions(schema_ir)  # what synth runs
    aws = "\n".join(f"scalar {s}" for s in ("AWSDateTime", "AWSJSON", "AWSDate", "AWSTime",
                                             "AWSTimestamp", "AWSEmail", "AWSURL", "AWSPhone",
                                             "AWSIPAddress"))
    directives = "\n".join(
        f"directive @{d} on OBJECT | FIELD_DEFINITION" for d in
        ("aws_api_key", "aws_iam", "aws_oidc", "aws_lambda"))
    built = build_schema(schema_ir.documented_sdl + aws + "\n" + directives + "\n"
                         "directive @aws_cognito_user_pools(cognito_groups: [String]) on "
                         "OBJECT | FIELD_DEFINITION\n"
                         "directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION\n")
    for root in (built.query_type, built.mutation_type, built.subscription_type):
        if root is None:
            continue
        for name, field in root.fields.items():
            assert field.description, f"{root.name}.{name}"
            for arg, value in field.args.items():
                assert value.description, f"{root.name}.{name}({arg})"


def test_a_described_schema_passes(tmp_path):
    schema = described(tmp_path)
    assert undocumented(schema.documented_sdl) == []
    check_descriptions(schema)


def test_arguments_and_input_fields_take_the_described_fields_text(tmp_path):
    sdl = descriptions(described(tmp_path).appsync_sdl)
    assert sdl["Query.getThing(name)"] == "Its name."  # the operation's type's field
    assert sdl["NewThing.name"] == "Its name."  # an input of an operation on Thing
    assert sdl["NewThing.size"] == "Its size, stated in kilobytes."  # its own wins
    for arg in ("limit", "nextToken"):
        assert sdl[f"Query.listThings({arg})"] == GENERATED[arg]
    assert sdl["Mutation.removeThing(expectedRevision)"] == GENERATED["expectedRevision"]


def test_appsync_gets_enum_value_descriptions_in_their_enum_s(schema_ir, tmp_path):
    """No value of an enum carries a description in what AppSync receives (it permits them on
    the enum only, docs.fold_enum_values); the enum's description ends with each value's text,
    in order; everything else is as documented."""
    for schema in (schema_ir, described(tmp_path)):
        folded = descriptions(schema.appsync_sdl)
        documented = descriptions(schema.documented_sdl)
        enums = [d for d in parse(schema.documented_sdl).definitions
                 if d.kind == "enum_type_definition"]
        assert enums, "the schema has an enum"
        for enum in enums:
            name = enum.name.value
            said = [(v.name.value, documented[f"{name}.{v.name.value}"]) for v in enum.values]
            assert all(folded[f"{name}.{v}"] is None for v, _ in said), name
            listed = " ".join(f"{v}: {text}" for v, text in said)
            assert folded[name] == f"{documented[name]} Values: {listed}", name
        others = {p for p in documented if p.split(".")[0] not in {e.name.value for e in enums}}
        assert {p: folded[p] for p in others} == {p: documented[p] for p in others}
    assert descriptions(described(tmp_path).appsync_sdl)["Kind"] == (
        "How a thing is kept. Values: HOT: Kept hot. COLD: Kept cold.")


def test_a_field_of_another_type_gives_no_text(tmp_path):
    """`size: String` is not Thing's `size: Int`: its description would not be about it."""
    text = DESCRIBED.replace('  "Its size, stated in kilobytes."\n  size: Int\n',
                             "  size: String\n")
    assert undocumented(described(tmp_path, text).documented_sdl) == ["NewThing.size"]


# One item of each kind without a description: (the description to cut, the item's path).
MISSING = [
    ('"A thing."\n', "Thing"),
    ('  "Its size, in bytes."\n', "Thing.size"),
    ('  "Kept cold."\n', "Kind.COLD"),
    ('"A new thing."\n', "NewThing"),
    ('  "Remove a thing."\n', "Mutation.removeThing"),
]


@pytest.mark.parametrize("cut, path", MISSING, ids=[m[1] for m in MISSING])
def test_an_undocumented_item_is_named_at_its_line(tmp_path, cut, path):
    assert DESCRIBED.count(cut) == 1
    line = DESCRIBED[:DESCRIBED.index(cut)].count("\n") + 1  # the item moves up into it
    schema = described(tmp_path, DESCRIBED.replace(cut, ""))
    assert undocumented(schema.documented_sdl) == [path]
    with pytest.raises(ValueError) as err:
        check_descriptions(schema)
    assert f"{schema.source}:{line}: {path}\n" in str(err.value)
    assert "Fix: " in str(err.value)


def test_a_comment_is_no_description(tmp_path):
    schema = described(tmp_path, DESCRIBED.replace('  "Its size, in bytes."\n',
                                                   "  # Its size, in bytes.\n"))
    assert undocumented(schema.documented_sdl) == ["Thing.size"]


def test_an_argument_without_a_field_to_take_from_is_undocumented(tmp_path):
    text = DESCRIBED.replace("getThing(name: String!)", "getThing(name: String!, at: Int)")
    assert undocumented(described(tmp_path, text).documented_sdl) == ["Query.getThing(at)"]


def test_a_description_terraform_would_interpolate_is_refused(tmp_path):
    schema = described(tmp_path, DESCRIBED.replace('"Its size, in bytes."',
                                                   '"Its size: ${var.unit}."'))
    with pytest.raises(ValueError, match=r"Thing.size \(its description holds"):
        check_descriptions(schema)


def test_synth_names_every_undocumented_item_and_writes_nothing(tmp_path):
    text = DESCRIBED
    for cut, _ in MISSING:
        text = text.replace(cut, "")
    result = synth_refused(tmp_path, text)
    assert f"{len(MISSING)} item(s) of the API have no usable GraphQL description" in (
        result.stderr)
    for _, item in MISSING:
        assert f": {item}\n" in result.stderr


def test_the_bench_schema_is_described(tmp_path):
    """`make bench` synthesizes bench/gen_schema.py's schemas: synth would refuse them."""
    from bench import gen_schema  # noqa: PLC0415 - only this test needs the bench package

    path = tmp_path / "bench.graphql"
    path.write_text(gen_schema.schema(2))
    assert undocumented(load(path).documented_sdl) == []


def test_a_block_string_reaches_appsync_as_a_plain_string(tmp_path):
    sdl = described(tmp_path, DESCRIBED.replace('"A thing."', '"""\nA thing,\nin two lines.\n"""'))
    assert '"""' not in sdl.appsync_sdl
    assert '"A thing,\\nin two lines."\ntype Thing' in sdl.appsync_sdl
    assert descriptions(sdl.appsync_sdl)["Thing"] == "A thing,\nin two lines."


def test_an_item_the_codegen_adds_is_held_to_the_rule(tmp_path):
    """The check reads what AppSync receives (before enum values' texts are folded into their
    enum's): an item with no line in the user's file is named as the codegen's."""
    schema = described(tmp_path)
    added = dataclasses.replace(schema, documented_sdl=schema.documented_sdl + '"Added."\n'
                                "type Added { count: Int }\n")
    with pytest.raises(ValueError) as err:
        check_descriptions(added)
    assert f"{schema.source} (added by the codegen): Added.count\n" in str(err.value)
