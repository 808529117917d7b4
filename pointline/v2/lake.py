"""``Lake``: one object that wires the Delta stores, the vendors and the pipeline for a root.

Layout: ``<root>/bronze/...`` holds vendor files, ``<root>/silver/<table>`` the Delta tables.
Nothing is created until something is written. Everything here is also reachable through the
lower-level API (the stores in :mod:`pointline.v2.storage.delta` and
:func:`pointline.v2.ingestion.pipeline.ingest_file`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from pointline.errors import PointlineError
from pointline.research.lake_reads import ResearchReads
from pointline.research.times import to_us
from pointline.schemas.registry import get_table_spec, list_table_specs
from pointline.schemas.types import INGEST_STATUS_FAILED, INGEST_STATUS_PENDING
from pointline.v2 import bronze_store, dim_symbol
from pointline.v2.bronze import (
    bronze_relative_path,
    describe_file,
    find_files,
    path_failure_reason,
)
from pointline.v2.ingestion.pipeline import Parsed, ingest_files
from pointline.v2.models import BronzeFileMetadata, IngestionResult
from pointline.v2.size_guard import DEFAULT_MAX_UNCOMPRESSED_BYTES, check_uncompressed_size
from pointline.v2.storage.delta import (
    DeltaDimensionStore,
    DeltaEventStore,
    DeltaManifestStore,
    DeltaQuarantineStore,
)
from pointline.v2.storage.delta.layout import LakeLayout
from pointline.v2.storage.delta.maintenance import (
    CompactionReport,
    VacuumReport,
    compact_table,
    vacuum_table,
)
from pointline.v2.storage.delta.scan import scan_table
from pointline.v2.storage.delta.table import Table
from pointline.v2.storage.store_path import Location, StorePath, as_location
from pointline.v2.vendors.base import WithTextStage, text_stage
from pointline.v2.vendors.registry import get_vendor, load_builtin_vendors

if TYPE_CHECKING:
    from pointline.v2.vendors.quant360.upstream.models import ImportReport

DEFAULT_CHUNK_ROWS = 250_000
# Files bigger than this (on disk) are parsed in chunks of ``chunk_rows`` rows.
DEFAULT_STREAM_THRESHOLD_BYTES = 64 * 1024 * 1024
# A batch of small files holds at most this many files / bytes on disk (its rows are in memory
# until its commits).
DEFAULT_BATCH_FILES = 1_000
DEFAULT_BATCH_BYTES = 128 * 1024 * 1024


class Lake(ResearchReads):
    """A pointline lake at ``root``.

    Args:
        root: the lake directory (created on first write), or the URL of an object-store
            prefix (``s3://``, ``gs://``, ``az://``, ``abfss://``; ``file://`` is local).
        storage_options: object-store options of deltalake/Polars for a URL root (e.g.
            ``AWS_ENDPOINT_URL``, ``AWS_REGION``); ignored for a local root.
        chunk_rows: rows per chunk when a big file is parsed in chunks.
        stream_threshold_bytes: files larger than this on disk are parsed in chunks.
        batch_files: most files per batch in :meth:`ingest`.
        batch_bytes: most bytes (on disk) per batch in :meth:`ingest`.
        workers: threads hashing and parsing files in :meth:`ingest`.
        max_uncompressed_bytes: a Bronze file that would expand past this is refused
            (``failed``, ``too_large``) before it is decompressed (a decompression bomb).
    """

    def __init__(
        self,
        root: str | Path,
        *,
        storage_options: dict[str, str] | None = None,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        stream_threshold_bytes: int = DEFAULT_STREAM_THRESHOLD_BYTES,
        batch_files: int = DEFAULT_BATCH_FILES,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        workers: int = 2,
        max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    ) -> None:
        self.root: Location = as_location(root, storage_options)
        self.layout = LakeLayout(self.root)
        self.chunk_rows = chunk_rows
        self.stream_threshold_bytes = stream_threshold_bytes
        self.batch_files = batch_files
        self.batch_bytes = batch_bytes
        self.workers = workers
        self.max_uncompressed_bytes = max_uncompressed_bytes
        load_builtin_vendors()

    def __repr__(self) -> str:
        return f"Lake({str(self.root)!r})"

    @property
    def remote(self) -> bool:
        """Whether the lake is on an object store."""
        return isinstance(self.root, StorePath)

    @property
    def storage_options(self) -> dict[str, str] | None:
        """The object-store options of a remote lake (what a worker's ``Lake`` needs too)."""
        return self.root.options if isinstance(self.root, StorePath) else None

    @property
    def bronze_root(self) -> Location:
        return self.layout.bronze_root

    @property
    def silver_root(self) -> Location:
        return self.layout.silver_root

    def _local_bronze_root(self) -> Path | None:
        """The Bronze root local paths are made relative to (None: the lake is on a store;
        its local Bronze files are named by their absolute local path, its objects below
        ``<root>/bronze`` relative to it: :func:`bronze_store.bronze_name`)."""
        root = self.layout.bronze_root
        return root if isinstance(root, Path) else None

    # -- the stores --------------------------------------------------------------------------
    @cached_property
    def manifest_store(self) -> DeltaManifestStore:
        return DeltaManifestStore(self.layout.table_path("ingest_manifest"))

    @cached_property
    def event_store(self) -> DeltaEventStore:
        return DeltaEventStore(silver_root=self.silver_root)

    @cached_property
    def dimension_store(self) -> DeltaDimensionStore:
        return DeltaDimensionStore(silver_root=self.silver_root)

    @cached_property
    def quarantine_store(self) -> DeltaQuarantineStore:
        return DeltaQuarantineStore(silver_root=self.silver_root)

    # -- symbols -----------------------------------------------------------------------------
    def upsert_symbols(
        self,
        snapshot: pl.DataFrame,
        effective_ts_us: int,
        *,
        delistings: pl.DataFrame | None = None,
    ) -> int:
        """SCD2-upsert a full symbol snapshot (per exchange) into dim_symbol.

        Returns:
            The new dim_symbol version. A concurrent upsert that committed first makes this one
            fail with a "version mismatch" ``ValueError`` instead of losing either update.
        """
        version = self.dimension_store.current_version()
        current = self.dimension_store.load_dim_symbol()
        if current.is_empty() and delistings is None:
            updated = dim_symbol.bootstrap(snapshot, effective_ts_us)
        else:
            updated = dim_symbol.upsert(current, snapshot, effective_ts_us, delistings=delistings)
        # -1: "the table must not exist yet", so two first upserts cannot both win.
        expected = -1 if version is None else version
        return self.dimension_store.save_dim_symbol(updated, expected_version=expected)

    # -- ingestion ---------------------------------------------------------------------------
    def describe(
        self, path: str | Path, *, vendor: str | None = None, data_type: str | None = None
    ) -> BronzeFileMetadata:
        """The metadata ``ingest_file`` would use for ``path`` (a local path, or a URL of the
        lake's store: see :mod:`pointline.v2.bronze_store`)."""
        if bronze_store.is_url(path):
            return bronze_store.describe_object(
                str(path), self.root, self.bronze_root, vendor=vendor, data_type=data_type
            )
        return describe_file(
            path, bronze_root=self._local_bronze_root(), vendor=vendor, data_type=data_type
        )

    def _bronze_name(self, path: str | Path) -> str:
        """The identity path (``bronze_file_path``) of a file that could not be described."""
        if bronze_store.is_url(path):
            return bronze_store.bronze_name(str(path).rstrip("/"), self.bronze_root)
        return bronze_relative_path(Path(path), self._local_bronze_root())

    def _find(self, paths_or_dirs: Iterable[str | Path]) -> list[str | Path]:
        """:func:`find_files` of local paths, :func:`bronze_store.find_objects` of URLs, in
        the order given (every URL is checked to be of the lake's store first)."""
        items = list(paths_or_dirs)
        for item in items:
            if bronze_store.is_url(item):
                bronze_store.object_url(str(item), self.root)  # ValueError before any work
        found: list[str | Path] = []
        for item in items:
            if bronze_store.is_url(item):
                found.extend(bronze_store.find_objects(str(item), self.root))
            else:
                found.extend(find_files([item], missing_ok=True))
        return found

    def _parser_for(self, meta: BronzeFileMetadata) -> Callable[[BronzeFileMetadata], Parsed]:
        vendor = get_vendor(meta.vendor)
        parse: Callable[[BronzeFileMetadata], Parsed] = vendor.parser(meta)
        if meta.file_size_bytes > self.stream_threshold_bytes:
            chunked = vendor.chunked_parser(meta)
            if chunked is not None:
                chunk_rows = self.chunk_rows

                def parse_in_chunks(m: BronzeFileMetadata) -> Parsed:
                    return chunked(m, chunk_rows)

                parse = parse_in_chunks
        limit = self.max_uncompressed_bytes

        def check(path: Path) -> None:
            check_uncompressed_size(path, limit)

        root = self.root

        def guarded(m: BronzeFileMetadata) -> Parsed:
            path = (m.extra or {}).get("path")
            if path is not None and bronze_store.is_url(str(path)):
                # an object of the lake's store: parsed from a local copy, removed after
                return bronze_store.parse_staged(m, root, parse, check=check)
            if path is not None:
                check(Path(path))
            return parse(m)

        read = text_stage(parse)
        if read is None:
            return guarded

        def read_text(m: BronzeFileMetadata) -> Any:
            """The text stage, guarded the same way (a staged object is parsed whole)."""
            path = (m.extra or {}).get("path")
            if path is not None and bronze_store.is_url(str(path)):
                return guarded(m)
            if path is not None:
                check(Path(path))
            return read(m)

        return WithTextStage(guarded, read_text)

    def ingest_file(
        self,
        path: str | Path,
        *,
        vendor: str | None = None,
        data_type: str | None = None,
        force: bool = False,
        dry_run: bool = False,
    ) -> IngestionResult:
        """Ingest one Bronze file (vendor, data type, exchange, symbol and date inferred from its
        path unless given). Rerunning a successful file is a skip (``skipped=True``).

        ``path`` is a local path or, for a lake on an object store, the URL of an object of
        that store (``s3://<the lake's bucket>/...``): it is hashed as it is listed and parsed
        from a local temporary copy (:mod:`pointline.v2.bronze_store`).

        Raises:
            FileNotFoundError: ``path`` is not a file (no object at the URL).
            LayoutError: the vendor or data type can be neither inferred nor were given.
            ValueError: ``path`` is a URL of another store (or the lake is local).
        """
        meta = self.describe(path, vendor=vendor, data_type=data_type)
        (result,) = self._ingest_batch([meta], dim=None, force=force, dry_run=dry_run)
        return result

    def ingest(
        self,
        paths_or_dirs: str | Path | Iterable[str | Path],
        *,
        force: bool = False,
        dry_run: bool = False,
        on_result: Callable[[BronzeFileMetadata, IngestionResult], None] | None = None,
        vendor: str | None = None,
        data_type: str | None = None,
        executor: Executor | None = None,
    ) -> list[IngestionResult]:
        """Ingest many files: files named directly and every recognised Bronze file below the
        directories named (walked in sorted order). One result per file, equal to what
        :meth:`ingest_file` gives for it. Paths may be URLs of the lake's store: an object,
        or a prefix listed recursively in the order of a local directory walk (a URL of
        another store raises ``ValueError`` before anything is ingested).

        Small files are ingested in batches (one commit per table, validation_log and manifest
        per batch, parsed on ``workers`` threads); files above ``stream_threshold_bytes`` one at
        a time, streamed in chunks. A path that cannot be described (misnamed, unreadable,
        missing) gets its own ``failed`` result naming it, and the others go on.

        Args:
            on_result: called with ``(meta, result)`` as each file's result is final.
            vendor, data_type: as :meth:`ingest_file`, for every file.
            executor: any ``concurrent.futures.Executor`` (None: in this process). Groups of
                files are sent to it as plain data and ingested in its workers; the results
                are the same as without one (see :meth:`_ingest_on` and docs/scale-out.md).
        """
        if isinstance(paths_or_dirs, str | Path):
            paths_or_dirs = [paths_or_dirs]
        files = self._find(paths_or_dirs)
        if not files:
            return []
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            described = list(
                pool.map(lambda p: self._describe_or_fail(p, vendor, data_type), files)
            )
        if executor is not None:
            return self._ingest_on(described, executor, force, dry_run, on_result)
        try:
            dim: pl.DataFrame | None = self.dimension_store.load_dim_symbol()
        except Exception:
            dim = None  # every batch reports dim_symbol_error when it loads it again
        results: list[IngestionResult | None] = [None] * len(described)

        def report(indexes: list[int], outcomes: Iterable[IngestionResult]) -> None:
            for i, outcome in zip(indexes, outcomes, strict=True):
                results[i] = outcome
                if on_result is not None:
                    on_result(described[i][0], outcome)

        for indexes in self._batches(described):
            if described[indexes[0]][1] is not None:
                report(indexes, [described[indexes[0]][1]])  # type: ignore[list-item]
                continue
            metas = [described[i][0] for i in indexes]
            report(indexes, self._ingest_batch(metas, dim=dim, force=force, dry_run=dry_run))
        return [r for r in results if r is not None]

    def _ingest_on(
        self,
        described: list[tuple[BronzeFileMetadata, IngestionResult | None]],
        executor: Executor,
        force: bool,
        dry_run: bool,
        on_result: Callable[[BronzeFileMetadata, IngestionResult], None] | None,
    ) -> list[IngestionResult]:
        """:meth:`ingest` on an executor (:mod:`pointline.v2.scaleout.driver`)."""
        from pointline.v2.scaleout.driver import ingest_on_executor

        return ingest_on_executor(
            self, described, executor=executor, force=force, dry_run=dry_run, on_result=on_result
        )

    def _describe_or_fail(
        self, path: str | Path, vendor: str | None, data_type: str | None
    ) -> tuple[BronzeFileMetadata, IngestionResult | None]:
        """The file's metadata, or a stand-in and the ``failed`` result naming the path."""
        try:
            return self.describe(path, vendor=vendor, data_type=data_type), None
        except (PointlineError, ValueError, OSError) as exc:
            meta = BronzeFileMetadata(
                vendor=vendor or "",
                data_type=data_type or "",
                bronze_file_path=self._bronze_name(path),
                file_size_bytes=0,
                last_modified_ts=0,
                sha256="",
                extra={"path": str(path)},
            )
            return meta, IngestionResult(
                status=INGEST_STATUS_FAILED,
                row_count=0,
                rows_written=0,
                rows_quarantined=0,
                failure_reason=path_failure_reason(exc),
                error_message=str(exc),
            )

    def _batches(
        self, described: list[tuple[BronzeFileMetadata, IngestionResult | None]]
    ) -> Iterator[list[int]]:
        """Indexes of the files, grouped: small files up to ``batch_files``/``batch_bytes``,
        a big (streamed) file or an undescribable path alone."""
        batch: list[int] = []
        size = 0
        for i, (meta, failure) in enumerate(described):
            alone = failure is not None or meta.file_size_bytes > self.stream_threshold_bytes
            full = len(batch) >= self.batch_files or size + meta.file_size_bytes > self.batch_bytes
            if batch and (alone or full):
                yield batch
                batch, size = [], 0
            if alone:
                yield [i]
                continue
            batch.append(i)
            size += meta.file_size_bytes
        if batch:
            yield batch

    def _ingest_batch(
        self,
        metas: list[BronzeFileMetadata],
        *,
        dim: pl.DataFrame | None,
        force: bool,
        dry_run: bool,
    ) -> list[IngestionResult]:
        return ingest_files(
            metas,
            parser_for=self._parser_for,
            manifest_repo=self.manifest_store,
            writer=self.event_store,
            dim_symbol_df=dim,
            dimension_store=self.dimension_store,
            quarantine_store=self.quarantine_store,
            force=force,
            dry_run=dry_run,
            workers=self.workers,
        )

    def import_quant360_archives(
        self, source_dir: str | Path, *, executor: Executor | None = None
    ) -> list[BronzeFileMetadata]:
        """Quant360 7z archives in ``source_dir`` -> per-symbol ``.csv.gz`` Bronze files under
        ``<root>/bronze/quant360/...`` (restart-safe; finished archives are skipped). On a lake
        on an object store the archives stay local and the files are uploaded to the store
        (their ``extra["path"]`` is their URL, which :meth:`ingest` takes).

        ``executor``: archives are extracted and published in parallel on it, one per task;
        the files returned are the same as without one."""
        return self.import_quant360(source_dir, executor=executor).files

    def import_quant360(
        self,
        source_dir: str | Path,
        *,
        on_published: Callable[[BronzeFileMetadata], None] | None = None,
        executor: Executor | None = None,
    ) -> ImportReport:
        """:meth:`import_quant360_archives` with the whole report: every archive's outcome
        (``archives``) besides the published files; ``on_published`` is called per file."""
        if executor is not None:
            if self.remote:
                return self._import_quant360_to_store(source_dir, executor, on_published)
            return self._import_quant360_on(source_dir, executor, on_published)
        from pointline.v2.vendors.quant360.upstream import import_archives

        bronze = self._local_bronze_root()
        if bronze is None:
            return self._import_quant360_to_store(source_dir, None, on_published)
        return import_archives(Path(source_dir), bronze, on_published=on_published)

    def _import_quant360_to_store(
        self,
        source_dir: str | Path,
        executor: Executor | None,
        on_published: Callable[[BronzeFileMetadata], None] | None,
    ) -> ImportReport:
        """:meth:`import_quant360` on a lake on a store (:mod:`pointline.v2.quant360_store`):
        the archives stay local, their files go to ``<root>/bronze/quant360/...``."""
        from pointline.v2.quant360_store import import_to_store

        return import_to_store(self, source_dir, on_published=on_published, executor=executor)

    def _import_quant360_on(
        self,
        source_dir: str | Path,
        executor: Executor,
        on_published: Callable[[BronzeFileMetadata], None] | None,
    ) -> ImportReport:
        """:meth:`import_quant360` on an executor (:mod:`pointline.v2.scaleout.archives`)."""
        from pointline.v2.scaleout.archives import import_on_executor

        return import_on_executor(self, source_dir, executor=executor, on_published=on_published)

    # -- maintenance -------------------------------------------------------------------------
    def _maintained_tables(self, table: str | None) -> list[str]:
        if table is not None:
            get_table_spec(table)  # KeyError listing the known tables
            return [table]
        return [n for n in list_table_specs() if self._has_table(n)]

    def _has_table(self, name: str) -> bool:
        where = self.layout.table_path(name)
        if isinstance(where, Path):
            return (where / "_delta_log").is_dir()
        return Table(where, get_table_spec(name)).exists()

    def compact(
        self,
        table: str | None = None,
        *,
        exchange: str | None = None,
        start: datetime.date | None = None,
        end: datetime.date | None = None,
    ) -> list[CompactionReport]:
        """Fold small files into bigger ones (every table, or one; optionally some partitions).

        Rows and versions are unchanged (a data-neutral commit); readers are unaffected.
        """
        return [
            compact_table(
                name,
                self.layout.table_path(name),
                exchange=exchange if get_table_spec(name).kind == "event" else None,
                start=start if get_table_spec(name).kind == "event" else None,
                end=end if get_table_spec(name).kind == "event" else None,
            )
            for name in self._maintained_tables(table)
        ]

    def vacuum(
        self,
        table: str | None = None,
        *,
        retention_hours: int | None = None,
        dry_run: bool = True,
        enforce_retention: bool = True,
    ) -> list[VacuumReport]:
        """List (``dry_run=True``, the default) or delete files no retained version needs.

        ``retention_hours`` defaults to the table's retention (7 days); a shorter one is refused
        unless ``enforce_retention=False``, because it would break time travel and readers
        still on an older snapshot.
        """
        return [
            vacuum_table(
                name,
                self.layout.table_path(name),
                retention_hours=retention_hours,
                dry_run=dry_run,
                enforce_retention=enforce_retention,
            )
            for name in self._maintained_tables(table)
        ]

    # -- reading -----------------------------------------------------------------------------
    def manifest(self) -> pl.DataFrame:
        """Every ingest_manifest row, by file_id."""
        return self.manifest_store.read()

    def quarantine(self, file_id: int | None = None) -> pl.DataFrame:
        """validation_log rows (of one file when ``file_id`` is given)."""
        return self.quarantine_store.read(file_id=file_id)

    def scan(
        self,
        table: str,
        *,
        exchange: str | Sequence[str] | None = None,
        symbols: str | Sequence[str] | None = None,
        start: datetime.date | int | str | None = None,
        end: datetime.date | int | str | None = None,
    ) -> pl.LazyFrame:
        """Silver rows of ``table`` in its tie-break order.

        ``exchange`` and date bounds prune (exchange, trading_date) partitions. ``start``/``end``
        given as dates (or ISO date text, ``"2024-01-02"``) bound ``trading_date`` inclusively
        on both ends; given as integer microseconds, datetimes (naive = UTC) or ISO date-time
        text they bound ``ts_event_us`` as ``start <= ts < end``. Rows of files whose ingestion
        has not completed (manifest ``pending``) are not returned.

        Raises:
            ValueError: ``table`` is not an event table (the message lists the known ones), or
                a bound is none of the accepted forms (the message lists them).
            TableCorruptError: the table is damaged (unreadable log, missing data file).
        """
        known = [name for name in list_table_specs() if get_table_spec(name).kind == "event"]
        if table not in known:
            raise ValueError(f"unknown table {table!r}; known tables: {known}")
        spec = get_table_spec(table)
        lf = scan_table(table, self.layout.table_path(table))
        if lf is None:
            return pl.LazyFrame(schema=spec.to_polars())
        lf = lf.filter(_scan_filters(exchange=exchange, symbols=symbols, start=start, end=end))
        pending = self.manifest_store.read().filter(pl.col("status") == INGEST_STATUS_PENDING)
        if pending.height:
            lf = lf.filter(~pl.col("file_id").is_in(pending.get_column("file_id").implode()))
        return lf.select(spec.columns()).sort(list(spec.tie_break_keys))


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


_US_PER_DAY = 86_400_000_000


def _scan_bound(value: datetime.date | int | str, name: str) -> datetime.date | int:
    """A scan bound as a trading date (a date, or ISO date text) or as UTC microseconds (an
    integer, a datetime, or ISO date-time text)."""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    return to_us(value, name=name)  # ValueError listing the accepted forms


def _scan_filters(
    *,
    exchange: str | Sequence[str] | None,
    symbols: str | Sequence[str] | None,
    start: datetime.date | int | str | None,
    end: datetime.date | int | str | None,
) -> pl.Expr:
    conditions: list[pl.Expr] = [pl.lit(True)]
    if exchange is not None:
        conditions.append(pl.col("exchange").is_in(_as_list(exchange)))
    if symbols is not None:
        conditions.append(pl.col("symbol").is_in(_as_list(symbols)))
    for given, is_start in ((start, True), (end, False)):
        if given is None:
            continue
        bound = _scan_bound(given, "start" if is_start else "end")
        if isinstance(bound, datetime.date):
            op = pl.col("trading_date") >= bound if is_start else pl.col("trading_date") <= bound
            conditions.append(op)
            continue
        ts = pl.col("ts_event_us")
        conditions.append(ts >= bound if is_start else ts < bound)
        # Prune partitions too: a local trading date is within a day of the UTC date.
        day = datetime.date(1970, 1, 1) + datetime.timedelta(days=bound // _US_PER_DAY)
        margin = datetime.timedelta(days=1)
        date_col = pl.col("trading_date")
        conditions.append(date_col >= day - margin if is_start else date_col <= day + margin)
    return pl.all_horizontal(conditions)
