"""Resolver cost and local load, against the local runtime (local/run.py: moto + AppSync simulator).

The one interface to the runtime is `graphql()`: it runs a request and returns (data, errors,
dynamodb_requests, items_read), the counts read from the response's `extensions.dynamodb` that
local/server.js adds (the x-dynamodb-* headers are the fallback). Anything missing makes the
section print "skipped: local runtime not available (reason)" instead of failing the bench.

Amplify's cost is computed from the shape of the same response, with the model documented in
AMPLIFY_MODEL below (and printed in the report).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import urllib.request
from pathlib import Path

from local.harness import HTTP_ACTIONS, IAM_AUTH, LocalRuntime

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
STACK = ROOT / "cdktf.out" / "stacks" / "model-api" / "cdk.tf.json"
RUNS = max(1, int(os.environ.get("BENCH_RUNS", "3")))
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "5"))
LOAD_CONCURRENCY = int(os.environ.get("BENCH_LOAD_CONCURRENCY", "4"))
SIZES = (1, 10, 50)
SCAN_PAGE = 1 << 20  # a Scan or Query page stops at 1 MB of items read

AMPLIFY_MODEL = [
    "Amplify's cost is derived from the shape of the response we got (same items, same nesting),"
    " following what Amplify's generated VTL resolvers do:",
    "",
    "- get: one GetItem (1 item read).",
    "- list by the table's own partition key: one Query per 1 MB page (items returned).",
    "- list by any other field (owner, framework, tag, status): Amplify's `listX` is a Scan"
    " of the whole table with a filter expression: max(1, ceil(table bytes / 1 MB)) Scan pages,"
    " every item of the table read. This is a lower bound: DynamoDB applies `limit` before the"
    " filter, so a client paging for N matches issues ceil(table items / limit) GraphQL requests.",
    "- has-many field: one Query per parent item (items returned).",
    "- belongs-to field: one GetItem per parent item with the key set (1 item read each).",
    "- mutation: one PutItem / UpdateItem / DeleteItem, nothing read (Amplify checks neither"
    " revisions, transitions nor parents, so it does less than our resolvers by design), except"
    " where its API cannot give the result in one mutation (listed below the table).",
]


# Prices (inputs of the cost columns), US East (N. Virginia), on-demand, as published on
# 2025-07-21 (the November 2024 DynamoDB on-demand price cut included):
# AppSync: $4.00 per million query and data modification operations
#   (https://aws.amazon.com/appsync/pricing/);
# DynamoDB: $0.625 per million write request units, $0.125 per million read request units
#   (https://aws.amazon.com/dynamodb/pricing/on-demand/; also quoted, dated 2025-07-21, by
#   https://airbyte.com/data-engineering-resources/dynamodb-pricing).
PRICES = {"date": "2025-07-21", "region": "us-east-1", "appsync": 4.00, "wru": 0.625,
          "rru": 0.125}
PRICE_NOTES = [
    f"Cost per million operations: AppSync ${PRICES['appsync']:.2f} per million GraphQL "
    f"operations, DynamoDB on-demand ${PRICES['wru']} per million write request units and "
    f"${PRICES['rru']} per million read request units ({PRICES['region']}, prices of "
    f"{PRICES['date']}: https://aws.amazon.com/appsync/pricing/, "
    "https://aws.amazon.com/dynamodb/pricing/on-demand/). A write unit is 1 KB written (2 in a "
    "transaction); a read unit is 4 KB read strongly consistent (half eventually consistent, "
    "2 in a transaction). Ours: the units the runtime counts per call from the items' sizes; "
    "Amplify's: 1 write unit per item written, 0.5 read unit per 4 KB read (its resolvers "
    "read eventually consistent).",
    "",
    "A row above Amplify's says why in its last column: a guarantee Amplify does not give "
    "(a tag index queried without a Scan, no record of a missing model, a consistent read), "
    "which no cheaper design keeps.",
]


# Why a row may cost more than Amplify's: a guarantee Amplify does not give, which no cheaper
# design keeps (the alternatives and their numbers: README, "Benchmarks"). A row above Amplify's
# that is not listed here is reported as a regression.
TAG_INDEX = ("a queryable tag index: one @membership item per tag, written with the model in "
             "one TransactWriteItems (2 write units per item; a ConditionCheck also 2: "
             "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
             "transaction-apis.html#transaction-capacity-handling). Amplify keeps tags on the "
             "item only and answers listModels(tag) with a Scan of the whole table (the "
             "listModels(tag) rows)")
PARENT_CHECK = ("the parent check: a ConditionCheck on the model in the same transaction "
                "(2 write units beside the put's 2), so no record of a missing or deleted model "
                "is stored; Amplify checks nothing. The cheapest other check, an eventually "
                "consistent GetItem (0.5 read unit) then a PutItem (1 write unit), costs $4.69: "
                "still above, a second request, and racing deleteModel")
def scan_break_even(ours: Cost, table: tuple[int, int]) -> str:
    """Why a list by a @membership element (a tag) is above Amplify's Scan on a small table, and
    the table size from which the Scan costs more (it reads every item; ours reads the page)."""
    count, size = table
    per_item = size / count if count else 1
    pages_at = math.ceil(SCAN_PAGE / per_item) + 1  # the first table that needs 2 Scan pages
    dollars_at = math.ceil(ours.rru / 0.5 * 4096 / per_item)  # 0.5 unit per 4 KB scanned
    return (f"the tag index is its own table: a Query for the page's names, then a BatchGetItem "
            f"of those models (2 round trips, reading the page). Amplify's Scan reads the whole "
            f"table at every call ({count} models here): from {pages_at:,} models it needs 2+ "
            f"sequential requests, and from {dollars_at:,} models it costs more than this row")


WHY_ABOVE = {
    "createModel": TAG_INDEX,
    "updateModel(tags)": TAG_INDEX,
    "updateModel(tags) { createdAt }": TAG_INDEX + "; and a transaction answers no item: a "
    "selected field the update did not set (createdAt) is read back (GetItem)",
    "createTrainingJob": PARENT_CHECK,
    "recordPrediction": PARENT_CHECK,
    "getTrainingJob": ("the read that may refresh the job from SageMaker is strongly consistent "
                       "(1 read unit against Amplify's 0.5): the refresh writes on what it "
                       "read"),
}


class Cost:
    """What one operation costs: DynamoDB requests, sequential round trips, items read, request
    units, and the GraphQL operations a client sends for it."""

    def __init__(self, requests: int, trips: int, items: int, rru: float, wru: float,
                 operations: int = 1, calls: int = 0, by_operation: dict | None = None,
                 by_call: dict | None = None) -> None:
        self.requests, self.trips, self.items = requests, trips, items
        self.rru, self.wru, self.operations = rru, wru, operations
        self.calls = calls  # HTTP data-source calls (SageMaker, Bedrock, S3)
        # What the runtime counted: DynamoDB operation -> count, HTTP call -> count.
        self.by_operation, self.by_call = by_operation or {}, by_call or {}

    def counted(self) -> str:
        """e.g. "GetItem 1, UpdateItem 1; DescribeTrainingJob 1"."""
        dynamodb = [f"{k} {v}" for k, v in sorted(self.by_operation.items())]
        http = [f"{HTTP_ACTIONS.get(k, k.removeprefix('SageMaker.'))} {v}"
                for k, v in sorted(self.by_call.items())]
        return "; ".join(x for x in (", ".join(dynamodb), ", ".join(http)) if x)

    def dollars(self) -> float:
        """US dollars per million operations."""
        return (self.operations * PRICES["appsync"] + self.rru * PRICES["rru"]
                + self.wru * PRICES["wru"])


class Unavailable(Exception):
    """The local runtime (or what it needs) is missing; the message says what."""


def graphql(endpoint: str, api_key: str | None, query: str, variables: dict | None = None,
            auth: dict | None = None):
    """One GraphQL request: (data, errors, dynamodb_requests, items_read, cost) where cost is
    the runtime's whole DynamoDB account of it (roundTrips, readUnits, writeUnits...). `auth`:
    a signed-in caller's headers instead of the API key."""
    req = urllib.request.Request(
        endpoint, json.dumps({"query": query, "variables": variables or {}}).encode(),
        {"content-type": "application/json", **(auth or {"x-api-key": api_key})})
    with urllib.request.urlopen(req, timeout=60) as resp:
        doc = json.loads(resp.read())
        headers = resp.headers
    extensions = doc.get("extensions") or {}
    # DynamoDB's account, with the HTTP data sources' calls (SageMaker, Bedrock, S3) beside it.
    cost = dict(extensions.get("dynamodb") or {}, http=(extensions.get("http") or {}))
    requests = cost.get("requests", headers.get("x-dynamodb-requests"))
    items = cost.get("itemsRead", headers.get("x-dynamodb-items-read"))
    if requests is None:
        raise Unavailable("the runtime reports no DynamoDB request counts")
    return doc.get("data"), doc.get("errors"), int(requests), int(items or 0), cost


class Runtime:
    """The local runtime (local/harness.py: free loopback port, in memory), stopped on exit."""

    def __enter__(self) -> Runtime:
        if not STACK.exists():
            raise Unavailable(f"{STACK.relative_to(ROOT)} not found (make synth)")
        self.local = LocalRuntime(STACK)
        try:
            self.local.start()
        except RuntimeError as err:
            tail = " ".join(str(err).split()[-40:])
            self.local.__exit__()
            raise Unavailable(f"local/run.py did not start: {tail}") from None
        self.info = self.local.info
        self.endpoint, self.api_key = self.local.graphql, self.local.api_key
        return self

    def __exit__(self, *_) -> None:
        self.local.__exit__()

    def call(self, query: str, variables: dict):
        """As an IAM caller, which every operation allows (the API key may only read)."""
        data, errors, requests, items, c = graphql(self.endpoint, None, query, variables,
                                                   auth=IAM_AUTH)
        if errors:
            raise RuntimeError(errors[0].get("message"))
        return data, requests, items, c

    def q(self, query: str, **variables):
        data, requests, items, _ = self.call(query, variables)
        return data, requests, items

    def cost(self, query: str, **variables) -> tuple[dict, Cost]:
        data, requests, items, c = self.call(query, variables)
        return data, Cost(requests, int(c.get("roundTrips", requests)), items,
                          float(c.get("readUnits", 0)), float(c.get("writeUnits", 0)),
                          calls=int(c["http"].get("requests", 0)),
                          by_operation=c.get("byOperation"), by_call=c["http"].get("byCall"))

    def table_sizes(self) -> dict[str, tuple[int, int]]:
        """Items and approximate bytes of every table (for Amplify's Scan cost)."""
        client = self.local.dynamodb()
        out = {}
        for table in self.info["tables"]:
            items = [i for page in client.get_paginator("scan").paginate(TableName=table)
                     for i in page["Items"]]
            out[table] = (len(items), sum(len(json.dumps(i)) for i in items))
        return out


# -- the domain's operations ---------------------------------------------------------------

BIG, OWNER, TAG = "bench-big", "bench-owner-{n}", "bench-tag-{n}"
M_CREATE = "mutation($i: CreateModelInput!) { createModel(input: $i) { name } }"
M_VERSION = ("mutation($i: RegisterModelVersionInput!) "
             "{ registerModelVersion(input: $i) { version } }")
M_JOB = "mutation($i: CreateTrainingJobInput!) { createTrainingJob(input: $i) { id } }"
M_PRED = "mutation($i: RecordPredictionInput!) { recordPrediction(input: $i) { id } }"
VERSION_FIELDS = "version model { name }"
MODEL_FIELDS = "name owner latestVersion { version } versions(limit: 3) { items { version } }"


def seed(rt: Runtime) -> dict:
    """One model with 50 versions, jobs and predictions; per size N an owner with N models of
    2 versions each. Returns ids the reads need."""
    def model(name: str, owner: str, versions: int, tags: list[str] | None = None) -> None:
        rt.q(M_CREATE, i={"name": name, "owner": owner, "framework": "bench", "tags": tags})
        for _ in range(versions):
            rt.q(M_VERSION, i={"modelName": name, "artifactUri": f"s3://bench/{name}"})

    model(BIG, "bench-big-owner", max(SIZES))
    for n in SIZES:
        for k in range(n):
            model(f"bench-{n}-{k}", OWNER.format(n=n), 2, tags=[TAG.format(n=n)])
    jobs = [rt.q(M_JOB, i={"modelName": BIG})[0]["createTrainingJob"]["id"]
            for _ in range(max(SIZES))]
    preds = [rt.q(M_PRED, i={"modelName": BIG, "input": "{}"})[0]["recordPrediction"]["id"]
             for _ in range(max(SIZES))]
    return {"job": jobs[0], "prediction": preds[0]}


def reads(ids: dict) -> list[tuple[str, int | None, str]]:
    """(operation, result size or None, query) for every read of the domain."""
    out = []
    for n in SIZES:
        out += [
            ("getModel", n, f'{{ getModel(name: "{BIG}") {{ name latestVersion {{ version }} '
                            f"versions(limit: {n}) {{ items {{ {VERSION_FIELDS} }} }} }} }}"),
            ("listModels", n, f'{{ listModels(owner: "{OWNER.format(n=n)}", limit: {n}) '
                              f"{{ items {{ {MODEL_FIELDS} }} }} }}"),
            # Amplify has no tag index: its listModels(tag) is a Scan of the models table.
            ("listModels(tag)", n, f'{{ listModels(tag: "{TAG.format(n=n)}", limit: {n}) '
                                   "{ items { name tags } } }"),
            ("listModelVersions", n, f'{{ listModelVersions(modelName: "{BIG}", limit: {n}) '
                                     f"{{ items {{ {VERSION_FIELDS} }} }} }}"),
            ("listTrainingJobs", n, f'{{ listTrainingJobs(modelName: "{BIG}", limit: {n}) '
                                    "{ items { id status model { name } } } }"),
            ("listPredictions", n, f'{{ listPredictions(modelName: "{BIG}", limit: {n}) '
                                   "{ items { id model { name } } } }"),
        ]
    out += [
        ("getModelVersion", None, f'{{ getModelVersion(modelName: "{BIG}", version: 1) '
                                  f"{{ {VERSION_FIELDS} }} }}"),
        ("getTrainingJob", None, f'{{ getTrainingJob(id: "{ids["job"]}") '
                                 "{ id model { name } } }"),
        ("getPrediction", None, f'{{ getPrediction(id: "{ids["prediction"]}") '
                                "{ id model { name } } }"),
    ]
    return out


def writes(ids: dict) -> list[tuple[str, str, dict]]:
    """(operation, mutation, variables), run in this order (each builds on the last)."""
    m = "bench-write"
    return [
        ("createModel", M_CREATE, {"i": {"name": m, "owner": "bench-w", "tags": ["a", "b"]}}),
        ("addModel", 'mutation { addModel(name: "bench-add") { name } }', {}),
        ("updateModel", "mutation($i: UpdateModelInput!) { updateModel(input: $i) { revision } }",
         {"i": {"name": m, "expectedRevision": 1, "description": "x"}}),
        ("updateModel(tags)", "mutation($i: UpdateModelInput!) { updateModel(input: $i) "
         "{ revision } }", {"i": {"name": m, "expectedRevision": 2, "tags": ["c"]}}),
        ("updateModel(tags) { createdAt }", "mutation($i: UpdateModelInput!) "
         "{ updateModel(input: $i) { revision createdAt } }",
         {"i": {"name": m, "expectedRevision": 3, "tags": ["d"]}}),
        ("registerModelVersion", M_VERSION, {"i": {"modelName": m, "artifactUri": "s3://b/m"}}),
        ("setModelVersionApproval", f'mutation {{ setModelVersionApproval(modelName: "{m}", '
         "version: 1, approvalStatus: APPROVED) { version } }", {}),
        ("setModelVersionEndpoint", f'mutation {{ setModelVersionEndpoint(modelName: "{m}", '
         'version: 1, endpointName: "bench-endpoint") { version } }', {}),
        ("setModelAlias", f'mutation {{ setModelAlias(name: "{m}", alias: "prod", version: 1) '
         "{ name } }", {}),
        # The other aliases are not known to the write: the model is read back.
        ("setModelAlias { aliases }", f'mutation {{ setModelAlias(name: "{m}", alias: "beta", '
         "version: 1) { name aliases { alias version } } }", {}),
        ("removeModelAlias", f'mutation {{ removeModelAlias(name: "{m}", alias: "prod") '
         "{ name } }", {}),
        ("createTrainingJob", M_JOB, {"i": {"modelName": m}}),
        ("updateTrainingJob", "mutation($i: UpdateTrainingJobInput!) "
         "{ updateTrainingJob(input: $i) { status } }",
         {"i": {"id": ids["job"], "modelName": BIG, "status": "IN_PROGRESS"}}),
        ("recordPrediction", M_PRED, {"i": {"modelName": m, "input": "{}"}}),
        ("deleteModel", 'mutation { deleteModel(name: "bench-add", expectedRevision: 1) '
         "{ name } }", {}),
    ]


# Inside the training and inference policies of cdktf.json (what the local runtime serves).
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team-ml/xgboost:1"
TRAIN = {"algorithmImage": IMAGE, "inputUri": "s3://data/train/", "outputUri": "s3://data/out/",
         "instanceType": "ml.m5.large"}
M_START = "mutation($i: StartTrainingJobInput!) { startTrainingJob(input: $i) { id status } }"
M_PREDICT = "mutation($i: PredictInput!) { predict(input: $i) { id } }"
M_BATCH = ("mutation($i: StartBatchPredictionInput!) { startBatchPrediction(input: $i) "
           "{ id status } }")
M_DEPLOY = ("mutation($i: DeployModelVersionInput!) { deployModelVersion(input: $i) "
            "{ id status } }")
M_REFRESH_JOB = "mutation($id: ID!) { refreshTrainingJob(id: $id) { id status } }"
M_STOP_JOB = "mutation($id: ID!) { stopTrainingJob(id: $id) { id status } }"
M_GET_JOB = "query($id: ID!) { getTrainingJob(id: $id) { id status } }"
M_GET_BATCH = "query($id: ID!) { getBatchPrediction(id: $id) { id status } }"
M_STOP_BATCH = "mutation($id: ID!) { stopBatchPrediction(id: $id) { id status } }"
M_REFRESH_BATCH = "mutation($id: ID!) { refreshBatchPrediction(id: $id) { id status } }"
M_REFRESH_DEPLOY = "mutation($id: ID!) { refreshDeployment(id: $id) { id status } }"
M_GET_DEPLOY = "query($id: ID!) { getDeployment(id: $id) { id status } }"
M_UNDEPLOY = "mutation($m: String!) { undeployModelVersion(modelName: $m) { id status } }"
BATCH = {"alias": "prod", "image": IMAGE, "inputUri": "s3://data/train/",
         "outputUri": "s3://data/out/", "instanceType": "ml.m5.large"}


ML_MODEL = "bench-ml"  # the model of calls(), made by it
# Run after calls(): its model's batch predictions and deployments.
ML_LISTS = [
    (op, f'{{ {op}(modelName: "{ML_MODEL}") {{ items {{ id status model {{ name }} }} }} }}')
    for op in ("listBatchPredictions", "listDeployments")]


def calls(rt: Runtime) -> list[tuple]:
    """(operation, mutation, variables, what its requests are[, a step before it]) for the
    operations that call SageMaker or Bedrock, run in this order on a model of their own (setup
    steps are not measured). Amplify generates no such mutation: nothing to compare with."""
    from main import load_settings

    m, p = ML_MODEL, load_settings().name_prefix  # p: the jobs' ids begin "<prefix>--"

    def serving() -> None:  # two reads take the deployment IN_SERVICE (sagemaker-filler.js)
        for _ in range(2):
            rt.q(f'query {{ getDeployment(id: "{p}--bench2") {{ status }} }}')

    rt.q(M_CREATE, i={"name": m, "owner": m})
    rt.q(M_VERSION, i={"modelName": m, "artifactUri": "s3://data/out/model.tar.gz",
                       "endpointName": "bench-endpoint"})
    rt.q(f'mutation {{ setModelVersionApproval(modelName: "{m}", version: 1, '
         "approvalStatus: APPROVED) { version } }")
    rt.q(f'mutation {{ setModelAlias(name: "{m}", alias: "prod", version: 1) {{ name }} }}')
    deploy = {"modelName": m, "alias": "prod", "image": IMAGE, "instanceType": "ml.m5.large"}
    batch = {**BATCH, "modelName": m}
    return [
        ("startTrainingJob", M_START, {"i": {"modelName": m, **TRAIN, "clientToken": "bench1"}},
         "a transaction (the model exists; PENDING), CreateTrainingJob, the outcome"),
        ("startTrainingJob (retried clientToken)", M_START,
         {"i": {"modelName": m, **TRAIN, "clientToken": "bench1"}},
         "the cancelled transaction, a GetItem of the first job"),
        ("predict (alias, the version's own endpoint)", M_PREDICT,
         {"i": {"modelName": m, "alias": "prod", "input": "{}"}},
         "the model, the version, InvokeEndpoint, the put"),
        ("startBatchPrediction (alias)", M_BATCH, {"i": batch},
         "the model, the version, a transaction (the version exists; PENDING), CreateModel, "
         "CreateTransformJob, the outcome"),
        ("deployModelVersion (alias)", M_DEPLOY, {"i": {**deploy, "clientToken": "bench2"}},
         "the model, the version, a transaction (PENDING; the endpoint's name), 4 SageMaker "
         "calls, the outcome"),
        ("deployModelVersion (retried clientToken)", M_DEPLOY,
         {"i": {**deploy, "clientToken": "bench2"}},
         "the model, the version, the cancelled transaction, a GetItem of the first"),
        ("predict (alias, served by its deployment)", M_PREDICT,
         {"i": {"modelName": m, "alias": "prod", "input": "{}"}},
         "the model (it names the endpoint), InvokeEndpoint, the put", serving),
        # What SageMaker's state changes and the operators do next.
        ("refreshTrainingJob (InProgress)", M_REFRESH_JOB, {"id": f"{p}--bench1"},
         "the job, DescribeTrainingJob, the new status"),
        ("stopTrainingJob", M_STOP_JOB, {"id": f"{p}--bench1"},
         "the job, StopTrainingJob, STOPPING"),
        ("refreshTrainingJob (Stopped)", M_REFRESH_JOB, {"id": f"{p}--bench1"},
         "the job, DescribeTrainingJob, the final status"),
        ("refreshTrainingJob (Completed, registers a version)", M_REFRESH_JOB,
         {"id": f"{p}--bench3"},
         "the job, DescribeTrainingJob, the final status, the model's version counter, the "
         "version and the job's link in one transaction",
         lambda: [rt.q(M_START, i={"modelName": m, **TRAIN, "clientToken": "bench3",
                                   "registerVersion": True}),
                  rt.q(M_REFRESH_JOB, id=f"{p}--bench3")]),
        ("getTrainingJob (running: refreshed)", M_GET_JOB, {"id": f"{p}--bench4"},
         "the job (consistent), DescribeTrainingJob, what changed",
         lambda: rt.q(M_START, i={"modelName": m, **TRAIN, "clientToken": "bench4"})),
        ("getBatchPrediction (InProgress: unchanged)", M_GET_BATCH, {"id": f"{p}--bench5"},
         "the job (consistent), DescribeTransformJob; nothing changed, nothing written",
         lambda: rt.q(M_BATCH, i={**batch, "clientToken": "bench5"})),
        ("stopBatchPrediction", M_STOP_BATCH, {"id": f"{p}--bench5"},
         "the job, StopTransformJob, STOPPING"),
        ("refreshBatchPrediction (Stopped)", M_REFRESH_BATCH, {"id": f"{p}--bench5"},
         "the job, DescribeTransformJob, the final status"),
        ("refreshDeployment (in service, replacing the first)", M_REFRESH_DEPLOY,
         {"id": f"{p}--bench6"},
         "the deployment, DescribeEndpoint, the deployment and the model in one transaction, "
         "the replaced deployment REPLACED",
         lambda: [rt.q(M_DEPLOY, i={**deploy, "clientToken": "bench6"}),
                  rt.q(M_REFRESH_DEPLOY, id=f"{p}--bench6")]),
        ("getDeployment (IN_SERVICE)", M_GET_DEPLOY, {"id": f"{p}--bench6"},
         "the deployment (consistent), DescribeEndpoint; nothing changed, nothing written"),
        ("undeployModelVersion", M_UNDEPLOY, {"m": m},
         "the model, its deployments (Query), DeleteEndpoint, DeleteEndpointConfig, "
         "DeleteModel, the deployments DELETING in one transaction"),
    ]


def call_lines(rt: Runtime) -> tuple[list[str], set[str]]:
    """The table of the operations that call SageMaker or Bedrock, and the operations it ran."""
    lines = [
        "### Operations that call SageMaker or Bedrock",
        "",
        "A start stores before the call and after it (PENDING, then the outcome), predict reads "
        "the model before its call and stores after it, and a refresh, stop or get of a job "
        "reads the job before its call and stores what changed after it, so none can be one "
        "request; Amplify generates no such operation to compare with. In the order run, each "
        "on what the rows above left (local/sagemaker-filler.js: a job is InProgress on its "
        "first Describe, finished on the next). $: AppSync and DynamoDB only (SageMaker's and "
        "Bedrock's own prices excluded).",
        "",
        "| operation | DynamoDB requests | round trips | items read | service calls "
        "| $ per million operations | the requests, in order | counted by the runtime |",
        "|---|---|---|---|---|---|---|---|",
    ]
    covered = set()
    for label, mutation, variables, what, *before in calls(rt):
        covered.add(label.split(" ")[0])
        try:
            for step in before:
                step()
            _, ours = rt.cost(mutation, **variables)
        except RuntimeError as err:
            lines.append(f"| {label} | error: {err} | | | | | | |")
            continue
        lines.append(f"| {label} | {ours.requests} | {ours.trips} | {ours.items} "
                     f"| {ours.calls} | {ours.dollars():.2f} | {what} | {ours.counted()} |")
    return lines, covered


# -- Amplify's cost for the same response --------------------------------------------------

def amplify_cost(schema, op, data, tables: dict[str, tuple[int, int]], prefix: str) -> Cost:
    """What Amplify's generated resolvers would cost for this response. Sibling fields and the
    items of a list resolve side by side (AppSync runs them concurrently), so round trips are
    the depth of the nesting; a Scan's pages follow one another."""
    rels = {(r.parent_type, r.field): r for r in schema.relations}
    cost = Cost(0, 0, 0, 0.0, 0.0)

    def read_units(table: str, items: int) -> float:  # eventually consistent: 0.5 per 4 KB
        count, size = tables.get(f"{prefix}-{table}", (0, 0))
        return 0.5 * max(1, math.ceil(items * (size / count if count else 0) / 4096))

    def walk(type_name: str, obj: dict | None) -> int:
        """Requests under `obj`, added to `cost`; returns the round trips they take."""
        deepest = 0
        for field, value in (obj or {}).items():
            rel = rels.get((type_name, field))
            if rel is None or rel.kind not in ("hasMany", "belongsTo"):
                continue
            if rel.kind == "belongsTo":  # one GetItem per parent with the key set
                if value is not None:
                    cost.requests += 1
                    cost.items += 1
                    cost.rru += 0.5
                    deepest = max(deepest, 1 + walk(rel.target.type_name, value))
            else:  # one Query per parent
                items = (value or {}).get("items", [])
                cost.requests += 1
                cost.items += len(items)
                cost.rru += read_units(rel.target.table, len(items))
                below = max((walk(rel.target.type_name, i) for i in items), default=0)
                deepest = max(deepest, 1 + below)
        return deepest

    top = data[op.field]
    entity = op.entity.type_name
    if op.kind != "list":  # a get (getTrainingJob's kind is "training": it may refresh)
        cost.requests, cost.items, cost.rru = 1, 1 if top else 0, 0.5
        cost.trips = 1 + walk(entity, top)
    else:
        items = top["items"]
        if op.indexes and op.indexes[0].name == "":  # the table's own key: a Query
            pages = 1
            cost.requests, cost.items = 1, len(items)
            cost.rru = read_units(op.entity.table, len(items))
        else:  # any other field: Scan the whole table with a filter
            count, size = tables[f"{prefix}-{op.entity.table}"]
            pages = max(1, math.ceil(size / SCAN_PAGE))
            cost.requests, cost.items = pages, count
            cost.rru = 0.5 * max(1, math.ceil(size / 4096))
        cost.trips = pages + max((walk(entity, i) for i in items), default=0)
    return cost


# Amplify's cost of each measured write: one PutItem, UpdateItem or DeleteItem (1 write unit,
# nothing read), except where its generated API cannot give the same result in one mutation
# and a client sends a read first.
AMPLIFY_WRITES = {
    # No atomic counter: the client reads the latest version (a Query, limit 1), then creates
    # the next number with a conditional PutItem (retried on a collision).
    "registerModelVersion": (Cost(2, 2, 1, 0.5, 1, operations=2),
                             "query the latest version, then a conditional PutItem"),
    # No check across tables: the client reads the version (GetItem), then updates the model.
    "setModelAlias": (Cost(2, 2, 1, 0.5, 1, operations=2),
                      "getModelVersion, then updateModel"),
}
AMPLIFY_WRITE = Cost(1, 1, 0, 0.0, 1)


def ratio(ours: int, theirs: int) -> str:
    return f"{ours / theirs:.2f}" if theirs else "-"


def section() -> list[str]:
    head = ["## Resolvers (local runtime)", ""]
    load_head = ["## Local load (getModel, listModels)", ""]
    try:
        with Runtime() as rt:
            return head + resolver_lines(rt) + [""] + load_head + load_lines(rt)
    except Unavailable as err:
        msg = f"skipped: local runtime not available ({err})"
        print(msg, file=sys.stderr)
        return head + [msg, ""] + load_head + [msg]


def resolver_lines(rt: Runtime) -> list[str]:
    from main import load_schema, load_settings

    settings = load_settings()
    schema = load_schema(settings)
    ops = {o.field: o for o in schema.operations}
    print("resolvers: seeding", file=sys.stderr)
    ids = seed(rt)
    tables = rt.table_sizes()
    seeded = sum(count for count, _ in tables.values())
    lines = [
        f"Each read below runs once per result size on seeded data ({seeded} items in "
        f"{len(tables)} tables; the lists of batch predictions and deployments run last, on the "
        "model of the SageMaker table below); counts come from the runtime's "
        "per-request DynamoDB accounting, so they do not depend on the machine.",
        "",
        "Each cell is ours / Amplify's. Round trips: the DynamoDB calls that wait for one "
        "another (ours: counted by the runtime from the calls' start and end; Amplify's: the "
        "nesting depth, siblings resolving side by side). $ per million operations: see the "
        "prices below the table.",
        "",
        "| operation | result size | nested fields | DynamoDB requests (ours / Amplify / ratio) "
        "| round trips | items read | $ per million operations | why ours is above |",
        "|---|---|---|---|---|---|---|---|",
    ]
    covered = set()
    failed = []
    above = []

    def row(name: str, size: str, selection: str, ours: Cost, theirs: Cost) -> str:
        worse = [what for what, a, b in (
            ("requests", ours.requests, theirs.requests), ("round trips", ours.trips, theirs.trips),
            ("$", round(ours.dollars(), 2), round(theirs.dollars(), 2))) if a > b]
        why = ""
        if worse:
            above.append(f"{name} ({', '.join(worse)})")
            why = WHY_ABOVE.get(name, "**no reason known: a regression**")
        return (f"| {name} | {size} | {selection} "
                f"| {ours.requests} / {theirs.requests} / {ratio(ours.requests, theirs.requests)} "
                f"| {ours.trips} / {theirs.trips} | {ours.items} / {theirs.items} "
                f"| {ours.dollars():.2f} / {theirs.dollars():.2f} | {why} |")

    def read(label: str, size: int | None, query: str) -> None:
        name = label.split("(")[0]
        covered.add(name)
        selection = query.split(") ", 1)[1].rsplit("}", 1)[0].strip()  # the field's { ... }
        try:  # a failing operation is a result to report, not a reason to stop the bench
            data, ours = rt.cost(query)
        except RuntimeError as err:
            failed.append(f"{label}: {err}")
            lines.append(f"| {label} | - | `{selection}` | error (below) | | | | |")
            return
        if size is None and ops[name].kind == "list":  # as many as there are
            size = len(data[name]["items"])
        theirs = amplify_cost(schema, ops[name], data, tables, settings.name_prefix)
        via = ops[name].via
        if via and f"({via.key.hash}:" in query:  # by a @membership element (a tag)
            WHY_ABOVE[label] = scan_break_even(
                ours, tables[f"{settings.name_prefix}-{ops[name].entity.table}"])
        lines.append(row(label, str(1 if size is None else size), f"`{selection}`", ours,
                         theirs))

    for label, size, query in reads(ids):
        read(label, size, query)
    notes = []
    for label, mutation, variables in writes(ids):
        name = label.split("(")[0].split(" ")[0]
        covered.add(name)
        try:
            _, ours = rt.cost(mutation, **variables)
        except RuntimeError as err:
            failed.append(f"{label}: {err}")
            lines.append(f"| {label} | - | - | error (below) | | | | |")
            continue
        theirs, why = AMPLIFY_WRITES.get(name, (AMPLIFY_WRITE, ""))
        note = f"- {name}, Amplify: {why} (two GraphQL operations)."
        if why and note not in notes:
            notes.append(note)
        lines.append(row(label, "-", "-", ours, theirs))
    print("resolvers: SageMaker and Bedrock operations", file=sys.stderr)
    ml_lines, ml_covered = call_lines(rt)
    covered |= ml_covered
    # The lists of what those operations made (their model's batch predictions, deployments),
    # against tables that now hold them.
    tables = rt.table_sizes()
    for label, query in ML_LISTS:
        read(label, None, query)
    lines += ["", *notes, "", *PRICE_NOTES, ""]
    lines.append("Rows where ours is above Amplify's (requests, round trips or $): "
                 + (", ".join(above) if above else "none") + ".")
    if failed:
        lines += ["", "Errors from the local runtime:", "", *(f"- {f}" for f in failed)]
    missing = sorted(set(ops) - covered)
    lines += ["", *AMPLIFY_MODEL, "", *ml_lines]
    if missing:
        lines += ["", f"Not measured (no query written for them in bench/resolvers.py): "
                  f"{', '.join(missing)}."]
    return lines


def load_lines(rt: Runtime) -> list[str]:
    queries = {
        "getModel": f'{{ getModel(name: "{BIG}") {{ name owner latestVersion {{ version }} }} }}',
        "listModels": f'{{ listModels(owner: "{OWNER.format(n=10)}", limit: 10) '
                      "{ items { name owner } } }",
    }
    lines = [
        f"Closed loop from a second process (`bench/load.py`): {LOAD_CONCURRENCY} keep-alive "
        f"connections on loopback for {LOAD_SECONDS:g} s per run, {RUNS} runs; the simulator, "
        "moto and the load share this machine's cores, so these are local numbers only.",
        "",
        "| operation | requests/s (min / median / max) | p50 ms (min / median / max) "
        "| p99 ms (min / median / max) | requests | errors |",
        "|---|---|---|---|---|---|",
    ]
    moto_before = rss_mb(rt.local.proc.pid)
    for name, query in queries.items():
        print(f"load: {name} x{RUNS}", file=sys.stderr)
        runs = []
        for _ in range(RUNS):
            out = subprocess.run(
                [PY, str(ROOT / "bench" / "load.py"), rt.endpoint, rt.api_key,
                 json.dumps({"query": query}), str(LOAD_CONCURRENCY), str(LOAD_SECONDS)],
                cwd=ROOT, check=True, capture_output=True, text=True).stdout
            runs.append(json.loads(out))
        def mmm(key: str, k: float = 1, runs: list[dict] = runs) -> str:
            values = [r[key] for r in runs]
            return " / ".join(f"{v * k:.1f}" for v in (min(values), statistics.median(values),
                                                       max(values)))

        lines.append(f"| {name} | {mmm('rps')} | {mmm('p50', 1000)} | {mmm('p99', 1000)} "
                     f"| {sum(r['requests'] for r in runs)} | {sum(r['errors'] for r in runs)} |")
    lines += ["", f"Resident memory of the process serving moto (`local/run.py`): "
              f"{moto_before:.0f} MB before the load, {rss_mb(rt.local.proc.pid):.0f} MB after "
              "(after the resolver section's requests; moto keeps no copy of what a read returns: "
              "`untrack_dynamodb_models`)."]
    return lines


def rss_mb(pid: int) -> float:
    """Resident memory of one process (Linux /proc), in MB."""
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
