"""`make local`: serve the synthesized AppSync API on loopback, with no AWS account.

Starts moto's DynamoDB on a free loopback port, creates every aws_dynamodb_table of the Terraform
JSON in it, then runs local/server.js (AWS's AppSync simulator) with the schema, data sources,
functions and resolvers of the same JSON. Ctrl-C or SIGTERM stops everything. With
--data-dir (LOCAL_DATA_DIR) the tables are loaded from and saved to that directory (datadir.py).

    .venv/bin/python local/run.py --stack cdktf.out/stacks/model-api/cdk.tf.json
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

if __package__ in (None, ""):  # run as a script: local/ is not a package on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from local.datadir import DataDir, DataDirError, write_atomically  # noqa: E402 - after sys.path

ROOT = Path(__file__).resolve().parent.parent
SERVER_JS = ROOT / "local" / "server.js"
FAKE_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


class LocalError(Exception):
    """A problem with the stack or the environment, reported without a traceback."""


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def check_port(host: str, port: int) -> None:
    """Fail in one line if the GraphQL port cannot be had, before anything starts."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        # As Node's listen does: a port left in TIME_WAIT by a previous run is free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise LocalError(f"port {port} on {host} is in use (LOCAL_PORT): stop what "
                                 "uses it, or set LOCAL_PORT to another port (0: any free port)"
                                 ) from None
            raise LocalError(f"cannot listen on {host}:{port} (LOCAL_PORT): {e.strerror}") from None


def literal(value: object, where: str) -> str:
    if not isinstance(value, str) or "${" in value:
        raise LocalError(f"{where}: {value!r} is not a literal (synthesize the root stack)")
    return value


def table_requests(stack: dict) -> list[dict]:
    """CreateTable requests for every aws_dynamodb_table: keys, attributes, GSIs and LSIs."""
    out = []
    for rid, t in stack.get("resource", {}).get("aws_dynamodb_table", {}).items():
        if rid == "//":
            continue
        where = f"aws_dynamodb_table.{rid}"

        def keys(hash_key: str, range_key: str | None) -> list[dict]:
            ks = [{"AttributeName": hash_key, "KeyType": "HASH"}]
            return ks + ([{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key else [])

        def projection(ix: dict) -> dict:
            p = {"ProjectionType": ix.get("projection_type", "ALL")}
            if ix.get("non_key_attributes"):
                p["NonKeyAttributes"] = ix["non_key_attributes"]
            return p

        req = {
            "TableName": literal(t.get("name"), f"{where}.name"),
            "KeySchema": keys(t["hash_key"], t.get("range_key")),
            "AttributeDefinitions": [
                {"AttributeName": a["name"], "AttributeType": a["type"]}
                for a in t.get("attribute", [])
            ],
            # Capacity means nothing locally: on-demand whatever the stack says.
            "BillingMode": "PAY_PER_REQUEST",
        }
        gsis = [
            {"IndexName": ix["name"], "KeySchema": keys(ix["hash_key"], ix.get("range_key")),
             "Projection": projection(ix)}
            for ix in t.get("global_secondary_index", [])
        ]
        lsis = [
            {"IndexName": ix["name"], "KeySchema": keys(t["hash_key"], ix["range_key"]),
             "Projection": projection(ix)}
            for ix in t.get("local_secondary_index", [])
        ]
        if gsis:
            req["GlobalSecondaryIndexes"] = gsis
        if lsis:
            req["LocalSecondaryIndexes"] = lsis
        out.append(req)
    return out


def buckets(stack: dict) -> list[str]:
    """The buckets the stack's S3 HTTP data sources write to (<bucket>.s3.<region>.amazonaws.com):
    on AWS they exist before the API (prediction_output_uri names one); locally moto makes them."""
    out = []
    for rid, ds in stack.get("resource", {}).get("aws_appsync_datasource", {}).items():
        if rid == "//" or ds.get("type") != "HTTP":
            continue
        cfg = ds.get("http_config") or {}
        iam = (cfg.get("authorization_config") or {}).get("aws_iam_config") or {}
        if iam.get("signing_service_name") != "s3":
            continue
        host = literal(cfg.get("endpoint"), f"aws_appsync_datasource.{rid}.http_config.endpoint")
        bucket, found, _ = host.removeprefix("https://").partition(".s3.")
        if found and bucket:  # the regional endpoint alone: no bucket configured
            out.append(bucket)
    return out


def stack_region(stack: dict) -> str:
    providers = stack.get("provider", {}).get("aws", [])
    region = providers[0].get("region") if providers else None
    return region if isinstance(region, str) and "${" not in region else "us-east-1"


def untrack_dynamodb_models() -> None:
    """moto's BaseModel.__new__ keeps every instance of every model for good (instances_tracked,
    read only by moto's dashboard, /moto-api/data.json, and its S3 reset), and DynamoDB makes
    instances on every read: each Scan or Query deep-copies each item it reads. A test session
    grew to 2 GB that way, its reads slowed down by garbage collection over a growing heap,
    and its stop outlasted the harness's 20 s. Nothing here reads that list (moto still serves
    /moto-api/ at its endpoint; data.json no longer lists DynamoDB there), so DynamoDB's
    instances are left untracked; the other services' stay tracked."""
    from moto.core.common_models import BaseModel  # noqa: PLC0415 - moto only when serving

    tracked = BaseModel.__new__

    def new(cls, *args, **kwargs):
        if cls.__module__.startswith("moto.dynamodb."):
            return super(BaseModel, cls).__new__(cls)
        return tracked(cls, *args, **kwargs)

    BaseModel.__new__ = staticmethod(new)


def node_binary() -> str:
    local = ROOT / "node_modules" / ".bin" / "node"
    found = str(local) if local.exists() else shutil.which("node")
    if not found:
        raise LocalError("node not found: run `make install`")
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stack", default="cdktf.out/stacks/model-api/cdk.tf.json", type=Path)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=int(os.environ.get("LOCAL_PORT", "20002")),
                    help="GraphQL port (0: a free one); env LOCAL_PORT")
    ap.add_argument("--api-key", default=os.environ.get("LOCAL_API_KEY", "local-dev-key"),
                    help="env LOCAL_API_KEY")
    ap.add_argument("--ready-file", type=Path, help="write the endpoints here as JSON once serving")
    ap.add_argument("--data-dir", type=Path, default=os.environ.get("LOCAL_DATA_DIR") or None,
                    help="keep the tables here across restarts (default: in memory only); "
                         "env LOCAL_DATA_DIR")
    args = ap.parse_args(argv)

    # SIGTERM and Ctrl-C only set a flag: raising from a signal handler could land inside
    # Popen.wait while it holds its lock, and the cleanup below would then hang on it.
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    moto = node = client = data = None
    serving = False
    try:
        if not args.stack.is_file():
            raise LocalError(f"{args.stack} not found: run `make synth` first")
        stack = json.loads(args.stack.read_text())
        tables = table_requests(stack)
        region = stack_region(stack)
        port = args.port or free_port(args.host)
        check_port(args.host, port)
        data = DataDir(args.data_dir) if args.data_dir else None

        import boto3  # noqa: PLC0415 - heavy imports only once the arguments are fine
        from moto.server import ThreadedMotoServer  # noqa: PLC0415

        untrack_dynamodb_models()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log

        # Port 0: the kernel's free port, taken at once (a port picked first and bound later
        # could go to another runtime starting meanwhile, as test workers do).
        moto = ThreadedMotoServer(ip_address=args.host, port=0, verbose=False)
        moto.start()
        moto_port = moto.get_host_and_port()[1]
        endpoint = f"http://{args.host}:{moto_port}"
        client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region,
                              **FAKE_CREDENTIALS)
        for req in tables:
            client.create_table(**req)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region, **FAKE_CREDENTIALS)
        for bucket in buckets(stack):
            # us-east-1 takes no LocationConstraint (S3 API Reference, CreateBucket).
            s3.create_bucket(Bucket=bucket, **({} if region == "us-east-1" else {
                "CreateBucketConfiguration": {"LocationConstraint": region}}))
        names = [t["TableName"] for t in tables]
        loaded = data.load(client, names) if data else 0
        # The nextToken key: this directory's, so tokens outlive a restart; else one per run.
        node_env = {k: v for k, v in os.environ.items() if k != "LOCAL_TOKEN_KEY"}
        if data:
            node_env["LOCAL_TOKEN_KEY"] = data.token_key()

        node = subprocess.Popen(
            [node_binary(), str(SERVER_JS), "--stack", str(args.stack), "--host", args.host,
             "--port", str(port), "--api-key", args.api_key, "--region", region,
             "--dynamodb-endpoint", endpoint, "--parent-pid", str(os.getpid())],
            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**node_env, "NODE_OPTIONS": ""},
        )
        ready = None
        for line in node.stdout:
            if line.startswith("READY "):
                ready = json.loads(line[6:])
                break
            sys.stdout.write(line)
        if ready is None:
            code = node.wait()
            if code == 2:  # server.js has said why, in one line
                return 2
            raise LocalError(f"the AppSync simulator exited (code {code}) before serving")
        serving = True
        ready.update(api_key=args.api_key, dynamodb=endpoint, region=region, tables=names,
                     pid=os.getpid(), data=str(data.snapshot) if data else None)
        print(f"Local AppSync API from {args.stack} (DynamoDB: moto at {endpoint}, {region})")
        print(f"  GraphQL:  {ready['graphql']}")
        print(f"  Realtime: {ready['realtime']}  (WebSocket subscriptions; also /graphql/realtime)")
        modes = ready.get("auth") or []
        print(f"  Auth:     {', '.join(modes)} (default first)")
        if "API_KEY" in modes:
            print(f"  API key:  {args.api_key}  (header x-api-key)")
        if {"AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT"} & set(modes):
            print("  Tokens:   .venv/bin/python local/jwt_token.py --group ml-engineers  "
                  "(header Authorization)")
        if "AWS_IAM" in modes:
            print("  IAM:      any SigV4 Authorization header (signature and IAM policy "
                  "not checked locally)")
        print(f"  Explorer: {ready['explorer']}")
        print(f"  Stats:    {ready['stats']}  (POST {ready['stats']}/reset)")
        if data:
            print(f"  Data:     {data.snapshot}  ({loaded} items loaded; saved at stop)")
        else:
            print("  Data:     in memory, gone at stop (LOCAL_DATA_DIR keeps it)")
        print("Ctrl-C stops.", flush=True)
        if args.ready_file:
            # Whole or absent: readers poll for the file and read it at once.
            write_atomically(args.ready_file, json.dumps(ready))
        # Pass the simulator's log through; stop when it ends or when we are told to.
        threading.Thread(target=lambda: sys.stdout.writelines(node.stdout), daemon=True).start()
        threading.Thread(target=lambda: (node.wait(), stopping.set()), daemon=True).start()
        while not stopping.wait(0.5):
            pass
        return node.returncode if node.poll() is not None else 0
    except (LocalError, DataDirError) as e:
        print(f"local: {e}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if node and node.poll() is None:
            node.terminate()
            try:
                node.wait(10)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait()
        # Only a runtime that served saves: one that failed while loading holds a partial copy.
        if data and serving:
            try:
                saved = data.save(client, names)
                print(f"Saved {saved} items to {data.snapshot}", flush=True)
            except Exception as e:  # noqa: BLE001 - report it; the previous save is whole
                print(f"local: could not save to {data.snapshot}: {e}", file=sys.stderr)
        if moto:
            moto.stop()
        if data:
            data.close()


if __name__ == "__main__":
    sys.exit(main())
