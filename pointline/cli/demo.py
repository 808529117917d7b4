"""``pointline demo``: build a small lake from generated vendor files and show what it holds."""

from __future__ import annotations

import click

from pointline.cli import render
from pointline.cli.options import settings, shared_options
from pointline.schemas.types import INGEST_STATUS_FAILED


@click.command("demo")
@shared_options
def demo() -> None:
    """Generate a small Bronze set (Tardis and Quant360 formats), ingest it, show the result.

    The data has a few bad rows and a symbol missing from dim_symbol on purpose: their rows are
    quarantined, which is what the demo shows. Rerunning it skips every file. Exit status 0
    unless a file failed.
    """
    from pointline.v2.demo import run_demo

    opts = settings()
    console = render.stdout_console()
    root = opts.local_root("pointline demo")
    building = f"Building the demo lake in {root}"
    with render.spinner(console, building, enabled=not opts.json):
        summary = run_demo(root)
    status = 1 if summary.failed else 0
    if opts.json:
        render.emit_json({"command": "demo", **summary.to_dict(), "exit_status": status})
        click.get_current_context().exit(status)
    outcomes = [render.FileOutcome(f.path, f.result) for f in summary.files]
    root = summary.lake_root
    console.print(render.results_table(outcomes, title=f"Bronze files under {root / 'bronze'}"))
    if summary.all_skipped:
        console.print(f"Every file was already ingested: all {len(outcomes)} skipped.")
    console.print(render.counts_table(summary.rows_per_table, title="Silver rows", key="table"))
    console.print(
        render.counts_table(
            summary.manifest_statuses, title="Manifest", key="status", value="files"
        )
    )
    console.print(
        render.counts_table(summary.quarantined_by_reason, title="Quarantined rows", key="reason")
    )
    console.print(
        render.frame_table(
            summary.sample,
            title="pointline scan trades --symbol BTCUSDT (prices and quantities scaled by 10**9)",
        )
    )
    # Repeat --lake only when it was given: otherwise the commands find the same lake.
    lake = f" --lake {root}" if opts.lake is not None else ""
    quarantined = [f.result.file_id for f in summary.files if f.result.rows_quarantined]
    file_id = f" --file-id {quarantined[0]}" if quarantined else ""
    console.print("Next:")
    console.print(f"  pointline manifest{lake}")
    console.print(f"  pointline quarantine{lake}{file_id}")
    console.print(f"  pointline scan trades{lake} --symbol ETHUSDT --limit 10")
    console.print(f"  pointline symbols show{lake}")
    failed = [o for o in outcomes if o.result.status == INGEST_STATUS_FAILED]
    render.print_problems(render.stderr_console(), failed)
    click.get_current_context().exit(status)
