"""``pointline book EXCHANGE SYMBOL``: the order book rebuilt from ``orderbook_updates``."""

from __future__ import annotations

from pathlib import Path

import click
import polars as pl

from pointline.cli import render
from pointline.cli.options import TimestampType, settings, shared_options
from pointline.cli.show import DEFAULT_SHOWN_ROWS, output_format, output_options, text_lists


def _summary(frame: pl.DataFrame) -> pl.DataFrame:
    """One line per boundary for the terminal: the best level of each side and the counts."""
    return frame.select(
        "ts_us",
        pl.from_epoch("ts_us", time_unit="us").dt.strftime("%Y-%m-%dT%H:%M:%S%.6f").alias("utc"),
        pl.col("bid_price_levels").list.len().alias("bids"),
        pl.col("bid_qty_levels").list.first().alias("bid_qty"),
        pl.col("bid_price_levels").list.first().alias("bid_price"),
        pl.col("ask_price_levels").list.first().alias("ask_price"),
        pl.col("ask_qty_levels").list.first().alias("ask_qty"),
        pl.col("ask_price_levels").list.len().alias("asks"),
        "updates",
        "crossed",
    )


@click.command("book")
@click.argument("exchange")
@click.argument("symbol")
@click.option(
    "--start", required=True, type=TimestampType(), help="After this time (µs or ISO, UTC)."
)
@click.option("--end", required=True, type=TimestampType(), help="Up to this time (inclusive).")
@click.option("--every", required=True, help="Clock step: 100ms, 1s, 1m, ... (or µs).")
@click.option(
    "--depth", type=int, default=10, show_default=True, help="Most levels per side, best first."
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=DEFAULT_SHOWN_ROWS,
    show_default=True,
    help="Rows shown in the table (--json and --output have every row).",
)
@output_options
@shared_options
def book(
    exchange: str,
    symbol: str,
    start: int,
    end: int,
    every: str,
    depth: int,
    limit: int,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Rebuild the order book of SYMBOL on EXCHANGE at every --every boundary in (start, end].

    Each row is the book after every update that arrived before the boundary (replayed from
    the last snapshot), best level first; prices and quantities are integers scaled by 10**9.
    """
    from pointline.research.book import book as rebuild

    fmt = output_format(fmt, output)
    opts = settings()
    lake = opts.open_lake()
    every_value: str | int = int(every) if every.strip().isdigit() else every
    frame = rebuild(lake, exchange, symbol, start=start, end=end, every=every_value, depth=depth)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            text_lists(frame).write_csv(output)
        else:
            frame.write_parquet(output)
        if opts.json:
            render.emit_json(
                {"command": "book", "format": fmt, "output": str(output), "rows": frame.height}
            )
        else:
            render.stdout_console().print(f"Wrote {frame.height:,} book row(s) to {output}.")
        return
    if opts.json:
        render.emit_json(
            {
                "command": "book",
                "exchange": exchange,
                "symbol": symbol,
                "every": every,
                "depth": depth,
                "rows": render.frame_rows(frame),
            }
        )
    elif fmt == "csv":
        click.echo(text_lists(frame).write_csv(), nl=False)
    elif frame.is_empty():
        render.stdout_console().print("No boundary in (start, end]: nothing to show.")
    else:
        shown = _summary(frame.head(limit))
        title = (
            f"{symbol} on {exchange} every {every}: first {shown.height} of {frame.height} "
            "boundaries (best levels; prices and quantities scaled by 10**9)"
        )
        render.stdout_console().print(render.frame_table(shown, title=title))
