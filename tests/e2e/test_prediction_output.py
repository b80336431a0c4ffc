"""predict's long outputs in S3 (prediction_output_uri), end to end in the local runtime.

An output longer than a prediction's item stores goes to S3 through the signed S3 data source
before the item is written, and the item points at it (outputUri); a short one stays inline with
no S3 request; a write S3 refuses (or never answers) is the prediction's error, and nothing is
stored. The model's answer comes from moto's SageMaker runtime, whose next InvokeEndpoint answer
a test sets (moto's /moto-api/static/sagemaker/endpoint-results).
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
import requests

from modules.codegen.ml import MAX_STORED_OUTPUT_CHARS

PREDICT = ("mutation($i: PredictInput!) { predict(input: $i) { id modelName output outputLength "
           "outputUri } }")
GET = "query($id: ID!) { getPrediction(id: $id) { id output outputLength outputUri } }"
LIST = "query($m: String!) { listPredictions(modelName: $m) { items { id } } }"
INVOKE = "POST /endpoints/{name}/invocations"
PUT = "PUT /{key}"


@pytest.fixture(scope="module")
def output_uri(model_api_stack) -> str:
    uri = json.loads(model_api_stack.read_text())["locals"]["prediction_output_uri"]
    if not uri:
        pytest.skip("the stack sets no prediction_output_uri (cdktf.json context): long outputs "
                    "are only returned, nothing goes to S3")
    return uri


@pytest.fixture(scope="module")
def s3(local_runtime):
    return boto3.client("s3", endpoint_url=local_runtime.info["dynamodb"],
                        region_name=local_runtime.info["region"], aws_access_key_id="local",
                        aws_secret_access_key="local")


@pytest.fixture
def model(graphql) -> str:
    name = f"out-{uuid.uuid4().hex[:8]}"
    graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }", {"n": name})
    graphql.data("mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) "
                 "{ version } }", {"i": {"modelName": name, "artifactUri": "s3://a/m.tgz",
                                         "endpointName": "ep-local"}})
    return name


def long_answer(local_runtime, chars: int) -> str:
    """The endpoint's next answer (moto's queue; its first new request takes it): JSON text of
    `chars` characters."""
    body = json.dumps({"y": "a" * (chars - 9)})
    assert len(body) == chars
    requests.post(f"{local_runtime.info['dynamodb']}/moto-api/static/sagemaker/endpoint-results",
                  json={"region": local_runtime.info["region"],
                        "results": [{"Body": body, "ContentType": "application/json"}]},
                  timeout=10).raise_for_status()
    return body


def split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def objects(s3, uri: str) -> list[str]:
    bucket, prefix = split(uri)
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]


def test_a_long_output_goes_to_s3_and_the_prediction_points_at_it(graphql, local_runtime, s3,
                                                                  output_uri, model):
    body = long_answer(local_runtime, MAX_STORED_OUTPUT_CHARS + 1)
    res = graphql.execute(PREDICT, {"i": {"modelName": model, "version": 1,
                                          "input": json.dumps({"n": model})}})
    assert res.errors == [], res.errors
    p = res.data["predict"]
    assert p["outputUri"] == f"{output_uri}{model}/{p['id']}.json"
    assert p["outputLength"] == len(body)
    assert json.loads(p["output"]) == json.loads(body)  # the caller still gets the answer
    assert res.http["byCall"] == {INVOKE: 1, PUT: 1}
    assert [s for c, s in ((c["call"], c["servedBy"]) for c in res.http["servedBy"])
            if c == PUT] == ["moto"]
    # What S3 holds is the output, as JSON.
    bucket, key = split(p["outputUri"])
    stored = s3.get_object(Bucket=bucket, Key=key)
    assert json.loads(stored["Body"].read()) == json.loads(body)
    assert stored["ContentType"] == "application/json"
    # The stored prediction points at it and holds no output.
    got = graphql.data(GET, {"id": p["id"]})["getPrediction"]
    assert got == {"id": p["id"], "output": None, "outputLength": len(body),
                   "outputUri": p["outputUri"]}


def test_an_output_at_the_limit_stays_inline_with_no_s3_request(graphql, local_runtime, s3,
                                                                 output_uri, model):
    body = long_answer(local_runtime, MAX_STORED_OUTPUT_CHARS)
    res = graphql.execute(PREDICT, {"i": {"modelName": model, "version": 1,
                                          "input": json.dumps({"n": model})}})
    assert res.errors == [], res.errors
    assert res.http["byCall"] == {INVOKE: 1}
    got = graphql.data(GET, {"id": res.data["predict"]["id"]})["getPrediction"]
    assert got["outputUri"] is None and json.loads(got["output"]) == json.loads(body)
    assert objects(s3, f"{output_uri}{model}/") == []


@pytest.mark.parametrize("effect, error", [("403", "S3:AccessDenied"),
                                           ("503", "S3:SlowDown"),
                                           ("timeout", "S3:Unavailable")])
def test_a_failed_s3_write_is_the_error_and_stores_nothing(graphql, local_runtime, s3,
                                                          output_uri, model, effect, error):
    long_answer(local_runtime, MAX_STORED_OUTPUT_CHARS + 1)
    res = graphql.execute(PREDICT, {"i": {"modelName": model, "version": 1,
                                          "input": json.dumps({"n": model, "e": effect})}},
                          faults=f"PutObject={effect}")
    assert res.data == {"predict": None} and res.error_types() == [error]
    assert res.http["byCall"] == {INVOKE: 1, PUT: 1}
    assert res.dynamodb["byOperation"].get("PutItem") is None  # no item written
    assert graphql.data(LIST, {"m": model})["listPredictions"]["items"] == []
    assert objects(s3, f"{output_uri}{model}/") == []
