"""The research surface of shared/spec/api.md ("Research reads"): names and signatures."""

from __future__ import annotations

import inspect

import pytest

import pointline.research
from pointline.research import align, spine, trading_phase
from pointline.v2 import Lake

P, K = "POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY"
REQUIRED = inspect.Parameter.empty

# (parameter, kind, default) as the spec writes them
SIGNATURES = {
    Lake.symbols: [("exchange", K, None), ("search", K, None), ("as_of", K, None)],
    Lake.coverage: [("table", P, None), ("exchange", K, None)],
    Lake.load: [
        ("table", P, REQUIRED),
        ("exchange", K, REQUIRED),
        ("symbols", K, REQUIRED),
        ("start", K, REQUIRED),
        ("end", K, REQUIRED),
        ("columns", K, None),
        ("decode", K, None),
    ],
    Lake.book: [
        ("exchange", P, REQUIRED),
        ("symbol", P, REQUIRED),
        ("start", K, REQUIRED),
        ("end", K, REQUIRED),
        ("every", K, REQUIRED),
        ("depth", K, 10),
    ],
    Lake.duckdb: [("con", P, None)],
    spine: [
        ("lake", P, REQUIRED),
        ("kind", P, REQUIRED),
        ("exchange", K, REQUIRED),
        ("symbols", K, REQUIRED),
        ("start", K, REQUIRED),
        ("end", K, REQUIRED),
        ("every", K, None),
        ("size", K, None),
    ],
    align: [
        ("spine", P, REQUIRED),
        ("events", P, REQUIRED),
        ("time", K, "ts_local_us"),
        ("by", K, "symbol_id"),
        ("tolerance", K, None),
    ],
    trading_phase: [("df", P, REQUIRED), ("exchange", K, REQUIRED), ("time", K, "ts_event_us")],
}


@pytest.mark.parametrize("func", list(SIGNATURES), ids=lambda f: f.__qualname__)
def test_signature_is_the_spec(func) -> None:
    params = [
        (p.name, p.kind.name, p.default)
        for p in inspect.signature(func).parameters.values()
        if p.name != "self"
    ]
    assert params == SIGNATURES[func]


def test_package_exports() -> None:
    assert pointline.research.__all__ == ["align", "spine", "trading_phase"]
