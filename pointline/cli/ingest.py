"""``pointline ingest`` and ``pointline import-quant360``: the multi-file commands."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path

import click
from rich.table import Table

from pointline.cli import render
from pointline.cli.options import settings, shared_options
from pointline.schemas.types import INGEST_STATUS_FAILED
from pointline.v2.models import BronzeFileMetadata, IngestionResult


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Re-ingest files that already succeeded.")
@click.option("--dry-run", is_flag=True, help="Parse and check only; write nothing.")
@click.option("--vendor", help="Vendor of every file (when their paths do not say it).")
@click.option("--data-type", help="Data type of every file (when their paths do not say it).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Ingest on N processes of this machine (default: in this process).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Ingest on the Dask cluster whose scheduler runs at ADDRESS (needs pointline[dask]).",
)
@shared_options
def ingest(
    paths: tuple[Path, ...],
    force: bool,
    dry_run: bool,
    vendor: str | None,
    data_type: str | None,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Ingest Bronze files (directories are walked) into the lake's Silver tables.

    A file already ingested is skipped unless --force. Exit status 0 when every file ended
    success or was skipped, 1 when any failed or was quarantined.
    """
    if workers is not None and scheduler is not None:
        raise click.UsageError("give --workers or --scheduler, not both")
    from pointline.v2.bronze import EXPECTED_LAYOUT, find_files

    opts = settings()
    lake = opts.open_lake()
    files = find_files(paths)
    if not files:
        raise ValueError(
            f"no Bronze files found in {', '.join(str(p) for p in paths)}: files are found by "
            f"their path, {EXPECTED_LAYOUT}; name a file directly with --vendor and "
            "--data-type otherwise"
        )
    as_found = {str(path.resolve()): str(path) for path in files}
    as_found.update({str(path): str(path) for path in files})
    console = render.stdout_console()
    outcomes: list[render.FileOutcome] = []
    started = time.perf_counter()
    with (
        _executor(workers, scheduler) as executor,
        render.file_progress(console, len(files), enabled=not opts.json) as progress,
    ):

        def on_result(meta: BronzeFileMetadata, result: IngestionResult) -> None:
            path = str((meta.extra or {}).get("path", meta.bronze_file_path))
            outcome = render.FileOutcome(as_found.get(path, path), result)
            outcomes.append(outcome)
            progress.advance(outcome)

        lake.ingest(
            files,
            force=force,
            dry_run=dry_run,
            on_result=on_result,
            vendor=vendor,
            data_type=data_type,
            executor=executor,
        )
    # reported in walk order, whatever order the executor finished them in
    position = {str(path): n for n, path in enumerate(files)}
    outcomes.sort(key=lambda o: position.get(o.path, len(files)))
    summary = render.totals(outcomes, time.perf_counter() - started)
    status = render.exit_status(outcomes)
    if opts.json:
        render.emit_json(
            {
                "command": "ingest",
                "lake": str(lake.root),
                "dry_run": dry_run,
                "force": force,
                "files": [o.to_dict() for o in outcomes],
                "totals": summary,
                "exit_status": status,
            }
        )
    else:
        console.print(render.results_table(outcomes))
        console.print(render.totals_line(summary, dry_run=dry_run))
        lake_option = f" --lake {opts.lake}" if opts.lake is not None else ""
        render.print_problems(render.stderr_console(), outcomes, lake=lake_option)
    click.get_current_context().exit(status)


@contextmanager
def _executor(workers: int | None, scheduler: str | None) -> Iterator[Executor | None]:
    """None (this process), a pool of ``workers`` processes, or a Dask cluster's executor."""
    from pointline.v2.scaleout.executors import dask_executor, process_pool

    if scheduler is not None:
        with dask_executor(scheduler) as executor:
            yield executor
    elif workers is not None:
        with process_pool(workers) as pool:
            yield pool
    else:
        yield None


@click.command("import-quant360")
@click.argument("source_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@shared_options
def import_quant360(source_dir: Path) -> None:
    """Unpack Quant360 7z archives in SOURCE_DIR into per-symbol Bronze files.

    Archives already imported are skipped. Exit status 1 when any archive failed (nothing of a
    failed archive is published). Ingest the files afterwards with
    `pointline ingest <lake>/bronze/quant360`.
    """
    opts = settings()
    lake = opts.open_lake()
    console = render.stdout_console()
    started = time.perf_counter()
    with render.spinner(console, "Importing archives", enabled=not opts.json) as update:
        published = 0

        def on_published(_meta: object) -> None:
            nonlocal published
            published += 1
            update(f"Importing archives: {published} file(s) published")

        report = lake.import_quant360(source_dir, on_published=on_published)
    seconds = time.perf_counter() - started
    failed = [a for a in report.archives if a.status == INGEST_STATUS_FAILED]
    status = 1 if failed else 0
    quant360_dir = lake.bronze_root / "quant360"
    if opts.json:
        render.emit_json(
            {
                "command": "import-quant360",
                "lake": str(lake.root),
                "source_dir": str(source_dir),
                "archives": [
                    {
                        "name": a.name,
                        "status": a.status,
                        "reason": a.reason,
                        "message": a.message,
                        "members": len(a.members),
                        "unexpected_members": list(a.unexpected_members),
                    }
                    for a in report.archives
                ],
                "files": [m.bronze_file_path for m in report.files],
                "seconds": round(seconds, 3),
                "exit_status": status,
            }
        )
    else:
        table = Table(title="Archives", title_justify="left")
        for name in ("archive", "status", "members", "reason"):
            table.add_column(name, justify="right" if name == "members" else "left")
        for a in report.archives:
            table.add_row(a.name, render.status_text(a.status), str(len(a.members)), a.reason or "")
        console.print(table)
        console.print(
            f"{len(report.archives)} archive(s), {len(report.files)} Bronze file(s) in "
            f"{quant360_dir} ({seconds:.1f} s). Next: pointline ingest {quant360_dir}"
        )
        errors = render.stderr_console()
        for a in failed:
            errors.print(
                f"{source_dir / a.name}: failed ({a.reason}): {a.message}; nothing of it was "
                "published: replace the archive and run the command again."
            )
    click.get_current_context().exit(status)
