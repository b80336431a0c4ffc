"""The local runtime against the toy stack: results, errors and DynamoDB request counts."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest
import requests

from tests.local.fixtures import build_toy

from .conftest import TOY


def test_fixture_is_current():
    assert TOY.read_text() == build_toy.text(), "run tests/local/fixtures/build_toy.py"


def test_get_item_missing_is_null_and_costs_one_read(gql):
    res = gql.execute('{ getItem(pk: "nope", sk: "x") { pk } }')
    assert res.errors == [] and res.data == {"getItem": None}
    # A missing item still costs half a read unit (an eventually consistent read of up to 4 KB).
    assert res.dynamodb == {"requests": 1, "itemsRead": 0, "roundTrips": 1, "readUnits": 0.5,
                            "writeUnits": 0, "byOperation": {"GetItem": 1}}


def test_put_then_get(gql):
    put = gql.execute('mutation { putItem(pk: "pg", sk: "a", title: "A", owner: "o1") '
                      "{ pk sk title owner version } }")
    assert put.data["putItem"] == {"pk": "pg", "sk": "a", "title": "A", "owner": "o1", "version": 1}
    assert put.dynamodb["byOperation"] == {"PutItem": 1}
    got = gql.execute('{ getItem(pk: "pg", sk: "a") { title version } }')
    assert got.data["getItem"] == {"title": "A", "version": 1}
    assert (got.requests, got.items_read) == (1, 1)


def test_put_condition_failure(gql):
    gql.data('mutation { putItem(pk: "pc", sk: "a", title: "A") { pk } }')
    res = gql.execute('mutation { putItem(pk: "pc", sk: "a", title: "B") { pk } }')
    assert res.data == {"putItem": None}
    assert res.error_types() == ["DynamoDB:ConditionalCheckFailedException"]
    # AppSync reads the current item after a failed condition (to compare): Put + Get.
    assert res.dynamodb["byOperation"] == {"PutItem": 1, "GetItem": 1}
    # Same item again: AppSync treats a failed condition whose item already matches as success.
    same = gql.execute('mutation { putItem(pk: "pc", sk: "a", title: "A") { pk title } }')
    assert same.errors == [] and same.data["putItem"] == {"pk": "pc", "title": "A"}


def test_put_condition_failure_2017_template_error_shape(gql):
    gql.data('mutation { putItemRaw(pk: "pr", sk: "a", title: "A") { pk } }')
    res = gql.execute('mutation { putItemRaw(pk: "pr", sk: "a", title: "B") { pk } }')
    [err] = res.errors
    assert err["errorType"] == "DynamoDB:ConditionalCheckFailedException"
    assert err["message"] == "The conditional request failed"
    assert err["data"] == {"pk": "pr", "sk": "a", "title": "A", "version": 1}  # the current item


def test_update_with_condition(gql):
    gql.data('mutation { putItem(pk: "pu", sk: "a", title: "A") { pk } }')
    ok = gql.execute('mutation { updateTitle(pk: "pu", sk: "a", title: "A2", expectedVersion: 1) '
                     "{ title version } }")
    assert ok.data["updateTitle"] == {"title": "A2", "version": 2}
    assert ok.dynamodb["byOperation"] == {"UpdateItem": 1}
    stale = gql.execute(
        'mutation { updateTitle(pk: "pu", sk: "a", title: "A3", expectedVersion: 1) { title } }'
    )
    assert stale.data == {"updateTitle": None}
    assert stale.error_types() == ["DynamoDB:ConditionalCheckFailedException"]


def test_delete_item_returns_old_item(gql):
    gql.data('mutation { putItem(pk: "pd", sk: "a", title: "A") { pk } }')
    res = gql.execute('mutation { deleteItem(pk: "pd", sk: "a") { sk title } }')
    assert res.data["deleteItem"] == {"sk": "a", "title": "A"}
    assert gql.data('{ getItem(pk: "pd", sk: "a") { pk } }') == {"getItem": None}


def test_query_pagination(gql):
    for sk in "abc":
        gql.data(f'mutation {{ putItem(pk: "pq", sk: "{sk}", title: "{sk}") {{ pk }} }}')
    q = ('query($t: String) { listItems(pk: "pq", limit: 2, nextToken: $t) '
         "{ items { sk } nextToken } }")
    first = gql.execute(q, {"t": None})
    assert [i["sk"] for i in first.data["listItems"]["items"]] == ["a", "b"]
    token = first.data["listItems"]["nextToken"]
    assert token and (first.requests, first.items_read) == (1, 2)
    second = gql.execute(q, {"t": token})
    assert [i["sk"] for i in second.data["listItems"]["items"]] == ["c"]
    assert second.data["listItems"]["nextToken"] is None


def test_gsi_query(gql):
    gql.data('mutation { putItem(pk: "pi", sk: "x", title: "X", owner: "gsi-owner") { pk } }')
    res = gql.execute('{ itemsByOwner(owner: "gsi-owner") { items { pk sk } } }')
    assert res.data["itemsByOwner"]["items"] == [{"pk": "pi", "sk": "x"}]
    assert res.dynamodb["byOperation"] == {"Query": 1}


def test_batch_get_keeps_key_order_with_nulls(gql):
    for sk in "ab":
        gql.data(f'mutation {{ putItem(pk: "pb", sk: "{sk}", title: "{sk}") {{ pk }} }}')
    res = gql.execute('{ batchItems(keys: [{pk: "pb", sk: "b"}, {pk: "pb", sk: "zz"}, '
                      '{pk: "pb", sk: "a"}]) { sk } }')
    assert res.data["batchItems"] == [{"sk": "b"}, None, {"sk": "a"}]
    # A unit per item found, read strongly consistent: the missing key costs nothing.
    assert res.dynamodb == {"requests": 1, "itemsRead": 2, "roundTrips": 1, "readUnits": 2,
                            "writeUnits": 0, "byOperation": {"BatchGetItem": 1}}


def test_batch_get_two_tables_named_by_terraform_references(gql):
    gql.data('mutation { putItem(pk: "pt", sk: "a", title: "A") { pk } }')
    gql.data('mutation { addUser(id: "bt-user", name: "Bea") { id } }')
    res = gql.execute(
        '{ batchWithUsers(keys: [{pk: "pt", sk: "a"}], userIds: ["bt-user", "none"]) }'
    )
    assert res.data["batchWithUsers"] == ["item:pt/a", "user:Bea", "user:"]
    assert (res.requests, res.items_read) == (1, 2)


def test_transact_write_items(gql):
    gql.data('mutation { putItem(pk: "px", sk: "a", title: "A") { pk } }')
    gql.data('mutation { addUser(id: "tx-user", name: "Tom") { id } }')
    ok = gql.execute('mutation { assignOwner(pk: "px", sk: "a", owner: "tx-user") { keys } }')
    assert ok.errors == []
    assert ok.data["assignOwner"]["keys"] == ['{"id":"tx-user"}', '{"pk":"px","sk":"a"}']
    assert ok.dynamodb["byOperation"] == {"TransactWriteItems": 1}
    assert gql.data('{ getItem(pk: "px", sk: "a") { owner } }')["getItem"] == {"owner": "tx-user"}


def test_transact_write_items_failing_condition_check(gql):
    gql.data('mutation { putItem(pk: "py", sk: "a", title: "A") { pk } }')
    res = gql.execute('mutation { assignOwner(pk: "py", sk: "a", owner: "ghost") { keys } }')
    assert res.data == {"assignOwner": None}
    [err] = res.errors
    assert err["errorType"] == "DynamoDB:TransactionCanceledException"
    # $ctx.result.cancellationReasons, one per request item, in order.
    assert err["errorInfo"] == {"cancellationReasons": ["ConditionalCheckFailed", "None"]}
    assert res.dynamodb["byOperation"] == {"TransactWriteItems": 1}
    # Nothing was written.
    assert gql.data('{ getItem(pk: "py", sk: "a") { owner } }')["getItem"] == {"owner": None}


def test_pipeline_resolver(gql):
    gql.data('mutation { addUser(id: "pl-user", name: "Pia") { id } }')
    gql.data('mutation { putItem(pk: "pp", sk: "a", title: "A", owner: "pl-user") { pk } }')
    res = gql.execute('{ itemWithOwner(pk: "pp", sk: "a") { sk ownerName } }')
    assert res.data["itemWithOwner"] == {"sk": "a", "ownerName": "Pia"}
    # A pipeline's steps wait for one another: two round trips.
    assert res.dynamodb == {"requests": 2, "itemsRead": 2, "roundTrips": 2, "readUnits": 1,
                            "writeUnits": 0, "byOperation": {"GetItem": 2}}
    # #return in the second function's request template: its data source is skipped.
    missing = gql.execute('{ itemWithOwner(pk: "pp", sk: "none") { sk } }')
    assert missing.data["itemWithOwner"] is None and missing.requests == 1


def test_return_in_unit_request_template_skips_data_source_and_response(gql):
    early = gql.execute('{ early(pk: "early", sk: "s") { pk sk title } }')
    assert early.data["early"] == {"pk": "early", "sk": "s", "title": "early exit"}
    assert early.requests == 0
    gql.data('mutation { putItem(pk: "pe", sk: "a", title: "A") { pk } }')
    normal = gql.execute('{ early(pk: "pe", sk: "a") { title } }')
    assert normal.data["early"] == {"title": "response template ran"} and normal.requests == 1


def test_none_resolver_and_utils(gql):
    res = gql.execute('{ echo(value: "hi") { value selection selectionGraphQL autoId nowISO nowMs '
                      "mapValues ddbJson percent nested { value } } }")
    echo = res.data["echo"]
    assert res.requests == 0
    assert echo["value"] == "hi"  # `$${ctx.args.value}` in the Terraform JSON is `${...}` in VTL
    assert echo["percent"] == "%{not a template}"
    assert echo["selection"] == ["value", "selection", "selectionGraphQL", "autoId", "nowISO",
                                 "nowMs", "mapValues", "ddbJson", "percent", "nested",
                                 "nested/value"]
    assert echo["selectionGraphQL"].startswith("{\n  value\n")
    assert uuid.UUID(echo["autoId"])
    assert datetime.fromisoformat(echo["nowISO"].replace("Z", "+00:00")).year >= 2024
    assert re.fullmatch(r"\d{13}", echo["nowMs"])
    assert echo["mapValues"] == '{"a":{"N":"1"},"b":{"S":"x"}}'
    assert echo["ddbJson"] == '{"S":"x"}'


def test_util_error_with_error_type(gql):
    res = gql.execute('{ fail(errorType: "Nope") { pk } }')
    assert res.data == {"fail": None}
    [err] = res.errors
    assert (err["errorType"], err["message"]) == ("Nope", "fail was asked to fail")
    assert err["data"] == {"pk": "data-pk", "sk": "data-sk"}
    assert err["errorInfo"] == {"hint": "errorInfo"}
    assert err["path"] == ["fail"]


def test_template_exception_is_an_error_not_a_silent_null(gql):
    res = gql.execute("{ broken { pk } }")
    assert res.data == {"broken": None}
    assert res.error_types() == ["MappingTemplate"]


def test_stats_endpoint(gql, toy_runtime):
    requests.post(toy_runtime.stats + "/reset", timeout=10).raise_for_status()
    gql.execute('{ getItem(pk: "st", sk: "a") { pk } }')
    gql.execute('{ batchItems(keys: [{pk: "st", sk: "a"}]) { pk } }')
    stats = requests.get(toy_runtime.stats, timeout=10).json()
    assert stats["graphqlRequests"] == 2
    assert stats["totals"]["byOperation"] == {"GetItem": 1, "BatchGetItem": 1}
    assert stats["last"]["byOperation"] == {"BatchGetItem": 1}


def test_cost_headers(gql, toy_runtime):
    r = requests.post(toy_runtime.graphql, json={"query": '{ getItem(pk: "h", sk: "a") { pk } }'},
                      headers={"x-api-key": toy_runtime.api_key}, timeout=10)
    assert r.headers["x-dynamodb-requests"] == "1" and r.headers["x-dynamodb-items-read"] == "0"


def test_wrong_or_missing_api_key_is_refused(gql):
    for key in ("wrong-key", None):
        res = gql.execute('{ getItem(pk: "k", sk: "a") { pk } }', api_key=key)
        assert res.status == 401
        assert res.error_types() == ["UnauthorizedException"]
        assert res.data is None and res.requests == 0


def test_items_dynamodb_refuses_are_refused(gql):
    """moto stores an item over 400 KB; DynamoDB refuses it (ValidationException), so must we."""
    res = gql.execute('mutation($t: String) { putItem(pk: "big", sk: "a", title: $t) { pk } }',
                      {"t": "x" * (400 * 1024)})
    assert res.error_types() == ["DynamoDB:ValidationException"]
    assert "Item size has exceeded" in res.errors[0]["message"]
    assert res.dynamodb["byOperation"] == {"PutItem": 1}  # it reached DynamoDB
    assert gql.data('{ getItem(pk: "big", sk: "a") { pk } }') == {"getItem": None}


def test_util_error_sites_are_recorded_by_template_and_line(gql, toy_runtime):
    gql.execute('{ fail(errorType: "Site") { pk } }')
    sites = requests.get(toy_runtime.stats).json()["errorSites"]
    assert {"template": "aws_appsync_resolver.Query_fail.response_template", "line": 1,
            "errorType": "Site"} in sites


@pytest.mark.parametrize("mutation", [
    'updateTitleRaw(pk: "{pk}", sk: "a", title: "B", expectedVersion: 7) {{ pk }}',
    'deleteItemRaw(pk: "{pk}", sk: "a", expectedVersion: 7) {{ pk }}',
])
def test_update_and_delete_condition_failure_carry_the_current_item(gql, mutation):
    """AppSync reads the item after a failed condition and returns it in the error's data
    (resolver mapping template reference for DynamoDB, "Condition expressions")."""
    pk = f"cf-{uuid.uuid4().hex[:8]}"
    gql.data(f'mutation {{ putItem(pk: "{pk}", sk: "a", title: "A") {{ pk }} }}')
    res = gql.execute("mutation { " + mutation.format(pk=pk) + " }")
    [err] = res.errors
    assert err["errorType"] == "DynamoDB:ConditionalCheckFailedException"
    assert err["data"] == {"pk": pk, "sk": "a", "title": "A", "version": 1}
    assert res.dynamodb["byOperation"]["GetItem"] == 1  # the read after the failure


def test_a_failed_put_equal_but_for_equals_ignore_counts_as_done(gql):
    """Condition expressions, equalsIgnore: the item already there equals the one to write
    except in the ignored attributes, so AppSync answers success with the stored item."""
    pk = f"ei-{uuid.uuid4().hex[:8]}"
    put = ('mutation($t: String, $v: Int!) { putItemVersioned(pk: "' + pk +
           '", sk: "a", title: $t, version: $v) { title version } }')
    assert gql.data(put, {"t": "A", "v": 1}) == {"putItemVersioned": {"title": "A", "version": 1}}
    same = gql.execute(put, {"t": "A", "v": 2})
    assert same.errors == [] and same.data == {"putItemVersioned": {"title": "A", "version": 1}}
    other = gql.execute(put, {"t": "B", "v": 3})
    assert other.error_types() == ["DynamoDB:ConditionalCheckFailedException"]
