"""Every error branch of the templates, driven end to end (test_error_sites.py checks they all ran).

Two sweeps, neither with a list of expected errors:
- each data-source call of a working request fails in turn (fault injection, local/faults.js):
  every DynamoDB call throttled and, when it writes, lost to a concurrent writer (its condition
  fails) and refused for another request's transaction on its item (TransactionConflict);
  every SageMaker/Bedrock call answered 500 or never; the request must answer a GraphQL error,
  never a partial result, and the tables must hold nothing partial (assert_nothing_partial: the
  schema's membership items and counters, read from DynamoDB itself);
- each @constraint of the schema (modules/codegen IR) is broken in turn: ValidationError, no
  DynamoDB or HTTP request.
"""

from __future__ import annotations

import json
import re
import re._parser as sre
import uuid
from collections.abc import Callable

import pytest

from local.harness import HTTP_ACTIONS
from modules.codegen import load
from tests.conftest import ROOT

SCHEMA = ROOT / "schema" / "model_registry.graphql"
CONDITIONAL = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}

# Inside the training policy of cdktf.json (training_images).
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --- working requests, one per field (each sets up its own data) --------------------------

CREATED: list[str] = []  # the models the current setup made (checked after each fault)


def _model(g, **fields) -> str:
    name = unique("eb")
    CREATED.append(name)
    g.data("mutation($i: CreateModelInput!) { createModel(input: $i) { name } }",
           {"i": {"name": name, "owner": name, "tags": [name], **fields}})
    return name


def _version(g, name: str, **fields) -> int:
    return g.data("mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) "
                  "{ version } }", {"i": {"modelName": name, "artifactUri": "s3://b/m.tgz",
                                          **fields}})["registerModelVersion"]["version"]


def _approved(g, name: str) -> int:
    """A version a protected alias (prod) takes."""
    version = _version(g, name)
    g.data("mutation($n: String!, $v: Int!) { setModelVersionApproval(modelName: $n, "
           "version: $v, approvalStatus: APPROVED) { version } }", {"n": name, "v": version})
    return version


def _job(g, name: str, **fields) -> str:
    i = {"modelName": name, "algorithmImage": IMAGE, "inputUri": "s3://data/train/",
         "outputUri": "s3://data/out/", "instanceType": "ml.m5.large", **fields}
    return g.data("mutation($i: StartTrainingJobInput!) { startTrainingJob(input: $i) { id } }",
                  {"i": i})["startTrainingJob"]["id"]


def _retried(setup: Callable) -> Callable:
    """`setup`'s start with a clientToken, sent once first: the measured call is the retry,
    whose put finds the id taken (the first job is read and answered)."""
    def retry(g):
        query, variables = setup(g)
        i = {**variables["i"], "clientToken": uuid.uuid4().hex[:12]}  # 1-36 of [a-z0-9]
        return query, {"i": i, "_": g.data(query, {"i": i})}
    return retry


def _prediction(g, name: str) -> str:
    return g.data("mutation($i: RecordPredictionInput!) { recordPrediction(input: $i) { id } }",
                  {"i": {"modelName": name, "input": "{}"}})["recordPrediction"]["id"]


MODEL = "name latestVersion { version } versions { items { version model { name } } }"
JOB = "id status model { name }"


def _requests() -> dict[str, Callable]:
    """name -> setup(graphql) returning (query, variables) of a request that works."""
    r: dict[str, Callable] = {}
    r["getModel"] = lambda g: (f'query($n: String!) {{ getModel(name: $n) {{ {MODEL} }} }}',
                               {"n": (n := _model(g)), "_": _version(g, n)})
    r["listModels(owner)"] = lambda g: (
        "query($o: String) { listModels(owner: $o) { items { name latestVersion { version } } } }",
        {"o": (n := _model(g)), "_": _version(g, n)})
    r["listModels(tag)"] = lambda g: (
        "query($t: String) { listModels(tag: $t) { items { name latestVersion { version } } } }",
        {"t": (n := _model(g)), "_": _version(g, n)})
    r["getModelVersion"] = lambda g: (
        "query($n: String!) { getModelVersion(modelName: $n, version: 1) "
        "{ version model { name } } }",
        {"n": (n := _model(g)), "_": _version(g, n)})
    r["listModelVersions"] = lambda g: (
        "query($n: String!) { listModelVersions(modelName: $n) "
        "{ items { version model { name } } } }",
        {"n": (n := _model(g)), "_": _version(g, n)})
    r["getTrainingJob"] = lambda g: (
        f"query($id: ID!) {{ getTrainingJob(id: $id) {{ {JOB} }} }}",
        {"id": _job(g, _model(g), registerVersion=True)})
    r["refreshTrainingJob(completes)"] = lambda g: (
        f"mutation($id: ID!) {{ refreshTrainingJob(id: $id) {{ {JOB} }} }}",
        {"id": (j := _job(g, _model(g), registerVersion=True)),
         "_": g.data("query($id: ID!) { getTrainingJob(id: $id) { id } }", {"id": j})})
    r["listTrainingJobs"] = lambda g: (
        f"query($n: String!) {{ listTrainingJobs(modelName: $n) {{ items {{ {JOB} }} }} }}",
        {"n": (n := _model(g)), "_": _job(g, n)})
    r["getPrediction"] = lambda g: (
        "query($id: ID!) { getPrediction(id: $id) { id model { name } } }",
        {"id": _prediction(g, _model(g))})
    r["listPredictions"] = lambda g: (
        "query($n: String!) { listPredictions(modelName: $n) { items { id model { name } } } }",
        {"n": (n := _model(g)), "_": _prediction(g, n)})
    r["addModel"] = lambda g: ('mutation($n: String!) { addModel(name: $n) { name } }',
                               {"n": unique("eb")})
    r["createModel"] = lambda g: (
        "mutation($i: CreateModelInput!) { createModel(input: $i) { name } }",
        {"i": {"name": unique("eb"), "tags": ["t1"]}})
    r["updateModel"] = lambda g: (
        "mutation($i: UpdateModelInput!) { updateModel(input: $i) { name } }",
        {"i": {"name": _model(g), "expectedRevision": 1, "description": "d"}})
    r["updateModel(tags)"] = lambda g: (
        "mutation($i: UpdateModelInput!) { updateModel(input: $i) { name } }",
        {"i": {"name": _model(g), "expectedRevision": 1, "tags": ["other"]}})
    # A field the update leaves as it was: the transaction is followed by a GetItem.
    r["updateModel(tags, read back)"] = lambda g: (
        "mutation($i: UpdateModelInput!) { updateModel(input: $i) { name createdAt } }",
        {"i": {"name": _model(g), "expectedRevision": 1, "tags": ["other"]}})
    r["deleteModel"] = lambda g: (
        "mutation($n: String!) { deleteModel(name: $n, expectedRevision: 1) { name } }",
        {"n": _model(g)})
    r["registerModelVersion"] = lambda g: (
        "mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) { version } }",
        {"i": {"modelName": _model(g), "artifactUri": "s3://b/m.tgz"}})
    r["setModelVersionApproval"] = lambda g: (
        "mutation($n: String!) { setModelVersionApproval(modelName: $n, version: 1, "
        "approvalStatus: APPROVED) { version } }", {"n": (n := _model(g)), "_": _version(g, n)})
    r["setModelVersionEndpoint"] = lambda g: (
        'mutation($n: String!) { setModelVersionEndpoint(modelName: $n, version: 1, '
        'endpointName: "ep") { version } }', {"n": (n := _model(g)), "_": _version(g, n)})
    r["setModelAlias"] = lambda g: (
        'mutation($n: String!) { setModelAlias(name: $n, alias: "prod", version: 1) { name } }',
        {"n": (n := _model(g)), "_": _approved(g, n)})
    # The other aliases are not known to the write: the transaction is followed by a GetItem.
    r["setModelAlias(read back)"] = lambda g: (
        'mutation($n: String!) { setModelAlias(name: $n, alias: "prod", version: 1) '
        "{ name aliases { alias version } } }", {"n": (n := _model(g)), "_": _approved(g, n)})
    r["removeModelAlias"] = lambda g: (
        'mutation($n: String!) { removeModelAlias(name: $n, alias: "prod") { name } }',
        {"n": (n := _model(g)), "_": _approved(g, n),
         "__": g.data('mutation($n: String!) { setModelAlias(name: $n, alias: "prod", '
                      'version: 1) { name } }', {"n": n})})
    r["createTrainingJob"] = lambda g: (
        "mutation($i: CreateTrainingJobInput!) { createTrainingJob(input: $i) { id } }",
        {"i": {"modelName": _model(g)}})
    r["updateTrainingJob"] = lambda g: (
        "mutation($i: UpdateTrainingJobInput!) { updateTrainingJob(input: $i) { id } }",
        {"i": {"id": g.data("mutation($i: CreateTrainingJobInput!) { createTrainingJob(input: $i) "
                            "{ id } }", {"i": {"modelName": (n := _model(g))}}
                            )["createTrainingJob"]["id"],
               "modelName": n, "status": "IN_PROGRESS"}})
    r["recordPrediction"] = lambda g: (
        "mutation($i: RecordPredictionInput!) { recordPrediction(input: $i) { id } }",
        {"i": {"modelName": _model(g), "input": "{}"}})
    r["startTrainingJob"] = lambda g: (
        "mutation($i: StartTrainingJobInput!) { startTrainingJob(input: $i) { id } }",
        {"i": {"modelName": _model(g), "algorithmImage": IMAGE, "inputUri": "s3://data/train/",
               "outputUri": "s3://data/out/", "instanceType": "ml.m5.large"}})
    r["startTrainingJob(retry)"] = _retried(r["startTrainingJob"])
    r["stopTrainingJob"] = lambda g: (
        f"mutation($id: ID!) {{ stopTrainingJob(id: $id) {{ {JOB} }} }}",
        {"id": _job(g, _model(g))})
    r["predict(endpoint)"] = lambda g: (
        "mutation($i: PredictInput!) { predict(input: $i) { id } }",
        {"i": {"modelName": (n := _model(g)), "input": "{}",
               "version": _version(g, n, endpointName="ep-local")}})
    # The version the model's own deployment serves: the model read names the endpoint.
    r["predict(deployed)"] = lambda g: (
        "mutation($i: PredictInput!) { predict(input: $i) { id } }",
        {"i": {"modelName": (n := _model(g)), "input": "{}", "version": _version(g, n)},
         "_": _deployed(g, n, serving=True)})
    r["predict(bedrock)"] = lambda g: (
        "mutation($i: PredictInput!) { predict(input: $i) { id } }",
        {"i": {"modelName": (n := _model(g, inference="BEDROCK")), "input": "{}",
               "version": _version(g, n, bedrockModelId="anthropic.claude-3-haiku-20240307-v1:0")}})
    r["startBatchPrediction"] = lambda g: (
        "mutation($i: StartBatchPredictionInput!) { startBatchPrediction(input: $i) { id } }",
        {"i": _batch_input((n := _model(g)), image=IMAGE, _=_version(g, n))})
    # Without an image: the one of the training job that produced the version.
    r["startBatchPrediction(trained)"] = lambda g: (
        "mutation($i: StartBatchPredictionInput!) { startBatchPrediction(input: $i) { id } }",
        {"i": _batch_input((n := _model(g)),
                           _=_version(g, n, trainingJobId=_job(g, n)))})
    r["startBatchPrediction(retry)"] = _retried(r["startBatchPrediction"])
    r["getBatchPrediction"] = lambda g: (
        f"query($id: ID!) {{ getBatchPrediction(id: $id) {{ {JOB} }} }}",
        {"id": _batch(g, _model(g))})
    # The first Describe answers InProgress (nothing to write), the second Completed.
    r["refreshBatchPrediction(completes)"] = lambda g: (
        f"mutation($id: ID!) {{ refreshBatchPrediction(id: $id) {{ {JOB} }} }}",
        {"id": (b := _batch(g, _model(g))),
         "_": g.data("query($id: ID!) { getBatchPrediction(id: $id) { id } }", {"id": b})})
    r["listBatchPredictions"] = lambda g: (
        f"query($n: String!) {{ listBatchPredictions(modelName: $n) {{ items {{ {JOB} }} }} }}",
        {"n": (n := _model(g)), "_": _batch(g, n)})
    r["stopBatchPrediction"] = lambda g: (
        f"mutation($id: ID!) {{ stopBatchPrediction(id: $id) {{ {JOB} }} }}",
        {"id": _batch(g, _model(g))})
    _deploy_requests(r)
    return r


def _batch_input(name: str, _=None, **fields) -> dict:
    """`_`: a setup step run for its effect (a version) before the input is used."""
    return {"modelName": name, "inputUri": "s3://data/train/", "outputUri": "s3://data/out/",
            "instanceType": "ml.m5.large", **fields}


def _batch(g, name: str) -> str:
    _version(g, name)
    return g.data("mutation($i: StartBatchPredictionInput!) { startBatchPrediction(input: $i) "
                  "{ id } }", {"i": _batch_input(name, image=IMAGE)})["startBatchPrediction"]["id"]


def _deployed(g, name: str, version: int = 1, serving: bool = False) -> str:
    """A deployment of an approved version (its id); `serving`: read until IN_SERVICE."""
    g.data("mutation($n: String!, $v: Int!) { setModelVersionApproval(modelName: $n, "
           "version: $v, approvalStatus: APPROVED) { version } }", {"n": name, "v": version})
    d = g.data("mutation($i: DeployModelVersionInput!) { deployModelVersion(input: $i) { id } }",
               {"i": {"modelName": name, "version": version, "image": IMAGE,
                      "instanceType": "ml.m5.large"}})["deployModelVersion"]["id"]
    for _ in range(2 if serving else 0):
        g.data("query($id: ID!) { getDeployment(id: $id) { id } }", {"id": d})
    return d


def _creating(g, replacing: bool = False) -> str:
    """A deployment whose next read finds its endpoint InService (one read done); `replacing`:
    the model's second, the first serving (that read marks the first REPLACED)."""
    name = _model(g)
    _version(g, name)
    if replacing:
        _deployed(g, name, 1, serving=True)
        _version(g, name)
    d = _deployed(g, name, 2 if replacing else 1)
    g.data("query($id: ID!) { getDeployment(id: $id) { id } }", {"id": d})
    return d


def _deploy_requests(r: dict) -> None:
    """deployModelVersion (create and update), undeployModelVersion, and the refresh that takes
    a deployment IN_SERVICE (its transaction)."""
    deploy = ("mutation($i: DeployModelVersionInput!) { deployModelVersion(input: $i) "
              "{ id status } }")
    approve = ("mutation($n: String!) { setModelVersionApproval(modelName: $n, version: 1, "
               "approvalStatus: APPROVED) { version } }")
    r["deployModelVersion(create)"] = lambda g: (deploy, {
        "i": {"modelName": (n := _model(g)), "version": 1, "image": IMAGE,
              "instanceType": "ml.m5.large"},
        "_": _version(g, n), "__": g.data(approve, {"n": n})})
    r["deployModelVersion(update)"] = lambda g: (deploy, {
        "i": {"modelName": (n := _model(g)), "version": 2, "image": IMAGE,
              "instanceType": "ml.m5.large"},
        "_": _version(g, n), "__": _deployed(g, n, 1, serving=True),
        "___": _version(g, n),
        "____": g.data(approve.replace("version: 1", "version: 2"), {"n": n})})
    r["deployModelVersion(retry)"] = _retried(r["deployModelVersion(create)"])
    r["undeployModelVersion"] = lambda g: (
        "mutation($n: String!) { undeployModelVersion(modelName: $n) { id status } }",
        {"n": (n := _model(g)), "_": _version(g, n), "__": _deployed(g, n, serving=True)})
    r["getDeployment(in service)"] = lambda g: (
        "query($id: ID!) { getDeployment(id: $id) { id status model { name } } }",
        {"id": _creating(g)})
    r["getDeployment(replacing)"] = lambda g: (
        "query($id: ID!) { getDeployment(id: $id) { id status replaces } }",
        {"id": _creating(g, replacing=True)})
    r["listDeployments"] = lambda g: (
        "query($n: String!) { listDeployments(modelName: $n) { items { id model { name } } } }",
        {"n": (n := _model(g)), "_": _version(g, n), "__": _deployed(g, n)})


REQUESTS = _requests()


def _run(graphql, setup, faults=None):
    CREATED.clear()
    query, variables = setup(graphql)
    variables = {k: v for k, v in variables.items() if not k.startswith("_")}
    return graphql.execute(query, variables, faults=faults)


def _faults_for(res) -> list[str]:
    """One rule per call the working request made: each makes exactly that call fail."""
    rules = []
    for op, count in res.dynamodb.get("byOperation", {}).items():
        for n in range(1, count + 1):
            rules.append(f"{op}#{n}=throttle")
            if op in CONDITIONAL:
                rules += [f"{op}#{n}=conflict", f"{op}#{n}=txconflict"]
            if op == "TransactWriteItems":  # the second item's condition (the first: above);
                # a TransactionConflict is named whichever item met it (failure_of_error)
                rules.append(f"{op}#{n}=conflict:1")
    for call in res.http.get("byCall", {}):
        action = call.removeprefix("SageMaker.")
        action = HTTP_ACTIONS.get(action, action)
        rules += [f"{action}#1=500", f"{action}#1=timeout"]
    return rules


@pytest.fixture(scope="module")
def stored(local_runtime):
    """Reads DynamoDB (moto) directly: what the API cannot show, such as an orphan item.
    stored(table, {attribute: string}) is every item whose key has those values: a Query, never
    a Scan, so a check costs the same however much the session has stored."""
    from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415

    client = local_runtime.dynamodb()
    plain = TypeDeserializer().deserialize

    def items(table: str, key: dict[str, str]) -> list[dict]:
        names = {f"#k{i}": attr for i, attr in enumerate(key)}
        values = {f":k{i}": {"S": value} for i, value in enumerate(key.values())}
        pages = client.get_paginator("query").paginate(
            TableName=local_runtime.table(table), ConsistentRead=True,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            KeyConditionExpression=" AND ".join(f"#k{i} = :k{i}" for i in range(len(key))))
        return [{k: plain(v) for k, v in i.items()} for p in pages for i in p["Items"]]
    return items


def assert_nothing_partial(stored, models: list[str]) -> None:
    """Invariants of the schema's own writes, for the models of one request: a membership item
    per list element (@membership), and a counter naming its last child (@create
    counter), whatever failed."""
    for e in IR.entities.values():
        for ms in e.memberships:
            for name in models:
                item = next(iter(stored(e.table, {e.key.hash: name})), None)
                want = set(item.get(ms.field) or []) if item else set()
                # Every element has its item; items of removed elements may stay (writes read
                # no old list), and the list by membership ignores them (list_via.res).
                missing = {v for v in want if not stored(ms.table, {ms.key.hash: v,
                                                                   ms.key.range: name})}
                assert not missing, (ms.ident, name, missing, want)
    for op in IR.operations:
        if not op.counter:
            continue
        parent, counter = op.counter
        for name in models:
            item = next(iter(stored(parent.table, {parent.key.hash: name})), None)
            children = stored(op.entity.table, {op.entity.key.hash: name})
            last = max((c[op.entity.key.range] for c in children), default=0)
            assert (item or {}).get(counter, 0) == last, (op.name, name, item, last)


def test_the_partial_check_sees_a_lost_membership_and_a_stale_counter(graphql, stored,
                                                                      local_runtime):
    """assert_nothing_partial can fail: each invariant broken by hand in DynamoDB is caught."""
    db, table = local_runtime.dynamodb(), local_runtime.table
    # What _model and _version make: a model tagged with its own name, and its version 1.
    ms = next(m for m in IR.entities["Model"].memberships if m.field == "tags")
    op = next(o for o in IR.operations if o.counter and o.counter[0].type_name == "Model")
    (parent, counter), name = op.counter, _model(graphql)
    _version(graphql, name)
    assert_nothing_partial(stored, [name])

    element = stored(ms.table, {ms.key.hash: name, ms.key.range: name})[0]
    db.delete_item(TableName=table(ms.table), Key={ms.key.hash: {"S": name},
                                                   ms.key.range: {"S": name}})
    with pytest.raises(AssertionError, match=ms.ident):
        assert_nothing_partial(stored, [name])
    db.put_item(TableName=table(ms.table), Item={k: {"S": v} for k, v in element.items()})
    assert_nothing_partial(stored, [name])

    def bump(by: int) -> None:
        db.update_item(TableName=table(parent.table), Key={parent.key.hash: {"S": name}},
                       UpdateExpression="SET #c = #c + :by",
                       ExpressionAttributeNames={"#c": counter},
                       ExpressionAttributeValues={":by": {"N": str(by)}})
    bump(1)
    with pytest.raises(AssertionError, match=op.name):
        assert_nothing_partial(stored, [name])
    bump(-1)  # the shared runtime keeps no broken model behind
    assert_nothing_partial(stored, [name])


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_each_call_failing_in_turn_is_a_graphql_error(graphql, stored, name):
    setup = REQUESTS[name]
    working = _run(graphql, setup)
    assert working.errors == [], (name, working.errors)
    rules = _faults_for(working)
    assert rules, f"{name} made no data-source call"
    for rule in rules:
        res = _run(graphql, setup, faults=rule)
        # A lost condition may be answered quietly by design (a racing refresh that did not
        # store the completion); any other failed call must be an error, never a clean result.
        if "=conflict" not in rule:
            assert res.errors, (name, rule, "a failed call must not answer a clean result")
        assert all(e.get("errorType") for e in res.errors), (name, rule, res.errors)
        if "=txconflict" in rule:  # named, whatever the template: the caller may send it again
            assert "TransactionConflict" in res.error_types(), (name, rule, res.errors)
            assert not any(t.startswith("DynamoDB:") for t in res.error_types()), res.errors
        assert_nothing_partial(stored, CREATED)


# --- every @constraint of the schema broken in turn ------------------------------------------

def sample(pattern: str, min_length: int = 0) -> str:
    """The shortest string matching a @constraint pattern (they use classes, groups, repeats)
    that has at least `min_length` characters: each repeat is taken `k` times (or its own
    bounds), for the smallest k that gives one."""
    def walk(items, k: int) -> str:
        out = ""
        for op, av in items:
            if op is sre.LITERAL:
                out += chr(av)
            elif op is sre.IN:
                out += next(one(kind, v) for kind, v in av if kind is not sre.NEGATE)
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
                low, high, sub = av
                out += walk(sub, k) * min(max(low, k), high)
            elif op is sre.SUBPATTERN:
                out += walk(av[-1], k)
            elif op is sre.BRANCH:
                out += walk(av[1][0], k)
            else:
                raise ValueError(f"sample() does not know {op} in {pattern!r}")
        return out

    def one(kind, v) -> str:
        if kind is sre.LITERAL:
            return chr(v)
        if kind is sre.RANGE:
            return chr(v[0])
        if kind is sre.CATEGORY and v is sre.CATEGORY_NOT_SPACE:
            return "x"
        raise ValueError(f"sample() does not know {kind} in {pattern!r}")

    parsed = sre.parse(pattern)
    text = next(t for t in (walk(parsed, k) for k in range(min_length + 1))
                if len(t) >= min_length)
    assert re.fullmatch(pattern, text), (pattern, text)
    return text


def _gql_schema():
    from graphql import build_schema  # noqa: PLC0415

    from modules.codegen.parse import AWS_SCALARS  # noqa: PLC0415
    scalars = "".join(f"scalar {s}\n" for s in sorted(AWS_SCALARS))
    return build_schema(scalars + IR.appsync_sdl, assume_valid_sdl=True)


IR = load(SCHEMA)
GQL = _gql_schema()
DEEP = "[" * 33 + "1" + "]" * 33  # DynamoDB nests 32 levels
# More values than a #foreach may walk on AppSync (1000 iterations): refused whole, by its rule.
WIDE = json.dumps([0] * 1001)


def _valid(arg, field_type) -> object:
    c = arg.constraint
    named = field_type
    while hasattr(named, "of_type"):
        named = named.of_type
    if arg.is_list:
        return [_valid_scalar(arg, c, named)] if arg.required else None
    return _valid_scalar(arg, c, named)


def _valid_scalar(arg, c, named) -> object:
    if hasattr(named, "values"):  # an enum
        return next(iter(named.values))
    if arg.type_name == "AWSJSON":
        return "{}"
    if arg.type_name == "Boolean":
        return False
    if arg.type_name == "Int":
        return c.min if c and c.min is not None else 1
    if c and c.pattern:
        return sample(c.pattern, c.min_length or 0)
    return "x" * (c.min_length if c and c.min_length else 1)


def _violations(arg) -> list[tuple[str, object]]:
    """(rule, a value breaking it) for each rule of the argument."""
    c = arg.constraint
    out: list[tuple[str, object]] = []
    elem = None if not c.pattern else sample(c.pattern, c.min_length or 0)
    if c.max_items is not None:
        out.append(("maxItems", [elem or "x"] * (c.max_items + 1)))
    wrap = (lambda v: [v]) if arg.is_list else (lambda v: v)
    if c.max_length is not None:
        long = "x" * (c.max_length + 1)
        out.append(("maxLength", json.dumps(long[2:]) if arg.type_name == "AWSJSON" else long))
    if c.min_length:
        out.append(("minLength", ""))
    if c.pattern is not None:
        bad = next(v for v in ["", " ", "x y", "/", "#", "\x00", "x" * 2000]
                   if not re.fullmatch(c.pattern, v))
        out.append(("pattern", wrap(bad)))
    if c.min is not None:
        out.append(("min", c.min - 1))
    if c.max is not None:
        out.append(("max", c.max + 1))
    if arg.type_name == "AWSJSON":
        out += [("emptyKey", '{"": 1}'), ("number", '{"n": 1e400}'), ("depth", DEEP),
                ("wide", WIDE)]
    return out


def _cases():
    for op in IR.operations:
        field = GQL.get_type(op.parent).fields[op.field]
        types = (GQL.get_type(str(field.args["input"].type).rstrip("!")).fields
                 if op.from_input else field.args)
        for arg in op.args:
            if arg.constraint is None:
                continue
            for rule, value in _violations(arg):
                yield pytest.param(op, arg.name, value, types, id=f"{op.name}.{arg.name}.{rule}")


@pytest.mark.parametrize("op, name, value, types", list(_cases()))
def test_each_broken_constraint_is_refused_before_any_request(graphql, op, name, value, types):
    args = {a.name: _valid(a, types[a.name].type) for a in op.args if a.required}
    args[name] = value
    field = GQL.get_type(op.parent).fields[op.field]
    if op.from_input:
        declared = {"input": str(field.args["input"].type)}
        variables = {"input": args}
    else:
        declared = {n: str(field.args[n].type) for n in args}
        variables = args
    header = ", ".join(f"${n}: {t}" for n, t in declared.items())
    call = ", ".join(f"{n}: ${n}" for n in declared)
    kind = op.parent.lower()
    res = graphql.execute(f"{kind}({header}) {{ {op.field}({call}) {{ __typename }} }}", variables)
    assert [e.get("errorType") for e in res.errors] == ["ValidationError"], res.errors
    assert name in res.errors[0]["message"]
    assert res.requests == 0 and res.http.get("requests", 0) == 0


# --- refusals that need a particular state -----------------------------------------------------

@pytest.mark.parametrize("op", [o for o in IR.operations if o.kind == "list"], ids=str)
def test_a_page_size_out_of_range_is_refused(graphql, op):
    field = GQL.get_type(op.parent).fields[op.field]
    args = {n: "x" for n, a in field.args.items() if str(a.type).endswith("!")}
    for limit in (0, 101):
        declared = ", ".join([f"${n}: {field.args[n].type}" for n in args] + ["$limit: Int"])
        call = ", ".join([f"{n}: ${n}" for n in args] + ["limit: $limit"])
        res = graphql.execute(f"query({declared}) {{ {op.field}({call}) {{ nextToken }} }}",
                              {**args, "limit": limit})
        assert res.error_types() == ["ValidationError"] and "limit" in res.errors[0]["message"]


def test_a_nested_page_size_out_of_range_is_refused(graphql):
    name = _model(graphql)
    res = graphql.execute('query($n: String!) { getModel(name: $n) { versions(limit: 0) '
                          "{ items { version } } } }", {"n": name})
    assert res.error_types() == ["ValidationError"]


PREDICT = "mutation($i: PredictInput!) { predict(input: $i) { id } }"


@pytest.mark.parametrize("given, kind, says", [
    ({"alias": "prod", "version": 1}, "ValidationError", "not both"),
    ({"input": '{"n": 1e400}'}, "ValidationError", "input holds the number"),
    ({"input": DEEP}, "ValidationError", "input nests"),
    ({"input": WIDE}, "ValidationError", "input holds more than 900"),
    ({"modelName": "never-created"}, "NotFound", "not found"),
    ({"version": 7}, "NotFound", "version 7 of model"),
])
def test_predict_refusals(graphql, given, kind, says):
    name = _model(graphql)
    _version(graphql, name, endpointName="ep-local")
    res = graphql.execute(PREDICT, {"i": {"modelName": name, "input": "{}", **given}})
    assert res.error_types() == [kind] and says in res.errors[0]["message"]
    assert res.http.get("requests", 0) == 0


@pytest.mark.parametrize("inference, says", [
    (None, "has no versions"), ("SAGEMAKER_ENDPOINT", "has no endpointName"),
    ("BEDROCK", "has no bedrockModelId")])
def test_predict_needs_a_deployed_version(graphql, inference, says):
    name = _model(graphql, **({"inference": inference} if inference else {}))
    if inference:
        _version(graphql, name)  # registered, not deployed
    res = graphql.execute(PREDICT, {"i": {"modelName": name, "input": "{}"}})
    assert len(res.errors) == 1 and says in res.errors[0]["message"]
    assert res.error_types()[0] in ("NotFound", "NotDeployed")


@pytest.mark.parametrize("query, variables", [
    ("mutation { deleteModel(name: \"never-created\", expectedRevision: 1) { name } }", {}),
    ('mutation { setModelVersionEndpoint(modelName: "never-created", version: 1, '
     'endpointName: "ep") { version } }', {}),
    ('mutation { updateTrainingJob(input: {id: "never-created", modelName: "m", '
     'status: FAILED}) { id } }', {}),
    ('mutation { stopTrainingJob(id: "never-created") { id } }', {}),
    ("mutation($i: StartTrainingJobInput!) { startTrainingJob(input: $i) { id } }",
     {"i": {"modelName": "never-created", "algorithmImage": IMAGE, "inputUri": "s3://data/train/",
            "outputUri": "s3://data/out/", "instanceType": "ml.m5.large"}}),
])
def test_what_names_nothing_is_not_found(graphql, query, variables):
    res = graphql.execute(query, variables)
    assert res.error_types() == ["NotFound"] and res.http.get("requests", 0) == 0


START = "mutation($i: StartTrainingJobInput!) { startTrainingJob(input: $i) { id status } }"


def _start_input(name: str, **extra) -> dict:
    return {"modelName": name, "algorithmImage": IMAGE, "inputUri": "s3://data/train/",
            "outputUri": "s3://data/out/", "instanceType": "ml.m5.large", **extra}


def test_a_client_token_of_another_model_is_an_idempotency_conflict(graphql):
    token = uuid.uuid4().hex[:12]
    graphql.data(START, {"i": _start_input(_model(graphql), clientToken=token)})
    res = graphql.execute(START, {"i": _start_input(_model(graphql), clientToken=token)})
    assert res.error_types() == ["IdempotencyConflict"] and res.http["requests"] == 0


def test_hyperparameters_must_be_an_object(graphql):
    res = graphql.execute(START, {"i": _start_input(_model(graphql), hyperparameters="[1, 2]")})
    assert res.error_types() == ["ValidationError"] and res.requests == 0


def test_a_job_already_stopping_is_not_stopped_twice(graphql):
    job = _job(graphql, _model(graphql))
    stop = f"mutation($id: ID!) {{ stopTrainingJob(id: $id) {{ {JOB} }} }}"
    assert graphql.data(stop, {"id": job})["stopTrainingJob"]["status"] == "STOPPING"
    again = graphql.execute(stop, {"id": job})
    assert again.error_types() == ["InvalidTransition"] and "already STOPPING" in \
        again.errors[0]["message"]
    assert again.http["requests"] == 0
