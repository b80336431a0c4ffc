"""SageMaker and Bedrock from AppSync, end to end in the local runtime.

Which calls ran against what (extensions.http.servedBy): CreateTrainingJob and InvokeEndpoint
against moto; DescribeTrainingJob against moto, corrected by local/sagemaker-filler.js (moto
reports Completed at once); StopTrainingJob and the duplicate-name refusal against the filler
only (moto does not implement them).
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.graphql_client import IAM_ARN

JOB = "id modelName status jobArn failureReason metrics producedVersion secondaryStatus " \
      "modelArtifactUri registerVersion revision"
START = f"mutation($i: StartTrainingJobInput!) {{ startTrainingJob(input: $i) {{ {JOB} }} }}"
GET = f"query($id: ID!) {{ getTrainingJob(id: $id) {{ {JOB} }} }}"
STOP = f"mutation($id: ID!) {{ stopTrainingJob(id: $id) {{ {JOB} }} }}"
MOTO_BODY = "body"  # what moto's InvokeEndpoint answers
PREDICT = ("mutation($i: PredictInput!) { predict(input: $i) { id modelName version alias input "
           "output outputLength latencyMs caller endpointName createdAt } }")


def served(res) -> list[tuple[str, str]]:
    return [(c["call"], c["servedBy"]) for c in res.http["servedBy"]]


@pytest.fixture
def model(graphql):
    name = f"m-{uuid.uuid4().hex[:8]}"
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": name})
    return name


# Inside the training policy of cdktf.json (training_images, training_*_prefixes).
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"


def start_input(model: str, **extra) -> dict:
    return {"modelName": model, "algorithmImage": IMAGE,
            "hyperparameters": '{"eta": 0.2, "rounds": 10}', "inputUri": "s3://data/train/",
            "outputUri": "s3://data/out/", "instanceType": "ml.m5.large", **extra}


def test_start_stores_the_job_in_progress_with_its_arn(graphql, model):
    res = graphql.execute(START, {"i": start_input(model)})
    assert res.errors == [], res.errors
    job = res.data["startTrainingJob"]
    assert job["status"] == "IN_PROGRESS" and job["id"].startswith("mlapi--")
    assert job["jobArn"].endswith(f":training-job/{job['id']}")
    # One call from AppSync (the filler's own look-up at moto is not an AppSync call).
    assert res.http["byCall"] == {"SageMaker.CreateTrainingJob": 1}
    assert ("SageMaker.CreateTrainingJob", "moto") in served(res)
    # One transaction stores it PENDING (the model must exist), one UpdateItem records the ARN.
    assert res.dynamodb["byOperation"] == {"TransactWriteItems": 1, "UpdateItem": 1}
    assert res.dynamodb["roundTrips"] == 2


def test_refresh_to_completion_registers_a_version_with_lineage(graphql, model):
    job = graphql.data(START, {"i": start_input(model, registerVersion=True)})["startTrainingJob"]
    first = graphql.execute(GET, {"id": job["id"]})
    assert first.errors == [] and first.data["getTrainingJob"]["status"] == "IN_PROGRESS"
    assert first.data["getTrainingJob"]["secondaryStatus"] == "Training"
    assert served(first) == [("SageMaker.DescribeTrainingJob", "moto+filler")]
    done = graphql.execute(GET, {"id": job["id"]})
    assert done.errors == [], done.errors
    got = done.data["getTrainingJob"]
    assert got["status"] == "COMPLETED" and got["producedVersion"] == 1
    assert got["metrics"] and got["modelArtifactUri"]
    assert served(done) == [("SageMaker.DescribeTrainingJob", "moto")]
    version = graphql.data(
        "query($m: String!) { getModelVersion(modelName: $m, version: 1) "
        "{ artifactUri trainingJobId metrics approvalStatus } }", {"m": model})["getModelVersion"]
    assert version["trainingJobId"] == job["id"]
    assert version["artifactUri"] == got["modelArtifactUri"]
    assert version["approvalStatus"] == "PENDING_MANUAL_APPROVAL"
    # Final: read from the table alone.
    again = graphql.execute(GET, {"id": job["id"]})
    assert again.http["requests"] == 0 and again.dynamodb["byOperation"] == {"GetItem": 1}


def test_racing_refreshes_at_completion_register_one_version(graphql, model):
    """The EventBridge rule and readers refresh at once: one stores the completion and numbers a
    version; the others answer without error and allocate nothing (no gap in the counter)."""
    job = graphql.data(START, {"i": start_input(model, registerVersion=True)})["startTrainingJob"]
    assert graphql.data(GET, {"id": job["id"]})["getTrainingJob"]["status"] == "IN_PROGRESS"
    refresh = f"mutation($id: ID!) {{ refreshTrainingJob(id: $id) {{ {JOB} }} }}"
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: graphql.execute(refresh if i % 2 else GET,
                                                          {"id": job["id"]}), range(8)))
    assert [r.errors for r in results] == [[]] * 8
    stored = graphql.data(GET, {"id": job["id"]})["getTrainingJob"]
    assert stored["status"] == "COMPLETED" and stored["producedVersion"] == 1
    got = graphql.data("query($m: String!) { getModel(name: $m) { latestVersionNumber "
                       "latestVersion { version trainingJobId } versions { items { version } } } }",
                       {"m": model})["getModel"]
    assert got["latestVersionNumber"] == 1
    assert got["latestVersion"] == {"version": 1, "trainingJobId": job["id"]}
    assert got["versions"]["items"] == [{"version": 1}]


def test_a_job_whose_model_was_deleted_completes_without_a_version(graphql, model):
    job = graphql.data(START, {"i": start_input(model, registerVersion=True)})["startTrainingJob"]
    assert graphql.data(GET, {"id": job["id"]})["getTrainingJob"]["status"] == "IN_PROGRESS"
    graphql.data("mutation($n: String!) { deleteModel(name: $n, expectedRevision: 1) { name } }",
                 {"n": model})
    done = graphql.execute(GET, {"id": job["id"]})
    assert done.errors == [], done.errors
    got = done.data["getTrainingJob"]
    assert got["status"] == "COMPLETED" and got["producedVersion"] is None
    assert graphql.data("query($m: String!) { getModel(name: $m) { name } }",
                        {"m": model})["getModel"] is None


@pytest.fixture(scope="module")
def policy(model_api_stack) -> dict:
    """The training policy the local stack was synthesized with (its resolvers read this local)."""
    return json.loads(json.loads(model_api_stack.read_text())["locals"]["training_policy"])


# Each request outside the policy, and the setting that refuses it (named in the error).
OUT_OF_POLICY = {
    "image": ({"algorithmImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost-evil:1"},
              "training_images"),
    "image registry": ({"algorithmImage": "999999999999.dkr.ecr.us-east-1.amazonaws.com/x:1"},
                       "training_images"),
    "instance type": ({"instanceType": "ml.p5.48xlarge"}, "training_instance_types"),
    "count": ({"instanceCount": "max+1"}, "training_max_instance_count"),
    "runtime": ({"maxRuntimeSeconds": "max+1"}, "training_max_runtime_seconds"),
    "input bucket": ({"inputUri": "s3://data-other/train/"}, "sagemaker_input_s3_prefixes"),
    "output bucket": ({"outputUri": "s3://attacker/out/"}, "sagemaker_output_s3_prefixes"),
    "output beside the prefix": ({"outputUri": "s3://data/outside/"},
                                 "sagemaker_output_s3_prefixes"),
}


@pytest.mark.parametrize("case", sorted(OUT_OF_POLICY))
def test_an_out_of_policy_training_request_is_refused_and_stores_nothing(graphql, model, case,
                                                                          policy):
    override, rule = OUT_OF_POLICY[case]
    limits = {"instanceCount": policy["maxInstanceCount"],
              "maxRuntimeSeconds": policy["maxRuntimeSeconds"]}
    override = {k: limits[k] + 1 if v == "max+1" else v for k, v in override.items()}
    res = graphql.execute(START, {"i": start_input(model, **override)})
    assert res.error_types() == ["ValidationError"], res.errors
    assert f"({rule}" in res.errors[0]["message"]
    # Refused before any read, write or call.
    assert res.http["requests"] == 0 and res.dynamodb["byOperation"] == {}
    jobs = graphql.data("query($m: String!) { listTrainingJobs(modelName: $m) { items { id } } }",
                        {"m": model})["listTrainingJobs"]["items"]
    assert jobs == []


def test_the_policy_limits_themselves_are_allowed(graphql, model, policy):
    """The bounds are inclusive, and a job without a runtime gets the default, lowered to the
    policy's maximum."""
    limits = policy
    job = graphql.data(START, {"i": start_input(
        model, instanceCount=limits["maxInstanceCount"],
        maxRuntimeSeconds=limits["maxRuntimeSeconds"])})["startTrainingJob"]
    assert job["status"] == "IN_PROGRESS"
    plain = graphql.data("mutation($i: StartTrainingJobInput!) { startTrainingJob(input: $i) "
                         "{ maxRuntimeSeconds } }", {"i": start_input(model)})
    assert plain["startTrainingJob"]["maxRuntimeSeconds"] <= limits["maxRuntimeSeconds"]


def test_a_client_token_cannot_reach_into_another_name_prefix(graphql, model):
    """Job names are <prefix>--<token>: a dash in the token could make a name another
    deployment's grants match."""
    res = graphql.execute(START, {"i": start_input(model, clientToken="dev-x1")})
    assert res.error_types() == ["ValidationError"] and res.http["requests"] == 0


def test_stop_then_refresh_records_stopped_and_a_final_job_is_refused(graphql, model):
    job = graphql.data(START, {"i": start_input(model)})["startTrainingJob"]
    stopped = graphql.execute(STOP, {"id": job["id"]})
    assert stopped.errors == [], stopped.errors
    assert stopped.data["stopTrainingJob"]["status"] == "STOPPING"
    assert served(stopped) == [("SageMaker.StopTrainingJob", "filler")]
    assert graphql.data(GET, {"id": job["id"]})["getTrainingJob"]["status"] == "STOPPED"
    again = graphql.execute(STOP, {"id": job["id"]})
    assert again.error_types() == ["InvalidTransition"]
    assert "STOPPED, a final state" in again.errors[0]["message"]
    assert again.http["requests"] == 0


def test_one_client_token_starts_one_job(graphql, model):
    token = uuid.uuid4().hex[:12]
    first = graphql.data(START, {"i": start_input(model, clientToken=token)})["startTrainingJob"]
    retry = graphql.execute(START, {"i": start_input(model, clientToken=token)})
    assert retry.errors == [] and retry.data["startTrainingJob"]["id"] == first["id"]
    assert retry.http["requests"] == 0
    # Its transaction finds the id taken (nothing written), then the first job is read.
    assert retry.dynamodb["byOperation"] == {"TransactWriteItems": 1, "GetItem": 1}
    jobs = graphql.data("query($m: String!) { listTrainingJobs(modelName: $m) { items { id } } }",
                        {"m": model})["listTrainingJobs"]["items"]
    assert jobs == [{"id": f"mlapi--{token}"}]


def test_a_sagemaker_error_is_a_graphql_error_and_leaves_the_job_failed(graphql, model,
                                                                       local_runtime):
    import boto3

    token = uuid.uuid4().hex[:12]
    # A SageMaker job of that name exists already (made outside the API): SageMaker refuses.
    boto3.client("sagemaker", endpoint_url=local_runtime.info["dynamodb"], region_name="us-east-1",
                 aws_access_key_id="local", aws_secret_access_key="local").create_training_job(
        TrainingJobName=f"mlapi--{token}", RoleArn="arn:aws:iam::123456789012:role/x",
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://o/"}, StoppingCondition={"MaxRuntimeInSeconds": 60},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1})
    res = graphql.execute(START, {"i": start_input(model, clientToken=token)})
    assert res.error_types() == ["SageMaker:ResourceInUse"]
    assert served(res) == [("SageMaker.CreateTrainingJob", "filler")]
    job = graphql.data(GET, {"id": f"mlapi--{token}"})["getTrainingJob"]
    assert job["status"] == "FAILED" and "already exists" in job["failureReason"]


@pytest.fixture
def deployed(graphql, model):
    graphql.data("mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) "
                 "{ version } }", {"i": {"modelName": model, "artifactUri": "s3://a/model.tgz",
                                         "endpointName": "ep-local"}})
    graphql.data('mutation($n: String!) { setModelVersionApproval(modelName: $n, version: 1, '
                 "approvalStatus: APPROVED) { version } }", {"n": model})
    graphql.data('mutation($n: String!) { setModelAlias(name: $n, alias: "prod", version: 1) '
                 "{ name } }", {"n": model})
    return model


def test_predict_by_alias_and_by_version_stores_and_lists_predictions(graphql, deployed):
    by_alias = graphql.execute(PREDICT, {"i": {"modelName": deployed, "alias": "prod",
                                               "input": '{"x": [1, 2]}'}})
    assert by_alias.errors == [], by_alias.errors
    p = by_alias.data["predict"]
    assert p["version"] == 1 and p["alias"] == "prod" and p["endpointName"] == "ep-local"
    assert p["output"] is not None and p["latencyMs"] >= 0 and p["caller"] == IAM_ARN
    assert p["outputLength"] == len(MOTO_BODY)  # moto's canned answer, stored (it is short)
    assert served(by_alias) == [("POST /endpoints/{name}/invocations", "moto")]
    by_version = graphql.execute(PREDICT, {"i": {"modelName": deployed, "version": 1,
                                                 "input": '{"x": [3]}'}})
    assert by_version.errors == [] and by_version.data["predict"]["alias"] is None
    listed = graphql.data("query($m: String!) { listPredictions(modelName: $m) "
                          "{ items { id input } } }", {"m": deployed})["listPredictions"]["items"]
    assert {i["id"] for i in listed} == {p["id"], by_version.data["predict"]["id"]}


def test_predict_failures_store_nothing(graphql, deployed):
    big = '{"x": "' + "a" * (64 * 1024) + '"}'  # over the 65,536 characters a prediction stores
    too_big = graphql.execute(PREDICT, {"i": {"modelName": deployed, "input": big}})
    assert too_big.error_types() == ["PayloadTooLarge"] and too_big.http["requests"] == 0
    no_alias = graphql.execute(PREDICT, {"i": {"modelName": deployed, "alias": "canary",
                                               "input": "{}"}})
    assert no_alias.error_types() == ["NotFound"]
    listed = graphql.data("query($m: String!) { listPredictions(modelName: $m) { items { id } } }",
                          {"m": deployed})["listPredictions"]["items"]
    assert listed == []


def test_an_input_dynamodb_cannot_store_is_refused_before_the_call(graphql, deployed):
    """The prediction is stored after the service answered: what DynamoDB would refuse then is
    refused before the call is paid for."""
    res = graphql.execute(PREDICT, {"i": {"modelName": deployed, "input": '{"": [1e400]}'}})
    assert res.error_types() == ["ValidationError"] and res.http["requests"] == 0
    assert "input has an empty object key" in res.errors[0]["message"]


def test_a_call_that_times_out_is_a_clear_error_and_stores_nothing(model_api_stack, monkeypatch):
    """A runtime whose HTTP calls give up after 1 ms: predict fails clearly, stores nothing."""
    from local.harness import LocalRuntime
    from tests.e2e.graphql_client import IAM_AUTH, GraphQLClient

    monkeypatch.setenv("LOCAL_HTTP_TIMEOUT_MS", "1")
    with LocalRuntime(model_api_stack) as rt:
        client = GraphQLClient(rt.graphql, None, auth=IAM_AUTH)
        name = f"slow-{uuid.uuid4().hex[:8]}"
        client.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }",
                    {"n": name})
        client.data("mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) "
                    "{ version } }", {"i": {"modelName": name, "artifactUri": "s3://a/m.tgz",
                                            "endpointName": "ep-slow"}})
        res = client.execute(PREDICT, {"i": {"modelName": name, "version": 1, "input": "{}"}})
        assert res.data == {"predict": None}
        assert [e["errorType"] for e in res.errors] == ["SageMakerRuntime:Unavailable"]
        assert "timed out" in res.errors[0]["message"]
        listed = client.data('query($n: String!) { listPredictions(modelName: $n) '
                             "{ items { id } } }", {"n": name})
        assert listed["listPredictions"]["items"] == []


def register(graphql, model: str, **target) -> None:
    graphql.data("mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) "
                 "{ version } }", {"i": {"modelName": model, "artifactUri": "s3://a/m.tgz",
                                         **target}})


def test_predict_refuses_an_endpoint_the_deployment_does_not_name(graphql, model,
                                                                  model_api_stack):
    inference = json.loads(json.loads(model_api_stack.read_text())["locals"]["inference_policy"])
    other = "ep-not-" + "-".join(inference["endpoints"])[:40]
    register(graphql, model, endpointName=other)
    res = graphql.execute(PREDICT, {"i": {"modelName": model, "version": 1, "input": "{}"}})
    assert res.error_types() == ["ValidationError"]
    assert "(sagemaker_endpoint_names)" in res.errors[0]["message"]
    assert res.http["requests"] == 0 and "PutItem" not in res.dynamodb["byOperation"]


@pytest.mark.parametrize("kind", ["foundation model", "inference profile"])
def test_bedrock_models_and_inference_profiles_are_both_callable(graphql, model_api_stack, kind):
    """Inference-profile ids ("us.", "eu.", "global.") pass the resolver's check as foundation
    model ids do; IAM grants the profile and the models it routes to (tests/synth)."""
    ids = json.loads(json.loads(model_api_stack.read_text())["locals"]["inference_policy"])[
        "bedrockModels"]
    geo = ("us", "eu", "apac", "us-gov", "global", "jp", "au", "ca")
    chosen = [i for i in ids if (i.split(".", 1)[0] in geo) == (kind == "inference profile")]
    if not chosen:
        pytest.skip(f"cdktf.json's bedrock_model_ids name no {kind}")
    name = f"b-{uuid.uuid4().hex[:8]}"
    graphql.data('mutation($n: String!) { createModel(input: {name: $n, inference: BEDROCK}) '
                 "{ name } }", {"n": name})
    register(graphql, name, bedrockModelId=chosen[0])
    res = graphql.execute(PREDICT, {"i": {"modelName": name, "version": 1, "input": "{}"}})
    # The resolver let it through to Bedrock: whatever moto answers, it is not our refusal.
    assert "ValidationError" not in res.error_types(), res.errors
    assert res.http["requests"] == 1
    assert res.http["servedBy"][0]["call"].startswith("POST /model/")


def test_predict_refuses_a_bedrock_model_the_deployment_does_not_name(graphql):
    name = f"b-{uuid.uuid4().hex[:8]}"
    graphql.data('mutation($n: String!) { createModel(input: {name: $n, inference: BEDROCK}) '
                 "{ name } }", {"n": name})
    register(graphql, name, bedrockModelId="eu.meta.unlisted-v1:0")
    res = graphql.execute(PREDICT, {"i": {"modelName": name, "version": 1, "input": "{}"}})
    assert res.error_types() == ["ValidationError"]
    assert "(bedrock_model_ids)" in res.errors[0]["message"]
    assert res.http["requests"] == 0


def test_stored_predictions_carry_their_expiry(graphql, deployed, local_runtime, model_api_stack):
    """DynamoDB TTL deletes them once expiresAt (epoch seconds) passes: now + the setting."""
    import time

    import boto3

    stack = json.loads(model_api_stack.read_text())
    ttl = int(stack["locals"]["prediction_ttl_seconds"])
    name = next(t["name"] for t in stack["resource"]["aws_dynamodb_table"].values()
                if "ttl" in t)
    before = int(time.time())
    made = graphql.data(PREDICT, {"i": {"modelName": deployed, "version": 1, "input": "{}"}})
    recorded = graphql.data(
        "mutation($i: RecordPredictionInput!) { recordPrediction(input: $i) { id } }",
        {"i": {"modelName": deployed, "version": 1, "input": "{}", "output": "{}"}})
    table = boto3.resource("dynamodb", endpoint_url=local_runtime.info["dynamodb"],
                           region_name="us-east-1", aws_access_key_id="local",
                           aws_secret_access_key="local").Table(name)
    for pid in (made["predict"]["id"], recorded["recordPrediction"]["id"]):
        item = table.get_item(Key={"id": pid})["Item"]
        if ttl == 0:
            assert "expiresAt" not in item
        else:
            assert before + ttl <= int(item["expiresAt"]) <= int(time.time()) + ttl
