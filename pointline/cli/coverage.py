"""``pointline coverage``: what the lake holds per table, exchange and symbol."""

from __future__ import annotations

import click

from pointline.cli import render
from pointline.cli.options import settings, shared_options


@click.command("coverage")
@click.argument("table", required=False)
@click.option("--exchange", help="Only this exchange.")
@shared_options
def coverage(table: str | None, exchange: str | None) -> None:
    """Show the dates, rows and files held per (table, exchange, symbol), for every event table
    or only TABLE (e.g. trades). Counted from the manifest, without reading the rows."""
    opts = settings()
    lake = opts.open_lake()
    frame = lake.coverage(table, exchange=exchange)
    if opts.json:
        render.emit_json(
            {
                "command": "coverage",
                "lake": str(lake.root),
                "table": table,
                "exchange": exchange,
                "rows": render.frame_rows(frame),
            }
        )
        return
    console = render.stdout_console()
    if frame.is_empty():
        parts = [f"table {table!r}"] if table else []
        parts += [f"exchange {exchange!r}"] if exchange else []
        which = f" for {' and '.join(parts)}" if parts else ""
        console.print(f"No ingested rows in {lake.root}{which}.")
        return
    title = f"coverage ({frame.height} table/exchange/symbol rows; dates are trading dates)"
    console.print(render.frame_table(frame, title=title))
