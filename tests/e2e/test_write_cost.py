"""Every mutation in one DynamoDB request (a numbered create in two: the atomic counter and the
put), counted by the local runtime per request, never timed. The bound of each operation is
derived from the schema; the working call of each comes from test_error_branches.REQUESTS."""

from __future__ import annotations

import pytest
from graphql import get_named_type, is_leaf_type

from modules.codegen.ir import identifying_args
from modules.codegen.render import lookups_before_delete
from tests.e2e.test_error_branches import GQL, IR, REQUESTS, _run

WRITES = ("create", "update", "delete", "setAlias", "removeAlias")


def selected(query: str) -> set[str]:
    """The fields the mutation selects on its result (top level, as selectionSetList has them)."""
    from graphql import parse

    field = parse(query).definitions[0].selection_set.selections[0]
    return {s.name.value for s in field.selection_set.selections}


def written(op, given: dict) -> set[str]:
    """The fields of the item an update knows without reading: its key, what the input sets,
    the parent it names, the revision the condition held plus one, the time and the caller."""
    e = op.entity
    fields = {*e.key.names, "updatedAt", *identifying_args(op, IR.relations)}
    fields |= {k for k, v in given.items() if v is not None and k in e.attributes}
    fields |= {"revision"} if op.arg("expectedRevision") else set()
    fields |= {"updatedBy"} if "updatedBy" in e.attributes else set()  # the IAM caller's ARN
    return fields


def bound(op, query: str, variables: dict) -> tuple[int, str]:
    """(most DynamoDB requests, why) for a call of `op` that succeeds."""
    given = variables.get("i", variables)
    if op.kind == "create":
        return (2, "the counter, then the put") if op.counter else (1, "one write")
    if op.kind == "update" and any(ms.field in given for ms in op.entity.memberships):
        # A transaction returns no item (TransactWriteItems answers keys only): the answer is
        # what it wrote when nothing else is selected, otherwise it is read back.
        if selected(query) - {"__typename"} <= written(op, given):
            return 1, "a membership list changed: TransactWriteItems, answered as written"
        return 2, "a membership list changed: TransactWriteItems, then GetItem"
    if op.kind == "delete":
        lookups = lookups_before_delete(IR, op)
        return (1, "one conditional DeleteItem") if not lookups else (
            2 + len(lookups), "read, one Query per link, the transaction")
    if op.kind == "setAlias":
        # One transaction: a ConditionCheck on the version, the model's UpdateItem. It knows
        # the key and the time it wrote; any other field is read back.
        if selected(query) - {"__typename"} <= {op.entity.key.hash, "updatedAt"}:
            return 1, "TransactWriteItems (the version's check, the model), answered as written"
        return 2, "TransactWriteItems (the version's check, the model), then GetItem"
    return 1, "one write"


CASES = [(op, name) for op in IR.operations if op.kind in WRITES
         for name in REQUESTS if name == op.field or name.startswith(op.field + "(")]


def test_every_write_of_the_schema_has_a_call():
    covered = {op.field for op, _ in CASES}
    missing = [op.field for op in IR.operations if op.kind in WRITES and op.field not in covered]
    if missing:
        pytest.skip(f"no working call in test_error_branches.REQUESTS for {missing}")


@pytest.mark.parametrize("op, name", CASES, ids=[n for _, n in CASES])
def test_a_write_costs_at_most_its_bound(graphql, op, name):
    query, variables = REQUESTS[name](graphql)
    res = _run(graphql, lambda _g: (query, variables))
    assert res.errors == [], res.errors
    most, why = bound(op, query, variables)
    assert res.dynamodb["requests"] <= most, (name, why, res.dynamodb["byOperation"])
    # Each request waits for the one before it: round trips are requests here.
    assert res.dynamodb["roundTrips"] == res.dynamodb["requests"]


# Mutations that call SageMaker or Bedrock cannot be one request: a start stores before the call
# and after it (PENDING, then the outcome), predict reads the model before its call and stores
# after it; each read is there for what the call needs.
START_OPS = [op for op in IR.operations
             if op.kind == "predict" or (op.kind in ("training", "transform", "deploy")
                                         and op.options.get("action") == "start")]
STARTS = [(op, name) for op in START_OPS
          for name in REQUESTS if name == op.field or name.startswith(op.field + "(")]


def start_bound(op, variables: dict, serving: int | None = None) -> tuple[int, str]:
    """(most DynamoDB requests, why) for a start or predict that succeeds (a retry too: its
    put fails, and one read of the first job stands for the record). `serving`: the version
    the model's own deployment serves, if any."""
    given = variables.get("i", variables)
    if op.kind == "predict":
        if serving is not None and given.get("version") == serving:
            return 2, "the model (it names the endpoint serving the version), the put"
        return 3, "the model (alias, latest, serving version), the version, the put"
    if op.kind == "training":
        return 2, "one transaction (the model must exist; the job PENDING), then the outcome"
    # The version's training job is read only for its image, when none is given.
    return 4 + (not given.get("image")), \
        "the model, the version, [its job's image], the put (PENDING), the outcome"


def test_every_start_of_the_schema_has_a_call():
    assert START_OPS, "no start or predict found in the schema: START_OPS reads the wrong kinds"
    covered = {op.field for op, _ in STARTS}
    missing = [op.field for op in START_OPS if op.field not in covered]
    assert not missing, f"no working call in test_error_branches.REQUESTS for {missing}"


@pytest.mark.parametrize("op, name", STARTS, ids=[n for _, n in STARTS])
def test_a_start_costs_at_most_its_bound(graphql, op, name):
    query, variables = REQUESTS[name](graphql)
    serving = None
    if op.kind == "predict":  # the version the model's own deployment serves
        model = op.options["model"]
        get = next(o for o in IR.operations if o.parent == "Query" and o.entity is model
                   and o.kind == "get")
        serving = graphql.data(
            f"query($k: String!) {{ {get.field}({model.key.hash}: $k) {{ servingVersion }} }}",
            {"k": variables["i"]["modelName"]})[get.field]["servingVersion"]
    res = _run(graphql, lambda _g: (query, variables))
    assert res.errors == [], res.errors
    most, why = start_bound(op, variables, serving)
    assert res.dynamodb["requests"] <= most, (name, why, res.dynamodb["byOperation"])
    assert res.dynamodb["roundTrips"] == res.dynamodb["requests"]


def _scalars(type_name: str) -> str:
    fields = GQL.get_type(type_name).fields
    entity = IR.entities[type_name]
    # Stored lists of objects (@history) need a selection: scalars and enums only.
    return " ".join(f for f, d in fields.items() if f in entity.attributes and f != "aliases"
                    and is_leaf_type(get_named_type(d.type)))


def _get_of(op):
    """The type's @get, to read back what a write answered (skips when there is none)."""
    get = next((o for o in IR.operations if o.parent == "Query" and o.entity is op.entity
                and o.field == f"get{op.entity.type_name}"), None)
    if get is None:
        pytest.skip(f"{op.entity.type_name} has no @get to compare with")
    return get


def _selecting(query: str, fields: str) -> str:
    """The mutation `query` with its result's selection replaced by `fields`."""
    return query.split("{", 1)[0] + "{ " + query.split("{", 1)[1].split("{", 1)[0] + \
        "{ " + fields + " } }"


def _stored(graphql, get, answered: dict, fields: str) -> dict:
    """`fields` of the item `answered` names, as the @get `get` reads it."""
    key = {k: answered[k] for k in get.entity.key.names}
    header = ", ".join(f"${k}: {GQL.get_type('Query').fields[get.field].args[k].type}"
                       for k in key)
    call = ", ".join(f"{k}: ${k}" for k in key)
    return graphql.data(f"query({header}) {{ {get.field}({call}) {{ {fields} }} }}",
                        key)[get.field]


@pytest.mark.parametrize("op", [o for o in IR.operations if o.kind == "create"
                                and any(n == o.field for n in REQUESTS)],
                         ids=lambda o: o.field)
def test_a_create_answers_the_item_it_stored(graphql, op):
    """The answer is built by the resolver, not read back: it must equal what a get reads."""
    get = _get_of(op)
    query, variables = REQUESTS[op.field](graphql)
    fields = _scalars(op.entity.type_name)
    query = _selecting(query, fields)
    answered = graphql.data(query, variables)[op.field]
    assert answered == _stored(graphql, get, answered, fields)


MEMBERSHIP_UPDATES = [op for op in IR.operations if op.kind == "update"
                      and op.entity.memberships and op.field in REQUESTS]


@pytest.mark.parametrize("op", MEMBERSHIP_UPDATES, ids=lambda o: o.field)
def test_an_update_of_a_membership_list_answers_the_item_it_stored(graphql, op):
    """A transaction returns keys only: selecting just what the update wrote, the answer is
    built by the resolver in one request, and it must equal what a get reads."""
    get = _get_of(op)
    for name in [n for n in REQUESTS if n.startswith(op.field + "(")]:
        query, variables = REQUESTS[name](graphql)
        given = variables.get("i", variables)
        if any(ms.field in given for ms in op.entity.memberships):
            break
    else:
        pytest.skip(f"no call of {op.field} in test_error_branches.REQUESTS changes a list")
    fields = " ".join(sorted(written(op, given) & set(GQL.get_type(op.entity.type_name).fields)))
    query = _selecting(query, fields)
    res = _run(graphql, lambda _g: (query, variables))
    assert res.errors == [], res.errors
    assert res.dynamodb["byOperation"] == {"TransactWriteItems": 1}
    answered = res.data[op.field]
    assert answered == _stored(graphql, get, answered, fields)


CONDITIONAL_WRITES = [(op, name) for op, name in CASES if op.kind in ("update", "delete")]


@pytest.mark.parametrize("op, name", CONDITIONAL_WRITES, ids=[n for _, n in CONDITIONAL_WRITES])
def test_a_failed_condition_is_named_by_one_read_on_the_failure_path(graphql, op, name):
    """A write lost to a concurrent writer (fault `conflict`: the condition fails, the item is
    unchanged) is read once to name the cause: every check passes now, so it was changed
    concurrently; and when that read itself fails, its error is the answer."""
    query, variables = REQUESTS[name](graphql)
    res = _run(graphql, lambda _g: (query, variables))
    write = next(iter(res.dynamodb["byOperation"]))  # the one request of the working call
    query, variables = REQUESTS[name](graphql)
    lost = _run(graphql, lambda _g: (query, variables), faults=f"{write}#1=conflict")
    assert lost.error_types() == ["StaleRevision"], lost.errors
    assert "changed concurrently" in lost.errors[0]["message"]
    assert lost.dynamodb["byOperation"].get("GetItem") == 1
    query, variables = REQUESTS[name](graphql)
    unread = _run(graphql, lambda _g: (query, variables),
                  faults=f"{write}#1=conflict,GetItem#1=throttle")
    assert unread.error_types() == ["DynamoDB:ProvisionedThroughputExceededException"]


IDENTIFIED = [(op, name, arg) for op, name in CASES if op.kind == "update"
              for arg in identifying_args(op, IR.relations)]


@pytest.mark.parametrize("op, name, arg", IDENTIFIED, ids=[n for _, n, _ in IDENTIFIED])
def test_an_update_checks_the_parent_it_is_given(graphql, op, name, arg):
    """An argument naming the item's parent is checked in the condition, never written."""
    query, variables = REQUESTS[name](graphql)
    given = variables.get("i", variables)
    right = given[arg]
    given[arg] = right + "-other"
    res = _run(graphql, lambda _g: (query, variables))
    assert res.error_types() == ["NotFound"], res.errors
    assert f"not found with this {arg}" in res.errors[0]["message"]


NAMED = [o for o in IR.operations if o.kind == "create" and not o.counter
         and o.field in REQUESTS
         and all(k in {a.name for a in o.args} for k in o.entity.key.names)]


@pytest.mark.parametrize("op", NAMED, ids=lambda o: o.field)
def test_a_create_of_an_existing_key_is_refused(graphql, op):
    """Whichever request the create is (a PutItem alone, or a transaction with its membership
    items), an existing key is AlreadyExists and nothing changes."""
    query, variables = REQUESTS[op.field](graphql)
    assert _run(graphql, lambda _g: (query, variables)).errors == []
    again = _run(graphql, lambda _g: (query, variables))
    assert again.error_types() == ["AlreadyExists"], again.errors
