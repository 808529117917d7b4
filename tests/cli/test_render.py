"""Output helpers: the progress bar only on a terminal, error sentences, exit statuses."""

from __future__ import annotations

import io

from rich.console import Console

from pointline.cli import main
from pointline.cli.app import error_sentence
from pointline.cli.render import FileOutcome, exit_status, file_progress
from pointline.errors import LayoutError, VersionMismatchError
from pointline.v2.ingestion.models import IngestionResult


def _outcome(status: str, *, skipped: bool = False, rows: int = 10) -> FileOutcome:
    result = IngestionResult(
        status=status, row_count=rows, rows_written=rows, rows_quarantined=0, skipped=skipped
    )
    return FileOutcome(f"{status}.csv.gz", result)


def test_exit_status() -> None:
    assert exit_status([_outcome("success"), _outcome("success", skipped=True)]) == 0
    assert exit_status([_outcome("success"), _outcome("quarantined")]) == 1
    assert exit_status([_outcome("failed")]) == 1
    assert exit_status([]) == 0


def test_progress_bar_on_a_terminal() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with file_progress(console, 2, enabled=True) as progress:
        progress.advance(_outcome("success", rows=1_000))
        progress.advance(_outcome("failed", rows=0))
    drawn = screen.getvalue()
    assert "2/2" in drawn
    assert "rows/s" in drawn
    assert "1 failed" in drawn
    assert (progress.rows, progress.failures) == (1_000, 1)


def test_no_progress_bar_off_a_terminal_or_for_json() -> None:
    for console, enabled in (
        (Console(file=io.StringIO(), force_terminal=False), True),
        (Console(file=io.StringIO(), force_terminal=True), False),
    ):
        with file_progress(console, 1, enabled=enabled) as progress:
            progress.advance(_outcome("quarantined"))
        assert console.file.getvalue() == ""
        assert progress.failures == 1


def test_error_sentences() -> None:
    assert error_sentence(VersionMismatchError("dim_symbol: version mismatch (3 != 4)")) == (
        "Error: dim_symbol: version mismatch (3 != 4); another process changed the table "
        "first: run the command again."
    )
    assert error_sentence(LayoutError("x.csv: cannot tell the vendor.")) == (
        "Error: x.csv: cannot tell the vendor; move the file into the Bronze layout or pass "
        "--vendor and --data-type."
    )
    assert error_sentence(ValueError("bad value")) == "Error: bad value."


def test_main_is_the_console_script(capsys) -> None:
    try:
        main(["--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert "pointline demo" in capsys.readouterr().out
