"""The local runtime refuses a stack whose HTTP data source would call AWS unsigned.

AWS refuses unsigned SageMaker/Bedrock/S3 calls, so the runtime may not serve them (it must never
be more lenient than AppSync). Every synthesized stack signs; this strips the block from a copy
of the root stack and loads it with local/tfstack.js.
"""

from __future__ import annotations

import json
import subprocess

from tests.conftest import ROOT, node_env

SCRIPT = """
const { buildConfig, StackError } = require(process.argv[1]);
const stack = JSON.parse(require('fs').readFileSync(0, 'utf8'));
try {
  buildConfig(stack, { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', apiKey: 'k' });
  console.log('accepted');
} catch (err) {
  console.log(err instanceof StackError ? `refused: ${err.message}` : `crashed: ${err.stack}`);
}
"""


def _load(stack: dict) -> str:
    return subprocess.run(["node", "-e", SCRIPT, str(ROOT / "local" / "tfstack.js")],
                          input=json.dumps(stack), capture_output=True, text=True, check=True,
                          env=node_env()).stdout.strip()


def test_signed_stack_loads_and_unsigned_is_refused(root_stack):
    assert _load(root_stack) == "accepted"
    sources = root_stack["resource"]["aws_appsync_datasource"]
    http = sorted(k for k, v in sources.items() if k != "//" and v["type"] == "HTTP")
    assert http, "the root stack has HTTP data sources"
    # Each of them (SageMaker, its runtime, Bedrock, S3): AWS refuses every unsigned call.
    for source in http:
        unsigned = json.loads(json.dumps(root_stack))
        del unsigned["resource"]["aws_appsync_datasource"][source]["http_config"][
            "authorization_config"]
        out = _load(unsigned)
        assert out.startswith(f"refused: aws_appsync_datasource.{source}: http_config."
                              "authorization_config.aws_iam_config is missing"), out


def test_an_s3_source_signed_for_another_service_is_refused(root_stack):
    stack = json.loads(json.dumps(root_stack))
    sources = stack["resource"]["aws_appsync_datasource"]
    s3 = [k for k, v in sources.items() if k != "//" and v["type"] == "HTTP" and
          v["http_config"]["authorization_config"]["aws_iam_config"]["signing_service_name"]
          == "s3"]
    assert s3, "the root stack has an S3 data source (predict's long outputs)"
    sources[s3[0]]["http_config"]["authorization_config"]["aws_iam_config"][
        "signing_service_name"] = "sagemaker"
    assert _load(stack) == (f"refused: aws_appsync_datasource.{s3[0]}: an S3 endpoint signed "
                            "for 'sagemaker': S3 refuses a signature whose scope is not 's3'")
