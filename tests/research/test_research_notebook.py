"""examples/research.ipynb runs top to bottom and shows what it says it shows."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from tests.test_notebook import CELL_TIMEOUT_S, _text, _ThisInterpreter

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "research.ipynb"
TRADES_PER_SYMBOL, QUOTES, MINUTES = 8_640, 17_280, 1_440


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, tuple[str, str]], Path]:
    """The notebook run once in a fresh kernel: ``{cell id: _text(cell)}`` and its workdir."""
    workdir = tmp_path_factory.mktemp("research-notebook")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    km = AsyncKernelManager(
        kernel_name="python3",
        kernel_spec_manager=_ThisInterpreter(),
        connection_file=str(workdir / "kernel.json"),
    )
    client = NotebookClient(
        nb, km=km, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(workdir)}}
    )
    env = {
        **os.environ,
        "POINTLINE_RESEARCH_DIR": str(workdir),
        "IPYTHONDIR": str(workdir / "ipython"),
    }
    client.execute(env=env)
    outputs = {cell["id"]: _text(cell) for cell in nb.cells if cell["cell_type"] == "code"}
    return outputs, workdir


def test_committed_notebook_has_no_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell["cell_type"] == "code"]
    assert [(c["outputs"], c["execution_count"]) for c in code] == [([], None)] * len(code)
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_the_lake_is_built_and_discovered(executed) -> None:
    outputs, _ = executed
    rows = 2 * TRADES_PER_SYMBOL + QUOTES + QUOTES
    assert outputs["build"][0] == f"4 files: success\nrows written: {rows}\n"
    printed, shown = outputs["discover"]
    assert "BTCUSDT" in printed and "BTC-USDT-PERP" in printed and "ETHUSDT" not in printed
    assert "orderbook_updates" in shown and str(QUOTES) in shown and "8640" in shown


def test_load_returns_the_day(executed) -> None:
    outputs, _ = executed
    printed, shown = outputs["load"]
    assert printed == f"{TRADES_PER_SYMBOL} trades, {QUOTES} quotes\n"
    assert "decimal[38,9]" in shown


def test_clock_spine_and_strict_alignment(executed) -> None:
    outputs, _ = executed
    printed, _ = outputs["spine"]
    # Quotes arrive 0.1-5 ms after their exchange time, one every 5 s: the first 1-minute
    # boundary already has one; every aligned quote arrived before its bar closed.
    assert (
        printed
        == f"{MINUTES} bars; 0 without a quote yet; every aligned quote before its close: True\n"
    )


def test_plot_and_book(executed) -> None:
    outputs, workdir = executed
    match = re.fullmatch(
        r"(\d+) book rows, (\d+) crossed; saved spread_depth.png\n", outputs["plot"][0]
    )
    assert match is not None, outputs["plot"]
    assert int(match[1]) == MINUTES
    png = (workdir / "spread_depth.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_volume_bar_vwap(executed) -> None:
    outputs, _ = executed
    match = re.fullmatch(
        r"(\d+) bars of 500 BTC; first VWAP (\d+\.\d\d) USDT over (\d+) trades\n",
        outputs["vwap"][0],
    )
    assert match is not None, outputs["vwap"]
    # Generated trades: 0.001-5 BTC each (mean 2.5), prices 36,000-38,000 USDT.
    assert 30 <= int(match[1]) <= 60
    assert 36_000 <= float(match[2]) <= 38_000
    assert 100 <= int(match[3]) <= 400
