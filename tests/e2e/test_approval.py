"""Approval rules end to end, each expectation read from the schema and the served stack:
the @transitions edges of the field a @history records (every pair of states, allowed or
refused), its reasonRequiredFor, what each recorded change holds (who, when, from, to, reason),
who may decide, concurrent decisions, and setModelAlias's protected aliases (the
protected_aliases setting, as the stack the runtime serves holds it)."""

from __future__ import annotations

import json
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from local.jwt_token import make_token
from tests.e2e.graphql_client import IAM_ARN, IAM_AUTH, GraphQLClient, jwt_auth
from tests.e2e.test_error_branches import GQL, IR

# The update whose enum argument a @history records (setModelVersionApproval), and that record.
OP, HISTORY = next((op, op.entity.histories[f]) for op in IR.operations if op.kind == "update"
                   for f in op.transitions if f in op.entity.histories)
FIELD = HISTORY.of
INTO = OP.transitions[FIELD]  # new state -> the states it may change from
EDGES = {(src, dst) for dst, sources in INTO.items() for src in sources}
ENUM = next(a.type_name for a in OP.args if a.name == FIELD)
STATES = list(GQL.get_type(ENUM).values)
INITIAL = OP.entity.enum_defaults[FIELD]  # what a new version holds
ALIAS = next(op for op in IR.operations if op.kind == "setAlias")
PROTECTED_FIELD, PROTECTED_VALUE = ALIAS.options["protected"]

DECIDE = (f"mutation($n: String!, $v: Int!, $s: {ENUM}!, $r: String) "
          f"{{ {OP.field}(modelName: $n, version: $v, {FIELD}: $s, {HISTORY.reason}: $r) "
          f"{{ {FIELD} revision {HISTORY.field} {{ from to changedBy changedAt "
          f"{HISTORY.reason} }} }} }}")
READ = (f"query($n: String!, $v: Int!) {{ getModelVersion(modelName: $n, version: $v) "
        f"{{ {FIELD} revision {HISTORY.field} {{ from to changedBy changedAt "
        f"{HISTORY.reason} }} }} }}")
SET_ALIAS = ("mutation($n: String!, $a: String!, $v: Int!) { setModelAlias(name: $n, "
             "alias: $a, version: $v) { aliases { alias version } revision } }")
MODEL = "query($n: String!) { getModel(name: $n) { aliases { alias version } revision } }"


def path_to(state: str) -> list[str] | None:
    """The states to set, one after another, to bring a new version to `state` (BFS over the
    edges); None when no path reaches it."""
    seen = {INITIAL: []}
    todo = deque([INITIAL])
    while todo:
        at = todo.popleft()
        for src, dst in sorted(EDGES):
            if src == at and dst not in seen:
                seen[dst] = [*seen[at], dst]
                todo.append(dst)
    return seen.get(state)


def new_version(graphql) -> tuple[str, int]:
    name = f"ap-{uuid.uuid4().hex[:10]}"
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": name})
    version = graphql.data("mutation($n: String!) { registerModelVersion(input: {modelName: $n, "
                           "artifactUri: \"s3://b/m.tgz\"}) { version } }",
                           {"n": name})["registerModelVersion"]["version"]
    return name, version


def version_in(graphql, state: str) -> tuple[str, int]:
    name, version = new_version(graphql)
    for step in path_to(state):
        graphql.data(DECIDE, {"n": name, "v": version, "s": step, "r": f"to {step}"})
    return name, version


def read(graphql, name: str, version: int) -> dict:
    return graphql.data(READ, {"n": name, "v": version})["getModelVersion"]


def admin(local_runtime, sub: str | None = None) -> GraphQLClient:
    groups = next(r.groups for r in OP.auth.rules if r.allow == "groups")
    return GraphQLClient(local_runtime.graphql, None,
                         auth=jwt_auth(make_token(sub or f"user-{uuid.uuid4()}", list(groups))))


def test_the_schema_gives_a_decision_graph_to_test():
    assert EDGES and all(path_to(s) is not None for s in STATES), \
        f"every state of {FIELD} should be reachable from {INITIAL}: {sorted(EDGES)}"


PAIRS = [(a, b) for a in STATES for b in STATES if path_to(a) is not None]


@pytest.mark.parametrize("src, dst", PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_each_change_is_allowed_exactly_when_an_edge_gives_it(graphql, src, dst):
    """Every pair of states: an edge's change is made and recorded; any other, setting a state
    again included, is InvalidTransition and changes nothing."""
    name, version = version_in(graphql, src)
    before = read(graphql, name, version)
    res = graphql.execute(DECIDE, {"n": name, "v": version, "s": dst, "r": "because"})
    if (src, dst) in EDGES:
        assert res.errors == [], res.errors
        done = res.data[OP.field]
        assert done[FIELD] == dst
        assert done[HISTORY.field][:-1] == (before[HISTORY.field] or [])
        last = done[HISTORY.field][-1]
        assert (last["from"], last["to"], last[HISTORY.reason]) == (src, dst, "because")
        assert read(graphql, name, version) == done
        assert res.requests == 1, res.dynamodb  # the change and its record: one UpdateItem
    else:
        assert res.error_types() == ["InvalidTransition"], res.errors
        assert f"{FIELD} cannot change from {src} to {dst}" in res.errors[0]["message"]
        assert read(graphql, name, version) == before


def test_a_version_unknown_is_not_found_whatever_the_change(graphql):
    name, _ = new_version(graphql)
    for state in STATES:
        res = graphql.execute(DECIDE, {"n": name, "v": 99, "s": state, "r": "r"})
        assert res.error_types() == ["NotFound"], (state, res.errors)


@pytest.mark.parametrize("state", HISTORY.reason_required)
@pytest.mark.parametrize("reason", [None, "", "   "], ids=["missing", "empty", "blank"])
def test_a_change_to_a_state_that_needs_a_reason_is_refused_without_one(graphql, state, reason):
    src = next(a for a, b in sorted(EDGES) if b == state)
    name, version = version_in(graphql, src)
    before = read(graphql, name, version)
    res = graphql.execute(DECIDE, {"n": name, "v": version, "s": state, "r": reason})
    assert res.error_types() == ["ValidationError"], res.errors
    assert res.errors[0]["message"] == \
        f"{HISTORY.reason} is required when {FIELD} changes to {state}"
    assert res.requests == 0  # refused before any request
    assert read(graphql, name, version) == before


def test_a_reason_is_optional_elsewhere_and_kept_when_given(graphql):
    optional = [(a, b) for a, b in sorted(EDGES) if b not in HISTORY.reason_required]
    if not optional:
        pytest.skip("every state of the graph needs a reason")
    src, dst = optional[0]
    name, version = version_in(graphql, src)
    done = graphql.data(DECIDE, {"n": name, "v": version, "s": dst, "r": None})[OP.field]
    assert done[HISTORY.field][-1][HISTORY.reason] is None


def test_each_change_records_who_when_from_to_and_why(local_runtime, graphql):
    """Who is the caller's identity (a Cognito user's sub, an IAM caller's ARN), as updatedBy."""
    sub = f"admin-{uuid.uuid4()}"
    user = admin(local_runtime, sub)
    walk = max((path_to(s) for s in STATES), key=len)  # the longest chain of decisions
    name, version = new_version(graphql)
    start = datetime.now(UTC) - timedelta(seconds=5)  # the runtime's clock is this machine's
    previous = INITIAL
    for n, state in enumerate(walk):
        caller, who = (user, sub) if n % 2 == 0 else (graphql, IAM_ARN)
        caller.data(DECIDE, {"n": name, "v": version, "s": state, "r": f"reason {n}"})
        history = read(graphql, name, version)[HISTORY.field]
        assert len(history) == n + 1
        entry = history[-1]
        assert {k: v for k, v in entry.items() if k != "changedAt"} == {
            "from": previous, "to": state, "changedBy": who, HISTORY.reason: f"reason {n}"}
        at = datetime.fromisoformat(entry["changedAt"].replace("Z", "+00:00"))
        assert start <= at <= datetime.now(UTC) + timedelta(seconds=5)
        previous = state
    updated = graphql.data("query($n: String!, $v: Int!) { getModelVersion(modelName: $n, "
                           "version: $v) { updatedBy } }", {"n": name, "v": version})
    assert updated["getModelVersion"]["updatedBy"] in (sub, IAM_ARN)


def test_only_the_rules_callers_decide(local_runtime, graphql, api_key_client):
    """The operation's @auth: its group and IAM decide; another group and the API key are
    Unauthorized and change nothing."""
    dst = sorted(EDGES)[0][1]
    src = next(a for a, b in sorted(EDGES) if b == dst)
    name, version = version_in(graphql, src)
    groups = {g for r in OP.auth.rules if r.allow == "groups" for g in r.groups}
    other = GraphQLClient(local_runtime.graphql, None, auth=jwt_auth(make_token(
        f"user-{uuid.uuid4()}", [f"not-{'-'.join(sorted(groups))}"])))
    before = read(graphql, name, version)
    for caller in (other, api_key_client):
        res = caller.execute(DECIDE, {"n": name, "v": version, "s": dst, "r": "r"})
        assert res.error_types() == ["Unauthorized"], res.errors
        assert read(graphql, name, version) == before
    assert admin(local_runtime).data(DECIDE, {"n": name, "v": version, "s": dst,
                                              "r": "r"})[OP.field][FIELD] == dst


def test_concurrent_decisions_make_one_change_and_record_it_once(local_runtime, graphql):
    """Two admins decide the same version at once, differently: the write's condition lets one
    through; the other is InvalidTransition; the record holds the one change made."""
    src = next(a for a in STATES if len({b for x, b in EDGES if x == a}) > 1)
    choices = sorted(b for a, b in EDGES if a == src)[:2]
    for _ in range(4):
        name, version = version_in(graphql, src)
        before = read(graphql, name, version)[HISTORY.field] or []
        callers = [admin(local_runtime), admin(local_runtime)]
        calls = [(c, DECIDE, {"n": name, "v": version, "s": s, "r": "r"})
                 for c, s in zip(callers, choices, strict=True)]
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda c: c[0].execute(c[1], c[2]), calls))
        won = [r for r in results if not r.errors]
        lost = [r for r in results if r.errors]
        assert len(won) == 1 and [r.error_types() for r in lost] == [["InvalidTransition"]]
        now = read(graphql, name, version)
        assert now[FIELD] == won[0].data[OP.field][FIELD]
        assert len(now[HISTORY.field]) == len(before) + 1
        assert (now[HISTORY.field][-1]["from"], now[HISTORY.field][-1]["to"]) == (src, now[FIELD])


# --- protected aliases ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def protected(model_api_stack) -> list[str]:
    """protected_aliases as the served stack holds it (the JSON the template parses)."""
    found = json.loads(json.loads(model_api_stack.read_text())["locals"]["protected_aliases"])
    if not found:
        pytest.skip("protected_aliases is empty in the served stack's settings")
    return found


def model_of(graphql, name: str) -> dict:
    return graphql.data(MODEL, {"n": name})["getModel"]


def test_a_protected_alias_takes_only_a_version_holding_the_protected_value(graphql, protected):
    others = [s for s in STATES if s != PROTECTED_VALUE]
    for alias in protected:
        for state in others:
            name, version = version_in(graphql, state)
            before = model_of(graphql, name)
            res = graphql.execute(SET_ALIAS, {"n": name, "a": alias, "v": version})
            assert res.error_types() == ["ProtectedAlias"], (alias, state, res.errors)
            assert res.errors[0]["message"] == (
                f"alias {alias} is protected: it takes only a {ALIAS.target.type_name} whose "
                f"{PROTECTED_FIELD} is {PROTECTED_VALUE}, and this one is {state}")
            # One transaction, cancelled on the version's check: nothing written.
            assert res.dynamodb["byOperation"] == {"TransactWriteItems": 1}
            assert model_of(graphql, name) == before
        name, version = version_in(graphql, PROTECTED_VALUE)
        res = graphql.execute(SET_ALIAS, {"n": name, "a": alias, "v": version})
        assert res.errors == [], res.errors
        assert res.data["setModelAlias"]["aliases"] == [{"alias": alias, "version": version}]
        # The transaction, then the model read back: the other aliases are not known to it.
        assert res.dynamodb["byOperation"] == {"TransactWriteItems": 1, "GetItem": 1}


def test_another_alias_takes_any_version(graphql, protected):
    alias = "x".join(protected) + "-free"
    name, version = new_version(graphql)
    res = graphql.execute(SET_ALIAS, {"n": name, "a": alias, "v": version})
    assert res.errors == [], res.errors
    assert res.data["setModelAlias"]["aliases"] == [{"alias": alias, "version": version}]


def test_concurrent_alias_sets_never_lose_one_nor_admit_an_unapproved_version(
        local_runtime, graphql, protected):
    """At once: a protected alias to an approved and to a pending version, and other aliases
    to both. Each other alias is kept; the protected alias names the approved version only.
    (The local runtime runs the four transactions one after the other; on AWS DynamoDB may
    cancel one, answered as TransactionConflict, an error to retry: README, Concurrent writes,
    and tests/e2e/test_faults.py, which provokes it.)"""
    alias = protected[0]
    for _ in range(3):
        name, good = version_in(graphql, PROTECTED_VALUE)
        pending = graphql.data("mutation($n: String!) { registerModelVersion(input: "
                               "{modelName: $n, artifactUri: \"s3://b/m.tgz\"}) { version } }",
                               {"n": name})["registerModelVersion"]["version"]
        calls = [(alias, pending), (alias, good), (f"{alias}-a", pending), (f"{alias}-b", good)]
        sends = [(GraphQLClient(local_runtime.graphql, None, auth=IAM_AUTH),
                  {"n": name, "a": a, "v": v}) for a, v in calls]
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda c: c[0].execute(SET_ALIAS, c[1]), sends))
        assert [r.error_types() for r in results] == [["ProtectedAlias"], [], [], []]
        aliases = {a["alias"]: a["version"] for a in model_of(graphql, name)["aliases"]}
        assert aliases == {alias: good, f"{alias}-a": pending, f"{alias}-b": good}
        assert model_of(graphql, name)["revision"] == 1 + 3  # three writes, none lost
