"""Builders for Quant360 tests: Bronze files in the layout and their metadata."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from pointline.v2.ingestion.models import BronzeFileMetadata
from pointline.v2.vendors.quant360 import QUANT360, samples

DATE = datetime.date(2024, 1, 2)
T0930_US = 1_704_159_000_000_000
"""2024-01-02 09:30:00.000 China Standard Time in UTC µs (the pinned conversion)."""

WriteFile = Callable[..., BronzeFileMetadata]


def meta_for(path: Path, data_type: str, **extra: str) -> BronzeFileMetadata:
    """Metadata as the Lake builds it for a Bronze file (``extra`` holds the path)."""
    return BronzeFileMetadata(
        vendor="quant360",
        data_type=data_type,
        bronze_file_path=path.as_posix(),
        file_size_bytes=path.stat().st_size,
        last_modified_ts=0,
        sha256="0" * 64,
        date=DATE,
        extra={"path": str(path), **extra},
    )


@pytest.fixture
def bronze(tmp_path: Path) -> Path:
    return tmp_path / "bronze"


@pytest.fixture
def write_file(bronze: Path) -> WriteFile:
    """Write CSV text as a gzip Bronze file in the layout and return its metadata."""

    def write(data_type: str, exchange: str, symbol: str, text: str | bytes) -> BronzeFileMetadata:
        content = text.encode() if isinstance(text, str) else text
        path = samples.write_bronze_file(
            bronze, data_type=data_type, exchange=exchange, symbol=symbol, content=content
        )
        return meta_for(path, data_type)

    return write


def parse(meta: BronzeFileMetadata) -> pl.DataFrame:
    """The whole-file parser's output."""
    return QUANT360.parser(meta)(meta)


def rejects(df: pl.DataFrame) -> list[tuple[str | None, str | None, str | None]]:
    """(reason, field, value) per row."""
    return list(df.select("_reject_reason", "_reject_field", "_reject_value").iter_rows())


def csv(*lines: str) -> str:
    """CSV text from lines."""
    return "\n".join(lines) + "\n"
