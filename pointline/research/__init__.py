"""Research reads over a pointline lake (see ``shared/spec/api.md``, "Research reads").

The lake methods (``lake.symbols``, ``lake.coverage``, ``lake.load``, ``lake.book``,
``lake.duckdb``) come from :class:`pointline.research.lake_reads.ResearchReads`, which
:class:`pointline.v2.Lake` inherits. The functions here work on what they return:

* :func:`spine` — the bar boundaries (clock, trades, volume, dollar) of some symbols;
* :func:`align` — the latest event strictly before each spine row (no look-ahead);
* :func:`trading_phase` — the SSE/SZSE trading phase of each row.
"""

from pointline.research.asof import align
from pointline.research.bars import spine
from pointline.research.phases import trading_phase

__all__ = ["align", "spine", "trading_phase"]
