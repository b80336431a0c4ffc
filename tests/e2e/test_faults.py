"""End-to-end under injected faults (header x-local-faults, local/faults.js): the error branches
AWS takes under throttling or a failing service, and nothing partial stored."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

THROTTLED = "DynamoDB:ProvisionedThroughputExceededException"
# The error codes local/http-loader.js answers injected statuses with (the services' own codes).
ERROR_CODES = {"400": "ValidationException", "429": "ThrottlingException",
               "503": "ServiceUnavailable"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def owned_models(graphql) -> tuple[str, dict[str, int]]:
    """Three models of one new owner and tag, with 1, 2 and 3 versions: (owner, name -> latest)."""
    owner = unique("owner")
    latest = {}
    for n in (1, 2, 3):
        name = unique(f"m{n}")
        graphql.data("mutation($i: CreateModelInput!) { createModel(input: $i) { name } }",
                     {"i": {"name": name, "owner": owner, "tags": [owner]}})
        for _ in range(n):
            graphql.data("mutation($i: RegisterModelVersionInput!) { registerModelVersion"
                         "(input: $i) { version } }",
                         {"i": {"modelName": name, "artifactUri": "s3://b/m.tgz"}})
        latest[name] = n
    return owner, latest


LIST_BY_OWNER = ("query($o: String!) { listModels(owner: $o) "
                 "{ items { name latestVersion { version } } } }")


@pytest.mark.parametrize("rule", ["BatchGetItem=unprocessed:1", "BatchGetItem=unprocessed"])
def test_a_partial_prefetch_falls_back_to_one_read_per_unread_row(graphql, owned_models, rule):
    """AppSync hands an incomplete BatchGetItem both an error and the partial data: the rows it
    read resolve from the batch, the others with a GetItem each, and the client sees no error."""
    owner, latest = owned_models
    res = graphql.execute(LIST_BY_OWNER, {"o": owner}, faults=rule)
    assert res.errors == [], res.errors
    got = {i["name"]: i["latestVersion"]["version"] for i in res.data["listModels"]["items"]}
    assert got == latest
    left = len(latest) if rule.endswith("unprocessed") else 1
    assert res.dynamodb["byOperation"] == {"Query": 1, "BatchGetItem": 1, "GetItem": left}


def test_a_throttled_prefetch_is_an_error(graphql, owned_models):
    owner, _ = owned_models
    res = graphql.execute(LIST_BY_OWNER, {"o": owner}, faults="BatchGetItem=throttle")
    assert res.error_types() == [THROTTLED] and res.data == {"listModels": None}


def test_a_partial_tag_page_is_an_error_not_a_short_page(graphql, owned_models):
    """listModels(tag) reads the page's models with one BatchGetItem: one left unread would drop
    its model while nextToken moves past it, so the page is refused."""
    owner, latest = owned_models
    q = "query($t: String!) { listModels(tag: $t) { items { name } } }"
    whole = graphql.execute(q, {"t": owner})
    assert {i["name"] for i in whole.data["listModels"]["items"]} == set(latest)
    res = graphql.execute(q, {"t": owner}, faults="BatchGetItem#1=unprocessed:1")
    assert res.error_types() == ["Throttled"] and res.data == {"listModels": None}


# --- SageMaker and Bedrock answering an error, or nothing ------------------------------------

from modules.codegen.ml import CLAIM_SECONDS, START_SECONDS  # noqa: E402
from tests.e2e import test_batch as batch  # noqa: E402
from tests.e2e import test_deploy as deploy  # noqa: E402
from tests.e2e.test_ml import GET, PREDICT, START, STOP, start_input  # noqa: E402


@pytest.fixture
def model(graphql) -> str:
    name = unique("faulty")
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": name})
    return name


def served(res) -> list[tuple[str, str]]:
    return [(c["call"], c["servedBy"]) for c in res.http["servedBy"]]


@pytest.mark.parametrize("effect", ["503", "429", "400", "timeout"])
def test_a_failing_endpoint_is_a_clear_error_and_stores_nothing(graphql, model, effect):
    graphql.data("mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) "
                 "{ version } }", {"i": {"modelName": model, "artifactUri": "s3://a/m.tgz",
                                         "endpointName": "ep-local"}})
    res = graphql.execute(PREDICT, {"i": {"modelName": model, "version": 1, "input": "{}"}},
                          faults=f"InvokeEndpoint={effect}")
    assert res.data == {"predict": None} and len(res.errors) == 1
    kind = res.errors[0]["errorType"]
    assert kind.startswith("SageMakerRuntime:") and res.errors[0]["message"]
    if effect == "timeout":
        assert kind == "SageMakerRuntime:Unavailable" and "timed out" in res.errors[0]["message"]
    else:  # the runtime's code, from its X-Amzn-ErrorType header
        assert kind == f"SageMakerRuntime:{ERROR_CODES[effect]}"
    assert served(res) == [("POST /endpoints/{name}/invocations", "fault")]
    listed = graphql.data("query($m: String!) { listPredictions(modelName: $m) { items { id } } }",
                          {"m": model})
    assert listed["listPredictions"]["items"] == []


def test_a_refused_create_leaves_the_job_failed_with_the_reason(graphql, model):
    """A 4xx is SageMaker's refusal: no job started, so FAILED (final) is the truth."""
    res = graphql.execute(START, {"i": start_input(model)}, faults="CreateTrainingJob=429")
    assert res.error_types() == ["SageMaker:ThrottlingException"]
    job = res.data["startTrainingJob"]
    assert job["status"] == "FAILED" and "ThrottlingException" in job["failureReason"]
    assert graphql.data(GET, {"id": job["id"]})["getTrainingJob"]["status"] == "FAILED"


def test_stopping_a_job_sagemaker_never_heard_of_is_resource_not_found(graphql, model):
    """The create got no answer (and SageMaker never heard of it): the job stays PENDING,
    unknown to SageMaker, whose StopTrainingJob answers ResourceNotFound (API reference)."""
    token = uuid.uuid4().hex[:12]
    res = graphql.execute(START, {"i": start_input(model, clientToken=token)},
                          faults="CreateTrainingJob=timeout")
    assert res.error_types() == ["SageMaker:Unavailable"]
    job = graphql.data(GET, {"id": f"mlapi--{token}"})["getTrainingJob"]
    assert job["status"] == "PENDING"
    stop = graphql.execute(STOP, {"id": job["id"]})
    assert stop.error_types() == ["SageMaker:ResourceNotFound"]
    assert served(stop) == [("SageMaker.StopTrainingJob", "filler")]


def test_a_refresh_that_gets_no_answer_changes_nothing(graphql, model):
    job = graphql.data(START, {"i": start_input(model)})["startTrainingJob"]
    res = graphql.execute(GET, {"id": job["id"]}, faults="DescribeTrainingJob=timeout")
    assert res.error_types() == ["SageMaker:Unavailable"]
    # listTrainingJobs reads without refreshing: the job is as it was stored.
    listed = graphql.data("query($m: String!) { listTrainingJobs(modelName: $m) "
                          "{ items { id status revision } } }", {"m": model})
    assert listed["listTrainingJobs"]["items"] == [
        {"id": job["id"], "status": "IN_PROGRESS", "revision": job["revision"]}]


# --- a number taken from a counter is given back when its write fails ------------------------

LATEST = 'query($n: String!) { getModel(name: $n) { latestVersionNumber } }'
REGISTER = ("mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) "
            "{ version } }")


def test_a_throttled_version_write_gives_its_number_back(graphql, model):
    res = graphql.execute(REGISTER, {"i": {"modelName": model, "artifactUri": "s3://b/1"}},
                          faults="PutItem=throttle")
    assert res.error_types() == [THROTTLED]
    # Taken (UpdateItem), the write refused (PutItem), given back (UpdateItem).
    assert res.dynamodb["byOperation"] == {"UpdateItem": 2, "PutItem": 1}
    assert graphql.data(LATEST, {"n": model})["getModel"]["latestVersionNumber"] == 0
    ok = graphql.data(REGISTER, {"i": {"modelName": model, "artifactUri": "s3://b/2"}})
    assert ok["registerModelVersion"]["version"] == 1


REFRESH = "mutation($id: ID!) { refreshTrainingJob(id: $id) { status producedVersion } }"


def set_stored(local_runtime, type_name: str, item_id: str, attribute: str, value) -> None:
    """Sets one attribute of a stored item in DynamoDB itself: a time moved back stands for
    waiting it out."""
    from boto3.dynamodb.types import TypeSerializer  # noqa: PLC0415

    from modules.codegen import load  # noqa: PLC0415
    from tests.conftest import ROOT  # noqa: PLC0415
    entity = load(ROOT / "schema" / "model_registry.graphql").entities[type_name]
    local_runtime.dynamodb().update_item(
        TableName=local_runtime.table(entity.table), Key={entity.key.hash: {"S": item_id}},
        UpdateExpression="SET #a = :v", ExpressionAttributeNames={"#a": attribute},
        ExpressionAttributeValues={":v": TypeSerializer().serialize(value)})


def age_claim(local_runtime, job_id: str) -> None:
    """The job's registration claim (ml/refresh_read.res) made just older than it holds."""
    import time  # noqa: PLC0415

    set_stored(local_runtime, "TrainingJob", job_id, "registrationClaimedAt",
               int(time.time()) - CLAIM_SECONDS - 1)


def age_start(local_runtime, type_name: str, job_id: str) -> None:
    """The job's last write (updatedAt, its start's put) made just older than a start may still
    run (ml/_http.vtl.j2 ask_after_start)."""
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415

    then = datetime.now(UTC) - timedelta(seconds=START_SECONDS + 1)
    set_stored(local_runtime, type_name, job_id, "updatedAt",
               then.strftime("%Y-%m-%dT%H:%M:%S.000Z"))


def test_a_resume_that_finds_the_job_linked_gives_its_number_back(local_runtime, graphql, model):
    """Another registration linked the job between this resume's claim and its transaction (the
    job's condition fails, fault conflict:1): the number goes back, no error, no version."""
    job = graphql.data(START, {"i": start_input(model, registerVersion=True)})["startTrainingJob"]
    graphql.data(GET, {"id": job["id"]})
    graphql.execute(GET, {"id": job["id"]}, faults="TransactWriteItems=throttle")
    age_claim(local_runtime, job["id"])
    res = graphql.execute(REFRESH, {"id": job["id"]}, faults="TransactWriteItems=conflict:1")
    assert res.errors == [] and res.data["refreshTrainingJob"]["producedVersion"] is None
    # Claim, allocate, give back (the counter's two UpdateItems and the job's).
    assert res.dynamodb["byOperation"] == {"GetItem": 1, "UpdateItem": 3, "TransactWriteItems": 1}
    assert graphql.data(LATEST, {"n": model})["getModel"]["latestVersionNumber"] == 0
VERSIONS = "query($n: String!) { listModelVersions(modelName: $n) { items { trainingJobId } } }"


@pytest.mark.parametrize("rule, error", [("TransactWriteItems=throttle", THROTTLED),
                                         ("TransactWriteItems=txconflict", "TransactionConflict"),
                                         ("UpdateItem#2=txconflict", "TransactionConflict")])
def test_a_failed_registration_at_completion_gives_its_number_back_and_is_resumed(
        local_runtime, graphql, model, rule, error):
    """The completion is stored, then the registration fails (its transaction, or the counter
    on the model: the second UpdateItem): the number is given back, and refreshTrainingJob
    registers the version later without asking SageMaker; a read never does."""
    job = graphql.data(START, {"i": start_input(model, registerVersion=True)})["startTrainingJob"]
    assert graphql.data(GET, {"id": job["id"]})["getTrainingJob"]["status"] == "IN_PROGRESS"
    res = graphql.execute(GET, {"id": job["id"]}, faults=rule)
    assert res.error_types() == [error]
    if error == "TransactionConflict":
        assert "refreshTrainingJob registers it" in res.errors[0]["message"]
    assert graphql.data(LATEST, {"n": model})["getModel"]["latestVersionNumber"] == 0
    assert graphql.data(VERSIONS, {"n": model})["listModelVersions"]["items"] == []
    read = graphql.execute(GET, {"id": job["id"]})
    assert read.data["getTrainingJob"]["status"] == "COMPLETED"
    assert read.dynamodb["byOperation"] == {"GetItem": 1} and read.http.get("requests", 0) == 0
    # The completion's write claimed the registration for 60 s: a resume now leaves it alone.
    held = graphql.execute(REFRESH, {"id": job["id"]})
    assert held.errors == [] and held.dynamodb["byOperation"] == {"GetItem": 1}
    age_claim(local_runtime, job["id"])
    with ThreadPoolExecutor(4) as pool:  # racing resumes: one claims it and numbers a version
        resumed = list(pool.map(lambda _: graphql.execute(REFRESH, {"id": job["id"]}), range(4)))
    assert [(r.errors, r.http.get("requests", 0)) for r in resumed] == [([], 0)] * 4
    assert {"status": "COMPLETED", "producedVersion": 1} in [
        r.data["refreshTrainingJob"] for r in resumed]
    assert graphql.data(VERSIONS, {"n": model})["listModelVersions"]["items"] == [
        {"trainingJobId": job["id"]}]
    again = graphql.execute(REFRESH, {"id": job["id"]})  # registered: nothing more to do
    assert again.dynamodb["byOperation"] == {"GetItem": 1}
    assert graphql.data(LATEST, {"n": model})["getModel"]["latestVersionNumber"] == 1


# --- a write that meets another request's transaction on its item ----------------------------

def test_a_version_write_meeting_a_transaction_is_named_and_gives_its_number_back(graphql, model):
    """DynamoDB refuses the PutItem (TransactionConflictException): one named, retryable error,
    the number given back, and the same request sent again takes number 1."""
    i = {"modelName": model, "artifactUri": "s3://b/1"}
    res = graphql.execute(REGISTER, {"i": i}, faults="PutItem=txconflict")
    assert res.error_types() == ["TransactionConflict"] and "send the request again" in \
        res.errors[0]["message"]
    assert graphql.data(LATEST, {"n": model})["getModel"]["latestVersionNumber"] == 0
    assert graphql.data(REGISTER, {"i": i})["registerModelVersion"]["version"] == 1


ALIASES = 'query($n: String!) { getModel(name: $n) { revision aliases { alias version } } }'


@pytest.mark.parametrize("query, variables, rule", [
    ('mutation($n: String!) { setModelAlias(name: $n, alias: "staging", version: 1) { name } }',
     {}, "TransactWriteItems=txconflict:1"),
    ('mutation($n: String!) { setModelAlias(name: $n, alias: "staging", version: 1) { name } }',
     {}, "TransactWriteItems=txconflict:0"),
    ("mutation($n: String!, $r: Int!, $t: [String!]) { updateModel(input: {name: $n, "
     "expectedRevision: $r, tags: $t}) { name } }", {"t": ["a"]}, "TransactWriteItems=txconflict"),
    ('mutation($n: String!, $r: Int!) { updateModel(input: {name: $n, expectedRevision: $r, '
     'description: "d"}) { name } }', {}, "UpdateItem=txconflict"),
])
def test_a_write_meeting_a_transaction_changes_nothing_and_can_be_sent_again(
        graphql, model, query, variables, rule):
    graphql.data(REGISTER, {"i": {"modelName": model, "artifactUri": "s3://b/1"}})
    before = graphql.data(ALIASES, {"n": model})
    variables = {"n": model, "r": before["getModel"]["revision"], **variables}  # $r: updates
    res = graphql.execute(query, variables, faults=rule)
    assert res.error_types() == ["TransactionConflict"], res.errors
    assert graphql.data(ALIASES, {"n": model}) == before
    again = graphql.execute(query, variables)
    assert again.errors == [] and graphql.data(ALIASES, {"n": model})["getModel"]["revision"] == \
        before["getModel"]["revision"] + 1


# --- a start whose outcome was never stored ----------------------------------------------------

def assert_settled(item: dict, job_id: str, started: bool, noun: str) -> None:
    """What a read asking SageMaker by name stored: the job's ARN, or FAILED (unknown there)."""
    if started:
        assert item["status"] == "IN_PROGRESS" and item["jobArn"].endswith(f"/{job_id}")
    else:
        assert item["status"] == "FAILED" and item["jobArn"] is None
        assert item["failureReason"].startswith(f"SageMaker has no {noun} named {job_id}")


@pytest.mark.parametrize("rule, error, started", [
    ("CreateTrainingJob=lost", "SageMaker:Unavailable", True),  # SageMaker started it
    ("CreateTrainingJob=timeout", "SageMaker:Unavailable", False),
    ("CreateTrainingJob=500", "SageMaker:InternalFailure", False),
    ("UpdateItem=throttle", THROTTLED, True),  # started, and its record was refused
])
def test_a_start_whose_outcome_is_unknown_is_settled_by_name_once_it_has_run_out(
        local_runtime, graphql, model, rule, error, started):
    """No answer from CreateTrainingJob (or SageMaker's own 5xx) may hide a running job, so it
    is not stored FAILED, a final state nobody asks about again: it stays PENDING without an
    ARN, as does a job whose answer could not be stored. Once its start has run out, a read asks
    SageMaker by the job's name: the job gets its ARN, or, unknown to SageMaker, FAILED."""
    token = uuid.uuid4().hex[:12]
    job_id = f"mlapi--{token}"
    i = start_input(model, clientToken=token)
    res = graphql.execute(START, {"i": i}, faults=rule)
    assert res.error_types() == [error] and res.data == {"startTrainingJob": None}
    if error.startswith("SageMaker:"):
        message = res.errors[0]["message"]
        assert f"{job_id} started is not known yet; it is stored PENDING" in message
        assert res.dynamodb["byOperation"] == {"TransactWriteItems": 1}  # nothing recorded
    young = graphql.execute(GET, {"id": job_id})  # its start may still be running: not asked
    assert young.data["getTrainingJob"]["status"] == "PENDING"
    assert young.http.get("requests", 0) == 0
    again = graphql.execute(START, {"i": i})  # the same clientToken: this job, no second start
    assert again.data["startTrainingJob"]["id"] == job_id and again.http.get("requests", 0) == 0
    age_start(local_runtime, "TrainingJob", job_id)
    asked = graphql.execute(GET, {"id": job_id})
    assert asked.errors == [] and asked.http["byCall"] == {"SageMaker.DescribeTrainingJob": 1}
    assert_settled(asked.data["getTrainingJob"], job_id, started, "training job")
    if not started:  # final
        assert graphql.execute(GET, {"id": job_id}).http.get("requests", 0) == 0


@pytest.mark.parametrize("effect, started", [("lost", True), ("timeout", False),
                                            ("500", False)])
def test_a_batch_prediction_without_sagemakers_answer_is_settled_by_name(
        local_runtime, graphql, model, effect, started):
    batch.register(graphql, model)
    token = uuid.uuid4().hex[:12]
    job_id = f"mlapi--{token}"
    res = graphql.execute(batch.START, {"i": batch.batch_input(model, clientToken=token)},
                          faults=f"CreateTransformJob={effect}")
    assert res.error_types() == [
        "SageMaker:InternalFailure" if effect == "500" else "SageMaker:Unavailable"]
    assert "it is stored PENDING" in res.errors[0]["message"]
    young = graphql.execute(batch.GET, {"id": job_id})
    assert young.data["getBatchPrediction"]["status"] == "PENDING"
    assert young.http.get("requests", 0) == 0
    age_start(local_runtime, "BatchPrediction", job_id)
    asked = graphql.execute(batch.REFRESH, {"id": job_id})
    assert asked.errors == [] and asked.http["byCall"] == {"SageMaker.DescribeTransformJob": 1}
    assert_settled(asked.data["refreshBatchPrediction"], job_id, started, "batch prediction")


def test_a_job_stopped_before_its_start_was_settled_is_refreshed_by_name(
        local_runtime, graphql, model):
    """SageMaker started it, the start stored no answer, and a stop by name reached it: STOPPING
    without an ARN is still asked about (by name), and gets its ARN and STOPPED."""
    token = uuid.uuid4().hex[:12]
    job_id = f"mlapi--{token}"
    res = graphql.execute(START, {"i": start_input(model, clientToken=token)},
                          faults="CreateTrainingJob=lost")
    assert res.error_types() == ["SageMaker:Unavailable"]
    stopped = graphql.execute(STOP, {"id": job_id})
    assert stopped.errors == [] and stopped.data["stopTrainingJob"]["status"] == "STOPPING"
    job = graphql.data(GET, {"id": job_id})["getTrainingJob"]
    assert job["status"] == "STOPPED" and job["jobArn"].endswith(f"/{job_id}")


def test_a_job_moved_on_that_sagemaker_never_had_is_failed_by_name(graphql, model):
    """A start that reached nothing, then moved on by updateTrainingJob without SageMaker: asked
    by name at the next read, it is FAILED rather than an error at every read."""
    token = uuid.uuid4().hex[:12]
    job_id = f"mlapi--{token}"
    res = graphql.execute(START, {"i": start_input(model, clientToken=token)},
                          faults="CreateTrainingJob=timeout")
    assert res.error_types() == ["SageMaker:Unavailable"]
    graphql.data("mutation($i: UpdateTrainingJobInput!) { updateTrainingJob(input: $i) { id } }",
                 {"i": {"id": job_id, "modelName": model, "status": "IN_PROGRESS"}})
    read = graphql.execute(GET, {"id": job_id})
    assert read.errors == [] and read.http["byCall"] == {"SageMaker.DescribeTrainingJob": 1}
    job = read.data["getTrainingJob"]
    assert job["status"] == "FAILED" and job["failureReason"].startswith(
        f"SageMaker has no training job named {job_id}")


def test_a_recorded_job_is_never_asked_about(local_runtime, graphql, model):
    """createTrainingJob records a job this API did not start (no "<prefix>--" id, nothing in
    SageMaker, which IAM would not let the data source describe): PENDING however old."""
    job = graphql.data("mutation($m: String!) { createTrainingJob(input: {modelName: $m}) "
                       "{ id status } }", {"m": model})["createTrainingJob"]
    assert job["status"] == "PENDING" and not job["id"].startswith("mlapi--")
    age_start(local_runtime, "TrainingJob", job["id"])
    read = graphql.execute(GET, {"id": job["id"]})
    assert read.errors == [] and read.data["getTrainingJob"]["status"] == "PENDING"
    assert read.http.get("requests", 0) == 0


@pytest.mark.parametrize("rule, settled", [
    ("CreateEndpoint=lost", "CREATING"),  # SageMaker is creating the endpoint
    ("CreateEndpoint=timeout", "FAILED"),
    ("CreateEndpoint=500", "FAILED"),
    ("UpdateItem=throttle", "CREATING"),  # created, and its record was refused
    ("UpdateEndpoint=lost", "IN_SERVICE"),  # a second deployment, serving by now
    ("UpdateEndpoint=timeout", "FAILED"),
])
def test_a_deployment_without_its_endpoint_calls_answer_is_settled_once_its_start_ran_out(
        local_runtime, graphql, model, rule, settled):
    """As a training start: no answer from CreateEndpoint/UpdateEndpoint (or a 5xx) may hide an
    endpoint on its way, so the deployment stays PENDING; once its start has run out a read asks
    SageMaker about the endpoint: it runs or deploys this deployment's config, or not (FAILED)."""
    deploy.register(graphql, model)
    first = None
    if rule.startswith("UpdateEndpoint"):
        first = deploy.in_service(graphql, graphql.data(
            deploy.DEPLOY, {"i": deploy.deploy_input(model, 1)})["deployModelVersion"])
    token = uuid.uuid4().hex[:12]
    job_id = f"mlapi--{token}"
    i = deploy.deploy_input(model, 1, clientToken=token)
    res = graphql.execute(deploy.DEPLOY, {"i": i}, faults=rule)
    assert res.errors and res.data == {"deployModelVersion": None}
    if "=throttle" not in rule:
        assert "is not known yet; it is stored PENDING" in res.errors[0]["message"]
    young = graphql.execute(deploy.GET, {"id": job_id})
    assert young.data["getDeployment"]["status"] == "PENDING"
    assert young.http.get("requests", 0) == 0
    again = graphql.execute(deploy.DEPLOY, {"i": i})  # the same clientToken: no second start
    assert again.data["deployModelVersion"]["id"] == job_id
    assert again.http.get("requests", 0) == 0
    if first:  # its read meanwhile is the filler's first Describe: the update is under way
        assert graphql.data(deploy.GET, {"id": first["id"]})["getDeployment"]["status"] == \
            "IN_SERVICE"
    age_start(local_runtime, "Deployment", job_id)
    asked = graphql.execute(deploy.GET, {"id": job_id})
    assert asked.errors == [] and asked.http["byCall"] == {"SageMaker.DescribeEndpoint": 1}
    d = asked.data["getDeployment"]
    assert d["status"] == settled
    if settled == "FAILED":
        assert "never started" in d["failureReason"]
        assert graphql.execute(deploy.GET, {"id": job_id}).http.get("requests", 0) == 0
        serving = first["id"] if first else None
    else:  # in service at once, or on its way: the next read finds it serving
        if settled != "IN_SERVICE":  # the filler's second Describe
            done = graphql.execute(deploy.GET, {"id": job_id})
            assert done.errors == [] and done.data["getDeployment"]["status"] == "IN_SERVICE"
        serving = job_id
    assert graphql.data(deploy.MODEL, {"m": model})["getModel"]["servingDeployment"] == serving
    if first and serving == job_id:  # the one it replaced, marked so (refresh_retire)
        assert graphql.data(deploy.GET, {"id": first["id"]})["getDeployment"]["status"] == \
            "REPLACED"
