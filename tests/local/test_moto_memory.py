"""moto's DynamoDB reads leave nothing behind in the runtime (local/run.py untrack_dynamodb_models).

moto keeps every model instance it makes (instances_tracked, for its dashboard and reset), and
each Scan or Query deep-copies every item it reads: unpatched, a session's memory grows with
every read (2 GB over the end-to-end tier) and its stop outlasts the harness's wait. Checked
in a process of its own (moto in memory, as the launcher runs it), first without the patch, so
that the count it asserts is seen to move.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import json
import boto3
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item
from moto.s3.models import FakeBucket
from local.run import untrack_dynamodb_models

def reads(db, n):
    for _ in range(n):
        db.scan(TableName="t", ConsistentRead=True)
        db.query(TableName="t", KeyConditionExpression="pk = :p",
                 ExpressionAttributeValues={":p": {"S": "a"}})

counts = {}
with mock_aws():
    db = boto3.client("dynamodb", region_name="us-east-1")
    db.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for pk in "abcde":
        db.put_item(TableName="t", Item={"pk": {"S": pk}, "n": {"N": "1"}})
    before = len(Item.instances_tracked)
    reads(db, 5)
    counts["unpatched"] = len(Item.instances_tracked) - before
    untrack_dynamodb_models()
    before = len(Item.instances_tracked)
    reads(db, 5)
    counts["patched"] = len(Item.instances_tracked) - before
    buckets = len(FakeBucket.instances_tracked)
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="model-api-test")
    counts["other services"] = len(FakeBucket.instances_tracked) - buckets
print(json.dumps(counts))
"""


def test_dynamodb_reads_keep_no_copy_of_what_they_read():
    env = {"PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
           "AWS_DEFAULT_REGION": "us-east-1"}
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    counts = json.loads(run.stdout.strip().splitlines()[-1])
    # Five reads of a five-item table and one Query item each time: 30 copies unpatched.
    assert counts["unpatched"] >= 30, counts
    assert counts["patched"] == 0, counts
    assert counts["other services"] == 1, counts  # moto's S3 reset still finds its objects
