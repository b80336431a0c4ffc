"""Who may do what, end to end: the authorization matrix generated from the schema's @auth rules
(modules/codegen/matrix.py), every operation called by every kind of caller the stack's modes
admit. An allowed call succeeds; a refused one answers `Unauthorized` and changes no item of
any table. Owner checks hold under concurrency (the write's condition, not the read, decides).
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from local.jwt_token import make_token
from modules.codegen.matrix import NO, OWN, YES, Caller, allowed, callers
from modules.codegen.parse import load
from modules.config import Settings
from tests.e2e.graphql_client import IAM_ARN, IAM_AUTH, GraphQLClient, jwt_auth
from tests.e2e.test_batch import batch_input
from tests.e2e.test_ml import IMAGE

ROOT = Path(__file__).resolve().parents[2]
OIDC_ISSUER = "https://issuer.example"
# The modes cdktf.json leaves off, for a second stack served with all five.
ALL_MODES = {"additional_authentication_types": ["AWS_IAM", "AMAZON_COGNITO_USER_POOLS",
                                                 "OPENID_CONNECT", "AWS_LAMBDA"],
             "oidc_issuer": OIDC_ISSUER,
             "lambda_authorizer_arn": "arn:aws:lambda:us-east-1:123456789012:function:authz"}


def start_input(model: str) -> dict:
    return {"modelName": model, "algorithmImage": IMAGE,
            "inputUri": "s3://data/train/", "outputUri": "s3://data/out/",
            "instanceType": "ml.m5.large"}


# One request per operation, built from a fixture `f` (fresh items, see `Fixture`). The
# expectations are not here: they come from the schema's rules.
REQUESTS = {
    "getModel": ("query($n: String!) { getModel(name: $n) { name } }",
                 lambda f: {"n": f["model"]}),
    "listModels": ("query($o: String) { listModels(owner: $o) { items { name } } }",
                   lambda f: {"o": f["owner"]}),
    "getModelVersion": ("query($m: String!) { getModelVersion(modelName: $m, version: 1) "
                        "{ version } }", lambda f: {"m": f["model"]}),
    "listModelVersions": ("query($m: String!) { listModelVersions(modelName: $m) "
                          "{ items { version } } }", lambda f: {"m": f["model"]}),
    "getTrainingJob": ("query($id: ID!) { getTrainingJob(id: $id) { id } }",
                       lambda f: {"id": f["final_job"]}),
    "listTrainingJobs": ("query($m: String!) { listTrainingJobs(modelName: $m) "
                         "{ items { id } } }", lambda f: {"m": f["model"]}),
    "getPrediction": ("query($id: ID!) { getPrediction(id: $id) { id } }",
                      lambda f: {"id": f["prediction"]}),
    "listPredictions": ("query($m: String!) { listPredictions(modelName: $m) "
                        "{ items { id caller } } }", lambda f: {"m": f["model"]}),
    "addModel": ("mutation($n: String!) { addModel(name: $n) { name } }",
                 lambda f: {"n": f"{f['model']}-added"}),
    "createModel": ("mutation($n: String!) { createModel(input: {name: $n}) { name } }",
                    lambda f: {"n": f"{f['model']}-created"}),
    "updateModel": ("mutation($n: String!, $r: Int!) { updateModel(input: {name: $n, "
                    "expectedRevision: $r, description: \"changed\"}) { name } }",
                    lambda f: {"n": f["model"], "r": f["revision"]}),
    "deleteModel": ("mutation($n: String!) { deleteModel(name: $n, expectedRevision: 1) "
                    "{ name } }", lambda f: {"n": f["bare_model"]}),
    "registerModelVersion": ("mutation($m: String!) { registerModelVersion(input: {modelName: "
                             "$m, artifactUri: \"s3://a/m2.tgz\"}) { version } }",
                             lambda f: {"m": f["model"]}),
    "setModelVersionApproval": ("mutation($m: String!) { setModelVersionApproval(modelName: $m,"
                                " version: 2, approvalStatus: APPROVED) { version } }",
                                lambda f: {"m": f["model"]}),
    "setModelVersionEndpoint": ("mutation($m: String!) { setModelVersionEndpoint(modelName: "
                                "$m, version: 1, endpointName: \"ep-other\") { version } }",
                                lambda f: {"m": f["model"]}),
    "setModelAlias": ("mutation($m: String!) { setModelAlias(name: $m, alias: \"canary\", "
                      "version: 1) { name } }", lambda f: {"m": f["model"]}),
    "removeModelAlias": ("mutation($m: String!) { removeModelAlias(name: $m, alias: \"prod\") "
                         "{ name } }", lambda f: {"m": f["model"]}),
    "createTrainingJob": ("mutation($m: String!) { createTrainingJob(input: {modelName: $m}) "
                          "{ id } }", lambda f: {"m": f["model"]}),
    "updateTrainingJob": ("mutation($id: ID!, $m: String!) { updateTrainingJob(input: {id: $id, "
                          "modelName: $m, status: FAILED}) { id } }",
                          lambda f: {"id": f["pending_job"], "m": f["model"]}),
    "recordPrediction": ("mutation($m: String!) { recordPrediction(input: {modelName: $m, "
                         "input: \"{}\"}) { id } }", lambda f: {"m": f["model"]}),
    "startTrainingJob": ("mutation($i: StartTrainingJobInput!) { startTrainingJob(input: $i) "
                         "{ id } }", lambda f: {"i": start_input(f["model"])}),
    "stopTrainingJob": ("mutation($id: ID!) { stopTrainingJob(id: $id) { id } }",
                        lambda f: {"id": f["running_job"]}),
    "refreshTrainingJob": ("mutation($id: ID!) { refreshTrainingJob(id: $id) { id } }",
                           lambda f: {"id": f["running_job"]}),
    "predict": ("mutation($m: String!) { predict(input: {modelName: $m, version: 1, "
                "input: \"{}\"}) { id caller } }", lambda f: {"m": f["model"]}),
    "getBatchPrediction": ("query($id: ID!) { getBatchPrediction(id: $id) { id } }",
                           lambda f: {"id": f["batch"]}),
    "listBatchPredictions": ("query($m: String!) { listBatchPredictions(modelName: $m) "
                             "{ items { id } } }", lambda f: {"m": f["model"]}),
    "startBatchPrediction": ("mutation($i: StartBatchPredictionInput!) { startBatchPrediction("
                             "input: $i) { id } }", lambda f: {"i": batch_input(f["model"])}),
    "stopBatchPrediction": ("mutation($id: ID!) { stopBatchPrediction(id: $id) { id } }",
                            lambda f: {"id": f["batch"]}),
    "refreshBatchPrediction": ("mutation($id: ID!) { refreshBatchPrediction(id: $id) { id } }",
                               lambda f: {"id": f["batch"]}),
    "getDeployment": ("query($id: ID!) { getDeployment(id: $id) { id } }",
                      lambda f: {"id": f["deployment"]}),
    "listDeployments": ("query($m: String!) { listDeployments(modelName: $m) { items { id } } }",
                        lambda f: {"m": f["model"]}),
    "deployModelVersion": ("mutation($i: DeployModelVersionInput!) { deployModelVersion(input: "
                           "$i) { id } }", lambda f: {"i": deploy_input(f["model"])}),
    "undeployModelVersion": ("mutation($m: String!) { undeployModelVersion(modelName: $m) "
                             "{ id } }", lambda f: {"m": f["model"]}),
    "refreshDeployment": ("mutation($id: ID!) { refreshDeployment(id: $id) { id } }",
                          lambda f: {"id": f["deployment"]}),
}


def deploy_input(model: str) -> dict:
    """Version 3 of the fixture's model: approved, deployable."""
    return {"modelName": model, "version": 3, "image": IMAGE, "instanceType": "ml.m5.large"}


@pytest.fixture(scope="module")
def schema():
    return load(ROOT / "schema" / "model_registry.graphql")


@pytest.fixture(scope="module")
def modes(model_api_stack) -> tuple[str, ...]:
    """The modes the served stack enables (what the runtime admits)."""
    api = next(iter(json.loads(model_api_stack.read_text())["resource"]
                    ["aws_appsync_graphql_api"].values()))
    extra = [p["authentication_type"] for p in api.get("additional_authentication_provider", [])]
    return (api["authentication_type"], *extra)


class Callers:
    """A client per kind of caller; owners sign in with the sub the fixtures store as owner."""

    def __init__(self, runtime, kinds: list[Caller]) -> None:
        self.runtime = runtime
        self.owner_sub = f"owner-{uuid.uuid4()}"
        self.clients = {c.label: self._client(c) for c in kinds}

    def _client(self, c: Caller) -> GraphQLClient:
        url = self.runtime.graphql
        if c.mode == "API_KEY":
            return GraphQLClient(url, self.runtime.api_key)
        if c.mode == "AWS_IAM":
            return GraphQLClient(url, None, auth=IAM_AUTH)
        if c.mode == "AWS_LAMBDA":  # the local stand-in authorizer (local/patches.js)
            return GraphQLClient(url, None, auth={"Authorization": f"allow:{uuid.uuid4()}"})
        sub = self.owner_sub if c.owns else f"user-{uuid.uuid4()}"
        issuer = None if c.mode == "AMAZON_COGNITO_USER_POOLS" else OIDC_ISSUER
        return GraphQLClient(url, None, auth=jwt_auth(make_token(sub, list(c.groups),
                                                                 issuer=issuer)))


@pytest.fixture(scope="module")
def kinds(schema, modes) -> list[Caller]:
    return callers(schema, modes)


@pytest.fixture(scope="module")
def clients(local_runtime, kinds) -> Callers:
    return Callers(local_runtime, kinds)


@pytest.fixture(scope="module")
def tables(local_runtime, tables_of):
    return tables_of(local_runtime)


@pytest.fixture(scope="module")
def tables_of():
    return _tables


def _tables(runtime):
    """snapshot() of every table's items; .client and .names for fixtures."""
    ddb = runtime.dynamodb()
    names = runtime.info["tables"]
    names = list(names.values()) if isinstance(names, dict) else list(names)

    def snapshot() -> dict:
        out = {}
        for name in names:
            items = []
            for page in ddb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
                items += page["Items"]
            out[name] = sorted(json.dumps(i, sort_keys=True) for i in items)
        return out

    snapshot.client = ddb
    snapshot.names = names
    return snapshot


# What an operation's request needs beyond the keys its variables read (see REQUESTS).
NEEDS = {
    "deployModelVersion": ("version3",),   # deploy_input: version 3, approved
    "undeployModelVersion": ("deployment",),
    "listPredictions": ("prediction",),    # an owner-only caller must see its own
    # A list an allowed caller reads must hold an item (see check_operation).
    "listTrainingJobs": ("final_job",),
    "listBatchPredictions": ("batch",),
    "listDeployments": ("deployment",),
}


class Fixture(dict):
    """Fresh items for one call, each part built the first time a request reads one of its
    keys (a part costs up to a dozen requests; most operations read one or two).

    Always: a model owned by `owner_sub` with version 1 (endpoint, approved, alias prod) and a
    pending version 2. Parts: the bare model; a final and a pending job; a running job; a
    prediction of `owner_sub`; a running batch prediction; version 3 approved (`version3`) and
    deployed, its endpoint in service (`deployment`). `revision` is read when asked for, so it
    is the model's revision after every part built before it."""

    def __init__(self, graphql: GraphQLClient, tables, owner_sub: str) -> None:
        super().__init__(owner=owner_sub)
        self.graphql, self.tables = graphql, tables
        self.parts = {"bare_model": self._bare, "final_job": self._jobs,
                      "pending_job": self._jobs, "running_job": self._running,
                      "prediction": self._prediction, "batch": self._batch,
                      "version3": self._version3, "deployment": self._deployment,
                      "revision": self._revision}
        self._model()

    def need(self, *keys: str) -> Fixture:
        for key in keys:
            self[key]
        return self

    def __missing__(self, key: str):
        self.parts[key]()
        return dict.__getitem__(self, key)

    def _data(self, query: str, variables: dict) -> dict:
        return self.graphql.data(query, variables)

    def _model(self) -> None:
        name = self["model"] = f"az-{uuid.uuid4().hex[:10]}"
        self._data("mutation($n: String!, $o: String!) { createModel(input: {name: $n, "
                   "owner: $o}) { name } }", {"n": name, "o": self["owner"]})
        self._data("mutation($m: String!) { registerModelVersion(input: {modelName: $m, "
                   "artifactUri: \"s3://a/m.tgz\", endpointName: \"ep-local\"}) { version } }",
                   {"m": name})
        self._data("mutation($m: String!) { setModelVersionApproval(modelName: $m, version: 1, "
                   "approvalStatus: APPROVED) { version } }", {"m": name})
        self._data("mutation($m: String!) { setModelAlias(name: $m, alias: \"prod\", "
                   "version: 1) { name } }", {"m": name})
        # Version 2 waits for a decision (version 1 is approved: a decision is final).
        self._data("mutation($m: String!) { registerModelVersion(input: {modelName: $m, "
                   "artifactUri: \"s3://a/m.tgz\"}) { version } }", {"m": name})

    def _bare(self) -> None:
        self["bare_model"] = f"{self['model']}-bare"
        self._data("mutation($n: String!) { createModel(input: {name: $n}) { name } }",
                   {"n": self["bare_model"]})

    def _jobs(self) -> None:
        job = "mutation($m: String!) { createTrainingJob(input: {modelName: $m}) { id } }"
        final = self["final_job"] = self._data(job, {"m": self["model"]})["createTrainingJob"]["id"]
        self._data("mutation($id: ID!, $m: String!) { updateTrainingJob(input: {id: $id, "
                   "modelName: $m, status: FAILED}) { id } }", {"id": final, "m": self["model"]})
        self["pending_job"] = self._data(job, {"m": self["model"]})["createTrainingJob"]["id"]

    def _running(self) -> None:
        self["running_job"] = self._data(REQUESTS["startTrainingJob"][0], {
            "i": start_input(self["model"])})["startTrainingJob"]["id"]

    def _batch(self) -> None:
        self["batch"] = self._data(REQUESTS["startBatchPrediction"][0], {
            "i": batch_input(self["model"])})["startBatchPrediction"]["id"]

    def _prediction(self) -> None:
        made = self._data("mutation($m: String!) { recordPrediction(input: {modelName: $m, "
                          "input: \"{}\"}) { id } }", {"m": self["model"]})
        prediction = self["prediction"] = made["recordPrediction"]["id"]
        # The prediction's caller is the owner (as if it had called predict itself).
        table = next(n for n in self.tables.names if n.endswith("-predictions"))
        self.tables.client.update_item(TableName=table, Key={"id": {"S": prediction}},
                                       UpdateExpression="SET #c = :c",
                                       ExpressionAttributeNames={"#c": "caller"},
                                       ExpressionAttributeValues={":c": {"S": self["owner"]}})

    def _version3(self) -> None:
        self._data("mutation($m: String!) { registerModelVersion(input: {modelName: $m, "
                   "artifactUri: \"s3://a/m2.tgz\"}) { version } }", {"m": self["model"]})
        self._data("mutation($m: String!) { setModelVersionApproval(modelName: $m, version: 3, "
                   "approvalStatus: APPROVED) { version } }", {"m": self["model"]})
        self["version3"] = 3

    def _deployment(self) -> None:
        self.need("version3")
        deployment = self._data(REQUESTS["deployModelVersion"][0], {
            "i": deploy_input(self["model"])})["deployModelVersion"]["id"]
        for _ in range(2):  # two reads of the deployment: its endpoint in service
            self._data("query($id: ID!) { getDeployment(id: $id) { id } }", {"id": deployment})
        self["deployment"] = deployment

    def _revision(self) -> None:
        self["revision"] = self._data("query($n: String!) { getModel(name: $n) { revision } }",
                                      {"n": self["model"]})["getModel"]["revision"]


def test_every_operation_has_a_request(schema):
    """A new operation needs its request here; its expectations come from its @auth rules."""
    assert {op.field for op in schema.operations} == set(REQUESTS)
    assert set(NEEDS) <= set(REQUESTS), "NEEDS names an operation REQUESTS does not have"


def test_every_operation_has_rules_and_the_api_key_keeps_the_seed(schema):
    by_name = {op.field: op.auth for op in schema.operations}
    assert all(auth.rules for auth in by_name.values())
    api_key = Caller("API key", "API_KEY")
    assert allowed(by_name["getModel"], api_key) == YES
    assert allowed(by_name["addModel"], api_key) == YES


@pytest.mark.parametrize("field", sorted(REQUESTS))
def test_authorization_matrix(field, schema, kinds, clients, graphql, tables):
    """Each kind of caller against one operation: the cell the rules give, nothing else."""
    check_operation(schema, field, kinds, clients, graphql, tables)


def check_operation(schema, field, kinds, clients, graphql, tables) -> None:
    op = next(o for o in schema.operations if o.field == field)
    query, variables = REQUESTS[field]

    def request(f: Fixture) -> dict:
        """The variables, every part they or the operation need built first (so a refused
        call is measured against a snapshot taken after the fixture's own writes)."""
        return variables(f.need(*NEEDS.get(field, ())))

    shared = request(Fixture(graphql, tables, clients.owner_sub))
    expect = {c.label: allowed(op.auth, c, op.kind == "list") for c in kinds}
    refused = [c for c in kinds if expect[c.label] == NO]
    # One snapshot around every refused caller: any change by any of them fails.
    before = tables()
    for caller in refused:
        res = clients.clients[caller.label].execute(query, shared)
        assert res.error_types() == ["Unauthorized"], (caller.label, res.errors)
        assert (res.data or {}).get(field) is None, caller.label
    assert tables() == before, f"{[c.label for c in refused]}: a refused {field} changed an item"
    for caller in kinds:
        expected = expect[caller.label]
        if expected == NO:
            continue
        fresh = shared if op.auth.operation == "read" else request(
            Fixture(graphql, tables, clients.owner_sub))
        res = clients.clients[caller.label].execute(query, fresh)
        assert res.errors == [], (caller.label, res.errors)
        assert res.data[field] is not None, caller.label
        if expected == OWN:  # an owner-only caller lists its own items only
            items = res.data[field]["items"]
            assert all(i["caller"] == clients.owner_sub for i in items), caller.label
            assert (len(items) == 1) == caller.owns, (caller.label, items)
        elif op.kind == "list":  # the fixture's items, each type's auth directives read
            assert res.data[field]["items"], (caller.label, f"{field} listed nothing")


def test_identity_is_recorded_from_the_caller_never_from_input(graphql, clients, kinds):
    engineer = next(c for c in kinds if "ml-engineers" in c.groups)
    client = clients.clients[engineer.label]
    name = f"id-{uuid.uuid4().hex[:8]}"
    made = client.data("mutation($n: String!) { createModel(input: {name: $n}) "
                       "{ owner createdBy updatedBy } }", {"n": name})["createModel"]
    sub = _sub(client)
    assert made == {"owner": sub, "createdBy": sub, "updatedBy": sub}
    changed = graphql.data("mutation($n: String!) { updateModel(input: {name: $n, "
                           "expectedRevision: 1, description: \"d\"}) { createdBy updatedBy } }",
                           {"n": name})["updateModel"]
    assert changed == {"createdBy": sub, "updatedBy": IAM_ARN}


def test_only_admins_change_an_owner(graphql, clients, kinds, tables):
    """The owner may update its model but not give it away (field rule on Model.owner)."""
    owner = clients.clients[next(c.label for c in kinds if c.owns
                                 and c.mode == "AMAZON_COGNITO_USER_POOLS")]
    admin = clients.clients[next(c.label for c in kinds if "ml-admins" in c.groups)]
    f = Fixture(graphql, tables, clients.owner_sub)
    give = ("mutation($n: String!, $r: Int!) { updateModel(input: {name: $n, expectedRevision: "
            "$r, owner: \"someone-else\"}) { owner revision } }")
    before = tables()
    res = owner.execute(give, {"n": f["model"], "r": f["revision"]})
    assert res.error_types() == ["Unauthorized"] and tables() == before
    done = admin.data(give, {"n": f["model"], "r": f["revision"]})["updateModel"]
    assert done["owner"] == "someone-else"


def test_an_owner_check_is_the_write_s_condition_under_concurrency(graphql, clients, kinds,
                                                                  tables):
    """The owner updates while an admin gives the model away: whichever lands first, the
    owner's write never lands on a model it no longer owns."""
    owner = clients.clients[next(c.label for c in kinds if c.owns
                                 and c.mode == "AMAZON_COGNITO_USER_POOLS")]
    admin = clients.clients[next(c.label for c in kinds if "ml-admins" in c.groups)]
    for _ in range(5):
        f = Fixture(graphql, tables, clients.owner_sub)
        vars_ = {"n": f["model"], "r": f["revision"]}
        with ThreadPoolExecutor(2) as pool:
            give = pool.submit(admin.execute, "mutation($n: String!, $r: Int!) { updateModel("
                               "input: {name: $n, expectedRevision: $r, owner: \"new-owner\"}) "
                               "{ revision } }", vars_)
            edit = pool.submit(owner.execute, "mutation($n: String!, $r: Int!) { updateModel("
                               "input: {name: $n, expectedRevision: $r, description: \"mine\"}) "
                               "{ revision } }", vars_)
            results = [give.result(), edit.result()]
        final = graphql.data("query($n: String!) { getModel(name: $n) { owner description "
                             "revision updatedBy } }", {"n": f["model"]})["getModel"]
        landed = [r for r in results if not r.errors]
        assert len(landed) == 1, [r.errors for r in results]
        assert final["revision"] == f["revision"] + 1
        if final["description"] == "mine":  # the owner's write landed: it still owned it
            assert final["owner"] == clients.owner_sub
        else:
            assert final["owner"] == "new-owner"
            assert results[1].error_types()[0] in ("StaleRevision", "Unauthorized")


def _sub(client: GraphQLClient) -> str:
    import base64

    body = client.auth["Authorization"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["sub"]


def test_settings_of_the_served_stack_match_the_modes(modes):
    """The matrix runs every mode cdktf.json enables (a mode added there is tested here)."""
    assert set(modes) == set(Settings.load(ROOT / "cdktf.json").auth_modes)


@pytest.fixture(scope="module")
def all_modes_runtime(tmp_path_factory):
    """The stack synthesized with every mode on (OIDC and a Lambda authorizer too), served."""
    import os
    import subprocess
    import sys

    from local.harness import LocalRuntime

    tmp = tmp_path_factory.mktemp("all-modes")
    config = tmp / "config.json"
    config.write_text(json.dumps(ALL_MODES))
    out = tmp / "out"
    env = {**os.environ, "MODEL_API_CONFIG": str(config), "CDKTF_OUTDIR": str(out)}
    done = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    with LocalRuntime(out / "stacks" / "model-api" / "cdk.tf.json") as rt:
        yield rt


def test_oidc_and_lambda_callers_follow_the_matrix(all_modes_runtime, schema, tables_of):
    """Every operation for the OIDC callers (groups from the `groups` claim) and a Lambda
    authorizer's principal, on a stack that enables all five modes."""
    rt = all_modes_runtime
    served = tuple(rt.info.get("auth") or ())
    assert set(served) == {"API_KEY", *ALL_MODES["additional_authentication_types"]}
    kinds = [c for c in callers(schema, served) if c.mode in ("OPENID_CONNECT", "AWS_LAMBDA")]
    assert {c.mode for c in kinds} == {"OPENID_CONNECT", "AWS_LAMBDA"}
    clients = Callers(rt, kinds)
    graphql = GraphQLClient(rt.graphql, None, auth=IAM_AUTH)
    for field in sorted(REQUESTS):
        check_operation(schema, field, kinds, clients, graphql, tables_of(rt))


def test_a_lambda_principal_is_recorded_and_a_refused_token_is_401(all_modes_runtime):
    rt = all_modes_runtime
    lam = GraphQLClient(rt.graphql, None, auth={"Authorization": "allow:svc-reporting"})
    res = lam.execute("mutation { addModel(name: \"by-lambda\") { name } }")
    assert res.error_types() == ["Unauthorized"]  # no rule admits Lambda callers to create
    assert lam.data("query { listModels { items { name } } }")["listModels"] is not None
    refused = GraphQLClient(rt.graphql, None, auth={"Authorization": "deny"})
    res = refused.execute("query { listModels { items { name } } }")
    assert res.status == 401 and res.errors[0]["errorType"] == "UnauthorizedException"
