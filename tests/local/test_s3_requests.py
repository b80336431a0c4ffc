"""The local S3 data source is no more lenient than S3: a request without x-amz-content-sha256
is refused as S3 refuses it (S3 API Reference, "Common Request Headers": required for every
Signature Version 4 request), and the local signer does not add it behind the template's back
(AppSync's HTTP data source documentation promises no such header).

The loader is driven directly (node), pointed at a closed port: a refused request never leaves.
"""

from __future__ import annotations

import json
import subprocess

from tests.conftest import ROOT, node_env

SCRIPT = """
const { LocalHttpLoader } = require(process.argv[1]);
const loader = new LocalHttpLoader({ name: 'S3', config: {
  endpoint: 'http://127.0.0.1:1', originalEndpoint: 'https://b.s3.us-east-1.amazonaws.com',
  signingRegion: 'us-east-1', signingService: 's3' } });
const headers = JSON.parse(process.argv[2]);
loader.load({ method: 'PUT', resourcePath: '/p/m/x.json', params: { headers, body: '"x"' } })
  .then((r) => console.log(JSON.stringify({ answer: r })))
  .catch((e) => console.log(JSON.stringify({ error: e.type, message: e.message })));
"""


def _put(headers: dict) -> dict:
    out = subprocess.run(["node", "-e", SCRIPT, str(ROOT / "local" / "http-loader.js"),
                          json.dumps(headers)], capture_output=True, text=True, check=True,
                         env=node_env(), cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_a_put_without_the_payload_hash_header_is_refused_as_s3_refuses_it():
    got = _put({"Content-Type": "application/json"})
    answer = got["answer"]
    assert answer["statusCode"] == 400
    assert "<Code>InvalidRequest</Code>" in answer["body"]
    assert "x-amz-content-sha256" in answer["body"]


def test_a_put_with_the_header_is_sent():
    # Sent, to a closed port: the connection error proves it got past the check.
    got = _put({"Content-Type": "application/json", "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    assert got["error"] == "HTTP:RequestFailed", got
