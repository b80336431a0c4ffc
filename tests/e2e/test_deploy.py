"""Deploying model versions to SageMaker endpoints, end to end in the local runtime.

Which calls ran against what (extensions.http.servedBy): CreateModel and CreateEndpointConfig
against moto; CreateEndpoint, DescribeEndpoint and DeleteEndpoint against moto, corrected by
local/sagemaker-filler.js (moto's endpoints are InService at once); UpdateEndpoint and invoking
an endpoint created here against the filler only. The filler's endpoint answers Creating or
Updating on the first DescribeEndpoint after a change and InService on the next, so two reads
take a deployment to IN_SERVICE.

A SageMaker call that fails leaves the deployment stored FAILED with SageMaker's message (as
startTrainingJob does): the deployment is written PENDING before SageMaker hears of it, so
nothing SageMaker hosts is unknown to the API. An endpoint call without an answer (or answered
5xx) leaves it PENDING until a refresh asks SageMaker (tests/e2e/test_faults.py).
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e.test_ml import IMAGE, served

DEPLOYMENT = ("id modelName version alias status endpointName endpointConfigName "
              "sagemakerModelName image instanceType instanceCount failureReason replaces "
              "createdBy updatedBy revision")
DEPLOY = (f"mutation($i: DeployModelVersionInput!) {{ deployModelVersion(input: $i) "
          f"{{ {DEPLOYMENT} }} }}")
GET = f"query($id: ID!) {{ getDeployment(id: $id) {{ {DEPLOYMENT} }} }}"
REFRESH = f"mutation($id: ID!) {{ refreshDeployment(id: $id) {{ {DEPLOYMENT} }} }}"
UNDEPLOY = (f"mutation($m: String!) {{ undeployModelVersion(modelName: $m) "
            f"{{ {DEPLOYMENT} }} }}")
LIST = ("query($m: String!) { listDeployments(modelName: $m) { items { id version status } } }")
MODEL = ("query($m: String!) { getModel(name: $m) { endpointName servingVersion "
         "servingDeployment } }")
PREDICT = ("mutation($i: PredictInput!) { predict(input: $i) { id version endpointName output } }")
APPROVE = ("mutation($m: String!, $v: Int!) { setModelVersionApproval(modelName: $m, "
           "version: $v, approvalStatus: APPROVED) { version } }")


def register(graphql, model: str, approve: bool = True) -> int:
    version = graphql.data(
        "mutation($m: String!) { registerModelVersion(input: {modelName: $m, "
        "artifactUri: \"s3://data/out/model.tar.gz\"}) { version } }",
        {"m": model})["registerModelVersion"]["version"]
    if approve:
        graphql.data(APPROVE, {"m": model, "v": version})
    return version


def deploy_input(model: str, version: int | None = 1, **extra) -> dict:
    i = {"modelName": model, "image": IMAGE, "instanceType": "ml.m5.large", **extra}
    if version is not None:
        i["version"] = version
    return i


@pytest.fixture
def model(graphql):
    name = f"d-{uuid.uuid4().hex[:8]}"
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": name})
    return name


def in_service(graphql, deployment: dict) -> dict:
    """Read it until SageMaker's endpoint serves it (the filler: two DescribeEndpoint)."""
    first = graphql.data(GET, {"id": deployment["id"]})["getDeployment"]
    assert first["status"] == deployment["status"], "the first read sees it in progress"
    done = graphql.execute(GET, {"id": deployment["id"]})
    assert done.errors == [], done.errors
    assert done.data["getDeployment"]["status"] == "IN_SERVICE"
    # The deployment and the model's serving version in one transaction, then the deployment
    # it replaces (if any) marked REPLACED.
    marks = {"UpdateItem": 1} if deployment["replaces"] else {}
    assert done.dynamodb["byOperation"] == {"GetItem": 1, "TransactWriteItems": 1, **marks}
    return done.data["getDeployment"]


def predict(graphql, model: str, **which) -> dict:
    res = graphql.execute(PREDICT, {"i": {"modelName": model, "input": '{"x": [1, 2]}', **which}})
    assert res.errors == [], res.errors
    return res


def test_deploy_creates_model_config_endpoint_and_predict_follows_it(graphql, model):
    version = register(graphql, model)
    res = graphql.execute(DEPLOY, {"i": deploy_input(model, version)})
    assert res.errors == [], res.errors
    d = res.data["deployModelVersion"]
    assert d["status"] == "CREATING" and d["id"].startswith("mlapi--")
    # The model's name is a valid endpoint name: "<prefix>--<model>".
    assert d["endpointName"] == f"mlapi--{model}"
    assert d["endpointConfigName"] == d["sagemakerModelName"] == d["id"]
    assert (d["image"], d["instanceType"], d["instanceCount"]) == (IMAGE, "ml.m5.large", 1)
    assert d["createdBy"]
    assert res.http["byCall"] == {"SageMaker.DescribeEndpoint": 1, "SageMaker.CreateModel": 1,
                                  "SageMaker.CreateEndpointConfig": 1,
                                  "SageMaker.CreateEndpoint": 1}
    assert ("SageMaker.CreateModel", "moto") in served(res)
    assert graphql.data(MODEL, {"m": model})["getModel"] == {
        "endpointName": d["endpointName"], "servingVersion": None, "servingDeployment": None}
    # Not serving yet: the version has no endpoint of its own.
    early = graphql.execute(PREDICT, {"i": {"modelName": model, "version": version,
                                             "input": "{}"}})
    assert early.error_types() == ["NotDeployed"]
    live = in_service(graphql, d)
    assert graphql.data(MODEL, {"m": model})["getModel"]["servingDeployment"] == live["id"]
    # In service: still asked (a later deployment may replace it); nothing written.
    again = graphql.execute(GET, {"id": d["id"]})
    assert again.http["requests"] == 1 and again.data["getDeployment"]["status"] == "IN_SERVICE"
    p = predict(graphql, model, version=version)
    got = p.data["predict"]
    assert got["endpointName"] == d["endpointName"]
    assert json.loads(got["output"])["endpointConfigName"] == d["id"]
    assert served(p)[-1] == ("POST /endpoints/{name}/invocations", "filler")
    # One request fewer than a predict through an endpoint the version names: the model read
    # names the endpoint, and the version was read when it was deployed.
    assert p.dynamodb["byOperation"] == {"GetItem": 1, "PutItem": 1}


def test_a_second_version_updates_the_endpoint_blue_green(graphql, model):
    first = register(graphql, model)
    one = in_service(graphql, graphql.data(DEPLOY, {"i": deploy_input(model, first)})
                     ["deployModelVersion"])
    second = register(graphql, model)
    graphql.data("mutation($m: String!, $v: Int!) { setModelAlias(name: $m, alias: \"prod\", "
                 "version: $v) { name } }", {"m": model, "v": second})
    res = graphql.execute(DEPLOY, {"i": deploy_input(model, None, alias="prod")})
    assert res.errors == [], res.errors
    two = res.data["deployModelVersion"]
    assert two["status"] == "UPDATING" and two["version"] == second and two["alias"] == "prod"
    assert one["replaces"] is None and two["replaces"] == one["id"]
    assert two["endpointName"] == one["endpointName"]
    assert res.http["byCall"]["SageMaker.UpdateEndpoint"] == 1
    assert ("SageMaker.UpdateEndpoint", "filler") in served(res)
    # During the update the old fleet serves the first version.
    during = predict(graphql, model, version=first).data["predict"]
    assert json.loads(during["output"])["endpointConfigName"] == one["id"]
    # The second going IN_SERVICE marks the first REPLACED: so it is listed, never read since
    # (on AWS no EventBridge event reaches it after the update: refresh_retire.req).
    in_service(graphql, two)
    listed = graphql.data(LIST, {"m": model})["listDeployments"]["items"]
    assert [(i["version"], i["status"]) for i in listed] == [(second, "IN_SERVICE"),
                                                             (first, "REPLACED")]
    after = predict(graphql, model, alias="prod").data["predict"]
    assert after["version"] == second
    assert json.loads(after["output"])["endpointConfigName"] == two["id"]
    # The first version no longer has an endpoint serving it.
    old = graphql.execute(PREDICT, {"i": {"modelName": model, "version": first, "input": "{}"}})
    assert old.error_types() == ["NotDeployed"]
    assert graphql.data(GET, {"id": one["id"]})["getDeployment"]["status"] == "REPLACED"
    listed = graphql.data(LIST, {"m": model})["listDeployments"]["items"]
    assert [(i["version"], i["status"]) for i in listed] == [(second, "IN_SERVICE"),
                                                             (first, "REPLACED")]


@pytest.fixture
def models_table(local_runtime):
    """Writes the model's item directly (as a racing writer would have)."""
    client, name = local_runtime.dynamodb(), local_runtime.table("models")

    def set_serving_since(model: str, since: str) -> None:
        client.update_item(TableName=name, Key={"name": {"S": model}},
                           UpdateExpression="SET servingSince = :s, servingVersion = :v",
                           ExpressionAttributeValues={":s": {"S": since}, ":v": {"N": "9"}})
    return set_serving_since


def test_a_late_refresh_never_takes_the_endpoint_back_from_a_newer_deployment(graphql, model,
                                                                              models_table):
    """The model serves the newest deployment that went IN_SERVICE (servingSince): an older
    one's IN_SERVICE arriving late cancels its transaction, quietly, and changes nothing."""
    register(graphql, model)
    d = graphql.data(DEPLOY, {"i": deploy_input(model, 1)})["deployModelVersion"]
    assert graphql.data(GET, {"id": d["id"]})["getDeployment"]["status"] == "CREATING"
    models_table(model, "9999-01-01T00:00:00.000Z")  # a newer deployment serves
    late = graphql.execute(GET, {"id": d["id"]})
    assert late.errors == [] and late.data["getDeployment"]["status"] == "CREATING"
    assert graphql.data(MODEL, {"m": model})["getModel"]["servingVersion"] == 9


def test_only_approved_versions_deploy(graphql, model):
    version = register(graphql, model, approve=False)
    res = graphql.execute(DEPLOY, {"i": deploy_input(model, version)})
    assert res.error_types() == ["NotApproved"]
    assert "deploy_requires_approval" in res.errors[0]["message"]
    assert res.http["requests"] == 0
    assert graphql.data(LIST, {"m": model})["listDeployments"]["items"] == []


@pytest.mark.parametrize("override, rule", [
    ({"instanceType": "ml.p5.48xlarge"}, "training_instance_types"),
    ({"instanceCount": 99}, "training_max_instance_count"),
    ({"image": "999999999999.dkr.ecr.us-east-1.amazonaws.com/evil:1"}, "training_images"),
])
def test_out_of_policy_deployments_are_refused_naming_the_rule(graphql, model, override, rule):
    register(graphql, model)
    res = graphql.execute(DEPLOY, {"i": deploy_input(model, 1, **override)})
    assert res.error_types() == ["ValidationError"] and f"({rule}" in res.errors[0]["message"]
    assert res.http["requests"] == 0
    assert graphql.data(LIST, {"m": model})["listDeployments"]["items"] == []


@pytest.mark.parametrize("given, says", [
    ({"version": None}, "give version or alias"),
    ({"version": 1, "alias": "prod"}, "give version or alias"),
    ({"version": None, "alias": "nope"}, "alias nope of model"),
    ({"version": 7}, "version 7 of model"),
])
def test_what_names_no_version_is_refused(graphql, model, given, says):
    register(graphql, model)
    i = {k: v for k, v in {**deploy_input(model), **given}.items() if v is not None}
    res = graphql.execute(DEPLOY, {"i": i})
    assert res.errors and says in res.errors[0]["message"], res.errors
    assert res.http["requests"] == 0


def test_a_trained_version_deploys_with_its_job_image_and_others_need_one(graphql, model):
    # A version trained here: its training job's image (no image given).
    start = ("mutation($i: StartTrainingJobInput!) { startTrainingJob(input: $i) { id } }")
    job = graphql.data(start, {"i": {"modelName": model, "algorithmImage": IMAGE,
                                     "inputUri": "s3://data/train/", "outputUri": "s3://data/out/",
                                     "instanceType": "ml.m5.large", "registerVersion": True}})
    job_id = job["startTrainingJob"]["id"]
    for _ in range(2):
        graphql.data("query($id: ID!) { getTrainingJob(id: $id) { status } }", {"id": job_id})
    graphql.data(APPROVE, {"m": model, "v": 1})
    # The job's read failing stops the deploy before anything is stored.
    failed = graphql.execute(DEPLOY, {"i": deploy_input(model, 1, image=None)},
                             faults="GetItem@training_jobs=throttle")
    assert failed.error_types() == ["DynamoDB:ProvisionedThroughputExceededException"]
    assert failed.http["requests"] == 0
    assert graphql.data(LIST, {"m": model})["listDeployments"]["items"] == []
    trained = graphql.execute(DEPLOY, {"i": deploy_input(model, 1, image=None)})
    assert trained.errors == [], trained.errors
    assert trained.data["deployModelVersion"]["image"] == IMAGE
    # A version registered from outside has no image to take.
    register(graphql, model)
    res = graphql.execute(DEPLOY, {"i": deploy_input(model, 2, image=None)})
    assert res.error_types() == ["ValidationError"] and "image is required" in \
        res.errors[0]["message"]


def test_one_client_token_deploys_once(graphql, model):
    register(graphql, model)
    token = uuid.uuid4().hex[:12]
    first = graphql.data(DEPLOY, {"i": deploy_input(model, 1, clientToken=token)})
    retry = graphql.execute(DEPLOY, {"i": deploy_input(model, 1, clientToken=token)})
    assert retry.errors == [] and retry.http["requests"] == 0
    assert retry.data["deployModelVersion"]["id"] == first["deployModelVersion"]["id"] == \
        f"mlapi--{token}"
    other = f"{model}-b"
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": other})
    register(graphql, other)
    clash = graphql.execute(DEPLOY, {"i": deploy_input(other, 1, clientToken=token)})
    assert clash.error_types() == ["IdempotencyConflict"]


def test_a_name_that_is_no_endpoint_name_gets_a_safe_one(graphql):
    name = f"My_Model.{uuid.uuid4().hex[:6]}"
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": name})
    register(graphql, name)
    d = graphql.data(DEPLOY, {"i": deploy_input(name, 1)})["deployModelVersion"]
    endpoint = d["endpointName"]
    assert endpoint.startswith(f"mlapi--{name.lower().replace('_', '-').replace('.', '-')}-")
    assert len(endpoint) <= 63 and endpoint == endpoint.lower()
    # Named once: the model keeps it.
    assert graphql.data(MODEL, {"m": name})["getModel"]["endpointName"] == endpoint


@pytest.mark.parametrize("call, status", [
    ("CreateModel", 500), ("CreateEndpointConfig", 400), ("CreateEndpoint", 429),
    ("DescribeEndpoint", 503),
])
def test_a_sagemaker_failure_is_stored_failed_with_its_reason(graphql, model, call, status):
    register(graphql, model)
    res = graphql.execute(DEPLOY, {"i": deploy_input(model, 1)}, faults=f"{call}={status}")
    assert res.errors, "SageMaker's error is returned"
    d = res.data["deployModelVersion"]
    assert d["status"] == "FAILED" and d["failureReason"] == res.errors[0]["message"]
    # Nothing after the failed call was asked of SageMaker.
    calls = list(res.http["byCall"])
    assert calls[-1] == f"SageMaker.{call}", calls
    # Final: never refreshed, and the model serves nothing.
    again = graphql.execute(GET, {"id": d["id"]})
    assert again.http["requests"] == 0 and again.data["getDeployment"]["status"] == "FAILED"
    assert graphql.data(MODEL, {"m": model})["getModel"]["servingVersion"] is None


def test_an_update_of_an_endpoint_in_progress_fails_with_sagemaker_s_reason(graphql, model):
    register(graphql, model)
    graphql.data(DEPLOY, {"i": deploy_input(model, 1)})
    register(graphql, model)
    res = graphql.execute(DEPLOY, {"i": deploy_input(model, 2)})
    d = res.data["deployModelVersion"]
    assert d["status"] == "FAILED" and "in-progress endpoint" in d["failureReason"]
    assert res.error_types() == ["SageMaker:ValidationException"]


def test_undeploy_deletes_the_endpoint_and_predict_stops(graphql, model):
    register(graphql, model)
    d = in_service(graphql, graphql.data(DEPLOY, {"i": deploy_input(model, 1)})
                   ["deployModelVersion"])
    res = graphql.execute(UNDEPLOY, {"m": model})
    assert res.errors == [], res.errors
    gone = res.data["undeployModelVersion"]
    assert gone["id"] == d["id"] and gone["status"] == "DELETING" and gone["updatedBy"]
    assert res.http["byCall"] == {"SageMaker.DeleteEndpoint": 1,
                                  "SageMaker.DeleteEndpointConfig": 1,
                                  "SageMaker.DeleteModel": 1}
    assert graphql.data(MODEL, {"m": model})["getModel"]["servingVersion"] is None
    stopped = graphql.execute(PREDICT, {"i": {"modelName": model, "version": 1, "input": "{}"}})
    assert stopped.error_types() == ["NotDeployed"]
    assert graphql.data(GET, {"id": d["id"]})["getDeployment"]["status"] == "DELETED"
    # Again: the endpoint is gone already; nothing is live, and nothing fails.
    again = graphql.execute(UNDEPLOY, {"m": model})
    assert again.errors == [] and again.data["undeployModelVersion"]["status"] == "DELETED"
    assert again.http["byCall"] == {"SageMaker.DeleteEndpoint": 1}
    # A model deploys again after an undeploy (CreateEndpoint, same endpoint name).
    back = graphql.data(DEPLOY, {"i": deploy_input(model, 1)})["deployModelVersion"]
    assert back["status"] == "CREATING" and back["endpointName"] == d["endpointName"]


def test_undeploy_of_a_model_never_deployed_is_not_found(graphql, model):
    res = graphql.execute(UNDEPLOY, {"m": model})
    assert res.error_types() == ["NotFound"] and "never deployed" in res.errors[0]["message"]
    missing = graphql.execute(UNDEPLOY, {"m": f"{model}-none"})
    assert missing.error_types() == ["NotFound"]


def test_undeploy_reports_a_config_left_behind(graphql, model):
    register(graphql, model)
    graphql.data(DEPLOY, {"i": deploy_input(model, 1)})
    res = graphql.execute(UNDEPLOY, {"m": model}, faults="DeleteEndpointConfig=500")
    assert res.data["undeployModelVersion"]["status"] == "DELETING"
    assert res.error_types() == ["SageMaker:InternalFailure"]
    assert "the endpoint is deleted" in res.errors[0]["message"]


def test_a_deployment_whose_endpoint_vanished_is_deleted(graphql, model):
    register(graphql, model)
    d = graphql.data(DEPLOY, {"i": deploy_input(model, 1)})["deployModelVersion"]
    # Deleted outside the API (DescribeEndpoint: not found).
    graphql.execute(UNDEPLOY, {"m": model}, faults="TransactWriteItems=throttle")
    assert graphql.data(REFRESH, {"id": d["id"]})["refreshDeployment"]["status"] == "DELETED"


def test_refresh_failures_store_nothing(graphql, model):
    register(graphql, model)
    d = graphql.data(DEPLOY, {"i": deploy_input(model, 1)})["deployModelVersion"]
    res = graphql.execute(REFRESH, {"id": d["id"]}, faults="DescribeEndpoint=500")
    assert res.error_types() == ["SageMaker:InternalFailure"]
    assert graphql.data(LIST, {"m": model})["listDeployments"]["items"][0]["status"] == \
        "CREATING"
