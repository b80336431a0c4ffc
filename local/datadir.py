"""LOCAL_DATA_DIR: the local tables kept across restarts, as `amplify mock` keeps its mock data.

moto keeps nothing on disk. At start the runtime loads <dir>/tables.json into the tables it has
just created; at stop it writes every table's items back. The file is written beside its place,
fsynced and renamed over it, so a crash or a kill while saving leaves the previous save whole. A
runtime killed outright (SIGKILL, power loss) saves nothing: the changes of that session are lost,
never the previous save. Items of a table the stack no longer has are kept in the file as they
were. <dir>/token.key holds the nextToken key (local/next-token.js), so page tokens survive a
restart as the items do. A lock keeps two runtimes off one directory.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import secrets
import tempfile
from pathlib import Path

SNAPSHOT = "tables.json"
TOKEN_KEY = "token.key"
FORMAT = 1
BATCH = 25  # BatchWriteItem's limit


class DataDirError(Exception):
    """A data directory the runtime cannot use, reported without a traceback."""


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace path with text, or leave it as it was: never a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    # The rename itself is durable once the directory is.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# Items are stored as DynamoDB's JSON (what its API sends), binary values base64 as on the wire;
# boto3's client hands them to us as bytes.
def to_wire(value: dict) -> dict:
    (kind, v), = value.items()
    if kind == "B":
        return {kind: base64.b64encode(v).decode()}
    if kind == "BS":
        return {kind: [base64.b64encode(b).decode() for b in v]}
    if kind == "M":
        return {kind: {k: to_wire(x) for k, x in v.items()}}
    if kind == "L":
        return {kind: [to_wire(x) for x in v]}
    return {kind: v}


def from_wire(value: dict) -> dict:
    (kind, v), = value.items()
    if kind == "B":
        return {kind: base64.b64decode(v)}
    if kind == "BS":
        return {kind: [base64.b64decode(b) for b in v]}
    if kind == "M":
        return {kind: {k: from_wire(x) for k, x in v.items()}}
    if kind == "L":
        return {kind: [from_wire(x) for x in v]}
    return {kind: v}


class DataDir:
    """One runtime's hold on a data directory (locked until close())."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.snapshot = self.path / SNAPSHOT
        self.kept: dict[str, list] = {}  # tables of the file the stack does not have
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock = (self.path / ".lock").open("w")
        except OSError as e:
            raise DataDirError(f"LOCAL_DATA_DIR {self.path}: {e.strerror}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise DataDirError(f"LOCAL_DATA_DIR {self.path} is in use by another local runtime: "
                               "stop it, or choose another directory") from None
        # Left by a save that was killed before its rename; we hold the lock, so none is live.
        for stale in self.path.glob(f".{SNAPSHOT}.*.tmp"):
            stale.unlink()

    def close(self) -> None:
        self._lock.close()

    def token_key(self) -> str:
        """The nextToken key of this directory (64 hex digits), made on first use."""
        path = self.path / TOKEN_KEY
        if not path.exists():
            write_atomically(path, secrets.token_hex(32) + "\n", mode=0o600)
        key = path.read_text().strip()
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            raise DataDirError(f"{path} is not a token key (64 hex digits): delete it to make one")
        return key

    def load(self, client, tables: list[str]) -> int:
        """Put the saved items into the (new, empty) tables; returns how many."""
        if not self.snapshot.exists():
            return 0
        try:
            saved = json.loads(self.snapshot.read_text(encoding="utf-8"))
            if saved.get("format") != FORMAT or not isinstance(saved.get("tables"), dict):
                raise ValueError(f"not a format-{FORMAT} save")
        except (ValueError, AttributeError) as e:
            raise DataDirError(f"{self.snapshot} cannot be read ({e}): move it away to start "
                               "empty") from None
        count = 0
        for table, items in saved["tables"].items():
            if table not in tables:
                self.kept[table] = items
                continue
            for i in range(0, len(items), BATCH):
                requests = [{"PutRequest": {"Item": {k: from_wire(v) for k, v in item.items()}}}
                            for item in items[i:i + BATCH]]
                try:
                    self._write_all(client, table, requests)
                except Exception as e:  # noqa: BLE001 - any refusal: the save does not fit
                    raise DataDirError(f"{self.snapshot}: table {table}: {e}; move the file away "
                                       "to start empty") from None
            count += len(items)
        return count

    @staticmethod
    def _write_all(client, table: str, requests: list[dict]) -> None:
        while requests:
            out = client.batch_write_item(RequestItems={table: requests})
            requests = out.get("UnprocessedItems", {}).get(table, [])

    def save(self, client, tables: list[str]) -> int:
        """Write every table's items (and the kept ones) to the snapshot; returns how many."""
        snapshot = dict(self.kept)
        for table in tables:
            items = []
            for page in client.get_paginator("scan").paginate(TableName=table,
                                                               ConsistentRead=True):
                items += [{k: to_wire(v) for k, v in item.items()} for item in page["Items"]]
            snapshot[table] = items
        write_atomically(self.snapshot, json.dumps({"format": FORMAT, "tables": snapshot},
                                                   sort_keys=True, indent=1) + "\n")
        return sum(len(items) for t, items in snapshot.items() if t in tables)
