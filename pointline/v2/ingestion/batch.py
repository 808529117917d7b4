"""``ingest_files``: many Bronze files with a handful of commits, same results as one by one.

A day of Quant360 data is ~14,000 small files; one commit per file per table is what makes a
one-file-at-a-time design slow. Here a batch costs, whatever its size:

* one ``filter_pending`` and one ``resolve_file_ids`` (one manifest commit for new ids);
* parsing and the row steps of every file, on a small thread pool (Polars releases the GIL);
* one ``replace_files`` commit per target table holding every file's valid rows;
* one ``replace_files`` commit to ``validation_log``;
* one ``update_statuses`` commit.

Exactly once holds as for :func:`~pointline.v2.ingestion.pipeline.ingest_file`: each write
*replaces* the rows of the batch's file ids, so a batch killed at any point and rerun leaves one
copy of every file's rows; until the status commit the files are ``pending`` (hidden from
``Lake.scan``). Each file still gets its own result: a parse failure fails that file only; a
failed table write fails the files of that table only.

Stores without the batch methods (see ``BatchManifestStore``, ``BatchEventStore``,
``BatchQuarantineStore``) and dry runs fall back to calling ``ingest_file`` per file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import cast

import polars as pl

from pointline.errors import TableCorruptError
from pointline.schemas.registry import get_table_spec
from pointline.schemas.types import INGEST_STATUS_FAILED, INGEST_STATUS_SUCCESS
from pointline.v2.ingestion import reasons, steps
from pointline.v2.ingestion.manifest import build_manifest_identity
from pointline.v2.ingestion.models import BronzeFileMetadata, IngestionResult
from pointline.v2.ingestion.pipeline import (
    Parsed,
    Writer,
    _chunks,
    _describe,
    _first_rows,
    _load_dim,
    _outcome,
    _parse_failure,
    _ParseFailure,
    _Run,
    _Tally,
    combined_reason,
    ingest_file,
)
from pointline.v2.ingestion.routing import route_table
from pointline.v2.storage.contracts import (
    BatchEventStore,
    BatchManifestStore,
    BatchQuarantineStore,
    DimensionStore,
    ManifestStore,
    QuarantineStore,
)

ParserFor = Callable[[BronzeFileMetadata], Callable[[BronzeFileMetadata], Parsed]]


@dataclass
class _File:
    """One file of the batch and what happened to it so far."""

    run: _Run
    table: str
    was_success: bool
    tally: _Tally = field(default_factory=_Tally)
    parsed: list[pl.DataFrame] = field(default_factory=list)
    valid: list[pl.DataFrame] = field(default_factory=list)
    failure: _ParseFailure | None = None
    result: IngestionResult | None = None
    record: bool = True  # False: leave the file pending (its rows could not be taken back)

    @property
    def file_id(self) -> int:
        if self.run.file_id is None:
            raise RuntimeError("file id not resolved")
        return self.run.file_id

    def fail(self, reason: str, message: str) -> None:
        self.result = self.run.result(
            INGEST_STATUS_FAILED, self.tally, failure_reason=reason, error_message=message
        )


def _parse(item: _File, parser: Callable[[BronzeFileMetadata], Parsed]) -> None:
    """Parse one file into ``item.parsed`` (lineage set, columns checked) or a failure."""
    meta = item.run.meta
    spec = get_table_spec(item.table)
    try:
        chunks = _first_rows(_chunks(parser(meta)))
        if chunks is None:
            item.failure = _ParseFailure(reasons.EMPTY_PARSE, "the parser returned no rows")
            return
        seq = 1
        for chunk in chunks:
            if chunk.height == 0:
                continue
            steps.check_parsed_columns(chunk, spec, source=meta.bronze_file_path)
            chunk = steps.assign_lineage(chunk, file_id=item.file_id, seq_start=seq)
            seq += chunk.height
            item.parsed.append(steps.ensure_reject_columns(chunk))
    except Exception as exc:
        item.failure = _parse_failure(exc)
        item.parsed = []


def _prepare_table(items: list[_File], dim: pl.DataFrame) -> None:
    """The row steps once for the stacked rows of every file of one table (a per-file query
    costs milliseconds of fixed overhead; thousands of small files pay it once), then each
    file's valid rows, rejected rows and counts."""
    spec = get_table_spec(items[0].table)
    items.sort(key=lambda i: i.file_id)  # (file_id, file_seq) order lets the writer skip dedupe
    stacked = pl.concat([f for i in items for f in i.parsed], how="diagonal_relaxed")
    for item in items:
        item.parsed = []
    stacked = steps.add_missing_nullable(stacked, spec)
    stacked = steps.derive_trading_date(stacked)
    stacked = steps.apply_row_rules(stacked, spec)
    stacked = steps.resolve_symbols(stacked, dim)
    valid, rejected = steps.split_rows(stacked, spec)
    del stacked
    counts = _per_file_counts(valid, rejected)
    valid_by_id = valid.partition_by("file_id", as_dict=True, maintain_order=True)
    rejected_by_id = (
        rejected.partition_by("file_id", as_dict=True, maintain_order=True)
        if rejected.height
        else {}
    )
    for item in items:
        key = (item.file_id,)
        n_valid, n_rejected, low, high = counts.get(item.file_id, (0, 0, None, None))
        item.tally.row_count = n_valid + n_rejected
        item.tally.rows_written = n_valid
        item.tally.date_min, item.tally.date_max = low, high
        item.valid = [valid_by_id[key]] if key in valid_by_id else []
        item.tally.rejected = [rejected_by_id[key]] if key in rejected_by_id else []


def _per_file_counts(valid: pl.DataFrame, rejected: pl.DataFrame) -> dict[int, tuple]:
    both = pl.concat(
        [
            valid.select("file_id", "trading_date", pl.lit(True).alias("ok")),
            rejected.select("file_id", "trading_date", pl.lit(False).alias("ok")),
        ]
    )
    counts = both.group_by("file_id").agg(
        pl.col("ok").sum().alias("valid"),
        (~pl.col("ok")).sum().alias("rejected"),
        pl.col("trading_date").min().alias("low"),
        pl.col("trading_date").max().alias("high"),
    )
    return {row[0]: tuple(row[1:]) for row in counts.iter_rows()}


def _by_table(items: list[_File]) -> dict[str, list[_File]]:
    groups: dict[str, list[_File]] = {}
    for item in items:
        groups.setdefault(item.table, []).append(item)
    return groups


def ingest_files(
    metas: Sequence[BronzeFileMetadata],
    *,
    parser_for: ParserFor,
    manifest_repo: ManifestStore,
    writer: Writer,
    dim_symbol_df: pl.DataFrame | None = None,
    dimension_store: DimensionStore | None = None,
    quarantine_store: QuarantineStore | None = None,
    force: bool = False,
    dry_run: bool = False,
    workers: int = 2,
) -> list[IngestionResult]:
    """Ingest many files; one result per meta, in order, as ``ingest_file`` would give.

    Args:
        metas: the files (an identity given twice is ingested once; both get its result).
        parser_for: returns the parser of a file.
        workers: threads parsing files at once.
        The rest: as :func:`~pointline.v2.ingestion.pipeline.ingest_file`.

    Raises:
        ValueError: a data type is not supported (before anything is written).
    """
    tables = [route_table(meta.data_type) for meta in metas]
    batched = (
        isinstance(manifest_repo, BatchManifestStore)
        and isinstance(writer, BatchEventStore)
        and isinstance(quarantine_store, BatchQuarantineStore)
    )
    if dry_run or not batched:
        return [
            ingest_file(
                meta,
                parser=parser_for(meta),
                manifest_repo=manifest_repo,
                writer=writer,
                dim_symbol_df=dim_symbol_df,
                dimension_store=dimension_store,
                quarantine_store=quarantine_store,
                force=force,
                dry_run=dry_run,
            )
            for meta in metas
        ]

    first_of: dict[tuple[str, str, str, str], int] = {}
    for index, meta in enumerate(metas):
        first_of.setdefault(build_manifest_identity(meta), index)
    unique = sorted(set(first_of.values()))
    items = {
        i: _File(
            run=_Run(meta=metas[i], manifest=manifest_repo, dry_run=False),
            table=tables[i],
            was_success=False,
        )
        for i in unique
    }
    _run_batch(
        items,
        parser_for=parser_for,
        manifest=cast(BatchManifestStore, manifest_repo),
        writer=cast(BatchEventStore, writer),
        quarantine=cast(BatchQuarantineStore, quarantine_store),
        dim_symbol_df=dim_symbol_df,
        dimension_store=dimension_store,
        force=force,
        workers=workers,
    )
    results = []
    for meta in metas:
        result = items[first_of[build_manifest_identity(meta)]].result
        if result is None:
            raise RuntimeError(f"{meta.bronze_file_path}: no result was produced")
        results.append(result)
    return results


def _run_batch(
    items: dict[int, _File],
    *,
    parser_for: ParserFor,
    manifest: BatchManifestStore,
    writer: BatchEventStore,
    quarantine: BatchQuarantineStore,
    dim_symbol_df: pl.DataFrame | None,
    dimension_store: DimensionStore | None,
    force: bool,
    workers: int,
) -> None:
    every = list(items.values())
    try:
        pending = {
            build_manifest_identity(m) for m in manifest.filter_pending([i.run.meta for i in every])
        }
        for item in every:
            item.was_success = build_manifest_identity(item.run.meta) not in pending
        todo = [i for i in every if force or not i.was_success]
        chosen = {id(i) for i in todo}
        skipped = [i for i in every if id(i) not in chosen]
        for item, file_id in zip(
            every, manifest.resolve_file_ids([i.run.meta for i in every]), strict=True
        ):
            item.run.file_id = file_id
    except Exception as exc:
        for item in every:
            item.result = item.run.result(
                INGEST_STATUS_FAILED,
                failure_reason=reasons.MANIFEST_ERROR,
                error_message=f"{item.run.meta.bronze_file_path}: manifest unavailable "
                f"({_describe(exc)})",
            )
        return
    for item in skipped:
        item.result = item.run.result(INGEST_STATUS_SUCCESS, skipped=True)
    if not todo:
        return

    try:
        dim = _load_dim(dim_symbol_df, dimension_store)
    except Exception as exc:
        for item in todo:
            item.fail(reasons.DIM_SYMBOL_ERROR, f"cannot load dim_symbol ({_describe(exc)})")
        _record(todo, manifest)
        return

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(lambda it: _parse(it, parser_for(it.run.meta)), todo))
    for item in todo:
        if item.failure is not None:
            source = item.run.meta.bronze_file_path
            item.fail(item.failure.reason, f"{source}: {item.failure.message}")

    parsed = [i for i in todo if i.failure is None]
    for table, group in _by_table(parsed).items():
        try:
            _prepare_table(group, dim)
        except Exception as exc:  # a bug or resource error: the table's files fail, not all
            for item in group:
                item.failure = _parse_failure(exc)
                item.fail(
                    item.failure.reason, f"preparing {table} rows failed: {item.failure.message}"
                )
    parsed = [i for i in parsed if i.failure is None]
    written: list[_File] = []
    for table, group in _by_table(parsed).items():
        frames = [frame for item in group for frame in item.valid]
        try:
            writer.replace_files(table, [i.file_id for i in group], frames)
        except Exception as exc:
            message = f"writing {table} failed ({_describe(exc)})"
            if isinstance(exc, TableCorruptError):  # unreadable: nothing was written to it
                for item in group:
                    item.fail(reasons.WRITE_ERROR, message)
            else:
                _take_back(group, writer, quarantine, reason=reasons.WRITE_ERROR, message=message)
            continue
        written += group
    for item in written:
        item.valid = []  # free the rows: they are in the table now

    if written:
        rejected = [
            (
                i.file_id,
                i.table,
                pl.concat(i.tally.rejected, how="diagonal_relaxed"),
                combined_reason(pl.concat(i.tally.rejected, how="diagonal_relaxed")) or "rejected",
            )
            for i in written
            if i.tally.rejected
        ]
        try:
            quarantine.replace_files([i.file_id for i in written], rejected)
        except Exception as exc:
            message = f"writing validation_log failed ({_describe(exc)})"
            _take_back(
                written, writer, quarantine, reason=reasons.QUARANTINE_ERROR, message=message
            )
            written = []
    for item in written:
        item.result = _outcome(item.run, item.tally)
    _record(todo, manifest)


def _take_back(
    items: list[_File],
    writer: BatchEventStore,
    quarantine: BatchQuarantineStore,
    *,
    reason: str,
    message: str,
) -> None:
    """A write failed after (or perhaps after) committing: remove this attempt's event and
    validation_log rows of files that had no earlier success, then mark them failed; if that
    fails too, leave them pending (hidden from readers, healed by a rerun)."""
    for table, group in _by_table(items).items():
        fresh = [i for i in group if not i.was_success]
        try:
            if fresh:
                ids = [i.file_id for i in fresh]
                writer.replace_files(table, ids, [])
                quarantine.replace_files(ids, [])
        except Exception as exc:
            for item in fresh:
                item.record = False
                item.fail(
                    reason,
                    f"{message}; the rows written could not be taken back ({_describe(exc)}), "
                    "so the file stays pending and a rerun replaces them",
                )
        for item in group:
            if item.record:
                item.fail(reason, message)


def _record(items: list[_File], manifest: BatchManifestStore) -> None:
    """One status commit for the batch; if it fails every file reports ``manifest_error``."""
    recorded = [i for i in items if i.record and i.result is not None]
    try:
        manifest.update_statuses(
            [(i.file_id, i.result.status, i.run.meta, i.result) for i in recorded if i.result]
        )
    except Exception as exc:
        for item in recorded:
            if item.result is not None:
                item.result = item.run.unrecorded(item.result, exc)
