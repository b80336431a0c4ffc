"""nextToken is opaque and tamper-evident, as AppSync's: a token the runtime did not issue is
refused with AppSync's errorType and never reaches DynamoDB."""

from __future__ import annotations

import base64
import json

import pytest

LIST = ('query($t: String) { listItems(pk: "tok", limit: 1, nextToken: $t) '
        "{ items { sk } nextToken } }")
# AppSync's answer to a token it cannot use (aws-amplify/amplify-cli#3411, amplify-js#4880).
INVALID = "DynamoDB:UserIllegalArgumentException"


@pytest.fixture(scope="module")
def token(gql) -> str:
    for sk in ("a", "b", "c"):
        gql.data(f'mutation {{ putItem(pk: "tok", sk: "{sk}", title: "{sk}") {{ pk }} }}')
    first = gql.data(LIST, {"t": None})["listItems"]
    assert [i["sk"] for i in first["items"]] == ["a"] and first["nextToken"]
    return first["nextToken"]


def test_token_pages_on(gql, token):
    page = gql.data(LIST, {"t": token})["listItems"]
    assert [i["sk"] for i in page["items"]] == ["b"]


def test_token_does_not_show_the_key(token):
    raw = base64.b64decode(token)
    assert b"tok" not in raw and b'"pk"' not in raw and b"sk" not in raw


def forged() -> str:
    """What the old token was: the key as base64 JSON, here pointing past the first item."""
    return base64.b64encode(json.dumps({"pk": {"S": "tok"}, "sk": {"S": "a"}}).encode()).decode()


def tampered(token: str) -> str:
    raw = bytearray(base64.b64decode(token))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("make", [
    lambda t: "not a token",
    lambda t: "abc",
    lambda t: "",
    lambda t: t[:-4],
    lambda t: t + "x",
    lambda t: forged(),
    tampered,
], ids=["garbled", "short", "empty", "truncated", "appended", "forged", "tampered"])
def test_token_not_issued_here_is_refused(gql, token, make):
    res = gql.execute(LIST, {"t": make(token)})
    assert res.data == {"listItems": None}
    [err] = res.errors
    assert err["errorType"] == INVALID
    assert "Invalid pagination token" in err["message"]
    assert "SyntaxError" not in err["message"] and "Traceback" not in err["message"]
    assert res.requests == 0  # refused before any DynamoDB call
