"""Start the local runtime (local/run.py) from Python: for tests and benchmarks.

    with LocalRuntime(Path("cdktf.out/stacks/model-api/cdk.tf.json")) as rt:
        rt.graphql, rt.realtime, rt.api_key, rt.explorer, rt.stats
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_PY = ROOT / "local" / "run.py"

# An IAM caller locally: the simulator takes any SigV4 Authorization header (it checks neither
# the signature nor an IAM policy); this access key is its "authenticated" role
# (local/tfstack.js LOCAL_IAM_ACCESS_KEY), whose ARN becomes $ctx.identity.userArn.
IAM_AUTH = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIALOCALCALLER/20260101/us-east-1/"
                             "appsync/aws4_request, SignedHeaders=host, Signature=0"}
IAM_ARN = "arn:aws:sts::123456789012:assumed-role/local-caller/session"

# The runtime's stats name an HTTP call by its X-Amz-Target ("SageMaker.CreateTrainingJob"), or
# by method and path when it has none: these are the API actions those paths are.
HTTP_ACTIONS = {"POST /endpoints/{name}/invocations": "InvokeEndpoint",
                "POST /model/{name}/invoke": "InvokeModel"}


def runtime_env() -> dict[str, str]:
    """The caller's environment less what would make a runtime keep state: not a LOCAL_DATA_DIR
    (or its token key) that the developer's shell exports."""
    return {k: v for k, v in os.environ.items() if k not in ("LOCAL_DATA_DIR", "LOCAL_TOKEN_KEY")}


class LocalRuntime:
    """local/run.py on free loopback ports; stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, stack: Path, api_key: str = "local-dev-key", startup_timeout: float = 90,
                 data_dir: Path | None = None):
        self.stack = Path(stack)
        self.api_key = api_key
        self.data_dir = data_dir  # LOCAL_DATA_DIR of this runtime; None: in memory only
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}
        self._dir = tempfile.TemporaryDirectory(prefix="local-runtime-")
        self.log_path = Path(self._dir.name) / "run.log"

    def start(self) -> LocalRuntime:
        ready = Path(self._dir.name) / "ready.json"
        self._log = self.log_path.open("w")
        env = runtime_env()
        data = ["--data-dir", str(self.data_dir)] if self.data_dir else []
        self.proc = subprocess.Popen(
            [sys.executable, str(RUN_PY), "--stack", str(self.stack), "--port", "0",
             "--api-key", self.api_key, "--ready-file", str(ready), *data],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env=env,
        )
        deadline = time.monotonic() + self.startup_timeout
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"local runtime did not start:\n{self.log()}")
            time.sleep(0.1)
        self.info = json.loads(ready.read_text())
        return self

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    @property
    def graphql(self) -> str:
        return self.info["graphql"]

    @property
    def realtime(self) -> str:
        return self.info["realtime"]

    @property
    def explorer(self) -> str:
        return self.info["explorer"]

    @property
    def stats(self) -> str:
        return self.info["stats"]

    def dynamodb(self):
        """A boto3 client of the runtime's DynamoDB (moto): what a test or the bench reads or
        writes behind the API."""
        import boto3  # noqa: PLC0415 - only its callers need boto3

        return boto3.client("dynamodb", endpoint_url=self.info["dynamodb"],
                            region_name=self.info["region"], aws_access_key_id="local",
                            aws_secret_access_key="local")

    def table(self, suffix: str) -> str:
        """The full name of the stack's table `<name_prefix>-<suffix>`."""
        return next(t for t in self.info["tables"] if t.endswith(f"-{suffix}"))

    def stop(self, timeout: float = 20) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode if self.proc else None
        if getattr(self, "_log", None):
            self._log.close()
        return code

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._dir.cleanup()
