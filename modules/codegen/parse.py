"""Parse the annotated schema with graphql-core and build the intermediate model.

Every refusal is a SchemaError naming file:line and the fix; nothing is written by this module.
"""

from __future__ import annotations

import re
from pathlib import Path

from graphql import (
    DirectiveNode,
    DocumentNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Node,
    ScalarTypeDefinitionNode,
    Source,
    build_ast_schema,
    parse,
    print_ast,
    value_from_ast_untyped,
)
from graphql.language import Visitor, visit
from graphql.validation.validate import validate_sdl

from .deploy import DEPLOY_ACTIONS
from .docs import fold_enum_values, inherit
from .ir import (
    AUTH_MODES,
    AUTH_OPERATIONS,
    Arg,
    Auth,
    AuthRule,
    Constraint,
    Derived,
    Entity,
    History,
    Index,
    Key,
    Membership,
    Operation,
    Relation,
    Schema,
    identifying_args,
)
from .ml import JOB_KINDS, ML_KINDS, TRAINING_ACTIONS

DIRECTIVES_FILE = Path(__file__).resolve().parents[2] / "schema" / "directives.graphql"
AWS_SCALARS = {"AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail", "AWSJSON",
               "AWSURL", "AWSPhone", "AWSIPAddress"}
BUILTIN_SCALARS = {"String", "ID", "Int", "Float", "Boolean"}
NUMERIC = {"Int", "Float", "AWSTimestamp"}
KEY_SCALARS = {"String", "ID", "Int", "Float", "AWSDateTime", "AWSDate", "AWSTimestamp"}
OPERATIONS = ("get", "list", "create", "update", "delete", "setAlias", "removeAlias",
              *ML_KINDS)
RELATIONS = ("hasMany", "belongsTo", "aliases")
# DynamoDB table names: 3-255 of [a-zA-Z0-9_.-]; the prefix takes up to 25 of those.
TABLE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,200}$")
# Fields every table type gets from the server, never from input.
SERVER_FIELDS = ("id", "createdAt", "updatedAt", "revision")
# AWS General Reference, AppSync quotas: "Iterations in a foreach loop in mapping templates".
FOREACH_QUOTA = 1000


# @auth: the providers each strategy defaults to, and the ones it may name.
AUTH_DEFAULT_PROVIDERS = {"public": ("apiKey",), "private": ("iam",),
                          "groups": ("userPools", "oidc"), "owner": ("userPools", "oidc")}
AUTH_ALLOWED_PROVIDERS = {"public": {"apiKey"}, "private": {"iam", "userPools", "oidc", "lambda"},
                          "groups": {"userPools", "oidc"}, "owner": {"userPools", "oidc"}}


def auth_operation(kind: str, parent: str, options: dict) -> str:
    """The kind of access an operation is, for @auth's `operations`."""
    if kind in ("get", "list") or parent in ("Query", "Subscription"):
        return "read"
    if kind in ("create", "predict") or options.get("action") == "start":
        return "create"
    return "delete" if kind == "delete" else "update"


class SchemaError(Exception):
    """Bad schema input: `file:line: message. Fix: ...`."""


def _where(node: Node | None, default: str) -> str:
    if node is not None and node.loc is not None:
        loc = node.loc.source.get_location(node.loc.start)
        return f"{node.loc.source.name}:{loc.line}"
    return default


def _fail(node: Node | None, message: str, fix: str, default: str = "schema") -> SchemaError:
    return SchemaError(f"{_where(node, default)}: {message}. Fix: {fix}")


_HINTS = (
    (re.compile(r"Unknown directive"), "use one of the directives in schema/directives.graphql "
     "(README: Directives), or an AppSync @aws_* directive"),
    (re.compile(r"Unknown type"), "define the type in the schema or correct its name"),
    (re.compile(r"Syntax Error"), "correct the GraphQL syntax at that position"),
    (re.compile(r"Unknown argument 'table' on directive '@membership'"),
     "@membership names its DynamoDB table with name: (renamed from table:, which now always "
     "names a GraphQL type; README: Directives)"),
    (re.compile(r"@hasMany\(onDelete:\)' of type .* required"), "say what deleting the "
     "parent does to the children: onDelete: REFUSE or onDelete: CASCADE (README: Directives)"),
    (re.compile(r"@hasMany\(references:\)' of type .* required"), "name the target's fields "
     "the parent's fields match, as Amplify's references: references: [\"modelName\"] "
     "(README: Directives)"),
    (re.compile(r"required"), "give the directive its required arguments"),
)


def _graphql_error(err: GraphQLError, default: str) -> SchemaError:
    where = default
    if err.source is not None and err.locations:
        where = f"{err.source.name}:{err.locations[0].line}"
    fix = next((hint for pattern, hint in _HINTS if pattern.search(err.message)),
               "correct the schema as the message says")
    return SchemaError(f"{where}: {err.message.rstrip('.')}. Fix: {fix}")


def load(path: Path) -> Schema:
    """Read and check the domain schema at `path`; return the intermediate model."""
    name = str(path)
    try:
        body = path.read_text()
    except OSError as err:
        raise SchemaError(f"{name}: cannot read the schema: {err.strerror}. Fix: check "
                          "schema_path in the settings") from None
    try:
        directives = parse(Source(DIRECTIVES_FILE.read_text(), "schema/directives.graphql"))
        domain = parse(Source(body, name))
    except GraphQLError as err:
        raise _graphql_error(err, name) from None
    _check_scalars(domain)
    doc = DocumentNode(definitions=(*directives.definitions, *domain.definitions))
    errors = validate_sdl(doc)
    if errors:
        raise _graphql_error(errors[0], name)
    gql = build_ast_schema(doc, assume_valid_sdl=True)
    return _Builder(gql, domain, name).build()


def _check_scalars(domain: DocumentNode) -> None:
    for node in domain.definitions:
        if isinstance(node, ScalarTypeDefinitionNode):
            raise _fail(node, f"custom scalar {node.name.value} is not supported by AppSync",
                        "use a built-in scalar or an AWS scalar such as AWSDateTime or AWSJSON")
        name = getattr(getattr(node, "name", None), "value", "")
        if name.startswith("AWS"):
            raise _fail(node, f"type name {name} is reserved by AppSync (prefix AWS)",
                        "rename the type")


def _named(type_):
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    return type_


def _is_list(type_) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _directives(node: Node | None, name: str) -> list[DirectiveNode]:
    return [d for d in getattr(node, "directives", None) or () if d.name.value == name]


def _args(directive: DirectiveNode) -> dict:
    return {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}


class _Builder:
    def __init__(self, gql: GraphQLSchema, domain: DocumentNode, name: str) -> None:
        self.gql = gql
        self.domain = domain
        self.name = name
        self.entities: dict[str, Entity] = {}

    def build(self) -> Schema:
        self._check_field_types()
        for type_ in self._object_types():
            table = _directives(type_.ast_node, "table")
            if table:
                self.entities[type_.name] = self._entity(type_, table[0])
        for entity in self.entities.values():
            self._check_keys(entity, self.gql.type_map[entity.type_name])
        self.relations = [r for t in self._object_types() for r in self._relations(t)]
        relations = self.relations
        operations = [op for root in ("Query", "Mutation") for op in self._operations(root)]
        subscriptions = self._subscriptions()
        # Arguments and input fields that repeat a field take its description (README).
        sdl = inherit(self._appsync_sdl(operations, subscriptions), operations)
        return Schema(self.name, self.entities, operations, relations, fold_enum_values(sdl),
                      subscriptions, documented_sdl=sdl)

    def _subscriptions(self) -> dict[str, Auth]:
        type_ = self.gql.type_map.get("Subscription")
        out = {}
        for fname, f in (type_.fields.items() if type_ is not None else ()):
            entity = self.entities.get(_named(f.type).name)
            if entity is None:
                rules = self._auth_rules(f.ast_node, None) or ()
                out[fname] = Auth("read", tuple(r for r in rules if "read" in r.operations))
            else:
                out[fname] = self._auth(f.ast_node, entity, "read")
            owner = out[fname].owner_field
            if owner and owner not in f.args:
                # AppSync filters events by the subscription's arguments: an owner-only
                # subscriber must name itself there, and the resolver checks that it does.
                raise _fail(f.ast_node, f"Subscription.{fname} has an owner rule on {owner} "
                            f"but no argument {owner}", f"add {owner}: String to its arguments")
        return out

    # -- types ---------------------------------------------------------------------------

    def _object_types(self) -> list[GraphQLObjectType]:
        return [t for n, t in sorted(self.gql.type_map.items())
                if isinstance(t, GraphQLObjectType) and not n.startswith("__")
                and t.ast_node is not None]

    def _check_field_types(self) -> None:
        for type_ in self.gql.type_map.values():
            if type_.ast_node is None or type_.name.startswith("__"):
                continue
            if type_.ast_node.kind in ("interface_type_definition", "union_type_definition"):
                raise _fail(type_.ast_node, f"{type_.name} is an interface or union, which the "
                            "codegen does not generate resolvers for",
                            "use object types (one per table) instead")

    def _entity(self, type_: GraphQLObjectType, directive: DirectiveNode) -> Entity:
        args = _args(directive)
        if not TABLE_NAME.match(args["name"]):
            raise _fail(directive, f"table name {args['name']!r} is not a valid DynamoDB name",
                        "use letters, digits, '_', '.' or '-' (at most 200)")
        attributes = {}
        for fname, f in type_.fields.items():
            if _directives(f.ast_node, "hasMany") or _directives(f.ast_node, "belongsTo") or \
                    _directives(f.ast_node, "aliases") or f.args:
                continue
            named = _named(f.type)
            if _directives(f.ast_node, "history"):
                attributes[fname] = "L"  # a list of maps, checked by _histories
                continue
            if isinstance(named, GraphQLObjectType):
                raise _fail(f.ast_node, f"{type_.name}.{fname} refers to {named.name} without a "
                            "relation", "add @belongsTo or @hasMany, or store it as AWSJSON")
            attributes[fname] = ("L" if _is_list(f.type) else
                                 "N" if named.name in NUMERIC else
                                 "BOOL" if named.name == "Boolean" else "S")
        enum_defaults = {fname: next(iter(_named(f.type).values))
                         for fname, f in type_.fields.items()
                         if fname in attributes and isinstance(_named(f.type), GraphQLEnumType)}
        derived = [Derived(**_args(d)) for d in _directives(type_.ast_node, "attribute")]
        for d in derived:
            if "'" in d.value:
                raise _fail(type_.ast_node, f"@attribute {d.name} value contains a quote",
                            "use letters, digits, '#', '_', '-' and {field} parts")
            for part in d.parts:
                if attributes.get(part) != "S":
                    raise _fail(type_.ast_node, f"@attribute {d.name} uses {{{part}}}, which is "
                                f"not a stored string field of {type_.name}",
                                "name a String, ID or enum field of the type")
        indexes = [Index(a["name"], Key(a["hashKey"], a.get("rangeKey")))
                   for a in map(_args, _directives(type_.ast_node, "index"))]
        key = Key(args["hashKey"], args.get("rangeKey"))
        memberships = []
        for fname, f in type_.fields.items():
            for d in _directives(f.ast_node, "membership"):
                m = _args(d)
                if not (_is_list(f.type) and _named(f.type).name == "String") or key.range or \
                        attributes.get(key.hash) != "S":
                    raise _fail(d, f"@membership on {type_.name}.{fname} needs a [String!] "
                                "field on a type keyed by one string field",
                                "use it on a list of strings of a type with a hashKey only")
                if not TABLE_NAME.match(m["name"]):
                    raise _fail(d, f"table name {m['name']!r} is not a valid DynamoDB name",
                                "use letters, digits, '_', '.' or '-'")
                memberships.append(Membership(type_.name, fname, m["name"],
                                              Key(m["key"], key.hash), m["index"]))
        entity = Entity(type_.name, args["name"], key, indexes, derived, attributes,
                        enum_defaults, memberships)
        entity.histories = self._histories(type_, attributes)
        rules = self._auth_rules(type_.ast_node, entity)
        entity.auth = rules or ()
        for fname, f in type_.fields.items():
            found = self._auth_rules(f.ast_node, entity)
            if found is not None:
                entity.field_auth[fname] = found
        return entity

    # -- @auth ---------------------------------------------------------------------------

    def _auth_rules(self, node: Node | None, entity: Entity | None) -> tuple[AuthRule, ...] | None:
        """The rules of an @auth on `node` (None: no @auth there)."""
        found = _directives(node, "auth")
        if not found:
            return None
        out = []
        for raw in _args(found[0])["rules"]:
            allow = raw["allow"]
            providers = tuple(raw.get("providers") or AUTH_DEFAULT_PROVIDERS[allow])
            wrong = sorted(set(providers) - AUTH_ALLOWED_PROVIDERS[allow])
            if wrong:
                raise _fail(found[0], f"@auth rule {allow} cannot use provider(s) "
                            f"{', '.join(wrong)}", "use one of "
                            + ", ".join(sorted(AUTH_ALLOWED_PROVIDERS[allow])))
            groups = tuple(raw.get("groups") or ())
            if (allow == "groups") != bool(groups):
                verb = "needs" if allow == "groups" else "takes no"
                raise _fail(found[0], f"@auth rule {allow} {verb} groups",
                            "give groups: [...] to a groups rule only")
            owner = raw.get("ownerField")
            if (allow == "owner") != (owner is not None):
                raise _fail(found[0], f"@auth rule {allow} "
                            f"{'needs' if allow == 'owner' else 'takes no'} ownerField",
                            "give ownerField to an owner rule only")
            if owner is not None and (entity is None or entity.attributes.get(owner) != "S"):
                raise _fail(found[0], f"@auth ownerField {owner} is not a stored string field of "
                            f"{entity.type_name if entity else 'a @table type'}",
                            "name a String field of the type that holds the owner's identity")
            operations = tuple(raw.get("operations") or AUTH_OPERATIONS)
            out.append(AuthRule(allow, tuple(AUTH_MODES[p] for p in providers), groups, owner,
                                operations))
        return tuple(out)

    def _auth(self, node: Node | None, entity: Entity, operation: str) -> Auth:
        """Rules on the root field replace the type's; either way, those of `operation`."""
        rules = self._auth_rules(node, entity)
        if rules is None:
            rules = entity.auth
        auth = Auth(operation, tuple(r for r in rules if operation in r.operations))
        owners = {r.owner_field for r in auth.rules if r.allow == "owner"}
        if len(owners) > 1:
            raise _fail(node, f"@auth names two owner fields ({', '.join(sorted(owners))}) "
                        "for one operation", "use one ownerField per type")
        return auth

    def _check_keys(self, entity: Entity, type_: GraphQLObjectType) -> None:
        node = type_.ast_node
        keys = [("@table", entity.key)] + [(f"@index {i.name}", i.key) for i in entity.indexes]
        for label, key in keys:
            for attr in key.names:
                if attr in entity.attributes:
                    named = _named(type_.fields[attr].type).name
                    if named not in KEY_SCALARS or _is_list(type_.fields[attr].type):
                        raise _fail(node, f"{label} key {attr} has type {named}, which cannot "
                                    "be a DynamoDB key", "key on a String, ID, Int or date field")
                elif entity.derived_for(attr) is None:
                    raise _fail(node, f"{label} of {entity.type_name} names key field {attr}, "
                                "which is not a field of the type",
                                f"add the field {attr} to {entity.type_name}, or derive it with "
                                f"@attribute(name: \"{attr}\", value: ...)")

    # -- relations -----------------------------------------------------------------------

    def _target(self, node: Node, table: str) -> Entity:
        if table not in self.entities:
            raise _fail(node, f"{table} is not a type with @table",
                        "name a type that has @table(...)")
        return self.entities[table]

    def _relations(self, type_: GraphQLObjectType) -> list[Relation]:
        out = []
        parent = self.entities.get(type_.name)
        for fname, f in type_.fields.items():
            for kind in RELATIONS:
                for d in _directives(f.ast_node, kind):
                    args = _args(d)
                    target = self._target(d, args["table"]) if "table" in args else None
                    fields = list(args.get("fields", []))
                    for source_field in fields:
                        if source_field not in type_.fields:
                            raise _fail(d, f"@{kind} on {type_.name}.{fname} uses "
                                        f"{source_field}, not a field of {type_.name}",
                                        "name fields of the parent type")
                    if kind == "belongsTo" and len(fields) != len(target.key.names):
                        raise _fail(d, f"@belongsTo on {type_.name}.{fname} gives {len(fields)} "
                                    f"field(s) for the {len(target.key.names)}-part key of "
                                    f"{target.type_name}", "give one parent field per key part")
                    rel = Relation(parent, type_.name, fname, kind, target, fields,
                                   bool(args.get("descending", False)))
                    if kind == "hasMany":
                        self._has_many(rel, d, args)
                    out.append(rel)
        return out

    def _has_many(self, rel: Relation, d: DirectiveNode, args: dict) -> None:
        """Check a @hasMany link: its references must be a key prefix the Query can use."""
        target, parent, where = rel.target, rel.parent, f"@hasMany on {rel.name}"
        rel.references = list(args["references"])
        if not rel.fields:
            if parent is None:
                raise _fail(d, f"{where} has no fields and {rel.parent_type} has no @table key",
                            "give fields: the parent's fields matched to references")
            rel.fields = list(parent.key.names)
        if len(rel.fields) != len(rel.references):
            raise _fail(d, f"{where} matches {len(rel.fields)} parent field(s) "
                        f"({', '.join(rel.fields)}) to {len(rel.references)} reference(s)",
                        "give one parent field per reference (fields: defaults to the parent's "
                        "key)")
        if args.get("index"):
            if args["index"] not in {i.name for i in target.indexes}:
                raise _fail(d, f"{where} names index {args['index']}, which {target.type_name} "
                            "does not declare", "add that @index to the target or fix the name")
            rel.index = target.index(args["index"])
        else:
            rel.index = Index("", target.key)
        key = rel.index.key.names
        label = f"index {rel.index.name}" if rel.index.name else "table"
        if tuple(rel.references) != key[:len(rel.references)]:
            raise _fail(d, f"{where} references ({', '.join(rel.references)}), which is not a "
                        f"key prefix of the {target.type_name} {label} (key: {', '.join(key)}), "
                        "so no Query can find the children by it",
                        f"reference the leading key field(s) of {target.type_name} "
                        "(hashKey first), or name an @index of it whose key starts with them: "
                        "index: \"...\"")
        for mine, theirs in zip(rel.fields, rel.references, strict=True):
            if theirs not in target.attributes:
                raise _fail(d, f"{where} references {theirs}, derived by @attribute on "
                            f"{target.type_name}", "reference stored fields of the target")
            if parent is not None and parent.attributes.get(mine) != \
                    target.attributes[theirs]:
                raise _fail(d, f"{where} matches {rel.parent_type}.{mine} to "
                            f"{target.type_name}.{theirs}, which have different types",
                            "match fields of the same scalar type")
        rel.on_delete = args["onDelete"]
        if rel.on_delete == "CASCADE":
            nested = [n for n, f in self.gql.type_map[target.type_name].fields.items()
                      if _directives(f.ast_node, "hasMany")]
            if nested or target.memberships:
                raise _fail(d, f"{where} cascades to {target.type_name}, which has "
                            f"{'@hasMany ' + nested[0] if nested else '@membership lists'} of "
                            "its own that one delete would leave behind",
                            "use onDelete: REFUSE (cascade is one level deep)")

    # -- operations ----------------------------------------------------------------------

    def _operations(self, root: str) -> list[Operation]:
        type_ = self.gql.type_map.get(root)
        if type_ is None:
            return []
        ops = []
        for fname, f in type_.fields.items():
            found = [(k, d) for k in OPERATIONS for d in _directives(f.ast_node, k)]
            if len(found) != 1:
                raise _fail(f.ast_node, f"{root}.{fname} has {len(found)} operation directives",
                            f"give it exactly one of @{', @'.join(OPERATIONS)}")
            kind, d = found[0]
            args = _args(d)
            entity = self._target(d, args["table"])
            ops.append(self._operation(root, fname, f, kind, d, args, entity))
        return ops

    def _operation(self, root, fname, f, kind, d, args, entity) -> Operation:
        input_type = f.args.get("input")
        from_input = input_type is not None and isinstance(_named(input_type.type),
                                                           GraphQLInputObjectType)
        if from_input:
            fields = _named(input_type.type).fields
        else:
            fields = f.args
        op_args = [Arg(n, _named(a.type).name, isinstance(a.type, GraphQLNonNull),
                       _is_list(a.type), self._arg_constraint(kind, entity, n, a.ast_node))
                   for n, a in fields.items()]
        for arg, a in zip(op_args, fields.values(), strict=True):
            self._check_list_bound(arg, a.ast_node)
        op = Operation(root, fname, kind, entity, op_args, from_input,
                       descending=bool(args.get("descending", False)),
                       line=f.ast_node.loc.source.get_location(f.ast_node.loc.start).line)
        returns = _named(f.type)
        expected = entity.type_name if kind != "list" else f"{entity.type_name}Connection"
        if returns.name != expected:
            raise _fail(f.ast_node, f"{root}.{fname} returns {returns.name} but @{kind} on "
                        f"{entity.type_name} gives {expected}", f"return {expected}")
        given = {a.name for a in op_args}
        if kind in ("get", "update", "delete", "setAlias", "removeAlias"):
            hash_arg = "name" if kind in ("setAlias", "removeAlias") else None
            for attr in entity.key.names:
                if attr not in given and attr != hash_arg:
                    raise _fail(f.ast_node, f"{root}.{fname} (@{kind}) does not give key field "
                                f"{attr} of {entity.type_name}", f"add the argument {attr}")
        if kind in ("update", "delete") and entity.type_name == "Model" and \
                "expectedRevision" not in given:
            raise _fail(f.ast_node, f"{root}.{fname} changes a Model without expectedRevision",
                        "add expectedRevision: Int! so stale writes are refused")
        if kind == "update":
            self._check_update_parts(op, f)
        if kind == "list":
            names = list(args.get("indexes") or [])
            for name in names:
                if entity.membership(name):
                    if op.via:
                        raise _fail(d, "@list names two @membership indexes",
                                    "name at most one")
                    op.via = entity.membership(name)
                    if op.via.key.hash not in given:
                        raise _fail(d, f"@list names {name} but has no argument "
                                    f"{op.via.key.hash}", f"add {op.via.key.hash}: String")
                elif name not in {i.name for i in entity.indexes}:
                    raise _fail(d, f"@list names index {name}, which {entity.type_name} does "
                                "not declare", "add @index(name: ...) to the type or fix the name")
            names = [n for n in names if not entity.membership(n)]
            op.indexes = [entity.index(n) for n in names]
            # The table's own key is tried first when the arguments can give its hash key.
            own = self._key_inputs(entity, entity.key.hash)
            if not op.indexes or all(h in given for h in own):
                op.indexes.insert(0, Index("", entity.key))
            for index in op.indexes:
                hashes = self._key_inputs(entity, index.key.hash)
                if not all(h in given or entity.derived_for(index.key.hash) for h in hashes):
                    raise _fail(d, f"@list cannot build the key {index.key.hash} of index "
                                f"{index.name or 'table'} from the arguments", "add arguments")
            self._check_list_args(op, d)
            for extra in ("limit", "nextToken"):
                if extra not in given:
                    raise _fail(f.ast_node, f"{root}.{fname} (@list) has no {extra} argument",
                                f"add {extra}: {'Int' if extra == 'limit' else 'String'}")
        if kind == "create":
            missing = [a for a in entity.key.names
                       if a not in given and a not in ("id",) and not args.get("counter")]
            if missing:
                raise _fail(f.ast_node, f"{root}.{fname} (@create) does not give key field "
                            f"{missing[0]} of {entity.type_name}", f"add {missing[0]} to the input")
            if args.get("counter"):
                parent_name, _, attr = args["counter"].partition(".")
                parent = self._target(d, parent_name)
                if attr not in parent.attributes:
                    raise _fail(d, f"counter {args['counter']} is not a field of {parent_name}",
                                "name an Int field of the parent type")
                op.counter = (parent, attr)
        if kind == "create" and args.get("requires"):
            rel = next((r for r in self.relations if r.parent_type == entity.type_name
                        and r.field == args["requires"] and r.kind == "belongsTo"), None)
            if rel is None or any(f not in given for f in rel.fields):
                raise _fail(d, f"requires names {args['requires']!r}, which is not a @belongsTo "
                            f"field of {entity.type_name} whose key the input gives",
                            "name a @belongsTo field whose fields are in the input")
            op.requires = rel
        if kind == "delete":
            op.dependents = [r for r in self.relations
                             if r.kind == "hasMany" and r.parent is entity]
            for rel in op.dependents:
                if any(f not in entity.attributes for f in rel.fields):
                    raise _fail(d, f"@hasMany on {rel.name} matches fields that are not stored "
                                f"on {entity.type_name}, so a delete cannot find the children",
                                "match stored fields of the parent")
        if kind == "delete" and args.get("unless"):
            if args["unless"] not in entity.attributes:
                raise _fail(d, f"unless names {args['unless']}, not a field of "
                            f"{entity.type_name}", "name a numeric field")
            op.unless = args["unless"]
        if kind == "setAlias":
            op.target = self._target(d, args["target"])
            op.options = self._protected(d, args, op.target)
        if kind in ML_KINDS:
            if kind in JOB_KINDS and args["action"] not in TRAINING_ACTIONS:
                raise _fail(d, f"@{kind} action {args['action']!r} is unknown",
                            f"use one of {', '.join(TRAINING_ACTIONS)}")
            op.options = {"action": args.get("action", kind),
                          "model": self._target(d, args["model"]),
                          "versions": self._target(d, args["versions"])}
            if "jobs" in args:  # @transform: the training jobs that give a version its image
                op.options["jobs"] = self._target(d, args["jobs"])
        if kind == "deploy":
            self._deploy_options(op, d, args)
        op.auth = self._auth(f.ast_node, entity, auth_operation(kind, root, op.options))
        if op.auth.owner_field and (kind not in ("get", "list", "create", "update", "delete")
                                    or op.via):
            # An owner check lives in the templates of these kinds only; elsewhere an owner
            # rule would let any signed-in caller through.
            raise _fail(f.ast_node, f"{root}.{fname} (@{kind}) cannot check an owner rule",
                        "give the field @auth rules without allow: owner")
        if op.auth.operation in ("create", "update"):
            for arg in op_args:
                rules = entity.field_auth.get(arg.name)
                if rules is not None:
                    op.field_auth[arg.name] = Auth(op.auth.operation, tuple(
                        r for r in rules if op.auth.operation in r.operations))
        for arg in op_args:
            named = self.gql.type_map[arg.type_name]
            if isinstance(named, GraphQLEnumType):
                edges = _directives(named.ast_node, "transitions")
                if edges and kind == "update":
                    op.transitions[arg.name] = self._transitions(named, edges[0])
                    history = entity.histories.get(arg.name)
                    if history is not None and history.reason not in given:
                        raise _fail(f.ast_node, f"{root}.{fname} changes {arg.name}, recorded "
                                    f"in {entity.type_name}.{history.field} with a "
                                    f"{history.reason}, but has no argument {history.reason}",
                                    f"add {history.reason}: String")
            elif isinstance(named, GraphQLInputObjectType) and from_input:
                raise _fail(f.ast_node, f"nested input {arg.type_name} is not supported",
                            "store nested data as AWSJSON")
        return op

    def _check_update_parts(self, op: Operation, f) -> None:
        """An update writes without reading the item first (one UpdateItem), so a derived
        attribute it changes must be computable from its arguments alone: every other part
        must be given, non-null. A part that is a @belongsTo field identifies the item's parent:
        the update checks it in its condition and never changes it (identifying_args)."""
        given = {a.name: a for a in op.args}
        fixed = set(identifying_args(op, self.relations))
        for d in op.entity.derived:
            changed = [p for p in d.parts if p in given and p not in fixed]
            if not changed:
                continue
            missing = [p for p in d.parts
                       if p not in given or (p in fixed and not given[p].required)]
            if len(changed) > 1 and any(not given[p].required for p in changed):
                raise _fail(f.ast_node, f"{op.name} may change {', '.join(changed)} apart, "
                            f"all parts of @attribute {d.name} ({d.value}); without a read "
                            "it cannot compute it from some of them", "make them required "
                            "arguments (given together)")
            if missing:
                raise _fail(f.ast_node, f"{op.name} changes {', '.join(changed)}, part of "
                            f"@attribute {d.name} ({d.value}), without {', '.join(missing)}: "
                            "an update writes without reading the item, so it cannot compute "
                            f"{d.name}", f"add {', '.join(m + ': <type>!' for m in missing)} "
                            "to its arguments (checked against the item, never changed)")

    def _check_list_args(self, op: Operation, d: DirectiveNode) -> None:
        """Every argument must pick a key some Query uses, and every key must be reachable."""
        required = {a.name for a in op.args if a.required}
        usable = {"limit", "nextToken"} | ({op.via.key.hash} if op.via else set())
        taken = None  # the first key chosen whatever optional arguments are given
        for index in op.indexes:
            label = f"index {index.name}" if index.name else "the table's own key"
            if taken is not None:
                raise _fail(d, f"@list on {op.name} never reaches {label}: {taken} is always "
                            "chosen before it", "make an argument of that key optional, or "
                            "list the indexes from the most specific key to the one every call "
                            "can use")
            inputs = set(self._key_inputs(op.entity, index.key.hash))
            usable |= inputs
            if inputs <= required:
                taken = label
        for arg in op.args:
            if arg.name not in usable:
                keys = ", ".join(i.name or "table" for i in op.indexes)
                raise _fail(d, f"{op.name} argument {arg.name} is not the hash key of the "
                            f"{op.entity.type_name} table or of a listed index ({keys}), so no "
                            "Query can use it",
                            f"add @index(name: ..., hashKey: \"{arg.name}\") to "
                            f"{op.entity.type_name} and list it in indexes:, or remove the "
                            "argument")

    def _key_inputs(self, entity: Entity, attr: str) -> tuple[str, ...]:
        derived = entity.derived_for(attr)
        return derived.parts if derived else (attr,)

    # The fields of a @history list's type, and the kind of value each holds (the reason's
    # name is @history's `reason`).
    HISTORY_FIELDS = {"from": "enum", "to": "enum", "changedBy": "String",
                      "changedAt": "AWSDateTime"}

    def _protected(self, d: DirectiveNode, args: dict, target: Entity) -> dict:
        """@setAlias's rule for protected aliases: the target's enum field holds a value that
        @transitions never leaves, so the read before the write cannot turn stale."""
        field_, value = args.get("protectedField"), args.get("protectedValue")
        if field_ is None and value is None:
            return {}
        f = self.gql.type_map[target.type_name].fields.get(field_ or "")
        enum = _named(f.type) if f is not None else None
        if not isinstance(enum, GraphQLEnumType) or value not in enum.values:
            raise _fail(d, f"protectedField/protectedValue ({field_!r}, {value!r}) is not an "
                        f"enum field of {target.type_name} and one of its values",
                        "give both: a stored enum field of the target and a value of it")
        edges = _directives(enum.ast_node, "transitions")
        leaving = [src for sources in (self._transitions(enum, edges[0]) if edges else
                                       {}).values() for src in sources if src == value]
        if not edges or leaving:
            raise _fail(d, f"a protected alias needs {target.type_name}.{field_} to stay "
                        f"{value} once set, but "
                        + (f"{enum.name} has no @transitions" if not edges
                           else f"@transitions lets {value} change"),
                        f"give {enum.name} @transitions with no edge from {value}")
        return {"protected": (field_, value)}

    def _histories(self, type_: GraphQLObjectType, attributes: dict) -> dict[str, History]:
        """@history fields: each records the changes of one enum field with @transitions, and
        the write's condition must pin the state it changes from (one edge into each state)."""
        out: dict[str, History] = {}
        for fname, f in type_.fields.items():
            for d in _directives(f.ast_node, "history"):
                args = _args(d)
                of = type_.fields.get(args["of"])
                enum = _named(of.type) if of is not None else None
                edges = _directives(getattr(enum, "ast_node", None), "transitions")
                if not isinstance(enum, GraphQLEnumType) or not edges \
                        or args["of"] not in attributes:
                    raise _fail(d, f"@history on {type_.name}.{fname} records {args['of']!r}, "
                                f"which is not a stored enum field of {type_.name} with "
                                "@transitions", "name such a field in `of`")
                if args["of"] in out:
                    raise _fail(d, f"{type_.name}.{args['of']} has two @history lists",
                                "keep one")
                entry = _named(f.type)
                wanted = {**self.HISTORY_FIELDS, args["reason"]: "String"}
                have = getattr(entry, "fields", {})
                wrong = [n for n, kind in wanted.items() if n not in have or _named(
                    have[n].type).name != (enum.name if kind == "enum" else kind)]
                if not _is_list(f.type) or not isinstance(entry, GraphQLObjectType) or wrong \
                        or set(have) != set(wanted):
                    shape = ", ".join(f"{n}: {enum.name if k == 'enum' else k}"
                                      for n, k in wanted.items())
                    raise _fail(d, f"@history on {type_.name}.{fname} needs a list of a type "
                                f"with exactly the fields {shape}",
                                f"declare {type_.name}.{fname} as such a list")
                allowed = self._transitions(enum, edges[0])
                shared = {to: sources for to, sources in allowed.items() if len(sources) > 1}
                looped = [to for to, sources in allowed.items() if to in sources]
                if shared or looped:
                    to = next(iter(shared), None) or looped[0]
                    raise _fail(edges[0], f"@history on {type_.name}.{fname} records `from` as "
                                f"the one state the write's condition allows, but {to} is "
                                f"reached from {', '.join(allowed[to])}",
                                f"keep one edge into {to} (and none from a state to itself), "
                                "or remove @history")
                required = tuple(args.get("reasonRequiredFor") or ())
                unknown = [v for v in required if v not in enum.values]
                if unknown:
                    raise _fail(d, f"reasonRequiredFor names {unknown[0]!r}, not a value of "
                                f"{enum.name}", f"use values of {enum.name}")
                out[args["of"]] = History(fname, args["of"], args["reason"], required)
        return out
    def _deploy_options(self, op: Operation, d: DirectiveNode, args: dict) -> None:
        """@deploy: a known action; `start` names the training jobs (a trained version's image);
        the table's `status` is an enum with @transitions, which refresh follows."""
        if args["action"] not in DEPLOY_ACTIONS:
            raise _fail(d, f"@deploy action {args['action']!r} is unknown",
                        f"use one of {', '.join(DEPLOY_ACTIONS)}")
        if args["action"] == "start":
            if not args.get("jobs"):
                raise _fail(d, "@deploy(action: \"start\") has no jobs",
                            "name the training jobs' type: jobs: \"TrainingJob\"")
            op.options["jobs"] = self._target(d, args["jobs"])
        status = self.gql.type_map[op.entity.type_name].fields.get("status")
        enum = _named(status.type) if status is not None else None
        edges = _directives(enum.ast_node, "transitions") \
            if isinstance(enum, GraphQLEnumType) else []
        if not edges:
            raise _fail(d, f"@deploy needs {op.entity.type_name}.status, an enum with "
                        "@transitions", "add status: <Enum>! whose enum has @transitions")
        op.options["transitions"] = self._transitions(enum, edges[0])

    def _transitions(self, enum: GraphQLEnumType, directive: DirectiveNode) -> dict:
        allowed: dict[str, list[str]] = {}
        for edge in _args(directive)["edges"]:
            src, sep, dst = (p.strip() for p in edge.partition("->"))
            if not sep or src not in enum.values or dst not in enum.values:
                raise _fail(directive, f"transition {edge!r} is not `FROM -> TO` over values of "
                            f"{enum.name}", f"use values of {enum.name}")
            allowed.setdefault(dst, []).append(src)
        return allowed

    @staticmethod
    def _check_list_bound(arg, node: Node | None) -> None:
        """A list argument's elements are checked in a #foreach, and AppSync runs at most 1000
        iterations of one (General Reference, AppSync quotas, "Iterations in a foreach loop in
        mapping templates"): an unbounded list would stop being checked on AWS."""
        if not arg.is_list:
            return
        bound = arg.constraint.max_items if arg.constraint is not None else None
        if bound is None or bound > FOREACH_QUOTA:
            raise _fail(node, f"list argument {arg.name} "
                        + ("has no maxItems" if bound is None else f"allows {bound} items")
                        + f": its elements are checked in a loop AppSync stops at "
                        f"{FOREACH_QUOTA} iterations",
                        f"add @constraint(maxItems: N) with N at most {FOREACH_QUOTA}")

    def _arg_constraint(self, kind: str, entity: Entity, name: str,
                        node: Node | None) -> Constraint | None:
        """An argument's rule: its own @constraint, or, when it writes an attribute (any of a
        create, a non-key one of an update), the @constraint on the entity's field, so every
        mutation that stores the attribute checks one rule (addModel and createModel alike)."""
        own = self._constraint(node)
        writes = kind == "create" or (kind == "update" and name not in entity.key.names)
        field = self.gql.type_map[entity.type_name].fields.get(name) if writes else None
        stored = self._constraint(field.ast_node) if field is not None else None
        if stored is None:
            return own
        if own is not None and own != stored:
            raise _fail(node, f"{name} has its own @constraint, unlike the one on "
                        f"{entity.type_name}.{name} that every write of it follows",
                        "remove it here (the field's rule applies) or change the field's")
        return stored

    def _constraint(self, node: Node | None) -> Constraint | None:
        found = _directives(node, "constraint")
        if not found:
            return None
        args = _args(found[0])
        constraint = Constraint(**{re.sub(r"([A-Z])", r"_\1", k).lower(): v
                                   for k, v in args.items()})
        if constraint.pattern is not None:
            try:
                re.compile(constraint.pattern)
            except re.error as err:
                raise _fail(found[0], f"pattern {constraint.pattern!r} is not a regular "
                            f"expression ({err})", "correct the pattern") from None
            # A refused value must hear the rule, and no rule can be read back from a regex.
            if not constraint.means:
                raise _fail(found[0], f"pattern {constraint.pattern!r} has no `means`, the "
                            "rule in words that a refused value is told",
                            "add means: \"<what the pattern accepts>\", e.g. means: "
                            "\"letters, digits or '-'\" (lengths go in minLength/maxLength)")
        elif constraint.means is not None:
            raise _fail(found[0], "`means` describes a pattern, and there is none",
                        "add the pattern, or remove means")
        if constraint.means is not None and re.search(r'["\\$#]', constraint.means):
            # It is written into a VTL string, where these would end it or be evaluated.
            raise _fail(found[0], f"means {constraint.means!r} contains one of \" \\ $ #",
                        "describe the rule without these characters")
        return constraint

    # -- the schema AppSync receives -----------------------------------------------------

    def _type_auth(self) -> dict[str, Auth]:
        """Who may read each object type: a table type by its rules; a type without a table
        (a connection, ModelAlias) by those of the table types whose fields return it."""
        out = {n: Auth("read", tuple(r for r in e.auth if "read" in r.operations))
               for n, e in self.entities.items()}
        for type_ in self._object_types():
            if type_.name in out or type_.name in ("Query", "Mutation", "Subscription"):
                continue
            rules: list[AuthRule] = []
            returning = [p.name for p in self._object_types() if p.name in self.entities
                         and any(_named(f.type).name == type_.name for f in p.fields.values())]
            # a connection: the type of its items
            returning += [_named(f.type).name for f in type_.fields.values()
                          if _named(f.type).name in self.entities]
            for name in returning:
                rules += [r for r in out[name].rules if r not in rules]
            out[type_.name] = Auth("read", tuple(rules))
        return out

    def _appsync_sdl(self, operations: list[Operation], subscriptions: dict[str, Auth]) -> str:
        ours = {d.name.value for d in parse(DIRECTIVES_FILE.read_text()).definitions
                if d.kind == "directive_definition"}
        by_field = {op.name: op.auth for op in operations}
        by_field.update({f"Subscription.{n}": a for n, a in subscriptions.items()})
        types = self._type_auth()
        entities = self.entities
        root = ("Query", "Mutation", "Subscription")

        def field_auth(parent: str, name: str) -> Auth | None:
            if parent in root:
                return by_field.get(f"{parent}.{name}")
            rules = entities[parent].field_auth.get(name) if parent in entities else None
            return None if rules is None else Auth("read", tuple(
                r for r in rules if "read" in r.operations))

        class Strip(Visitor):
            def enter_directive(self, node, *_):
                # Keep AppSync's own @aws_* directives (declared too, for validation); drop
                # the codegen's.
                name = node.name.value
                return self.REMOVE if name in ours and not name.startswith("aws_") else None

        class AddAuth(Visitor):
            # @auth compiled into AppSync's directives: on every root field, on each type
            # (its fields without rules of their own), and on fields with their own rules.
            def enter_object_type_definition(self, node, *_):
                self.parent = node.name.value
                auth = types.get(node.name.value)
                if auth is None or node.name.value in root:
                    return None
                return node.__class__(**{**_node_fields(node), "directives": (
                    *(node.directives or ()), *aws_directives(auth))})

            def enter_field_definition(self, node, *_):
                auth = field_auth(self.parent, node.name.value)
                if auth is None:
                    return None
                return node.__class__(**{**_node_fields(node), "directives": (
                    *(node.directives or ()), *aws_directives(auth))})

        stripped = visit(self.domain, Strip())
        return print_ast(visit(stripped, AddAuth())) + "\n"


def _node_fields(node: Node) -> dict:
    return {k: getattr(node, k) for k in node.keys}


def aws_directives(auth: Auth) -> tuple[DirectiveNode, ...]:
    """AppSync's @aws_* directives for the modes `auth` lets in. Cognito is narrowed to
    `cognito_groups` when groups rules are its only way in; owner and OIDC group checks are
    the resolvers' (AppSync's directives know neither)."""
    names = {"API_KEY": "aws_api_key", "AWS_IAM": "aws_iam",
             "AMAZON_COGNITO_USER_POOLS": "aws_cognito_user_pools", "OPENID_CONNECT": "aws_oidc",
             "AWS_LAMBDA": "aws_lambda"}
    text = []
    for mode in auth.modes:
        rules = auth.by_mode(mode)
        if mode == "AMAZON_COGNITO_USER_POOLS" and all(r.allow == "groups" for r in rules):
            groups = ", ".join(f'"{g}"' for g in auth.groups(mode))
            text.append(f"@{names[mode]}(cognito_groups: [{groups}])")
        else:
            text.append(f"@{names[mode]}")
    if not text:
        return ()
    doc = parse(f"type T {' '.join(text)} {{ f: Int }}", no_location=True)
    return tuple(doc.definitions[0].directives)
