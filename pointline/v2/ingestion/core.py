"""The one ingestion pipeline: a batch of Bronze files into their Silver tables, exactly once.

``ingest_file`` is a batch of one and ``ingest_files`` a batch of many; both run
:func:`run_batch`. The steps, in the order they run:

1. route every ``data_type`` to its table (an unknown one is a bad call: ``ValueError``
   before anything is written);
2. one ``filter_pending``: an identity already ``success`` is skipped unless ``force``;
3. the parsers start, on ``workers`` threads (Polars and delta-rs release the GIL), while
   4. one ``resolve`` gives every file its id (new identities get a ``pending`` row) and
   dim_symbol is loaded;
5. each file's frames are taken in (columns checked, ``file_id``/``file_seq`` set) and the
   row steps of :mod:`~pointline.v2.ingestion.steps` run on stacks of rows of many files at
   once (a per-file query costs milliseconds of fixed overhead); a stack that fails is
   prepared again file by file, so that only the file at fault fails;
6. per table, one replacement of every row of the batch's file ids (:class:`~.sinks.RowSink`),
   then one of their ``validation_log`` rows;
7. one status write for the batch.

Each file succeeds, fails or is quarantined on its own. A lone file whose parser yields frames
is *streamed*: its chunks are prepared and written one at a time inside the one replacement
(memory bounded by the chunk size); a failure midway commits nothing.

Exactly once: every write replaces the rows of the batch's file ids, so a run killed anywhere
and run again leaves one copy of every file's rows; until the status write the files are
``pending`` (readers that honour the manifest do not see them). A write that fails after it
may have committed is taken back before ``failed`` is recorded; if even that fails the file
stays ``pending`` and a rerun replaces its rows. A ``force`` run of a file that had succeeded
and now fails records nothing: the earlier rows and their ``success`` row stay whole.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import polars as pl

from pointline.errors import (
    SchemaMismatchError,
    TableCorruptError,
    TableSchemaMismatchError,
    VendorParseError,
)
from pointline.schemas.registry import get_table_spec
from pointline.schemas.types import (
    INGEST_STATUS_FAILED,
    INGEST_STATUS_QUARANTINED,
    INGEST_STATUS_SUCCESS,
    TableSpec,
)
from pointline.v2 import reasons
from pointline.v2.ingestion import steps
from pointline.v2.ingestion.manifest import build_manifest_identity
from pointline.v2.ingestion.routing import canonical_stream, route_table
from pointline.v2.ingestion.sinks import ManifestPort, RowSink, combined_reason
from pointline.v2.models import BronzeFileMetadata, IngestionResult
from pointline.v2.storage import attempts
from pointline.v2.storage.manifest_rows import SUPERSEDED
from pointline.v2.vendors.base import KEEP_ORIGINAL_TEXT, text_stage
from pointline.v2.vendors.stream_format import PendingText, convert_texts

Parsed = pl.DataFrame | Iterable[pl.DataFrame]
Parser = Callable[[BronzeFileMetadata], Parsed]
ParserFor = Callable[[BronzeFileMetadata], Parser]
T = TypeVar("T")

# Rows prepared at once: small files are stacked up to this many rows, a streamed file's
# chunks likewise (a chunk of ``Lake.chunk_rows`` is prepared alone).
STACK_ROWS = 200_000
# Texts of fewer rows wait to be converted with the batch's other small texts (a conversion
# costs a query of milliseconds whatever its size); bigger ones are converted as they are read.
STACK_TEXT_ROWS = 50_000


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, for failure messages."""
    return f"{type(exc).__name__}: {exc}"


class FileFailure(Exception):
    """A file that could not be parsed or prepared: its reason code and message."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message

    @classmethod
    def of(cls, exc: BaseException) -> FileFailure:
        if isinstance(exc, FileFailure):
            return exc
        if isinstance(exc, VendorParseError):
            # the pipeline names the file by its Bronze path: not twice
            message = str(exc)
            if exc.path is not None:
                message = message.removeprefix(f"{exc.path}: ")
            return cls(exc.reason, message)
        if isinstance(exc, SchemaMismatchError):
            return cls(reasons.SCHEMA_MISMATCH, str(exc))
        return cls(reasons.PARSE_ERROR, describe(exc))


@dataclass
class Tally:
    """What one file's rows came to."""

    row_count: int = 0
    rows_written: int = 0
    rejected: list[pl.DataFrame] = field(default_factory=list)
    date_min: datetime.date | None = None
    date_max: datetime.date | None = None

    def add(self, valid: pl.DataFrame, rejected: pl.DataFrame) -> None:
        for frame in (valid, rejected):
            dates = frame.get_column("trading_date")
            self.count(frame.height, dates.min(), dates.max())  # type: ignore[arg-type]
        self.rows_written += valid.height
        if rejected.height:
            self.rejected.append(rejected)

    def count(self, rows: int, low: datetime.date | None, high: datetime.date | None) -> None:
        """``rows`` more rows, their trading dates within ``low``..``high`` (None: no date)."""
        self.row_count += rows
        if low is not None:
            self.date_min = low if self.date_min is None else min(self.date_min, low)
        if high is not None:
            self.date_max = high if self.date_max is None else max(self.date_max, high)

    @property
    def rows_quarantined(self) -> int:
        return sum(frame.height for frame in self.rejected)

    def rejected_rows(self) -> pl.DataFrame | None:
        return pl.concat(self.rejected, how="diagonal_relaxed") if self.rejected else None


@dataclass
class _File:
    """One file of the batch and what became of it so far."""

    meta: BronzeFileMetadata
    table: str
    key: int = 0  # the file_id its rows carry (provisional and negative in a dry run)
    file_id: int | None = None
    was_success: bool = False
    parsed: Parsed | PendingText | None = None
    tally: Tally = field(default_factory=Tally)
    result: IngestionResult | None = None
    record: bool = True  # False: leave the manifest row as it is
    # identities at this path with other content: their rows leave as this file's arrive
    earlier: list[tuple[int, BronzeFileMetadata]] = field(default_factory=list)
    twins: list[tuple[int, str]] = field(default_factory=list)  # same content, other paths
    earlier_removed: bool = False  # a failed write's take-back removed the earlier rows

    @property
    def replaced_ids(self) -> list[int]:
        """The ids whose rows a write of this file replaces: its own and the superseded."""
        return [self.key, *(file_id for file_id, _ in self.earlier)]

    @property
    def source(self) -> str:
        return self.meta.bronze_file_path

    @property
    def open(self) -> bool:
        """Not finished yet (no result)."""
        return self.result is None

    def outcome(self, status: str, **kwargs: Any) -> IngestionResult:
        failed = status == INGEST_STATUS_FAILED
        return IngestionResult(
            status=status,
            row_count=self.tally.row_count,
            rows_written=0 if failed else self.tally.rows_written,
            rows_quarantined=0 if failed else self.tally.rows_quarantined,
            file_id=self.file_id,
            trading_date_min=self.tally.date_min,
            trading_date_max=self.tally.date_max,
            **kwargs,
        )

    def fail(self, reason: str, detail: str, *, rows_seen: bool = True) -> None:
        """Finish with ``failed``; ``rows_seen=False``: no usable row came of the file."""
        if not rows_seen:
            self.tally = Tally()
        self.result = self.outcome(
            INGEST_STATUS_FAILED, failure_reason=reason, error_message=f"{self.source}: {detail}"
        )

    def fail_parse(self, failure: FileFailure) -> None:
        self.fail(failure.reason, failure.message, rows_seen=False)

    def finish(self) -> None:
        """Finish with the outcome of the rows written."""
        tally, notes = self.tally, self.notes()
        if tally.rows_written == 0 and tally.rows_quarantined:
            reason = combined_reason(tally.rejected_rows())  # type: ignore[arg-type]
            notes.insert(0, f"all {tally.row_count} row(s) were quarantined ({reason})")
            self.result = self.outcome(
                INGEST_STATUS_QUARANTINED, failure_reason=reason, error_message="; ".join(notes)
            )
        else:
            message = "; ".join(notes) or None
            self.result = self.outcome(INGEST_STATUS_SUCCESS, error_message=message)

    def notes(self) -> list[str]:
        """What a written file's result says besides its counts: what it superseded, and
        where the same content is already ingested."""
        notes = []
        if self.earlier:
            ids = ", ".join(str(file_id) for file_id, _ in self.earlier)
            notes.append(f"{self.source}: new content supersedes file_id {ids} at this path")
        for file_id, path in self.twins:
            notes.append(
                f"{self.source}: the same content is already ingested as file_id {file_id} ({path})"
            )
        return notes

    def superseded(self) -> list[tuple[int, str, BronzeFileMetadata, IngestionResult]]:
        """The status updates of the identities this written file superseded."""
        return [
            (
                file_id,
                INGEST_STATUS_FAILED,
                meta,
                IngestionResult(
                    status=INGEST_STATUS_FAILED,
                    row_count=0,
                    rows_written=0,
                    rows_quarantined=0,
                    file_id=file_id,
                    failure_reason=SUPERSEDED,
                    error_message=f"superseded by file_id {self.file_id}: new content at "
                    f"{self.source}; its rows were removed",
                ),
            )
            for file_id, meta in self.earlier
        ]


@dataclass
class Stores:
    """What a batch reads and writes, each wrapped once into the pipeline's verbs."""

    manifest: ManifestPort
    events: RowSink
    log: RowSink | None
    load_dim: Callable[[], pl.DataFrame]


SUPERSEDED_RERUNS = 5
"""Times a batch refused by a newer attempt runs again (each time as a newer attempt)."""


def run_batch(
    metas: Sequence[BronzeFileMetadata],
    *,
    parser_for: ParserFor,
    stores: Stores,
    force: bool = False,
    dry_run: bool = False,
    workers: int = 1,
) -> list[IngestionResult]:
    """Ingest ``metas``; one result per meta, in order (an identity given twice is ingested
    once and both get its result).

    Raises:
        ValueError: a data type is not supported (before anything is read or written).
    """
    tables = [route_table(meta.data_type) for meta in metas]
    metas = [_canonical(meta) for meta in metas]
    for _ in range(SUPERSEDED_RERUNS + 1):
        files: dict[tuple[str, str, str, str], _File] = {}
        for meta, table in zip(metas, tables, strict=True):
            files.setdefault(build_manifest_identity(meta), _File(meta=meta, table=table))
        # The attempt fences this batch's commits: a newer attempt's rows of a file are never
        # overwritten. Refused by one (another process ingested some of these files since
        # this attempt began), the batch runs again as a newer attempt: files that one
        # finished are skipped, the others written.
        with attempts.attempt() as current:
            every = list(files.values())
            _run(every, parser_for, stores, force=force, dry_run=dry_run, workers=workers)
        if not current.superseded:
            break
    results = []
    for meta in metas:
        result = files[build_manifest_identity(meta)].result
        if result is None:  # pragma: no cover - every path sets a result
            raise RuntimeError(f"{meta.bronze_file_path}: no result was produced")
        results.append(result)
    return results


def _canonical(meta: BronzeFileMetadata) -> BronzeFileMetadata:
    """``meta`` with its data type spelled as the vendor's stream, before the identity is
    built: an alias (``orderbook_updates``, ``incremental_book_l2``) is not a new identity."""
    stream = canonical_stream(meta.vendor, meta.data_type)
    return meta if stream == meta.data_type else dataclasses.replace(meta, data_type=stream)


def _run(
    every: list[_File],
    parser_for: ParserFor,
    stores: Stores,
    *,
    force: bool,
    dry_run: bool,
    workers: int,
) -> None:
    try:
        pending = {
            build_manifest_identity(m)
            for m in stores.manifest.filter_pending([f.meta for f in every])
        }
    except Exception as exc:
        _manifest_unavailable(every, exc)
        return
    for item in every:
        item.was_success = build_manifest_identity(item.meta) not in pending
    todo = [f for f in every if force or not f.was_success]
    skipped = [f for f in every if f.was_success and not force]
    stream = len(todo) == 1 and stores.log is not None and not dry_run

    threads = max(1, min(workers, len(todo)))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="pointline-parse") as pool:
        # parse while the manifest resolves ids and dim_symbol is read
        parses = {id(f): pool.submit(_parse, parser_for, f.meta, stream) for f in todo}
        try:
            known = every if not dry_run else skipped
            for item, file_id in zip(
                known, stores.manifest.resolve([f.meta for f in known]), strict=True
            ):
                item.file_id = item.key = file_id
            if not dry_run:
                _relate(todo, stores.manifest)
        except Exception as exc:
            _manifest_unavailable(every, exc)
            return
        for number, item in enumerate(todo, start=1):
            if item.file_id is None:
                item.key = -number
        for item in skipped:
            item.result = item.outcome(INGEST_STATUS_SUCCESS, skipped=True)
        if not todo:
            return
        try:
            dim = steps.pit_view(stores.load_dim())
        except Exception as exc:
            for item in todo:
                item.fail(reasons.DIM_SYMBOL_ERROR, f"cannot load dim_symbol ({describe(exc)})")
            _record(todo, stores.manifest, dry_run)
            return
        for item in todo:
            parsed = parses.pop(id(item)).result()  # popped: a done future keeps its rows alive
            if isinstance(parsed, FileFailure):
                item.fail_parse(parsed)
            else:  # no rows at all (a quiet day, a header-only file) is a success
                item.parsed = parsed
    _convert(todo)

    for table, group in _by_table([f for f in todo if f.open]).items():
        spec = get_table_spec(table)
        group.sort(key=lambda f: f.key)  # (file_id, file_seq) order lets the writer skip dedupe
        if stream:
            _write_stream(group[0], spec, dim, stores)
        else:
            blocks = _prepare_eagerly(group, spec, dim)
            _write(group, blocks, spec, stores, dry_run=dry_run)
    _record(todo, stores.manifest, dry_run)


def _relate(todo: list[_File], manifest: ManifestPort) -> None:
    """Each file's superseded identities and twins (other files of the batch left out)."""
    ours = {item.key for item in todo}
    for item, found in zip(todo, manifest.related([f.meta for f in todo]), strict=True):
        item.earlier = [(i, m) for i, m in found.earlier if i not in ours]
        item.twins = [(i, p) for i, p in found.twins if i not in ours]


def _manifest_unavailable(items: list[_File], exc: Exception) -> None:
    for item in items:
        item.file_id = None
        item.fail(
            reasons.MANIFEST_ERROR, f"manifest unavailable ({describe(exc)})", rows_seen=False
        )


# -- parsing -------------------------------------------------------------------------------


def _parse(
    parser_for: ParserFor, meta: BronzeFileMetadata, stream: bool
) -> Parsed | PendingText | FileFailure:
    """Run the file's parser (in a pool thread): its frames, materialised unless streamed; a
    parser with a text stage (``read_text``) only reads the text (see :func:`_convert`)."""
    try:
        parser = parser_for(meta)
        # ask the parser to keep each rejected row's original text (clean rows pay nothing)
        meta = dataclasses.replace(meta, extra={**(meta.extra or {}), KEEP_ORIGINAL_TEXT: "true"})
        read = None if stream else text_stage(parser)
        if read is not None:
            parsed = read(meta)  # a PendingText, or the rows when the stage converted them
            if isinstance(parsed, PendingText):
                if parsed.text.height < STACK_TEXT_ROWS:
                    return parsed  # converted with the other small texts of the batch
                parsed = parsed.convert()  # a big file gains nothing from stacking: here
        else:
            parsed = parser(meta)
        if parsed is None:
            raise TypeError("the parser returned None, expected a polars DataFrame or frames")
        if stream:
            return parsed
        return [chunk for chunk in _chunks(parsed) if chunk.height]
    except Exception as exc:
        return FileFailure.of(exc)


def _chunks(parsed: Parsed) -> Iterator[pl.DataFrame]:
    if isinstance(parsed, pl.DataFrame):
        # hand the frame over without keeping a reference here: the whole parsed file must
        # be freeable while its valid rows are being written
        holder = [parsed]
        del parsed
        yield holder.pop()
        return
    for chunk in parsed:
        if not isinstance(chunk, pl.DataFrame):
            raise TypeError(f"parser yielded {type(chunk).__name__}, expected a polars DataFrame")
        yield chunk


def _convert(items: list[_File]) -> None:
    """Convert the files read as text (:class:`PendingText`) to their rows, many small files
    in one pass (a conversion's fixed cost is a query of milliseconds), in stacks of about
    ``STACK_ROWS`` rows; a file whose conversion fails fails alone."""
    texts = [item for item in items if item.open and isinstance(item.parsed, PendingText)]
    for stack in _batched(texts, lambda item: item.parsed.text.height):  # type: ignore[union-attr]
        _convert_stack(stack)


def _convert_stack(items: list[_File]) -> None:
    texts = [item.parsed for item in items]
    for item in items:
        item.parsed = None
    for item, converted in zip(items, convert_texts(texts), strict=True):  # type: ignore[arg-type]
        if isinstance(converted, Exception):
            item.fail_parse(FileFailure.of(converted))
        else:
            item.parsed = [converted] if converted.height else []


def _taken_in(item: _File, spec: TableSpec) -> Iterator[pl.DataFrame]:
    """The file's non-empty frames, columns checked, lineage set (file_seq from 1)."""
    seq = 1
    parsed, item.parsed = item.parsed, None
    for chunk in _chunks(parsed) if parsed is not None else ():
        if chunk.height == 0:
            continue
        frame = steps.intake(
            chunk,
            spec,
            file_id=item.key,
            seq_start=seq,
            source=item.source,
            file_date=item.meta.date,
        )
        seq += chunk.height
        yield frame


def _stacks(
    sources: Iterable[tuple[_File, Iterator[pl.DataFrame]]],
) -> Iterator[list[tuple[_File, pl.DataFrame]]]:
    """Frames of the files, in order, gathered into stacks of about ``STACK_ROWS`` rows."""
    pairs = ((item, frame) for item, frames in sources for frame in frames)
    return _batched(pairs, lambda pair: pair[1].height)


def _batched(items: Iterable[T], rows: Callable[[T], int]) -> Iterator[list[T]]:
    """``items`` in order (consumed lazily), gathered into lists of about ``STACK_ROWS`` rows."""
    batch: list[T] = []
    total = 0
    for item in items:
        batch.append(item)
        total += rows(item)
        if total >= STACK_ROWS:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


@dataclass
class _Block:
    """The valid rows of one prepared stack and the files they belong to (in order)."""

    owners: list[_File]
    valid: pl.DataFrame

    def rows_to_write(self) -> pl.DataFrame | None:
        """The rows of the owners still open (a file may fail after its rows were
        prepared); None when no row is left."""
        keys = [item.key for item in self.owners if item.open]
        if len(keys) < len(self.owners):
            if not keys:
                return None
            return self.valid.filter(pl.col("file_id").is_in(keys))
        return self.valid if self.valid.height else None


def _prepare_stack(
    stack: list[tuple[_File, pl.DataFrame]], spec: TableSpec, dim: pl.DataFrame
) -> _Block:
    """The row steps once for the stack; each file's counts and rejected rows go to its
    tally. The valid rows stay one frame: split per file they would cost the writer a
    validation per file."""
    frames = [frame for _, frame in stack]
    stacked = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
    del frames
    valid, rejected = steps.prepare_rows(stacked, spec, dim)
    del stacked
    owners = list({id(item): item for item, _ in stack}.values())
    _tally(owners, valid, rejected)
    return _Block(owners, valid)


def _tally(owners: list[_File], valid: pl.DataFrame, rejected: pl.DataFrame) -> None:
    """Add each owner's rows of a prepared stack to its tally (one query for the stack)."""
    if len(owners) == 1:
        owners[0].tally.add(valid, rejected)
        return
    counts = {
        file_id: (rows, low, high)
        for file_id, rows, low, high in valid.group_by("file_id")
        .agg(
            pl.len().alias("rows"),
            pl.col("trading_date").min().alias("low"),
            pl.col("trading_date").max().alias("high"),
        )
        .iter_rows()
    }
    rejected_by = (
        rejected.partition_by("file_id", as_dict=True, maintain_order=True)
        if rejected.height
        else {}
    )
    for item in owners:
        rows, low, high = counts.get(item.key, (0, None, None))
        item.tally.count(rows, low, high)
        item.tally.rows_written += rows
        own = rejected_by.get((item.key,))
        if own is not None:
            item.tally.add(valid.clear(), own)


def _prepare_eagerly(group: list[_File], spec: TableSpec, dim: pl.DataFrame) -> list[_Block]:
    """The group's valid rows, by stack; rejected rows and counts into each file's tally.
    A file whose rows cannot be prepared fails alone."""
    failures: dict[int, FileFailure] = {}
    taken: list[tuple[_File, Iterator[pl.DataFrame]]] = []
    blocks: list[_Block] = []
    for item in group:
        try:
            taken.append((item, iter(list(_taken_in(item, spec)))))
        except Exception as exc:
            item.fail_parse(FileFailure.of(exc))
    for stack in _stacks(taken):
        try:
            blocks.append(_prepare_stack(stack, spec, dim))
        except Exception as exc:
            if len({id(item) for item, _ in stack}) == 1:
                failures.setdefault(id(stack[0][0]), FileFailure.of(exc))
                continue
            for item in {id(i): i for i, _ in stack}.values():
                try:
                    own = [(i, frame) for i, frame in stack if i is item]
                    blocks.append(_prepare_stack(own, spec, dim))
                except Exception as own_exc:
                    failures.setdefault(id(item), FileFailure.of(own_exc))
    for item in group:
        if id(item) in failures:
            item.fail_parse(failures[id(item)])
    return blocks


# -- writing -------------------------------------------------------------------------------


def _write(
    group: list[_File], blocks: list[_Block], spec: TableSpec, stores: Stores, *, dry_run: bool
) -> None:
    """One replacement of the group's event rows (``blocks``), then one of their log rows."""
    ready = [f for f in group if f.open]
    if dry_run:
        for item in ready:
            item.finish()
        return
    if stores.log is None:
        for item in [f for f in ready if f.tally.rejected]:
            rejected = item.tally.rejected_rows()
            item.fail(
                reasons.QUARANTINE_UNAVAILABLE,
                f"{item.tally.rows_quarantined} row(s) were rejected "
                f"({combined_reason(rejected)}) but no quarantine store was given; "  # type: ignore[arg-type]
                "nothing was written",
            )
        ready = [f for f in ready if f.open]
    if not ready:
        return
    frames = [rows for block in blocks if (rows := block.rows_to_write()) is not None]
    blocks.clear()  # the frames list holds them until written
    try:
        stores.events.replace(spec.name, [i for f in ready for i in f.replaced_ids], frames)
    except Exception as exc:
        _take_back(ready, spec, stores, exc, reason=reasons.WRITE_ERROR, what=spec.name)
        return
    del frames
    _write_log(ready, spec, stores)


def _write_stream(item: _File, spec: TableSpec, dim: pl.DataFrame, stores: Stores) -> None:
    """A lone file: chunks prepared one stack at a time inside the one replacement."""
    failure: list[FileFailure] = []

    def valid_rows() -> Iterator[pl.DataFrame]:
        try:
            for stack in _stacks([(item, _taken_in(item, spec))]):
                yield _prepare_stack(stack, spec, dim).valid
        except Exception as exc:
            failure.append(FileFailure.of(exc))
            raise failure[-1] from exc

    try:
        stores.events.replace(spec.name, item.replaced_ids, valid_rows())
    except Exception as exc:
        if failure:
            item.fail_parse(failure[-1])
            return
        _take_back([item], spec, stores, exc, reason=reasons.WRITE_ERROR, what=spec.name)
        return
    _write_log([item], spec, stores)


def _write_log(items: list[_File], spec: TableSpec, stores: Stores) -> None:
    """Replace the files' validation_log rows with their rejected rows, then finish them."""
    if stores.log is not None:
        rejected = [frame for item in items for frame in item.tally.rejected]
        try:
            stores.log.replace(spec.name, [i for f in items for i in f.replaced_ids], rejected)
        except Exception as exc:
            _take_back(
                items, spec, stores, exc, reason=reasons.QUARANTINE_ERROR, what="validation_log"
            )
            return
    for item in items:
        item.finish()


def _take_back(
    items: list[_File], spec: TableSpec, stores: Stores, exc: Exception, *, reason: str, what: str
) -> None:
    """A write failed after (perhaps after) committing: remove this attempt's event and log
    rows of files that had no earlier success, then fail them; if that fails too, leave them
    pending (hidden from readers, healed by a rerun).

    Whether a failed write landed cannot be told, so the rows of the identities a file was
    superseding are removed too (they may be gone already) and those identities are recorded
    superseded: either way the manifest and the rows agree, and a rerun writes the file.
    """
    detail = f"writing {what} failed ({describe(exc)})"
    if isinstance(exc, TableSchemaMismatchError):
        reason = reasons.TABLE_SCHEMA_MISMATCH
    # an event table that cannot even be read was not written to: nothing to take back
    unwritten = isinstance(exc, TableCorruptError) and what == spec.name
    fresh = [] if unwritten else [f for f in items if not f.was_success]
    if fresh and stores.events.replaces:

        def remove(ids: list[int]) -> None:
            stores.events.replace(spec.name, ids, [])
            if stores.log is not None and stores.log.replaces:
                stores.log.replace(spec.name, ids, [])

        earlier = [file_id for f in fresh for file_id, _ in f.earlier]
        try:
            with attempts.taking_back():  # only rows this attempt committed
                remove([f.key for f in fresh])
            if earlier:  # the superseded identities' rows go whoever wrote them
                remove(earlier)
            for item in fresh:
                item.earlier_removed = bool(item.earlier)
        except Exception as undo:
            for item in fresh:
                item.record = False
                item.fail(
                    reason,
                    f"{detail}; the rows written could not be taken back ({describe(undo)}), "
                    "so the file stays pending and a rerun replaces them",
                )
    for item in items:
        if item.open:
            item.fail(reason, detail)


def _record(items: list[_File], manifest: ManifestPort, dry_run: bool) -> None:
    """One status write for the batch; if it fails every file reports ``manifest_error``.

    A forced file that had succeeded and failed now is not recorded: its earlier rows and
    ``success`` row stay whole, and the result reports this attempt's failure.
    """
    if dry_run:
        return
    recorded = [
        f
        for f in items
        if f.record
        and f.result is not None
        and f.file_id is not None
        and not (f.was_success and f.result.status == INGEST_STATUS_FAILED)
    ]
    updates: list[Any] = [(f.key, f.result.status, f.meta, f.result) for f in recorded]  # type: ignore[union-attr]
    updates += [
        update
        for f in recorded
        if f.result is not None and (f.result.status != INGEST_STATUS_FAILED or f.earlier_removed)
        for update in f.superseded()
    ]
    try:
        manifest.record(updates)
    except Exception as exc:
        for item in recorded:
            status = item.result.status  # type: ignore[union-attr]
            item.fail(  # the tally is what the result was made of: counts and dates stay
                reasons.MANIFEST_ERROR,
                f"could not confirm that status {status!r} was recorded ({describe(exc)}); if it "
                "was not, the file stays pending and a rerun completes it",
            )


def _by_table(items: list[_File]) -> dict[str, list[_File]]:
    groups: dict[str, list[_File]] = {}
    for item in items:
        groups.setdefault(item.table, []).append(item)
    return groups
