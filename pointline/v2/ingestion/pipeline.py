"""``ingest_file``: one Bronze file into its Silver table, exactly once.

The pipeline depends on the storage contracts only (``pointline.v2.storage.contracts``); the
stores are injected. Its steps, in order:

1. route ``data_type`` to the table (unknown -> ``ValueError`` before anything is written);
2. skip an identity that is already ``success`` unless ``force`` (``skipped=True``, no write);
3. resolve the file id (creates the ``pending`` manifest row) and load dim_symbol, while
   4. the parser runs in a thread of its own;
5. derive ``trading_date``; 6. row rules; 7. point-in-time symbol resolution;
8. lineage and normalisation to the table spec (:mod:`pointline.v2.ingestion.steps`);
9. write the valid rows, then the quarantined rows; 10. record the status.

Exactly once: when the writer offers ``replace_file`` (a :class:`FileReplacingEventStore`), the
file's rows are written as one atomic replacement of every row carrying its ``file_id``, and the
quarantined rows likewise. A rerun after a crash at any point therefore replaces what an earlier
attempt left, instead of adding to it; a ``force`` run replaces the previous rows in one step, and
a ``force`` run that fails before its write leaves them intact. Until the manifest says otherwise
the file is ``pending``; readers that honour the manifest (``Lake.scan``) do not see rows of
pending files. A parser may return one frame or an iterator of frames (the chunked path); the
chunks stream into one replacement, so memory is bounded by the chunk size.

Data problems and storage failures come back as a ``failed``/``quarantined`` result with a stable
``failure_reason`` (see :mod:`pointline.v2.ingestion.reasons`); ``ingest_file`` raises only for a
bad call (an unknown data type).
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pointline.errors import SchemaMismatchError, TableCorruptError, VendorParseError
from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.schemas.registry import get_table_spec
from pointline.schemas.types import (
    INGEST_STATUS_FAILED,
    INGEST_STATUS_QUARANTINED,
    INGEST_STATUS_SUCCESS,
    TableSpec,
)
from pointline.v2.fixed_point import REJECT_REASON
from pointline.v2.ingestion import reasons
from pointline.v2.ingestion.models import BronzeFileMetadata, IngestionResult
from pointline.v2.ingestion.routing import route_table
from pointline.v2.ingestion.steps import pit_view, prepare_chunk
from pointline.v2.storage.contracts import (
    DimensionStore,
    EventStore,
    FileReplacingEventStore,
    FileReplacingQuarantineStore,
    ManifestStore,
    QuarantineStore,
)

Writer = EventStore | Callable[[str, pl.DataFrame], None]
Parsed = pl.DataFrame | Iterable[pl.DataFrame]


class _ParseFailure(Exception):
    """Carries a parse-side failure out of the row stream that feeds a writer."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class _Tally:
    """What the row stream saw, filled while the writer consumes it."""

    row_count: int = 0
    rows_written: int = 0
    rejected: list[pl.DataFrame] = field(default_factory=list)
    date_min: datetime.date | None = None
    date_max: datetime.date | None = None

    def add_dates(self, frame: pl.DataFrame) -> None:
        dates = frame.get_column("trading_date").drop_nulls()
        if dates.is_empty():
            return
        low, high = dates.min(), dates.max()
        self.date_min = low if self.date_min is None else min(self.date_min, low)
        self.date_max = high if self.date_max is None else max(self.date_max, high)

    @property
    def rows_quarantined(self) -> int:
        return sum(frame.height for frame in self.rejected)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _source(meta: BronzeFileMetadata) -> str:
    return meta.bronze_file_path


def _parse_failure(exc: Exception) -> _ParseFailure:
    if isinstance(exc, _ParseFailure):
        return exc
    if isinstance(exc, VendorParseError):
        return _ParseFailure(exc.reason, str(exc))
    if isinstance(exc, SchemaMismatchError):
        return _ParseFailure(reasons.SCHEMA_MISMATCH, str(exc))
    return _ParseFailure(reasons.PARSE_ERROR, _describe(exc))


def _chunks(parsed: Parsed) -> Iterator[pl.DataFrame]:
    if isinstance(parsed, pl.DataFrame):
        # hand the frame over without keeping a reference in this generator: the whole
        # parsed file must be freeable while its valid rows are being written
        holder = [parsed]
        del parsed
        yield holder.pop()
        return
    for chunk in parsed:
        if not isinstance(chunk, pl.DataFrame):
            raise TypeError(f"parser yielded {type(chunk).__name__}, expected a polars DataFrame")
        yield chunk


def _row_stream(
    chunks: Iterator[pl.DataFrame],
    spec: TableSpec,
    *,
    file_id: int,
    dim: pl.DataFrame,
    source: str,
    tally: _Tally,
) -> Iterator[pl.DataFrame]:
    """Valid rows chunk by chunk; rejected rows and counts go to ``tally``.

    Any failure while parsing or preparing becomes a ``_ParseFailure`` so that the writer
    consuming this stream aborts without committing and the caller can tell it from a write error.
    """
    try:
        for chunk in chunks:
            if chunk.height == 0:
                continue
            height = chunk.height
            valid, rejected = prepare_chunk(
                chunk, spec, file_id=file_id, seq_start=tally.row_count + 1, dim=dim, source=source
            )
            del chunk  # the parsed text frame is not needed while the writer takes ``valid``
            tally.row_count += height
            tally.rows_written += valid.height
            tally.add_dates(valid)
            if rejected.height:
                tally.rejected.append(rejected)
                tally.add_dates(rejected)
            yield valid
    except Exception as exc:
        raise _parse_failure(exc) from exc


def _first_rows(chunks: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame] | None:
    """Peek for a non-empty chunk: None when the parser produced no rows at all."""
    for chunk in chunks:
        if chunk.height:
            return _then(chunks, [chunk])
    return None


def _then(chunks: Iterator[pl.DataFrame], first: list[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """``first`` (popped, so no reference outlives its use), then the rest of ``chunks``."""
    yield first.pop()
    yield from chunks


def _load_dim(
    dim_symbol_df: pl.DataFrame | None, dimension_store: DimensionStore | None
) -> pl.DataFrame:
    if dim_symbol_df is not None:
        return pit_view(dim_symbol_df)
    if dimension_store is not None:
        return pit_view(dimension_store.load_dim_symbol())
    return pit_view(pl.DataFrame(schema=DIM_SYMBOL.to_polars()))


def _write_events(writer: Writer, table: str, file_id: int, stream: Iterator[pl.DataFrame]) -> None:
    if isinstance(writer, FileReplacingEventStore):
        writer.replace_file(table, file_id, stream)
        return
    frames = list(stream)
    frame = pl.concat(frames) if frames else None
    if frame is None or frame.height == 0:
        return
    if isinstance(writer, EventStore):
        writer.append(table, frame)
    else:
        writer(table, frame)


def _write_quarantine(
    store: QuarantineStore | None, table: str, file_id: int, rejected: pl.DataFrame
) -> None:
    if store is None:
        return
    combined = combined_reason(rejected) or "rejected"
    if isinstance(store, FileReplacingQuarantineStore):
        store.replace_file(table, rejected, reason=combined, file_id=file_id)
        return
    if rejected.height == 0:
        return
    for (reason,), group in rejected.group_by(REJECT_REASON, maintain_order=True):
        store.append(table, group, reason=str(reason), file_id=file_id)


def combined_reason(rejected: pl.DataFrame) -> str | None:
    """Distinct row reasons joined with ``+`` in sorted order (None when nothing was rejected)."""
    if rejected.height == 0:
        return None
    found = sorted(rejected.get_column(REJECT_REASON).drop_nulls().unique().to_list())
    return "+".join(found) if found else None


@dataclass
class _Run:
    """The context of one ``ingest_file`` call and how it records its outcome."""

    meta: BronzeFileMetadata
    manifest: ManifestStore
    dry_run: bool
    file_id: int | None = None

    def result(self, status: str, tally: _Tally | None = None, **kwargs: Any) -> IngestionResult:
        tally = tally or _Tally()
        return IngestionResult(
            status=status,
            row_count=tally.row_count,
            rows_written=tally.rows_written if status != INGEST_STATUS_FAILED else 0,
            rows_quarantined=tally.rows_quarantined if status != INGEST_STATUS_FAILED else 0,
            file_id=self.file_id,
            trading_date_min=tally.date_min,
            trading_date_max=tally.date_max,
            **kwargs,
        )

    def finish(self, result: IngestionResult) -> IngestionResult:
        """Record ``result`` in the manifest (not in a dry run)."""
        if self.dry_run or self.file_id is None:
            return result
        try:
            self.manifest.update_status(self.file_id, result.status, self.meta, result)
        except Exception as exc:
            return self.unrecorded(result, exc)
        return result

    def unrecorded(self, result: IngestionResult, exc: Exception) -> IngestionResult:
        """The result when recording ``result`` in the manifest raised."""
        return IngestionResult(
            status=INGEST_STATUS_FAILED,
            row_count=result.row_count,
            rows_written=0,
            rows_quarantined=0,
            file_id=self.file_id,
            failure_reason=reasons.MANIFEST_ERROR,
            error_message=(
                f"{_source(self.meta)}: could not confirm that status {result.status!r} was "
                f"recorded ({_describe(exc)}); if it was not, the file stays pending and a "
                "rerun completes it"
            ),
            trading_date_min=result.trading_date_min,
            trading_date_max=result.trading_date_max,
        )

    def fail(self, reason: str, message: str, tally: _Tally | None = None) -> IngestionResult:
        return self.finish(
            self.result(INGEST_STATUS_FAILED, tally, failure_reason=reason, error_message=message)
        )


class _Background:
    """``parser(meta)`` running in a thread of its own (Polars and the Delta library release
    the GIL, so parsing overlaps the manifest's and dim_symbol's I/O). ``result`` returns what
    the parser returned or raises what it raised; ``discard`` waits for it and drops it."""

    def __init__(self, parser: Callable[[BronzeFileMetadata], Parsed], meta: BronzeFileMetadata):
        self._parser = parser
        self._meta = meta
        self._value: Parsed | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pointline-parse", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._parser(self._meta)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def result(self) -> Parsed:
        self._thread.join()
        value, error = self._value, self._error
        self._value = self._error = None  # the caller owns the frame (freed with its use)
        if error is not None:
            raise error
        if value is None:
            raise TypeError("the parser returned None, expected a polars DataFrame or frames")
        return value

    def discard(self) -> None:
        self._thread.join()
        self._value = self._error = None


def ingest_file(
    meta: BronzeFileMetadata,
    *,
    parser: Callable[[BronzeFileMetadata], Parsed],
    manifest_repo: ManifestStore,
    writer: Writer,
    dim_symbol_df: pl.DataFrame | None = None,
    dimension_store: DimensionStore | None = None,
    quarantine_store: QuarantineStore | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> IngestionResult:
    """Ingest one Bronze file into its canonical table.

    Args:
        meta: the Bronze file; its identity is (vendor, data_type, bronze_file_path, sha256).
        parser: reads the file into rows of the target table (one frame or an iterator of
            frames); see :mod:`pointline.v2.vendors.base` for the contract.
        manifest_repo: the manifest store.
        writer: an event store (exactly-once when it offers ``replace_file``) or a plain
            callable ``(table_name, df)``.
        dim_symbol_df: dim_symbol rows for the point-in-time lookup.
        dimension_store: where to load dim_symbol from when ``dim_symbol_df`` is None.
        quarantine_store: where rejected rows go; without one, a file with rejected rows fails
            with ``quarantine_unavailable`` and nothing is written (no row is ever dropped).
        force: re-ingest an identity that already succeeded, replacing its rows.
        dry_run: parse and check only; write nothing (no manifest row, table or log).

    Returns:
        The outcome; ``skipped=True`` when an already-successful identity was left alone.

    Raises:
        ValueError: ``meta.data_type`` is not a supported data type (nothing is written).
    """
    table = route_table(meta.data_type)
    spec = get_table_spec(table)
    run = _Run(meta=meta, manifest=manifest_repo, dry_run=dry_run)

    parsing: _Background | None = None
    try:
        already_done = not manifest_repo.filter_pending([meta])
        if already_done and not force:
            run.file_id = manifest_repo.resolve_file_id(meta)
            return run.result(INGEST_STATUS_SUCCESS, skipped=True)
        # parse while the manifest and dim_symbol are read and the pending row committed
        parsing = _Background(parser, meta)
        if not dry_run:
            run.file_id = manifest_repo.resolve_file_id(meta)
    except Exception as exc:
        if parsing is not None:
            parsing.discard()
        return run.result(
            INGEST_STATUS_FAILED,
            failure_reason=reasons.MANIFEST_ERROR,
            error_message=f"{_source(meta)}: manifest unavailable ({_describe(exc)})",
        )

    try:
        dim = _load_dim(dim_symbol_df, dimension_store)
    except Exception as exc:
        parsing.discard()
        return run.fail(
            reasons.DIM_SYMBOL_ERROR, f"{_source(meta)}: cannot load dim_symbol ({_describe(exc)})"
        )

    tally = _Tally()
    try:
        chunks = _first_rows(_chunks(parsing.result()))
    except Exception as exc:
        failure = _parse_failure(exc)
        return run.fail(failure.reason, f"{_source(meta)}: {failure.message}")
    if chunks is None:
        return run.fail(reasons.EMPTY_PARSE, f"{_source(meta)}: the parser returned no rows")

    stream = _row_stream(
        chunks, spec, file_id=run.file_id or 0, dim=dim, source=_source(meta), tally=tally
    )
    must_buffer = dry_run or quarantine_store is None
    if must_buffer:
        try:
            buffered = list(stream)
        except _ParseFailure as failure:
            return run.fail(failure.reason, f"{_source(meta)}: {failure.message}", tally)
        if quarantine_store is None and tally.rows_quarantined and not dry_run:
            return run.fail(
                reasons.QUARANTINE_UNAVAILABLE,
                f"{_source(meta)}: {tally.rows_quarantined} row(s) were rejected "
                f"({combined_reason(pl.concat(tally.rejected))}) but no quarantine store was "
                "given; nothing was written",
                tally,
            )
        stream = iter(buffered)

    if dry_run:
        return _outcome(run, tally)

    file_id = run.file_id
    if file_id is None:  # resolved above whenever not dry_run
        raise RuntimeError(f"{_source(meta)}: no file id was resolved")
    try:
        _write_events(writer, table, file_id, stream)
    except _ParseFailure as failure:
        return run.fail(failure.reason, f"{_source(meta)}: {failure.message}", tally)
    except Exception as exc:
        message = f"{_source(meta)}: writing {table} failed ({_describe(exc)})"
        return _rollback_and_fail(
            run,
            writer,
            quarantine_store,
            table,
            # a table that cannot even be read was not written to: nothing to take back
            keep_rows=already_done or isinstance(exc, TableCorruptError),
            reason=reasons.WRITE_ERROR,
            message=message,
            tally=tally,
        )

    rejected = pl.concat(tally.rejected, how="diagonal_relaxed") if tally.rejected else None
    try:
        _write_quarantine(
            quarantine_store, table, file_id, rejected if rejected is not None else _empty(spec)
        )
    except Exception as exc:
        return _rollback_and_fail(
            run,
            writer,
            quarantine_store,
            table,
            keep_rows=already_done,
            reason=reasons.QUARANTINE_ERROR,
            message=f"{_source(meta)}: writing validation_log failed ({_describe(exc)})",
            tally=tally,
        )
    return run.finish(_outcome(run, tally))


def _empty(spec: TableSpec) -> pl.DataFrame:
    schema = spec.to_polars()
    schema[REJECT_REASON] = pl.Utf8
    return pl.DataFrame(schema=schema)


def _outcome(run: _Run, tally: _Tally) -> IngestionResult:
    if tally.rows_written == 0 and tally.rows_quarantined:
        rejected = pl.concat(tally.rejected, how="diagonal_relaxed")
        reason = combined_reason(rejected)
        return run.result(
            INGEST_STATUS_QUARANTINED,
            tally,
            failure_reason=reason,
            error_message=f"all {tally.row_count} row(s) were quarantined ({reason})",
        )
    return run.result(INGEST_STATUS_SUCCESS, tally)


def _rollback_and_fail(
    run: _Run,
    writer: Writer,
    quarantine_store: QuarantineStore | None,
    table: str,
    *,
    keep_rows: bool,
    reason: str,
    message: str,
    tally: _Tally,
) -> IngestionResult:
    """A write failed after (or perhaps after) this attempt committed rows: take the attempt's
    event and validation_log rows back, then record ``failed``.

    A failing write may have committed before it raised (a lost acknowledgement), so the rows
    are taken back whenever the stores can replace a file's rows. A force run over an earlier
    success keeps what it wrote (a complete copy). When the rows cannot be taken back, the file
    is left ``pending`` (hidden from readers that honour the manifest) so a rerun heals it.
    """
    if keep_rows or run.file_id is None or not isinstance(writer, FileReplacingEventStore):
        return run.fail(reason, message, tally)
    try:
        writer.replace_file(table, run.file_id, [])
        if isinstance(quarantine_store, FileReplacingQuarantineStore):
            quarantine_store.replace_file(table, _EMPTY_REJECTS, reason=reason, file_id=run.file_id)
    except Exception as exc:
        return run.result(
            INGEST_STATUS_FAILED,
            tally,
            failure_reason=reason,
            error_message=(
                f"{message}; the rows written could not be taken back ({_describe(exc)}), so the "
                "file stays pending and a rerun replaces them"
            ),
        )
    return run.fail(reason, message, tally)


_EMPTY_REJECTS = pl.DataFrame(schema={REJECT_REASON: pl.Utf8})
