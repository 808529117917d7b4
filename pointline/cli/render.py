"""Terminal output: rich tables of frames and file results, the progress bar, JSON documents.

Tables go to stdout, errors to stderr. When stdout is not a terminal (a pipe, a file, a test)
tables are drawn 160 columns wide (or ``$COLUMNS``) without colour, and no progress bar is shown.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click
import polars as pl
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from pointline.schemas.types import (
    INGEST_STATUS_FAILED,
    INGEST_STATUS_QUARANTINED,
    INGEST_STATUS_SUCCESS,
)
from pointline.v2.models import IngestionResult
from pointline.v2.reasons import MISSING_PIT_SYMBOL_COVERAGE

_PIPE_WIDTH = 160
_STATUS_STYLE = {
    INGEST_STATUS_SUCCESS: "green",
    INGEST_STATUS_QUARANTINED: "yellow",
    INGEST_STATUS_FAILED: "bold red",
    "skipped": "dim",
    "pending": "cyan",
}


def stdout_console() -> Console:
    """A console on the current stdout (looked up at call time, so test runners capture it)."""
    probe = Console(soft_wrap=True)
    if probe.is_terminal:
        return probe
    width = int(os.environ.get("COLUMNS") or _PIPE_WIDTH)
    return Console(width=width, no_color=True, soft_wrap=True)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def emit_json(document: Any) -> None:
    """Print ``document`` as one JSON document on stdout (dates as ISO text)."""
    click.echo(json.dumps(document, default=_json_default, indent=2))


def frame_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-ready dicts."""
    return json.loads(json.dumps(frame.to_dicts(), default=_json_default))


# -- file results ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FileOutcome:
    """What became of one file: its path as found and the pipeline's result."""

    path: str
    result: IngestionResult

    @property
    def label(self) -> str:
        """``skipped`` for a skip, else the status."""
        return "skipped" if self.result.skipped else self.result.status

    @property
    def is_problem(self) -> bool:
        return self.result.status in (INGEST_STATUS_FAILED, INGEST_STATUS_QUARANTINED)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, **dataclasses.asdict(self.result)}


def exit_status(outcomes: Iterable[FileOutcome]) -> int:
    """0 when every file succeeded or was skipped, 1 when any failed or was quarantined."""
    return 1 if any(o.is_problem for o in outcomes) else 0


def totals(outcomes: Sequence[FileOutcome], seconds: float) -> dict[str, Any]:
    """File counts per outcome and row counts, for the final line and the JSON document."""
    labels = [o.label for o in outcomes]
    return {
        "files": len(outcomes),
        "success": labels.count(INGEST_STATUS_SUCCESS),
        "skipped": labels.count("skipped"),
        "quarantined": labels.count(INGEST_STATUS_QUARANTINED),
        "failed": labels.count(INGEST_STATUS_FAILED),
        "rows": sum(o.result.row_count for o in outcomes),
        "rows_written": sum(o.result.rows_written for o in outcomes),
        "rows_quarantined": sum(o.result.rows_quarantined for o in outcomes),
        "seconds": round(seconds, 3),
    }


def status_text(label: str) -> Text:
    return Text(label, style=_STATUS_STYLE.get(label, ""))


def _common_folder(paths: Sequence[str]) -> str:
    """The folder every path lies in ("" when they share none)."""
    folders = [os.path.dirname(p) for p in paths]
    if not folders or any(not f for f in folders):
        return ""
    try:
        return os.path.commonpath(folders)
    except ValueError:  # absolute and relative paths mixed
        return ""


def results_table(outcomes: Sequence[FileOutcome], *, title: str = "Files") -> Table:
    """One row per file; the folder all files share is named once, in the title, and the
    ``reason`` column only shows when a file has one."""
    folder = _common_folder([o.path for o in outcomes])
    if folder:
        title = f"{title} in {folder}"
    with_reason = any(o.result.failure_reason for o in outcomes)
    table = Table(title=title, title_justify="left")
    table.add_column("file", overflow="fold")
    table.add_column("status")
    for name in ("file_id", "rows", "written", "quarantined"):
        table.add_column(name, justify="right")
    if with_reason:
        table.add_column("reason")
    for o in outcomes:
        r = o.result
        cells = [
            os.path.relpath(o.path, folder) if folder else o.path,
            status_text(o.label),
            _cell(r.file_id),
            f"{r.row_count:,}",
            f"{r.rows_written:,}",
            f"{r.rows_quarantined:,}",
        ]
        if with_reason:
            cells.append(r.failure_reason or "")
        table.add_row(*cells)
    return table


def totals_line(summary: Mapping[str, Any], *, dry_run: bool = False) -> str:
    prefix = "Dry run (nothing written): " if dry_run else ""
    return (
        f"{prefix}{summary['files']} file(s): {summary['success']} ingested, "
        f"{summary['skipped']} skipped, {summary['quarantined']} quarantined, "
        f"{summary['failed']} failed; {summary['rows']:,} rows read, "
        f"{summary['rows_written']:,} written, {summary['rows_quarantined']:,} quarantined "
        f"in {summary['seconds']:.1f} s"
    )


def print_problems(console: Console, outcomes: Iterable[FileOutcome], *, lake: str = "") -> None:
    """One sentence per failed or quarantined file, with what to do next.

    Args:
        console: where to print (stderr).
        outcomes: the files; those that ended well are passed over.
        lake: `` --lake DIR`` to repeat in the suggested commands ("" when not given).
    """
    for o in outcomes:
        if not o.is_problem:
            continue
        r = o.result
        if r.status == INGEST_STATUS_FAILED:
            hint = "fix the file (or the lake) and run the command again"
        else:
            hint = f"see `pointline quarantine --file-id {r.file_id}{lake}`"
            if MISSING_PIT_SYMBOL_COVERAGE in (r.failure_reason or ""):
                hint += (
                    f"; rows whose symbol is not in dim_symbol at their time are kept there: "
                    f"check `pointline symbols show{lake}`"
                )
        message = r.error_message or r.failure_reason or r.status
        console.print(f"{o.path}: {r.status}: {message}; {hint}.", markup=False, highlight=False)


# -- frames ----------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "[" + ", ".join(_cell(v) for v in value) + "]"
    return str(value)


def frame_table(frame: pl.DataFrame, *, title: str | None = None) -> Table:
    """A rich table of every row and column of ``frame`` (numbers right-aligned)."""
    table = Table(title=title, title_justify="left")
    for name, dtype in frame.schema.items():
        table.add_column(name, justify="right" if dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        table.add_row(*(_cell(v) for v in row))
    return table


def counts_table(counts: Mapping[str, int], *, title: str, key: str, value: str = "rows") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(key)
    table.add_column(value, justify="right")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    return table


# -- progress --------------------------------------------------------------------------------
class FileProgress:
    """Advances a progress bar (files done, rows/s, failures so far); a no-op when disabled."""

    def __init__(self, progress: Progress | None = None, task: TaskID | None = None) -> None:
        self._progress = progress
        self._task = task
        self._started = time.perf_counter()
        self.rows = 0
        self.failures = 0

    def advance(self, outcome: FileOutcome) -> None:
        self.rows += outcome.result.row_count
        self.failures += outcome.is_problem
        if self._progress is None or self._task is None:
            return
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        self._progress.update(
            self._task,
            advance=1,
            rate=f"{self.rows / elapsed:,.0f} rows/s",
            failures=f"{self.failures} failed",
        )


@contextmanager
def file_progress(console: Console, total: int, *, enabled: bool) -> Iterator[FileProgress]:
    """A progress bar over ``total`` files, drawn only when ``enabled`` and on a terminal."""
    if not (enabled and console.is_terminal and total):
        yield FileProgress()
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TextColumn("{task.fields[failures]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with progress:
        task = progress.add_task("files", total=total, rate="0 rows/s", failures="0 failed")
        yield FileProgress(progress, task)


@contextmanager
def spinner(console: Console, text: str, *, enabled: bool) -> Iterator[Callable[[str], None]]:
    """A spinner with a status line (only when ``enabled`` and on a terminal); yields the
    function that changes its text."""
    if not (enabled and console.is_terminal):
        yield lambda _text: None
        return
    with console.status(text) as status:
        yield status.update
