"""Small Tardis files written in tmp_path, and the metadata that points a parser at them."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from pointline.v2.ingestion.models import BronzeFileMetadata
from pointline.v2.vendors.tardis import FORMATS, TARDIS

WriteFile = Callable[..., Path]
Parse = Callable[..., pl.DataFrame]


def make_meta(path: Path, data_type: str) -> BronzeFileMetadata:
    """Metadata as the Lake builds it: the file to read is in ``extra["path"]``."""
    return BronzeFileMetadata(
        vendor="tardis",
        data_type=data_type,
        bronze_file_path=f"tardis/{path.name}",
        file_size_bytes=path.stat().st_size,
        last_modified_ts=0,
        sha256="0" * 64,
        extra={"path": str(path)},
    )


def header(data_type: str) -> str:
    return ",".join(FORMATS[data_type].columns)


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """``write_file(name, content)``: bytes or text, gzip-compressed when the name ends .gz."""

    def write(name: str, content: str | bytes) -> Path:
        data = content.encode() if isinstance(content, str) else content
        if name.endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def write_rows(write_file: WriteFile) -> WriteFile:
    """``write_rows(data_type, rows)``: a .csv.gz with the documented header then ``rows``."""

    def write(data_type: str, rows: list[str], *, name: str | None = None) -> Path:
        text = "".join(f"{line}\n" for line in [header(data_type), *rows])
        return write_file(name or f"{data_type}.csv.gz", text)

    return write


@pytest.fixture
def parse(write_rows: WriteFile) -> Parse:
    """``parse(data_type, rows)``: write the rows and parse them with ``TARDIS.parser``."""

    def run(data_type: str, rows: list[str]) -> pl.DataFrame:
        meta = make_meta(write_rows(data_type, rows), data_type)
        return TARDIS.parser(meta)(meta)

    return run
