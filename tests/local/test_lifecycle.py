"""Starting and stopping the runtime: startup errors, SIGTERM leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local.harness import ROOT, RUN_PY, LocalRuntime, runtime_env

from .conftest import TOY


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (its parent has not reaped it yet).
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[1][0] != "Z"


def port_open(url: str) -> bool:
    host, port = url.split("//")[1].split("/")[0].rsplit(":", 1)
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) == 0


def test_sigterm_stops_everything():
    rt = LocalRuntime(TOY).start()
    node_pids = children(rt.proc.pid)
    assert node_pids, "the launcher has no child process"
    assert port_open(rt.graphql) and port_open(rt.info["dynamodb"])
    assert rt.stop() == 0
    deadline = time.monotonic() + 15
    while any(alive(p) for p in node_pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in node_pids), "orphan process after SIGTERM"
    assert not port_open(rt.graphql) and not port_open(rt.info["dynamodb"])


def test_server_exits_when_launcher_is_killed():
    """Even a SIGKILLed launcher (no cleanup at all) leaves no Node server behind."""
    rt = LocalRuntime(TOY).start()
    node_pids = children(rt.proc.pid)
    rt.proc.send_signal(signal.SIGKILL)
    rt.proc.wait()
    deadline = time.monotonic() + 15
    while any(alive(p) for p in node_pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in node_pids)
    rt.stop()


def run_with_stack(tmp_path: Path, stack: dict) -> subprocess.CompletedProcess:
    path = tmp_path / "stack.tf.json"
    path.write_text(json.dumps(stack))
    return subprocess.run([sys.executable, str(RUN_PY), "--stack", str(path), "--port", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def toy_stack() -> dict:
    return json.loads(TOY.read_text())


def test_unresolved_reference_is_a_startup_error(tmp_path, toy_stack):
    fn = toy_stack["resource"]["aws_appsync_resolver"]["Query_getItem"]
    fn["request_template"] = fn["request_template"].replace(
        '"GetItem"', '"GetItem", "bucket": "${aws_s3_bucket.b.arn}"')
    res = run_with_stack(tmp_path, toy_stack)
    assert res.returncode == 2
    assert "aws_appsync_resolver.Query_getItem.request_template" in res.stderr
    assert "${aws_s3_bucket.b.arn}" in res.stderr


def test_missing_stack_is_a_clear_error(tmp_path):
    res = subprocess.run([sys.executable, str(RUN_PY), "--stack", str(tmp_path / "none.json")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "make synth" in res.stderr


@pytest.fixture
def busy_port():
    """A loopback port something else listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def assert_one_line_naming_local_port(res: subprocess.CompletedProcess, port: int) -> None:
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "LOCAL_PORT" in lines[0] and str(port) in lines[0]
    assert "Traceback" not in res.stdout + res.stderr and "    at " not in res.stdout + res.stderr


def test_port_in_use_is_one_line_naming_local_port(busy_port):
    res = subprocess.run([sys.executable, str(RUN_PY), "--stack", str(TOY)], cwd=ROOT,
                         env={**runtime_env(), "LOCAL_PORT": str(busy_port)},
                         capture_output=True, text=True, timeout=120)
    assert_one_line_naming_local_port(res, busy_port)


def test_server_alone_reports_a_port_in_use_in_one_line(busy_port):
    """server.js's own check: the port can be taken between run.py's check and Node's listen."""
    node = ROOT / "node_modules" / ".bin" / "node"
    res = subprocess.run([str(node), "local/server.js", "--stack", str(TOY),
                          "--port", str(busy_port), "--dynamodb-endpoint", "http://127.0.0.1:9"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert_one_line_naming_local_port(res, busy_port)


def test_template_velocity_17_cannot_parse_is_refused(tmp_path, toy_stack):
    """AppSync parses with Velocity 1.7 and fails such a resolver on every call: refuse at start,
    one line per template naming it and the place (velocityjs alone would serve it)."""
    if subprocess.run([str(ROOT / "tools" / "vtlcheck" / "vtlcheck"), "-"], input="",
                      capture_output=True, text=True).returncode == 3:
        pytest.skip("no Java or Debian velocity package: the runtime only warns without them")
    resolvers = toy_stack["resource"]["aws_appsync_resolver"]
    get_item = resolvers["Query_getItem"]
    get_item["request_template"] = "## prefetched?\n#if($ctx.source.__related)\n#end\n" + (
        get_item["request_template"])
    resolvers["Query_listItems"]["response_template"] = '#return({"items": [], "nextToken": null})'
    res = run_with_stack(tmp_path, toy_stack)
    assert res.returncode == 2
    lines = [line.strip() for line in res.stderr.splitlines()]
    assert "2 of" in res.stderr and "do not parse under Apache Velocity 1.7" in res.stderr
    for where in ("Query.getItem request template 2:17", "Query.listItems response template 1:36"):
        assert any(line.startswith(f"{where}: ") for line in lines), res.stderr
    assert "READY" not in res.stdout


def test_missing_velocity_is_a_warning(tmp_path, monkeypatch):
    """Without the parse toolchain the runtime serves, but says on start that the check is off
    (local/vtlcheck.js explains why it warns rather than refuses)."""
    monkeypatch.setenv("VELOCITY_CLASSPATH", str(tmp_path / "no-velocity.jar"))
    with LocalRuntime(TOY) as rt:
        log = rt.log()
    assert "Velocity 1.7 check OFF" in log and "no-velocity.jar not found" in log, log
    # Reported in READY too: the e2e tier skips what depends on the check, saying why.
    check = rt.info["velocity17"]
    assert check["checked"] is False and "no-velocity.jar not found" in check["reason"]


def test_the_parse_check_is_reported_when_on():
    if subprocess.run([str(ROOT / "tools" / "vtlcheck" / "vtlcheck"), "-"], input="",
                      capture_output=True, text=True).returncode == 3:
        pytest.skip("no Java or Debian velocity package: the check is off here")
    with LocalRuntime(TOY) as rt:
        check = rt.info["velocity17"]
    resources = json.loads(TOY.read_text())["resource"]
    assert check == {"checked": True, "templates": 2 * sum(
        len(resources.get(kind, {})) for kind in ("aws_appsync_resolver", "aws_appsync_function"))}
