"""A damaged lake: a data file the Delta log references is deleted, the last commit is cut
short, the first commit is deleted, or every commit is. Reads and ingestion must fail loudly,
naming the table and the damage, and never return partial or empty results silently.

Damage that leaves a consistent older table (whole trailing commits deleted) cannot be told
from the table alone; it is not covered here.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline.errors import TableCorruptError
from pointline.v2 import Lake

from .lakes import (
    SYMBOLS_FROM_US,
    new_lake,
    symbol_snapshot,
    tardis_name,
    tardis_text,
    with_bad_rows,
    write_bronze,
)


def delete_data_file(table: Path) -> str:
    """Delete one data file of the current snapshot; returns its name."""
    uri = sorted(DeltaTable(str(table)).file_uris())[0]
    path = Path(uri.removeprefix("file://"))
    path.unlink()
    return path.name


def cut_last_commit(table: Path) -> str:
    commit = sorted((table / "_delta_log").glob("*.json"))[-1]
    commit.write_bytes(commit.read_bytes()[:40])
    return commit.name


def delete_first_commit(table: Path) -> str:
    commit = sorted((table / "_delta_log").glob("*.json"))[0]
    commit.unlink()
    return commit.name


def empty_the_log(table: Path) -> str:
    """Delete every commit file, keeping the ``_delta_log`` folder and the data files."""
    for commit in (table / "_delta_log").iterdir():
        commit.unlink()
    return "_delta_log"


DAMAGE: dict[str, Callable[[Path], str]] = {
    "data-file-deleted": delete_data_file,
    "last-commit-cut": cut_last_commit,
    "first-commit-deleted": delete_first_commit,
    "log-emptied": empty_the_log,
}


def damages(**xfails: str) -> list:
    """Every damage kind as a parameter; ``xfails`` maps a kind (``-`` for ``_``) to the
    reason it is a known bug for the test."""
    return [
        pytest.param(
            kind,
            marks=pytest.mark.xfail(strict=True, reason=xfails[kind.replace("-", "_")])
            if kind.replace("-", "_") in xfails
            else (),
        )
        for kind in DAMAGE
    ]


@pytest.fixture(scope="module")
def healthy(tmp_path_factory) -> Path:
    """A lake whose tables each have at least two commits: trades (two files with bad rows),
    quotes, the manifest, validation_log and dim_symbol."""
    lake = new_lake(tmp_path_factory.mktemp("healthy") / "lake")
    lake.upsert_symbols(symbol_snapshot(), SYMBOLS_FROM_US + 1)  # a second dim_symbol version
    tardis = lake.bronze_root / "tardis"
    files = [
        write_bronze(tardis / "a" / tardis_name("trades"), tardis_text("trades", 8, seed=1)),
        write_bronze(tardis / "b" / tardis_name("quotes"), tardis_text("quotes", 8, seed=3)),
    ]
    for seed in (2, 4):
        bad = with_bad_rows(tardis_text("trades", 8, seed=seed), every=4)
        files.append(write_bronze(tardis / f"bad{seed}" / tardis_name("trades"), bad))
    results = [lake.ingest([path])[0] for path in files]  # one call each: separate commits
    assert [(r.status, r.rows_quarantined) for r in results] == [
        ("success", 0),
        ("success", 0),
        ("success", 2),
        ("success", 2),
    ]
    return lake.root


@pytest.fixture
def lake(healthy, tmp_path) -> Lake:
    shutil.copytree(healthy, tmp_path / "lake")
    return Lake(tmp_path / "lake")


def new_file(lake: Lake, data_type: str = "trades", *, bad: bool = False) -> Path:
    text = tardis_text(data_type, 5, seed=9)
    text = with_bad_rows(text, every=2) if bad else text
    return write_bronze(lake.bronze_root / "tardis" / "new" / tardis_name(data_type), text)


# -- an event table ----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_scan_of_a_damaged_event_table_names_table_and_damage(lake, damage):
    what = DAMAGE[damage](lake.silver_root / "trades")
    with pytest.raises(TableCorruptError, match=r"trades") as caught:
        lake.scan("trades").collect()
    assert what in str(caught.value) or "cannot be opened" in str(caught.value)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_scan_of_a_damaged_event_table_never_returns_rows_silently(lake, damage):
    DAMAGE[damage](lake.silver_root / "trades")
    with pytest.raises(Exception):  # noqa: B017 - which type is the test above; here: it raises
        lake.scan("trades").collect()
    assert lake.scan("quotes").collect().height == 8  # the other tables still read


@pytest.mark.parametrize(
    "damage",
    damages(),
)
def test_ingest_into_a_damaged_event_table_fails(lake, damage):
    what = DAMAGE[damage](lake.silver_root / "trades")
    result = lake.ingest([new_file(lake)])[0]
    assert (result.status, result.failure_reason) == ("failed", "write_error")
    assert str(lake.silver_root / "trades") in result.error_message
    assert what in result.error_message or "cannot be opened" in result.error_message
    assert lake.manifest().filter(pl.col("status") == "failed").height == 1


def test_reingesting_a_file_whose_data_file_is_gone_fails(lake):
    table = lake.silver_root / "trades"
    uri = sorted(DeltaTable(str(table)).file_uris())[0]
    file_id = pl.read_parquet(uri.removeprefix("file://"))["file_id"].min()
    delete_data_file(table)
    path = lake.bronze_root / lake.manifest().filter(pl.col("file_id") == file_id)["bronze_path"][0]
    result = lake.ingest(path, force=True)[0]
    assert (result.status, result.failure_reason) == ("failed", "write_error")
    assert str(table) in result.error_message


# -- the manifest ------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", damages())
def test_damaged_manifest_fails_reads_and_ingestion(lake, damage):
    DAMAGE[damage](lake.silver_root / "ingest_manifest")
    with pytest.raises(TableCorruptError, match="ingest_manifest"):
        lake.manifest()
    # scan needs the manifest to hide unfinished files: it refuses rather than guess
    with pytest.raises(TableCorruptError, match="ingest_manifest"):
        lake.scan("quotes")
    result = lake.ingest([new_file(lake, "quotes")])[0]
    assert (result.status, result.failure_reason) == ("failed", "manifest_error")
    assert "ingest_manifest" in result.error_message
    assert "TableCorruptError" in result.error_message


# -- dim_symbol and validation_log -------------------------------------------------------------


@pytest.mark.parametrize("damage", damages())
def test_damaged_dim_symbol_fails_every_use(lake, damage):
    DAMAGE[damage](lake.silver_root / "dim_symbol")
    with pytest.raises(TableCorruptError, match="dim_symbol"):
        lake.symbols()
    (batched,) = lake.ingest([new_file(lake)])  # nothing raises out of Lake for bad data
    assert (batched.status, batched.failure_reason) == ("failed", "dim_symbol_error")
    single = lake.ingest_file(new_file(lake))
    assert (single.status, single.failure_reason) == ("failed", "dim_symbol_error")
    assert "dim_symbol" in single.error_message
    with pytest.raises(TableCorruptError, match="dim_symbol"):
        lake.upsert_symbols(symbol_snapshot(), 0)


@pytest.mark.parametrize(
    "damage",
    damages(),
)
def test_damaged_validation_log_fails_reads_and_quarantining(lake, damage):
    DAMAGE[damage](lake.silver_root / "validation_log")
    with pytest.raises(TableCorruptError, match="validation_log"):
        lake.quarantine()
    result = lake.ingest([new_file(lake, bad=True)])[0]
    assert (result.status, result.failure_reason) == ("failed", "quarantine_error")
    assert "validation_log" in result.error_message
    # the events of the failed attempt were taken back
    assert lake.scan("trades").filter(pl.col("file_id") == result.file_id).collect().height == 0
