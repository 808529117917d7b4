"""The storage contracts, once, over every implementation: the in-memory fakes and Delta.

Each store fixture is parametrised ``memory`` (``pointline.v2.testing``) and ``delta``
(``pointline.v2.storage.delta`` on a real table in ``tmp_path``), so every test here runs
against both. What only Delta has (files on disk, commits, log trimming, damage, processes)
is tested in ``tests/storage``; the fakes' failure switches in ``tests/test_testing_fakes.py``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pointline.v2.storage.delta import (
    DeltaDimensionStore,
    DeltaEventStore,
    DeltaManifestStore,
    DeltaQuarantineStore,
)
from pointline.v2.testing import (
    InMemoryDimensionStore,
    InMemoryEventStore,
    InMemoryManifestStore,
    InMemoryQuarantineStore,
)
from tests.storage.conftest import DAY

KINDS = ["memory", "delta"]


@pytest.fixture
def silver(tmp_path: Path) -> Path:
    return tmp_path / "lake" / "silver"


@pytest.fixture(params=KINDS)
def manifest(request: pytest.FixtureRequest, silver: Path):
    if request.param == "memory":
        return InMemoryManifestStore()
    return DeltaManifestStore(silver / "ingest_manifest")


@pytest.fixture(params=KINDS)
def events(request: pytest.FixtureRequest, silver: Path):
    return (
        InMemoryEventStore() if request.param == "memory" else DeltaEventStore(silver_root=silver)
    )


@pytest.fixture(params=KINDS)
def quarantine(request: pytest.FixtureRequest, silver: Path):
    if request.param == "memory":
        return InMemoryQuarantineStore()
    return DeltaQuarantineStore(silver_root=silver)


@pytest.fixture(params=KINDS)
def dimension(request: pytest.FixtureRequest, silver: Path):
    if request.param == "memory":
        return InMemoryDimensionStore()
    return DeltaDimensionStore(silver_root=silver)


def rejected(file_seqs: list[int]) -> pl.DataFrame:
    """Rejected rows as a parser hands them over: any columns, prices kept as text."""
    n = len(file_seqs)
    return pl.DataFrame(
        {
            "exchange": ["binance"] * n,
            "trading_date": [DAY] * n,
            "symbol": ["BTCUSDT"] * n,
            "ts_event_us": [1_704_153_600_000_000 + s for s in file_seqs],
            "file_seq": file_seqs,
            "price_levels": [[1, 2]] * n,
            "price": ["12345678.1234567891"] * n,
        }
    )
