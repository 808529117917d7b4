"""``ingest_file`` and ``ingest_files``: Bronze files into their Silver tables, exactly once.

Both are the one pipeline of :mod:`pointline.v2.ingestion.core` (a single file is a batch of
one). They depend on the storage contracts only (``pointline.v2.storage.contracts``): the
stores are injected, and wrapped once here into the pipeline's verbs
(:mod:`pointline.v2.ingestion.sinks`).

Data problems and storage failures come back as a ``failed``/``quarantined`` result with a
stable ``failure_reason`` (see :mod:`pointline.v2.reasons`); the functions raise only
for a bad call (an unknown data type, a writer that is neither a store nor a callable).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.v2.ingestion.core import Parsed, ParserFor, Stores, run_batch
from pointline.v2.ingestion.sinks import Writer, event_sink, log_sink, manifest_port
from pointline.v2.models import BronzeFileMetadata, IngestionResult
from pointline.v2.storage.contracts import DimensionStore, ManifestStore, QuarantineStore

__all__ = ["Parsed", "Writer", "ingest_file", "ingest_files"]


def _dim_loader(
    dim_symbol_df: pl.DataFrame | None, dimension_store: DimensionStore | None
) -> Callable[[], pl.DataFrame]:
    if dim_symbol_df is not None:
        return lambda: dim_symbol_df
    if dimension_store is not None:
        return dimension_store.load_dim_symbol
    return lambda: pl.DataFrame(schema=DIM_SYMBOL.to_polars())


def _stores(
    manifest_repo: ManifestStore,
    writer: Writer,
    quarantine_store: QuarantineStore | None,
    dim_symbol_df: pl.DataFrame | None,
    dimension_store: DimensionStore | None,
) -> Stores:
    return Stores(
        manifest=manifest_port(manifest_repo),
        events=event_sink(writer),
        log=log_sink(quarantine_store),
        load_dim=_dim_loader(dim_symbol_df, dimension_store),
    )


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
    """Ingest one Bronze file into its canonical table (a batch of one).

    Args:
        meta: the Bronze file; its identity is (vendor, data_type, bronze_file_path, sha256).
        parser: reads the file into rows of the target table (one frame or an iterator of
            frames, which is streamed); see :mod:`pointline.v2.vendors.base` for the contract.
        manifest_repo: the manifest store.
        writer: an event store (exactly once when it can replace a file's rows) or a plain
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
    stores = _stores(manifest_repo, writer, quarantine_store, dim_symbol_df, dimension_store)
    (result,) = run_batch(
        [meta], parser_for=lambda _: parser, stores=stores, force=force, dry_run=dry_run
    )
    return result


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
    """Ingest many files as one batch; one result per meta, in order, equal to what
    :func:`ingest_file` gives for each.

    A batch costs one manifest lookup, one id resolution, one replacement per target table,
    one ``validation_log`` replacement per table and one status write, whatever its size.

    Args:
        metas: the files (an identity given twice is ingested once; both get its result).
        parser_for: returns the parser of a file.
        workers: threads parsing files at once.
        The rest: as :func:`ingest_file`.

    Raises:
        ValueError: a data type is not supported (before anything is written).
    """
    stores = _stores(manifest_repo, writer, quarantine_store, dim_symbol_df, dimension_store)
    return run_batch(
        metas, parser_for=parser_for, stores=stores, force=force, dry_run=dry_run, workers=workers
    )
