"""Fault injection (local/faults.js) and AppSync's shapes for what it provokes: an incomplete batch
(error AND partial result), a throttled call, the n-th call of a request only, bad rules."""

from __future__ import annotations

import json
import uuid

import pytest

from local.harness import LocalRuntime
from tests.e2e.graphql_client import GraphQLClient

from .conftest import TOY

TABLE = "toy-items"  # tests/local/fixtures/build_toy.py
THROTTLED = "DynamoDB:ProvisionedThroughputExceededException"


def keys(pk: str, sks: str) -> list[dict]:
    return [{"pk": pk, "sk": sk} for sk in sks]


def raw(res) -> dict:
    """The toy's batch resolvers answer {"errorType", "result"} as JSON text."""
    assert res.errors == [], res.errors
    return json.loads(next(iter(res.data.values())))


def put(gql, pk: str, sks: str) -> None:
    for sk in sks:
        gql.data(f'mutation {{ putItem(pk: "{pk}", sk: "{sk}", title: "{sk}") {{ pk }} }}')


def test_an_incomplete_batch_get_sets_the_error_and_the_partial_result(gql):
    pk = uuid.uuid4().hex
    put(gql, pk, "abc")
    q = "query($k: [KeyInput!]!) { batchRaw(keys: $k) }"
    whole = raw(gql.execute(q, {"k": keys(pk, "abc")}))
    assert whole["errorType"] == "none" and whole["result"]["unprocessedKeys"] == {TABLE: []}
    res = gql.execute(q, {"k": keys(pk, "abc")}, faults="BatchGetItem=unprocessed:1")
    part = raw(res)
    assert part["errorType"] == THROTTLED
    assert [i and i["sk"] for i in part["result"]["data"][TABLE]] == ["a", "b", None]
    assert part["result"]["unprocessedKeys"] == {TABLE: keys(pk, "c")}
    assert res.dynamodb["byOperation"] == {"BatchGetItem": 1}
    nothing = raw(gql.execute(q, {"k": keys(pk, "ab")}, faults="BatchGetItem=unprocessed"))
    assert nothing["result"]["data"] == {TABLE: [None, None]}
    assert nothing["result"]["unprocessedKeys"] == {TABLE: keys(pk, "ab")}


@pytest.mark.parametrize("field, arg, left", [
    ("batchPut", "items", "unprocessedItems"), ("batchDelete", "keys", "unprocessedKeys")])
def test_an_incomplete_batch_write_has_null_for_each_entry_left(gql, field, arg, left):
    pk = uuid.uuid4().hex
    put(gql, pk, "abc")  # what batchDelete removes; batchPut overwrites
    res = gql.execute(f"mutation($k: [KeyInput!]!) {{ {field}({arg}: $k) }}",
                      {"k": keys(pk, "abc")}, faults=f"Batch{field[5:]}Item=unprocessed:2")
    out = raw(res)
    assert out["errorType"] == THROTTLED
    assert out["result"]["data"] == {TABLE: [{"pk": pk, "sk": "a"}, None, None]}
    assert out["result"][left] == {TABLE: keys(pk, "bc")}
    stored = {sk: gql.data(f'{{ getItem(pk: "{pk}", sk: "{sk}") {{ title }} }}')["getItem"]
              for sk in "abc"}
    if field == "batchPut":  # only "a" was written again (without a title)
        assert stored == {"a": {"title": None}, "b": {"title": "b"}, "c": {"title": "c"}}
    else:
        assert stored == {"a": None, "b": {"title": "b"}, "c": {"title": "c"}}


def test_only_the_nth_call_of_a_request_fails(gql):
    pk = uuid.uuid4().hex
    res = gql.execute(
        f'mutation {{ one: putItem(pk: "{pk}", sk: "1") {{ sk }} '
        f'two: putItem(pk: "{pk}", sk: "2") {{ sk }} '
        f'three: putItem(pk: "{pk}", sk: "3") {{ sk }} }}',
        faults="PutItem#2=throttle")
    assert res.data == {"one": {"sk": "1"}, "two": None, "three": {"sk": "3"}}
    assert res.error_types() == [THROTTLED]
    assert res.dynamodb["byOperation"] == {"PutItem": 3}  # the refused call reached DynamoDB
    assert gql.data(f'{{ getItem(pk: "{pk}", sk: "2") {{ pk }} }}') == {"getItem": None}
    # The header holds for its request only.
    again = gql.execute(f'mutation {{ putItem(pk: "{pk}", sk: "2") {{ sk }} }}')
    assert again.errors == []


def test_a_write_meeting_another_transaction_fails_as_dynamodb_says(gql):
    """`txconflict`: DynamoDB's TransactionConflictException for a single-item write, the call
    counted and nothing written."""
    pk = uuid.uuid4().hex
    res = gql.execute(f'mutation {{ putItem(pk: "{pk}", sk: "1") {{ sk }} }}',
                      faults="PutItem=txconflict")
    assert res.error_types() == ["DynamoDB:TransactionConflictException"]
    assert res.dynamodb["byOperation"] == {"PutItem": 1}
    assert gql.data(f'{{ getItem(pk: "{pk}", sk: "1") {{ pk }} }}') == {"getItem": None}


def test_a_transaction_meeting_another_is_cancelled_naming_the_item(gql):
    """`txconflict:<i>`: the transaction cancelled with TransactionConflict for item i, in
    AppSync's shape (the toy's assignOwner lists the reasons' types)."""
    pk = uuid.uuid4().hex
    put(gql, pk, "a")
    gql.data(f'mutation {{ addUser(id: "{pk}", name: "T") {{ id }} }}')
    res = gql.execute(f'mutation {{ assignOwner(pk: "{pk}", sk: "a", owner: "{pk}") {{ keys }} }}',
                      faults="TransactWriteItems=txconflict:1")
    [err] = res.errors
    assert err["errorType"] == "DynamoDB:TransactionCanceledException"
    assert err["errorInfo"] == {"cancellationReasons": ["None", "TransactionConflict"]}
    assert gql.data(f'{{ getItem(pk: "{pk}", sk: "a") {{ owner }} }}')["getItem"] == {"owner": None}


def test_a_table_filter_picks_the_table(gql):
    res = gql.execute('{ a: getItem(pk: "x", sk: "y") { pk } }', faults="GetItem@users=throttle")
    assert res.errors == []
    res = gql.execute('{ a: getItem(pk: "x", sk: "y") { pk } }', faults="GetItem@items=throttle")
    assert res.error_types() == [THROTTLED]


@pytest.mark.parametrize("spec, says", [
    ("PutItem", "not a rule"),
    ("PutItem=unprocessed", "only BatchGetItem, BatchPutItem, BatchDeleteItem"),
    ("GetItem=txconflict", "only the writes PutItem, UpdateItem, DeleteItem, TransactWriteItems"),
    ("Frobnicate=throttle", "no operation this runtime knows"),
    ("InvokeEndpoint=throttle", "an HTTP effect is a status 400-599, timeout or lost"),
])
def test_a_bad_rule_is_a_clear_error_and_sends_nothing(gql, spec, says):
    res = gql.execute('{ getItem(pk: "x", sk: "y") { pk } }', faults=spec)
    assert res.error_types() == ["LocalFaults"] and says in res.errors[0]["message"]
    assert res.requests == 0


def test_local_faults_applies_to_every_request(monkeypatch):
    monkeypatch.setenv("LOCAL_FAULTS", "GetItem#1=throttle")
    with LocalRuntime(TOY) as rt:
        client = GraphQLClient(rt.graphql, rt.api_key)
        for _ in range(2):  # counted per request: each request's first GetItem fails
            res = client.execute('{ a: getItem(pk: "x", sk: "y") { pk } '
                                 'b: getItem(pk: "x", sk: "z") { pk } }')
            assert res.error_types() == [THROTTLED] and res.data == {"a": None, "b": None}
            assert res.errors[0]["path"] == ["a"]


def test_a_bad_local_faults_stops_the_start_naming_it(monkeypatch):
    monkeypatch.setenv("LOCAL_FAULTS", "GetItem=explode")
    with pytest.raises(RuntimeError, match="LOCAL_FAULTS: 'GetItem=explode'"):
        LocalRuntime(TOY).start()
