"""A tiny GraphQL client for the local runtime: data, errors and the request's DynamoDB cost."""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from local.harness import IAM_ARN, IAM_AUTH  # noqa: F401 - re-exported to the tests


@dataclass
class Result:
    status: int
    data: dict | None
    errors: list[dict]
    # {"requests": N, "itemsRead": M, "byOperation": {"GetItem": n, ...}} for this request
    dynamodb: dict = field(default_factory=dict)
    # {"requests": N, "byCall": {"SageMaker.CreateTrainingJob": n}, "servedBy": [...]}: HTTP
    # data-source calls (local/http-loader.js)
    http: dict = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return self.dynamodb.get("requests", 0)

    @property
    def items_read(self) -> int:
        return self.dynamodb.get("itemsRead", 0)

    def error_types(self) -> list[str | None]:
        return [e.get("errorType") for e in self.errors]




def jwt_auth(token: str) -> dict:
    """Headers of a Cognito or OIDC caller (local/jwt_token.py makes the token)."""
    return {"Authorization": token}


class GraphQLClient:
    """`api_key` sends x-api-key; `auth` headers (IAM_AUTH, jwt_auth(...)) a signed-in caller."""

    def __init__(self, url: str, api_key: str | None, timeout: float = 30,
                 auth: dict | None = None):
        self.url = url
        self.api_key = api_key
        self.auth = dict(auth or {})
        self.timeout = timeout
        self.session = requests.Session()

    def execute(self, query: str, variables: dict | None = None, *, api_key: str | None = ...,
                headers: dict | None = None, faults: str | None = None) -> Result:
        """`faults`: fault-injection rules for this request only (header x-local-faults, see
        local/faults.js), e.g. "PutItem#1=throttle,InvokeEndpoint=503"."""
        key = self.api_key if api_key is ... else api_key
        h = {"content-type": "application/json", **self.auth, **(headers or {})}
        if faults:
            h["x-local-faults"] = faults
        if key is not None:
            h["x-api-key"] = key
        r = self.session.post(self.url, json={"query": query, "variables": variables or {}},
                              headers=h, timeout=self.timeout)
        body = r.json()
        return Result(
            status=r.status_code,
            data=body.get("data"),
            errors=body.get("errors") or [],
            dynamodb=(body.get("extensions") or {}).get("dynamodb", {}),
            http=(body.get("extensions") or {}).get("http", {}),
        )

    def data(self, query: str, variables: dict | None = None) -> dict:
        """The data of a request that must succeed (raises with the errors otherwise)."""
        res = self.execute(query, variables)
        if res.errors or res.status != 200:
            raise AssertionError(f"GraphQL errors ({res.status}): {res.errors}")
        return res.data
