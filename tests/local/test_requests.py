"""Malformed HTTP requests get AppSync's answer: a GraphQL-shaped JSON error with its status,
never an HTML page or a stack trace (graphql/graphql-over-http#81, AppSync's own statement)."""

from __future__ import annotations

import json

import pytest
import requests

MALFORMED = "MalformedHttpRequestException"
QUERY = '{ getItem(pk: "rq", sk: "a") { pk } }'


def send(rt, method: str = "POST", body: bytes | str | None = None, *,
         content_type: str | None = "application/json", params: dict | None = None,
         path: str = "/graphql") -> requests.Response:
    headers = {"x-api-key": rt.api_key}
    if content_type:
        headers["content-type"] = content_type
    url = rt.graphql.rsplit("/graphql", 1)[0] + path
    return requests.request(method, url, data=body, headers=headers, params=params, timeout=30)


def errors_of(r: requests.Response) -> list[dict]:
    """The response's errors, checking it is JSON with no trace of the server's files."""
    assert r.headers["content-type"].startswith("application/json"), r.text[:300]
    assert "<html" not in r.text.lower() and "node_modules" not in r.text
    assert "    at " not in r.text and "Traceback" not in r.text
    return r.json()["errors"]


@pytest.mark.parametrize(("body", "message"), [
    ("", "Request body is empty."),
    ("   ", "Request body is empty."),
    ("meow", "Unable to parse GraphQL query."),
    ("{}}", "Unable to parse GraphQL query."),
    ("{}", "Unable to parse GraphQL query."),
    ("[]", "Unable to parse GraphQL query."),
    ('"{ getItem }"', "Unable to parse GraphQL query."),
    ("42", "Unable to parse GraphQL query."),
    ("null", "Unable to parse GraphQL query."),
    ('{"query": 5}', "Unable to parse GraphQL query."),
    ('{"query": ""}', "Unable to parse GraphQL query."),
    ('{"variables": {}}', "Unable to parse GraphQL query."),
    ('{"query": "{ getItem("}', "Unable to parse GraphQL query."),
    (json.dumps({"query": QUERY, "variables": [1]}), "variables must be a JSON object."),
    (json.dumps({"query": QUERY, "operationName": 1}), "operationName must be a string."),
], ids=["empty", "blank", "not-json", "bad-json", "no-query", "array", "string", "number",
        "null", "query-not-string", "query-empty", "variables-only", "syntax-error",
        "variables-list", "operation-name-number"])
def test_malformed_body_is_a_400_graphql_error(toy_runtime, body, message):
    r = send(toy_runtime, body=body)
    assert r.status_code == 400
    assert [(e["message"], e["errorType"]) for e in errors_of(r)] == [(message, MALFORMED)]


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/graphql"])
def test_bad_body_under_any_content_type_is_the_same_error(toy_runtime, content_type):
    r = send(toy_runtime, body="meow", content_type=content_type)
    assert r.status_code == 400
    assert errors_of(r) == [{"message": "Unable to parse GraphQL query.", "errorType": MALFORMED}]


def test_json_body_is_read_whatever_its_content_type(toy_runtime):
    """AppSync's security guide sends its curl example as Content-Type application/graphql."""
    r = send(toy_runtime, body=json.dumps({"query": QUERY}), content_type="application/graphql")
    assert r.status_code == 200 and r.json()["data"] == {"getItem": None}


def test_get_with_a_query_runs_it(toy_runtime):
    r = send(toy_runtime, "GET", content_type=None, params={"query": QUERY})
    assert r.status_code == 200 and r.json()["data"] == {"getItem": None}


@pytest.mark.parametrize("params", [None, {"query": ""}, {"query": QUERY, "variables": "{"}],
                         ids=["no-query", "empty-query", "bad-variables"])
def test_get_without_a_usable_query_is_a_400_graphql_error(toy_runtime, params):
    r = send(toy_runtime, "GET", content_type=None, params=params)
    assert r.status_code == 400
    [err] = errors_of(r)
    assert err["errorType"] == MALFORMED


def test_unknown_operation_name_is_a_graphql_error(toy_runtime):
    r = send(toy_runtime, body=json.dumps({"query": f"query A {QUERY}", "operationName": "B"}))
    assert r.status_code == 400
    [err] = errors_of(r)
    assert err["errorType"] == MALFORMED and "errorMessage" not in r.json()


def test_other_method_is_a_405_graphql_error(toy_runtime):
    r = send(toy_runtime, "PUT", body=json.dumps({"query": QUERY}))
    assert r.status_code == 405 and "POST" in r.headers["allow"]
    [err] = errors_of(r)
    assert err["errorType"] == MALFORMED


def test_body_over_the_limit_is_a_json_error(toy_runtime):
    r = send(toy_runtime, body=b"a" * (10 * 1024 * 1024 + 1))
    assert r.status_code == 413
    [err] = errors_of(r)
    assert err["errorType"] == MALFORMED


def test_unknown_path_is_a_json_404(toy_runtime):
    r = send(toy_runtime, "GET", content_type=None, path="/graphqll")
    assert r.status_code == 404
    assert errors_of(r)[0]["message"].startswith("No resource at GET /graphqll")


def test_cors_preflight_still_answered(toy_runtime):
    r = send(toy_runtime, "OPTIONS", content_type=None)
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "*"
