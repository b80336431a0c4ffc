"""Render the intermediate model into resolver and function specs with their VTL.

Nothing here touches disk except reading templates/: the caller decides where output goes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from . import ml
from .ir import (
    AUTH_TYPE_NAMES,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_TRANSACTION_ITEMS,
    NESTED_MAX_LIMIT,
    Derived,
    Entity,
    Index,
    Operation,
    Relation,
    Schema,
    identifying_args,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "vtl"
# What each template operation needs in IAM (TransactWriteItems is listed per item).
ACTIONS = {
    "GetItem": "dynamodb:GetItem",
    "PutItem": "dynamodb:PutItem",
    "UpdateItem": "dynamodb:UpdateItem",
    "DeleteItem": "dynamodb:DeleteItem",
    "Query": "dynamodb:Query",
    "BatchGetItem": "dynamodb:BatchGetItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
# The actions of a write: its response template names a TransactionConflict
# (_macros failure_of_error).
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "ConditionCheck"})
# Terraform reads `${` and `%{` in any string as interpolation: rendered VTL must not hold them.
_TERRAFORM_SYNTAX = re.compile(r"[$%]\{")


@dataclass(frozen=True)
class Access:
    """One DynamoDB action a template sends, on a table or one of its indexes."""

    action: str  # template operation name, e.g. "Query"
    table: str  # ident of the table (its data source name)
    index: str | None = None


@dataclass
class Function:
    name: str
    data_source: str | None  # entity type name; None = NONE data source
    request: str
    response: str
    access: tuple[Access, ...]


@dataclass
class Resolver:
    type: str
    field: str
    request: str
    response: str
    data_source: str | None = None  # unit resolvers
    functions: list[str] = field(default_factory=list)  # pipeline resolvers
    access: tuple[Access, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.type}.{self.field}"

    @property
    def kind(self) -> str:
        return "PIPELINE" if self.functions else "UNIT"


@dataclass
class Plan:
    schema: Schema
    functions: list[Function]
    resolvers: list[Resolver]

    def templates(self) -> dict[str, str]:
        """Every rendered template by a stable file name (for golden files and checks)."""
        out = {}
        for r in self.resolvers:
            out[f"resolvers/{r.name}.req.vtl"] = r.request
            out[f"resolvers/{r.name}.res.vtl"] = r.response
        for f in self.functions:
            out[f"functions/{f.name}.req.vtl"] = f.request
            out[f"functions/{f.name}.res.vtl"] = f.response
        return out

    def access_by_data_source(self) -> dict[str, set[Access]]:
        """What each data source's templates do: the source of its IAM policy."""
        out: dict[str, set[Access]] = {t.ident: set() for t in self.schema.tables}
        for unit in (*self.functions, *(r for r in self.resolvers if not r.functions)):
            if unit.data_source in out:  # HTTP sources: ml.http_access
                out[unit.data_source].update(unit.access)
        return out


def _writes(access: tuple[Access, ...]) -> bool:
    return any(a.action in WRITES for a in access)


class _Renderer:
    def __init__(self, schema: Schema, table_name: Callable[[Entity], str],
                 ml_values: dict[str, str] | None = None) -> None:
        self.schema = schema
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            undefined=StrictUndefined,
            autoescape=False,  # VTL, not HTML
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.globals.update(table=table_name, default_limit=DEFAULT_LIMIT,
                                max_limit=MAX_LIMIT, nested_max_limit=NESTED_MAX_LIMIT,
                                max_transaction_items=MAX_TRANSACTION_ITEMS,
                                ml=ml_values or ml.PLACEHOLDERS,
                                expiring=ml.expiring(schema), ttl_attribute=ml.TTL_ATTRIBUTE,
                                auth_type_names=AUTH_TYPE_NAMES)
        self.functions: list[Function] = []
        self.resolvers: list[Resolver] = []
        self.op: Operation | None = None  # the operation being rendered (its @auth check)

    def render(self, template: str, **context) -> str:
        text = self.env.get_template(f"{template}.vtl.j2").render(**context)
        # Collapse the blank lines Jinja's control blocks leave behind.
        text = re.sub(r"\n\s*\n+", "\n", text).strip() + "\n"
        return text

    def function(self, name: str, data_source: str | None, req: str, res: str,
                 access: tuple[Access, ...], **context) -> str:
        self.functions.append(Function(name, data_source, self.render(req, **context),
                                       self.render(res, writes=_writes(access), **context),
                                       access))
        return name

    def _auth_check(self, type_: str, field_: str) -> str:
        """The @auth check that starts a root operation's resolver ("" for nested fields)."""
        op = self.op
        if op is None or (op.parent, op.field) != (type_, field_):
            return ""
        src = "$ctx.args.input" if op.from_input else "$ctx.args"
        return self.render("auth_check", op=op, src=src)

    def pipeline(self, type_: str, field_: str, functions: list[str]) -> None:
        request = self._auth_check(type_, field_) + self.render("pipeline.req")
        self.resolvers.append(Resolver(type_, field_, request, self.render("pipeline.res"),
                                       functions=functions))

    def unit(self, type_: str, field_: str, data_source: str | None, req: str, res: str,
             access: tuple[Access, ...], **context) -> None:
        self.resolvers.append(Resolver(type_, field_,
                                       self._auth_check(type_, field_)
                                       + self.render(req, **context),
                                       self.render(res, writes=_writes(access), **context),
                                       data_source, access=access))

    # -- operations ----------------------------------------------------------------------

    def operation(self, op: Operation) -> None:
        self.op = op
        e = op.entity
        src = "$ctx.args.input" if op.from_input else "$ctx.args"
        ctx = {"op": op, "entity": e, "src": src}
        fn = f"{op.parent}_{op.field}"
        if op.kind in ml.ML_KINDS:
            ml.operation(self, op, ctx)
        elif op.kind == "get":
            self.unit(op.parent, op.field, e.type_name, "get.req", "item.res",
                      (Access("GetItem", e.type_name),), key_args=list(e.key.names),
                      conditional_message=None, conditional_type=None, **ctx)
        elif op.kind == "list":
            self.list(op, ctx)
        elif op.kind == "create":
            self.create(op, ctx)
        elif op.kind == "update":
            self.update(op, ctx)
        elif op.kind == "delete":
            self.delete(op, ctx)
        elif op.kind == "setAlias":
            target = op.target
            # One TransactWriteItems: a ConditionCheck on the version, the model's UpdateItem
            # (README: DynamoDB requests); read back only for a field the write did not set.
            write = self.function(
                f"{fn}_write", e.type_name, "set_alias.req", "set_alias.res",
                (Access("ConditionCheck", target.type_name),
                 Access("UpdateItem", e.type_name)),
                target=target, target_key_args=[e.key.hash, target.key.range],
                aliases_field=self._aliases_field(e), **ctx)
            self.pipeline(op.parent, op.field, [write, self._refetch(fn, e)])
        elif op.kind == "removeAlias":
            self.unit(op.parent, op.field, e.type_name, "remove_alias.req", "item.res",
                      (Access("UpdateItem", e.type_name),), aliases_field=self._aliases_field(e),
                      conditional_message=f"{e.type_name} not found", conditional_type="NotFound",
                      **ctx)

    def update(self, op: Operation, ctx: dict) -> None:
        """One UpdateItem (a TransactWriteItems when a membership list changes), nothing read
        first; its condition makes the checks, and a failure path step names the cause."""
        e = op.entity
        fn = f"{op.parent}_{op.field}"
        fixed = identifying_args(op, self.schema.relations)
        stored = [a.name for a in op.args if a.name in e.attributes
                  and a.name not in e.key.names and a.name not in fixed]
        derived = [d for d in e.derived if set(d.parts) & set(stored)]
        members = [ms for ms in e.memberships if ms.field in stored]
        access = (Access("UpdateItem", e.type_name),
                  *(Access("PutItem", ms.ident) for ms in members))
        write = self.function(f"{fn}_write", e.type_name, "update.req", "conditional.res",
                              access, stored_args=stored, derived=derived, fixed=fixed,
                              tx=bool(members), **ctx)
        steps = [write, self._diagnose(fn, e, ctx, fixed=fixed, unless=None)]
        if members:  # a transaction returns keys only
            steps.append(self._refetch(fn, e))
        self.pipeline(op.parent, op.field, steps)

    def delete(self, op: Operation, ctx: dict) -> None:
        """One DeleteItem, nothing read first, unless a child must be looked up (CASCADE, or
        REFUSE not guarded by `unless`): then read, Query, and a TransactWriteItems."""
        e = op.entity
        fn = f"{op.parent}_{op.field}"
        lookups = lookups_before_delete(self.schema, op)
        if not lookups:
            write = self.function(f"{fn}_write", e.type_name, "delete.req", "conditional.res",
                                  (Access("DeleteItem", e.type_name),), read_first=False,
                                  tx=False, **ctx)
            self.pipeline(op.parent, op.field,
                          [write, self._diagnose(fn, e, ctx, fixed=[], unless=op.unless)])
            return
        read = self.function(f"{fn}_read", e.type_name, "read.req", "read.res",
                             (Access("GetItem", e.type_name),), **ctx)
        cascades = [r for r in lookups if r.on_delete == "CASCADE"]
        members = e.memberships
        access = (Access("DeleteItem", e.type_name),
                  *(Access("DeleteItem", ms.ident) for ms in members),
                  *(Access("DeleteItem", r.target.type_name) for r in cascades))
        message = f"{e.type_name} was changed concurrently; read it again and retry"
        write = self.function(
            f"{fn}_write", e.type_name, "delete.req", "write.res", access, read_first=True,
            returns_current=True, always_tx=bool(members),
            tx_reasons=[(0, message, "StaleRevision")] if members or cascades else [],
            conditional_message=message, conditional_type="StaleRevision", **ctx)
        steps = [read, *(self._dependents(fn, rel) for rel in lookups), write]
        self.pipeline(op.parent, op.field, steps)

    def _diagnose(self, fn: str, e: Entity, ctx: dict, fixed: list[str],
                  unless: str | None) -> str:
        return self.function(f"{fn}_diagnose", e.type_name, "diagnose.req", "diagnose.res",
                             (Access("GetItem", e.type_name),), fixed=fixed, unless=unless,
                             **ctx)

    def list(self, op: Operation, ctx: dict) -> None:
        e = op.entity
        choices = [self._choice(e, index) for index in op.indexes]
        access = tuple(Access("Query", e.type_name, i.name or None) for i in op.indexes)
        # Optional arguments that pick an index: at most one may be given.
        picked = {n for c in choices for n in c["inputs"]} | (
            {op.via.key.hash} if op.via else set())
        filters = [a.name for a in op.args if a.name in picked and not a.required]
        related = self.schema.belongs_to(e.type_name)
        if not related and not op.via:
            self.unit(op.parent, op.field, e.type_name, "list.req", "page.res", access,
                      choices=choices, filters=filters, **ctx)
            return
        fn = f"{op.parent}_{op.field}"
        steps: list[str] = []
        response = "page.res"
        if op.via:
            steps.append(self.function(
                f"{fn}_{op.via.index}", op.via.ident, "members.req", "members.res",
                (Access("Query", op.via.ident),), via=op.via, filters=filters,
                index=Index("", op.via.key)))
            access += (Access("BatchGetItem", e.type_name),)
            response = "list_via.res"
        steps.append(self.function(f"{fn}_query", e.type_name, "list.req", response, access,
                                   choices=choices, filters=filters, via=op.via, **ctx))
        self.pipeline(op.parent, op.field, steps + self._prefetch(fn, related))

    def _prefetch(self, fn: str, related: list[Relation]) -> list[str]:
        """One BatchGetItem step per single-item relation of a page's items, skipped when the
        request also selects a has-many field of the rows (a request per row anyway)."""
        return [self.function(
            f"{fn}_{rel.field}", rel.target.type_name, "prefetch.req", "prefetch.res",
            (Access("BatchGetItem", rel.target.type_name),), rel=rel,
            zero_means_none=self._zero_means_none(rel),
            per_row=[r.field for r in self.schema.relations
                     if r.parent_type == rel.parent_type and r.kind == "hasMany"])
            for rel in related]

    @staticmethod
    def _choice(e: Entity, index: Index) -> dict:
        derived = e.derived_for(index.key.hash)
        if derived is None:
            return {"index": index, "inputs": [index.key.hash], "derived": None,
                    "value": f"$ctx.args.{index.key.hash}"}
        return {"index": index, "inputs": list(derived.parts),
                "derived": derived if derived.parts else None,
                "value": f"${derived.name}" if derived.parts else f'"{derived.value}"'}

    def create(self, op: Operation, ctx: dict) -> None:
        e = op.entity
        given = {a.name for a in op.args}
        key_values = []
        for name in e.key.names:
            if name in given:
                key_values.append((name, f"$input.{name}"))
            elif op.counter and name == e.key.range:
                key_values.append((name, "$ctx.stash.allocated"))
            else:  # parser guarantees this is `id`
                key_values.append((name, "$util.autoId()"))
        stored = [a.name for a in op.args if a.name in e.attributes and a.name not in e.key.names]
        defaults = self._create_defaults(e, given)
        exists = (f"{e.type_name} already exists", "AlreadyExists")
        # Membership lists this create can be given (addModel takes a name only: no tags).
        members = [ms for ms in e.memberships if ms.field in given]
        reasons = []
        if op.requires:  # the ConditionCheck comes first in the transaction
            reasons.append((0, f"{op.requires.target.type_name} not found", "NotFound"))
        if members or op.requires:
            reasons.append((len(reasons), *exists))
        owners = sorted({r.owner_field for r in e.auth if r.allow == "owner"})
        context = dict(ctx, stored_args=stored, defaults=defaults, key_values=key_values,
                       owner_fields=[f for f in owners if f in e.attributes],
                       conditional_message=exists[0], conditional_type=exists[1],
                       tx_reasons=reasons, always_tx=bool(op.requires), members=members)
        access = (Access("PutItem", e.type_name),
                  *(Access("PutItem", ms.ident) for ms in members),
                  *([Access("ConditionCheck", op.requires.target.type_name)]
                    if op.requires else []))
        fn = f"{op.parent}_{op.field}"
        # A transaction returns keys only: the answer is the item the template built.
        context["returns_written"] = bool(reasons)
        if not op.counter:
            self.unit(op.parent, op.field, e.type_name, "create.req", "write.res", access,
                      returns_current=False, **context)
            return
        steps = []
        # A numbered plain put hands a failure to a last step that gives the number back.
        released = op.counter and not reasons
        if op.counter:
            parent, counter = op.counter
            steps.append(self.function(
                f"{fn}_allocate", parent.type_name, "counter.req", "counter.res",
                (Access("UpdateItem", parent.type_name),), parent=parent, counter=counter,
                parent_key_args=[e.key.hash], **ctx))
        steps.append(self.function(f"{fn}_put", e.type_name, "create.req",
                                   "create_counted.res" if released else "write.res",
                                   access, returns_current=False, **context))
        if released:
            steps.append(self.counter_release(f"{fn}_release", parent, counter, ctx["src"],
                                              [e.key.hash]))
        self.pipeline(op.parent, op.field, steps)

    def _dependents(self, fn: str, rel: Relation) -> str:
        """A delete's look-up of one @hasMany's children, before the write."""
        return self.function(f"{fn}_{rel.field}", rel.target.type_name, "dependents.req",
                             "dependents.res", (Access("Query", rel.target.type_name,
                                                       rel.index.name or None),), rel=rel)

    def counter_release(self, name: str, parent: Entity, counter: str, key_src: str,
                        key_names: list[str]) -> str:
        """Gives a taken number back after the write it numbered failed (counter_release)."""
        return self.function(name, parent.type_name, "counter_release.req", "counter_release.res",
                             (Access("UpdateItem", parent.type_name),), parent=parent,
                             counter=counter, key_src=key_src, key_names=key_names)

    def _refetch(self, fn: str, e: Entity) -> str:
        return self.function(f"{fn}_get", e.type_name, "refetch.req", "item.res",
                             (Access("GetItem", e.type_name),), conditional_message=None,
                             conditional_type=None)

    def _create_defaults(self, e: Entity, given: set[str]) -> list[tuple[str, str]]:
        """Server-side values of a new item: ids, timestamps, revision, counters, enums."""
        out = []
        if "id" in e.attributes and "id" not in e.key.names and "id" not in given:
            out.append(("id", "$util.autoId()"))
        for name in ("createdAt", "updatedAt"):
            if name in e.attributes:
                out.append((name, "$now"))
        if "revision" in e.attributes:
            out.append(("revision", "1"))
        counters = {op.counter[1] for op in self.schema.operations
                    if op.counter and op.counter[0] is e}
        out += [(name, "0") for name in sorted(counters)]
        out += [(r.field, "{}") for r in self.schema.relations
                if r.parent is e and r.kind == "aliases"]
        # An enum the caller may give is defaulted only when omitted (create.req checks).
        out += [(name, f'"{value}"') for name, value in e.enum_defaults.items()]
        return out

    def _zero_means_none(self, rel: Relation) -> list[str]:
        return [f for f in rel.fields if f in self.schema.counters(rel.parent_type)]

    def _aliases_field(self, e: Entity) -> str:
        return next(r.field for r in self.schema.relations
                    if r.parent is e and r.kind == "aliases")

    # -- nested fields -------------------------------------------------------------------

    def relation(self, rel: Relation) -> None:
        if rel.kind == "aliases":
            self.unit(rel.parent_type, rel.field, None, "aliases.req", "aliases.res", (),
                      rel=rel)
        elif rel.kind == "belongsTo":
            self.unit(rel.parent_type, rel.field, rel.target.type_name, "belongs_to.req",
                      "item.res", (Access("GetItem", rel.target.type_name),), rel=rel,
                      zero_means_none=self._zero_means_none(rel),
                      conditional_message=None, conditional_type=None)
        else:
            context = {"rel": rel}
            access = (Access("Query", rel.target.type_name, rel.index.name or None),)
            related = self.schema.belongs_to(rel.target.type_name)
            if not related:
                self.unit(rel.parent_type, rel.field, rel.target.type_name, "has_many.req",
                          "page.res", access, **context)
                return
            fn = f"{rel.parent_type}_{rel.field}"
            query = self.function(f"{fn}_query", rel.target.type_name, "has_many.req",
                                  "page.res", access, **context)
            self.pipeline(rel.parent_type, rel.field, [query, *self._prefetch(fn, related)])


@dataclass
class SubscriptionOp:
    """A subscription field as the @auth check sees it (it reads, it has no table)."""

    field: str
    auth: object
    parent: str = "Subscription"
    from_input: bool = False
    field_auth: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.parent}.{self.field}"


def lookups_before_delete(schema: Schema, op: Operation) -> list[Relation]:
    """The @hasMany links a delete must Query before writing: CASCADE ones, and REFUSE ones
    that `unless` does not already rule out. `unless` rules a REFUSE child out when every
    create of the child takes its number from the parent's `unless` counter and references the
    parent's key: no child exists while the counter is 0, which the delete's condition checks."""
    def guarded(rel: Relation) -> bool:
        creates = [o for o in schema.operations if o.kind == "create" and o.entity is rel.target]
        return (rel.on_delete == "REFUSE" and op.unless is not None and bool(creates)
                and all(o.counter == (op.entity, op.unless) for o in creates)
                and rel.fields == [op.entity.key.hash]
                and rel.references == [rel.target.key.hash])
    return [r for r in op.dependents if not guarded(r)]


def render(schema: Schema, table_name: Callable[[Entity], str],
           ml_values: dict[str, str] | None = None) -> Plan:
    """Render every resolver; `table_name` gives the name templates use for a table, and
    `ml_values` the name prefix and execution role of SageMaker jobs (ml.PLACEHOLDERS)."""
    r = _Renderer(schema, table_name, ml_values)
    for op in schema.operations:
        r.operation(op)
    for rel in schema.relations:
        r.relation(rel)
    for name, auth in schema.subscriptions.items():
        # Runs when a client subscribes (NONE data source): who may, and an owner-only
        # subscriber only for its own events (the argument AppSync filters events by).
        r.op = SubscriptionOp(name, auth)
        r.unit("Subscription", name, None, "subscribe.req", "subscribe.res", (), op=r.op)
    plan = Plan(schema, r.functions, sorted(r.resolvers, key=lambda x: x.name))
    return plan


def check_terraform_safe(plan: Plan) -> None:
    """Refuse VTL that Terraform would read as interpolation. Run on a render with
    placeholder table names: the real one holds the table names' own `${var...}`."""
    for name, text in plan.templates().items():
        for match in _TERRAFORM_SYNTAX.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            raise ValueError(f"{name}:{line}: rendered VTL holds {match.group()!r}, which "
                             "Terraform would interpolate; use $ref, not ${ref}")


__all__ = ["Access", "Derived", "Function", "Plan", "Resolver", "check_terraform_safe",
           "lookups_before_delete", "render"]
