"""The public surface of ../shared/spec/api.md: names and signatures must not drift."""

import dataclasses
import importlib
import inspect

import pytest

NAMES = {
    "pointline.v2.ingestion.models": ["BronzeFileMetadata", "IngestionResult"],
    "pointline.v2.storage.contracts": [
        "ManifestStore",
        "EventStore",
        "DimensionStore",
        "QuarantineStore",
    ],
    "pointline.v2.storage.models": ["ManifestIdentity"],
    "pointline.v2.ingestion.manifest": ["build_manifest_identity"],
    "pointline.v2.storage.delta": [
        "DeltaManifestStore",
        "DeltaEventStore",
        "DeltaDimensionStore",
        "DeltaQuarantineStore",
    ],
    "pointline.v2.storage.delta.manifest_store": ["DeltaManifestStore"],
    "pointline.v2.storage.delta.event_store": ["DeltaEventStore"],
    "pointline.v2.storage.delta.dimension_store": ["DeltaDimensionStore"],
    "pointline.v2.storage.delta.quarantine_store": ["DeltaQuarantineStore"],
    "pointline.v2.ingestion.pipeline": ["ingest_file"],
    "pointline.v2.ingestion": ["ingest_file"],
    "pointline.schemas.types": [
        "ColumnSpec",
        "TableSpec",
        "PRICE_SCALE",
        "QTY_SCALE",
        "INGEST_STATUS_PENDING",
        "INGEST_STATUS_SUCCESS",
        "INGEST_STATUS_FAILED",
        "INGEST_STATUS_QUARANTINED",
        "INGEST_STATUS_VALUES",
    ],
    "pointline.schemas.registry": ["get_table_spec", "list_table_specs", "list_specs"],
    "pointline.schemas.dimensions": ["DIM_SYMBOL"],
    "pointline.schemas.control": ["INGEST_MANIFEST", "VALIDATION_LOG"],
    "pointline.v2.dim_symbol": [
        "bootstrap",
        "upsert",
        "validate",
        "assign_symbol_ids",
        "VALID_UNTIL_MAX",
    ],
    "pointline.v2": ["Lake"],
}


@pytest.mark.parametrize("module", sorted(NAMES))
def test_names_import(module):
    imported = importlib.import_module(module)
    assert [n for n in NAMES[module] if not hasattr(imported, n)] == []


def params(func):
    return [
        (p.name, p.kind.name, p.default is inspect.Parameter.empty)
        for p in inspect.signature(func).parameters.values()
    ]


def test_ingest_file_signature():
    from pointline.v2.ingestion.pipeline import ingest_file

    assert [name for name, *_ in params(ingest_file)] == [
        "meta",
        "parser",
        "manifest_repo",
        "writer",
        "dim_symbol_df",
        "dimension_store",
        "quarantine_store",
        "force",
        "dry_run",
    ]
    assert all(kind == "KEYWORD_ONLY" for _, kind, _ in params(ingest_file)[1:])


def test_lake_methods():
    from pointline.v2 import Lake

    assert [n for n, *_ in params(Lake.ingest_file)] == [
        "self",
        "path",
        "vendor",
        "data_type",
        "force",
        "dry_run",
    ]
    assert [n for n, *_ in params(Lake.ingest)][:5] == [
        "self",
        "paths_or_dirs",
        "force",
        "dry_run",
        "on_result",
    ]
    assert [n for n, *_ in params(Lake.scan)] == [
        "self",
        "table",
        "exchange",
        "symbols",
        "start",
        "end",
    ]
    assert [n for n, *_ in params(Lake.upsert_symbols)] == [
        "self",
        "snapshot",
        "effective_ts_us",
        "delistings",
    ]
    for name in ("manifest", "quarantine", "import_quant360_archives"):
        assert callable(getattr(Lake, name))


def test_models_fields():
    from pointline.v2.ingestion.models import BronzeFileMetadata, IngestionResult
    from pointline.v2.storage.models import ManifestIdentity

    assert [f.name for f in dataclasses.fields(BronzeFileMetadata)] == [
        "vendor",
        "data_type",
        "bronze_file_path",
        "file_size_bytes",
        "last_modified_ts",
        "sha256",
        "date",
        "interval",
        "extra",
    ]
    assert [f.name for f in dataclasses.fields(IngestionResult)] == [
        "status",
        "row_count",
        "rows_written",
        "rows_quarantined",
        "file_id",
        "skipped",
        "failure_reason",
        "error_message",
        "trading_date_min",
        "trading_date_max",
    ]
    assert IngestionResult.__dataclass_params__.frozen
    assert ManifestIdentity.__dataclass_params__.frozen
    assert [f.name for f in dataclasses.fields(ManifestIdentity)] == [
        "vendor",
        "data_type",
        "bronze_path",
        "file_hash",
    ]


def test_delta_constructors():
    from pointline.v2.storage.delta import (
        DeltaDimensionStore,
        DeltaEventStore,
        DeltaManifestStore,
        DeltaQuarantineStore,
    )

    assert [n for n, *_ in params(DeltaManifestStore)][:1] == ["table_path"]
    assert [(n, k) for n, k, _ in params(DeltaEventStore)] == [
        ("silver_root", "KEYWORD_ONLY"),
        ("table_paths", "KEYWORD_ONLY"),
    ]
    assert [n for n, *_ in params(DeltaDimensionStore)] == ["silver_root", "dim_symbol_path"]
    assert [n for n, *_ in params(DeltaQuarantineStore)] == [
        "silver_root",
        "validation_log_path",
    ]


def test_protocols_are_runtime_checkable():
    from pointline.v2.storage import contracts
    from pointline.v2.testing import (
        InMemoryDimensionStore,
        InMemoryEventStore,
        InMemoryManifestStore,
        InMemoryQuarantineStore,
    )

    assert isinstance(InMemoryManifestStore(), contracts.ManifestStore)
    assert isinstance(InMemoryEventStore(), contracts.EventStore)
    assert isinstance(InMemoryDimensionStore(), contracts.DimensionStore)
    assert isinstance(InMemoryQuarantineStore(), contracts.QuarantineStore)
    assert not isinstance(object(), contracts.ManifestStore)


def test_the_manifest_identity_is_the_four_fields_of_manifest_identity():
    from pointline.v2.ingestion.manifest import build_manifest_identity
    from pointline.v2.storage.models import ManifestIdentity
    from tests.storage.conftest import make_meta

    meta = make_meta(3, sha="ab" * 32, data_type="quotes")
    identity = build_manifest_identity(meta)
    assert identity == ManifestIdentity.from_meta(meta).as_tuple()
    assert identity == (meta.vendor, "quotes", meta.bronze_file_path, "ab" * 32)
