"""The intermediate model: what the schema says, in plain dataclasses the templates read."""

from __future__ import annotations

from dataclasses import dataclass, field

# Default and maximum page size of every list (a BatchGetItem takes at most 100 keys, so a
# page of 100 can still prefetch one related item each in a single request).
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# A nested list (a @hasMany field, run once per parent item) pages at most this many items per
# call: with the API's resolver_count_limit, one request reads at most
# resolver_count_limit x NESTED_MAX_LIMIT items through nested lists (README: query cost).
NESTED_MAX_LIMIT = 50
# Items one TransactWriteItems may hold (DynamoDB's limit, raised from 25 to 100 in 2022): a
# cascading delete that needs more is refused, never split.
MAX_TRANSACTION_ITEMS = 100


@dataclass(frozen=True)
class Key:
    hash: str
    range: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.hash,) if self.range is None else (self.hash, self.range)


@dataclass(frozen=True)
class Index:
    name: str
    key: Key


@dataclass(frozen=True)
class Derived:
    """A stored attribute computed on write: a constant, or `{field}` parts joined by text."""

    name: str
    value: str

    @property
    def parts(self) -> tuple[str, ...]:
        """The fields the value is made of (empty for a constant)."""
        import re

        return tuple(re.findall(r"\{(\w+)\}", self.value))


@dataclass(frozen=True)
class Membership:
    """A list field kept queryable: one item per element in a table of its own
    (`<key>`, `<entity hash key>`), written in the same transaction as the entity."""

    entity_type: str
    field: str
    table: str
    key: Key  # hash: the element attribute; range: the entity's hash key attribute
    index: str  # the name @list uses for it

    @property
    def ident(self) -> str:
        return f"{self.entity_type}_{self.field}"

    @property
    def indexes(self) -> list[Index]:
        return []

    def attribute_type(self, name: str) -> str:
        return "S"


@dataclass(frozen=True)
class History:
    """@history: every change of the enum field `of` is appended to the list `field`."""

    field: str  # the list attribute
    of: str  # the enum field whose changes it records
    reason: str  # the update argument stored as the entry's reason
    reason_required: tuple[str, ...] = ()  # states a change to needs a non-blank reason


@dataclass
class Entity:
    type_name: str
    table: str  # table name suffix; the full name is `<prefix>-<table>`
    key: Key
    indexes: list[Index] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)
    # field name -> DynamoDB scalar type of the stored attribute ("S", "N", "L", "M", ...)
    attributes: dict[str, str] = field(default_factory=dict)
    # enum field -> its first value, stored on create when the input leaves the field out
    enum_defaults: dict[str, str] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    # enum field -> its @history (the list every change of it is appended to)
    histories: dict[str, History] = field(default_factory=dict)
    # @auth on the type, and on its fields (which replace the type's for that field)
    auth: tuple[AuthRule, ...] = ()
    field_auth: dict[str, tuple[AuthRule, ...]] = field(default_factory=dict)

    @property
    def ident(self) -> str:
        """Identifier used for construct ids and data source names (AppSync: [_A-Za-z0-9])."""
        return self.type_name

    @property
    def logical_id(self) -> str:
        return self.table

    def index(self, name: str) -> Index:
        return next(i for i in self.indexes if i.name == name)

    def membership(self, index_name: str) -> Membership | None:
        return next((m for m in self.memberships if m.index == index_name), None)

    def attribute_type(self, name: str) -> str:
        if name in self.attributes:
            return self.attributes[name]
        return "S"  # derived attributes are strings

    def derived_for(self, name: str) -> Derived | None:
        return next((d for d in self.derived if d.name == name), None)


# AppSync's authorization modes, by the @auth provider that names them.
AUTH_MODES = {
    "apiKey": "API_KEY",
    "iam": "AWS_IAM",
    "userPools": "AMAZON_COGNITO_USER_POOLS",
    "oidc": "OPENID_CONNECT",
    "lambda": "AWS_LAMBDA",
}
# What $util.authType() answers in each mode (AppSync resolver reference, $util).
AUTH_TYPE_NAMES = {
    "API_KEY": "API Key Authorization",
    "AWS_IAM": "IAM Authorization",
    "AMAZON_COGNITO_USER_POOLS": "User Pool Authorization",
    "OPENID_CONNECT": "Open ID Connect Authorization",
    "AWS_LAMBDA": "Lambda Authorization",
}
AUTH_OPERATIONS = ("create", "read", "update", "delete")


@dataclass(frozen=True)
class AuthRule:
    """One @auth rule: who (`allow` through `modes`), on which operations."""

    allow: str  # public, private, groups, owner
    modes: tuple[str, ...]  # AppSync authorization modes (AUTH_MODES values)
    groups: tuple[str, ...] = ()
    owner_field: str | None = None
    operations: tuple[str, ...] = AUTH_OPERATIONS

    def admits(self, mode: str, operation: str) -> bool:
        return mode in self.modes and operation in self.operations


@dataclass(frozen=True)
class Auth:
    """The rules that apply to one operation (already filtered by its kind of access)."""

    operation: str  # create, read, update, delete
    rules: tuple[AuthRule, ...] = ()

    @property
    def modes(self) -> list[str]:
        """AppSync modes any rule lets in (the field's @aws_* directives), in a stable order."""
        found = {m for r in self.rules for m in r.modes}
        return [m for m in AUTH_MODES.values() if m in found]

    def by_mode(self, mode: str) -> list[AuthRule]:
        return [r for r in self.rules if mode in r.modes]

    def unconditional(self, mode: str) -> bool:
        """A rule lets every caller of the mode in (public, private)."""
        return any(r.allow in ("public", "private") for r in self.by_mode(mode))

    def groups(self, mode: str) -> list[str]:
        return sorted({g for r in self.by_mode(mode) if r.allow == "groups" for g in r.groups})

    def owner_fields(self, mode: str) -> list[str]:
        return sorted({r.owner_field for r in self.by_mode(mode) if r.allow == "owner"})

    @property
    def owner_field(self) -> str | None:
        """The one field owner rules name (the parser refuses two on one operation)."""
        found = {r.owner_field for r in self.rules if r.allow == "owner"}
        return next(iter(found)) if found else None


@dataclass(frozen=True)
class Constraint:
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    means: str | None = None  # the pattern in words: no rule can be read back from a regex
    min: int | None = None
    max: int | None = None
    max_items: int | None = None

    @property
    def rule(self) -> str | None:
        """Length and pattern in one phrase ("1-63 characters of letters or digits"), the text
        of every length or pattern error of a constrained string; None without a pattern."""
        if self.pattern is None:
            return None
        lo, hi = self.min_length, self.max_length
        if lo is not None and hi is not None:
            length = f"{lo} characters" if lo == hi else f"{lo}-{hi} characters"
        elif hi is not None:
            length = f"at most {hi} characters"
        elif lo is not None:
            length = f"at least {lo} characters"
        else:
            return self.means
        return f"{length} of {self.means}"


@dataclass(frozen=True)
class Arg:
    name: str
    type_name: str  # named type, wrappers removed
    required: bool
    is_list: bool = False
    constraint: Constraint | None = None


@dataclass
class Operation:
    parent: str  # Query or Mutation
    field: str
    kind: str  # get, list, create, update, delete, setAlias, removeAlias
    entity: Entity
    args: list[Arg]  # the field's arguments, or the input object's fields when `input` is used
    from_input: bool = False  # True when the values come from $ctx.args.input
    indexes: list[Index] = field(default_factory=list)  # for list, in order of preference
    via: Membership | None = None  # for list: a membership table it may query first
    descending: bool = False
    counter: tuple[Entity, str] | None = None  # parent entity and its counter attribute
    unless: str | None = None
    target: Entity | None = None
    requires: Relation | None = None  # create: the parent item that must exist (same transaction)
    dependents: list[Relation] = field(default_factory=list)  # delete: the entity's @hasMany
    # field -> new value -> the values it may change from
    transitions: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # @training/@predict: action and the related entities (modules/codegen/ml.py)
    options: dict = field(default_factory=dict)
    line: int = 0
    # @auth: who may call it (deny by default: no rules, nobody)
    auth: Auth = field(default_factory=lambda: Auth("read"))
    # input fields with field-level @auth: field -> who may write it in this operation
    field_auth: dict[str, Auth] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.parent}.{self.field}"

    def arg(self, name: str) -> Arg | None:
        return next((a for a in self.args if a.name == name), None)


@dataclass
class Relation:
    parent: Entity | None  # None for a non-table type
    parent_type: str
    field: str
    kind: str  # hasMany, belongsTo, aliases
    target: Entity | None
    fields: list[str]  # of the parent
    descending: bool = False
    # hasMany: the target's fields matched to `fields`, the leading part of `index`'s key
    # (the target table's own key when unnamed), and what deleting the parent does.
    references: list[str] = field(default_factory=list)
    index: Index | None = None
    on_delete: str | None = None  # REFUSE or CASCADE

    @property
    def name(self) -> str:
        return f"{self.parent_type}.{self.field}"


@dataclass
class Schema:
    """The whole intermediate model of one domain schema."""

    source: str
    entities: dict[str, Entity]
    operations: list[Operation]
    relations: list[Relation]
    # What AppSync receives: every description, enum values' folded into their enum's
    # (docs.fold_enum_values).
    appsync_sdl: str
    # Subscription fields: name -> who may subscribe (read of the type it returns)
    subscriptions: dict[str, Auth] = field(default_factory=dict)
    # The same SDL with each enum value's own description: what the documentation check reads.
    documented_sdl: str = ""

    @property
    def tables(self) -> list:
        """Every table: one per entity, one per membership (both have ident/table/key)."""
        out: list = []
        for e in self.entities.values():
            out += [e, *e.memberships]
        return out

    @property
    def auth_groups(self) -> list[str]:
        """Every group an @auth rule names (a user pool the stack creates gets them)."""
        rules = [r for e in self.entities.values()
                 for r in (*e.auth, *(x for rs in e.field_auth.values() for x in rs))]
        rules += [r for op in self.operations for r in op.auth.rules]
        rules += [r for a in self.subscriptions.values() for r in a.rules]
        return sorted({g for r in rules for g in r.groups})

    def table(self, ident: str):
        return next(t for t in self.tables if t.ident == ident)

    def counters(self, type_name: str) -> set[str]:
        """Fields of a type that allocate numbers from 1 up: 0 means "none yet"."""
        return {op.counter[1] for op in self.operations
                if op.counter and op.counter[0].type_name == type_name}

    def belongs_to(self, type_name: str) -> list[Relation]:
        """Single-item relations of a type: the ones a list prefetches with BatchGetItem."""
        return [r for r in self.relations if r.parent_type == type_name and r.kind == "belongsTo"]


def identifying_args(op: Operation, relations: list[Relation]) -> list[str]:
    """Arguments of an update that name the item's parent (its @belongsTo fields, not its key):
    an update checks them in its write's condition and never changes them, so it never moves an
    item to another parent."""
    if op.kind != "update":
        return []
    refs = {f for r in relations if r.parent is op.entity and r.kind == "belongsTo"
            for f in r.fields}
    return [a.name for a in op.args if a.name in refs and a.name not in op.entity.key.names]
