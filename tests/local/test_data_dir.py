"""LOCAL_DATA_DIR keeps the tables across restarts; without it the runtime starts empty."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from local import datadir
from local.harness import ROOT, RUN_PY, LocalRuntime
from tests.e2e.graphql_client import GraphQLClient

from .conftest import TOY

PUT = 'mutation { putItem(pk: "dd", sk: "%s", title: "%s") { pk } }'
GET = '{ getItem(pk: "dd", sk: "a") { title version } }'
LIST = ('query($t: String) { listItems(pk: "dd", limit: 1, nextToken: $t) '
        "{ items { sk } nextToken } }")


def client(rt: LocalRuntime) -> GraphQLClient:
    return GraphQLClient(rt.graphql, rt.api_key)


def test_tables_survive_a_restart_with_the_same_dir(tmp_path):
    data = tmp_path / "data"
    with LocalRuntime(TOY, data_dir=data) as rt:
        gql = client(rt)
        gql.data(PUT % ("a", "kept"))
        gql.data(PUT % ("b", "second"))
        token = gql.data(LIST, {"t": None})["listItems"]["nextToken"]
        # A second runtime may not share the directory (it would overwrite this one's save).
        other = subprocess.run([sys.executable, str(RUN_PY), "--stack", str(TOY), "--port", "0",
                                "--data-dir", str(data)],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert other.returncode == 2 and "in use by another local runtime" in other.stderr
        assert rt.stop() == 0
    saved = json.loads((data / "tables.json").read_text())
    assert sorted(saved["tables"]) == sorted(rt.info["tables"])
    assert len(saved["tables"]["toy-items"]) == 2
    assert not list(data.glob("*.tmp"))

    with LocalRuntime(TOY, data_dir=data) as again:
        gql = client(again)
        assert gql.data(GET) == {"getItem": {"title": "kept", "version": 1}}
        # A page token of the previous run still pages on (the key lives in the directory).
        page = gql.data(LIST, {"t": token})["listItems"]
        assert [i["sk"] for i in page["items"]] == ["b"]
        assert "2 items loaded" in again.log()


def test_without_a_data_dir_the_runtime_starts_empty(tmp_path):
    with LocalRuntime(TOY, data_dir=tmp_path / "data") as rt:
        client(rt).data(PUT % ("a", "saved elsewhere"))
    with LocalRuntime(TOY) as rt:
        assert client(rt).data(GET) == {"getItem": None}
        assert "in memory" in rt.log()


def test_a_table_the_stack_no_longer_has_is_kept_in_the_save(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    gone = [{"id": {"S": "x"}, "blob": {"B": "AAE="}}]
    (data / "tables.json").write_text(json.dumps({"format": 1, "tables": {"old-table": gone}}))
    with LocalRuntime(TOY, data_dir=data):
        pass
    assert json.loads((data / "tables.json").read_text())["tables"]["old-table"] == gone


def test_an_unreadable_save_stops_the_start_and_is_left_untouched(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "tables.json").write_text('{"format": 1, "tables": {"toy-items": [{"pk"')
    before = (data / "tables.json").read_bytes()
    res = subprocess.run([sys.executable, str(RUN_PY), "--stack", str(TOY), "--port", "0"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "LOCAL_DATA_DIR": str(data)})
    assert res.returncode == 2
    assert "tables.json cannot be read" in res.stderr and "Traceback" not in res.stderr
    assert (data / "tables.json").read_bytes() == before


def test_a_save_that_fails_midway_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    target = tmp_path / "tables.json"
    target.write_text("previous save\n")

    def crash(fd):
        raise OSError("disk gone")

    monkeypatch.setattr(datadir.os, "fsync", crash)  # after the data is written, before rename
    with pytest.raises(OSError, match="disk gone"):
        datadir.write_atomically(target, "new save\n" * 1000)
    assert target.read_text() == "previous save\n"
    assert [p.name for p in tmp_path.iterdir()] == ["tables.json"]


def test_a_temporary_file_left_by_a_killed_save_is_removed_at_start(tmp_path):
    (tmp_path / ".tables.json.abc.tmp").write_text("half a save")
    datadir.DataDir(tmp_path).close()
    assert not list(tmp_path.glob("*.tmp"))


def test_binary_values_round_trip():
    item = {"b": {"B": b"\x00\x01"}, "bs": {"BS": [b"\xff"]},
            "m": {"M": {"l": {"L": [{"B": b"x"}, {"N": "1"}]}}}, "ss": {"SS": ["a"]}}
    wire = {k: datadir.to_wire(v) for k, v in item.items()}
    json.dumps(wire)  # storable as JSON
    assert {k: datadir.from_wire(v) for k, v in wire.items()} == item
