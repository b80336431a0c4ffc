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

from local.jwt_token import make_token
from tests.conftest import ROOT, node_env
from tests.e2e.graphql_client import IAM_ARN, IAM_AUTH, GraphQLClient, jwt_auth
from tests.e2e.test_ml import PREDICT, START, STOP, start_input

CLIENT = Path(__file__).with_name("subscribe.js")
NODE = ROOT / "node_modules" / ".bin" / "node"
WAIT = 5.0  # seconds for one event to arrive

ON_JOB = ("subscription($id: ID, $m: String) { onTrainingJobUpdated(id: $id, modelName: $m) "
          "{ id modelName status } }")
ON_PREDICTION = ("subscription($m: String, $c: String) { onPrediction(modelName: $m, caller: $c) "
                 "{ id modelName version output caller } }")


class Subscription:
    """One WebSocket subscription served by the runtime, read line by line from the client."""

    def __init__(self, runtime, query: str, variables: dict, realtime: str | None = None,
                 authorization: str | None = None, expect_ready: bool = True):
        self.events: queue.Queue = queue.Queue()
        who = ["--authorization", authorization] if authorization else \
            ["--api-key", runtime.api_key]
        self.proc = subprocess.Popen(
            [str(NODE), str(CLIENT), "--url", runtime.graphql, *who,
             "--query", query, "--variables", json.dumps(variables), "--timeout", "60",
             *(["--realtime", realtime] if realtime else [])],
            cwd=ROOT, env=node_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        first = self.first = self.next()
        if first.get("type") != "ready" and expect_ready:
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

    def open_(query: str, realtime: str | None = None, authorization: str | None = None,
              expect_ready: bool = True, **variables) -> Subscription:
        sub = Subscription(local_runtime, query, variables, realtime, authorization,
                           expect_ready)
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
    sub = subscribe(ON_PREDICTION, m=model, authorization=IAM_AUTH["Authorization"])
    theirs = predict(graphql, other)
    mine = predict(graphql, model)
    assert theirs["id"] != mine["id"] and mine["output"] is not None
    # Had the other model's prediction passed the filter, it would have arrived first.
    assert sub.data("onPrediction") == {"id": mine["id"], "modelName": model, "version": 1,
                                        "output": mine["output"], "caller": IAM_ARN}


def _refused(sub) -> bool:
    text = json.dumps(sub.first)
    return sub.first.get("type") in ("error", "closed") and "Unauthorized" in text


def test_on_prediction_is_refused_to_callers_who_may_not_read_predictions(subscribe, new_model):
    """The API key reads models but not predictions (inputs and outputs): refused at
    subscribe; a signed-in user may subscribe only to its own predictions (caller: its sub)."""
    model = new_model()
    by_key = subscribe(ON_PREDICTION, m=model, expect_ready=False)
    assert _refused(by_key), by_key.first
    user = make_token("user-1", [])
    for caller in (None, "someone-else"):
        sub = subscribe(ON_PREDICTION, m=model, c=caller, authorization=user,
                        expect_ready=False)
        assert _refused(sub), (caller, sub.first)


def test_an_engineer_receives_its_own_predictions_and_an_admin_all(graphql, subscribe,
                                                                  new_model, local_runtime):
    model = new_model()
    deploy(graphql, model)
    sub_id = f"eng-{uuid.uuid4().hex[:6]}"
    engineer = make_token(sub_id, ["ml-engineers"])
    admin = make_token("admin-1", ["ml-admins"])
    mine = subscribe(ON_PREDICTION, m=model, c=sub_id, authorization=engineer)
    everything = subscribe(ON_PREDICTION, m=model, authorization=admin)
    theirs = predict(graphql, model)  # IAM's
    as_engineer = GraphQLClient(local_runtime.graphql, None, auth=jwt_auth(engineer))
    own = as_engineer.data(PREDICT, {"i": {"modelName": model, "version": 1,
                                          "input": '{"x": [2]}'}})["predict"]
    assert own["caller"] == sub_id
    # IAM's prediction was published first: had it passed the engineer's filter, it would be
    # the engineer's first event.
    assert mine.data("onPrediction")["id"] == own["id"]
    assert [everything.data("onPrediction")["id"] for _ in range(2)] == [theirs["id"], own["id"]]
