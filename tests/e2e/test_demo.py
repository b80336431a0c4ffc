"""The README's walk-through (local/demo.py) runs clean against the local runtime."""

from __future__ import annotations

from local import demo


def test_demo_session_runs_without_errors(local_runtime, capsys):
    assert demo.main(["--url", local_runtime.graphql, "--api-key", local_runtime.api_key,
                      "--costs"]) == 0
    out = capsys.readouterr().out
    assert '"status": "COMPLETED"' in out and '"producedVersion": 1' in out
    assert '"predict": {"id"' in out and '"listPredictions": {"items": [{' in out
    # --costs: the training start calls SageMaker once; createModel writes in one transaction.
    costs = [line for line in out.splitlines() if line.startswith("  cost: ")]
    assert len(costs) == 8, out
    assert '"TransactWriteItems": 1' in costs[0], costs[0]
    assert '"SageMaker.CreateTrainingJob": 1' in costs[1], costs[1]
