"""The quickstart notebook runs top to bottom and shows what it says it shows.

The kernel is this test's own interpreter (the venv ``uv sync`` made), whatever kernel specs the
machine has installed: a fresh CI clone needs no ``ipykernel install``.
"""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from pointline.v2.vendors.tardis.samples import sample_frame

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"
CELL_TIMEOUT_S = 120


class _ThisInterpreter(KernelSpecManager):
    """Resolves the notebook's ``python3`` kernel to ``sys.executable`` with ipykernel."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name != "python3":
            raise ValueError(f"the quickstart runs on the python3 kernel, not {kernel_name!r}")
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (this interpreter)",
            language="python",
        )


def _text(cell: nbformat.NotebookNode) -> tuple[str, str]:
    """(what the cell printed, the plain-text form of its result)."""
    printed = "".join(out["text"] for out in cell["outputs"] if out["output_type"] == "stream")
    results = [out for out in cell["outputs"] if out["output_type"] == "execute_result"]
    shown = results[0]["data"]["text/plain"] if results else ""
    return printed, shown


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, tuple[str, str]], Path]:
    """The notebook run once in a fresh kernel: ``{cell id: _text(cell)}`` and its workdir."""
    workdir = tmp_path_factory.mktemp("quickstart")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    km = AsyncKernelManager(
        kernel_name="python3",
        kernel_spec_manager=_ThisInterpreter(),
        connection_file=str(workdir / "kernel.json"),
    )
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(workdir)}},
    )
    # Everything the kernel writes stays in workdir (a CI home may be read-only).
    env = {
        **os.environ,
        "POINTLINE_QUICKSTART_DIR": str(workdir),
        "IPYTHONDIR": str(workdir / "ipython"),
    }
    client.execute(env=env)
    outputs = {cell["id"]: _text(cell) for cell in nb.cells if cell["cell_type"] == "code"}
    return outputs, workdir


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell["cell_type"] == "code"]
    assert code
    assert [(c["id"], c["outputs"], c["execution_count"]) for c in code] == [
        (c["id"], [], None) for c in code
    ]
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_symbols_are_registered(executed):
    outputs, _ = executed
    printed, shown = outputs["symbols"]
    assert printed == "dim_symbol version 0\n"
    assert "BTCUSDT" in shown and "100000000" in shown  # tick size 0.1 scaled by 10**9


def test_ingest_succeeds_and_quarantines_the_two_bad_rows(executed):
    outputs, _ = executed
    assert outputs["ingest"][0] == (
        "status=success rows_written=998 rows_quarantined=2 file_id=1\n"
    )
    assert outputs["rerun"][0] == "status=success skipped=True\n"
    assert "success" in outputs["manifest"][1]


def test_quarantine_keeps_each_bad_row_with_its_reason(executed):
    outputs, _ = executed
    printed, shown = outputs["quarantine"]
    assert printed == "2 quarantined rows\n"
    assert "invalid_decimal" in shown and "n/a" in shown
    assert "missing_pit_symbol_coverage" in shown and "ETHUSDT" in shown


def test_scan_returns_exact_scaled_prices(executed):
    outputs, _ = executed
    # The notebook's first row (earliest trade) regenerated here: its decimal text, exactly.
    text = sample_frame("trades", 1_000, seed=7, step_us=60_000_000)["price"][0]
    expected = int(Decimal(text) * 10**9)
    assert outputs["scan"][0].startswith(f"998 rows; first price {expected} = ")


def test_plot_is_saved_as_png(executed):
    outputs, workdir = executed
    assert outputs["plot"][0] == "saved prices.png\n"
    png = (workdir / "prices.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 5_000
