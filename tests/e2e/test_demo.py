"""The README's walk-through (local/demo.py) runs clean against the local runtime."""

from __future__ import annotations

import re

from local import demo


def test_demo_session_runs_without_errors(local_runtime, capsys):
    assert demo.main(["--url", local_runtime.graphql, "--costs"]) == 0
    out = capsys.readouterr().out
    assert '"status": "COMPLETED"' in out and '"producedVersion": 1' in out
    assert '"predict": {"id"' in out and '"listPredictions": {"items": [{' in out
    # --costs: the training start calls SageMaker once; createModel writes in one request.
    costs = [line for line in out.splitlines() if line.startswith("  cost: ")]
    assert '"startBatchPrediction": {"id"' in out and '"listBatchPredictions": {"items": [{' in out
    assert len(costs) == len(demo.STEPS), out
    # A version is approved before the protected alias prod points at it.
    assert '"approvalStatus": "APPROVED"' in out
    # Approved, deployed, in service: predict goes to the deployment's endpoint.
    assert '"status": "IN_SERVICE"' in out
    predicted = next(line for line in out.splitlines() if line.startswith('< {"data": {"predict"'))
    assert '"endpointName": "mlapi--demo-' in predicted, predicted
    assert re.search(r'DynamoDB \{"(PutItem|TransactWriteItems)": 1\}', costs[0]), costs[0]
    assert '"SageMaker.CreateTrainingJob": 1' in costs[1], costs[1]


def test_demo_finds_the_runtime_by_local_port(local_runtime, monkeypatch, capsys):
    """`make local LOCAL_PORT=...` then `local/demo.py` with the same setting."""
    monkeypatch.setenv("LOCAL_PORT", local_runtime.graphql.rsplit(":", 1)[1].split("/")[0])
    assert demo.main([]) == 0
    assert capsys.readouterr().out.startswith(f"# {local_runtime.graphql}\n")
