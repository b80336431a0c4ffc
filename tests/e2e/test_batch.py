"""Batch predictions (SageMaker CreateModel + CreateTransformJob), end to end in the local runtime.

Which calls ran against what (extensions.http.servedBy): CreateModel and CreateTransformJob
against moto (the filler refuses only what moto would wrongly accept: an existing name, a model
that does not exist); DescribeTransformJob against moto, corrected by local/sagemaker-filler.js
(moto reports Completed at once); StopTransformJob against the filler only (moto lacks it).
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e.test_ml import IMAGE, served, start_input

BATCH = ("id modelName version alias status failureReason jobArn inputUri outputUri image "
         "artifactUri instanceType instanceCount contentType splitType batchStrategy "
         "maxPayloadInMB createdBy revision")
START = (f"mutation($i: StartBatchPredictionInput!) {{ startBatchPrediction(input: $i) "
         f"{{ {BATCH} }} }}")
GET = f"query($id: ID!) {{ getBatchPrediction(id: $id) {{ {BATCH} }} }}"
STOP = f"mutation($id: ID!) {{ stopBatchPrediction(id: $id) {{ {BATCH} }} }}"
REFRESH = f"mutation($id: ID!) {{ refreshBatchPrediction(id: $id) {{ {BATCH} }} }}"
LIST = ("query($m: String!, $s: BatchPredictionStatus) { listBatchPredictions(modelName: $m, "
        "status: $s) { items { id status } } }")
ARTIFACT = "s3://data/out/model.tar.gz"


@pytest.fixture
def model(graphql):
    name = f"bp-{uuid.uuid4().hex[:8]}"
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": name})
    return name


def register(graphql, model: str, **fields) -> int:
    return graphql.data("mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: "
                        "$i) { version } }", {"i": {"modelName": model, "artifactUri": ARTIFACT,
                                                    **fields}})["registerModelVersion"]["version"]


@pytest.fixture
def versioned(graphql, model):
    """A model with a registered version (no training job: batch inputs name the image)."""
    register(graphql, model)
    return model


# Inside the training policy of cdktf.json, which batch predictions share.
def batch_input(model: str, **extra) -> dict:
    return {"modelName": model, "image": IMAGE, "inputUri": "s3://data/train/batch/",
            "outputUri": "s3://data/out/batch/", "instanceType": "ml.m5.large", **extra}


def listed(graphql, model: str, status: str | None = None) -> list[dict]:
    return graphql.data(LIST, {"m": model, "s": status})["listBatchPredictions"]["items"]


def test_start_refresh_to_completion(graphql, versioned):
    res = graphql.execute(START, {"i": batch_input(versioned, contentType="text/csv",
                                                   splitType="Line", batchStrategy="MultiRecord",
                                                   maxPayloadInMB=6)})
    assert res.errors == [], res.errors
    bp = res.data["startBatchPrediction"]
    assert bp["status"] == "IN_PROGRESS" and bp["id"].startswith("mlapi--")
    assert bp["jobArn"].endswith(f":transform-job/{bp['id']}")
    assert (bp["version"], bp["image"], bp["artifactUri"]) == (1, IMAGE, ARTIFACT)
    assert (bp["contentType"], bp["splitType"], bp["instanceCount"]) == ("text/csv", "Line", 1)
    # One SageMaker Model (named as the job), one transform job on it.
    assert res.http["byCall"] == {"SageMaker.CreateModel": 1, "SageMaker.CreateTransformJob": 1}
    assert served(res) == [("SageMaker.CreateModel", "moto"),
                           ("SageMaker.CreateTransformJob", "moto")]
    first = graphql.execute(GET, {"id": bp["id"]})
    assert first.errors == [] and first.data["getBatchPrediction"]["status"] == "IN_PROGRESS"
    assert served(first) == [("SageMaker.DescribeTransformJob", "moto+filler")]
    done = graphql.execute(GET, {"id": bp["id"]})
    assert done.errors == [] and done.data["getBatchPrediction"]["status"] == "COMPLETED"
    assert served(done) == [("SageMaker.DescribeTransformJob", "moto")]
    # Final: read from the table alone.
    again = graphql.execute(GET, {"id": bp["id"]})
    assert again.http["requests"] == 0 and again.dynamodb["byOperation"] == {"GetItem": 1}
    assert listed(graphql, versioned, "COMPLETED") == [{"id": bp["id"], "status": "COMPLETED"}]


def test_the_status_mutation_refreshes_as_a_read_does(graphql, versioned):
    bp = graphql.data(START, {"i": batch_input(versioned)})["startBatchPrediction"]
    assert graphql.data(REFRESH, {"id": bp["id"]})["refreshBatchPrediction"]["status"] == \
        "IN_PROGRESS"
    done = graphql.data(REFRESH, {"id": bp["id"]})["refreshBatchPrediction"]
    assert done["status"] == "COMPLETED" and done["revision"] > bp["revision"]


def test_by_alias_runs_the_version_its_training_job_produced(graphql, model):
    """Without an image, the version's training job gives it (lineage: version -> job)."""
    job = graphql.data("mutation($i: StartTrainingJobInput!) { startTrainingJob(input: $i) "
                       "{ id } }", {"i": start_input(model, registerVersion=True)}
                       )["startTrainingJob"]["id"]
    get = "query($id: ID!) { getTrainingJob(id: $id) { status modelArtifactUri } }"
    graphql.data(get, {"id": job})
    trained = graphql.data(get, {"id": job})["getTrainingJob"]
    assert trained["status"] == "COMPLETED"
    # prod is a protected alias (protected_aliases): it takes an approved version only.
    graphql.data("mutation($n: String!) { setModelVersionApproval(modelName: $n, version: 1, "
                 "approvalStatus: APPROVED) { version } }", {"n": model})
    graphql.data('mutation($n: String!) { setModelAlias(name: $n, alias: "prod", version: 1) '
                 "{ name } }", {"n": model})
    given = batch_input(model, alias="prod")
    del given["image"]
    res = graphql.execute(START, {"i": given})
    assert res.errors == [], res.errors
    bp = res.data["startBatchPrediction"]
    assert (bp["version"], bp["alias"]) == (1, "prod")
    assert bp["image"] == start_input(model)["algorithmImage"]
    assert bp["artifactUri"] == trained["modelArtifactUri"]


def test_list_per_model_and_by_status(graphql, versioned, model):
    running = graphql.data(START, {"i": batch_input(versioned)})["startBatchPrediction"]["id"]
    stopping = graphql.data(START, {"i": batch_input(versioned)})["startBatchPrediction"]["id"]
    graphql.data(STOP, {"id": stopping})
    other = f"{model}-other"
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": other})
    register(graphql, other)
    graphql.data(START, {"i": batch_input(other)})
    assert {i["id"] for i in listed(graphql, versioned)} == {running, stopping}
    assert listed(graphql, versioned, "IN_PROGRESS") == [{"id": running, "status": "IN_PROGRESS"}]
    assert listed(graphql, versioned, "STOPPING") == [{"id": stopping, "status": "STOPPING"}]
    assert listed(graphql, versioned, "COMPLETED") == []


def test_stop_then_refresh_records_stopped_and_a_final_one_is_refused(graphql, versioned):
    bp = graphql.data(START, {"i": batch_input(versioned)})["startBatchPrediction"]
    stopped = graphql.execute(STOP, {"id": bp["id"]})
    assert stopped.errors == [], stopped.errors
    assert stopped.data["stopBatchPrediction"]["status"] == "STOPPING"
    assert served(stopped) == [("SageMaker.StopTransformJob", "filler")]
    twice = graphql.execute(STOP, {"id": bp["id"]})
    assert twice.error_types() == ["InvalidTransition"] and "already STOPPING" in \
        twice.errors[0]["message"]
    assert graphql.data(GET, {"id": bp["id"]})["getBatchPrediction"]["status"] == "STOPPED"
    again = graphql.execute(STOP, {"id": bp["id"]})
    assert again.error_types() == ["InvalidTransition"]
    assert "STOPPED, a final state" in again.errors[0]["message"]
    assert again.http["requests"] == 0
    missing = graphql.execute(STOP, {"id": "mlapi--never"})
    assert missing.error_types() == ["NotFound"] and missing.http["requests"] == 0


def test_one_client_token_starts_one_batch_prediction(graphql, versioned):
    token = uuid.uuid4().hex[:12]
    first = graphql.data(START, {"i": batch_input(versioned, clientToken=token)})
    retry = graphql.execute(START, {"i": batch_input(versioned, clientToken=token)})
    assert retry.errors == [], retry.errors
    assert retry.data["startBatchPrediction"] == first["startBatchPrediction"]
    # Its put finds the id taken (a refused condition writes nothing); the first is read.
    assert retry.http["requests"] == 0 and "UpdateItem" not in retry.dynamodb["byOperation"]
    assert listed(graphql, versioned) == [{"id": f"mlapi--{token}", "status": "IN_PROGRESS"}]
    # The same token for another model is a conflict, not its batch prediction.
    other = f"{versioned}-b"
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": other})
    register(graphql, other)
    clash = graphql.execute(START, {"i": batch_input(other, clientToken=token)})
    assert clash.error_types() == ["IdempotencyConflict"] and clash.http["requests"] == 0


@pytest.fixture(scope="module")
def policy(model_api_stack) -> dict:
    """The training policy the local stack was synthesized with (batch predictions share it)."""
    return json.loads(json.loads(model_api_stack.read_text())["locals"]["training_policy"])


# Each request outside the policy, and the setting that refuses it (named in the error).
OUT_OF_POLICY = {
    "image": ({"image": "999999999999.dkr.ecr.us-east-1.amazonaws.com/x:1"}, "training_images"),
    "instance type": ({"instanceType": "ml.p5.48xlarge"}, "training_instance_types"),
    "count": ({"instanceCount": "max+1"}, "training_max_instance_count"),
    "input bucket": ({"inputUri": "s3://data-other/train/"}, "sagemaker_input_s3_prefixes"),
    "output bucket": ({"outputUri": "s3://attacker/out/"}, "sagemaker_output_s3_prefixes"),
}


@pytest.mark.parametrize("case", sorted(OUT_OF_POLICY))
def test_an_out_of_policy_request_is_refused_and_stores_nothing(graphql, versioned, case, policy):
    override, rule = OUT_OF_POLICY[case]
    override = {k: policy["maxInstanceCount"] + 1 if v == "max+1" else v
                for k, v in override.items()}
    res = graphql.execute(START, {"i": batch_input(versioned, **override)})
    assert res.error_types() == ["ValidationError"], res.errors
    assert f"({rule}" in res.errors[0]["message"]
    # Refused before any read, write or call.
    assert res.http["requests"] == 0 and res.dynamodb["byOperation"] == {}
    assert listed(graphql, versioned) == []


def test_the_policy_limits_themselves_are_allowed(graphql, versioned, policy):
    res = graphql.execute(START, {"i": batch_input(
        versioned, instanceCount=policy["maxInstanceCount"],
        instanceType=policy["instanceTypes"][-1])})
    assert res.errors == [], res.errors
    assert res.data["startBatchPrediction"]["instanceCount"] == policy["maxInstanceCount"]


@pytest.mark.parametrize("given, kind, says", [
    ({"alias": "prod", "version": 1}, "ValidationError", "not both"),
    ({"modelName": "never-created"}, "NotFound", "not found"),
    ({"version": 7}, "NotFound", "version 7 of model"),
    ({"alias": "canary"}, "NotFound", "has no alias canary"),
])
def test_what_names_nothing_is_refused(graphql, versioned, given, kind, says):
    res = graphql.execute(START, {"i": {**batch_input(versioned), **given}})
    assert res.error_types() == [kind] and says in res.errors[0]["message"], res.errors
    assert res.http["requests"] == 0 and "PutItem" not in res.dynamodb["byOperation"]


def test_a_model_without_versions_has_nothing_to_run(graphql, model):
    res = graphql.execute(START, {"i": batch_input(model)})
    assert res.error_types() == ["NotFound"] and "has no versions" in res.errors[0]["message"]


def test_a_version_needs_an_s3_artifact_and_an_image(graphql, model):
    register(graphql, model, artifactUri="https://example.com/m.tgz")
    res = graphql.execute(START, {"i": batch_input(model)})
    assert res.error_types() == ["NotServable"] and "s3:// artifactUri" in \
        res.errors[0]["message"]
    register(graphql, model)  # version 2: an S3 artifact, no training job
    no_image = batch_input(model, version=2)
    del no_image["image"]
    res = graphql.execute(START, {"i": no_image})
    assert res.error_types() == ["NotServable"] and "give image" in res.errors[0]["message"]
    # A training job recorded without SageMaker (createTrainingJob) has no image either.
    job = graphql.data("mutation($m: String!) { createTrainingJob(input: {modelName: $m}) "
                       "{ id } }", {"m": model})["createTrainingJob"]["id"]
    register(graphql, model, trainingJobId=job)
    res = graphql.execute(START, {"i": {**no_image, "version": 3}})
    assert res.error_types() == ["NotServable"] and "no algorithmImage" in \
        res.errors[0]["message"]
    assert res.http["requests"] == 0 and listed(graphql, model) == []


# --- SageMaker's refusals and failures --------------------------------------------------------

def test_a_refused_model_leaves_the_batch_prediction_failed_and_no_job(graphql, versioned):
    res = graphql.execute(START, {"i": batch_input(versioned)}, faults="CreateModel=500")
    assert res.error_types() == ["SageMaker:InternalFailure"]
    assert res.http["byCall"] == {"SageMaker.CreateModel": 1}  # no CreateTransformJob
    [item] = listed(graphql, versioned)
    bp = graphql.data(GET, {"id": item["id"]})["getBatchPrediction"]
    assert bp["status"] == "FAILED" and bp["failureReason"] and bp["jobArn"] is None


def test_a_refused_transform_job_is_a_graphql_error_and_left_failed(graphql, versioned,
                                                                   local_runtime):
    import boto3

    token = uuid.uuid4().hex[:12]
    # A transform job of that name exists already (made outside the API): SageMaker refuses.
    sm = boto3.client("sagemaker", endpoint_url=local_runtime.info["dynamodb"],
                      region_name="us-east-1", aws_access_key_id="local",
                      aws_secret_access_key="local")
    sm.create_transform_job(
        TransformJobName=f"mlapi--{token}", ModelName="outside",
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                        "S3Uri": "s3://i/"}}},
        TransformOutput={"S3OutputPath": "s3://o/"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    res = graphql.execute(START, {"i": batch_input(versioned, clientToken=token)})
    assert res.error_types() == ["SageMaker:ResourceInUse"]
    assert served(res) == [("SageMaker.CreateModel", "moto"),
                           ("SageMaker.CreateTransformJob", "filler")]
    bp = graphql.data(GET, {"id": f"mlapi--{token}"})["getBatchPrediction"]
    assert bp["status"] == "FAILED" and "already exists" in bp["failureReason"]


def test_a_refresh_that_gets_no_answer_changes_nothing(graphql, versioned):
    bp = graphql.data(START, {"i": batch_input(versioned)})["startBatchPrediction"]
    res = graphql.execute(GET, {"id": bp["id"]}, faults="DescribeTransformJob=timeout")
    assert res.error_types() == ["SageMaker:Unavailable"]
    assert listed(graphql, versioned) == [{"id": bp["id"], "status": "IN_PROGRESS"}]


def test_a_refused_stop_changes_nothing(graphql, versioned):
    bp = graphql.data(START, {"i": batch_input(versioned)})["startBatchPrediction"]
    res = graphql.execute(STOP, {"id": bp["id"]}, faults="StopTransformJob=503")
    assert res.error_types()[0].startswith("SageMaker:")
    assert graphql.data(GET, {"id": bp["id"]})["getBatchPrediction"]["status"] == "IN_PROGRESS"
