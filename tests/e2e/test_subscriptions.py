"""Subscriptions over WebSocket in the local runtime (AppSync's realtime protocol, simulated).

The client is tests/e2e/subscribe.js (Node, the `ws` package the simulator itself uses): it
connects to <graphql url>/realtime, subscribes, prints {"type": "ready"} once the subscription
is acknowledged, then one JSON line per `data` message. Every wait here is bounded; an event
that must not arrive is checked by ordering (events of one connection arrive in publish order),
never by sleeping.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT, node_env
from tests.e2e.test_ml import PREDICT, START, STOP, start_input

CLIENT = Path(__file__).with_name("subscribe.js")
NODE = ROOT / "node_modules" / ".bin" / "node"
WAIT = 5.0  # seconds for one event to arrive

ON_JOB = ("subscription($id: ID, $m: String) { onTrainingJobUpdated(id: $id, modelName: $m) "
          "{ id modelName status } }")
ON_PREDICTION = ("subscription($m: String) { onPrediction(modelName: $m) "
                 "{ id modelName version output } }")


class Subscription:
    """One WebSocket subscription served by the runtime, read line by line from the client."""

    def __init__(self, runtime, query: str, variables: dict, realtime: str | None = None):
        self.events: queue.Queue = queue.Queue()
        self.proc = subprocess.Popen(
            [str(NODE), str(CLIENT), "--url", runtime.graphql, "--api-key", runtime.api_key,
             "--query", query, "--variables", json.dumps(variables), "--timeout", "60",
             *(["--realtime", realtime] if realtime else [])],
            cwd=ROOT, env=node_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        first = self.next()
        if first.get("type") != "ready":
            self.proc.kill()
            stderr = self.proc.stderr.read()
            self.close()
            raise AssertionError(f"subscription not acknowledged: {first} {stderr}")

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.events.put(json.loads(line))

    def next(self, timeout: float = WAIT) -> dict:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message within {timeout} s") from None

    def data(self, field: str, timeout: float = WAIT) -> dict:
        """The next update's `field`, failing on any other message."""
        msg = self.next(timeout)
        assert msg["type"] == "data", msg
        assert not msg["payload"].get("errors"), msg
        return msg["payload"]["data"][field]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # the client exits when its stdin closes
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture
def subscribe(local_runtime):
    opened: list[Subscription] = []

    def open_(query: str, realtime: str | None = None, **variables) -> Subscription:
        sub = Subscription(local_runtime, query, variables, realtime)
        opened.append(sub)
        return sub

    yield open_
    for sub in opened:
        sub.close()


@pytest.fixture
def new_model(graphql):
    def make() -> str:
        name = f"s-{uuid.uuid4().hex[:8]}"
        graphql.data("mutation($n: String!) { createModel(input: {name: $n}) { name } }",
                     {"n": name})
        return name
    return make


def test_a_started_job_reaches_the_subscriber_of_its_model(graphql, subscribe, new_model):
    model = new_model()
    sub = subscribe(ON_JOB, m=model)
    job = graphql.data(START, {"i": start_input(model)})["startTrainingJob"]
    assert sub.data("onTrainingJobUpdated") == {"id": job["id"], "modelName": model,
                                                "status": "IN_PROGRESS"}


def test_the_realtime_url_printed_at_start_is_the_graphql_path(graphql, subscribe, new_model,
                                                              local_runtime):
    """AWS clients derive the realtime URL from the GraphQL URL; off AppSync's own host names
    several keep its path (/graphql): the runtime serves subscriptions there too."""
    assert local_runtime.realtime == local_runtime.graphql.replace("http://", "ws://", 1)
    model = new_model()
    sub = subscribe(ON_JOB, realtime=local_runtime.realtime, m=model)
    job = graphql.data(START, {"i": start_input(model)})["startTrainingJob"]
    assert sub.data("onTrainingJobUpdated")["id"] == job["id"]


def test_a_job_of_another_model_does_not_arrive(graphql, subscribe, new_model):
    model, other = new_model(), new_model()
    sub = subscribe(ON_JOB, m=model)
    unfiltered = subscribe(ON_JOB)  # no argument: every job update
    theirs = graphql.data(START, {"i": start_input(other)})["startTrainingJob"]
    mine = graphql.data(START, {"i": start_input(model)})["startTrainingJob"]
    # Published in this order on one connection: had `theirs` passed the filter, it would come
    # first. The unfiltered subscriber proves it was published.
    assert [unfiltered.data("onTrainingJobUpdated")["id"] for _ in range(2)] == \
        [theirs["id"], mine["id"]]
    assert sub.data("onTrainingJobUpdated")["id"] == mine["id"]


def test_a_subscription_by_id_sees_the_stop(graphql, subscribe, new_model):
    model = new_model()
    job = graphql.data(START, {"i": start_input(model)})["startTrainingJob"]
    sub = subscribe(ON_JOB, id=job["id"])
    graphql.data(STOP, {"id": job["id"]})
    assert sub.data("onTrainingJobUpdated") == {"id": job["id"], "modelName": model,
                                                "status": "STOPPING"}


def deploy(graphql, model: str) -> None:
    graphql.data("mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) "
                 "{ version } }", {"i": {"modelName": model, "artifactUri": "s3://a/model.tgz",
                                         "endpointName": "ep-local"}})


def predict(graphql, model: str) -> dict:
    return graphql.data(PREDICT, {"i": {"modelName": model, "version": 1,
                                        "input": '{"x": [1]}'}})["predict"]


def test_a_prediction_reaches_the_subscriber_of_its_model_only(graphql, subscribe, new_model):
    model, other = new_model(), new_model()
    deploy(graphql, model)
    deploy(graphql, other)
    sub = subscribe(ON_PREDICTION, m=model)
    theirs = predict(graphql, other)
    mine = predict(graphql, model)
    assert theirs["id"] != mine["id"] and mine["output"] is not None
    # Had the other model's prediction passed the filter, it would have arrived first.
    assert sub.data("onPrediction") == {"id": mine["id"], "modelName": model, "version": 1,
                                        "output": mine["output"]}
