"""Fixtures for the command-line tests: a runner, a demo lake built once, small Bronze files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pointline.cli import cli
from pointline.v2.demo import DemoSummary, data, run_demo
from pointline.v2.vendors.tardis import samples

EXCHANGE = data.EXCHANGE
DAY = data.TARDIS_DATE


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """Run ``pointline ARGS`` in-process (stdout and stderr kept apart)."""
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def stdout_json(result: Result) -> Any:
    return json.loads(result.stdout)


def tardis_file(bronze: Path, data_type: str, symbol: str, rows: int, *, seed: int = 1) -> Path:
    """A generated Tardis file at its place in the Bronze layout of ``bronze``."""
    path = data.tardis_bronze_path(bronze, data_type, symbol)
    return samples.write_sample(
        path,
        data_type,
        rows,
        seed=seed,
        exchange=EXCHANGE,
        symbols=[symbol],
        start_us=data.TARDIS_START_US,
        step_us=data.MINUTE_US,
    )


def symbols_csv(directory: Path) -> Path:
    """The demo symbol snapshot as a CSV file."""
    path = directory / "symbols.csv"
    data.symbol_snapshot().write_csv(path)
    return path


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    """The demo lake, built once for every read-only test (copy it before changing it)."""
    root = tmp_path_factory.mktemp("demo") / "lake"
    return root, run_demo(root)


@pytest.fixture
def demo_lake(demo_build: tuple[Path, DemoSummary]) -> Path:
    return demo_build[0]


@pytest.fixture
def demo_copy(demo_build: tuple[Path, DemoSummary], tmp_path: Path) -> Path:
    """A private copy of the demo lake that a test may change."""
    copy = tmp_path / "lake"
    shutil.copytree(demo_build[0], copy)
    return copy


@pytest.fixture
def seeded_lake(tmp_path: Path) -> Path:
    """A new lake whose dim_symbol holds the demo symbols (no data yet)."""
    root = tmp_path / "lake"
    result = invoke(
        "symbols", "upsert", symbols_csv(tmp_path), "--effective-ts", "2024-01-01", "--lake", root
    )
    assert result.exit_code == 0, result.output
    return root
