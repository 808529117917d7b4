"""The import ledger: one small JSON file per (archive name, archive sha256).

Records live in ``<bronze_root>/quant360/_ledger/<archive name>.<sha256>.json`` and are written
atomically (temp file, fsync, rename, directory fsync), so a record is either whole or absent.
A ``success`` record lists every published member with the hash, size and modification time
of its Bronze file: a rerun trusts it only while the files on disk still match. A ``failed``
record keeps the reason; an interrupted import leaves no record. Both mean "redo from scratch".
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from pointline.v2.vendors.quant360.upstream.publish import fsync_directory, write_atomically

LedgerStatus = Literal["success", "failed"]
LEDGER_DIR = "_ledger"


@dataclass(frozen=True)
class LedgerMember:
    """One published member and its Bronze file."""

    member: str
    symbol: str
    bronze_file_path: str
    sha256: str
    file_size_bytes: int
    last_modified_ts: int


@dataclass(frozen=True)
class LedgerRecord:
    """The last import attempt of one archive (by name and content hash)."""

    archive: str
    archive_sha256: str
    status: LedgerStatus
    reason: str | None = None
    message: str | None = None
    members: tuple[LedgerMember, ...] = ()
    unexpected_members: tuple[str, ...] = ()
    recorded_at_us: int = field(default_factory=lambda: time.time_ns() // 1_000)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LedgerRecord:
        raw = json.loads(text)
        return cls(
            archive=raw["archive"],
            archive_sha256=raw["archive_sha256"],
            status=raw["status"],
            reason=raw.get("reason"),
            message=raw.get("message"),
            members=tuple(LedgerMember(**m) for m in raw.get("members", ())),
            unexpected_members=tuple(raw.get("unexpected_members", ())),
            recorded_at_us=raw["recorded_at_us"],
        )


class Ledger:
    """The ledger of one Bronze root's Quant360 imports."""

    def __init__(self, directory: Path):
        self.directory = directory

    def path_for(self, archive: str, archive_sha256: str) -> Path:
        """Where the record of (``archive``, ``archive_sha256``) lives."""
        return self.directory / f"{archive}.{archive_sha256}.json"

    def get(self, archive: str, archive_sha256: str) -> LedgerRecord | None:
        """The record, or None when there is none.

        A record that cannot be decoded (edited by hand) is treated as absent, which makes the
        archive be imported again; re-importing republishes identical files, so this is safe.
        """
        path = self.path_for(archive, archive_sha256)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return LedgerRecord.from_json(text)
        except (json.JSONDecodeError, KeyError, TypeError):
            return None

    def put(self, record: LedgerRecord) -> None:
        """Write (or replace) the record atomically."""
        write_atomically(
            self.path_for(record.archive, record.archive_sha256), record.to_json().encode()
        )
        fsync_directory(self.directory)
