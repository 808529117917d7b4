"""Lakes, Bronze files and the lake-wide invariants the reliability tests check.

Plain functions (no pytest), so that the child processes of the concurrency and kill tests can
import them too. Every Bronze file is generated in the documented vendor formats by the
vendors' ``samples`` modules; nothing here is vendor data.
"""

from __future__ import annotations

import gzip
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pointline.schemas.registry import event_table_names
from pointline.v2 import Lake
from pointline.v2.dim_symbol import SNAPSHOT_REQUIRED_COLUMNS
from pointline.v2.vendors.quant360 import samples as q360
from pointline.v2.vendors.tardis import FORMATS
from pointline.v2.vendors.tardis import samples as tardis

DAY_US = 86_400_000_000
SYMBOLS_FROM_US = tardis.DEFAULT_START_US - 30 * DAY_US
"""dim_symbol rows open a month before every generated row."""

TARDIS_EXCHANGE = tardis.DEFAULT_EXCHANGE
OPTIONS_EXCHANGE = "deribit"
SSE_SYMBOL = q360.sample_symbols("sse", 1)[0]
SZSE_SYMBOL = q360.sample_symbols("szse", 1)[0]

IDENTITY = ["vendor", "data_type", "bronze_path", "file_hash"]
LINEAGE = ["file_id", "file_seq"]
LOG_KEY = ["file_id", "table_name", "file_seq", "rule_name"]


def symbol_snapshot() -> pl.DataFrame:
    """dim_symbol snapshot covering every symbol the generators write."""
    rows = [
        (TARDIS_EXCHANGE, "BTCUSDT", "perpetual", "BTC", "USDT"),
        (TARDIS_EXCHANGE, "ETHUSDT", "perpetual", "ETH", "USDT"),
        *((OPTIONS_EXCHANGE, s, "option", "BTC", "USD") for s in tardis.DEFAULT_OPTION_SYMBOLS),
        ("sse", SSE_SYMBOL, "stock", SSE_SYMBOL, "CNY"),
        ("szse", SZSE_SYMBOL, "stock", SZSE_SYMBOL, "CNY"),
    ]
    return pl.DataFrame(
        [(e, s, s, m, b, q) for e, s, m, b, q in rows],
        schema=list(SNAPSHOT_REQUIRED_COLUMNS),
        orient="row",
    )


def new_lake(root: Path) -> Lake:
    """A lake at ``root`` whose dim_symbol covers every generated symbol."""
    lake = Lake(root)
    lake.upsert_symbols(symbol_snapshot(), SYMBOLS_FROM_US)
    return lake


# -- Bronze files ------------------------------------------------------------------------------

TARDIS_TYPES = tuple(FORMATS)
"""The eight Tardis data types."""

QUANT360_STREAMS = (
    ("order_new", "sse"),
    ("tick_new", "sse"),
    ("order_new", "szse"),
    ("tick_new", "szse"),
    ("L2_new", "szse"),
)


def tardis_name(data_type: str) -> str:
    symbol = "OPTIONS" if data_type == "options_chain" else "BTCUSDT"
    exchange = OPTIONS_EXCHANGE if data_type == "options_chain" else TARDIS_EXCHANGE
    return f"{exchange}_{data_type}_2024-01-01_{symbol}.csv.gz"


def tardis_text(data_type: str, rows: int = 6, *, seed: int = 0) -> bytes:
    """The CSV text of a generated Tardis file (uncompressed)."""
    exchange = OPTIONS_EXCHANGE if data_type == "options_chain" else TARDIS_EXCHANGE
    frame = tardis.sample_frame(data_type, rows, seed=seed, exchange=exchange)
    return frame.write_csv(quote_style="never").encode()


def quant360_text(data_type: str, exchange: str, rows: int = 6) -> bytes:
    """The member CSV text of a generated Quant360 file (uncompressed)."""
    symbol = SSE_SYMBOL if exchange == "sse" else SZSE_SYMBOL
    return q360.member_csv(data_type, exchange, symbol, rows)


def quant360_relpath(data_type: str, exchange: str) -> str:
    symbol = SSE_SYMBOL if exchange == "sse" else SZSE_SYMBOL
    return (
        f"quant360/exchange={exchange}/type={data_type}/date={q360.DEFAULT_DATE.isoformat()}/"
        f"symbol={symbol}/{symbol}.csv.gz"
    )


def write_bronze(path: Path, data: bytes, *, compress: bool = True) -> Path:
    """Write ``data`` at ``path`` (gzipped unless ``compress`` is false); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


def format_case(fmt: str) -> tuple[bytes, str]:
    """``(text, relative path)`` of one vendor format, named ``tardis:<type>`` or
    ``quant360:<stream>:<exchange>``."""
    vendor, *rest = fmt.split(":")
    if vendor == "tardis":
        return tardis_text(rest[0]), f"tardis/{tardis_name(rest[0])}"
    data_type, exchange = rest
    return quant360_text(data_type, exchange), quant360_relpath(data_type, exchange)


FORMAT_NAMES = (
    *(f"tardis:{t}" for t in TARDIS_TYPES),
    *(f"quant360:{t}:{e}" for t, e in QUANT360_STREAMS),
)


def with_bad_rows(text: bytes, *, every: int = 4) -> bytes:
    """Tardis trades text where every ``every``-th data row has an unknown side."""
    lines = text.decode().splitlines()
    out = [lines[0]]
    for i, line in enumerate(lines[1:], start=1):
        if i % every == 0:
            line = line.replace(",buy,", ",bogus,").replace(",sell,", ",bogus,")
        out.append(line)
    return ("\n".join(out) + "\n").encode()


# -- invariants --------------------------------------------------------------------------------


def table_path(lake: Lake, table: str) -> Path:
    return lake.silver_root / table  # a StorePath for a lake on an object store


def raw_rows(lake: Lake, table: str) -> pl.DataFrame:
    """Every row of ``table`` as stored (below ``Lake.scan``, pending files included)."""
    path = table_path(lake, table)
    if not lake._has_table(table):
        return pl.DataFrame(schema={"file_id": pl.Int64, "file_seq": pl.Int64})
    options = getattr(path, "options", None)
    return pl.read_delta(str(path), storage_options=options)


def existing_event_tables(lake: Lake) -> list[str]:
    return [t for t in event_table_names() if lake._has_table(t)]


@dataclass(frozen=True)
class LakeState:
    """What a lake holds per Bronze file, comparable across lakes (keyed by bronze path)."""

    files: dict[str, tuple]
    """bronze_path -> (status, rows_total, rows_written, rows_quarantined, table file_seqs,
    quarantined (file_seq, rule_name))."""
    event_rows: int
    log_rows: int


def check_invariants(lake: Lake) -> LakeState:
    """Assert the lake-wide guarantees and return its per-file state.

    * one manifest row per identity, file ids unique;
    * no event table and no validation_log holds a duplicate row key, stored or visible;
    * ``Lake.scan`` shows no row of a ``pending`` file;
    * a ``success``/``quarantined`` file has exactly ``rows_written`` rows stored and
      ``rows_quarantined`` log rows; a ``failed`` file has none of either.
    """
    manifest = lake.manifest()
    assert not manifest.select(IDENTITY).is_duplicated().any(), "identity repeated"
    assert manifest["file_id"].is_unique().all(), "file_id repeated"
    status = dict(zip(manifest["file_id"], manifest["status"], strict=True))
    pending = [i for i, s in status.items() if s == "pending"]

    stored_by_file: Counter[int] = Counter()
    seqs: dict[int, list[int]] = {}
    event_rows = 0
    for table in existing_event_tables(lake):
        raw = raw_rows(lake, table)
        dupes = raw.select(LINEAGE).is_duplicated().sum()
        assert dupes == 0, f"{table}: {dupes} duplicate (file_id, file_seq) rows"
        visible = lake.scan(table).collect()
        shown = set(visible["file_id"].unique().to_list())
        assert not shown & set(pending), f"{table}: rows of pending files visible"
        for file_id, group in raw.group_by("file_id"):
            fid = int(file_id[0])
            stored_by_file[fid] += group.height
            seqs.setdefault(fid, []).extend(group["file_seq"].to_list())
        event_rows += visible.height

    log = lake.quarantine()
    assert not log.select(LOG_KEY).is_duplicated().any(), "validation_log key repeated"
    assert log["rule_name"].null_count() == 0
    logged: dict[int, list[tuple[int | None, str]]] = {}
    for row in log.select("file_id", "file_seq", "rule_name").iter_rows():
        logged.setdefault(row[0], []).append((row[1], row[2]))

    files: dict[str, tuple] = {}
    for row in manifest.iter_rows(named=True):
        fid, state = row["file_id"], row["status"]
        if state in ("success", "quarantined"):
            assert stored_by_file[fid] == row["rows_written"], (row, stored_by_file[fid])
            assert len(logged.get(fid, [])) == row["rows_quarantined"], row
        elif state == "failed":
            assert stored_by_file[fid] == 0, f"failed file {row['bronze_path']} has rows"
            assert not logged.get(fid), f"failed file {row['bronze_path']} has log rows"
        files[row["bronze_path"]] = (
            state,
            row["rows_total"],
            row["rows_written"],
            row["rows_quarantined"],
            tuple(sorted(seqs.get(fid, []))) if state != "pending" else None,
            tuple(sorted(logged.get(fid, []), key=str)) if state != "pending" else None,
        )
    return LakeState(files=files, event_rows=event_rows, log_rows=log.height)


def file_rows(lake: Lake, file_id: int) -> tuple[int, int]:
    """(event rows stored in any table, validation_log rows) of ``file_id``."""
    stored = sum(
        raw_rows(lake, t).filter(pl.col("file_id") == file_id).height
        for t in existing_event_tables(lake)
    )
    return stored, lake.quarantine(file_id=file_id).height
