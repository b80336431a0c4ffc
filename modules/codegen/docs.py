"""Every item of the schema AppSync receives carries a GraphQL description (an enum value's is
folded into its enum's: fold_enum_values).

Introspection (`__schema`, `__type`) and the explorer's docs show descriptions, never `#`
comments, which the parser drops. An argument or input field that only repeats a field of the
operation's type (`getModel(name:)`, `CreateModelInput.framework`) takes that field's
description, and paging arguments and `expectedRevision` get the codegen's, so each is written
once (README: Add your own type). The check reads the derived SDL, not the domain file, so an
item the codegen adds is held to the same rule; each missing item is named with the line of
the domain schema that declares it, all of them in one error, so a merge that brings several
undocumented items is fixed in one pass.
"""

from __future__ import annotations

import re
from pathlib import Path

from graphql import DocumentNode, Node, Source, StringValueNode, parse, print_ast
from graphql.language import (
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    UnionTypeDefinitionNode,
    Visitor,
    visit,
)

from .ir import Operation, Schema

_NAMED = (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode, InputObjectTypeDefinitionNode,
          EnumTypeDefinitionNode, UnionTypeDefinitionNode)
# The schema text is a Terraform string (aws_appsync_graphql_api.schema): `${` or `%{` in a
# description would be read as interpolation.
_TERRAFORM_SYNTAX = re.compile(r"[$%]\{")
# What the codegen's own arguments mean: the paging of @list/@hasMany (templates/vtl) and the
# revision every @update and @delete compares (the item's `revision`).
GENERATED = {
    "limit": "The most items to return in one page (at most the API's page limit).",
    "nextToken": "The nextToken of the previous page, to read the next one; leave it out for "
                 "the first page.",
    "expectedRevision": "The revision you last read; the write fails with StaleRevision when "
                        "the item has changed since, and changes nothing.",
}


def items(doc: DocumentNode) -> list[tuple[str, Node]]:
    """(path, node) of every describable item: types, fields, arguments, input fields and enum
    values, as `Type`, `Type.field`, `Type.field(arg)`, `Enum.VALUE`."""
    out: list[tuple[str, Node]] = []
    for node in doc.definitions:
        if not isinstance(node, _NAMED):
            continue  # the `schema { ... }` block and directive definitions
        name = node.name.value
        out.append((name, node))
        for field in getattr(node, "fields", None) or ():
            out.append((f"{name}.{field.name.value}", field))
            for arg in getattr(field, "arguments", None) or ():
                out.append((f"{name}.{field.name.value}({arg.name.value})", arg))
        for value in getattr(node, "values", None) or ():
            out.append((f"{name}.{value.name.value}", value))
    return out


def _described(node: Node) -> bool:
    return node.description is not None and node.description.value.strip() != ""


def _named_type(type_node) -> str:
    while not hasattr(type_node, "name"):
        type_node = type_node.type
    return type_node.name.value


def inherit(sdl: str, operations: list[Operation]) -> str:
    """`sdl` with the descriptions an undescribed argument or input field takes: its
    operation's type's field of the same name, else the codegen's (GENERATED); every string
    printed as a "..." string."""
    doc = parse(sdl, no_location=True)
    fields: dict[str, dict[str, tuple[str, StringValueNode]]] = {
        d.name.value: {f.name.value: (_named_type(f.type), f.description)
                       for f in d.fields or () if _described(f)}
        for d in doc.definitions if isinstance(d, ObjectTypeDefinitionNode)}
    inputs = {d.name.value for d in doc.definitions
              if isinstance(d, InputObjectTypeDefinitionNode)}
    by_field = {(op.parent, op.field): op.entity.type_name for op in operations}
    by_input: dict[str, str] = {}
    for d in doc.definitions:
        if isinstance(d, ObjectTypeDefinitionNode) and d.name.value in ("Query", "Mutation"):
            for f in d.fields or ():
                entity = by_field.get((d.name.value, f.name.value))
                for a in f.arguments or ():
                    if entity and _named_type(a.type) in inputs:
                        by_input.setdefault(_named_type(a.type), entity)

    def take(node, entity: str | None):
        if _described(node):
            return None
        type_name, found = fields.get(entity or "", {}).get(node.name.value, ("", None))
        if found and type_name == _named_type(node.type):
            text = found.value
        elif node.name.value == "input" and _named_type(node.type) in inputs:
            text = "The operation's values: see the fields of its input type."
        else:
            text = GENERATED.get(node.name.value)
        if text is None:
            return None
        return node.__class__(**{**{k: getattr(node, k) for k in node.keys},
                                 "description": StringValueNode(value=text)})

    class Fill(Visitor):
        def enter_string_value(self, node, *_):
            # `"""` block strings in AppSync schemas were refused by its parser
            # (github.com/aws/aws-appsync-community/issues/38, "Failed to parse schema
            # document"); the same text as a "..." string is plain GraphQL of any age.
            return StringValueNode(value=node.value) if node.block else None

        def enter_object_type_definition(self, node, *_):
            self.parent = node.name.value

        def enter_input_object_type_definition(self, node, *_):
            self.parent = node.name.value

        def enter_field_definition(self, node, *_):
            self.field = node.name.value

        def enter_input_value_definition(self, node, *_):
            if self.parent in by_input:  # an input object's field
                return take(node, by_input[self.parent])
            return take(node, by_field.get((self.parent, self.field)))

    return print_ast(visit(doc, Fill())) + "\n"


def fold_enum_values(sdl: str) -> str:
    """`sdl` with each enum value's description moved to the end of its enum's description,
    "Values: NAME: text ...", and the values left bare. AppSync permits descriptions "only on
    the whole enum declaration, not on specific enum values" (AWS's answer in
    github.com/aws/aws-appsync-community/issues/55, still open; later reports there: value
    descriptions are dropped or the schema is refused), so what AppSync receives never has
    them and the text still reaches introspection and the explorer's docs."""

    class Fold(Visitor):
        def enter_enum_type_definition(self, node, *_):
            said = [(v.name.value, v.description.value.strip()) for v in node.values or ()
                    if _described(v)]
            if not said:
                return None
            listed = " ".join(f"{name}: {text if text[-1] in '.!?' else text + '.'}"
                              for name, text in said)
            head = node.description.value.strip() if _described(node) else ""
            text = f"{head} Values: {listed}" if head else f"Values: {listed}"
            values = tuple(v.__class__(**{**{k: getattr(v, k) for k in v.keys},
                                          "description": None}) for v in node.values)
            return node.__class__(**{**{k: getattr(node, k) for k in node.keys},
                                     "description": StringValueNode(value=text),
                                     "values": values})

    return print_ast(visit(parse(sdl, no_location=True), Fold())) + "\n"


def without_descriptions(sdl: str) -> str:
    """`sdl` printed without its descriptions: each item's signature on one line again, as
    tests that read the SDL as text expect it."""

    class Strip(Visitor):
        def enter(self, node, *_):
            if getattr(node, "description", None) is None:
                return None
            return node.__class__(**{**{k: getattr(node, k) for k in node.keys},
                                     "description": None})

    return print_ast(visit(parse(sdl, no_location=True), Strip())) + "\n"


def undocumented(sdl: str) -> list[str]:
    """Paths of the items of `sdl` without a description, in schema order."""
    return [path for path, node in items(parse(sdl, no_location=True)) if not _described(node)]


def check_descriptions(schema: Schema) -> None:
    """Raise ValueError listing every item of the derived SDL without a description (or with
    one Terraform would interpolate), each at its line in the user's schema file."""
    sdl, source = schema.documented_sdl or schema.appsync_sdl, schema.source
    domain = parse(Source(Path(source).read_text(), source))
    lines = {path: node.loc.source.get_location(node.loc.start).line
             for path, node in items(domain) if node.loc is not None}

    def where(path: str) -> str:
        line = lines.get(path)
        return f"{source}:{line}" if line else f"{source} (added by the codegen)"

    missing = undocumented(sdl)
    unsafe = [path for path, node in items(parse(sdl, no_location=True))
              if _described(node) and _TERRAFORM_SYNTAX.search(node.description.value)]
    if not missing and not unsafe:
        return
    listed = [f"  {where(p)}: {p}" for p in missing]
    listed += [f"  {where(p)}: {p} (its description holds ${{ or %{{, which Terraform would "
               "interpolate)" for p in unsafe]
    raise ValueError(
        f"{source}: {len(missing) + len(unsafe)} item(s) of the API have no usable GraphQL "
        "description (the explorer's docs and introspection show descriptions; `#` comments "
        "are dropped):\n" + "\n".join(listed) + "\nFix: put a description string on its own "
        'line above each item, "Like this." or """Like this.""" (README: Add your own type)')
