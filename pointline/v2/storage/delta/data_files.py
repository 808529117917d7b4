"""Rows as Parquet data files written by Polars and committed to Delta in one transaction.

Used for the event tables, the manifest and validation_log. Why: delta-rs' writer took 0.44 s
to write 1M ``trades`` rows into their partition, Polars' ``write_parquet`` 0.11 s for the same
rows (both Snappy). So :class:`DataFiles` writes one Parquet file per partition of each frame
(partition columns left out, as Delta stores them in the log), and :func:`commit` records them
— together with the removal of the files they replace — as ONE Delta commit. Until that commit
the files are invisible (nothing references them); a crash leaves only unreferenced files,
which a vacuum deletes.

The add actions carry exact statistics computed from the rows themselves (``numRecords``,
``nullCount``, ``minValues``/``maxValues`` of integer, date, boolean and short string columns),
so readers prune by ``file_id``, ``ts_event_us`` or ``symbol_id`` as they do for delta-rs'
own files. Partition directories follow delta-rs' layout: ``<column>=<percent-encoded value>``
(delta-rs percent-encodes that path once more in the log, Delta paths being URIs).

:func:`files_to_remove` finds the files holding a set of ``file_id``: it relies on the
``file_id`` min/max statistics and returns ``None`` when a file may mix those ids with others
(e.g. after a compaction, or a batch write of many files) or has no statistics; the caller then
uses delta-rs' overwrite-with-predicate, which rewrites such files.
"""

from __future__ import annotations

import datetime
import json
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote, unquote

import polars as pl
import pyarrow as pa
from deltalake import DeltaTable, PostCommitHookProperties, Schema
from deltalake.transaction import (
    AddAction,
    CommitProperties,
    RemoveAction,
    Transaction,
    create_table_with_add_actions,
)

from pointline.schemas.types import TableSpec
from pointline.v2.storage.delta.location import TableLocation

COMPRESSION = "snappy"
REPLACED_KEY = "pointline.replaced_file_ids"
"""commitInfo key of a replacement commit: the file ids it replaced (``"1-4,9"``)."""
FLUSH_BYTES = 64 * 1024 * 1024
"""Rows gathered per partition before they are written as one data file (in-memory size)."""
STRING_STATS_MAX_CHARS = 64
"""Longer strings get no min/max statistics (they would bloat the log for no pruning gain)."""

_STAT_TYPES = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def partition_text(value: object) -> str:
    """A partition value as Delta writes it in ``partitionValues`` (dates as ``YYYY-MM-DD``)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str | int):
        return str(value)
    raise TypeError(f"unsupported partition value {value!r} ({type(value).__name__})")


def partitions(
    frame: pl.DataFrame, partition_by: Sequence[str]
) -> Iterator[tuple[dict[str, str], pl.DataFrame]]:
    """``(partition values, rows without the partition columns)`` for each partition of
    ``frame``, in order of first appearance. Contiguous runs are sliced (no copy)."""
    columns = list(partition_by)
    if not columns:
        yield {}, frame
        return
    bounds = frame.select(
        *(pl.col(c).min().alias(f"{c}\0min") for c in columns),
        *(pl.col(c).max().alias(f"{c}\0max") for c in columns),
    ).row(0, named=True)
    if all(bounds[f"{c}\0min"] == bounds[f"{c}\0max"] for c in columns):
        yield {c: partition_text(bounds[f"{c}\0min"]) for c in columns}, frame.drop(columns)
        return
    runs = frame.select(pl.struct(columns).rle().alias("run")).unnest("run")
    keys = runs.get_column("value").struct.unnest()
    if keys.n_unique() == keys.height:  # every partition is one contiguous run of rows
        offset = 0
        for length, key in zip(runs.get_column("len"), keys.iter_rows(), strict=True):
            values = {c: partition_text(v) for c, v in zip(columns, key, strict=True)}
            yield values, frame.slice(offset, length).drop(columns)
            offset += length
        return
    for key, rows in frame.partition_by(columns, as_dict=True, maintain_order=True).items():
        values = {c: partition_text(v) for c, v in zip(columns, key, strict=True)}
        yield values, rows.drop(columns)


def _json_value(value: object) -> object:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _has_min_max(dtype: pl.DataType) -> bool:
    # Floats get none: a NaN makes min/max ill-defined for pruning, and nobody prunes on them.
    return dtype in _STAT_TYPES or dtype in (pl.Date, pl.Boolean, pl.String)


EAGER_STATS_ROWS = 50_000
"""Below this many rows a file's statistics are taken per eager series (planning one query of
three expressions per column costs more than the passes on a small file); above it one query
computes them all, in parallel over the columns."""


def _min_max_nulls(rows: pl.DataFrame) -> dict[str, tuple[object, object, int]]:
    """(min, max, null count) per column that is not nested; min and max None where the
    column takes none (nested, or a type without a range: floats)."""
    flat = [n for n, t in rows.schema.items() if not t.is_nested()]
    ranged = {n for n in flat if _has_min_max(rows.schema[n])}
    if rows.height < EAGER_STATS_ROWS:
        columns = {n: rows.get_column(n) for n in flat}
        return {
            n: (c.min(), c.max(), c.null_count()) if n in ranged else (None, None, c.null_count())
            for n, c in columns.items()
        }
    found = rows.select(
        *(pl.col(n).min().alias(f"{n}\0min") for n in ranged),
        *(pl.col(n).max().alias(f"{n}\0max") for n in ranged),
        *(pl.col(n).null_count().alias(f"{n}\0nulls") for n in flat),
    ).row(0, named=True)
    return {n: (found.get(f"{n}\0min"), found.get(f"{n}\0max"), found[f"{n}\0nulls"]) for n in flat}


def stats_json(rows: pl.DataFrame) -> str:
    """Delta file statistics of ``rows`` (one data file) as the add action's JSON text."""
    mins: dict[str, object] = {}
    maxs: dict[str, object] = {}
    nulls: dict[str, int] = {}
    for name, (low, high, null_count) in _min_max_nulls(rows).items():
        nulls[name] = null_count
        if low is None or high is None:
            continue  # all null, or no range kept for the type
        if isinstance(low, str) and max(len(low), len(high)) > STRING_STATS_MAX_CHARS:
            continue
        mins[name], maxs[name] = _json_value(low), _json_value(high)
    return json.dumps(
        {"numRecords": rows.height, "minValues": mins, "maxValues": maxs, "nullCount": nulls},
        separators=(",", ":"),
    )


def _relative_dir(values: dict[str, str]) -> list[str]:
    """The partition directories, each ``<column>=<percent-encoded value>`` (delta-rs' layout)."""
    return [f"{column}={quote(value, safe='')}" for column, value in values.items()]


class DataFiles:
    """The Parquet files of one replacement, written but not yet committed.

    Rows are gathered per partition and written once a partition holds ``flush_bytes`` (and
    by :meth:`finish`), so a batch of many small Bronze files makes one file per partition
    while a big file streamed in chunks holds at most about ``flush_bytes`` per partition.

    Args:
        location: the table (a :class:`~pointline.v2.storage.delta.location.TableLocation`,
            or its directory).
        spec: the table spec (its partition columns are left out of the files).
        flush_bytes: in-memory size at which a partition's gathered rows are written
            (default :data:`FLUSH_BYTES`).
    """

    def __init__(
        self, location: TableLocation | Path, spec: TableSpec, *, flush_bytes: int | None = None
    ):
        self.location = location if isinstance(location, TableLocation) else TableLocation(location)
        self.spec = spec
        self.flush_bytes = FLUSH_BYTES if flush_bytes is None else flush_bytes
        self.adds: list[AddAction] = []
        self._pending: dict[tuple[tuple[str, str], ...], list[pl.DataFrame]] = {}
        self._pending_bytes: dict[tuple[tuple[str, str], ...], int] = {}

    def write(self, frame: pl.DataFrame) -> None:
        """Take ``frame`` (on the spec, validated); full partitions are written at once."""
        for values, rows in partitions(frame, self.spec.partition_by):
            if rows.height == 0:
                continue
            key = tuple(values.items())
            self._pending.setdefault(key, []).append(rows)
            size = self._pending_bytes.get(key, 0) + rows.estimated_size()
            self._pending_bytes[key] = size
            if size >= self.flush_bytes:
                self._flush(key)

    def finish(self) -> list[AddAction]:
        """Write what is still gathered; the add actions of every file written."""
        for key in list(self._pending):
            self._flush(key)
        return self.adds

    def _flush(self, key: tuple[tuple[str, str], ...]) -> None:
        frames = self._pending.pop(key)
        self._pending_bytes.pop(key, None)
        rows = frames[0] if len(frames) == 1 else pl.concat(frames, rechunk=False)
        del frames
        values = dict(key)
        name = f"part-{len(self.adds):05d}-{uuid.uuid4()}-c000.{COMPRESSION}.parquet"
        path = "/".join([*_relative_dir(values), name])  # delta-rs encodes it in the log
        self.adds.append(
            AddAction(
                path=path,
                size=self.location.write_parquet(path, rows, COMPRESSION),
                partition_values=values,
                modification_time=_now_ms(),
                data_change=True,
                stats=stats_json(rows),
            )
        )

    def discard(self) -> None:
        """Delete the files written (best effort: they are unreferenced either way)."""
        self.location.delete_files([add.path for add in self.adds])
        self.adds.clear()
        self._pending.clear()
        self._pending_bytes.clear()


def files_to_remove(dt: DeltaTable, file_ids: Sequence[int]) -> list[RemoveAction] | None:
    """Remove actions for every data file holding rows of ``file_ids``.

    ``None`` when some file may hold rows of these ids mixed with rows of other ids, or has
    no ``file_id`` statistics: such files must be rewritten, not removed.
    """
    actions = pl.DataFrame(dt.get_add_actions(flatten=True))
    if actions.height == 0:
        return []
    if "min.file_id" not in actions.columns or "max.file_id" not in actions.columns:
        return None
    wanted = {int(i) for i in file_ids}
    low, high = pl.col("min.file_id"), pl.col("max.file_id")
    unknown = low.is_null() | high.is_null()
    in_range = (low <= max(wanted)) & (high >= min(wanted))
    candidates = actions.filter(unknown | in_range).to_dicts()
    partition_columns = [c for c in actions.columns if c.startswith("partition.")]
    now = _now_ms()
    removes = []
    for row in candidates:
        first, last = row["min.file_id"], row["max.file_id"]
        if first is None or first != last:
            return None  # may mix these ids with others
        if first not in wanted:
            continue
        values = {
            c.removeprefix("partition."): None if row[c] is None else partition_text(row[c])
            for c in partition_columns
        }
        # the log's path is a URI; delta-rs encodes the action's path again when it writes it
        removes.append(RemoveAction(unquote(row["path"]), True, now, row["size_bytes"], values))
    return removes


def removal_of(add: AddAction) -> RemoveAction:
    """The remove action of a file this process added (no need to read the table's log)."""
    return RemoveAction(add.path, True, _now_ms(), add.size, dict(add.partition_values or {}))


def commit(
    dt: DeltaTable | None,
    table_path: Path | str,
    schema: pa.Schema,
    partition_by: Sequence[str],
    adds: list[AddAction],
    file_ids: Sequence[int],
    *,
    removes: list[RemoveAction],
    configuration: Mapping[str, str | None] | None = None,
    storage_options: dict[str, str] | None = None,
    properties: CommitProperties | None = None,
) -> None:
    """Commit ``adds`` and ``removes`` (the files of ``file_ids``) as one Delta commit, tagged
    with the ids in its commit info (creating the table at ``table_path`` when ``dt`` is None).

    ``properties`` (the commit guard of :mod:`~pointline.v2.storage.delta.table`) get the ids
    added to their commit info.

    The one call that commits a replacement (``tests/crash_child.py`` pauses a writer here)."""
    properties = with_metadata(properties, {REPLACED_KEY: id_text(file_ids)})
    if dt is None:
        create_table_with_add_actions(
            str(table_path),
            Schema.from_arrow(schema),
            adds,
            mode="error",
            partition_by=list(partition_by),
            configuration=configuration,
            storage_options=storage_options,
            commit_properties=properties,
        )
        return
    dt.create_write_transaction(
        [*adds, *removes],
        mode="append",
        schema=schema,
        partition_by=list(partition_by),
        commit_properties=properties,
        post_commithook_properties=NO_HOOKS,
    )


NO_HOOKS = PostCommitHookProperties(create_checkpoint=False, cleanup_expired_logs=False)
"""delta-rs' own checkpoint and log cleanup after a commit, turned off: the table's upkeep
does both at its own versions (``Table.maintain``), and the cleanup lists the whole log (one
more object-store listing per commit)."""


def with_metadata(
    properties: CommitProperties | None,
    metadata: Mapping[str, str],
    transactions: Sequence[Transaction] = (),
) -> CommitProperties:
    """``properties`` with ``metadata`` added to the commit info and ``transactions`` to its
    application transactions."""
    properties = properties or CommitProperties()
    return CommitProperties(
        custom_metadata={**(properties.custom_metadata or {}), **metadata},
        max_commit_retries=properties.max_commit_retries,
        app_transactions=[*(properties.app_transactions or []), *transactions] or None,
    )


def id_text(file_ids: Sequence[int]) -> str:
    """``"3"``, ``"1-4,9"``: the ids, runs of consecutive ids as ranges (a batch is one run)."""
    ids = sorted({int(i) for i in file_ids})
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
