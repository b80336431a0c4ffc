"""A walk through the API as a person would do it in the explorer, printed as a transcript.

Create a model, start a training job, refresh it to completion (a version is registered),
approve the version (with a comment, kept in its history), deploy it to a SageMaker endpoint and
refresh the deployment until it is in service, alias it, predict (through the deployment's
endpoint), list the stored prediction, then score an S3 prefix with the aliased version (a
batch prediction) and list the model's batch predictions.

    .venv/bin/python local/demo.py   # the API `make local` serves: LOCAL_PORT
    .venv/bin/python local/demo.py --url http://127.0.0.1:20002/graphql

It signs in as a Cognito user in ml-engineers (create, train, predict) and ml-admins (approve,
deploy, alias, owner) with a local token (local/jwt_token.py); the API key may only read and
addModel.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid

import requests

try:
    from local.jwt_token import make_token
except ImportError:  # run as a script: local/ is the first entry of sys.path
    from jwt_token import make_token

STEPS = [
    ("mutation($n: String!) { createModel(input: {name: $n, framework: \"xgboost\", "
     "owner: \"demo\"}) { name revision latestVersionNumber } }", {}),
    ("mutation($n: String!) { startTrainingJob(input: {modelName: $n, clientToken: $t, "
     "algorithmImage: \"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1\", "
     "hyperparameters: \"{\\\"eta\\\": 0.2}\", inputUri: \"s3://demo/train/\", "
     "outputUri: \"s3://demo/out/\", instanceType: \"ml.m5.large\", registerVersion: true}) "
     "{ id status jobArn } }", {"t": True}),
    ("query($id: ID!) { getTrainingJob(id: $id) { id status secondaryStatus } }", {"id": True}),
    ("query($id: ID!) { getTrainingJob(id: $id) { id status metrics producedVersion "
     "modelArtifactUri } }", {"id": True}),
    ("mutation($n: String!) { setModelVersionApproval(modelName: $n, version: 1, "
     "approvalStatus: APPROVED, comment: \"metrics reviewed\") { version approvalStatus "
     "approvalHistory { from to changedBy comment } } }", {}),
    # The trained version deploys with its training job's image; SageMaker creates the endpoint.
    ("mutation($n: String!) { deployModelVersion(input: {modelName: $n, version: 1, "
     "instanceType: \"ml.m5.large\"}) { id status endpointName image } }", {}),
    ("query($id: ID!) { getDeployment(id: $id) { id status } }", {"deployment": True}),
    ("query($id: ID!) { getDeployment(id: $id) { id status endpointName } }",
     {"deployment": True}),
    ("mutation($n: String!) { setModelAlias(name: $n, alias: \"prod\", version: 1) "
     "{ name aliases { alias version } } }", {}),
    ("mutation($n: String!) { predict(input: {modelName: $n, alias: \"prod\", "
     "input: \"{\\\"features\\\": [1.0, 2.0]}\"}) { id version alias endpointName output "
     "latencyMs } }", {}),
    ("query($n: String!) { listPredictions(modelName: $n) { items { id version alias "
     "output model { name latestVersion { version } } } } }", {}),
    # Batch: the alias's version scores an S3 prefix (CreateModel + CreateTransformJob).
    ("mutation($n: String!) { startBatchPrediction(input: {modelName: $n, alias: \"prod\", "
     "inputUri: \"s3://demo/train/batch/\", outputUri: \"s3://demo/out/batch/\", "
     "instanceType: \"ml.m5.large\"}) { id status version image jobArn } }", {}),
    ("query($n: String!) { listBatchPredictions(modelName: $n) { items { id status version "
     "outputUri } } }", {}),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The same defaults and settings as `make local` (mk/local.mk, local/run.py).
    port = os.environ.get("LOCAL_PORT") or "20002"
    ap.add_argument("--url", default=f"http://127.0.0.1:{port}/graphql", help="env LOCAL_PORT")
    ap.add_argument("--token", help="Authorization header (default: a local Cognito token for "
                    "a user in ml-engineers and ml-admins, local/jwt_token.py)")
    ap.add_argument("--costs", action="store_true",
                    help="also print each response's DynamoDB and HTTP cost (extensions)")
    args = ap.parse_args(argv)
    auth = args.token or make_token("demo-user", ["ml-engineers", "ml-admins"])
    name, token, job = f"demo-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex[:8], None
    deployment = None
    failed = 0
    print(f"# {args.url}\n")
    for query, extra in STEPS:
        variables = {"n": name} if "$n" in query else {}
        if extra.get("t"):
            variables["t"] = token
            query = query.replace("$n: String!)", "$n: String!, $t: String)")
        if extra.get("id"):
            variables = {"id": job}
        if extra.get("deployment"):
            variables = {"id": deployment}
        body = requests.post(args.url, json={"query": query, "variables": variables},
                             headers={"Authorization": auth}, timeout=30).json()
        print(f"> {query}\n  variables: {json.dumps(variables)}")
        shown = {k: body[k] for k in ("data", "errors") if body.get(k)}
        print(f"< {json.dumps(shown)}")
        if args.costs:
            ext = body.get("extensions") or {}
            dynamodb, http = ext.get("dynamodb") or {}, ext.get("http") or {}
            print(f"  cost: DynamoDB {json.dumps(dynamodb.get('byOperation', {}))}, "
                  f"HTTP {json.dumps(http.get('byCall', {}))}")
        print()
        failed += bool(body.get("errors"))
        job = job or ((body.get("data") or {}).get("startTrainingJob") or {}).get("id")
        deployment = deployment or ((body.get("data") or {}).get("deployModelVersion")
                                    or {}).get("id")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
